"""The one sync core behind ``events()`` and ``text()``: any input, any provider."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal, TypeAlias

from ..errors import ProviderFormatError, StreamopsError
from ._anthropic import AnthropicAdapter
from ._aws import AWSEvent, AWSEventDecoder
from ._base import SKIP, AdapterBase, error_event, read_item
from ._bedrock import BedrockAdapter, is_bedrock_payload
from ._cohere import COHERE_TYPES, CohereAdapter
from ._events import EVENT_TYPES, Event, Finished
from ._gemini import GeminiAdapter
from ._jsonarray import JSONArrayDecoder
from ._ndjson import NDJSONDecoder
from ._ollama import OllamaAdapter
from ._openai import OpenAIChatAdapter, OpenAIResponsesAdapter
from ._sdk import ROLES
from .sse import DONE, SSEDecoder, SSEEvent

__all__ = ["ADAPTERS", "Provider", "ProviderAdapter", "detect_provider"]

Provider: TypeAlias = Literal[
    "auto",
    "openai-chat",
    "openai-responses",
    "anthropic",
    "gemini",
    "bedrock",
    "ollama",
    "cohere",
]
"""The provider names :func:`~streamops.providers.events` accepts."""

ADAPTERS: Final[dict[str, type[AdapterBase]]] = {
    "openai-chat": OpenAIChatAdapter,
    "openai-responses": OpenAIResponsesAdapter,
    "anthropic": AnthropicAdapter,
    "gemini": GeminiAdapter,
    "bedrock": BedrockAdapter,
    "ollama": OllamaAdapter,
    "cohere": CohereAdapter,
}

_ANTHROPIC_TYPES: Final = frozenset(
    {
        "message_start",
        "message_delta",
        "message_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "ping",
    }
)
_BLANK_BYTES: Final = b" \t\r\n\xef\xbb\xbf"  # whitespace and the UTF-8 byte-order mark
_BLANK_TEXT: Final = " \t\r\n\ufeff"
# A text body never starts with a control character; an AWS event stream starts with
# the high byte of its first frame's length (0 below 16 MiB).
_BINARY_START: Final = frozenset(range(32)) - frozenset(b"\t\n\r")


def detect_provider(payload: Mapping[str, Any], event: str | None = None) -> str | None:
    """Which provider a payload (and its SSE event name) comes from, or ``None``.

    >>> detect_provider({"object": "chat.completion.chunk", "choices": []})
    'openai-chat'
    >>> detect_provider({"type": "message_start", "message": {}})
    'anthropic'
    >>> detect_provider({"type": "response.created"})
    'openai-responses'
    >>> detect_provider({"candidates": []})
    'gemini'
    >>> detect_provider({"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "Hi"}}})
    'bedrock'
    >>> detect_provider({"model": "llama3", "created_at": "2024-05-24T20:26:46Z",
    ...                  "response": "Hi", "done": False})
    'ollama'
    >>> detect_provider({"type": "content-delta", "index": 0, "delta": {}})
    'cohere'
    >>> detect_provider({"error": {"message": "no"}}) is None
    True
    """
    kind = payload.get("type")
    if isinstance(kind, str):
        if kind.startswith("response."):
            return "openai-responses"
        if kind in _ANTHROPIC_TYPES:
            return "anthropic"
        if kind in COHERE_TYPES:
            return "cohere"
        if kind == "chunk" and "chunk" in payload:
            return "openai-chat"
    if "choices" in payload or payload.get("object") == "chat.completion.chunk":
        return "openai-chat"
    if "candidates" in payload or "usageMetadata" in payload or "promptFeedback" in payload:
        return "gemini"
    if is_bedrock_payload(payload, event):
        return "bedrock"
    if (
        isinstance(payload.get("done"), bool)
        and ("message" in payload or "response" in payload)
        and ("model" in payload or "created_at" in payload)
    ):
        return "ollama"
    if event:
        if event.startswith("response."):
            return "openai-responses"
        if event in _ANTHROPIC_TYPES:
            return "anthropic"
        if event in COHERE_TYPES:
            return "cohere"
    return None


class ProviderAdapter:
    """Turn a provider's stream, in whatever form it comes, into provider events.

    ``feed(item)`` accepts, item by item:

    * raw body chunks (``bytes`` or ``str``): an event stream, decoded with
      :class:`~streamops.providers.SSEDecoder`; if the body starts with ``[``,
      a streamed JSON array (Gemini without ``alt=sse``), split into its
      elements as each completes; if it starts with ``{``, newline-delimited
      JSON (Ollama), read with :class:`~streamops.providers.NDJSONDecoder`;
      if the bytes start with a control character (or the provider is
      ``"bedrock"``), a binary AWS event stream decoded with
      :class:`~streamops.AWSEventDecoder`;
    * :class:`~streamops.AWSEvent` frames;
    * :class:`~streamops.providers.SSEEvent` objects (their data is JSON), or
      an SDK's own ``ServerSentEvent``;
    * plain dicts (parsed payloads);
    * the SDKs' typed stream objects (``openai`` ``ChatCompletionChunk`` and
      Responses events, ``anthropic`` ``MessageStreamEvent``; pydantic models).
      The kinds that make up nearly every item of a stream (Chat chunks,
      Anthropic ``content_block_delta``, Responses text and argument deltas)
      are read by attribute, without ``model_dump``, with the same result;
    * provider events already made (passed through unchanged).

    With ``provider="auto"`` the provider is detected from the first payload
    that says (an in-band error before that is still reported). The
    ``[DONE]`` sentinel ends the stream: :attr:`done` turns true and later
    items are ignored.

    An honest end: a body that stops without the provider's terminal signal
    (:attr:`ended` is false: no ``finish_reason`` / ``[DONE]``, ``message_stop``,
    ``response.completed`` / ``incomplete`` / ``failed``, Gemini
    ``finishReason``) was cut, and ``close()`` ends it with
    ``Finished(None, complete=False)`` (one per choice left unfinished, after
    the tool calls it cut off). An input of provider events ends honestly if a
    :class:`Finished` came through.

    A body cut off inside its last event (the connection dropped in a
    ``data:`` line, inside a UTF-8 character, or inside the JSON array) is
    still an error, but first ``close()`` returns what the adapter has to
    say about the end, the calls it cut off (``complete=False``) included;
    the error is raised by the next ``close()`` (or at once when there is
    nothing to return). Call ``close()`` until it returns ``[]``.

    >>> a = ProviderAdapter()
    >>> a.feed(b'data: {"choices": [{"index": 0, "delta": {"content": "Hi"}}]}\\n\\n')
    [TextDelta(text='Hi', choice=0)]
    >>> a.feed(b"data: [DONE]\\n\\n"), a.done
    ([], True)

    Raises:
        ValueError: an unknown ``provider`` name.
        TypeError: an item of none of these kinds.
        SSEError: a broken event stream.
        JSONStreamError: a broken JSON-array body; ``DepthLimitError`` for event
            data nested deeper than 512 levels.
        ProviderFormatError: event data that is not a JSON object, a payload
            whose fields have the wrong shapes, a body cut off inside its last
            event, or (auto) a payload of no known provider.
    """

    __slots__ = (
        "_adapter",
        "_closed",
        "_cut",
        "_decoder",
        "_error",
        "_finish_passed",
        "_provider",
        "_sniffed",
        "_what",
        "done",
    )

    def __init__(
        self, provider: Provider = "auto", *, _what: str = "ProviderAdapter.feed()"
    ) -> None:
        if provider != "auto" and provider not in ADAPTERS:
            raise ValueError(
                f"unknown provider {provider!r}; expected 'auto' or one of "
                + ", ".join(repr(name) for name in ADAPTERS)
            )
        self._provider = provider
        self._adapter: AdapterBase | None = None if provider == "auto" else ADAPTERS[provider]()
        self._decoder: (
            SSEDecoder | JSONArrayDecoder | NDJSONDecoder | AWSEventDecoder | None
        ) = None
        self._sniffed: list[Any] = []
        self._what = _what  # whose input it is, for a wrong item's TypeError
        # An error found after events of the same chunk: raised by the next call.
        self._error: StreamopsError | None = None
        # The body ended inside an event: close() reports the calls left open first.
        self._cut: StreamopsError | None = None
        self._closed = False
        self._finish_passed = False  # a Finished event came through as an input item
        self.done = False

    @property
    def ended(self) -> bool:
        """Whether the stream's terminal signal arrived: the provider's (see each
        adapter), ``[DONE]``, or, for an input of provider events, a :class:`Finished`.

        >>> a = ProviderAdapter()
        >>> _ = a.feed({"type": "message_start", "message": {}}); a.ended
        False
        >>> _ = a.feed({"type": "message_stop"}); a.ended
        True
        """
        if self._finish_passed:
            return True
        adapter = self._adapter
        return adapter.ended if adapter is not None else self.done

    @property
    def provider(self) -> str | None:
        """The provider in use (``None`` while ``"auto"`` has not decided yet)."""
        if self._adapter is None:
            return None
        for name, cls in ADAPTERS.items():
            if type(self._adapter) is cls:
                return name
        return None  # pragma: no cover

    def feed(self, item: Any) -> list[Event]:
        """Interpret one item; return the events it produced."""
        if self.done:
            return []
        adapter = self._adapter
        cls = item.__class__
        if adapter is not None and cls is not bytes and cls is not SSEEvent:
            # An SDK object the adapter reads directly (see _sdk): the common item of
            # an SDK stream, straight in. (A class not seen yet takes the long way once.)
            fast = adapter._FAST.get(ROLES.get(cls))  # type: ignore[arg-type]
            if fast is not None:
                out = fast(adapter, item)
                if out is not None:
                    return out
        error = self._error or self._cut
        if error is not None:
            raise error
        if cls is not SSEEvent:  # (an SSE event is neither: no checks for it)
            if isinstance(item, (bytes, bytearray, memoryview, str)):
                return self._feed_raw(item)
            if isinstance(item, EVENT_TYPES):
                if item.__class__ is Finished:
                    self._finish_passed = True
                return [item]  # type: ignore[list-item]
        try:
            return self._feed_item(item)
        except TypeError:
            raise TypeError(
                f"{self._what} takes raw body chunks (bytes or str), SSE events, dicts,"
                f" SDK stream objects or provider events, not {type(item).__name__}"
            ) from None
        except StreamopsError as exc:
            if item.__class__ is SSEEvent and not item.terminated:
                self._cut = exc  # the body was cut off: close() first reports the calls
                return []
            raise

    def _feed_item(self, item: Any) -> list[Event]:
        adapter = self._adapter
        if adapter is None:
            if item.__class__ is AWSEvent:
                adapter = self._adapter = BedrockAdapter()
                return adapter.feed(item)
            payload, event, _ = read_item(item)
            if payload is SKIP:
                return []
            if payload is DONE:
                self.done = True
                return []
            name = detect_provider(payload, event)
            if name is None:
                error = payload.get("error")
                if error or payload.get("type") == "error" or event == "error":
                    return [error_event(error if error else payload, payload)]
                raise ProviderFormatError(
                    "cannot tell which provider this payload comes from "
                    f"(keys {sorted(payload)[:8]}); pass provider=...",
                    payload=payload,
                )
            adapter = self._adapter = ADAPTERS[name]()
        out = adapter.feed(item)
        if adapter.done:
            self.done = True
        return out

    def _feed_raw(self, chunk: bytes | bytearray | memoryview | str) -> list[Event]:
        decoder = self._decoder
        if decoder is None:
            # Sniff the body: a JSON array, NDJSON, or an event stream?
            self._sniffed.append(chunk)
            if self._binary():
                decoder = self._decoder = AWSEventDecoder(_what=self._what)
                chunks, self._sniffed = self._sniffed, []
            else:
                if isinstance(chunk, str):
                    head: str = chunk.lstrip(_BLANK_TEXT)[:1]
                else:
                    head = bytes(chunk).lstrip(_BLANK_BYTES)[:1].decode("latin-1")
                if not head:
                    return []
                decoder = self._decoder = (
                    JSONArrayDecoder()
                    if head == "["
                    else NDJSONDecoder()
                    if head == "{"
                    else SSEDecoder()
                )
                chunks, self._sniffed = self._sniffed, []
        else:
            chunks = [chunk]
        out: list[Event] = []
        try:
            for piece in chunks:
                self._decoded(decoder.feed(piece), out)
                if self.done:
                    break
        except StreamopsError as exc:
            if not out:
                raise
            # The events before the problem first, whatever the chunking; then the error.
            self._error = exc
        return out

    def _binary(self) -> bool:
        """Whether the body sniffed so far is a binary AWS event stream: its first byte is
        a control character, or the provider is Bedrock and the body is bytes."""
        if self._provider not in ("auto", "bedrock"):
            return False
        for chunk in self._sniffed:
            if isinstance(chunk, str):
                return False
            if len(chunk):
                return self._provider == "bedrock" or bytes(chunk[:1])[0] in _BINARY_START
        return False

    def _decoded(self, payloads: list[Any], out: list[Event]) -> None:
        """Adapt what the body decoder produced, up to a ``[DONE]``."""
        for payload in payloads:
            cls = payload.__class__
            if (
                cls is not SSEEvent
                and cls is not dict
                and not isinstance(payload, (Mapping, SSEEvent, AWSEvent))
            ):
                raise ProviderFormatError(
                    f"expected a JSON object in the body, got {payload!r:.60}",
                    payload=payload,
                )
            adapter = self._adapter
            if adapter is None:
                out.extend(self._feed_item(payload))
            else:  # (what _feed_item does then, without the call)
                out.extend(adapter.feed(payload))
                if adapter.done:
                    self.done = True
            if self.done:
                return

    def close(self) -> list[Event]:
        """End of stream: the last event of the body, then what the adapter still holds;
        the error of a body cut off inside an event comes after them (next call)."""
        error = self._error or self._cut
        if self._closed or self._error is not None:
            self._closed = True
            if error is not None:
                raise error
            return []
        self._closed = True
        out: list[Event] = []
        decoder = self._decoder
        if decoder is not None and not self.done and self._cut is None:
            if decoder._error is not None:
                raise decoder._error  # found mid-stream, after the events of its chunk
            try:
                self._decoded(decoder.close(), out)
            except StreamopsError as exc:  # the body ended inside an event
                self._cut = exc
        adapter = self._adapter
        if adapter is not None and not adapter.closed:
            out.extend(adapter.close())
        if not self.ended:  # the body stopped without the provider's terminal signal
            out.extend(adapter.cut() if adapter is not None else [Finished(None, complete=False)])
        if self._cut is not None and not out:
            raise self._cut
        return out
