"""to_message(), tool_messages() and ToolResult.to_message(): hand-built answers covering every
event kind, in every request shape, checked as exact dicts and against the SDKs' own types."""

from __future__ import annotations

from typing import Any

import pytest

from streamops import (
    Citation,
    Collected,
    Finished,
    ProviderError,
    ReasoningDelta,
    ReasoningSignature,
    RedactedReasoning,
    Refusal,
    ServerToolResult,
    ServerToolUpdate,
    TextDelta,
    ToolCallDelta,
    ToolCallDone,
    ToolCallError,
    ToolCallStarted,
    ToolResult,
    Unknown,
    Usage,
    drain,
    pipe,
    to_message,
    tool_calls,
    tool_messages,
)
from tests.sdk_shapes import check_message

NOISE: list[Any] = [
    Usage(10, 5, 15),
    ServerToolUpdate("ws_0", "web_search_call", "searching"),
    Unknown("future", {"type": "future"}),
    ProviderError("overloaded"),
]


def call(index: int, id: str | None, name: str, args: str, **kw: Any) -> list[Any]:
    """A tool call's three events (raws as the adapters give them, when given)."""
    raws = kw.pop("raws", (None, None, None))
    server = kw.pop("server", False)
    return [
        ToolCallStarted(index, id, name, server=server, raw=raws[0]),
        ToolCallDelta(index, args, raw=raws[1]),
        ToolCallDone(index, id, name, args, None, server=server, raw=raws[2], **kw),
    ]


# --- Anthropic ----------------------------------------------------------------------------


def _a_delta(index: int, **delta: Any) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": delta}


def _a_start(index: int, **block: Any) -> dict[str, Any]:
    return {"type": "content_block_start", "index": index, "content_block": block}


SEARCH_RESULTS = [
    {
        "type": "web_search_result",
        "title": "Paris weather",
        "url": "https://weather.example/paris",
        "encrypted_content": "EqgfCioIARgBIiQ3",
        "page_age": None,
    }
]
CITE = {
    "type": "web_search_result_location",
    "cited_text": "Sunny, 24 degrees.",
    "url": "https://weather.example/paris",
    "title": "Paris weather",
    "encrypted_index": "Eo8BCioIAhgBIiQy",
}
ANTHROPIC_EVENTS: list[Any] = [
    ReasoningDelta("I should", raw=_a_delta(0, type="thinking_delta", thinking="I should")),
    ReasoningDelta(" search.", raw=_a_delta(0, type="thinking_delta", thinking=" search.")),
    ReasoningSignature("EqQBCkgIARAB", raw=_a_delta(0, type="signature_delta")),
    RedactedReasoning(
        "EmwKAhgBEgy3", raw=_a_start(1, type="redacted_thinking", data="EmwKAhgBEgy3")
    ),
    *call(
        2,
        "srvtoolu_1",
        "web_search",
        '{"query": "Paris weather"}',
        server=True,
        raws=(_a_start(2, type="server_tool_use", id="srvtoolu_1", name="web_search", input={}),)
        * 3,
    ),
    ServerToolResult(
        "srvtoolu_1",
        "web_search_tool_result",
        SEARCH_RESULTS,
        raw=_a_start(
            3, type="web_search_tool_result", tool_use_id="srvtoolu_1", content=SEARCH_RESULTS
        ),
    ),
    Citation(CITE["url"], CITE["title"], CITE["cited_text"], data=CITE, raw=_a_delta(4)),
    TextDelta("Paris is sunny", raw=_a_delta(4)),
    TextDelta(".", raw=_a_delta(4)),
    TextDelta(" I'll get the forecast.", raw=_a_delta(5)),
    *call(
        6,
        "toolu_1",
        "get_weather",
        '{"city": "Paris"}',
        raws=(_a_start(6, type="tool_use", id="toolu_1", name="get_weather", input={}),) * 3,
    ),
    *NOISE,
    Finished("tool_use"),
]
ANTHROPIC_MESSAGE = {
    "role": "assistant",
    "content": [
        {"type": "thinking", "thinking": "I should search.", "signature": "EqQBCkgIARAB"},
        {"type": "redacted_thinking", "data": "EmwKAhgBEgy3"},
        {
            "type": "server_tool_use",
            "id": "srvtoolu_1",
            "name": "web_search",
            "input": {"query": "Paris weather"},
        },
        {
            "type": "web_search_tool_result",
            "tool_use_id": "srvtoolu_1",
            "content": SEARCH_RESULTS,
        },
        {"type": "text", "text": "Paris is sunny.", "citations": [CITE]},
        {"type": "text", "text": " I'll get the forecast."},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
    ],
}


def test_anthropic_every_block_kind() -> None:
    message = to_message(ANTHROPIC_EVENTS, provider="anthropic")
    assert message == ANTHROPIC_MESSAGE
    check_message("anthropic", message)


def test_anthropic_without_raw_citations_start_the_text_after_them() -> None:
    events = [
        TextDelta("Intro."),
        Citation(data=CITE),
        TextDelta("Cited."),
        Citation(data=CITE),
        TextDelta("Cited again."),
    ]
    blocks = to_message(events, provider="anthropic")["content"]
    assert blocks == [
        {"type": "text", "text": "Intro."},
        {"type": "text", "text": "Cited.", "citations": [CITE]},
        {"type": "text", "text": "Cited again.", "citations": [CITE]},
    ]


def test_anthropic_thinking_without_its_signature_is_left_out() -> None:
    events = [
        ReasoningDelta("cut"),
        ReasoningSignature("s1"),
        ReasoningDelta("off"),
        TextDelta("x"),
    ]
    message = to_message(events, provider="anthropic")
    assert message["content"] == [
        {"type": "thinking", "thinking": "cut", "signature": "s1"},
        {"type": "text", "text": "x"},
    ]
    check_message("anthropic", message)


def test_anthropic_omitted_thinking_is_an_empty_signed_block() -> None:
    message = to_message([ReasoningSignature("s1"), TextDelta("4")], provider="anthropic")
    assert message["content"][0] == {"type": "thinking", "thinking": "", "signature": "s1"}


def test_anthropic_needs_ids_and_object_arguments() -> None:
    with pytest.raises(ToolCallError, match="has no id") as info:
        to_message(call(0, None, "f", "{}"), provider="anthropic")
    assert info.value.name == "f"
    with pytest.raises(ToolCallError, match="not a JSON object") as info:
        to_message(call(0, "t1", "f", "[1, 2]"), provider="anthropic")
    assert info.value.arguments == "[1, 2]"


# --- Gemini -------------------------------------------------------------------------------


def _chunk(*parts: dict[str, Any]) -> dict[str, Any]:
    return {"candidates": [{"content": {"role": "model", "parts": list(parts)}}]}


C1 = _chunk({"text": "Thinking", "thought": True})
C2 = _chunk({"text": "Hello "})
C3 = _chunk({"text": "world", "thoughtSignature": "c2lnMQ=="})
C4 = _chunk({"functionCall": {"name": "f", "args": {"x": 1}}, "thoughtSignature": "c2lnMg=="})
C5 = _chunk({"text": "", "thoughtSignature": "c2lnMw=="})
GEMINI_EVENTS: list[Any] = [
    ReasoningDelta("Thinking", raw=C1),
    TextDelta("Hello ", raw=C2),
    TextDelta("world", raw=C3),
    ReasoningSignature("c2lnMQ==", raw=C3),
    *call(0, None, "f", '{"x":1}', raws=(C4, C4, C4)),
    ReasoningSignature("c2lnMg==", raw=C4),
    *call(1, "fc_2", "g", "{}"),
    ServerToolResult(None, "codeExecutionResult", {"outcome": "OUTCOME_OK", "output": "4\n"}),
    ReasoningSignature("c2lnMw==", raw=C5),
    *NOISE,
    Finished("STOP"),
]
GEMINI_MESSAGE = {
    "role": "model",
    "parts": [
        {"text": "Thinking", "thought": True},
        {"text": "Hello world", "thoughtSignature": "c2lnMQ=="},
        {"functionCall": {"name": "f", "args": {"x": 1}}, "thoughtSignature": "c2lnMg=="},
        {"functionCall": {"name": "g", "args": {}, "id": "fc_2"}},
        {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "4\n"}},
        {"text": "", "thoughtSignature": "c2lnMw=="},
    ],
}


def test_gemini_signatures_stay_on_the_part_they_sign() -> None:
    message = to_message(GEMINI_EVENTS, provider="gemini")
    assert message == GEMINI_MESSAGE
    check_message("gemini", message)


def test_gemini_a_signature_ends_the_text_part() -> None:
    events = [TextDelta("a"), ReasoningSignature("c2lnMQ=="), TextDelta("b")]
    assert to_message(events, provider="gemini")["parts"] == [
        {"text": "a", "thoughtSignature": "c2lnMQ=="},
        {"text": "b"},
    ]


def test_gemini_server_parts_go_back_as_they_came() -> None:
    """Gemini's own tool parts (code execution, built-in tools) are part of the model's turn:
    the message holds them as the stream sent them, in order, with their signatures (the
    signature below has "+" and "/": base64 as the API sends it)."""
    from streamops.providers import GeminiAdapter

    parts: list[dict[str, Any]] = [
        {"text": "Let me compute."},
        {
            "executableCode": {"language": "PYTHON", "code": "print(2 + 2)"},
            "thoughtSignature": "+/8=",
        },
        {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "4\n"}},
        {"toolCall": {"id": "t1", "toolType": "GOOGLE_SEARCH_WEB", "args": {"q": "x"}}},
        {"toolResponse": {"id": "t1", "toolType": "GOOGLE_SEARCH_WEB", "response": {"r": 1}}},
        {"text": "It is 4."},
    ]
    adapter = GeminiAdapter()
    events = [e for p in parts for e in adapter.feed({"candidates": [{"content": {"parts": [p]}}]})]
    message = to_message(events, provider="gemini")
    assert message == {"role": "model", "parts": parts}
    check_message("gemini", message)


# --- OpenAI Responses ---------------------------------------------------------------------

RS_ITEM = {
    "id": "rs_1",
    "type": "reasoning",
    "summary": [{"type": "summary_text", "text": "Look it up."}],
    "encrypted_content": "gAAAAB",
}
WS_ITEM = {
    "id": "ws_1",
    "type": "web_search_call",
    "status": "completed",
    "action": {"type": "search", "query": "Paris weather"},
}
ANNOTATION = {
    "type": "url_citation",
    "url": "https://weather.example/paris",
    "title": "Paris weather",
    "start_index": 0,
    "end_index": 5,
}


def _r(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": f"response.{kind}", **fields}


RESPONSES_EVENTS: list[Any] = [
    ReasoningDelta(
        "Look it up.",
        raw=_r("reasoning_summary_text.delta", item_id="rs_1", output_index=0, summary_index=0),
    ),
    RedactedReasoning("gAAAAB", raw=_r("output_item.done", output_index=0, item=RS_ITEM)),
    *call(
        1,
        "ws_1",
        "web_search",
        '{"action": {}}',
        server=True,
        raws=(
            _r("output_item.added", item={"id": "ws_1", "type": "web_search_call"}),
            None,
            _r("output_item.done", output_index=1, item=WS_ITEM),
        ),
    ),
    ServerToolResult("ws_1", "web_search_call", WS_ITEM, raw=_r("output_item.done", item=WS_ITEM)),
    TextDelta("Sunny", raw=_r("output_text.delta", item_id="msg_1", content_index=0)),
    TextDelta(".", raw=_r("output_text.delta", item_id="msg_1", content_index=0)),
    Citation(
        ANNOTATION["url"],
        ANNOTATION["title"],
        data=ANNOTATION,
        raw=_r("output_text.annotation.added", item_id="msg_1", content_index=0),
    ),
    *call(
        3,
        "call_1",
        "get_weather",
        '{"city": "Paris"}',
        raws=(
            _r(
                "output_item.added",
                item={"id": "fc_1", "type": "function_call", "call_id": "call_1"},
            ),
            _r("function_call_arguments.delta", item_id="fc_1"),
            _r("function_call_arguments.done", item_id="fc_1"),
        ),
    ),
    *call(
        4,
        "call_2",
        "apply_patch",
        "*** Begin Patch",
        raws=(_r("output_item.added", item={"id": "ctc_1", "type": "custom_tool_call"}),) * 3,
    ),
    *NOISE,
    Finished("completed"),
]
RESPONSES_ITEMS = [
    RS_ITEM,
    WS_ITEM,
    {
        "type": "message",
        "role": "assistant",
        "id": "msg_1",
        "status": "completed",
        "content": [{"type": "output_text", "text": "Sunny.", "annotations": [ANNOTATION]}],
    },
    {
        "type": "function_call",
        "call_id": "call_1",
        "name": "get_weather",
        "arguments": '{"city": "Paris"}',
        "id": "fc_1",
    },
    {
        "type": "custom_tool_call",
        "call_id": "call_2",
        "name": "apply_patch",
        "input": "*** Begin Patch",
        "id": "ctc_1",
    },
]


def test_responses_every_item_kind() -> None:
    items = to_message(RESPONSES_EVENTS, provider="openai-responses")
    assert items == RESPONSES_ITEMS
    check_message("openai-responses", items)


def test_responses_from_events_without_raw() -> None:
    events = [
        ReasoningDelta("hidden"),  # no item id: cannot be sent back
        TextDelta("Hi"),
        Refusal(" no"),
        *call(0, "call_1", "f", "{}"),
    ]
    items = to_message(events, provider="openai-responses")
    assert items == [
        {"type": "message", "role": "assistant", "content": "Hi no"},
        {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"},
    ]
    check_message("openai-responses", items)


def test_responses_reasoning_built_from_its_deltas() -> None:
    events = [
        ReasoningDelta("a", raw=_r("reasoning_summary_text.delta", item_id="rs_9")),
        ReasoningDelta("b", raw=_r("reasoning_summary_text.delta", item_id="rs_9")),
        RedactedReasoning("enc", raw={"type": "unknown"}),
        TextDelta("x", raw=_r("output_text.delta", item_id="msg_9")),
        Finished("incomplete"),
    ]
    items = to_message(events, provider="openai-responses")
    assert items == [
        {
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": "ab"}],
            "id": "rs_9",
            "encrypted_content": "enc",
        },
        {
            "type": "message",
            "role": "assistant",
            "id": "msg_9",
            "status": "incomplete",
            "content": [{"type": "output_text", "text": "x", "annotations": []}],
        },
    ]
    check_message("openai-responses", items)


# --- OpenAI Chat (and OpenRouter) ---------------------------------------------------------


def _or(*details: dict[str, Any], content: str = "") -> dict[str, Any]:
    delta = {"role": "assistant", "content": content, "reasoning_details": list(details)}
    return {"choices": [{"index": 0, "delta": delta}]}


FMT = "anthropic-claude-v1"
OPENROUTER_EVENTS: list[Any] = [
    ReasoningDelta(
        "Two", raw=_or({"type": "reasoning.text", "text": "Two", "format": FMT, "index": 0})
    ),
    ReasoningDelta(
        " plus two.", raw=_or({"type": "reasoning.text", "text": " plus two.", "index": 0})
    ),
    ReasoningSignature(
        "Et0B", raw=_or({"type": "reasoning.text", "signature": "Et0B", "format": FMT, "index": 0})
    ),
    RedactedReasoning(
        "ZW5j", raw=_or({"type": "reasoning.encrypted", "data": "ZW5j", "format": FMT, "index": 1})
    ),
    TextDelta("4", raw=_or(content="4")),
    Refusal("No more."),
    *call(0, "call_1", "add", '{"a": 2, "b": 2}'),
    *call(1, "call_2", "ping", ""),
    TextDelta("other choice", choice=1),
    *NOISE,
    Finished("tool_calls"),
]


def test_openai_chat_with_openrouter_reasoning_details() -> None:
    message = to_message(OPENROUTER_EVENTS, provider="openai-chat")
    assert message == {
        "role": "assistant",
        "content": "4",
        "refusal": "No more.",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "add", "arguments": '{"a": 2, "b": 2}'},
            },
            {"id": "call_2", "type": "function", "function": {"name": "ping", "arguments": ""}},
        ],
        "reasoning_details": [
            {
                "type": "reasoning.text",
                "text": "Two plus two.",
                "format": FMT,
                "index": 0,
                "signature": "Et0B",
            },
            {"type": "reasoning.encrypted", "data": "ZW5j", "format": FMT, "index": 1},
        ],
    }
    check_message("openai-chat", message)


def test_openai_chat_choice_and_empty_answer() -> None:
    events = [TextDelta("zero"), TextDelta("one", choice=1), Finished("stop", choice=1)]
    assert to_message(events, provider="openai-chat", choice=1) == {
        "role": "assistant",
        "content": "one",
    }
    message = to_message([Finished("stop")], provider="openai-chat")
    assert message == {"role": "assistant", "content": None}
    check_message("openai-chat", message)


# --- Bedrock, Ollama ----------------------------------------------------------------------

PLAIN_EVENTS: list[Any] = [
    ReasoningDelta("Let me"),
    ReasoningDelta(" add."),
    ReasoningSignature("sig"),
    RedactedReasoning("AAEC"),
    TextDelta("Adding."),
    *call(0, "tooluse_1", "add", '{"a": 1, "b": 2}'),
    *NOISE,
    Finished("tool_use"),
]


def test_bedrock_converse_message() -> None:
    message = to_message(PLAIN_EVENTS, provider="bedrock")
    assert message == {
        "role": "assistant",
        "content": [
            {"reasoningContent": {"reasoningText": {"text": "Let me add.", "signature": "sig"}}},
            {"reasoningContent": {"redactedContent": b"\x00\x01\x02"}},
            {"text": "Adding."},
            {"toolUse": {"toolUseId": "tooluse_1", "name": "add", "input": {"a": 1, "b": 2}}},
        ],
    }
    check_message("bedrock", message)


def test_ollama_message() -> None:
    message = to_message(PLAIN_EVENTS, provider="ollama")
    assert message == {
        "role": "assistant",
        "content": "Adding.",
        "thinking": "Let me add.",
        "tool_calls": [{"function": {"name": "add", "arguments": {"a": 1, "b": 2}}}],
    }
    check_message("ollama", message)


# --- Cohere -------------------------------------------------------------------------------


def _c(kind: str, index: int | None = None, **message: Any) -> dict[str, Any]:
    """A Cohere v2 stream event (its documented shape)."""
    event: dict[str, Any] = {"type": kind}
    if index is not None:
        event["index"] = index
    event["delta"] = {"message": message}
    return event


CITED = {
    "start": 12,
    "end": 17,
    "text": "sunny",
    "sources": [{"type": "tool", "id": "weather_1:0", "tool_output": {"sky": "sunny"}}],
    "type": "TEXT_CONTENT",
    "content_index": 1,
}
COHERE_STREAM: list[dict[str, Any]] = [
    _c("message-start", role="assistant"),
    _c("content-start", 0, content={"type": "thinking", "thinking": ""}),
    _c("content-delta", 0, content={"thinking": "Weather first."}),
    _c("content-end", 0),
    _c("content-start", 1, content={"type": "text", "text": ""}),
    _c("content-delta", 1, content={"text": "Paris is "}),
    _c("content-delta", 1, content={"text": "sunny"}),
    _c("citation-start", 0, citations=CITED),
    {"type": "citation-end", "index": 0},
    _c("content-delta", 1, content={"text": "."}),
    _c("content-end", 1),
    _c("tool-plan-delta", tool_plan="I will check "),
    _c("tool-plan-delta", tool_plan="the time."),
    _c(
        "tool-call-start",
        0,
        tool_calls={
            "id": "get_time_1",
            "type": "function",
            "function": {"name": "get_time", "arguments": ""},
        },
    ),
    _c("tool-call-delta", 0, tool_calls={"function": {"arguments": '{"city": "Paris"}'}}),
    {"type": "tool-call-end", "index": 0},
    _c(
        "tool-call-start",
        1,
        tool_calls={
            "id": "now_2",
            "type": "function",
            "function": {"name": "now", "arguments": ""},
        },
    ),
    {"type": "tool-call-end", "index": 1},
    {"type": "message-end", "delta": {"finish_reason": "TOOL_CALL"}},
]


def test_cohere_message() -> None:
    from streamops.providers import CohereAdapter

    adapter = CohereAdapter()
    events = [e for payload in COHERE_STREAM for e in adapter.feed(payload)] + NOISE
    message = to_message(events, provider="cohere")
    assert message == {
        "role": "assistant",
        "content": [
            {"type": "thinking", "thinking": "Weather first."},
            {"type": "text", "text": "Paris is sunny."},  # the citation does not split it
        ],
        "tool_plan": "I will check the time.",
        "tool_calls": [
            {
                "id": "get_time_1",
                "type": "function",
                "function": {"name": "get_time", "arguments": '{"city": "Paris"}'},
            },
            {"id": "now_2", "type": "function", "function": {"name": "now", "arguments": "{}"}},
        ],
        "citations": [CITED],
    }
    check_message("cohere", message)


def test_cohere_message_of_text_alone_and_of_nothing() -> None:
    assert to_message([TextDelta("Hi")], provider="cohere") == {
        "role": "assistant",
        "content": [{"type": "text", "text": "Hi"}],
    }
    empty = to_message([Finished("COMPLETE")], provider="cohere")
    assert empty == {"role": "assistant", "content": []}
    check_message("cohere", empty)
    with pytest.raises(ToolCallError, match="no id"):
        to_message(call(0, None, "f", "{}"), provider="cohere")


# --- cut-off and failed calls, inputs -----------------------------------------------------

CUT = [
    TextDelta("Calling."),
    *call(0, "call_1", "f", '{"a": 1}'),
    ToolCallStarted(1, "call_2", "f"),
    ToolCallDelta(1, '{"a": '),
    ToolCallDone(1, "call_2", "f", '{"a": ', None, complete=False),
    Finished("length"),
]


@pytest.mark.parametrize("provider", ["openai-chat", "anthropic", "gemini", "bedrock", "cohere"])
def test_cut_off_calls_raise_or_are_dropped(provider: Any) -> None:
    with pytest.raises(ToolCallError, match="cut off") as info:
        to_message(CUT, provider=provider)
    assert (info.value.call_id, info.value.arguments, info.value.cut_off) == (
        "call_2",
        '{"a": ',
        True,
    )
    message = to_message(CUT, provider=provider, incomplete="drop")
    assert "call_2" not in repr(message)
    assert "call_1" in repr(message)
    check_message(provider, message)


def test_a_call_that_never_finished_is_cut_off() -> None:
    events = [ToolCallStarted(0, "call_1", "f"), ToolCallDelta(0, '{"a"')]
    with pytest.raises(ToolCallError, match="cut off"):
        to_message(events, provider="openai-chat")
    assert "tool_calls" not in to_message(events, provider="openai-chat", incomplete="drop")


def test_after_tool_calls_failed_calls_go_back_and_cut_off_ones_do_not() -> None:
    def f(a: int) -> int:
        return a

    stream = [
        *call(0, "call_1", "nope", '{"a": 1}'),  # unknown tool: the model made the call
        *call(1, "call_2", "f", '{"a": "x"}'),  # invalid arguments: made too
        ToolCallStarted(2, "call_3", "f"),
        ToolCallDelta(2, '{"a": 1'),  # cut off (the stream ends)
    ]
    enriched = drain(pipe(stream, tool_calls({"f": f})))
    with pytest.raises(ToolCallError, match="cut off"):
        to_message(enriched, provider="openai-chat")
    message = to_message(enriched, provider="openai-chat", incomplete="drop")
    assert [(c["id"], c["function"]["arguments"]) for c in message["tool_calls"]] == [
        ("call_1", '{"a": 1}'),
        ("call_2", '{"a": "x"}'),
    ]


def test_a_collect_record_is_read_and_async_streams_are_refused() -> None:
    record: Collected[Any] = Collected()
    drain(pipe([TextDelta("Hi"), Finished("stop")], record))
    assert to_message(record, provider="openai-chat")["content"] == "Hi"

    async def agen() -> Any:
        yield TextDelta("x")

    with pytest.raises(TypeError, match="collect"):
        to_message(agen(), provider="openai-chat")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="provider events"):
        to_message([b"data: {}"], provider="openai-chat")
    with pytest.raises(TypeError, match="iterable"):
        to_message("text", provider="openai-chat")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown provider"):
        to_message([], provider="mistral")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="incomplete"):
        to_message([], provider="gemini", incomplete="keep")  # type: ignore[arg-type]


# --- tool results -------------------------------------------------------------------------

OK = ToolResult(0, "call_1", "get_weather", {"city": "Paris", "sky": "clear"})
TEXT = ToolResult(1, "call_2", "get_time", "14:05")
FAILED = ToolResult(2, "call_3", "div", error=ZeroDivisionError("division by zero"))
RESULTS = [OK, TEXT, FAILED]
WEATHER = '{"city":"Paris","sky":"clear"}'
ERROR = "ZeroDivisionError: division by zero"


def test_tool_results_openai_chat_and_responses() -> None:
    chat = tool_messages(RESULTS, "openai-chat")
    assert chat == [
        {"role": "tool", "tool_call_id": "call_1", "content": WEATHER},
        {"role": "tool", "tool_call_id": "call_2", "content": "14:05"},
        {"role": "tool", "tool_call_id": "call_3", "content": ERROR},
    ]
    assert [r.to_message("openai-chat") for r in RESULTS] == chat
    responses = tool_messages(RESULTS, "openai-responses")
    assert responses == [
        {"type": "function_call_output", "call_id": "call_1", "output": WEATHER},
        {"type": "function_call_output", "call_id": "call_2", "output": "14:05"},
        {"type": "function_call_output", "call_id": "call_3", "output": ERROR},
    ]
    for message in chat:
        check_message("openai-chat", message)
    check_message("openai-responses", responses)


def test_tool_results_in_one_message_for_anthropic_gemini_bedrock() -> None:
    anthropic = tool_messages(RESULTS, "anthropic")
    assert anthropic == [
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "call_1", "content": WEATHER},
                {"type": "tool_result", "tool_use_id": "call_2", "content": "14:05"},
                {
                    "type": "tool_result",
                    "tool_use_id": "call_3",
                    "content": ERROR,
                    "is_error": True,
                },
            ],
        }
    ]
    gemini = tool_messages(RESULTS, "gemini")
    assert gemini == [
        {
            "role": "user",
            "parts": [
                {
                    "functionResponse": {
                        "name": "get_weather",
                        "response": {"city": "Paris", "sky": "clear"},
                        "id": "call_1",
                    }
                },
                {
                    "functionResponse": {
                        "name": "get_time",
                        "response": {"output": "14:05"},
                        "id": "call_2",
                    }
                },
                {"functionResponse": {"name": "div", "response": {"error": ERROR}, "id": "call_3"}},
            ],
        }
    ]
    bedrock = tool_messages(RESULTS, "bedrock")
    assert bedrock == [
        {
            "role": "user",
            "content": [
                {
                    "toolResult": {
                        "toolUseId": "call_1",
                        "content": [{"json": {"city": "Paris", "sky": "clear"}}],
                        "status": "success",
                    }
                },
                {
                    "toolResult": {
                        "toolUseId": "call_2",
                        "content": [{"text": "14:05"}],
                        "status": "success",
                    }
                },
                {
                    "toolResult": {
                        "toolUseId": "call_3",
                        "content": [{"text": ERROR}],
                        "status": "error",
                    }
                },
            ],
        }
    ]
    for provider, messages in (("anthropic", anthropic), ("gemini", gemini), ("bedrock", bedrock)):
        check_message(provider, messages[0])
        single = TEXT.to_message(provider)  # type: ignore[arg-type]
        check_message(provider, single)
    assert tool_messages([], "anthropic") == []


def test_tool_results_ollama() -> None:
    messages = tool_messages([TEXT], "ollama")
    assert messages == [{"role": "tool", "content": "14:05", "tool_name": "get_time"}]
    check_message("ollama", messages[0])


def test_tool_results_cohere() -> None:
    messages = tool_messages(RESULTS, "cohere")
    assert messages == [
        {"role": "tool", "tool_call_id": "call_1", "content": WEATHER},
        {"role": "tool", "tool_call_id": "call_2", "content": "14:05"},
        {"role": "tool", "tool_call_id": "call_3", "content": ERROR},
    ]
    assert [r.to_message("cohere") for r in RESULTS] == messages
    for message in messages:
        check_message("cohere", message)
    with pytest.raises(ToolCallError, match="no call id"):
        ToolResult(0, None, "f", 1).to_message("cohere")


def test_tool_results_need_ids_and_cut_off_ones_have_no_call() -> None:
    with pytest.raises(ToolCallError, match="no call id"):
        ToolResult(0, None, "f", 1).to_message("anthropic")
    assert ToolResult(0, None, "f", 1).to_message("gemini") == {
        "role": "user",
        "parts": [{"functionResponse": {"name": "f", "response": {"output": 1}}}],
    }
    cut = ToolCallError("the arguments were cut off", name="f", call_id="c9", cut_off=True)
    result = ToolResult(0, "c9", "f", error=cut)
    with pytest.raises(ToolCallError) as info:
        result.to_message("openai-chat")
    assert info.value is cut
    assert tool_messages([OK, result], "anthropic")[0]["content"] == [
        {"type": "tool_result", "tool_use_id": "call_1", "content": WEATHER}
    ]
    with pytest.raises(ValueError, match="unknown provider"):
        OK.to_message("mistral")  # type: ignore[arg-type]
