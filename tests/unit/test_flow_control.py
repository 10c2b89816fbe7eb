"""buffer, timeout, merge: backpressure, drop policies, deadlines, interleaving."""

from __future__ import annotations

import anyio
import pytest

from streamops import StreamTimeoutError, pipe, words
from streamops._core import ENDED, Pump
from streamops.flow import Gap, buffer, merge, timeout
from tests.helpers import TrackedSource

pytestmark = pytest.mark.anyio


async def drain_pump(pump: Pump[int]) -> list[object]:
    out = []
    while (item := await pump.get()) is not ENDED:
        out.append(item)
    return out


async def test_pump_drop_oldest_keeps_the_newest_with_one_gap() -> None:
    pump = Pump(TrackedSource(range(10)), 3, "drop_oldest")
    await pump.run()  # never blocks with a dropping policy
    assert await drain_pump(pump) == [Gap(7), 7, 8, 9]


async def test_pump_drop_newest_keeps_the_oldest_with_one_gap() -> None:
    pump = Pump(TrackedSource(range(10)), 3, "drop_newest")
    await pump.run()
    assert await drain_pump(pump) == [0, 1, 2, Gap(7)]


async def test_pump_queues_an_error_after_the_items() -> None:
    boom = OSError("x")
    pump = Pump(TrackedSource([1, 2], error=boom), 5)
    await pump.run()
    assert await pump.get() == 1
    assert await pump.get() == 2
    with pytest.raises(OSError) as info:
        await pump.get()
    assert info.value is boom


def test_pump_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="maxsize"):
        Pump([], 0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="policy"):
        Pump([], 1, "drop_all")  # type: ignore[arg-type]


async def test_buffer_block_applies_backpressure_to_the_source() -> None:
    src = TrackedSource(range(100))
    async with pipe(src, buffer(4)) as s:
        assert await s.__anext__() == 0
        await anyio.wait_all_tasks_blocked()
        # 4 queued plus 1 in the pump's hand, beyond the one delivered
        assert src.pulled == 6
        rest = [x async for x in s]
    assert rest == list(range(1, 100))


@pytest.mark.parametrize("policy", ["drop_oldest", "drop_newest"])
async def test_buffer_dropping_accounts_for_every_item(policy: str) -> None:
    src = TrackedSource(range(50))
    out: list[object] = []
    async with pipe(src, buffer(3, policy=policy)) as s:  # type: ignore[arg-type]
        out.append(await s.__anext__())
        await anyio.wait_all_tasks_blocked()  # the source runs ahead of us
        out.extend([x async for x in s])
    real = [x for x in out if not isinstance(x, Gap)]
    gaps = [x for x in out if isinstance(x, Gap)]
    assert real == sorted(real)
    assert len(real) + sum(g.dropped for g in gaps) == 50
    assert gaps, "a slow consumer must see a gap"
    assert (49 in real) == (policy == "drop_oldest")


def test_buffer_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="maxsize"):
        buffer(0)
    with pytest.raises(ValueError, match="policy"):
        buffer(1, policy="newest")  # type: ignore[arg-type]


async def test_buffer_close_cancels_the_pump_and_closes_the_source() -> None:
    src = TrackedSource(range(3), hang=True)
    async with pipe(src, buffer(2)) as s:
        async for x in s:
            if x == 1:
                break
    assert src.closed == 1


async def test_timeout_first_item() -> None:
    src = TrackedSource([], hang=True)
    with pytest.raises(StreamTimeoutError) as info:
        async for _ in pipe(src, timeout(first=0.05)):
            pass
    assert info.value.kind == "first"
    assert info.value.received == []
    assert isinstance(info.value, TimeoutError)
    assert "first item" in str(info.value)
    assert src.closed == 1


async def test_timeout_idle_carries_what_arrived() -> None:
    src = TrackedSource(["a", "b"], hang=True)
    got = []
    with pytest.raises(StreamTimeoutError) as info:
        async for x in pipe(src, timeout(first=5, idle=0.05)):
            got.append(x)
    assert got == ["a", "b"]
    assert info.value.kind == "idle"
    assert info.value.received == ["a", "b"]
    assert src.closed == 1


async def test_timeout_total() -> None:
    async def trickle() -> object:
        n = 0
        while True:
            await anyio.sleep(0.005)
            yield n
            n += 1

    with pytest.raises(StreamTimeoutError) as info:
        async for _ in pipe(trickle(), timeout(idle=5, total=0.1)):  # type: ignore[arg-type]
            pass
    assert info.value.kind == "total"
    assert info.value.received


async def test_timeout_passes_a_prompt_stream_through() -> None:
    src = TrackedSource(["a", "b", "c"])
    assert [x async for x in pipe(src, timeout(first=5, idle=5, total=5))] == ["a", "b", "c"]


@pytest.mark.parametrize("name", ["first", "idle", "total"])
def test_timeout_rejects_non_positive_limits(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        timeout(**{name: 0})


async def test_merge_interleaves_and_keeps_each_sources_order() -> None:
    a = TrackedSource(["a1", "a2", "a3"])
    b = TrackedSource(["b1", "b2"])
    out = [x async for x in merge(a, b)]
    assert sorted(out) == ["a1", "a2", "a3", "b1", "b2"]
    assert [x for x in out if x[0] == "a"] == ["a1", "a2", "a3"]
    assert a.closed == b.closed == 1


async def test_merge_error_from_one_source_closes_the_others() -> None:
    boom = OSError("x")
    bad = TrackedSource(["x"], error=boom)
    slow = TrackedSource(["s"], hang=True)
    with pytest.raises(OSError) as info:
        async for _ in merge(bad, slow):
            pass
    assert info.value is boom
    assert slow.closed == 1


async def test_merge_close_closes_every_source() -> None:
    a = TrackedSource(["a"], hang=True)
    b = TrackedSource(["b"], hang=True)
    async with merge(a, b) as s:
        await s.__anext__()
    assert a.closed == b.closed == 1


def test_merge_needs_a_source() -> None:
    with pytest.raises(ValueError, match="at least one"):
        merge()


BACKGROUND_STAGES = {
    "buffer": lambda src: pipe(src, buffer(2)),
    "timeout": lambda src: pipe(src, timeout(idle=5)),
    "merge": lambda src: merge(src),
    "words(max_delay)": lambda src: pipe(src, words(max_delay=5)),
}


@pytest.mark.parametrize("name", sorted(BACKGROUND_STAGES))
async def test_background_stages_tolerate_the_consumers_cancel_scopes(name: str) -> None:
    # Operators with a background task must not hold a cancel scope across
    # their yields, or a consumer's own scopes would exit out of order.
    src = TrackedSource(["a ", "b ", "c "], hang=True)
    s = BACKGROUND_STAGES[name](src)
    with anyio.fail_after(5):
        assert (await s.__anext__()).strip() == "a"
    with anyio.move_on_after(0.05) as scope:
        while True:
            await s.__anext__()
    assert scope.cancelled_caught
    with anyio.fail_after(5):
        await s.aclose()
    assert src.closed == 1


async def test_gap_items_from_the_source_are_ordinary_items() -> None:
    src = TrackedSource(["a", Gap(5), "b", Gap(1)])
    assert [x async for x in pipe(src, buffer(1))] == ["a", Gap(5), "b", Gap(1)]


async def test_merge_many_items_from_many_sources_under_backpressure() -> None:
    # More items than merge's queue holds, from several producers at once:
    # every blocked producer must be woken as the consumer makes room.
    sources = [TrackedSource(range(i * 100, i * 100 + 100)) for i in range(4)]
    out = [x async for x in merge(*sources)]
    assert sorted(out) == list(range(400))
    for i in range(4):
        assert [x for x in out if x // 100 == i] == list(range(i * 100, i * 100 + 100))
