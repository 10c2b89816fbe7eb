"""The provider-neutral events every adapter emits.

One vocabulary for every provider (DESIGN.md section 6)::

    TextDelta(text)                       a piece of the answer text
    ReasoningDelta(text)                  a piece of the model's reasoning / thinking
    Refusal(text)                         a piece of a refusal (OpenAI structured outputs)
    ToolCallStarted(index, id, name)      a tool call began
    ToolCallDelta(index, text)            a fragment of its JSON arguments
    ToolCallDone(index, id, name, arguments, parsed)
                                          the provider said the call is finished
    Usage(input_tokens, output_tokens, ...)  token counts (the last one is the total)
    Finished(reason, complete)            the provider's finish / stop reason; ``complete=False``
                                          (and ``reason=None``) when the body just stopped
    ProviderError(message, code, ...)     an in-band error (an ``error`` event or object)
    ReasoningSignature(signature)         an opaque signature of the reasoning (or call) before it
    RedactedReasoning(data)               reasoning sent encrypted / redacted, to send back as is
    Citation(url, title, text, data)      a source the answer cites
    ServerToolResult(id, type, content)   the result of a tool the provider ran itself
    ServerToolUpdate(id, type, status)    progress of such a tool (searching, partial image ...)
    Unknown(type, payload)                an event this version does not know, passed through
    ToolPlanDelta(text)                   a piece of the plan a model states before its tool calls

Every event keeps the provider's own object in ``raw`` (the parsed JSON ``dict``,
or the SDK's typed object when the input was one). ``raw`` is left out of
``repr`` and of ``==``, so the same stream read from raw bytes and from SDK
objects gives equal events. Events about one generated answer carry ``choice``
(OpenAI ``n > 1``, Gemini ``candidateCount``); it is ``0`` otherwise.

The records are ``@dataclass(slots=True)`` (not frozen: they are built on the
hot path).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

__all__ = [
    "Citation",
    "Event",
    "Finished",
    "ProviderError",
    "ReasoningDelta",
    "ReasoningSignature",
    "RedactedReasoning",
    "Refusal",
    "ServerToolResult",
    "ServerToolUpdate",
    "TextDelta",
    "ToolCallDelta",
    "ToolCallDone",
    "ToolCallStarted",
    "ToolPlanDelta",
    "Unknown",
    "Usage",
]


@dataclass(slots=True)
class TextDelta:
    """A fragment of the answer text of one choice (never empty).

    >>> TextDelta("Hel")
    TextDelta(text='Hel', choice=0)
    """

    text: str
    choice: int = 0
    raw: Any = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class ReasoningDelta:
    """A fragment of the model's visible reasoning (``reasoning_content``, ``thinking``,
    Gemini ``thought`` parts, Responses reasoning summaries).

    >>> ReasoningDelta("Let me think")
    ReasoningDelta(text='Let me think', choice=0)
    """

    text: str
    choice: int = 0
    raw: Any = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class Refusal:
    """A fragment of a refusal message (the model declined to answer).

    >>> Refusal("I can't help with that.")
    Refusal(text="I can't help with that.", choice=0)
    """

    text: str
    choice: int = 0
    raw: Any = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class ToolCallStarted:
    """A tool call began. ``index`` identifies the call within its choice for the
    following :class:`ToolCallDelta` / :class:`ToolCallDone` events.

    ``id`` is the provider's call id (``None`` where the provider has none, as
    Gemini mostly). ``server`` is true for tools the provider runs itself
    (Anthropic ``server_tool_use``, Responses ``web_search_call`` ...): there is
    nothing for the caller to execute.

    >>> ToolCallStarted(0, "call_1", "get_weather")
    ToolCallStarted(index=0, id='call_1', name='get_weather', choice=0, server=False)
    """

    index: int
    id: str | None
    name: str
    choice: int = 0
    server: bool = False
    raw: Any = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class ToolCallDelta:
    """A fragment of a tool call's JSON argument text (never empty).

    ``text`` is the fragment, as in every delta event (:class:`TextDelta`,
    :class:`ReasoningDelta`); the fragments of one call, joined, spell
    :attr:`ToolCallDone.arguments`. ``id`` and ``name`` are the call's (as in
    its :class:`ToolCallStarted`), so a consumer of one delta need not look
    them up; they are left out of ``==`` (the call is ``index`` and
    ``choice``). ``partial_args`` is left ``None`` by the adapters; the
    tool-call assembler fills it with the partial value parsed so far.

    >>> ToolCallDelta(0, '{"city": "Par', id="call_1", name="get_weather")
    ToolCallDelta(index=0, text='{"city": "Par', choice=0, partial_args=None, id='call_1',
                  name='get_weather')
    """

    index: int
    text: str
    choice: int = 0
    partial_args: Any = None
    id: str | None = field(default=None, compare=False)
    name: str | None = field(default=None, compare=False)
    raw: Any = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class ToolCallDone:
    """A tool call is finished: the provider said so, or the stream ended.

    Attributes:
        index: as in :class:`ToolCallStarted`.
        id: as in :class:`ToolCallStarted`.
        name: as in :class:`ToolCallStarted`.
        choice: as in :class:`ToolCallStarted`.
        server: as in :class:`ToolCallStarted`.
        arguments: the complete argument text, exactly as the provider sent it
            (for Gemini, which sends an object, its compact JSON).
        parsed: ``json.loads(arguments)``; ``{}`` for a complete call with no
            argument text at all (a tool without parameters); ``None`` when the
            text is not valid JSON (the raw text stays in ``arguments``).
        complete: ``False`` when the provider never said the call was finished
            (the stream ended, or stopped for ``length`` / ``max_tokens``): the
            arguments are probably cut off. Such calls are reported rather than
            dropped; do not execute them.

    >>> ToolCallDone(0, "call_1", "get_weather", '{"city": "Paris"}', {"city": "Paris"})
    ToolCallDone(index=0, id='call_1', name='get_weather', arguments='{"city": "Paris"}',
                 parsed={'city': 'Paris'}, choice=0, server=False, complete=True)
    """

    index: int
    id: str | None
    name: str
    arguments: str
    parsed: Any
    choice: int = 0
    server: bool = False
    complete: bool = True
    raw: Any = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class Usage:
    """Token counts reported by the provider.

    The normalised counts are ``None`` when the provider did not report them.
    ``input_tokens`` includes cached input (for Anthropic: ``input_tokens +
    cache_creation_input_tokens + cache_read_input_tokens``); ``output_tokens``
    includes reasoning tokens (for Gemini: ``candidatesTokenCount +
    thoughtsTokenCount``). ``details`` is the provider's own usage object (for
    Anthropic, the ``message_start`` usage updated by the ``message_delta``
    usage). A provider may report usage more than once; the last one is the
    total.

    >>> Usage(10, 5, 15)
    Usage(input_tokens=10, output_tokens=5, total_tokens=15, reasoning_tokens=None, details={})
    """

    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    reasoning_tokens: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    raw: Any = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class Finished:
    """A choice finished; ``reason`` is the provider's own word for why.

    ``"stop"``, ``"length"``, ``"tool_calls"``, ``"content_filter"`` (OpenAI
    Chat); ``"end_turn"``, ``"max_tokens"``, ``"tool_use"``, ``"stop_sequence"``
    (Anthropic); ``"completed"``, ``"incomplete"``, ``"failed"`` (the Responses
    status); ``"STOP"``, ``"MAX_TOKENS"``, ``"SAFETY"`` ... (Gemini). Emitted
    once per choice, when the provider says it; usage may follow it.

    A body that ends without the provider's terminal signal (``finish_reason``
    / ``[DONE]``, ``message_stop``, ``response.completed``, Gemini
    ``finishReason``) ends with ``Finished(None, complete=False)``: the
    connection was cut, and what came before is not the whole answer.

    >>> Finished("stop")
    Finished(reason='stop', choice=0, complete=True)
    """

    reason: str | None
    choice: int = 0
    complete: bool = True
    raw: Any = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class ProviderError:
    """An error the provider reported inside the stream (not an exception).

    Attributes:
        message: the error message ("" if the provider gave none).
        code: the provider's error code (``"insufficient_quota"``, ``400`` ...).
        error_type: the provider's error type (``"overloaded_error"`` ...).
        body: the provider's error object.

    >>> ProviderError("Overloaded", error_type="overloaded_error")
    ProviderError(message='Overloaded', code=None, error_type='overloaded_error', body=None)
    """

    message: str
    code: str | int | None = None
    error_type: str | None = None
    body: Any = None
    raw: Any = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class ReasoningSignature:
    """An opaque signature over the reasoning (or the tool call) just before it.

    Anthropic ``signature_delta`` (ends a ``thinking`` block; a ``thinking``
    block whose start carries its signature gives it at the block's end),
    Gemini ``thoughtSignature`` (on any part, even an otherwise empty one: it
    comes right after that part's events, so it belongs to the text, thought or
    function call before it), OpenRouter ``reasoning_details[].signature``,
    Bedrock ``reasoningContent.signature``. It comes right after the events of
    the content it signs, and must go back to the provider with that content in
    the next request (see :func:`~streamops.to_message`).

    >>> ReasoningSignature("EqQBCkgIARABGAIiQ...")
    ReasoningSignature(signature='EqQBCkgIARABGAIiQ...', choice=0)
    """

    signature: str
    choice: int = 0
    raw: Any = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class RedactedReasoning:
    """Reasoning the provider sends encrypted or redacted, to be sent back unchanged.

    Anthropic ``redacted_thinking`` blocks, OpenAI Responses reasoning
    ``encrypted_content``, OpenRouter ``reasoning.encrypted`` details, Bedrock
    ``redactedContent`` (base64). ``data`` is the opaque text.

    >>> RedactedReasoning("EmwKAhgBEgy3va3pzix/LafPsn4a")
    RedactedReasoning(data='EmwKAhgBEgy3va3pzix/LafPsn4a', choice=0)
    """

    data: str
    choice: int = 0
    raw: Any = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class Citation:
    """A source the answer cites.

    Anthropic ``citations_delta`` (``url``, or a search result's ``source``;
    ``title`` or ``document_title``; ``text`` the ``cited_text``), Responses
    ``output_text.annotation.added`` (``url`` / ``title`` of a
    ``url_citation``; a file citation's ``filename`` as ``title``), Gemini
    ``groundingMetadata`` / ``citationMetadata`` (one per source, each once
    although Gemini repeats the metadata: a grounding chunk's ``uri`` / ``title``,
    ``text`` a retrieved context's text; ``data`` holds the chunk and the
    ``groundingSupports`` that point at it), Bedrock ``citation``, Cohere
    ``citation-start``. ``url``, ``title`` and ``text`` (the text of the
    source that is cited) are filled where the provider gives them; ``data``
    is the provider's own citation object.

    >>> Citation(url="https://example.com", title="Example")
    Citation(url='https://example.com', title='Example', text=None, choice=0)
    """

    url: str | None = None
    title: str | None = None
    text: str | None = None
    choice: int = 0
    data: Any = field(default=None, repr=False)
    raw: Any = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class ServerToolResult:
    """The result of a tool the provider ran itself, sent whole.

    Anthropic ``web_search_tool_result``, ``web_fetch_tool_result``,
    ``code_execution_tool_result`` (and every other ``*_tool_result`` block),
    Responses hosted-tool items when done (``web_search_call``,
    ``file_search_call``, ``code_interpreter_call``, ``image_generation_call``,
    ``mcp_call``, ``mcp_list_tools``: ``content`` is the whole done item),
    Gemini ``codeExecutionResult`` / ``toolResponse`` parts (``content`` is
    that object: ``outcome`` and ``output``). ``id`` is the id of the call it
    answers (as in :class:`ToolCallStarted`) where there is one (Gemini's code
    execution has none), ``type`` the provider's block / item / part type,
    ``content`` its result. The call itself came before as
    ``ToolCallStarted`` / ``ToolCallDone`` with ``server=True``; there is
    nothing for the caller to run.

    >>> ServerToolResult("srvtoolu_1", "web_search_tool_result", [])
    ServerToolResult(id='srvtoolu_1', type='web_search_tool_result', content=[], choice=0)
    """

    id: str | None
    type: str
    content: Any = None
    choice: int = 0
    raw: Any = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class ServerToolUpdate:
    """Progress of a tool the provider runs itself.

    Responses ``web_search_call.searching``, ``file_search_call.in_progress``,
    ``code_interpreter_call_code.delta`` (``data`` is the code fragment),
    ``image_generation_call.partial_image`` (``data`` is the base64 image),
    ``mcp_call.in_progress``, ``mcp_list_tools.completed`` ... ``id`` is the
    item's id, ``type`` the item type (``"code_interpreter_call"`` for the
    ``code_interpreter_call_code`` events too), ``status`` the last part of
    the provider's event type (``"searching"``, ``"delta"``, ``"done"``,
    ``"partial_image"``), ``data`` the code fragment (``.delta``), the whole
    code (``code_interpreter_call_code.done``), the base64 image
    (``partial_image``), else ``None``.

    >>> ServerToolUpdate("ws_1", "web_search_call", "searching")
    ServerToolUpdate(id='ws_1', type='web_search_call', status='searching', data=None, choice=0)
    """

    id: str | None
    type: str
    status: str
    data: Any = None
    choice: int = 0
    raw: Any = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class Unknown:
    """An event this version of streamops does not know, passed through unchanged.

    Providers add event types; a new one is neither dropped nor an error.
    ``type`` is the provider's event type (or SSE event name), or the type of
    the unknown block / delta / output item inside a known event (Anthropic,
    Responses; ``payload`` is then the whole event), the key of an unknown part
    kind (Gemini ``inlineData`` ...; ``payload`` is the part), or the type of
    an unknown ``reasoning_details`` entry (OpenRouter; ``payload`` is the
    entry). From an SDK object, ``payload`` is the SDK's dump of it.

    >>> Unknown("response.future_thing", {"type": "response.future_thing"})
    Unknown(type='response.future_thing', payload={'type': 'response.future_thing'})
    """

    type: str
    payload: Any = None
    raw: Any = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class ToolPlanDelta:
    """A fragment of the plan the model states before it calls tools (Cohere ``tool_plan``).

    Neither answer text nor hidden reasoning: Cohere wants it back in the
    ``tool_plan`` field of the assistant message of the next turn, beside the
    tool calls it announces, and an application may show it ("I will look up
    the weather in Berlin"). :func:`~streamops.providers.text` leaves it out.

    >>> ToolPlanDelta("I will use the weather tool.")
    ToolPlanDelta(text='I will use the weather tool.', choice=0)
    """

    text: str
    choice: int = 0
    raw: Any = field(default=None, repr=False, compare=False)


Event: TypeAlias = (
    TextDelta
    | ReasoningDelta
    | Refusal
    | ToolCallStarted
    | ToolCallDelta
    | ToolCallDone
    | Usage
    | Finished
    | ProviderError
    | ReasoningSignature
    | RedactedReasoning
    | Citation
    | ServerToolResult
    | ServerToolUpdate
    | Unknown
    | ToolPlanDelta
)
"""Any provider event."""

EVENT_TYPES: tuple[type, ...] = (
    TextDelta,
    ReasoningDelta,
    Refusal,
    ToolCallStarted,
    ToolCallDelta,
    ToolCallDone,
    Usage,
    Finished,
    ProviderError,
    ReasoningSignature,
    RedactedReasoning,
    Citation,
    ServerToolResult,
    ServerToolUpdate,
    Unknown,
    ToolPlanDelta,
)
