"""botocore's own event-stream parser agrees with ours: on the frames our encoder builds
(every header type) and on the recorded Bedrock bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
from botocore.eventstream import EventStreamBuffer

from streamops import AWSEvent
from tests.bedrock_frames import decode
from tests.conftest import more_corpus
from tests.unit.test_aws import FRAMES
from tests.unit.test_bedrock import SAMPLE_BODY


def _as_botocore(value: Any) -> Any:
    """Our header value as botocore gives it (timestamps in ms, UUIDs as bytes)."""
    if isinstance(value, datetime):
        return round(value.timestamp() * 1000)
    if isinstance(value, uuid.UUID):
        return value.bytes
    return value


def _botocore(body: bytes) -> list[tuple[dict[str, Any], bytes]]:
    buffer = EventStreamBuffer()
    buffer.add_data(body)
    return [(dict(message.headers), message.payload) for message in buffer]


def _ours(body: bytes) -> list[tuple[dict[str, Any], bytes]]:
    frames, error = decode([body])
    assert error is None
    return [(_normalised(frame), frame.payload) for frame in frames]


def _normalised(frame: AWSEvent) -> dict[str, Any]:
    return {name: _as_botocore(value) for name, value in frame.headers.items()}


@pytest.mark.parametrize("body", [*FRAMES, SAMPLE_BODY], ids=["types", "delta", "empty", "sample"])
def test_botocore_reads_our_frames_as_we_do(body: bytes) -> None:
    assert _botocore(body) == _ours(body)


@pytest.mark.parametrize("record", more_corpus("bedrock"))
def test_botocore_reads_the_recordings_as_we_do(record: dict[str, Any]) -> None:
    body = record["body"]
    theirs = _botocore(body)
    assert theirs  # (a body botocore reads nothing from proves nothing)
    assert theirs == _ours(body)
