"""Many concurrent streams in one event loop: chunks per CPU-second and peak memory.

Run: ``python benchmarks/concurrent_bench.py [--streams 1000] [--size 10000]
[--mode tasks|roundrobin] [--only NAME,...]``

``--streams`` streams of a ``--size``-character structured output (the
``Inventory`` of ``models_bench.py``, a different document per stream, cut into
3-4 character chunks like model tokens) run at once in one asyncio event loop,
interleaved chunk by chunk:

* ``--mode tasks`` (default): one task per stream; each stream's source is an
  async generator that hands control to the other streams after every chunk
  (``await anyio.lowlevel.checkpoint()``), as a network read would. The event loop's own
  cost per chunk is in every row: the ``source only`` row measures it.
* ``--mode roundrobin``: one task pulls one item from each stream in turn
  (sources that never suspend): the operators' cost without the scheduler's.

Contenders, each consuming every chunk and keeping the latest item (as a UI
loop does):

* ``source only``: the streams drained as they are (the harness's cost);
* ``json_snapshots()``: untyped snapshots (dicts and lists);
* ``partial(Model)``: ``Partial[Inventory]`` snapshots, then the ``Inventory``;
* ``sse -> partial``: the stream is an OpenAI Chat Completions SSE body (one
  event per chunk, bytes built before timing) through ``sse_events()``,
  ``text()`` (``events()`` reduced to its text deltas) and ``partial(Model)``;
* ``jiter re-parse``: the accumulated bytes re-parsed after every chunk with
  ``jiter.from_json(buf, partial_mode="trailing-strings")`` (untyped);
* ``pydantic partial``: ``TypeAdapter(Inventory).validate_json(buf,
  experimental_allow_partial="trailing-strings")`` after every chunk (for a
  model root this fails until the document is complete; the errors are caught,
  as a caller would have to).

Each contender runs in a subprocess of its own, so that the peak resident
memory (``ru_maxrss``) is its own; ``idle RSS`` is a subprocess that imported
everything and built the inputs but ran nothing. Chunks per CPU-second counts
the model's text chunks (the same number for every contender) over the
``time.process_time()`` of the whole run (the documents are built before).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import anyio
import anyio.lowlevel
from pydantic import TypeAdapter, ValidationError

from benchmarks.models_bench import Inventory, document
from streamops import json_snapshots, partial, pipe, sse_events, text
from streamops.samples import token_chunks

CONTENDERS = [
    "source only",
    "json_snapshots()",
    "partial(Model)",
    "sse -> partial",
    "jiter re-parse",
    "pydantic partial",
]
DISTINCT_DOCUMENTS = 16  # streams cycle through this many documents (different seeds)


def sse_body(chunks: list[str]) -> list[bytes]:
    """An OpenAI Chat Completions event stream carrying ``chunks``: one event per chunk."""

    def event(delta: dict[str, Any], finish: str | None = None) -> bytes:
        payload = {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "gpt-4o",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\n\n"

    out = [event({"role": "assistant", "content": ""})]
    out.extend(event({"content": c}) for c in chunks)
    out.append(event({}, "stop"))
    out.append(b"data: [DONE]\n\n")
    return out


# --- what each stream does with its source --------------------------------------------


async def _jiter(source: AsyncIterator[str]) -> AsyncIterator[Any]:
    import jiter

    buf = b""
    async for chunk in source:
        buf += chunk.encode()
        yield jiter.from_json(buf, partial_mode="trailing-strings")


_ADAPTER = TypeAdapter(Inventory)


async def _pydantic(source: AsyncIterator[str]) -> AsyncIterator[Any]:
    buf = ""
    async for chunk in source:
        buf += chunk
        try:
            yield _ADAPTER.validate_json(buf, experimental_allow_partial="trailing-strings")
        except ValidationError:
            yield None


def stage(name: str, source: AsyncIterator[Any]) -> AsyncIterator[Any]:
    if name == "source only":
        return source
    if name == "json_snapshots()":
        return aiter(pipe(source, json_snapshots()))
    if name == "partial(Model)":
        return aiter(pipe(source, partial(Inventory)))
    if name == "sse -> partial":
        return aiter(pipe(source, sse_events(), text(provider="openai-chat"), partial(Inventory)))
    if name == "jiter re-parse":
        return _jiter(source)
    if name == "pydantic partial":
        return _pydantic(source)
    raise SystemExit(f"unknown contender {name!r}")


# --- one contender, in its own process ---------------------------------------------------


def inputs(name: str, streams: int, size: int) -> tuple[list[list[Any]], int]:
    """Each stream's items (chunks, or SSE events) and the number of text chunks."""
    docs = [token_chunks(document(size, seed=i), seed=i) for i in range(DISTINCT_DOCUMENTS)]
    chunks = sum(len(docs[i % DISTINCT_DOCUMENTS]) for i in range(streams))
    if name == "sse -> partial":
        bodies = [sse_body(d) for d in docs]
        return [bodies[i % DISTINCT_DOCUMENTS] for i in range(streams)], chunks
    return [docs[i % DISTINCT_DOCUMENTS] for i in range(streams)], chunks


async def run_tasks(name: str, items: list[list[Any]]) -> None:
    async def source(xs: list[Any]) -> AsyncIterator[Any]:
        for x in xs:
            yield x
            await anyio.lowlevel.checkpoint()  # the other streams' turn

    async def one(xs: list[Any]) -> None:
        last = None
        async for item in stage(name, source(xs)):
            last = item
        del last

    async with anyio.create_task_group() as tg:
        for xs in items:
            tg.start_soon(one, xs)


async def run_roundrobin(name: str, items: list[list[Any]]) -> None:
    async def source(xs: list[Any]) -> AsyncIterator[Any]:
        for x in xs:
            yield x

    live = [stage(name, source(xs)) for xs in items]
    latest: list[Any] = [None] * len(live)
    while live:
        still = []
        for i, it in enumerate(live):
            try:
                latest[i] = await it.__anext__()
            except StopAsyncIteration:
                continue
            still.append(it)
        live = still
        latest = latest[: len(live)]


def child(name: str, streams: int, size: int, mode: str) -> None:
    items, chunks = inputs(name, streams, size)
    if name == "idle":
        result = {"cpu": 0.0, "chunks": chunks}
    else:
        run: Callable[[str, list[list[Any]]], Any] = (
            run_tasks if mode == "tasks" else run_roundrobin
        )
        t0 = time.process_time()
        anyio.run(run, name, items, backend="asyncio")
        result = {"cpu": time.process_time() - t0, "chunks": chunks}
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(name: str, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", name]
    cmd += ["--streams", str(args.streams), "--size", str(args.size), "--mode", args.mode]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--streams", type=int, default=1000)
    ap.add_argument("--size", type=int, default=10_000, help="characters per document")
    ap.add_argument("--mode", choices=["tasks", "roundrobin"], default="tasks")
    ap.add_argument("--only", default="", help="comma-separated contenders (default: all)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        child(args.child, args.streams, args.size, args.mode)
        return
    names = [n.strip() for n in args.only.split(",") if n.strip()] or CONTENDERS
    idle = measure("idle", args)
    print(
        f"python {sys.version.split()[0]}; {args.streams:,} streams of {args.size:,} characters"
        f" ({idle['chunks']:,} chunks of 3-4 characters), mode {args.mode};"
        f" idle RSS {idle['rss_mb']:.0f} MB\n"
    )
    print(
        f"{'contender':<20}{'CPU s':>9}{'chunks / CPU-s':>16}{'us / chunk':>12}{'peak RSS MB':>13}"
    )
    rows = {}
    for name in names:
        r = measure(name, args)
        rows[name] = r
        rate = r["chunks"] / r["cpu"]
        print(
            f"{name:<20}{r['cpu']:>9.2f}{rate:>16,.0f}{1e6 / rate:>12.2f}{r['rss_mb']:>13.0f}",
            flush=True,
        )
    if "partial(Model)" in rows and "jiter re-parse" in rows:
        ours = rows["partial(Model)"]["cpu"]
        ratio = rows["jiter re-parse"]["cpu"] / ours
        verdict = "met" if ratio >= 3 else "MISSED"
        print(
            f"\npartial(Model) vs jiter re-parse: {ratio:.1f}x the chunks per CPU-second"
            f" (target >= 3x) -> {verdict}"
        )


if __name__ == "__main__":
    main()
