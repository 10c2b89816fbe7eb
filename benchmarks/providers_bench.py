"""Provider streams from raw bytes: streamops against the official SDKs' own iteration.

Run: ``python benchmarks/providers_bench.py [--sizes 1K,32K,1M] [--rounds 5]
[--providers openai-chat,anthropic,openai-responses] [--chunking network,event]``

One body per provider and size, built here from the documented event shapes
(OpenAI Chat Completions chunks as in the package's ``answer`` sample,
Anthropic Messages events, OpenAI Responses events) with the token-sized text
deltas of the ``answer`` sample, cycled to the size. Each body is served in
``network`` chunks (reads of 1-4 KB, cut anywhere, seeded) and in ``event``
chunks (one SSE event per chunk, as a server flushes them).

Rows (microseconds per SSE event, the provider's unit of a stream):

* ``pipe(chunks, sse_events(), events())`` and ``pipe(chunks, text())`` (the raw
  body straight in) under ``async for``;
* the sync cores: ``SSEDecoder.feed`` with ``ProviderAdapter.feed`` of each event,
  and ``ProviderAdapter.feed`` of the raw chunks (no event loop);
* ``sdk stream``: the ``openai`` / ``anthropic`` SDK pointed at a ``MockTransport``
  (of its own HTTP library: ``httpx2`` for the current SDKs, ``httpx`` before)
  serving the same chunks, ``async for`` over ``create(..., stream=True)``;
* ``sdk bytes + text()``: the fast path, ``with_streaming_response.create(...,
  stream=True)`` (the SDK builds and sends the request, checks the status) and
  ``pipe(response.http_response.aiter_bytes(), text())``.

The SDK rows time the iteration only (from the moment ``create`` returned), as
the streamops rows do; the request itself (building it, the mock round trip) is
in the ``request (us)`` column of the summary. ``SDK / ours`` divides the SDK's
iteration by ``pipe(chunks, sse_events(), events())`` on the same chunks.
Growth is the per-event cost at the largest size over the smallest. Timed as
``timeit`` does: garbage collector off, one warm-up, best of rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import importlib

from streamops import pipe
from streamops.providers import ProviderAdapter, SSEDecoder, events, sse_events, text
from streamops.samples import sample_chunks

SIZES = {"1K": 1 << 10, "8K": 1 << 13, "32K": 1 << 15, "128K": 1 << 17, "1M": 1 << 20}
PROVIDERS = ("openai-chat", "anthropic", "openai-responses")
MESSAGES = [{"role": "user", "content": "Tell me about streaming."}]

# --- bodies -------------------------------------------------------------------------------


def _sse(payload: dict[str, Any], event: str | None = None) -> str:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(payload, separators=(',', ':'))}\n\n"


def _deltas(size: int) -> list[str]:
    """Token-sized text deltas (the ``answer`` sample's, cycled) of about ``size`` bytes
    of event stream (each delta costs the body about ``per_event`` bytes)."""
    pieces = sample_chunks("answer")
    return [pieces[i % len(pieces)] for i in range(size)]


def chat_body(size: int) -> str:
    """An OpenAI Chat Completions stream of about ``size`` bytes, ending as OpenAI's does
    with ``stream_options.include_usage``: a finish chunk, a usage chunk, ``[DONE]``."""
    head = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1760000000}
    head["model"] = "gpt-4o-2024-08-06"
    head["system_fingerprint"] = "fp_bench"

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return _sse({**head, "choices": [choice], **extra})

    parts = [chunk({"role": "assistant", "content": "", "refusal": None})]
    total = len(parts[0])
    for piece in _deltas(size):
        parts.append(chunk({"content": piece}))
        total += len(parts[-1])
        if total >= size:
            break
    parts.append(chunk({}, "stop"))
    usage = {"prompt_tokens": 12, "completion_tokens": len(parts) - 2, "total_tokens": len(parts)}
    parts.append(_sse({**head, "choices": [], "usage": usage}))
    parts.append("data: [DONE]\n\n")
    return "".join(parts)


def anthropic_body(size: int) -> str:
    """An Anthropic Messages stream of about ``size`` bytes: one text block."""
    message = {
        "id": "msg_bench",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 12, "output_tokens": 1},
    }
    parts = [
        _sse({"type": "message_start", "message": message}, "message_start"),
        _sse(
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
            "content_block_start",
        ),
        _sse({"type": "ping"}, "ping"),
    ]
    total = sum(map(len, parts))
    for piece in _deltas(size):
        delta = {"type": "text_delta", "text": piece}
        parts.append(
            _sse({"type": "content_block_delta", "index": 0, "delta": delta}, "content_block_delta")
        )
        total += len(parts[-1])
        if total >= size:
            break
    parts += [
        _sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
        _sse(
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": len(parts) - 3},
            },
            "message_delta",
        ),
        _sse({"type": "message_stop"}, "message_stop"),
    ]
    return "".join(parts)


def responses_body(size: int) -> str:
    """An OpenAI Responses stream of about ``size`` bytes of deltas (the done events
    that follow repeat the whole text, as OpenAI's do)."""
    seq = iter(range(1 << 30))
    item_id = "msg_bench"
    response: dict[str, Any] = {
        "id": "resp_bench",
        "object": "response",
        "created_at": 1760000000,
        "status": "in_progress",
        "model": "gpt-4o-2024-08-06",
        "output": [],
        "usage": None,
    }

    def ev(kind: str, **fields: Any) -> str:
        return _sse({"type": kind, "sequence_number": next(seq), **fields}, kind)

    item = {"id": item_id, "type": "message", "status": "in_progress", "role": "assistant"}
    where = {"item_id": item_id, "output_index": 0, "content_index": 0}
    parts = [
        ev("response.created", response=response),
        ev("response.in_progress", response=response),
        ev("response.output_item.added", output_index=0, item={**item, "content": []}),
        ev(
            "response.content_part.added",
            **where,
            part={"type": "output_text", "annotations": [], "text": ""},
        ),
    ]
    total = sum(map(len, parts))
    said: list[str] = []
    for piece in _deltas(size):
        said.append(piece)
        parts.append(ev("response.output_text.delta", **where, delta=piece, logprobs=[]))
        total += len(parts[-1])
        if total >= size:
            break
    whole = "".join(said)
    part = {"type": "output_text", "annotations": [], "text": whole}
    done_item = {**item, "status": "completed", "content": [part]}
    usage = {
        "input_tokens": 12,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": len(said),
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 12 + len(said),
    }
    parts += [
        ev("response.output_text.done", **where, text=whole, logprobs=[]),
        ev("response.content_part.done", **where, part=part),
        ev("response.output_item.done", output_index=0, item=done_item),
        ev(
            "response.completed",
            response={**response, "status": "completed", "output": [done_item], "usage": usage},
        ),
    ]
    return "".join(parts)


BODIES: dict[str, Callable[[int], str]] = {
    "openai-chat": chat_body,
    "anthropic": anthropic_body,
    "openai-responses": responses_body,
}


def network_chunks(body: bytes, seed: int = 0) -> list[bytes]:
    """``body`` in reads of 1-4 KB, cut anywhere (inside events and UTF-8 characters)."""
    rng = random.Random(seed)
    out, i = [], 0
    while i < len(body):
        n = rng.randint(1024, 4096)
        out.append(body[i : i + n])
        i += n
    return out


def event_chunks(body: bytes) -> list[bytes]:
    """``body`` one SSE event per chunk, as a server flushes it."""
    return [piece + b"\n\n" for piece in body.split(b"\n\n") if piece]


# --- contenders ---------------------------------------------------------------------------

Run = Callable[[list[bytes]], Awaitable[float]]  # one pass; returns the seconds timed


async def run_events(chunks: list[bytes]) -> float:
    start = time.perf_counter()
    async for _ in pipe(chunks, sse_events(), events()):
        pass
    return time.perf_counter() - start


async def run_text(chunks: list[bytes]) -> float:
    start = time.perf_counter()
    async for _ in pipe(chunks, text()):
        pass
    return time.perf_counter() - start


async def run_sync_sse(chunks: list[bytes]) -> float:
    start = time.perf_counter()
    decoder, adapter = SSEDecoder(), ProviderAdapter()
    for chunk in chunks:
        for event in decoder.feed(chunk):
            adapter.feed(event)
    for event in decoder.close():
        adapter.feed(event)
    adapter.close()
    return time.perf_counter() - start


async def run_sync_raw(chunks: list[bytes]) -> float:
    start = time.perf_counter()
    adapter = ProviderAdapter()
    for chunk in chunks:
        adapter.feed(chunk)
    adapter.close()
    return time.perf_counter() - start


def _http(sdk: Any, chunks: list[bytes]) -> Any:
    """The SDK's own HTTP client class (``httpx2`` for the current SDKs, ``httpx`` for
    older ones) on a ``MockTransport`` that serves ``chunks`` one by one."""
    home = next(
        c.__module__
        for c in sdk.DefaultAsyncHttpxClient.__mro__
        if c.__module__.startswith("httpx")
    )
    http = importlib.import_module(home.partition(".")[0])

    class Body(http.AsyncByteStream):  # type: ignore[misc, name-defined]
        async def __aiter__(self) -> AsyncIterator[bytes]:
            for chunk in chunks:
                yield chunk

    def handle(request: Any) -> Any:
        headers = {"content-type": "text/event-stream"}
        return http.Response(200, headers=headers, stream=Body())

    return sdk.DefaultAsyncHttpxClient(transport=http.MockTransport(handle))


class Peers:
    """The SDK clients (made once per body: a client is reused across requests)."""

    def __init__(self, provider: str, chunks: list[bytes]) -> None:
        import anthropic
        import openai

        self.provider = provider
        self.request_seconds: list[float] = []
        sdk: Any = anthropic if provider == "anthropic" else openai
        common: dict[str, Any] = {"api_key": "bench", "max_retries": 0}
        common["http_client"] = _http(sdk, chunks)
        if provider == "anthropic":
            self.client: Any = anthropic.AsyncAnthropic(base_url="http://bench.invalid", **common)
        else:
            self.client = openai.AsyncOpenAI(base_url="http://bench.invalid/v1", **common)

    def _create(self, raw: bool) -> Any:
        client = self.client
        if self.provider == "openai-chat":
            api = client.chat.completions
            kwargs: dict[str, Any] = {"model": "gpt-4o", "messages": MESSAGES}
        elif self.provider == "openai-responses":
            api = client.responses
            kwargs = {"model": "gpt-4o", "input": "Tell me about streaming."}
        else:
            api = client.messages
            kwargs = {"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": MESSAGES}
        if raw:
            return api.with_streaming_response.create(stream=True, **kwargs)
        return api.create(stream=True, **kwargs)

    async def run_stream(self, chunks: list[bytes]) -> float:
        begin = time.perf_counter()
        stream = await self._create(raw=False)
        start = time.perf_counter()
        async for _ in stream:
            pass
        end = time.perf_counter()
        self.request_seconds.append(start - begin)
        return end - start

    async def run_bytes(self, chunks: list[bytes]) -> float:
        async with self._create(raw=True) as response:
            start = time.perf_counter()
            async for _ in pipe(response.http_response.aiter_bytes(), text()):
                pass
            return time.perf_counter() - start


# --- measuring ----------------------------------------------------------------------------


async def best(run: Run, chunks: list[bytes], rounds: int) -> float:
    await run(chunks)  # warm-up
    times = []
    for _ in range(rounds):
        gc.disable()
        try:
            times.append(await run(chunks))
        finally:
            gc.enable()
    return min(times)


OURS = (
    "pipe(chunks, sse_events(), events())",
    "pipe(chunks, text())",
    "SSEDecoder + ProviderAdapter (sync)",
    "ProviderAdapter(raw chunks) (sync)",
)
SDK_ROWS = ("sdk stream", "sdk bytes + text()")


async def measure(
    provider: str, size: int, chunking: str, rounds: int, peers: bool
) -> tuple[int, int, dict[str, float], float | None]:
    """(body bytes, SSE events, microseconds per event by row, request microseconds)."""
    body = BODIES[provider](size).encode("utf-8")
    n_events = body.count(b"\n\n")
    chunks = network_chunks(body) if chunking == "network" else event_chunks(body)
    runs: dict[str, Run] = dict(
        zip(OURS, (run_events, run_text, run_sync_sse, run_sync_raw), strict=True)
    )
    request = None
    client = None
    if peers:
        client = Peers(provider, chunks)
        runs[SDK_ROWS[0]] = client.run_stream
        runs[SDK_ROWS[1]] = client.run_bytes
    out = {name: await best(run, chunks, rounds) / n_events * 1e6 for name, run in runs.items()}
    if client is not None:
        request = min(client.request_seconds) * 1e6
        await client.client.close()
    return len(body), n_events, out, request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1K,32K,1M")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--providers", default=",".join(PROVIDERS))
    parser.add_argument("--chunking", default="network,event")
    parser.add_argument("--no-peers", action="store_true", help="streamops rows only")
    args = parser.parse_args()
    sizes = args.sizes.split(",")
    print(f"best of {args.rounds}; microseconds per SSE event (the iteration only)\n")
    for provider in args.providers.split(","):
        for chunking in args.chunking.split(","):
            table(provider, chunking, sizes, args.rounds, not args.no_peers)


def table(provider: str, chunking: str, sizes: list[str], rounds: int, peers: bool) -> None:
    results = [asyncio.run(measure(provider, SIZES[s], chunking, rounds, peers)) for s in sizes]
    rows = OURS + (SDK_ROWS if peers else ())
    head = " | ".join(
        f"{s} ({events} ev)" for s, (_, events, _, _) in zip(sizes, results, strict=True)
    )
    print(f"### {provider}, {chunking} chunks\n")
    print(f"| row | {head} | growth {sizes[-1]} / {sizes[0]} |")
    print("|---|" + "---:|" * (len(sizes) + 1))
    for row in rows:
        cells = [r[2][row] for r in results]
        line = " | ".join(f"{c:.2f}" for c in cells)
        print(f"| {row} | {line} | {cells[-1] / cells[0]:.2f}x |")
    if peers:
        ours = [r[2][OURS[0]] for r in results]
        sdk = [r[2][SDK_ROWS[0]] for r in results]
        ratio = " | ".join(f"{s / o:.1f}x" for s, o in zip(sdk, ours, strict=True))
        print(f"| **SDK / ours** (sdk stream / events()) | {ratio} | |")
        requests = " | ".join(f"{r[3]:.0f}" for r in results)
        print(f"| request (us, once per stream, not above) | {requests} | |")
    print()


if __name__ == "__main__":
    main()
