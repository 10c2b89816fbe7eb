"""Every recorded provider stream in ``../shared/corpus/real`` reassembles to its ``expected``
text, reasoning, refusal, tool calls, finish reason, usage and errors: fed as one piece,
per recorded event, byte by byte and re-split at random byte positions; through the sync
core and through the documented async pipeline, with the provider named or detected."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from streamops import TruncatedOutputError, pipe
from streamops.providers import (
    Finished,
    ProviderAdapter,
    ProviderError,
    ProviderStreamError,
    ReasoningDelta,
    Refusal,
    RefusalError,
    TextDelta,
    ToolCallDelta,
    ToolCallDone,
    ToolCallStarted,
    Usage,
    events,
    sse_events,
    text,
)
from streamops.providers._base import LENGTH_REASONS
from tests.conftest import CORPUS, corpus_files

FILES = list(corpus_files())
pytestmark = pytest.mark.skipif(
    not FILES, reason=f"no recorded provider streams: corpus directory {CORPUS} is missing"
)
IDS = [p.stem for p in FILES]


@cache
def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text("utf-8"))  # type: ignore[no-any-return]


def provider_of(case: dict[str, Any]) -> str:
    return "gemini" if case["provider"] == "gemini-json-array" else str(case["provider"])


def body(case: dict[str, Any]) -> bytes:
    return str(case["raw_sse"]).encode("utf-8")


_event_end = re.compile(rb"(?<=\r\n\r\n)|(?<=\n\n)|(?<=\r\r)")


def per_event(case: dict[str, Any]) -> list[bytes]:
    """The body cut where the server flushed: after each event (each line of a JSON array)."""
    raw = body(case)
    if case["wire_format"] == "json-array":
        return raw.splitlines(keepends=True)
    return [piece for piece in _event_end.split(raw) if piece]


def random_cuts(raw: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    out, i = [], 0
    while i < len(raw):
        n = rng.randint(0, 40)
        out.append(raw[i : i + n])
        i += n
    return out


CHUNKINGS: dict[str, Callable[[dict[str, Any]], list[bytes]]] = {
    "whole": lambda case: [body(case)],
    "per-event": per_event,
    "bytes": lambda case: [body(case)[i : i + 1] for i in range(len(body(case)))],
    "random0": lambda case: random_cuts(body(case), 0),
    "random1": lambda case: random_cuts(body(case), 1),
}


def error_key(entry: Any) -> tuple[Any, Any]:
    """(message, code) of an expected error entry or a ProviderError."""
    if isinstance(entry, ProviderError):
        return (entry.message, entry.code)
    inner = entry.get("error") if isinstance(entry.get("error"), dict) else entry
    return (inner.get("message"), inner.get("code"))


def check(case: dict[str, Any], got: list[Any]) -> None:
    """Compare the events of one stream with the corpus ``expected``."""
    exp = case["expected"]
    provider = provider_of(case)

    def joined(kind: Any) -> str | None:
        return "".join(e.text for e in got if type(e) is kind and e.choice == 0) or None

    assert (joined(TextDelta) or "") == exp["text"]
    assert joined(ReasoningDelta) == exp["reasoning"]
    assert joined(Refusal) == exp.get("refusal")

    # Tool calls: the completed calls, in order, with id, name, arguments and parsed value.
    done = [e for e in got if type(e) is ToolCallDone]
    calls = [c for c in done if not (provider == "openai-responses" and c.server)]
    expected_calls = exp["tool_calls"]
    assert [(c.index, c.id, c.name, c.arguments) for c in calls] == [
        (c["index"], c["id"], c["name"], c["arguments"]) for c in expected_calls
    ]
    blocks = {b["index"]: b for b in exp.get("content_blocks") or []}
    for call, want in zip(calls, expected_calls, strict=True):
        complete = not blocks.get(call.index, {}).get("never_stopped", False)
        assert call.complete is complete
        if want["arguments_json"] is not None:
            assert call.parsed == want["arguments_json"]
        elif want["arguments"] == "" and complete:
            assert call.parsed == {}  # a tool without parameters
        else:
            assert call.parsed is None  # not valid JSON: kept raw in .arguments
        assert call.server is (want.get("type") in ("server_tool_use", "mcp_tool_use"))

    # Every call: started once before its fragments, which spell its arguments.
    for call in done:
        key = (call.choice, call.index)
        mine = [
            e
            for e in got
            if type(e) in (ToolCallStarted, ToolCallDelta, ToolCallDone)
            and (e.choice, e.index) == key
        ]
        assert type(mine[0]) is ToolCallStarted
        assert (mine[0].id, mine[0].name, mine[0].server) == (call.id, call.name, call.server)
        assert mine[-1] is call
        assert "".join(e.text for e in mine if type(e) is ToolCallDelta) == call.arguments
        assert all(e.text for e in mine if type(e) is ToolCallDelta)

    finished = [e for e in got if type(e) is Finished and e.choice == 0]
    assert len(finished) <= 1
    assert (finished[0].reason if finished else None) == exp["finish_reason"]
    usage = [e for e in got if type(e) is Usage]
    assert (usage[-1].details if usage else None) == exp["usage"]
    errors = [e for e in got if type(e) is ProviderError]
    assert [error_key(e) for e in errors] == [error_key(e) for e in exp["errors"]]
    assert all(not isinstance(e, TextDelta) or e.text for e in got)


def run_sync(chunks: list[bytes], provider: str) -> list[Any]:
    adapter = ProviderAdapter(provider)  # type: ignore[arg-type]
    out: list[Any] = []
    for chunk in chunks:
        out.extend(adapter.feed(chunk))
    out.extend(adapter.close())
    return out


@pytest.mark.parametrize("chunking", sorted(CHUNKINGS))
@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_corpus_stream_reassembles(path: Path, chunking: str) -> None:
    case = load(path)
    check(case, run_sync(CHUNKINGS[chunking](case), provider_of(case)))


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_corpus_stream_with_provider_detected(path: Path) -> None:
    case = load(path)
    check(case, run_sync(random_cuts(body(case), 7), "auto"))


@pytest.mark.anyio
@pytest.mark.parametrize("path", FILES, ids=IDS)
async def test_corpus_documented_pipeline(path: Path) -> None:
    """``pipe(body_chunks, sse_events(), events(provider=...))``; for Gemini's JSON
    array, ``pipe(body_chunks, events(provider="gemini"))``."""
    case = load(path)
    chunks = random_cuts(body(case), 3)
    provider = provider_of(case)
    if case["wire_format"] == "json-array":
        stream = pipe(chunks, events(provider="gemini"))
    else:
        stream = pipe(chunks, sse_events(), events(provider=provider))  # type: ignore[arg-type]
    async with stream as s:
        got = [e async for e in s]
    check(case, got)


@pytest.mark.anyio
@pytest.mark.parametrize("path", FILES, ids=IDS)
async def test_corpus_text(path: Path) -> None:
    """``text()`` gives the expected text, or says why not (an error, a refusal, a length
    stop)."""
    case = load(path)
    exp = case["expected"]
    pieces: list[str] = []
    failure: Exception | None = None
    try:
        async with pipe(per_event(case), text()) as s:
            async for piece in s:
                pieces.append(piece)
    except (ProviderStreamError, RefusalError, TruncatedOutputError) as exc:
        failure = exc
    if isinstance(failure, TruncatedOutputError):  # after all the text
        assert not exp["errors"]
        assert exp["finish_reason"] in LENGTH_REASONS
        assert failure.finish_reason == exp["finish_reason"]
        assert failure.received == failure.partial == "".join(pieces) == exp["text"]
    elif isinstance(failure, ProviderStreamError):
        assert exp["errors"]
        assert error_key(failure.event) == error_key(exp["errors"][0])
        assert failure.received == "".join(pieces)
        assert exp["text"].startswith(failure.received)
    elif isinstance(failure, RefusalError):
        assert failure.refusal == exp["refusal"]
        assert failure.received == "".join(pieces) == exp["text"]
    else:
        assert not exp["errors"]
        assert not exp.get("refusal")
        assert exp["finish_reason"] not in LENGTH_REASONS
        assert "".join(pieces) == exp["text"]
        if exp["text_json"] is not None:
            assert json.loads("".join(pieces)) == exp["text_json"]


def test_responses_builtin_tool_calls_are_reported_as_server_calls() -> None:
    path = CORPUS / "oai-resp-web-search.json"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    got = run_sync([body(load(path))], "openai-responses")
    (call,) = [e for e in got if type(e) is ToolCallDone]
    assert (call.name, call.server, call.complete) == ("web_search", True, True)
    assert call.parsed["action"]["query"] == "weather: San Francisco, CA"


def test_gemini_partial_args_stream_as_json_text() -> None:
    path = CORPUS / "gemini-vercel-partial-args-nested.json"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    got = run_sync(per_event(load(path)), "gemini")
    deltas = [e for e in got if type(e) is ToolCallDelta]
    assert len(deltas) > 20  # the arguments arrive as they stream, not at the end
    assert deltas[0].text.startswith('{"recipe":{"ingredients":[{"amount":"16 oz')
