"""Provider adapters: raw bodies, SSE events and SDK stream objects to one event vocabulary.

The documented shape works on any raw response body::

    pipe(body_chunks, sse_events(), events(provider="openai-chat"))
    pipe(body_chunks, events(provider="gemini"))     # Gemini without alt=sse: a JSON array

and on the SDKs' stream objects::

    pipe(await client.chat.completions.create(..., stream=True), events())
    pipe(await client.messages.create(..., stream=True), text(), words())

``provider`` is ``"openai-chat"``, ``"openai-responses"``, ``"anthropic"``,
``"gemini"``, ``"bedrock"`` or ``"auto"`` (detected from the first payload).
Bedrock's binary AWS event stream is decoded by :func:`aws_events` (or
straight from the raw body by :func:`events`).

Sync cores (no event loop): :class:`SSEDecoder`, :class:`ProviderAdapter` and
one adapter class per provider, each with ``feed(item) -> list`` and
``close() -> list``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable
from typing import Any

from .._core import operator
from ..errors import IncompleteStreamError as IncompleteStreamError
from ..errors import ProviderFormatError as ProviderFormatError
from ..errors import ProviderStreamError as ProviderStreamError
from ..errors import RefusalError as RefusalError
from ._adapter import Provider as Provider
from ._adapter import ProviderAdapter as ProviderAdapter
from ._adapter import detect_provider as detect_provider
from ._anthropic import AnthropicAdapter as AnthropicAdapter
from ._aws import AWSEvent as AWSEvent
from ._aws import AWSEventDecoder as AWSEventDecoder
from ._aws import aws_events as aws_events
from ._aws import encode_aws_event as encode_aws_event
from ._bedrock import BedrockAdapter as BedrockAdapter
from ._cohere import CohereAdapter as CohereAdapter
from ._ending import OnStop, Reading, TextEnd
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
from ._message import MessageProvider as MessageProvider
from ._message import to_message as to_message
from ._message import tool_messages as tool_messages
from ._ndjson import MAX_LINE_BYTES as MAX_LINE_BYTES
from ._ndjson import NDJSONDecoder as NDJSONDecoder
from ._ndjson import ndjson_events as ndjson_events
from ._ollama import OllamaAdapter as OllamaAdapter
from ._openai import OpenAIChatAdapter as OpenAIChatAdapter
from ._openai import OpenAIResponsesAdapter as OpenAIResponsesAdapter
from ._think import ThinkTagSplitter as ThinkTagSplitter
from ._think import think_tags as think_tags
from .sse import SSEDecoder as SSEDecoder
from .sse import SSEEvent as SSEEvent
from .sse import sse_events as sse_events

__all__ = [
    "MAX_LINE_BYTES",
    "AWSEvent",
    "AWSEventDecoder",
    "AnthropicAdapter",
    "BedrockAdapter",
    "Citation",
    "CohereAdapter",
    "Event",
    "Finished",
    "GeminiAdapter",
    "IncompleteStreamError",
    "JSONArrayDecoder",
    "MessageProvider",
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
    "ThinkTagSplitter",
    "ToolCallDelta",
    "ToolCallDone",
    "ToolCallStarted",
    "ToolPlanDelta",
    "Unknown",
    "Usage",
    "aws_events",
    "detect_provider",
    "encode_aws_event",
    "events",
    "ndjson_events",
    "sse_events",
    "text",
    "think_tags",
    "to_message",
    "tool_messages",
]


@operator
def events(
    source: AsyncIterable[object],
    *,
    provider: Provider = "auto",
    on_stop: OnStop = "close",
    drain_timeout: float = 10.0,
    on_usage: Callable[[Usage | None], object] | None = None,
) -> AsyncIterator[Event]:
    """Normalise a provider's stream into provider events (:data:`Event`).

    Accepts raw body chunks (``bytes`` / ``str``: an event stream, a JSON
    array for Gemini without ``alt=sse``, JSON lines when the body starts with
    ``{`` (Ollama, Cohere), a binary AWS event stream (Bedrock)),
    :class:`SSEEvent` objects, plain
    dicts, or the ``openai`` / ``anthropic`` SDKs' typed stream objects (see
    :class:`ProviderAdapter`). Yields every event: text, reasoning, refusals,
    tool calls, usage, finish reasons and in-band errors (as
    :class:`ProviderError` events, not exceptions). Each event keeps the
    provider's object in ``raw``. The ``[DONE]`` sentinel ends the stream and
    closes the upstream.

    The end is honest: a body that stops without the provider's terminal
    signal (a cut connection) ends with ``Finished(None, complete=False)``,
    once per choice left unfinished, after the tool calls it cut off.

    Args:
        provider: ``"openai-chat"``, ``"openai-responses"``, ``"anthropic"``,
            ``"gemini"``, ``"bedrock"``, ``"ollama"``, ``"cohere"``, or ``"auto"`` to
            detect it from the first payload.
        on_stop: when the consumer stops early (``break``, ``aclose()``, an
            exception in its loop): ``"close"`` the body at once, or
            ``"drain"`` it: read on, yielding nothing, until the usage (or
            the end) arrives, for at most ``drain_timeout`` seconds, then
            close it. The drain runs inside the pipeline's clean-up, which is
            shielded: a cancellation that arrives meanwhile is delivered once
            the drain is over. A consumer cancelled while waiting for an event
            does not drain. An error while draining ends the drain.
        drain_timeout: the longest drain, in seconds.
        on_usage: called exactly once, when the stage ends however it ends,
            with the final :class:`Usage`: the last one the provider reported
            if the stream reached its end (or its terminal signal, or the
            drain got there), else ``None`` (unknown).

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

    The same body cut after its first event:

    >>> drain(pipe(body[:1], events()))
    [TextDelta(text='Hi', choice=0), Finished(reason=None, choice=0, complete=False)]

    Gemini's JSON array, split anywhere:

    >>> drain(pipe(['[{"candidates": [{"content": {"parts": [{"te', 'xt": "Hi"}]},',
    ...             ' "finishReason": "STOP"}]}]'], events(provider="gemini")))
    [TextDelta(text='Hi', choice=0), Finished(reason='STOP', choice=0, complete=True)]

    The usage, even when the consumer stops at the first event:

    >>> from streamops import Stream
    >>> body = [b'event: message_delta\\ndata: {"type": "content_block_delta", "index": 0,'
    ...         b' "delta": {"type": "text_delta", "text": "Hi"}}\\n\\n',
    ...         b'data: {"type": "message_delta", "delta": {"stop_reason": "end_turn"},'
    ...         b' "usage": {"output_tokens": 9}}\\n\\n']
    >>> async def first(s: Stream[Event]) -> Event:
    ...     async with s:
    ...         return await anext(s)
    >>> import anyio
    >>> anyio.run(first, pipe(body, events(on_stop="drain", on_usage=print)))
    Usage(input_tokens=None, output_tokens=9, total_tokens=None, reasoning_tokens=None,
          details={'output_tokens': 9})
    TextDelta(text='Hi', choice=0)
    """
    reading = Reading(provider, "events()", on_stop, drain_timeout, on_usage)
    return reading.wrap(_events(source, reading))


async def _events(source: AsyncIterable[Any], reading: Reading) -> AsyncGenerator[Event, None]:
    adapter = reading.adapter
    track = reading.track
    try:
        async for item in source:
            batch = adapter.feed(item)
            if track:
                reading.seen(batch)
            for event in batch:
                yield event
            if adapter.done:
                break
        batch = adapter.close()
        if track:
            reading.seen(batch)
        reading.reached_end = True
        for event in batch:
            yield event
        adapter.close()  # a body cut off inside an event: its error, after the events above
    except GeneratorExit:
        await reading.stopped(source)
        raise
    finally:
        reading.report()


def _check(event: Event, end: TextEnd) -> str | None:
    """For text(): the text of ``event`` to yield, if any; raise on an in-band error."""
    kind = type(event)
    if kind is TextDelta:
        delta: TextDelta = event  # type: ignore[assignment]
        if delta.choice == end.choice:
            end.received.append(delta.text)
            return delta.text
    elif kind is Finished:
        end.finish(event)  # type: ignore[arg-type]
    elif kind is ProviderError:
        raise ProviderStreamError(event, received="".join(end.received))  # type: ignore[arg-type]
    elif kind is Refusal:
        refused: Refusal = event  # type: ignore[assignment]
        if refused.choice == end.choice:
            end.refusal.append(refused.text)
    return None


@operator
def text(
    source: AsyncIterable[object],
    *,
    provider: Provider = "auto",
    choice: int = 0,
    allow_truncated: bool = False,
    on_stop: OnStop = "close",
    drain_timeout: float = 10.0,
    on_usage: Callable[[Usage | None], object] | None = None,
) -> AsyncIterator[str]:
    """Keep only the answer text of a provider stream, so text and JSON operators chain on.

    Takes the same inputs as :func:`events` (SDK objects, dicts, SSE events,
    raw bodies, or provider events). Reasoning, tool calls and usage are left
    out; nothing is lost silently, though: an in-band error, a refusal, a cut
    stream and a length stop are raised, each after all the text before it.

    Args:
        provider: as for :func:`events`.
        choice: which choice (OpenAI ``n``) or candidate (Gemini) to read.
        allow_truncated: end quietly when the provider stopped the answer at
            its token limit (for plain text that may be cut short), instead of
            raising :class:`~streamops.TruncatedOutputError`.
        on_stop: as for :func:`events`.
        drain_timeout: as for :func:`events`.
        on_usage: as for :func:`events`.

    Yields:
        the text fragments, as they arrive (never empty).

    Raises:
        ProviderStreamError: the provider reported an error in the stream
            (``.event`` is the :class:`ProviderError`; ``.received`` the text
            yielded before it).
        RefusalError: the model refused; raised at the end, with the whole
            refusal in ``.refusal``, after any text.
        IncompleteStreamError: the body stopped without the provider's
            terminal signal (see :func:`events`): the connection was cut.
        TruncatedOutputError: the provider stopped for length (OpenAI
            ``finish_reason="length"``, Anthropic ``max_tokens``, Gemini
            ``MAX_TOKENS``, Responses ``incomplete`` for
            ``max_output_tokens`` ...), unless ``allow_truncated``: raised
            at the end, with ``finish_reason``, the text in ``partial`` and
            ``received``, and the position of its end. The JSON and model
            operators fed by ``text()`` raise it again with their own
            position, path and partial value.

    >>> from streamops import drain, pipe
    >>> body = [b'event: content_block_delta\\ndata: {"type": "content_block_delta", "index": 0,',
    ...         b' "delta": {"type": "text_delta", "text": "Hello"}}\\n\\n',
    ...         b'event: message_stop\\ndata: {"type": "message_stop"}\\n\\n']
    >>> drain(pipe(body, text()))
    ['Hello']

    Cut before its ``message_stop``, the same body raises after the text:

    >>> drain(pipe(body[:2], text()))
    Traceback (most recent call last):
    ...
    streamops.errors.IncompleteStreamError: the stream stopped before the provider's end ...
    """
    reading = Reading(provider, "text()", on_stop, drain_timeout, on_usage)
    return reading.wrap(_text(source, reading, TextEnd(choice, allow_truncated)))


async def _text(
    source: AsyncIterable[Any], reading: Reading, end: TextEnd
) -> AsyncGenerator[str, None]:
    adapter = reading.adapter
    track = reading.track
    try:
        async for item in source:
            batch = adapter.feed(item)
            if track:
                reading.seen(batch)
            for event in batch:
                piece = _check(event, end)
                if piece is not None:
                    yield piece
            if adapter.done:
                break
        batch = adapter.close()
        if track:
            reading.seen(batch)
        reading.reached_end = True
        for event in batch:
            piece = _check(event, end)
            if piece is not None:
                yield piece
        adapter.close()  # a body cut off inside an event: its error, after the text above
    except GeneratorExit:
        await reading.stopped(source)
        raise
    finally:
        reading.report()
    end.end()
