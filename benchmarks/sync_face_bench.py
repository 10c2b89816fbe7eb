"""The sync face against the async one: cost per chunk of the same pipeline.

Run: ``python benchmarks/sync_face_bench.py [--size 32768] [--rounds 5]``

``iterate()`` / ``drain()`` run a pipeline of chunk and snapshot operators
over a plain iterable in plain generators (no event loop); a pipeline with
an operator that needs time (``throttle``) still runs on a private event
loop, one loop round trip per item. The table shows microseconds per chunk
for ``async for``, ``iterate`` and ``drain``, and the ratio sync / async.
Timed as ``timeit`` does: garbage collector off, one warm-up, best of rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydantic import BaseModel

from streamops import (
    drain,
    iterate,
    json_snapshots,
    json_values,
    partial,
    pipe,
    sentences,
    throttle,
    words,
)
from streamops.samples import token_chunks


class Item(BaseModel):
    name: str
    tags: list[str]
    n: int


class Doc(BaseModel):
    items: list[Item]


def document(size: int) -> str:
    items, i = [], 0
    while len(json.dumps({"items": items})) < size:
        items.append({"name": f"item {i}", "tags": ["alpha", "beta"], "n": i})
        i += 1
    return json.dumps({"items": items})


def best(run: Callable[[], Any], rounds: int) -> float:
    run()
    times = []
    for _ in range(rounds):
        gc.disable()
        try:
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=32768)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    doc = document(args.size)
    chunks = token_chunks(doc, 0)
    prose = token_chunks("The quick brown fox jumps over the lazy dog. " * (args.size // 45), 0)
    cases: list[tuple[str, list[str], Callable[[], tuple[Any, ...]]]] = [
        ("json_snapshots()", chunks, lambda: (json_snapshots(),)),
        ('json_values("items[*]")', chunks, lambda: (json_values("items[*]"),)),
        ("partial(Doc)", chunks, lambda: (partial(Doc),)),
        ("sentences(), words()", prose, lambda: (sentences(), words())),
        ("json_values, throttle(60) (loop)", chunks, lambda: (json_values("items[*]"), throttle(60))),
    ]
    print(f"{len(doc)} bytes of JSON in {len(chunks)} chunks; best of {args.rounds}\n")
    print("| pipeline | async for (us/chunk) | iterate | drain | iterate / async |")
    print("|---|---:|---:|---:|---:|")
    for name, data, ops in cases:
        a, i, d = measure(data, ops, args.rounds)
        print(f"| {name} | {a:.2f} | {i:.2f} | {d:.2f} | {i / a:.2f}x |")


def measure(
    data: list[str], ops: Callable[[], tuple[Any, ...]], rounds: int
) -> tuple[float, float, float]:
    """Microseconds per chunk: async for, iterate, drain."""

    async def consume() -> None:
        async for _ in pipe(data, *ops()):
            pass

    def run_async() -> None:
        asyncio.run(consume())

    def run_iterate() -> None:
        for _ in iterate(data, *ops()):
            pass

    def run_drain() -> None:
        drain(data, *ops())

    a, i, d = (best(f, rounds) / len(data) * 1e6 for f in (run_async, run_iterate, run_drain))
    return a, i, d

if __name__ == "__main__":
    main()
