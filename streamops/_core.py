"""The operator core: ``Stream``, ``pipe``, ``@operator``, lifting, clean-up, a sync face.

An operator is a function from a stream to a stream::

    Operator = Callable[[AsyncIterable[A]], AsyncIterator[B]]

``pipe(source, op1, op2)`` and ``stream(source) | op1 | op2`` both mean
``op2(op1(source))``. The :func:`operator` decorator turns an async-generator
function whose first parameter is the upstream into a factory of operators and
owns the one clean-up rule: when a pipeline stops, for whatever reason, every
stage is closed, innermost source included, before control returns.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
import inspect
from collections import deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterable,
    Iterator,
    Sequence,
)
from contextlib import asynccontextmanager
from dataclasses import dataclass
from operator import attrgetter
from types import TracebackType
from typing import (
    TYPE_CHECKING,
    Any,
    Concatenate,
    Generic,
    Literal,
    ParamSpec,
    Protocol,
    TypeAlias,
    TypeVar,
    Union,
    overload,
)

import anyio
import anyio.lowlevel

from .errors import IncompleteJSONError, StreamopsError, TruncatedOutputError

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "ChunkCore",
    "Operator",
    "SameOperator",
    "Source",
    "Stream",
    "chunk_operator",
    "drain",
    "iterate",
    "operator",
    "pipe",
    "stream",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
D = TypeVar("D")
E = TypeVar("E")
F = TypeVar("F")
G = TypeVar("G")
A_contra = TypeVar("A_contra", contravariant=True)
B_co = TypeVar("B_co", covariant=True)
P = ParamSpec("P")

Operator: TypeAlias = Callable[[AsyncIterable[A]], AsyncIterator[B]]
"""A function from one stream to another; what ``words()``, ``json_values(p)`` ... return."""

class SameOperator(Protocol):
    """The type of an operator that passes any item type through (``throttle``, ``timeout``).

    Its call is generic, so ``pipe(chunks, words(), throttle(0.1))`` is a
    ``Stream[str]`` for a type checker.

    >>> from streamops import throttle
    >>> op: SameOperator = throttle(60)
    >>> drain(pipe([1, 2, 3], op))
    [1, 3]
    """

    def __call__(self, source: AsyncIterable[T], /) -> Stream[T]: ...


Source: TypeAlias = Union[AsyncIterable[T], Iterable[T]]  # noqa: UP007 (subscriptable on 3.10)
"""Anything a pipeline can start from: an async iterable or a plain iterable."""


async def _close_object(obj: object) -> None:
    """Close an iterator or a stream object, whatever its closing method is called."""
    aclose = getattr(obj, "aclose", None)
    if aclose is not None:
        await aclose()
        return
    close = getattr(obj, "close", None)
    if close is not None:
        result = close()
        if inspect.isawaitable(result):
            await result


async def _shielded_close(*objs: object) -> None:
    """Close each object in order, shielded from cancellation so a cancelled consumer
    still closes its upstream (and with it the HTTP request to the model).

    Every object is closed even if closing an earlier one raised."""
    with anyio.CancelScope(shield=True):
        await _close_in_order(objs)


async def _close_in_order(objs: Sequence[object]) -> None:
    if objs:
        try:
            await _close_object(objs[0])
        finally:
            await _close_in_order(objs[1:])


async def _from_sync(iterator: Iterator[T]) -> AsyncGenerator[T, None]:
    for item in iterator:
        yield item


class Stream(AsyncIterator[T_co]):
    """A pipeline: an async iterator that can be piped further and closed as a whole.

    ``Stream(source)`` lifts any async or plain iterable. ``stream | op`` applies
    an operator. Use it as an async context manager so that leaving the block,
    by ``break``, an exception or cancellation, closes every stage at once::

        async with pipe(response, text(), words()) as s:
            async for word in s:
                if done(word):
                    break          # the HTTP request to the model ends here

    The pipeline owns its source: closing it calls the source's ``aclose()``
    (or ``close()``, awaited if it returns an awaitable), so SDK stream objects
    release their connection. A bare ``break`` outside ``async with`` leaves the
    closing to the event loop's async-generator finalizer, which runs later (and
    under trio, in another task).

    >>> import anyio
    >>> async def main():
    ...     async with stream(["a", "b", "c"]) as s:
    ...         async for item in s:
    ...             print(item)
    ...             break
    >>> anyio.run(main)
    a
    """

    __slots__ = ("__weakref__", "_closed", "_iterator", "_source", "_sync", "_upstreams")

    def __init__(self, source: Source[T_co]) -> None:
        self._source: object = source
        self._closed = False
        # The pipelines a stage reads from. A stage's generator closes them when
        # it ends, but a generator that never started runs no ``finally``: so
        # aclose() closes them too, and a pipeline stopped before its first item
        # still closes its source.
        self._upstreams: tuple[object, ...] = ()
        self._iterator: AsyncIterator[T_co]
        # A plain iterable's iterator, which fused stages (chunk_operator) loop
        # over directly; the async face shares it, so either may be used.
        self._sync: Iterator[T_co] | None = None
        if isinstance(source, AsyncIterable):
            self._iterator = source.__aiter__()
        elif isinstance(source, Iterable):
            self._sync = iter(source)
            self._iterator = _from_sync(self._sync)
        else:
            raise TypeError(
                f"a stream source must be an iterable or an async iterable, "
                f"not {type(source).__name__}"
            )

    @staticmethod
    def _stage(iterator: AsyncIterator[T], *upstreams: Stream[Any]) -> Stream[T]:
        """Wrap an operator stage reading from ``upstreams``.

        Closing the stage closes its iterator, then each upstream (idempotent:
        a stage that ran closed them itself already).
        """
        result = Stream(iterator)
        result._upstreams = upstreams
        return result

    def __aiter__(self) -> Self:
        return self

    if TYPE_CHECKING:

        def __anext__(self) -> Awaitable[T_co]: ...

    else:
        # The inner iterator's own __anext__, handed out by C code (a property
        # over attrgetter): no Python frame per item for the consumer.
        __anext__ = property(attrgetter("_iterator.__anext__"))

    def __or__(self, op: Callable[[Stream[T_co]], AsyncIterable[B]]) -> Stream[B]:
        result = op(self)
        if isinstance(result, Stream):
            return result
        return Stream._stage(guarded(result, self), self)

    async def aclose(self) -> None:
        """Close every stage of the pipeline, innermost source included. Idempotent.

        This holds whether or not the pipeline was ever iterated: a pipeline
        closed before its first item still closes its source.
        """
        if self._closed:
            return
        self._closed = True
        objs: list[object] = [self._iterator]
        if self._sync is not None and self._sync is not self._source:
            objs.append(self._sync)  # e.g. the generator an iterable's __iter__ made
        if self._source is not self._iterator:
            objs.append(self._source)
        objs.extend(self._upstreams)
        await _shielded_close(*objs)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"<Stream {self._iterator!r}>"


async def guarded(inner: AsyncIterable[T], upstream: Stream[Any]) -> AsyncGenerator[T, None]:
    """Run one stage; whatever ends it, close the stage and then its upstream."""
    iterator = inner.__aiter__()
    try:
        async for item in iterator:
            yield item
    finally:
        await _shielded_close(iterator, upstream)


def stream(source: Source[T]) -> Stream[T]:
    """Lift a source into a :class:`Stream` so operators can be applied with ``|``.

    >>> drain(stream(["a", "b"]) | (lambda s: s))
    ['a', 'b']
    """
    return source if isinstance(source, Stream) else Stream(source)


@overload
def pipe(source: Source[A], /) -> Stream[A]: ...
@overload
def pipe(source: Source[A], op1: Operator[A, B], /) -> Stream[B]: ...
@overload
def pipe(source: Source[A], op1: Operator[A, B], op2: Operator[B, C], /) -> Stream[C]: ...
@overload
def pipe(
    source: Source[A], op1: Operator[A, B], op2: Operator[B, C], op3: Operator[C, D], /
) -> Stream[D]: ...
@overload
def pipe(
    source: Source[A],
    op1: Operator[A, B],
    op2: Operator[B, C],
    op3: Operator[C, D],
    op4: Operator[D, E],
    /,
) -> Stream[E]: ...
@overload
def pipe(
    source: Source[A],
    op1: Operator[A, B],
    op2: Operator[B, C],
    op3: Operator[C, D],
    op4: Operator[D, E],
    op5: Operator[E, F],
    /,
) -> Stream[F]: ...
@overload
def pipe(
    source: Source[A],
    op1: Operator[A, B],
    op2: Operator[B, C],
    op3: Operator[C, D],
    op4: Operator[D, E],
    op5: Operator[E, F],
    op6: Operator[F, G],
    /,
) -> Stream[G]: ...
@overload
def pipe(
    source: Source[Any],
    op1: Operator[Any, Any],
    op2: Operator[Any, Any],
    op3: Operator[Any, Any],
    op4: Operator[Any, Any],
    op5: Operator[Any, Any],
    op6: Operator[Any, Any],
    op7: Operator[Any, Any],
    /,
    *ops: Operator[Any, Any],
) -> Stream[Any]: ...
def pipe(source: Source[Any], /, *ops: Operator[Any, Any]) -> Stream[Any]:
    """Apply operators to a source, left to right: ``pipe(s, f, g)`` is ``g(f(s))``.

    The source may be an async iterable (an SDK stream, an async generator) or a
    plain iterable (a list of chunks). The result is a :class:`Stream`: iterate it
    with ``async for``, preferably inside ``async with`` so that stopping early
    closes the source at once.

    >>> drain(pipe(["a", "b", "c"]))
    ['a', 'b', 'c']
    """
    result = stream(source)
    for op in ops:
        result = result | op
    return result


def operator(
    fn: Callable[Concatenate[AsyncIterable[A], P], AsyncIterator[B]],
) -> Callable[P, Callable[[AsyncIterable[A]], Stream[B]]]:
    """Turn an async-generator function into a pipable operator factory.

    The decorated function takes the upstream as its first parameter and its
    options after it. Calling the decorated name with the options returns an
    operator; applying that to a stream runs the function, and guarantees that
    when the stage ends (exhausted, failed, closed or cancelled) the stage and
    everything upstream of it are closed.

    >>> @operator
    ... async def upper(source):
    ...     async for chunk in source:
    ...         yield chunk.upper()
    >>> drain(pipe(["ab", "c"], upper()))
    ['AB', 'C']
    """

    @functools.wraps(fn)
    def factory(*args: P.args, **kwargs: P.kwargs) -> Callable[[AsyncIterable[A]], Stream[B]]:
        def apply(source: AsyncIterable[A]) -> Stream[B]:
            upstream = stream(source)
            # The body iterates the upstream's own iterator: no Python-level
            # Stream.__anext__ call per item per stage. Closing goes through the
            # Stream (guarded), so the source object is closed too.
            body = fn(upstream._iterator, *args, **kwargs)
            result = Stream._stage(guarded(body, upstream), upstream)
            if not isinstance(body, AsyncGenerator):
                # An iterator object with clean-up of its own: closed even if never started.
                result._upstreams = (body, upstream)
            return result

        apply.__name__ = apply.__qualname__ = fn.__name__
        return apply

    # help() and IDEs show what users call: the options, not the upstream.
    signature = inspect.signature(fn)
    factory.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=list(signature.parameters.values())[1:],
        return_annotation=inspect.Signature.empty,
    )
    return factory


# --- fused stages: a sync core driven chunk by chunk (the hot path) ---


class ChunkCore(Protocol[A_contra, B_co]):
    """The sync core of a chunk operator: ``feed`` a chunk, get what it completed.

    ``feed`` returns the items the chunk completed (usually none: an empty
    sequence); ``close`` ends the input (raising if it is incomplete) and
    returns the last items. ``JSONParser`` is one:

    >>> from streamops.json import JSONParser
    >>> core: ChunkCore[str, object] = JSONParser()
    >>> core.feed('[1, ')
    [StartArray(path=()), Scalar(path=(0,), value=1)]
    >>> core.feed('2]'), core.close()
    ([Scalar(path=(1,), value=2), EndArray(path=())], [])
    """

    def feed(self, chunk: A_contra, /) -> Sequence[B_co]: ...

    def close(self) -> Sequence[B_co]: ...


class Then(Generic[A, B]):
    """A :class:`ChunkCore` followed by a function of its non-empty outputs.

    ``Then(JSONParser(), SnapshotBuilder().feed)`` is a core from text to
    snapshots. The driver calls both inline, without a frame for the pair.
    When the first core fails, what it completed before the error
    (``exc.events``) still goes through the function, whose own error wins
    (it comes first in the input); otherwise the error is raised again with
    ``events`` now the function's outputs.

    >>> from streamops.json import JSONParser
    >>> core = Then(JSONParser(), lambda events: [len(events)])
    >>> core.feed('[1, 2'), core.feed(']'), core.close()
    ([2], [2], ())
    """

    __slots__ = ("close_first", "first", "then")

    def __init__(
        self, core: ChunkCore[A, Any], then: Callable[[Sequence[Any]], Sequence[B]]
    ) -> None:
        self.first = core.feed
        self.close_first = core.close
        self.then = then

    def feed(self, chunk: A, /) -> Sequence[B]:
        try:
            out = self.first(chunk)
        except StreamopsError as exc:
            exc.events = self.then(exc.events) if exc.events else ()
            raise
        return self.then(out) if out else ()

    def close(self) -> Sequence[B]:
        try:
            out = self.close_first()
        except StreamopsError as exc:
            exc.events = self.then(exc.events) if exc.events else ()
            raise
        return self.then(out) if out else ()


def _check_chunk_type(core: object, chunk: object, error: BaseException) -> None:
    """Raise a clear ``TypeError`` if ``chunk`` is not of a type the core takes.

    A core may declare ``accepts`` (a tuple of types) and ``operator`` (its
    name as users call it, ``"words()"``); a wrong chunk then fails as
    ``words() takes str chunks, not bytes`` instead of an ``AttributeError``
    from deep inside. A core that declares nothing keeps its own error.
    """
    accepts = getattr(core, "accepts", None)
    if accepts is None or isinstance(chunk, accepts):
        return
    name = getattr(core, "operator", type(core).__name__)
    expected = " or ".join(t.__name__ for t in accepts)
    raise TypeError(f"{name} takes {expected} chunks, not {type(chunk).__name__}") from error


def _truncated(
    core: ChunkCore[Any, Any] | SnapshotCore[Any, Any],
    cut: TruncatedOutputError,
    failed: StreamopsError | None,
) -> TruncatedOutputError:
    """The error for a core whose upstream stopped for length (``cut``): the core's own
    :class:`IncompleteJSONError` at ``close()`` (``failed``), with its position, path
    and partial value, made a :class:`TruncatedOutputError`; else ``cut`` itself."""
    if not isinstance(failed, IncompleteJSONError) or isinstance(failed, TruncatedOutputError):
        return cut
    snapshot = getattr(core, "snapshot", None)
    error = TruncatedOutputError(
        failed.message,
        finish_reason=cut.finish_reason,
        partial=snapshot() if snapshot is not None else None,
        offset=failed.offset,
        line=failed.line,
        column=failed.column,
        path=failed.path,
        snippet=failed.snippet,
        received=failed.received,
    )
    error.__cause__ = cut
    return error


def _ending(
    core: ChunkCore[Any, B] | SnapshotCore[Any, B], failed: StreamopsError | None
) -> tuple[Sequence[B], StreamopsError | None]:
    """The end of a driven core: the items still to yield, and the error to raise after
    them (the core's, whose ``events`` are those items; ``None`` if it closed fine)."""
    if failed is None:
        try:
            return core.close(), None
        except StreamopsError as exc:
            failed = exc
    pending, failed.events = failed.events, ()
    return pending, failed


async def _drive(
    upstream: Stream[A], make_core: Callable[[], ChunkCore[A, B]]
) -> AsyncGenerator[B, None]:
    """Feed a core chunk by chunk, yield what it completes, close the upstream at the end.

    One generator does what ``@operator`` + ``guarded`` do in two, so an item
    crosses one async-generator boundary per stage instead of two; and a plain
    iterable upstream (a list of recorded chunks) is looped over directly.
    The four loops differ only in how chunks arrive and whether a
    :class:`Then` pair is called inline; they are spelled out because this
    is the per-chunk hot path of every JSON operator.

    An upstream that raises :class:`~streamops.TruncatedOutputError` (``text()``
    after a length stop) ends the input: the core is closed, what it completes is
    yielded, and the error is raised again with the core's own position, path and
    partial value (a snapshot core's last snapshot) if the core was inside a value.

    A core that fails may say what it completed before the error position
    (``exc.events``, see :class:`~streamops.StreamopsError`): those items are
    yielded first (through a :class:`Then` pair's function, whose own error
    then wins), then the error is raised. So what comes out before an error,
    and the error, do not depend on where the input was cut.
    """
    try:
        core = make_core()
        sync = upstream._sync
        failed: StreamopsError | None = None  # the core's error (not the upstream's)
        # (a try block costs nothing until it catches)
        try:
            if isinstance(core, Then):
                first, then = core.first, core.then
                if sync is not None:
                    for chunk in sync:
                        try:
                            out = first(chunk)
                        except StreamopsError as exc:
                            failed = exc
                            break
                        except (TypeError, AttributeError) as exc:
                            _check_chunk_type(core, chunk, exc)
                            raise
                        if out:
                            for item in then(out):
                                yield item
                else:
                    async for chunk in upstream._iterator:
                        try:
                            out = first(chunk)
                        except StreamopsError as exc:
                            failed = exc
                            break
                        except (TypeError, AttributeError) as exc:
                            _check_chunk_type(core, chunk, exc)
                            raise
                        if out:
                            for item in then(out):
                                yield item
                if failed is not None and failed.events:
                    # (the first core's items, through the function: its error wins)
                    failed.events = then(failed.events)
            else:
                feed = core.feed
                if sync is not None:
                    for chunk in sync:
                        try:
                            out = feed(chunk)
                        except StreamopsError as exc:
                            failed = exc
                            break
                        except (TypeError, AttributeError) as exc:
                            _check_chunk_type(core, chunk, exc)
                            raise
                        if out:
                            for item in out:
                                yield item
                else:
                    async for chunk in upstream._iterator:
                        try:
                            out = feed(chunk)
                        except StreamopsError as exc:
                            failed = exc
                            break
                        except (TypeError, AttributeError) as exc:
                            _check_chunk_type(core, chunk, exc)
                            raise
                        if out:
                            for item in out:
                                yield item
        except TruncatedOutputError as cut:  # the upstream's: text() after a length stop
            last, failed = _ending(core, None)
            for item in last:
                yield item
            raise _truncated(core, cut, failed)  # noqa: B904 - its __cause__ is set
        last, failed = _ending(core, failed)
        for item in last:
            yield item
        if failed is not None:
            raise failed
    finally:
        await _shielded_close(upstream)


class _ChunkStream(Stream[T_co]):
    """The stage of a chunk operator. It remembers its upstream and core factory, so
    the sync face (:func:`iterate`) can run a pipeline of such stages over a plain
    iterable without an event loop (see :func:`_iterate_fused`)."""

    __slots__ = ("make_core", "upstream")

    def __init__(self, upstream: Stream[Any], make_core: Callable[[], ChunkCore[Any, T_co]]):
        super().__init__(_drive(upstream, make_core))
        self._upstreams = (upstream,)
        self.upstream = upstream
        self.make_core = make_core


def chunk_operator(
    fn: Callable[P, ChunkCore[A, B]],
) -> Callable[P, Callable[[AsyncIterable[A]], Stream[B]]]:
    """Turn a factory of sync cores into a pipable operator factory.

    ``fn(*options)`` makes a fresh :class:`ChunkCore` for each pipeline (when
    the pipeline is first iterated). The operator feeds it every chunk and
    yields what each chunk completed, then what ``close()`` returns; the same
    clean-up rule as :func:`operator` applies.

    >>> class Lines:
    ...     def __init__(self):
    ...         self.buf = ""
    ...     def feed(self, chunk):
    ...         *done, self.buf = (self.buf + chunk).split("\\n")
    ...         return done
    ...     def close(self):
    ...         return [self.buf] if self.buf else []
    >>> lines = chunk_operator(Lines)
    >>> drain(pipe(["a\\nb", "c\\n", "d"], lines()))
    ['a', 'bc', 'd']
    """

    @functools.wraps(fn)
    def factory(*args: P.args, **kwargs: P.kwargs) -> Callable[[AsyncIterable[A]], Stream[B]]:
        def apply(source: AsyncIterable[A]) -> Stream[B]:
            return _ChunkStream(stream(source), lambda: fn(*args, **kwargs))

        apply.__name__ = apply.__qualname__ = fn.__name__
        return apply

    # help() and IDEs show the options, not the core class the function makes.
    factory.__signature__ = inspect.signature(fn).replace(  # type: ignore[attr-defined]
        return_annotation=inspect.Signature.empty
    )
    return factory


# --- snapshot streams (a state that changes per chunk; built only when asked) ---


class SnapshotCore(Protocol[A_contra, B_co]):
    """The sync core of a snapshot operator: a state fed chunk by chunk.

    ``feed`` updates the state cheaply and says whether it changed;
    ``snapshot`` builds the value to show (the costly part); ``close`` ends
    the input (raising if it is incomplete) and returns the final items.
    A ``feed`` that fails after its chunk changed the state puts the
    snapshot showing everything before the error position in the error's
    ``events``; the driver yields it before the error.
    """

    def feed(self, chunk: A_contra, /) -> bool: ...

    def snapshot(self) -> B_co: ...

    def close(self) -> Sequence[B_co]: ...


class SnapshotStream(Stream[T_co]):
    """The stage of a snapshot operator (``json_snapshots()``, ``partial(Model)``).

    Iterated, it yields ``core.snapshot()`` after each chunk that changed the
    state, then ``core.close()``'s items. It also remembers its upstream and
    how to make its core, so a rate-limiting stage put right after it
    (``throttle``) can feed the core itself and build only the snapshots it
    emits.
    """

    __slots__ = ("make_core", "upstream")

    def __init__(
        self, upstream: Stream[Any], make_core: Callable[[], SnapshotCore[Any, T_co]]
    ) -> None:
        super().__init__(_run_snapshots(upstream, make_core))
        self._upstreams = (upstream,)
        self.upstream = upstream
        self.make_core = make_core


async def _run_snapshots(
    upstream: Stream[A], make_core: Callable[[], SnapshotCore[A, B]]
) -> AsyncGenerator[B, None]:
    """Like :func:`_drive`, for a snapshot core: one generator, upstream closed at the end."""
    try:
        core = make_core()
        feed = core.feed
        sync = upstream._sync
        failed: StreamopsError | None = None  # the core's error (not the upstream's)
        if sync is not None:
            for chunk in sync:
                try:
                    changed = feed(chunk)
                except StreamopsError as exc:
                    failed = exc
                    break
                except (TypeError, AttributeError) as exc:
                    _check_chunk_type(core, chunk, exc)
                    raise
                if changed:
                    yield core.snapshot()
        else:
            try:
                async for chunk in upstream._iterator:
                    try:
                        changed = feed(chunk)
                    except StreamopsError as exc:
                        failed = exc
                        break
                    except (TypeError, AttributeError) as exc:
                        _check_chunk_type(core, chunk, exc)
                        raise
                    if changed:
                        yield core.snapshot()
            except TruncatedOutputError as cut:  # the upstream's: text() after a length stop
                last, failed = _ending(core, None)
                for item in last:
                    yield item
                raise _truncated(core, cut, failed)  # noqa: B904 - its __cause__ is set
        last, failed = _ending(core, failed)
        for item in last:
            yield item
        if failed is not None:
            raise failed
    finally:
        await _shielded_close(upstream)


def snapshot_operator(
    make_core: Callable[[], SnapshotCore[A, B]],
) -> Callable[[AsyncIterable[A]], SnapshotStream[B]]:
    """Make an operator from a :class:`SnapshotCore` factory."""

    def apply(source: AsyncIterable[A]) -> SnapshotStream[B]:
        return SnapshotStream(stream(source), make_core)

    return apply


# --- the background pump (for operators that need time: timers, timeouts, buffer) ---


@dataclass(slots=True)
class Gap:
    """Marks where a dropping ``buffer()`` left items out: ``dropped`` of them.

    A client that sees a gap knows its view is incomplete and can fetch the full
    result at the end.

    >>> Gap(3)
    Gap(dropped=3)
    """

    dropped: int


class _Dropped:
    """A pump's own gap marker inside its queue (a ``Gap`` from the source is an item)."""

    __slots__ = ("count",)

    def __init__(self, count: int) -> None:
        self.count = count


class _Ended:
    __slots__ = ()

    def __repr__(self) -> str:
        return "ENDED"


class _TimedOut:
    __slots__ = ()

    def __repr__(self) -> str:
        return "TIMED_OUT"


ENDED: Any = _Ended()
"""Returned by :meth:`Pump.get` when the upstream is exhausted."""
TIMED_OUT: Any = _TimedOut()
"""Returned by :meth:`Pump.get` when the deadline passed with no item."""

Policy: TypeAlias = Literal["block", "drop_oldest", "drop_newest"]


async def _wait_until(event: anyio.Event, deadline: float) -> None:
    """Wait for ``event`` or until ``deadline`` (an ``anyio.current_time()`` value).

    On asyncio a loop timer that sets the event is much cheaper than an anyio
    cancel scope (which is pure-Python bookkeeping there); on trio cancel
    scopes are native and cheap.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        with anyio.move_on_after(deadline - anyio.current_time()):
            await event.wait()
        return
    timer = loop.call_at(deadline, event.set)
    try:
        await event.wait()
    finally:
        timer.cancel()


class Pump(Generic[T]):
    """Pull an upstream in a background task into a bounded queue.

    Waiting for "the next item or a deadline" cannot be done by cancelling
    ``__anext__`` (that would break the upstream), so a task pulls the upstream
    into a queue of ``maxsize`` items that a timed-out wait never loses an item
    from. When the queue is full the task waits (``"block"``) or drops the oldest
    or the newest item, leaving a :class:`Gap` where items went missing. The task
    never raises into its task group: an upstream exception is queued after the
    items and re-raised by :meth:`get`, unchanged.

    Use inside an operator (one task group, held across the operator's yields)::

        async with anyio.create_task_group() as tg:
            pump = Pump(source)
            tg.start_soon(pump.run)
            try:
                item = await pump.get(deadline)
                ...
            finally:
                tg.cancel_scope.cancel()
    """

    __slots__ = (
        "_count",
        "_done",
        "_error",
        "_maxsize",
        "_policy",
        "_queue",
        "_ready",
        "_running",
        "_source",
        "_space",
    )

    def __init__(
        self,
        source: AsyncIterable[T] | None,
        maxsize: int = 1,
        policy: Policy = "block",
        *,
        producers: int = 1,
    ) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, not {maxsize!r}")
        if policy not in ("block", "drop_oldest", "drop_newest"):
            raise ValueError(f"unknown policy {policy!r}")
        self._source = source
        self._maxsize = maxsize
        self._policy = policy
        self._queue: deque[T | _Dropped] = deque()
        self._count = 0  # items in the queue, gaps not counted
        self._ready: anyio.Event | None = None  # exists while the consumer waits
        self._space: anyio.Event | None = None  # exists while producers wait
        self._done = False
        self._running = producers  # run() calls still to finish
        self._error: BaseException | None = None

    async def run(self, source: AsyncIterable[T] | None = None) -> None:
        """The background task: pull items until the upstream ends or fails.

        ``producers`` tasks may each run a different ``source`` into one pump
        (that is ``merge``); the pump ends when all have ended, or at the first
        error.
        """
        queue = self._queue
        try:
            async for item in self._source if source is None else source:  # type: ignore[union-attr]
                if self._count >= self._maxsize:
                    if self._policy == "block":
                        while self._count >= self._maxsize:
                            if self._space is None:
                                self._space = anyio.Event()
                            await self._space.wait()
                    elif self._policy == "drop_newest":
                        if queue and isinstance(queue[-1], _Dropped):
                            queue[-1].count += 1
                        else:
                            queue.append(_Dropped(1))
                        continue
                    else:
                        self._drop_oldest()
                queue.append(item)
                self._count += 1
                self._wake_consumer()
        except Exception as exc:
            if self._error is None:
                self._error = exc
            self._done = True
        finally:
            self._running -= 1
            if not self._running:
                self._done = True
            self._wake_consumer()

    def _wake_consumer(self) -> None:
        if self._ready is not None:
            self._ready.set()
            self._ready = None

    def _drop_oldest(self) -> None:
        queue = self._queue
        head = queue.popleft()
        gap = head if isinstance(head, _Dropped) else _Dropped(0)
        if gap is head:
            queue.popleft()
        self._count -= 1
        gap.count += 1
        queue.appendleft(gap)

    async def get(self, deadline: float | None = None) -> T | Gap:
        """The next item (or :class:`Gap`); :data:`ENDED` at the end; :data:`TIMED_OUT`
        if ``deadline`` (an ``anyio.current_time()`` value) passes first.
        Re-raises an upstream error once every item before it was taken."""
        while not self._queue:
            if self._done:
                if self._error is not None:
                    error, self._error = self._error, None
                    raise error
                return ENDED  # type: ignore[no-any-return]
            ready = self._ready = anyio.Event()
            if deadline is None:
                await ready.wait()
            else:
                await _wait_until(ready, deadline)
            # Woken by the producer: make this a cancellation point. On asyncio,
            # anyio will not cancel a task whose wait has just been answered, and
            # a fast producer answers every wait first, so the consumer would
            # never stop.
            await anyio.lowlevel.checkpoint_if_cancelled()
            if deadline is not None and not self._queue and not self._done:
                return TIMED_OUT  # type: ignore[no-any-return]
        item = self._queue.popleft()
        if isinstance(item, _Dropped):
            return Gap(item.count)
        self._count -= 1
        if self._space is not None:
            self._space.set()
            self._space = None
        return item


class Background:
    """A background task that holds no cancel scope in the task that started it.

    An operator is an async generator, and a task group held across its
    ``yield`` puts a cancel scope on the *consumer's* scope stack: a consumer
    that opens a scope of its own around ``__anext__`` or ``aclose()`` (a
    ``move_on_after``, a shielded close) then exits scopes out of order and
    anyio or trio raise. So the task is spawned on the event loop directly
    (``create_task`` on asyncio, a system task on trio), keeps its cancel scope
    inside itself, and is stopped and awaited explicitly by :meth:`stop`.
    """

    __slots__ = ("_done", "_fn", "_scope", "_stopped", "_task")

    def __init__(self, fn: Callable[[], Awaitable[object]]) -> None:
        self._fn = fn
        self._scope: anyio.CancelScope | None = None
        self._stopped = False
        self._done = anyio.Event()
        self._task: object = None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._task = self._spawn_trio()
        else:
            self._task = loop.create_task(self._main())

    def _spawn_trio(self) -> object:
        try:
            import trio
        except ImportError:  # pragma: no cover - anyio runs on asyncio or trio only
            raise RuntimeError("streamops runs on asyncio or trio") from None
        return trio.lowlevel.spawn_system_task(
            self._main, name=repr(self._fn), context=contextvars.copy_context()
        )

    async def _main(self) -> None:
        try:
            with anyio.CancelScope() as scope:
                self._scope = scope
                if self._stopped:
                    scope.cancel()
                await self._fn()
        finally:
            self._done.set()

    async def stop(self) -> None:
        """Cancel the task and wait until it has finished (shielded)."""
        self._stopped = True
        if self._scope is not None:
            self._scope.cancel()
        with anyio.CancelScope(shield=True):
            await self._done.wait()


READ_AHEAD = 16
"""How many items the operators that need time (timers, timeouts, throttle) read ahead."""


@asynccontextmanager
async def pumping(
    source: AsyncIterable[T], maxsize: int = READ_AHEAD, policy: Policy = "block"
) -> AsyncGenerator[Pump[T], None]:
    """Run a :class:`Pump` over ``source`` in a :class:`Background` task for the
    duration of the block; leaving the block stops the task (and with it the
    upstream's pending ``__anext__``) before the caller closes the upstream.

    The task reads up to ``maxsize`` items ahead of the caller, so items that
    are already there (a replayed body, a burst of chunks) cost a queue
    operation each, not two task switches."""
    pump = Pump(source, maxsize, policy)
    task = Background(pump.run)
    try:
        yield pump
    finally:
        await task.stop()


# --- the sync face ---


class _SyncRunner(Iterator[T]):
    """Drive an async pipeline from synchronous code, one item per ``next()``.

    The whole pipeline runs inside one asyncio task (so task groups and cancel
    scopes held across items stay in one task). Between items the event loop is
    paused. Where the calling thread already runs an event loop (Jupyter), the
    private loop is driven from one worker thread instead.
    """

    def __init__(self, pipeline: Stream[T]) -> None:
        self._pipeline = pipeline
        self._loop = asyncio.new_event_loop()
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        self._task: asyncio.Task[None] | None = None
        self._resume: asyncio.Future[None] | None = None
        self._outbox: asyncio.Future[tuple[bool, Any]] | None = None
        self._finished = False

    def _run(self, awaitable: Awaitable[Any]) -> Any:
        if self._executor is None:
            return self._loop.run_until_complete(awaitable)
        return self._executor.submit(self._loop.run_until_complete, awaitable).result()

    async def _pump(self) -> None:
        try:
            async with self._pipeline as pipeline:
                async for item in pipeline:
                    assert self._outbox is not None
                    self._resume = self._loop.create_future()
                    self._outbox.set_result((True, item))
                    await self._resume
        except BaseException as exc:
            if self._outbox is not None and not self._outbox.done():
                self._outbox.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
        else:
            if self._outbox is not None and not self._outbox.done():
                self._outbox.set_result((False, None))

    def __next__(self) -> T:
        if self._finished:
            raise StopIteration
        self._outbox = self._loop.create_future()
        if self._task is None:
            self._task = self._loop.create_task(self._pump())
        elif self._resume is not None:
            self._resume.set_result(None)
        try:
            more, item = self._run(self._outbox)
        except BaseException:
            self.close()
            raise
        if not more:
            self.close()
            raise StopIteration
        return item  # type: ignore[no-any-return]

    def close(self) -> None:
        """Close the pipeline (and its source) and the private event loop."""
        if self._finished:
            return
        self._finished = True
        try:
            if self._task is not None and not self._task.done():
                self._task.cancel()
                try:
                    self._run(self._task)
                except asyncio.CancelledError:
                    pass
            self._run(self._loop.shutdown_asyncgens())
        finally:
            self._loop.close()
            if self._executor is not None:
                self._executor.shutdown(wait=True)

    def __del__(self) -> None:
        self.close()


@overload
def iterate(source: Source[A], /) -> Generator[A, None, None]: ...
@overload
def iterate(source: Source[A], op1: Operator[A, B], /) -> Generator[B, None, None]: ...
@overload
def iterate(
    source: Source[A], op1: Operator[A, B], op2: Operator[B, C], /
) -> Generator[C, None, None]: ...
@overload
def iterate(
    source: Source[A], op1: Operator[A, B], op2: Operator[B, C], op3: Operator[C, D], /
) -> Generator[D, None, None]: ...
@overload
def iterate(
    source: Source[A],
    op1: Operator[A, B],
    op2: Operator[B, C],
    op3: Operator[C, D],
    op4: Operator[D, E],
    /,
) -> Generator[E, None, None]: ...
@overload
def iterate(
    source: Source[A],
    op1: Operator[A, B],
    op2: Operator[B, C],
    op3: Operator[C, D],
    op4: Operator[D, E],
    op5: Operator[E, F],
    /,
) -> Generator[F, None, None]: ...
@overload
def iterate(
    source: Source[A],
    op1: Operator[A, B],
    op2: Operator[B, C],
    op3: Operator[C, D],
    op4: Operator[D, E],
    op5: Operator[E, F],
    op6: Operator[F, G],
    /,
) -> Generator[G, None, None]: ...
@overload
def iterate(
    source: Source[Any],
    op1: Operator[Any, Any],
    op2: Operator[Any, Any],
    op3: Operator[Any, Any],
    op4: Operator[Any, Any],
    op5: Operator[Any, Any],
    op6: Operator[Any, Any],
    op7: Operator[Any, Any],
    /,
    *ops: Operator[Any, Any],
) -> Generator[Any, None, None]: ...
def iterate(source: Source[Any], /, *ops: Operator[Any, Any]) -> Generator[Any, None, None]:
    """Run a pipeline from plain synchronous code, yielding its items one by one.

    For scripts, notebooks and doctests. The pipeline runs on a private asyncio
    event loop; leaving the ``for`` loop early (or closing the generator) closes
    the whole pipeline, source included.

    >>> for item in iterate(["a", "b", "c"]):
    ...     print(item)
    a
    b
    c
    """
    pipeline = pipe(source, *ops)
    fused = _fused_stages(pipeline)
    if fused is not None:
        yield from _iterate_fused(*fused)
        return
    runner: _SyncRunner[Any] = _SyncRunner(pipeline)
    try:
        yield from runner
    finally:
        runner.close()


def _fused_stages(
    pipeline: Stream[Any],
) -> tuple[Stream[Any], list[_ChunkStream[Any] | SnapshotStream[Any]]] | None:
    """The root and the stages (innermost first) of a pipeline that :func:`iterate` can
    run without an event loop: chunk and snapshot operators, not yet started, over a
    plain iterable whose closing (if any) is synchronous. ``None`` for any other."""
    stages: list[_ChunkStream[Any] | SnapshotStream[Any]] = []
    node = pipeline
    while isinstance(node, (_ChunkStream, SnapshotStream)):
        if node._closed:
            return None
        stages.append(node)
        node = node.upstream
    if not stages or node._sync is None or node._upstreams or node._closed:
        return None
    if any(hasattr(obj, "aclose") for obj in (node._source, node._sync)):
        return None
    stages.reverse()
    return node, stages


def _iterate_fused(
    root: Stream[Any], stages: list[_ChunkStream[Any] | SnapshotStream[Any]]
) -> Generator[Any, None, None]:
    """Run fused stages in plain generators: the same items and errors as the async
    drivers (:func:`_drive`, :func:`_run_snapshots`), without a loop round trip per item."""
    assert root._sync is not None
    items: Iterator[Any] = _sync_source(root)
    for stage in stages:
        stage._closed = True  # its async face is never started
        items = _drive_sync(items, stage.make_core, isinstance(stage, SnapshotStream))
    root._closed = True
    yield from items


def _sync_source(root: Stream[Any]) -> Generator[Any, None, None]:
    """The root's items; closing this closes the root's iterator and source."""
    assert root._sync is not None
    try:
        yield from root._sync
    finally:
        objs = [root._sync] if root._sync is root._source else [root._sync, root._source]
        for obj in objs:
            close = getattr(obj, "close", None)
            if close is not None:
                close()


def _drive_sync(
    upstream: Iterator[Any], make_core: Callable[[], Any], snapshots: bool
) -> Generator[Any, None, None]:
    """:func:`_drive` (or, with ``snapshots``, :func:`_run_snapshots`) as a plain
    generator over a plain iterator; closing it closes the upstream."""
    try:
        core = make_core()
        feed = core.feed
        failed: StreamopsError | None = None
        for chunk in upstream:
            try:
                out = feed(chunk)
            except StreamopsError as exc:
                failed = exc
                break
            except (TypeError, AttributeError) as exc:
                _check_chunk_type(core, chunk, exc)
                raise
            if out:
                if snapshots:
                    yield core.snapshot()
                else:
                    yield from out
        last, failed = _ending(core, failed)
        yield from last
        if failed is not None:
            raise failed
    finally:
        close = getattr(upstream, "close", None)
        if close is not None:
            close()


@overload
def drain(source: Source[A], /) -> list[A]: ...
@overload
def drain(source: Source[A], op1: Operator[A, B], /) -> list[B]: ...
@overload
def drain(source: Source[A], op1: Operator[A, B], op2: Operator[B, C], /) -> list[C]: ...
@overload
def drain(
    source: Source[A], op1: Operator[A, B], op2: Operator[B, C], op3: Operator[C, D], /
) -> list[D]: ...
@overload
def drain(
    source: Source[A],
    op1: Operator[A, B],
    op2: Operator[B, C],
    op3: Operator[C, D],
    op4: Operator[D, E],
    /,
) -> list[E]: ...
@overload
def drain(
    source: Source[A],
    op1: Operator[A, B],
    op2: Operator[B, C],
    op3: Operator[C, D],
    op4: Operator[D, E],
    op5: Operator[E, F],
    /,
) -> list[F]: ...
@overload
def drain(
    source: Source[A],
    op1: Operator[A, B],
    op2: Operator[B, C],
    op3: Operator[C, D],
    op4: Operator[D, E],
    op5: Operator[E, F],
    op6: Operator[F, G],
    /,
) -> list[G]: ...
@overload
def drain(
    source: Source[Any],
    op1: Operator[Any, Any],
    op2: Operator[Any, Any],
    op3: Operator[Any, Any],
    op4: Operator[Any, Any],
    op5: Operator[Any, Any],
    op6: Operator[Any, Any],
    op7: Operator[Any, Any],
    /,
    *ops: Operator[Any, Any],
) -> list[Any]: ...
def drain(source: Source[Any], /, *ops: Operator[Any, Any]) -> list[Any]:
    """Run a pipeline synchronously to the end and return every item in a list.

    >>> drain(["x", "y"])
    ['x', 'y']
    """
    return list(iterate(source, *ops))
