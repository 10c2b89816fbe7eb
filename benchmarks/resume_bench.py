"""Resumable delivery on a real redis-server: N concurrent generations at a
token rate, M readers each.

Prints one row per (N, M): frames/s appended, Redis round trips per frame
(the batching), reader latency p50/p99 from the source yielding an item to a
reader receiving it, process CPU per frame (producers, tails and readers all
run in this one process), Redis memory per finished stream, and the
connections this one worker held: the most the server counted at once
(sampled every 20 ms through a separate connection, which is not counted) and
how many the client opened in all.

    python -m benchmarks.resume_bench                 # 100x2, 1000x2, 100x10; 3 s
    python -m benchmarks.resume_bench --runs 100x10 --seconds 5

Starts its own redis-server on a unix socket in a temp folder (needs
``redis-server`` on PATH), asyncio, GC off during each run.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

from streamops import RedisStore, pipe, publish, resume
from streamops.delivery._resp import RespClient


def start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    path = shutil.which("redis-server") or "/usr/bin/redis-server"
    sock = str(folder / "redis.sock")
    proc = subprocess.Popen(
        [path, "--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no",
         "--maxclients", "10000"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(sock)
                s.sendall(b"*1\r\n$4\r\nPING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("redis-server did not start")
        time.sleep(0.05)
    return proc, f"unix://{sock}"


class CountingClient(RespClient):
    """Counts round trips by command."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.calls: dict[str, int] = {}

    async def call(self, *args: Any) -> Any:
        name = str(args[0])
        self.calls[name] = self.calls.get(name, 0) + 1
        return await super().call(*args)


async def used_memory(client: RespClient) -> int:
    info = (await client.call("INFO", "memory")).decode()
    return int(info.split("used_memory:")[1].split("\r\n")[0])


async def connected_clients(client: RespClient) -> int:
    info = (await client.call("INFO", "clients")).decode()
    return int(info.split("connected_clients:")[1].split("\r\n")[0])


async def run(url: str, streams: int, readers: int, rate: float, seconds: float) -> dict[str, Any]:
    client = CountingClient(url)
    store = RedisStore(client, prefix=f"bench{streams}x{readers}", block=1.0)
    base_memory = await used_memory(client)
    tokens = int(rate * seconds)
    latencies: list[float] = []
    delivered = 0

    async def source() -> Any:
        start = anyio.current_time()
        for i in range(tokens):
            # paced to the token rate, from the start (no drift)
            await anyio.sleep(max(0.0, start + i / rate - anyio.current_time()))
            yield {"t": time.perf_counter(), "i": i, "text": " token"}

    async def produce(n: int) -> None:
        async for _ in pipe(source(), publish(store, f"g{n}", batch=0.025)):
            pass

    async def read(n: int) -> None:
        nonlocal delivered
        async for frame in resume(store, f"g{n}", block=2.0, wait=30):
            if frame.event is None:
                latencies.append(time.perf_counter() - float(frame.data.split(",")[0][5:]))
                delivered += 1

    monitor = RespClient(url)
    baseline = await connected_clients(monitor)  # the monitor and the first call's
    peak = 0

    async def sample(stop: anyio.Event) -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, await connected_clients(monitor) - baseline)
            with anyio.move_on_after(0.02):
                await stop.wait()

    gc.disable()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    stopped = anyio.Event()
    async with anyio.create_task_group() as outer:
        outer.start_soon(sample, stopped)
        async with anyio.create_task_group() as tg:
            for n in range(streams):
                for _ in range(readers):
                    tg.start_soon(read, n)
            for n in range(streams):
                tg.start_soon(produce, n)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        stopped.set()
    gc.enable()
    await monitor.aclose()
    frames = streams * tokens
    memory = await used_memory(client)
    writes = client.calls.get("EVALSHA", 0) + client.calls.get("EVAL", 0)
    reads = sum(v for k, v in client.calls.items() if k.startswith("X"))
    await store.aclose()
    latencies.sort()
    return {
        "N": streams,
        "M": readers,
        "frames": frames,
        "frames/s": frames / wall,
        "writes/frame": writes / frames,
        "reads/delivered": reads / max(delivered, 1),
        "p50 ms": 1000 * statistics.median(latencies),
        "p99 ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "CPU us/frame": 1e6 * cpu / frames,
        "KB/stream": (memory - base_memory) / streams / 1024,
        "peak conns": peak + 1,  # the baseline counted the monitor and one of the store's
        "conns opened": client.opened,
        "delivered ok": delivered == frames * readers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", nargs="*", default=["100x2", "1000x2", "100x10"],
        help="NxM: N concurrent streams with M readers each",
    )  # fmt: skip
    parser.add_argument("--rate", type=float, default=50.0, help="tokens per second per stream")
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_redis(Path(tmp))
        try:
            rows = []
            for spec in args.runs:
                n, m = (int(x) for x in spec.split("x"))
                rows.append(anyio.run(run, url, n, m, args.rate, args.seconds))
        finally:
            proc.terminate()
            proc.wait()
    print(f"rate {args.rate:g} tokens/s per stream, {args.seconds:g} s, batch 25 ms, asyncio")
    cols = list(rows[0])
    print(" | ".join(f"{c:>14}" for c in cols))
    for row in rows:
        print(" | ".join(
            f"{v:>14.3f}" if isinstance(v, float) else f"{v!s:>14}" for v in row.values()
        ))


if __name__ == "__main__":
    main()
