"""Property tests: SSE decoding does not depend on how the bytes are chunked."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from streamops import SSEError
from streamops.providers import SSEDecoder, SSEEvent

# Field values: any text without line breaks (surrogates cannot be UTF-8 encoded).
values = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\r\n"),
    max_size=12,
)
names = st.text(alphabet="abcxyz_.-0123", min_size=1, max_size=6)


@dataclass
class Block:
    data: list[str]
    event: str | None
    id: str | None
    retry: int | None
    comments: list[str]
    unknown: list[str]


# Lines whose field name is none of data, event, id, retry: ignored (WHATWG).
unknown_lines = st.sampled_from(
    [' data: {"a": 1}', "x-trace: 7", "retry: soon", " event: x", "Data: y", "foo", "id : 3"]
)
blocks = st.builds(
    Block,
    data=st.lists(values, max_size=3),
    event=st.none() | names,
    id=st.none() | values,
    retry=st.none() | st.integers(0, 10**6),
    comments=st.lists(values, max_size=2),
    unknown=st.lists(unknown_lines, max_size=2),
)


@st.composite
def streams(draw: st.DrawFn) -> tuple[bytes, list[SSEEvent]]:
    """A random event stream (bytes) and the events a browser would dispatch."""
    items = draw(st.lists(blocks, max_size=6))
    eols = st.sampled_from(["\n", "\r\n", "\r"])
    lines: list[str] = []
    expected: list[SSEEvent] = []
    last_id = ""
    for block in items:
        body: list[str] = [f":{c}" for c in block.comments]
        if block.event is not None:
            body.append(f"event: {block.event}")
        if block.id is not None:
            body.append(f"id: {block.id}")
            if "\0" not in block.id:
                last_id = block.id
        if block.retry is not None:
            body.append(f"retry: {block.retry}")
        body.extend(f"data: {d}" for d in block.data)
        body.extend(block.unknown)
        draw(st.randoms()).shuffle(body)
        lines.extend(body)
        lines.append("")
        if block.data:
            # The event type is the last event: line of the block (shuffled).
            event_lines = [b for b in body if b.startswith("event: ")]
            expected.append(
                SSEEvent(
                    "\n".join(b[6:] for b in body if b.startswith("data: ")),
                    event_lines[-1][7:] if event_lines else "message",
                    last_id,
                    block.retry,
                )
            )
    text_parts: list[str] = []
    previous = ""
    for line in lines:
        eol = draw(eols)
        if previous == "\r" and not line and eol == "\n":
            eol = "\r\n"  # "\r" then an empty line ended by "\n" would read as one CRLF
        text_parts.append(line + eol)
        previous = eol
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + "".join(text_parts)).encode("utf-8"), expected


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(data)) for c in cuts})
    out, start = [], 0
    for p in points:
        out.append(data[start:p])
        start = p
    out.append(data[start:])
    return out


def run(chunks: list[bytes], *, strict: bool = True) -> list[SSEEvent] | tuple[str, int]:
    """The events, or the error (message and offset) the chunks lead to."""
    d = SSEDecoder(strict=strict)
    out: list[SSEEvent] = []
    try:
        for chunk in chunks:
            out.extend(d.feed(chunk))
        out.extend(d.close())
    except SSEError as exc:
        return (exc.message, exc.offset)
    return out


@given(streams(), st.lists(st.integers(0, 400), max_size=12))
def test_random_streams_decode_as_a_browser_would(
    case: tuple[bytes, list[SSEEvent]], cuts: list[int]
) -> None:
    data, expected = case
    assert run([data]) == expected
    assert run(split(data, cuts)) == expected


@given(streams())
def test_byte_by_byte_equals_whole(case: tuple[bytes, list[SSEEvent]]) -> None:
    data, expected = case
    assert run([data[i : i + 1] for i in range(len(data))]) == expected


@given(streams(), st.lists(st.integers(0, 400), max_size=12))
def test_text_chunks_equal_bytes(case: tuple[bytes, list[SSEEvent]], cuts: list[int]) -> None:
    data, expected = case
    text = data.decode("utf-8")
    points = sorted({min(c, len(text)) for c in cuts})
    pieces = [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]
    d = SSEDecoder()
    got = [e for piece in pieces for e in d.feed(piece)] + d.close()
    assert got == expected


@given(
    st.lists(
        st.sampled_from(
            [
                b"data: x",
                b"event: e",
                b": c",
                b"\n",
                b"\r",
                b"\r\n",
                b"\xc3",
                b"\xa9",
                b"\xff",
                b"\xef\xbb\xbf",
                b"{",
                b"id: 1",
                b"retry: 5",
                b" ",
            ]
        ),
        max_size=20,
    ),
    st.lists(st.integers(0, 200), max_size=10),
    st.booleans(),
)
def test_any_bytes_chunking_invariant(parts: list[bytes], cuts: list[int], strict: bool) -> None:
    """Whatever the input, even broken, the result (events or error and its offset)
    does not depend on where the chunks are cut."""
    data = b"".join(parts)
    whole = run([data], strict=strict)
    assert run(split(data, cuts), strict=strict) == whole
    assert run([data[i : i + 1] for i in range(len(data))], strict=strict) == whole
