"""``stream_model`` / ``stream_items`` over the real SDK clients, offline.

Each SDK client (``openai`` Chat and Responses, ``anthropic`` with structured
outputs and with a forced tool, ``google-genai``) is pointed at an
``httpx.MockTransport`` that checks the request it receives (the schema is there,
strict, in the provider's format) and replays a streamed answer written here
from the providers' documented stream formats (no recorded corpus).
"""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from streamops import (
    IncompleteJSONError,
    IncompleteStreamError,
    Partial,
    StreamValidationError,
    TruncatedOutputError,
    Usage,
    stream_items,
    stream_model,
    throttle,
    tool_definitions,
)
from streamops.clients import strict_schema
from streamops.samples import token_chunks

openai = pytest.importorskip("openai")
anthropic = pytest.importorskip("anthropic")
genai = pytest.importorskip("google.genai")
try:  # the HTTP library the SDKs are built on
    import httpx2 as httpx
except ImportError:  # pragma: no cover
    import httpx  # type: ignore[no-redef]


class Step(BaseModel):
    """One step of a plan."""

    title: str
    minutes: int = Field(gt=0)


class Plan(BaseModel):
    """A day plan."""

    city: str
    days: int = Field(ge=1)
    steps: list[Step]


ANSWER = {
    "city": "Lisbon",
    "days": 2,
    "steps": [{"title": "Tram 28 to Alfama", "minutes": 40}, {"title": "Pastéis", "minutes": 15}],
}
TEXT = json.dumps(ANSWER, ensure_ascii=False)
BAD = json.dumps({**ANSWER, "days": 0}, ensure_ascii=False)  # days must be >= 1
PROVIDERS = ["openai-chat", "openai-responses", "anthropic", "anthropic-tool", "gemini"]
LENGTH = {
    "openai-chat": "length",
    "openai-responses": "incomplete",
    "anthropic": "max_tokens",
    "anthropic-tool": "max_tokens",
    "gemini": "MAX_TOKENS",
}


# --- bodies, written from each provider's documented stream format ----------------------


def sse(*payloads: Any, named: bool = False) -> list[bytes]:
    """One SSE event per payload (``event:`` lines too when ``named``)."""
    out = []
    for p in payloads:
        head = f"event: {p['type']}\n" if named else ""
        out.append(f"{head}data: {json.dumps(p, ensure_ascii=False)}\n\n".encode())
    return out


def body(
    provider: str,
    text: str,
    *,
    stop: bool = True,
    pieces: list[str] | None = None,
    tool: str = "Plan",
) -> list[bytes]:
    """The streamed answer ``text`` in ``provider``'s format; ``stop=False``: a length stop."""
    parts = token_chunks(text) if pieces is None else pieces
    if provider == "openai-chat":
        base = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "m"}
        reason = "stop" if stop else "length"
        return [
            *sse(
                *(
                    {
                        **base,
                        "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}],
                    }
                    for p in parts
                ),
                {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": reason}]},
                {
                    **base,
                    "choices": [],
                    "usage": {"prompt_tokens": 5, "completion_tokens": 9, "total_tokens": 14},
                },
            ),
            b"data: [DONE]\n\n",
        ]
    if provider == "openai-responses":
        response = {"id": "r1", "object": "response", "status": "in_progress", "output": []}
        end = (
            {
                **response,
                "status": "completed",
                "usage": {"input_tokens": 5, "output_tokens": 9, "total_tokens": 14},
            }
            if stop
            else {
                **response,
                "status": "incomplete",
                "incomplete_details": {"reason": "max_output_tokens"},
            }
        )
        return sse(
            {"type": "response.created", "sequence_number": 0, "response": response},
            *(
                {
                    "type": "response.output_text.delta",
                    "sequence_number": i + 1,
                    "item_id": "m1",
                    "output_index": 0,
                    "content_index": 0,
                    "delta": p,
                    "logprobs": [],
                }
                for i, p in enumerate(parts)
            ),
            {
                "type": "response.completed" if stop else "response.incomplete",
                "sequence_number": len(parts) + 1,
                "response": end,
            },
            named=True,
        )
    if provider in ("anthropic", "anthropic-tool"):
        forced = provider == "anthropic-tool"
        block = (
            {"type": "tool_use", "id": "toolu_1", "name": tool, "input": {}}
            if forced
            else {"type": "text", "text": ""}
        )
        delta = "input_json_delta" if forced else "text_delta"
        key = "partial_json" if forced else "text"
        reason = ("tool_use" if forced else "end_turn") if stop else "max_tokens"
        message = {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": "claude",
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 5, "output_tokens": 1},
        }
        return sse(
            {"type": "message_start", "message": message},
            {"type": "content_block_start", "index": 0, "content_block": block},
            *(
                {"type": "content_block_delta", "index": 0, "delta": {"type": delta, key: p}}
                for p in parts
            ),
            *([{"type": "content_block_stop", "index": 0}] if stop else []),
            {
                "type": "message_delta",
                "delta": {"stop_reason": reason, "stop_sequence": None},
                "usage": {"output_tokens": 9},
            },
            {"type": "message_stop"},
            named=True,
        )
    assert provider == "gemini"
    chunks = [
        {"candidates": [{"content": {"role": "model", "parts": [{"text": p}]}, "index": 0}]}
        for p in parts
    ]
    last = chunks[-1]["candidates"][0]
    last["finishReason"] = "STOP" if stop else "MAX_TOKENS"
    chunks[-1]["usageMetadata"] = {
        "promptTokenCount": 5,
        "candidatesTokenCount": 9,
        "totalTokenCount": 14,
    }
    return sse(*chunks)


# --- the mock server -------------------------------------------------------------------


class Replay(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body sent event by event; records how far it was read and its closing."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.sent = 0
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            if self.closed:
                return
            self.sent += 1
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            if self.closed:
                return
            self.sent += 1
            yield chunk

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True

    @property
    def finished(self) -> bool:
        """Closed, whether or not it was read to the end."""
        return self.closed


class Server:
    """Answers each request with the next body; keeps the requests and the bodies served."""

    def __init__(self, *bodies: list[bytes]) -> None:
        self.bodies = list(bodies)
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.streams: list[Replay] = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: Any) -> Any:
        self.requests.append((str(request.url), json.loads(request.content)))
        stream = Replay(self.bodies[min(len(self.streams), len(self.bodies) - 1)])
        self.streams.append(stream)
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=stream)


def client(provider: str, server: Server, *, sync: bool = False) -> Any:
    if provider.startswith("openai"):
        cls, http = (
            (openai.OpenAI, openai.DefaultHttpxClient)
            if sync
            else (openai.AsyncOpenAI, openai.DefaultAsyncHttpxClient)
        )
        return cls(
            api_key="k",
            base_url="http://127.0.0.1:9/v1",
            max_retries=0,
            http_client=http(transport=server.transport),
        )
    if provider.startswith("anthropic"):
        cls, http = (
            (anthropic.Anthropic, anthropic.DefaultHttpxClient)
            if sync
            else (anthropic.AsyncAnthropic, anthropic.DefaultAsyncHttpxClient)
        )
        return cls(
            api_key="k",
            base_url="http://127.0.0.1:9",
            max_retries=0,
            http_client=http(transport=server.transport),
        )
    options = genai.types.HttpOptions(
        base_url="http://127.0.0.1:9",
        httpx_client=httpx.Client(transport=server.transport),
        httpx_async_client=httpx.AsyncClient(transport=server.transport),
    )
    gemini = genai.Client(api_key="k", http_options=options)
    return gemini if sync else gemini.aio


def request_args(provider: str) -> dict[str, Any]:
    if provider == "openai-chat":
        return {"model": "gpt-4o", "messages": [{"role": "user", "content": "Plan Lisbon"}]}
    if provider == "openai-responses":
        return {"model": "gpt-4o", "input": "Plan Lisbon"}
    if provider.startswith("anthropic"):
        args: dict[str, Any] = {
            "model": "claude",
            "max_tokens": 500,
            "messages": [{"role": "user", "content": "Plan Lisbon"}],
        }
        if provider == "anthropic-tool":
            args["mode"] = "tool"
        return args
    return {"model": "gemini-2.5-flash", "contents": "Plan Lisbon"}


def check_request(
    provider: str, url: str, sent: dict[str, Any], schema: dict[str, Any], name: str = "Plan"
) -> None:
    """The schema went out strict, the provider's own way."""
    if provider == "openai-chat":
        assert url.endswith("/chat/completions")
        assert sent["stream"] is True
        assert sent["response_format"] == {
            "type": "json_schema",
            "json_schema": {
                "name": name,
                "schema": schema,
                "strict": True,
                "description": sent["response_format"]["json_schema"]["description"],
            },
        }
    elif provider == "openai-responses":
        assert url.endswith("/responses")
        fmt = sent["text"]["format"]
        assert (fmt["type"], fmt["name"], fmt["schema"], fmt["strict"]) == (
            "json_schema",
            name,
            schema,
            True,
        )
    elif provider == "anthropic":
        assert url.endswith("/v1/messages")
        assert sent["output_config"] == {"format": {"type": "json_schema", "schema": schema}}
        assert "tools" not in sent
    elif provider == "anthropic-tool":
        assert sent["tool_choice"] == {"type": "tool", "name": name}
        assert sent["tools"][-1]["input_schema"] == schema
    else:
        assert ":streamGenerateContent" in url
        assert "alt=sse" in url
        config = sent["generationConfig"]
        assert config["responseMimeType"] == "application/json"
        assert config["responseJsonSchema"] == schema
    assert_strict(schema)


def assert_strict(schema: Any) -> None:
    """Every object of the schema is closed and requires all its properties."""
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            assert schema["additionalProperties"] is False
            assert schema["required"] == list(schema["properties"])
        for value in schema.values():
            assert_strict(value)
    elif isinstance(schema, list):
        for value in schema:
            assert_strict(value)


@pytest.fixture(params=PROVIDERS)
def provider(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# --- async clients, under asyncio and trio -------------------------------------------------


@pytest.mark.anyio
async def test_a_valid_answer(provider: str) -> None:
    server = Server(body(provider, TEXT))
    s = stream_model(client(provider, server), Plan, **request_args(provider))
    assert server.requests == []  # nothing is sent before the stream is read
    async with s:
        got = [x async for x in s]
    expected = Plan.model_validate_json(TEXT)
    assert got[-1] == expected
    assert type(got[-1]) is Plan
    assert len(got) > 2
    assert all(isinstance(x, Partial) for x in got[:-1])
    assert got[-2].city == "Lisbon"
    assert await s.final() == expected
    assert isinstance(s.usage, Usage)
    assert s.usage.output_tokens == 9
    assert s.finish_reason in ("stop", "completed", "end_turn", "tool_use", "STOP")
    assert s.retries == []
    assert s.received == TEXT
    ((url, sent),) = server.requests
    check_request(provider, url, sent, strict_schema(Plan))
    assert server.streams[0].closed


@pytest.mark.anyio
async def test_final_alone(provider: str) -> None:
    server = Server(body(provider, TEXT))
    plan = await stream_model(client(provider, server), Plan, **request_args(provider)).final()
    assert plan == Plan.model_validate_json(TEXT)
    assert server.streams[0].closed


@pytest.mark.anyio
async def test_a_bad_field_fails_early_and_closes_the_request(provider: str) -> None:
    server = Server(body(provider, BAD))
    s = stream_model(client(provider, server), Plan, **request_args(provider))
    with pytest.raises(StreamValidationError) as info:
        async with s:
            async for _ in s:
                pass
    assert info.value.path == ("days",)
    assert info.value.value == 0
    assert BAD.startswith(info.value.received)
    assert len(info.value.received) < len(BAD)  # before the rest of the answer
    (served,) = server.streams
    assert served.closed
    assert served.sent < len(served.chunks)


@pytest.mark.anyio
async def test_a_length_stop_raises_truncated_output(provider: str) -> None:
    cut = TEXT[: TEXT.index("Pastéis") + 3]
    server = Server(body(provider, cut, stop=False))
    s = stream_model(client(provider, server), Plan, **request_args(provider))
    seen: list[Any] = []
    with pytest.raises(TruncatedOutputError) as info:
        async with s:
            async for x in s:
                seen.append(x)
    err = info.value
    assert isinstance(err, IncompleteJSONError)
    assert err.finish_reason == LENGTH[provider]
    assert err.received == cut
    assert isinstance(err.partial, Partial)
    assert err.partial.city == "Lisbon"
    assert err.partial.steps[0] == Step(title="Tram 28 to Alfama", minutes=40)
    assert err.partial.steps[1].title == "Pas"
    assert err.path == ("steps", 1, "title")
    assert s.finish_reason == LENGTH[provider]
    assert server.streams[0].closed


@pytest.mark.anyio
async def test_a_retry_that_succeeds(provider: str) -> None:
    server = Server(body(provider, BAD), body(provider, TEXT))
    s = stream_model(client(provider, server), Plan, max_retries=1, **request_args(provider))
    got = [x async for x in s]
    assert got[-1] == Plan.model_validate_json(TEXT)
    (retry,) = s.retries
    assert retry.attempt == 1
    assert isinstance(retry.error, StreamValidationError)
    assert BAD.startswith(retry.received)
    assert retry in s.events
    assert s.events.index(retry) > 0
    assert [srv.closed for srv in server.streams] == [True, True]
    assert server.streams[0].sent < len(server.streams[0].chunks)
    (_, first), (url, second) = server.requests
    check_request(provider, url, second, strict_schema(Plan))
    if provider in ("openai-chat", "anthropic"):
        assert second["messages"][:-2] == first["messages"]
        assistant, user = second["messages"][-2:]
        assert assistant == {"role": "assistant", "content": retry.received}
        assert user["role"] == "user"
        assert "greater than or equal to 1" in user["content"]
    elif provider == "openai-responses":
        assert second["input"][0] == {"role": "user", "content": "Plan Lisbon"}
        assert second["input"][1] == {"role": "assistant", "content": retry.received}
        assert second["input"][2]["role"] == "user"
        assert "greater than or equal to 1" in second["input"][2]["content"]
    elif provider == "anthropic-tool":
        assistant, user = second["messages"][-2:]
        assert assistant["content"][0]["type"] == "tool_use"
        assert assistant["content"][0]["id"] == "toolu_1"
        result = user["content"][0]
        assert (result["type"], result["tool_use_id"], result["is_error"]) == (
            "tool_result",
            "toolu_1",
            True,
        )
        assert "greater than or equal to 1" in result["content"]
    else:
        model_turn, user_turn = second["contents"][-2:]
        assert model_turn == {"role": "model", "parts": [{"text": retry.received}]}
        assert user_turn["role"] == "user"
        assert "greater than or equal to 1" in user_turn["parts"][0]["text"]


@pytest.mark.anyio
async def test_retries_run_out(provider: str) -> None:
    server = Server(body(provider, BAD))
    s = stream_model(client(provider, server), Plan, max_retries=2, **request_args(provider))
    with pytest.raises(StreamValidationError):
        await s.final()
    assert [r.attempt for r in s.retries] == [1, 2]
    assert len(server.requests) == 3
    assert all(srv.closed for srv in server.streams)


@pytest.mark.anyio
async def test_a_consumer_that_stops_early_closes_the_request(provider: str) -> None:
    server = Server(body(provider, TEXT))
    async with stream_model(client(provider, server), Plan, **request_args(provider)) as s:
        async for snapshot in s:
            assert isinstance(snapshot, Partial)
            break
    (served,) = server.streams
    assert served.closed
    assert served.sent < len(served.chunks)


@pytest.mark.anyio
async def test_it_composes_with_throttle(provider: str) -> None:
    server = Server(body(provider, TEXT))
    s = stream_model(client(provider, server), Plan, **request_args(provider))
    async with s | throttle(60) as throttled:
        got = [x async for x in throttled]
    assert got[-1] == Plan.model_validate_json(TEXT)
    assert server.streams[0].closed


@pytest.mark.anyio
async def test_stream_items(provider: str) -> None:
    text = json.dumps({"items": ANSWER["steps"]}, ensure_ascii=False)
    server = Server(body(provider, text, tool="StepList"))
    s = stream_items(client(provider, server), Step, **request_args(provider))
    got = [x async for x in s]
    assert got == [Step.model_validate(v) for v in ANSWER["steps"]]
    assert await s.final() == got
    ((url, sent),) = server.requests
    schema = strict_schema(_items_model())
    check_request(provider, url, sent, schema, name="StepList")


def _items_model() -> Any:
    from pydantic import create_model

    return create_model("StepList", items=(list[Step], ...))


@pytest.mark.anyio
async def test_stream_items_length_stop_keeps_the_completed_items(provider: str) -> None:
    text = json.dumps({"items": ANSWER["steps"]}, ensure_ascii=False)
    cut = text[: text.index("Pastéis")]
    server = Server(body(provider, cut, stop=False, tool="StepList"))
    s = stream_items(client(provider, server), Step, **request_args(provider))
    with pytest.raises(TruncatedOutputError) as info:
        await s.final()
    assert info.value.partial == [Step.model_validate(ANSWER["steps"][0])]
    assert info.value.received == cut


def without_the_end(provider: str, chunks: list[bytes]) -> list[bytes]:
    """A body cut before the provider's finish signal."""
    if provider == "openai-chat":
        chunks = chunks[:-3]
    elif provider == "openai-responses":
        chunks = chunks[:-1]
    elif provider.startswith("anthropic"):
        chunks = chunks[:-3]
    else:
        last = json.loads(chunks[-1][len(b"data: ") :])
        del last["candidates"][0]["finishReason"]
        chunks[-1] = sse(last)[0]
    return chunks


@pytest.mark.anyio
async def test_a_stream_cut_without_a_length_stop_is_incomplete(provider: str) -> None:
    """No finish signal: IncompleteStreamError (the parser's IncompleteJSONError as its
    cause when the JSON was cut), not a truncation, and no retry; a cut stream whose JSON
    happens to be whole gives no result either."""
    chunks = without_the_end(provider, body(provider, TEXT[:30]))
    server = Server(chunks)
    s = stream_model(client(provider, server), Plan, max_retries=3, **request_args(provider))
    with pytest.raises(IncompleteStreamError) as info:
        await s.final()
    assert type(info.value.__cause__) is IncompleteJSONError
    assert info.value.received == TEXT[:30]
    assert s.finish_reason is None
    assert len(server.requests) == 1


@pytest.mark.anyio
async def test_a_cut_stream_whose_json_is_whole_is_still_incomplete(provider: str) -> None:
    chunks = without_the_end(provider, body(provider, TEXT))
    server = Server(chunks)
    s = stream_model(client(provider, server), Plan, **request_args(provider))
    with pytest.raises(IncompleteStreamError) as info:
        await s.final()
    assert info.value.__cause__ is None
    assert info.value.received == TEXT
    assert server.streams[0].closed


# --- sync clients --------------------------------------------------------------------


def test_sync_clients(provider: str) -> None:
    server = Server(body(provider, TEXT))
    s = stream_model(client(provider, server, sync=True), Plan, **request_args(provider))
    got = list(s)
    assert got[-1] == Plan.model_validate_json(TEXT)
    assert all(isinstance(x, Partial) for x in got[:-1])
    assert s.final() == got[-1]
    assert server.streams[0].closed
    # final() alone, and a loop left early.
    server = Server(body(provider, TEXT))
    assert (
        stream_model(client(provider, server, sync=True), Plan, **request_args(provider)).final()
        == got[-1]
    )
    server = Server(body(provider, TEXT))
    for _ in stream_model(client(provider, server, sync=True), Plan, **request_args(provider)):
        break
    assert server.streams[0].closed
    assert server.streams[0].sent < len(server.streams[0].chunks)


def test_sync_bad_field(provider: str) -> None:
    server = Server(body(provider, BAD))
    with pytest.raises(StreamValidationError):
        stream_model(client(provider, server, sync=True), Plan, **request_args(provider)).final()
    assert server.streams[0].closed
    assert server.streams[0].sent < len(server.streams[0].chunks)


# --- chunk invariance -----------------------------------------------------------------


def _split(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in itertools.pairwise(points) if b > a]


@settings(max_examples=25, deadline=None)
@given(
    provider=st.sampled_from(PROVIDERS),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=30),
    bad=st.booleans(),
)
def test_any_chunking_gives_the_same_result(provider: str, cuts: list[int], bad: bool) -> None:
    text = BAD if bad else TEXT
    server = Server(body(provider, text, pieces=_split(text, cuts)))

    async def run() -> Any:
        s = stream_model(client(provider, server), Plan, **request_args(provider))
        try:
            return await s.final()
        except StreamValidationError as exc:
            return ("error", type(exc), exc.path, exc.value, exc.received)

    got = anyio.run(run)
    if bad:
        *error, received = got
        assert error == ["error", StreamValidationError, ("days",), 0]
        # .received is the text read so far: up to the end of the chunk with the error
        assert BAD.startswith(received)
        assert len(received) >= BAD.index('"steps"') - 2
    else:
        assert got == Plan.model_validate_json(TEXT)


# --- tools and extras ----------------------------------------------------------------------


def get_weather(city: str, units: str = "c") -> str:
    """The weather in a city."""
    return f"sunny in {city}"


@pytest.mark.anyio
async def test_tool_definitions_go_out_in_each_providers_shape() -> None:
    tools = {"get_weather": get_weather, "plan": Plan}
    for provider in ("openai-chat", "anthropic"):
        server = Server(body(provider, "Hi"))
        args = request_args(provider)
        sdk = client(provider, server)
        if provider == "openai-chat":
            stream = await sdk.chat.completions.create(
                **args, tools=tool_definitions(tools, provider), stream=True
            )
        else:
            stream = await sdk.messages.create(
                **args, tools=tool_definitions(tools, provider), stream=True
            )
        await stream.close()
        ((_, sent),) = server.requests
        assert sent["tools"] == tool_definitions(tools, provider)
    defs = tool_definitions(tools, "openai-responses")
    assert [d["name"] for d in defs] == ["get_weather", "plan"]
    assert defs[0]["parameters"]["required"] == ["city", "units"]
    assert defs[1]["description"] == "A day plan."
    (gemini,) = tool_definitions(tools, "gemini")
    declarations = gemini["function_declarations"]
    expected = strict_schema(tool_model_of(get_weather))
    assert declarations[0]["description"] == expected.pop("description")
    assert declarations[0]["parameters_json_schema"] == expected
    genai.types.Tool.model_validate(gemini)  # the SDK accepts the shape


def tool_model_of(fn: Any) -> Any:
    from streamops import tool_model

    return tool_model(fn)


def test_a_missing_sdk_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from streamops.clients._requests import require

    monkeypatch.setitem(sys.modules, "google.genai", None)
    with pytest.raises(ImportError, match=r'pip install "streamops\[gemini\]"'):
        require("google")
