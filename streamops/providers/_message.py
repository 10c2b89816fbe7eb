"""The message for the next turn: a streamed answer, and tool results, in a request's shape.

* :func:`to_message` builds the assistant message of one streamed answer from
  its provider events, in the provider's own request shape (thinking with its
  signatures, redacted reasoning, tool calls with their ids, citations);
* :func:`tool_result_message` / :func:`tool_messages` build the messages that
  answer its tool calls (:meth:`~streamops.ToolResult.to_message` uses them).

Appending both to the conversation continues it::

    messages.append(to_message(record, provider="anthropic"))
    messages.extend(tool_messages(results, "anthropic"))
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
from collections.abc import AsyncIterable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, get_args, overload

from ..errors import ToolCallError
from ._events import (
    Citation,
    Finished,
    ReasoningDelta,
    ReasoningSignature,
    RedactedReasoning,
    Refusal,
    ServerToolResult,
    TextDelta,
    ToolCallDelta,
    ToolCallDone,
    ToolCallStarted,
    ToolPlanDelta,
)

__all__ = [
    "MessageProvider",
    "ToolResultLike",
    "to_message",
    "tool_messages",
    "tool_result_message",
]

MessageProvider = Literal[
    "openai-chat", "openai-responses", "anthropic", "gemini", "bedrock", "ollama", "cohere"
]
"""The request shapes :func:`to_message` and :func:`tool_messages` build."""

_PROVIDERS: tuple[str, ...] = get_args(MessageProvider)

IncompleteCalls = Literal["raise", "drop"]


def _check_provider(provider: Any) -> None:
    if provider not in _PROVIDERS:
        names = ", ".join(repr(p) for p in _PROVIDERS)
        raise ValueError(f"unknown provider {provider!r}; expected one of {names}")


# --- reading the provider's own objects (``raw``) ---------------------------------------


def _get(obj: Any, key: str) -> Any:
    """``obj[key]`` of a parsed payload, or the attribute of an SDK object; else ``None``."""
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def _plain(obj: Any) -> Any:
    """A provider object as plain JSON data, as the provider sent it (a copy)."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if isinstance(obj, Mapping):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    dump = getattr(obj, "model_dump", None)
    if callable(dump):  # an SDK's pydantic object: the fields it was given, by wire name
        return dump(mode="json", by_alias=True, exclude_unset=True)
    return copy.deepcopy(obj)


def _block_key(provider: str, raw: Any) -> Any:
    """Which content block of the answer an event belongs to, when its ``raw`` says."""
    if raw is None:
        return None
    if provider == "anthropic":
        index = _get(raw, "index")
        return index if isinstance(index, int) else None
    if provider == "openai-responses":
        item = _get(raw, "item_id")
        if not isinstance(item, str):
            item = _get(_get(raw, "item"), "id")
        if not isinstance(item, str):
            index = _get(raw, "output_index")
            item = ("output", index) if isinstance(index, int) else None
        if item is None:
            return None
        sub = _get(raw, "content_index")
        if not isinstance(sub, int):
            sub = _get(raw, "summary_index")
        return (item, sub if isinstance(sub, int) else None)
    if provider == "bedrock":
        for node in (raw, *(_get(raw, k) for k in ("contentBlockDelta", "contentBlockStart"))):
            index = _get(node, "contentBlockIndex")
            if isinstance(index, int):
                return index
    if provider == "cohere":
        kind = _get(raw, "type")
        if kind == "content-delta" or kind == "content-start":
            index = _get(raw, "index")
        elif kind == "citation-start":  # the content item it cites
            index = _get(_get(_get(_get(raw, "delta"), "message"), "citations"), "content_index")
        else:
            return None
        return index if isinstance(index, int) else None
    return None


# --- one answer as a list of parts ------------------------------------------------------


@dataclass(slots=True)
class _Part:
    """One piece of the answer: a text, reasoning or refusal run, redacted reasoning, a tool
    call, or a server tool's result."""

    kind: str  # "text", "reasoning", "refusal", "redacted", "tool", "result"
    key: Any = None  # the provider's block key, when the events' raw said
    texts: list[str] = field(default_factory=list)
    signature: str | None = None
    sealed: bool = False  # signed: the next delta starts a new part
    citations: list[Citation] = field(default_factory=list)
    raws: list[Any] = field(default_factory=list)  # the raw objects of its events
    # tool calls:
    index: int = 0
    id: str | None = None
    name: str = ""
    server: bool = False
    arguments: str | None = None  # the provider's final text (ToolCallDone)
    complete: bool | None = None  # None: never finished
    error: ToolCallError | None = None
    # redacted reasoning and server tool results:
    event: Any = None

    @property
    def text(self) -> str:
        return "".join(self.texts)

    def args_text(self) -> str:
        return self.arguments if self.arguments is not None else self.text

    def last_raw(self) -> Any:
        return self.raws[-1] if self.raws else None


class _Answer:
    """The parts of one choice, in the order the provider sent them."""

    __slots__ = ("calls", "finish", "parts", "plan", "provider")

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.parts: list[_Part] = []
        self.calls: dict[int, _Part] = {}  # open tool calls by index
        self.finish: Finished | None = None
        self.plan: list[str] = []  # Cohere's tool plan

    def _run(self, kind: str, text: str, raw: Any) -> None:
        """A text / reasoning / refusal delta: the current run of that kind goes on, unless
        it was signed, or its block key differs."""
        key = _block_key(self.provider, raw)
        last = self.parts[-1] if self.parts else None
        if (
            last is None
            or last.kind != kind
            or last.sealed
            or (key is not None and last.key is not None and key != last.key)
        ):
            last = _Part(kind, key)
            self.parts.append(last)
        elif last.key is None:
            last.key = key
        last.texts.append(text)
        last.raws.append(raw)

    def _citation(self, event: Citation) -> None:
        key = _block_key(self.provider, event.raw)
        last = self.parts[-1] if self.parts else None
        if (
            last is None
            or last.kind != "text"
            or last.sealed
            or (key is not None and last.key is not None and key != last.key)
            or (key is None and last.texts)  # cited text follows its citations
        ):
            last = _Part("text", key)
            self.parts.append(last)
        last.citations.append(event)
        last.raws.append(event.raw)

    def _signature(self, event: ReasoningSignature) -> None:
        last = self.parts[-1] if self.parts else None
        if self.provider == "gemini":
            # It signs the part before it: the same part of the same chunk. A signature in
            # a chunk of its own came on an otherwise empty part.
            fits = (
                last is not None
                and last.signature is None
                and last.kind in ("text", "reasoning", "tool")
                and (event.raw is None or last.last_raw() is None or event.raw is last.last_raw())
            )
            kind = "text"
        else:  # Anthropic, Bedrock (OpenRouter's come from its raw reasoning_details)
            key = _block_key(self.provider, event.raw)
            fits = (
                last is not None
                and last.kind == "reasoning"
                and last.signature is None
                and (key is None or last.key is None or key == last.key)
            )
            kind = "reasoning"
        if not fits or last is None:
            last = _Part(kind, _block_key(self.provider, event.raw))
            self.parts.append(last)
        last.signature = event.signature
        last.sealed = True
        last.raws.append(event.raw)

    def _tool(self, index: int, id: str | None, name: str, server: bool, raw: Any) -> _Part:
        call = self.calls.get(index)
        if call is None or call.complete is not None or (id and call.id and id != call.id):
            call = _Part("tool", index=index, id=id, name=name, server=server)
            self.calls[index] = call
            self.parts.append(call)
        call.raws.append(raw)
        if id and not call.id:
            call.id = id
        if name and not call.name:
            call.name = name
        return call

    def feed(self, event: Any) -> None:
        kind = event.__class__
        if kind is TextDelta:
            self._run("text", event.text, event.raw)
        elif kind is ReasoningDelta:
            self._run("reasoning", event.text, event.raw)
        elif kind is Refusal:
            self._run("refusal", event.text, event.raw)
        elif kind is ReasoningSignature:
            self._signature(event)
        elif kind is RedactedReasoning or kind is ServerToolResult:
            self.parts.append(
                _Part(
                    "redacted" if kind is RedactedReasoning else "result",
                    _block_key(self.provider, event.raw),
                    raws=[event.raw],
                    event=event,
                )
            )
        elif kind is Citation:
            self._citation(event)
        elif kind is ToolCallStarted:
            self._tool(event.index, event.id, event.name, event.server, event.raw)
        elif kind is ToolCallDelta:
            call = self.calls.get(event.index)
            if call is None or call.complete is not None:
                call = self._tool(event.index, None, "", False, event.raw)
            call.texts.append(event.text)
        elif kind is ToolCallDone:
            call = self._tool(event.index, event.id, event.name, event.server, event.raw)
            call.id, call.name = event.id or call.id, event.name or call.name
            call.arguments = event.arguments
            call.complete = event.complete
        elif kind is Finished:
            self.finish = event
        elif kind is ToolPlanDelta:
            self.plan.append(event.text)
        elif kind.__name__ == "ToolCallFailed":  # streamops.tools (imported lazily)
            call = self._tool(event.index, event.id, event.name, False, event.raw)
            # Its fragments go on after it (they spell the raw arguments); no done follows.
            call.error = event.error
            if event.error.cut_off:
                call.complete = False
            if not call.texts and event.error.arguments:
                call.texts.append(event.error.arguments)


def _describe(call: _Part) -> str:
    where = f"tool {call.name!r}" if call.name else "a tool call"
    return where + (f" (call {call.id!r})" if call.id else "")


def _answer(events: Any, provider: str, choice: int, incomplete: str) -> _Answer:
    _check_provider(provider)
    if incomplete not in ("raise", "drop"):
        raise ValueError(f"incomplete must be 'raise' or 'drop', not {incomplete!r}")
    items = getattr(events, "items", None)
    if isinstance(items, list) and hasattr(events, "complete"):  # a collect() record
        events = items
    if isinstance(events, AsyncIterable):
        raise TypeError(
            "to_message() takes the events of a finished answer (a list, or a collect() "
            "record that was in the pipeline), not an async stream"
        )
    if isinstance(events, (str, bytes, bytearray)) or not isinstance(events, Iterable):
        raise TypeError(f"to_message() takes an iterable of provider events, not {events!r:.80}")
    from ..tools import ToolCallFailed  # (tools imports providers)
    from ._events import EVENT_TYPES

    answer = _Answer(provider)
    for event in events:
        if not isinstance(event, EVENT_TYPES) and event.__class__ is not ToolCallFailed:
            raise TypeError(f"to_message() takes provider events, not {event!r:.80}")
        if getattr(event, "choice", choice) == choice:
            answer.feed(event)
    kept: list[_Part] = []
    for part in answer.parts:
        if part.kind == "tool" and part.complete is None and part.error is not None:
            part.complete = True  # failed (unknown tool, invalid arguments), but made
        if part.kind == "tool" and not part.complete:
            if incomplete == "raise":
                if part.error is not None:
                    raise part.error
                arguments = part.args_text()
                raise ToolCallError(
                    f"the arguments of {_describe(part)} were cut off: the provider did not "
                    "finish the call, so it cannot go back as a call the model made "
                    "(to_message(..., incomplete='drop') leaves it out)",
                    name=part.name or None,
                    call_id=part.id,
                    arguments=arguments,
                    received=arguments,
                    cut_off=True,
                )
            continue
        kept.append(part)
    answer.parts = kept
    return answer


def _args_object(call: _Part) -> dict[str, Any]:
    """A call's arguments as the JSON object the provider's request wants."""
    text = call.args_text()
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise ToolCallError(
            f"the arguments of {_describe(call)} are not a JSON object, which this "
            f"provider's request needs: {text!r:.80}",
            name=call.name or None,
            call_id=call.id,
            arguments=text,
            received=text,
        )
    return value


def _need_id(call: _Part, provider: str) -> str:
    if not call.id:
        raise ToolCallError(
            f"{_describe(call)} has no id, which a {provider} request needs to answer it",
            name=call.name or None,
            arguments=call.args_text(),
            received=call.args_text(),
        )
    return call.id


def _citation_data(citation: Citation) -> Any:
    return _plain(citation.data) if citation.data is not None else None


# --- the shapes -------------------------------------------------------------------------


def _openai_chat(answer: _Answer, choice: int) -> dict[str, Any]:
    text = "".join(p.text for p in answer.parts if p.kind == "text")
    refusal = "".join(p.text for p in answer.parts if p.kind == "refusal")
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if refusal:
        message["refusal"] = refusal
    calls = [
        {
            "id": _need_id(p, "openai-chat"),
            "type": "function",
            "function": {"name": p.name, "arguments": p.args_text()},
        }
        for p in answer.parts
        if p.kind == "tool"
    ]
    if calls:
        message["tool_calls"] = calls
    details = _reasoning_details(answer, choice)
    if details:
        message["reasoning_details"] = details
    return message


def _reasoning_details(answer: _Answer, choice: int) -> list[dict[str, Any]]:
    """OpenRouter's ``reasoning_details`` deltas, merged per entry (``index``, ``type``)."""
    merged: dict[tuple[Any, Any], dict[str, Any]] = {}
    seen: Any = None
    for part in answer.parts:
        if part.kind not in ("reasoning", "redacted"):
            continue
        for raw in part.raws:
            if raw is None or raw is seen:
                continue
            seen = raw
            for ch in _get(raw, "choices") or ():
                index = _get(ch, "index")
                if (index if isinstance(index, int) else 0) != choice:
                    continue
                details = _get(_get(ch, "delta"), "reasoning_details")
                if not isinstance(details, list):
                    continue
                for detail in details:
                    detail = _plain(detail)
                    if not isinstance(detail, dict):
                        continue
                    key = (detail.get("index"), detail.get("type"))
                    into = merged.setdefault(key, {})
                    for name, value in detail.items():
                        if name in ("text", "summary", "data") and isinstance(value, str):
                            into[name] = into.get(name, "") + value
                        elif (value is not None and value != "") or name not in into:
                            into[name] = value
    return list(merged.values())


def _responses(answer: _Answer) -> list[dict[str, Any]]:
    status = "completed"
    if answer.finish is not None and answer.finish.reason != "completed":
        status = "incomplete"
    items: list[dict[str, Any]] = []
    message: dict[str, Any] | None = None
    message_key: Any = None
    reasoning: dict[str, Any] | None = None
    reasoning_key: Any = None
    sent: set[str] = set()  # the ids of the items sent whole

    def item_key(part: _Part) -> Any:
        return part.key[0] if isinstance(part.key, tuple) else None

    for part in answer.parts:
        kind = part.kind
        if kind in ("text", "refusal"):
            key = item_key(part)
            if message is None or (key is not None and key != message_key):
                message, message_key = {"type": "message", "role": "assistant"}, key
                if isinstance(key, str):
                    message.update(id=key, status=status)
                message["content"] = []
                items.append(message)
            if kind == "text":
                annotations = [
                    d for d in (_citation_data(c) for c in part.citations) if d is not None
                ]
                message["content"].append(
                    {"type": "output_text", "text": part.text, "annotations": annotations}
                )
            else:
                message["content"].append({"type": "refusal", "refusal": part.text})
            reasoning = None
            continue
        message = None
        if kind in ("reasoning", "redacted"):
            whole = _responses_item(part.raws, "reasoning") if kind == "redacted" else None
            key = item_key(part) or (whole.get("id") if whole else None)
            if reasoning is not None and (key is None or key == reasoning_key):
                pass  # the same item goes on
            else:
                reasoning, reasoning_key = {"type": "reasoning", "summary": []}, key
                if isinstance(key, str):
                    reasoning["id"] = key
                items.append(reasoning)
            if whole is not None:
                reasoning.update(whole)
            elif kind == "redacted":
                reasoning["encrypted_content"] = part.event.data
            elif any(_get(r, "type") == "response.reasoning_text.delta" for r in part.raws):
                reasoning.setdefault("content", []).append(
                    {"type": "reasoning_text", "text": part.text}
                )
            else:
                reasoning["summary"].append({"type": "summary_text", "text": part.text})
            continue
        reasoning = None
        if kind == "tool" and not part.server:
            item = _responses_item(part.raws, None) or {}
            call_id = _need_id(part, "openai-responses")
            out: dict[str, Any]
            if item.get("type") == "custom_tool_call":
                out = {"type": "custom_tool_call", "call_id": call_id, "name": part.name}
                out["input"] = part.args_text()
            else:
                out = {"type": "function_call", "call_id": call_id, "name": part.name}
                out["arguments"] = part.args_text()
            if isinstance(item.get("id"), str):
                out["id"] = item["id"]
            items.append(out)
        else:  # hosted tools (web search, MCP ...): the item as the provider sent it
            hosted = _responses_item(part.raws, None)
            if hosted is not None and hosted.get("id") not in sent:
                if isinstance(hosted.get("id"), str):
                    sent.add(hosted["id"])
                items.append(hosted)
    final: list[dict[str, Any]] = []
    for item in items:
        if "id" not in item:
            if item["type"] == "reasoning":
                continue  # no id, no reasoning item (hand-made events without raw)
            if item["type"] == "message":  # an output message needs its id: the plain form
                text = "".join(c.get("text") or c.get("refusal") or "" for c in item["content"])
                item = {"type": "message", "role": "assistant", "content": text}
        final.append(item)
    return final


def _responses_item(raws: Sequence[Any], kind: str | None) -> dict[str, Any] | None:
    """The whole output item some event's raw carries (the last one: the done item)."""
    for raw in reversed(raws):
        item = _get(raw, "item")
        if item is None and isinstance(_get(raw, "id"), str) and _get(raw, "type"):
            item = raw  # the item itself
        if item is not None and (kind is None or _get(item, "type") == kind):
            plain = _plain(item)
            if isinstance(plain, dict):
                return plain
    return None


def _anthropic(answer: _Answer) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    for part in answer.parts:
        kind = part.kind
        if kind == "reasoning":
            if part.signature is not None:  # unsigned thinking cannot be sent back
                blocks.append(
                    {"type": "thinking", "thinking": part.text, "signature": part.signature}
                )
        elif kind == "redacted":
            blocks.append({"type": "redacted_thinking", "data": part.event.data})
        elif kind == "text":
            citations = [d for d in (_citation_data(c) for c in part.citations) if d is not None]
            if part.text:  # (an empty text block is refused)
                block: dict[str, Any] = {"type": "text", "text": part.text}
                if citations:
                    block["citations"] = citations
                blocks.append(block)
        elif kind == "tool":
            start = _anthropic_block(part.raws)
            block = {
                "type": start.get("type", "server_tool_use" if part.server else "tool_use"),
                "id": _need_id(part, "anthropic"),
                "name": part.name,
                "input": _args_object(part),
            }
            if isinstance(start.get("server_name"), str):
                block["server_name"] = start["server_name"]
            blocks.append(block)
        elif kind == "result":
            event: ServerToolResult = part.event
            whole = _anthropic_block(part.raws)
            if whole.get("type") == event.type:
                blocks.append(whole)
            else:
                blocks.append(
                    {"type": event.type, "tool_use_id": event.id, "content": event.content}
                )
    return {"role": "assistant", "content": blocks}


def _anthropic_block(raws: Sequence[Any]) -> dict[str, Any]:
    for raw in raws:
        block = _get(raw, "content_block")
        if block is not None:
            plain = _plain(block)
            if isinstance(plain, dict):
                return plain
    return {}


def _gemini(answer: _Answer) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    for part in answer.parts:
        kind = part.kind
        out: dict[str, Any]
        if kind in ("text", "reasoning"):
            out = {"text": part.text}
            if kind == "reasoning":
                out["thought"] = True
        elif kind == "tool":
            out = _gemini_call(part)
        elif kind == "result" and part.event.type in ("codeExecutionResult", "toolResponse"):
            out = {part.event.type: _plain(part.event.content)}
        else:
            continue
        if part.signature is not None:
            out["thoughtSignature"] = part.signature
        parts.append(out)
    return {"role": "model", "parts": parts}


def _gemini_call(part: _Part) -> dict[str, Any]:
    """The part of a call: ``functionCall``; for a call Gemini ran itself, the part the
    adapter read it from (``executableCode``: the call named ``code_execution`` whose
    arguments are the code's fields; else a built-in ``toolCall``, named by its type)."""
    args = _args_object(part)
    if not part.server:
        call: dict[str, Any] = {"name": part.name, "args": args}
    elif part.name == "code_execution":
        call = dict(args)
    else:
        call = {"toolType": part.name, "args": args}
    if part.id:
        call["id"] = part.id
    if not part.server:
        return {"functionCall": call}
    return {"executableCode" if part.name == "code_execution" else "toolCall": call}


def _bedrock(answer: _Answer) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    for part in answer.parts:
        kind = part.kind
        if kind == "text" and part.text:
            blocks.append({"text": part.text})
        elif kind == "reasoning":
            reasoning: dict[str, Any] = {"text": part.text}
            if part.signature is not None:
                reasoning["signature"] = part.signature
            blocks.append({"reasoningContent": {"reasoningText": reasoning}})
        elif kind == "redacted":
            blocks.append({"reasoningContent": {"redactedContent": _blob(part.event.data)}})
        elif kind == "tool" and not part.server:
            use: dict[str, Any] = {"toolUseId": _need_id(part, "bedrock"), "name": part.name}
            use["input"] = _args_object(part)
            blocks.append({"toolUse": use})
    return {"role": "assistant", "content": blocks}


def _blob(data: str) -> bytes:
    """Bedrock's ``redactedContent`` is bytes for boto3 (base64 in the stream's JSON)."""
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return data.encode()


def _ollama(answer: _Answer) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": "".join(p.text for p in answer.parts if p.kind == "text"),
    }
    thinking = "".join(p.text for p in answer.parts if p.kind == "reasoning")
    if thinking:
        message["thinking"] = thinking
    calls = [
        {"function": {"name": p.name, "arguments": _args_object(p)}}
        for p in answer.parts
        if p.kind == "tool" and not p.server
    ]
    if calls:
        message["tool_calls"] = calls
    return message


def _cohere_arguments(call: _Part) -> str:
    """A call's argument text as sent; ``"{}"`` for none (a tool without parameters)."""
    text = call.args_text()
    return text if text.strip() else "{}"


def _cohere(answer: _Answer) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    keys: list[Any] = []  # the content index of each item, when the events said
    citations: list[Any] = []
    for part in answer.parts:
        if part.kind not in ("text", "reasoning"):
            continue
        slot = "text" if part.kind == "text" else "thinking"
        last = content[-1] if content else None
        if (
            last is not None
            and last["type"] == slot
            and (part.key is None or keys[-1] is None or part.key == keys[-1])
        ):
            last[slot] += part.text  # the same content item goes on
            if keys[-1] is None:
                keys[-1] = part.key
        else:
            content.append({"type": slot, slot: part.text})
            keys.append(part.key)
        citations.extend(d for d in (_citation_data(c) for c in part.citations) if d is not None)
    message: dict[str, Any] = {"role": "assistant"}
    calls = [
        {
            "id": _need_id(p, "cohere"),
            "type": "function",
            "function": {"name": p.name, "arguments": _cohere_arguments(p)},
        }
        for p in answer.parts
        if p.kind == "tool" and not p.server
    ]
    if content or not calls:
        message["content"] = content
    plan = "".join(answer.plan)
    if plan:
        message["tool_plan"] = plan
    if calls:
        message["tool_calls"] = calls
    if citations:
        message["citations"] = citations
    return message


@overload
def to_message(
    events: Iterable[Any],
    *,
    provider: Literal["openai-responses"],
    choice: int = 0,
    incomplete: IncompleteCalls = "raise",
) -> list[dict[str, Any]]: ...
@overload
def to_message(
    events: Iterable[Any],
    *,
    provider: Literal["openai-chat", "anthropic", "gemini", "bedrock", "ollama", "cohere"],
    choice: int = 0,
    incomplete: IncompleteCalls = "raise",
) -> dict[str, Any]: ...
@overload
def to_message(
    events: Iterable[Any],
    *,
    provider: MessageProvider,
    choice: int = 0,
    incomplete: IncompleteCalls = "raise",
) -> dict[str, Any] | list[dict[str, Any]]: ...
def to_message(
    events: Iterable[Any],
    *,
    provider: MessageProvider,
    choice: int = 0,
    incomplete: IncompleteCalls = "raise",
) -> dict[str, Any] | list[dict[str, Any]]:
    """The assistant message of one streamed answer, in ``provider``'s request shape.

    ``events`` are the provider events of the answer (what
    :func:`~streamops.providers.events` or :func:`~streamops.tool_calls`
    yielded): a list, or the :func:`~streamops.collect` record that was in the
    pipeline. Append the result to the conversation and the next request goes
    on where this answer stopped: reasoning goes back with its signatures,
    tool calls with their ids, text with its citations.

    ======================= ====================================================
    provider                the message
    ======================= ====================================================
    ``openai-chat``         ``{"role": "assistant", "content", "tool_calls",
                            "refusal"}``, and OpenRouter's ``reasoning_details``
                            when the chunks carried them
    ``openai-responses``    a **list** of input items (``input += ...``):
                            ``reasoning`` (id, summary, ``encrypted_content``),
                            ``message`` (``output_text`` with annotations,
                            ``refusal``), ``function_call`` /
                            ``custom_tool_call``, hosted-tool items as sent
    ``anthropic``           ``{"role": "assistant", "content": [...]}``:
                            ``thinking`` + ``signature``, ``redacted_thinking``,
                            ``text`` + ``citations``, ``tool_use`` /
                            ``server_tool_use`` / ``mcp_tool_use`` with the
                            ``input`` object, ``*_tool_result`` blocks as sent
    ``gemini``              ``{"role": "model", "parts": [...]}``: ``text``,
                            ``thought: true`` parts, ``functionCall``, each with
                            its ``thoughtSignature``; Gemini's own
                            ``executableCode`` / ``codeExecutionResult`` and
                            ``toolCall`` / ``toolResponse`` parts
    ``bedrock``             Converse ``{"role": "assistant", "content": [...]}``:
                            ``text``, ``reasoningContent``, ``toolUse``
    ``ollama``              ``{"role": "assistant", "content", "thinking",
                            "tool_calls"}``
    ``cohere``              v2 ``{"role": "assistant", "content": [...],
                            "tool_plan", "tool_calls", "citations"}``: ``text``
                            and ``thinking`` items, the plan the
                            :class:`~streamops.providers.ToolPlanDelta` events
                            spelled, calls ``{"id", "type": "function",
                            "function": {"name", "arguments"}}`` (the argument
                            text; ``"{}"`` for none), Cohere's citation objects
    ======================= ====================================================

    The rules:

    * Runs of text (and of reasoning) are joined into one block, unless the
      provider's raw events put them in different blocks (Anthropic block
      ``index``, Responses ``item_id`` / ``content_index``, Bedrock
      ``contentBlockIndex``) or a signature ended the run.
    * A :class:`~streamops.providers.ReasoningSignature` signs the content just
      before it: the thinking block (Anthropic, Bedrock), or the part (Gemini:
      text, thought or function call; a signature that came in a chunk of its
      own goes on an empty text part, as sent). Anthropic ``thinking`` that
      never got its signature (the stream was cut) is left out: the API
      refuses it unsigned.
    * A :class:`~streamops.providers.Citation` belongs to the text after it
      (Anthropic sends a block's citations first) unless its raw names the
      block; its ``data`` (the provider's citation object) is what goes back.
    * Cut-off tool calls (``ToolCallDone(complete=False)``, a call that never
      finished, or a :class:`~streamops.ToolCallFailed` for cut-off
      arguments) are not calls the model made: ``incomplete="raise"`` (the
      default) raises a :class:`~streamops.ToolCallError` (``cut_off=True``)
      naming the call; ``incomplete="drop"`` leaves them out (and
      :func:`tool_messages` leaves out their results). A call that failed
      otherwise (unknown tool, invalid arguments) was made: it goes back with
      its raw arguments, so that its error result can answer it.
    * Events of other choices than ``choice`` are ignored; usage, finish
      reasons, errors, server-tool progress and unknown events have no place
      in a message. Gemini grounding / citation metadata is not part of a
      request's content either, and the Bedrock and Ollama shapes carry no
      citations; Bedrock's own server-side tool calls are left out (Gemini's
      go back as the parts they came in: the model's turn holds them).

    Args:
        events: the events of one answer (a list or a ``collect()`` record).
        provider: the request shape.
        choice: which choice (OpenAI ``n``, Gemini ``candidateCount``).
        incomplete: what to do with cut-off tool calls.

    Raises:
        ToolCallError: a cut-off call (``incomplete="raise"``); a call without
            the id the provider needs to match its result; arguments that are
            not a JSON object where the provider wants an object.
        ValueError: an unknown ``provider`` or ``incomplete``.
        TypeError: ``events`` is not an iterable of provider events.

    >>> from streamops.providers import TextDelta, ToolCallDone
    >>> answer = [TextDelta("Let me look."),
    ...           ToolCallDone(0, "call_1", "get_weather", '{"city": "Paris"}', None)]
    >>> to_message(answer, provider="openai-chat")
    {'role': 'assistant', 'content': 'Let me look.', 'tool_calls': [{'id': 'call_1',
     'type': 'function', 'function': {'name': 'get_weather', 'arguments': '{"city": "Paris"}'}}]}
    >>> to_message(answer, provider="anthropic")
    {'role': 'assistant', 'content': [{'type': 'text', 'text': 'Let me look.'},
     {'type': 'tool_use', 'id': 'call_1', 'name': 'get_weather', 'input': {'city': 'Paris'}}]}
    """
    answer = _answer(events, provider, choice, incomplete)
    if provider == "openai-chat":
        return _openai_chat(answer, choice)
    if provider == "openai-responses":
        return _responses(answer)
    if provider == "anthropic":
        return _anthropic(answer)
    if provider == "gemini":
        return _gemini(answer)
    if provider == "bedrock":
        return _bedrock(answer)
    if provider == "cohere":
        return _cohere(answer)
    return _ollama(answer)


# --- tool results -----------------------------------------------------------------------


class ToolResultLike(Protocol):
    """What :func:`tool_result_message` reads (a :class:`~streamops.ToolResult`)."""

    @property
    def id(self) -> str | None: ...
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> Any: ...
    @property
    def error(self) -> BaseException | None: ...


def _result_text(result: ToolResultLike) -> str:
    error = result.error
    if error is not None:
        return f"{type(error).__name__}: {error}"
    value = result.value
    if isinstance(value, str):
        return value
    from pydantic_core import to_json

    return to_json(value, fallback=str).decode()


def _result_object(result: ToolResultLike) -> Any:
    from pydantic_core import to_jsonable_python

    if result.error is not None:
        return None
    return to_jsonable_python(result.value, fallback=str)


def _result_id(result: ToolResultLike, provider: str) -> str:
    if not result.id:
        raise ToolCallError(
            f"the result of tool {result.name!r} has no call id, which a {provider} request "
            "needs to match it to its call",
            name=result.name,
        )
    return result.id


def _cut_off(result: ToolResultLike) -> bool:
    return bool(getattr(result.error, "cut_off", False))


def _result_block(result: ToolResultLike, provider: str) -> dict[str, Any]:
    """The result as one item / block / part (the message for the one-per-result providers)."""
    if provider == "openai-chat" or provider == "cohere":
        content = _result_text(result)
        return {"role": "tool", "tool_call_id": _result_id(result, provider), "content": content}
    if provider == "openai-responses":
        call_id = _result_id(result, provider)
        return {"type": "function_call_output", "call_id": call_id, "output": _result_text(result)}
    if provider == "anthropic":
        block: dict[str, Any] = {"type": "tool_result"}
        block["tool_use_id"] = _result_id(result, provider)
        block["content"] = _result_text(result)
        if result.error is not None:
            block["is_error"] = True
        return block
    if provider == "gemini":
        value = _result_object(result)
        if result.error is not None:
            response: dict[str, Any] = {"error": _result_text(result)}
        elif isinstance(value, dict):
            response = value
        else:
            response = {"output": value}
        call: dict[str, Any] = {"name": result.name, "response": response}
        if result.id:
            call["id"] = result.id
        return {"functionResponse": call}
    if provider == "bedrock":
        value = _result_object(result)
        piece: dict[str, Any] = (
            {"json": value} if isinstance(value, dict) else {"text": _result_text(result)}
        )
        return {
            "toolResult": {
                "toolUseId": _result_id(result, provider),
                "content": [piece],
                "status": "success" if result.error is None else "error",
            }
        }
    return {"role": "tool", "content": _result_text(result), "tool_name": result.name}


def _wrap(provider: str, blocks: list[dict[str, Any]]) -> dict[str, Any]:
    if provider == "gemini":
        return {"role": "user", "parts": blocks}
    return {"role": "user", "content": blocks}


_ONE_MESSAGE = ("anthropic", "gemini", "bedrock")  # all the results in one user message


def tool_result_message(result: ToolResultLike, provider: MessageProvider) -> dict[str, Any]:
    """The message (or Responses input item) that answers one tool call with its result.

    See :meth:`~streamops.ToolResult.to_message`, which calls it (the public face).

    Raises:
        ToolCallError: the result of a cut-off call (its ``error``), or a result
            without the call id the provider needs.
        ValueError: an unknown ``provider``.
    """
    _check_provider(provider)
    if _cut_off(result):
        assert result.error is not None
        raise result.error
    block = _result_block(result, provider)
    return _wrap(provider, [block]) if provider in _ONE_MESSAGE else block


def tool_messages(
    results: Iterable[ToolResultLike], provider: MessageProvider
) -> list[dict[str, Any]]:
    """The messages that answer a turn's tool calls, to append to the conversation.

    One message per result for ``openai-chat`` and ``cohere`` (``role: tool``,
    ``tool_call_id``, ``content``) and ``ollama``, one input item per result
    for ``openai-responses`` (``function_call_output``), and a single ``user``
    message holding every result for ``anthropic`` (``tool_result`` blocks),
    ``gemini`` (``functionResponse`` parts) and ``bedrock`` (``toolResult``
    blocks), as those providers want. Results of cut-off calls are left out (the calls are
    not in :func:`to_message`'s message either); no results, no message.

    Args:
        results: :class:`~streamops.ToolResult` values (from :func:`~streamops.run_tools`).
        provider: the request shape.

    >>> from streamops import ToolResult
    >>> results = [ToolResult(0, "toolu_1", "add", 3),
    ...            ToolResult(1, "toolu_2", "div", error=ZeroDivisionError("division by zero"))]
    >>> tool_messages(results, "anthropic")
    [{'role': 'user', 'content': [{'type': 'tool_result', 'tool_use_id': 'toolu_1', 'content': '3'},
     {'type': 'tool_result', 'tool_use_id': 'toolu_2',
      'content': 'ZeroDivisionError: division by zero', 'is_error': True}]}]
    >>> [m["tool_call_id"] for m in tool_messages(results, "openai-chat")]
    ['toolu_1', 'toolu_2']
    """
    _check_provider(provider)
    blocks = [_result_block(r, provider) for r in results if not _cut_off(r)]
    if provider in _ONE_MESSAGE:
        return [_wrap(provider, blocks)] if blocks else []
    return blocks
