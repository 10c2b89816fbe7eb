"""Cohere v2 chat stream events (``/v2/chat`` with ``stream=true``) to provider events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ._base import AdapterBase, ToolCallState, error_event, int_or_none
from ._events import (
    Citation,
    Event,
    Finished,
    ReasoningDelta,
    TextDelta,
    ToolPlanDelta,
    Unknown,
    Usage,
)

__all__ = ["COHERE_TYPES", "CohereAdapter"]

COHERE_TYPES: Final = frozenset(
    {
        "message-start",
        "content-start",
        "content-delta",
        "content-end",
        "tool-plan-delta",
        "tool-call-start",
        "tool-call-delta",
        "tool-call-end",
        "citation-start",
        "citation-end",
        "message-end",
    }
)
"""The ``type`` of Cohere v2 chat stream events (also their SSE event names)."""

# Events that carry nothing the vocabulary does not already say by other events.
_QUIET: Final = frozenset({"message-start", "content-end", "citation-end"})


def _message(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    """``payload["delta"]["message"]``, or ``{}``."""
    delta = payload.get("delta")
    message = delta.get("message") if isinstance(delta, Mapping) else None
    return message if isinstance(message, Mapping) else {}


def _cohere_usage(usage: Mapping[str, Any], raw: Any) -> Usage:
    tokens = usage.get("tokens")
    if not isinstance(tokens, Mapping):
        tokens = usage.get("billed_units")
    if not isinstance(tokens, Mapping):
        tokens = {}
    prompt = int_or_none(tokens.get("input_tokens"))
    output = int_or_none(tokens.get("output_tokens"))
    total = prompt + output if prompt is not None and output is not None else None
    return Usage(
        prompt, output, total, int_or_none(tokens.get("reasoning_tokens")), dict(usage), raw
    )


def _citation(citation: Mapping[str, Any], raw: Any) -> Citation:
    url = title = None
    sources = citation.get("sources")
    for source in sources if isinstance(sources, list) else ():
        document = source.get("document") if isinstance(source, Mapping) else None
        if isinstance(document, Mapping):
            url = document.get("url")
            title = document.get("title")
            break
    text = citation.get("text")
    return Citation(
        url if isinstance(url, str) else None,
        title if isinstance(title, str) else None,
        text if isinstance(text, str) else None,
        data=citation,
        raw=raw,
    )


class CohereAdapter(AdapterBase):
    """Cohere v2 chat stream events (over SSE or NDJSON) to provider events.

    ``content-delta`` gives text, or reasoning for ``thinking`` content;
    ``tool-plan-delta`` gives :class:`ToolPlanDelta` (the plan the model states
    before its tool calls, which the next turn sends back as ``tool_plan``);
    ``tool-call-start`` / ``tool-call-delta`` / ``tool-call-end`` give
    ``ToolCallStarted`` / ``ToolCallDelta`` / ``ToolCallDone`` (``index`` is
    Cohere's, ``id`` the call's); ``citation-start`` gives a ``Citation``
    (``text`` is the span of the answer it supports, ``title`` and ``url`` those
    of the first document source, ``data`` Cohere's citation object);
    ``message-end`` gives ``Usage`` (``tokens``, else ``billed_units``: the
    whole usage object in ``details``) and ``Finished(finish_reason)``
    (``"COMPLETE"``, ``"MAX_TOKENS"``, ``"TOOL_CALL"`` ...). A call still open
    then is finished with ``complete=False``. ``message-start``,
    ``content-end`` and ``citation-end`` say nothing new; an ``error`` gives a
    ``ProviderError``; any other type is passed on as ``Unknown``.

    >>> a = CohereAdapter()
    >>> a.feed({"type": "tool-plan-delta", "delta": {"message": {"tool_plan": "I will"}}})
    [ToolPlanDelta(text='I will', choice=0)]
    >>> a.feed({"type": "tool-call-start", "index": 0, "delta": {"message": {"tool_calls": {
    ...     "id": "f_1", "type": "function", "function": {"name": "f", "arguments": ""}}}}})
    [ToolCallStarted(index=0, id='f_1', name='f', choice=0, server=False)]
    >>> a.feed({"type": "tool-call-delta", "index": 0, "delta": {"message": {"tool_calls": {
    ...     "function": {"arguments": '{"x": 1}'}}}}})
    [ToolCallDelta(index=0, text='{"x": 1}', choice=0, partial_args=None, id='f_1', name='f')]
    >>> a.feed({"type": "tool-call-end", "index": 0})
    [ToolCallDone(index=0, id='f_1', name='f', arguments='{"x": 1}', parsed={'x': 1},
                  choice=0, server=False, complete=True)]
    """

    __slots__ = ("_calls", "_kinds")

    def __init__(self) -> None:
        super().__init__()
        self._calls: dict[int, ToolCallState] = {}
        self._kinds: dict[int, str] = {}  # content index -> "text" / "thinking"

    def _payload(self, payload: Mapping[str, Any], event: str | None, raw: Any) -> list[Event]:
        kind = payload.get("type") or event
        out: list[Event] = []
        if kind == "content-delta" or kind == "content-start":
            content = _message(payload).get("content")
            if isinstance(content, Mapping):
                self._content(payload.get("index"), content, raw, out)
        elif kind == "tool-plan-delta":
            plan = _message(payload).get("tool_plan")
            if plan and isinstance(plan, str):
                out.append(ToolPlanDelta(plan, raw=raw))
        elif kind == "tool-call-start" or kind == "tool-call-delta":
            self._tool_call(kind, payload, raw, out)
        elif kind == "tool-call-end":
            call = self._calls.pop(payload["index"], None)
            if call is not None:
                out.append(call.finish(raw))
        elif kind == "citation-start":
            citation = _message(payload).get("citations")
            if isinstance(citation, Mapping):
                out.append(_citation(citation, raw))
        elif kind == "message-end":
            delta = payload.get("delta")
            delta = delta if isinstance(delta, Mapping) else {}
            self._end_calls(raw, out)
            usage = delta.get("usage")
            if isinstance(usage, Mapping):
                out.append(_cohere_usage(usage, raw))
            reason = delta.get("finish_reason")
            out.append(Finished(reason if isinstance(reason, str) else None, raw=raw))
            self.ended = True
        elif kind == "error" or "error" in payload:
            error = payload.get("error")
            out.append(error_event(error if error else payload, raw))
        elif kind not in _QUIET:
            out.append(Unknown(str(kind), payload, raw))
        return out

    def _content(self, index: Any, content: Mapping[str, Any], raw: Any, out: list[Event]) -> None:
        kind = content.get("type")
        if isinstance(kind, str) and isinstance(index, int):
            self._kinds[index] = kind
        thinking = content.get("thinking")
        if thinking and isinstance(thinking, str):
            out.append(ReasoningDelta(thinking, raw=raw))
        text = content.get("text")
        if text and isinstance(text, str):
            if self._kinds.get(index) == "thinking":  # (text under a thinking block)
                out.append(ReasoningDelta(text, raw=raw))
            else:
                out.append(TextDelta(text, raw=raw))

    def _tool_call(self, kind: str, payload: Mapping[str, Any], raw: Any, out: list[Event]) -> None:
        index = payload["index"]
        call = _message(payload).get("tool_calls")
        if not isinstance(call, Mapping):
            return
        function = call.get("function")
        function = function if isinstance(function, Mapping) else {}
        state = self._calls.get(index)
        if kind == "tool-call-start" or state is None:
            if state is not None:  # a new call at the index of one never ended
                out.append(state.finish(raw, complete=False))
            call_id = call.get("id")
            name = function.get("name")
            state = self._calls[index] = ToolCallState(
                int(index),
                call_id if isinstance(call_id, str) else None,
                name if isinstance(name, str) else "",
            )
            out.append(state.started(raw))
        arguments = function.get("arguments")
        if arguments and isinstance(arguments, str):
            out.append(state.delta(arguments, raw))

    def _end_calls(self, raw: Any, out: list[Event]) -> None:
        out.extend(self._calls[index].finish(raw, complete=False) for index in sorted(self._calls))
        self._calls.clear()

    def close(self) -> list[Event]:
        """End of stream: calls left open, with ``complete=False``."""
        out: list[Event] = []
        self._end_calls(None, out)
        self.closed = True
        return out
