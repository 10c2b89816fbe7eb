"""The AWS event-stream decoder and encoder (streamops.providers._aws)."""

from __future__ import annotations

import struct
import uuid
import zlib
from datetime import datetime, timedelta, timezone

import anyio
import pytest

from streamops import (
    AWSEvent,
    AWSEventDecoder,
    ProviderFormatError,
    StreamopsError,
    aws_events,
    drain,
    encode_aws_event,
    pipe,
)
from streamops.providers._aws import MAX_HEADERS_LENGTH, MAX_PAYLOAD_LENGTH
from tests.bedrock_frames import decode, event, split_at
from tests.helpers import TrackedSource

WHEN = datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=timezone.utc)
ID = uuid.UUID("12345678-1234-5678-1234-567812345678")

ALL_TYPES = {
    "yes": True,
    "no": False,
    "b": ("byte", -128),
    "s": ("short", 32767),
    "i": -(2**31),
    "l": 2**40,
    "bytes": b"\x00\xff",
    "str": "caf\u00e9",
    "ts": WHEN,
    "ts-raw": ("timestamp", -1),
    "id": ID,
}
DECODED = {
    "yes": True,
    "no": False,
    "b": -128,
    "s": 32767,
    "i": -(2**31),
    "l": 2**40,
    "bytes": b"\x00\xff",
    "str": "caf\u00e9",
    "ts": WHEN,
    "ts-raw": datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc),
    "id": ID,
}


def prelude(total: int, headers: int) -> bytes:
    """A prelude with a good CRC, whatever the lengths say."""
    head = struct.pack(">II", total, headers)
    return head + struct.pack(">I", zlib.crc32(head))


def with_crc(message: bytes) -> bytes:
    return message + struct.pack(">I", zlib.crc32(message))


def raw_headers(data: bytes, payload: bytes = b"") -> bytes:
    """A frame whose headers section is ``data`` as given (good CRCs)."""
    return with_crc(prelude(16 + len(data) + len(payload), len(data)) + data + payload)


FRAMES = [
    encode_aws_event(ALL_TYPES, b'{"x": 1}'),
    event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Hi"}}),
    encode_aws_event({}, b""),
]


def test_every_header_type_round_trips() -> None:
    [frame] = AWSEventDecoder().feed(FRAMES[0])
    assert frame.headers == DECODED
    assert frame.payload == b'{"x": 1}'
    assert frame.offset == 0
    assert [type(v) for v in frame.headers.values()] == [type(v) for v in DECODED.values()]


def test_a_frame_without_headers_or_payload() -> None:
    assert AWSEventDecoder().feed(FRAMES[2]) == [AWSEvent({}, b"", 0)]
    assert len(FRAMES[2]) == 16


def test_conveniences() -> None:
    [frame] = AWSEventDecoder().feed(FRAMES[1])
    assert (frame.message_type, frame.event_type, frame.exception_type) == (
        "event",
        "contentBlockDelta",
        None,
    )
    assert frame.json() == {"contentBlockIndex": 0, "delta": {"text": "Hi"}}
    bad = AWSEvent({}, b"{nope", 40)
    with pytest.raises(ProviderFormatError, match="byte offset 40 is not JSON") as info:
        bad.json()
    assert info.value.offset == 40
    with pytest.raises(ProviderFormatError):
        AWSEvent({}, b"\xff", 0).json()


def test_split_at_every_byte_position() -> None:
    body = b"".join(FRAMES)
    whole, error = decode([body])
    assert error is None
    assert [f.offset for f in whole] == [0, len(FRAMES[0]), len(FRAMES[0]) + len(FRAMES[1])]
    for cut in range(len(body) + 1):
        assert decode([body[:cut], body[cut:]]) == (whole, None)
    for cut in range(1, len(body)):  # and two cuts: one inside the first frame's prelude
        assert decode(split_at(body, [cut % 12, cut])) == (whole, None)
    assert decode([body[i : i + 1] for i in range(len(body))]) == (whole, None)


def test_bytearray_and_memoryview_chunks() -> None:
    body = b"".join(FRAMES)
    whole, _ = decode([body])
    assert decode([bytearray(body[:7]), memoryview(body)[7:]]) == (whole, None)


def _error(body: bytes) -> ProviderFormatError:
    decoder = AWSEventDecoder()
    with pytest.raises(ProviderFormatError) as info:
        decoder.feed(body)
        decoder.close()
    return info.value


def test_bad_prelude_crc_names_the_frame() -> None:
    good = FRAMES[1]
    bad = bytearray(good)
    bad[9] ^= 1  # the prelude CRC itself
    err = _error(good + bytes(bad))
    assert err.offset == len(good)
    assert "bad prelude CRC32" in str(err)
    assert f"byte offset {len(good)}" in str(err)
    assert err.received == bytes(bad[:12])


def test_bad_message_crc() -> None:
    good = FRAMES[1]
    bad = bytearray(good)
    bad[20] ^= 0x40  # a header byte: only the message CRC sees it
    err = _error(good + good + bytes(bad))
    assert err.offset == 2 * len(good)
    assert "bad message CRC32" in str(err)
    assert err.received == bytes(bad)
    assert isinstance(err, StreamopsError)
    assert isinstance(err, ValueError)


@pytest.mark.parametrize(
    ("total", "headers", "message"),
    [
        (10, 0, "total length of 10 bytes"),
        (0, 0, "total length of 0 bytes"),
        (20, 5, "headers length of 5 bytes in a frame of 20"),
        (16 + MAX_HEADERS_LENGTH + 1, MAX_HEADERS_LENGTH + 1, "more than 131072"),
        (16 + MAX_PAYLOAD_LENGTH + 1, 0, "payload of 25165825 bytes"),
        (2**32 - 1, 0, "payload of"),
    ],
)
def test_impossible_lengths(total: int, headers: int, message: str) -> None:
    body = FRAMES[2] + prelude(total, headers) + b"\x00" * 8
    err = _error(body)
    assert err.offset == 16
    assert "impossible frame lengths" in str(err)
    assert message in str(err)
    assert err.received == prelude(total, headers)


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (b"\x05ab", "header name of 5 bytes runs past"),
        (b"\x01a", "header name of 1 bytes runs past"),
        (b"\x01a\x0a", "unknown value type 10"),
        (b"\x01a\x04\x00\x00", "its value runs past"),
        (b"\x01a\x07\x00", "its length runs past"),
        (b"\x01a\x07\x00\x09abc", "value of 9 bytes runs past"),
        (b"\x01a\x07\x00\x01\xff", "string value is not UTF-8"),
        (b"\x01\xff\x00", "header name is not UTF-8"),
        (b"\x01a\x09" + b"\x00" * 15, "UUID runs past"),
        (b"\x01a\x00\x01a\x01", "header 'a' appears twice"),
        (b"\x01a\x08" + struct.pack(">q", 2**62), "out of range"),
    ],
)
def test_malformed_headers(headers: bytes, message: str) -> None:
    frame = raw_headers(headers, b"payload")
    err = _error(FRAMES[1] + frame)
    assert err.offset == len(FRAMES[1])
    assert "malformed headers" in str(err)
    assert message in str(err)
    assert err.received == frame


@pytest.mark.parametrize("cut", [1, 11, 12, 13, 30, -1])
def test_truncated_frame_at_close(cut: int) -> None:
    frame = FRAMES[1]
    body = FRAMES[0] + frame[:cut]
    decoder = AWSEventDecoder()
    frames = decoder.feed(body)
    assert len(frames) == 1  # the whole frame before the cut comes out first
    with pytest.raises(ProviderFormatError, match="stopped inside the frame") as info:
        decoder.close()
    assert info.value.offset == len(FRAMES[0])
    assert info.value.received == frame[:cut]
    need = f"of {len(frame)} bytes" if len(frame[:cut]) >= 12 else "of at least 16 bytes"
    assert need in str(info.value)
    with pytest.raises(ProviderFormatError):  # and again
        decoder.close()


def test_a_clean_end_and_a_second_close() -> None:
    decoder = AWSEventDecoder()
    decoder.feed(FRAMES[1])
    assert decoder.close() == []
    assert decoder.close() == []
    with pytest.raises(ProviderFormatError, match=r"feed\(\) after close\(\)"):
        decoder.feed(b"")


def test_frames_before_an_error_come_first_then_the_error_on_the_next_call() -> None:
    bad = bytearray(FRAMES[1])
    bad[-1] ^= 1
    decoder = AWSEventDecoder()
    assert len(decoder.feed(FRAMES[1] + bytes(bad))) == 1
    with pytest.raises(ProviderFormatError, match="bad message CRC32"):
        decoder.feed(FRAMES[1])
    with pytest.raises(ProviderFormatError, match="bad message CRC32"):
        decoder.close()


def test_a_chunk_that_is_not_bytes() -> None:
    with pytest.raises(TypeError, match="takes chunks of bytes, not str"):
        AWSEventDecoder().feed("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"aws_events\(\) takes bytes or bytearray or memoryview"):
        drain(pipe(["text"], aws_events()))  # type: ignore[list-item]


def test_the_buffer_is_trimmed_as_frames_complete() -> None:
    frame = FRAMES[1]
    decoder = AWSEventDecoder()
    for _ in range(2000):
        for i in range(0, len(frame), 7):
            decoder.feed(frame[i : i + 7])
    assert len(decoder._buf) < 2 * len(frame)  # linear: nothing accumulates


def test_operator_yields_frames_then_the_error() -> None:
    bad = bytearray(FRAMES[1])
    bad[4] ^= 1
    body = FRAMES[0] + FRAMES[1] + bytes(bad)
    for chunks in ([body], split_at(body, list(range(0, len(body), 5)))):
        got: list[AWSEvent] = []

        async def run(chunks: list[bytes] = chunks, got: list[AWSEvent] = got) -> None:
            async for frame in pipe(chunks, aws_events()):
                got.append(frame)

        with pytest.raises(ProviderFormatError, match="bad prelude CRC32") as info:
            anyio.run(run)
        assert [f.offset for f in got] == [0, len(FRAMES[0])]
        assert info.value.offset == len(FRAMES[0]) + len(FRAMES[1])


@pytest.mark.anyio
async def test_operator_closes_its_source_when_stopped_early() -> None:
    source = TrackedSource([FRAMES[1], FRAMES[1], FRAMES[1]])
    async with pipe(source, aws_events()) as frames:
        async for _ in frames:
            break
    assert source.closed


class TestEncoder:
    def test_width_of_ints(self) -> None:
        [frame] = AWSEventDecoder().feed(encode_aws_event({"a": 2**31 - 1, "b": -(2**63)}))
        assert frame.headers == {"a": 2**31 - 1, "b": -(2**63)}

    @pytest.mark.parametrize(
        ("headers", "error"),
        [
            ({"a": 2**63}, ValueError),
            ({"a": ("byte", 128)}, ValueError),
            ({"a": ("nibble", 1)}, ValueError),
            ({"a": ("byte", True)}, ValueError),
            ({"a": "x" * 65536}, ValueError),
            ({"": 1}, ValueError),
            ({"n" * 256: 1}, ValueError),
            ({"a": datetime(2024, 1, 1)}, ValueError),
            ({"a": 1.5}, TypeError),
        ],
    )
    def test_bad_headers(self, headers: dict[str, object], error: type[Exception]) -> None:
        with pytest.raises(error):
            encode_aws_event(headers)

    def test_timestamps_to_the_millisecond(self) -> None:
        when = WHEN + timedelta(microseconds=999)
        [frame] = AWSEventDecoder().feed(encode_aws_event({"t": when}))
        assert frame.headers["t"] == WHEN
