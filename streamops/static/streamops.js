/**
 * streamops.js: the browser end of streamops' server-sent events. An ES module
 * with no dependencies; serve it with `streamops.browser_client_response()`.
 *
 *   import { stream } from "/streamops.js";
 *
 *   const trip = stream("/api/trip", {
 *     body: { prompt: "A weekend in Lisbon" },  // an object is POSTed as JSON
 *     patches: true,                  // message frames are JSON Patches
 *     onPartial: (doc) => render(doc),              // a snapshot, not validated
 *     onFinal: (doc) => render(doc, { final: true }),  // the validated value
 *     onError: (error) => show(error.message, error.path),
 *     onDone: () => {},
 *   });
 *   stopButton.onclick = () => trip.stop();   // aborts the request
 *   const end = await trip.result;  // {state: "done"|"stopped"|"error", value, error}
 *
 * Or read the same updates with `for await (const update of trip)`: each is
 * `{type, value, frame}` with type "partial", "final", "event" (another named
 * frame: `gap`, your own), then one of "done", "stopped" or "error" (with
 * `error`), after which the loop ends.
 *
 * `stream(url, options)` options:
 *   method    "POST" when there is a body, else "GET".
 *   body      an object or array (sent as JSON), or a string, Blob, FormData...
 *   headers   extra request headers.
 *   patches   false (default): each message frame is the whole value (a
 *             snapshot). true: each is a JSON Patch applied to the document:
 *             RFC 6902 `add`, `replace`, `remove`, and streamops' `append`
 *             extension (`{"op": "append", "path": p, "value": "more"}` adds
 *             text to the string at p). The value passed on is the live
 *             document: copy it if you keep it.
 *   retries   reconnections in a row before giving up (default 5).
 *   retryDelay  first wait in ms (default 500, or the server's `retry:`),
 *             doubling each time, at most `maxRetryDelay` (default 8000).
 *   signal    an AbortSignal that stops the stream like stop().
 *   onPartial(value, frame), onFinal(value, frame), onEvent(frame),
 *   onError(error), onDone(data), onState(state): the callbacks;
 *   onFrame(frame) sees every frame ({id, event, data} as text) first, and
 *   onReconnect({url, lastEventId, delay}) each reconnection.
 *
 * The frames (what streamops' `to_sse()` writes):
 *   message (no `event:`)  an item: a snapshot, or a patch when `patches`;
 *   `final`                the validated value (or the patch that reaches it);
 *   `done`                 the stream is complete: state "done";
 *   `error`                the server's stream failed: data {type, message,
 *                          path?, offset?...}: state "error";
 *   `cancelled`            stopped on the server: state "stopped";
 *   `producer_lost`        the generation died: state "error";
 *   anything else          onEvent (`gap`, ...).
 *
 * States (`stream.state`): "connecting", "streaming", "reconnecting", then
 * exactly one of "done", "stopped", "error".
 *
 * A dropped connection (the body ends, or the network fails, before `done` or
 * `error`) is resumed only when the server said it can: its response carried
 * a `Streamops-Resume` header, a comma-separated list of URLs that continue
 * the stream. The client then GETs them in turn with `Last-Event-ID` (the id
 * of the last frame it has), at most `retries` times in a row, waiting longer
 * each time. Otherwise, since sending the request again would start over
 * (and run the model again), the stream ends in state "error" with type
 * "ConnectionLost": it never loops. An HTTP error status ends it in state
 * "error" too, with the status and the server's JSON `detail`.
 */

export const RESUME_HEADER = "Streamops-Resume";

const TERMINAL = new Set(["done", "error", "cancelled", "producer_lost"]);

/** Incremental SSE parsing (the WHATWG rules): calls onFrame({id, event, data}). */
export function sseParser(onFrame, onRetry = () => {}) {
  let buffer = "";
  let data = [];
  let event = "";
  let lastId = null;
  let first = true;
  return (text) => {
    buffer += text;
    if (first && buffer.length) {
      if (buffer.charCodeAt(0) === 0xfeff) buffer = buffer.slice(1);
      first = false;
    }
    let start = 0;
    for (;;) {
      const cr = buffer.indexOf("\r", start);
      const lf = buffer.indexOf("\n", start);
      let end = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
      if (end < 0) break;
      if (buffer[end] === "\r" && end + 1 === buffer.length) break; // CR, maybe CRLF
      const line = buffer.slice(start, end);
      start = end + (buffer[end] === "\r" && buffer[end + 1] === "\n" ? 2 : 1);
      if (line === "") {
        if (data.length) onFrame({ id: lastId, event: event || "message", data: data.join("\n") });
        data = [];
        event = "";
        continue;
      }
      if (line[0] === ":") continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value[0] === " ") value = value.slice(1);
      if (field === "data") data.push(value);
      else if (field === "event") event = value;
      else if (field === "id" && !value.includes("\0")) lastId = value;
      else if (field === "retry" && /^\d+$/.test(value)) onRetry(Number(value));
    }
    buffer = buffer.slice(start);
  };
}

/** The error a patch that does not fit the document raises. */
export class PatchError extends Error {
  constructor(message, op) {
    super(message);
    this.name = "PatchError";
    this.op = op;
  }
}

function pointer(path, op) {
  if (path === "") return [];
  if (typeof path !== "string" || path[0] !== "/") {
    throw new PatchError(`not a JSON Pointer: ${JSON.stringify(path)}`, op);
  }
  return path.slice(1).split("/").map((key) => key.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/**
 * Apply one JSON Patch (an array of operations) to `doc`, in place where it
 * can; returns the new document (a new value only when the root changes).
 * Knows RFC 6902 `add`, `replace`, `remove` and streamops' `append`.
 */
export function applyPatch(doc, ops) {
  if (!Array.isArray(ops)) throw new PatchError("a patch is an array of operations", ops);
  for (const op of ops) {
    const keys = pointer(op.path, op);
    if (!keys.length) {
      if (op.op === "add" || op.op === "replace") doc = op.value;
      else if (op.op === "append" && typeof doc === "string") doc += op.value;
      else if (op.op === "remove") doc = undefined;
      else throw new PatchError(`cannot ${op.op} at the root`, op);
      continue;
    }
    const last = keys.pop();
    let parent = doc;
    for (const key of keys) {
      parent = parent === null || typeof parent !== "object" ? undefined : parent[key];
      if (parent === undefined) throw new PatchError(`no value at ${op.path}`, op);
    }
    if (parent === null || typeof parent !== "object") {
      throw new PatchError(`no container at ${op.path}`, op);
    }
    const isArray = Array.isArray(parent);
    const index = isArray ? (last === "-" ? parent.length : Number(last)) : last;
    if (isArray && !(Number.isInteger(index) && index >= 0 && index <= parent.length)) {
      throw new PatchError(`bad array index in ${op.path}`, op);
    }
    const present = isArray ? index < parent.length : Object.hasOwn(parent, index);
    switch (op.op) {
      case "add":
        if (isArray) parent.splice(index, 0, op.value);
        else parent[index] = op.value;
        break;
      case "replace":
        if (!present) throw new PatchError(`nothing to replace at ${op.path}`, op);
        parent[index] = op.value;
        break;
      case "remove":
        if (!present) throw new PatchError(`nothing to remove at ${op.path}`, op);
        if (isArray) parent.splice(index, 1);
        else delete parent[index];
        break;
      case "append":
        if (!present || typeof parent[index] !== "string") {
          throw new PatchError(`no string to append to at ${op.path}`, op);
        }
        parent[index] += op.value;
        break;
      default:
        throw new PatchError(`unsupported operation ${JSON.stringify(op.op)}`, op);
    }
  }
  return doc;
}

function requestBody(body) {
  if (body === undefined || body === null) return [undefined, {}];
  const plain = typeof body === "object" && (Array.isArray(body) || Object.getPrototypeOf(body) === Object.prototype);
  if (plain) return [JSON.stringify(body), { "Content-Type": "application/json" }];
  return [body, {}];
}

async function httpError(response) {
  const error = { type: "HTTPError", status: response.status, message: `HTTP ${response.status}` };
  try {
    const payload = await response.json();
    const detail = payload && (payload.detail ?? payload.error ?? payload.message);
    if (detail !== undefined) {
      error.detail = detail;
      error.message = typeof detail === "string" ? detail : `HTTP ${response.status}: ${JSON.stringify(detail)}`;
    }
  } catch {
    // not JSON: the status says it
  }
  return error;
}

function resumeUrls(response) {
  const header = response.headers.get(RESUME_HEADER);
  if (!header) return [];
  return header
    .split(",")
    .map((url) => url.trim())
    .filter(Boolean)
    .map((url) => new URL(url, response.url).toString());
}

/** Read a streamops SSE endpoint. See the module's header for the options. */
export function stream(url, options = {}) {
  return new Stream(url, options);
}

export class Stream {
  constructor(url, options = {}) {
    this.url = url;
    this.options = options;
    this.state = "connecting";
    this.value = undefined;
    this.error = undefined;
    this.lastEventId = null;
    this.attempts = 0; // requests made, the first one included
    this._controller = new AbortController();
    this._queue = [];
    this._waiting = null;
    this._ended = false;
    if (options.signal) {
      if (options.signal.aborted) queueMicrotask(() => this.stop());
      else options.signal.addEventListener("abort", () => this.stop(), { once: true });
    }
    this.result = this._run();
  }

  /** End the stream: abort the request (the server sees the client go). */
  stop() {
    if (this._ended) return;
    this._finish("stopped", { type: "stopped", value: this.value });
    this._controller.abort();
  }

  [Symbol.asyncIterator]() {
    return {
      next: () => {
        if (this._queue.length) return Promise.resolve({ value: this._queue.shift(), done: false });
        if (this._ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this._waiting = resolve;
        });
      },
      return: () => {
        this.stop();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  _push(update) {
    if (this._waiting) {
      const resolve = this._waiting;
      this._waiting = null;
      resolve({ value: update, done: false });
    } else {
      this._queue.push(update);
    }
  }

  _setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.options.onState?.(state);
  }

  _finish(state, update) {
    if (this._ended) return;
    this._ended = true;
    this._setState(state);
    this._push(update);
    if (this._waiting) {
      const resolve = this._waiting;
      this._waiting = null;
      resolve({ value: undefined, done: true });
    }
  }

  _fail(error) {
    this.error = error;
    this._finish("error", { type: "error", error, value: this.value });
    this.options.onError?.(error);
  }

  _frame(frame) {
    const options = this.options;
    if (frame.id !== null) this.lastEventId = frame.id;
    this._failures = 0; // a frame arrived: the stream moves on
    options.onFrame?.(frame);
    let data;
    try {
      data = JSON.parse(frame.data);
    } catch {
      data = frame.data;
    }
    switch (frame.event) {
      case "message":
      case "final": {
        this.value = options.patches ? applyPatch(this.value, data) : data;
        const type = frame.event === "message" ? "partial" : "final";
        this._push({ type, value: this.value, frame });
        (type === "partial" ? options.onPartial : options.onFinal)?.(this.value, frame);
        return;
      }
      case "done":
        this._finish("done", { type: "done", value: this.value, data, frame });
        options.onDone?.(data);
        return;
      case "cancelled":
        this._finish("stopped", { type: "stopped", value: this.value, frame });
        return;
      case "error":
        this._fail(typeof data === "object" && data !== null ? data : { type: "Error", message: String(data) });
        return;
      case "producer_lost":
        this._fail({ type: "ProducerLost", message: "the server lost the generation before its end", ...data });
        return;
      default:
        this._push({ type: "event", frame, data });
        options.onEvent?.({ ...frame, data });
    }
  }

  async _read(response) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const feed = sseParser(
      (frame) => {
        if (!this._ended) this._frame(frame);
      },
      (ms) => {
        this._retryDelay = ms;
      },
    );
    try {
      while (!this._ended) {
        const { value, done } = await reader.read();
        if (done) return;
        feed(value);
      }
    } finally {
      if (this._ended) reader.cancel().catch(() => {});
    }
  }

  async _run() {
    const options = this.options;
    const [body, bodyHeaders] = requestBody(options.body);
    const retries = options.retries ?? 5;
    const maxDelay = options.maxRetryDelay ?? 8000;
    let request = {
      url: this.url,
      method: options.method ?? (body === undefined ? "GET" : "POST"),
      headers: { Accept: "text/event-stream", ...bodyHeaders, ...options.headers },
      body,
    };
    let urls = null; // where the server said the stream continues
    this._failures = 0;
    this._retryDelay = options.retryDelay ?? 500;
    for (;;) {
      let response;
      try {
        this.attempts += 1;
        response = await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          signal: this._controller.signal,
          cache: "no-store",
        });
        if (!response.ok) {
          const error = await httpError(response);
          // a worker failing while the stream is resumed: try the next one
          if (!(urls && urls.length && response.status >= 500)) {
            this._fail(error);
            break;
          }
          throw new Error(error.message);
        }
        if (urls === null) urls = resumeUrls(response);
        this._setState("streaming");
        await this._read(response);
        if (this._ended) break;
      } catch (err) {
        if (this._ended) break; // stopped: the abort ends the read
        if (err instanceof PatchError) {
          this._controller.abort();
          this._fail({ type: "PatchError", message: err.message, op: err.op });
          break;
        }
        if (response === undefined && !urls) {
          this._fail({ type: "NetworkError", message: String(err.message || err) });
          break;
        }
      }
      // The connection dropped before the stream's last frame.
      if (!urls || !urls.length) {
        this._fail({
          type: "ConnectionLost",
          message: "the connection closed before the end of the stream, and the server does not resume",
          lastEventId: this.lastEventId,
        });
        break;
      }
      this._failures += 1;
      if (this._failures > retries) {
        this._fail({
          type: "ConnectionLost",
          message: `the connection closed before the end of the stream; ${retries} reconnections failed`,
          lastEventId: this.lastEventId,
        });
        break;
      }
      this._setState("reconnecting");
      const next = urls[this.attempts % urls.length];
      const delay = Math.min(this._retryDelay * 2 ** (this._failures - 1), maxDelay);
      options.onReconnect?.({ url: next, lastEventId: this.lastEventId, delay });
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (this._ended) break;
      const headers = { Accept: "text/event-stream", ...options.headers };
      if (this.lastEventId !== null) headers["Last-Event-ID"] = this.lastEventId;
      request = { url: next, method: "GET", headers, body: undefined };
    }
    return { state: this.state, value: this.value, error: this.error };
  }
}
