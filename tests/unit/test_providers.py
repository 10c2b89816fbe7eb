"""Provider adapters (sync cores), one provider at a time, on small hand-made payloads."""

from __future__ import annotations

import json
from typing import Any

import pytest

from streamops.providers import (
    AnthropicAdapter,
    Finished,
    GeminiAdapter,
    OpenAIChatAdapter,
    OpenAIResponsesAdapter,
    ProviderError,
    ProviderFormatError,
    ReasoningDelta,
    ReasoningSignature,
    Refusal,
    SSEEvent,
    TextDelta,
    ToolCallDelta,
    ToolCallDone,
    ToolCallStarted,
    Usage,
)
from streamops.providers._base import AdapterBase


def run(adapter: AdapterBase, *items: Any) -> list[Any]:
    out: list[Any] = []
    for item in items:
        out.extend(adapter.feed(item))
    out.extend(adapter.close())
    return out


def of(kind: type, events: list[Any]) -> list[Any]:
    return [e for e in events if type(e) is kind]


def chunk(*choices: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"object": "chat.completion.chunk", "choices": list(choices), **extra}


def delta(index: int = 0, finish: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"index": index, "delta": fields, "finish_reason": finish}


def tool(
    index: int | None, *, id: str | None = None, name: str | None = None, args: Any = None
) -> dict[str, Any]:
    function: dict[str, Any] = {}
    if name is not None:
        function["name"] = name
    if args is not None:
        function["arguments"] = args
    call: dict[str, Any] = {"function": function}
    if index is not None:
        call["index"] = index
    if id is not None:
        call["id"] = id
    return call


# -- OpenAI Chat Completions --------------------------------------------------------


def test_chat_text_finish_and_usage_only_chunk() -> None:
    events = run(
        OpenAIChatAdapter(),
        chunk(delta(role="assistant", content="")),
        chunk(delta(content="Hel")),
        chunk(delta(content="lo")),
        chunk(delta(finish="stop")),
        chunk(
            usage={
                "prompt_tokens": 3,
                "completion_tokens": 2,
                "total_tokens": 5,
                "completion_tokens_details": {"reasoning_tokens": 1},
            }
        ),
    )
    assert events == [
        TextDelta("Hel"),
        TextDelta("lo"),
        Finished("stop"),
        Usage(
            3,
            2,
            5,
            1,
            {
                "prompt_tokens": 3,
                "completion_tokens": 2,
                "total_tokens": 5,
                "completion_tokens_details": {"reasoning_tokens": 1},
            },
        ),
    ]


def test_chat_raw_is_kept_and_ignored_by_equality() -> None:
    payload = chunk(delta(content="x"))
    (event,) = OpenAIChatAdapter().feed(payload)
    assert event.raw is payload
    assert event == TextDelta("x", raw="something else")


def test_chat_several_choices() -> None:
    events = run(
        OpenAIChatAdapter(),
        chunk(delta(0, content="a"), delta(1, content="b")),
        chunk(delta(1, content="B", finish="stop")),
        chunk(delta(0, finish="length")),
    )
    assert events == [
        TextDelta("a", 0),
        TextDelta("b", 1),
        TextDelta("B", 1),
        Finished("stop", 1),
        Finished("length", 0),
    ]


def test_chat_refusal() -> None:
    events = run(OpenAIChatAdapter(), chunk(delta(refusal="No")), chunk(delta(refusal=".")))
    assert events == [Refusal("No"), Refusal(".")]


def test_chat_reasoning_fields_of_compatible_servers() -> None:
    events = run(
        OpenAIChatAdapter(),
        chunk(delta(reasoning_content="think ")),  # DeepSeek
        chunk(delta(reasoning="more", reasoning_details=[{"text": "more"}])),  # OpenRouter
        chunk(delta(content="answer")),
    )
    assert events == [ReasoningDelta("think "), ReasoningDelta("more"), TextDelta("answer")]


def test_chat_list_typed_content() -> None:  # Mistral
    events = run(
        OpenAIChatAdapter(),
        chunk(delta(content=[{"type": "thinking", "thinking": [{"type": "text", "text": "hm"}]}])),
        chunk(delta(content=[{"type": "text", "text": "Hi"}, "!", {"type": "image_url"}])),
    )
    assert events == [ReasoningDelta("hm"), TextDelta("Hi"), TextDelta("!")]


def test_chat_tool_calls_finish_only_at_finish_reason() -> None:
    a = OpenAIChatAdapter()
    first = a.feed(chunk(delta(tool_calls=[tool(0, id="c1", name="f", args="")])))
    assert first == [ToolCallStarted(0, "c1", "f")]
    assert a.feed(chunk(delta(tool_calls=[tool(0, args='{"x"')]))) == [ToolCallDelta(0, '{"x"')]
    assert a.feed(chunk(delta(tool_calls=[tool(0, args=": 1}")]))) == [ToolCallDelta(0, ": 1}")]
    second = a.feed(chunk(delta(tool_calls=[tool(1, id="c2", name="g", args="{}")])))
    # Another call starting says nothing about the first one: it stays open.
    assert second == [ToolCallStarted(1, "c2", "g"), ToolCallDelta(1, "{}")]
    assert a.feed(chunk(delta(finish="tool_calls"))) == [
        ToolCallDone(0, "c1", "f", '{"x": 1}', {"x": 1}),
        ToolCallDone(1, "c2", "g", "{}", {}),
        Finished("tool_calls"),
    ]
    assert a.close() == []


def test_chat_tool_calls_without_index() -> None:
    events = run(
        OpenAIChatAdapter(),
        chunk(delta(tool_calls=[tool(None, id="a", name="f", args='{"q":')])),
        chunk(delta(tool_calls=[tool(None, args="1}")])),
        chunk(delta(tool_calls=[tool(None, id="b", name="g", args="{}")])),
        chunk(delta(finish="tool_calls")),
    )
    assert of(ToolCallDone, events) == [
        ToolCallDone(0, "a", "f", '{"q":1}', {"q": 1}),
        ToolCallDone(1, "b", "g", "{}", {}),
    ]


def test_chat_truncated_tool_call_is_reported_incomplete() -> None:
    events = run(
        OpenAIChatAdapter(),
        chunk(delta(tool_calls=[tool(0, id="a", name="f", args='{"q": "ab')])),
        chunk(delta(finish="length")),
    )
    assert of(ToolCallDone, events) == [
        ToolCallDone(0, "a", "f", '{"q": "ab', None, complete=False)
    ]


def test_chat_tool_call_open_at_end_of_stream() -> None:
    events = run(OpenAIChatAdapter(), chunk(delta(tool_calls=[tool(0, id="a", name="f")])))
    assert of(ToolCallDone, events) == [ToolCallDone(0, "a", "f", "", None, complete=False)]


def test_chat_invalid_json_arguments_are_kept_raw() -> None:
    events = run(
        OpenAIChatAdapter(),
        chunk(delta(tool_calls=[tool(0, id="a", name="f", args="{oops}")])),
        chunk(delta(finish="tool_calls")),
    )
    assert of(ToolCallDone, events) == [ToolCallDone(0, "a", "f", "{oops}", None)]


def test_chat_arguments_sent_as_an_object() -> None:
    events = run(
        OpenAIChatAdapter(),
        chunk(delta(tool_calls=[tool(0, id="a", name="f", args={"x": "é"})])),
        chunk(delta(finish="tool_calls")),
    )
    assert of(ToolCallDone, events) == [ToolCallDone(0, "a", "f", '{"x":"é"}', {"x": "é"})]


def test_chat_tool_calls_in_several_choices() -> None:
    events = run(
        OpenAIChatAdapter(),
        chunk(
            delta(0, tool_calls=[tool(0, id="a", name="f", args="{}")]),
            delta(1, tool_calls=[tool(0, id="b", name="g", args="{}")]),
        ),
        chunk(delta(1, finish="tool_calls")),
        chunk(delta(0, finish="tool_calls")),
    )
    assert of(ToolCallDone, events) == [
        ToolCallDone(0, "b", "g", "{}", {}, choice=1),
        ToolCallDone(0, "a", "f", "{}", {}, choice=0),
    ]


def test_chat_calls_announced_first_and_arguments_sent_afterwards() -> None:
    # Issue #11: call 0 used to be finished (with no arguments) when call 1 appeared.
    events = run(
        OpenAIChatAdapter(),
        chunk(
            delta(
                tool_calls=[
                    tool(0, id="c0", name="search", args=""),
                    tool(1, id="c1", name="get_time", args=""),
                ]
            )
        ),
        chunk(delta(tool_calls=[tool(0, args='{"query": "weather in Oslo", "limit": 1}')])),
        chunk(delta(tool_calls=[tool(1, args='{"city": "Oslo"}')])),
        chunk(delta(finish="tool_calls")),
    )
    assert of(ToolCallDone, events) == [
        ToolCallDone(0, "c0", "search", *_args('{"query": "weather in Oslo", "limit": 1}')),
        ToolCallDone(1, "c1", "get_time", *_args('{"city": "Oslo"}')),
    ]
    assert type(events[-1]) is Finished


def test_chat_interleaved_fragments_of_several_calls_assemble() -> None:
    events = run(
        OpenAIChatAdapter(),
        chunk(delta(tool_calls=[tool(0, id="a", name="f", args='{"x": ')])),
        chunk(delta(tool_calls=[tool(1, id="b", name="g", args='{"y": ')])),
        chunk(delta(tool_calls=[tool(0, args="1}"), tool(1, args="2}")])),
        chunk(delta(finish="tool_calls")),
    )
    assert of(ToolCallDone, events) == [
        ToolCallDone(0, "a", "f", *_args('{"x": 1}')),
        ToolCallDone(1, "b", "g", *_args('{"y": 2}')),
    ]


def _args(text: str) -> tuple[str, Any]:
    return text, json.loads(text)


def test_chat_parallel_calls_sharing_index_zero() -> None:
    # Groq, Ollama, xAI: each call whole, all at index 0, distinct ids (issue #12).
    events = run(
        OpenAIChatAdapter(),
        chunk(delta(tool_calls=[tool(0, id="a", name="weather", args='{"city":"Paris"}')])),
        chunk(delta(tool_calls=[tool(0, id="b", name="weather", args='{"city":"Tokyo"}')])),
        chunk(delta(finish="tool_calls")),
    )
    assert of(ToolCallStarted, events) == [
        ToolCallStarted(0, "a", "weather"),
        ToolCallStarted(1, "b", "weather"),
    ]
    assert of(ToolCallDone, events) == [
        ToolCallDone(0, "a", "weather", *_args('{"city":"Paris"}')),
        ToolCallDone(1, "b", "weather", *_args('{"city":"Tokyo"}')),
    ]


def test_chat_id_and_name_resent_on_every_delta() -> None:
    events = run(
        OpenAIChatAdapter(),
        chunk(delta(tool_calls=[tool(0, id="a", name="f", args='{"x"')])),
        chunk(delta(tool_calls=[tool(0, id="a", name="f", args=": 1}")])),
        chunk(delta(tool_calls=[tool(1, id="b", name="g", args="{}")])),
        chunk(delta(tool_calls=[tool(1, id="b", name="g", args="")])),
        chunk(delta(finish="tool_calls")),
    )
    assert len(of(ToolCallStarted, events)) == 2
    assert of(ToolCallDone, events) == [
        ToolCallDone(0, "a", "f", *_args('{"x": 1}')),
        ToolCallDone(1, "b", "g", *_args("{}")),
    ]


def test_chat_name_sent_in_pieces_is_joined() -> None:
    events = run(
        OpenAIChatAdapter(),
        chunk(delta(tool_calls=[tool(0, id="a", name="get_")])),
        chunk(delta(tool_calls=[tool(0, name="time")])),
        chunk(delta(tool_calls=[tool(0, args='{"city": "Oslo"}')])),
        chunk(delta(finish="tool_calls")),
    )
    # Announced once the name is complete: when the arguments begin.
    assert events[0] == ToolCallStarted(0, "a", "get_time")
    assert of(ToolCallDone, events) == [
        ToolCallDone(0, "a", "get_time", *_args('{"city": "Oslo"}'))
    ]


def test_chat_whole_name_resent_growing_is_not_doubled() -> None:
    events = run(
        OpenAIChatAdapter(),
        chunk(delta(tool_calls=[tool(0, id="a", name="get")])),
        chunk(delta(tool_calls=[tool(0, name="get_time", args="{}")])),
        chunk(delta(finish="tool_calls")),
    )
    assert of(ToolCallDone, events) == [ToolCallDone(0, "a", "get_time", "{}", {})]


def test_chat_a_whole_call_in_one_chunk() -> None:
    events = run(
        OpenAIChatAdapter(),
        chunk(delta(tool_calls=[tool(0, id="a", name="f", args='{"q": 1}')])),
        chunk(delta(finish="tool_calls")),
    )
    assert events == [
        ToolCallStarted(0, "a", "f"),
        ToolCallDelta(0, '{"q": 1}'),
        ToolCallDone(0, "a", "f", *_args('{"q": 1}')),
        Finished("tool_calls"),
    ]


def test_chat_arguments_after_the_choice_finished_are_refused() -> None:
    a = OpenAIChatAdapter()
    a.feed(chunk(delta(tool_calls=[tool(0, id="a", name="f", args="{}")])))
    a.feed(chunk(delta(finish="tool_calls")))
    with pytest.raises(ProviderFormatError, match="after the choice finished"):
        a.feed(chunk(delta(tool_calls=[tool(0, args="}")])))


def test_chat_legacy_function_call() -> None:
    events = run(
        OpenAIChatAdapter(),
        chunk(delta(function_call={"name": "f", "arguments": ""})),
        chunk(delta(function_call={"arguments": '{"a": 2}'})),
        chunk(delta(finish="function_call")),
    )
    assert of(ToolCallDone, events) == [ToolCallDone(0, None, "f", '{"a": 2}', {"a": 2})]


def test_chat_finish_reason_repeated_is_reported_once() -> None:
    events = run(OpenAIChatAdapter(), chunk(delta(finish="length")), chunk(delta(finish="length")))
    assert events == [Finished("length")]


def test_chat_in_band_errors() -> None:
    events = run(
        OpenAIChatAdapter(),
        chunk(delta(content=""), error={"code": 400, "message": "Token limit reached"}),
        SSEEvent(
            '{"error": {"message": "bad", "type": "invalid_request_error", '
            '"code": "tool_use_failed"}}',
            event="error",
        ),
    )
    assert events == [
        ProviderError(
            "Token limit reached", 400, None, {"code": 400, "message": "Token limit reached"}
        ),
        ProviderError(
            "bad",
            "tool_use_failed",
            "invalid_request_error",
            {"message": "bad", "type": "invalid_request_error", "code": "tool_use_failed"},
        ),
    ]


def test_chat_groq_usage() -> None:
    usage = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
    events = run(OpenAIChatAdapter(), chunk(delta(finish="stop"), x_groq={"usage": usage}))
    assert events == [Finished("stop"), Usage(1, 2, 3, None, usage)]


def test_done_sentinel_ends_the_adapter() -> None:
    a = OpenAIChatAdapter()
    assert a.feed(SSEEvent("[DONE]")) == []
    assert a.done
    assert a.feed(chunk(delta(content="late"))) == []


def test_bad_event_data() -> None:
    with pytest.raises(ProviderFormatError, match="not JSON") as info:
        OpenAIChatAdapter().feed(SSEEvent("{nope"))
    assert info.value.payload == "{nope"
    assert info.value.received == "{nope"
    with pytest.raises(ProviderFormatError, match="not a JSON object"):
        OpenAIChatAdapter().feed(SSEEvent("[1, 2]"))
    with pytest.raises(TypeError):
        OpenAIChatAdapter().feed(42)
    assert OpenAIChatAdapter().feed(SSEEvent("  ")) == []


# -- OpenAI Responses ---------------------------------------------------------------


def resp(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": f"response.{kind}", **fields}


def test_responses_text_reasoning_refusal_and_completion() -> None:
    usage = {
        "input_tokens": 5,
        "output_tokens": 7,
        "total_tokens": 12,
        "output_tokens_details": {"reasoning_tokens": 4},
    }
    events = run(
        OpenAIResponsesAdapter(),
        resp("created", response={"status": "in_progress"}),
        resp("reasoning_summary_text.delta", delta="hmm"),
        resp("output_text.delta", delta="Hi"),
        resp("refusal.delta", delta="no"),
        resp("completed", response={"status": "completed", "usage": usage}),
    )
    assert events == [
        ReasoningDelta("hmm"),
        TextDelta("Hi"),
        Refusal("no"),
        Usage(5, 7, 12, 4, usage),
        Finished("completed"),
    ]


def test_responses_function_call() -> None:
    item = {
        "id": "fc_1",
        "type": "function_call",
        "call_id": "call_1",
        "name": "f",
        "arguments": "",
    }
    events = run(
        OpenAIResponsesAdapter(),
        resp("output_item.added", output_index=1, item=item),
        resp("function_call_arguments.delta", item_id="fc_1", output_index=1, delta='{"a"'),
        resp("function_call_arguments.delta", item_id="fc_1", output_index=1, delta=":1}"),
        resp("function_call_arguments.done", item_id="fc_1", output_index=1, arguments='{"a":1}'),
        resp("output_item.done", output_index=1, item={**item, "arguments": '{"a":1}'}),
    )
    assert events == [
        ToolCallStarted(1, "call_1", "f"),
        ToolCallDelta(1, '{"a"'),
        ToolCallDelta(1, ":1}"),
        ToolCallDone(1, "call_1", "f", '{"a":1}', {"a": 1}),
    ]


def test_responses_arguments_only_in_the_done_events() -> None:
    item = {"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": "f"}
    events = run(
        OpenAIResponsesAdapter(),
        resp("output_item.done", output_index=0, item={**item, "arguments": '{"b": 2}'}),
    )
    assert events == [
        ToolCallStarted(0, "call_1", "f"),
        ToolCallDelta(0, '{"b": 2}'),
        ToolCallDone(0, "call_1", "f", '{"b": 2}', {"b": 2}),
    ]


def test_responses_custom_and_mcp_and_builtin_calls() -> None:
    events = run(
        OpenAIResponsesAdapter(),
        resp(
            "output_item.added",
            output_index=0,
            item={"id": "ct", "type": "custom_tool_call", "call_id": "c", "name": "grammar"},
        ),
        resp("custom_tool_call_input.delta", item_id="ct", output_index=0, delta="SELECT 1"),
        resp("custom_tool_call_input.done", item_id="ct", output_index=0, input="SELECT 1"),
        resp(
            "output_item.added",
            output_index=1,
            item={"id": "mcp_1", "type": "mcp_call", "name": "search", "server_label": "s"},
        ),
        resp("mcp_call_arguments.done", item_id="mcp_1", output_index=1, arguments="{}"),
        resp(
            "output_item.added",
            output_index=2,
            item={"id": "ws_1", "type": "web_search_call", "status": "in_progress"},
        ),
        resp(
            "output_item.done",
            output_index=2,
            item={
                "id": "ws_1",
                "type": "web_search_call",
                "status": "completed",
                "action": {"type": "search", "query": "q"},
            },
        ),
    )
    assert of(ToolCallDone, events) == [
        ToolCallDone(0, "c", "grammar", "SELECT 1", None),
        ToolCallDone(1, "mcp_1", "search", "{}", {}, server=True),
        ToolCallDone(
            2,
            "ws_1",
            "web_search",
            '{"action":{"query":"q","type":"search"}}',  # (keys sorted)
            {"action": {"type": "search", "query": "q"}},
            server=True,
        ),
    ]


def test_responses_incomplete_leaves_calls_incomplete() -> None:
    item = {"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": "f"}
    events = run(
        OpenAIResponsesAdapter(),
        resp("output_item.added", output_index=0, item=item),
        resp("function_call_arguments.delta", item_id="fc_1", output_index=0, delta='{"a'),
        resp(
            "incomplete",
            response={
                "status": "incomplete",
                "incomplete_details": {"reason": "max_output_tokens"},
            },
        ),
    )
    assert events[-2:] == [
        ToolCallDone(0, "call_1", "f", '{"a', None, complete=False),
        Finished("incomplete"),
    ]


def test_responses_errors() -> None:
    error = {"code": "insufficient_quota", "message": "quota"}
    events = run(
        OpenAIResponsesAdapter(),
        {"type": "error", "code": "server_error", "message": "boom", "param": None},
        resp("failed", response={"status": "failed", "error": error}),
    )
    assert events == [
        ProviderError(
            "boom",
            "server_error",
            "error",
            {"type": "error", "code": "server_error", "message": "boom", "param": None},
        ),
        ProviderError("quota", "insufficient_quota", None, error),
        Finished("failed"),
    ]


def test_responses_open_call_at_end_of_stream() -> None:
    item = {"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": "f"}
    events = run(OpenAIResponsesAdapter(), resp("output_item.added", output_index=0, item=item))
    assert events[-1] == ToolCallDone(0, "call_1", "f", "", None, complete=False)


# -- Anthropic ----------------------------------------------------------------------


def block_start(index: int, **block: Any) -> dict[str, Any]:
    return {"type": "content_block_start", "index": index, "content_block": block}


def block_delta(index: int, **d: Any) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": d}


def test_anthropic_text_thinking_tool_usage_and_stop() -> None:
    events = run(
        AnthropicAdapter(),
        {
            "type": "message_start",
            "message": {
                "usage": {"input_tokens": 10, "cache_read_input_tokens": 5, "output_tokens": 1}
            },
        },
        {"type": "ping"},
        block_start(0, type="thinking", thinking="", signature=""),
        block_delta(0, type="thinking_delta", thinking="Let me see"),
        block_delta(0, type="signature_delta", signature="sig"),
        {"type": "content_block_stop", "index": 0},
        block_start(1, type="text", text=""),
        block_delta(1, type="text_delta", text="Sure."),
        {"type": "content_block_stop", "index": 1},
        block_start(2, type="tool_use", id="toolu_1", name="f", input={}),
        block_delta(2, type="input_json_delta", partial_json=""),
        block_delta(2, type="input_json_delta", partial_json='{"a": '),
        block_delta(2, type="input_json_delta", partial_json="1}"),
        {"type": "content_block_stop", "index": 2},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"output_tokens": 20},
        },
        {"type": "message_stop"},
    )
    usage = {"input_tokens": 10, "cache_read_input_tokens": 5, "output_tokens": 20}
    assert events == [
        ReasoningDelta("Let me see"),
        ReasoningSignature("sig"),
        TextDelta("Sure."),
        ToolCallStarted(2, "toolu_1", "f"),
        ToolCallDelta(2, '{"a": '),
        ToolCallDelta(2, "1}"),
        ToolCallDone(2, "toolu_1", "f", '{"a": 1}', {"a": 1}),
        Usage(15, 20, 35, None, usage),
        Finished("tool_use"),
    ]


def test_anthropic_server_tool_and_no_argument_tool() -> None:
    events = run(
        AnthropicAdapter(),
        block_start(0, type="server_tool_use", id="srvtoolu_1", name="web_search", input={}),
        block_delta(0, type="input_json_delta", partial_json='{"query": "x"}'),
        {"type": "content_block_stop", "index": 0},
        block_start(1, type="web_search_tool_result", tool_use_id="srvtoolu_1", content=[]),
        {"type": "content_block_stop", "index": 1},
        block_start(2, type="tool_use", id="toolu_2", name="now", input={}),
        block_delta(2, type="input_json_delta", partial_json=""),
        {"type": "content_block_stop", "index": 2},
    )
    assert of(ToolCallDone, events) == [
        ToolCallDone(0, "srvtoolu_1", "web_search", '{"query": "x"}', {"query": "x"}, server=True),
        ToolCallDone(2, "toolu_2", "now", "", {}),
    ]


def test_anthropic_block_cut_off_by_max_tokens() -> None:
    events = run(
        AnthropicAdapter(),
        block_start(0, type="tool_use", id="t", name="f", input={}),
        block_delta(0, type="input_json_delta", partial_json='{"lines": ["a'),
        {
            "type": "message_delta",
            "delta": {"stop_reason": "max_tokens"},
            "usage": {"output_tokens": 9},
        },
        {"type": "message_stop"},
    )
    assert events[-3:] == [
        ToolCallDone(0, "t", "f", '{"lines": ["a', None, complete=False),
        Usage(None, 9, None, None, {"output_tokens": 9}),
        Finished("max_tokens"),
    ]


def test_anthropic_input_given_whole_at_block_start() -> None:
    events = run(
        AnthropicAdapter(),
        block_start(0, type="tool_use", id="t", name="f", input={"a": [1]}),
        {"type": "content_block_stop", "index": 0},
    )
    assert events == [
        ToolCallStarted(0, "t", "f"),
        ToolCallDelta(0, '{"a":[1]}'),
        ToolCallDone(0, "t", "f", '{"a":[1]}', {"a": [1]}),
    ]


def test_anthropic_error_event_and_usage_without_message_delta() -> None:
    start = {"type": "message_start", "message": {"usage": {"input_tokens": 4, "output_tokens": 1}}}
    events = run(
        AnthropicAdapter(),
        SSEEvent(json.dumps(start), event="message_start"),
        SSEEvent(
            '{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}',
            event="error",
        ),
    )
    assert events == [
        ProviderError(
            "Overloaded",
            None,
            "overloaded_error",
            {"type": "overloaded_error", "message": "Overloaded"},
        ),
        Usage(4, 1, 5, None, {"input_tokens": 4, "output_tokens": 1}),
    ]


def test_anthropic_arguments_for_no_tool_block() -> None:
    a = AnthropicAdapter()
    a.feed(block_start(0, type="text", text=""))
    with pytest.raises(ProviderFormatError, match="not an open tool_use block"):
        a.feed(block_delta(0, type="input_json_delta", partial_json="{}"))


def test_anthropic_sdk_helper_events_are_ignored() -> None:
    events = run(
        AnthropicAdapter(),
        block_start(0, type="text", text=""),
        block_delta(0, type="text_delta", text="Hi"),
        {"type": "text", "text": "Hi", "snapshot": "Hi"},
        {"type": "message_stop", "message": {}},
    )
    assert events == [TextDelta("Hi")]


# -- Gemini -------------------------------------------------------------------------


def gem(
    *parts: dict[str, Any], finish: str | None = None, index: int | None = None, **extra: Any
) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": list(parts)}}
    if finish:
        candidate["finishReason"] = finish
    if index is not None:
        candidate["index"] = index
    return {"candidates": [candidate], **extra}


def test_gemini_text_thoughts_finish_and_usage() -> None:
    usage = {
        "promptTokenCount": 3,
        "candidatesTokenCount": 4,
        "thoughtsTokenCount": 5,
        "totalTokenCount": 12,
    }
    events = run(
        GeminiAdapter(),
        gem({"text": "hmm", "thought": True}, usageMetadata={"promptTokenCount": 3}),
        gem({"text": "The "}, usageMetadata={"promptTokenCount": 3}),
        gem({"text": "end"}, {"text": ""}, finish="STOP", usageMetadata=usage),
    )
    assert events == [
        ReasoningDelta("hmm"),
        TextDelta("The "),
        TextDelta("end"),
        Finished("STOP"),
        Usage(3, 9, 12, 5, usage),
    ]


def test_gemini_usage_without_finish_comes_at_close() -> None:
    events = run(GeminiAdapter(), gem({"text": "x"}, usageMetadata={"promptTokenCount": 1}))
    assert events == [TextDelta("x"), Usage(1, None, None, None, {"promptTokenCount": 1})]


def test_gemini_whole_function_calls() -> None:
    events = run(
        GeminiAdapter(),
        gem(
            {"functionCall": {"name": "f", "args": {"city": "Zürich"}}},
            {"functionCall": {"name": "g", "args": {}, "id": "abc"}},
        ),
        gem(finish="STOP"),
    )
    assert events == [
        ToolCallStarted(0, None, "f"),
        ToolCallDelta(0, '{"city":"Zürich"}'),
        ToolCallDone(0, None, "f", '{"city":"Zürich"}', {"city": "Zürich"}),
        ToolCallStarted(1, "abc", "g"),
        ToolCallDelta(1, "{}"),
        ToolCallDone(1, "abc", "g", "{}", {}),
        Finished("STOP"),
    ]


def partial(path: str, more: bool = False, **value: Any) -> dict[str, Any]:
    arg = {"jsonPath": path, **value}
    if more:
        arg["willContinue"] = True
    return {"functionCall": {"partialArgs": [arg], "willContinue": True}}


def test_gemini_streamed_partial_args() -> None:
    events = run(
        GeminiAdapter(),
        gem({"functionCall": {"name": "cook", "willContinue": True}}),
        gem(partial("$.recipe.items[0].name", True, stringValue="Egg")),
        gem(partial("$.recipe.items[0].name", True, stringValue='s "x"')),
        gem(partial("$.recipe.items[0].name", stringValue="")),
        gem(partial("$.recipe.items[0].qty", numberValue=2)),
        gem({"functionCall": {"willContinue": True}}),
        gem(partial("$.recipe.items[1].name", stringValue="Flour")),
        gem(partial("$.recipe['serves n']", numberValue=4.5)),
        gem(partial("$.vegan", boolValue=True)),
        gem(partial("$.note", nullValue="NULL_VALUE")),
        gem({"functionCall": {}}, finish="STOP"),
    )
    args = {
        "recipe": {"items": [{"name": 'Eggs "x"', "qty": 2}, {"name": "Flour"}], "serves n": 4.5},
        "vegan": True,
        "note": None,
    }
    text = json.dumps(args, separators=(",", ":"), ensure_ascii=False)
    deltas = of(ToolCallDelta, events)
    assert "".join(d.text for d in deltas) == text
    assert len(deltas) > 5  # streamed, not sent at the end
    assert of(ToolCallDone, events) == [ToolCallDone(0, None, "cook", text, args)]
    assert events[-1] == Finished("STOP")


def test_gemini_two_streamed_calls_and_an_unfinished_one() -> None:
    events = run(
        GeminiAdapter(),
        gem({"functionCall": {"name": "f", "willContinue": True}}),
        gem(partial("$.a", stringValue="x")),
        gem({"functionCall": {"name": "g", "willContinue": True}}),
        gem(partial("$.b", True, stringValue="y")),
    )
    assert of(ToolCallDone, events) == [
        ToolCallDone(0, None, "f", '{"a":"x"}', {"a": "x"}),
        ToolCallDone(1, None, "g", '{"b":"y"}', {"b": "y"}, complete=False),
    ]
    joined = "".join(d.text for d in of(ToolCallDelta, events) if d.index == 1)
    assert joined == '{"b":"y"}'


def test_gemini_partial_args_without_a_call() -> None:
    with pytest.raises(ProviderFormatError):
        GeminiAdapter().feed(gem(partial("$.a", stringValue="x")))
    a = GeminiAdapter()
    a.feed(gem({"functionCall": {"name": "f", "willContinue": True}}))
    with pytest.raises(ProviderFormatError, match="jsonPath"):
        a.feed(gem(partial("a.b", stringValue="x")))


def test_gemini_candidates_blocked_prompt_and_error() -> None:
    events = run(
        GeminiAdapter(),
        {
            "candidates": [
                {"index": 0, "content": {"parts": [{"text": "a"}]}},
                {"index": 1, "content": {"parts": [{"text": "b"}]}, "finishReason": "MAX_TOKENS"},
            ]
        },
    )
    assert events == [TextDelta("a", 0), TextDelta("b", 1), Finished("MAX_TOKENS", 1)]
    events = run(GeminiAdapter(), {"promptFeedback": {"blockReason": "SAFETY"}})
    assert events == [Finished("SAFETY")]
    error = {"code": 429, "message": "Resource exhausted", "status": "RESOURCE_EXHAUSTED"}
    assert run(GeminiAdapter(), {"error": error}) == [
        ProviderError("Resource exhausted", 429, None, error)
    ]
