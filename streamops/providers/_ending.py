"""How ``events()`` and ``text()`` end: the usage report, the drain after an early stop,
and what ``text()`` raises for a stream that was cut or stopped for length."""

from __future__ import annotations

from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Sequence,
)
from typing import Any, Literal, TypeAlias, TypeVar

import anyio

from ..errors import IncompleteStreamError, RefusalError, TruncatedOutputError
from ._adapter import Provider, ProviderAdapter
from ._base import is_cut, is_length_stop
from ._events import Event, Finished, Usage

__all__ = ["OnStop", "Reading", "TextEnd"]

T = TypeVar("T")

OnStop: TypeAlias = Literal["close", "drain"]
"""What ``events()`` / ``text()`` do when their consumer stops before the end:
``"close"`` the body at once, or ``"drain"`` it (read on, yielding nothing) until
the usage or the end arrives, for at most ``drain_timeout`` seconds."""


class Reading:
    """One run of ``events()`` / ``text()``: the adapter, the usage seen, the stop rule.

    ``seen(batch)`` notes the usage in a batch of events (only when someone asked
    for it: ``on_usage`` or a drain); ``stopped(source)`` drains after an early
    stop; ``report()`` calls ``on_usage`` (once, whatever happened).
    """

    __slots__ = (
        "adapter",
        "drain_timeout",
        "on_stop",
        "on_usage",
        "reached_end",
        "reported",
        "track",
        "usage",
    )

    def __init__(
        self,
        provider: Provider,
        what: str,
        on_stop: OnStop,
        drain_timeout: float,
        on_usage: Callable[[Usage | None], object] | None,
    ) -> None:
        if on_stop not in ("close", "drain"):
            raise ValueError(f"on_stop must be 'close' or 'drain', not {on_stop!r}")
        if not drain_timeout >= 0:
            raise ValueError(f"drain_timeout must be 0 or more seconds, not {drain_timeout!r}")
        self.adapter = ProviderAdapter(provider, _what=what)
        self.on_stop = on_stop
        self.drain_timeout = drain_timeout
        self.on_usage = on_usage
        self.track = on_usage is not None or on_stop == "drain"
        self.usage: Usage | None = None
        self.reached_end = False  # the body was read to its end (or its terminal signal)
        self.reported = False

    def wrap(self, body: AsyncGenerator[T, None]) -> AsyncIterator[T]:
        """The body, made sure to report even when closed before it started."""
        return body if self.on_usage is None else _Reporting(body, self)

    def seen(self, batch: Sequence[Event]) -> None:
        for event in batch:
            if event.__class__ is Usage:
                self.usage = event

    def _settled(self) -> bool:
        """Whether the final usage is known or cannot come: ``[DONE]``, or the end with
        a usage (the providers report usage last, or with their end)."""
        adapter = self.adapter
        return adapter.done or (adapter.ended and self.usage is not None)

    async def stopped(self, source: AsyncIterable[Any]) -> None:
        """The consumer stopped early: with ``on_stop="drain"``, read the rest of the body
        (yielding nothing) until the usage or the end, within ``drain_timeout``.

        An error while draining ends the drain (the consumer has left; the usage then
        stays what it was). Cancellation is never caught here.
        """
        if self.on_stop != "drain" or self._settled():
            return
        adapter = self.adapter
        with anyio.move_on_after(self.drain_timeout):
            try:
                async for item in source:
                    self.seen(adapter.feed(item))
                    if self._settled():
                        self.reached_end = True
                        return
                self.seen(adapter.close())
                self.reached_end = True
            except Exception:  # the consumer is gone (see the docstring)
                return

    def report(self) -> None:
        """Call ``on_usage`` with the final usage: the last one reported if the stream
        reached its end (or its terminal signal), else ``None`` (unknown)."""
        if self.on_usage is not None and not self.reported:
            self.reported = True
            end = self.reached_end or self.adapter.ended
            self.on_usage(self.usage if end else None)


class _Reporting(AsyncIterator[T]):
    """An operator body whose ``aclose()`` reports the usage even if it never started
    (a generator that never started runs no ``finally``)."""

    __slots__ = ("_body", "_reading")

    def __init__(self, body: AsyncGenerator[T, None], reading: Reading) -> None:
        self._body = body
        self._reading = reading

    def __anext__(self) -> Awaitable[T]:
        return self._body.__anext__()

    async def aclose(self) -> None:
        try:
            await self._body.aclose()
        finally:
            self._reading.report()


class TextEnd:
    """What ``text()`` watches for its ``choice``: the text, the refusal, the finish.

    ``check(event)`` gives the text of an event to yield (or ``None``) and raises
    on an in-band error; ``end()`` raises what the end of the stream calls for.
    """

    __slots__ = ("allow_truncated", "choice", "cut", "finished", "received", "refusal")

    def __init__(self, choice: int, allow_truncated: bool) -> None:
        self.choice = choice
        self.allow_truncated = allow_truncated
        self.received: list[str] = []
        self.refusal: list[str] = []
        self.finished: Finished | None = None  # the last Finished of this choice
        self.cut = False  # a cut marker came (for any choice)

    def finish(self, event: Finished) -> None:
        if is_cut(event):
            self.cut = True
        if event.choice == self.choice:
            self.finished = event

    def end(self) -> None:
        """Raise, after all the text: the refusal; the cut; the length stop."""
        received = "".join(self.received)
        if self.refusal:
            raise RefusalError("".join(self.refusal), received=received)
        finished = self.finished
        if self.cut and (finished is None or is_cut(finished)):
            raise IncompleteStreamError(
                "the stream stopped before the provider's end (no finish reason, "
                "message_stop or response.completed ...): the connection was cut, and "
                f"the {len(received)} characters received are not the whole answer",
                received=received,
            )
        if not self.allow_truncated and is_length_stop(finished):
            assert finished is not None
            raise truncated(finished.reason, received)


def truncated(reason: str | None, received: str) -> TruncatedOutputError:
    """``text()``'s error for a length stop: positioned at the end of the text."""
    line = received.count("\n") + 1
    column = len(received) - (received.rfind("\n") + 1) + 1
    return TruncatedOutputError(
        "the answer text ends",
        finish_reason=reason,
        partial=received,
        offset=len(received),
        line=line,
        column=column,
        received=received,
    )
