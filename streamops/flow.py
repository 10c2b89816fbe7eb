"""Flow control: split, record, buffer, time out and merge streams.

``tee`` and ``collect`` need no background task. ``buffer``, ``timeout`` and
``merge`` need time or concurrency, so they run the upstream in an anyio task
held by the operator (asyncio and trio alike); closing the operator cancels
that task and closes the upstream.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast

import anyio
import anyio.lowlevel
import pydantic_core
from pydantic import BaseModel

from ._core import (
    ENDED,
    READ_AHEAD,
    TIMED_OUT,
    Background,
    Gap,
    Operator,
    Policy,
    Pump,
    SameOperator,
    SnapshotCore,
    SnapshotStream,
    Source,
    Stream,
    _ending,
    _shielded_close,
    _truncated,
    guarded,
    operator,
    pumping,
    stream,
)
from ._model_patches import FinalPatch
from .errors import StreamopsError, StreamTimeoutError, TruncatedOutputError
from .models import Partial

if TYPE_CHECKING:
    from starlette.responses import StreamingResponse
    from typing_extensions import Self

__all__ = [
    "SSE_HEADERS",
    "BufferOperator",
    "Collected",
    "Gap",
    "buffer",
    "collect",
    "merge",
    "sse_response",
    "tee",
    "throttle",
    "timeout",
    "to_sse",
]

T = TypeVar("T")


# --- tee ---


class _TeeState(Generic[T]):
    """What the branches of one ``tee`` share: the source and the unread items.

    One background task (started by the first read) pulls the source into
    ``buffer``, which holds the items between the slowest and the fastest open
    branch. It reads up to ``READ_AHEAD`` items past the fastest branch (and
    with ``max_buffer`` never holds more than that many items), then sleeps
    until the branches have read half of them. Branches only wait for it, so
    cancelling a branch's reader never interrupts the source that the other
    branches still read.
    """

    def __init__(self, source: Stream[T], n: int, max_buffer: int | None) -> None:
        self.source = source
        self.max_buffer = max_buffer
        self.buffer: deque[T] = deque()
        self.base = 0  # absolute index of buffer[0]
        self.positions = [0] * n  # absolute index of each branch's next item
        self.open = [True] * n
        self.puller: Background | None = None
        self.finished = False  # the source ended or failed
        self.error: BaseException | None = None
        self._arrived: anyio.Event | None = None  # exists while a branch waits for an item
        self._room: anyio.Event | None = None  # exists while the puller waits for room
        self._wake_at = 0  # while it waits: the position a branch must reach to wake it

    @staticmethod
    async def _wait(event: anyio.Event) -> None:
        await event.wait()
        # Woken by another task: make this a cancellation point even if that
        # task answers every wait first (see Pump.get).
        await anyio.lowlevel.checkpoint_if_cancelled()

    def _open_positions(self) -> list[int]:
        return [pos for pos, is_open in zip(self.positions, self.open, strict=True) if is_open]

    def _trim(self) -> None:
        slowest = min(self._open_positions(), default=self.base + len(self.buffer))
        while self.base < slowest:
            self.buffer.popleft()
            self.base += 1

    def _lead(self) -> int:
        """How many items the puller has read past the fastest open branch."""
        return self.base + len(self.buffer) - max(self._open_positions(), default=0)

    def _full(self) -> bool:
        return self.max_buffer is not None and len(self.buffer) >= self.max_buffer

    def _wake_puller(self) -> None:
        if self._room is not None and not self._full() and self._lead() <= READ_AHEAD // 2:
            self._room.set()
            self._room = None

    async def _pull(self) -> None:
        """The background task: read the source while there is room."""
        try:
            while True:
                if self._full() or self._lead() >= READ_AHEAD:
                    self._room = anyio.Event()
                    self._wake_at = self.base + len(self.buffer) - READ_AHEAD // 2
                    await self._wait(self._room)
                    continue
                try:
                    item = await self.source.__anext__()
                except StopAsyncIteration:
                    return
                self.buffer.append(item)
                if self._arrived is not None:
                    self._arrived.set()
                    self._arrived = None
        except Exception as exc:
            self.error = exc
        finally:
            self.finished = True
            if self._arrived is not None:
                self._arrived.set()
                self._arrived = None

    async def next(self, i: int) -> T:
        while True:
            if not self.open[i]:
                raise StopAsyncIteration
            pos = self.positions[i]
            if pos < self.base + len(self.buffer):
                item = self.buffer[pos - self.base]
                self.positions[i] = pos + 1
                if pos == self.base:
                    self._trim()
                    if self.max_buffer is not None:
                        self._wake_puller()  # the slowest branch made room
                if pos >= self._wake_at:
                    self._wake_puller()  # the fastest branch came close to the end
                return item
            if self.finished:
                await self.close(i)  # an exhausted branch holds nothing back
                if self.error is not None:
                    raise self.error
                raise StopAsyncIteration
            if self.puller is None:
                self.puller = Background(self._pull)
            if self._arrived is None:
                self._arrived = anyio.Event()
            await self._wait(self._arrived)

    async def close(self, i: int) -> None:
        if not self.open[i]:
            return
        self.open[i] = False
        self._trim()
        if any(self.open):
            self._wake_puller()
            return
        if self.puller is not None:
            await self.puller.stop()
        await self.source.aclose()


class _TeeBranch(AsyncIterator[T]):
    __slots__ = ("_index", "_state")

    def __init__(self, state: _TeeState[T], index: int) -> None:
        self._state = state
        self._index = index

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> T:
        return await self._state.next(self._index)

    async def aclose(self) -> None:
        await self._state.close(self._index)


def tee(source: Source[T], n: int = 2, *, max_buffer: int | None = None) -> tuple[Stream[T], ...]:
    """Split one stream into ``n`` independent streams that each see every item.

    A background task, started by the first read, pulls the source; each item
    is kept until every open branch has read it. Closing a branch (``aclose()``,
    leaving its ``async with``) means it no longer holds items back; closing
    all branches closes the source.

    Args:
        source: the stream to split.
        n: how many branches.
        max_buffer: how many items the fastest branch may run ahead of the
            slowest open one. When it is that far ahead it waits for the slowest
            to read (backpressure). ``None`` (default) never waits: an LLM
            response is small, and a bounded tee read from a single task (one
            branch to the end, then the next) would wait forever.

    Returns:
        A tuple of ``n`` :class:`Stream` objects. An error from the source
        reaches every branch at the same place. Cancelling the task that reads
        one branch does not disturb the others: the source is read by the tee's
        own task.

    >>> from streamops import drain
    >>> a, b = tee(["x", "y"])
    >>> drain(a), drain(b)
    (['x', 'y'], ['x', 'y'])
    """
    if n < 1:
        raise ValueError(f"tee needs at least one branch, not {n!r}")
    if max_buffer is not None and max_buffer < 1:
        raise ValueError(f"max_buffer must be at least 1 or None, not {max_buffer!r}")
    state = _TeeState(stream(source), n, max_buffer)
    return tuple(Stream(_TeeBranch(state, i)) for i in range(n))


# --- collect ---


class Collected(Generic[T]):
    """A record of the items that went through a ``collect()`` stage.

    It is also the operator: put it in a pipeline, then read it while the stream
    runs or after it ended. All attributes are live while streaming and final
    at the end, whether the stream was exhausted, broken off by the consumer, or
    failed.

    Attributes:
        items: every item, in order.
        error: the exception that ended the stream, if one did. The exception
            itself reaches the consumer unchanged; its ``collected`` attribute is
            set to this record (unless an inner ``collect()`` set it first).
        done: the stream has ended (exhausted, closed or failed).
        complete: the stream was exhausted normally.

    >>> from streamops import drain, pipe, words
    >>> record: Collected[str] = Collected()
    >>> drain(pipe(["Hel", "lo wor", "ld"], record, words()))
    ['Hello ', 'world']
    >>> record.count, record.text, record.complete, record.first_item_at is not None
    (3, 'Hello world', True, True)
    """

    def __init__(self) -> None:
        self.items: list[T] = []
        self.error: BaseException | None = None
        self.done = False
        self.complete = False
        self._started: float | None = None
        self._first: float | None = None
        self._ended: float | None = None
        self._text = ""
        self._text_items = 0
        self._used = False

    @property
    def count(self) -> int:
        """How many items went by."""
        return len(self.items)

    @property
    def text(self) -> str:
        """The items joined, for streams of ``str``."""
        if self._text_items != len(self.items):
            self._text += "".join(self.items[self._text_items :])  # type: ignore[arg-type]
            self._text_items = len(self.items)
        return self._text

    @property
    def first_item_at(self) -> float | None:
        """Seconds from the start of the stream to its first item (``None`` before it)."""
        if self._started is None or self._first is None:
            return None
        return self._first - self._started

    @property
    def elapsed(self) -> float:
        """Seconds since the stream started; fixed once it has ended."""
        if self._started is None:
            return 0.0
        end = self._ended if self._ended is not None else time.perf_counter()
        return end - self._started

    def __call__(self, source: AsyncIterable[T]) -> Stream[T]:
        if self._used:
            raise RuntimeError("a Collected record can be used in one pipeline only")
        self._used = True
        return _record(self)(source)

    def __repr__(self) -> str:
        state = (
            "complete"
            if self.complete
            else "failed"
            if self.error
            else ("closed" if self.done else "streaming")
        )
        return f"<Collected {state} count={self.count} elapsed={self.elapsed:.3f}s>"


@operator
async def _record(source: AsyncIterable[T], record: Collected[T]) -> AsyncIterator[T]:
    record._started = time.perf_counter()
    items = record.items
    try:
        async for item in source:
            if record._first is None:
                record._first = time.perf_counter()
            items.append(item)
            yield item
        record.complete = True
    except BaseException as exc:
        if not isinstance(exc, GeneratorExit):
            record.error = exc
            if not hasattr(exc, "collected"):
                try:
                    exc.collected = record  # type: ignore[attr-defined]
                except AttributeError:  # pragma: no cover - exotic exception types
                    pass
        raise
    finally:
        record._ended = time.perf_counter()
        record.done = True


def collect() -> Collected[Any]:
    """Record what goes through, passing every item on unchanged.

    Returns a :class:`Collected` that is both the operator and the record.

    >>> from streamops import drain, pipe
    >>> record = collect()
    >>> drain(pipe(["Hel", "lo"], record))
    ['Hel', 'lo']
    >>> record.text, record.count, record.complete
    ('Hello', 2, True)
    """
    return Collected()


# --- buffer ---


@operator
async def _buffer(source: AsyncIterable[T], maxsize: int, policy: Policy) -> AsyncIterator[T | Gap]:
    async with pumping(source, maxsize, policy) as pump:
        while (item := await pump.get()) is not ENDED:
            yield item


class BufferOperator(Protocol):
    """The type of ``buffer(...)``: any item type passes, with :class:`Gap` markers added.

    >>> from streamops import drain, pipe
    >>> op: BufferOperator = buffer(1, policy="drop_newest")
    >>> drain(pipe([1], op))
    [1]
    """

    def __call__(self, source: AsyncIterable[T], /) -> Stream[T | Gap]: ...


def buffer(maxsize: int, *, policy: Policy = "block") -> BufferOperator:
    """Decouple a fast producer from a slow consumer with a bounded queue.

    A background task pulls the upstream into a queue of ``maxsize`` items.
    When the queue is full:

    - ``"block"``: the task waits (backpressure reaches the source);
    - ``"drop_oldest"``: the oldest queued item is dropped;
    - ``"drop_newest"``: the arriving item is dropped.

    Dropping policies put a :class:`Gap` marker where items went missing
    (consecutive drops make one ``Gap`` with a count), so a client knows to
    fetch the full result at the end. An upstream error is raised after the
    items queued before it. (The queue is a deque with anyio events rather than
    a memory object stream, which has no drop policies.)

    >>> from streamops import drain, pipe
    >>> drain(pipe(["a", "b", "c"], buffer(2)))
    ['a', 'b', 'c']
    """
    if maxsize < 1:
        raise ValueError(f"maxsize must be at least 1, not {maxsize!r}")
    if policy not in ("block", "drop_oldest", "drop_newest"):
        raise ValueError(f"policy must be 'block', 'drop_oldest' or 'drop_newest', not {policy!r}")
    return _buffer(maxsize, policy)


# --- throttle ---

_NOTHING: Any = object()


async def _throttled(
    source: AsyncIterable[Any],
    interval: float,
    latest: bool,
    core: SnapshotCore[Any, Any] | None,
) -> AsyncIterator[Any]:
    pending = _NOTHING  # the item held back (for a core: ``True``, built when emitted)
    next_at = float("-inf")  # no emission before this time

    def build(held: Any) -> Any:
        return core.snapshot() if core is not None else held

    failed: StreamopsError | None = None  # the core's own error
    async with pumping(source) as pump:
        while True:
            wait = latest and pending is not _NOTHING
            try:
                item = await pump.get(next_at if wait else None)
            except Exception as exc:
                if core is not None and isinstance(exc, TruncatedOutputError):
                    # text() after a length stop: the core's own position and partial
                    finals, failed = _ending(core, None)
                    for final in finals:
                        yield final
                    if not finals and pending is not _NOTHING:
                        yield build(pending)
                    raise _truncated(core, exc, failed)  # noqa: B904 - its __cause__ is set
                if pending is not _NOTHING:  # deliver what was held, then fail
                    yield build(pending)
                raise
            if item is ENDED:
                break
            if item is not TIMED_OUT:
                if core is not None:
                    try:
                        changed = core.feed(item)
                    except StreamopsError as exc:
                        failed = exc
                        break
                    if not changed:
                        continue
                    item = True
                if anyio.current_time() < next_at:
                    pending = item
                    continue
            elif pending is _NOTHING:  # pragma: no cover - get() only times out when waiting
                continue
            else:
                item, pending = pending, _NOTHING
            pending = _NOTHING
            yield build(item)
            next_at = anyio.current_time() + interval
    # The end, or the core's error: what the core still has (on an error, the
    # snapshot of everything before the error position) or else what was held.
    finals, failed = _ending(core, failed) if core is not None else ((), None)
    if finals:
        for final in finals:
            yield final
    elif pending is not _NOTHING:
        yield build(pending)
    if failed is not None:
        raise failed


def throttle(interval: float, *, latest: bool = True) -> SameOperator:
    """Emit at most one item per ``interval`` seconds: for snapshot streams feeding a UI.

    The first item goes out at once. After an emission, items arriving within
    ``interval`` are held back: with ``latest=True`` the newest of them goes out
    when the interval ends; with ``latest=False`` they are dropped (leading
    edge only). The final item of the stream is always emitted.

    Put right after a snapshot operator (``json_snapshots()``, ``partial(Model)``),
    ``throttle`` feeds that operator's state itself and builds a snapshot only
    when it emits one: a skipped snapshot costs nothing.

    >>> from streamops import drain, pipe
    >>> drain(pipe(["a", "b", "c"], throttle(60)))  # a at once, c as the final one
    ['a', 'c']
    """
    if not interval > 0:
        raise ValueError(f"interval must be a positive number of seconds, not {interval!r}")

    def apply(source: AsyncIterable[T]) -> Stream[T]:
        if isinstance(source, SnapshotStream):
            upstream: Stream[Any] = source.upstream
            core: SnapshotCore[Any, Any] | None = source.make_core()
        else:
            upstream, core = stream(source), None
        throttled = _throttled(upstream, interval, latest, core)
        return Stream._stage(guarded(throttled, upstream), upstream)

    return apply


# --- timeout ---


@operator
async def _timeout(
    source: AsyncIterable[T], first: float | None, idle: float | None, total: float | None
) -> AsyncIterator[T]:
    received: list[T] = []
    now = anyio.current_time
    start = now()
    end = None if total is None else start + total
    # Until the first item, the first-item limit; after it, the idle limit.
    wait, wait_kind = first, "first"
    async with pumping(source) as pump:
        while True:
            deadline = end
            if wait is not None:
                wait_until = (start if wait_kind == "first" else now()) + wait
                if deadline is None or wait_until < deadline:
                    deadline = wait_until
            item = await pump.get(deadline)
            if item is ENDED:
                return
            if item is TIMED_OUT:
                kind = "total" if deadline == end else wait_kind
                seconds = cast(float, total if kind == "total" else wait)
                message = {
                    "first": f"no first item within {seconds:g} s",
                    "idle": f"no item within {seconds:g} s of the previous one",
                    "total": f"the stream did not end within {seconds:g} s",
                }[kind]
                raise StreamTimeoutError(
                    message, kind=kind, timeout=seconds, received=list(received)
                )
            if wait_kind == "first":
                wait, wait_kind = idle, "idle"
            received.append(cast(T, item))
            yield cast(T, item)


def timeout(
    *, first: float | None = None, idle: float | None = None, total: float | None = None
) -> SameOperator:
    """Raise :class:`~streamops.StreamTimeoutError` when a stream is too slow.

    Args:
        first: seconds allowed until the first item (time to first token).
        idle: seconds allowed between two items, counted from when the consumer
            asks for the next one (a slow consumer does not trip it).
        total: seconds allowed for the whole stream.

    The error's ``kind`` says which limit was hit and ``.received`` holds the
    items that did arrive. The upstream is closed before the error reaches you,
    so the request to the model ends.

    >>> from streamops import drain, pipe
    >>> drain(pipe(["a", "b"], timeout(first=5, idle=1)))
    ['a', 'b']
    """
    for name, value in (("first", first), ("idle", idle), ("total", total)):
        if value is not None and not value > 0:
            raise ValueError(f"{name} must be a positive number of seconds, not {value!r}")
    return _timeout(first, idle, total)


# --- merge ---


async def _merged(sources: list[Stream[T]]) -> AsyncIterator[T]:
    pump: Pump[T] = Pump(None, maxsize=16, producers=len(sources))

    async def feed(source: Stream[T]) -> None:
        async with source:
            await pump.run(source)

    feeders = [Background(functools.partial(feed, source)) for source in sources]
    try:
        while (item := await pump.get()) is not ENDED:
            yield cast(T, item)
    finally:
        for feeder in feeders:
            await feeder.stop()


def merge(*sources: Source[T]) -> Stream[T]:
    """Interleave several streams, each item as soon as it arrives.

    One task per source; the merged stream ends when every source has ended. An
    error from any source is raised as soon as it arrives, and the other sources
    are closed; closing the merged stream closes every source.

    >>> from streamops import drain
    >>> sorted(drain(merge(["a", "b"], ["c"])))
    ['a', 'b', 'c']
    """
    if not sources:
        raise ValueError("merge needs at least one source")
    streams = [stream(s) for s in sources]
    return Stream._stage(_merged(streams), *streams)


# --- server-sent events out ---

logger = logging.getLogger("streamops")


def _one_line(exc: BaseException) -> str:
    """``Type: message (path ...)`` on one line."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

SSE_HEADERS: dict[str, str] = {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",
}
"""Response headers for an SSE stream: no caching, and no buffering by nginx-style proxies."""

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _frame(data: str, *, event: str | None = None, id: int | None = None) -> str:
    parts = []
    if id is not None:
        parts.append(f"id: {id}\n")
    if event is not None:
        parts.append(f"event: {event}\n")
    parts.extend(f"data: {line}\n" for line in _LINE_BREAK.split(data))
    parts.append("\n")
    return "".join(parts)


def _error_payload(exc: BaseException) -> str:
    payload: dict[str, Any] = {"type": type(exc).__name__, "message": str(exc)}
    for attr in ("offset", "line", "column", "kind"):
        value = getattr(exc, attr, None)
        if isinstance(value, (int, float, str)):
            payload[attr] = value
    path = getattr(exc, "path", None)
    if isinstance(path, tuple):
        payload["path"] = list(path)
    return pydantic_core.to_json(payload).decode()


def _encode(item: Any) -> str:
    return pydantic_core.to_json(item).decode()


class _FrameKinds:
    """The ``event:`` name of each item's frame: ``gap`` for a :class:`Gap`, ``final``
    for the validated model that ends a ``partial()`` stream and for a
    :class:`~streamops.FinalPatch`, else the stream's own name (see :func:`to_sse`)."""

    __slots__ = ("event", "final", "partial_seen")

    def __init__(self, event: str | None, final: type[Any] | bool) -> None:
        self.event = event
        self.final = final
        self.partial_seen = False

    def of(self, item: Any) -> str | None:
        if isinstance(item, Gap):
            return "gap"
        final = self.final
        if final is False:
            return self.event
        if isinstance(item, Partial):
            self.partial_seen = True
            return self.event
        if isinstance(item, FinalPatch):
            return "final"
        if final is True:
            if self.partial_seen and isinstance(item, BaseModel):
                self.partial_seen = False
                return "final"
        elif isinstance(item, final):
            return "final"
        return self.event


@operator
async def _to_sse(
    source: AsyncIterable[Any],
    event: str | None,
    first_id: int | None,
    heartbeat: float | None,
    encode: Callable[[Any], str],
    retry: int | None,
    final: type[Any] | bool,
) -> AsyncIterator[str]:
    next_id = first_id
    count = 0
    # The reconnection delay goes with the first frame, whatever it is.
    first = f"retry: {retry}\n" if retry is not None else ""
    kind = _FrameKinds(event, final).of
    try:
        if heartbeat is None:
            async for item in source:
                yield first + _frame(encode(item), event=kind(item), id=next_id)
                first = ""
                count += 1
                if next_id is not None:
                    next_id += 1
        else:
            async with pumping(source) as pump:
                deadline = anyio.current_time() + heartbeat
                while (item := await pump.get(deadline)) is not ENDED:
                    deadline = anyio.current_time() + heartbeat
                    if item is TIMED_OUT:
                        yield ": heartbeat\n\n"
                        continue
                    yield first + _frame(encode(item), event=kind(item), id=next_id)
                    first = ""
                    count += 1
                    if next_id is not None:
                        next_id += 1
    except Exception as exc:
        # One line per failed stream (a server logs it per request); the traceback only
        # when the "streamops" logger is set to DEBUG.
        logger.warning(
            "stream failed after %d items; sent an error frame: %s",
            count,
            _one_line(exc),
            exc_info=exc if logger.isEnabledFor(logging.DEBUG) else None,
        )
        yield first + _frame(_error_payload(exc), event="error")
        return
    yield first + _frame(pydantic_core.to_json({"count": count}).decode(), event="done")


def to_sse(
    *,
    event: str | None = None,
    id: int | None = 1,
    heartbeat: float | None = None,
    retry: int | None = None,
    final: type[Any] | bool = True,
    encode: Callable[[Any], str] = _encode,
) -> Operator[object, str]:
    """Encode items as server-sent-event frames, ready to write to an HTTP response.

    Each item becomes one frame whose ``data:`` is the item as JSON (pydantic
    models, dataclasses, dates and the like included; a value with line breaks
    is split over several ``data:`` lines, as the SSE format requires). Frames
    carry increasing ``id:`` values so a client can resume with
    ``Last-Event-ID``.

    The frames a client sees (``event:``; none means ``message``):

    * items: ``event`` (none by default);
    * ``final``: the validated model that ends a :func:`~streamops.partial`
      stream, and the :class:`~streamops.FinalPatch` that ends
      :func:`~streamops.model_patches`: the snapshots before it may show
      values not yet checked as a whole, this one passed the model's
      validation. As JSON a snapshot and the model look alike; the frame
      tells them apart. By default (``final=True``) the final model is the
      first pydantic model after ``Partial`` snapshots that is not one; a
      stream whose whole object came in one chunk has no snapshot before
      it, so pass the class (``final=Model``: every instance is ``final``)
      to mark it in every case;
    * ``gap``: a :class:`Gap` from a dropping ``buffer()``;
    * then exactly one of ``done`` (data ``{"count": n}``: the source was
      exhausted) or ``error`` (data with the error's ``type``, ``message``
      and, for streamops errors, where it happened: ``path``, ``offset``...).
      The error is logged on the ``streamops`` logger, not re-raised, so the
      HTTP response ends cleanly. Cancellation (the client went away) is not
      caught: it closes the source.

    **A browser ``EventSource`` reconnects whenever a response ends**, even
    after ``done``: a client must call ``close()`` on ``done`` and ``error``,
    or it sends the request again (and, for an LLM endpoint, runs the model
    again), every few seconds. ``retry`` tells it to wait that long before
    reconnecting, in case it does not close (a client that does not know the
    frames, a lost ``done``).

    Args:
        event: the ``event:`` name for item frames.
        id: the id of the first frame, counting up by one; ``None`` sends no ids.
        heartbeat: send a ``: heartbeat`` comment after this many idle seconds,
            so proxies keep the connection open.
        retry: milliseconds; sent as ``retry:`` with the first frame, so an
            ``EventSource`` waits that long before reconnecting.
        final: which items are ``event: final`` frames: ``True`` (the
            model after ``Partial`` snapshots, and a ``FinalPatch``), a model
            class (its instances, and a ``FinalPatch``), ``False`` (none).
        encode: turns an item into the frame's data (default: JSON).

    >>> from streamops import drain, pipe
    >>> print("".join(drain(pipe([{"a": 1}, "two\\nlines"], to_sse(retry=10_000)))), end="")
    retry: 10000
    id: 1
    data: {"a":1}
    <BLANKLINE>
    id: 2
    data: "two\\nlines"
    <BLANKLINE>
    event: done
    data: {"count":2}
    <BLANKLINE>

    The last item of ``partial()`` is the ``final`` frame:

    >>> from pydantic import BaseModel
    >>> from streamops import partial
    >>> class Pet(BaseModel):
    ...     name: str
    >>> frames = drain(pipe(['{"name": "Bis', 'cuit"}'], partial(Pet), to_sse(id=None)))
    >>> print("".join(frames), end="")
    data: {"name":"Bis"}
    <BLANKLINE>
    event: final
    data: {"name":"Biscuit"}
    <BLANKLINE>
    event: done
    data: {"count":2}
    <BLANKLINE>
    """
    if heartbeat is not None and not heartbeat > 0:
        raise ValueError(f"heartbeat must be a positive number of seconds, not {heartbeat!r}")
    if not isinstance(final, (bool, type)):
        raise TypeError(f"final must be True, False or a class, not {final!r}")
    if retry is not None and (not isinstance(retry, int) or isinstance(retry, bool) or retry < 0):
        raise ValueError(f"retry must be a whole number of milliseconds (>= 0), not {retry!r}")
    return _to_sse(event, id, heartbeat, encode, retry, final)


def sse_response(
    frames: AsyncIterable[str], *, status_code: int = 200, headers: dict[str, str] | None = None
) -> StreamingResponse:
    """A Starlette/FastAPI response streaming SSE frames with :data:`SSE_HEADERS`.

    ``frames`` is typically ``pipe(..., to_sse())``. The response closes
    ``frames`` (and with it the pipeline's source, the model's stream) however
    the exchange ends: the body sent in full, the client gone before the body
    started, while a frame was being sent, or while the pipeline waited for the
    model. Starlette itself never closes a body iterator. Needs ``starlette``
    (installed with FastAPI).

    >>> from streamops import pipe
    >>> response = sse_response(pipe([{"n": 1}], to_sse()))
    >>> headers = response.headers
    >>> response.media_type, headers["cache-control"], headers["x-accel-buffering"]
    ('text/event-stream', 'no-cache', 'no')
    """
    return _closing_response_class()(
        frames,
        status_code=status_code,
        headers={**SSE_HEADERS, **(headers or {})},
        media_type="text/event-stream",
    )


@functools.cache
def _closing_response_class() -> type[StreamingResponse]:
    try:
        from starlette.responses import StreamingResponse
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("sse_response() needs starlette: pip install starlette") from None

    class SSEResponse(StreamingResponse):
        """A ``StreamingResponse`` that closes its body iterator when the exchange ends."""

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            try:
                await super().__call__(scope, receive, send)
            finally:
                await _shielded_close(self.body_iterator)

    return SSEResponse
