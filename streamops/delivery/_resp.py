"""A minimal Redis client over anyio sockets (RESP2), so RedisStore runs under trio too.

redis-py's asyncio client runs on asyncio only. This client speaks just what
the store needs (commands in, replies out) over anyio's TCP or unix sockets,
with a small pool of connections: each call takes a connection for itself, so
a blocking ``XREAD`` never holds up a short command. It sets no socket
timeout at all (the blocking-``XREAD``-versus-``socket_timeout`` pitfall does
not exist here); a connection interrupted mid-call (an error or a
cancellation) is closed, never reused.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import anyio
import anyio.abc

__all__ = ["ReplyError", "RespClient"]

_CRLF = b"\r\n"


class ReplyError(Exception):
    """An error reply from the server (``-ERR ...``)."""


def _encode(args: tuple[Any, ...]) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        if isinstance(arg, bytes):
            data = arg
        elif isinstance(arg, str):
            data = arg.encode()
        elif isinstance(arg, (int, float)) and not isinstance(arg, bool):
            data = repr(arg).encode()
        else:
            raise TypeError(f"cannot send {type(arg).__name__} to redis")
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class _Connection:
    """One socket and its read buffer."""

    def __init__(self, stream: anyio.abc.ByteStream) -> None:
        self.stream = stream
        self.buffer = bytearray()

    async def _fill(self) -> None:
        chunk = await self.stream.receive(65536)
        self.buffer += chunk

    async def _line(self) -> bytes:
        while True:
            end = self.buffer.find(_CRLF)
            if end >= 0:
                line = bytes(self.buffer[:end])
                del self.buffer[: end + 2]
                return line
            await self._fill()

    async def _exactly(self, n: int) -> bytes:
        while len(self.buffer) < n + 2:
            await self._fill()
        data = bytes(self.buffer[:n])
        del self.buffer[: n + 2]
        return data

    async def reply(self) -> Any:
        line = await self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest
        if kind == b"-":
            return ReplyError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else await self._exactly(n)
        if kind == b"*":
            n = int(rest)
            if n < 0:
                return None
            return [await self.reply() for _ in range(n)]
        raise ConnectionError(f"unexpected reply from redis: {line[:50]!r}")

    async def call(self, args: tuple[Any, ...]) -> Any:
        await self.stream.send(_encode(args))
        return await self.reply()


class RespClient:
    """Send commands to one Redis server (``redis://``, ``rediss://`` is not
    supported, or ``unix://`` URLs), asyncio or trio.

    Connection failures raise the builtin :class:`ConnectionError`; error
    replies raise :class:`ReplyError`.
    """

    def __init__(self, url: str, *, max_idle: int = 64, connect_timeout: float = 5.0) -> None:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self.unix_path: str | None = None
        self.host = "127.0.0.1"
        self.port = 6379
        if parts.scheme == "unix":
            self.unix_path = unquote(parts.path)
            db = query.get("db", ["0"])[0]
        elif parts.scheme == "redis":
            self.host = parts.hostname or "127.0.0.1"
            self.port = parts.port or 6379
            db = parts.path.lstrip("/") or query.get("db", ["0"])[0]
        else:
            raise ValueError(f"RespClient takes redis:// or unix:// URLs, not {url!r}")
        self.db = int(db)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        if self.password is None and "password" in query:
            self.password = query["password"][0]
        self.max_idle = max_idle
        self.connect_timeout = connect_timeout
        self._idle: list[_Connection] = []
        self.opened = 0  # connections opened so far (the fan-out tests read it)
        self._closed = False

    async def _connect(self) -> _Connection:
        try:
            with anyio.fail_after(self.connect_timeout):
                if self.unix_path is not None:
                    stream: anyio.abc.ByteStream = await anyio.connect_unix(self.unix_path)
                else:
                    stream = await anyio.connect_tcp(self.host, self.port)
        except TimeoutError as exc:
            raise ConnectionError(f"connecting to redis timed out: {exc}") from exc
        except OSError as exc:
            raise ConnectionError(f"cannot connect to redis: {exc}") from exc
        self.opened += 1
        conn = _Connection(stream)
        setup: list[tuple[Any, ...]] = []
        if self.password is not None:
            auth = (self.username, self.password) if self.username else (self.password,)
            setup.append(("AUTH", *auth))
        if self.db:
            setup.append(("SELECT", self.db))
        for args in setup:
            reply = await self._use(conn, args)
            if isinstance(reply, ReplyError):
                await anyio.aclose_forcefully(conn.stream)
                raise reply
        return conn

    async def _use(self, conn: _Connection, args: tuple[Any, ...]) -> Any:
        try:
            return await conn.call(args)
        except BaseException as exc:
            # Interrupted mid-exchange: the connection's state is unknown.
            await anyio.aclose_forcefully(conn.stream)
            if isinstance(exc, (OSError, anyio.EndOfStream, anyio.BrokenResourceError)):
                raise ConnectionError(f"redis connection lost: {exc!r}") from exc
            raise

    async def call(self, *args: Any) -> Any:
        """Send one command and return its reply (``bytes``, ``int``, lists, ``None``)."""
        if self._closed:
            raise ConnectionError("the redis client is closed")
        conn = self._idle.pop() if self._idle else await self._connect()
        reply = await self._use(conn, args)
        if len(self._idle) < self.max_idle and not self._closed:
            self._idle.append(conn)
        else:
            await anyio.aclose_forcefully(conn.stream)
        if isinstance(reply, ReplyError):
            raise reply
        return reply

    async def aclose(self) -> None:
        """Close the idle connections; calls in flight close theirs when they end."""
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await anyio.aclose_forcefully(conn.stream)
