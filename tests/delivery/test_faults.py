"""Faults on a real redis-server: a SIGKILLed producer process, a Redis restart,
dropped connections, and the connections a worker holds for 100 readers.

No sleeps as synchronisation: the tests wait on frames, processes and the
server, under deadlines.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import pytest

from streamops import RedisStore, pipe, publish, resume
from streamops.delivery import Frame
from streamops.delivery._resp import RespClient
from tests.delivery.conftest import RedisServer, eventually, prefix

pytestmark = pytest.mark.anyio

PRODUCER = textwrap.dedent(
    """
    import sys, anyio
    from streamops import RedisStore, pipe, publish

    async def tokens():
        i = 0
        while True:
            yield {"i": i}
            i += 1
            await anyio.sleep(0.01)

    async def main(url, prefix):
        store = RedisStore.from_url(url, prefix=prefix, block=0.2)
        async for frame in pipe(tokens(), publish(store, "killed", lease=0.5, batch=0.005)):
            pass

    anyio.run(main, sys.argv[1], sys.argv[2])
    """
)


async def paced(n: int) -> AsyncIterator[dict[str, int]]:
    for i in range(n):
        yield {"i": i}
        await anyio.sleep(0.005)  # a model's pace, not a synchronisation


async def test_a_killed_producer_process_ends_every_reader_with_producer_lost(
    redis_server: RedisServer,
) -> None:
    keys = prefix()
    proc = subprocess.Popen([sys.executable, "-c", PRODUCER, redis_server.url, keys])  # noqa: ASYNC220
    store = RedisStore.from_url(redis_server.url, prefix=keys, block=0.2)
    readers: list[list[Frame]] = [[] for _ in range(3)]
    try:

        async def read(out: list[Frame]) -> None:
            async for frame in resume(store, "killed", block=0.2, wait=30):
                out.append(frame)

        async with anyio.create_task_group() as tg:
            for out in readers:
                tg.start_soon(read, out)

            async def started() -> bool:
                return all(len(out) >= 5 for out in readers)

            await eventually(started, deadline=30)
            proc.send_signal(signal.SIGKILL)
            await anyio.to_thread.run_sync(proc.wait)

            async def ended() -> bool:
                return all(out and out[-1].terminal for out in readers)

            # lease 0.5 s + block 0.2 s, with room for a loaded machine
            await eventually(ended, deadline=5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        await store.aclose()
    for out in readers:
        assert out[-1].event == "producer_lost"
        assert [json.loads(f.data)["i"] for f in out[:-1]] == list(range(len(out) - 1))
    assert len({tuple(f.id for f in out) for out in readers}) == 1  # all saw the same end


@pytest.mark.parametrize("fault", ["restart", "client-kill"])
async def test_a_reader_and_a_producer_survive_redis_going_away(
    tmp_path: Path, fault: str, anyio_backend: str
) -> None:
    server = RedisServer(tmp_path, persistent=True)
    server.start()
    store = RedisStore.from_url(server.url, prefix=prefix(), block=0.2)
    got: list[Frame] = []
    published: list[Frame] = []
    try:
        async with anyio.create_task_group() as tg:

            async def produce() -> None:
                stream = pipe(paced(120), publish(store, "r", lease=10, batch=0.005))
                published.extend([f async for f in stream])

            tg.start_soon(produce)

            async def some_read() -> bool:
                return len(got) >= 10

            async def read() -> None:
                async for frame in resume(store, "r", block=0.2, wait=20):
                    got.append(frame)

            tg.start_soon(read)
            await eventually(some_read)
            if fault == "restart":
                await anyio.to_thread.run_sync(server.stop)
                await anyio.to_thread.run_sync(server.start)
            else:
                killer = RespClient(server.url)
                killed = await killer.call("CLIENT", "KILL", "TYPE", "normal")
                await killer.aclose()
                assert killed >= 1
    finally:
        await store.aclose()
        await anyio.to_thread.run_sync(server.stop)
    assert got == published
    assert [json.loads(f.data)["i"] for f in got[:-1]] == list(range(120))
    assert got[-1].event == "done"


async def test_a_hundred_readers_share_one_tail_connection(redis_server: RedisServer) -> None:
    client = RespClient(redis_server.url)
    store = RedisStore(client, prefix=prefix(), block=0.2)
    results: list[list[Frame]] = []
    try:

        async def read() -> None:
            results.append([f async for f in resume(store, "fan", block=0.2, wait=20)])

        async with anyio.create_task_group() as tg:
            for _ in range(100):
                tg.start_soon(read)
            published = [f async for f in pipe(paced(100), publish(store, "fan", batch=0.005))]
    finally:
        await store.aclose()
    assert all(r == published for r in results)
    # one tail, the producer's writes and the readers' occasional status checks
    print("connections opened for 100 readers:", client.opened)
    assert client.opened <= 12, client.opened


async def test_a_worker_holds_one_connection_per_read_stream_plus_one(
    redis_server: RedisServer,
) -> None:
    """20 streams x 5 readers, producers appending concurrently: one blocking tail
    per stream, and every short command (appends, claims, status checks) on one
    pipelined connection, not one per concurrent call."""
    client = RespClient(redis_server.url)
    store = RedisStore(client, prefix=prefix(), block=0.2)
    streams, readers = 20, 5
    results: dict[int, list[list[Frame]]] = {n: [] for n in range(streams)}
    published: dict[int, list[Frame]] = {}
    try:

        async def read(n: int) -> None:
            results[n].append([f async for f in resume(store, f"s{n}", block=0.2, wait=20)])

        async def produce(n: int) -> None:
            stream = pipe(paced(40), publish(store, f"s{n}", batch=0.005))
            published[n] = [f async for f in stream]

        async with anyio.create_task_group() as tg:
            for n in range(streams):
                for _ in range(readers):
                    tg.start_soon(read, n)
                tg.start_soon(produce, n)
    finally:
        await store.aclose()
    assert all(r == published[n] for n, rs in results.items() for r in rs)
    assert client.opened <= streams + 1, client.opened


async def test_a_cancelled_call_does_not_disturb_the_calls_sharing_its_connection(
    redis_server: RedisServer,
) -> None:
    client = RespClient(redis_server.url)
    got: dict[int, Any] = {}
    try:

        async def echo(i: int) -> None:
            with anyio.CancelScope() as scope:
                if i % 3 == 0:
                    scope.cancel()  # cancelled before, during or after its exchange
                got[i] = await client.call("ECHO", f"value {i}")
                await anyio.lowlevel.checkpoint()

        async with anyio.create_task_group() as tg:
            for i in range(300):
                tg.start_soon(echo, i)
        assert await client.call("ECHO", "after") == b"after"
    finally:
        await client.aclose()
    assert {i: v.decode() for i, v in got.items()} == {i: f"value {i}" for i in got}
    assert len(got) >= 200  # every call that was not cancelled
    assert client.opened == 1
