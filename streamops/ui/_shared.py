"""What both UI protocols share: frames, JSON values, ids, the end of a stream."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import Any, Protocol

import anyio
import pydantic_core
from pydantic import BaseModel

from ..errors import StreamopsError
from ..models import Partial
from ..providers._events import (
    Citation,
    Finished,
    ProviderError,
    ReasoningDelta,
    ReasoningSignature,
    RedactedReasoning,
    Refusal,
    ServerToolResult,
    ServerToolUpdate,
    TextDelta,
    ToolCallDelta,
    ToolCallDone,
    ToolCallStarted,
    Unknown,
    Usage,
)
from ..tools import ToolCallFailed, ToolResult

logger = logging.getLogger("streamops")

_KEBAB = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def frame(payload: dict[str, Any]) -> str:
    """One SSE frame ``data: {json}`` (compact JSON never holds a line break)."""
    return "data: " + json_text(payload) + "\n\n"


def json_text(value: Any) -> str:
    """``value`` as compact JSON text (objects JSON cannot hold as their ``str``)."""
    return pydantic_core.to_json(value, by_alias=True, serialize_unknown=True).decode()


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data (models, dataclasses, dates ...; other objects as ``str``)."""
    return pydantic_core.to_jsonable_python(value, by_alias=True, serialize_unknown=True)


def model_data(item: BaseModel) -> tuple[type[BaseModel], Any]:
    """The model class an output belongs to, and its JSON data.

    A ``Partial[Model]`` snapshot holds only the fields that have started
    (``exclude_unset``): a field missing from the data has not arrived yet,
    while ``null`` is a null the model wrote.
    """
    if isinstance(item, Partial):
        origin = item.__partial_origin__
        return origin, item.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return type(item), item.model_dump(mode="json", by_alias=True)


def kebab(name: str) -> str:
    """``WeatherReport`` -> ``weather-report``; ``HTTPStatus`` -> ``http-status``."""
    return _KEBAB.sub("-", name).lower()


def call_id(id: str | None, index: int, choice: int = 0) -> str:
    """A tool call's id, made from its position when the provider gave none (Gemini)."""
    return id if id else f"call-{choice}-{index}"


def error_text(exc: BaseException) -> str:
    """The message a user sees for an error: the error's own words, or its type."""
    text = str(exc)
    return text if text else type(exc).__name__


def error_code(exc: BaseException) -> str:
    return type(exc).__name__


INCOMPLETE = (
    "the model's stream ended before its finish signal (the connection was cut): "
    "the answer is incomplete"
)


def unsupported(item: object, what: str) -> StreamopsError:
    """The error for an item neither protocol can carry."""
    return StreamopsError(
        f"{what} cannot send a {type(item).__name__} (it takes provider events, "
        "tool_calls() and run_tools() outputs, models and Partial[Model] snapshots, and text)",
        received=item,
    )


def cancelled_by_consumer() -> bool:
    """True when this task is being cancelled: the stream can no longer be written."""
    if anyio.current_effective_deadline() == -math.inf:
        return True
    try:
        import asyncio

        task = asyncio.current_task()
    except RuntimeError:  # not under asyncio
        return False
    cancelling = getattr(task, "cancelling", None)  # Python 3.11+
    return bool(cancelling()) if cancelling is not None else False


class Core(Protocol):
    """The sync core of a UI protocol: items in, protocol payloads out."""

    ended: bool

    def open(self) -> list[dict[str, Any]]: ...
    def feed(self, item: object) -> list[dict[str, Any]]: ...
    def close(self) -> list[dict[str, Any]]: ...
    def fail(self, exc: BaseException) -> list[dict[str, Any]]: ...
    def abort(self) -> list[dict[str, Any]]: ...


async def run(
    core: Core, source: AsyncIterable[object], what: str, last: str = ""
) -> AsyncIterator[str]:
    """Drive ``core`` over ``source`` and yield SSE frames, ``last`` after them.

    An exception from upstream (or from the core) becomes the protocol's error
    payload, logged as one line on the ``streamops`` logger, and ends the
    stream. A cancellation from upstream while this task is not being
    cancelled (a stop inside the pipeline) becomes the protocol's abort; the
    consumer's own cancellation propagates (nothing can be written then).
    """
    for payload in core.open():
        yield frame(payload)
    count = 0
    try:
        async for item in source:
            out = core.feed(item)
            for payload in out:
                yield frame(payload)
            count += 1
            if core.ended:
                break
        out = core.close()
    except anyio.get_cancelled_exc_class():
        if cancelled_by_consumer():
            raise
        out = core.abort()
    except Exception as exc:
        logger.warning("%s: the stream failed after %d items: %s", what, count, exc)
        out = core.fail(exc)
    for payload in out:
        yield frame(payload)
    if last:
        yield last


# The method of a core that handles each kind of item (exact types: one dict lookup).
HANDLERS: dict[type[Any], str] = {
    TextDelta: "_text",
    Refusal: "_text",
    ReasoningDelta: "_reasoning",
    ToolCallStarted: "_call_started",
    ToolCallDelta: "_call_delta",
    ToolCallDone: "_call_done",
    ToolCallFailed: "_call_failed",
    ToolResult: "_result",
    ServerToolResult: "_server_result",
    ServerToolUpdate: "_server_update",
    Citation: "_citation",
    Usage: "_usage",
    Finished: "_finished",
    ProviderError: "_provider_error",
    RedactedReasoning: "_redacted",
    ReasoningSignature: "_ignore",
    Unknown: "_ignore",
}


class BlockCore:
    """What both cores keep: the open text / reasoning block of each choice, and the tool
    calls seen. Subclasses say what a block's start, delta and end look like."""

    __slots__ = ("blocks", "calls", "counter", "ended", "failed", "handlers", "known")

    what = ""  # the operator's name, for errors

    def __init__(self) -> None:
        self.handlers: dict[type[Any], Callable[[Any, list[dict[str, Any]]], None]] = {
            kind: getattr(self, name) for kind, name in HANDLERS.items()
        }
        self.ended = False
        self.counter = 0
        self.blocks: dict[int, tuple[str, str]] = {}  # choice -> open (kind, id)
        self.calls: dict[tuple[int, int], str] = {}  # (choice, index) -> id, arguments streaming
        self.known: set[str] = set()  # tool call ids the client already knows
        self.failed: dict[str, BaseException] = {}  # id -> the failure already sent

    def feed(self, item: object) -> list[dict[str, Any]]:
        """The protocol's payloads for one item (``handlers`` by exact type, then models
        and text)."""
        out: list[dict[str, Any]] = []
        handler = self.handlers.get(item.__class__)
        if handler is not None:
            handler(item, out)
        elif isinstance(item, BaseModel):
            self.model(item, out)
        elif isinstance(item, str):
            if item:
                self._text(TextDelta(item), out)
        else:
            raise unsupported(item, self.what)
        return out

    def model(self, item: BaseModel, out: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def _text(self, event: TextDelta | Refusal, out: list[dict[str, Any]]) -> None:
        self.block("text", event.text, event.choice, out)

    def _reasoning(self, event: ReasoningDelta, out: list[dict[str, Any]]) -> None:
        self.block("reasoning", event.text, event.choice, out)

    def _ignore(self, event: object, out: list[dict[str, Any]]) -> None:
        """Reasoning signatures and unknown events are for the next request (see
        ``to_message``), not for the browser."""

    def new_id(self, kind: str) -> str:
        self.counter += 1
        return f"{kind}-{self.counter}"

    def block_start(self, kind: str, id: str, out: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def block_delta(self, kind: str, id: str, text: str) -> dict[str, Any]:
        raise NotImplementedError

    def block_end(self, kind: str, id: str, out: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def before_content(self, out: list[dict[str, Any]]) -> None:
        """Called before new model output (text, reasoning, a tool call) starts."""

    def end_block(self, choice: int, out: list[dict[str, Any]]) -> None:
        block = self.blocks.pop(choice, None)
        if block is not None:
            self.block_end(block[0], block[1], out)

    def end_blocks(self, out: list[dict[str, Any]]) -> None:
        for choice in list(self.blocks):
            self.end_block(choice, out)

    def block(self, kind: str, text: str, choice: int, out: list[dict[str, Any]]) -> None:
        block = self.blocks.get(choice)
        if block is None or block[0] != kind:
            self.before_content(out)
            self.end_block(choice, out)
            block = self.blocks[choice] = (kind, self.new_id(kind))
            self.block_start(kind, block[1], out)
        out.append(self.block_delta(kind, block[1], text))

    def call_starts(
        self, choice: int, index: int, id: str | None, out: list[dict[str, Any]]
    ) -> str:
        """A tool call's arguments start streaming: end the text before it; its id."""
        self.before_content(out)
        self.end_block(choice, out)
        cid = call_id(id, index, choice)
        self.calls[choice, index] = cid
        self.known.add(cid)
        return cid

    def call_ends(
        self, choice: int, index: int, id: str | None, out: list[dict[str, Any]]
    ) -> tuple[str, bool]:
        """A tool call is done or failed: its id, and whether its start was sent."""
        cid = self.calls.pop((choice, index), None)
        if cid is not None:
            return cid, True
        self.before_content(out)
        self.end_block(choice, out)
        cid = call_id(id, index, choice)
        self.known.add(cid)
        return cid, False

    def result_sent(self, id: str | None, index: int, error: BaseException | None) -> str | None:
        """The id a tool result goes to, or None when its failure was sent already."""
        cid = call_id(id, index)
        if error is not None and self.failed.get(cid) is error:
            return None
        return cid
