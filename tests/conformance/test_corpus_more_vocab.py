"""The Anthropic, Gemini and OpenAI Responses recordings of ``../shared/corpus/more`` (reasoning
signatures, encrypted reasoning, MCP tools) reassemble exactly to their ``expected`` block:
text, reasoning, tool calls, finish reason, usage, and the counts of signatures and
citations; fed whole, per SSE event and re-split at random byte positions, and as the
SDKs' own stream objects.

The counts of the other new events come from what the recording lists (its event counts
and output item types), and no event of these recordings is ``Unknown``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from streamops import pipe
from streamops.providers import (
    Citation,
    Finished,
    ProviderAdapter,
    ReasoningDelta,
    ReasoningSignature,
    RedactedReasoning,
    ServerToolResult,
    ServerToolUpdate,
    TextDelta,
    ToolCallDone,
    Unknown,
    Usage,
    events,
    sse_events,
)
from tests.conftest import more_corpus
from tests.helpers import feed_all, random_cuts

RECORDS = [*more_corpus("anthropic"), *more_corpus("gemini"), *more_corpus("openai-responses")]

_event_end = re.compile(rb"(?<=\r\n\r\n)|(?<=\n\n)|(?<=\r\r)")


def per_event(body: bytes) -> list[bytes]:
    return [piece for piece in _event_end.split(body) if piece]


CHUNKINGS: dict[str, Callable[[bytes], list[bytes]]] = {
    "whole": lambda body: [body],
    "per-event": per_event,
    **{
        f"random{seed}": lambda body, seed=seed: random_cuts(body, seed, most=40)
        for seed in range(4)
    },
}

# Responses items run by OpenAI whose done item is a ServerToolResult, and the event
# types of their progress (ServerToolUpdate).
RESULT_ITEMS = {
    "web_search_call",
    "file_search_call",
    "code_interpreter_call",
    "image_generation_call",
    "mcp_call",
    "mcp_list_tools",
}
_progress = re.compile(
    r"response\.(web_search_call|file_search_call|code_interpreter_call|code_interpreter_call_code"
    r"|image_generation_call|mcp_call|mcp_list_tools)\.\w+"
)


def run(chunks: list[Any], provider: str) -> list[Any]:
    return feed_all(ProviderAdapter(provider), chunks)  # type: ignore[arg-type]


def of(kind: type, got: list[Any]) -> list[Any]:
    return [e for e in got if type(e) is kind]


def check(record: dict[str, Any], got: list[Any]) -> None:
    exp = record["expected"]
    provider = record["provider"]
    assert "".join(e.text for e in of(TextDelta, got)) == exp["text"]
    assert ("".join(e.text for e in of(ReasoningDelta, got)) or None) == exp["reasoning"]
    calls = of(ToolCallDone, got)
    assert [(c.id, c.name, c.parsed) for c in calls] == [
        (
            want["id"] or want.get("item_id"),
            want["name"],
            want["arguments_json"] if want["arguments_json"] is not None else {},
        )
        for want in exp["tool_calls"]
    ]
    assert all(c.complete for c in calls)
    (finished,) = of(Finished, got)
    assert (finished.reason, finished.complete) == (exp["finish_reason"], True)
    assert of(Usage, got)[-1].details == exp["usage"]
    assert of(Unknown, got) == []
    signatures = of(ReasoningSignature, got)
    if provider == "anthropic":
        assert len(signatures) == exp["signature_deltas"]
        assert len(of(Citation, got)) == exp["citations_deltas"]
        lengths = [b["signature_len"] for b in exp["content_blocks"] if "signature_len" in b]
        assert [len(s.signature) for s in signatures] == lengths
        for s in signatures:  # right after the thinking it signs
            assert type(got[got.index(s) - 1]) is ReasoningDelta
    elif provider == "gemini":
        assert len(signatures) == exp["thought_signatures"]
        for s in signatures:  # right after the events of the part that carries it
            assert got[got.index(s) - 1].raw is s.raw
    else:
        counts = exp["event_counts"]
        items = exp["output_item_types"]
        assert len(of(ServerToolUpdate, got)) == sum(
            n for kind, n in counts.items() if _progress.fullmatch(kind)
        )
        assert [e.type for e in of(ServerToolResult, got)] == [
            kind for kind in items if kind in RESULT_ITEMS
        ]
        assert len(of(RedactedReasoning, got)) == items.count("reasoning")
        assert all(e.data.startswith("gAAAAA") for e in of(RedactedReasoning, got))


@pytest.mark.parametrize("chunking", sorted(CHUNKINGS))
@pytest.mark.parametrize("record", RECORDS)
def test_more_corpus_reassembles(record: dict[str, Any], chunking: str) -> None:
    check(record, run(CHUNKINGS[chunking](record["body"]), record["provider"]))


@pytest.mark.parametrize("record", RECORDS)
def test_more_corpus_with_the_provider_detected(record: dict[str, Any]) -> None:
    got = run(random_cuts(record["body"], 11), "auto")
    assert got == run([record["body"]], record["provider"])
    check(record, got)


@pytest.mark.anyio
@pytest.mark.parametrize("record", RECORDS)
async def test_more_corpus_documented_pipeline(record: dict[str, Any]) -> None:
    chunks = random_cuts(record["body"], 5)
    async with pipe(chunks, sse_events(), events(provider=record["provider"])) as s:
        got = [e async for e in s]
    check(record, got)


def sdk_objects(record: dict[str, Any]) -> list[Any]:
    """Each payload of the body as the provider's SDK builds its stream objects."""
    payloads = [
        json.loads(line[len("data:") :])
        for line in record["body"].decode("utf-8").splitlines()
        if line.startswith("data:")
    ]
    provider = record["provider"]
    if provider == "anthropic":
        from anthropic._models import construct_type
        from anthropic.types import RawMessageStreamEvent

        return [construct_type(type_=RawMessageStreamEvent, value=p) for p in payloads]
    if provider == "openai-responses":
        from openai._models import construct_type as openai_construct
        from openai.types.responses import ResponseStreamEvent

        return [openai_construct(type_=ResponseStreamEvent, value=p) for p in payloads]
    from google.genai.types import GenerateContentResponse

    return [GenerateContentResponse.model_validate(p) for p in payloads]


@pytest.mark.parametrize("record", RECORDS)
def test_more_corpus_sdk_objects_give_the_same_events(record: dict[str, Any]) -> None:
    objects = sdk_objects(record)
    got = run(objects, record["provider"])
    assert got == run([record["body"]], record["provider"])
    check(record, got)
