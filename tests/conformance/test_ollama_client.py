"""Conformance with the ``ollama`` Python client: pointed at an ``httpx.MockTransport`` that
serves our sample bodies and the recorded ones, the client reads the same text, thinking,
tool calls, done reason and counts as ``events(provider="ollama")`` does on the raw body;
and the client's own typed responses (pydantic models) fed to ``events()`` give the same
events as the raw body.

The client (0.6) does not model a tool call's ``id``: its objects carry none, so the
events read from them have ``id=None`` where the raw body had one.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import httpx
import ollama
import pytest

from streamops import drain, pipe
from streamops.providers import (
    Finished,
    ProviderAdapter,
    ProviderError,
    ReasoningDelta,
    TextDelta,
    ToolCallDone,
    ToolCallStarted,
    Usage,
    events,
)
from tests.conftest import more_corpus
from tests.unit.test_providers_ollama_cohere import OLLAMA_CHAT, OLLAMA_GENERATE, chat, ndjson

HOST = "http://ollama.test"


def serve(body: bytes, path: str) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == path
        # a streamed response, cut in small pieces as a server flushes them
        pieces = [body[i : i + 37] for i in range(0, len(body), 37)]
        return httpx.Response(
            200, headers={"content-type": "application/x-ndjson"}, stream=_Stream(pieces)
        )

    return handler


class _Stream(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces

    def __iter__(self) -> Any:
        yield from self.pieces

    async def __aiter__(self) -> Any:
        for piece in self.pieces:
            yield piece


def client_stream(body: bytes, endpoint: str) -> list[Any]:
    """What the ollama client yields for ``body`` (its typed responses)."""
    client = ollama.Client(HOST, transport=httpx.MockTransport(serve(body, endpoint)))
    if endpoint == "/api/chat":
        return list(
            client.chat(model="m", messages=[{"role": "user", "content": "hi"}], stream=True)
        )
    return list(client.generate(model="m", prompt="hi", stream=True))


def summary_of_client(parts: list[Any]) -> dict[str, Any]:
    text, thinking, calls = [], [], []
    for part in parts:
        message = getattr(part, "message", None)
        if message is not None:
            text.append(message.content or "")
            thinking.append(message.thinking or "")
            for call in message.tool_calls or ():
                calls.append((call.function.name, dict(call.function.arguments)))
        else:
            text.append(part.response or "")
            thinking.append(part.thinking or "")
    last = parts[-1]
    return {
        "text": "".join(text),
        "thinking": "".join(thinking),
        "calls": calls,
        "done_reason": last.done_reason,
        "counts": (last.prompt_eval_count, last.eval_count),
        "durations": (last.total_duration, last.load_duration, last.eval_duration),
    }


def summary_of_events(evs: list[Any]) -> dict[str, Any]:
    usage = [e for e in evs if type(e) is Usage][-1]
    return {
        "text": "".join(e.text for e in evs if type(e) is TextDelta),
        "thinking": "".join(e.text for e in evs if type(e) is ReasoningDelta),
        "calls": [(e.name, e.parsed) for e in evs if type(e) is ToolCallDone],
        "done_reason": [e.reason for e in evs if type(e) is Finished][-1],
        "counts": (usage.input_tokens, usage.output_tokens),
        "durations": tuple(
            usage.details.get(k) for k in ("total_duration", "load_duration", "eval_duration")
        ),
    }


def raw_events(body: bytes) -> list[Any]:
    adapter = ProviderAdapter("ollama")
    return adapter.feed(body) + adapter.close()


def without_ids(evs: list[Any]) -> list[Any]:
    return [
        dataclasses.replace(e, id=None) if type(e) in (ToolCallStarted, ToolCallDone) else e
        for e in evs
    ]


def _cases() -> list[Any]:
    ours = [
        pytest.param(OLLAMA_CHAT, "/api/chat", id="sample-chat-tools-thinking"),
        pytest.param(OLLAMA_GENERATE, "/api/generate", id="sample-generate-thinking"),
    ]
    recorded = [
        pytest.param(
            p.values[0]["body"] if p.values[0] else b"",
            p.values[0]["expected"]["endpoint"] if p.values[0] else "",
            id=p.id,
            marks=p.marks,
        )
        for p in more_corpus("ollama")
    ]
    return ours + recorded


CASES = _cases()


@pytest.mark.parametrize(("body", "endpoint"), CASES)
def test_the_client_reads_what_the_events_say(body: bytes, endpoint: str) -> None:
    parts = client_stream(body, endpoint)
    assert summary_of_client(parts) == summary_of_events(raw_events(body))


@pytest.mark.parametrize(("body", "endpoint"), CASES)
def test_the_clients_objects_give_the_same_events(body: bytes, endpoint: str) -> None:
    parts = client_stream(body, endpoint)
    from_objects = drain(pipe(parts, events()))
    assert from_objects == without_ids(raw_events(body))
    assert from_objects[-1] == Finished("stop")
    assert from_objects[-1].raw is parts[-1]  # the client's own object on .raw


@pytest.mark.anyio
async def test_the_async_client_agrees() -> None:
    client = ollama.AsyncClient(
        HOST, transport=httpx.MockTransport(serve(OLLAMA_CHAT, "/api/chat"))
    )
    stream = await client.chat(model="m", messages=[{"role": "user", "content": "hi"}], stream=True)
    got = [e async for e in pipe(stream, events(provider="ollama"))]
    assert got == without_ids(raw_events(OLLAMA_CHAT))


def test_an_error_line_is_the_clients_response_error() -> None:
    body = ndjson(chat({"role": "assistant", "content": "Hi"}), {"error": "out of memory"})
    with pytest.raises(ollama.ResponseError, match="out of memory"):
        client_stream(body, "/api/chat")
    assert raw_events(body) == [
        TextDelta("Hi"),
        ProviderError("out of memory", body="out of memory"),
        Finished(None, complete=False),  # no done line: the answer is not whole
    ]


def test_the_samples_are_what_the_client_expects() -> None:
    """Our samples validate as the client's response types (no field it would reject)."""
    for line in OLLAMA_CHAT.splitlines():
        ollama.ChatResponse(**json.loads(line))
    for line in OLLAMA_GENERATE.splitlines():
        ollama.GenerateResponse(**json.loads(line))
