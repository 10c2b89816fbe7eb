"""Properties of the sync text buffers (``streamops._text._buffers``), for every buffer.

1. Lossless: what ``feed`` and ``close`` return concatenates to the input.
2. Chunking independence: without ``flush()`` the pieces do not depend on how the
   text was cut (random cut points, empty chunks, single characters, whole text).

Plus: ``pending`` is always exactly the text not yet emitted, ``flush()`` keeps
the stream lossless, pieces are never empty, and WordBuffer / LineBuffer agree
with small character-by-character reference implementations of their rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamops._text._buffers import (
    _ASCII_TRAIL,
    _ATTACH_CPS,
    _CLOSE_CPS,
    _IS_SOLO,
    _JOIN_CPS,
    _OPEN_CPS,
    ChunkBuffer,
    LineBuffer,
    ParagraphBuffer,
    SentenceBuffer,
    TextBuffer,
    WordBuffer,
)

BUFFERS: dict[str, Callable[[], TextBuffer]] = {
    "words": WordBuffer,
    "sentences": SentenceBuffer,
    "lines": LineBuffer,
    "paragraphs": ParagraphBuffer,
    "chunks-1": lambda: ChunkBuffer(1),
    "chunks-7": lambda: ChunkBuffer(7),
}

# Single characters from every class the rules distinguish: letters, digits, every kind of
# whitespace and line ending, enders, closers, openers, CJK, kana marks, Thai with its
# marks and preposed vowels, Myanmar with virama, Khmer coeng, combining marks, joiners.
ALPHABET = (
    "abZ9 .,!?;:…\n\r\t\u3000\"'”’)(“‘]-/@$"
    "「」。！？，．、中文日本語のテーー々"
    "ไทยเก่าำ"
    "မြန်မာက္က"
    "ក្ស"
    "e\u0301\u200d\ufe0f한"
)
# Whole fragments the sentence and paragraph rules care about.
FRAGMENTS = [
    "Mr. ",
    "Dr. Smith",
    "e.g. ",
    "i.e. the",
    "U.S. ",
    "J. K. Rowling",
    "So did I. ",
    "3.14",
    "$2.50. ",
    "...",
    "... maybe",
    "... Then",
    "… ",
    "https://example.com/a.b?c=1. ",
    "john.doe@example.com",
    "```\n",
    "~~~\n",
    "```py\n",
    "````\n",
    "   ```\n",
    "\r\n",
    "\n\n",
    " \n \n",
    "1. ",
    "\n2. ",
    "a. ",
    "Hello world. ",
    "你好。",
    "再见！」",
    "３．１４",
    "สวัสดีครับ",
    "コーヒー",
    "好!abc",
    "  ",
]

texts = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet=ALPHABET, max_size=5)),
    max_size=25,
).map("".join)


@st.composite
def chunked(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A text and a random cutting of it (repeated cut points give empty chunks)."""
    text = draw(texts)
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=25)))
    bounds = [0, *cuts, len(text)]
    return text, [text[a:b] for a, b in pairwise(bounds)]


def run(buf: TextBuffer, chunks: list[str]) -> list[str]:
    out: list[str] = []
    for chunk in chunks:
        out += buf.feed(chunk)
    return out + buf.close()


each_buffer = pytest.mark.parametrize("make", BUFFERS.values(), ids=list(BUFFERS))


@each_buffer
@given(case=chunked())
def test_lossless(make: Callable[[], TextBuffer], case: tuple[str, list[str]]) -> None:
    text, chunks = case
    pieces = run(make(), chunks)
    assert "".join(pieces) == text
    assert all(pieces), "no piece is ever empty"


@each_buffer
@given(case=chunked())
def test_chunking_independent(make: Callable[[], TextBuffer], case: tuple[str, list[str]]) -> None:
    text, chunks = case
    expected = run(make(), [text])
    assert run(make(), chunks) == expected
    assert run(make(), list(text)) == expected


@each_buffer
@given(case=chunked())
def test_pending_is_the_text_not_yet_emitted(
    make: Callable[[], TextBuffer], case: tuple[str, list[str]]
) -> None:
    _, chunks = case
    buf = make()
    fed: list[str] = []
    emitted: list[str] = []
    for chunk in chunks:
        fed.append(chunk)
        emitted += buf.feed(chunk)
        assert "".join(emitted) + buf.pending == "".join(fed)
    emitted += buf.close()
    assert buf.pending == ""
    assert "".join(emitted) == "".join(fed)


@each_buffer
@given(case=chunked(), flushes=st.lists(st.booleans(), max_size=30))
def test_flush_stays_lossless(
    make: Callable[[], TextBuffer], case: tuple[str, list[str]], flushes: list[bool]
) -> None:
    text, chunks = case
    buf = make()
    out: list[str] = []
    for i, chunk in enumerate(chunks):
        out += buf.feed(chunk)
        if i < len(flushes) and flushes[i]:
            held = buf.pending
            flushed = buf.flush()
            assert flushed == ([held] if held else [])
            assert buf.pending == ""
            out += flushed
    out += buf.close()
    assert "".join(out) == text
    assert all(out)


@each_buffer
@given(first=texts, second=texts)
def test_close_resets_for_reuse(make: Callable[[], TextBuffer], first: str, second: str) -> None:
    buf = make()
    run(buf, list(first))
    assert run(buf, [second]) == run(make(), [second])


# --------------------------------------------------------------------------------------
# Rule-specific properties
# --------------------------------------------------------------------------------------


def reference_words(text: str) -> list[str]:
    """WordBuffer's rule, one character at a time (see the WordBuffer docstring)."""
    close = {chr(c) for c in _CLOSE_CPS}
    opening = {chr(c) for c in _OPEN_CPS}
    attach = {chr(c) for c in _ATTACH_CPS}
    join = {chr(c) for c in _JOIN_CPS}
    pieces: list[str] = []
    start = 0
    state = "start"  # class of the last character that is not a mark
    for i, c in enumerate(text):
        prev = text[i - 1] if i else ""
        if c.isspace():
            kind, cut = "space", False
        elif c in close:
            kind, cut = "close", False
        elif c in attach:
            kind, cut = state, False
        elif _IS_SOLO.fullmatch(c) or c in opening:
            kind = "open" if c in opening else "solo"
            cut = i > 0 and prev not in join and prev not in opening
        elif c in _ASCII_TRAIL and state in ("solo", "solo+trail"):
            kind, cut = "solo+trail", False
        elif c in _ASCII_TRAIL:
            kind, cut = "plain", state in ("space", "close")
        else:
            kind, cut = "plain", state in ("space", "close", "solo", "solo+trail")
        if cut:
            pieces.append(text[start:i])
            start = i
        state = kind
    if start < len(text):
        pieces.append(text[start:])
    return pieces


@given(case=chunked())
def test_words_match_the_reference_rule(case: tuple[str, list[str]]) -> None:
    text, chunks = case
    assert run(WordBuffer(), chunks) == reference_words(text)


@given(words=st.lists(st.text(alphabet="ab ,.\n", min_size=1, max_size=6), max_size=20))
def test_ascii_words_split_after_whitespace_runs(words: list[str]) -> None:
    text = "".join(words)
    assert run(WordBuffer(), words) == re.findall(r"^\s+|\S+\s*", text)


@given(case=chunked())
def test_lines_match_the_reference_rule(case: tuple[str, list[str]]) -> None:
    text, chunks = case
    assert run(LineBuffer(), chunks) == re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text)


@given(case=chunked(), min_chars=st.integers(1, 30))
def test_chunks_are_big_enough_and_end_at_word_boundaries(
    case: tuple[str, list[str]], min_chars: int
) -> None:
    text, chunks = case
    pieces = run(ChunkBuffer(min_chars), chunks)
    assert all(len(p) >= min_chars for p in pieces[:-1])
    word_ends = set(_ends(run(WordBuffer(), [text])))
    assert set(_ends(pieces)) <= word_ends
    # ... and each piece ends at the FIRST word boundary at or after min_chars.
    for begin, end in pairwise([0, *_ends(pieces)]):
        inner = [e for e in word_ends if begin < e < end]
        assert all(e - begin < min_chars for e in inner)


def _ends(pieces: list[str]) -> list[int]:
    ends, pos = [], 0
    for p in pieces:
        pos += len(p)
        ends.append(pos)
    return ends


@given(case=chunked())
def test_sentences_end_after_whitespace_or_an_ender_run(case: tuple[str, list[str]]) -> None:
    _, chunks = case
    pieces = run(SentenceBuffer(), chunks)
    for piece in pieces[:-1]:
        assert (
            piece[-1].isspace() or piece[-1] in ".!?…。！？．\"'”’)]}»」』】）〕〉》〗〙〛｝］｣〞〟"
        )
    for piece in pieces[1:]:
        assert not piece[0].isspace()


@given(case=chunked())
def test_paragraphs_end_with_a_blank_line(case: tuple[str, list[str]]) -> None:
    _, chunks = case
    pieces = run(ParagraphBuffer(), chunks)
    for piece in pieces[:-1]:
        body = re.sub(r"(?:\r\n|\r|\n)\Z", "", piece)
        assert body != piece, "a paragraph piece ends with a line ending"
        last_line = re.split(r"\r\n|\r|\n", body)[-1]
        assert last_line.isspace() or not last_line
    for piece in pieces[1:]:
        first_line = re.split(r"\r\n|\r|\n", piece)[0]
        assert first_line.strip(), "the next paragraph starts with a non-blank line"
