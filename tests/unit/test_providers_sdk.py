"""The adapters read the SDKs' hot stream objects by attribute (no ``model_dump``).

That fast path must give exactly the events of the dict path: each test feeds
the SDK objects to one adapter and their dumps (what ``read_item`` makes of
them) to another, and compares the events (equal, same types, ``raw`` the SDK
object), the errors, and which objects took the dict path: the hot kinds must
not, the unusual ones (extra fields the dict path reads, a deprecated
``function_call``, values of the wrong type, foreign subclasses) must.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, Field, TypeAdapter, ValidationError, field_serializer

import streamops.providers._adapter as adapter_module
import streamops.providers._base as base_module
from streamops.providers import (
    AnthropicAdapter,
    Finished,
    OpenAIChatAdapter,
    OpenAIResponsesAdapter,
    ProviderAdapter,
    ProviderFormatError,
    ReasoningDelta,
    ReasoningSignature,
    Refusal,
    SSEDecoder,
    TextDelta,
    ToolCallDelta,
    ToolCallDone,
    ToolCallStarted,
    Usage,
)
from streamops.providers._base import AdapterBase
from streamops.providers._sdk import sdk_role
from streamops.tools import ToolCallAssembler
from tests.conftest import corpus_files
from tests.unit.test_providers import tool

pytest.importorskip("openai")
pytest.importorskip("anthropic")

from anthropic.types import (
    InputJSONDelta,
    RawContentBlockDeltaEvent,
    RawMessageStreamEvent,
)
from anthropic.types.beta import BetaRawMessageStreamEvent
from openai.types.chat import ChatCompletionChunk
from openai.types.chat.chat_completion_chunk import ChoiceDelta
from openai.types.responses import (
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseStreamEvent,
    ResponseTextDeltaEvent,
)
from openai.types.responses.responses_server_event import (
    ResponseFunctionCallArgumentsWsDelta,
)

ANTHROPIC_EVENT: TypeAdapter[Any] = TypeAdapter(RawMessageStreamEvent)
BETA_EVENT: TypeAdapter[Any] = TypeAdapter(BetaRawMessageStreamEvent)
RESPONSES_EVENT: TypeAdapter[Any] = TypeAdapter(ResponseStreamEvent)


def dump(obj: Any) -> dict[str, Any]:
    """What read_item makes of an SDK object: the dict path's payload."""
    payload: dict[str, Any] = obj.model_dump(
        exclude_unset=True, by_alias=True, warnings=False, exclude={"snapshot"}
    )
    return payload


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The SDK objects that went through read_item (the dict path), in order."""
    seen: list[Any] = []
    real = base_module.read_item

    def spy(item: Any) -> Any:
        if not isinstance(item, Mapping):
            seen.append(item)
        return real(item)

    monkeypatch.setattr(base_module, "read_item", spy)
    monkeypatch.setattr(adapter_module, "read_item", spy)
    return seen


def same_events(make: Any, objects: list[Any]) -> list[Any]:
    """Feed ``objects`` to one adapter and their dumps to another: the same events, item
    by item (or the same error); the events of the objects keep them as ``raw``."""
    fast, reference = make(), make()
    out: list[Any] = []
    for obj in objects:
        payload = dump(obj)
        failure: ProviderFormatError | None = None
        try:
            want = reference.feed(payload)
        except ProviderFormatError as exc:
            failure = exc
        if failure is not None:
            with pytest.raises(ProviderFormatError) as info:
                fast.feed(obj)
            assert str(info.value) == str(failure)
            assert info.value.payload == failure.payload
            return out
        got = fast.feed(obj)
        assert got == want
        assert [type(e) for e in got] == [type(e) for e in want]
        assert all(e.raw is obj for e in got)
        out.extend(got)
    end = fast.close()
    assert end == reference.close()
    return out + end


# --- OpenAI Chat Completions ------------------------------------------------------------


def chunk(*choices: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o",
        "obfuscation": "xyz",  # real OpenAI chunks carry it: an extra the adapter ignores
        "choices": list(choices),
        **top,
    }


def choice(index: int = 0, finish: str | None = None, **delta: Any) -> dict[str, Any]:
    return {"index": index, "delta": delta, "finish_reason": finish, "logprobs": None}


def call(
    index: int | None = 0, id: str | None = None, name: str | None = None, args: str | None = None
) -> dict[str, Any]:
    """A Chat tool-call delta as the SDK would type it (``type`` next to an ``id``)."""
    out = tool(index, id=id, name=name, args=args)
    if id is not None:
        out["type"] = "function"
    return out


USAGE = {
    "prompt_tokens": 10,
    "completion_tokens": 5,
    "total_tokens": 15,
    "completion_tokens_details": {"reasoning_tokens": 2},
}


def chat(*payloads: dict[str, Any]) -> list[ChatCompletionChunk]:
    return [ChatCompletionChunk.model_validate(p) for p in payloads]


def test_a_chat_stream_takes_the_fast_path_with_the_same_events(slow: list[Any]) -> None:
    objects = chat(
        chunk(choice(role="assistant", content="")),
        chunk(choice(content="Hel")),
        chunk(choice(content="lo")),
        chunk(choice(refusal="No")),
        chunk(choice(tool_calls=[call(0, "call_1", "f", "")])),
        chunk(choice(tool_calls=[call(0, args='{"a": ')])),
        chunk(choice(tool_calls=[call(0, args="1}")])),
        chunk(choice(tool_calls=[call(1, "call_2", "g", '{"b"')])),
        chunk(choice(tool_calls=[call(1, args=": 2}")])),
        chunk(choice(finish="tool_calls")),
        chunk(usage=USAGE),  # the usage-only last chunk (include_usage)
    )
    events = same_events(OpenAIChatAdapter, objects)
    assert slow == []
    assert [type(e) for e in events] == [
        TextDelta,
        TextDelta,
        Refusal,
        ToolCallStarted,
        ToolCallDelta,
        ToolCallDelta,
        ToolCallStarted,
        ToolCallDelta,
        ToolCallDelta,
        ToolCallDone,
        ToolCallDone,
        Finished,
        Usage,
    ]
    assert events[-1] == Usage(10, 5, 15, 2, dict(USAGE))
    assert events[-1].details["completion_tokens_details"] == {"reasoning_tokens": 2}


def test_chat_several_choices_and_a_truncating_finish(slow: list[Any]) -> None:
    objects = chat(
        chunk(
            choice(0, tool_calls=[call(0, "a", "f", '{"x"')]),
            choice(1, content="B"),
            choice(2, tool_calls=[call(0, "c", "g", "{")]),
        ),
        chunk(choice(0, tool_calls=[call(0, args=": 1}")]), choice(2, tool_calls=[call(0)])),
        chunk(choice(2, finish="length"), choice(1, finish="stop"), usage=USAGE),
        chunk(choice(0, finish="tool_calls")),
        chunk(choice(0, finish="tool_calls")),  # repeated: reported once
    )
    events = same_events(OpenAIChatAdapter, objects)
    assert slow == []
    done = [e for e in events if type(e) is ToolCallDone]
    assert [(d.choice, d.complete) for d in done] == [(2, False), (0, True)]
    assert [e.reason for e in events if type(e) is Finished] == ["length", "stop", "tool_calls"]


def test_chat_objects_built_without_validation(slow: list[Any]) -> None:
    # The SDK's own construct(): nested objects are built, missing fields are None.
    constructed = [
        ChatCompletionChunk.construct(**p)
        for p in (
            chunk(choice(tool_calls=[call(None, "call_1", "f", '{"a"')])),  # no index
            chunk(choice(tool_calls=[call(None, args=": 1}")])),
            chunk(choice(tool_calls=[call(None, "call_2", "g", "{}")])),  # a new id: a new call
            chunk({"delta": {"content": "x"}}),  # no choice index: its position
            chunk(choice(content=None, refusal=None)),
            chunk(choice(finish="tool_calls")),
        )
    ]
    events = same_events(OpenAIChatAdapter, constructed)
    assert slow == []
    assert [(e.index, e.id) for e in events if type(e) is ToolCallStarted] == [
        (0, "call_1"),
        (1, "call_2"),
    ]
    # pydantic's own model_construct() leaves nested values as dicts: the dict path.
    raw = chunk(choice(tool_calls=[call(0, "call_1", "f", "{}")]))
    loose = BaseModel.model_construct.__func__(ChatCompletionChunk, **raw)  # type: ignore[attr-defined]
    slow.clear()
    assert same_events(OpenAIChatAdapter, [loose]) != []
    assert slow == [loose]


@pytest.mark.parametrize(
    "payload",
    [
        chunk(choice(reasoning_content="hmm")),  # DeepSeek: an extra field of the delta
        chunk(choice(reasoning="hmm", content="a")),  # OpenRouter, Groq
        chunk(choice(content="a"), x_groq={"usage": {"prompt_tokens": 1}}),
        chunk(choice(content="a"), error={"message": "boom"}),  # an in-band error
        chunk(choice(function_call={"name": "f", "arguments": "{}"})),  # deprecated API
        chunk({**choice(content="a"), "type": "chunk"}),  # an extra the dict path reads
        chunk(choice(tool_calls=[{**call(0, "c", "f", "{}"), "function": {"name": "f"}}])),
    ],
)
def test_chat_fields_the_fast_path_does_not_read_take_the_dict_path(
    payload: dict[str, Any], slow: list[Any]
) -> None:
    (obj,) = chat(payload)
    same_events(OpenAIChatAdapter, [obj])
    if "reasoning" in json.dumps(payload) or "function_call" in payload["choices"][0]["delta"]:
        assert slow == [obj]
    elif "x_groq" in payload or "error" in payload:
        assert slow == [obj]


@pytest.mark.parametrize(
    "fields",
    [
        {"content": ["a", {"type": "text", "text": "b"}]},  # list content (Mistral)
        {"content": 1},
        {"refusal": 2},
        {"tool_calls": ({"index": 0},)},
    ],
)
def test_chat_values_of_unexpected_types_take_the_dict_path(
    fields: dict[str, Any], slow: list[Any]
) -> None:
    obj = ChatCompletionChunk.construct(**chunk(choice()))
    delta = obj.choices[0].delta
    for name, value in fields.items():
        setattr(delta, name, value)  # no validation on assignment
    same_events(OpenAIChatAdapter, [obj])
    assert slow == [obj]


def test_chat_a_call_whose_id_and_name_come_late(slow: list[Any]) -> None:
    objects = chat(
        chunk(choice(tool_calls=[call(0, args="{")])),  # started without id or name
        chunk(choice(tool_calls=[call(0, "call_1", "f", "}")])),
        chunk(choice(tool_calls=[call(0, "call_1", "f")])),  # resent: the same call
        chunk(choice(finish="tool_calls")),
    )
    events = same_events(OpenAIChatAdapter, objects)
    assert slow == []
    (done,) = [e for e in events if type(e) is ToolCallDone]
    assert (done.id, done.name, done.arguments) == ("call_1", "f", "{}")


def test_chat_parallel_calls_at_one_index_take_the_same_path(slow: list[Any]) -> None:
    objects = chat(
        chunk(choice(tool_calls=[call(0, "a", "f", '{"x": 1}')])),
        chunk(choice(tool_calls=[call(0, "b", "g", '{"y": 2}')])),
        chunk(choice(finish="tool_calls")),
    )
    events = same_events(OpenAIChatAdapter, objects)
    assert slow == []
    done = [(e.index, e.id, e.name, e.parsed) for e in events if type(e) is ToolCallDone]
    assert done == [(0, "a", "f", {"x": 1}), (1, "b", "g", {"y": 2})]


def test_chat_interleaved_calls_assemble_the_same_way(slow: list[Any]) -> None:
    objects = chat(
        chunk(choice(tool_calls=[call(0, "a", "f", "{")])),
        chunk(choice(tool_calls=[call(1, "b", "g", "{")])),
        chunk(choice(tool_calls=[call(0, args="}")])),
        chunk(choice(tool_calls=[call(1, args="}")])),
        chunk(choice(finish="tool_calls")),
    )
    events = same_events(OpenAIChatAdapter, objects)
    done = [(e.id, e.arguments) for e in events if type(e) is ToolCallDone]
    assert done == [("a", "{}"), ("b", "{}")]
    assert slow == []


def test_chat_arguments_after_the_finish_fail_the_same_way(slow: list[Any]) -> None:
    objects = chat(
        chunk(choice(tool_calls=[call(0, "a", "f", "{")])),
        chunk(choice(finish="tool_calls")),
        chunk(choice(tool_calls=[call(0, args="}")])),
    )
    events = same_events(OpenAIChatAdapter, objects)
    assert len(events) == 4  # the error came at the third chunk
    assert slow == []


class PlainChunk(ChatCompletionChunk):
    """A subclass that changes nothing the adapter reads."""

    note: str | None = None


class ChunkWithError(ChatCompletionChunk):
    error: dict[str, Any] | None = None  # a key the dict path reads


class AliasedChunk(ChatCompletionChunk):
    extra_usage: dict[str, Any] | None = Field(default=None, alias="usage_")
    alias_choices: list[Any] | None = Field(default=None, serialization_alias="error")


class SerializedChunk(ChatCompletionChunk):
    @field_serializer("choices")
    def _choices(self, value: Any) -> Any:
        return []


def test_chat_subclasses(slow: list[Any]) -> None:
    payload = chunk(choice(content="a"), error={"message": "no"})
    for cls, fast in (
        (PlainChunk, True),
        (ChunkWithError, False),
        (AliasedChunk, False),
        (SerializedChunk, False),
    ):
        slow.clear()
        data = payload if cls is ChunkWithError else chunk(choice(content="a"))
        obj = cls.model_validate(data)
        assert (sdk_role(cls) == "chat.chunk") is fast
        same_events(OpenAIChatAdapter, [obj])
        assert slow == ([] if fast else [obj])
    slow.clear()  # a subclass of a nested class is not the SDK's own: the dict path
    obj = chat(chunk(choice(content="a")))[0]

    class MyDelta(ChoiceDelta):
        pass

    obj.choices[0].delta = MyDelta(content="b")
    assert sdk_role(MyDelta) == ""
    same_events(OpenAIChatAdapter, [obj])
    assert slow == [obj]


def test_chat_a_usage_that_is_not_the_sdks_takes_the_dict_path(slow: list[Any]) -> None:
    (obj,) = chat(chunk())
    obj.usage = {"prompt_tokens": 1, "completion_tokens": 2}  # type: ignore[assignment]
    assert same_events(OpenAIChatAdapter, [obj]) == [Usage(1, 2, None, None, obj.usage)]
    assert slow == [obj]


def test_a_field_the_fast_path_does_not_read_refuses_the_class() -> None:
    # As if a later SDK declared reasoning_content on its ChoiceDelta: the dict path
    # reads it, the fast path does not, so the class is not read by attribute.
    later = type(
        "ChoiceDelta",
        (ChoiceDelta,),
        {
            "__module__": ChoiceDelta.__module__,
            "__annotations__": {"reasoning_content": "str | None"},
            "reasoning_content": None,
        },
    )
    assert sdk_role(later) == ""
    # A validation alias could carry a read key into the extras: refused too.
    aliased = type(
        "ChoiceDelta",
        (ChoiceDelta,),
        {
            "__module__": ChoiceDelta.__module__,
            "__annotations__": {"content": "str | None"},
            "content": Field(None, validation_alias="text"),
        },
    )
    assert sdk_role(aliased) == ""


def test_sdk_roles() -> None:
    assert sdk_role(dict) == ""
    assert sdk_role(ChatCompletionChunk) == "chat.chunk"
    assert sdk_role(ChoiceDelta) == "chat.delta"
    assert sdk_role(RawContentBlockDeltaEvent) == "anthropic.block_delta"
    assert sdk_role(InputJSONDelta) == "anthropic.input_json_delta"
    assert sdk_role(ResponseTextDeltaEvent) == "responses.text_delta"
    assert sdk_role(ResponseFunctionCallArgumentsWsDelta) == "responses.arguments_delta"


# --- Anthropic ----------------------------------------------------------------------------


def anthropic_stream() -> list[dict[str, Any]]:
    def block_delta(index: int, **delta: Any) -> dict[str, Any]:
        return {"type": "content_block_delta", "index": index, "delta": delta}

    return [
        {
            "type": "message_start",
            "message": {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": "claude",
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 10, "output_tokens": 1},
            },
        },
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "thinking", "thinking": "", "signature": ""},
        },
        block_delta(0, type="thinking_delta", thinking="Let me"),
        block_delta(0, type="thinking_delta", thinking=""),
        block_delta(0, type="signature_delta", signature="sig"),
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
        block_delta(1, type="text_delta", text="Hi"),
        block_delta(1, type="text_delta", text=""),
        {"type": "content_block_stop", "index": 1},
        {
            "type": "content_block_start",
            "index": 2,
            "content_block": {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}},
        },
        block_delta(2, type="input_json_delta", partial_json=""),
        block_delta(2, type="input_json_delta", partial_json='{"a": '),
        block_delta(2, type="input_json_delta", partial_json="1}"),
        {"type": "content_block_stop", "index": 2},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"output_tokens": 7},
        },
        {"type": "message_stop"},
    ]


@pytest.mark.parametrize("event_type", [ANTHROPIC_EVENT, BETA_EVENT], ids=["messages", "beta"])
def test_an_anthropic_stream_takes_the_fast_path_with_the_same_events(
    event_type: TypeAdapter[Any], slow: list[Any]
) -> None:
    objects = [event_type.validate_python(p) for p in anthropic_stream()]
    events = same_events(AnthropicAdapter, objects)
    hot = {"text_delta", "thinking_delta", "input_json_delta"}
    assert [o for o in objects if o.type == "content_block_delta" and o.delta.type in hot] == [
        o for o in objects if o not in slow and o.type == "content_block_delta"
    ]
    assert all(o.type != "content_block_delta" or o.delta.type == "signature_delta" for o in slow)
    assert [type(e) for e in events] == [
        ReasoningDelta,
        ReasoningSignature,
        TextDelta,
        ToolCallStarted,
        ToolCallDelta,
        ToolCallDelta,
        ToolCallDone,
        Usage,
        Finished,
    ]


def test_anthropic_arguments_for_a_block_that_is_not_a_tool_fail_the_same_way(
    slow: list[Any],
) -> None:
    stream = anthropic_stream()
    stray = {
        "type": "content_block_delta",
        "index": 1,  # the text block
        "delta": {"type": "input_json_delta", "partial_json": "{"},
    }
    objects = [ANTHROPIC_EVENT.validate_python(p) for p in [*stream[:8], stray]]
    assert len(same_events(AnthropicAdapter, objects)) == 3  # then the error
    assert slow[-1] is objects[-1]


def test_anthropic_objects_built_without_validation_or_with_extras(slow: list[Any]) -> None:
    stream = anthropic_stream()
    objects = [ANTHROPIC_EVENT.validate_python(p) for p in stream[:11]]
    no_index = RawContentBlockDeltaEvent.construct(
        type="content_block_delta", delta=InputJSONDelta(type="input_json_delta", partial_json="{")
    )
    padded = RawContentBlockDeltaEvent.model_validate(
        {**stream[12], "padding": "x", "delta": {**stream[12]["delta"], "text": "ignored"}}
    )
    assert padded.__pydantic_extra__
    assert padded.delta.__pydantic_extra__
    wrong_type = RawContentBlockDeltaEvent.construct(
        type="content_block_delta",
        index=2,
        delta=InputJSONDelta.construct(type="text_delta", partial_json="{"),
    )
    same_events(AnthropicAdapter, [*objects, padded, wrong_type, no_index])
    odd = (padded, wrong_type, no_index)
    # (no index: the dict path raises its error)
    assert [o for o in slow if any(o is x for x in odd)] == [wrong_type, no_index]


# --- OpenAI Responses ---------------------------------------------------------------------


def test_responses_deltas_take_the_fast_path_with_the_same_events(slow: list[Any]) -> None:
    def event(kind: str, **fields: Any) -> dict[str, Any]:
        return {"type": f"response.{kind}", "sequence_number": 1, **fields}

    payloads = [
        event(
            "output_item.added",
            output_index=0,
            item={
                "type": "message",
                "id": "msg_1",
                "role": "assistant",
                "status": "in_progress",
                "content": [],
            },
        ),
        event(
            "output_text.delta",
            item_id="msg_1",
            output_index=0,
            content_index=0,
            delta="Hel",
            logprobs=[],
        ),
        event(
            "output_text.delta",
            item_id="msg_1",
            output_index=0,
            content_index=0,
            delta="",
            logprobs=[],
        ),
        event(
            "output_item.added",
            output_index=1,
            item={
                "type": "function_call",
                "id": "fc_1",
                "call_id": "call_1",
                "name": "f",
                "arguments": "",
                "status": "in_progress",
            },
        ),
        event("function_call_arguments.delta", item_id="fc_1", output_index=1, delta='{"a"'),
        event("function_call_arguments.delta", item_id="fc_1", output_index=1, delta=""),
        event("function_call_arguments.delta", item_id="fc_1", output_index=1, delta=": 1}"),
        event("function_call_arguments.delta", item_id="fc_2", output_index=2, delta="{}"),
        event(
            "function_call_arguments.done",
            item_id="fc_1",
            output_index=1,
            arguments='{"a": 1}',
            name="f",
        ),
    ]
    objects = [RESPONSES_EVENT.validate_python(p) for p in payloads]
    ws = ResponseFunctionCallArgumentsWsDelta.model_validate(
        {**payloads[4], "item_id": "fc_2", "output_index": 2, "stream_id": "s"}
    )
    padded = ResponseTextDeltaEvent.model_validate({**payloads[1], "obfuscation": "x"})
    objects[7:7] = [ws, padded]
    events = same_events(OpenAIResponsesAdapter, objects)
    delta_types = (ResponseTextDeltaEvent, ResponseFunctionCallArgumentsDeltaEvent)
    assert [o for o in objects if not isinstance(o, delta_types)] == slow
    assert [type(e) for e in events] == [
        TextDelta,
        ToolCallStarted,
        ToolCallDelta,
        ToolCallDelta,
        ToolCallStarted,  # fc_2: arguments for an item never announced
        ToolCallDelta,
        TextDelta,
        ToolCallDelta,
        ToolCallDone,
        ToolCallDone,
    ]


def test_responses_a_wrong_type_takes_the_dict_path(slow: list[Any]) -> None:
    odd = ResponseTextDeltaEvent.construct(type="response.refusal.delta", delta="No")
    (event,) = same_events(OpenAIResponsesAdapter, [odd])
    assert event == Refusal("No")
    assert slow == [odd]


# --- through ProviderAdapter and the tool-call assembler ----------------------------------


def test_provider_adapter_and_assembler_use_the_fast_path(slow: list[Any]) -> None:
    objects = chat(
        chunk(choice(tool_calls=[call(0, "call_1", "f", "")])),
        *[chunk(choice(tool_calls=[call(0, args=piece)])) for piece in ['{"a"', ": [1", ", 2]}"]],
        chunk(choice(finish="tool_calls")),
    )
    for provider in ("openai-chat", "auto"):
        slow.clear()
        same_events(lambda p=provider: ProviderAdapter(p), objects)
        assert slow == ([] if provider == "openai-chat" else [objects[0]])  # auto: sniffed

    def run(items: list[Any]) -> list[Any]:
        core = ToolCallAssembler(None, provider="openai-chat")
        out = [e for item in items for e in core.feed(item)]
        return out + core.close()

    slow.clear()
    fast, reference = run(objects), run([dump(o) for o in objects])
    assert slow == []
    assert fast == reference
    assert [e.partial_args for e in fast if type(e) is ToolCallDelta] == [
        {},
        {"a": []},  # 1 may go on: shown once complete
        {"a": [1, 2]},
    ]


def test_the_assembler_does_not_change_the_delta_events_it_is_given() -> None:
    given = [ToolCallStarted(0, "c", "f"), ToolCallDelta(0, '{"a": 1'), ToolCallDelta(0, "}")]
    core = ToolCallAssembler()
    out = [e for item in given for e in core.feed(item)]
    assert [d.partial_args for d in given[1:]] == [None, None]
    assert out[1] is not given[1]
    assert out[1].partial_args == {}
    assert out[2].partial_args == {"a": 1}


# --- the recorded streams -----------------------------------------------------------------


def corpus_objects() -> Iterator[Any]:
    for path in corpus_files():
        case = json.loads(path.read_text("utf-8"))
        if case["provider"] in ("openai-chat", "openai-responses", "anthropic"):
            yield pytest.param(path, id=path.stem)


@pytest.mark.parametrize("path", list(corpus_objects()))
def test_recorded_streams_give_the_same_events(path: Path) -> None:
    case = json.loads(path.read_text("utf-8"))
    provider = case["provider"]
    decoder = SSEDecoder()
    events = decoder.feed(case["raw_sse"].encode()) + decoder.close()
    objects: list[Any] = []
    for e in events:
        if not e.data or e.data.startswith("[DONE]"):
            continue
        payload = json.loads(e.data)
        try:
            if provider == "openai-chat":
                objects.append(ChatCompletionChunk.model_validate(payload))
            elif provider == "anthropic":
                objects.append(ANTHROPIC_EVENT.validate_python(payload))
            else:
                objects.append(RESPONSES_EVENT.validate_python(payload))
        except ValidationError:  # an older or a compatible server's shape
            continue
    make: dict[str, type[AdapterBase]] = {
        "openai-chat": OpenAIChatAdapter,
        "anthropic": AnthropicAdapter,
        "openai-responses": OpenAIResponsesAdapter,
    }
    same_events(make[provider], objects)
