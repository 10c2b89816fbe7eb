"""tee and collect."""

from __future__ import annotations

import anyio
import pytest

from streamops import drain, pipe
from streamops._core import READ_AHEAD
from streamops.flow import Collected, collect, tee
from tests.helpers import TrackedSource

pytestmark = pytest.mark.anyio


async def test_tee_branches_read_concurrently_see_everything() -> None:
    src = TrackedSource(range(50))
    branches = tee(src, 3)
    seen: dict[int, list[int]] = {}

    async def read(i: int) -> None:
        seen[i] = [x async for x in branches[i]]

    async with anyio.create_task_group() as tg:
        for i in range(3):
            tg.start_soon(read, i)
    assert seen == {i: list(range(50)) for i in range(3)}
    assert src.pulled == 50
    assert src.closed == 1


async def test_tee_unbounded_can_be_read_one_branch_after_another() -> None:
    a, b = tee(TrackedSource("abc"))
    assert [x async for x in a] == ["a", "b", "c"]
    assert [x async for x in b] == ["a", "b", "c"]


async def test_tee_slow_branch_makes_the_fast_one_wait() -> None:
    src = TrackedSource(range(10))
    a, b = tee(src, 2, max_buffer=2)
    got_a: list[int] = []

    async def read_a() -> None:
        async for x in a:
            got_a.append(x)

    async with anyio.create_task_group() as tg:
        tg.start_soon(read_a)
        await anyio.wait_all_tasks_blocked()
        assert got_a == [0, 1]  # two ahead of b, then it waits
        assert await b.__anext__() == 0
        await anyio.wait_all_tasks_blocked()
        assert got_a == [0, 1, 2]
        assert [x async for x in b] == list(range(1, 10))
    assert got_a == list(range(10))


async def test_tee_closed_branch_does_not_hold_the_others_back() -> None:
    src = TrackedSource(range(6))
    a, b = tee(src, 2, max_buffer=1)
    await b.aclose()
    assert [x async for x in a] == list(range(6))
    assert src.closed == 1


async def test_tee_closing_every_branch_closes_the_source() -> None:
    src = TrackedSource(range(100), hang=True)
    a, b = tee(src, 2)
    async with a:
        assert await a.__anext__() == 0
    assert src.closed == 0
    async with b:
        async for x in b:
            if x == 3:
                break
    assert src.closed == 1


async def test_tee_source_error_reaches_every_branch_at_the_same_place() -> None:
    boom = OSError("connection lost")
    a, b = tee(TrackedSource([1, 2], error=boom))
    for branch in (a, b):
        got = []
        with pytest.raises(OSError) as info:
            async for x in branch:
                got.append(x)
        assert info.value is boom
        assert got == [1, 2]


class GatedSource(TrackedSource):
    """Hands out its first item at once, the rest only after ``gate`` is set."""

    def __init__(self, items: list[int]) -> None:
        super().__init__(items)
        self.gate = anyio.Event()

    async def __anext__(self) -> int:
        if self.pulled:
            await self.gate.wait()
        return await super().__anext__()  # type: ignore[no-any-return]


async def test_tee_cancelled_reader_does_not_disturb_the_others() -> None:
    src = GatedSource([1, 2, 3])
    a, b = tee(src, 2)
    got_first = anyio.Event()

    async def read_a() -> None:
        async for _ in a:
            got_first.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(read_a)
        await got_first.wait()
        await anyio.wait_all_tasks_blocked()  # a now waits for the source's next item
        tg.cancel_scope.cancel()
    src.gate.set()
    assert [x async for x in b] == [1, 2, 3]
    assert src.exhausted
    await a.aclose()
    assert src.closed == 1


async def test_tee_reads_only_a_little_ahead_of_its_fastest_branch() -> None:
    src = TrackedSource(range(1000))
    a, b = tee(src, 2)
    async with a, b:
        assert await a.__anext__() == 0
        await anyio.wait_all_tasks_blocked()
        assert src.pulled <= 1 + READ_AHEAD
    assert src.closed == 1


def test_tee_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="branch"):
        tee([], 0)
    with pytest.raises(ValueError, match="max_buffer"):
        tee([], 2, max_buffer=0)


async def test_collect_is_live_while_streaming_and_final_at_the_end() -> None:
    record = collect()
    counts = []
    async with pipe(TrackedSource(["Hel", "lo ", "world"]), record) as s:
        assert record.first_item_at is None
        async for _ in s:
            counts.append((record.count, record.text))
            assert record.first_item_at is not None
            assert not record.done
    assert counts == [(1, "Hel"), (2, "Hello "), (3, "Hello world")]
    assert record.items == ["Hel", "lo ", "world"]
    assert record.complete
    assert record.done
    assert record.error is None
    assert record.first_item_at is not None
    assert record.elapsed >= record.first_item_at
    assert record.elapsed == record.elapsed  # fixed once ended


async def test_collect_keeps_what_arrived_when_the_consumer_breaks() -> None:
    record = collect()
    src = TrackedSource(["a", "b", "c"], hang=True)
    async with pipe(src, record) as s:
        async for x in s:
            if x == "b":
                break
    assert record.items == ["a", "b"]
    assert record.done
    assert not record.complete
    assert record.error is None
    assert src.closed == 1


async def test_collect_error_carries_what_was_collected() -> None:
    record = collect()
    boom = ConnectionError("reset")
    with pytest.raises(ConnectionError) as info:
        async for _ in pipe(TrackedSource(["par", "tial"], error=boom), record):
            pass
    assert info.value is boom
    assert record.error is boom
    assert info.value.collected is record  # type: ignore[attr-defined]
    assert record.text == "partial"
    assert not record.complete


def test_collect_record_is_single_use() -> None:
    record: Collected[str] = collect()
    assert drain(pipe(["a"], record)) == ["a"]
    with pytest.raises(RuntimeError, match="one pipeline"):
        pipe(["b"], record)
    assert "complete" in repr(record)
