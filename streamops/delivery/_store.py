"""The store interface behind resumable delivery, and the in-process memory store.

A store keeps one append-only log per stream id plus its status, the
producer's lease and a cancel flag. Every write that changes a stream is one
atomic step of the store (a Lua script on Redis, a plain function call here),
fenced by the producer's lease token.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeAlias

import anyio

from ..flow import _frame

__all__ = ["TERMINAL", "AppendResult", "Frame", "MemoryStore", "Store"]

TERMINAL = frozenset({"done", "error", "cancelled", "producer_lost"})
"""The events that end a stream's log."""

AppendResult: TypeAlias = Literal["ok", "cancel", "lost", "too_large", "gap"]


@dataclass(slots=True)
class Frame:
    """One entry of a stream's log: the SSE ``id:``, the ``data:`` text and an
    optional ``event:`` name (``None`` for an item; ``"gap"``; or one of the
    terminal events ``done``, ``error``, ``cancelled``, ``producer_lost``).

    >>> print(Frame(3, '{"a":1}').sse(), end="")
    id: 3
    data: {"a":1}
    <BLANKLINE>
    >>> Frame(4, '{"count":3}', "done").terminal
    True
    """

    id: int
    data: str
    event: str | None = None

    @property
    def terminal(self) -> bool:
        """Whether this frame ends the stream."""
        return self.event in TERMINAL

    def sse(self) -> str:
        """The frame as server-sent-event text."""
        return _frame(self.data, event=self.event, id=self.id)


class Store(Protocol):
    """What ``publish()`` and ``resume()`` need from a store.

    Times are in seconds. ``claim``/``append``/``finish`` are fenced by the
    producer's ``token``: once the lease lapsed (or another producer holds it),
    they change nothing and answer ``"lost"``. :class:`MemoryStore` and
    :class:`RedisStore` implement it; applications call only :meth:`cancel`
    (an explicit stop) and :meth:`aclose`, and leave the rest to
    :func:`publish` and :func:`resume`.

    What a producer does, step by step:

    >>> import anyio
    >>> async def produce(store: Store) -> list[Frame]:
    ...     assert await store.claim("s", "tok", lease=5, ttl=60) is None  # won
    ...     frames = [Frame(1, '"Hel"'), Frame(2, '"lo"')]
    ...     print(await store.append("s", "tok", frames, lease=5, ttl=60, max_bytes=99))
    ...     print(await store.append("s", "other", frames, lease=5, ttl=60, max_bytes=99))
    ...     await store.finish("s", "tok", "done", '{"count":2}', ttl=60)
    ...     return await store.read("s", 1, within=0)
    >>> anyio.run(produce, MemoryStore())
    ('ok', 2)
    ('lost', 2)
    [Frame(id=2, data='"lo"', event=None), Frame(id=3, data='{"count":2}', event='done')]
    """

    async def claim(self, stream_id: str, token: str, *, lease: float, ttl: float) -> str | None:
        """Create the stream with this producer holding the lease; ``None`` if it
        won, else the status of the stream that already exists."""
        ...

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
        """Append ``frames`` (consecutive ids; ids already in the log are skipped,
        so a retried batch is never duplicated) and refresh the lease and the TTL.
        Answers the outcome and the last id in the log: ``"cancel"`` when the
        stop flag is set (the frames were appended), ``"too_large"`` when a frame
        would pass ``max_bytes`` (nothing from it on was appended)."""
        ...

    async def finish(
        self, stream_id: str, token: str, event: str, data: str, *, ttl: float
    ) -> int | None:
        """Append the terminal frame and release the lease; its id, or ``None``
        when the lease was lost."""
        ...

    async def cancel(self, stream_id: str, *, ttl: float = 3600.0) -> bool:
        """Set the stop flag of a live stream (its producer closes its upstream and
        writes ``cancelled``); whether there was one to stop."""
        ...

    async def read(self, stream_id: str, after: int, *, within: float) -> list[Frame]:
        """The frames after id ``after``, waiting up to ``within`` seconds for the first
        one; ``[]`` when none came."""
        ...

    async def check(self, stream_id: str) -> tuple[str, int] | None:
        """The stream's status and last id, ``None`` if there is no such stream. A
        stream still ``streaming`` whose lease lapsed is ended here, atomically,
        with a ``producer_lost`` frame."""
        ...

    async def aclose(self) -> None:
        """Release connections and background tasks."""
        ...


@dataclass
class _Log:
    frames: list[Frame] = field(default_factory=list)
    status: str = "streaming"
    bytes: int = 0
    token: str | None = None
    lease_until: float = 0.0
    expires: float = math.inf
    cancel: bool = False
    changed: anyio.Event = field(default_factory=anyio.Event)

    def notify(self) -> None:
        self.changed.set()
        self.changed = anyio.Event()


class MemoryStore:
    """An in-process store with the same semantics as :class:`RedisStore`.

    The embedded default for one process, and for tests: leases lapse, keys
    expire, writes are fenced by the lease token, exactly as on Redis. Nothing
    survives the process.

    >>> import anyio
    >>> from streamops import drain, pipe, publish, resume
    >>> store = MemoryStore()
    >>> [f.data for f in drain(pipe(["a", "b"], publish(store, "s1")))]
    ['"a"', '"b"', '{"count":2}']
    >>> [(f.id, f.event) for f in drain(resume(store, "s1", last_event_id=1))]
    [(2, None), (3, 'done')]
    """

    def __init__(self) -> None:
        self._logs: dict[str, _Log] = {}
        self._created: anyio.Event | None = None  # exists while a reader waits for a stream

    def _now(self) -> float:
        return time.monotonic()

    def _get(self, stream_id: str) -> _Log | None:
        log = self._logs.get(stream_id)
        if log is not None and log.expires <= self._now():
            del self._logs[stream_id]
            log.notify()
            return None
        return log

    def _holds(self, log: _Log | None, token: str) -> bool:
        return log is not None and log.token == token and log.lease_until > self._now()

    async def claim(self, stream_id: str, token: str, *, lease: float, ttl: float) -> str | None:
        await anyio.lowlevel.checkpoint()
        log = self._get(stream_id)
        if log is not None:
            return log.status
        now = self._now()
        self._logs[stream_id] = _Log(token=token, lease_until=now + lease, expires=now + ttl)
        if self._created is not None:
            self._created.set()
            self._created = None
        return None

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
        await anyio.lowlevel.checkpoint()
        log = self._get(stream_id)
        if log is None or not self._holds(log, token):
            return "lost", len(log.frames) if log else 0
        n = len(log.frames)
        added = False
        result: AppendResult = "ok"
        for frame in frames:
            if frame.id <= n:
                continue
            if frame.id != n + 1:
                result = "gap"
                break
            size = len(frame.data.encode())
            if log.bytes + size > max_bytes:
                result = "too_large"
                break
            log.frames.append(frame)
            log.bytes += size
            n += 1
            added = True
        now = self._now()
        log.lease_until = now + lease
        log.expires = now + ttl
        if added:
            log.notify()
        if result == "ok" and log.cancel:
            result = "cancel"
        return result, n

    async def finish(
        self, stream_id: str, token: str, event: str, data: str, *, ttl: float
    ) -> int | None:
        await anyio.lowlevel.checkpoint()
        log = self._get(stream_id)
        if log is None or not self._holds(log, token):
            return None
        frame = Frame(len(log.frames) + 1, data, event)
        log.frames.append(frame)
        log.status = event
        log.token = None
        log.cancel = False
        log.expires = self._now() + ttl
        log.notify()
        return frame.id

    async def cancel(self, stream_id: str, *, ttl: float = 3600.0) -> bool:
        """Ask the producer of ``stream_id`` to stop (it writes ``cancelled``)."""
        await anyio.lowlevel.checkpoint()
        log = self._get(stream_id)
        if log is None or log.status != "streaming":
            return False
        log.cancel = True
        log.notify()
        return True

    async def read(self, stream_id: str, after: int, *, within: float) -> list[Frame]:
        log = self._get(stream_id)
        if log is None or len(log.frames) <= after:
            changed = log.changed if log is not None else None
            with anyio.move_on_after(within):
                while True:
                    if changed is None:  # wait for the stream to be created
                        if self._created is None:
                            self._created = anyio.Event()
                        await self._created.wait()
                    else:
                        await changed.wait()
                    log = self._get(stream_id)
                    if log is not None and len(log.frames) > after:
                        break
                    changed = log.changed if log is not None else None
            if log is None or len(log.frames) <= after:
                return []
        else:
            await anyio.lowlevel.checkpoint()
        return log.frames[after:]

    async def check(self, stream_id: str) -> tuple[str, int] | None:
        await anyio.lowlevel.checkpoint()
        log = self._get(stream_id)
        if log is None:
            return None
        if log.status == "streaming" and log.lease_until <= self._now():
            log.frames.append(Frame(len(log.frames) + 1, "{}", "producer_lost"))
            log.status = "producer_lost"
            log.token = None
            log.notify()
        return log.status, len(log.frames)

    async def aclose(self) -> None:
        await anyio.lowlevel.checkpoint()

    def __repr__(self) -> str:
        return f"<MemoryStore streams={len(self._logs)}>"
