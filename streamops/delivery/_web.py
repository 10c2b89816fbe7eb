"""Serving a resumable stream over HTTP: the SSE endpoint and the browser client."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from .._core import ENDED, TIMED_OUT, operator, pipe, pumping
from ..flow import _error_payload, _frame, sse_response
from ._publish import resume
from ._store import Frame, Store

if TYPE_CHECKING:
    from starlette.responses import StreamingResponse

__all__ = ["CLIENT_JS", "last_event_id", "resume_response"]

logger = logging.getLogger("streamops")

CLIENT_JS = Path(__file__).resolve().parent / "static" / "resume.js"
"""The browser client, a static ES module: serve it and ``import { follow } from ...``."""


def last_event_id(headers: Mapping[str, str], query: Mapping[str, str] | None = None) -> str | None:
    """The reader's position: the ``Last-Event-ID`` header (what ``EventSource``
    sends when it reconnects), else the ``last_event_id`` query parameter (what a
    page sends when it reconnects to another URL).

    >>> last_event_id({"last-event-id": "41"}), last_event_id({}, {"last_event_id": "7"})
    ('41', '7')
    """
    for name in ("last-event-id", "Last-Event-ID"):
        if name in headers:
            return headers[name]
    if query is not None and "last_event_id" in query:
        return query["last_event_id"]
    return None


@operator
async def _frames_to_sse(source: AsyncIterable[Frame], heartbeat: float) -> AsyncIterator[str]:
    yield "retry: 1000\n\n"
    try:
        async with pumping(source) as pump:
            while True:
                item = await pump.get(anyio.current_time() + heartbeat)
                if item is ENDED:
                    return
                if item is TIMED_OUT:
                    yield ": heartbeat\n\n"
                    continue
                yield item.sse()  # type: ignore[union-attr]
    except Exception as exc:
        logger.warning("resumed stream failed; sent an error frame", exc_info=exc)
        yield _frame(_error_payload(exc), event="error")


def resume_response(
    store: Store,
    stream_id: str,
    request: Any = None,
    *,
    last_event_id: int | str | None = None,
    block: float = 5.0,
    wait: float = 10.0,
    heartbeat: float = 15.0,
    headers: dict[str, str] | None = None,
) -> StreamingResponse:
    """A Starlette/FastAPI SSE response reading ``stream_id`` from the reader's
    position: ``Last-Event-ID`` from ``request`` (header, else the
    ``last_event_id`` query parameter), or ``last_event_id`` given directly.

    Frames keep their log ids, so any worker serves a reconnect. The response
    ends after the terminal frame (``event: done``, ``error``, ``cancelled`` or
    ``producer_lost``); a stream that does not exist (or expired) ends with an
    ``event: error`` frame of type ``StreamNotFoundError``. A client that goes
    away stops only its own reading: the producer goes on.

    Stop is not disconnect: a client that goes away (or a response cut off by
    a dying worker) stops this reader only; ``await store.cancel(stream_id)``
    stops the producer, and every reader then gets ``event: cancelled``.

    Raises:
        ValueError: the position is not a whole number (answer 400).

    A reader that already has frame 1:

    >>> from streamops import MemoryStore, drain, pipe, publish
    >>> store = MemoryStore()
    >>> _ = drain(pipe(["a", "b"], publish(store, "g")))
    >>> response = resume_response(store, "g", last_event_id=1)
    >>> print("".join(drain(response.body_iterator)), end="")
    retry: 1000
    <BLANKLINE>
    id: 2
    data: "b"
    <BLANKLINE>
    id: 3
    event: done
    data: {"count":2}
    <BLANKLINE>

    In FastAPI: ``return resume_response(store, id, request)``.
    """
    position = last_event_id
    if position is None and request is not None:
        query = getattr(request, "query_params", None)
        position = _last_event_id(request.headers, query)
    frames = resume(store, stream_id, position, block=block, wait=wait)
    return sse_response(pipe(frames, _frames_to_sse(heartbeat)), headers=headers)


_last_event_id = last_event_id
