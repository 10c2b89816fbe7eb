"""to_message() on every recorded stream (``../shared/corpus/real`` and ``../shared/corpus/more``;
those with tool calls, thinking and signatures are the point): the message is valid for the
provider's SDK request type, and keeps every finished tool call (id, name, arguments), the text,
and every signature and piece of redacted reasoning the events carried."""

from __future__ import annotations

import json
from typing import Any

import pytest

from streamops import (
    Citation,
    ReasoningDelta,
    ReasoningSignature,
    RedactedReasoning,
    TextDelta,
    ToolCallDone,
    ToolCallError,
    ToolCallStarted,
    ToolPlanDelta,
    aws_events,
    drain,
    ndjson_events,
    pipe,
    to_message,
)
from streamops.providers import events
from tests.conftest import CORPUS, corpus_files, more_corpus
from tests.sdk_shapes import check_message

FILES = list(corpus_files())


def _real_cases() -> list[Any]:
    if not FILES:
        reason = f"no recorded provider streams: corpus directory {CORPUS} is missing"
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=reason), id="no-corpus")]
    out = []
    for path in FILES:
        case = json.loads(path.read_text("utf-8"))
        provider = "gemini" if case["provider"] == "gemini-json-array" else case["provider"]
        out.append(pytest.param(provider, case["raw_sse"].encode(), id=path.stem))
    return out


_DECODERS = {"aws-eventstream": aws_events, "ndjson": ndjson_events}


def _more_events(record: dict[str, Any]) -> list[Any]:
    wire = record["wire_format"]
    stages = [] if wire == "sse" else [_DECODERS[wire]()]  # (KeyError: a new wire format)
    return drain(pipe([record["body"]], *stages, events(provider=record["provider"])))


_OWN_ITEMS = ("reasoning", "message", "function_call", "custom_tool_call")


def _check(provider: str, evs: list[Any]) -> None:
    done = [e for e in evs if isinstance(e, ToolCallDone) and e.choice == 0]
    started = {e.index for e in evs if isinstance(e, ToolCallStarted) and e.choice == 0}
    cut = [e for e in done if not e.complete] or len(started) > len(done)
    if cut:
        with pytest.raises(ToolCallError, match="cut off"):
            to_message(evs, provider=provider)  # type: ignore[call-overload]
    message = to_message(evs, provider=provider, incomplete="drop")  # type: ignore[call-overload]
    if provider == "openai-responses":
        # Hosted-tool items go back exactly as sent. (The SDK's types lag the wire: a
        # recorded web_search_call has a source of type "api", which they do not know.)
        hosted = [i for i in message if i["type"] not in _OWN_ITEMS]
        sent_items = [e.raw["item"] for e in evs if isinstance(e.raw, dict) and "item" in e.raw]
        assert all(item in sent_items for item in hosted)
        check_message(provider, [i for i in message if i["type"] in _OWN_ITEMS])
    else:
        check_message(provider, message)
    calls = [e for e in done if e.complete and not e.server]
    text = "".join(e.text for e in evs if isinstance(e, TextDelta) and e.choice == 0)
    if provider == "openai-chat":
        got = [
            (c["id"], c["function"]["name"], c["function"]["arguments"])
            for c in message.get("tool_calls", [])
        ]
        assert got == [(c.id, c.name, c.arguments) for c in calls]
        assert (message["content"] or "") == text
    elif provider == "openai-responses":
        got = [(i["call_id"], i["name"]) for i in message if i["type"] == "function_call"]
        assert got == [(c.id, c.name) for c in calls]
        said = "".join(
            part["text"]
            for i in message
            if i["type"] == "message"
            for part in i["content"]
            if part["type"] == "output_text"
        )
        assert said == text
    elif provider == "anthropic":
        blocks = message["content"]
        got = [(b["id"], b["name"], b["input"]) for b in blocks if b["type"] == "tool_use"]
        assert got == [(c.id, c.name, json.loads(c.arguments or "{}")) for c in calls]
        assert "".join(b["text"] for b in blocks if b["type"] == "text") == text
    elif provider == "gemini":
        parts = message["parts"]
        got = [
            (p["functionCall"]["name"], p["functionCall"]["args"])
            for p in parts
            if "functionCall" in p
        ]
        assert got == [(c.name, json.loads(c.arguments)) for c in calls]
        assert "".join(p["text"] for p in parts if "text" in p and not p.get("thought")) == text
    elif provider == "cohere":
        got = [
            (c["id"], c["function"]["name"], c["function"]["arguments"])
            for c in message.get("tool_calls", [])
        ]
        assert got == [(c.id, c.name, c.arguments or "{}") for c in calls]
        content = message.get("content", [])
        assert "".join(i["text"] for i in content if i["type"] == "text") == text
        thought = "".join(e.text for e in evs if isinstance(e, ReasoningDelta) and e.choice == 0)
        assert "".join(i["thinking"] for i in content if i["type"] == "thinking") == thought
        plan = "".join(e.text for e in evs if isinstance(e, ToolPlanDelta) and e.choice == 0)
        assert message.get("tool_plan", "") == plan
        assert message.get("citations", []) == [e.data for e in evs if isinstance(e, Citation)]
    # Nothing the next turn needs is lost: every signature and redacted reasoning is in it.
    sent = repr(message)
    for event in evs:
        if isinstance(event, ReasoningSignature) and provider in ("anthropic", "gemini", "bedrock"):
            assert event.signature in sent
        if isinstance(event, RedactedReasoning) and provider != "bedrock":
            assert event.data in sent


@pytest.mark.parametrize(("provider", "body"), _real_cases())
def test_real_corpus_message(provider: str, body: bytes) -> None:
    _check(provider, drain(pipe([body], events(provider=provider))))  # type: ignore[arg-type]


@pytest.mark.parametrize("record", more_corpus())
def test_more_corpus_message(record: dict[str, Any]) -> None:
    _check(record["provider"], _more_events(record))
