"""A minimal Redis client over anyio sockets (RESP2), so RedisStore runs under trio too.

redis-py's asyncio client runs on asyncio only. This client speaks just what
the store needs (commands in, replies out) over anyio's TCP or unix sockets.
Short commands share one pipelined connection: concurrent calls are written
back to back and their replies read in order, so a thousand producers cost one
connection, not a thousand. A blocking command (``XREAD ... BLOCK``) takes a
connection of its own from a small pool, so it never holds up a short one, and
sets no socket timeout (the blocking-``XREAD``-versus-``socket_timeout``
pitfall does not exist here). A connection interrupted mid-exchange is closed,
never reused: a cancelled short call still finishes its exchange (shielded,
within ``command_timeout``) so it never breaks the calls that share the
connection.
"""

from __future__ import annotations

from collections import deque
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


class _Waiter:
    """One call's place in a pipelined connection's queue of replies."""

    __slots__ = ("done", "reply")

    def __init__(self) -> None:
        self.done = False
        self.reply: Any = None


class _Pipeline:
    """One connection shared by concurrent short calls: sends in order, replies in order."""

    def __init__(self, conn: _Connection) -> None:
        self.conn = conn
        self.sending = anyio.Lock()
        self.reading = anyio.Lock()
        self.waiting: deque[_Waiter] = deque()
        self.broken: ConnectionError | None = None

    def _break(self, exc: BaseException) -> None:
        if self.broken is None:
            self.broken = ConnectionError(f"redis connection lost: {exc!r}")
        while self.waiting:
            waiter = self.waiting.popleft()
            waiter.reply, waiter.done = self.broken, True

    async def call(self, args: tuple[Any, ...], seconds: float) -> Any:
        """Send one command and wait for its reply, all within ``seconds``."""
        waiter = _Waiter()
        data = _encode(args)
        # Shielded: a cancelled caller would leave its reply to be read as the
        # next caller's. The exchange is short; the time limit bounds a stuck server.
        with anyio.CancelScope(shield=True):
            try:
                with anyio.fail_after(seconds):
                    async with self.sending:
                        if self.broken is not None:
                            raise self.broken
                        self.waiting.append(waiter)
                        await self.conn.stream.send(data)
                    async with self.reading:
                        while not waiter.done:
                            reply = await self.conn.reply()
                            head = self.waiting.popleft()
                            head.reply, head.done = reply, True
            except (OSError, TimeoutError, anyio.EndOfStream, anyio.BrokenResourceError) as exc:
                self._break(exc)
                await anyio.aclose_forcefully(self.conn.stream)
        if not waiter.done or isinstance(waiter.reply, ConnectionError):
            raise self.broken or ConnectionError("redis connection lost")
        return waiter.reply


class RespClient:
    """Send commands to one Redis server (``redis://``, ``rediss://`` is not
    supported, or ``unix://`` URLs), asyncio or trio.

    Connection failures raise the builtin :class:`ConnectionError`; error
    replies raise :class:`ReplyError`.
    """

    def __init__(
        self,
        url: str,
        *,
        max_idle: int = 64,
        connect_timeout: float = 5.0,
        command_timeout: float = 30.0,
    ) -> None:
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
        self.max_idle = max_idle  # idle connections kept for blocking calls
        self.connect_timeout = connect_timeout
        self.command_timeout = command_timeout
        self._idle: list[_Connection] = []
        self._pipeline: _Pipeline | None = None
        self._connecting = anyio.Lock()
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
        if "BLOCK" not in args:
            reply = await (await self._shared()).call(args, self.command_timeout)
            if isinstance(reply, ReplyError):
                raise reply
            return reply
        conn = self._idle.pop() if self._idle else await self._connect()
        reply = await self._use(conn, args)
        if len(self._idle) < self.max_idle and not self._closed:
            self._idle.append(conn)
        else:
            await anyio.aclose_forcefully(conn.stream)
        if isinstance(reply, ReplyError):
            raise reply
        return reply

    async def _shared(self) -> _Pipeline:
        """The pipelined connection for short calls, opened on first use or after a break."""
        async with self._connecting:
            if self._pipeline is None or self._pipeline.broken is not None:
                self._pipeline = _Pipeline(await self._connect())
            return self._pipeline

    async def aclose(self) -> None:
        """Close the connections; blocking calls in flight close theirs when they end."""
        self._closed = True
        if self._pipeline is not None:
            self._pipeline._break(ConnectionError("the redis client is closed"))
            await anyio.aclose_forcefully(self._pipeline.conn.stream)
            self._pipeline = None
        idle, self._idle = self._idle, []
        for conn in idle:
            await anyio.aclose_forcefully(conn.stream)
