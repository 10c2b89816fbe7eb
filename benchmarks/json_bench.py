"""Incremental JSON: streamops against re-parsing, ijson, jsonriver and json.loads.

Run: ``python benchmarks/json_bench.py [--quick] [--sizes 1K,8K,...]``

The documents are realistic LLM structured outputs (a report with a summary
and a list of items: names, prose descriptions with escapes and non-ASCII,
numbers, tags, nulls), pretty-printed, of about 1 KB, 8 KB, 32 KB, 128 KB and
1 MB, cut into 3-4 character chunks like model tokens. For each size every
contender consumes the same chunks, one at a time, doing the work a UI would
need after each chunk:

* ``events`` / ``snapshots`` / ``values[*]``: our operators ``json_events()``,
  ``json_snapshots()``, ``json_values("items[*]")`` run as async pipelines
  (``pipe(chunks, op)``), i.e. what a user pays; ``strict`` is
  ``json_values("items[*]", lenient=False)``. A list of chunks is looped over
  directly by the operator (like the sync peers are fed); ``snap live`` is
  ``json_snapshots()`` over an async generator of the chunks, the way a model's
  stream arrives and the way jsonriver is fed: the like-for-like with jsonriver.
* ``core ...``: the same work through the sync cores (no event loop), the
  like-for-like comparison with the sync peers (``core strict`` is the
  ijson-backed ``StrictValueCollector`` behind ``strict``).
* ``jiter`` / ``pyd-core``: the whole buffer re-parsed after every chunk with
  ``jiter.from_json(..., partial_mode="trailing-strings")`` /
  ``pydantic_core.from_json(..., allow_partial=True)``, the common approach
  (quadratic; skipped at 1 MB).
* ``ijson``: ``ijson.items_coro(..., "items.item")`` on the yajl2_c backend,
  pushed one (pre-encoded) chunk at a time: the C floor for values at a path.
* ``jsonriver``: the Python port of jsonriver, the other incremental snapshot
  parser (async, one snapshot per chunk).
* ``loads``: a single ``json.loads`` of the final text, the floor.
* ``langchain`` / ``pjp`` (only with ``--only``; ``run_all.py`` runs them with a
  time limit): LangChain's ``JsonOutputParser().transform(chunks)``, which
  re-parses the accumulated text with ``parse_partial_json`` after every chunk,
  and ``partial_json_parser.loads(buffer)`` after every chunk (pure Python,
  quadratic: minutes at 128 KB).

Times are the best of a few runs (one run for the largest sizes), taken the way
``timeit`` does: garbage collector off during each run, after one warm-up run,
and interleaved (each round runs every contender once, so a slow spell of the
machine hits them all alike rather than one).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streamops import pipe
from streamops.json import (
    JSONParser,
    SnapshotBuilder,
    ValueCollector,
    json_events,
    json_snapshots,
    json_values,
)
from streamops.json._fast import make_strict_values
from streamops.samples import token_chunks

SIZES = {"1K": 1_000, "8K": 8_000, "32K": 32_000, "128K": 128_000, "1M": 1_000_000}
QUADRATIC_LIMIT = 200_000  # whole-buffer re-parse is skipped above this many characters

WORDS = (
    "the model returns structured output with fields for each item and a short "
    "description that explains why it matters, including caveats; prices are in "
    "euros (€) and some names are non-ASCII like café, naïve, Zürich or 東京"
).split()


def make_document(target: int, seed: int = 7) -> str:
    """A pretty-printed LLM-style report of about ``target`` characters."""
    rng = random.Random(seed)

    def sentence(n: int) -> str:
        text = " ".join(rng.choice(WORDS) for _ in range(n))
        if rng.random() < 0.3:
            text += '. She said "ok".\nNext line'
        return text[0].upper() + text[1:] + "."

    doc: dict[str, Any] = {
        "title": "Quarterly product review",
        "summary": sentence(30),
        "items": [],
        "meta": {"model": "gpt-4o", "version": 3, "draft": False, "reviewer": None},
    }
    i = 0
    while len(json.dumps(doc, indent=2, ensure_ascii=False)) < target:
        doc["items"].append(
            {
                "id": i,
                "name": f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {i}",
                "description": sentence(rng.randint(8, 40)),
                "price": round(rng.uniform(1, 500), 2),
                "quantity": rng.randint(0, 10_000),
                "tags": rng.sample(WORDS, rng.randint(0, 4)),
                "in_stock": rng.random() < 0.7,
                "rating": None if rng.random() < 0.2 else round(rng.uniform(1, 5), 1),
            }
        )
        i += 1
    return json.dumps(doc, indent=2, ensure_ascii=False)


tokens = token_chunks


# -- contenders --------------------------------------------------------------


async def _source(chunks: Iterable[Any]) -> AsyncIterator[Any]:
    for chunk in chunks:
        yield chunk


class Timed:
    """A result plus the seconds measured inside the event loop (so that creating
    and closing the loop, ~0.3 ms, is not charged to the parser)."""

    def __init__(self, value: Any, seconds: float) -> None:
        self.value = value
        self.seconds = seconds


def run_operator(op: Callable[[], Any], live: bool = False) -> Callable[[list[str]], Timed]:
    """Our operator over the list of chunks, or (``live``) over an async generator
    of them, the way chunks arrive from a model and the way jsonriver takes them."""

    def run(chunks: list[str]) -> Timed:
        async def main() -> Timed:
            start = time.perf_counter()
            last = None
            async with pipe(_source(chunks) if live else chunks, op()) as s:
                async for item in s:
                    last = item
            return Timed(last, time.perf_counter() - start)

        return asyncio.run(main())

    return run


def core_events(chunks: list[str]) -> Any:
    parser = JSONParser()
    n = 0
    for chunk in chunks:
        n += len(parser.feed(chunk))
    parser.close()
    return n


def core_snapshots(chunks: list[str]) -> Any:
    parser, builder = JSONParser(), SnapshotBuilder()
    last = None
    for chunk in chunks:
        for snapshot in builder.feed(parser.feed(chunk)):
            last = snapshot
    builder.feed(parser.close())
    return last


def core_values(chunks: list[str]) -> Any:
    parser, collector = JSONParser(), ValueCollector("items[*]")
    out = []
    for chunk in chunks:
        out.extend(collector.feed(parser.feed(chunk)))
    out.extend(collector.feed(parser.close()))
    return len(out)


def core_strict(chunks: list[str]) -> Any:
    core = make_strict_values("items[*]")
    assert core is not None, "ijson's yajl2_c backend is needed"
    out = []
    for chunk in chunks:
        out.extend(core.feed(chunk))
    out.extend(core.close())
    return len(out)


def jiter_reparse(chunks: list[str]) -> Any:
    import jiter

    buf = bytearray()
    value = None
    for chunk in chunks:
        buf += chunk.encode()
        value = jiter.from_json(bytes(buf), partial_mode="trailing-strings")
    return value


def pydantic_reparse(chunks: list[str]) -> Any:
    import pydantic_core

    buf = ""
    value = None
    for chunk in chunks:
        buf += chunk
        value = pydantic_core.from_json(buf, allow_partial=True)
    return value


def ijson_items(chunks: list[bytes]) -> Any:
    import ijson

    backend = ijson.get_backend("yajl2_c")

    class Sink(list[Any]):
        def send(self, value: Any) -> None:
            self.append(value)

    sink = Sink()
    coro = backend.items_coro(sink, "items.item", use_float=True)
    for chunk in chunks:
        coro.send(chunk)
    coro.close()
    return len(sink)


def jsonriver_snapshots(chunks: list[str]) -> Timed:
    import jsonriver

    async def main() -> Timed:
        start = time.perf_counter()
        last = None
        async for value in jsonriver.parse(_source(chunks)):
            last = value
        return Timed(last, time.perf_counter() - start)

    return asyncio.run(main())


def native_snapshots(chunks: list[str]) -> Any:
    """``streaming-json-parser`` with its Rust backend: one ``feed`` per chunk, reading
    the value it keeps (mutated in place between feeds, as ours is)."""
    import streaming_json_parser

    parser = streaming_json_parser.StreamingJsonParser()
    value = None
    for chunk in chunks:
        value = parser.feed(chunk).value
    return value


def loads_once(chunks: list[str]) -> Any:
    return json.loads("".join(chunks))


def langchain_parse(buffer: str) -> Any:
    """LangChain's partial parse of the text so far (one step of its streaming path)."""
    from langchain_core.output_parsers import JsonOutputParser
    from langchain_core.outputs import Generation

    return JsonOutputParser().parse_result([Generation(text=buffer)], partial=True)


def langchain_snapshots(chunks: list[str]) -> Any:
    """``JsonOutputParser().transform(...)``: LangChain's streaming path (it re-parses the
    accumulated text after every chunk and yields each value that changed)."""
    from langchain_core.output_parsers import JsonOutputParser

    last = None
    for value in JsonOutputParser().transform(iter(chunks)):
        last = value
    return last


def pjp_parse(buffer: str) -> Any:
    import partial_json_parser

    return partial_json_parser.loads(buffer)


def pjp_snapshots(chunks: list[str]) -> Any:
    """``partial_json_parser.loads(buffer)`` after every chunk."""
    buf = ""
    value = None
    for chunk in chunks:
        buf += chunk
        value = pjp_parse(buf)
    return value


def buffer_step(parse: Callable[[str], Any], chunks: list[str]) -> Callable[[int], Any]:
    """``step(i)``: ``parse`` of the text up to and including chunk ``i``, the work a
    re-parsing contender does for that chunk (to sample its cost along the stream)."""
    text = "".join(chunks)
    ends = []
    end = 0
    for chunk in chunks:
        end += len(chunk)
        ends.append(end)
    return lambda i: parse(text[: ends[i]])


CONTENDERS: list[tuple[str, Callable[[Any], Any], bool]] = [
    # (label, function, quadratic)
    ("events", run_operator(json_events), False),
    ("snapshots", run_operator(json_snapshots), False),
    ("snap live", run_operator(json_snapshots, live=True), False),
    ("values[*]", run_operator(lambda: json_values("items[*]")), False),
    ("strict", run_operator(lambda: json_values("items[*]", lenient=False)), False),
    ("core ev", core_events, False),
    ("core snap", core_snapshots, False),
    ("core val", core_values, False),
    ("core strict", core_strict, False),
    ("jiter", jiter_reparse, True),
    ("pyd-core", pydantic_reparse, True),
    ("ijson", ijson_items, False),
    ("jsonriver", jsonriver_snapshots, False),
    ("loads", loads_once, False),
]
# Pure-Python re-parsers: minutes at 128 KB, so run here only when named with --only.
EXTRA_CONTENDERS: list[tuple[str, Callable[[Any], Any], bool]] = [
    ("langchain", langchain_snapshots, True),
    ("pjp", pjp_snapshots, True),
]


def time_once(fn: Callable[[Any], Any], arg: Any) -> float:
    """One timed run with the garbage collector off, as ``timeit`` does (a collection
    landing in one contender's run would charge it for everyone's garbage)."""
    gc.disable()
    try:
        start = time.perf_counter()
        result = fn(arg)
        seconds = time.perf_counter() - start
    finally:
        gc.enable()
    return result.seconds if isinstance(result, Timed) else seconds


def best_times(
    runs: list[tuple[str, Callable[[Any], Any], Any]], repeat: int, warm_up: bool = True
) -> dict[str, float]:
    """Best time of each contender, measured in interleaved rounds.

    Every round runs every contender once, so a slow spell of this (shared, 2-core)
    machine hits all of them alike instead of one. One untimed warm-up run each
    first. Rounds go on until each contender has ``repeat`` runs and ~0.3 s of
    samples (a 1 KB document takes well under a millisecond), at most 200.
    """
    best = {label: float("inf") for label, _, _ in runs}
    if not runs:
        return best
    spent = dict.fromkeys(best, 0.0)
    for _, fn, arg in runs if warm_up else ():
        fn(arg)
    gc.collect()
    rounds = 0
    while rounds < repeat or (min(spent.values()) < 0.3 and rounds < 200):
        for label, fn, arg in runs:
            seconds = time_once(fn, arg)
            spent[label] += seconds
            best[label] = min(best[label], seconds)
        rounds += 1
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default=",".join(SIZES), help="comma-separated: 1K,8K,32K,128K,1M")
    ap.add_argument("--quick", action="store_true", help="one run per measurement")
    ap.add_argument("--only", default="", help="comma-separated contender labels")
    args = ap.parse_args()
    sizes = [s for s in args.sizes.split(",") if s]
    wanted = {s for s in args.only.split(",") if s}
    contenders = [c for c in CONTENDERS if not wanted or c[0] in wanted]
    contenders += [c for c in EXTRA_CONTENDERS if c[0] in wanted]

    # Sanity: every contender agrees on the answer for a small document.
    sample = tokens(make_document(3000))
    final = json.loads("".join(sample))
    assert run_operator(lambda: json_values())(sample).value == final
    assert jsonriver_snapshots(sample).value == final
    assert core_snapshots(sample) == final
    assert core_values(sample) == ijson_items([c.encode() for c in sample]) == len(final["items"])

    results: dict[tuple[str, str], tuple[float, int] | None] = {}
    print(f"python {sys.version.split()[0]}; times: total ms / us per chunk (3-4 char chunks)\n")
    header = f"{'size':>5} {'chars':>8} {'chunks':>7} | " + " | ".join(
        f"{label:>15}" for label, _, _ in contenders
    )
    print(header)
    print("-" * len(header))
    notes: list[str] = []
    for size in sizes:
        text = make_document(SIZES[size])
        chunks = tokens(text)
        bchunks = [c.encode() for c in chunks]
        repeat = 1 if args.quick or SIZES[size] >= 1_000_000 else (3 if SIZES[size] > 50_000 else 5)
        runs = []
        for label, fn, quadratic in contenders:
            if quadratic and len(text) > QUADRATIC_LIMIT:
                note = f"{label}: skipped at {size} (re-parsing the whole buffer per chunk is quadratic)"
                if note not in notes:
                    notes.append(note)
                continue
            runs.append((label, fn, bchunks if label == "ijson" else chunks))
        # The quadratic re-parsers take seconds per run at 32K and up: they are
        # timed in rounds of their own, so they do not stretch everyone's rounds.
        slow = {c[0] for c in contenders if c[2]} if SIZES[size] >= 32_000 else set()
        # (a run of seconds needs no warm-up run)
        best = best_times([r for r in runs if r[0] not in slow], repeat)
        best |= best_times([r for r in runs if r[0] in slow], repeat, warm_up=False)
        cells = []
        for label, _, _ in contenders:
            if label not in best:
                results[(size, label)] = None
                cells.append(f"{'skipped':>15}")
                continue
            seconds = best[label]
            results[(size, label)] = (seconds, len(chunks))
            cells.append(f"{seconds * 1e3:8.1f} {seconds / len(chunks) * 1e6:5.2f}")
        print(f"{size:>5} {len(text):>8} {len(chunks):>7} | " + " | ".join(cells), flush=True)
    for note in notes:
        print("note:", note)

    def per_chunk(size: str, label: str) -> float | None:
        r = results.get((size, label))
        return None if r is None else r[0] / r[1] * 1e6

    labels = [c[0] for c in contenders]
    print()
    if "1K" in sizes and "1M" in sizes:
        print("linearity: (us/chunk at 1M) / (us/chunk at 1K), target <= 1.3 for ours")
        for label in labels:
            a, b = per_chunk("1K", label), per_chunk("1M", label)
            if a and b:
                print(f"  {label:>10}: {b / a:5.2f}")
        print()

    def ratio(size: str, a: str, b: str) -> str:
        x, y = per_chunk(size, a), per_chunk(size, b)
        return "n/a" if x is None or y is None else f"{y / x:.1f}x"

    print("targets:")
    for size, need in (("1K", 1.0), ("8K", 5.0), ("128K", 50.0)):
        if size in sizes:
            for peer in ("jiter", "pyd-core"):
                if peer in labels and "snapshots" in labels:
                    print(
                        f"  snapshots vs {peer} re-parse at {size:>4}: {ratio(size, 'snapshots', peer):>7}"
                        f" faster (op) / {ratio(size, 'core snap', peer):>7} (core); need >= {need:g}x"
                    )
    for size in sizes:
        if "jsonriver" in labels:
            print(
                f"  snapshots vs jsonriver at {size:>4}: {ratio(size, 'snap live', 'jsonriver'):>7}"
                f" faster (op, both on an async generator) / {ratio(size, 'snapshots', 'jsonriver'):>7}"
                f" (op on the list) / {ratio(size, 'core snap', 'jsonriver'):>7} (core); need >= 3x"
            )
    if "128K" in sizes and "ijson" in labels:
        for label in ("values[*]", "strict", "core val", "core strict"):
            x, y = per_chunk("128K", label), per_chunk("128K", "ijson")
            if x and y:
                print(f"  {label} vs ijson (C) at 128K: {x / y:.1f}x ijson's time; need <= 3x")
    if not wanted:
        long_string(repeat=1 if args.quick else 3)


def long_string(repeat: int) -> None:
    """The worst case for snapshots: one string value that stays open for the whole
    document (a generated file, a long answer). Each snapshot shows it whole, yet a
    chunk must cost what it adds, not the length so far."""
    print('\none long string value ({"path": ..., "content": <n chars>}), us per chunk:')
    snapshots = run_operator(json_snapshots)
    rows = []
    for n in (32_000, 1_000_000):
        chunks = tokens(json.dumps({"path": "notes.txt", "content": "The cat sat. " * (n // 13)}))
        best = best_times([("op", snapshots, chunks), ("core", core_snapshots, chunks)], repeat)
        rows.append({k: v / len(chunks) * 1e6 for k, v in best.items()})
        print(
            f"  {n:>9,} chars: snapshots {rows[-1]['op']:5.2f}   core snap {rows[-1]['core']:5.2f}"
        )
    print(
        f"  1M / 32K per chunk: snapshots {rows[1]['op'] / rows[0]['op']:.2f}, "
        f"core snap {rows[1]['core'] / rows[0]['core']:.2f} (linear: about 1)"
    )


if __name__ == "__main__":
    main()
