"""Boundary rules of the sync text buffers, each example run across every chunking."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pytest

from streamops._text._buffers import (
    _ATTACH_CPS,
    _CLOSE_CPS,
    _JOIN_CPS,
    _OPEN_CPS,
    _SEA_BLOCKS,
    _SOLO_RANGES,
    ABBREVIATIONS,
    ChunkBuffer,
    LineBuffer,
    ParagraphBuffer,
    SentenceBuffer,
    TextBuffer,
    WordBuffer,
)

Chunking = Callable[[str], list[str]]


def pieces(buf: TextBuffer, chunks: list[str]) -> list[str]:
    out: list[str] = []
    for chunk in chunks:
        out += buf.feed(chunk)
    return out + buf.close()


def check(
    make: Callable[[], TextBuffer], text: str, expected: list[str], chunking: Chunking
) -> None:
    assert "".join(expected) == text, "the expected pieces must add up to the text"
    assert pieces(make(), chunking(text)) == expected


# --------------------------------------------------------------------------------------
# WordBuffer
# --------------------------------------------------------------------------------------

WORD_CASES = [
    ("Hello world", ["Hello ", "world"]),
    ("a  b\n\nc", ["a  ", "b\n\n", "c"]),
    ("  hi there", ["  ", "hi ", "there"]),
    ("tabs\tand\r\nCRLF\x0bvt", ["tabs\t", "and\r\n", "CRLF\x0b", "vt"]),
    ("trailing  ", ["trailing  "]),
    ("   ", ["   "]),
    ("don't stop, e.g. now.", ["don't ", "stop, ", "e.g. ", "now."]),
    ("“quoted” text", ["“quoted” ", "text"]),
    ("e\u0301te\u0301 x", ["e\u0301te\u0301 ", "x"]),
    ("emoji 👍🏽 ok", ["emoji ", "👍🏽 ", "ok"]),
    ("한국어 텍스트", ["한국어 ", "텍스트"]),
    # no-space scripts: a piece per character, punctuation and whitespace kept with it
    ("日本語のテキスト", ["日", "本", "語", "の", "テ", "キ", "ス", "ト"]),
    ("你好，世界。", ["你", "好，", "世", "界。"]),
    ("你好。 再见", ["你", "好。 ", "再", "见"]),
    ("他说：「你好。」", ["他", "说：", "「你", "好。」"]),
    ("我用Python写代码", ["我", "用", "Python", "写", "代", "码"]),
    ("用 Python 写", ["用 ", "Python ", "写"]),
    ("好! 中!abc", ["好! ", "中!", "abc"]),
    ("Python。好", ["Python。", "好"]),
    ("コーヒー、人々", ["コー", "ヒー、", "人々"]),
    ("สวัสดีครับ", ["ส", "วั", "ส", "ดี", "ค", "รั", "บ"]),
    ("เก่า ๆ ไป", ["เก่า ๆ ", "ไป"]),
    ("မြန်မာ", ["မြ", "န်", "မာ"]),
    ("က္ကက", ["က္က", "က"]),
    ("ក្សា", ["ក្សា"]),
]


@pytest.mark.parametrize(("text", "expected"), WORD_CASES)
def test_word_boundaries(text: str, expected: list[str], chunking: Chunking) -> None:
    check(WordBuffer, text, expected, chunking)


def test_words_are_emitted_when_the_next_word_starts() -> None:
    buf = WordBuffer()
    assert buf.feed("Hel") == []
    assert buf.feed("lo wor") == ["Hello "]
    assert buf.pending == "wor"
    assert buf.feed("ld ") == []  # the whitespace run may go on
    assert buf.feed("") == []
    assert buf.feed("again") == ["world "]
    assert buf.close() == ["again"]


def test_an_ideograph_waits_for_the_next_character() -> None:
    buf = WordBuffer()
    assert buf.feed("你好") == ["你"]
    assert buf.feed("，") == []  # punctuation joins the held ideograph
    assert buf.feed("世") == ["好，"]
    assert buf.close() == ["世"]


def test_word_flush_keeps_the_context() -> None:
    buf = WordBuffer()
    assert buf.feed("Hel") == []
    assert buf.flush() == ["Hel"]
    assert buf.flush() == []
    assert buf.feed("lo wor") == ["lo "]
    assert buf.feed("ld ") == []
    assert buf.flush() == ["world "]
    assert buf.feed("next") == []  # the boundary before "next" fell where nothing is held
    assert buf.close() == ["next"]


def test_a_long_word_is_held_whole() -> None:
    word = "x" * 30_000
    buf = WordBuffer()
    out: list[str] = []
    for i in range(0, len(word), 3):
        out += buf.feed(word[i : i + 3])
    assert out == []
    assert buf.pending == word
    assert buf.feed(" y") == [word + " "]


# --------------------------------------------------------------------------------------
# SentenceBuffer
# --------------------------------------------------------------------------------------

SENTENCE_CASES = [
    # the basics: the whitespace (or newline) after a sentence stays with it
    ("Hi. There.", ["Hi. ", "There."]),
    ("Hello.\nWorld", ["Hello.\n", "World"]),
    ("Is it? Yes!  Done.\n", ["Is it? ", "Yes!  ", "Done.\n"]),
    ("What?! No!! Ok", ["What?! ", "No!! ", "Ok"]),
    ("  Hi. There", ["  Hi. ", "There"]),
    ("No ending", ["No ending"]),
    # closing quotes and brackets go with the sentence
    ('He said "Stop." Then left.', ['He said "Stop." ', "Then left."]),
    ("(It works.) Next", ["(It works.) ", "Next"]),
    ("It’s ‘done.’ Ok", ["It’s ‘done.’ ", "Ok"]),
    # decimals and money
    ("Pi is 3.14 and $2.50 is cheap. Ok", ["Pi is 3.14 and $2.50 is cheap. ", "Ok"]),
    ("It costs $2.50. Then", ["It costs $2.50. ", "Then"]),
    # abbreviations, case-insensitive
    ("Mr. Smith met Dr. Who. Then", ["Mr. Smith met Dr. Who. ", "Then"]),
    ("MR. SMITH came. Then", ["MR. SMITH came. ", "Then"]),
    ("See e.g. this and i.e. that. Next", ["See e.g. this and i.e. that. ", "Next"]),
    ("Apples, pears, etc. are fruit. Yes", ["Apples, pears, etc. are fruit. ", "Yes"]),
    ("At 5 p.m. Monday. Ok", ["At 5 p.m. Monday. ", "Ok"]),
    ("Acme Inc. Ltd. No. 5 (approx. 40) vs. Jan. 3", None),
    ("He moved to the U.S. last year.", None),
    # initials, but not the pronoun I
    ("J. K. Rowling wrote it. Then", ["J. K. Rowling wrote it. ", "Then"]),
    ("J.K. Rowling wrote it.", None),
    ("So did I. Then we left.", ["So did I. ", "Then we left."]),
    # ellipses
    ("Well... maybe not. Ok", ["Well... maybe not. ", "Ok"]),
    ("Wait... Then it came.", ["Wait... ", "Then it came."]),
    ("Well… maybe", None),
    ("Wait… Then", ["Wait… ", "Then"]),
    ('"Well..." she said', None),
    # URLs and e-mail addresses
    ("see https://example.com/a.b?c=1. Next", ["see https://example.com/a.b?c=1. ", "Next"]),
    ("Visit example.com. Then", ["Visit example.com. ", "Then"]),
    ("Is https://x.io/?q=1!x up? Yes", ["Is https://x.io/?q=1!x up? ", "Yes"]),
    ("Mail john.doe@example.com. Thanks", ["Mail john.doe@example.com. ", "Thanks"]),
    # numbered lists: a marker at the start of a line is not a sentence end
    ("1. First\n2. Second", None),
    ("1. First item.\n2. Second item.", ["1. First item.\n", "2. Second item."]),
    ("Intro:\n  10. Ten\n11. Eleven", None),
    ("a. one\nb. two", None),
    ("Chapter 1. Then", ["Chapter 1. ", "Then"]),
    ("Intro.\n1. First", ["Intro.\n", "1. First"]),
    # a blank line always ends a sentence; a single newline after a non-ender does not
    ("# Heading\n\nBody text", ["# Heading\n\n", "Body text"]),
    ("line one\nline two", None),
    ("Mr.\n\nSmith", ["Mr.\n\n", "Smith"]),
    ("x\r\n\r\ny", ["x\r\n\r\n", "y"]),
    ("x\r\ny", None),
    ("x\n \t\ny", ["x\n \t\n", "y"]),
    ("x\r\ry", ["x\r\r", "y"]),
    ("Well...\n\nmaybe", ["Well...\n\n", "maybe"]),
    # CJK enders split even without whitespace
    ("你好。再见！好吗？", ["你好。", "再见！", "好吗？"]),
    ("他说：“你好。”然后走了。", ["他说：“你好。”", "然后走了。"]),
    ("好。 \n再见", ["好。 \n", "再见"]),
    ("これは本です．次", ["これは本です．", "次"]),
    ("３．１４です", None),
    ("Hi!你好", None),
]


@pytest.mark.parametrize(("text", "expected"), SENTENCE_CASES)
def test_sentence_boundaries(text: str, expected: list[str] | None, chunking: Chunking) -> None:
    check(SentenceBuffer, text, [text] if expected is None else expected, chunking)


def test_abbreviations_constant_has_the_common_ones() -> None:
    wanted = "mr mrs ms dr prof sr jr st vs etc e.g i.e cf al approx inc ltd co corp no fig"
    assert set(wanted.split()) | {"u.s", "u.k", "a.m", "p.m", "jan", "feb"} <= ABBREVIATIONS
    assert all(a == a.lower() and not a.endswith(".") for a in ABBREVIATIONS)


def test_sentence_is_emitted_when_the_next_one_starts() -> None:
    buf = SentenceBuffer()
    assert buf.feed("Hi.") == []
    assert buf.feed(" ") == []  # "Hi. " might be "Hi. \n\n" or "Hi. there"
    assert buf.feed("Th") == ["Hi. "]
    assert buf.feed("ere... ") == []
    assert buf.feed("may") == []  # an ellipsis followed by a lowercase word goes on
    assert buf.feed("be. ") == []
    assert buf.pending == "There... maybe. "
    assert buf.close() == ["There... maybe. "]


def test_sentence_flush_keeps_the_context() -> None:
    buf = SentenceBuffer()
    assert buf.feed("Ask Mr") == []
    assert buf.flush() == ["Ask Mr"]
    # "Mr" was emitted, but "Mr." is still seen as an abbreviation
    assert buf.feed(". Smith. Then") == [". Smith. "]
    assert buf.feed("\n") == []
    assert buf.flush() == ["Then\n"]
    assert buf.feed("\nNext") == ["\n"]  # the blank line still ends the sentence
    assert buf.close() == ["Next"]


def test_sentence_context_reaches_back_past_emitted_pieces() -> None:
    buf = SentenceBuffer()
    assert buf.feed("Intro.\n1") == ["Intro.\n"]
    assert buf.feed(". First") == []  # "1." is at the start of a line: a list marker
    assert buf.close() == ["1. First"]


# --------------------------------------------------------------------------------------
# LineBuffer
# --------------------------------------------------------------------------------------

LINE_CASES = [
    ("one\ntwo\r\nthree\rfour", ["one\n", "two\r\n", "three\r", "four"]),
    ("\n\n", ["\n", "\n"]),
    ("\r\r\n\n", ["\r", "\r\n", "\n"]),
    ("a\r", ["a\r"]),
    ("no ending", ["no ending"]),
    ("", []),
    ("x\u2028y\x0bz\n", ["x\u2028y\x0bz\n"]),  # only \n, \r\n and \r end a line
]


@pytest.mark.parametrize(("text", "expected"), LINE_CASES)
def test_line_boundaries(text: str, expected: list[str], chunking: Chunking) -> None:
    check(LineBuffer, text, expected, chunking)


def test_crlf_split_across_chunks_is_one_ending() -> None:
    buf = LineBuffer()
    assert buf.feed("a\r") == []  # a lone "\r" waits for the next character
    assert buf.pending == "a\r"
    assert buf.feed("") == []
    assert buf.feed("\nb\r") == ["a\r\n"]
    assert buf.feed("c") == ["b\r"]
    assert buf.close() == ["c"]


def test_line_flush_with_a_pending_cr() -> None:
    buf = LineBuffer()
    assert buf.feed("a\r") == []
    assert buf.flush() == ["a\r"]
    assert buf.feed("\nb") == ["\n"]  # the rest of that "\r\n" ending
    assert buf.close() == ["b"]


# --------------------------------------------------------------------------------------
# ParagraphBuffer
# --------------------------------------------------------------------------------------

FENCED = "Code:\n\n```py\na = 1\n\n\nb = 2\n```\n\nEnd"
PARAGRAPH_CASES = [
    ("One.\n\nTwo.\n", ["One.\n\n", "Two.\n"]),
    ("A\n\n \n\t\nB", ["A\n\n \n\t\n", "B"]),
    ("line1\nline2\n", ["line1\nline2\n"]),
    ("\n\nHello", ["\n\n", "Hello"]),
    ("A\n\n  B", ["A\n\n", "  B"]),
    ("A\r\n\r\nB\r\n", ["A\r\n\r\n", "B\r\n"]),
    ("A\r\rB", ["A\r\r", "B"]),
    ("A\n\n", ["A\n\n"]),
    # fenced code blocks are never split
    (FENCED, ["Code:\n\n", "```py\na = 1\n\n\nb = 2\n```\n\n", "End"]),
    ("~~~\na\n\nb\n~~~\n\nc", ["~~~\na\n\nb\n~~~\n\n", "c"]),
    ("```\na\n\n```\n\nb", ["```\na\n\n```\n\n", "b"]),
    ("```\r\na\r\n\r\nb\r\n```\r\n\r\nc", ["```\r\na\r\n\r\nb\r\n```\r\n\r\n", "c"]),
    # the closing fence: same character, at least as long, nothing else on the line
    ("````\na\n\n```\n\nb\n`````\n\nc", ["````\na\n\n```\n\nb\n`````\n\n", "c"]),
    ("```\na\n\n~~~\n\nb\n```\n\nc", ["```\na\n\n~~~\n\nb\n```\n\n", "c"]),
    ("```\na\n\n``` x\n\nb\n```  \n\nc", ["```\na\n\n``` x\n\nb\n```  \n\n", "c"]),
    ("   ```\na\n\nb\n  ```\n\nc", ["   ```\na\n\nb\n  ```\n\n", "c"]),
    # not fences: four spaces of indent, a backtick in the info string, only two backticks
    ("    ```\na\n\nb", ["    ```\na\n\n", "b"]),
    ("``` a`b\n\nc", ["``` a`b\n\n", "c"]),
    ("``\n\nc", ["``\n\n", "c"]),
    # an unclosed fence runs to the end
    ("```\na\n\nb\n\nc", ["```\na\n\nb\n\nc"]),
]


@pytest.mark.parametrize(("text", "expected"), PARAGRAPH_CASES)
def test_paragraph_boundaries(text: str, expected: list[str], chunking: Chunking) -> None:
    check(ParagraphBuffer, text, expected, chunking)


def test_paragraph_is_emitted_at_the_next_paragraphs_first_character() -> None:
    buf = ParagraphBuffer()
    assert buf.feed("Intro.\n\n") == []
    assert buf.feed("  ") == []  # maybe indentation, maybe another blank line
    assert buf.feed("\n") == []
    assert buf.feed("  ") == []
    assert buf.feed("Next") == ["Intro.\n\n  \n"]
    assert buf.close() == ["  Next"]


def test_paragraph_flush_keeps_the_fence() -> None:
    buf = ParagraphBuffer()
    assert buf.feed("```\ncode\n\n") == []
    assert buf.flush() == ["```\ncode\n\n"]
    assert buf.feed("more\n```\n\nText") == ["more\n```\n\n"]
    assert buf.feed("\n\n") == []
    assert buf.flush() == ["Text\n\n"]
    assert buf.feed("After") == []  # its boundary fell where nothing is held
    assert buf.close() == ["After"]


# --------------------------------------------------------------------------------------
# ChunkBuffer
# --------------------------------------------------------------------------------------


def test_chunk_sizes(chunking: Chunking) -> None:
    text = "a bb ccc dddd e ff"
    check(lambda: ChunkBuffer(4), text, ["a bb ", "ccc ", "dddd ", "e ff"], chunking)
    check(lambda: ChunkBuffer(1), text, pieces(WordBuffer(), [text]), chunking)
    check(lambda: ChunkBuffer(100), text, [text], chunking)


def test_chunks_never_split_a_word(chunking: Chunking) -> None:
    text = "tiny enormousness x"
    check(lambda: ChunkBuffer(6), text, ["tiny enormousness ", "x"], chunking)
    check(lambda: ChunkBuffer(3), "你好世界", ["你好世", "界"], chunking)


def test_chunk_default_min_chars() -> None:
    text = "word " * 40
    out = pieces(ChunkBuffer(), [text])
    assert [len(p) for p in out] == [65, 65, 65, 5]


@pytest.mark.parametrize("bad", [0, -1])
def test_chunk_min_chars_must_be_positive(bad: int) -> None:
    with pytest.raises(ValueError, match="min_chars"):
        ChunkBuffer(bad)


def test_chunk_flush_starts_a_new_piece() -> None:
    buf = ChunkBuffer(8)
    assert buf.feed("ab cd e") == []
    assert buf.pending == "ab cd e"
    assert buf.flush() == ["ab cd e"]
    assert buf.pending == ""
    assert buf.feed("f gh ijkl mn") == ["f gh ijkl "]
    assert buf.close() == ["mn"]


# --------------------------------------------------------------------------------------
# The character tables behind WordBuffer
# --------------------------------------------------------------------------------------


def test_character_classes_are_disjoint() -> None:
    sets = [_CLOSE_CPS, _OPEN_CPS, _ATTACH_CPS]
    for i, a in enumerate(sets):
        for b in sets[i + 1 :]:
            assert not a & b
    for lo, hi in _SOLO_RANGES:
        assert lo <= hi
        for cp in _CLOSE_CPS | _OPEN_CPS | _ATTACH_CPS:
            assert not lo <= cp <= hi, hex(cp)
    assert _JOIN_CPS <= _ATTACH_CPS


def _is_solo(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _SOLO_RANGES)


def test_no_space_script_letters_are_solo() -> None:
    for ch in "中文日本語のテ가ทยมက":
        assert _is_solo(ord(ch)) == (ch != "가"), ch  # Hangul is spaced, like Latin
    for lo, hi in _SEA_BLOCKS:
        for cp in range(lo, hi + 1):
            category = unicodedata.category(chr(cp))
            if category.startswith("M"):
                assert cp in _ATTACH_CPS, hex(cp)
            if category in ("Nd", "Sc"):
                assert not _is_solo(cp), hex(cp)
