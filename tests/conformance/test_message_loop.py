"""A two-turn tool loop with the real ``openai`` and ``anthropic`` clients, offline: an
``httpx.MockTransport`` replays streamed answers (the package's own samples and bodies written
here from the documented formats) and records each request. The second request must carry
the assistant message of the first answer (:func:`to_message`) and the tool results
(:func:`tool_messages`), valid for the SDK's request types and matched by call id."""

from __future__ import annotations

import json
from typing import Any

import pytest

from streamops import collect, drain, pipe, run_tools, to_message, tool_definitions, tool_messages
from streamops.providers import events
from streamops.samples import sample_sse
from tests.sdk_shapes import ANTHROPIC_MESSAGE, OPENAI_MESSAGES, deep

openai = pytest.importorskip("openai")
anthropic = pytest.importorskip("anthropic")
try:  # the HTTP library the SDKs are built on
    import httpx2 as httpx
except ImportError:  # pragma: no cover
    import httpx  # type: ignore[no-redef]


def get_weather(city: str, days: int = 1) -> dict[str, Any]:
    """The forecast for a city."""
    return {"city": city, "days": days, "sky": "clear"}


def get_local_time(city: str) -> str:
    """The local time in a city."""
    return "14:05 WET"


TOOLS = {"get_weather": get_weather, "get_local_time": get_local_time}


def replay(bodies: list[str], requests: list[dict[str, Any]]) -> httpx.Client:
    """An httpx client that answers request n with ``bodies[n]`` and records the requests."""

    def handle(request: httpx.Request) -> httpx.Response:
        requests.append(json.loads(request.content))
        body = bodies[len(requests) - 1]
        return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})

    return httpx.Client(transport=httpx.MockTransport(handle))


def _sse(payloads: list[Any], *, done: bool = False, named: bool = False) -> str:
    out = []
    for p in payloads:
        head = f"event: {p['type']}\n" if named else ""
        out.append(f"{head}data: {json.dumps(p)}\n\n")
    if done:
        out.append("data: [DONE]\n\n")
    return "".join(out)


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-test",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


CHAT_TOOL_TURN = _sse(
    [
        _chunk({"role": "assistant", "content": None}),
        _chunk(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_w",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": ""},
                    }
                ]
            }
        ),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city": "Lis'}}]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": 'bon", "days": 2}'}}]}),
        _chunk(
            {
                "tool_calls": [
                    {
                        "index": 1,
                        "id": "call_t",
                        "type": "function",
                        "function": {"name": "get_local_time", "arguments": '{"city": "Lisbon"}'},
                    }
                ]
            }
        ),
        _chunk({}, "tool_calls"),
    ],
    done=True,
)
CHAT_TEXT_TURN = _sse(
    [
        _chunk({"role": "assistant", "content": "Clear skies in Lisbon; "}),
        _chunk({"content": "it is 14:05."}),
        _chunk({}, "stop"),
    ],
    done=True,
)


def test_openai_chat_two_turn_tool_loop() -> None:
    requests: list[dict[str, Any]] = []
    client = openai.OpenAI(
        api_key="test",
        base_url="http://llm.test/v1",
        http_client=replay([CHAT_TOOL_TURN, CHAT_TEXT_TURN], requests),
    )
    messages: list[Any] = [{"role": "user", "content": "Weather and time in Lisbon?"}]
    for _ in range(3):
        stream = client.chat.completions.create(
            model="gpt-test",
            messages=messages,
            tools=tool_definitions(TOOLS, "openai-chat"),
            stream=True,
        )
        record = collect()
        results = drain(pipe(stream, events(), record, run_tools(TOOLS)))
        messages.append(to_message(record, provider="openai-chat"))
        if not results:
            break
        messages.extend(tool_messages(results, "openai-chat"))
    assert len(requests) == 2
    sent = requests[1]["messages"]
    assert sent == messages[:-1]  # the second request carried the whole first turn
    assert deep(OPENAI_MESSAGES.validate_python(sent)) == sent
    assistant, *answers = sent[1:]
    assert [c["id"] for c in assistant["tool_calls"]] == ["call_w", "call_t"]
    assert assistant["tool_calls"][0]["function"]["arguments"] == '{"city": "Lisbon", "days": 2}'
    assert answers == [
        {
            "role": "tool",
            "tool_call_id": "call_w",
            "content": '{"city":"Lisbon","days":2,"sky":"clear"}',
        },
        {"role": "tool", "tool_call_id": "call_t", "content": "14:05 WET"},
    ]
    assert messages[-1] == {"role": "assistant", "content": "Clear skies in Lisbon; it is 14:05."}
    assert requests[1]["tools"] == tool_definitions(TOOLS, "openai-chat")


ANTHROPIC_TEXT_TURN = _sse(
    [
        {
            "type": "message_start",
            "message": {
                "id": "msg_2",
                "type": "message",
                "role": "assistant",
                "model": "claude-test",
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 400, "output_tokens": 1},
            },
        },
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": "Sunny for 3 days; it is 14:05."},
        },
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": 12},
        },
        {"type": "message_stop"},
    ],
    named=True,
)


def test_anthropic_two_turn_tool_loop() -> None:
    requests: list[dict[str, Any]] = []
    client = anthropic.Anthropic(
        api_key="test",
        base_url="http://llm.test",
        http_client=replay([sample_sse("tools"), ANTHROPIC_TEXT_TURN], requests),
    )
    messages: list[Any] = [
        {"role": "user", "content": "Weather for 3 days and local time in Lisbon?"}
    ]
    for _ in range(3):
        stream = client.messages.create(
            model="claude-test",
            max_tokens=512,
            messages=messages,
            tools=tool_definitions(TOOLS, "anthropic", strict=False),
            stream=True,
        )
        record = collect()
        results = drain(pipe(stream, events(), record, run_tools(TOOLS)))
        messages.append(to_message(record, provider="anthropic"))
        if not results:
            break
        messages.extend(tool_messages(results, "anthropic"))
    assert len(requests) == 2
    sent = requests[1]["messages"]
    assert sent == messages[:-1]
    for message in sent:
        assert deep(ANTHROPIC_MESSAGE.validate_python(message)) == message
    assistant, results_message = sent[1], sent[2]
    uses = [b for b in assistant["content"] if b["type"] == "tool_use"]
    assert [(b["id"], b["name"]) for b in uses] == [
        ("toolu_sample_weather", "get_weather"),
        ("toolu_sample_time", "get_local_time"),
    ]
    assert results_message["role"] == "user"
    assert [b["tool_use_id"] for b in results_message["content"]] == [b["id"] for b in uses]
    assert results_message["content"][1]["content"] == "14:05 WET"
    assert messages[-1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "Sunny for 3 days; it is 14:05."}],
    }
