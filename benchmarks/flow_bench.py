"""Per-item cost of the flow-control operators, under asyncio and trio.

Run: ``python benchmarks/flow_bench.py [--items 100000] [--rounds 5]``

Every case consumes the same items as fast as it can, so what is measured is
each operator's own overhead per item, not waiting:

* ``pass-through``: a bare ``@operator`` stage, the cost of one stage;
* ``buffer(16)``, ``throttle(0.1)``, ``timeout(idle=30)``, ``timeout(total=30)``,
  ``to_sse(heartbeat=15)``: the operators that need time (a background task
  reads the upstream a few items ahead, see ``streamops._core.READ_AHEAD``);
* ``tee(2)``: two branches read concurrently (its own task reads the source);
* ``json_snapshots()`` and ``json_snapshots() | throttle(0.1)`` over a JSON
  document in 3-4 character chunks: throttle feeds the snapshot state itself
  and builds only the snapshots it emits, so the pair should cost about what
  the snapshot core costs alone.

Timed the way ``timeit`` does it: garbage collector off during each run, one
untimed warm-up run, cases interleaved in rounds, best run kept.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streamops import Stream, buffer, json_snapshots, operator, pipe, throttle, timeout, to_sse
from streamops.flow import tee
from streamops.samples import token_chunks


@operator
async def passthrough(source: AsyncIterable[Any]) -> AsyncIterator[Any]:
    async for item in source:
        yield item


async def consume(s: Stream[Any]) -> None:
    async for _ in s:
        pass


async def consume_tee(items: list[Any]) -> None:
    a, b = tee(items, 2)
    async with anyio.create_task_group() as tg:
        tg.start_soon(consume, a)
        tg.start_soon(consume, b)


def cases(items: list[int], chunks: list[str]) -> dict[str, tuple[Callable[[], Any], int]]:
    """name -> (the coroutine function to run, how many input items it reads)."""
    n, c = len(items), len(chunks)
    return {
        "pass-through": (lambda: consume(pipe(items, passthrough())), n),
        "buffer(16)": (lambda: consume(pipe(items, buffer(16))), n),
        "throttle(0.1)": (lambda: consume(pipe(items, throttle(0.1))), n),
        "timeout(idle=30)": (lambda: consume(pipe(items, timeout(idle=30))), n),
        "timeout(total=30)": (lambda: consume(pipe(items, timeout(total=30))), n),
        "to_sse(heartbeat=15)": (lambda: consume(pipe(items, to_sse(heartbeat=15))), n),
        "tee(2)": (lambda: consume_tee(items), n),
        "json_snapshots()": (lambda: consume(pipe(chunks, json_snapshots())), c),
        "json_snapshots()|throttle": (
            lambda: consume(pipe(chunks, json_snapshots(), throttle(0.1))),
            c,
        ),
    }


def time_once(fn: Callable[[], Any], backend: str) -> float:
    gc.disable()
    try:
        start = time.perf_counter()
        anyio.run(fn, backend=backend)
        return time.perf_counter() - start
    finally:
        gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    items = list(range(args.items))
    doc = json.dumps({"rows": [{"name": f"row {i}", "n": i} for i in range(args.items // 8)]})
    chunks = token_chunks(doc)
    print(f"{args.items} items; JSON document of {len(doc)} chars in {len(chunks)} chunks")
    print()
    print("| operator                   | asyncio us/item | trio us/item |")
    print("|----------------------------|-----------------|--------------|")
    table = cases(items, chunks)
    best: dict[tuple[str, str], float] = {}
    for backend in ("asyncio", "trio"):
        for fn, _ in table.values():
            time_once(fn, backend)  # warm-up
        for _ in range(args.rounds):
            for name, (fn, _count) in table.items():
                seconds = time_once(fn, backend)
                key = (name, backend)
                best[key] = min(best.get(key, seconds), seconds)
    for name, (_, count) in table.items():
        per = [best[(name, b)] / count * 1e6 for b in ("asyncio", "trio")]
        print(f"| {name:26} | {per[0]:15.2f} | {per[1]:12.2f} |")


if __name__ == "__main__":
    main()
