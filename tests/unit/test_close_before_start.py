"""A pipeline stopped before its first item still closes its source (issue #11.3).

A stage's generator closes its upstream in a ``finally``, but a generator that
never started runs no ``finally``: the pipeline itself must reach the source.
Every kind of stage is checked: ``@operator``, ``@chunk_operator`` (fused),
snapshot operators, ``throttle`` (which reaches past a snapshot stage), the
background-task operators, ``merge`` and ``tee``, and a plain function piped
with ``|``.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import Any

import anyio
import pytest
from pydantic import BaseModel

from streamops import (
    Stream,
    buffer,
    json_snapshots,
    json_values,
    partial,
    pipe,
    sentences,
    stream,
    throttle,
    timeout,
    to_sse,
    words,
)
from streamops.flow import collect, merge, tee
from streamops.providers import events, text
from tests.helpers import SDKLikeSource, TrackedSource

pytestmark = pytest.mark.anyio


class M(BaseModel):
    a: int


async def _passthrough(source: AsyncIterable[Any]) -> AsyncIterator[Any]:
    async for item in source:
        yield item


CHAINS: dict[str, Callable[[Any], Stream[Any]]] = {
    "words": lambda s: pipe(s, words()),
    "words+sentences": lambda s: pipe(s, words(), sentences()),
    "words with timer": lambda s: pipe(s, words(max_delay=1)),
    "json_values": lambda s: pipe(s, json_values("*")),
    "json_snapshots": lambda s: pipe(s, json_snapshots()),
    "partial": lambda s: pipe(s, partial(M)),
    "partial|throttle": lambda s: pipe(s, partial(M), throttle(1)),
    "throttle": lambda s: pipe(s, throttle(1)),
    "buffer": lambda s: pipe(s, buffer(4)),
    "timeout": lambda s: pipe(s, timeout(idle=5)),
    "collect": lambda s: pipe(s, collect()),
    "to_sse": lambda s: pipe(s, to_sse(heartbeat=5)),
    "events+text": lambda s: pipe(s, events(), text()),
    "plain function": lambda s: stream(s) | _passthrough,
    "merge": lambda s: merge(s),
    "merge+words": lambda s: pipe(merge(s), words()),
}


@pytest.fixture(params=[TrackedSource, SDKLikeSource], ids=["aclose", "sdk-close"])
def source(request: pytest.FixtureRequest) -> TrackedSource:
    cls: type[TrackedSource] = request.param
    return cls(["x"])


@pytest.mark.parametrize("name", sorted(CHAINS))
async def test_aclose_before_first_item_closes_the_source(name: str, source: TrackedSource) -> None:
    pipeline = CHAINS[name](source)
    await pipeline.aclose()
    assert source.closed == 1
    assert source.pulled == 0
    await pipeline.aclose()  # idempotent
    assert source.closed == 1


@pytest.mark.parametrize("name", sorted(CHAINS))
async def test_exception_inside_async_with_before_first_item_closes_the_source(
    name: str, source: TrackedSource
) -> None:
    with pytest.raises(KeyError):
        async with CHAINS[name](source):
            raise KeyError("the application failed before reading")
    assert source.closed == 1


@pytest.mark.parametrize("name", sorted(CHAINS))
async def test_cancelled_before_first_item_closes_the_source(
    name: str, source: TrackedSource
) -> None:
    with anyio.CancelScope() as scope:
        async with CHAINS[name](source):
            scope.cancel()
            await anyio.sleep_forever()
    assert scope.cancelled_caught
    assert source.closed == 1


async def test_tee_closes_the_source_once_every_branch_closed_unread() -> None:
    source = TrackedSource(["x"])
    a, b = tee(pipe(source, words()), 2)
    await a.aclose()
    assert source.closed == 0  # b may still read
    await b.aclose()
    assert source.closed == 1


async def test_merge_closes_every_source_before_first_item() -> None:
    sources = [TrackedSource(["x"]), SDKLikeSource(["y"])]
    await merge(*sources).aclose()
    assert [s.closed for s in sources] == [1, 1]


async def test_a_failing_close_still_closes_the_rest_of_the_chain() -> None:
    class BadClose(TrackedSource):
        async def aclose(self) -> None:
            await super().aclose()
            raise OSError("close failed")

    inner = TrackedSource(["x"])
    outer = BadClose([])
    merged = merge(outer, inner)
    with pytest.raises(OSError, match="close failed"):
        await merged.aclose()
    assert (outer.closed, inner.closed) == (1, 1)
