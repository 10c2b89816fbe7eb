"""Every recorded stream with tool calls in ``../shared/corpus/real`` assembles, through
``tool_calls()``, to its ``expected.tool_calls`` (id, name, raw arguments, parsed value):
with a model written here for each tool and with ``tools=None``, under several chunkings of
the body. The real SDK clients, replaying corpus bodies over a mock transport, give the same
calls; a consumer that stops after the first call closes the SDK's HTTP response."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Callable
from functools import cache
from pathlib import Path
from typing import Any, Literal

import anyio
import pytest
from pydantic import BaseModel, Field

from streamops import Partial, drain, pipe
from streamops.providers import ToolCallDelta, ToolCallDone, ToolCallStarted
from streamops.tools import ToolCallFailed, ToolResult, run_tools, tool_calls, tool_model
from tests.conftest import CORPUS, corpus_files


@cache
def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text("utf-8"))  # type: ignore[no-any-return]


FILES = [p for p in corpus_files() if load(p)["expected"]["tool_calls"]]
pytestmark = pytest.mark.skipif(
    not FILES, reason=f"no recorded provider streams: corpus directory {CORPUS} is missing"
)


# --- a model (or a function) per tool, as an application would write them --------------


class NoArguments(BaseModel):
    pass


class ExchangeRate(BaseModel):
    from_currency: str = Field(min_length=3, max_length=3)
    to_currency: str = Field(min_length=3, max_length=3)


class MakeFile(BaseModel):
    filename: str
    lines_of_text: list[str]


class AnthropicWeather(BaseModel):
    location: str
    units: Literal["c", "f"] = "c"


class CityWeather(BaseModel):
    city: str


class Element(BaseModel):
    location: str
    temperature: int
    condition: str


class Elements(BaseModel):
    elements: list[Element]


class Ingredient(BaseModel):
    amount: str
    name: str


class Recipe(BaseModel):
    name: str
    ingredients: list[Ingredient]
    steps: list[str]


class CookRecipe(BaseModel):
    recipe: Recipe


class Labelled(BaseModel):
    label: str
    answer: str


class Answers(BaseModel):
    answers: list[Labelled] = Field(min_length=1)


class IntResult(BaseModel):
    result: int


class GetWeatherArgs(BaseModel):
    city: str
    country: str
    units: Literal["c", "f"]


class StockPrice(BaseModel):
    ticker: str
    exchange: str


class Query(BaseModel):
    query: str


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


def get_capital(country: str) -> str:
    return {"France": "Paris"}.get(country, "?")


def get_something_by_name(name: str) -> str:
    return name


def get_location(location: str) -> str:
    return location


def registry(case: dict[str, Any]) -> dict[str, Any]:
    """The tools of one recorded request (a few names mean different tools in different
    recordings, as they would in different applications)."""
    provider = case["provider"]
    tools: dict[str, Any] = {
        "fixed_version": NoArguments,
        "updateIssueList": NoArguments,
        "pelican_name_generator": NoArguments,
        "get_country": NoArguments,
        "get_product_name": NoArguments,
        "get_exchange_rate": ExchangeRate,
        "make_file": MakeFile,
        "get_weather": AnthropicWeather if provider == "anthropic" else CityWeather,
        "json": Elements,
        "cookRecipe": CookRecipe,
        "getWeather": get_location,
        "multiply": multiply,
        "final_result": IntResult if provider == "openai-responses" else Answers,
        "GetWeatherArgs": GetWeatherArgs,
        "get_stock_price": StockPrice,
        "get_capital": get_capital,
        "get_something_by_name": get_something_by_name,
        # server-side tools: listed or not, they pass through unvalidated
        "web_search": Query,
    }
    return tools


# --- chunkings of a body -------------------------------------------------------------------


def body(case: dict[str, Any]) -> bytes:
    return str(case["raw_sse"]).encode("utf-8")


def random_cuts(raw: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    out, i = [], 0
    while i < len(raw):
        n = rng.randint(1, 24)
        out.append(raw[i : i + n])
        i += n
    return out


def per_event(case: dict[str, Any]) -> list[bytes]:
    raw = body(case)
    if case["wire_format"] == "json-array":
        return raw.splitlines(keepends=True)
    return [piece + b"\n\n" for piece in raw.split(b"\n\n")]


CHUNKINGS: dict[str, Callable[[dict[str, Any]], list[bytes]]] = {
    "whole": lambda case: [body(case)],
    "per-event": per_event,
    "bytes": lambda case: [body(case)[i : i + 1] for i in range(len(body(case)))],
    "random": lambda case: random_cuts(body(case), 3),
}


def provider_of(case: dict[str, Any]) -> str:
    return "gemini" if case["provider"] == "gemini-json-array" else str(case["provider"])


# --- the check ------------------------------------------------------------------------------


def ends_of(case: dict[str, Any], got: list[Any]) -> list[Any]:
    """The last event of each call (done or failed), as ``expected.tool_calls`` lists them."""
    ends = [e for e in got if type(e) in (ToolCallDone, ToolCallFailed)]
    if case["provider"] == "openai-responses":  # built-in calls are not in expected
        ends = [e for e in ends if not (type(e) is ToolCallDone and e.server)]
    return ends


def check(case: dict[str, Any], got: list[Any], tools: dict[str, Any] | None) -> None:
    expected = case["expected"]["tool_calls"]
    never_stopped = {
        b["index"] for b in case["expected"].get("content_blocks") or [] if b.get("never_stopped")
    }
    ends = ends_of(case, got)
    assert [(e.index, e.id, e.name) for e in ends] == [
        (c["index"], c["id"], c["name"]) for c in expected
    ]
    for end, want in zip(ends, expected, strict=True):
        mine = [
            e
            for e in got
            if type(e) in (ToolCallStarted, ToolCallDelta, ToolCallDone, ToolCallFailed)
            and (e.choice, e.index) == (end.choice, end.index)
        ]
        # Started first, with the name, before any argument.
        assert type(mine[0]) is ToolCallStarted
        assert mine[0].name == want["name"]
        deltas = [e for e in mine if type(e) is ToolCallDelta]
        assert "".join(d.text for d in deltas) == want["arguments"]
        server = want.get("type") in ("server_tool_use", "mcp_tool_use")
        if want["index"] in never_stopped:
            # Cut off by max_tokens: reported with the raw text, never executed.
            assert type(end) is ToolCallFailed
            assert mine[-1] is end
            assert end.error.arguments == want["arguments"]
            assert end.error.name == want["name"]
            assert "cut off" in str(end.error)
            continue
        assert type(end) is ToolCallDone
        assert mine[-1] is end
        assert end.arguments == want["arguments"]
        assert end.complete
        assert end.server is server
        value = want["arguments_json"]
        if value is None:
            assert want["arguments"] == ""
            value = {}  # no argument text: a tool without parameters
        if tools is None or server:
            assert end.parsed == value
            if not server and deltas:
                assert deltas[-1].partial_args == value
            continue
        model = tool_model(tools[want["name"]])
        assert type(end.parsed) is model
        assert end.parsed == model.model_validate(value)
        # Partial snapshots along the way, the validated model once the text is complete.
        for d in deltas[:-1]:
            assert d.partial_args is None or isinstance(d.partial_args, (Partial, model))
        if deltas:
            assert deltas[-1].partial_args == end.parsed


@pytest.mark.parametrize("chunking", sorted(CHUNKINGS))
@pytest.mark.parametrize("validated", [True, False], ids=["models", "no-models"])
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_corpus_tool_calls_assemble_to_expected(path: Path, validated: bool, chunking: str) -> None:
    case = load(path)
    tools = registry(case) if validated else None
    chunks = CHUNKINGS[chunking](case)
    got = drain(pipe(chunks, tool_calls(tools, provider=provider_of(case))))  # type: ignore[arg-type]
    check(case, got, tools)
    # Detected provider, same result (Partial snapshots compare by what they show).
    assert [repr(e) for e in drain(pipe(chunks, tool_calls(tools)))] == [repr(e) for e in got]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_corpus_tool_calls_run(path: Path) -> None:
    """run_tools() on the recorded bodies: a result per client call, in order, the cut-off
    call an error result."""
    case = load(path)
    tools = registry(case)
    results: list[ToolResult] = drain(pipe([body(case)], run_tools(tools)))
    expected = [
        c
        for c in case["expected"]["tool_calls"]
        if c.get("type") not in ("server_tool_use", "mcp_tool_use")
    ]
    assert [(r.index, r.id, r.name) for r in results] == [
        (c["index"], c["id"], c["name"]) for c in expected
    ]
    for result, want in zip(results, expected, strict=True):
        value = want["arguments_json"] if want["arguments"] else {}
        if value is None:  # cut off
            assert result.error is not None
            continue
        assert result.error is None
        tool = tools[want["name"]]
        if isinstance(tool, type):
            assert result.value == tool_model(tool).model_validate(value)
        else:
            assert result.value == tool(**value)


# --- the SDK clients ---------------------------------------------------------------------

openai = pytest.importorskip("openai")
anthropic = pytest.importorskip("anthropic")
try:  # the HTTP library the SDKs are built on
    import httpx2 as httpx
except ImportError:  # pragma: no cover
    import httpx  # type: ignore[no-redef]


class Replay(httpx.AsyncByteStream):
    """A response body sent event by event; records how much was sent and the closing.

    With ``stall_after=n`` it stops after ``n`` chunks, like a model still generating,
    until ``resume`` is set."""

    def __init__(self, chunks: list[bytes], stall_after: int | None = None) -> None:
        self.chunks = chunks
        self.stall_after = stall_after
        self.resume = anyio.Event()
        self.sent = 0
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            if self.sent == self.stall_after:
                await self.resume.wait()
            if self.closed:
                return
            self.sent += 1
            yield chunk

    async def aclose(self) -> None:
        self.closed = True


class MockServer:
    """Answers every request with one recorded body; keeps the response streams."""

    def __init__(self, case: dict[str, Any], stall_after: int | None = None) -> None:
        self.chunks = [c for c in per_event(case) if c.strip()]
        self.stall_after = stall_after
        self.served: list[Replay] = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: Any) -> Any:
        replay = Replay(self.chunks, self.stall_after)
        self.served.append(replay)
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=replay)


async def sdk_stream(provider: str, server: MockServer) -> Any:
    messages = [{"role": "user", "content": "hi"}]
    if provider == "anthropic":
        client: Any = anthropic.AsyncAnthropic(
            api_key="test",
            base_url="http://127.0.0.1:9",
            max_retries=0,
            http_client=anthropic.DefaultAsyncHttpxClient(transport=server.transport),
        )
        return await client.messages.create(
            model="claude", max_tokens=100, messages=messages, stream=True
        )
    client = openai.AsyncOpenAI(
        api_key="test",
        base_url="http://127.0.0.1:9/v1",
        max_retries=0,
        http_client=openai.DefaultAsyncHttpxClient(transport=server.transport),
    )
    if provider == "openai-responses":
        return await client.responses.create(model="gpt-4o", input="hi", stream=True)
    return await client.chat.completions.create(model="gpt-4o", messages=messages, stream=True)


SDK_CASES = [
    ("oai-chat-parallel-tools", "openai-chat"),
    ("oai-chat-pai-parallel-no-arg-tools", "openai-chat"),
    ("oai-resp-function-call", "openai-responses"),
    ("anthropic-pai-tool-search", "anthropic"),
    ("anthropic-sdk-tool-use", "anthropic"),
]


def sdk_case(name: str) -> dict[str, Any]:
    path = CORPUS / f"{name}.json"
    assert path.is_file(), f"{path} is missing"
    return load(path)


# asyncio only: the SDKs leave inner async generators of theirs unclosed, which trio
# reports as ResourceWarnings at garbage collection (see test_sdk_clients.py).
@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.parametrize(("name", "provider"), SDK_CASES)
async def test_sdk_streams_give_the_same_calls(name: str, provider: str) -> None:
    case = sdk_case(name)
    tools = registry(case)
    server = MockServer(case)
    async with pipe(await sdk_stream(provider, server), tool_calls(tools)) as s:
        got = [e async for e in s]
    check(case, got, tools)
    from_raw = drain(pipe([body(case)], tool_calls(tools)))
    assert ends_of(case, got) == ends_of(case, from_raw)
    assert server.served[0].closed


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.parametrize(("name", "provider"), SDK_CASES)
async def test_breaking_after_the_first_call_closes_the_sdk_response(
    name: str, provider: str
) -> None:
    case = sdk_case(name)
    server = MockServer(case)
    first: ToolCallDone | None = None
    async with pipe(await sdk_stream(provider, server), tool_calls(registry(case))) as s:
        async for event in s:
            if type(event) is ToolCallDone:
                first = event
                break
    assert first is not None
    want = case["expected"]["tool_calls"][0]
    assert (first.id, first.name, first.arguments) == (want["id"], want["name"], want["arguments"])
    (served,) = server.served
    assert served.closed  # the HTTP response was closed when the consumer stopped
    assert served.sent < len(server.chunks)  # and was not read to the end


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.parametrize(("name", "provider"), [("oai-chat-parallel-tools", "openai-chat")])
async def test_breaking_after_the_first_result_closes_the_sdk_response(
    name: str, provider: str
) -> None:
    """run_tools() reads ahead of its consumer, so the body stalls (as a server still
    sending would) after the chunk with the finish reason, which finishes the calls (Chat
    Completions has no per-call end): the first result must arrive while the response
    is still open, and stopping then closes it."""
    case = sdk_case(name)
    chunks = MockServer(case).chunks
    finish = next(i for i, c in enumerate(chunks) if b'"finish_reason":"tool_calls"' in c)
    server = MockServer(case, stall_after=finish + 1)
    tools = registry(case)
    with anyio.fail_after(30):  # a guard against a hang, not a timing assertion
        async with pipe(await sdk_stream(provider, server), run_tools(tools)) as s:
            async for result in s:
                assert result.value == GetWeatherArgs(city="Edinburgh", country="GB", units="c")
                break
    (served,) = server.served
    assert served.closed
    assert served.sent == finish + 1 < len(server.chunks)
