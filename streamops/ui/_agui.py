"""AG-UI events (the Agent-User Interaction protocol) out of provider events and models."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import Any

from pydantic import BaseModel

from .._core import Stream, operator
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
    error_code,
    error_text,
    json_text,
    jsonable,
    model_data,
    run,
)

__all__ = ["to_ag_ui"]

_NOTHING: Any = object()


def _escape(key: str | int) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _diff(old: Any, new: Any, pointer: str, ops: list[dict[str, Any]]) -> None:
    if old is new:
        return
    if old.__class__ is dict and new.__class__ is dict:
        ops.extend(
            {"op": "remove", "path": pointer + "/" + _escape(key)} for key in old if key not in new
        )
        for key, value in new.items():
            if key in old:
                _diff(old[key], value, pointer + "/" + _escape(key), ops)
            else:
                ops.append({"op": "add", "path": pointer + "/" + _escape(key), "value": value})
    elif old.__class__ is list and new.__class__ is list:
        common = min(len(old), len(new))
        for i in range(common):
            _diff(old[i], new[i], f"{pointer}/{i}", ops)
        ops.extend(
            {"op": "add", "path": f"{pointer}/{i}", "value": new[i]}
            for i in range(common, len(new))
        )
        ops.extend(
            {"op": "remove", "path": f"{pointer}/{i}"} for i in reversed(range(common, len(old)))
        )
    elif old.__class__ is not new.__class__ or old != new:
        ops.append({"op": "replace", "path": pointer, "value": new})


def state_delta(old: Any, new: Any) -> list[dict[str, Any]]:
    """The RFC 6902 patch (``add`` / ``replace`` / ``remove`` only) taking ``old`` to ``new``.

    Both are plain JSON data (the snapshots of one object being written). A
    string that grew is a ``replace`` of the string; a list that grew gets
    ``add`` at its new indexes. This one function is the seam for the
    patches ``json_patches()`` makes, once they are pure RFC 6902.

    >>> state_delta({"title": "Li", "tags": []}, {"title": "Lisbon", "tags": ["sea"]})
    [{'op': 'replace', 'path': '/title', 'value': 'Lisbon'},
     {'op': 'add', 'path': '/tags/0', 'value': 'sea'}]
    """
    ops: list[dict[str, Any]] = []
    _diff(old, new, "", ops)
    return ops


class _AGUICore(BlockCore):
    """Provider events, tool results and models in; AG-UI events out (plain dicts)."""

    what = "to_ag_ui()"

    __slots__ = (
        "last_reasoning",
        "last_text",
        "run_id",
        "state",
        "state_model",
        "thread_id",
        "usage",
    )

    def __init__(self, thread_id: str | None, run_id: str | None) -> None:
        super().__init__()
        self.thread_id = thread_id if thread_id is not None else f"thread-{uuid.uuid4().hex}"
        self.run_id = run_id if run_id is not None else f"run-{uuid.uuid4().hex}"
        self.last_text: str | None = None  # the assistant message tool calls belong to
        self.last_reasoning: str | None = None
        self.state: Any = _NOTHING  # the state the client holds
        self.state_model: type[Any] | None = None  # the model of the object being written
        self.usage: dict[str, Any] | None = None

    def new_id(self, kind: str) -> str:
        return f"{self.run_id}-{super().new_id(kind)}"

    # --- the run ------------------------------------------------------------------------

    def open(self) -> list[dict[str, Any]]:
        return [{"type": "RUN_STARTED", "threadId": self.thread_id, "runId": self.run_id}]

    def _end_run(self, outcome: str | None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if self.ended:  # after RUN_ERROR, nothing
            return out
        self.end_blocks(out)
        out.extend({"type": "TOOL_CALL_END", "toolCallId": id} for id in self.calls.values())
        self.calls.clear()
        event: dict[str, Any] = {
            "type": "RUN_FINISHED",
            "threadId": self.thread_id,
            "runId": self.run_id,
        }
        if outcome is not None:
            event["outcome"] = {"type": outcome}
        if self.usage is not None:
            event["usage"] = [self.usage]
        out.append(event)
        return out

    def close(self) -> list[dict[str, Any]]:
        return self._end_run(None)

    def abort(self) -> list[dict[str, Any]]:
        return self._end_run("cancelled")

    def fail(self, exc: BaseException) -> list[dict[str, Any]]:
        return [{"type": "RUN_ERROR", "message": error_text(exc), "code": error_code(exc)}]

    # --- blocks -------------------------------------------------------------------------

    def block_start(self, kind: str, id: str, out: list[dict[str, Any]]) -> None:
        if kind == "text":
            self.last_text = id
            out.append({"type": "TEXT_MESSAGE_START", "messageId": id, "role": "assistant"})
        else:
            self.last_reasoning = id
            out.append({"type": "REASONING_START", "messageId": id})
            out.append({"type": "REASONING_MESSAGE_START", "messageId": id, "role": "reasoning"})

    def block_delta(self, kind: str, id: str, text: str) -> dict[str, Any]:
        kind = "TEXT_MESSAGE_CONTENT" if kind == "text" else "REASONING_MESSAGE_CONTENT"
        return {"type": kind, "messageId": id, "delta": text}

    def block_end(self, kind: str, id: str, out: list[dict[str, Any]]) -> None:
        if kind == "text":
            out.append({"type": "TEXT_MESSAGE_END", "messageId": id})
        else:
            out.append({"type": "REASONING_MESSAGE_END", "messageId": id})
            out.append({"type": "REASONING_END", "messageId": id})

    # --- tool calls ---------------------------------------------------------------------

    def _start_call(self, id: str, name: str, out: list[dict[str, Any]]) -> None:
        event = {"type": "TOOL_CALL_START", "toolCallId": id, "toolCallName": name}
        if self.last_text is not None:
            event["parentMessageId"] = self.last_text
        out.append(event)

    def _whole_call(self, id: str, name: str, args: str, out: list[dict[str, Any]]) -> None:
        """A call the client has not seen start: start, arguments and end at once."""
        self.known.add(id)
        self._start_call(id, name, out)
        if args:
            out.append({"type": "TOOL_CALL_ARGS", "toolCallId": id, "delta": args})
        out.append({"type": "TOOL_CALL_END", "toolCallId": id})

    def _tool_result(self, id: str, content: Any, out: list[dict[str, Any]]) -> None:
        text = content if isinstance(content, str) else json_text(content)
        out.append(
            {
                "type": "TOOL_CALL_RESULT",
                "messageId": self.new_id("tool"),
                "toolCallId": id,
                "content": text,
                "role": "tool",
            }
        )

    def _call_started(self, event: ToolCallStarted, out: list[dict[str, Any]]) -> None:
        id = self.call_starts(event.choice, event.index, event.id, out)
        self._start_call(id, event.name, out)

    def _call_delta(self, event: ToolCallDelta, out: list[dict[str, Any]]) -> None:
        id = self.calls.get((event.choice, event.index))
        if id is not None:  # (a delta of a call never started: its done sends the whole text)
            out.append({"type": "TOOL_CALL_ARGS", "toolCallId": id, "delta": event.text})

    def _call_done(self, event: ToolCallDone, out: list[dict[str, Any]]) -> None:
        id, started = self.call_ends(event.choice, event.index, event.id, out)
        if started:
            out.append({"type": "TOOL_CALL_END", "toolCallId": id})
        else:
            self._whole_call(id, event.name, event.arguments, out)

    def _call_failed(self, event: ToolCallFailed, out: list[dict[str, Any]]) -> None:
        id, started = self.call_ends(event.choice, event.index, event.id, out)
        if started:
            out.append({"type": "TOOL_CALL_END", "toolCallId": id})
        else:
            self._whole_call(id, event.name, str(event.error.arguments or ""), out)
        self.failed[id] = event.error
        self._tool_result(id, {"error": error_text(event.error)}, out)

    def _result(self, result: ToolResult, out: list[dict[str, Any]]) -> None:
        id = self.result_sent(result.id, result.index, result.error)
        if id is None:
            return  # the call's failure was sent already, as its result
        if id not in self.known:
            self._whole_call(id, result.name, "", out)
        if result.error is None:
            self._tool_result(id, result.value, out)
        else:
            self._tool_result(id, {"error": error_text(result.error)}, out)

    def _server_result(self, event: ServerToolResult, out: list[dict[str, Any]]) -> None:
        id = event.id if event.id else self.new_id("server-tool")
        if id not in self.known:
            self._whole_call(id, event.type, "", out)
        self._tool_result(id, event.content, out)

    def _server_update(self, event: ServerToolUpdate, out: list[dict[str, Any]]) -> None:
        value = {"id": event.id, "type": event.type, "status": event.status}
        value["data"] = jsonable(event.data)
        out.append({"type": "CUSTOM", "name": "server_tool_update", "value": value})

    # --- the rest -----------------------------------------------------------------------

    def _redacted(self, event: RedactedReasoning, out: list[dict[str, Any]]) -> None:
        id = self.last_reasoning
        if id is None:  # opaque reasoning with no visible reasoning before it
            self.end_block(event.choice, out)
            id = self.new_id("reasoning")
            self.block_start("reasoning", id, out)
            self.block_end("reasoning", id, out)
        out.append(
            {
                "type": "REASONING_ENCRYPTED_VALUE",
                "subtype": "message",
                "entityId": id,
                "encryptedValue": event.data,
            }
        )

    def _citation(self, event: Citation, out: list[dict[str, Any]]) -> None:
        value = {"url": event.url, "title": event.title, "text": event.text}
        out.append({"type": "CUSTOM", "name": "source", "value": value})

    def _usage(self, event: Usage, out: list[dict[str, Any]]) -> None:
        usage = {
            "inputTokens": event.input_tokens,
            "outputTokens": event.output_tokens,
            "totalTokens": event.total_tokens,
            "reasoningTokens": event.reasoning_tokens,
        }
        self.usage = {key: value for key, value in usage.items() if value is not None}

    def _finished(self, event: Finished, out: list[dict[str, Any]]) -> None:
        self.end_block(event.choice, out)
        if not event.complete:
            out.append({"type": "RUN_ERROR", "message": INCOMPLETE, "code": "incomplete"})
            self.ended = True

    def _provider_error(self, event: ProviderError, out: list[dict[str, Any]]) -> None:
        message = event.message or (event.error_type or "") or "the provider reported an error"
        error: dict[str, Any] = {"type": "RUN_ERROR", "message": message}
        code = event.code if event.code is not None else event.error_type
        if code is not None:
            error["code"] = str(code)
        out.append(error)
        self.ended = True

    def model(self, item: BaseModel, out: list[dict[str, Any]]) -> None:
        model, data = model_data(item)
        if model is not self.state_model or self.state is _NOTHING:
            out.append({"type": "STATE_SNAPSHOT", "snapshot": data})
        else:
            delta = state_delta(self.state, data)
            if delta:
                out.append({"type": "STATE_DELTA", "delta": delta})
        final = not isinstance(item, Partial)
        self.state_model = None if final else model
        self.state = data


@operator
def _to_ag_ui(
    source: AsyncIterable[object], thread_id: str | None, run_id: str | None
) -> AsyncIterator[str]:
    return run(_AGUICore(thread_id, run_id), source, "to_ag_ui()")


def to_ag_ui(
    *, thread_id: str | None = None, run_id: str | None = None
) -> Callable[[AsyncIterable[object]], Stream[str]]:
    """Speak AG-UI (the Agent-User Interaction protocol): one SSE frame per event.

    Takes what :func:`to_ui_message_stream` takes (provider events, tool
    results, models and ``Partial[Model]`` snapshots, text) and yields
    ``data: {json}`` frames of AG-UI events with the protocol's camelCase
    fields: ``RUN_STARTED`` first, then one or more events per item, then
    ``RUN_FINISHED`` (with the token usage, when the provider reported it).
    Serve them with :func:`~streamops.sse_response`.

    ==============================  ==============================================
    item                            events
    ==============================  ==============================================
    ``TextDelta``, ``Refusal``, str ``TEXT_MESSAGE_START`` / ``CONTENT`` / ``END``
                                    (role ``assistant``)
    ``ReasoningDelta``              ``REASONING_START``, ``REASONING_MESSAGE_START``
                                    / ``CONTENT`` / ``END``, ``REASONING_END``
    ``RedactedReasoning``           ``REASONING_ENCRYPTED_VALUE``
    ``ToolCallStarted`` / ``Delta`` ``TOOL_CALL_START`` (``parentMessageId``: the
                                    text before it) / ``TOOL_CALL_ARGS``
    ``ToolCallDone``                ``TOOL_CALL_END``
    ``ToolCallFailed``              ``TOOL_CALL_END``, ``TOOL_CALL_RESULT`` ``{"error"}``
    ``ToolResult``                  ``TOOL_CALL_RESULT`` (the value as JSON text, a
                                    string as is; ``{"error": ...}`` for a failure)
    ``ServerToolResult``            ``TOOL_CALL_RESULT``
    ``Partial[M]``, ``M``           ``STATE_SNAPSHOT`` for a new object, then
                                    ``STATE_DELTA`` (RFC 6902: add/replace/remove)
    ``Citation``, ``ServerToolUpdate``  ``CUSTOM`` (``source``, ``server_tool_update``)
    ``Usage``                       the ``usage`` of ``RUN_FINISHED``
    ``ProviderError``, cut-off end  ``RUN_ERROR`` (the run ends there)
    ==============================  ==============================================

    Message ids start with the run id, so they stay unique across the runs
    of a thread.

    Args:
        thread_id: the conversation's id (``RunAgentInput.threadId``; default a
            fresh ``thread-<uuid>``).
        run_id: this run's id (``RunAgentInput.runId``; default ``run-<uuid>``).

    An exception from upstream ends the stream with ``RUN_ERROR`` (its message,
    and its type as ``code``; logged as one line); a cancellation raised
    inside the pipeline (a stop) ends it with ``RUN_FINISHED`` whose outcome
    is ``cancelled``. When the consumer itself is cancelled, nothing more is
    written and the upstream is closed.

    >>> from streamops import drain, pipe
    >>> from streamops.providers import TextDelta, Finished
    >>> frames = drain(pipe([TextDelta("Hi"), Finished("stop")],
    ...                     to_ag_ui(thread_id="t1", run_id="r1")))
    >>> print("".join(frames), end="")
    data: {"type":"RUN_STARTED","threadId":"t1","runId":"r1"}
    <BLANKLINE>
    data: {"type":"TEXT_MESSAGE_START","messageId":"r1-text-1","role":"assistant"}
    <BLANKLINE>
    data: {"type":"TEXT_MESSAGE_CONTENT","messageId":"r1-text-1","delta":"Hi"}
    <BLANKLINE>
    data: {"type":"TEXT_MESSAGE_END","messageId":"r1-text-1"}
    <BLANKLINE>
    data: {"type":"RUN_FINISHED","threadId":"t1","runId":"r1"}
    <BLANKLINE>

    Partial models become the run's state, then patches of it:

    >>> import json
    >>> from pydantic import BaseModel
    >>> from streamops import partial
    >>> class Answer(BaseModel):
    ...     title: str
    >>> frames = drain(pipe(['{"title": "Li', 'sbon"}'], partial(Answer), to_ag_ui()))
    >>> [json.loads(f[6:]) for f in frames if "STATE" in f]
    [{'type': 'STATE_SNAPSHOT', 'snapshot': {'title': 'Li'}},
     {'type': 'STATE_DELTA', 'delta': [{'op': 'replace', 'path': '/title', 'value': 'Lisbon'}]}]
    """
    return _to_ag_ui(thread_id, run_id)
