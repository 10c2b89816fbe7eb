"""publish() and resume() on every store: replay, positions, ends, fencing, stop."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest

from streamops import (
    LeaseLostError,
    MemoryStore,
    StreamExistsError,
    StreamNotFoundError,
    StreamTooLargeError,
    pipe,
    publish,
    resume,
)
from streamops.delivery import Frame, Store, spawn
from tests.delivery.conftest import eventually
from tests.helpers import TrackedSource

pytestmark = pytest.mark.anyio

FAST = {"lease": 2.0, "batch": 0.005}  # a lease a loaded machine does not miss


async def drain_frames(source: Any) -> list[Frame]:
    return [frame async for frame in source]


def items(n: int) -> list[dict[str, Any]]:
    return [{"i": i, "text": f"token {i}"} for i in range(n)]


def values(frames: list[Frame]) -> list[Any]:
    return [json.loads(f.data) for f in frames if f.event is None]


async def test_a_published_stream_replays_in_full(store: Store) -> None:
    data = items(50)
    published = await drain_frames(pipe(data, publish(store, "s", **FAST)))
    assert values(published) == data
    assert [f.id for f in published] == list(range(1, 52))
    assert (published[-1].event, json.loads(published[-1].data)) == ("done", {"count": 50})
    replay = await drain_frames(resume(store, "s", block=0.2))
    assert replay == published


@pytest.mark.parametrize("position", [0, 1, 17, 49, 50, 51, 60])
async def test_resume_from_any_position_gives_exactly_the_rest(store: Store, position: int) -> None:
    published = await drain_frames(pipe(items(50), publish(store, "s", **FAST)))
    rest = await drain_frames(resume(store, "s", str(position), block=0.2))
    expected = [f for f in published if f.id > position] or [published[-1]]
    assert rest == expected


async def test_a_reader_that_arrives_before_the_producer_gets_everything(store: Store) -> None:
    got: list[Frame] = []
    waiting = anyio.Event()

    async def read() -> None:
        waiting.set()
        got.extend(await drain_frames(resume(store, "early", block=0.1, wait=20)))

    async with anyio.create_task_group() as tg:
        tg.start_soon(read)
        await waiting.wait()
        published = await drain_frames(pipe(items(20), publish(store, "early", **FAST)))
    assert got == published


async def test_a_stream_that_never_existed_is_not_found(store: Store) -> None:
    with pytest.raises(StreamNotFoundError, match="'nope' does not exist") as info:
        await drain_frames(resume(store, "nope", block=0.05, wait=0.1))
    assert info.value.stream_id == "nope"


async def test_a_stream_read_after_expiry_is_not_found(store: Store) -> None:
    await drain_frames(pipe(items(3), publish(store, "short", lease=0.1, ttl=0.3, batch=0.005)))

    async def expired() -> bool:
        return await store.check("short") is None

    await eventually(expired)
    with pytest.raises(StreamNotFoundError):
        await drain_frames(resume(store, "short", block=0.05, wait=0))


async def test_two_producers_for_one_id_exactly_one_wins(store: Store) -> None:
    results: list[str] = []

    async def produce(n: int) -> None:
        try:
            await drain_frames(pipe(items(5), publish(store, "dup", **FAST)))
            results.append("won")
        except StreamExistsError as exc:
            results.append(exc.status)

    async with anyio.create_task_group() as tg:
        for n in range(8):
            tg.start_soon(produce, n)
    assert results.count("won") == 1
    assert set(results) <= {"won", "streaming", "done"}
    assert len(results) == 8
    assert values(await drain_frames(resume(store, "dup", block=0.2))) == items(5)


async def test_a_second_producer_can_follow_instead(store: Store) -> None:
    first = await drain_frames(pipe(items(4), publish(store, "f", **FAST)))
    source = TrackedSource(["other"])
    followed = await drain_frames(pipe(source, publish(store, "f", if_exists="follow", **FAST)))
    assert followed == first
    assert source.closed
    assert source.pulled == 0


async def test_a_lapsed_lease_fences_the_producer_off(store: Store) -> None:
    assert await store.claim("fenced", "token-a", lease=0.1, ttl=10) is None
    assert await store.claim("fenced", "token-b", lease=0.1, ttl=10) == "streaming"
    one = [Frame(1, '"x"')]
    assert await store.append("fenced", "token-b", one, lease=0.1, ttl=10, max_bytes=99) == (
        "lost",
        0,
    )
    assert await store.append("fenced", "token-a", one, lease=0.1, ttl=10, max_bytes=99) == (
        "ok",
        1,
    )

    async def lapsed() -> bool:
        return (await store.check("fenced") or ("",))[0] == "producer_lost"

    await eventually(lapsed)
    two = [Frame(2, '"y"')]
    result = await store.append("fenced", "token-a", two, lease=0.1, ttl=10, max_bytes=99)
    assert result[0] == "lost"
    assert await store.finish("fenced", "token-a", "done", "{}", ttl=10) is None
    frames = await drain_frames(resume(store, "fenced", block=0.1))
    assert [(f.id, f.event) for f in frames] == [(1, None), (2, "producer_lost")]


async def test_a_producer_that_lost_its_lease_stops_with_an_error(store: Store) -> None:
    source = TrackedSource(items(10))
    got: list[Frame] = []
    with pytest.raises(LeaseLostError, match="lost its lease"):
        async for frame in pipe(source, publish(store, "stolen", lease=0.3, batch=0.005)):
            got.append(frame)
            if frame.id == 3:  # the store forgets the producer (a long stall, say)
                await _expire_lease(store, "stolen")
    assert source.closed
    frames = await drain_frames(resume(store, "stolen", block=0.1))
    assert frames[:-1] == got
    assert frames[-1].event == "producer_lost"


async def _expire_lease(store: Store, stream_id: str) -> None:
    if isinstance(store, MemoryStore):
        store._logs[stream_id].lease_until = 0
    else:
        from streamops.delivery import RedisStore

        assert isinstance(store, RedisStore)
        await store._driver.call("DEL", store._key(stream_id, "lease"))


async def test_stop_closes_the_upstream_and_readers_see_cancelled(store: Store) -> None:
    source = TrackedSource(items(5), hang=True)  # a model that stalls after 5 tokens
    got: list[Frame] = []
    async with anyio.create_task_group() as tg:
        await spawn(tg, store, "stop", source, **FAST)

        async def read() -> None:
            got.extend(await drain_frames(resume(store, "stop", block=0.1)))

        tg.start_soon(read)

        async def stalled() -> bool:
            return source.pulled == 5

        await eventually(stalled)
        assert await store.cancel("stop", ttl=10)
    assert source.closed == 1
    assert values(got) == items(5)
    assert got[-1].event == "cancelled"
    assert not await store.cancel("stop", ttl=10)  # nothing left to stop


async def test_disconnect_is_not_stop(store: Store) -> None:
    source = TrackedSource(items(30))
    async with anyio.create_task_group() as tg:
        await spawn(tg, store, "dc", source, lease=0.3, batch=0.005)
        async with resume(store, "dc", block=0.1) as reader:
            first = [await reader.__anext__() for _ in range(3)]
        # the client went away; the producer goes on, and a reconnect gets the rest
        rest = await drain_frames(resume(store, "dc", first[-1].id, block=0.1))
    assert values(first + rest) == items(30)
    assert rest[-1].event == "done"
    assert source.exhausted
    assert source.closed == 1


async def test_a_failing_source_writes_an_error_frame_then_raises(store: Store) -> None:
    source = TrackedSource(items(2), error=RuntimeError("model exploded"))
    with pytest.raises(RuntimeError, match="model exploded"):
        await drain_frames(pipe(source, publish(store, "err", **FAST)))
    frames = await drain_frames(resume(store, "err", block=0.1))
    assert values(frames) == items(2)
    assert frames[-1].event == "error"
    assert json.loads(frames[-1].data) == {"type": "RuntimeError", "message": "model exploded"}


async def test_the_byte_limit_fails_the_stream_cleanly(store: Store) -> None:
    source = TrackedSource(["x" * 40] * 10)
    with pytest.raises(StreamTooLargeError, match="limit of 100 bytes") as info:
        await drain_frames(pipe(source, publish(store, "big", max_bytes=100, **FAST)))
    assert info.value.limit == 100
    assert source.closed
    frames = await drain_frames(resume(store, "big", block=0.1))
    assert [f.event for f in frames] == [None, None, "error"]
    assert json.loads(frames[-1].data)["type"] == "StreamTooLargeError"


async def test_fan_out_readers_get_identical_frames(store: Store) -> None:
    results: list[list[Frame]] = []

    async def read() -> None:
        results.append(await drain_frames(resume(store, "fan", block=0.2, wait=20)))

    async with anyio.create_task_group() as tg:
        for _ in range(100):
            tg.start_soon(read)
        source = pipe(items(200), publish(store, "fan", **FAST))
        published = await drain_frames(source)
    assert len(results) == 100
    assert all(r == published for r in results)


async def test_a_slow_reader_does_not_slow_the_producer(store: Store) -> None:
    producer_done = anyio.Event()
    slow: list[Frame] = []

    async def read_slowly() -> None:
        async for frame in resume(store, "slow", block=0.2, wait=20):
            slow.append(frame)
            if not producer_done.is_set():
                await anyio.sleep(0.1)  # a reader at 10 frames/s

    async with anyio.create_task_group() as tg:
        tg.start_soon(read_slowly)
        published = await drain_frames(pipe(items(300), publish(store, "slow", **FAST)))
        producer_done.set()
        assert len(slow) < 300  # the producer finished long before the reader
    assert slow == published


@pytest.mark.parametrize("bad", ["abc", "-1", "1.5", -3])
def test_a_bad_last_event_id_is_rejected(bad: Any) -> None:
    with pytest.raises(ValueError, match="Last-Event-ID"):
        resume(MemoryStore(), "s", bad)
