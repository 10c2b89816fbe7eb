"""throttle: rate, latest vs leading edge, the final item, and no work for skipped snapshots."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import anyio
import pytest
from pydantic import BaseModel

from streamops import JSONStreamError, json_snapshots, partial, pipe
from streamops._core import SnapshotStream, snapshot_operator
from streamops.flow import throttle
from tests.helpers import TrackedSource

pytestmark = pytest.mark.anyio


class CountingCore:
    """A snapshot core over str chunks that counts the snapshots it builds."""

    builds = 0

    def __init__(self) -> None:
        self.text = ""

    def feed(self, chunk: str) -> bool:
        self.text += chunk
        return bool(chunk)

    def snapshot(self) -> str:
        CountingCore.builds += 1
        return self.text

    def close(self) -> Sequence[str]:
        return [f"final:{self.text}"]


def paced(*parts: list[str] | float) -> AsyncIterator[str]:
    """A source that yields the strings in each list at once and pauses for each float."""

    async def gen() -> AsyncIterator[str]:
        for part in parts:
            if isinstance(part, float):
                await anyio.sleep(part)
            else:
                for item in part:
                    yield item

    return gen()


async def test_snapshot_operator_alone_builds_one_snapshot_per_change() -> None:
    CountingCore.builds = 0
    out = [x async for x in pipe(["a", "", "b"], snapshot_operator(CountingCore))]
    assert out == ["a", "ab", "final:ab"]
    assert CountingCore.builds == 2
    assert isinstance(pipe([], snapshot_operator(CountingCore)), SnapshotStream)


async def test_throttle_builds_only_the_snapshots_it_emits() -> None:
    CountingCore.builds = 0
    chunks = [f"c{i} " for i in range(500)]
    out = [x async for x in pipe(chunks, snapshot_operator(CountingCore), throttle(60))]
    assert out == ["c0 ", "final:" + "".join(chunks)]
    assert CountingCore.builds == 1  # the first snapshot; the end comes from close()


async def test_throttle_emits_first_and_final_items() -> None:
    src = TrackedSource(list(range(100)))
    assert [x async for x in pipe(src, throttle(60))] == [0, 99]
    assert src.closed == 1


async def test_throttle_latest_sends_the_newest_when_the_interval_ends() -> None:
    source = paced(["a", "b", "c"], 0.6, ["d"])
    assert [x async for x in pipe(source, throttle(0.2))] == ["a", "c", "d"]


async def test_throttle_leading_edge_drops_items_inside_the_interval() -> None:
    source = paced(["a", "b", "c"], 0.6, ["d"])
    assert [x async for x in pipe(source, throttle(0.2, latest=False))] == ["a", "d"]


async def test_throttle_leading_edge_still_sends_the_final_item() -> None:
    source = paced(["a", "b", "c"])
    assert [x async for x in pipe(source, throttle(0.2, latest=False))] == ["a", "c"]


async def test_throttle_trailing_item_is_sent_while_the_source_stalls() -> None:
    src = TrackedSource(["a", "b", "c"], hang=True)
    got = []
    async with pipe(src, throttle(0.05)) as s:
        async for x in s:
            got.append(x)
            if x == "c":
                break
    assert got == ["a", "c"]
    assert src.closed == 1


async def test_throttle_passes_source_errors_through_after_the_held_item() -> None:
    boom = OSError("x")
    got = []
    with pytest.raises(OSError) as info:
        async for x in pipe(TrackedSource(["a", "b"], error=boom), throttle(60)):
            got.append(x)
    assert info.value is boom
    assert got == ["a", "b"]


@pytest.mark.parametrize("bad", [0, -1.0])
def test_throttle_interval_must_be_positive(bad: float) -> None:
    with pytest.raises(ValueError, match="interval"):
        throttle(bad)


class _Plan(BaseModel):
    title: str
    count: int


@pytest.mark.parametrize("kind", ["json_snapshots", "partial"])
async def test_a_malformed_document_shows_what_came_before_the_error_then_fails(
    kind: str, chunking: Callable[[str], list[str]]
) -> None:
    """The error rule holds behind throttle too: the last item before the error shows
    everything before the error position, whatever the chunking."""
    text = '{"title": "Lisbon", "count": 3, ]'
    op = json_snapshots() if kind == "json_snapshots" else partial(_Plan)
    got: list[Any] = []
    with pytest.raises(JSONStreamError) as info:
        async for item in pipe(chunking(text), op, throttle(60)):
            got.append(copy.deepcopy(item))
    assert info.value.offset == text.index("]")
    last = got[-1] if kind == "json_snapshots" else got[-1].model_dump()
    assert last == {"title": "Lisbon", "count": 3}
