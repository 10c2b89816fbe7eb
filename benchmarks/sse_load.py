"""Load on the web example: N concurrent SSE clients on 127.0.0.1.

Starts ``examples/web/app.py`` (replaying the sample streams at full speed) in
a subprocess and, for each N, opens N streams at once with httpx and reads each
to its ``done`` frame. Prints streams per second, time to first event (p50,
p95), and the server's resident memory (peak, from /proc).

    python benchmarks/sse_load.py [--clients 10 100 500] [--limit 120]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import anyio
import httpx

APP = Path(__file__).resolve().parent.parent / "examples" / "web" / "app.py"


def rss_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def one_stream(client: httpx.AsyncClient, results: list[tuple[float, float]]) -> None:
    start = time.perf_counter()
    first = None
    async with client.stream("POST", "/api/stream", json={"speed": 0}) as response:
        async for line in response.aiter_lines():
            if first is None and line.startswith("data:"):
                first = time.perf_counter() - start
            if line == "event: done":
                results.append((first or float("nan"), time.perf_counter() - start))


async def run(url: str, n: int, limit: float) -> tuple[int, float, list[tuple[float, float]]]:
    results: list[tuple[float, float]] = []
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=limit) as client:
        start = time.perf_counter()
        with anyio.move_on_after(limit):
            async with anyio.create_task_group() as tg:
                for _ in range(n):
                    tg.start_soon(one_stream, client, results)
        elapsed = time.perf_counter() - start
    return n, elapsed, results


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--limit", type=float, default=120.0, help="seconds allowed per N")
    args = parser.parse_args()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, str(APP), "--port", str(port), "--speed", "0"],
        stdout=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{url}/api/stats")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        idle = rss_mb(server.pid, "VmRSS")
        print(f"server: uvicorn, 1 worker, Python {sys.version.split()[0]}; idle RSS {idle:.0f} MB")
        print()
        print("|   N | done | seconds | streams/s | TTFE p50 ms | TTFE p95 ms | RSS MB (peak) |")
        print("|----:|-----:|--------:|----------:|------------:|------------:|--------------:|")
        for n in args.clients:
            _, elapsed, results = anyio.run(run, url, n, args.limit)
            firsts = [r[0] * 1000 for r in results]
            print(
                f"| {n:>3} | {len(results):>4} | {elapsed:>7.2f} | {len(results) / elapsed:>9.1f} "
                f"| {percentile(firsts, 50):>11.1f} | {percentile(firsts, 95):>11.1f} "
                f"| {rss_mb(server.pid, 'VmRSS'):>6.0f} ({rss_mb(server.pid, 'VmHWM'):.0f}) |",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
