"""Flow: split a stream between consumers (``tee``) and record it in passing (``collect``)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import anyio

from ._core import Source, Stream, operator, stream
from .errors import StreamopsError

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["Collected", "collect", "tee"]

T = TypeVar("T")


# --- tee ---


class _TeeState(Generic[T]):
    """What the branches of one ``tee`` share: the source and the unread items.

    Pull-based: no background task. The branch that needs an item nobody has read
    yet pulls it from the source; the others wait for it. ``buffer`` holds the
    items between the slowest and the fastest open branch.
    """

    def __init__(self, source: Stream[T], n: int, max_buffer: int | None) -> None:
        self.source = source
        self.max_buffer = max_buffer
        self.buffer: deque[T] = deque()
        self.base = 0  # absolute index of buffer[0]
        self.positions = [0] * n  # absolute index of each branch's next item
        self.open = [True] * n
        self.pulling = False
        self.finished = False  # the source ended or failed
        self.error: BaseException | None = None
        self.changed = anyio.Event()  # set whenever an item arrives or is consumed

    def _notify(self) -> None:
        self.changed.set()
        self.changed = anyio.Event()

    def _trim(self) -> None:
        slowest = min(
            (pos for pos, is_open in zip(self.positions, self.open, strict=True) if is_open),
            default=self.base + len(self.buffer),
        )
        while self.base < slowest:
            self.buffer.popleft()
            self.base += 1

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
                    self._notify()
                return item
            if self.finished:
                await self.close(i)  # an exhausted branch holds nothing back
                if self.error is not None:
                    raise self.error
                raise StopAsyncIteration
            if self.pulling or (
                self.max_buffer is not None and len(self.buffer) >= self.max_buffer
            ):
                await self.changed.wait()
                continue
            await self._pull()

    async def _pull(self) -> None:
        self.pulling = True
        try:
            item = await self.source.__anext__()
        except StopAsyncIteration:
            self.finished = True
        except Exception as exc:
            self.finished = True
            self.error = exc
        except BaseException:
            # The pulling consumer was cancelled inside the source: the source is
            # broken now, so the other branches must not mistake that for its end.
            self.finished = True
            self.error = StreamopsError(
                "tee: the source was interrupted when the consumer reading it was cancelled",
                received=list(self.buffer),
            )
            raise
        else:
            self.buffer.append(item)
        finally:
            self.pulling = False
            self._notify()
        if not any(self.open):
            await self.source.aclose()

    async def close(self, i: int) -> None:
        if not self.open[i]:
            return
        self.open[i] = False
        self._trim()
        self._notify()
        if not any(self.open) and not self.pulling:
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

    No background task: whichever branch first needs a new item pulls it from
    the source, and the item is kept until every open branch has read it.
    Closing a branch (``aclose()``, leaving its ``async with``) means it no
    longer holds items back; closing all branches closes the source.

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
        reaches every branch at the same place. If the task reading a branch is
        cancelled while it waits on the source, the source is broken and the
        other branches raise :class:`~streamops.StreamopsError` there.

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
        state = "complete" if self.complete else "failed" if self.error else (
            "closed" if self.done else "streaming"
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

