// Runs @ag-ui/client's HttpAgent against our server: argv[2] is the base URL, argv[3]
// a JSON array of [path, threadId, runId]. For each run, writes the agent's messages and
// state afterwards, the event types the client saw, and the run's error, as JSON.
import { HttpAgent } from "@ag-ui/client";

async function runOne(base, [path, threadId, runId]) {
  const agent = new HttpAgent({ url: base + path, threadId });
  const types = [];
  let error = null;
  let finished = null;
  try {
    await agent.runAgent(
      { runId },
      {
        onEvent: ({ event }) => { types.push(event.type); },
        onRunFinishedEvent: ({ event }) => { finished = event; },
        onRunErrorEvent: ({ event }) => { error = { message: event.message, code: event.code ?? null }; },
      },
    );
  } catch (exc) {
    if (error === null) error = { message: String(exc && exc.message ? exc.message : exc), code: "thrown" };
  }
  return { messages: agent.messages, state: agent.state, types, error, finished };
}

const results = [];
for (const spec of JSON.parse(process.argv[3])) results.push(await runOne(process.argv[2], spec));
process.stdout.write(JSON.stringify(results));
