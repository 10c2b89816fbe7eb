"""BedrockAdapter: ConverseStream and InvokeModelWithResponseStream, from frames and dicts."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from streamops import (
    AWSEvent,
    ProviderFormatError,
    drain,
    encode_aws_event,
    events,
    pipe,
)
from streamops.providers import (
    BedrockAdapter,
    Citation,
    Finished,
    ProviderError,
    ReasoningDelta,
    ReasoningSignature,
    RedactedReasoning,
    ServerToolResult,
    TextDelta,
    ToolCallDelta,
    ToolCallDone,
    ToolCallStarted,
    Unknown,
    Usage,
    aws_events,
    detect_provider,
    text,
)
from tests.bedrock_frames import adapt, chunk, event, exception, split_at

CUT = Finished(None, complete=False)  # the end of a body without messageStop

# A ConverseStream of the project's own, written from AWS's documented shapes
# (ConverseStreamOutput: messageStart, contentBlockStart/Delta/Stop, messageStop,
# metadata): reasoning with its signature, a redacted block, text with a citation,
# a tool call, a server tool and its result, cached input tokens.
SAMPLE: list[tuple[str, dict[str, Any]]] = [
    ("messageStart", {"role": "assistant"}),
    (
        "contentBlockDelta",
        {"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "Paris"}}},
    ),
    ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "?"}}}),
    (
        "contentBlockDelta",
        {"contentBlockIndex": 0, "delta": {"reasoningContent": {"signature": "c2ln"}}},
    ),
    ("contentBlockStop", {"contentBlockIndex": 0}),
    (
        "contentBlockDelta",
        {"contentBlockIndex": 1, "delta": {"reasoningContent": {"redactedContent": "cmVk"}}},
    ),
    ("contentBlockStop", {"contentBlockIndex": 1}),
    (
        "contentBlockStart",
        {
            "contentBlockIndex": 2,
            "start": {
                "toolUse": {
                    "toolUseId": "tooluse_s",
                    "name": "web_search",
                    "type": "server_tool_use",
                }
            },
        },
    ),
    (
        "contentBlockDelta",
        {"contentBlockIndex": 2, "delta": {"toolUse": {"input": '{"q":"Paris"}'}}},
    ),
    ("contentBlockStop", {"contentBlockIndex": 2}),
    (
        "contentBlockStart",
        {
            "contentBlockIndex": 3,
            "start": {
                "toolResult": {
                    "toolUseId": "tooluse_s",
                    "type": "web_search_result",
                    "status": "success",
                }
            },
        },
    ),
    (
        "contentBlockDelta",
        {"contentBlockIndex": 3, "delta": {"toolResult": [{"text": "Paris is"}]}},
    ),
    (
        "contentBlockDelta",
        {"contentBlockIndex": 3, "delta": {"toolResult": [{"json": {"ok": True}}]}},
    ),
    ("contentBlockStop", {"contentBlockIndex": 3}),
    ("contentBlockDelta", {"contentBlockIndex": 4, "delta": {"text": "It is "}}),
    ("contentBlockDelta", {"contentBlockIndex": 4, "delta": {"text": "Paris."}}),
    (
        "contentBlockDelta",
        {
            "contentBlockIndex": 4,
            "delta": {
                "citation": {
                    "title": "Paris",
                    "sourceContent": [{"text": "Paris is the "}, {"text": "capital"}],
                    "location": {
                        "web": {"url": "https://example.org/paris", "domain": "example.org"}
                    },
                }
            },
        },
    ),
    ("contentBlockStop", {"contentBlockIndex": 4}),
    (
        "contentBlockStart",
        {
            "contentBlockIndex": 5,
            "start": {"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather"}},
        },
    ),
    ("contentBlockDelta", {"contentBlockIndex": 5, "delta": {"toolUse": {"input": ""}}}),
    ("contentBlockDelta", {"contentBlockIndex": 5, "delta": {"toolUse": {"input": '{"city": '}}}),
    ("contentBlockDelta", {"contentBlockIndex": 5, "delta": {"toolUse": {"input": '"Paris"}'}}}),
    ("contentBlockStop", {"contentBlockIndex": 5}),
    ("messageStop", {"stopReason": "tool_use", "additionalModelResponseFields": {}}),
    (
        "metadata",
        {
            "usage": {
                "inputTokens": 10,
                "outputTokens": 20,
                "totalTokens": 45,
                "cacheReadInputTokens": 12,
                "cacheWriteInputTokens": 3,
            },
            "metrics": {"latencyMs": 321},
        },
    ),
]

SAMPLE_EVENTS = [
    ReasoningDelta("Paris"),
    ReasoningDelta("?"),
    ReasoningSignature("c2ln"),
    RedactedReasoning("cmVk"),
    ToolCallStarted(2, "tooluse_s", "web_search", server=True),
    ToolCallDelta(2, '{"q":"Paris"}'),
    ToolCallDone(2, "tooluse_s", "web_search", '{"q":"Paris"}', {"q": "Paris"}, server=True),
    ServerToolResult(
        "tooluse_s", "web_search_result", [{"text": "Paris is"}, {"json": {"ok": True}}]
    ),
    TextDelta("It is "),
    TextDelta("Paris."),
    Citation(
        "https://example.org/paris",
        "Paris",
        "Paris is the capital",
        data={
            "title": "Paris",
            "sourceContent": [{"text": "Paris is the "}, {"text": "capital"}],
            "location": {"web": {"url": "https://example.org/paris", "domain": "example.org"}},
        },
    ),
    ToolCallStarted(5, "tooluse_1", "get_weather"),
    ToolCallDelta(5, '{"city": '),
    ToolCallDelta(5, '"Paris"}'),
    ToolCallDone(5, "tooluse_1", "get_weather", '{"city": "Paris"}', {"city": "Paris"}),
    Finished("tool_use"),
    Usage(
        25,
        20,
        45,
        None,
        {
            "inputTokens": 10,
            "outputTokens": 20,
            "totalTokens": 45,
            "cacheReadInputTokens": 12,
            "cacheWriteInputTokens": 3,
        },
    ),
]

SAMPLE_BODY = b"".join(event(name, body) for name, body in SAMPLE)


def test_sample_stream_from_frames() -> None:
    got, error = adapt([SAMPLE_BODY])
    assert error is None
    assert got == SAMPLE_EVENTS


def test_sample_stream_split_everywhere() -> None:
    whole, _ = adapt([SAMPLE_BODY])
    for step in (1, 3, 7, 12, 13, 100):
        assert adapt(split_at(SAMPLE_BODY, list(range(0, len(SAMPLE_BODY), step)))) == (
            whole,
            None,
        )


def test_sample_stream_auto_detected_and_through_aws_events() -> None:
    assert adapt([SAMPLE_BODY], "auto") == (SAMPLE_EVENTS, None)
    assert drain(pipe([SAMPLE_BODY[:5], SAMPLE_BODY[5:]], events())) == SAMPLE_EVENTS
    frames = drain(pipe([SAMPLE_BODY], aws_events()))
    assert drain(pipe(frames, events())) == SAMPLE_EVENTS
    assert drain(pipe(frames, events(provider="bedrock"))) == SAMPLE_EVENTS
    assert "".join(drain(pipe([SAMPLE_BODY], text()))) == "It is Paris."


def test_sample_stream_as_boto3_dicts() -> None:
    """boto3's ``response["stream"]`` yields ``{"contentBlockDelta": {...}}`` dicts (the
    redacted content as bytes): the same events."""
    items: list[dict[str, Any]] = [{name: json.loads(json.dumps(body))} for name, body in SAMPLE]
    items[5]["contentBlockDelta"]["delta"]["reasoningContent"]["redactedContent"] = b"red"
    assert drain(pipe(items, events())) == SAMPLE_EVENTS
    assert drain(pipe(items, events(provider="bedrock"))) == SAMPLE_EVENTS


def test_events_keep_the_frame_as_raw() -> None:
    frame = event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "x"}})
    [decoded] = drain(pipe([frame], aws_events()))
    [got] = BedrockAdapter().feed(decoded)
    assert got.raw is decoded


def test_ended_at_message_stop_only() -> None:
    adapter = BedrockAdapter()
    adapter.feed({"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "x"}}})
    assert not adapter.ended
    adapter.feed({"messageStop": {"stopReason": "end_turn"}})
    assert adapter.ended


@pytest.mark.parametrize(
    ("name", "body", "message", "code"),
    [
        ("throttlingException", {"message": "Too many requests"}, "Too many requests", None),
        ("validationException", {"message": "Bad input"}, "Bad input", None),
        (
            "modelStreamErrorException",
            {"message": "boom", "originalStatusCode": 500, "originalMessage": "x"},
            "boom",
            500,
        ),
    ],
)
def test_exception_frames_are_provider_errors(
    name: str, body: dict[str, Any], message: str, code: int | None
) -> None:
    stream = event("messageStart", {"role": "assistant"}) + exception(name, body)
    got, error = adapt([stream])
    assert error is None
    # (no messageStop: the body ends without an answer, and the end says so)
    assert got == [ProviderError(message, code, name, body), CUT]
    assert drain(pipe([{name: body}], events())) == got  # boto3's dict shape


def test_exception_frame_whose_payload_is_not_json() -> None:
    frame = encode_aws_event(
        {":message-type": "exception", ":exception-type": "internalServerException"}, b"oops"
    )
    assert adapt([frame])[0] == [
        ProviderError("oops", None, "internalServerException", "oops"),
        CUT,
    ]


def test_error_frames() -> None:
    frame = encode_aws_event(
        {":message-type": "error", ":error-code": "InternalFailure", ":error-message": "nope"}
    )
    got, end = adapt([frame])[0]
    assert isinstance(got, ProviderError)
    assert end == CUT
    assert (got.message, got.code, got.error_type) == ("nope", "InternalFailure", "InternalFailure")


def test_provider_errors_reach_text_as_an_exception() -> None:
    from streamops import ProviderStreamError

    stream = event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Hi"}})
    stream += exception("throttlingException", {"message": "slow down"})
    with pytest.raises(ProviderStreamError, match="slow down") as info:
        drain(pipe([stream], text()))
    assert info.value.received == "Hi"


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (event("futureEvent", {"a": 1}), Unknown("futureEvent", {"a": 1})),
        (
            event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"image": {"x": 1}}}),
            Unknown("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"image": {"x": 1}}}),
        ),
        (
            event("contentBlockStart", {"contentBlockIndex": 0, "start": {"image": {}}}),
            Unknown("contentBlockStart", {"contentBlockIndex": 0, "start": {"image": {}}}),
        ),
    ],
)
def test_unknown_events_pass_through(frame: bytes, expected: Unknown) -> None:
    assert adapt([frame]) == ([expected, CUT], None)  # (a body of one frame: cut)
    stop = event("messageStop", {"stopReason": "end_turn"})
    assert adapt([frame + stop]) == ([expected, Finished("end_turn")], None)


def test_unknown_message_type() -> None:
    frame = encode_aws_event({":message-type": "future"}, b"x")
    got, end = adapt([frame])[0]
    assert end == CUT
    assert isinstance(got, Unknown)
    assert got.type == "future"
    assert got.payload == AWSEvent({":message-type": "future"}, b"x", 0)


def test_a_body_cut_inside_a_frame_reports_the_open_call_then_fails() -> None:
    body = b"".join(event(name, body) for name, body in SAMPLE[:21])  # inside the call
    cut = body + event(*SAMPLE[21])[:30]
    got, error = adapt([cut])
    assert got[-2:] == [
        ToolCallDone(5, "tooluse_1", "get_weather", '{"city": ', None, complete=False),
        CUT,  # after the calls it cut off, before the error
    ]
    assert isinstance(error, ProviderFormatError)
    assert error.offset == len(body)
    assert "stopped inside the frame" in str(error)
    again, error2 = adapt(split_at(cut, list(range(0, len(cut), 9))))
    assert again == got
    assert str(error2) == str(error)


def test_a_corrupt_frame_is_an_error_after_the_events_before_it() -> None:
    good = event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Hi"}})
    bad = bytearray(good)
    bad[-5] ^= 1
    for chunks in ([good + bytes(bad)], [good, bytes(bad)], split_at(good + bytes(bad), [3, 70])):
        got, error = adapt(chunks)
        assert got == [TextDelta("Hi")]
        assert isinstance(error, ProviderFormatError)
        assert error.offset == len(good)


def test_bedrock_given_bytes_that_are_not_an_event_stream() -> None:
    got, error = adapt([b'data: {"a": 1}\n\n'])
    assert got == []
    assert isinstance(error, ProviderFormatError)
    assert error.offset == 0
    assert "prelude CRC32" in str(error)
    assert "not an AWS event stream?" in str(error)


def test_a_payload_that_is_not_json() -> None:
    frame = encode_aws_event({":message-type": "event", ":event-type": "messageStop"}, b"{x")
    _got, error = adapt([b"".join([event("messageStart", {}), frame])])
    assert isinstance(error, ProviderFormatError)
    assert error.offset == len(event("messageStart", {}))


@pytest.mark.parametrize(
    "body",
    [
        {"contentBlockIndex": "0", "delta": {"text": "x"}},
        {"contentBlockIndex": 0, "delta": "x"},
        {"contentBlockIndex": 3, "delta": {"toolUse": {"input": "{}"}}},
    ],
)
def test_malformed_payloads(body: dict[str, Any]) -> None:
    _got, error = adapt([event("contentBlockDelta", body)])
    assert isinstance(error, ProviderFormatError)


def test_a_body_of_a_known_event_that_is_not_an_object() -> None:
    with pytest.raises(ProviderFormatError, match="not an object"):
        BedrockAdapter().feed({"messageStop": "end_turn"})


def test_a_new_start_at_an_open_index_cuts_the_old_call() -> None:
    adapter = BedrockAdapter()
    start = {"contentBlockIndex": 0, "start": {"toolUse": {"toolUseId": "a", "name": "f"}}}
    adapter.feed({"contentBlockStart": start})
    got = adapter.feed(
        {"contentBlockStart": {**start, "start": {"toolUse": {"toolUseId": "b", "name": "g"}}}}
    )
    assert got == [
        ToolCallDone(0, "a", "f", "", None, complete=False),
        ToolCallStarted(0, "b", "g"),
    ]
    assert adapter.feed({"messageStop": {"stopReason": "max_tokens"}}) == [
        ToolCallDone(0, "b", "g", "", None, complete=False),
        Finished("max_tokens"),
    ]


def test_close_reports_open_blocks() -> None:
    adapter = BedrockAdapter()
    adapter.feed(
        {"contentBlockStart": {"contentBlockIndex": 1, "start": {"toolResult": {"toolUseId": "t"}}}}
    )
    adapter.feed(
        {"contentBlockDelta": {"contentBlockIndex": 1, "delta": {"toolResult": [{"text": "x"}]}}}
    )
    assert adapter.close() == [ServerToolResult("t", "toolResult", [{"text": "x"}])]


def test_detect_provider() -> None:
    assert detect_provider({"messageStart": {"role": "assistant"}}) == "bedrock"
    assert detect_provider({"chunk": {"bytes": "e30="}}) == "bedrock"
    assert detect_provider({"throttlingException": {"message": "x"}}) == "bedrock"
    assert detect_provider({"stopReason": "x"}, "messageStop") == "bedrock"
    assert detect_provider({"metadata": 3}) is None
    assert detect_provider({"metadata": {}, "other": 1}) is None


# -- InvokeModelWithResponseStream ---------------------------------------------

ANTHROPIC = [
    {
        "type": "message_start",
        "message": {
            "id": "m",
            "type": "message",
            "role": "assistant",
            "content": [],
            "usage": {"input_tokens": 9, "output_tokens": 1},
        },
    },
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
    {"type": "content_block_stop", "index": 0},
    {
        "type": "content_block_start",
        "index": 1,
        "content_block": {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}},
    },
    {
        "type": "content_block_delta",
        "index": 1,
        "delta": {"type": "input_json_delta", "partial_json": '{"a": 1}'},
    },
    {"type": "content_block_stop", "index": 1},
    {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 7}},
    {
        "type": "message_stop",
        "amazon-bedrock-invocationMetrics": {
            "inputTokenCount": 9,
            "outputTokenCount": 7,
            "invocationLatency": 5,
            "firstByteLatency": 2,
        },
    },
]


def test_invoke_with_anthropic_messages() -> None:
    body = b"".join(chunk(inner) for inner in ANTHROPIC)
    got, error = adapt([body])
    assert error is None
    assert got == [
        TextDelta("Hi"),
        ToolCallStarted(1, "toolu_1", "f"),
        ToolCallDelta(1, '{"a": 1}'),
        ToolCallDone(1, "toolu_1", "f", '{"a": 1}', {"a": 1}),
        Usage(9, 7, 16, None, {"input_tokens": 9, "output_tokens": 7}),
        Finished("tool_use"),
        Usage(9, 7, 16, None, ANTHROPIC[-1]["amazon-bedrock-invocationMetrics"]),  # type: ignore[arg-type]
    ]
    # Anthropic's rule: the answer is whole at the message_delta with its stop_reason.
    adapter = BedrockAdapter()
    for inner in ANTHROPIC[:-2]:
        adapter.feed({"chunk": {"bytes": json.dumps(inner).encode()}})  # boto3: the bytes
    assert not adapter.ended
    adapter.feed({"chunk": {"bytes": json.dumps(ANTHROPIC[-2]).encode()}})
    assert adapter.ended
    adapter.feed({"chunk": {"bytes": json.dumps(ANTHROPIC[-1]).encode()}})
    assert adapter.ended


def test_invoke_ended_at_the_stop_reason_is_not_cut() -> None:
    body = b"".join(chunk(inner) for inner in ANTHROPIC[:-1])  # no message_stop
    got, error = adapt([body])
    assert error is None
    assert got[-2:] == [
        Usage(9, 7, 16, None, {"input_tokens": 9, "output_tokens": 7}),
        Finished("tool_use"),
    ]
    assert CUT not in got


def test_invoke_cut_inside_a_call_reports_the_open_call_then_the_cut() -> None:
    body = b"".join(chunk(inner) for inner in ANTHROPIC[:6])  # before its block stopped
    got, error = adapt([body])
    assert error is None
    assert got[-3:] == [
        ToolCallDone(1, "toolu_1", "f", '{"a": 1}', {"a": 1}, complete=False),
        Usage(9, 1, 10, None, {"input_tokens": 9, "output_tokens": 1}),
        CUT,
    ]


def test_invoke_with_claude_text_completions() -> None:
    body = chunk({"completion": " Hello", "stop_reason": None}) + chunk(
        {"completion": "!", "stop_reason": "stop_sequence", "stop": "\n\nHuman:"}
    )
    adapter = BedrockAdapter()
    got = [e for frame in drain(pipe([body], aws_events())) for e in adapter.feed(frame)]
    assert got == [TextDelta(" Hello"), TextDelta("!"), Finished("stop_sequence")]
    assert adapter.ended


def test_invoke_with_another_model_is_unknown() -> None:
    inner = {"outputText": "Hi", "index": 0}
    # (its end cannot be known, so the stream never counts as whole)
    assert adapt([chunk(inner)]) == ([Unknown("chunk", inner), CUT], None)


@pytest.mark.parametrize(
    "body",
    [
        {"bytes": "not base64!"},
        {"bytes": base64.b64encode(b"{not json").decode()},
        {"bytes": base64.b64encode(b"\xff").decode()},
    ],
)
def test_invoke_with_a_broken_chunk(body: dict[str, Any]) -> None:
    got, error = adapt([event("chunk", body)])
    assert got == []
    assert isinstance(error, ProviderFormatError)
    assert error.offset == 0


def test_invoke_chunk_without_bytes_is_unknown() -> None:
    assert adapt([event("chunk", {"other": 1})]) == ([Unknown("chunk", {"other": 1}), CUT], None)
