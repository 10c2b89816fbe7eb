"""Cost per input chunk of the text operators, tee and collect.

About 1 MB of prose (the package's sample answer, repeated) in 3-4 character
chunks, run through each operator on asyncio. Prints ns per input chunk and the
ratio to a bare pass-through operator (the cost of one pipeline stage).

    python benchmarks/text_bench.py [--size-kb 1024] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import Any

import anyio

from streamops import Stream, chunks, lines, operator, paragraphs, pipe, sentences, words
from streamops.flow import collect, tee
from streamops.samples import sample_text, token_chunks


@operator
async def passthrough(source: AsyncIterable[str]) -> AsyncIterator[str]:
    async for chunk in source:
        yield chunk


def make_chunks(size: int) -> list[str]:
    base = sample_text("answer")
    return token_chunks((base * (size // len(base) + 1))[:size])


async def consume(s: Stream[Any]) -> int:
    n = 0
    async for _ in s:
        n += 1
    return n


async def run_tee_collect(data: list[str]) -> int:
    a, b = tee(pipe(data, collect()), 2)
    counts = []

    async def read(branch: Stream[str]) -> None:
        counts.append(await consume(branch))

    async with anyio.create_task_group() as tg:
        tg.start_soon(read, a)
        tg.start_soon(read, b)
    return sum(counts)


CASES: dict[str, Callable[[list[str]], Any]] = {
    "pass-through": lambda d: consume(pipe(d, passthrough())),
    "words()": lambda d: consume(pipe(d, words())),
    "lines()": lambda d: consume(pipe(d, lines())),
    "sentences()": lambda d: consume(pipe(d, sentences())),
    "paragraphs()": lambda d: consume(pipe(d, paragraphs())),
    "chunks(64)": lambda d: consume(pipe(d, chunks(min_chars=64))),
    "tee(2)+collect()": run_tee_collect,
}
TARGETS = {"words()": 3.0, "lines()": 3.0, "sentences()": 5.0}


def measure(data: list[str], repeat: int) -> dict[str, float]:
    best: dict[str, float] = {}
    for name, case in CASES.items():
        for _ in range(repeat):

            async def run(case: Callable[[list[str]], Any] = case) -> None:
                await case(data)

            start = time.perf_counter()
            anyio.run(run)
            elapsed = time.perf_counter() - start
            best[name] = min(best.get(name, elapsed), elapsed)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-kb", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = make_chunks(args.size_kb * 1024)
    best = measure(data, args.repeat)
    base = best["pass-through"]
    print(f"{args.size_kb} KB of text in {len(data)} chunks of 3-4 chars, best of {args.repeat}")
    print()
    print(f"| {'operator':<18} | {'ns/chunk':>9} | {'x pass-through':>14} | {'target':>7} |")
    print(f"|{'-' * 20}|{'-' * 11}|{'-' * 16}|{'-' * 9}|")
    for name, seconds in best.items():
        ratio = seconds / base
        target = TARGETS.get(name)
        mark = "" if target is None else f"<= {target:g}x" + (" ok" if ratio <= target else " !!")
        print(f"| {name:<18} | {seconds / len(data) * 1e9:>9.0f} | {ratio:>14.2f} | {mark:>7} |")


if __name__ == "__main__":
    main()
