"""to_ui_message_stream() (AI SDK UI message stream v1) and to_ag_ui() (AG-UI): each mapping,
the end of a stream (finish, error, abort), clean-up, and the HTTP response helper."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import anyio
import httpx
import jsonpatch
import pytest
from ag_ui.core import Event as AGUIEvent
from pydantic import BaseModel, TypeAdapter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from streamops import (
    UI_MESSAGE_STREAM_HEADERS,
    Citation,
    Finished,
    JSONStreamError,
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
    ToolCallFailed,
    ToolCallStarted,
    ToolResult,
    Unknown,
    Usage,
    items,
    partial,
    pipe,
    run_tools,
    to_ag_ui,
    to_ui_message_stream,
    tool_calls,
    ui_message_stream_response,
)
from streamops.ui import finish_reason
from tests.helpers import TrackedSource
from tests.unit.test_sse_out import Exchange

pytestmark = pytest.mark.anyio

DONE = "data: [DONE]\n\n"


def chunks(frames: list[str]) -> list[dict[str, Any]]:
    """The UI message chunks of a stream, checking its framing: one ``data:`` line a
    frame, and ``[DONE]`` last."""
    assert frames[-1] == DONE
    out = []
    for frame in frames[:-1]:
        assert frame.startswith("data: ")
        assert frame.endswith("\n\n")
        assert "\n" not in frame[:-2]
        out.append(json.loads(frame[6:]))
    return out


def split_frames(text: str) -> list[str]:
    """A response body back into its frames."""
    assert text.endswith("\n\n")
    return [frame + "\n\n" for frame in text[:-2].split("\n\n")]


async def alist(source: Any) -> list[Any]:
    return [item async for item in source]


async def ui(items_: list[Any], **options: Any) -> list[dict[str, Any]]:
    return chunks(await alist(pipe(items_, to_ui_message_stream(message_id="m", **options))))


def body(chunk_list: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chunks between the stream's opening (start, start-step) and its end."""
    assert chunk_list[:2] == [{"type": "start", "messageId": "m"}, {"type": "start-step"}]
    assert chunk_list[-2]["type"] == "finish-step"
    assert chunk_list[-1]["type"] == "finish"
    return chunk_list[2:-2]


_EVENT = TypeAdapter(AGUIEvent)


def agui_events(frames: list[str]) -> list[dict[str, Any]]:
    """The AG-UI events of a stream, each validated by the ag-ui-protocol package's own
    models; every field we send must be one the protocol defines (its models allow
    extras, so a misspelt field would pass validation alone)."""
    events = []
    for frame in frames:
        assert frame.startswith("data: ")
        assert frame.endswith("\n\n")
        event = json.loads(frame[6:])
        model = _EVENT.validate_python(event)
        aliases = {info.alias or name for name, info in type(model).model_fields.items()}
        assert set(event) <= aliases, (event, aliases)
        assert model.model_dump(mode="json", by_alias=True, exclude_none=True) == event
        events.append(event)
    return events


def rebuild_states(events: list[dict[str, Any]]) -> list[Any]:
    """The states a client holds after each state event: the first snapshot, then each
    delta applied with the ``jsonpatch`` library (RFC 6902 ops only)."""
    state_events = [e for e in events if e["type"].startswith("STATE")]
    assert state_events[0]["type"] == "STATE_SNAPSHOT"
    state = state_events[0]["snapshot"]
    states = [state]
    for event in state_events[1:]:
        assert event["type"] == "STATE_DELTA"
        assert {op["op"] for op in event["delta"]} <= {"add", "replace", "remove"}
        state = jsonpatch.apply_patch(state, event["delta"])
        states.append(state)
    return states


async def agui(items_: list[Any]) -> list[dict[str, Any]]:
    return agui_events(await alist(pipe(items_, to_ag_ui(thread_id="t", run_id="r"))))


class Trip(BaseModel):
    title: str
    days: int
    tags: list[str] = []


TRIP = '{"title": "Lisbon", "days": 3, "tags": ["sea", "food"]}'


# --- AI SDK: text, reasoning, the frame of a message -------------------------------------


async def test_text_and_reasoning_parts_have_ids_and_end_when_other_output_starts() -> None:
    got = await ui(
        [
            ReasoningDelta("Let me "),
            ReasoningDelta("think"),
            TextDelta("Hel"),
            TextDelta("lo"),
            Refusal(" no"),
            Finished("stop"),
        ]
    )
    assert got == [
        {"type": "start", "messageId": "m"},
        {"type": "start-step"},
        {"type": "reasoning-start", "id": "reasoning-1"},
        {"type": "reasoning-delta", "id": "reasoning-1", "delta": "Let me "},
        {"type": "reasoning-delta", "id": "reasoning-1", "delta": "think"},
        {"type": "reasoning-end", "id": "reasoning-1"},
        {"type": "text-start", "id": "text-2"},
        {"type": "text-delta", "id": "text-2", "delta": "Hel"},
        {"type": "text-delta", "id": "text-2", "delta": "lo"},
        {"type": "text-delta", "id": "text-2", "delta": " no"},
        {"type": "text-end", "id": "text-2"},
        {"type": "finish-step"},
        {"type": "finish", "finishReason": "stop"},
    ]


async def test_plain_text_from_text_is_a_text_part() -> None:
    got = body(await ui(["Hel", "", "lo"]))
    assert [c["type"] for c in got] == ["text-start", "text-delta", "text-delta", "text-end"]
    assert "".join(c.get("delta", "") for c in got) == "Hello"


async def test_a_fresh_message_id_by_default() -> None:
    first = chunks(await alist(pipe([], to_ui_message_stream())))
    second = chunks(await alist(pipe([], to_ui_message_stream())))
    assert first[0]["messageId"].startswith("msg-")
    assert first[0]["messageId"] != second[0]["messageId"]
    assert [c["type"] for c in first] == ["start", "start-step", "finish-step", "finish"]


async def test_each_choice_has_its_own_text_part() -> None:
    got = body(
        await ui([TextDelta("a", choice=0), TextDelta("b", choice=1), TextDelta("c", choice=0)])
    )
    texts: dict[str, str] = {}
    for c in got:
        if c["type"] == "text-delta":
            texts[c["id"]] = texts.get(c["id"], "") + c["delta"]
    assert sorted(texts.values()) == ["ac", "b"]


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("stop", "stop"),
        ("end_turn", "stop"),
        ("STOP", "stop"),
        ("completed", "stop"),
        ("length", "length"),
        ("max_tokens", "length"),
        ("MAX_TOKENS", "length"),
        ("tool_calls", "tool-calls"),
        ("tool_use", "tool-calls"),
        ("content_filter", "content-filter"),
        ("SAFETY", "content-filter"),
        ("refusal", "content-filter"),
        ("failed", "error"),
        ("pause_turn", "other"),
        (None, None),
    ],
)
async def test_finish_reasons_in_the_sdks_words(reason: str | None, expected: str | None) -> None:
    assert finish_reason(reason) == expected
    finish = (await ui([TextDelta("x"), Finished(reason)]))[-1]
    assert finish == (
        {"type": "finish"} if expected is None else {"type": "finish", "finishReason": expected}
    )


async def test_a_cut_off_stream_says_so_with_an_error_part() -> None:
    got = await ui([TextDelta("x"), Finished(None, complete=False)])
    errors = [c for c in got if c["type"] == "error"]
    assert len(errors) == 1
    assert "incomplete" in errors[0]["errorText"]
    assert got[-1] == {"type": "finish"}  # the SDK's "unknown": no reason to give


async def test_output_after_a_finish_starts_a_new_step() -> None:
    got = body(
        await ui(
            [
                TextDelta("a"),
                Finished("tool_calls"),
                ToolResult(0, "c1", "f", 1),  # the tool ran: still the first step
                TextDelta("b"),
                Finished("stop"),
            ]
        )
    )
    types = [c["type"] for c in got]
    assert types == [
        "text-start",
        "text-delta",
        "text-end",
        "tool-input-available",
        "tool-output-available",
        "finish-step",
        "start-step",
        "text-start",
        "text-delta",
        "text-end",
    ]


async def test_provider_error_is_an_error_part() -> None:
    got = body(
        await ui([ProviderError("Overloaded", error_type="overloaded_error"), ProviderError("")])
    )
    assert got == [
        {"type": "error", "errorText": "Overloaded"},
        {"type": "error", "errorText": "the provider reported an error"},
    ]


async def test_what_the_browser_does_not_need_is_not_sent() -> None:
    got = body(await ui([ReasoningSignature("sig"), RedactedReasoning("xx"), Unknown("t", {})]))
    assert got == []


# --- AI SDK: tool calls ---------------------------------------------------------------------


async def test_a_tool_call_streams_its_input_then_its_output() -> None:
    got = body(
        await ui(
            [
                TextDelta("Checking."),
                ToolCallStarted(0, "c1", "weather"),
                ToolCallDelta(0, '{"city": "Pa'),
                ToolCallDelta(0, 'ris"}'),
                ToolCallDone(0, "c1", "weather", '{"city": "Paris"}', {"city": "Paris"}),
                ToolResult(0, "c1", "weather", {"sky": "clear"}),
            ]
        )
    )
    assert got[3:] == [
        {"type": "tool-input-start", "toolCallId": "c1", "toolName": "weather"},
        {"type": "tool-input-delta", "toolCallId": "c1", "inputTextDelta": '{"city": "Pa'},
        {"type": "tool-input-delta", "toolCallId": "c1", "inputTextDelta": 'ris"}'},
        {
            "type": "tool-input-available",
            "toolCallId": "c1",
            "toolName": "weather",
            "input": {"city": "Paris"},
        },
        {"type": "tool-output-available", "toolCallId": "c1", "output": {"sky": "clear"}},
    ]
    assert got[2] == {"type": "text-end", "id": "text-1"}  # the text ends before the call


async def test_validated_arguments_and_results_are_sent_as_json() -> None:
    class Weather(BaseModel):
        city: str

    calls = [
        ToolCallStarted(0, "c1", "weather"),
        ToolCallDelta(0, '{"city": "Rome"}'),
        ToolCallDone(0, "c1", "weather", '{"city": "Rome"}', None),
        Finished("tool_calls"),
    ]
    got = body(await ui(await alist(pipe(calls, tool_calls({"weather": Weather})))))
    [available] = [chunk for chunk in got if chunk["type"] == "tool-input-available"]
    assert available["input"] == {"city": "Rome"}

    async def weather(city: str) -> Weather:
        return Weather(city=city.upper())

    results = await alist(pipe(calls, run_tools({"weather": weather})))
    assert body(await ui(results)) == [
        {"type": "tool-input-available", "toolCallId": "c1", "toolName": "weather", "input": None},
        {"type": "tool-output-available", "toolCallId": "c1", "output": {"city": "ROME"}},
    ]


async def test_a_failed_call_is_an_input_error_sent_once() -> None:
    error = ToolCallError("unknown tool 'nope'", name="nope", arguments='{"a"')
    got = body(
        await ui(
            [
                ToolCallStarted(0, "c1", "nope"),
                ToolCallFailed(0, "c1", "nope", error),
                ToolResult(0, "c1", "nope", error=error),  # run_tools' result for it
                ToolResult(1, "c2", "add", error=ValueError("boom")),
            ]
        )
    )
    assert got == [
        {"type": "tool-input-start", "toolCallId": "c1", "toolName": "nope"},
        {
            "type": "tool-input-error",
            "toolCallId": "c1",
            "toolName": "nope",
            "input": '{"a"',
            "errorText": "unknown tool 'nope'",
        },
        {"type": "tool-input-available", "toolCallId": "c2", "toolName": "add", "input": None},
        {"type": "tool-output-error", "toolCallId": "c2", "errorText": "boom"},
    ]


async def test_cut_off_or_malformed_arguments_are_input_errors() -> None:
    got = body(
        await ui(
            [
                ToolCallDone(0, "c1", "f", '{"a": 1', None, complete=False),
                ToolCallDone(1, "c2", "f", "{oops}", None),
            ]
        )
    )
    assert [(c["type"], c["input"]) for c in got] == [
        ("tool-input-error", '{"a": 1'),
        ("tool-input-error", "{oops}"),
    ]
    assert "cut off" in got[0]["errorText"]
    assert "not valid JSON" in got[1]["errorText"]


async def test_a_call_still_streaming_at_the_end_is_an_input_error() -> None:
    got = body(await ui([ToolCallStarted(0, "c1", "f"), ToolCallDelta(0, '{"a": ')]))
    assert got[-1] == {
        "type": "tool-input-error",
        "toolCallId": "c1",
        "toolName": "f",
        "input": None,
        "errorText": "the arguments of tool call 'c1' were cut off",
    }


async def test_calls_without_ids_get_ids_from_their_position() -> None:
    got = body(
        await ui(
            [
                ToolCallStarted(0, None, "f"),
                ToolCallDone(0, None, "f", "{}", {}),
                ToolResult(0, None, "f", "ok"),
            ]
        )
    )
    assert {c["toolCallId"] for c in got} == {"call-0-0"}


async def test_provider_run_tools_are_provider_executed() -> None:
    got = body(
        await ui(
            [
                ToolCallStarted(0, "s1", "web_search", server=True),
                ToolCallDone(0, "s1", "web_search", '{"q": "x"}', {"q": "x"}, server=True),
                ServerToolUpdate("s1", "web_search_call", "searching"),
                ServerToolResult("s1", "web_search_tool_result", [{"url": "u"}]),
                ServerToolUpdate(None, "web_search_call", "searching"),  # attached to nothing
            ]
        )
    )
    assert [c["type"] for c in got] == [
        "tool-input-start",
        "tool-input-available",
        "tool-output-available",
        "tool-output-available",
    ]
    assert all(c["providerExecuted"] is True for c in got)
    assert got[2]["preliminary"] is True
    assert got[2]["output"] == {"status": "searching", "data": None}
    assert "preliminary" not in got[3]
    assert got[3]["output"] == [{"url": "u"}]


# --- AI SDK: sources, data parts, usage ------------------------------------------------------


async def test_citations_are_sources_once_each() -> None:
    got = body(
        await ui(
            [
                Citation(url="https://a.example", title="A"),
                Citation(url="https://a.example", title="A", text="again"),
                Citation(title="Manual.pdf", text="page 3"),
            ]
        )
    )
    assert got == [
        {"type": "source-url", "sourceId": "source-1", "url": "https://a.example", "title": "A"},
        {
            "type": "source-document",
            "sourceId": "source-2",
            "mediaType": "text/plain",
            "title": "Manual.pdf",
        },
    ]


async def test_partial_snapshots_are_one_data_part_replaced_as_it_grows(
    chunking: Any,
) -> None:
    got = body(await ui(await alist(pipe(chunking(TRIP), partial(Trip)))))
    assert {c["type"] for c in got} == {"data-trip"}
    assert {c["id"] for c in got} == {"data-1"}
    assert got[-1]["data"] == Trip.model_validate_json(TRIP).model_dump()
    # a field is there once it has started, never as a null placeholder
    assert all(None not in c["data"].values() for c in got)


async def test_each_item_is_its_own_data_part() -> None:
    class Stop(BaseModel):
        name: str

    text = '{"stops": [{"name": "Belem"}, {"name": "Sintra"}]}'
    got = body(await ui(await alist(pipe([text], items(Stop, "stops[*]"))), data_name="stop"))
    assert got == [
        {"type": "data-stop", "id": "data-1", "data": {"name": "Belem"}},
        {"type": "data-stop", "id": "data-2", "data": {"name": "Sintra"}},
    ]


async def test_data_part_names_are_the_model_in_kebab_case() -> None:
    class WeatherReport(BaseModel):
        city: str

    class HTTPStatus(BaseModel):
        code: int

    got = body(await ui([WeatherReport(city="x"), HTTPStatus(code=1)]))
    assert [c["type"] for c in got] == ["data-weather-report", "data-http-status"]


async def test_usage_is_a_transient_data_part() -> None:
    got = body(await ui([Usage(10, 5, 15, reasoning_tokens=2)]))
    assert got == [
        {
            "type": "data-usage",
            "data": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15, "reasoningTokens": 2},
            "transient": True,
        }
    ]


# --- AI SDK: errors, abort, clean-up, the response ------------------------------------------


async def test_an_upstream_error_is_an_error_part_then_the_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    error = JSONStreamError("expected ','", offset=3)
    src = TrackedSource([TextDelta("Hi")], error=error)
    with caplog.at_level(logging.WARNING, logger="streamops"):
        frames = [f async for f in pipe(src, to_ui_message_stream(message_id="m"))]
    got = chunks(frames)
    assert got[-1] == {"type": "error", "errorText": str(error)}
    assert "expected ','" in str(error)
    assert "path $" in str(error)
    assert [c["type"] for c in got[:-1]] == ["start", "start-step", "text-start", "text-delta"]
    assert "Traceback" not in "".join(frames)
    assert len(caplog.records) == 1
    assert caplog.records[0].exc_info is None
    assert src.closed == 1


async def test_an_item_it_cannot_send_is_an_error_part() -> None:
    got = chunks(await alist(pipe([{"a": 1}], to_ui_message_stream())))
    assert got[-1]["type"] == "error"
    assert "cannot send a dict" in got[-1]["errorText"]


async def test_breaking_early_closes_the_model_stream() -> None:
    src = TrackedSource([TextDelta("a"), TextDelta("b")], hang=True)
    async with pipe(src, to_ui_message_stream()) as frames:
        async for frame in frames:
            if "text-delta" in frame:
                break
    assert src.closed == 1


async def test_cancelling_the_consumer_closes_the_model_stream() -> None:
    src = TrackedSource([TextDelta("a")], hang=True)
    seen: list[str] = []
    with anyio.CancelScope() as scope:  # the source hangs after its item: cancel it there
        async for frame in pipe(src, to_ui_message_stream()):
            seen.append(frame)
            if "text-delta" in frame:
                scope.cancel()
    assert scope.cancelled_caught
    assert src.closed == 1
    assert DONE not in seen
    assert not any('"abort"' in f for f in seen)


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_stop_inside_the_pipeline_is_an_abort() -> None:
    # (an upstream cancelled by its own scope while this task is not cancelled: asyncio only,
    # trio never lets a Cancelled out of the scope that caught it)
    src = TrackedSource([TextDelta("a")], error=asyncio.CancelledError())
    got = chunks([f async for f in pipe(src, to_ui_message_stream(message_id="m"))])
    assert got[-1] == {"type": "abort"}
    assert src.closed == 1


async def test_the_response_has_the_protocol_headers() -> None:
    async def endpoint(request: Request) -> Response:
        stream = pipe([TextDelta("Hi")], to_ui_message_stream())
        return ui_message_stream_response(stream, headers={"X-Extra": "1"})

    app = Starlette(routes=[Route("/chat", endpoint, methods=["POST"])])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        response = await client.post("/chat")
    assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-extra"] == "1"
    assert UI_MESSAGE_STREAM_HEADERS["X-Vercel-AI-UI-Message-Stream"] == "v1"
    got = chunks(split_frames(response.text))
    assert [c["type"] for c in got][2:4] == ["text-start", "text-delta"]


@pytest.mark.parametrize(
    ("moment", "spec_version"),
    [("before-body", "2.0"), ("in-send", "2.0"), ("waiting", "2.0"), ("in-send", "2.4")],
)
async def test_client_disconnect_closes_the_model_stream(moment: str, spec_version: str) -> None:
    from starlette.requests import ClientDisconnect

    src = TrackedSource([TextDelta("a")], hang=True)
    exchange = Exchange(moment, spec_version)
    response = ui_message_stream_response(pipe(src, to_ui_message_stream()))
    try:
        await response(exchange.scope, exchange.receive, exchange.send)
    except ClientDisconnect:
        assert spec_version == "2.4"
    assert src.closed == 1


# --- AG-UI ----------------------------------------------------------------------------------


async def test_agui_run_with_text_reasoning_and_tools() -> None:
    error = ToolCallError("unknown tool 'nope'", name="nope")
    got = await agui(
        [
            ReasoningDelta("Hmm"),
            RedactedReasoning("opaque"),
            TextDelta("Let me check."),
            ToolCallStarted(0, "c1", "weather"),
            ToolCallDelta(0, '{"city": "Paris"}'),
            ToolCallDone(0, "c1", "weather", '{"city": "Paris"}', {"city": "Paris"}),
            ToolCallFailed(1, "c2", "nope", error),
            ToolResult(1, "c2", "nope", error=error),  # sent already, as the failure
            ToolResult(0, "c1", "weather", {"sky": "clear"}),
            Usage(10, 5, 15),
            Finished("tool_use"),
        ]
    )
    assert got == [
        {"type": "RUN_STARTED", "threadId": "t", "runId": "r"},
        {"type": "REASONING_START", "messageId": "r-reasoning-1"},
        {"type": "REASONING_MESSAGE_START", "messageId": "r-reasoning-1", "role": "reasoning"},
        {"type": "REASONING_MESSAGE_CONTENT", "messageId": "r-reasoning-1", "delta": "Hmm"},
        {
            "type": "REASONING_ENCRYPTED_VALUE",
            "subtype": "message",
            "entityId": "r-reasoning-1",
            "encryptedValue": "opaque",
        },
        {"type": "REASONING_MESSAGE_END", "messageId": "r-reasoning-1"},
        {"type": "REASONING_END", "messageId": "r-reasoning-1"},
        {"type": "TEXT_MESSAGE_START", "messageId": "r-text-2", "role": "assistant"},
        {"type": "TEXT_MESSAGE_CONTENT", "messageId": "r-text-2", "delta": "Let me check."},
        {"type": "TEXT_MESSAGE_END", "messageId": "r-text-2"},
        {
            "type": "TOOL_CALL_START",
            "toolCallId": "c1",
            "toolCallName": "weather",
            "parentMessageId": "r-text-2",
        },
        {"type": "TOOL_CALL_ARGS", "toolCallId": "c1", "delta": '{"city": "Paris"}'},
        {"type": "TOOL_CALL_END", "toolCallId": "c1"},
        {
            "type": "TOOL_CALL_START",
            "toolCallId": "c2",
            "toolCallName": "nope",
            "parentMessageId": "r-text-2",
        },
        {"type": "TOOL_CALL_END", "toolCallId": "c2"},
        {
            "type": "TOOL_CALL_RESULT",
            "messageId": "r-tool-3",
            "toolCallId": "c2",
            "content": '{"error":"unknown tool \'nope\'"}',
            "role": "tool",
        },
        {
            "type": "TOOL_CALL_RESULT",
            "messageId": "r-tool-4",
            "toolCallId": "c1",
            "content": '{"sky":"clear"}',
            "role": "tool",
        },
        {
            "type": "RUN_FINISHED",
            "threadId": "t",
            "runId": "r",
            "usage": [{"inputTokens": 10, "outputTokens": 5, "totalTokens": 15}],
        },
    ]


async def test_agui_results_of_calls_it_did_not_see_start() -> None:
    got = await agui(
        [
            ToolCallDone(0, None, "add", '{"a": 1}', {"a": 1}),
            ToolResult(0, None, "add", "2"),
            ToolResult(1, "c9", "mul", error=ValueError("boom")),
            ServerToolResult("s1", "web_search_tool_result", [{"url": "u"}]),
            ServerToolUpdate("s1", "web_search_call", "searching"),
            Citation(url="https://a.example", title="A"),
        ]
    )
    types = [(e["type"], e.get("toolCallId")) for e in got[1:-1]]
    assert types == [
        ("TOOL_CALL_START", "call-0-0"),
        ("TOOL_CALL_ARGS", "call-0-0"),
        ("TOOL_CALL_END", "call-0-0"),
        ("TOOL_CALL_RESULT", "call-0-0"),
        ("TOOL_CALL_START", "c9"),
        ("TOOL_CALL_END", "c9"),
        ("TOOL_CALL_RESULT", "c9"),
        ("TOOL_CALL_START", "s1"),
        ("TOOL_CALL_END", "s1"),
        ("TOOL_CALL_RESULT", "s1"),
        ("CUSTOM", None),
        ("CUSTOM", None),
    ]
    assert got[4]["content"] == "2"  # a string result as is
    assert json.loads(got[7]["content"]) == {"error": "boom"}
    assert got[-3]["name"] == "server_tool_update"
    assert got[-2]["name"] == "source"


async def test_agui_state_snapshot_then_rfc6902_deltas(chunking: Any) -> None:
    outputs = await alist(pipe(chunking(TRIP), partial(Trip)))
    got = await agui(outputs)
    rebuilt = rebuild_states(got)
    snapshots = [o.model_dump(mode="json", exclude_unset=True) for o in outputs[:-1]]
    assert rebuilt[-1] == Trip.model_validate_json(TRIP).model_dump()
    # every snapshot that changed the state is rebuilt exactly, in order
    distinct = [s for i, s in enumerate(snapshots) if i == 0 or s != snapshots[i - 1]]
    assert rebuilt[: len(distinct)] == distinct


async def test_agui_a_new_object_is_a_new_snapshot() -> None:
    class Stop(BaseModel):
        name: str

    got = await agui([Stop(name="a"), Stop(name="b")])
    assert [e["type"] for e in got[1:-1]] == ["STATE_SNAPSHOT", "STATE_SNAPSHOT"]


async def test_agui_provider_error_ends_the_run() -> None:
    src = TrackedSource([TextDelta("x"), ProviderError("boom", code=500), TextDelta("never")])
    got = agui_events([f async for f in pipe(src, to_ag_ui(thread_id="t", run_id="r"))])
    assert got[-1] == {"type": "RUN_ERROR", "message": "boom", "code": "500"}
    assert [e["type"] for e in got] == [
        "RUN_STARTED",
        "TEXT_MESSAGE_START",
        "TEXT_MESSAGE_CONTENT",
        "RUN_ERROR",
    ]
    assert src.closed == 1
    assert src.pulled == 2


async def test_agui_cut_off_stream_is_a_run_error() -> None:
    got = await agui([TextDelta("x"), Finished(None, complete=False)])
    assert got[-1]["type"] == "RUN_ERROR"
    assert got[-1]["code"] == "incomplete"


async def test_agui_upstream_exception_is_a_run_error() -> None:
    error = JSONStreamError("bad")
    src = TrackedSource([TextDelta("x")], error=error)
    got = agui_events([f async for f in pipe(src, to_ag_ui())])
    assert got[-1] == {"type": "RUN_ERROR", "message": str(error), "code": "JSONStreamError"}
    assert src.closed == 1


async def test_agui_open_calls_end_with_the_run() -> None:
    got = await agui([ToolCallStarted(0, "c1", "f"), ToolCallDelta(0, '{"a": ')])
    assert [e["type"] for e in got[-2:]] == ["TOOL_CALL_END", "RUN_FINISHED"]


async def test_agui_default_ids_are_fresh() -> None:
    first = agui_events(await alist(pipe([], to_ag_ui())))
    second = agui_events(await alist(pipe([], to_ag_ui())))
    assert first[0]["runId"] != second[0]["runId"]
    assert first[0]["threadId"].startswith("thread-")
    assert first[0]["runId"].startswith("run-")


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_agui_a_stop_inside_the_pipeline_is_a_cancelled_run() -> None:
    src = TrackedSource([TextDelta("a")], error=asyncio.CancelledError())
    got = agui_events([f async for f in pipe(src, to_ag_ui(thread_id="t", run_id="r"))])
    assert got[-2:] == [
        {"type": "TEXT_MESSAGE_END", "messageId": "r-text-1"},
        {"type": "RUN_FINISHED", "threadId": "t", "runId": "r", "outcome": {"type": "cancelled"}},
    ]


async def test_agui_breaking_early_closes_the_model_stream() -> None:
    src = TrackedSource([TextDelta("a")], hang=True)
    async with pipe(src, to_ag_ui()) as frames:
        async for frame in frames:
            if "TEXT_MESSAGE_CONTENT" in frame:
                break
    assert src.closed == 1
