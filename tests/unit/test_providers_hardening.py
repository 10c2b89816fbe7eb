"""Issue #11: bad input into the provider layer gives the library's errors, never a
builtin one; a body cut off mid-event says so after reporting its calls; a call ends
once; the SSE decoder's memory is bounded."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from streamops import (
    DepthLimitError,
    ProviderFormatError,
    StreamopsError,
    ToolCallError,
    drain,
    events,
    pipe,
    run_tools,
    sse_events,
    tool_calls,
)
from streamops.providers import (
    AnthropicAdapter,
    Finished,
    OpenAIResponsesAdapter,
    SSEDecoder,
    SSEEvent,
    ToolCallDone,
    ToolCallStarted,
    text,
)
from streamops.tools import ToolCallFailed


def sse(*payloads: Any) -> bytes:
    return b"".join(f"data: {json.dumps(p)}\n\n".encode() for p in payloads)


def chat(tcs: list[dict[str, Any]], finish: str | None = None) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": {"tool_calls": tcs}, "finish_reason": finish}]}


def search(query: str, limit: int = 5) -> str:
    return f"{query}/{limit}"


OPERATORS: dict[str, Callable[[], Any]] = {
    "events": lambda: events(),
    "text": lambda: text(),
    "tool_calls": lambda: tool_calls(),
    "run_tools": lambda: run_tools({"search": search}),
}

# -- depth limit (point 2) ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(OPERATORS))
@pytest.mark.parametrize("depth", [600, 100_000])
def test_deeply_nested_event_data_is_a_depth_limit_error(name: str, depth: int) -> None:
    body = b"data: " + b"[" * depth + b"\n\n"
    with pytest.raises(DepthLimitError, match="max_depth=512") as info:
        drain(pipe([body], OPERATORS[name]()))
    assert "event data" in str(info.value)
    assert info.value.offset == 512


def test_sse_event_json_has_the_depth_limit() -> None:
    with pytest.raises(DepthLimitError, match="max_depth=512"):
        SSEEvent("[" * 100_000).json()
    assert SSEEvent("[" * 512 + "]" * 512).json() is not None


def deep_arguments_body(depth: int) -> bytes:
    arguments = '{"query": ' + "[" * depth + "]" * depth + "}"
    return sse(
        chat([{"index": 0, "id": "c0", "function": {"name": "search", "arguments": arguments}}]),
        chat([], "tool_calls"),
    )


def test_deeply_nested_tool_arguments_fail_the_call_not_the_stream() -> None:
    body = deep_arguments_body(5000)
    (done,) = [e for e in drain(pipe([body], events())) if type(e) is ToolCallDone]
    assert done.parsed is None  # not usable JSON; the raw text stays in arguments
    (failed,) = [e for e in drain(pipe([body], tool_calls())) if type(e) is ToolCallFailed]
    assert isinstance(failed.error.__cause__, DepthLimitError)
    (result,) = drain(pipe([body], run_tools({"search": search})))
    assert isinstance(result.error, ToolCallError)
    assert "max_depth=512" in str(result.error)


# -- wrong item types (point 16) ---------------------------------------------------------


def test_sse_events_fed_a_dict_names_the_operator() -> None:
    with pytest.raises(TypeError, match=r"sse_events\(\) takes chunks of bytes or str, not dict"):
        drain(pipe([{"a": 1}], sse_events()))
    with pytest.raises(TypeError, match=r"not int"):
        drain(pipe([5], sse_events()))  # bytes(5) would be five NUL bytes


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_a_wrong_item_type_names_the_operator(name: str) -> None:
    with pytest.raises(TypeError, match=rf"^{name}\(\) takes .* not int$"):
        drain(pipe([5], OPERATORS[name]()))


@pytest.mark.parametrize(
    "payload",
    [
        {"choices": [{"index": 0, "delta": ["x"]}]},
        {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": "f"}]}}]},
        {
            "choices": [
                {"index": 0, "delta": {"tool_calls": [{"id": "c", "function": {"name": 5}}]}}
            ]
        },
        {"choices": [{"index": 0, "delta": {"content": None, "tool_calls": 5}}]},
    ],
)
def test_a_payload_with_wrong_shapes_is_a_provider_format_error(payload: Any) -> None:
    with pytest.raises(ProviderFormatError):
        drain(pipe([sse(payload)], events(provider="openai-chat")))


# -- a body cut off inside an event (point 11) --------------------------------------------

CALL = sse(
    chat([{"index": 0, "id": "c0", "function": {"name": "search", "arguments": ""}}]),
    chat([{"index": 0, "function": {"arguments": '{"query": "Oslo"}'}}]),
)
CUT = CALL + b'data: {"choices": [{"index": 0, "delta": {"tool_c'


@pytest.mark.parametrize("via_sse_events", [False, True])
def test_a_body_cut_inside_a_data_line_says_so_after_its_calls(via_sse_events: bool) -> None:
    got: list[Any] = []

    async def consume() -> None:
        ops = [sse_events(), tool_calls()] if via_sse_events else [tool_calls()]
        async with pipe([CUT[:50], CUT[50:]], *ops) as s:
            async for event in s:
                got.append(event)

    import anyio

    with pytest.raises(ProviderFormatError, match="cut off inside its last event"):
        anyio.run(consume)
    (failed,) = [e for e in got if type(e) is ToolCallFailed]
    assert failed.id == "c0"
    assert "cut off" in str(failed.error)


def test_events_of_a_cut_body_end_with_the_incomplete_call_then_the_error() -> None:
    from streamops.providers import ProviderAdapter

    adapter = ProviderAdapter()
    out = adapter.feed(CUT)
    end = adapter.close()
    assert end == [
        ToolCallDone(0, "c0", "search", '{"query": "Oslo"}', {"query": "Oslo"}, complete=False),
        Finished(None, complete=False),
    ]
    with pytest.raises(ProviderFormatError, match="cut off"):
        adapter.close()
    assert [type(e).__name__ for e in out] == ["ToolCallStarted", "ToolCallDelta"]


def test_run_tools_does_not_run_a_call_of_a_cut_body() -> None:
    ran: list[str] = []

    def tool(query: str) -> str:
        ran.append(query)
        return query

    with pytest.raises(ProviderFormatError, match="cut off"):
        drain(pipe([CUT], run_tools({"search": tool})))
    assert ran == []


# -- a call ends exactly once (point 12) ---------------------------------------------------

START = {
    "type": "content_block_start",
    "index": 0,
    "content_block": {"type": "tool_use", "id": "toolu_1", "name": "search", "input": {}},
}
DELTA = {
    "type": "content_block_delta",
    "index": 0,
    "delta": {"type": "input_json_delta", "partial_json": '{"query": "x"}'},
}
STOP = {"type": "content_block_stop", "index": 0}


@pytest.mark.parametrize(
    "items",
    [
        [START, START, DELTA, STOP],
        [START, DELTA, START, STOP],
        [START, DELTA, STOP, START],
    ],
    ids=["before-delta", "after-delta", "after-stop"],
)
def test_a_duplicated_content_block_start_ends_the_call_once(items: list[Any]) -> None:
    got = drain(pipe(items, tool_calls({"search": search}, provider="anthropic")))
    ends = [e for e in got if type(e) in (ToolCallDone, ToolCallFailed)]
    assert [(type(e).__name__, e.id) for e in ends] == [("ToolCallDone", "toolu_1")]
    assert len([e for e in got if type(e) is ToolCallStarted]) == 1


def test_a_new_block_at_an_open_index_cuts_the_open_one_off_once() -> None:
    other = {**START, "content_block": {**START["content_block"], "id": "toolu_2"}}
    a = AnthropicAdapter()
    got = a.feed(START) + a.feed(DELTA) + a.feed(other) + a.feed(STOP) + a.close()
    ends = [(e.id, e.complete) for e in got if type(e) is ToolCallDone]
    assert ends == [("toolu_1", False), ("toolu_2", True)]


def test_a_duplicated_responses_output_item_ends_the_call_once() -> None:
    added = {
        "type": "response.output_item.added",
        "output_index": 0,
        "item": {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "f"},
    }
    done = {
        "type": "response.function_call_arguments.done",
        "output_index": 0,
        "item_id": "fc_1",
        "arguments": "{}",
    }
    a = OpenAIResponsesAdapter()
    got = a.feed(added) + a.feed(added) + a.feed(done) + a.close()
    assert [type(e).__name__ for e in got] == ["ToolCallStarted", "ToolCallDelta", "ToolCallDone"]


def test_the_assembler_ignores_a_call_announced_twice() -> None:
    items = [ToolCallStarted(0, "a", "search"), ToolCallStarted(0, "a", "search")]
    items.append(ToolCallDone(0, "a", "search", '{"query": "q"}', None))
    items.append(Finished("tool_use"))
    got = drain(pipe(items, tool_calls({"search": search})))
    assert [type(e).__name__ for e in got] == ["ToolCallStarted", "ToolCallDone", "Finished"]


# -- the SSE decoder's memory (point 8) ----------------------------------------------------


def test_the_decoder_keeps_a_bounded_tail_not_the_whole_stream() -> None:
    event = "data: " + "x" * 10_000 + "\n\n"
    d = SSEDecoder()
    count = 0
    for _ in range(300):  # 3 MB of events
        count += len(d.feed(event.encode()))
    assert count == 300
    assert 65_536 <= len(d.received) <= 4 * 65_536
    assert (event * 300).endswith(d.received)


def test_the_error_context_holds_the_whole_event_being_read() -> None:
    d = SSEDecoder()
    for _ in range(50):
        d.feed(b"data: " + b"y" * 10_000 + b"\n\n")
    long_event = "event: big\n" + "".join(f"data: {i:07d}{'z' * 1000}\n" for i in range(200))
    d.feed(long_event.encode())  # 200 KB of one event, still open
    with pytest.raises(StreamopsError) as info:
        d.feed(b"data: \xff\n")
    received = info.value.received
    assert long_event + "data: " in received
    assert len(received) < len(long_event) + 3 * 65_536
