"""OpenAI adapters: Chat Completions (and OpenAI-compatible servers) and Responses."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Final

from ..errors import ProviderFormatError
from ._base import (
    AdapterBase,
    FastPath,
    ToolCallState,
    cut_markers,
    dump_nested,
    error_event,
    first_str,
    int_or_none,
)
from ._events import (
    Citation,
    Event,
    Finished,
    ReasoningDelta,
    ReasoningSignature,
    RedactedReasoning,
    Refusal,
    ServerToolResult,
    ServerToolUpdate,
    TextDelta,
    Unknown,
    Usage,
)
from ._sdk import accepted, extra_keys, sdk_role

__all__ = ["OpenAIChatAdapter", "OpenAIResponsesAdapter"]

# Finish reasons that cut the output off: tool calls still open then are incomplete.
_TRUNCATING: Final = frozenset({"length", "content_filter", "max_tokens"})


def _usage(usage: Mapping[str, Any], raw: Any, prefix: tuple[str, str]) -> Usage:
    """Usage from Chat (``prompt``/``completion`` tokens) or Responses (``input``/``output``)."""
    into, out = prefix
    details = usage.get(f"{out}_tokens_details")
    reasoning = details.get("reasoning_tokens") if isinstance(details, Mapping) else None
    return Usage(
        int_or_none(usage.get(f"{into}_tokens")),
        int_or_none(usage.get(f"{out}_tokens")),
        int_or_none(usage.get("total_tokens")),
        int_or_none(reasoning),
        dict(usage),
        raw,
    )


_CHAT: Final = ("prompt", "completion")

# The SDK classes the fast path of OpenAIChatAdapter reads (filled as they are seen).
_CHOICE: Final = accepted("chat.choice")
_DELTA: Final = accepted("chat.delta")
_TOOL_CALL: Final = accepted("chat.tool_call")
_FUNCTION: Final = accepted("chat.function")
_USAGE: Final = accepted("chat.usage")
# Extra fields of these names send a chunk to the dict path (see _sdk); the choices,
# tool calls and functions have none (they declare all that the adapter reads).
_CHUNK_KEYS: Final = extra_keys("chat.chunk")
_DELTA_KEYS: Final = extra_keys("chat.delta")
_RESPONSES: Final = ("input", "output")


class _ChatCall(ToolCallState):
    """A Chat Completions tool call: announced (``ToolCallStarted``) once its name is
    complete, that is when its arguments begin or when it finishes."""

    __slots__ = ("announced",)

    def __init__(self, index: int, id: str | None, name: str, *, choice: int) -> None:
        super().__init__(index, id, name, choice=choice)
        self.announced = False

    def add_name(self, name: str) -> None:
        """A name in a later delta: the same name resent, the name so far resent longer,
        or the next piece of a name sent in pieces."""
        if not self.name or name.startswith(self.name):
            self.name = name
        else:
            self.name += name


class OpenAIChatAdapter(AdapterBase):
    """Chat Completions chunks (``chat.completion.chunk``) to provider events.

    Handles every choice of ``n > 1`` (events carry ``choice``), ``refusal``
    deltas, the usage-only last chunk of ``stream_options.include_usage``, and
    the quirks of OpenAI-compatible servers: ``reasoning_content`` (DeepSeek) and
    ``reasoning`` (OpenRouter, Groq) deltas, OpenRouter's ``reasoning_details``
    (a ``reasoning.text`` / ``reasoning.summary`` detail's ``signature`` gives a
    ``ReasoningSignature`` after the reasoning it signs, a ``reasoning.encrypted``
    detail's ``data`` a ``RedactedReasoning``; their text repeats ``reasoning`` and
    gives a ``ReasoningDelta`` only in a delta without ``reasoning``; a detail
    without ``type`` is read as ``reasoning.text``, one of another type gives
    ``Unknown``), ``content`` given as a list of typed
    parts (Mistral ``text`` / ``thinking``), Groq's ``x_groq.usage``, an in-band
    ``error`` object in a chunk or an ``event: error`` event, and a
    ``finish_reason`` repeated on several chunks (reported once). A whole chat
    completion (a choice with a ``message`` instead of a ``delta``: the answer to
    a request without streaming) is a ``ProviderFormatError``, not a stream whose
    text would be lost.

    Tool calls: the deltas of several calls may come in any order (all the
    calls announced first, their arguments afterwards; fragments of several
    indices interleaved); each fragment goes to the call at its ``index``. A
    new ``id`` at an index whose call has another id starts a new call (Groq,
    Ollama, xAI send each call whole, all at ``index`` 0), as does a new id on
    a delta without ``index``; an ``id`` or a name resent on every delta changes
    nothing; a name sent in pieces is joined. A call's ``index`` is the one the
    provider sent, or the next free one when that is taken. ``ToolCallStarted``
    comes once the name is complete: with the first delta that carries
    ``arguments`` (OpenAI sends the name with ``"arguments": ""``). A call is
    finished (``ToolCallDone``) only when its choice's ``finish_reason``
    arrives, never because another call started; calls still open at a
    ``length`` / ``content_filter`` finish or at the end of the stream are
    reported with ``complete=False``.

    The stream has ended (:attr:`ended`) once every choice that started has its
    ``finish_reason``, or at ``[DONE]``; a body cut before that ends with
    ``Finished(None, choice, complete=False)`` for each choice left unfinished.

    >>> a = OpenAIChatAdapter()
    >>> a.feed({"choices": [{"index": 0, "delta": {"content": "Hi"}}]})
    [TextDelta(text='Hi', choice=0)]
    >>> a.feed({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    [Finished(reason='stop', choice=0, complete=True)]
    """

    __slots__ = ("_finished", "_next", "_open", "_slots", "_started", "_taken")

    def __init__(self) -> None:
        super().__init__()
        self._started: set[int] = set()  # the choices seen
        self._slots: dict[tuple[int, int | None], _ChatCall] = {}  # (choice, index sent)
        self._open: list[_ChatCall] = []  # in the order they started
        self._taken: set[tuple[int, int]] = set()  # (choice, index) of every call so far
        self._next: dict[int, int] = {}
        self._finished: set[int] = set()

    def _payload(self, payload: Mapping[str, Any], event: str | None, raw: Any) -> list[Event]:
        out: list[Event] = []
        if event == "error":
            error = payload.get("error")
            out.append(error_event(error if error is not None else payload, raw))
            return out
        choices = payload.get("choices")
        if choices:
            for pos, choice in enumerate(choices):
                if choice.__class__ is not dict and not isinstance(choice, Mapping):
                    continue
                ci = choice.get("index")
                if not isinstance(ci, int):
                    ci = pos
                self._started.add(ci)
                delta = choice.get("delta")
                if delta:
                    # The usual delta, {"content": "..."}, without the look at each key.
                    content = delta.get("content") if delta.__class__ is dict else None
                    if content.__class__ is str and len(delta) == 1:
                        if content:
                            out.append(TextDelta(content, ci, raw))
                    else:
                        self._delta(ci, delta, raw, out)
                elif delta is None and isinstance(choice.get("message"), Mapping):
                    raise ProviderFormatError(
                        "this is a whole chat completion (its choice has a 'message', not a"
                        " 'delta'), not a chunk of a stream: a response to a request without"
                        " streaming (stream=True)?",
                        payload=payload,
                        received=payload,
                    )
                reason = choice.get("finish_reason")
                if reason is not None and ci not in self._finished:
                    self._finished.add(ci)
                    self._close_calls(ci, raw, out, complete=reason not in _TRUNCATING)
                    out.append(Finished(reason, ci, raw=raw))
            if self._finished:
                self.ended = self._started <= self._finished
        usage = payload.get("usage")
        if usage is None:
            extra = payload.get("x_groq")
            if extra is not None and isinstance(extra, Mapping):
                usage = extra.get("usage")
        # (None first: an ABC check that fails is the dearest of all)
        if usage is not None and isinstance(usage, Mapping) and usage:
            out.append(_usage(usage, raw, _CHAT))
        error = payload.get("error")
        if error:
            out.append(error_event(error, raw))
        return out

    def _delta(self, ci: int, delta: Mapping[str, Any], raw: Any, out: list[Event]) -> None:
        reasoning = delta.get("reasoning_content") or delta.get("reasoning")
        said = False
        if reasoning and isinstance(reasoning, str):
            said = True
            out.append(ReasoningDelta(reasoning, ci, raw))
        details = delta.get("reasoning_details")
        if details and isinstance(details, list):
            self._reasoning_details(ci, details, said, raw, out)
        content = delta.get("content")
        if content:
            if isinstance(content, str):
                out.append(TextDelta(content, ci, raw))
            elif isinstance(content, list):
                self._content_parts(ci, content, raw, out)
        refusal = delta.get("refusal")
        if refusal and isinstance(refusal, str):
            out.append(Refusal(refusal, ci, raw))
        tool_calls = delta.get("tool_calls")
        if tool_calls:
            for tc in tool_calls:
                if isinstance(tc, Mapping):
                    self._tool_delta(ci, tc, raw, out)
        function_call = delta.get("function_call")  # the deprecated `functions` API
        if function_call is not None and isinstance(function_call, Mapping) and function_call:
            self._tool_delta(ci, {"index": 0, "function": function_call}, raw, out)

    @staticmethod
    def _reasoning_details(
        ci: int, details: list[Any], said: bool, raw: Any, out: list[Event]
    ) -> None:
        """OpenRouter's ``reasoning_details``: signatures and encrypted reasoning (their
        text repeats the delta's ``reasoning``: used only when that is absent)."""
        for detail in details:
            if not isinstance(detail, Mapping):
                continue
            kind = detail.get("type", "reasoning.text")
            if kind == "reasoning.text" or kind == "reasoning.summary":
                text = detail.get("text" if kind == "reasoning.text" else "summary")
                if not said and text and isinstance(text, str):
                    out.append(ReasoningDelta(text, ci, raw))
                signature = detail.get("signature")
                if signature and isinstance(signature, str):
                    out.append(ReasoningSignature(signature, ci, raw))
            elif kind == "reasoning.encrypted":
                data = detail.get("data")
                if data and isinstance(data, str):
                    out.append(RedactedReasoning(data, ci, raw))
            else:
                out.append(Unknown(kind if isinstance(kind, str) else "", detail, raw))

    @staticmethod
    def _content_parts(ci: int, parts: list[Any], raw: Any, out: list[Event]) -> None:
        for part in parts:
            if isinstance(part, str):
                if part:
                    out.append(TextDelta(part, ci, raw))
                continue
            if not isinstance(part, Mapping):
                continue
            kind = part.get("type")
            if kind == "text":
                text = part.get("text")
                if text and isinstance(text, str):
                    out.append(TextDelta(text, ci, raw))
            elif kind in ("thinking", "reasoning"):
                thought = part.get("thinking", part.get("text"))
                if isinstance(thought, list):
                    thought = "".join(
                        p.get("text") or "" if isinstance(p, Mapping) else str(p) for p in thought
                    )
                if thought and isinstance(thought, str):
                    out.append(ReasoningDelta(thought, ci, raw))

    def _tool_delta(self, ci: int, tc: Mapping[str, Any], raw: Any, out: list[Event]) -> None:
        function = tc.get("function")
        if function is None:
            function = {}
        call_id = tc.get("id") or None
        name = function.get("name") or None  # (not a mapping: AdapterBase reports it)
        if not isinstance(call_id, (str, type(None))) or not isinstance(name, (str, type(None))):
            raise TypeError(f"a tool call id and name must be strings: {tc!r:.80}")
        self._tool(ci, tc.get("index"), call_id, name, function.get("arguments"), raw, out, tc)

    def _tool(
        self,
        ci: int,
        index: Any,
        call_id: Any,
        name: Any,
        arguments: Any,
        raw: Any,
        out: list[Event],
        tc: Any,
    ) -> None:
        """One tool-call delta: ``tc`` is its payload (a dict, or the SDK object).

        ``index`` names a slot (``None`` for servers that send none); the call in a
        slot goes on until another call starts there (a different ``id``, or a
        different name once arguments have come). No call is finished here: only the
        choice's ``finish_reason`` (or the end of the stream) finishes calls.
        """
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            index = None
        if arguments is not None and not isinstance(arguments, str):  # sent as an object
            arguments = json.dumps(arguments, separators=(",", ":"), ensure_ascii=False)
        key = (ci, index)
        call = self._slots.get(key)
        if call is not None and (
            (call_id is not None and call.id is not None and call_id != call.id)
            or (name is not None and call.name and call.parts and name != call.name)
        ):
            call = None  # another call at the same index (Groq, Ollama, xAI ...)
        if call is None:
            call = self._new_call(ci, index, call_id, name)
            self._slots[key] = call
        elif call.done:
            if arguments:
                raise ProviderFormatError(
                    f"tool call {call.index} of choice {ci} received arguments after the"
                    " choice finished",
                    payload=tc if isinstance(tc, Mapping) else dump_nested(tc),
                )
            return  # a resent header of a finished call: nothing new
        else:
            if call_id and not call.id:
                call.id = call_id
            if name:
                call.add_name(name)
        if not call.announced and arguments is not None:
            # The name is complete once the arguments begin (or the call finishes).
            call.announced = True
            out.append(call.started(raw))
        if arguments:
            out.append(call.delta(arguments, raw))

    def _new_call(self, ci: int, index: int | None, call_id: Any, name: Any) -> _ChatCall:
        """A call for the slot ``index``; its own index is the slot's if free, else the next."""
        taken = self._taken
        if index is None or (ci, index) in taken:
            index = self._next.get(ci, 0)
            while (ci, index) in taken:
                index += 1
        taken.add((ci, index))
        self._next[ci] = max(self._next.get(ci, 0), index + 1)
        call = _ChatCall(index, call_id, name or "", choice=ci)
        self._open.append(call)
        return call

    def _close_calls(self, ci: int, raw: Any, out: list[Event], *, complete: bool) -> None:
        if not self._open:
            return
        keep: list[_ChatCall] = []
        for call in self._open:
            if call.choice == ci:
                if not call.announced:
                    call.announced = True
                    out.append(call.started(raw))
                out.append(call.finish(raw, complete=complete))
            else:
                keep.append(call)
        self._open = keep

    def close(self) -> list[Event]:
        """End of stream: calls never finished come out with ``complete=False``."""
        out: list[Event] = []
        for ci in dict.fromkeys(call.choice for call in self._open):
            self._close_calls(ci, None, out, complete=False)
        self.closed = True
        return out

    def cut(self) -> list[Event]:
        return cut_markers(self._started, self._finished)

    # -- the SDK's ChatCompletionChunk, read without model_dump (see _sdk) ------------

    def _fast_chunk(self, item: Any) -> list[Event] | None:
        """The events of a ``ChatCompletionChunk``, as :meth:`_payload` gives them for its
        dump; ``None`` (nothing changed) for anything the attributes cannot say exactly.

        Everything is read and checked first; only then does the state change."""
        read: list[tuple[int, Any, Any, list[tuple[Any, Any, Any, Any, Any]] | None, Any]] = []
        try:
            extra = item.__pydantic_extra__
            if extra and not _CHUNK_KEYS.isdisjoint(extra):
                return None  # an in-band error, x_groq ...
            choices = item.choices
            usage = item.usage
            if usage is not None and usage.__class__ not in _USAGE:
                if sdk_role(usage.__class__) != "chat.usage":
                    return None
            if choices:
                if choices.__class__ is not list:
                    return None
                pos = -1
                for choice in choices:
                    pos += 1
                    if choice.__class__ not in _CHOICE:
                        if sdk_role(choice.__class__) != "chat.choice":
                            return None
                    ci = choice.index
                    reason = choice.finish_reason
                    delta = choice.delta
                    if ci.__class__ is not int:
                        if ci is not None:
                            return None
                        ci = pos
                    if reason is not None and reason.__class__ is not str:
                        return None
                    if delta is None:
                        read.append((ci, None, None, None, reason))
                        continue
                    if delta.__class__ not in _DELTA:
                        if sdk_role(delta.__class__) != "chat.delta":
                            return None
                    extra = delta.__pydantic_extra__
                    if (extra and not _DELTA_KEYS.isdisjoint(extra)) or (
                        delta.function_call is not None
                    ):
                        return None  # reasoning_content ..., the deprecated function_call
                    content = delta.content
                    refusal = delta.refusal
                    tool_calls = delta.tool_calls
                    if (content is not None and content.__class__ is not str) or (
                        refusal is not None and refusal.__class__ is not str
                    ):
                        return None
                    if not tool_calls:
                        read.append((ci, content, refusal, None, reason))
                        continue
                    if tool_calls.__class__ is not list:
                        return None
                    calls = []
                    for tc in tool_calls:
                        if tc.__class__ not in _TOOL_CALL:
                            if sdk_role(tc.__class__) != "chat.tool_call":
                                return None
                        index = tc.index
                        call_id = tc.id
                        function = tc.function
                        if (index is not None and index.__class__ is not int) or (
                            call_id is not None and call_id.__class__ is not str
                        ):
                            return None
                        name = arguments = None
                        if function is not None:
                            if function.__class__ not in _FUNCTION:
                                if sdk_role(function.__class__) != "chat.function":
                                    return None
                            name = function.name
                            arguments = function.arguments
                            if (name is not None and name.__class__ is not str) or (
                                arguments is not None and arguments.__class__ is not str
                            ):
                                return None
                        calls.append((tc, index, call_id, name, arguments))
                    read.append((ci, content, refusal, calls, reason))
        except AttributeError:  # model_construct() without a required field
            return None
        # Everything read: now the same steps as _payload.
        out: list[Event] = []
        for ci, content, refusal, deltas, reason in read:
            self._started.add(ci)
            if content:
                out.append(TextDelta(content, ci, item))
            if refusal:
                out.append(Refusal(refusal, ci, item))
            if deltas:
                for tc, index, call_id, name, arguments in deltas:
                    if call_id is None and name is None and index is not None:
                        # The common delta: more arguments for the open call.
                        call = self._slots.get((ci, index))
                        if call is not None and call.announced and not call.done:
                            if arguments:
                                out.append(call.delta(arguments, item))
                            continue
                    self._tool(ci, index, call_id or None, name or None, arguments, item, out, tc)
            if reason is not None and ci not in self._finished:
                self._finished.add(ci)
                self._close_calls(ci, item, out, complete=reason not in _TRUNCATING)
                out.append(Finished(reason, ci, raw=item))
        if read and self._finished:
            self.ended = self._started <= self._finished
        if usage is not None:
            fields = dump_nested(usage)
            if fields:
                out.append(_usage(fields, item, _CHAT))
        return out

    _FAST: ClassVar[dict[str, FastPath]] = {"chat.chunk": _fast_chunk}


# Responses output items that are tool calls, with what carries their arguments.
_ARGUMENT_ITEMS: Final = {
    "function_call": ("arguments", False),
    "custom_tool_call": ("input", False),
    "mcp_call": ("arguments", True),
}
# Built-in tools that OpenAI runs itself (other *_call items are run by the caller).
_SERVER_ITEMS: Final = frozenset(
    {"web_search_call", "file_search_call", "code_interpreter_call", "image_generation_call"}
)
# Item fields that are not a built-in call's input.
_NOT_INPUT: Final = frozenset(
    {"id", "type", "status", "call_id", "output", "outputs", "result", "results"}
)
_DELTA_EVENTS: Final = frozenset(
    {
        "response.function_call_arguments.delta",
        "response.custom_tool_call_input.delta",
        "response.mcp_call_arguments.delta",
    }
)
_DONE_EVENTS: Final = {
    "response.function_call_arguments.done": "arguments",
    "response.custom_tool_call_input.done": "input",
    "response.mcp_call_arguments.done": "arguments",
}
_END_EVENTS: Final = frozenset({"response.completed", "response.incomplete", "response.failed"})
_REASONING_EVENTS: Final = frozenset(
    {"response.reasoning_summary_text.delta", "response.reasoning_text.delta"}
)
# The response so far, in full: its usage (when it has one) is the running usage.
_RUNNING_EVENTS: Final = frozenset({"response.created", "response.in_progress", "response.queued"})
# Events that say nothing the others do not (see OpenAIResponsesAdapter).
_IGNORED_EVENTS: Final = frozenset(
    {
        "response.content_part.added",
        "response.content_part.done",
        "response.output_text.done",
        "response.refusal.done",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_part.done",
        "response.reasoning_summary_text.done",
        "response.reasoning_text.done",
    }
)
# Items whose progress events (``response.<item>.<status>``) give ServerToolUpdate.
_PROGRESS_ITEMS: Final = {
    "web_search_call": "web_search_call",
    "file_search_call": "file_search_call",
    "code_interpreter_call": "code_interpreter_call",
    "code_interpreter_call_code": "code_interpreter_call",
    "image_generation_call": "image_generation_call",
    "mcp_call": "mcp_call",
    "mcp_list_tools": "mcp_list_tools",
}
# What a progress event carries, by its last part: the key of its data.
_PROGRESS_DATA: Final = {"delta": "delta", "done": "code", "partial_image": "partial_image_b64"}
# Output items run by OpenAI whose done item is their result (ServerToolResult).
_RESULT_ITEMS: Final = _SERVER_ITEMS | {"mcp_call", "mcp_list_tools"}
# Output items that are neither a call nor a result, said by other events.
_PLAIN_ITEMS: Final = frozenset({"message", "reasoning"})


class OpenAIResponsesAdapter(AdapterBase):
    """Responses API stream events (``response.*``) to provider events.

    ``response.output_text.delta`` gives text, ``response.refusal.delta`` a
    refusal, reasoning summary / text deltas give reasoning. A ``function_call``
    (or ``custom_tool_call``, ``mcp_call``) output item gives a tool call whose
    ``index`` is its ``output_index`` and whose ``id`` is its ``call_id``; it is
    finished by ``response.function_call_arguments.done`` (or the item's
    ``output_item.done``). Other ``*_call`` items (``web_search_call`` ...) are
    reported at their ``output_item.done`` with the item's other fields as JSON
    arguments (keys sorted); the ones OpenAI runs itself have ``server=True``.
    ``response.completed`` / ``incomplete`` / ``failed`` give ``Usage`` and
    ``Finished(status)``; an ``error`` event or the failed response's ``error``
    give a ``ProviderError``. Those three end the stream (:attr:`ended`); a body
    cut before them ends with ``Finished(None, complete=False)``.

    The rest of the vocabulary: ``response.custom_tool_call_input.delta`` and
    ``response.mcp_call_arguments.delta`` are ``ToolCallDelta`` of their calls
    (started by the ``output_item.added`` of a ``custom_tool_call`` /
    ``mcp_call`` item; an MCP call has ``server=True``), finished by their
    ``.done``. ``response.output_text.annotation.added`` gives a ``Citation``
    (``url`` / ``title`` of a ``url_citation``; ``title`` is the ``filename`` of
    a file citation; ``data`` the annotation). A finished (``output_item.done``)
    hosted-tool item (``web_search_call``, ``file_search_call``,
    ``code_interpreter_call``, ``image_generation_call``, ``mcp_call``,
    ``mcp_list_tools``) gives ``ServerToolResult(item id, item type, item)``
    (the whole item: its result is in ``action`` / ``results`` / ``outputs`` /
    ``result`` / ``output`` / ``tools`` depending on the tool), after the
    ``ToolCallDone`` of the call; their progress events
    (``response.web_search_call.searching``, ``response.mcp_call.completed``,
    ``response.code_interpreter_call_code.delta`` ...) give
    ``ServerToolUpdate(item_id, item type, last part of the event type, data)``
    with ``data`` the code fragment (``.delta``), the whole code (``.done``) or
    the base64 ``partial_image_b64``. A finished ``reasoning`` item's
    ``encrypted_content`` gives ``RedactedReasoning``. The usage of
    ``response.created`` / ``in_progress`` / ``queued``, when they carry one,
    gives a running ``Usage``. ``local_shell_call``, ``computer_call`` and the
    other ``*_call`` items are run by the caller: they are tool calls
    (``server=False``), not server results. An output item of another type
    (``mcp_approval_request`` ...) gives ``Unknown`` when done, and so does an
    event type this version does not know.

    Deliberately ignored, because other events already say all they carry:
    ``response.created`` / ``in_progress`` / ``queued`` without usage (the
    response so far, with nothing in it yet), ``response.content_part.added`` /
    ``.done`` and ``response.output_text.done`` / ``refusal.done`` (the text the
    deltas gave), ``response.reasoning_summary_part.added`` / ``.done`` and
    ``response.reasoning_summary_text.done`` / ``reasoning_text.done`` (the
    reasoning the deltas gave), ``output_item.added`` of a ``message`` or
    ``reasoning`` item (its content comes in later events), and the
    ``annotations`` / ``content`` repeated in a done ``message`` item.

    >>> a = OpenAIResponsesAdapter()
    >>> a.feed({"type": "response.output_text.delta", "delta": "Hi"})
    [TextDelta(text='Hi', choice=0)]
    >>> a.feed({"type": "response.completed", "response": {"status": "completed"}})
    [Finished(reason='completed', choice=0, complete=True)]
    """

    __slots__ = ("_by_index", "_by_item", "_finished")

    def __init__(self) -> None:
        super().__init__()
        self._by_item: dict[str, ToolCallState] = {}
        self._by_index: dict[int, ToolCallState] = {}
        self._finished = False

    def _find(self, payload: Mapping[str, Any]) -> ToolCallState | None:
        return self._find_ids(payload.get("item_id"), payload.get("output_index"))

    def _find_ids(self, item_id: Any, index: Any) -> ToolCallState | None:
        call = self._by_item.get(item_id) if isinstance(item_id, str) else None
        if call is None and isinstance(index, int):
            call = self._by_index.get(index)
        return call

    def _add(self, item: Mapping[str, Any], index: int, raw: Any, out: list[Event]) -> None:
        kind = item.get("type")
        if not isinstance(kind, str) or not kind.endswith("_call"):
            return
        if kind in _ARGUMENT_ITEMS:
            server = _ARGUMENT_ITEMS[kind][1]
            call_id = item.get("id") if server else item.get("call_id")
            name = item.get("name")
        else:
            server = kind in _SERVER_ITEMS
            call_id = item.get("call_id") or item.get("id")
            name = kind[: -len("_call")]
        if not isinstance(call_id, str):
            call_id = None
        old = self._by_index.get(index)
        if old is not None:
            if old.id == call_id:
                return  # the same item announced again: one call, one end
            if not old.done:  # a new item where one never finished: that one is cut off
                out.append(old.finish(raw, complete=False))
        call = ToolCallState(index, call_id, name if isinstance(name, str) else "", server=server)
        item_id = item.get("id")
        if isinstance(item_id, str):
            self._by_item[item_id] = call
        self._by_index[index] = call
        out.append(call.started(raw))

    @staticmethod
    def _complete(
        call: ToolCallState, arguments: Any, raw: Any, out: list[Event], complete: bool = True
    ) -> None:
        """Finish ``call`` with the provider's complete ``arguments`` (if a string),
        first sending as a delta whatever of them the deltas did not carry."""
        if isinstance(arguments, str):
            sent = call.parts.text()
            if arguments != sent and arguments.startswith(sent):
                out.append(call.delta(arguments[len(sent) :], raw))
            out.append(call.finish(raw, complete=complete, arguments=arguments))
        else:
            out.append(call.finish(raw, complete=complete))

    def _item_done(self, item: Mapping[str, Any], index: int, raw: Any, out: list[Event]) -> None:
        item_id = item.get("id")
        call = self._by_item.get(item_id) if isinstance(item_id, str) else None
        if call is None:
            call = self._by_index.get(index)
        if call is None:
            before = len(out)
            self._add(item, index, raw, out)
            if len(out) == before:
                return
            call = self._by_index[index]
        if call.done:
            return
        kind = item.get("type")
        if kind in _ARGUMENT_ITEMS:
            self._complete(call, item.get(_ARGUMENT_ITEMS[kind][0]), raw, out)
        else:
            fields = {k: v for k, v in item.items() if k not in _NOT_INPUT}
            # (keys sorted: an SDK object dumps its fields in its own order)
            text = json.dumps(fields, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
            self._complete(call, text, raw, out)

    def _payload(self, payload: Mapping[str, Any], event: str | None, raw: Any) -> list[Event]:
        kind = payload.get("type") or event
        out: list[Event] = []
        if kind == "response.output_text.delta":
            delta = payload.get("delta")
            if delta and isinstance(delta, str):
                out.append(TextDelta(delta, 0, raw))
        elif kind in _DELTA_EVENTS:
            self._arguments_delta(
                payload.get("delta"), payload.get("item_id"), payload.get("output_index"), raw, out
            )
        elif kind in _DONE_EVENTS:
            call = self._find(payload)
            if call is not None and not call.done:
                self._complete(call, payload.get(_DONE_EVENTS[kind]), raw, out)
        elif kind in _REASONING_EVENTS:
            delta = payload.get("delta")
            if delta and isinstance(delta, str):
                out.append(ReasoningDelta(delta, 0, raw))
        elif kind == "response.refusal.delta":
            delta = payload.get("delta")
            if delta and isinstance(delta, str):
                out.append(Refusal(delta, 0, raw))
        elif kind == "response.output_item.added" or kind == "response.output_item.done":
            item = payload.get("item")
            index = payload.get("output_index")
            if isinstance(item, Mapping):
                if not isinstance(index, int):
                    index = len(self._by_index)
                if kind == "response.output_item.added":
                    self._add(item, index, raw, out)
                else:
                    self._item_done(item, index, raw, out)
                    self._item_result(item, payload, raw, out)
        elif kind == "response.output_text.annotation.added":
            annotation = payload.get("annotation")
            if isinstance(annotation, Mapping):
                url = first_str(annotation, "url")
                title = first_str(annotation, "title", "filename")
                out.append(Citation(url, title, None, 0, annotation, raw))
            else:
                out.append(Citation(data=annotation, raw=raw))
        elif kind in _END_EVENTS:
            self._end(payload, kind, raw, out)
        elif kind == "error":
            error = payload.get("error")
            out.append(error_event(error if isinstance(error, Mapping) else payload, raw))
        elif kind in _RUNNING_EVENTS:
            response = payload.get("response")
            usage = response.get("usage") if isinstance(response, Mapping) else None
            if isinstance(usage, Mapping) and usage:
                out.append(_usage(usage, raw, _RESPONSES))
        elif kind not in _IGNORED_EVENTS:
            self._other(kind, payload, raw, out)
        return out

    @staticmethod
    def _other(kind: Any, payload: Mapping[str, Any], raw: Any, out: list[Event]) -> None:
        """A hosted tool's progress (``response.web_search_call.searching`` ...), or an
        event this version does not know."""
        if isinstance(kind, str) and kind.startswith("response."):
            head, _, status = kind[len("response.") :].rpartition(".")
            item_type = _PROGRESS_ITEMS.get(head)
            if item_type is not None:
                item_id = payload.get("item_id")
                key = _PROGRESS_DATA.get(status)
                out.append(
                    ServerToolUpdate(
                        item_id if isinstance(item_id, str) else None,
                        item_type,
                        status,
                        payload.get(key) if key is not None else None,
                        0,
                        raw,
                    )
                )
                return
        out.append(Unknown(kind if isinstance(kind, str) else "", payload, raw))

    @staticmethod
    def _item_result(
        item: Mapping[str, Any], payload: Mapping[str, Any], raw: Any, out: list[Event]
    ) -> None:
        """What a finished output item says besides a call: a hosted tool's result, a
        reasoning item's encrypted content, or an item of a kind this version does not
        know."""
        kind = item.get("type")
        if kind in _RESULT_ITEMS:
            item_id = item.get("id")
            out.append(
                ServerToolResult(
                    item_id if isinstance(item_id, str) else None, kind, dict(item), 0, raw
                )
            )
        elif kind == "reasoning":
            data = item.get("encrypted_content")
            if data and isinstance(data, str):
                out.append(RedactedReasoning(data, 0, raw))
        elif kind not in _PLAIN_ITEMS and kind not in _ARGUMENT_ITEMS and not (
            isinstance(kind, str) and kind.endswith("_call")
        ):
            out.append(Unknown(kind if isinstance(kind, str) else "", payload, raw))

    def _arguments_delta(
        self, delta: Any, item_id: Any, index: Any, raw: Any, out: list[Event]
    ) -> None:
        call = self._find_ids(item_id, index)
        if call is None:
            self._add(
                {"type": "function_call", "id": item_id},
                index if isinstance(index, int) else len(self._by_index),
                raw,
                out,
            )
            call = self._find_ids(item_id, index)
        if delta and isinstance(delta, str) and call is not None and not call.done:
            out.append(call.delta(delta, raw))

    def _end(self, payload: Mapping[str, Any], kind: str, raw: Any, out: list[Event]) -> None:
        response = payload.get("response")
        if not isinstance(response, Mapping):
            response = {}
        status = response.get("status")
        if not isinstance(status, str):
            status = kind[len("response.") :]
        out.extend(
            call.finish(raw, complete=status == "completed")
            for call in self._by_index.values()
            if not call.done
        )
        usage = response.get("usage")
        if isinstance(usage, Mapping) and usage:
            out.append(_usage(usage, raw, _RESPONSES))
        error = response.get("error")
        if error:
            out.append(error_event(error, raw))
        if not self._finished:
            self._finished = True
            out.append(Finished(status, 0, raw=raw))
        self.ended = True

    def close(self) -> list[Event]:
        """End of stream: calls never finished come out with ``complete=False``."""
        out: list[Event] = [
            call.finish(None, complete=False) for call in self._by_index.values() if not call.done
        ]
        self.closed = True
        return out

    # -- the SDK's delta events, read without model_dump (see _sdk) ---------------------

    def _fast_text(self, item: Any) -> list[Event] | None:
        """A ``ResponseTextDeltaEvent``, as :meth:`_payload` reads its dump (or ``None``).
        (Extra fields do not matter: the class declares all that the adapter reads.)"""
        try:
            if item.type != "response.output_text.delta":
                return None
            delta = item.delta
        except AttributeError:
            return None
        if delta.__class__ is not str:
            return None
        return [TextDelta(delta, 0, item)] if delta else []

    def _fast_arguments(self, item: Any) -> list[Event] | None:
        """A ``ResponseFunctionCallArgumentsDeltaEvent``, as :meth:`_payload` reads its dump."""
        try:
            if item.type != "response.function_call_arguments.delta":
                return None
            delta = item.delta
            item_id = item.item_id
            index = item.output_index
        except AttributeError:
            return None
        if (
            (delta is not None and delta.__class__ is not str)
            or (item_id is not None and item_id.__class__ is not str)
            or (index is not None and index.__class__ is not int)
        ):
            return None
        out: list[Event] = []
        self._arguments_delta(delta, item_id, index, item, out)
        return out

    _FAST: ClassVar[dict[str, FastPath]] = {
        "responses.text_delta": _fast_text,
        "responses.arguments_delta": _fast_arguments,
    }
