"""RedisStore: the resumable log on Redis Streams (or valkey).

Keys of one stream share a hash tag, so they live in one Redis Cluster slot::

    <prefix>:{<id>}:log     the stream; entry ids 0-1, 0-2, ... equal the SSE ids
    <prefix>:{<id>}:state   hash: status, n (last id), bytes
    <prefix>:{<id>}:lease   the producer's token, expiring after the lease
    <prefix>:{<id>}:cancel  the stop flag

Every write is one Lua script, fenced by the producer's lease token. Readers
of one stream in one process share one tail (one blocking ``XREAD`` loop).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Literal, cast

import anyio

from .._core import Background
from ._resp import ReplyError, RespClient
from ._store import AppendResult, Frame

__all__ = ["RedisStore"]

_CLAIM = """
if redis.call('EXISTS', KEYS[2]) == 1 then
  return redis.call('HGET', KEYS[2], 'status') or 'unknown'
end
redis.call('DEL', KEYS[1], KEYS[4])
redis.call('HSET', KEYS[2], 'status', 'streaming', 'n', 0, 'bytes', 0)
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2])
return false
"""

# ARGV: token, lease ms, ttl ms, max bytes, first id, then (event, data) pairs.
_APPEND = """
if redis.call('GET', KEYS[3]) ~= ARGV[1] then
  return {'lost', tonumber(redis.call('HGET', KEYS[2], 'n') or 0)}
end
local n = tonumber(redis.call('HGET', KEYS[2], 'n'))
local size = tonumber(redis.call('HGET', KEYS[2], 'bytes'))
local limit = tonumber(ARGV[4])
local id = tonumber(ARGV[5])
local result = 'ok'
for i = 6, #ARGV, 2 do
  if id > n then
    if id ~= n + 1 then result = 'gap' break end
    local data = ARGV[i + 1]
    if size + #data > limit then result = 'too_large' break end
    if ARGV[i] == '' then
      redis.call('XADD', KEYS[1], '0-' .. id, 'd', data)
    else
      redis.call('XADD', KEYS[1], '0-' .. id, 'e', ARGV[i], 'd', data)
    end
    n = id
    size = size + #data
  end
  id = id + 1
end
redis.call('HSET', KEYS[2], 'n', n, 'bytes', size)
redis.call('PEXPIRE', KEYS[3], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if result == 'ok' and redis.call('EXISTS', KEYS[4]) == 1 then result = 'cancel' end
return {result, n}
"""

# ARGV: token, ttl ms, event, data.
_FINISH = """
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return false end
local n = tonumber(redis.call('HGET', KEYS[2], 'n')) + 1
redis.call('XADD', KEYS[1], '0-' .. n, 'e', ARGV[3], 'd', ARGV[4])
redis.call('HSET', KEYS[2], 'status', ARGV[3], 'n', n)
redis.call('DEL', KEYS[3], KEYS[4])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return n
"""

_CANCEL = """
if redis.call('HGET', KEYS[2], 'status') ~= 'streaming' then return 0 end
redis.call('SET', KEYS[4], '1', 'PX', ARGV[1])
return 1
"""

_CHECK = """
local status = redis.call('HGET', KEYS[2], 'status')
if not status then return false end
local n = tonumber(redis.call('HGET', KEYS[2], 'n'))
if status == 'streaming' and redis.call('EXISTS', KEYS[3]) == 0 then
  n = n + 1
  redis.call('XADD', KEYS[1], '0-' .. n, 'e', 'producer_lost', 'd', '{}')
  redis.call('HSET', KEYS[2], 'status', 'producer_lost', 'n', n)
  status = 'producer_lost'
end
return {status, n}
"""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _frames(entries: Any) -> list[Frame]:
    """Entries of XRANGE / one stream of XREAD, raw RESP or as redis-py parsed them."""
    out: list[Frame] = []
    for entry_id, fields in entries or ():
        if isinstance(fields, dict):
            values = {_text(k): v for k, v in fields.items()}
        else:
            values = {_text(fields[i]): fields[i + 1] for i in range(0, len(fields), 2)}
        event = values.get("e")
        out.append(
            Frame(
                int(_text(entry_id).partition("-")[2]),
                _text(values.get("d", b"")),
                None if event is None else _text(event),
            )
        )
    return out


def _xread_frames(reply: Any) -> list[Frame]:
    if not reply:
        return []
    if isinstance(reply, dict):  # RESP3
        return [f for entries in reply.values() for f in _frames(entries)]
    return [f for _, entries in reply for f in _frames(entries)]


class _Driver:
    """Send commands through a redis-py asyncio client or the built-in RESP client."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.builtin = isinstance(client, RespClient)
        self.connection_error: tuple[type[BaseException], ...] = (OSError,)
        self.reply_error: tuple[type[BaseException], ...] = (ReplyError,)
        if not self.builtin:
            try:
                import redis.exceptions as rex
            except ImportError:  # pragma: no cover - a redis-py client implies redis-py
                raise ImportError(
                    'RedisStore needs redis-py: pip install "streamops[redis]"'
                ) from None
            self.connection_error = (rex.ConnectionError, rex.TimeoutError, OSError)
            self.reply_error = (rex.ResponseError,)

    async def call(self, *args: Any) -> Any:
        try:
            if self.builtin:
                return await self.client.call(*args)
            return await self.client.execute_command(*args)
        except self.reply_error as exc:
            if "LOADING" in str(exc) or "BUSY" in str(exc):
                raise ConnectionError(f"redis is not ready: {exc}") from exc
            raise ReplyError(str(exc)) from exc
        except ConnectionError:
            raise
        except self.connection_error as exc:
            raise ConnectionError(f"redis unreachable: {exc}") from exc


class _Tail:
    """The one blocking-XREAD loop of one stream in this process."""

    def __init__(self, store: RedisStore, stream_id: str, after: int) -> None:
        self.store = store
        self.stream_id = stream_id
        self.base = after  # the buffer holds the frames after this id
        self.frames: list[Frame] = []
        self.changed = anyio.Event()
        self.used_at = anyio.current_time()
        self.error: BaseException | None = None
        self.ended = False
        self.task = Background(self._run)

    def after(self, position: int) -> list[Frame]:
        start = position - self.base
        return self.frames[start:] if start < len(self.frames) else []

    def _notify(self) -> None:
        self.changed.set()
        self.changed = anyio.Event()

    async def _run(self) -> None:
        store = self.store
        key = store._key(self.stream_id, "log")
        block_ms = max(1, int(store.block * 1000))
        delay = 0.01
        try:
            while anyio.current_time() - self.used_at < 2 * store.block:
                position = self.base + len(self.frames)
                try:
                    reply = await store._driver.call(
                        "XREAD", "COUNT", store.read_count, "BLOCK", block_ms,
                        "STREAMS", key, f"0-{position}",
                    )  # fmt: skip
                except ConnectionError:
                    await anyio.sleep(delay)  # readers retry reads and checks themselves
                    delay = min(delay * 2, 1.0)
                    continue
                delay = 0.01
                frames = _xread_frames(reply)
                if not frames:
                    continue
                self.frames.extend(frames)
                if len(self.frames) > store.tail_buffer:
                    drop = len(self.frames) - store.tail_buffer // 2
                    del self.frames[:drop]
                    self.base += drop
                self._notify()
                if frames[-1].terminal:
                    return
        except Exception as exc:
            self.error = exc
        finally:
            self.ended = True
            if store._tails.get(self.stream_id) is self:
                del store._tails[self.stream_id]
            self._notify()


class RedisStore:
    """A store on Redis Streams: any worker serves any reader, nothing is lost
    when a worker dies (see :mod:`streamops.delivery`).

    Args:
        client: a redis-py asyncio client (``redis.asyncio.Redis``; valkey's
            and fakeredis's work too), which runs on asyncio only; or use
            :meth:`from_url` for the built-in client that runs on asyncio and trio.
        prefix: the first part of every key.
        block: seconds one blocking ``XREAD`` of a stream's shared tail lasts.
        tail_buffer: frames a tail keeps for its readers; a reader further
            behind catches up with ``XRANGE``.
        read_count: frames per ``XREAD`` / ``XRANGE`` call at most.

    redis-py pitfall: a blocking ``XREAD`` on a client whose ``socket_timeout``
    is not longer than the block time fails or hangs, so such a client is
    rejected here. Create the client without ``socket_timeout`` (the default).

    >>> RedisStore.from_url("unix:///tmp/redis.sock", prefix="chat")
    <RedisStore prefix='chat' client=RespClient>
    """

    def __init__(
        self,
        client: Any,
        *,
        prefix: str = "streamops",
        block: float = 5.0,
        tail_buffer: int = 4096,
        read_count: int = 512,
    ) -> None:
        if not block > 0 or tail_buffer < 2 or read_count < 1:
            raise ValueError("need block > 0, tail_buffer >= 2 and read_count >= 1")
        if not isinstance(client, RespClient):
            pool = getattr(client, "connection_pool", None)
            kwargs = getattr(pool, "connection_kwargs", {}) or {}
            timeout = kwargs.get("socket_timeout")
            if timeout is not None and timeout <= block + 1:
                raise ValueError(
                    f"the redis client's socket_timeout ({timeout} s) is not longer than "
                    f"the blocking XREAD ({block} s) plus a second: blocking reads would "
                    "fail; create the client without socket_timeout, or lower block"
                )
        self.client = client
        self.prefix = prefix
        self.block = block
        self.tail_buffer = tail_buffer
        self.read_count = read_count
        self._driver = _Driver(client)
        self._tails: dict[str, _Tail] = {}
        self._shas: dict[str, str] = {}

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        driver: Literal["builtin", "redis-py"] = "builtin",
        prefix: str = "streamops",
        block: float = 5.0,
        tail_buffer: int = 4096,
        read_count: int = 512,
    ) -> RedisStore:
        """A store on the server at ``url`` (``redis://host:port/db`` or
        ``unix:///path/redis.sock?db=0``).

        ``driver="builtin"`` (the default) uses streamops' own small client
        over anyio sockets: asyncio and trio, no extra dependency.
        ``driver="redis-py"`` uses ``redis.asyncio.Redis.from_url(url)`` (asyncio
        only; ``pip install "streamops[redis]"``).
        """
        options: dict[str, Any] = {
            "prefix": prefix,
            "block": block,
            "tail_buffer": tail_buffer,
            "read_count": read_count,
        }
        if driver == "builtin":
            return cls(RespClient(url), **options)
        if driver != "redis-py":
            raise ValueError(f"driver must be 'builtin' or 'redis-py', not {driver!r}")
        try:
            import redis.asyncio
        except ImportError:
            raise ImportError(
                'driver="redis-py" needs redis-py: pip install "streamops[redis]" '
                '(or use driver="builtin")'
            ) from None
        return cls(redis.asyncio.Redis.from_url(url), **options)

    def _key(self, stream_id: str, part: str) -> str:
        return f"{self.prefix}:{{{stream_id}}}:{part}"

    def _keys(self, stream_id: str) -> tuple[str, str, str, str]:
        if not stream_id:
            raise ValueError("a stream id must not be empty")
        return (
            self._key(stream_id, "log"),
            self._key(stream_id, "state"),
            self._key(stream_id, "lease"),
            self._key(stream_id, "cancel"),
        )

    async def _script(self, script: str, stream_id: str, *args: Any) -> Any:
        sha = self._shas.get(script)
        if sha is None:
            sha = self._shas[script] = hashlib.sha1(script.encode()).hexdigest()
        keys = self._keys(stream_id)
        try:
            return await self._driver.call("EVALSHA", sha, 4, *keys, *args)
        except ReplyError as exc:
            if "NOSCRIPT" not in str(exc) and "No matching script" not in str(exc):
                raise
        return await self._driver.call("EVAL", script, 4, *keys, *args)

    async def claim(self, stream_id: str, token: str, *, lease: float, ttl: float) -> str | None:
        status = await self._script(_CLAIM, stream_id, token, _ms(lease), _ms(ttl))
        return None if status is None else _text(status)

    async def append(
        self,
        stream_id: str,
        token: str,
        frames: Sequence[Frame],
        *,
        lease: float,
        ttl: float,
        max_bytes: int,
    ) -> tuple[AppendResult, int]:
        args: list[Any] = [token, _ms(lease), _ms(ttl), max_bytes, frames[0].id if frames else 0]
        for frame in frames:
            args.append(frame.event or "")
            args.append(frame.data)
        result, last = await self._script(_APPEND, stream_id, *args)
        return cast("AppendResult", _text(result)), int(last)

    async def finish(
        self, stream_id: str, token: str, event: str, data: str, *, ttl: float
    ) -> int | None:
        last = await self._script(_FINISH, stream_id, token, _ms(ttl), event, data)
        return None if last is None else int(last)

    async def cancel(self, stream_id: str, *, ttl: float = 3600.0) -> bool:
        """Ask the producer of ``stream_id`` to stop (it writes ``cancelled``)."""
        return bool(await self._script(_CANCEL, stream_id, _ms(ttl)))

    async def check(self, stream_id: str) -> tuple[str, int] | None:
        reply = await self._script(_CHECK, stream_id)
        if reply is None:
            return None
        return _text(reply[0]), int(reply[1])

    async def read(self, stream_id: str, after: int, *, within: float) -> list[Frame]:
        tail = self._tails.get(stream_id)
        if tail is None or tail.ended:
            if within <= 0:
                reply = await self._driver.call(
                    "XRANGE", self._key(stream_id, "log"), f"0-{after + 1}", "+",
                    "COUNT", self.read_count,
                )  # fmt: skip
                return _frames(reply)
            tail = self._tails[stream_id] = _Tail(self, stream_id, after)
        tail.used_at = anyio.current_time()
        if after < tail.base:  # behind the tail's buffer: catch up directly
            reply = await self._driver.call(
                "XRANGE", self._key(stream_id, "log"), f"0-{after + 1}", "+",
                "COUNT", self.read_count,
            )  # fmt: skip
            frames = _frames(reply)
            if frames or within <= 0:
                return frames
        frames = tail.after(after)
        if frames or within <= 0:
            return frames
        with anyio.move_on_after(within):
            while not frames and not tail.ended:
                await tail.changed.wait()
                frames = tail.after(after)
        if tail.error is not None:
            raise tail.error
        return frames

    async def aclose(self) -> None:
        """Stop the tails and close the client's connections."""
        tails = list(self._tails.values())
        self._tails.clear()
        for tail in tails:
            await tail.task.stop()
        close = getattr(self.client, "aclose", None)
        if close is not None:
            await close()

    async def __aenter__(self) -> RedisStore:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"<RedisStore prefix={self.prefix!r} client={type(self.client).__name__}>"


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))
