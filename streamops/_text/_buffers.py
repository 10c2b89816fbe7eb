# This module is about CJK and fullwidth punctuation: its strings hold characters that
# look like ASCII ones on purpose.
# ruff: noqa: RUF001, RUF002
"""Synchronous text-buffer cores: ``str`` fragments in, words / sentences / lines out.

Each buffer is a plain push engine with no I/O and no event loop:

* ``feed(chunk)`` returns the pieces that ``chunk`` completed;
* ``flush()`` emits whatever is held right now (a ``max_delay`` timer fired),
  keeping the context later rules need (the previous character, "inside a code
  fence", ...);
* ``close()`` emits everything held at the end of the stream and resets the
  buffer, so it may be reused for a new stream;
* ``pending`` is the text held and not yet emitted.

Two properties hold for every buffer and every input (the property tests prove
them):

1. Lossless: the concatenation of everything ``feed`` and ``close`` return is
   exactly the concatenation of the chunks fed.
2. Chunking independence: without ``flush()`` the list of pieces is the same
   however the text was cut into chunks. Every boundary is a function of the
   text itself; a piece is emitted only once the characters that decide its
   boundary have arrived, and the undecided tail is carried into the next
   ``feed`` (like httpx's ``LineDecoder`` carries a lone ``\\r``).

Cost is linear in the text: held text is a list of parts joined once per
piece, and each ``feed`` scans only the new chunk (with compiled regexes) plus a
small, bounded amount of context.
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Final

__all__ = [
    "ABBREVIATIONS",
    "ChunkBuffer",
    "LineBuffer",
    "ParagraphBuffer",
    "SentenceBuffer",
    "TextBuffer",
    "WordBuffer",
]


# --------------------------------------------------------------------------------------
# Character classes for words in scripts written without spaces
# --------------------------------------------------------------------------------------


def _cps(chars: str) -> frozenset[int]:
    return frozenset(ord(c) for c in chars)


def _span(lo: int, hi: int) -> frozenset[int]:
    return frozenset(range(lo, hi + 1))


def _to_ranges(codepoints: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted, merged ``(first, last)`` ranges covering exactly ``codepoints``."""
    out: list[tuple[int, int]] = []
    for cp in sorted(codepoints):
        if out and cp == out[-1][1] + 1:
            out[-1] = (out[-1][0], cp)
        else:
            out.append((cp, cp))
    return out


def _minus(ranges: Iterable[tuple[int, int]], drop: frozenset[int]) -> list[tuple[int, int]]:
    """``ranges`` without the code points in ``drop`` (which is small)."""
    out: list[tuple[int, int]] = []
    for lo, hi in ranges:
        for cp in sorted(c for c in drop if lo <= c <= hi):
            if lo < cp:
                out.append((lo, cp - 1))
            lo = cp + 1
        if lo <= hi:
            out.append((lo, hi))
    return out


def _class_body(ranges: Iterable[tuple[int, int]]) -> str:
    """A regex character-class body (no brackets) matching exactly ``ranges``."""
    return "".join(_esc(lo) if lo == hi else f"{_esc(lo)}-{_esc(hi)}" for lo, hi in ranges)


def _esc(cp: int) -> str:
    return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"


# Closing / trailing punctuation: kept with the character before it, never starts a piece
# unless nothing precedes it.
_CLOSE_CPS: Final = _cps(
    "、。，．！？：；」』）】〉》〕〗〙〛｝］｠｣､｡…‥・゠〜～”〞〟"  # CJK and fullwidth
    "ฯๆ๚๛"  # Thai
    "ຯໆ"  # Lao
    "។៕៖ៗ៘៙៚"  # Khmer
    "၊။"  # Myanmar
)
# Opening punctuation (and the Thai/Lao vowels written before their consonant): starts a
# piece, and the next character always stays with it.
_OPEN_CPS: Final = _cps("「『（【〈《〔〖〘〚｛［｟｢〝“‘เแโใไເແໂໃໄ")
# After these no boundary may follow: a virama / coeng stacks the next consonant.
_JOIN_CPS: Final = _cps("\u1039\u17d2\u200d")
# Characters that never start a piece: they belong to the character before them
# (combining marks, prolonged-sound and iteration marks, joiners, variation selectors,
# Thai/Lao following vowels that are letters rather than marks). The combining marks of
# the South-East Asian blocks below are added from the Unicode database at import.
_ATTACH_FIXED_CPS: Final = (
    _cps("ー々〻ゝゞヽヾｰ゛゜\u3099\u309a\uff9e\uff9f\u200cะาำๅະາຳ")
    | _JOIN_CPS
    | _span(0x302A, 0x302F)
    | _span(0x0300, 0x036F)
    | _span(0x1AB0, 0x1AFF)
    | _span(0x1DC0, 0x1DFF)
    | _span(0x20D0, 0x20FF)
    | _span(0xFE00, 0xFE0F)
    | _span(0xFE20, 0xFE2F)
    | _span(0xE0100, 0xE01EF)
)
# Han and kana: fixed ranges (the marks inside them are in the sets above).
_HAN_KANA_RANGES: Final = (
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x3006, 0x3007),
    (0x3021, 0x3029),  # Hangzhou numerals
    (0x3038, 0x303A),
    (0x3041, 0x3096),  # Hiragana
    (0x309F, 0x309F),
    (0x30A1, 0x30FA),  # Katakana
    (0x30FF, 0x30FF),
    (0x3190, 0x319F),  # Kanbun
    (0x31C0, 0x31FF),  # CJK strokes, Katakana phonetic extensions
    (0x3400, 0x4DBF),  # Extension A
    (0x4E00, 0x9FFF),  # Unified ideographs
    (0xF900, 0xFAFF),  # Compatibility ideographs
    (0xFF66, 0xFF9D),  # Halfwidth katakana
    (0x1B000, 0x1B16F),  # Kana supplement / extended
    (0x20000, 0x3FFFF),  # Extensions B and later
)
# South-East Asian scripts: whole blocks, sorted by Unicode category at import.
_SEA_BLOCKS: Final = (
    (0x0E00, 0x0E7F),  # Thai
    (0x0E80, 0x0EFF),  # Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x19E0, 0x19FF),  # Khmer symbols
    (0xA9E0, 0xA9FF),  # Myanmar extended-B
    (0xAA60, 0xAA7F),  # Myanmar extended-A
)


def _solo_and_attach() -> tuple[list[tuple[int, int]], frozenset[int]]:
    """The ranges of characters that are each a piece of their own, and those that attach."""
    attach = set(_ATTACH_FIXED_CPS)
    taken = _CLOSE_CPS | _OPEN_CPS | _ATTACH_FIXED_CPS
    solo: set[int] = set()
    for lo, hi in _SEA_BLOCKS:
        for cp in range(lo, hi + 1):
            if cp in taken:
                continue
            cat = unicodedata.category(chr(cp))
            if cat[0] == "M":
                attach.add(cp)
            elif cat not in ("Nd", "Sc"):  # digits and currency group like Latin
                solo.add(cp)
    ranges = _minus(_HAN_KANA_RANGES, taken) + _to_ranges(solo)
    return sorted(ranges), frozenset(attach)


_SOLO_RANGES, _ATTACH_CPS = _solo_and_attach()

_SOLO = _class_body(_SOLO_RANGES)
_CLOSE = _class_body(_to_ranges(_CLOSE_CPS))
_OPEN = _class_body(_to_ranges(_OPEN_CPS))
_ATTACH = _class_body(_to_ranges(_ATTACH_CPS))
_JOIN = _class_body(_to_ranges(_JOIN_CPS))
# ASCII punctuation that stays with a preceding no-space character ("你好!" is one piece).
_ASCII_TRAIL: Final = "!%),.:;?]}"
_TRAIL = re.escape(_ASCII_TRAIL)

# A word boundary is the END of a match (consuming alternatives) or the position of a
# zero-width one. "Plain" characters are everything not whitespace / closing / opening /
# solo / attaching: Latin, digits, Hangul, ASCII punctuation, emoji, ...
_WORD_BOUNDARY: Final = re.compile(
    # before a solo char or opening punctuation, unless right after a joiner or an opener
    # (first, so that this empty match is reported before a match starting at that char)
    f"(?=[{_SOLO}{_OPEN}])(?<![{_JOIN}{_OPEN}])"
    # after whitespace or closing punctuation (and what attaches to it), before a plain char
    f"|[\\s{_CLOSE}][{_ATTACH}]*(?=[^\\s{_CLOSE}{_OPEN}{_SOLO}{_ATTACH}])"
    # after a solo char (plus marks and trailing ASCII punctuation), before a plain char
    f"|[{_SOLO}][{_ATTACH}]*(?:[{_TRAIL}][{_TRAIL}{_ATTACH}]*)?"
    f"(?=[^\\s{_CLOSE}{_OPEN}{_SOLO}{_ATTACH}{_TRAIL}])"
)
_ASCII_BOUNDARY: Final = re.compile(r"\s(?=\S)")  # the same rule for ASCII text
_SPACES: Final = re.compile(" +")
_IS_SOLO: Final = re.compile(f"[{_SOLO}]")
_SOLO_RUN: Final = re.compile(f"[{_SOLO}]+")
_NO_BREAK_AFTER: Final = frozenset(chr(cp) for cp in _JOIN_CPS | _OPEN_CPS)
_ATTACH_SET: Final = frozenset(chr(cp) for cp in _ATTACH_CPS)
# Context standing for "a solo character followed by trailing ASCII punctuation".
_SOLO_TRAIL_CTX: Final = "\u4e00!"


# --------------------------------------------------------------------------------------
# Shared held-text mechanism
# --------------------------------------------------------------------------------------


class TextBuffer(ABC):
    """Base of the text buffers: holds undecided text as a list of parts.

    Subclasses implement :meth:`feed`; :meth:`flush`, :meth:`close` and
    :attr:`pending` are shared. Held parts are never empty strings, so "nothing
    held" is simply an empty list.

    Every buffer is used the same way, without an event loop:

    >>> buf = LineBuffer()
    >>> buf.feed("one\\ntw"), buf.pending, buf.flush(), buf.close()
    (['one\\n'], 'tw', ['tw'], [])
    """

    __slots__ = ("_parts",)

    accepts: tuple[type, ...] = (str,)
    """The chunk types the buffer takes (the operators name them in a ``TypeError``)."""
    operator = "a text buffer"
    """The operator's name as users call it, for error messages."""

    def __init__(self) -> None:
        self._parts: list[str] = []

    @abstractmethod
    def feed(self, chunk: str) -> list[str]:
        """Take the next chunk of text; return the pieces it completed (often none)."""

    def _wrong_chunk(self, chunk: object) -> TypeError:
        return TypeError(f"{self.operator} takes str chunks, not {type(chunk).__name__}")

    def flush(self) -> list[str]:
        """Emit everything held now as one piece (or nothing), keeping the rule context."""
        parts = self._parts
        if not parts:
            return []
        text = parts[0] if len(parts) == 1 else "".join(parts)
        parts.clear()
        return [text]

    def close(self) -> list[str]:
        """End of stream: emit everything held and reset the buffer for reuse."""
        out = self.flush()
        self._reset()
        return out

    @property
    def pending(self) -> str:
        """The text held and not yet emitted."""
        parts = self._parts
        if len(parts) > 1:  # join once, and keep the result: asking again is cheap
            parts[:] = ["".join(parts)]
        return parts[0] if parts else ""

    def _reset(self) -> None:
        """Forget all state (subclasses extend this)."""
        self._parts.clear()

    def _take(self, tail: str) -> str:
        """Return the held text followed by ``tail`` as one piece, and hold nothing."""
        parts = self._parts
        if parts:
            parts.append(tail)
            tail = "".join(parts)
            parts.clear()
        return tail


# --------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------


class WordBuffer(TextBuffer):
    """Cut text into words, each followed by the whole run of whitespace after it.

    A boundary is decided by the character just before it and the one just after
    it, so a word is emitted as soon as the first character of the next one
    arrives. The rules, with "plain" meaning any character not listed below
    (Latin, Cyrillic, Hangul, digits, ASCII punctuation, emoji, ...):

    * There is a boundary before a plain character when the last character before
      it that is not a combining mark is whitespace or closing punctuation. So a
      word of plain characters runs until whitespace, and the whitespace run
      after it stays with it. Leading whitespace at the very start of the stream
      is a piece of its own.
    * Scripts written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer,
      Myanmar) are not held back: there is a boundary before every such
      character, so each is its own piece. Closing CJK punctuation
      (``、。，！？：；」』）】…`` and their kin), whitespace and trailing ASCII
      punctuation (``!%),.:;?]}``) after it stay with it: the next boundary is
      before the next plain, no-space or opening character.
    * Opening punctuation (``「『（【“‘`` ...) starts a piece and keeps the
      character after it: no boundary follows it.
    * Combining marks, Thai and Lao following vowels, the prolonged-sound mark
      ``ー`` and iteration marks (``々ゝヽ``) never start a piece; no boundary
      follows a virama, Khmer coeng or zero-width joiner.

    Mixed text works: a Latin run inside CJK text is one piece, ended by the next
    no-space character or by whitespace.

    Words come out whole however the text was cut:

    >>> buf = WordBuffer()
    >>> buf.feed("Hel") + buf.feed("lo wor") + buf.feed("ld") + buf.close()
    ['Hello ', 'world']

    Whitespace runs stay with the word before them:

    >>> buf.feed("  hi a  b\\n\\nc") + buf.close()
    ['  ', 'hi ', 'a  ', 'b\\n\\n', 'c']

    Each ideograph is a piece, with its punctuation:

    >>> buf.feed("我用Python写代码。好！") + buf.close()
    ['我', '用', 'Python', '写', '代', '码。', '好！']
    """

    operator = "words()"
    __slots__ = ("_ctx",)

    def __init__(self) -> None:
        super().__init__()
        # A stand-in for the text fed so far, as far as the next boundary cares (see
        # _context): "a" after a plain ASCII character (or at the start), " " after
        # whitespace, else a short string the boundary regex reads as the real text.
        self._ctx = "a"

    def feed(self, chunk: str) -> list[str]:
        if type(chunk) is not str and not isinstance(chunk, str):
            raise self._wrong_chunk(chunk)
        ctx = self._ctx
        if (ctx == "a" or ctx == " ") and chunk.isascii() and chunk.isprintable():
            # The hot path: printable ASCII after ASCII, so " " is the only whitespace
            # and a boundary sits after each run of spaces. Inlined, with str.find.
            parts = self._parts
            if " " not in chunk:  # a piece of a word
                if chunk:
                    if ctx == " " and parts:
                        self._ctx = "a"
                        out = ["".join(parts)]
                        parts.clear()
                        parts.append(chunk)
                        return out
                    self._ctx = "a"
                    parts.append(chunk)
                return []
            out = []
            if ctx == " " and chunk[0] != " " and parts:
                out.append("".join(parts))
                parts.clear()
            i = chunk.find(" ")
            n = len(chunk)
            start = 0
            while True:
                j = i + 1
                if j < n and chunk[j] == " ":  # a run of spaces: skip it in C
                    m = _SPACES.match(chunk, j)
                    if m:
                        j = m.end()
                if j == n:  # ends with spaces: the boundary after them is undecided
                    self._ctx = " "
                    break
                if parts:
                    parts.append(chunk[start:j])
                    out.append("".join(parts))
                    parts.clear()
                else:
                    out.append(chunk[start:j])
                start = j
                i = chunk.find(" ", j)
                if i < 0:
                    self._ctx = "a"
                    break
            parts.append(chunk[start:] if start else chunk)
            return out
        if not chunk:
            return []
        if (ctx == "a" or ctx == " ") and chunk.isascii():
            return self._feed_ascii(chunk, ctx)
        if _SOLO_RUN.fullmatch(chunk):
            return self._feed_solo(chunk, ctx)
        return self._feed_any(chunk, ctx)

    def _feed_ascii(self, chunk: str, ctx: str) -> list[str]:
        """ASCII after ASCII, with any whitespace: a boundary after each whitespace run."""
        parts = self._parts
        out: list[str] = []
        if ctx == " " and not chunk[0].isspace() and parts:
            out.append("".join(parts))
            parts.clear()
        start = 0
        for m in _ASCII_BOUNDARY.finditer(chunk):
            b = m.end()
            if parts:
                parts.append(chunk[start:b])
                out.append("".join(parts))
                parts.clear()
            else:
                out.append(chunk[start:b])
            start = b
        parts.append(chunk[start:] if start else chunk)
        self._ctx = " " if chunk[-1].isspace() else "a"
        return out

    def _feed_solo(self, chunk: str, ctx: str) -> list[str]:
        """Only no-space characters (a run of ideographs): a boundary before each."""
        parts = self._parts
        out = list(chunk)
        self._ctx = out.pop()  # the last one waits: marks or punctuation may follow it
        if parts:
            if ctx[-1] in _NO_BREAK_AFTER:  # no boundary before the first character
                if out:
                    out[0] = "".join(parts) + out[0]
                    parts.clear()
            else:
                out.insert(0, "".join(parts))
                parts.clear()
        parts.append(self._ctx)
        return out

    def _feed_any(self, chunk: str, ctx: str) -> list[str]:
        """Any text after any context: the full boundary regex over ``ctx + chunk``."""
        s = ctx + chunk
        n = len(ctx)
        start = n
        out: list[str] = []
        parts = self._parts
        for m in _WORD_BOUNDARY.finditer(s):
            b = m.end()
            if b < n:  # inside the context: decided by an earlier feed
                continue
            piece = s[start:b]
            if parts:
                parts.append(piece)
                piece = "".join(parts)
                parts.clear()
            elif not piece:
                continue
            out.append(piece)
            start = b
        if start < len(s):
            parts.append(chunk if start == n else s[start:])
        self._ctx = _context(chunk, ctx)
        return out

    def _reset(self) -> None:
        super()._reset()
        self._ctx = "a"


def _context(chunk: str, old: str) -> str:
    """A short string standing for everything fed up to the end of ``chunk``.

    ``_WORD_BOUNDARY`` decides positions after it exactly as it would with the
    real text: it is the last character that is not a mark (" " for any
    whitespace, "a" for any other ASCII character, or "solo + trailing ASCII
    punctuation"), followed by the last character if that one is a mark.
    """
    i = len(chunk) - 1
    mark = chunk[i] if chunk[i] in _ATTACH_SET else ""
    while i >= 0 and chunk[i] in _ATTACH_SET:
        i -= 1
    if i < 0:  # only marks: the base before them is unchanged
        base = old[:-1] if old[-1] in _ATTACH_SET else old
        return base + mark
    c = chunk[i]
    if c.isspace():
        return " " + mark
    if c in _ASCII_TRAIL:
        while i >= 0 and (chunk[i] in _ASCII_TRAIL or chunk[i] in _ATTACH_SET):
            i -= 1
        if i < 0:
            base = old[:-1] if old[-1] in _ATTACH_SET else old
            after_solo = base == _SOLO_TRAIL_CTX or _IS_SOLO.fullmatch(base) is not None
        else:
            after_solo = _IS_SOLO.fullmatch(chunk[i]) is not None
        return (_SOLO_TRAIL_CTX if after_solo else "a") + mark
    return ("a" if c < "\x80" else c) + mark


# --------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------

#: Words after which a single ``.`` followed by whitespace does not end a sentence
#: (compared lowercased, without the final period; leading brackets/quotes ignored).
ABBREVIATIONS: Final[frozenset[str]] = frozenset(
    {
        # titles and names
        "mr", "mrs", "ms", "mx", "dr", "prof", "sr", "jr", "st", "mt", "rev", "hon",
        "gen", "col", "lt", "sgt", "capt", "cmdr", "adm", "gov", "sen", "rep", "pres",
        "messrs", "mme", "mlle",
        # Latin and writing
        "vs", "etc", "e.g", "i.e", "cf", "al", "approx", "viz", "ca", "ibid", "op", "cit",
        "fig", "figs", "eq", "eqs", "vol", "vols", "ch", "pp", "no", "nos", "ed", "eds",
        "est", "dept", "univ", "assn", "ave", "blvd", "rd",
        # organisations and places
        "inc", "ltd", "co", "corp", "llc", "bros", "u.s", "u.k", "u.s.a", "u.n", "e.u",
        "d.c",
        # degrees
        "ph.d", "m.d", "b.a", "m.a", "b.sc", "m.sc",
        # time
        "a.m", "p.m", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
        "oct", "nov", "dec",
    }
)  # fmt: skip

_CONTEXT: Final = 32  # characters of look-back kept for the period exceptions
_TOKEN_MAX: Final = 24  # a longer word before a period is never an exception
_ENDERS: Final = ".!?…。！？．"
_CLOSERS: Final = "\"'”’)]}»」』】）〕〉》〗〙〛｝］｣〞〟"
_OPENERS: Final = "\"'“‘([{«「『（【〔〈《"
_SENT_STOP: Final = re.compile(f"[{re.escape(_ENDERS)}\\r\\n]")
_RUN_END: Final = re.compile(f"[^{re.escape(_ENDERS + _CLOSERS)}]")
_NON_SPACE: Final = re.compile(r"\S")

_TEXT, _RUN, _SPACE = 0, 1, 2  # SentenceBuffer states
_NONE, _SPLIT, _ELLIPSIS = 0, 1, 2  # what the whitespace run being read will decide
_RUN_BANG, _RUN_ELLIPSIS, _RUN_CJK, _RUN_FW_DOT = 1, 2, 4, 8  # what an ender run holds


class SentenceBuffer(TextBuffer):
    """Cut text into sentences, each followed by the whitespace run after it.

    A sentence ends after a run of enders and closing quotes/brackets that is
    followed by whitespace; the piece also takes that whole whitespace run, so
    the boundary is decided when the first non-space character after it arrives.

    * Enders: ``. ! ? …`` (``...`` too) and the CJK ``。！？．``. Closers
      after them: ``" ' ” ’ ) ] } » 」 』 】 ）`` and their kin.
    * A run containing ``。！？`` or ``．`` ends a sentence even with no
      whitespace after it (``．`` between two digits excepted).
    * A run of only dots/``…`` (an ellipsis) followed by whitespace and then a
      lowercase letter does not end a sentence ("Well... maybe" is one).
    * A lone ``.`` (no closers) followed by whitespace does not end a sentence
      after a word in :data:`ABBREVIATIONS`, after initials (``J.`` or ``J.K.``:
      single uppercase letters joined by dots, but not the pronoun ``I``), or
      after a numbered-list marker at the start of a line (digits, or one
      letter: ``1.``, ``a.``).
    * Decimals (``3.14``), URLs and e-mail addresses are never split, because
      their inner dots are not followed by whitespace; "Visit example.com. Then"
      still splits after ``com.``.
    * A blank line (two line endings with only whitespace between them) always
      ends a sentence, punctuation or not (headings, list items); a single
      newline after a non-ender does not. So a list item ends at its newline
      only if it ends with an ender.

    Sentences come out whole however the text was cut:

    >>> buf = SentenceBuffer()
    >>> buf.feed("Dr. Smith pa") + buf.feed("id $3.50. Then") + buf.feed(" he left.") + buf.close()
    ['Dr. Smith paid $3.50. ', 'Then he left.']

    The whitespace after a sentence stays with it, and CJK enders split at once:

    >>> buf.feed("Hello.\\nWorld... maybe not! 你好。再见") + buf.close()
    ['Hello.\\n', 'World... maybe not! ', '你好。', '再见']
    """

    operator = "sentences()"
    __slots__ = (
        "_back",
        "_cr",
        "_endings",
        "_kind",
        "_run_dots",
        "_run_first",
        "_run_flags",
        "_run_len",
        "_state",
    )

    def __init__(self) -> None:
        super().__init__()
        self._reset_state()

    def _reset_state(self) -> None:
        self._state = _TEXT
        # Last _CONTEXT characters before the held text; a virtual newline marks the
        # start of the stream (so a list marker on the first line is at a line start).
        self._back = "\n"
        # Inside an ender run: its first char, length, number of "." and _RUN_* flags.
        self._run_first = ""
        self._run_len = 0
        self._run_dots = 0
        self._run_flags = 0
        # Inside a whitespace run: what it decides, line endings seen (capped), and
        # whether its last char was "\r" (a "\r\n" split over two chunks).
        self._kind = _NONE
        self._endings = 0
        self._cr = False

    def _reset(self) -> None:
        super()._reset()
        self._reset_state()

    def feed(self, chunk: str) -> list[str]:
        if type(chunk) is not str and not isinstance(chunk, str):
            raise self._wrong_chunk(chunk)
        if self._state == _TEXT:
            m = _SENT_STOP.search(chunk)
            if m is None:
                if chunk:
                    self._parts.append(chunk)
                return []
            return self._scan(chunk, m.start())
        if not chunk:
            return []
        return self._scan(chunk, 0)

    def flush(self) -> list[str]:
        out = super().flush()
        if out:
            self._remember(out[0])
        return out

    def _remember(self, piece: str) -> None:
        """Keep the last _CONTEXT characters of emitted text as look-back."""
        if len(piece) >= _CONTEXT:
            self._back = piece[-_CONTEXT:]
        else:
            self._back = (self._back + piece)[-_CONTEXT:]

    def _recent(self, chunk: str, start: int, i: int) -> str:
        """Up to _CONTEXT characters of the stream before ``chunk[i]``.

        ``chunk[start:i]`` is held text not yet in ``self._parts``.
        """
        if i - start >= _CONTEXT:
            return chunk[i - _CONTEXT : i]
        bits = [chunk[start:i]]
        have = i - start
        for part in reversed(self._parts):
            bits.append(part[-(_CONTEXT - have) :])
            have += len(part)
            if have >= _CONTEXT:
                break
        else:
            bits.append(self._back)
        bits.reverse()
        return "".join(bits)[-_CONTEXT:]

    def _scan(self, chunk: str, pos: int) -> list[str]:
        """Run the state machine over ``chunk[pos:]`` (the state lives in locals here)."""
        out: list[str] = []
        parts = self._parts
        n = len(chunk)
        start = 0  # held text in this chunk starts here
        state = self._state
        run_len, run_dots, run_flags = self._run_len, self._run_dots, self._run_flags
        kind, endings, cr = self._kind, self._endings, self._cr
        while pos < n:
            if state == _TEXT:
                m = _SENT_STOP.search(chunk, pos)
                if m is None:
                    break
                pos = m.start()
                c = chunk[pos]
                if c == "\n" or c == "\r":
                    state, kind, endings, cr = _SPACE, _NONE, 0, False
                else:
                    state, run_len, run_dots, run_flags = _RUN, 0, 0, 0
                    self._run_first = c
            elif state == _RUN:
                m = _RUN_END.search(chunk, pos)
                end = n if m is None else m.start()
                seg = chunk[pos:end]
                run_len += len(seg)
                if seg == ".":
                    run_dots += 1
                else:
                    run_dots += seg.count(".")
                    run_flags |= _run_flags(seg)
                if m is None:
                    break
                pos = end
                if chunk[pos].isspace():
                    state, endings, cr = _SPACE, 0, False
                    kind = self._run_kind(chunk, start, pos, run_len, run_dots, run_flags)
                else:
                    state = _TEXT
                    if (
                        run_flags & (_RUN_CJK | _RUN_FW_DOT)
                        and self._cjk_split(chunk, start, pos, run_len, run_flags)
                        and (pos > start or parts)
                    ):
                        piece = self._take(chunk[start:pos])
                        out.append(piece)
                        self._remember(piece)
                        start = pos
            else:  # _SPACE
                m = _NON_SPACE.search(chunk, pos)
                end = n if m is None else m.start()
                if endings < 2 and end > pos:
                    ws = chunk[pos:end]
                    if "\n" in ws or "\r" in ws:
                        endings += ws.count("\n") + ws.count("\r") - ws.count("\r\n")
                        if cr and ws[0] == "\n":
                            endings -= 1
                        cr = ws[-1] == "\r"
                    else:
                        cr = False
                if m is None:
                    break
                pos = end
                state = _TEXT
                if (
                    endings >= 2
                    or kind == _SPLIT
                    or (kind == _ELLIPSIS and not chunk[pos].islower())
                ) and (pos > start or parts):
                    piece = self._take(chunk[start:pos])
                    out.append(piece)
                    self._remember(piece)
                    start = pos
        self._state = state
        self._run_len, self._run_dots, self._run_flags = run_len, run_dots, run_flags
        self._kind, self._endings, self._cr = kind, endings, cr
        if start < n:
            parts.append(chunk[start:] if start else chunk)
        return out

    def _cjk_split(self, chunk: str, start: int, pos: int, run_len: int, flags: int) -> bool:
        """The run ends at the non-space ``chunk[pos]``: does it end a sentence anyway?"""
        if flags & _RUN_CJK:
            return True
        # A lone fullwidth full stop between two digits is a decimal point.
        return not (
            run_len == 1
            and chunk[pos].isdigit()
            and self._recent(chunk, start, pos)[-2:-1].isdigit()
        )

    def _run_kind(
        self, chunk: str, start: int, pos: int, run_len: int, dots: int, flags: int
    ) -> int:
        """The run ends at the whitespace ``chunk[pos]``: what will the end of it decide?"""
        if run_len == 1 and self._run_first == ".":
            before = self._recent(chunk, start, pos)[:-1]
            return _NONE if _period_exception(before) else _SPLIT
        if not flags & (_RUN_BANG | _RUN_CJK | _RUN_FW_DOT) and (
            dots >= 2 or flags & _RUN_ELLIPSIS
        ):
            return _ELLIPSIS
        return _SPLIT


def _run_flags(seg: str) -> int:
    """The _RUN_* flags of a piece of an ender run."""
    flags = 0
    if "!" in seg or "?" in seg:
        flags |= _RUN_BANG
    if "…" in seg:
        flags |= _RUN_ELLIPSIS
    if "。" in seg or "！" in seg or "？" in seg:
        flags |= _RUN_CJK
    if "．" in seg:
        flags |= _RUN_FW_DOT
    return flags


def _period_exception(before: str) -> bool:
    """Is a lone ``.`` after ``before`` an abbreviation, initial or list marker?"""
    if not before or before[-1].isspace():
        return False
    token = before.split()[-1]
    if len(token) > _TOKEN_MAX:
        return False
    word = token.lstrip(_OPENERS)
    if not word:
        return False
    if word.lower() in ABBREVIATIONS:
        return True
    if len(word) == 1:
        if word.isupper():
            return word != "I"  # an initial, but not the pronoun
        if not (word.isalpha() or word.isdecimal()):
            return False
    elif "." in word:  # initials like "J.K."
        return all(len(p) == 1 and p.isupper() for p in word.split("."))
    elif not word.isdecimal():
        return False
    # A number or a single letter: a list marker if it starts a line.
    line = before[: len(before) - len(token)].rstrip(" \t")
    return line[-1:] in ("\n", "\r")


# --------------------------------------------------------------------------------------
# Lines
# --------------------------------------------------------------------------------------

_EOL: Final = re.compile(r"\r\n|\r|\n")


class LineBuffer(TextBuffer):
    r"""Cut text into lines, each with its line ending.

    Line endings are ``\n``, ``\r\n`` and a lone ``\r``. A ``\r`` at the end of
    the held text waits for the next character, so a ``\r\n`` split across two
    chunks is one ending. A final unterminated line is emitted by :meth:`close`.

    >>> buf = LineBuffer()
    >>> buf.feed("one\r") + buf.feed("\ntwo\nthr") + buf.feed("ee") + buf.close()
    ['one\r\n', 'two\n', 'three']
    >>> buf.feed("a\rb\r") + buf.feed("c") + buf.close()
    ['a\r', 'b\r', 'c']
    """

    operator = "lines()"
    __slots__ = ("_cr",)

    def __init__(self) -> None:
        super().__init__()
        self._cr = False  # the held text ends with "\r": is it "\r\n"?

    def feed(self, chunk: str) -> list[str]:
        if type(chunk) is not str and not isinstance(chunk, str):
            raise self._wrong_chunk(chunk)
        if not self._cr and "\n" not in chunk and "\r" not in chunk:
            if chunk:
                self._parts.append(chunk)
            return []
        if not chunk:
            return []
        out: list[str] = []
        start = 0
        if self._cr:
            self._cr = False
            start = 1 if chunk[0] == "\n" else 0
            piece = self._take(chunk[:start])
            if piece:
                out.append(piece)
        n = len(chunk)
        for m in _EOL.finditer(chunk, start):
            end = m.end()
            if end == n and chunk[-1] == "\r":
                self._cr = True
                break
            out.append(self._take(chunk[start:end]))
            start = end
        if start < n:
            self._parts.append(chunk[start:])
        return out

    def _reset(self) -> None:
        super()._reset()
        self._cr = False


# --------------------------------------------------------------------------------------
# Paragraphs
# --------------------------------------------------------------------------------------

_FENCE_OPEN: Final = re.compile(r" {0,3}(?:(`{3,})[^`]*|(~{3,}).*)", re.DOTALL)
_FENCE_CLOSE: Final = re.compile(r" {0,3}(`{3,}|~{3,})[ \t]*")
_FENCE_INDENTS: Final = ("", " ", "  ", "   ")


class ParagraphBuffer(TextBuffer):
    r"""Cut text into paragraphs, each followed by the run of blank lines after it.

    A blank line contains only whitespace. There is a boundary at the start of a
    non-blank line whose previous line is blank, outside a code fence; it is
    decided when that line's first non-whitespace character arrives (the line's
    indentation goes with it). Blank lines at the very start of the stream are a
    piece of their own. Line endings are ``\n``, ``\r\n`` or ``\r``.

    A fenced Markdown code block is never split, even where it holds blank lines:
    a fence is a line of three or more backticks or tildes, indented at most three
    spaces (a backtick fence's info string may not contain a backtick); it is
    closed by a line holding only a fence of the same character, at least as
    long. An unclosed fence runs to the end of the stream.

    >>> buf = ParagraphBuffer()
    >>> buf.feed("Intro.\n") + buf.feed("\nSecond") + buf.feed(" one.\n") + buf.close()
    ['Intro.\n\n', 'Second one.\n']
    >>> buf.feed("Code:\n\n```py\na = 1\n\nb = 2\n```\n\nEnd") + buf.close()
    ['Code:\n\n', '```py\na = 1\n\nb = 2\n```\n\n', 'End']
    """

    operator = "paragraphs()"
    __slots__ = (
        "_after_cr",
        "_cut",
        "_fence_char",
        "_fence_len",
        "_line_nonblank",
        "_line_parts",
        "_prev_blank",
    )

    def __init__(self) -> None:
        super().__init__()
        self._reset_state()

    def _reset_state(self) -> None:
        self._fence_char = ""  # "`" or "~" inside a fenced code block
        self._fence_len = 0
        self._prev_blank = False  # the last complete line was blank (outside a fence)
        self._after_cr = False  # the last line ended with a "\r" at the end of a chunk
        # The current line: has it a non-whitespace char yet; its text so far while it
        # may still be a fence line (else None); and, if a boundary would fall at its
        # start, the index in self._parts where it starts.
        self._line_nonblank = False
        self._line_parts: list[str] | None = []
        self._cut: int | None = None

    def _reset(self) -> None:
        super()._reset()
        self._reset_state()

    def flush(self) -> list[str]:
        if self._cut is not None:
            self._cut = 0
        return super().flush()

    @property
    def pending(self) -> str:
        return "".join(self._parts)  # no compaction: self._cut indexes the parts

    def feed(self, chunk: str) -> list[str]:
        if type(chunk) is not str and not isinstance(chunk, str):
            raise self._wrong_chunk(chunk)
        if (
            self._line_nonblank
            and self._line_parts is None
            and not self._after_cr
            and "\n" not in chunk
            and "\r" not in chunk
        ):
            if chunk:
                self._parts.append(chunk)
            return []
        if not chunk:
            return []
        parts = self._parts
        out: list[str] = []
        n = len(chunk)
        start = pos = 0  # held text in this chunk starts at `start`
        if self._after_cr:
            self._after_cr = False
            if chunk[0] == "\n":
                pos = 1
            start = self._begin_line(chunk, start, pos)
        while True:
            m = _EOL.search(chunk, pos)
            end = n if m is None else m.start()
            if end > pos:
                seg = chunk[pos:end]
                line = self._line_parts
                if not self._line_nonblank:
                    k = _NON_SPACE.search(seg)
                    if k is None:
                        if line is not None:
                            line.append(seg)
                    else:
                        self._line_nonblank = True
                        self._line_parts = self._fence_candidate(line, seg, k.start())
                        cut = self._cut
                        if cut is not None:
                            self._cut = None
                            if cut:
                                piece = "".join(parts[:cut])
                                del parts[:cut]
                                out.append(piece)
                elif line is not None:
                    line.append(seg)
            if m is None:
                break
            self._end_line()
            pos = m.end()
            if pos == n:
                if chunk[-1] == "\r":
                    self._after_cr = True
                else:
                    start = self._begin_line(chunk, start, pos)
                break
            start = self._begin_line(chunk, start, pos)
        if start < n:
            parts.append(chunk[start:] if start else chunk)
        return out

    def _begin_line(self, chunk: str, start: int, pos: int) -> int:
        """A line starts at ``chunk[pos]``; return the new start of unheld text."""
        if self._prev_blank and not self._fence_len:
            if pos > start:
                self._parts.append(chunk[start:pos])
            self._cut = len(self._parts)
            return pos
        return start

    def _fence_candidate(self, line: list[str] | None, seg: str, k: int) -> list[str] | None:
        """The first non-space char of the line is ``seg[k]``: may the line be a fence?"""
        if line is None:
            return None
        ch = seg[k]
        if ch != "`" and ch != "~":
            return None
        if self._fence_len and ch != self._fence_char:
            return None
        if "".join(line) + seg[:k] not in _FENCE_INDENTS:
            return None
        line.append(seg)
        return line

    def _end_line(self) -> None:
        """The current line is complete: update the fence and blank-line state."""
        line = self._line_parts
        if self._fence_len:
            if line is not None and self._line_nonblank:
                m = _FENCE_CLOSE.fullmatch("".join(line))
                if m and m.group(1)[0] == self._fence_char and len(m.group(1)) >= self._fence_len:
                    self._fence_len = 0
            self._prev_blank = False
        else:
            if line is not None and self._line_nonblank:
                m = _FENCE_OPEN.fullmatch("".join(line))
                if m:
                    fence = m.group(1) or m.group(2)
                    self._fence_char = fence[0]
                    self._fence_len = len(fence)
            self._prev_blank = not self._line_nonblank
        self._line_nonblank = False
        self._line_parts = []
        self._cut = None


# --------------------------------------------------------------------------------------
# Size-based chunks
# --------------------------------------------------------------------------------------


class ChunkBuffer(TextBuffer):
    """Batch text into pieces of at least ``min_chars`` characters, never splitting a word.

    A piece ends at the first :class:`WordBuffer` boundary at or after
    ``min_chars`` characters since the piece started, so every piece but the last
    (or one forced out by :meth:`flush`) has at least ``min_chars`` characters.

    Args:
        min_chars: the smallest piece size, at least 1.

    Raises:
        ValueError: ``min_chars`` is less than 1.

    >>> buf = ChunkBuffer(4)
    >>> buf.feed("a bb c") + buf.feed("cc dd") + buf.feed("d e") + buf.close()
    ['a bb ', 'ccc ', 'ddd ', 'e']
    """

    operator = "chunks()"
    __slots__ = ("_min_chars", "_size", "_words")

    def __init__(self, min_chars: int = 64) -> None:
        if min_chars < 1:
            raise ValueError(f"min_chars must be at least 1, not {min_chars!r}")
        super().__init__()
        self._min_chars = min_chars
        self._words = WordBuffer()
        self._size = 0  # characters in self._parts (whole words of the current piece)

    def feed(self, chunk: str) -> list[str]:
        if type(chunk) is not str and not isinstance(chunk, str):
            raise self._wrong_chunk(chunk)
        words = self._words.feed(chunk)
        if not words:
            return []
        out: list[str] = []
        parts = self._parts
        size = self._size
        need = self._min_chars
        for word in words:
            parts.append(word)
            size += len(word)
            if size >= need:
                out.append(parts[0] if len(parts) == 1 else "".join(parts))
                parts.clear()
                size = 0
        self._size = size
        return out

    def flush(self) -> list[str]:
        self._parts.extend(self._words.flush())
        self._size = 0
        return super().flush()

    def close(self) -> list[str]:
        self._parts.extend(self._words.close())
        return super().close()

    @property
    def pending(self) -> str:
        return "".join(self._parts) + self._words.pending

    def _reset(self) -> None:
        super()._reset()
        self._size = 0
