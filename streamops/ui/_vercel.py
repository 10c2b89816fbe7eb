"""The Vercel AI SDK's UI message stream protocol (v1), out of provider events and models."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from .._core import Stream, operator
from ..flow import _closing_response_class
from ..models import Partial
from ..providers._events import (
    Citation,
    Finished,
    ProviderError,
    RedactedReasoning,
    ServerToolResult,
    ServerToolUpdate,
    ToolCallDelta,
    ToolCallDone,
    ToolCallStarted,
    Usage,
)
from ..tools import ToolCallFailed, ToolResult
from ._shared import (
    INCOMPLETE,
    BlockCore,
    error_text,
    jsonable,
    kebab,
    model_data,
    run,
)

if TYPE_CHECKING:
    from starlette.responses import StreamingResponse

__all__ = [
    "UI_MESSAGE_STREAM_HEADERS",
    "finish_reason",
    "to_ui_message_stream",
    "ui_message_stream_response",
]

UI_MESSAGE_STREAM_HEADERS: dict[str, str] = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    "Connection": "keep-alive",
    "X-Vercel-AI-UI-Message-Stream": "v1",
    "X-Accel-Buffering": "no",
}
"""Response headers of a UI message stream: the protocol marker, SSE, no caching or buffering."""

DONE = "data: [DONE]\n\n"

# The providers' finish reasons, lower-cased, in the AI SDK's words.
_REASONS = {
    "stop": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "completed": "stop",
    "finish_reason_stop": "stop",
    "length": "length",
    "max_tokens": "length",
    "incomplete": "length",
    "model_context_window_exceeded": "length",
    "tool_calls": "tool-calls",
    "tool_use": "tool-calls",
    "function_call": "tool-calls",
    "content_filter": "content-filter",
    "refusal": "content-filter",
    "safety": "content-filter",
    "recitation": "content-filter",
    "blocklist": "content-filter",
    "prohibited_content": "content-filter",
    "spii": "content-filter",
    "image_safety": "content-filter",
    "language": "content-filter",
    "failed": "error",
    "error": "error",
    "malformed_function_call": "error",
    "unexpected_tool_call": "error",
}


def finish_reason(reason: str | None) -> str | None:
    """The AI SDK's finish reason for a provider's own word.

    ``stop``, ``length``, ``content-filter``, ``tool-calls``, ``error``, or
    ``other`` for a word it does not know; ``None`` (the SDK's "unknown") when
    the provider gave no reason.

    >>> finish_reason("end_turn"), finish_reason("MAX_TOKENS"), finish_reason("pause_turn")
    ('stop', 'length', 'other')
    """
    if reason is None:
        return None
    return _REASONS.get(reason.lower(), "other")


class _UIMessageCore(BlockCore):
    """Provider events, tool results and models in; UI message chunks out (plain dicts)."""

    what = "to_ui_message_stream()"

    __slots__ = (
        "data_ids",
        "data_name",
        "message_id",
        "names",
        "reason",
        "sources",
        "step_done",
    )

    def __init__(self, message_id: str | None, data_name: str | None) -> None:
        super().__init__()
        self.message_id = message_id if message_id is not None else f"msg-{uuid.uuid4().hex}"
        self.data_name = data_name
        self.sources: set[str] = set()
        self.data_ids: dict[type[Any], str] = {}  # model -> id of the object being written
        self.names: dict[str, str] = {}  # tool call id -> tool name
        self.reason: str | None = None
        self.step_done = False

    # --- the stream's frame -------------------------------------------------------------

    def open(self) -> list[dict[str, Any]]:
        return [{"type": "start", "messageId": self.message_id}, {"type": "start-step"}]

    def close(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        self.end_blocks(out)
        for id in self.calls.values():  # calls whose arguments never finished
            name = self.names[id]
            out.append(
                self._input_error(id, name, None, f"the arguments of tool call {id!r} were cut off")
            )
        self.calls.clear()
        out.append({"type": "finish-step"})
        reason = finish_reason(self.reason)
        out.append(
            {"type": "finish"} if reason is None else {"type": "finish", "finishReason": reason}
        )
        return out

    def fail(self, exc: BaseException) -> list[dict[str, Any]]:
        return [{"type": "error", "errorText": error_text(exc)}]

    def abort(self) -> list[dict[str, Any]]:
        return [{"type": "abort"}]

    # --- blocks and steps ---------------------------------------------------------------

    def block_start(self, kind: str, id: str, out: list[dict[str, Any]]) -> None:
        out.append({"type": kind + "-start", "id": id})

    def block_delta(self, kind: str, id: str, text: str) -> dict[str, Any]:
        return {"type": kind + "-delta", "id": id, "delta": text}

    def block_end(self, kind: str, id: str, out: list[dict[str, Any]]) -> None:
        out.append({"type": kind + "-end", "id": id})

    def before_content(self, out: list[dict[str, Any]]) -> None:
        """New model output after a finish: a new step (the next model call of a loop)."""
        if self.step_done:
            self.step_done = False
            self.end_blocks(out)
            out.append({"type": "finish-step"})
            out.append({"type": "start-step"})

    def _tool_part(self, id: str, name: str, out: list[dict[str, Any]], server: bool) -> None:
        """Make sure the message has a part for the call before an output refers to it."""
        if id not in self.known:
            self.known.add(id)
            chunk: dict[str, Any] = {"type": "tool-input-available", "toolCallId": id}
            chunk["toolName"] = name
            chunk["input"] = None
            if server:
                chunk["providerExecuted"] = True
            out.append(chunk)

    def _input_error(self, id: str, name: str, input: Any, text: str) -> dict[str, Any]:
        return {
            "type": "tool-input-error",
            "toolCallId": id,
            "toolName": name,
            "input": input,
            "errorText": text,
        }

    # --- handlers -----------------------------------------------------------------------

    def _call_started(self, event: ToolCallStarted, out: list[dict[str, Any]]) -> None:
        id = self.call_starts(event.choice, event.index, event.id, out)
        self.names[id] = event.name
        chunk: dict[str, Any] = {
            "type": "tool-input-start",
            "toolCallId": id,
            "toolName": event.name,
        }
        if event.server:
            chunk["providerExecuted"] = True
        out.append(chunk)

    def _call_delta(self, event: ToolCallDelta, out: list[dict[str, Any]]) -> None:
        id = self.calls.get((event.choice, event.index))
        if id is not None:  # (a delta of a call never started cannot be shown; its done can)
            out.append({"type": "tool-input-delta", "toolCallId": id, "inputTextDelta": event.text})

    def _call_done(self, event: ToolCallDone, out: list[dict[str, Any]]) -> None:
        id, _ = self.call_ends(event.choice, event.index, event.id, out)
        if event.complete and event.parsed is not None:
            chunk: dict[str, Any] = {"type": "tool-input-available", "toolCallId": id}
            chunk["toolName"] = event.name
            chunk["input"] = jsonable(event.parsed)
        else:
            problem = "were cut off" if not event.complete else "are not valid JSON"
            text = f"the arguments of tool call {id!r} {problem}"
            chunk = self._input_error(id, event.name, event.arguments, text)
        if event.server:
            chunk["providerExecuted"] = True
        out.append(chunk)

    def _call_failed(self, event: ToolCallFailed, out: list[dict[str, Any]]) -> None:
        id, _ = self.call_ends(event.choice, event.index, event.id, out)
        self.failed[id] = event.error
        error = event.error
        out.append(self._input_error(id, event.name, error.arguments, error_text(error)))

    def _result(self, result: ToolResult, out: list[dict[str, Any]]) -> None:
        id = self.result_sent(result.id, result.index, result.error)
        if id is None:
            return  # the call's failure was sent already, as its tool-input-error
        self._tool_part(id, result.name, out, server=False)
        if result.error is None:
            out.append(
                {
                    "type": "tool-output-available",
                    "toolCallId": id,
                    "output": jsonable(result.value),
                }
            )
        else:
            out.append(
                {
                    "type": "tool-output-error",
                    "toolCallId": id,
                    "errorText": error_text(result.error),
                }
            )

    def _server_result(self, event: ServerToolResult, out: list[dict[str, Any]]) -> None:
        id = event.id if event.id else self.new_id("server-tool")
        self._tool_part(id, event.type, out, server=True)
        out.append(
            {
                "type": "tool-output-available",
                "toolCallId": id,
                "output": jsonable(event.content),
                "providerExecuted": True,
            }
        )

    def _server_update(self, event: ServerToolUpdate, out: list[dict[str, Any]]) -> None:
        if event.id is None:
            return  # progress of no call in particular: nothing to attach it to
        self._tool_part(event.id, event.type, out, server=True)
        out.append(
            {
                "type": "tool-output-available",
                "toolCallId": event.id,
                "output": {"status": event.status, "data": jsonable(event.data)},
                "providerExecuted": True,
                "preliminary": True,
            }
        )

    def _redacted(self, event: RedactedReasoning, out: list[dict[str, Any]]) -> None:
        """Redacted reasoning is for the next request, not the browser."""

    def _citation(self, event: Citation, out: list[dict[str, Any]]) -> None:
        key = event.url or event.title or event.text or ""
        if key in self.sources:
            return  # the same source cited again
        self.sources.add(key)
        source_id = self.new_id("source")
        if event.url:
            chunk: dict[str, Any] = {"type": "source-url", "sourceId": source_id, "url": event.url}
            if event.title:
                chunk["title"] = event.title
        else:
            chunk = {
                "type": "source-document",
                "sourceId": source_id,
                "mediaType": "text/plain",
                "title": event.title or event.text or "document",
            }
        out.append(chunk)

    def _usage(self, event: Usage, out: list[dict[str, Any]]) -> None:
        data = {
            "inputTokens": event.input_tokens,
            "outputTokens": event.output_tokens,
            "totalTokens": event.total_tokens,
            "reasoningTokens": event.reasoning_tokens,
        }
        out.append({"type": "data-usage", "data": data, "transient": True})

    def _finished(self, event: Finished, out: list[dict[str, Any]]) -> None:
        self.end_block(event.choice, out)
        if event.choice == 0 or self.reason is None:
            self.reason = event.reason
        self.step_done = True
        if not event.complete:
            out.append({"type": "error", "errorText": INCOMPLETE})

    def _provider_error(self, event: ProviderError, out: list[dict[str, Any]]) -> None:
        text = event.message or (event.error_type or "") or "the provider reported an error"
        out.append({"type": "error", "errorText": text})

    def model(self, item: BaseModel, out: list[dict[str, Any]]) -> None:
        model, data = model_data(item)
        final = not isinstance(item, Partial)
        id = self.data_ids.get(model)
        if id is None:
            id = self.new_id("data")
            if not final:
                self.data_ids[model] = id
        elif final:
            del self.data_ids[model]
        name = self.data_name or kebab(model.__name__)
        out.append({"type": "data-" + name, "id": id, "data": data})


@operator
def _to_ui_message_stream(
    source: AsyncIterable[object], message_id: str | None, data_name: str | None
) -> AsyncIterator[str]:
    return run(_UIMessageCore(message_id, data_name), source, "to_ui_message_stream()", DONE)


def to_ui_message_stream(
    *, message_id: str | None = None, data_name: str | None = None
) -> Callable[[AsyncIterable[object]], Stream[str]]:
    """Speak the Vercel AI SDK's UI message stream protocol (v1): SSE frames for ``useChat``.

    Takes provider events (``events()``, ``tool_calls()``), tool results
    (``run_tools()``), models and ``Partial[Model]`` snapshots (``partial()``,
    ``items()``) and plain text (``text()``), in any mix, and yields the
    frames of one assistant message: ``start`` (``messageId``) and
    ``start-step`` first, then one chunk per item, then ``finish-step``,
    ``finish`` (with the finish reason in the SDK's words, see
    :func:`finish_reason`) and ``data: [DONE]``. Send them with
    :func:`ui_message_stream_response` (or any response with
    :data:`UI_MESSAGE_STREAM_HEADERS`).

    ==============================  ==============================================
    item                            chunks
    ==============================  ==============================================
    ``TextDelta``, ``Refusal``, str ``text-start`` / ``text-delta`` / ``text-end``
    ``ReasoningDelta``              ``reasoning-start`` / ``-delta`` / ``-end``
    ``ToolCallStarted`` / ``Delta`` ``tool-input-start`` / ``tool-input-delta``
    ``ToolCallDone``                ``tool-input-available`` (``tool-input-error``
                                    when cut off or not JSON)
    ``ToolCallFailed``              ``tool-input-error``
    ``ToolResult``                  ``tool-output-available`` / ``tool-output-error``
    ``ServerToolResult`` / Update   ``tool-output-available`` (``providerExecuted``;
                                    updates are ``preliminary``)
    ``Citation``                    ``source-url`` (``source-document`` without a URL)
    ``Partial[M]``, ``M``           ``data-<m>``: one ``id`` per object, so each
                                    snapshot replaces the one before
    ``Usage``                       ``data-usage``, ``transient``
    ``Finished``                    the ``finish`` reason; content after it opens a
                                    new step; a cut-off stream adds an ``error``
    ``ProviderError``               ``error``
    ==============================  ==============================================

    Reasoning signatures, redacted reasoning and ``Unknown`` events are not
    sent (they belong in the next request, not the browser). A text or
    reasoning part ends when other output of its choice starts.

    Args:
        message_id: the message's id (default: a fresh ``msg-<uuid>``).
        data_name: the ``<name>`` of ``data-<name>`` parts (default: the model's
            class name in kebab case, ``WeatherReport`` -> ``weather-report``).

    An exception from upstream ends the stream with an ``error`` chunk (its
    message, logged as one line) and ``[DONE]``; a cancellation raised inside
    the pipeline (a stop) ends it with ``abort``. When the consumer itself is
    cancelled (the client went away), nothing more is written and the
    upstream is closed.

    >>> from streamops import drain, pipe
    >>> from streamops.providers import TextDelta, Finished
    >>> frames = drain(pipe([TextDelta("Hi"), Finished("stop")],
    ...                     to_ui_message_stream(message_id="m1")))
    >>> print("".join(frames), end="")
    data: {"type":"start","messageId":"m1"}
    <BLANKLINE>
    data: {"type":"start-step"}
    <BLANKLINE>
    data: {"type":"text-start","id":"text-1"}
    <BLANKLINE>
    data: {"type":"text-delta","id":"text-1","delta":"Hi"}
    <BLANKLINE>
    data: {"type":"text-end","id":"text-1"}
    <BLANKLINE>
    data: {"type":"finish-step"}
    <BLANKLINE>
    data: {"type":"finish","finishReason":"stop"}
    <BLANKLINE>
    data: [DONE]
    <BLANKLINE>

    Partial models become one data part, replaced as it grows:

    >>> import json
    >>> from pydantic import BaseModel
    >>> from streamops import partial
    >>> class Answer(BaseModel):
    ...     title: str
    >>> frames = drain(pipe(['{"title": "Li', 'sbon"}'], partial(Answer),
    ...                     to_ui_message_stream()))
    >>> [json.loads(f[6:]) for f in frames if '"data-' in f]
    [{'type': 'data-answer', 'id': 'data-1', 'data': {'title': 'Li'}},
     {'type': 'data-answer', 'id': 'data-1', 'data': {'title': 'Lisbon'}}]
    """
    return _to_ui_message_stream(message_id, data_name)


def ui_message_stream_response(
    frames: AsyncIterable[str], *, status_code: int = 200, headers: dict[str, str] | None = None
) -> StreamingResponse:
    """A Starlette/FastAPI response streaming a UI message stream, with its headers.

    ``frames`` is ``pipe(..., to_ui_message_stream())``. As with
    :func:`~streamops.sse_response`, the response closes ``frames`` (and the
    model's stream behind it) however the exchange ends, the client leaving
    included. Needs ``starlette`` (installed with FastAPI).

    >>> from streamops import pipe
    >>> response = ui_message_stream_response(pipe(["Hi"], to_ui_message_stream()))
    >>> response.headers["x-vercel-ai-ui-message-stream"], response.media_type
    ('v1', 'text/event-stream')
    """
    return _closing_response_class()(
        frames,
        status_code=status_code,
        headers={**UI_MESSAGE_STREAM_HEADERS, **(headers or {})},
        media_type="text/event-stream",
    )
