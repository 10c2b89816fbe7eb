"""JSON Patch formats on a long string: bytes sent and time, RFC 6902 ``replace`` against the
``append`` extension; and ``model_patches`` against diffing whole dumps per chunk.

Run: ``python benchmarks/patch_formats.py [--quick]``

Table 1: one object whose ``answer`` string grows to N characters, streamed in
4-character chunks (model tokens). ``bytes`` is the size of every patch as
``json.dumps`` would send it (one SSE frame each); ``time`` is the builder's
work plus that ``json.dumps``; ``growth`` is the per-chunk cost at the largest
N over the smallest (1 = linear overall). RFC 6902 resends the whole string at
every chunk, so its bytes grow with N squared; ``append`` sends each character
once.

Table 2: ``model_patches`` (patches derived from the hydrator's snapshots,
walking only what changed) against ``jsonpatch.make_patch`` of consecutive
``model_dump`` results (the obvious approach), on a model with a list of N
items, 4-character chunks; ``partial (read)`` is ``partial()`` alone with each
snapshot's fields read, the floor (reading an open list copies it: per-chunk
cost grows with the width of the open list, for every consumer).

Times: best of a few runs, GC off, one warm-up, contenders interleaved.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydantic import BaseModel

from streamops import ModelPatchBuilder
from streamops.json import JSONParser, PatchBuilder
from streamops.models import ModelHydrator


def chunks_of(text: str, size: int = 4) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def best(fn: Callable[[], Any], rounds: int) -> tuple[float, Any]:
    fn()  # warm-up
    times, out = [], None
    for _ in range(rounds):
        gc.disable()
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
        gc.enable()
    return min(times), out


def string_run(chunks: list[str], format: str) -> Callable[[], int]:
    def run() -> int:
        parser, builder = JSONParser(), PatchBuilder(format=format)  # type: ignore[arg-type]
        sent = 0
        for chunk in chunks:
            ops = builder.feed(parser.feed(chunk))
            if ops:
                sent += len(json.dumps(ops))
        return sent

    return run


class Item(BaseModel):
    name: str
    qty: int
    note: str = ""


class Order(BaseModel):
    title: str
    items: list[Item]


def order_text(n: int) -> str:
    items = [{"name": f"item {i}", "qty": i, "note": "fresh, local, in season"} for i in range(n)]
    return json.dumps({"title": "Weekly order", "items": items})


def ours(chunks: list[str]) -> Callable[[], int]:
    def run() -> int:
        hydrator, builder = ModelHydrator(Order), ModelPatchBuilder()
        sent = 0
        for chunk in chunks:
            if hydrator.feed(chunk):
                sent += len(json.dumps(builder.feed(hydrator.snapshot())))
        for final in hydrator.close():
            sent += len(json.dumps(builder.feed(final)))
        return sent

    return run


def read_only(chunks: list[str]) -> Callable[[], int]:
    """``partial()`` alone, each snapshot read (what any consumer of the snapshots pays)."""

    def run() -> int:
        hydrator = ModelHydrator(Order)
        for chunk in chunks:
            if hydrator.feed(chunk):
                snapshot = hydrator.snapshot()
                snapshot.title, snapshot.items  # noqa: B018
        return 0

    return run


def diff_dumps(chunks: list[str]) -> Callable[[], int]:
    import jsonpatch

    def run() -> int:
        hydrator: ModelHydrator[Order] = ModelHydrator(Order)
        before: Any = {}
        sent = 0
        for chunk in chunks:
            if hydrator.feed(chunk):
                now = hydrator.snapshot().model_dump(mode="json")
                sent += len(jsonpatch.make_patch(before, now).to_string())
                before = now
        return sent

    return run


def fmt_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rounds = 1 if args.quick else 3

    sizes = [1_000, 10_000, 50_000]  # (rfc6902 at 200 K characters: about 5 GB sent)
    print("Table 1: a string growing to N characters, 4-character chunks")
    print(f"{'N':>8} {'format':>8} {'patches':>8} {'bytes sent':>11} {'time':>9} {'growth':>7}")
    per_chunk: dict[str, list[float]] = {"rfc6902": [], "append": []}
    for n in sizes:
        text = json.dumps({"answer": "The quick brown fox jumps over the lazy dog. " * (n // 45)})
        chunks = chunks_of(text)
        for format in ("rfc6902", "append"):
            seconds, sent = best(string_run(chunks, format), rounds)
            per_chunk[format].append(seconds / len(chunks))
            growth = per_chunk[format][-1] / per_chunk[format][0]
            print(
                f"{n:>8} {format:>8} {len(chunks):>8} {fmt_bytes(sent):>11} "
                f"{seconds * 1000:>7.1f}ms {growth:>6.1f}x"
            )

    print()
    print("Table 2: partial(Order) as patches, a list of N items, 4-character chunks")
    print(f"{'N':>6} {'contender':>18} {'bytes sent':>11} {'time':>9} {'growth':>7}")
    counts = [10, 100, 400] if args.quick else [10, 100, 400, 1600]
    costs: dict[str, list[float]] = {
        "partial (read)": [],
        "model_patches": [],
        "make_patch(dumps)": [],
    }
    for n in counts:
        chunks = chunks_of(order_text(n))
        contenders = (
            ("partial (read)", read_only),
            ("model_patches", ours),
            ("make_patch(dumps)", diff_dumps),
        )
        for name, make in contenders:
            if name == "make_patch(dumps)" and n > 400:
                print(f"{n:>6} {name:>18} {'(skipped: quadratic)':>21}")
                continue
            seconds, sent = best(make(chunks), rounds)
            costs[name].append(seconds / len(chunks))
            growth = costs[name][-1] / costs[name][0]
            print(
                f"{n:>6} {name:>18} {fmt_bytes(sent):>11} {seconds * 1000:>7.1f}ms {growth:>6.1f}x"
            )


if __name__ == "__main__":
    main()
