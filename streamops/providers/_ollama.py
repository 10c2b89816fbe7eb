"""Ollama's native ``/api/chat`` and ``/api/generate`` stream lines to provider events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ._base import AdapterBase, ToolCallState, error_event, int_or_none
from ._events import Event, Finished, ReasoningDelta, TextDelta, Unknown, Usage
from ._gemini import _compact

__all__ = ["OllamaAdapter"]

# What goes in Usage.details: the timings (nanoseconds) and token counts of the last line.
_USAGE_KEYS: Final = (
    "total_duration",
    "load_duration",
    "prompt_eval_count",
    "prompt_eval_duration",
    "eval_count",
    "eval_duration",
)


def _ollama_usage(payload: Mapping[str, Any], raw: Any) -> Usage:
    prompt = int_or_none(payload.get("prompt_eval_count"))
    output = int_or_none(payload.get("eval_count"))
    total = prompt + output if prompt is not None and output is not None else None
    details = {key: payload[key] for key in _USAGE_KEYS if key in payload}
    return Usage(prompt, output, total, None, details, raw)


class OllamaAdapter(AdapterBase):
    """Ollama's native API stream (one JSON object per NDJSON line) to provider events.

    ``/api/chat`` lines carry a ``message``: its ``content`` gives text, its
    ``thinking`` reasoning, its ``tool_calls`` whole tool calls (Ollama sends
    each call complete, with its arguments as a JSON object): each gives
    ``ToolCallStarted``, one ``ToolCallDelta`` with the compact JSON of the
    arguments, and ``ToolCallDone``. ``index`` counts the calls of the stream
    in order; ``id`` is the call's ``id`` where Ollama sends one, else ``None``.
    ``/api/generate`` lines carry ``response`` (text) and ``thinking``.
    The last line (``"done": true``) gives ``Usage`` (``prompt_eval_count`` in,
    ``eval_count`` out; the durations, in nanoseconds, and the counts in
    ``details``) and ``Finished(done_reason)``. An ``{"error": "..."}`` line
    gives a ``ProviderError``; a line of none of these kinds an ``Unknown``
    (``type="ollama"``).

    >>> a = OllamaAdapter()
    >>> a.feed({"model": "qwen3", "created_at": "2025-01-01T00:00:00Z", "message": {
    ...     "role": "assistant", "content": "",
    ...     "tool_calls": [{"function": {"name": "f", "arguments": {"x": 1}}}]}, "done": False})
    [ToolCallStarted(index=0, id=None, name='f', choice=0, server=False),
     ToolCallDelta(index=0, text='{"x":1}', choice=0, partial_args=None, id=None,
                   name='f'),
     ToolCallDone(index=0, id=None, name='f', arguments='{"x":1}', parsed={'x': 1},
                  choice=0, server=False, complete=True)]
    >>> a.feed({"model": "qwen3", "created_at": "2025-01-01T00:00:01Z", "message": {
    ...     "role": "assistant", "content": ""}, "done": True, "done_reason": "stop",
    ...     "prompt_eval_count": 12, "eval_count": 3})
    [Usage(input_tokens=12, output_tokens=3, total_tokens=15, reasoning_tokens=None,
           details={'prompt_eval_count': 12, 'eval_count': 3}),
     Finished(reason='stop', choice=0, complete=True)]
    >>> a.ended
    True
    """

    __slots__ = ("_calls",)

    def __init__(self) -> None:
        super().__init__()
        self._calls = 0

    def _payload(self, payload: Mapping[str, Any], event: str | None, raw: Any) -> list[Event]:
        out: list[Event] = []
        error = payload.get("error")
        if error:
            out.append(error_event(error, raw))
            return out
        message = payload.get("message")
        known = False
        if isinstance(message, Mapping):
            known = True
            self._content(message.get("thinking"), message.get("content"), raw, out)
            calls = message.get("tool_calls")
            if calls:
                for call in calls:
                    self._tool_call(call, raw, out)
        elif "response" in payload or "thinking" in payload:
            known = True
            self._content(payload.get("thinking"), payload.get("response"), raw, out)
        if payload.get("done") is True:
            out.append(_ollama_usage(payload, raw))
            reason = payload.get("done_reason")
            out.append(Finished(reason if isinstance(reason, str) else None, raw=raw))
            self.ended = True
        elif not known:
            out.append(Unknown("ollama", payload, raw))
        return out

    @staticmethod
    def _content(thinking: Any, text: Any, raw: Any, out: list[Event]) -> None:
        if thinking and isinstance(thinking, str):
            out.append(ReasoningDelta(thinking, raw=raw))
        if text and isinstance(text, str):
            out.append(TextDelta(text, raw=raw))

    def _tool_call(self, call: Mapping[str, Any], raw: Any, out: list[Event]) -> None:
        function = call["function"]
        name = function.get("name")
        call_id = call.get("id")
        arguments = function.get("arguments")
        text = arguments if isinstance(arguments, str) else _compact(arguments or {})
        state = ToolCallState(
            self._calls, call_id if isinstance(call_id, str) else None, str(name or "")
        )
        self._calls += 1
        out.append(state.started(raw))
        out.append(state.delta(text, raw))
        out.append(state.finish(raw, arguments=text))
