"""What every adapter shares: reading an input item into a JSON payload, tool-call
bookkeeping, argument parsing, usage and error helpers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Final

from ..errors import DepthLimitError, ProviderFormatError, StreamopsError
from ._events import (
    Event,
    Finished,
    ProviderError,
    ToolCallDelta,
    ToolCallDone,
    ToolCallStarted,
)
from ._json import loads
from ._sdk import ROLES, sdk_role
from .sse import DONE, SSEEvent

__all__ = [
    "LENGTH_REASONS",
    "SKIP",
    "AdapterBase",
    "FastPath",
    "TextParts",
    "ToolCallState",
    "cut_markers",
    "dump_nested",
    "error_event",
    "first_str",
    "input_tokens",
    "int_or_none",
    "is_cut",
    "is_length_stop",
    "parse_arguments",
    "read_item",
]

LENGTH_REASONS: Final = frozenset(
    {
        "length",  # OpenAI Chat and compatible servers, Ollama done_reason
        "max_tokens",  # Anthropic, Bedrock, some OpenAI-compatible servers
        "MAX_TOKENS",  # Gemini, Cohere
        "model_context_window_exceeded",  # Anthropic: the context window filled up
    }
)
"""The finish reasons that say the provider stopped the output at a token limit."""


def is_length_stop(event: Finished | None) -> bool:
    """Whether ``event`` says the provider stopped the output at its token limit.

    A reason in :data:`LENGTH_REASONS`, or the Responses status ``"incomplete"``
    whose response says ``incomplete_details.reason == "max_output_tokens"``
    (read from the event's ``raw``: the payload or the SDK object).

    >>> is_length_stop(Finished("length")), is_length_stop(Finished("stop"))
    (True, False)
    >>> is_length_stop(Finished("incomplete", raw={"type": "response.incomplete",
    ...     "response": {"incomplete_details": {"reason": "max_output_tokens"}}}))
    True
    >>> is_length_stop(Finished("incomplete", raw={"type": "response.incomplete",
    ...     "response": {"incomplete_details": {"reason": "content_filter"}}}))
    False
    """
    if event is None:
        return False
    if event.reason in LENGTH_REASONS:
        return True
    if event.reason != "incomplete":
        return False
    raw = event.raw
    response = raw.get("response") if isinstance(raw, Mapping) else getattr(raw, "response", None)
    details = (
        response.get("incomplete_details")
        if isinstance(response, Mapping)
        else getattr(response, "incomplete_details", None)
    )
    if isinstance(details, Mapping):
        return details.get("reason") == "max_output_tokens"
    return getattr(details, "reason", None) == "max_output_tokens"


def is_cut(event: Finished) -> bool:
    """Whether ``event`` is the marker of a body that ended without the provider's
    terminal signal: ``Finished(None, complete=False)``."""
    return event.reason is None and not event.complete


def cut_markers(started: set[int], finished: set[int]) -> list[Event]:
    """The end of a cut body for adapters with several choices: a marker for each choice
    that started and never finished (for choice 0 if none started)."""
    left = sorted(started - finished) if started else ([] if 0 in finished else [0])
    return [Finished(None, ci, complete=False) for ci in left]


class _Skip:
    __slots__ = ()

    def __repr__(self) -> str:
        return "SKIP"


SKIP: Final[Any] = _Skip()
"""``read_item`` result for an item that carries nothing (``ping``, empty data)."""

# Events the SDKs' stream helpers derive from the raw events (with growing
# snapshots): reading them would duplicate what the raw events already say.
_DERIVED: Final = frozenset(
    {
        # anthropic client.messages.stream()
        "text",
        "input_json",
        "citation",
        "thinking",
        "signature",
        # openai client.chat.completions.stream()
        "content.delta",
        "content.done",
        "refusal.delta",
        "refusal.done",
        "tool_calls.function.arguments.delta",
        "tool_calls.function.arguments.done",
        "logprobs.content.delta",
        "logprobs.content.done",
        "logprobs.refusal.delta",
        "logprobs.refusal.done",
    }
)
_NO_SNAPSHOT: Final = frozenset({"snapshot"})


def read_item(item: Any) -> tuple[Any, str | None, Any]:
    """Turn one input item into ``(payload, sse_event_name, raw)``.

    ``item`` is an :class:`SSEEvent` (its data is parsed as JSON), a mapping (used
    as is), or an SDK's pydantic object (``model_dump``-ed, without the growing
    ``snapshot`` of the SDK stream helpers). ``raw`` is what events keep: the SDK
    object, or else the parsed payload. The payload is :data:`DONE` for the
    ``[DONE]`` sentinel and :data:`SKIP` for an item that carries nothing.

    >>> read_item(SSEEvent('{"a": 1}', event="x"))
    ({'a': 1}, 'x', {'a': 1})
    >>> read_item(SSEEvent("[DONE]"))
    ('[DONE]', None, None)
    """
    cls = item.__class__
    if cls is SSEEvent:  # (the usual items first, checked by class: no ABC check)
        return _read_sse(item.data, item.event, item.terminated)
    if cls is dict or isinstance(item, Mapping):
        return item, None, item
    if isinstance(item, SSEEvent):
        return _read_sse(item.data, item.event, item.terminated)
    kind = getattr(item, "type", None)
    if kind in _DERIVED:
        return SKIP, None, None
    if kind == "chunk" and hasattr(item, "chunk"):  # openai chat .stream() helper
        item = item.chunk
    dump = getattr(item, "model_dump", None)
    if dump is not None:
        payload = dump(exclude_unset=True, by_alias=True, warnings=False, exclude=_NO_SNAPSHOT)
        return payload, None, item
    data = getattr(item, "data", None)
    if isinstance(data, str):  # an SDK's own ServerSentEvent
        event = getattr(item, "event", None)
        return _read_sse(data, event if isinstance(event, str) else None)
    raise TypeError(
        f"expected an SSE event, a dict or an SDK stream object, not {type(item).__name__}"
    )


def dump_nested(obj: Any) -> Any:
    """What :func:`read_item` makes of an SDK object nested in an item (for error payloads)."""
    return obj.model_dump(exclude_unset=True, by_alias=True, warnings=False)


def _read_sse(data: str, event: str | None, terminated: bool = True) -> tuple[Any, str | None, Any]:
    if data.startswith(DONE):
        return DONE, None, None
    if not data or data.isspace():
        return SKIP, None, None
    try:
        payload = loads(data, what="event data")
    except DepthLimitError:
        raise
    except ValueError as exc:
        if not terminated:
            raise ProviderFormatError(
                "the stream was cut off inside its last event (no blank line ended it, and"
                f" its data is not complete JSON: {exc}): {data[-60:]!r}",
                payload=data,
                received=data,
            ) from exc
        raise ProviderFormatError(
            f"event data is not JSON ({exc}): {data[:60]!r}", payload=data, received=data
        ) from exc
    if not isinstance(payload, dict):
        raise ProviderFormatError(
            f"event data is not a JSON object: {data[:60]!r}", payload=payload, received=data
        )
    return payload, event, payload


def parse_arguments(arguments: str, *, complete: bool = True) -> Any:
    """Parse a tool call's argument text: the value, ``{}`` for no text at all (a
    complete call to a tool without parameters), ``None`` if it is not JSON (or nests
    deeper than the depth limit: the tool-call assembler reports why).

    >>> parse_arguments('{"a": 1}'), parse_arguments(""), parse_arguments('{"a": ')
    ({'a': 1}, {}, None)
    """
    if not arguments or arguments.isspace():
        return {} if complete else None
    try:
        return loads(arguments, what="tool arguments")
    except ValueError:  # DepthLimitError included
        return None


def int_or_none(value: Any) -> int | None:
    """``value`` if it is an int (not a bool), else ``None``."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def input_tokens(usage: Mapping[str, Any], key: str, *cached: str) -> int | None:
    """The input token count ``usage[key]`` plus the cached counts under ``cached``
    (``None`` if ``usage[key]`` is not an int).

    >>> input_tokens({"inputTokens": 5, "cacheReadInputTokens": 2}, "inputTokens",
    ...              "cacheReadInputTokens", "cacheWriteInputTokens")
    7
    """
    base = int_or_none(usage.get(key))
    if base is not None:
        for name in cached:
            base += int_or_none(usage.get(name)) or 0
    return base
def first_str(obj: Mapping[str, Any], *keys: str) -> str | None:
    """The first of ``obj[key]`` that is a string, else ``None``.

    >>> first_str({"url": None, "source": "https://a.example"}, "url", "source")
    'https://a.example'
    """
    for key in keys:
        value = obj.get(key)
        if isinstance(value, str):
            return value
    return None


def error_event(error: Any, raw: Any) -> ProviderError:
    """A :class:`ProviderError` from a provider's error object (or a bare message).

    >>> error_event({"type": "overloaded_error", "message": "Overloaded"}, None)
    ProviderError(message='Overloaded', code=None, error_type='overloaded_error',
                  body={'type': 'overloaded_error', 'message': 'Overloaded'})
    """
    if isinstance(error, Mapping):
        message = error.get("message")
        code = error.get("code")
        if code is None:
            code = error.get("status")
        kind = error.get("type")
        return ProviderError(
            message if isinstance(message, str) else ("" if message is None else str(message)),
            code if isinstance(code, (str, int)) else None,
            kind if isinstance(kind, str) else None,
            error,
            raw,
        )
    return ProviderError("" if error is None else str(error), body=error, raw=raw)


_PIECES: Final = 64  # how many pieces (and blocks) TextParts joins at a time


class TextParts:
    """Text that arrives in small pieces (token-sized argument fragments), kept compact.

    A ``str`` per fragment costs several times its characters (about 50 bytes
    of object each, and a list slot), so the pieces are not all kept as they
    came: every 64 recent pieces are joined into a block, and every 64 blocks
    into a larger one. Each character is copied twice before :meth:`text`
    joins it all, whatever the number of pieces, and what is held stays close
    to the text's own size.

    >>> parts = TextParts()
    >>> for piece in ['{"a', '": ', "1}"]:
    ...     parts.append(piece)
    >>> parts.text(), bool(parts), bool(TextParts())
    ('{"a": 1}', True, False)
    """

    __slots__ = ("_blocks", "_large", "_recent")

    def __init__(self, text: str = "") -> None:
        self._recent: list[str] = [text] if text else []
        self._blocks: list[str] = []  # each: 64 pieces joined
        self._large: list[str] = []  # each: 64 blocks joined

    def append(self, piece: str) -> None:
        recent = self._recent
        recent.append(piece)
        if len(recent) >= _PIECES:
            blocks = self._blocks
            blocks.append("".join(recent))
            recent.clear()
            if len(blocks) >= _PIECES:
                self._large.append("".join(blocks))
                blocks.clear()

    def text(self) -> str:
        """All the text so far (joined on demand: cheap to keep, not to call often)."""
        large, blocks, recent = self._large, self._blocks, self._recent
        if not large and not blocks:
            return recent[0] if len(recent) == 1 else "".join(recent)
        return "".join([*large, *blocks, *recent])

    def __bool__(self) -> bool:
        return bool(self._recent or self._blocks or self._large)


class ToolCallState:
    """One tool call being assembled: its identity and argument fragments."""

    __slots__ = ("choice", "done", "id", "index", "name", "parts", "server")

    def __init__(
        self, index: int, id: str | None, name: str, *, choice: int = 0, server: bool = False
    ) -> None:
        self.index = index
        self.id = id
        self.name = name
        self.choice = choice
        self.server = server
        self.parts = TextParts()  # the fragments so far
        self.done = False

    def started(self, raw: Any) -> ToolCallStarted:
        return ToolCallStarted(self.index, self.id, self.name, self.choice, self.server, raw)

    def delta(self, text: str, raw: Any) -> ToolCallDelta:
        self.parts.append(text)
        return ToolCallDelta(self.index, text, self.choice, None, self.id, self.name, raw)

    def finish(
        self, raw: Any, *, complete: bool = True, arguments: str | None = None
    ) -> ToolCallDone:
        """The :class:`ToolCallDone` for this call; ``arguments`` overrides the fragments."""
        self.done = True
        if arguments is None:
            arguments = self.parts.text()
        return ToolCallDone(
            self.index,
            self.id,
            self.name,
            arguments,
            parse_arguments(arguments, complete=complete),
            self.choice,
            self.server,
            complete,
            raw,
        )


FastPath = Callable[[Any, Any], "list[Event] | None"]
"""An adapter's reader of one kind of SDK object: its events, or ``None`` to leave the
object to the dict path (nothing changed)."""


class AdapterBase:
    """The sync core shape: ``feed(item) -> list[Event]``, ``close() -> list[Event]``.

    Subclasses implement :meth:`_payload` (one JSON payload, with the SSE event
    name if any, and the raw item) and may extend :meth:`close`. ``_FAST`` maps
    the roles of :mod:`~streamops.providers._sdk` to readers of such SDK objects
    that skip ``model_dump`` and give the same events as the dict path.
    """

    __slots__ = ("closed", "done", "ended")

    _FAST: ClassVar[dict[str, FastPath]] = {}

    def __init__(self) -> None:
        self.done = False
        """Whether the ``[DONE]`` sentinel was seen (later items are ignored)."""
        self.ended = False
        """Whether the provider's terminal signal arrived (a finish reason, ``[DONE]``,
        ``message_stop``, ``response.completed`` ...): a body that ends without it was cut."""
        self.closed = False

    def feed(self, item: Any) -> list[Event]:
        """Interpret one item of the provider's stream; return the events it produced."""
        if self.done:
            return []
        cls = item.__class__
        if cls is SSEEvent:  # the item of a raw body (no SDK role): straight to its data
            payload, event, raw = _read_sse(item.data, item.event, item.terminated)
        else:
            role = ROLES.get(cls)
            if role is None:
                role = sdk_role(cls)
            if role:
                fast = self._FAST.get(role)
                if fast is not None:
                    out = fast(self, item)
                    if out is not None:
                        return out
            payload, event, raw = read_item(item)
        if payload is SKIP:
            return []
        if payload is DONE:
            self.done = self.ended = True
            return []
        try:
            return self._payload(payload, event, raw)
        except StreamopsError:
            raise
        except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
            # A payload of the right provider whose fields have the wrong shapes.
            raise ProviderFormatError(
                f"{type(self).__name__} cannot read this payload ({type(exc).__name__}: {exc})",
                payload=payload,
                received=payload,
            ) from exc

    def _payload(self, payload: Mapping[str, Any], event: str | None, raw: Any) -> list[Event]:
        raise NotImplementedError

    def close(self) -> list[Event]:
        """End of stream: report what is still open (unfinished tool calls ...)."""
        self.closed = True
        return []

    def cut(self) -> list[Event]:
        """The events that mark a body ended without the terminal signal (``ended`` is
        false): ``Finished(None, complete=False)``, once per choice left unfinished."""
        return [Finished(None, 0, complete=False)]
