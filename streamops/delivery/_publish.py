"""publish(), resume() and spawn(): a generation written once to a log, read by anyone."""

from __future__ import annotations

import functools
import logging
import math
import secrets
from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import Any, Literal

import anyio
import anyio.abc
import pydantic_core

from .._core import ENDED, TIMED_OUT, Gap, Stream, _shielded_close, guarded, pumping, stream
from ..errors import (
    LeaseLostError,
    StreamExistsError,
    StreamNotFoundError,
    StreamTooLargeError,
)
from ..flow import _encode, _error_payload
from ._store import Frame, Store

__all__ = ["publish", "resume", "spawn"]

logger = logging.getLogger("streamops")

# How long a store may stay unreachable (a Redis restart, a dropped
# connection) before a producer or a reader gives up, and the longest pause
# between retries.
RETRY_FOR = 30.0
_MAX_BACKOFF = 1.0


async def _retrying(call: Callable[[], Any], what: str, deadline: float) -> Any:
    """Await ``call()``, retrying on connection errors (``OSError``) until ``deadline``."""
    delay = 0.01
    while True:
        try:
            return await call()
        except OSError as exc:  # noqa: PERF203 - the retry loop
            if anyio.current_time() + delay > deadline:
                raise
            logger.warning("%s: store unreachable (%s); retrying", what, exc)
            await anyio.sleep(delay)
            delay = min(delay * 2, _MAX_BACKOFF)


class _Producer:
    """One producer's hold on one stream: the lease token and the write options."""

    def __init__(
        self,
        store: Store,
        stream_id: str,
        *,
        lease: float = 10.0,
        ttl: float = 3600.0,
        batch: float = 0.025,
        max_batch: int = 256,
        max_bytes: int = 16 * 1024 * 1024,
        encode: Callable[[Any], str] = _encode,
    ) -> None:
        if not lease > 0 or not ttl >= lease or not batch >= 0 or max_batch < 1:
            raise ValueError("need lease > 0, ttl >= lease, batch >= 0 and max_batch >= 1")
        if not batch < lease / 3:
            raise ValueError(f"batch ({batch} s) must be shorter than a third of the lease")
        self.store = store
        self.stream_id = stream_id
        self.lease = lease
        self.ttl = ttl
        self.batch = batch
        self.max_batch = max_batch
        self.max_bytes = max_bytes
        self.encode = encode
        # How often a quiet producer refreshes its lease and looks for a stop.
        self.poll = min(lease / 3, 1.0)
        self.token = secrets.token_hex(16)
        self.last = 0  # the last id in the log

    async def claim(self) -> str | None:
        store, sid = self.store, self.stream_id
        return await _retrying(  # type: ignore[no-any-return]
            lambda: store.claim(sid, self.token, lease=self.lease, ttl=self.ttl),
            f"claim {sid!r}",
            anyio.current_time() + RETRY_FOR,
        )

    async def _append(self, frames: list[Frame]) -> str:
        store, sid = self.store, self.stream_id
        result, last = await _retrying(
            lambda: store.append(
                sid, self.token, frames, lease=self.lease, ttl=self.ttl, max_bytes=self.max_bytes
            ),
            f"append to {sid!r}",
            anyio.current_time() + max(self.lease, RETRY_FOR),
        )
        self.last = last
        if result == "lost":
            raise LeaseLostError(
                f"producer of stream {sid!r} lost its lease; its writes are fenced off",
                stream_id=sid,
            )
        if result == "gap":  # pragma: no cover - only a store bug gets here
            raise LeaseLostError(f"stream {sid!r} log ends at {last}", stream_id=sid)
        return str(result)

    async def _finish(self, event: str, data: str) -> Frame | None:
        store, sid = self.store, self.stream_id
        with anyio.CancelScope(shield=True), anyio.move_on_after(max(self.lease, 5.0)):
            last = await _retrying(
                lambda: store.finish(sid, self.token, event, data, ttl=self.ttl),
                f"finish {sid!r}",
                anyio.current_time() + self.lease,
            )
            if last is not None:
                return Frame(last, data, event)
        return None

    async def run(self, upstream: Stream[Any]) -> AsyncIterator[Frame]:
        """Append the upstream's items, then the terminal frame; yield what was
        durably appended. The lease must be held (``claim()`` answered ``None``)."""
        pending: list[Frame] = []
        count = 0
        next_id = 1
        outcome: tuple[str, str] | None = None  # the terminal frame to write
        failure: BaseException | None = None
        received: list[Any] = []
        late: list[Frame] = []  # stored after the source failed
        try:
            async with pumping(upstream) as pump:
                refresh_at = anyio.current_time() + self.poll
                flush_at = math.inf
                while True:
                    item = await pump.get(min(flush_at, refresh_at))
                    if item is ENDED:
                        break
                    if item is not TIMED_OUT:
                        frame = Frame(
                            next_id, self.encode(item), "gap" if isinstance(item, Gap) else None
                        )
                        next_id += 1
                        count += 1
                        pending.append(frame)
                        if flush_at == math.inf:
                            flush_at = anyio.current_time() + self.batch
                    now = anyio.current_time()
                    if (pending and (now >= flush_at or len(pending) >= self.max_batch)) or (
                        now >= refresh_at
                    ):
                        batch, pending = pending, []
                        result = await self._append(batch)
                        refresh_at = anyio.current_time() + self.poll
                        flush_at = math.inf
                        if result == "too_large":
                            raise StreamTooLargeError(
                                f"stream {self.stream_id!r} passed its limit of "
                                f"{self.max_bytes} bytes at frame {self.last + 1}",
                                stream_id=self.stream_id,
                                limit=self.max_bytes,
                                received=received,
                            )
                        for done in batch:
                            yield done
                        received.extend(batch)
                        if result == "cancel":
                            outcome = ("cancelled", '{"reason":"stopped"}')
                            break
            if outcome is None:
                if pending:
                    batch, pending = pending, []
                    result = await self._append(batch)
                    if result == "too_large":
                        raise StreamTooLargeError(
                            f"stream {self.stream_id!r} passed its limit of "
                            f"{self.max_bytes} bytes at frame {self.last + 1}",
                            stream_id=self.stream_id,
                            limit=self.max_bytes,
                        )
                    for done in batch:
                        yield done
                    if result == "cancel":
                        outcome = ("cancelled", '{"reason":"stopped"}')
                if outcome is None:
                    outcome = ("done", pydantic_core.to_json({"count": count}).decode())
        except LeaseLostError:
            outcome = None
            raise
        except Exception as exc:
            failure = exc
            outcome = ("error", _error_payload(exc))
            logger.warning("stream %r failed after %d items", self.stream_id, count, exc_info=exc)
            if pending and not isinstance(exc, StreamTooLargeError):
                # The items before the source's error are stored before the error.
                late, pending = pending, []
                if await self._append(late) == "too_large":
                    late = [f for f in late if f.id <= self.last]
        except BaseException:
            # Cancelled (the app shuts down) or closed by its consumer: readers
            # must not wait for the lease to lapse.
            outcome = ("cancelled", '{"reason":"producer stopped"}')
            raise
        finally:
            # Close the model's stream before the log says how it ended.
            await _shielded_close(upstream)
            terminal = None if outcome is None else await self._finish(*outcome)
        for frame in late:
            yield frame
        if terminal is not None:
            yield terminal
        elif outcome is not None and failure is None:
            raise LeaseLostError(
                f"producer of stream {self.stream_id!r} lost its lease before it could "
                f"write {outcome[0]!r}; readers see producer_lost",
                stream_id=self.stream_id,
            )
        if failure is not None:
            raise failure


def publish(
    store: Store,
    stream_id: str,
    *,
    if_exists: Literal["error", "follow"] = "error",
    lease: float = 10.0,
    ttl: float = 3600.0,
    batch: float = 0.025,
    max_batch: int = 256,
    max_bytes: int = 16 * 1024 * 1024,
    encode: Callable[[Any], str] = _encode,
) -> Callable[[AsyncIterable[object]], Stream[Frame]]:
    """Write a pipeline's items to a resumable log, at the end of the pipeline.

    Claims ``stream_id`` (one producer wins), appends each item as a frame with
    ids 1, 2, 3 ... (the SSE ``id:``) in short batches, keeps its lease alive
    while the upstream is quiet, and ends the log with one terminal frame:
    ``done`` (data ``{"count": n}``), ``error`` (the error's type and message)
    or ``cancelled`` (an explicit stop: the upstream is closed first). It yields
    each frame once it is stored, the terminal frame last.

    Args:
        store: a :class:`MemoryStore` or :class:`RedisStore`.
        stream_id: the generation's id (any string).
        if_exists: ``"error"`` raises :class:`StreamExistsError` when the id is
            taken; ``"follow"`` reads the existing stream instead (``resume()``).
        lease: seconds a silent producer is still taken for alive; refreshed
            every third of it. Readers report ``producer_lost`` after it lapses.
        ttl: seconds every key lives after the last write (a finished stream
            stays replayable this long); keep the result in your database.
        batch: seconds a frame may wait to be batched with the next ones.
        max_batch: frames per round trip at most.
        max_bytes: the log's size limit; past it the stream fails with
            :class:`StreamTooLargeError` (never trimmed: that would break replay).
        encode: turns an item into the frame's data (default: JSON).

    Raises:
        StreamExistsError: the id is taken (and ``if_exists="error"``).
        LeaseLostError: the producer's lease lapsed; nothing more was written.
        StreamTooLargeError: the byte limit was passed (the log says ``error``).

    A source error is written as the ``error`` frame and then re-raised.

    >>> from streamops import MemoryStore, drain, pipe
    >>> store = MemoryStore()
    >>> [(f.id, f.data, f.event) for f in drain(pipe(["hi"], publish(store, "g1")))]
    [(1, '"hi"', None), (2, '{"count":1}', 'done')]
    """
    producer = _Producer(
        store,
        stream_id,
        lease=lease,
        ttl=ttl,
        batch=batch,
        max_batch=max_batch,
        max_bytes=max_bytes,
        encode=encode,
    )

    async def body(upstream: Stream[Any]) -> AsyncIterator[Frame]:
        status = await producer.claim()
        if status is not None:
            if if_exists == "error":
                raise StreamExistsError(stream_id, status=status)
            await upstream.aclose()
            async for frame in resume(store, stream_id):
                yield frame
            return
        async for frame in producer.run(upstream):
            yield frame

    def apply(source: AsyncIterable[Any]) -> Stream[Frame]:
        upstream = stream(source)
        return Stream._stage(guarded(body(upstream), upstream), upstream)

    apply.__name__ = apply.__qualname__ = "publish"
    return apply


async def spawn(
    task_group: anyio.abc.TaskGroup,
    store: Store,
    stream_id: str,
    source: AsyncIterable[Any],
    **options: Any,
) -> None:
    """Claim ``stream_id`` now, then publish ``source`` in ``task_group``, detached
    from the request that started it: a closed tab does not stop the
    generation; ``store.cancel(stream_id)`` does.

    The task group belongs to the application (FastAPI's lifespan, say). Raises
    :class:`StreamExistsError` at once when the id is taken, so the endpoint can
    answer 409. ``options`` are :func:`publish`'s. The producer's own failure is
    written to the log and logged on the ``streamops`` logger; it never tears
    down the task group.

    Start a generation, then read it (from any worker, any time):

    >>> import anyio
    >>> from streamops import MemoryStore, resume
    >>> async def main() -> list[tuple[int, str | None]]:
    ...     store = MemoryStore()
    ...     async with anyio.create_task_group() as tg:  # the app's, in real life
    ...         await spawn(tg, store, "g1", ["Hel", "lo"])
    ...         return [(f.id, f.event) async for f in resume(store, "g1")]
    >>> anyio.run(main)
    [(1, None), (2, None), (3, 'done')]
    """
    producer = _Producer(store, stream_id, **options)  # publish()'s options
    upstream = stream(source)
    status = await producer.claim()
    if status is not None:
        await upstream.aclose()
        raise StreamExistsError(stream_id, status=status)

    async def run() -> None:
        try:
            async for _ in producer.run(upstream):
                pass
        except Exception as exc:
            logger.warning("producer of stream %r ended with %r", stream_id, exc)

    task_group.start_soon(run, name=f"streamops publish {stream_id}")


def _position(last_event_id: int | str | None) -> int:
    if last_event_id is None or last_event_id == "":
        return 0
    if isinstance(last_event_id, int) and not isinstance(last_event_id, bool):
        value = last_event_id
    elif isinstance(last_event_id, str) and last_event_id.strip().isdigit():
        value = int(last_event_id.strip())
    else:
        raise ValueError(
            f"Last-Event-ID must be a frame id (a whole number), not {last_event_id!r}"
        )
    if value < 0:
        raise ValueError(f"Last-Event-ID must not be negative, not {value}")
    return value


async def _resume(
    store: Store, stream_id: str, after: int, block: float, wait: float
) -> AsyncIterator[Frame]:
    started = anyio.current_time()
    seen = False

    async def call(fn: Callable[[], Any]) -> Any:
        return await _retrying(fn, f"read {stream_id!r}", anyio.current_time() + RETRY_FOR)

    while True:
        read = functools.partial(store.read, stream_id, after, within=block)
        frames: list[Frame] = await call(read)
        for frame in frames:
            seen = True
            after = frame.id
            yield frame
            if frame.terminal:
                return
        if frames:
            continue
        state = await call(lambda: store.check(stream_id))
        if state is None:
            if seen or anyio.current_time() - started >= wait:
                what = "expired" if seen else "does not exist"
                raise StreamNotFoundError(
                    f"stream {stream_id!r} {what} (waited {wait:g} s for it to start)",
                    stream_id=stream_id,
                )
            continue
        seen = True
        status, last = state
        if status != "streaming" and after >= last:
            # The reader is past the terminal frame already: say again how it ended.
            read = functools.partial(store.read, stream_id, last - 1, within=0)
            tail: list[Frame] = await call(read)
            if tail and tail[-1].terminal:
                yield tail[-1]
                return


def resume(
    store: Store,
    stream_id: str,
    last_event_id: int | str | None = None,
    *,
    block: float = 5.0,
    wait: float = 10.0,
) -> Stream[Frame]:
    """Read a published stream from the frame after ``last_event_id``: the
    frames already stored, then the live tail, with no gap and no duplicate.

    Ends after the terminal frame (``done``, ``error``, ``cancelled``, or
    ``producer_lost`` when the producer's lease lapsed while it was streaming),
    which it yields. It never waits forever: every ``block`` seconds without a
    frame it checks the stream's status.

    Args:
        store: the store the producer publishes to.
        stream_id: the generation's id.
        last_event_id: the last frame id the reader has (the SSE
            ``Last-Event-ID``, an int or its text); ``None`` reads from the start.
        block: seconds one wait for new frames lasts before a status check.
        wait: seconds to wait for a stream that does not exist yet (a reader
            that arrives before its producer).

    Raises:
        StreamNotFoundError: no such stream within ``wait``, or it expired.
        ValueError: ``last_event_id`` is not a whole number.

    >>> from streamops import MemoryStore, drain, pipe, publish
    >>> store = MemoryStore()
    >>> _ = drain(pipe(["a", "b", "c"], publish(store, "g")))
    >>> [(f.id, f.data, f.event) for f in drain(resume(store, "g", "2"))]
    [(3, '"c"', None), (4, '{"count":3}', 'done')]
    """
    after = _position(last_event_id)
    if not block > 0 or not wait >= 0:
        raise ValueError("need block > 0 and wait >= 0")
    return Stream(_resume(store, stream_id, after, block, wait))
