"""Provider adapters: raw bodies, SSE events and SDK stream objects to one event vocabulary.

The documented shape works on any raw response body::

    pipe(body_chunks, sse_events(), events(provider="openai-chat"))
    pipe(body_chunks, events(provider="gemini"))     # Gemini without alt=sse: a JSON array

and on the SDKs' stream objects::

    pipe(await client.chat.completions.create(..., stream=True), events())
    pipe(await client.messages.create(..., stream=True), text(), words())

``provider`` is ``"openai-chat"``, ``"openai-responses"``, ``"anthropic"``,
``"gemini"`` or ``"auto"`` (detected from the first payload).

Sync cores (no event loop): :class:`SSEDecoder`, :class:`ProviderAdapter` and
one adapter class per provider, each with ``feed(item) -> list`` and
``close() -> list``.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from .._core import operator
from ..errors import ProviderFormatError as ProviderFormatError
from ..errors import ProviderStreamError as ProviderStreamError
from ..errors import RefusalError as RefusalError
from ._adapter import Provider as Provider
from ._adapter import ProviderAdapter as ProviderAdapter
from ._adapter import detect_provider as detect_provider
from ._anthropic import AnthropicAdapter as AnthropicAdapter
from ._cohere import CohereAdapter as CohereAdapter
from ._events import Citation as Citation
from ._events import Event as Event
from ._events import Finished as Finished
from ._events import ProviderError as ProviderError
from ._events import ReasoningDelta as ReasoningDelta
from ._events import ReasoningSignature as ReasoningSignature
from ._events import RedactedReasoning as RedactedReasoning
from ._events import Refusal as Refusal
from ._events import ServerToolResult as ServerToolResult
from ._events import ServerToolUpdate as ServerToolUpdate
from ._events import TextDelta as TextDelta
from ._events import ToolCallDelta as ToolCallDelta
from ._events import ToolCallDone as ToolCallDone
from ._events import ToolCallStarted as ToolCallStarted
from ._events import ToolPlanDelta as ToolPlanDelta
from ._events import Unknown as Unknown
from ._events import Usage as Usage
from ._gemini import GeminiAdapter as GeminiAdapter
from ._jsonarray import JSONArrayDecoder as JSONArrayDecoder
from ._ndjson import MAX_LINE_BYTES as MAX_LINE_BYTES
from ._ndjson import NDJSONDecoder as NDJSONDecoder
from ._ndjson import ndjson_events as ndjson_events
from ._ollama import OllamaAdapter as OllamaAdapter
from ._openai import OpenAIChatAdapter as OpenAIChatAdapter
from ._openai import OpenAIResponsesAdapter as OpenAIResponsesAdapter
from .sse import SSEDecoder as SSEDecoder
from .sse import SSEEvent as SSEEvent
from .sse import sse_events as sse_events

__all__ = [
    "MAX_LINE_BYTES",
    "AnthropicAdapter",
    "Citation",
    "CohereAdapter",
    "Event",
    "Finished",
    "GeminiAdapter",
    "JSONArrayDecoder",
    "NDJSONDecoder",
    "OllamaAdapter",
    "OpenAIChatAdapter",
    "OpenAIResponsesAdapter",
    "Provider",
    "ProviderAdapter",
    "ProviderError",
    "ProviderFormatError",
    "ProviderStreamError",
    "ReasoningDelta",
    "ReasoningSignature",
    "RedactedReasoning",
    "Refusal",
    "RefusalError",
    "SSEDecoder",
    "SSEEvent",
    "ServerToolResult",
    "ServerToolUpdate",
    "TextDelta",
    "ToolCallDelta",
    "ToolCallDone",
    "ToolCallStarted",
    "ToolPlanDelta",
    "Unknown",
    "Usage",
    "detect_provider",
    "events",
    "ndjson_events",
    "sse_events",
    "text",
]


@operator
async def events(
    source: AsyncIterable[Any], *, provider: Provider = "auto"
) -> AsyncIterator[Event]:
    """Normalise a provider's stream into provider events (:data:`Event`).

    Accepts raw body chunks (``bytes`` / ``str``: an event stream, or a JSON
    array for Gemini without ``alt=sse``), :class:`SSEEvent` objects, plain
    dicts, or the ``openai`` / ``anthropic`` SDKs' typed stream objects (see
    :class:`ProviderAdapter`). Yields every event: text, reasoning, refusals,
    tool calls, usage, finish reasons and in-band errors (as
    :class:`ProviderError` events, not exceptions). Each event keeps the
    provider's object in ``raw``. The ``[DONE]`` sentinel ends the stream and
    closes the upstream.

    Args:
        provider: ``"openai-chat"``, ``"openai-responses"``, ``"anthropic"``,
            ``"gemini"``, or ``"auto"`` to detect it from the first payload.

    Raises:
        SSEError, JSONStreamError: a broken body.
        ProviderFormatError: a payload that cannot be read.

    A Chat Completions body:

    >>> from streamops import drain, pipe
    >>> body = [
    ...     b'data: {"choices": [{"index": 0, "delta": {"content": "Hi"}}]}\\n\\n',
    ...     b'data: {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}\\n\\n',
    ...     b"data: [DONE]\\n\\n",
    ... ]
    >>> drain(pipe(body, sse_events(), events(provider="openai-chat")))
    [TextDelta(text='Hi', choice=0), Finished(reason='stop', choice=0, complete=True)]

    Gemini's JSON array, split anywhere:

    >>> drain(pipe(['[{"candidates": [{"content": {"parts": [{"te', 'xt": "Hi"}]}}]}]'],
    ...            events(provider="gemini")))
    [TextDelta(text='Hi', choice=0)]
    """
    adapter = ProviderAdapter(provider, _what="events()")
    async for item in source:
        for event in adapter.feed(item):
            yield event
        if adapter.done:
            break
    for event in adapter.close():
        yield event
    adapter.close()  # a body cut off inside an event: its error, after the events above


def _check(event: Event, choice: int, refusal: list[str], received: list[str]) -> str | None:
    """For text(): the text of ``event`` to yield, if any; raise on an in-band error."""
    kind = type(event)
    if kind is TextDelta:
        delta: TextDelta = event  # type: ignore[assignment]
        if delta.choice == choice:
            received.append(delta.text)
            return delta.text
    elif kind is ProviderError:
        raise ProviderStreamError(event, received="".join(received))  # type: ignore[arg-type]
    elif kind is Refusal:
        refused: Refusal = event  # type: ignore[assignment]
        if refused.choice == choice:
            refusal.append(refused.text)
    return None


@operator
async def text(
    source: AsyncIterable[Any], *, provider: Provider = "auto", choice: int = 0
) -> AsyncIterator[str]:
    """Keep only the answer text of a provider stream, so text and JSON operators chain on.

    Takes the same inputs as :func:`events` (SDK objects, dicts, SSE events,
    raw bodies, or provider events). Reasoning, tool calls and usage are left
    out; nothing is lost silently, though:

    Args:
        provider: as for :func:`events`.
        choice: which choice (OpenAI ``n``) or candidate (Gemini) to read.

    Yields:
        the text fragments, as they arrive (never empty).

    Raises:
        ProviderStreamError: the provider reported an error in the stream
            (``.event`` is the :class:`ProviderError`; ``.received`` the text
            yielded before it).
        RefusalError: the model refused; raised at the end, with the whole
            refusal in ``.refusal``, after any text.

    >>> from streamops import drain, pipe
    >>> body = [b'event: content_block_delta\\ndata: {"type": "content_block_delta", "index": 0,',
    ...         b' "delta": {"type": "text_delta", "text": "Hello"}}\\n\\n']
    >>> drain(pipe(body, text()))
    ['Hello']
    """
    adapter = ProviderAdapter(provider, _what="text()")
    refusal: list[str] = []
    received: list[str] = []
    async for item in source:
        for event in adapter.feed(item):
            piece = _check(event, choice, refusal, received)
            if piece is not None:
                yield piece
        if adapter.done:
            break
    for event in adapter.close():
        piece = _check(event, choice, refusal, received)
        if piece is not None:
            yield piece
    adapter.close()  # a body cut off inside an event: its error, after the text above
    if refusal:
        raise RefusalError("".join(refusal), received="".join(received))
