"""Fused stages (``chunk_operator``): same results and the same clean-up as ``@operator``."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterator, Sequence
from typing import Any

import pytest

from streamops import JSONStreamError, Stream, chunk_operator, drain, operator, pipe, stream
from streamops._core import Then
from streamops.json import json_snapshots, json_values
from tests.helpers import SDKLikeSource, TrackedSource

pytestmark = pytest.mark.anyio


class Upper:
    """Upper-cases each chunk; ``fail_on`` raises when that chunk arrives."""

    instances = 0

    def __init__(self, fail_on: str | None = None) -> None:
        Upper.instances += 1
        self.fail_on = fail_on
        self.seen: list[str] = []

    def feed(self, chunk: str) -> list[str]:
        if chunk == self.fail_on:
            raise LookupError(f"bad chunk {chunk!r}")
        self.seen.append(chunk)
        return [chunk.upper()] if chunk else []

    def close(self) -> list[str]:
        return [f"<{len(self.seen)}>"]


upper = chunk_operator(Upper)


def doubled(fail_on: str | None = None) -> Then[str, str]:
    return Then(Upper(fail_on), lambda out: [x + x for x in out])


double = chunk_operator(doubled)


@operator
async def plain(source: AsyncIterable[str]) -> AsyncIterator[str]:
    async for chunk in source:
        yield chunk


async def agen(items: Sequence[str]) -> AsyncIterator[str]:
    for item in items:
        yield item


ITEMS = ["a", "", "b", "c"]


@pytest.mark.parametrize("kind", ["list", "generator", "async generator", "tracked"])
@pytest.mark.parametrize(
    ("op", "expected"), [(upper, ["A", "B", "C", "<4>"]), (double, ["AA", "BB", "CC", "<4><4>"])]
)
async def test_results_do_not_depend_on_the_kind_of_source(
    kind: str, op: Any, expected: list[str]
) -> None:
    sources: dict[str, Any] = {
        "list": list(ITEMS),
        "generator": (x for x in ITEMS),
        "async generator": agen(ITEMS),
        "tracked": TrackedSource(ITEMS),
    }
    assert [x async for x in pipe(sources[kind], op())] == expected
    # and behind another stage, where the upstream is async whatever the source
    assert [x async for x in pipe(list(ITEMS), plain(), op())] == expected


async def test_each_pipeline_gets_its_own_core_made_when_first_iterated() -> None:
    op = upper()
    before = Upper.instances
    first, second = pipe(["a"], op), pipe(["b", "c"], op)
    assert Upper.instances == before
    assert drain(second) == ["B", "C", "<2>"]
    assert drain(first) == ["A", "<1>"]
    assert Upper.instances == before + 2


async def test_a_partly_read_sync_source_continues_where_it_was() -> None:
    s = stream(iter(["a", "b", "c"]))
    assert await s.__anext__() == "a"
    assert [x async for x in s | upper()] == ["B", "C", "<2>"]


@pytest.mark.parametrize("op", [upper, double])
async def test_break_inside_async_with_closes_the_source(op: Any) -> None:
    src = TrackedSource(["a", "b", "c"], hang=True)
    async with pipe(src, op(), plain()) as s:
        async for _ in s:
            break
        assert src.closed == 0
    assert src.closed == 1


def generator(closed: list[bool]) -> Iterator[str]:
    try:
        yield from "abc"
    finally:
        closed.append(True)


class Recorded:
    """An iterable whose ``__iter__`` makes a generator (closed by the pipeline too)."""

    def __init__(self, closed: list[bool]) -> None:
        self.closed = closed

    def __iter__(self) -> Iterator[str]:
        return generator(self.closed)


@pytest.mark.parametrize("make", [generator, Recorded])
async def test_a_sync_source_is_closed_when_the_consumer_stops(make: Any) -> None:
    closed: list[bool] = []
    async with pipe(make(closed), upper()) as s:
        async for _ in s:
            break
    assert closed == [True]


@pytest.mark.parametrize("op", [upper, double])
async def test_a_failing_core_closes_the_source_and_raises_unchanged(op: Any) -> None:
    src = SDKLikeSource(["a", "b", "c"], hang=True)
    got = []
    with pytest.raises(LookupError, match="bad chunk 'b'"):
        async for item in pipe(src, op(fail_on="b")):
            got.append(item)
            assert src.closed == 0
    assert got in (["A"], ["AA"])
    assert src.closed == 1


async def test_malformed_json_closes_the_source_before_the_error_arrives() -> None:
    src = TrackedSource(['{"items": [1, ', "2, }"], hang=True)
    got = []
    with pytest.raises(JSONStreamError):
        async for value in pipe(src, json_values("items[*]")):
            got.append(value)
    assert got == [1, 2]  # (2 comes before the error position)
    assert src.closed == 1


async def test_snapshots_stopped_early_close_the_source() -> None:
    src = TrackedSource(['{"a": "x', 'y", "b": [1', ", 2]}"], hang=True)
    async with pipe(src, json_snapshots()) as s:
        async for snap in s:
            assert snap == {"a": "x"}
            break
    assert src.closed == 1


def test_the_stage_is_a_stream() -> None:
    assert isinstance(pipe(["a"], upper()), Stream)
    assert upper.__name__ == "Upper"
