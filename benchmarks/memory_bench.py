"""Memory per stream: what a stream's state holds once a document has been fed.

Run: ``python benchmarks/memory_bench.py [--size 10240] [--big 10485760]``

For each core (the parser alone, ``json_snapshots()``'s, ``partial(Model)``'s,
``tool_calls()``'s), a document of ``--size`` bytes is fed in 3-4 character
chunks and the memory still held afterwards (``tracemalloc``, the state alive,
the chunks list and the document not counted) is printed with its ratio to the
document's size, beside the value alone as ``json.loads`` builds it: the cores
that hold the value (snapshots, models) cannot hold less than that. ``--big`` also feeds one document of that size and prints the
peak memory during the run, as a ratio to the document (0 to skip it).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydantic import BaseModel

from streamops.json import JSONParser, SnapshotBuilder
from streamops.models import ModelHydrator
from streamops.providers import ToolCallDelta, ToolCallDone, ToolCallStarted
from streamops.samples import token_chunks
from streamops.tools import ToolCallAssembler


class Item(BaseModel):
    name: str
    tags: list[str]
    n: int


class Doc(BaseModel):
    items: list[Item]


def document(size: int) -> str:
    item = {"name": "item 00000", "tags": ["alpha", "beta"], "n": 0}
    count = max(1, size // len(json.dumps(item)))
    items = [{"name": f"item {i:05}", "tags": ["alpha", "beta"], "n": i} for i in range(count)]
    return json.dumps({"items": items})


def parser_core(chunks: Iterable[str]) -> Any:
    core = JSONParser()
    for chunk in chunks:
        core.feed(chunk)
    return core


def snapshot_core(chunks: Iterable[str]) -> Any:
    parser, builder = JSONParser(), SnapshotBuilder()
    for chunk in chunks:
        events = parser.feed(chunk)
        if events:
            builder.feed(events)
    return parser, builder


def partial_core(chunks: Iterable[str]) -> Any:
    core = ModelHydrator(Doc)
    for chunk in chunks:
        core.feed(chunk)
    return core


def tools_core(chunks: Iterable[str]) -> Any:
    core = ToolCallAssembler()
    core.feed(ToolCallStarted(0, "call_1", "save"))
    for chunk in chunks:
        core.feed(ToolCallDelta(0, chunk))
    return core, ToolCallDone  # (the call stays open: its state is what is measured)


def loaded(chunks: Iterable[str]) -> Any:
    """The reference: the finished value itself, as ``json.loads`` builds it."""
    return json.loads("".join(chunks))


CORES: dict[str, Callable[[Iterable[str]], Any]] = {
    "json.loads(document): the value alone": loaded,
    "JSONParser": parser_core,
    "json_snapshots() core": snapshot_core,
    "partial(Model) core": partial_core,
    "tool_calls() assembler": tools_core,
}


def arriving(chunks: list[str]) -> Iterator[str]:
    """Each chunk as a fresh string, as a network read makes it: what a core keeps of
    it is then counted (the list of chunks itself is not)."""
    for chunk in chunks:
        yield chunk.encode().decode()


def held(make: Callable[[Iterable[str]], Any], chunks: list[str]) -> tuple[int, int]:
    """(bytes held by the state afterwards, peak bytes during the feed)."""
    gc.collect()
    tracemalloc.start()
    try:
        state = make(arriving(chunks))
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del state
    return current, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10240)
    parser.add_argument("--big", type=int, default=10 * 1024 * 1024)
    args = parser.parse_args()
    doc = document(args.size)
    chunks = token_chunks(doc, 0)
    print(f"a {len(doc)}-byte document in {len(chunks)} chunks\n")
    print("| core | held after the document (bytes) | / document |")
    print("|---|---:|---:|")
    for name, make in CORES.items():
        current, _ = held(make, chunks)
        print(f"| {name} | {current} | {current / len(doc):.2f}x |")
    if args.big:
        big = document(args.big)
        big_chunks = token_chunks(big, 0)
        size = len(big)
        print(f"\na {size}-byte document: peak memory while feeding it (the chunks not counted)\n")
        print("| core | peak (MB) | / document |")
        print("|---|---:|---:|")
        for name, make in CORES.items():
            _, peak = held(make, big_chunks)
            print(f"| {name} | {peak / 1e6:.1f} | {peak / size:.2f}x |")


if __name__ == "__main__":
    main()
