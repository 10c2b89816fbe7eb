"""NDJSONDecoder and ndjson_events: line splitting, encodings, limits and errors that do not
depend on how the body was cut."""

from __future__ import annotations

from typing import Any

import pytest

from streamops import (
    DepthLimitError,
    NDJSONDecoder,
    ProviderFormatError,
    StreamopsError,
    drain,
    ndjson_events,
    pipe,
)
from streamops.providers import MAX_LINE_BYTES

Outcome = tuple[list[Any], tuple[type, str, Any, Any, Any, Any] | None]


def run(chunks: list[Any], **options: Any) -> Outcome:
    """Feed the chunks, then close: the values, then the error (type, message, position)."""
    decoder = NDJSONDecoder(**options)
    values: list[Any] = []
    try:
        for chunk in chunks:
            values.extend(decoder.feed(chunk))
        values.extend(decoder.close())
    except StreamopsError as exc:
        where = (getattr(exc, "line", None), getattr(exc, "column", None))
        return values, (type(exc), str(exc), *where, getattr(exc, "offset", None), exc.received)
    return values, None


def splits(body: bytes) -> list[list[bytes]]:
    """The body whole, byte by byte, and cut in two and three at every position."""
    out = [[body], [body[i : i + 1] for i in range(len(body))]]
    for i in range(len(body) + 1):
        out.append([body[:i], body[i:]])
        j = (i * 7) % (len(body) + 1)
        a, b = sorted((i, j))
        out.append([body[:a], body[a:b], body[b:]])
    return out


BODIES = {
    "lf": b'{"a": 1}\n{"b": [1, 2]}\n',
    "crlf": b'{"a": 1}\r\n{"b": "x"}\r\n',
    "blank lines": b'\n{"a": 1}\n\n  \r\n\t\n{"b": 2}\n\n',
    "no final newline": b'{"a": 1}\n{"b": 2}',
    "utf-8": '{"t": "café 😊 日本"}\n{"u": "ü"}\n'.encode(),
    "bom": b'\xef\xbb\xbf{"a": 1}\n{"b": 2}\n',
    "scalars": b'1\n"two"\nnull\n[3]\n',
    "cr inside a line": b'{"a":\r 1}\n',
}
EXPECTED = {
    "lf": [{"a": 1}, {"b": [1, 2]}],
    "crlf": [{"a": 1}, {"b": "x"}],
    "blank lines": [{"a": 1}, {"b": 2}],
    "no final newline": [{"a": 1}, {"b": 2}],
    "utf-8": [{"t": "café 😊 日本"}, {"u": "ü"}],
    "bom": [{"a": 1}, {"b": 2}],
    "scalars": [1, "two", None, [3]],
    "cr inside a line": [{"a": 1}],
}


@pytest.mark.parametrize("name", sorted(BODIES))
def test_every_split_gives_the_same_values(name: str) -> None:
    body = BODIES[name]
    for chunks in splits(body):
        assert run(chunks) == (EXPECTED[name], None), chunks


@pytest.mark.parametrize("name", sorted(BODIES))
def test_text_chunks_give_the_same_values(name: str) -> None:
    text = BODIES[name].decode("utf-8")
    assert run([text]) == (EXPECTED[name], None)
    assert run(list(text)) == (EXPECTED[name], None)


def test_values_come_out_as_soon_as_their_line_ends() -> None:
    d = NDJSONDecoder()
    assert d.feed(b'{"a": 1}\n{"b"') == [{"a": 1}]
    assert d.feed(b": 2}") == []
    assert d.feed(b"\r") == []
    assert d.feed(b"\n") == [{"b": 2}]
    assert d.line == 2
    assert d.close() == []
    assert d.close() == []


def test_a_bom_only_at_the_start() -> None:
    values, error = run([b'{"a": 1}\n\xef\xbb\xbf{"b": 2}\n'])
    assert values == [{"a": 1}]
    assert error is not None
    assert error[0] is ProviderFormatError
    assert error[2] == 2


BAD = {
    # body: (values before the error, line, column, byte offset, message part)
    "bad json": (b'{"a": 1}\n{"a" 2}\n{"c": 3}\n', [{"a": 1}], 2, 6, 14, "line 2 is not JSON"),
    "bad json, crlf": (b'{"a": 1}\r\n\r\n{"a": }\r\n', [{"a": 1}], 3, 7, 18, "line 3 is not JSON"),
    "bad utf-8": (b'{"a": 1}\n{"b": "\xff"}\n', [{"a": 1}], 2, 8, 16, "line 2 is not UTF-8"),
    "cut in a character": (b'{"a": 1}\n{"b": "\xc3', [{"a": 1}], 2, 8, 16, "not UTF-8"),
    "cut in a value": (b'{"a": 1}\n{"b": [1,', [{"a": 1}], 2, 10, 18, "was the body cut off?"),
    "pretty-printed": (b'{\n  "a": 1\n}\n', [], 1, 2, 1, "a pretty-printed JSON document"),
    "bom not first": (b'{"a": 1}\n\xef\xbb\xbf{}\n', [{"a": 1}], 2, 1, 9, "line 2 is not JSON"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_errors_name_the_line_and_column_whatever_the_split(name: str) -> None:
    body, before, line, column, offset, words = BAD[name]
    first = run([body])
    values, error = first
    assert values == before
    assert error is not None
    kind, message, got_line, got_column, got_offset, received = error
    assert kind is ProviderFormatError
    assert words in message
    assert (got_line, got_column, got_offset) == (line, column, offset)
    assert f"at line {line} column {column}" in message
    # received: the body up to and including the failing line (without its line ending)
    end = body.find(b"\n", offset)
    upto = body[: end if end >= 0 else len(body)]
    assert received == upto.removesuffix(b"\r").decode("utf-8", "replace")
    for chunks in splits(body):
        assert run(chunks) == first, chunks


def test_the_error_comes_after_the_values_of_its_chunk() -> None:
    d = NDJSONDecoder()
    assert d.feed(b'{"a": 1}\n{"b": 2}\nnope\n{"c": 3}\n') == [{"a": 1}, {"b": 2}]
    with pytest.raises(ProviderFormatError, match="line 3 is not JSON") as info:
        d.feed(b'{"d": 4}\n')
    assert info.value.received == '{"a": 1}\n{"b": 2}\nnope'
    assert info.value.payload == "nope"
    with pytest.raises(ProviderFormatError, match="line 3"):
        d.close()  # the same error again


def test_received_keeps_the_lines_before_the_error_bounded() -> None:
    line = b'{"x": "' + b"y" * 1000 + b'"}\n'
    body = line * 300 + b"oops\n"
    for chunks in ([body], [body[i : i + 4096] for i in range(0, len(body), 4096)]):
        _, error = run(chunks)
        assert error is not None
        received = error[-1]
        assert received.endswith("}\noops")
        assert len(received) == 65_536 + len("oops")


def test_a_line_longer_than_the_limit() -> None:
    body = b'{"a": 1}\n' + b'{"b": "' + b"x" * 100 + b'"}\n'
    first = run([body], max_line_bytes=50)
    values, error = first
    assert values == [{"a": 1}]
    assert error is not None
    assert error[0] is ProviderFormatError
    assert error[1] == "line 2 is longer than max_line_bytes=50"
    assert error[2:5] == (2, 1, 9)
    for chunks in splits(body):
        assert run(chunks, max_line_bytes=50) == first


def test_the_limit_is_checked_before_the_newline_arrives() -> None:
    d = NDJSONDecoder(max_line_bytes=10)
    assert d.feed(b"0123456789") == []  # 10 bytes: maybe a whole line yet
    assert d.feed(b"\r") == []  # and its CR
    with pytest.raises(ProviderFormatError, match="longer than max_line_bytes=10"):
        d.feed(b"x")  # 11 bytes of line: the line is too long whatever follows


def test_a_line_exactly_at_the_limit_with_crlf() -> None:
    assert run([b"[1234567]", b"\r", b"\n"], max_line_bytes=9) == ([[1234567]], None)
    assert NDJSONDecoder().feed(b"1\n") == [1]
    assert MAX_LINE_BYTES == 16 * 1024 * 1024


def test_a_body_without_newlines_cannot_grow_the_buffer() -> None:
    d = NDJSONDecoder(max_line_bytes=1000)
    with pytest.raises(ProviderFormatError, match="longer than"):
        for _ in range(100_000):
            d.feed(b"x" * 64)
    assert len(d._buf) < 1100


def test_depth_limit_like_loads() -> None:
    body = b'{"a": 1}\n' + b"[" * 600 + b"]" * 600 + b"\n"
    first = run([body])
    values, error = first
    assert values == [{"a": 1}]
    assert error is not None
    assert error[0] is DepthLimitError
    assert error[2] == 2  # the body's line
    assert "line 2" in error[1]
    assert run([body[i : i + 7] for i in range(0, len(body), 7)]) == first
    assert run([body], max_depth=1000) == ([{"a": 1}, _nested(600)], None)


def _nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth - 1):
        value = [value]
    return value


def test_wrong_chunk_type_and_feed_after_close() -> None:
    d = NDJSONDecoder()
    with pytest.raises(TypeError, match="bytes or str, not int"):
        d.feed(3)  # type: ignore[arg-type]
    d.close()
    with pytest.raises(ProviderFormatError, match="after close"):
        d.feed(b"{}\n")
    with pytest.raises(ValueError, match="max_line_bytes"):
        NDJSONDecoder(max_line_bytes=0)


def test_mixed_bytes_and_text_chunks() -> None:
    assert run([b'{"a": "caf', "é", b'"}\n', '{"b": 1}']) == ([{"a": "café"}, {"b": 1}], None)


def test_the_held_line_is_not_scanned_again() -> None:
    """Linear time: each chunk of a long line is searched once (the scan position moves on)."""
    d = NDJSONDecoder()
    d.feed(b'{"a": "')
    for _ in range(1000):
        d.feed(b"x" * 100)
        assert d._scan == len(d._buf)
    assert d.feed(b'"}\n') == [{"a": "x" * 100_000}]
    assert d._scan == 0
    assert not d._buf


@pytest.mark.anyio
async def test_the_operator_gives_values_then_the_error() -> None:
    body = [b'{"a": 1}\n{"b', b'": 2}\nnot json\n{"c": 3}\n']
    got: list[Any] = []
    with pytest.raises(ProviderFormatError, match="line 3") as info:
        async for value in pipe(body, ndjson_events()):
            got.append(value)
    assert got == [{"a": 1}, {"b": 2}]
    assert info.value.line == 3


def test_the_operator_sync_and_its_options() -> None:
    assert drain(pipe(["1\n2\n", "3"], ndjson_events())) == [1, 2, 3]
    with pytest.raises(ProviderFormatError, match="max_line_bytes=3"):
        drain(pipe(["1234\n"], ndjson_events(max_line_bytes=3)))
