"""Every recorded Bedrock stream of ``../shared/corpus/more`` (binary AWS event stream,
``ConverseStream`` and ``InvokeModelWithResponseStream``) reassembles exactly to its
``expected`` block: fed whole, per frame (as botocore cuts them) and re-split at random
byte positions, through ``events(provider="bedrock")`` and with the provider detected."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from streamops import drain, pipe
from streamops.providers import (
    Citation,
    Event,
    Finished,
    ReasoningDelta,
    ReasoningSignature,
    RedactedReasoning,
    TextDelta,
    ToolCallDone,
    Usage,
    aws_events,
    events,
)
from tests.bedrock_frames import adapt
from tests.conftest import more_corpus

RECORDINGS = more_corpus("bedrock")


def per_frame(body: bytes) -> list[bytes]:
    """The body cut after each frame (its length is in its first 4 bytes)."""
    out, i = [], 0
    while i < len(body):
        n = int.from_bytes(body[i : i + 4], "big")
        out.append(body[i : i + n])
        i += n
    return out


def random_cuts(body: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    out, i = [], 0
    while i < len(body):
        n = rng.randint(0, 80)
        out.append(body[i : i + n])
        i += n
    return out


def summary(got: list[Any]) -> dict[str, Any]:
    """What the events say, in the shape of the recordings' ``expected`` block."""
    finishes = [e.reason for e in got if isinstance(e, Finished)]
    usages = [e for e in got if isinstance(e, Usage)]
    calls = [e for e in got if isinstance(e, ToolCallDone)]
    assert all(call.complete for call in calls)
    return {
        "text": "".join(e.text for e in got if isinstance(e, TextDelta)),
        "reasoning": "".join(e.text for e in got if isinstance(e, ReasoningDelta)),
        "reasoning_signatures": sum(isinstance(e, ReasoningSignature) for e in got),
        "redacted_reasoning": sum(isinstance(e, RedactedReasoning) for e in got),
        "citations": sum(isinstance(e, Citation) for e in got),
        "tool_calls": [
            {"id": c.id, "name": c.name, "arguments_json": json.loads(c.arguments or "{}")}
            for c in calls
        ],
        "finish_reason": finishes[-1] if len(finishes) == 1 else finishes,
        "usage": usages[-1].details if usages else None,
    }


def check(got: list[Event], expected: dict[str, Any]) -> None:
    found = summary(got)
    for key in ("text", "reasoning", "tool_calls", "finish_reason"):
        assert found[key] == expected[key], key
    for key in ("usage", "reasoning_signatures", "redacted_reasoning", "citations"):
        if key in expected:
            assert found[key] == expected[key], key


@pytest.mark.parametrize("record", RECORDINGS)
def test_whole(record: dict[str, Any]) -> None:
    got, error = adapt([record["body"]])
    assert error is None
    check(got, record["expected"])


@pytest.mark.parametrize("record", RECORDINGS)
def test_per_frame_and_random_splits_give_the_same_events(record: dict[str, Any]) -> None:
    body = record["body"]
    whole, _ = adapt([body])
    frames = per_frame(body)
    assert b"".join(frames) == body
    assert len(frames) > 3
    assert adapt(frames) == (whole, None)
    for seed in range(5):
        assert adapt(random_cuts(body, seed)) == (whole, None)
    assert adapt(random_cuts(body, 9), "auto") == (whole, None)


@pytest.mark.parametrize("record", RECORDINGS)
@pytest.mark.anyio
async def test_through_the_async_pipeline(record: dict[str, Any]) -> None:
    body = record["body"]
    got = [e async for e in pipe(random_cuts(body, 3), aws_events(), events())]
    check(got, record["expected"])
    assert got == drain(pipe([body], events(provider="bedrock")))
