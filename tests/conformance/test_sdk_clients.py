"""The real ``openai`` and ``anthropic`` SDK clients, pointed at an in-process mock
transport that replays corpus bodies (no network), produce typed stream objects that
the adapters read with the same results as the raw bodies. Closing a pipeline early
closes the SDK's HTTP response."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from streamops import pipe
from streamops.providers import (
    ProviderAdapter,
    ProviderError,
    TextDelta,
    ToolCallDone,
    events,
    text,
)
from tests.conftest import CORPUS, corpus_files

openai = pytest.importorskip("openai")
anthropic = pytest.importorskip("anthropic")
try:  # the HTTP library the SDKs are built on
    import httpx2 as httpx
except ImportError:  # pragma: no cover
    import httpx  # type: ignore[no-redef]


def cases(*providers: str) -> list[Path]:
    return [p for p in corpus_files() if json.loads(p.read_text("utf-8"))["provider"] in providers]


CHAT = cases("openai-chat")
RESPONSES = cases("openai-responses")
ANTHROPIC = cases("anthropic")
pytestmark = [
    pytest.mark.skipif(
        not (CHAT and RESPONSES and ANTHROPIC),
        reason=f"no recorded provider streams: corpus directory {CORPUS} is missing",
    ),
]


@pytest.fixture
def anyio_backend() -> str:
    """asyncio only. The SDKs leave inner async generators of theirs unclosed
    (openai stops at [DONE] with a bare ``break``; both SDKs' ``close()`` closes only
    the HTTP response), which asyncio finalises quietly but trio reports, at garbage
    collection time, as ResourceWarnings that the strict warning filter turns into
    errors in whatever test happens to be running. The adapters and the clean-up of
    pipelines are tested under both backends elsewhere."""
    return "asyncio"


class ReplayStream(httpx.AsyncByteStream):
    """A response body sent event by event; records how far it was read and its closing."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.sent = 0
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            if self.closed:
                return
            self.sent += 1
            yield chunk

    async def aclose(self) -> None:
        self.closed = True


class Server:
    """A mock transport replaying one recorded body; keeps the streams it served."""

    def __init__(self, raw: str) -> None:
        data = raw.encode("utf-8")
        # Cut the body after each event, as a server flushes it.
        self.chunks = [piece + b"\n\n" for piece in data.split(b"\n\n")]
        self.chunks[-1] = self.chunks[-1][:-2]
        self.chunks = [c for c in self.chunks if c]
        self.streams: list[ReplayStream] = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: Any) -> Any:
        stream = ReplayStream(self.chunks)
        self.streams.append(stream)
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=stream)


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text("utf-8"))  # type: ignore[no-any-return]


def raw_events(case: dict[str, Any]) -> list[Any]:
    adapter = ProviderAdapter(case["provider"])
    return adapter.feed(case["raw_sse"].encode()) + adapter.close()


def openai_client(server: Server) -> Any:
    return openai.AsyncOpenAI(
        api_key="test",
        base_url="http://127.0.0.1:9/v1",
        max_retries=0,
        http_client=openai.DefaultAsyncHttpxClient(transport=server.transport),
    )


def anthropic_client(server: Server) -> Any:
    return anthropic.AsyncAnthropic(
        api_key="test",
        base_url="http://127.0.0.1:9",
        max_retries=0,
        http_client=anthropic.DefaultAsyncHttpxClient(transport=server.transport),
    )


MESSAGES = [{"role": "user", "content": "hi"}]


async def open_stream(provider: str, server: Server, helper: bool = False) -> Any:
    """The SDK's stream object for one request (``helper``: the ``.stream()`` helpers)."""
    if provider == "openai-chat":
        client = openai_client(server)
        if helper:
            return client.chat.completions.stream(model="gpt-4o", messages=MESSAGES)
        return await client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
    if provider == "openai-responses":
        client = openai_client(server)
        if helper:
            return client.responses.stream(model="gpt-4o", input="hi")
        return await client.responses.create(model="gpt-4o", input="hi", stream=True)
    client = anthropic_client(server)
    if helper:
        return client.messages.stream(model="claude", max_tokens=100, messages=MESSAGES)
    return await client.messages.create(
        model="claude", max_tokens=100, messages=MESSAGES, stream=True
    )


SDK_ERRORS = (openai.APIError, anthropic.APIError)


async def sdk_events(stream: Any, provider: str) -> tuple[list[Any], BaseException | None]:
    got: list[Any] = []
    try:
        async with pipe(stream, events(provider=provider)) as s:  # type: ignore[arg-type]
            async for event in s:
                got.append(event)
    except SDK_ERRORS as exc:  # the SDKs raise on in-band errors; we pass that on unchanged
        return got, exc
    return got, None


def assert_same(case: dict[str, Any], got: list[Any], error: BaseException | None) -> None:
    expected = raw_events(case)
    errors = [i for i, e in enumerate(expected) if type(e) is ProviderError]
    if error is None:
        assert not errors
        assert got == expected
        return
    # The SDK raised at the payload carrying an in-band error; everything before matched.
    assert errors
    bad = expected[errors[0]].raw
    cut = next(i for i, e in enumerate(expected) if e.raw is bad)
    assert got == expected[:cut]


@pytest.mark.anyio
@pytest.mark.parametrize("path", CHAT + RESPONSES + ANTHROPIC, ids=lambda p: p.stem)
async def test_sdk_stream_objects_give_the_same_events(path: Path) -> None:
    case = load(path)
    server = Server(case["raw_sse"])
    stream = await open_stream(case["provider"], server)
    got, error = await sdk_events(stream, case["provider"])
    assert_same(case, got, error)
    assert server.streams[0].closed
    # And the provider is detected from the typed objects just as well.
    stream = await open_stream(case["provider"], server)
    got_auto, error_auto = await sdk_events(stream, "auto")
    assert got_auto == got
    assert type(error_auto) is type(error)


@pytest.mark.anyio
# The openai helpers' own snapshot accumulation warns on payloads of compatible
# servers (Mistral's list-typed content, web-search items); that is the SDK talking.
@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning")
@pytest.mark.parametrize("path", CHAT + RESPONSES + ANTHROPIC, ids=lambda p: p.stem)
async def test_sdk_stream_helpers_give_the_same_events(path: Path) -> None:
    """``client.messages.stream()``, ``chat.completions.stream()``, ``responses.stream()``:
    their derived events (with growing snapshots) are skipped, not double counted."""
    case = load(path)
    server = Server(case["raw_sse"])
    manager = await open_stream(case["provider"], server, helper=True)
    try:
        async with manager as stream:
            got, error = await sdk_events(stream, case["provider"])
    except SDK_ERRORS as exc:
        got, error = [], exc
    if error is None:
        assert_same(case, got, error)
    else:
        assert any(type(e) is ProviderError for e in raw_events(case))


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("name", "provider"),
    [
        ("oai-chat-parallel-tools", "openai-chat"),
        ("oai-resp-function-call", "openai-responses"),
        ("anthropic-pai-tool-search", "anthropic"),
    ],
)
async def test_breaking_after_the_first_tool_call_closes_the_response(
    name: str, provider: str
) -> None:
    path = CORPUS / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    server = Server(load(path)["raw_sse"])
    stream = await open_stream(provider, server)
    first: ToolCallDone | None = None
    async with pipe(stream, events()) as s:
        async for event in s:
            if type(event) is ToolCallDone:
                first = event
                break
    assert first is not None
    assert first.complete
    (served,) = server.streams
    assert served.closed  # the HTTP response was closed at once
    assert served.sent < len(server.chunks)  # and not read to the end


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("name", "provider"),
    [
        ("oai-chat-text-weather", "openai-chat"),
        ("anthropic-pai-thinking", "anthropic"),
        ("oai-resp-text-after-tool", "openai-responses"),
    ],
)
async def test_text_on_sdk_streams(name: str, provider: str) -> None:
    path = CORPUS / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    case = load(path)
    server = Server(case["raw_sse"])
    async with pipe(await open_stream(provider, server), text()) as s:
        assert "".join([t async for t in s]) == case["expected"]["text"]
    # Stopping after the first piece closes the response too.
    server = Server(case["raw_sse"])
    async with pipe(await open_stream(provider, server), text()) as s:
        async for _ in s:
            break
    assert server.streams[0].closed
    assert server.streams[0].sent < len(server.chunks)


def test_text_delta_is_what_sdk_objects_become() -> None:
    """A typed object is read through ``model_dump``; ``raw`` keeps the object itself."""
    from openai.types.chat import ChatCompletionChunk

    chunk = ChatCompletionChunk.model_validate(
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "m",
            "choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": None}],
        }
    )
    (event,) = ProviderAdapter().feed(chunk)
    assert event == TextDelta("Hi")
    assert event.raw is chunk


@pytest.mark.anyio
@pytest.mark.parametrize("provider", ["openai-chat", "openai-responses", "anthropic"])
@pytest.mark.parametrize("how", ["aclose", "raise"])
async def test_a_pipeline_stopped_before_its_first_item_closes_the_response(
    provider: str, how: str
) -> None:
    from streamops import words

    case = load(
        (
            CHAT
            if provider == "openai-chat"
            else RESPONSES
            if provider == "openai-responses"
            else ANTHROPIC
        )[0]
    )
    server = Server(case["raw_sse"])
    pipeline = pipe(await open_stream(provider, server), text(), words())
    if how == "aclose":
        await pipeline.aclose()
    else:
        with pytest.raises(LookupError):
            async with pipeline:
                raise LookupError("the application failed before reading")
    (served,) = server.streams
    assert served.closed
    assert served.sent == 0
