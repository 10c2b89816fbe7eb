// Reads a JSON array of UI message stream bodies (SSE text, as our server sends it) on
// stdin; reads each one with the AI SDK's own parsing (parseJsonEventStream with
// uiMessageChunkSchema) and reader (readUIMessageStream), feeding the bytes in small
// pieces; writes, for each body, the final UIMessage and what the reader saw, as JSON.
import { parseJsonEventStream, readUIMessageStream, uiMessageChunkSchema } from "ai";

function bytes(text, size) {
  const data = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      for (let i = 0; i < data.length; i += size) controller.enqueue(data.slice(i, i + size));
      controller.close();
    },
  });
}

async function read(body) {
  const invalid = [];
  const chunks = [];
  const parsed = parseJsonEventStream({ stream: bytes(body, 7), schema: uiMessageChunkSchema });
  const validChunks = parsed.pipeThrough(
    new TransformStream({
      transform(result, controller) {
        if (!result.success) {
          invalid.push({ raw: result.rawValue, error: String(result.error) });
          return;
        }
        chunks.push(result.value);
        controller.enqueue(result.value);
      },
    }),
  );
  const errors = [];
  let message = null;
  for await (const snapshot of readUIMessageStream({
    stream: validChunks,
    onError: (error) => errors.push(String(error && error.message ? error.message : error)),
  })) {
    message = snapshot;
  }
  const finish = chunks.find((chunk) => chunk.type === "finish") || null;
  return {
    message,
    types: chunks.map((chunk) => chunk.type),
    finishReason: finish ? finish.finishReason ?? null : null,
    errors,
    invalid,
  };
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", async () => {
  const results = [];
  for (const body of JSON.parse(input)) results.push(await read(body));
  process.stdout.write(JSON.stringify(results));
});
