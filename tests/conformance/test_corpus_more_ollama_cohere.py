"""Every recorded Ollama (NDJSON) and Cohere v2 (SSE ending with a bare ``data: [DONE]``)
stream of ``../shared/corpus/more`` reassembles exactly to its ``expected`` block: text,
reasoning, tool plan, tool calls (id, name, arguments as JSON), citations, finish reason and
usage. Fed whole, per recorded line / SSE event, and re-split at random byte positions
(several seeds); through the sync core (provider named and detected) and through the
documented pipelines (``ndjson_events()`` / ``sse_events()`` then ``events()``)."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

import pytest

from streamops import drain, ndjson_events, pipe, sse_events
from streamops.providers import (
    Citation,
    Finished,
    ProviderAdapter,
    ReasoningDelta,
    TextDelta,
    ToolCallDone,
    ToolPlanDelta,
    Usage,
    events,
)
from tests.conftest import more_corpus

RECORDS = more_corpus("ollama") + more_corpus("cohere")

_event_end = re.compile(rb"(?<=\r\n\r\n)|(?<=\n\n)|(?<=\r\r)")


def per_frame(record: dict[str, Any]) -> list[bytes]:
    """The body cut where the server flushed: after each line (NDJSON) or event (SSE)."""
    body: bytes = record["body"]
    if record["wire_format"] == "ndjson":
        return body.splitlines(keepends=True)
    return [piece for piece in _event_end.split(body) if piece]


def random_cuts(body: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    out, i = [], 0
    while i < len(body):
        n = rng.randint(0, 48)
        out.append(body[i : i + n])
        i += n
    return out


def _random(seed: int) -> Callable[[dict[str, Any]], list[bytes]]:
    return lambda record: random_cuts(record["body"], seed)


CHUNKINGS: dict[str, Callable[[dict[str, Any]], list[bytes]]] = {
    "whole": lambda record: [record["body"]],
    "per-frame": per_frame,
    **{f"random-{seed}": _random(seed) for seed in (1, 2, 3, 4, 5)},
}


def reassemble(evs: list[Any], provider: str) -> dict[str, Any]:
    """What the events say, in the shape of the recording's ``expected`` block."""
    usage = [e for e in evs if type(e) is Usage]
    got: dict[str, Any] = {
        "text": "".join(e.text for e in evs if type(e) is TextDelta),
        "reasoning": "".join(e.text for e in evs if type(e) is ReasoningDelta),
        "tool_calls": [
            {"id": e.id, "name": e.name, "arguments_json": e.parsed}
            for e in evs
            if type(e) is ToolCallDone
        ],
        "finish_reason": [e.reason for e in evs if type(e) is Finished],
    }
    if provider == "ollama":
        got["usage"] = {
            "prompt_eval_count": usage[-1].input_tokens,
            "eval_count": usage[-1].output_tokens,
        }
    else:
        got["usage"] = usage[-1].details
        got["tool_plan"] = "".join(e.text for e in evs if type(e) is ToolPlanDelta)
        got["citations"] = sum(type(e) is Citation for e in evs)
    return got


def expected_of(record: dict[str, Any]) -> dict[str, Any]:
    expected = dict(record["expected"])
    expected.pop("endpoint", None)
    expected["finish_reason"] = [expected["finish_reason"]]
    return expected


@pytest.mark.parametrize("chunking", sorted(CHUNKINGS))
@pytest.mark.parametrize("provider", ["named", "auto"])
@pytest.mark.parametrize("record", RECORDS)
def test_reassembles_through_the_sync_core(
    record: dict[str, Any], provider: str, chunking: str
) -> None:
    name = record["provider"]
    adapter = ProviderAdapter(name if provider == "named" else "auto")
    evs: list[Any] = []
    for chunk in CHUNKINGS[chunking](record):
        evs.extend(adapter.feed(chunk))
    evs.extend(adapter.close())
    assert adapter.provider == name
    assert reassemble(evs, name) == expected_of(record)
    assert adapter._adapter is not None
    assert adapter._adapter.ended  # the provider's terminal signal arrived
    if name == "cohere":
        assert adapter.done  # the bare data: [DONE] ended it


@pytest.mark.parametrize("chunking", ["per-frame", "random-1", "random-2"])
@pytest.mark.parametrize("record", RECORDS)
def test_reassembles_through_the_documented_pipeline(record: dict[str, Any], chunking: str) -> None:
    name = record["provider"]
    framing = ndjson_events() if record["wire_format"] == "ndjson" else sse_events()
    evs = drain(pipe(CHUNKINGS[chunking](record), framing, events(provider=name)))
    assert reassemble(evs, name) == expected_of(record)


@pytest.mark.parametrize("record", RECORDS)
def test_the_text_chunking_does_not_matter(record: dict[str, Any]) -> None:
    """Text chunks (the body decoded) give the same events as bytes."""
    name = record["provider"]
    adapter = ProviderAdapter(name)
    text = record["body"].decode("utf-8")
    evs: list[Any] = []
    for i in range(0, len(text), 11):
        evs.extend(adapter.feed(text[i : i + 11]))
    evs.extend(adapter.close())
    assert reassemble(evs, name) == expected_of(record)
