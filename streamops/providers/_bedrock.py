"""Bedrock streams (``ConverseStream``, ``InvokeModelWithResponseStream``) to provider events."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any, Final

from ..errors import ProviderFormatError, StreamopsError
from ._anthropic import AnthropicAdapter
from ._aws import AWSEvent
from ._base import AdapterBase, ToolCallState, input_tokens, int_or_none
from ._events import (
    Citation,
    Event,
    Finished,
    ProviderError,
    ReasoningDelta,
    ReasoningSignature,
    RedactedReasoning,
    ServerToolResult,
    TextDelta,
    Unknown,
    Usage,
)
from ._json import loads

__all__ = ["CONVERSE_EVENTS", "BedrockAdapter", "is_bedrock_payload"]

CONVERSE_EVENTS: Final = frozenset(
    {
        "messageStart",
        "contentBlockStart",
        "contentBlockDelta",
        "contentBlockStop",
        "messageStop",
        "metadata",
        "chunk",  # InvokeModelWithResponseStream
    }
)
"""The event types of Bedrock's streams (exceptions aside: ``*Exception``)."""

_METRICS: Final = "amazon-bedrock-invocationMetrics"


def is_bedrock_payload(payload: Mapping[str, Any], event: str | None = None) -> bool:
    """Whether a dict is one of boto3's Bedrock stream events (``{"contentBlockDelta": {...}}``,
    ``{"chunk": {"bytes": ...}}``, ``{"throttlingException": {...}}``), or (with an SSE
    event name) the body of one.

    >>> is_bedrock_payload({"messageStop": {"stopReason": "end_turn"}})
    True
    >>> is_bedrock_payload({"type": "message_stop"})
    False
    """
    if event is not None and event in CONVERSE_EVENTS:
        return True
    if len(payload) != 1:
        return False
    ((key, value),) = payload.items()
    return isinstance(value, Mapping) and (key in CONVERSE_EVENTS or key.endswith("Exception"))


def _bedrock_usage(usage: Mapping[str, Any], raw: Any) -> Usage:
    base = input_tokens(usage, "inputTokens", "cacheReadInputTokens", "cacheWriteInputTokens")
    output = int_or_none(usage.get("outputTokens"))
    total = int_or_none(usage.get("totalTokens"))
    if total is None and base is not None and output is not None:
        total = base + output
    return Usage(base, output, total, None, dict(usage), raw)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class _Result:
    """A server-side ``toolResult`` block being assembled."""

    __slots__ = ("content", "id", "raw", "type")

    def __init__(self, id: str | None, type: str, raw: Any) -> None:
        self.id = id
        self.type = type
        self.raw = raw
        self.content: list[Any] = []

    def done(self) -> ServerToolResult:
        return ServerToolResult(self.id, self.type, self.content, 0, self.raw)


class BedrockAdapter(AdapterBase):
    """AWS Bedrock stream events to provider events.

    Reads :class:`~streamops.AWSEvent` frames (from :func:`~streamops.aws_events`,
    or the raw body given to ``events(provider="bedrock")``) and boto3's
    decoded events (``for event in response["stream"]``: dicts such as
    ``{"contentBlockDelta": {...}}``).

    ``ConverseStream``: ``contentBlockDelta`` gives ``TextDelta`` (``text``),
    ``ToolCallDelta`` (``toolUse.input``), ``ReasoningDelta`` /
    ``ReasoningSignature`` / ``RedactedReasoning`` (``reasoningContent`` ``text``
    / ``signature`` / ``redactedContent``, base64 text), ``Citation``
    (``citation``); a ``toolUse`` ``contentBlockStart`` starts a call (a
    ``server_tool_use`` one with ``server=True``) which its
    ``contentBlockStop`` finishes; a ``toolResult`` block (a tool Bedrock ran)
    is one ``ServerToolResult`` at its stop, ``content`` the result items
    joined and ``raw`` the start that holds its ``status``. ``messageStop``
    gives ``Finished(stopReason)`` (calls left open end ``complete=False``),
    ``metadata`` gives ``Usage`` (``input_tokens`` counts cache reads and
    writes; ``details`` is Bedrock's usage object). Exception frames
    (``throttlingException``, ``modelStreamErrorException`` ...) and error
    frames become ``ProviderError`` events.

    ``InvokeModelWithResponseStream``: each ``chunk`` holds a model's own JSON
    (base64 ``bytes``). Anthropic Messages events go through an
    :class:`AnthropicAdapter`, old Claude text-completion chunks
    (``completion``, ``stop_reason``) give text and the finish, and
    ``amazon-bedrock-invocationMetrics`` gives a ``Usage``; any other model's
    chunk is an ``Unknown("chunk", payload)``, as is any event type, content
    block or delta this version does not know.

    :attr:`ended` (the terminal signal arrived; a body that ends without it
    ends with ``Finished(None, complete=False)``) turns true at ``messageStop``;
    for ``InvokeModelWithResponseStream``, by the wrapped model's own rule:
    Anthropic's (a ``message_delta`` with its ``stop_reason``, or
    ``message_stop``), or a text-completion chunk with its ``stop_reason``. A
    chunk of another model never ends the stream: its end is not known.

    >>> a = BedrockAdapter()
    >>> a.feed({"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "Hi"}}})
    [TextDelta(text='Hi', choice=0)]
    >>> a.feed({"messageStop": {"stopReason": "end_turn"}}), a.ended
    ([Finished(reason='end_turn', choice=0, complete=True)], True)
    >>> a.feed({"metadata": {"usage": {"inputTokens": 3, "outputTokens": 1, "totalTokens": 4}}})
    [Usage(input_tokens=3, output_tokens=1, total_tokens=4, reasoning_tokens=None,
           details={'inputTokens': 3, 'outputTokens': 1, 'totalTokens': 4})]
    """

    __slots__ = ("_calls", "_inner", "_results")

    def __init__(self) -> None:
        super().__init__()
        self._calls: dict[int, ToolCallState] = {}
        self._results: dict[int, _Result] = {}
        self._inner: AnthropicAdapter | None = None

    def feed(self, item: Any) -> list[Event]:
        """Interpret one frame or event of a Bedrock stream; return the events it produced."""
        if self.done:
            return []
        if item.__class__ is not AWSEvent:
            return super().feed(item)
        try:
            return self._frame(item)
        except StreamopsError:
            raise
        except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
            raise ProviderFormatError(
                f"BedrockAdapter cannot read the frame at byte offset {item.offset}"
                f" ({type(exc).__name__}: {exc})",
                payload=item,
                offset=item.offset,
                received=item.payload,
            ) from exc

    def _frame(self, frame: AWSEvent) -> list[Event]:
        kind = frame.message_type
        if kind == "exception":
            try:
                body = frame.json()
            except ProviderFormatError:
                body = frame.payload.decode("utf-8", "replace")
            return [self._exception(frame.exception_type or "exception", body, frame)]
        if kind == "error":
            code = frame.headers.get(":error-code")
            message = frame.headers.get(":error-message")
            if not isinstance(message, str):
                message = frame.payload.decode("utf-8", "replace")
            return [
                ProviderError(
                    message,
                    code if isinstance(code, (str, int)) else None,
                    code if isinstance(code, str) else None,
                    dict(frame.headers),
                    frame,
                )
            ]
        name = frame.event_type
        if (kind == "event" or kind is None) and name is not None:
            return self._event(name, frame.json(), frame)
        return [Unknown(kind or "frame", frame, frame)]

    def _payload(self, payload: Mapping[str, Any], event: str | None, raw: Any) -> list[Event]:
        if event is not None and event in CONVERSE_EVENTS and event not in payload:
            return self._event(event, payload, raw)  # an SSE event named for its type
        out: list[Event] = []
        for name, body in payload.items():
            out.extend(self._event(name, body, raw))
        return out

    def _event(self, name: str, body: Any, raw: Any) -> list[Event]:
        out: list[Event] = []
        handler = _HANDLERS.get(name)
        if handler is not None:
            if not isinstance(body, Mapping):
                raise ProviderFormatError(
                    f"Bedrock {name} event whose body is not an object: {body!r:.60}",
                    payload=body,
                    received=body,
                )
            handler(self, body, raw, out)
        elif name.endswith("Exception"):
            out.append(self._exception(name, body, raw))
        else:
            out.append(Unknown(name, body, raw))
        return out

    @staticmethod
    def _exception(name: str, body: Any, raw: Any) -> ProviderError:
        if isinstance(body, Mapping):
            message = _text(body.get("message")) or _text(body.get("Message"))
            code = body.get("originalStatusCode")
            return ProviderError(
                message or "",
                code if isinstance(code, (str, int)) and not isinstance(code, bool) else None,
                name,
                body,
                raw,
            )
        return ProviderError("" if body is None else str(body), None, name, body, raw)

    # -- ConverseStream -------------------------------------------------------

    @staticmethod
    def _index(body: Mapping[str, Any], name: str) -> int:
        index = body.get("contentBlockIndex")
        if not isinstance(index, int) or isinstance(index, bool):
            raise ProviderFormatError(
                f"Bedrock {name} without an integer contentBlockIndex: {body!r:.80}",
                payload=body,
                received=body,
            )
        return index

    def _message_start(self, body: Mapping[str, Any], raw: Any, out: list[Event]) -> None:
        pass  # only the role ("assistant")

    def _block_start(self, body: Mapping[str, Any], raw: Any, out: list[Event]) -> None:
        index = self._index(body, "contentBlockStart")
        start = body.get("start")
        tool = start.get("toolUse") if isinstance(start, Mapping) else None
        result = start.get("toolResult") if isinstance(start, Mapping) else None
        if isinstance(tool, Mapping):
            self._end_block(index, raw, out, complete=False)  # one never stopped here
            kind = tool.get("type")
            call = ToolCallState(
                index,
                _text(tool.get("toolUseId")),
                _text(tool.get("name")) or "",
                server=kind is not None and kind != "tool_use",
            )
            self._calls[index] = call
            out.append(call.started(raw))
        elif isinstance(result, Mapping):
            self._end_block(index, raw, out, complete=False)
            kind = _text(result.get("type")) or "toolResult"
            self._results[index] = _Result(_text(result.get("toolUseId")), kind, raw)
        else:
            out.append(Unknown("contentBlockStart", body, raw))

    def _block_delta(self, body: Mapping[str, Any], raw: Any, out: list[Event]) -> None:
        index = self._index(body, "contentBlockDelta")
        delta = body.get("delta")
        if not isinstance(delta, Mapping):
            raise ProviderFormatError(
                f"Bedrock contentBlockDelta without a delta object: {body!r:.80}",
                payload=body,
                received=body,
            )
        unknown = False
        for key, value in delta.items():
            if key == "text":
                if value and isinstance(value, str):
                    out.append(TextDelta(value, 0, raw))
            elif key == "toolUse" and isinstance(value, Mapping):
                fragment = value.get("input")
                if fragment and isinstance(fragment, str):
                    call = self._calls.get(index)
                    if call is None:
                        raise ProviderFormatError(
                            f"toolUse delta for content block {index}, which is not an open"
                            " toolUse block",
                            payload=body,
                            received=body,
                        )
                    out.append(call.delta(fragment, raw))
            elif key == "reasoningContent" and isinstance(value, Mapping):
                self._reasoning(value, raw, out)
            elif key == "citation" and isinstance(value, Mapping):
                out.append(_citation(value, raw))
            elif key == "toolResult" and isinstance(value, list):
                block = self._results.get(index)
                if block is None:
                    block = self._results[index] = _Result(None, "toolResult", raw)
                block.content.extend(value)
            else:
                unknown = True
        if unknown:
            out.append(Unknown("contentBlockDelta", body, raw))

    @staticmethod
    def _reasoning(value: Mapping[str, Any], raw: Any, out: list[Event]) -> None:
        text = value.get("text")
        if text and isinstance(text, str):
            out.append(ReasoningDelta(text, 0, raw))
        signature = value.get("signature")
        if signature and isinstance(signature, str):
            out.append(ReasoningSignature(signature, 0, raw))
        redacted = value.get("redactedContent")
        if isinstance(redacted, (bytes, bytearray)):  # boto3 decodes the blob
            redacted = base64.b64encode(redacted).decode("ascii")
        if redacted and isinstance(redacted, str):
            out.append(RedactedReasoning(redacted, 0, raw))

    def _block_stop(self, body: Mapping[str, Any], raw: Any, out: list[Event]) -> None:
        self._end_block(self._index(body, "contentBlockStop"), raw, out, complete=True)

    def _end_block(self, index: int, raw: Any, out: list[Event], *, complete: bool) -> None:
        call = self._calls.pop(index, None)
        if call is not None:
            out.append(call.finish(raw, complete=complete))
        result = self._results.pop(index, None)
        if result is not None:
            out.append(result.done())

    def _end_blocks(self, raw: Any, out: list[Event]) -> None:
        for index in sorted(self._calls.keys() | self._results.keys()):
            self._end_block(index, raw, out, complete=False)

    def _message_stop(self, body: Mapping[str, Any], raw: Any, out: list[Event]) -> None:
        self._end_blocks(raw, out)
        out.append(Finished(_text(body.get("stopReason")), 0, raw=raw))
        self.ended = True

    def _metadata(self, body: Mapping[str, Any], raw: Any, out: list[Event]) -> None:
        usage = body.get("usage")
        if isinstance(usage, Mapping):
            out.append(_bedrock_usage(usage, raw))

    # -- InvokeModelWithResponseStream ---------------------------------------------

    def _chunk(self, body: Mapping[str, Any], raw: Any, out: list[Event]) -> None:
        data = body.get("bytes")
        if isinstance(data, str):  # the wire's base64 (boto3 gives the bytes)
            data = base64.b64decode(data, validate=True)
        if not isinstance(data, (bytes, bytearray)):
            out.append(Unknown("chunk", body, raw))
            return
        inner = loads(bytes(data).decode("utf-8"), what="Bedrock chunk bytes")
        if not isinstance(inner, Mapping):
            out.append(Unknown("chunk", inner, raw))
            return
        if isinstance(inner.get("type"), str):  # an Anthropic Messages event
            adapter = self._inner
            if adapter is None:
                adapter = self._inner = AnthropicAdapter()
            out.extend(adapter.feed(inner))
            if adapter.ended:  # Anthropic's rule: a stop_reason, or message_stop
                self.ended = True
        elif "completion" in inner:  # Claude's old text completions
            text = inner.get("completion")
            if text and isinstance(text, str):
                out.append(TextDelta(text, 0, inner))
            reason = _text(inner.get("stop_reason"))
            if reason is not None:
                out.append(Finished(reason, 0, raw=inner))
                self.ended = True
        else:
            out.append(Unknown("chunk", inner, raw))
            return
        metrics = inner.get(_METRICS)
        if isinstance(metrics, Mapping):
            given = int_or_none(metrics.get("inputTokenCount"))
            made = int_or_none(metrics.get("outputTokenCount"))
            total = given + made if given is not None and made is not None else None
            out.append(Usage(given, made, total, None, dict(metrics), inner))

    def close(self) -> list[Event]:
        """End of stream: the inner adapter's last events, then the blocks left open
        (calls with ``complete=False``, results with what arrived)."""
        out: list[Event] = []
        if self._inner is not None and not self._inner.closed:
            out.extend(self._inner.close())
        self._end_blocks(None, out)
        self.closed = True
        return out


_Handler = Callable[[BedrockAdapter, Mapping[str, Any], Any, list[Event]], None]

_HANDLERS: Final[dict[str, _Handler]] = {
    "messageStart": BedrockAdapter._message_start,
    "contentBlockStart": BedrockAdapter._block_start,
    "contentBlockDelta": BedrockAdapter._block_delta,
    "contentBlockStop": BedrockAdapter._block_stop,
    "messageStop": BedrockAdapter._message_stop,
    "metadata": BedrockAdapter._metadata,
    "chunk": BedrockAdapter._chunk,
}


def _citation(value: Mapping[str, Any], raw: Any) -> Citation:
    location = value.get("location")
    web = location.get("web") if isinstance(location, Mapping) else None
    url = _text(web.get("url")) if isinstance(web, Mapping) else None
    sources = value.get("sourceContent")
    texts = (
        [_text(part.get("text")) or "" for part in sources if isinstance(part, Mapping)]
        if isinstance(sources, list)
        else []
    )
    return Citation(url, _text(value.get("title")), "".join(texts) or None, 0, value, raw)
