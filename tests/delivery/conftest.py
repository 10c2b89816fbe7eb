"""Fixtures for resumable delivery: stores of every kind, and real redis-servers.

A session-scoped redis-server listens on a unix socket in a temp folder
(``--port 0 --save ''``) and is stopped at the end. Without ``redis-server``
the Redis tests skip, saying so; with ``CI`` set they fail instead
(``.ci/redis.sh`` installs it).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from streamops.delivery import MemoryStore, RedisStore, Store

STORE_KINDS = ["memory", "fakeredis", "redis", "redis-py"]
ASYNCIO_ONLY = {"fakeredis", "redis-py"}  # redis-py's asyncio client; trio uses the built-in one


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the combinations that cannot exist (redis-py's client under trio)
    rather than skipping them."""
    keep: list[pytest.Item] = []
    left_out: list[pytest.Item] = []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if params.get("anyio_backend") == "trio" and params.get("store") in ASYNCIO_ONLY:
            left_out.append(item)
        else:
            keep.append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = keep


def redis_server_path() -> str:
    path = os.environ.get("STREAMOPS_REDIS_SERVER") or shutil.which("redis-server")
    if path is None and Path("/usr/bin/redis-server").exists():
        path = "/usr/bin/redis-server"
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("no redis-server found, and CI must run the Redis tests (.ci/redis.sh)")
        pytest.skip(
            "no redis-server found (apt install redis-server, or set STREAMOPS_REDIS_SERVER)"
        )
    return path


def _ping(path: str) -> bool:
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(1)
            sock.connect(path)
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """A redis-server process on a unix socket; ``persistent`` keeps an
    append-only file (fsync always), so a restart loses nothing."""

    def __init__(self, folder: Path, *, persistent: bool = False) -> None:
        self.executable = redis_server_path()
        self.folder = folder
        self.socket = str(folder / "redis.sock")
        self.persistent = persistent
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> None:
        args = [
            self.executable, "--port", "0", "--unixsocket", self.socket,
            "--unixsocketperm", "700", "--save", "", "--dir", str(self.folder),
            "--appendonly", "yes" if self.persistent else "no",
            "--appendfsync", "always",
        ]  # fmt: skip
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while not _ping(self.socket):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"redis-server did not start: {err}")
            time.sleep(0.02)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=20)
        if self.proc is not None and self.proc.stderr:
            self.proc.stderr.close()
        self.proc = None

    def clients(self) -> int:
        """Connected clients, as the server counts them (INFO clients)."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(2)
            sock.connect(self.socket)
            sock.sendall(b"*2\r\n$4\r\nINFO\r\n$7\r\nclients\r\n")
            data = b""
            while b"connected_clients:" not in data or not data.endswith(b"\r\n"):
                data += sock.recv(4096)
            line = data.split(b"connected_clients:")[1].split(b"\r\n")[0]
            return int(line) - 1  # not this connection


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


def prefix() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


def make_store(kind: str, backend: str, request: pytest.FixtureRequest, **options: Any) -> Store:
    """A fresh store of ``kind`` (its own key prefix on the shared server)."""
    if kind == "memory":
        return MemoryStore()
    if kind in ("fakeredis", "redis-py") and backend != "asyncio":
        pytest.skip("redis-py's asyncio client runs on asyncio only; trio uses the built-in client")
    if kind == "fakeredis":
        from fakeredis import FakeAsyncRedis

        return RedisStore(FakeAsyncRedis(), prefix=prefix(), **options)
    server: RedisServer = request.getfixturevalue("redis_server")
    driver = "redis-py" if kind == "redis-py" else "builtin"
    return RedisStore.from_url(server.url, driver=driver, prefix=prefix(), **options)


@pytest.fixture(params=STORE_KINDS)
async def store(request: pytest.FixtureRequest, anyio_backend: str) -> AsyncIterator[Store]:
    """Every kind of store, each test on its own keys."""
    made = make_store(str(request.param), anyio_backend, request, block=0.2)
    try:
        yield made
    finally:
        await made.aclose()


async def eventually(condition: Callable[[], Awaitable[bool]], *, deadline: float = 10.0) -> None:
    """Poll ``condition`` until it holds; fail after ``deadline`` seconds."""
    with anyio.fail_after(deadline):
        while not await condition():  # noqa: ASYNC110 - polling a store or a process
            await anyio.sleep(0.01)
