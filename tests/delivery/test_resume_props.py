"""Resume exactness (hypothesis): whatever the items, the batching and where a
reader disconnects, the frames it collects across reconnections equal an
uninterrupted read, with no gap and no duplicate."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamops import MemoryStore, pipe, publish, resume
from streamops.delivery import Frame, RedisStore, Store
from tests.delivery.conftest import RedisServer, prefix

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)
cases = {
    "items": st.lists(json_values, max_size=40),
    "cuts": st.lists(st.integers(0, 45), max_size=6),
    "max_batch": st.integers(1, 10),
    "pauses": st.lists(st.booleans(), max_size=40),
}


async def paced(items: list[Any], pauses: list[bool]) -> Any:
    for i, item in enumerate(items):
        yield item
        if i < len(pauses) and pauses[i]:
            await anyio.lowlevel.checkpoint()  # let readers interleave here


async def run_case(
    store: Store, items: list[Any], cuts: list[int], max_batch: int, pauses: list[bool]
) -> None:
    collected: list[Frame] = []

    async def reader() -> None:
        last: int | None = None
        for cut in sorted(cuts):
            async with resume(store, "p", last, block=0.05, wait=10) as frames:
                async for frame in frames:
                    collected.append(frame)
                    last = frame.id
                    if frame.terminal or len(collected) >= cut:
                        break
            if collected and collected[-1].terminal:
                return
        async for frame in resume(store, "p", last, block=0.05, wait=10):
            collected.append(frame)

    async with anyio.create_task_group() as tg:
        tg.start_soon(reader)
        source = pipe(paced(items, pauses), publish(store, "p", batch=0.001, max_batch=max_batch))
        published = [frame async for frame in source]
    assert collected == published
    assert [f.id for f in collected] == list(range(1, len(items) + 2))


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@given(**cases)
def test_resume_is_exact_on_the_memory_store(
    backend: str, items: list[Any], cuts: list[int], max_batch: int, pauses: list[bool]
) -> None:
    anyio.run(run_case, MemoryStore(), items, cuts, max_batch, pauses, backend=backend)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@settings(max_examples=15)
@given(**cases)
def test_resume_is_exact_on_redis(
    redis_server: RedisServer,
    backend: str,
    items: list[Any],
    cuts: list[int],
    max_batch: int,
    pauses: list[bool],
) -> None:
    async def main() -> None:
        store = RedisStore.from_url(redis_server.url, prefix=prefix(), block=0.05)
        try:
            await run_case(store, items, cuts, max_batch, pauses)
        finally:
            await store.aclose()

    anyio.run(main, backend=backend)
