"""The SSE decoder (sync core) and the ``sse_events()`` operator."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from streamops import SSEError, StreamopsError, pipe
from streamops.providers import SSEDecoder, SSEEvent, sse_events
from tests.helpers import TrackedSource


def decode(*chunks: bytes | str, strict: bool = True) -> list[SSEEvent]:
    d = SSEDecoder(strict=strict)
    out: list[SSEEvent] = []
    for chunk in chunks:
        out.extend(d.feed(chunk))
    out.extend(d.close())
    return out


def datas(*chunks: bytes | str) -> list[str]:
    return [e.data for e in decode(*chunks)]


# -- WHATWG parsing rules ------------------------------------------------------


def test_multiline_data_is_joined_with_newlines() -> None:
    assert datas("data: a\ndata: b\ndata:\n\n") == ["a\nb\n"]


def test_only_one_leading_space_is_removed() -> None:
    assert datas("data:  two\n\ndata:none\n\n") == [" two", "none"]


def test_event_field_and_default_type() -> None:
    events = decode("event: delta\ndata: 1\n\ndata: 2\n\nevent:\ndata: 3\n\n")
    assert [(e.event, e.data) for e in events] == [
        ("delta", "1"),
        ("message", "2"),
        ("message", "3"),
    ]


def test_id_persists_across_events_and_nul_is_ignored() -> None:
    d = SSEDecoder()
    events = d.feed("id: 1\ndata: a\n\ndata: b\n\nid: x\0y\ndata: c\n\nid\ndata: d\n\n")
    assert [e.id for e in events] == ["1", "1", "1", ""]
    assert d.last_event_id == ""


def test_retry_field() -> None:
    d = SSEDecoder()
    events = d.feed("retry: 3000\ndata: a\n\nretry: soon\ndata: b\n\nretry: 10\n\n")
    assert [e.retry for e in events] == [3000, None]
    assert d.retry == 10  # a retry-only block sets the decoder's value


def test_comments_are_ignored() -> None:
    text = ": ping\n\n: OPENROUTER PROCESSING\n\ndata: x\n: inside\n\n:\n\n"
    assert datas(text) == ["x"]


def test_event_without_data_is_not_dispatched() -> None:
    assert decode("event: ping\n\nid: 3\n\n\n\n") == []


def test_field_without_colon() -> None:
    # "data" alone is a data line with an empty value.
    assert datas("data\ndata\n\n") == ["\n"]


def test_unknown_fields_are_ignored() -> None:
    assert datas("foo: bar\nx-trace: 1\ndata: a\n\n") == ["a"]


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
def test_line_endings(eol: str) -> None:
    text = f"event: e{eol}data: a{eol}data: b{eol}{eol}data: c{eol}{eol}"
    assert [(e.event, e.data) for e in decode(text)] == [("e", "a\nb"), ("message", "c")]


def test_crlf_split_between_cr_and_lf() -> None:
    # The LF after a CR that ended a chunk belongs to the same line break.
    assert datas("data: a\r", "\n", "\r", "\ndata: b\r\n\r\n") == ["a", "b"]
    # ... but a CR followed by a CR is two line breaks: a blank line.
    assert datas("data: a\r", "\rdata: b\r", "\r") == ["a", "b"]


def test_bom_is_skipped_once() -> None:
    assert datas(b"\xef\xbb\xbfdata: a\n\n") == ["a"]
    assert datas(b"\xef", b"\xbb", b"\xbfdata: a\n\n") == ["a"]
    assert datas("\ufeffdata: a\n\n") == ["a"]
    # A second BOM is an ordinary character: it makes an unknown field name,
    # ignored (strict or not).
    text = "\ufeffdata: a\n\n\ufeffdata: b\n\n"
    assert [e.data for e in decode(text, strict=False)] == ["a"]
    assert [e.data for e in decode(text)] == ["a"]


def test_utf8_character_split_across_chunks() -> None:
    raw = "data: café ✓ 🎉\n\n".encode()
    for cut in range(len(raw) + 1):
        assert datas(raw[:cut], raw[cut:]) == ["café ✓ 🎉"]
    assert datas(*[raw[i : i + 1] for i in range(len(raw))]) == ["café ✓ 🎉"]


def test_last_event_without_final_blank_line() -> None:
    assert datas("data: a\n\ndata: b") == ["a", "b"]
    assert datas("data: a\n\ndata: b\n") == ["a", "b"]
    assert datas("data: a\r") == ["a"]


def test_bytes_and_text_chunks_mix() -> None:
    assert datas(b"data: a", "b\n", b"\n") == ["ab"]


def test_close_twice_and_feed_after_close() -> None:
    d = SSEDecoder()
    assert d.feed("data: a") == []
    assert d.close() == [SSEEvent("a")]
    assert d.close() == []
    with pytest.raises(SSEError):
        d.feed("data: b\n\n")


def test_event_json_and_done() -> None:
    assert SSEEvent('{"a": [1]}').json() == {"a": [1]}
    assert SSEEvent("[DONE]").is_done
    assert not SSEEvent("{}").is_done


def test_long_line_in_tiny_chunks() -> None:
    payload = "x" * 50_000
    chunks = [f"data: {payload}"[i : i + 7] for i in range(0, len(payload) + 6, 7)]
    assert datas(*chunks, "\n\n") == [payload]


# -- errors --------------------------------------------------------------------


def test_invalid_utf8_reports_the_byte_offset() -> None:
    d = SSEDecoder()
    d.feed(b"data: ok\n\n")
    with pytest.raises(SSEError) as info:
        d.feed(b"data: caf\xc3\x28\n\n")
    err = info.value
    assert err.offset == len(b"data: ok\n\ndata: caf")
    assert isinstance(err, StreamopsError)
    assert isinstance(err, ValueError)
    assert err.received == "data: ok\n\ndata: caf"  # the text decoded before the bad byte
    assert "invalid UTF-8" in str(err)
    assert f"at offset {err.offset}" in str(err)


def test_invalid_utf8_split_across_chunks() -> None:
    d = SSEDecoder()
    d.feed(b"data: \xe2\x82")
    with pytest.raises(SSEError) as info:
        d.feed(b"A\n\n")
    assert info.value.offset == len(b"data: ")


def test_stream_ending_inside_a_utf8_character() -> None:
    d = SSEDecoder()
    d.feed(b"data: \xf0\x9f")
    with pytest.raises(SSEError) as info:
        d.close()
    assert info.value.offset == 6
    assert "ended inside a UTF-8 character" in str(info.value)


def test_text_chunk_inside_a_utf8_character() -> None:
    d = SSEDecoder()
    d.feed(b"data: \xc3")
    with pytest.raises(SSEError):
        d.feed("x")


def test_json_body_is_not_an_event_stream() -> None:
    body = '\n\r\n{"error": {"message": "bad kéy"}}\n'
    with pytest.raises(SSEError) as info:
        decode(body.encode())
    err = info.value
    assert err.offset == 3  # where the first non-blank line starts
    assert str(err).startswith("this body looks like JSON, not an event stream")
    assert err.received == body
    for cut in range(len(body) + 1):  # whatever the chunking
        with pytest.raises(SSEError) as info:
            decode(body[:cut], body[cut:])
        assert (info.value.offset, info.value.message) == (err.offset, err.message)
    assert decode(body, strict=False) == []
    with pytest.raises(SSEError, match="looks like JSON"):
        decode("[1, 2]")
    with pytest.raises(SSEError, match="looks like JSON"):
        decode('  {"a": 1}')  # indented


def test_html_page_is_not_an_event_stream() -> None:
    d = SSEDecoder()
    assert d.feed(b"\n<ht") == []
    with pytest.raises(SSEError) as info:
        d.feed(b"ml>\n")
    assert info.value.offset == 1
    assert "looks like HTML" in str(info.value)


def test_json_and_html_lines_later_in_a_stream_are_ignored() -> None:
    # Only the first non-blank line tells a body that is not SSE; a later line with
    # an unknown field name is ignored by the WHATWG rules, strict or not.
    body = 'data: a\r\n\r\nok: 1\r\n[1, 2]\r\n<br>\r\n{"x": 1}\r\ndata: b\r\n\r\n'
    assert datas(body) == ["a", "b"]
    assert [e.data for e in decode(body, strict=False)] == ["a", "b"]
    # A comment first, then JSON: the body is SSE.
    assert datas(': hi\n{"x": 1}\ndata: c\n\n') == ["c"]


def test_events_before_an_error_are_delivered_first() -> None:
    d = SSEDecoder()
    assert d.feed(b"data: a\n\ndata: \xff\n\n") == [SSEEvent("a")]
    with pytest.raises(SSEError) as info:
        d.feed(b"data: b\n\n")
    assert info.value.offset == len(b"data: a\n\ndata: ")
    with pytest.raises(SSEError):  # and it stays broken
        d.feed(b"data: c\n\n")


def test_bad_first_line_without_newline() -> None:
    d = SSEDecoder()
    assert d.feed("{oops") == []
    with pytest.raises(SSEError) as info:
        d.close()
    assert info.value.offset == 0
    d = SSEDecoder()
    d.feed("data: a\n\n{oops")
    assert d.close() == []


def test_unknown_field_names_are_ignored() -> None:
    # WHATWG: a field that is not data, event, id or retry is ignored.
    body = "x-trace: 7\nretry: soon\nfoo\ndata: a\nweird field: 1\n\n"
    assert datas(body) == ["a"]
    assert datas("\ufeffunknown: 1\ndata: b\n\n") == ["b"]


def test_space_before_data_is_an_unknown_field() -> None:
    # A real OpenAI-compatible proxy stream has lines like this one: the field name
    # is " data", so the line is ignored (a browser ignores it too).
    body = 'data: {"n": 1}\n\n data: {"n": 2}\n\ndata: {"n": 3}\n\n'
    for cut in range(len(body) + 1):
        for cut2 in range(cut, len(body) + 1, 7):
            got = decode(body[:cut], body[cut:cut2], body[cut2:])
            assert [e.data for e in got] == ['{"n": 1}', '{"n": 3}']
    assert [e.data for e in decode(" data: x\n\n")] == []


# -- the operator ----------------------------------------------------------------


@pytest.mark.anyio
async def test_sse_events_across_chunkings(chunking: Callable[[str], list[str]]) -> None:
    text = 'event: a\r\ndata: {"x": "é"}\r\n\r\n: ping\n\ndata: 1\rdata: 2\r\r'
    async with pipe(chunking(text), sse_events()) as s:
        got = [e async for e in s]
    assert got == [SSEEvent('{"x": "é"}', "a"), SSEEvent("1\n2")]


@pytest.mark.anyio
async def test_done_ends_the_stream_and_closes_the_source() -> None:
    source = TrackedSource([b"data: 1\n\n", b"data: [DONE]\n\n", b"data: late\n\n"])
    async with pipe(source, sse_events()) as s:
        got = [e.data async for e in s]
    assert got == ["1"]
    assert source.closed
    assert not source.exhausted
    assert source.pulled == 2


@pytest.mark.anyio
async def test_done_can_be_kept() -> None:
    source = [b"data: 1\n\n", b"data: [DONE]\n\n"]
    async with pipe(source, sse_events(stop_at_done=False)) as s:
        got = [e.data async for e in s]
    assert got == ["1", "[DONE]"]


@pytest.mark.anyio
async def test_unterminated_done_at_the_end() -> None:
    async with pipe([b"data: 1\n\ndata: [DONE]"], sse_events()) as s:
        assert [e.data async for e in s] == ["1"]


@pytest.mark.anyio
async def test_sse_error_propagates_and_closes_the_source() -> None:
    source = TrackedSource([b"data: 1\n\n", b"data: \xff\n\n", b"data: 2\n\n"])
    got: list[str] = []
    with pytest.raises(SSEError) as info:
        async with pipe(source, sse_events()) as s:
            async for e in s:
                got.append(e.data)
    assert got == ["1"]
    assert info.value.offset == len(b"data: 1\n\ndata: ")
    assert source.closed


@pytest.mark.anyio
async def test_break_closes_the_source() -> None:
    source = TrackedSource([b"data: 1\n\n", b"data: 2\n\n"], hang=True)
    async with pipe(source, sse_events()) as s:
        async for _ in s:
            break
    assert source.closed
