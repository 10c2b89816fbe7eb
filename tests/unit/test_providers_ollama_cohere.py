"""The Ollama and Cohere adapters, on sample streams of our own written from the providers'
documented formats (Ollama's api.md: /api/chat and /api/generate streams; Cohere's v2 chat
streaming reference), read raw, as parsed lines and through the documented pipelines."""

from __future__ import annotations

import json
from typing import Any

import pytest

from streamops import JSONStreamError, drain, pipe
from streamops.providers import (
    Citation,
    CohereAdapter,
    Finished,
    OllamaAdapter,
    ProviderAdapter,
    ProviderError,
    ProviderFormatError,
    ReasoningDelta,
    TextDelta,
    ToolCallDelta,
    ToolCallDone,
    ToolCallStarted,
    ToolPlanDelta,
    Unknown,
    Usage,
    detect_provider,
    events,
    ndjson_events,
    sse_events,
    text,
)


def ndjson(*lines: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


def sse(*payloads: dict[str, Any], done: bool = True) -> bytes:
    out = [
        f"event: {p['type']}\ndata: {json.dumps(p, separators=(',', ':'))}\n\n".encode()
        for p in payloads
    ]
    if done:
        out.append(b"data: [DONE]\n\n")
    return b"".join(out)


def read(body: bytes, provider: Any = "auto", *, step: int = 0) -> list[Any]:
    """Events of a raw body through ProviderAdapter, whole or cut every ``step`` bytes."""
    adapter = ProviderAdapter(provider)
    chunks = [body] if not step else [body[i : i + step] for i in range(0, len(body), step)]
    out: list[Any] = []
    for chunk in chunks:
        out.extend(adapter.feed(chunk))
    out.extend(adapter.close())
    return out


# -- Ollama --------------------------------------------------------------------------

_T = "2025-06-01T10:00:00.000000Z"


def chat(message: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"model": "qwen3", "created_at": _T, "message": message, "done": False, **extra}


FINAL = {
    "done": True,
    "done_reason": "stop",
    "total_duration": 4_883_583_458,
    "load_duration": 1_334_875,
    "prompt_eval_count": 26,
    "prompt_eval_duration": 342_546_000,
    "eval_count": 12,
    "eval_duration": 4_535_599_000,
}
USAGE_DETAILS = {k: v for k, v in FINAL.items() if k not in ("done", "done_reason")}

OLLAMA_CHAT = ndjson(
    chat({"role": "assistant", "content": "", "thinking": "The user wants"}),
    chat({"role": "assistant", "content": "", "thinking": " the weather."}),
    chat(
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"function": {"name": "get_weather", "arguments": {"city": "Paris"}}},
                {
                    "id": "call_tokyo",
                    "function": {"index": 1, "name": "get_weather", "arguments": {"city": "東京"}},
                },
            ],
        }
    ),
    chat({"role": "assistant", "content": "Checking"}),
    chat({"role": "assistant", "content": " now."}),
    {**chat({"role": "assistant", "content": ""}), **FINAL},
)

OLLAMA_CHAT_EVENTS = [
    ReasoningDelta("The user wants"),
    ReasoningDelta(" the weather."),
    ToolCallStarted(0, None, "get_weather"),
    ToolCallDelta(0, '{"city":"Paris"}'),
    ToolCallDone(0, None, "get_weather", '{"city":"Paris"}', {"city": "Paris"}),
    ToolCallStarted(1, "call_tokyo", "get_weather"),
    ToolCallDelta(1, '{"city":"東京"}'),
    ToolCallDone(1, "call_tokyo", "get_weather", '{"city":"東京"}', {"city": "東京"}),
    TextDelta("Checking"),
    TextDelta(" now."),
    Usage(26, 12, 38, None, USAGE_DETAILS),
    Finished("stop"),
]

OLLAMA_GENERATE = ndjson(
    {"model": "deepseek-r1", "created_at": _T, "response": "", "thinking": "Hmm", "done": False},
    {"model": "deepseek-r1", "created_at": _T, "response": "Blue", "done": False},
    {"model": "deepseek-r1", "created_at": _T, "response": "", "context": [1, 2, 3], **FINAL},
)


@pytest.mark.parametrize("step", [0, 1, 3, 17])
@pytest.mark.parametrize("provider", ["auto", "ollama"])
def test_ollama_chat_stream(provider: str, step: int) -> None:
    assert read(OLLAMA_CHAT, provider, step=step) == OLLAMA_CHAT_EVENTS


def test_ollama_generate_stream() -> None:
    assert read(OLLAMA_GENERATE) == [
        ReasoningDelta("Hmm"),
        TextDelta("Blue"),
        Usage(26, 12, 38, None, USAGE_DETAILS),
        Finished("stop"),
    ]


def test_ollama_ends_on_done_and_keeps_raw() -> None:
    adapter = OllamaAdapter()
    lines = [json.loads(line) for line in OLLAMA_CHAT.splitlines()]
    for line in lines[:-1]:
        adapter.feed(line)
    assert not adapter.ended
    last = adapter.feed(lines[-1])
    assert adapter.ended
    assert all(event.raw is lines[-1] for event in last)


def test_ollama_error_line_and_unknown_line() -> None:
    body = ndjson(
        chat({"role": "assistant", "content": "Hi"}),
        {"status": "loading model"},
        {"error": "model runner has unexpectedly stopped"},
    )
    assert read(body, "ollama") == [
        TextDelta("Hi"),
        Unknown("ollama", {"status": "loading model"}),
        ProviderError(
            "model runner has unexpectedly stopped",
            body="model runner has unexpectedly stopped",
        ),
        Finished(None, complete=False),  # no done line: the answer is not whole
    ]
    # auto: an error line before any Ollama line is still an error event (and no answer)
    assert read(ndjson({"error": "model 'x' not found"})) == [
        ProviderError("model 'x' not found", body="model 'x' not found"),
        Finished(None, complete=False),
    ]


def test_ollama_done_without_reason_or_counts() -> None:
    events_ = OllamaAdapter().feed({"model": "m", "created_at": _T, "response": "", "done": True})
    assert events_ == [Usage(None, None, None, None, {}), Finished(None)]


def test_ollama_bad_shapes_are_format_errors() -> None:
    with pytest.raises(ProviderFormatError, match="OllamaAdapter cannot read"):
        OllamaAdapter().feed(chat({"role": "assistant", "tool_calls": [{"name": "f"}]}))
    with pytest.raises(ProviderFormatError, match="JSON object in the body"):
        read(OLLAMA_CHAT + b"[1, 2]\n")


@pytest.mark.anyio
async def test_ollama_through_the_documented_pipelines() -> None:
    cut = [OLLAMA_CHAT[i : i + 5] for i in range(0, len(OLLAMA_CHAT), 5)]
    got = [e async for e in pipe(cut, ndjson_events(), events(provider="ollama"))]
    assert got == OLLAMA_CHAT_EVENTS
    assert [t async for t in pipe(cut, text())] == ["Checking", " now."]


def test_ollama_text_raises_on_an_error_line() -> None:
    from streamops import ProviderStreamError

    body = ndjson(chat({"role": "assistant", "content": "Hi"}), {"error": "out of memory"})
    with pytest.raises(ProviderStreamError) as info:
        drain(pipe([body], text()))
    assert info.value.received == "Hi"


# -- Cohere --------------------------------------------------------------------------


def _msg(kind: str, message: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": kind, **extra, "delta": {"message": message}}


COHERE = [
    {
        "id": "5a1b",
        "type": "message-start",
        "delta": {"message": {"role": "assistant", "content": [], "tool_plan": ""}},
    },
    _msg("content-start", {"content": {"type": "thinking", "thinking": ""}}, index=0),
    _msg("content-delta", {"content": {"thinking": "Need the weather."}}, index=0),
    {"type": "content-end", "index": 0},
    _msg("tool-plan-delta", {"tool_plan": "I will look up"}),
    _msg("tool-plan-delta", {"tool_plan": " the weather."}),
    _msg(
        "tool-call-start",
        {
            "tool_calls": {
                "id": "get_weather_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": ""},
            }
        },
        index=0,
    ),
    _msg("tool-call-delta", {"tool_calls": {"function": {"arguments": '{"city": '}}}, index=0),
    _msg("tool-call-delta", {"tool_calls": {"function": {"arguments": '"Paris"}'}}}, index=0),
    {"type": "tool-call-end", "index": 0},
    _msg("content-start", {"content": {"type": "text", "text": ""}}, index=1),
    _msg("content-delta", {"content": {"text": "It is sunny"}}, index=1),
    _msg("content-delta", {"content": {"text": " in Paris."}}, index=1),
    _msg(
        "citation-start",
        {
            "citations": {
                "start": 6,
                "end": 11,
                "text": "sunny",
                "sources": [
                    {
                        "type": "tool",
                        "id": "get_weather_1:0",
                        "tool_output": {"sky": "clear"},
                    },
                    {
                        "type": "document",
                        "id": "doc:0",
                        "document": {
                            "id": "doc:0",
                            "title": "Forecast",
                            "url": "https://example.com/paris",
                        },
                    },
                ],
                "type": "TEXT_CONTENT",
            }
        },
        index=0,
    ),
    {"type": "citation-end", "index": 0},
    {"type": "content-end", "index": 1},
    {
        "type": "message-end",
        "delta": {
            "finish_reason": "COMPLETE",
            "usage": {
                "billed_units": {"input_tokens": 20, "output_tokens": 15},
                "tokens": {"input_tokens": 500, "output_tokens": 30, "reasoning_tokens": 5},
            },
        },
    },
]
COHERE_USAGE = COHERE[-1]["delta"]["usage"]
COHERE_EVENTS = [
    ReasoningDelta("Need the weather."),
    ToolPlanDelta("I will look up"),
    ToolPlanDelta(" the weather."),
    ToolCallStarted(0, "get_weather_1", "get_weather"),
    ToolCallDelta(0, '{"city": '),
    ToolCallDelta(0, '"Paris"}'),
    ToolCallDone(0, "get_weather_1", "get_weather", '{"city": "Paris"}', {"city": "Paris"}),
    TextDelta("It is sunny"),
    TextDelta(" in Paris."),
    Citation(
        "https://example.com/paris",
        "Forecast",
        "sunny",
        data=COHERE[13]["delta"]["message"]["citations"],
    ),
    Usage(500, 30, 530, 5, COHERE_USAGE),
    Finished("COMPLETE"),
]


@pytest.mark.parametrize("step", [0, 1, 7, 64])
@pytest.mark.parametrize("provider", ["auto", "cohere"])
def test_cohere_over_sse(provider: str, step: int) -> None:
    assert read(sse(*COHERE), provider, step=step) == COHERE_EVENTS


@pytest.mark.parametrize("step", [0, 1, 7])
@pytest.mark.parametrize("provider", ["auto", "cohere"])
def test_cohere_over_ndjson(provider: str, step: int) -> None:
    assert read(ndjson(*COHERE), provider, step=step) == COHERE_EVENTS


def test_cohere_done_and_ended() -> None:
    adapter = ProviderAdapter("cohere")
    adapter.feed(sse(*COHERE, done=False))
    assert adapter.done is False
    assert adapter._adapter is not None
    assert adapter._adapter.ended
    adapter.feed(b"data: [DONE]\n\n")
    assert adapter.done is True
    assert adapter.feed(b"data: {}\n\n") == []  # nothing after [DONE]


def test_cohere_detected_from_the_sse_event_name() -> None:
    # payloads without their type, named only by the SSE event
    body = (
        b'event: content-delta\ndata: {"index": 0, "delta": {"message": {"content": {"text": "Hi"}}}}\n\n'  # noqa: E501
        b'event: message-end\ndata: {"delta": {"finish_reason": "COMPLETE"}}\n\n'
    )
    assert read(body) == [TextDelta("Hi"), Finished("COMPLETE")]


def test_cohere_unknown_types_pass_through() -> None:
    debug = {"type": "debug", "delta": {"prompt": "..."}}
    future = {"type": "content-future", "index": 0}
    assert CohereAdapter().feed(debug) == [Unknown("debug", debug)]
    assert read(sse(COHERE[0], future, COHERE[-1])) == [
        Unknown("content-future", future),
        Usage(500, 30, 530, 5, COHERE_USAGE),
        Finished("COMPLETE"),
    ]


def test_cohere_error_event() -> None:
    error = {"type": "error", "error": {"message": "too many tokens", "code": 400}}
    assert CohereAdapter().feed(error) == [
        ProviderError("too many tokens", 400, None, error["error"])
    ]


def test_cohere_open_calls_are_incomplete() -> None:
    start = COHERE[6]
    delta = COHERE[7]
    a = CohereAdapter()
    a.feed(start)
    a.feed(delta)
    assert a.close() == [
        ToolCallDone(0, "get_weather_1", "get_weather", '{"city": ', None, complete=False)
    ]
    b = CohereAdapter()
    b.feed(start)
    out = b.feed({"type": "message-end", "delta": {"finish_reason": "MAX_TOKENS"}})
    assert out == [
        ToolCallDone(0, "get_weather_1", "get_weather", "", None, complete=False),
        Finished("MAX_TOKENS"),
    ]
    assert b.ended
    assert b.close() == []


def test_cohere_tool_without_arguments_and_usage_from_billed_units() -> None:
    a = CohereAdapter()
    a.feed(COHERE[6])
    assert a.feed({"type": "tool-call-end", "index": 0}) == [
        ToolCallDone(0, "get_weather_1", "get_weather", "", {})
    ]
    billed = {"billed_units": {"input_tokens": 3, "output_tokens": 4}}
    assert a.feed({"type": "message-end", "delta": {"usage": billed}}) == [
        Usage(3, 4, 7, None, billed),
        Finished(None),
    ]


def test_cohere_bad_shapes_are_format_errors() -> None:
    with pytest.raises(ProviderFormatError, match="CohereAdapter cannot read"):
        CohereAdapter().feed({"type": "tool-call-end"})  # no index


def test_text_keeps_only_the_answer() -> None:
    assert drain(pipe([sse(*COHERE)], sse_events(), text(provider="cohere"))) == [
        "It is sunny",
        " in Paris.",
    ]


# -- detection and sniffing ----------------------------------------------------------


def test_detect_provider() -> None:
    assert detect_provider(json.loads(OLLAMA_CHAT.splitlines()[0])) == "ollama"
    assert detect_provider(json.loads(OLLAMA_GENERATE.splitlines()[0])) == "ollama"
    for payload in COHERE:
        assert detect_provider(payload) == "cohere", payload
    assert detect_provider({"done": True, "response": "x"}) is None  # no model / created_at
    assert detect_provider({"model": "m", "done": True}) is None  # neither message nor response


def test_raw_bodies_are_sniffed_by_their_first_character() -> None:
    gemini_array = (
        b' \r\n[{"candidates": [{"content": {"parts": [{"text": "A"}]}, "finishReason": "STOP"}]}]'
    )
    chat_sse = b'data: {"choices": [{"index": 0, "delta": {"content": "B"}}]}\n\ndata: [DONE]\n\n'
    ollama = b"\xef\xbb\xbf\n  " + OLLAMA_GENERATE
    assert read(gemini_array) == [TextDelta("A"), Finished("STOP")]
    assert read(chat_sse) == [TextDelta("B")]
    assert read(ollama, step=1)[:2] == [ReasoningDelta("Hmm"), TextDelta("Blue")]


def test_a_bad_ndjson_line_after_events_comes_after_them() -> None:
    body = OLLAMA_GENERATE.splitlines(keepends=True)
    adapter = ProviderAdapter()
    got = adapter.feed(body[0] + body[1] + b"{oops}\n")
    assert got == [ReasoningDelta("Hmm"), TextDelta("Blue")]
    with pytest.raises(ProviderFormatError, match="line 3 is not JSON") as info:
        adapter.close()
    assert info.value.line == 3


def test_a_body_cut_inside_its_last_line_reports_then_raises() -> None:
    body = OLLAMA_GENERATE[:-20]
    adapter = ProviderAdapter()
    got = adapter.feed(body)
    assert got == [ReasoningDelta("Hmm"), TextDelta("Blue")]
    assert adapter.close() == [Finished(None, complete=False)]  # the end says so first
    with pytest.raises(ProviderFormatError, match="was the body cut off") as info:
        adapter.close()  # then the error
    assert "Unterminated string starting at line 3 column 280" in str(info.value)


def test_a_json_array_error_comes_after_the_elements_before_it_whatever_the_split() -> None:
    """(found by the NDJSON fuzz test) ``[null\\`` whole raised at once and lost the element
    the parser had completed; cut after ``null`` the element came out first."""
    from streamops.providers import JSONArrayDecoder

    for chunks in ([b"[null\\\n"], [b"[null", b"\\\n"], [b"[nu", b"ll\\", b"\n"]):
        decoder = JSONArrayDecoder()
        got: list[Any] = []
        with pytest.raises(JSONStreamError, match="expected ',' or ']'"):
            for chunk in chunks:
                got.extend(decoder.feed(chunk))
            decoder.close()
        assert got == [None], chunks
        with pytest.raises(ProviderFormatError, match="expected a JSON object in the body"):
            read(b"".join(chunks), step=5)
