"""The real clients read what we serve: the AI SDK's own UI-message-stream reader
(npm ``ai``: ``parseJsonEventStream`` + ``uiMessageChunkSchema`` + ``readUIMessageStream``)
and ``@ag-ui/client``'s ``HttpAgent`` against a local HTTP server.

The Node packages are installed by ``.ci/node.sh`` into ``tests/node/node_modules``;
without node or them the tests skip, saying so, except in CI (``CI`` set), where
they must run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import AsyncIterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from streamops import (
    Citation,
    Finished,
    ProviderError,
    ReasoningDelta,
    ServerToolResult,
    ServerToolUpdate,
    TextDelta,
    ToolCallDelta,
    ToolCallDone,
    ToolCallError,
    ToolCallFailed,
    ToolCallStarted,
    ToolResult,
    Usage,
    drain,
    events,
    partial,
    pipe,
    run_tools,
    sse_response,
    to_ag_ui,
    to_ui_message_stream,
    tool_calls,
    ui_message_stream_response,
)
from streamops.samples import Trip, sample_chunks, sample_sse, sample_text

NODE_DIR = Path(__file__).resolve().parent.parent / "node"


def node_with(package: str) -> str:
    node = shutil.which("node")
    if node is None or not (NODE_DIR / "node_modules" / package).is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the {package} client test: run .ci/node.sh")
        pytest.skip(f"{package} is not installed: run .ci/node.sh (needs node and npm)")
    return node


class Boom(Exception):
    pass


async def _failing() -> AsyncIterator[Any]:
    yield TextDelta("Half an ans")
    raise Boom("the model went away (path $.answer)")


class _Weather(BaseModel):
    city: str
    unit: str = "celsius"
    days: int = 1


def _weather(city: str, unit: str = "celsius", days: int = 1) -> dict[str, Any]:
    return {"city": city, "forecast": ["sun"] * days}


def _local_time(city: str) -> str:
    raise RuntimeError(f"no clock in {city}")


def _tools_sample() -> list[Any]:
    """The Anthropic sample with its two tool calls, then their results (one fails)."""
    tools = {"get_weather": _weather, "get_local_time": _local_time}
    calls = drain(pipe([sample_sse("tools")], tool_calls(tools)))
    results = drain(pipe(calls, run_tools(tools)))
    return calls + results


HAND_BUILT: list[Any] = [
    ReasoningDelta("The user wants "),
    ReasoningDelta("the weather."),
    TextDelta("Let me "),
    TextDelta("check."),
    Citation(url="https://weather.example/lisbon", title="Lisbon weather"),
    ToolCallStarted(0, "call_w", "weather"),
    ToolCallDelta(0, '{"city": "Lis'),
    ToolCallDelta(0, 'bon"}'),
    ToolCallDone(0, "call_w", "weather", '{"city": "Lisbon"}', {"city": "Lisbon"}),
    ToolCallFailed(
        1, "call_x", "nope", ToolCallError("unknown tool 'nope'", name="nope", arguments="{}")
    ),
    ToolCallStarted(2, "srv_1", "web_search", server=True),
    ToolCallDone(2, "srv_1", "web_search", '{"q": "lisbon"}', {"q": "lisbon"}, server=True),
    ServerToolUpdate("srv_1", "web_search_call", "searching"),
    ServerToolResult("srv_1", "web_search_tool_result", [{"url": "https://a.example"}]),
    Usage(12, 34, 46),
    Finished("tool_use"),
    ToolResult(0, "call_w", "weather", {"sky": "clear", "c": 21}),
    ToolResult(3, "call_y", "mul", error=ValueError("mul failed")),
    TextDelta("It is clear."),
    Finished("end_turn"),
]


def _vercel_cases() -> dict[str, Any]:
    return {
        "answer": [sample_sse("answer")],  # a raw OpenAI body: events() first
        "tools": _tools_sample(),
        "report": drain(pipe(sample_chunks("report"), partial(Trip))),
        "hand": HAND_BUILT,
        "failing": _failing,
        "provider_error": [
            TextDelta("x"),
            ProviderError("Overloaded"),
            Finished(None, complete=False),
        ],
    }


def _serve(case: Any, kind: str) -> Response:
    source = case() if callable(case) else case
    if kind == "vercel":
        if isinstance(source, list) and source and isinstance(source[0], str):
            return ui_message_stream_response(pipe(source, events(), to_ui_message_stream()))
        return ui_message_stream_response(pipe(source, to_ui_message_stream()))
    thread, run = kind.split(":")
    return sse_response(pipe(source, to_ag_ui(thread_id=thread, run_id=run)))


def _bodies(cases: dict[str, Any], kind: str | dict[str, str]) -> dict[str, tuple[str, str]]:
    """Each case served by our own response helper: its content type and body."""

    async def endpoint(request: Request) -> Response:
        name = request.path_params["name"]
        return _serve(cases[name], kind if isinstance(kind, str) else kind[name])

    app = Starlette(routes=[Route("/{name}", endpoint, methods=["POST"])])
    bodies = {}
    with TestClient(app) as client:
        for name in cases:
            response = client.post(f"/{name}")
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            if kind == "vercel":
                assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
            bodies[name] = (response.headers["content-type"], response.text)
    return bodies


# --- the AI SDK -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sdk() -> dict[str, Any]:
    """What the AI SDK's reader made of each case: the final UIMessage and the chunks."""
    node = node_with("ai")
    cases = _vercel_cases()
    bodies = _bodies(cases, "vercel")
    run = subprocess.run(
        [node, str(NODE_DIR / "ui_message_stream.mjs")],
        input=json.dumps([text for _, text in bodies.values()]),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    results = dict(zip(bodies, json.loads(run.stdout), strict=True))
    for result in results.values():
        assert result["invalid"] == []  # every chunk passed the SDK's own schema
    return results


def _parts(result: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [p for p in result["message"]["parts"] if p["type"] == kind]


def test_sdk_reads_a_text_answer(sdk: dict[str, Any]) -> None:
    result = sdk["answer"]
    assert [p["text"] for p in _parts(result, "text")] == [sample_text("answer")]
    assert all(p["state"] == "done" for p in _parts(result, "text"))
    assert result["finishReason"] == "stop"
    assert result["errors"] == []
    assert result["message"]["id"].startswith("msg-")


def test_sdk_reads_tool_calls_with_inputs_and_outputs(sdk: dict[str, Any]) -> None:
    result = sdk["tools"]
    tools = {
        p["toolCallId"]: p for p in result["message"]["parts"] if p["type"].startswith("tool-")
    }
    weather = tools["toolu_sample_weather"]
    assert weather["type"] == "tool-get_weather"
    assert weather["state"] == "output-available"
    assert weather["input"] == {"city": "Lisbon", "unit": "celsius", "days": 3}
    assert weather["output"] == {"city": "Lisbon", "forecast": ["sun", "sun", "sun"]}
    clock = tools["toolu_sample_time"]
    assert clock["type"] == "tool-get_local_time"
    assert clock["state"] == "output-error"
    assert clock["input"] == {"city": "Lisbon"}
    assert clock["errorText"] == "no clock in Lisbon"
    assert result["finishReason"] == "tool-calls"
    text = "".join(p["text"] for p in _parts(result, "text"))
    assert text == "".join(
        e.text for e in drain(pipe([sample_sse("tools")], events())) if isinstance(e, TextDelta)
    )


def test_sdk_reads_partial_models_as_one_data_part(sdk: dict[str, Any]) -> None:
    result = sdk["report"]
    data = _parts(result, "data-trip")
    assert len(data) == 1  # every snapshot replaced the one before
    final = drain(pipe(sample_chunks("report"), partial(Trip)))[-1]
    assert data[0]["data"] == final.model_dump(mode="json")


def test_sdk_reads_every_kind_of_part(sdk: dict[str, Any]) -> None:
    result = sdk["hand"]
    parts = result["message"]["parts"]
    assert [p["type"] for p in parts] == [
        "step-start",
        "reasoning",
        "text",
        "source-url",
        "tool-weather",
        "tool-nope",
        "tool-web_search",
        "tool-mul",
        "step-start",
        "text",
    ]
    assert parts[1]["text"] == "The user wants the weather."
    assert parts[1]["state"] == "done"
    assert parts[2]["text"] == "Let me check."
    assert parts[3]["url"] == "https://weather.example/lisbon"
    assert parts[3]["title"] == "Lisbon weather"
    weather, nope, search, mul = parts[4:8]
    assert weather["state"] == "output-available"
    assert weather["input"] == {"city": "Lisbon"}
    assert weather["output"] == {"sky": "clear", "c": 21}
    assert nope["state"] == "output-error"
    assert nope["errorText"] == "unknown tool 'nope'"
    assert search["providerExecuted"] is True
    assert search["state"] == "output-available"
    assert search["output"] == [{"url": "https://a.example"}]
    assert "preliminary" not in search or not search["preliminary"]
    assert mul["state"] == "output-error"
    assert mul["errorText"] == "mul failed"
    assert parts[9]["text"] == "It is clear."
    assert "data-usage" in result["types"]  # transient: seen, not kept in the message
    assert result["finishReason"] == "stop"
    assert result["errors"] == []


def test_sdk_sees_an_error_mid_stream(sdk: dict[str, Any]) -> None:
    result = sdk["failing"]
    assert result["errors"] == ["the model went away (path $.answer)"]
    assert [p["text"] for p in _parts(result, "text")] == ["Half an ans"]
    assert result["types"][-1] == "error"


def test_sdk_sees_provider_errors_and_a_cut_off_end(sdk: dict[str, Any]) -> None:
    result = sdk["provider_error"]
    assert result["errors"][0] == "Overloaded"
    assert "incomplete" in result["errors"][1]
    assert result["types"][-1] == "finish"
    assert result["finishReason"] is None


# --- AG-UI ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def agent() -> dict[str, Any]:
    """What @ag-ui/client's HttpAgent made of each case, run against a local server."""
    node = node_with("@ag-ui/client")
    cases = {
        "hand": HAND_BUILT,
        "tools": _tools_sample(),
        "report": drain(pipe(sample_chunks("report"), partial(Trip))),
        "error": [TextDelta("x"), ProviderError("Overloaded", code="overloaded")],
        "failing": _failing,
    }
    ids = {name: f"thread-1:run-{name}" for name in cases}
    bodies = _bodies(cases, ids)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            content_type, text = bodies[self.path.strip("/")]
            data = text.encode()
            self.send_response(200)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        specs = [[f"/{name}", *ids[name].split(":")] for name in cases]
        run = subprocess.run(
            [
                node,
                str(NODE_DIR / "ag_ui_client.mjs"),
                f"http://127.0.0.1:{server.server_address[1]}",
                json.dumps(specs),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    return dict(zip(cases, json.loads(run.stdout), strict=True))


def _messages(result: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return [m for m in result["messages"] if m["role"] == role]


def test_agent_reads_messages_and_tool_calls(agent: dict[str, Any]) -> None:
    result = agent["hand"]
    assert result["error"] is None
    assert result["types"][0] == "RUN_STARTED"
    assert result["types"][-1] == "RUN_FINISHED"
    assert [m["content"] for m in _messages(result, "reasoning")] == ["The user wants the weather."]
    first, last = _messages(result, "assistant")
    assert first["content"] == "Let me check."
    calls = {c["id"]: c["function"] for c in first["toolCalls"]}
    assert calls["call_w"] == {"name": "weather", "arguments": '{"city": "Lisbon"}'}
    assert calls["call_x"]["name"] == "nope"
    assert calls["srv_1"]["name"] == "web_search"
    assert last["content"] == "It is clear."
    results = {m["toolCallId"]: m["content"] for m in _messages(result, "tool")}
    assert json.loads(results["call_w"]) == {"sky": "clear", "c": 21}
    assert json.loads(results["call_x"]) == {"error": "unknown tool 'nope'"}
    assert json.loads(results["call_y"]) == {"error": "mul failed"}
    assert json.loads(results["srv_1"]) == [{"url": "https://a.example"}]
    assert result["finished"]["usage"] == [
        {"inputTokens": 12, "outputTokens": 34, "totalTokens": 46}
    ]


def test_agent_reads_the_tools_sample(agent: dict[str, Any]) -> None:
    result = agent["tools"]
    assert result["error"] is None
    (assistant,) = _messages(result, "assistant")
    args = {c["id"]: json.loads(c["function"]["arguments"]) for c in assistant["toolCalls"]}
    assert args == {
        "toolu_sample_weather": {"city": "Lisbon", "unit": "celsius", "days": 3},
        "toolu_sample_time": {"city": "Lisbon"},
    }
    results = {m["toolCallId"]: m["content"] for m in _messages(result, "tool")}
    assert json.loads(results["toolu_sample_weather"])["forecast"] == ["sun"] * 3
    assert json.loads(results["toolu_sample_time"]) == {"error": "no clock in Lisbon"}


def test_agent_state_is_the_final_model(agent: dict[str, Any]) -> None:
    result = agent["report"]
    assert result["error"] is None
    final = drain(pipe(sample_chunks("report"), partial(Trip)))[-1]
    assert result["state"] == final.model_dump(mode="json")
    assert result["types"].count("STATE_SNAPSHOT") == 1
    assert result["types"].count("STATE_DELTA") > 10


def test_agent_sees_run_errors(agent: dict[str, Any]) -> None:
    assert agent["error"]["error"] == {"message": "Overloaded", "code": "overloaded"}
    assert agent["error"]["types"][-1] == "RUN_ERROR"
    failing = agent["failing"]
    assert failing["error"] == {"message": "the model went away (path $.answer)", "code": "Boom"}
    assert [m["content"] for m in _messages(failing, "assistant")] == ["Half an ans"]
