// streamops resumable-stream client (ES module, no dependencies).
//
//   import { follow } from "/static/streamops-resume.js";
//   const end = await follow(["/api/streams/42", "https://b.example/api/streams/42"], {
//     onFrame: (frame) => render(JSON.parse(frame.data)),
//   });
//   // end.event is "done", "error", "cancelled" or "producer_lost"
//
// Reads a stream served by streamops' resume_response(). When the connection
// drops (a network switch, a dead worker) it reconnects, to the next URL in the
// list, with ?last_event_id=<the last id it has>, so it continues exactly where
// it was: no gap, no duplicate. It ends on the stream's terminal frame, and
// gives up (rejecting) after `maxRetries` failed attempts in a row.

const TERMINAL = new Set(["done", "error", "cancelled", "producer_lost"]);

function withPosition(url, lastEventId) {
  if (lastEventId === null) return url;
  const u = new URL(url, globalThis.location ? globalThis.location.href : undefined);
  u.searchParams.set("last_event_id", String(lastEventId));
  return u.toString();
}

// Parse SSE text incrementally; calls onEvent({id, event, data}) per frame.
function sseParser(onEvent) {
  let buffer = "";
  let data = [];
  let event = null;
  let id = null;
  return (text) => {
    buffer += text;
    let end;
    while ((end = buffer.search(/\r\n|\r|\n/)) >= 0) {
      if (buffer[end] === "\r" && end + 1 === buffer.length) break; // a CR that may precede LF
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer.startsWith("\r\n", end) ? 2 : 1));
      if (line === "") {
        if (data.length) onEvent({ id, event, data: data.join("\n") });
        data = [];
        event = null;
        id = null;
      } else if (!line.startsWith(":")) {
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "data") data.push(value);
        else if (field === "event") event = value;
        else if (field === "id") id = value;
      }
    }
  };
}

export async function follow(urls, options = {}) {
  const list = Array.isArray(urls) ? urls : [urls];
  const onFrame = options.onFrame || (() => {});
  const onReconnect = options.onReconnect || (() => {});
  const maxRetries = options.maxRetries ?? 20;
  const retryDelay = options.retryDelay ?? 250;
  let lastEventId = options.lastEventId ?? null;
  let failures = 0;
  let attempt = 0;
  for (;;) {
    const url = list[attempt % list.length];
    let terminal = null;
    try {
      const response = await fetch(withPosition(url, lastEventId), {
        headers: { Accept: "text/event-stream" },
        signal: options.signal,
        cache: "no-store",
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      const feed = sseParser((frame) => {
        if (terminal) return;
        if (frame.id !== null && frame.id !== "") lastEventId = Number(frame.id);
        if (TERMINAL.has(frame.event)) terminal = frame;
        else failures = 0;
        onFrame(frame);
      });
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        feed(value);
        if (terminal) break;
      }
      if (terminal) {
        reader.cancel().catch(() => {});
        return terminal;
      }
      throw new Error("the stream ended without its terminal frame");
    } catch (err) {
      if (options.signal && options.signal.aborted) throw err;
      failures += 1;
      if (failures > maxRetries) throw err;
      attempt += 1;
      onReconnect({ error: String(err), lastEventId, url: list[attempt % list.length] });
      await new Promise((resolve) => setTimeout(resolve, Math.min(retryDelay * failures, 2000)));
    }
  }
}
