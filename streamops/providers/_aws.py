"""The AWS event stream (``application/vnd.amazon.eventstream``): a push decoder
(``feed`` / ``close``), the :func:`aws_events` operator over it, and an encoder.

Bedrock's ``ConverseStream`` and ``InvokeModelWithResponseStream`` (and other AWS
streaming APIs) send binary frames, each laid out as::

    total length (4 bytes, big-endian)  headers length (4)  prelude CRC32 (4)
    headers (headers length bytes)      payload (the rest)  message CRC32 (4)

The prelude CRC covers the first 8 bytes, the message CRC everything before it.
A header is a name (1-byte length, UTF-8), a type byte and a value: ``0`` true,
``1`` false, ``2`` byte, ``3`` short, ``4`` int, ``5`` long (signed, big-endian),
``6`` byte array, ``7`` string (2-byte length), ``8`` timestamp (milliseconds
since the epoch, 8 bytes), ``9`` UUID (16 bytes).
"""

from __future__ import annotations

import struct
import uuid
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Final, Literal, TypeAlias

from .._core import ChunkCore, chunk_operator
from ..errors import ProviderFormatError, StreamopsError
from ._json import loads

__all__ = [
    "MAX_HEADERS_LENGTH",
    "MAX_PAYLOAD_LENGTH",
    "AWSEvent",
    "AWSEventDecoder",
    "HeaderValue",
    "aws_events",
    "encode_aws_event",
]

MAX_HEADERS_LENGTH: Final = 128 * 1024
"""The largest headers section a frame may declare (128 KiB, botocore's limit too)."""
MAX_PAYLOAD_LENGTH: Final = 24 * 1024 * 1024
"""The largest payload a frame may declare (24 MiB, botocore's limit too): a frame
declaring more is refused at its prelude instead of being buffered."""

_PRELUDE: Final = 12
_MIN_FRAME: Final = 16  # a prelude and a message CRC
_SEEN: Final = 64  # how many distinct header sections a decoder remembers
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)
_prelude = struct.Struct(">III").unpack_from
_u32 = struct.Struct(">I")
_INTS: Final = {2: struct.Struct(">b"), 3: struct.Struct(">h"), 4: struct.Struct(">i"),
                5: struct.Struct(">q"), 8: struct.Struct(">q")}  # fmt: skip
_ACCEPTS: Final = (bytes, bytearray, memoryview)

HeaderValue: TypeAlias = "bool | int | bytes | str | datetime | uuid.UUID"
"""A decoded header value: ``bool`` (types 0, 1), ``int`` (byte, short, int, long),
``bytes`` (byte array), ``str`` (string), ``datetime`` in UTC (timestamp),
``uuid.UUID`` (uuid)."""

IntKind: TypeAlias = Literal["byte", "short", "int", "long", "timestamp"]
_KIND_CODES: Final[dict[str, int]] = {"byte": 2, "short": 3, "int": 4, "long": 5, "timestamp": 8}


@dataclass(slots=True)
class AWSEvent:
    """One frame of an AWS event stream.

    Attributes:
        headers: the frame's headers, by name (``":event-type"``,
            ``":message-type"``, ``":content-type"`` ...), values as in
            :data:`HeaderValue`.
        payload: the payload bytes (JSON for Bedrock).
        offset: the byte offset of the frame in the stream.

    >>> e = AWSEvent({":message-type": "event", ":event-type": "messageStop"}, b"{}", 0)
    >>> e.message_type, e.event_type, e.json()
    ('event', 'messageStop', {})
    """

    headers: dict[str, Any]
    payload: bytes
    offset: int = 0

    def _header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return value if isinstance(value, str) else None

    @property
    def message_type(self) -> str | None:
        """``:message-type``: ``"event"``, ``"exception"`` or ``"error"``."""
        return self._header(":message-type")

    @property
    def event_type(self) -> str | None:
        """``:event-type`` of an event frame (``"contentBlockDelta"``, ``"chunk"`` ...)."""
        return self._header(":event-type")

    @property
    def exception_type(self) -> str | None:
        """``:exception-type`` of an exception frame (``"throttlingException"`` ...)."""
        return self._header(":exception-type")

    def json(self) -> Any:
        """The payload parsed as JSON (``{}`` for an empty payload).

        Raises:
            ProviderFormatError: a payload that is not JSON (with ``offset``).
        """
        if not self.payload:
            return {}
        try:
            return loads(self.payload.decode("utf-8"), what="AWS event payload")
        except StreamopsError:  # DepthLimitError
            raise
        except ValueError as exc:  # UnicodeDecodeError included
            raise ProviderFormatError(
                f"the payload of the AWS event frame at byte offset {self.offset} is not"
                f" JSON ({exc}): {self.payload[:60]!r}",
                payload=self.payload,
                offset=self.offset,
                received=self.payload,
            ) from exc


class AWSEventDecoder:
    """Decode an AWS event stream pushed in chunks of bytes.

    ``feed(chunk)`` returns the frames the chunk completed; ``close()`` checks
    the stream did not stop inside a frame. Chunks may be cut anywhere, the
    prelude included. The bytes not yet decoded stay in one ``bytearray``
    read from an offset, and consumed bytes are dropped only once they are
    at least half of it, so the total cost is linear in the stream whatever
    the chunking. Both CRCs are checked.

    Raises:
        ProviderFormatError: a bad prelude or message CRC, impossible lengths
            (a frame shorter than 16 bytes, headers longer than the frame,
            more than :data:`MAX_HEADERS_LENGTH` of headers or
            :data:`MAX_PAYLOAD_LENGTH` of payload), malformed headers, or (at
            ``close()``) a stream that stopped inside a frame. ``offset`` is
            the byte offset of the frame in the stream; ``received`` the bytes
            of the frame that were checked (its prelude for a prelude error,
            the whole frame otherwise, what arrived of it when cut off). If a
            chunk breaks part-way, the frames before the problem are returned
            and the error is raised by the next call, whatever the chunking.
        TypeError: a chunk that is not bytes-like.

    >>> frame = encode_aws_event({":event-type": "chunk", ":message-type": "event"}, b"{}")
    >>> d = AWSEventDecoder()
    >>> d.feed(frame[:5])
    []
    >>> d.feed(frame[5:] + frame[:3])
    [AWSEvent(headers={':event-type': 'chunk', ':message-type': 'event'}, payload=b'{}', offset=0)]

    A stream that stops inside a frame fails at ``close()``, with the frame's offset:

    >>> try:
    ...     d.close()
    ... except ProviderFormatError as exc:
    ...     print(exc.offset, exc.received)
    60 b'\\x00\\x00\\x00'
    """

    __slots__ = ("_base", "_buf", "_closed", "_error", "_pos", "_seen", "_total", "_what")

    accepts = _ACCEPTS
    operator = "aws_events()"

    def __init__(self, *, _what: str = "AWSEventDecoder.feed()") -> None:
        self._buf = bytearray()
        self._pos = 0  # where the next frame starts in _buf
        self._base = 0  # the stream offset of _buf[0]
        self._total = 0  # the length of the frame at _pos once its prelude is checked
        self._error: ProviderFormatError | None = None
        self._closed = False
        self._what = _what
        self._seen: dict[bytes, dict[str, Any]] = {}  # header sections already decoded

    def feed(self, chunk: bytes | bytearray | memoryview) -> list[AWSEvent]:
        """Decode the next chunk; return the frames it completed."""
        if self._error is not None:
            raise self._error
        if not isinstance(chunk, _ACCEPTS):
            raise TypeError(f"{self._what} takes chunks of bytes, not {type(chunk).__name__}")
        if self._closed:
            raise ProviderFormatError(
                "feed() after close()", offset=self._base + len(self._buf), received=b""
            )
        buf = self._buf
        buf += chunk
        out: list[AWSEvent] = []
        pos = self._pos
        total = self._total
        end = len(buf)
        try:
            while True:
                if not total:
                    if end - pos < _PRELUDE:
                        break
                    total = self._prelude_at(pos)
                if end - pos < total:
                    break
                out.append(self._frame_at(pos, total))
                pos += total
                total = 0
        except ProviderFormatError as exc:
            self._error = exc
            if not out:
                raise
        finally:
            self._total = total
            if pos and pos * 2 >= end:  # amortised: what is dropped pays for the copy
                del buf[:pos]
                self._base += pos
                pos = 0
            self._pos = pos
        return out

    def _fail(self, problem: str, pos: int, size: int) -> ProviderFormatError:
        """An error about the frame at ``pos``, of which ``size`` bytes were checked."""
        return self._error_at(
            f"{problem} in the AWS event frame at byte offset {self._base + pos}", pos, size
        )

    def _error_at(self, message: str, pos: int, size: int) -> ProviderFormatError:
        frame = bytes(self._buf[pos : pos + size])
        return ProviderFormatError(message, offset=self._base + pos, payload=frame, received=frame)

    def _prelude_at(self, pos: int) -> int:
        """Check the prelude of the frame at ``pos``; return the frame's length."""
        buf = self._buf
        total: int
        headers: int
        crc: int
        total, headers, crc = _prelude(buf, pos)
        computed = zlib.crc32(buf[pos : pos + 8])
        if computed != crc:
            bad = f"bad prelude CRC32 (the frame says {crc:#010x}, its bytes give {computed:#010x})"
            if not self._base + pos:
                bad += " (not an AWS event stream?)"
            raise self._fail(bad, pos, _PRELUDE)
        problem: str | None = None
        if total < _MIN_FRAME:
            problem = f"a total length of {total} bytes (less than the 16 of an empty frame)"
        elif headers > total - _MIN_FRAME:
            problem = f"a headers length of {headers} bytes in a frame of {total} bytes"
        elif headers > MAX_HEADERS_LENGTH:
            problem = f"a headers length of {headers} bytes (more than {MAX_HEADERS_LENGTH})"
        elif total - headers - _MIN_FRAME > MAX_PAYLOAD_LENGTH:
            problem = (
                f"a payload of {total - headers - _MIN_FRAME} bytes"
                f" (more than {MAX_PAYLOAD_LENGTH})"
            )
        if problem is not None:
            raise self._fail(f"impossible frame lengths: {problem}", pos, _PRELUDE)
        return total

    def _frame_at(self, pos: int, total: int) -> AWSEvent:
        """Check the message CRC of the whole frame at ``pos``; decode it."""
        buf = self._buf
        end = pos + total - 4
        (crc,) = _u32.unpack_from(buf, end)
        computed = zlib.crc32(buf[pos:end])
        if computed != crc:
            raise self._fail(
                f"bad message CRC32 (the frame says {crc:#010x}, its bytes give {computed:#010x})",
                pos,
                total,
            )
        (headers_length,) = _u32.unpack_from(buf, pos + 4)
        start = pos + _PRELUDE + headers_length
        raw = bytes(buf[pos + _PRELUDE : start])
        known = self._seen.get(raw)  # a stream repeats a few header sections
        if known is not None:
            return AWSEvent(known.copy(), bytes(buf[start:end]), self._base + pos)
        headers = _headers(raw) if headers_length else {}
        if isinstance(headers, str):
            raise self._fail(f"malformed headers: {headers}", pos, total)
        if len(self._seen) < _SEEN:
            self._seen[raw] = headers.copy()
        return AWSEvent(headers, bytes(buf[start:end]), self._base + pos)

    def close(self) -> list[AWSEvent]:
        """End of stream: raise if it stopped inside a frame. Calling it again returns ``[]``."""
        if self._error is not None:
            raise self._error
        if self._closed:
            return []
        self._closed = True
        left = len(self._buf) - self._pos
        if left:
            need = self._total or _MIN_FRAME
            what = "" if self._total else "at least "
            self._error = self._error_at(
                "the AWS event stream stopped inside the frame at byte offset"
                f" {self._base + self._pos} ({left} of {what}{need} bytes)",
                self._pos,
                left,
            )
            raise self._error
        return []


def _headers(data: bytes) -> dict[str, Any] | str:
    """The headers encoded in ``data``, or what is wrong with them (a ``str``)."""
    headers: dict[str, Any] = {}
    i = 0
    n = len(data)
    while i < n:
        size = data[i]
        i += 1
        if i + size + 1 > n:
            return f"a header name of {size} bytes runs past the headers"
        try:
            name = data[i : i + size].decode("utf-8")
        except UnicodeDecodeError:
            return f"a header name is not UTF-8: {data[i : i + size]!r}"
        i += size
        kind = data[i]
        i += 1
        value: Any
        if kind == 0 or kind == 1:
            value = kind == 0
        elif kind in _INTS:
            number = _INTS[kind]
            if i + number.size > n:
                return f"header {name!r}: its value runs past the headers"
            (value,) = number.unpack_from(data, i)
            i += number.size
            if kind == 8:
                try:
                    value = _EPOCH + timedelta(milliseconds=value)
                except OverflowError:
                    return f"header {name!r}: timestamp {value} is out of range"
        elif kind == 6 or kind == 7:
            if i + 2 > n:
                return f"header {name!r}: its length runs past the headers"
            length = data[i] << 8 | data[i + 1]
            i += 2
            if i + length > n:
                return f"header {name!r}: its value of {length} bytes runs past the headers"
            raw = data[i : i + length]
            i += length
            if kind == 6:
                value = raw
            else:
                try:
                    value = raw.decode("utf-8")
                except UnicodeDecodeError:
                    return f"header {name!r}: its string value is not UTF-8"
        elif kind == 9:
            if i + 16 > n:
                return f"header {name!r}: its UUID runs past the headers"
            value = uuid.UUID(bytes=data[i : i + 16])
            i += 16
        else:
            return f"header {name!r} has an unknown value type {kind}"
        if name in headers:
            return f"header {name!r} appears twice"
        headers[name] = value
    return headers


def _encode_value(name: str, value: Any) -> bytes:
    if isinstance(value, bool):
        return bytes([0 if value else 1])
    if isinstance(value, tuple):
        kind, number = value
        code = _KIND_CODES.get(kind)
        if code is None or not isinstance(number, int) or isinstance(number, bool):
            raise ValueError(
                f"header {name!r}: expected (kind, int) with kind one of"
                f" {sorted(_KIND_CODES)}, got {value!r}"
            )
        try:
            return bytes([code]) + _INTS[code].pack(number)
        except struct.error:
            raise ValueError(f"header {name!r}: {number} does not fit a {kind}") from None
    if isinstance(value, int):
        code = 4 if -(2**31) <= value < 2**31 else 5
        try:
            return bytes([code]) + _INTS[code].pack(value)
        except struct.error:
            raise ValueError(f"header {name!r}: {value} does not fit a long") from None
    if isinstance(value, (bytes, bytearray, memoryview, str)):
        code = 7 if isinstance(value, str) else 6
        raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        if len(raw) > 0xFFFF:
            raise ValueError(f"header {name!r}: a value of {len(raw)} bytes (at most 65535)")
        return bytes([code]) + len(raw).to_bytes(2, "big") + raw
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"header {name!r}: a naive datetime (give it a time zone)")
        millis = (value - _EPOCH) // timedelta(milliseconds=1)
        return b"\x08" + _INTS[8].pack(millis)
    if isinstance(value, uuid.UUID):
        return b"\x09" + value.bytes
    raise TypeError(f"header {name!r}: cannot encode a {type(value).__name__}")


def encode_aws_event(
    headers: Mapping[str, Any], payload: bytes | bytearray | memoryview = b""
) -> bytes:
    """Build one AWS event-stream frame (prelude, headers, payload and both CRCs).

    Useful for tests and mocks of Bedrock streams. Header values: ``bool``;
    ``int`` (sent as an int, or a long when it needs 64 bits); ``bytes`` (byte
    array); ``str`` (string); an aware ``datetime`` (timestamp, to the
    millisecond); ``uuid.UUID``; or a pair ``(kind, int)`` to choose the width,
    kind one of ``"byte"``, ``"short"``, ``"int"``, ``"long"``, ``"timestamp"``
    (milliseconds).

    Raises:
        ValueError: a value that does not fit its type, a name or value too long,
            a naive datetime, or a frame over the limits.
        TypeError: a value of no header type.

    >>> frame = encode_aws_event({":message-type": "event", "n": ("short", -2)}, b'{"a":1}')
    >>> AWSEventDecoder().feed(frame)
    [AWSEvent(headers={':message-type': 'event', 'n': -2}, payload=b'{"a":1}', offset=0)]
    """
    parts: list[bytes] = []
    for name, value in headers.items():
        raw_name = name.encode("utf-8")
        if not 0 < len(raw_name) < 256:
            raise ValueError(f"header name {name!r}: 1 to 255 bytes of UTF-8")
        parts.append(bytes([len(raw_name)]) + raw_name + _encode_value(name, value))
    head = b"".join(parts)
    body = bytes(payload)
    if len(head) > MAX_HEADERS_LENGTH or len(body) > MAX_PAYLOAD_LENGTH:
        raise ValueError("the headers or the payload are over the AWS event-stream limits")
    total = _MIN_FRAME + len(head) + len(body)
    prelude = struct.pack(">II", total, len(head))
    prelude += _u32.pack(zlib.crc32(prelude))
    message = prelude + head + body
    return message + _u32.pack(zlib.crc32(message))


@chunk_operator
def aws_events() -> ChunkCore[bytes | bytearray | memoryview, AWSEvent]:
    """Decode a binary AWS event stream (``application/vnd.amazon.eventstream``) into frames.

    The body of a Bedrock ``ConverseStream`` or ``InvokeModelWithResponseStream``
    response (read raw, for example with ``httpx``), in chunks cut anywhere.
    Both CRCs of every frame are checked (see :class:`AWSEventDecoder`).
    Feed the frames to ``events(provider="bedrock")``, or the raw bytes
    straight to it.

    Yields:
        :class:`AWSEvent` frames: ``headers``, ``payload`` and ``offset``.

    Raises:
        ProviderFormatError: a bad CRC, impossible lengths, malformed headers,
            or a stream that stopped inside a frame, with the frame's byte
            ``offset``, after every frame before it.

    >>> from streamops import drain, pipe
    >>> body = encode_aws_event({":event-type": "messageStop"}, b'{"stopReason":"end_turn"}')
    >>> [e.json() for e in drain(pipe([body[:7], body[7:]], aws_events()))]
    [{'stopReason': 'end_turn'}]
    """
    return AWSEventDecoder(_what="aws_events()")
