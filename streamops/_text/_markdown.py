"""Synchronous Markdown cores: a block splitter, a healer and a message chunker.

* :class:`BlockSplitter` cuts streamed Markdown into top-level blocks that are
  final (:class:`Committed`) and the open tail (:class:`Pending`);
* :func:`heal_markdown` closes what a tail left open so it renders as the
  finished text will;
* :class:`MessageChunker` cuts an answer into platform-sized messages.

Like the text buffers they are push engines (``feed(chunk)`` / ``close()``)
with no I/O. They work on whole lines: a decision never depends on where the
input was split, only on the lines received so far.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "INCOMPLETE_LINK",
    "BlockKind",
    "BlockSplitter",
    "Committed",
    "MessageChunker",
    "Pending",
    "heal_markdown",
]

INCOMPLETE_LINK = "streamops:incomplete-link"
"""The destination :func:`heal_markdown` gives a link whose URL has not fully arrived."""

BlockKind = Literal[
    "paragraph",
    "heading",
    "code",
    "math",
    "list",
    "table",
    "quote",
    "html",
    "thematic_break",
    "blank",
]


@dataclass(slots=True)
class Committed:
    """A top-level block that is final: its text never changes afterwards.

    ``text`` is exactly the input (blank lines after the block included);
    ``kind`` says what the block is.

    >>> Committed("# Title\\n", "heading")
    Committed(text='# Title\\n', kind='heading')
    """

    text: str
    kind: BlockKind


@dataclass(slots=True)
class Pending:
    """The open tail after the last committed block, as it stands now.

    ``text`` is exactly the input; ``healed`` is what to render: the tail with
    its open markup closed (:func:`heal_markdown`), or ``text`` itself when
    healing is off.

    >>> Pending("**bo", "**bo**")
    Pending(text='**bo', healed='**bo**')
    """

    text: str
    healed: str


# --- line classification (CommonMark, top level) ---

_FENCE = re.compile(r"( {0,3})(`{3,}|~{3,})([^\n]*)")
_ATX = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")
_HR = re.compile(r" {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_SETEXT = re.compile(r" {0,3}(?:=+|-+)[ \t]*$")
_QUOTE = re.compile(r" {0,3}>")
_ITEM = re.compile(r"( {0,3})([-+*]|(\d{1,9})[.)])([ \t]+|$)")
_MATH = re.compile(r" {0,3}\$\$")
_DELIM_ROW = re.compile(r" {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_HTML_1 = re.compile(r" {0,3}<(?:script|pre|style|textarea)(?:[ \t>]|$)", re.IGNORECASE)
_HTML_END_1 = re.compile(r"</(?:script|pre|style|textarea)>", re.IGNORECASE)
_HTML_OTHER = ((re.compile(r" {0,3}<!--"), "-->"), (re.compile(r" {0,3}<\?"), "?>"))
_HTML_4 = re.compile(r" {0,3}<![A-Za-z]")
_HTML_5 = re.compile(r" {0,3}<!\[CDATA\[")
_BLOCK_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|"
    "details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|"
    "h1|h2|h3|h4|h5|h6|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|"
    "noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|"
    "thead|title|tr|track|ul"
)
_HTML_6 = re.compile(rf" {{0,3}}</?(?:{_BLOCK_TAGS})(?:[ \t>]|/>|$)", re.IGNORECASE)
_HTML_7 = re.compile(
    r" {0,3}(?:<[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][\w.:-]*(?:\s*=\s*(?:[^\s\"'=<>`]+|'[^']*'|"
    r"\"[^\"]*\"))?)*\s*/?>|</[A-Za-z][A-Za-z0-9-]*\s*>)[ \t]*$"
)


def _indent(line: str) -> int:
    """The column of the first non-blank character (tabs to multiples of 4)."""
    col = 0
    for ch in line:
        if ch == " ":
            col += 1
        elif ch == "\t":
            col += 4 - col % 4
        else:
            break
    return col


def _blank(line: str) -> bool:
    return not line.strip()


def _cells(row: str) -> int:
    """How many cells a table row has (outer pipes optional, ``\\|`` escaped)."""
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return len(re.split(r"(?<!\\)\|", row))


def _item(line: str) -> tuple[str, int, bool, str | None] | None:
    """A list item's (type, content column, empty?, start number) or ``None``."""
    m = _ITEM.match(line)
    if m is None or _HR.match(line):
        return None
    marker = m.group(2)
    kind = marker if m.group(3) is None else "o" + marker[-1]
    empty = _blank(line[m.end() :])
    spaces = len(m.group(4).expandtabs(4))
    width = len(m.group(1)) + len(marker)
    content = width + 1 if empty or spaces > 4 else width + spaces
    return kind, content, empty, m.group(3)


def _html_end(line: str) -> str | None:
    """The end condition of the HTML block ``line`` starts ("" = a blank line), or None."""
    if _HTML_1.match(line):
        return "1"
    for pattern, end in _HTML_OTHER:
        if pattern.match(line):
            return end
    if _HTML_5.match(line):
        return "]]>"
    if _HTML_4.match(line):
        return ">"
    if _HTML_6.match(line):
        return ""
    return None


def _html_closes(line: str, end: str) -> bool:
    if end == "1":
        return _HTML_END_1.search(line) is not None
    return bool(end) and end in line


def _interrupts(line: str) -> bool:
    """Whether ``line`` starts a block that ends an open paragraph (or quote, list, table)."""
    if _ATX.match(line) or _HR.match(line) or _QUOTE.match(line):
        return True
    m = _FENCE.match(line)
    if m and not (m.group(2)[0] == "`" and "`" in m.group(3)):
        return True
    item = _item(line)
    if item is not None and not item[2] and item[3] in (None, "1"):
        return True
    end = _html_end(line)
    return end is not None


class BlockSplitter:
    """Cut streamed Markdown into final top-level blocks and the open tail.

    ``feed(chunk)`` returns the :class:`Committed` blocks the chunk finished,
    then a :class:`Pending` for the tail if it changed; ``close()`` commits what
    is left. Decisions are made on whole lines, so the committed blocks are the
    same whatever the chunking, and they concatenate to the input.

    A block is committed only where CommonMark is sure it ended: a paragraph
    at a blank line or at a line that interrupts it, a heading or thematic
    break at its line end, a fence at its closing fence, a ``$$`` block at its
    closing ``$$``, a list or indented code block at the first line that is not
    part of it, a table or block quote at a blank line or an interrupting line,
    an HTML block at its end condition. A ``$$`` block is final at the blank
    line after its closing ``$$`` (a renderer without math reads it as a
    paragraph, which a blank line ends). Where a line is ambiguous the block
    stays open (so blocks rendered one by one render as the whole document
    does); link reference definitions, which act across blocks, are not
    tracked.

    >>> s = BlockSplitter(heal=True)
    >>> for item in s.feed("# Title\\n\\nSome **bo"):
    ...     print(item)
    Committed(text='# Title\\n', kind='heading')
    Pending(text='\\nSome **bo', healed='\\nSome **bo**')
    >>> s.feed("ld** text.\\n\\n")
    [Committed(text='\\nSome **bold** text.\\n\\n', kind='paragraph'), Pending(text='', healed='')]
    >>> s.close()
    []
    """

    __slots__ = (
        "_blank_seen",
        "_content",
        "_end",
        "_fence",
        "_heal",
        "_inner_fence",
        "_joined",
        "_kind",
        "_lines",
        "_list_type",
        "_math",
        "_out",
        "_partial",
        "_shown",
    )

    def __init__(self, *, heal: bool = True) -> None:
        self._heal = heal
        self._partial: list[str] = []  # pieces of the unfinished last line
        self._lines: list[str] = []  # complete lines of the open block
        self._joined = ""  # "".join(self._lines), kept up to date
        self._kind: BlockKind | None = None  # None: only blank lines so far
        self._fence = ""  # an open fence's marker (code block)
        self._inner_fence = ""  # a fence open inside a list item
        self._math = False  # inside $$ ... $$ (a math block or inside a paragraph)
        self._end = ""  # an HTML block's end condition
        self._list_type = ""
        self._content = 0  # a list item's content column
        self._blank_seen = False
        self._shown: str | None = ""  # the tail last reported
        self._out: list[Committed | Pending] = []

    # --- the push interface ---

    def feed(self, chunk: str) -> list[Committed | Pending]:
        """Take a chunk; return the blocks it committed and the tail if it changed."""
        out = self._out = []
        start = 0
        nl = chunk.find("\n")
        while nl >= 0:
            piece = chunk[start : nl + 1]
            if self._partial:
                self._partial.append(piece)
                piece = "".join(self._partial)
                self._partial = []
            self._line(piece)
            start = nl + 1
            nl = chunk.find("\n", start)
        if start < len(chunk):
            self._partial.append(chunk[start:])
        tail = self.tail
        if tail != self._shown:
            self._shown = tail
            out.append(Pending(tail, heal_markdown(tail) if self._heal else tail))
        return out

    def close(self) -> list[Committed | Pending]:
        """End the input: commit the tail (whatever it is) and reset."""
        out = self._out = []
        if self._partial:
            self._line("".join(self._partial))
            self._partial = []
        if self._lines:
            self._commit()
        self.__init__(heal=self._heal)  # type: ignore[misc]
        return out

    @property
    def tail(self) -> str:
        """The text after the last committed block (what :class:`Pending` reports)."""
        if self._partial:
            if len(self._partial) > 1:
                self._partial = ["".join(self._partial)]
            return self._joined + self._partial[0]
        return self._joined

    # --- the line state machine ---

    def _append(self, line: str) -> None:
        self._lines.append(line)
        self._joined += line

    def _commit(self, kind: BlockKind | None = None) -> None:
        text = self._joined
        self._out.append(Committed(text, kind or self._kind or "blank"))
        self._lines = []
        self._joined = ""
        self._kind = None
        self._math = False
        self._shown = None

    def _line(self, line: str) -> None:
        kind = self._kind
        if kind is None:
            self._start(line)
        elif kind == "paragraph":
            self._paragraph(line)
        elif kind == "code":
            self._code(line)
        elif kind == "list":
            self._list(line)
        elif kind in ("quote", "table"):
            if _blank(line):
                self._append(line)
                self._commit()
            elif self._interrupts_container(line):
                self._commit()
                self._start(line)
            else:
                self._append(line)
        elif kind == "math":
            if self._math:
                self._append(line)
                self._math = "$$" not in line
            elif _blank(line):  # closed: final at a blank line (CommonMark without
                self._append(line)  # math reads "$$" lines as a paragraph's)
                self._commit()
            else:
                self._kind = "paragraph"
                self._paragraph(line)
        else:  # html
            self._append(line)
            if _html_closes(line, self._end) if self._end else _blank(line):
                self._commit()

    def _interrupts_container(self, line: str) -> bool:
        if self._kind == "quote":
            return not _QUOTE.match(line) and _interrupts(line)
        # a table: a heading, fence, quote, list or HTML block ends it
        return _interrupts(line) and not _HR.match(line)

    def _start(self, line: str) -> None:
        """``line`` begins a block (leading blank lines are held with it)."""
        self._append(line)
        if _blank(line):
            return
        if _indent(line) >= 4:
            self._kind = "code"
            self._fence = ""
            return
        m = _FENCE.match(line)
        if m and not (m.group(2)[0] == "`" and "`" in m.group(3)):
            self._kind = "code"
            self._fence = m.group(2)
            return
        if _MATH.match(line):
            self._kind = "math"
            self._math = "$$" not in line.strip()[2:]
            return
        if _ATX.match(line):
            self._commit("heading")
            return
        if _HR.match(line):
            self._commit("thematic_break")
            return
        if _QUOTE.match(line):
            self._kind = "quote"
            return
        item = _item(line)
        if item is not None:
            self._kind = "list"
            self._list_type, self._content = item[0], item[1]
            self._blank_seen = False
            self._inner_fence = self._fence_in(line[m_end(line) :], "")
            return
        end = _html_end(line)
        if end is None and _HTML_7.match(line):
            end = ""
        if end is not None:
            self._kind = "html"
            self._end = end
            if end and _html_closes(line[line.index("<") + 2 :], end):
                self._commit()
            return
        self._kind = "paragraph"
        self._math = self._opens_math(line, False)

    @staticmethod
    def _opens_math(line: str, math: bool) -> bool:
        """Track ``$$`` fences inside a paragraph: whether math is open after ``line``."""
        return math ^ (line.count("$$") % 2 == 1)

    def _paragraph(self, line: str) -> None:
        if self._math:
            self._append(line)
            self._math = self._opens_math(line, True)
            return
        if _blank(line):
            self._append(line)
            self._commit()
            return
        header = self._lines[-1]
        if (
            _indent(line) < 4
            and _DELIM_ROW.match(line)
            and ("|" in line or "|" in header)
            and _cells(line) == _cells(header)
        ):
            # the paragraph's last line is a table header: the table starts there
            self._lines.pop()
            self._joined = self._joined[: len(self._joined) - len(header)]
            if self._lines:
                self._commit()
            self._append(header)
            self._append(line)
            self._kind = "table"
            return
        if _SETEXT.match(line):
            self._append(line)
            self._commit("heading")
            return
        if _indent(line) < 4 and _interrupts(line):
            self._commit()
            self._start(line)
            return
        self._append(line)
        self._math = self._opens_math(line, False)

    def _code(self, line: str) -> None:
        fence = self._fence
        if fence:
            self._append(line)
            stripped = line.strip()
            if _indent(line) < 4 and stripped.startswith(fence) and not stripped.strip(fence[0]):
                self._commit()
        elif _blank(line) or _indent(line) >= 4:
            self._append(line)
        else:
            self._commit()
            self._start(line)

    @staticmethod
    def _fence_in(content: str, fence: str) -> str:
        """The fence open after ``content`` (a line inside a list item), given ``fence``."""
        stripped = content.strip()
        if fence:
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                return ""
            return fence
        m = _FENCE.match(content.lstrip(" "))
        if m and not (m.group(2)[0] == "`" and "`" in m.group(3)) and _indent(content) < 4:
            return m.group(2)
        return ""

    def _list(self, line: str) -> None:
        if _blank(line):
            self._append(line)
            self._blank_seen = True
            return
        indent = _indent(line)
        if indent >= self._content:
            self._append(line)
            self._blank_seen = False
            self._inner_fence = self._fence_in(line[self._content :], self._inner_fence)
            return
        item = _item(line) if indent < 4 else None
        if item is not None and item[0] == self._list_type:
            self._append(line)
            self._content = item[1]
            self._blank_seen = False
            self._inner_fence = self._fence_in(line[m_end(line) :], "")
            return
        if self._blank_seen or self._inner_fence or (indent < 4 and _interrupts(line)):
            self._commit()
            self._start(line)
            return
        self._append(line)  # a lazy continuation line


def m_end(line: str) -> int:
    """Where a list item's content starts in ``line`` (after the marker and spaces)."""
    m = _ITEM.match(line)
    return m.end() if m else 0


# --- healing ---

_INLINE = re.compile(r"\\.?|`+|\*+|_+|~+|\$+|!?\[|\]\(?|\)|\n", re.DOTALL)
_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_PARTIAL_DELIM = re.compile(r" {0,3}\|?[ \t:|-]*$")
_NEW_INLINE = re.compile(r"[ \t]*(?:>[ \t]?)*[ \t]*(?:#{1,6}[ \t]|(?:[-+*]|\d{1,9}[.)])[ \t]|\|)")


@dataclass(slots=True)
class _Open:
    kind: str  # a delimiter run's char, "[" (link), "![" (image), "(" (destination)
    count: int
    pos: int  # where it starts in the text


def _flanking(before: str, after: str) -> tuple[bool, bool]:
    """(left-flanking, right-flanking) for a delimiter run between ``before`` and ``after``."""
    b_space = before.isspace() or not before
    a_space = after.isspace() or not after
    b_punct = before in _PUNCT or (bool(before) and not before.isalnum() and not b_space)
    a_punct = after in _PUNCT or (bool(after) and not after.isalnum() and not a_space)
    left = not a_space and (not a_punct or b_space or b_punct)
    right = not b_space and (not b_punct or a_space or a_punct)
    return left, right


def _inline_region(text: str) -> int:
    """Where the last inline container (paragraph, heading, item, row) starts in ``text``."""
    start = 0
    pos = 0
    for line in text.splitlines(keepends=True):
        if _blank(line) or _NEW_INLINE.match(line):
            start = pos if not _blank(line) else pos + len(line)
        pos += len(line)
    return start


def _heal_inline(text: str, start: int) -> str:
    """Close the inline constructs open at the end of ``text[start:]``."""
    stack: list[_Open] = []
    code = 0  # the open code span's backtick count
    math = 0  # the open math span's dollar count
    end = len(text)
    cut = end  # text after ``cut`` is held back
    for m in _INLINE.finditer(text, start):
        tok = m.group()
        i, j = m.start(), m.end()
        ch = tok[0]
        at_end = j == end
        if code:
            if ch == "`":
                if len(tok) == code:
                    code = 0
                    stack.pop()
                elif at_end and len(tok) < code:
                    cut = i
            continue
        if math:
            if ch == "$" and len(tok) == math and not text[i - 1].isspace():
                math = 0
                stack.pop()
            elif at_end and ch in "$\\":
                cut = i
            continue
        if ch == "\\":
            if at_end:
                cut = i
            continue
        if ch == "\n":
            continue
        if ch == "`":
            if at_end:
                cut = i
            else:
                code = len(tok)
                stack.append(_Open("`", code, i))
            continue
        if ch == "$":
            after = text[j] if j < end else ""
            if at_end:
                cut = i
            elif (
                len(tok) <= 2
                and after
                and not after.isspace()
                # ($5 is a price; in "$42$." the second $ ends a price, opens nothing)
                and not (len(tok) == 1 and (after.isdigit() or text[i - 1 : i].isalnum()))
            ):
                math = len(tok)
                stack.append(_Open("$", math, i))
            continue
        if ch in "*_~":
            before = text[i - 1] if i > 0 else ""
            after = text[j] if j < end else ""
            if ch == "~" and len(tok) != 2:
                if at_end and len(tok) < 2:
                    cut = i
                continue
            left, right = _flanking(before, after) if not at_end else (False, True)
            if ch == "_":
                can_open = left and (not right or before in _PUNCT)
                can_close = right and (not left or after in _PUNCT)
            else:
                can_open, can_close = left, right
            count = len(tok)
            if can_close:
                count = _close_run(stack, ch, count)
            if at_end and count:
                if before.isspace() or not before or ch != "_" or before in _PUNCT:
                    cut = i + len(tok) - count
                continue
            if count and can_open:
                stack.append(_Open(ch, count, j - count))
            continue
        if tok.startswith("!") or tok == "[":
            stack.append(_Open("![" if tok[0] == "!" else "[", 1, i))
            continue
        if tok.startswith("]"):
            k = _find(stack, ("[", "!["))
            if k is None:
                continue
            opener = stack[k]
            del stack[k:]
            if tok == "](":
                stack.append(_Open("(" if opener.kind == "[" else "!(", 1, opener.pos))
            elif at_end:
                stack.append(_Open("]", 1, opener.pos))  # "[text]" at the end: a link may follow
            continue
        if tok == ")":
            k = _find(stack, ("(", "!("))
            if k is not None:
                del stack[k:]
    return _unwind(text[:cut], stack, start)


def _find(stack: list[_Open], kinds: tuple[str, ...]) -> int | None:
    for k in range(len(stack) - 1, -1, -1):
        if stack[k].kind in kinds:
            return k
    return None


def _close_run(stack: list[_Open], ch: str, count: int) -> int:
    """Match a closing run against openers of ``ch``; return how many chars are left."""
    while count:
        k = _find(stack, (ch,))
        if k is None or any(o.kind in ("[", "![", "(", "!(") for o in stack[k + 1 :]):
            return count
        opener = stack[k]
        del stack[k + 1 :]
        used = min(opener.count, count)
        opener.count -= used
        count -= used
        if not opener.count:
            stack.pop()
    return count


def _unwind(text: str, stack: list[_Open], start: int) -> str:
    """Append closers for ``stack`` (innermost first); drop what cannot be shown yet."""
    for k, opener in enumerate(stack):
        if opener.kind in ("![", "!("):  # an image in progress is not shown
            text = text[: opener.pos]
            del stack[k:]
            break
        if opener.kind == "(":  # a link whose URL is arriving: placeholder destination
            text = text[: _dest_start(text, opener.pos)]
            opener.kind = "["
            del stack[k + 1 :]
            break
    body = text.rstrip()
    trailing = text[len(body) :]
    closers: list[str] = []
    for opener in reversed(stack):
        content_start = opener.pos + (1 if opener.kind in "[]" else opener.count)
        if not closers and not body[content_start:].strip():
            # nothing inside yet: the opener is held back, not closed
            body = body[: opener.pos]
            trailing = ""
            continue
        if opener.kind == "[":
            closers.append(f"]({INCOMPLETE_LINK})")
        elif opener.kind == "]":
            closers.append(f"({INCOMPLETE_LINK})")
        else:
            closers.append(opener.kind * opener.count)
    return body + "".join(closers) + trailing


def _dest_start(text: str, pos: int) -> int:
    """Where ``](`` is in a link that starts at ``pos`` (the destination is dropped)."""
    depth = 0
    for i in range(pos, len(text)):
        c = text[i]
        if c == "\\":
            continue
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return i
    return len(text)


def heal_markdown(text: str) -> str:
    """Close what a Markdown prefix left open, so it renders as the finished text will.

    Closes bold, italic, bold-italic, strikethrough, inline code and ``$``/``$$``
    math; closes an open code fence or ``$$`` block (a half-typed closing fence
    is held back); gives a link whose URL is still arriving the placeholder
    destination :data:`INCOMPLETE_LINK`; drops an image in progress; holds
    back a table whose header or delimiter row is not complete yet, and a
    trailing marker that could still become formatting (``**``, a backtick, a
    lone ``$``, ``[``). The inside of code is never touched. Healing is
    idempotent and leaves a document whose constructs are all closed as it is.

    Args:
        text: a Markdown prefix (usually a :class:`Pending` tail).

    Returns:
        The healed text.

    >>> heal_markdown("Some **bold and `co")
    'Some **bold and `co`**'
    >>> heal_markdown("See [the docs](https://exa")
    'See [the docs](streamops:incomplete-link)'
    >>> heal_markdown("```python\\nprint(1)\\n")
    '```python\\nprint(1)\\n```'
    >>> heal_markdown("| a | b |\\n|--")
    ''
    """
    lines = text.splitlines(keepends=True)
    fence = ""
    fence_prefix = ""
    math = False
    pos = 0
    region = 0
    table = False  # a delimiter row has been seen in the current block
    for line in lines:
        content = _strip_containers(line)
        prefix = line[: len(line) - len(content)]
        if fence:
            s = content.strip()
            if s.startswith(fence) and not s.strip(fence[0]):
                fence = ""
                region = pos + len(line)
        elif math:
            if "$$" in line:
                math = False
                region = pos + len(line)
        else:
            m = _FENCE.match(content)
            if m and not (m.group(2)[0] == "`" and "`" in m.group(3)):
                fence = m.group(2)
                fence_prefix = re.sub(r"[^\s>]", " ", prefix)
            elif content.strip() == "$$" or (
                content.lstrip().startswith("$$") and "$$" not in content.strip()[2:]
            ):
                math = True
            elif _blank(line):
                table = False
            elif _DELIM_ROW.match(content) and "|" in line and line.endswith("\n"):
                table = True
        pos += len(line)
    if fence or math:
        marker = fence or "$$"
        last = lines[-1] if lines else ""
        body = text
        if not last.endswith("\n"):
            partial = _strip_containers(last).strip()
            if partial and not partial.strip(marker[0]) and len(partial) < len(marker):
                body = text[: len(text) - len(last)]
            else:
                body = text + "\n"
        return body + (fence_prefix if fence else "") + marker
    text = _hold_table(text, lines, table)
    return _heal_inline(text, max(region, _inline_region(text)))


def _strip_containers(line: str) -> str:
    """``line`` without block-quote markers and a list marker (their content)."""
    m = re.match(r"[ \t]*(?:>[ \t]?)*[ \t]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)?", line)
    return line[m.end() :] if m else line


def _hold_table(text: str, lines: list[str], table: bool) -> str:
    """Drop a table header (and a partial delimiter row) at the end of ``text``."""
    if table or not lines:
        return text
    last = lines[-1]
    content = _strip_containers(last)
    if last.endswith("\n") and not content.lstrip().startswith("|"):
        return text
    if len(lines) >= 2 and content.strip() and _PARTIAL_DELIM.match(content):
        header = _strip_containers(lines[-2])
        if header.lstrip().startswith("|"):
            return text[: len(text) - len(last) - len(lines[-2])]
    if content.lstrip().startswith("|"):
        return text[: len(text) - len(last)]
    return text


# --- messages ---


_SENTENCE_END = frozenset(".!?。\uff01\uff1f…")


def _wide(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uff00" <= ch <= "\uffef"


class MessageChunker:
    """Cut streamed Markdown into messages of at most ``max_chars`` characters.

    ``feed(chunk)`` returns a :class:`Committed` for each message it finished
    and a :class:`Pending` for the message in progress if it changed;
    ``close()`` commits the last message. A message is cut only once the text
    is longer than ``max_chars``, at the best boundary among the first
    ``max_chars`` characters, so the messages do not depend on the chunking.
    Boundaries, best first: a blank line, a line end, a sentence end, a space
    (or between two CJK characters). Never inside a word, a table row, a link,
    a code span or emphasis, unless a single word is longer than a message.
    With ``markdown_safe``, a fence that must be split is closed with its
    marker (no newline after it) and reopened with its opening line in the next
    message; :meth:`join` undoes that.

    >>> c = MessageChunker(24)
    >>> out = c.feed("```py\\nx = 1\\ny = 2\\nz = 3\\n```\\n")
    >>> [m.text for m in out if isinstance(m, Committed)]
    ['```py\\nx = 1\\ny = 2\\n```']
    >>> [m.text for m in c.close()]
    ['```py\\nz = 3\\n```\\n']
    """

    __slots__ = ("_buf", "_carry", "_markdown_safe", "_max", "_shown")

    def __init__(self, max_chars: int, *, markdown_safe: bool = True) -> None:
        self._max = max_chars
        self._markdown_safe = markdown_safe
        self._buf = ""
        self._carry = ""  # a fence open at the start of the buffer (unsafe mode)
        self._shown = ""

    def feed(self, chunk: str) -> list[Committed | Pending]:
        """Take a chunk; return the messages it finished and the one in progress."""
        self._buf += chunk
        out: list[Committed | Pending] = []
        while len(self._buf) > self._max:
            out.append(Committed(self._cut(), "paragraph"))
        if self._buf != self._shown:
            self._shown = self._buf
            healed = heal_markdown(self._buf) if self._markdown_safe else self._buf
            out.append(Pending(self._buf, healed))
        return out

    def close(self) -> list[Committed | Pending]:
        """End the input: the last message (if any)."""
        out: list[Committed | Pending] = []
        if self._buf:
            out.append(Committed(self._buf, "paragraph"))
        self._buf = self._shown = self._carry = ""
        return out

    def _cut(self) -> str:
        window = self._buf[: self._max + 1]
        limit = self._max
        scored: list[tuple[float, int, str, str]] = []  # (score, cut, closer, reopen)
        fence, opener, closer = self._carry, "", ""
        pos = 0
        for line in window.splitlines(keepends=True):
            end = pos + len(line)
            content = _strip_containers(line)
            s = content.strip()
            was_open = fence
            if fence:
                if s.startswith(fence) and not s.strip(fence[0]):
                    fence = ""
            else:
                m = _FENCE.match(content)
                if m and not (m.group(2)[0] == "`" and "`" in m.group(3)):
                    fence, opener = m.group(2), line if line.endswith("\n") else line + "\n"
                    closer = re.sub(r"[^\s>]", " ", line[: len(line) - len(content)]) + fence
            if line.endswith("\n") and end <= limit:
                if fence:
                    if not was_open:
                        pass  # not right after the opening line
                    elif self._markdown_safe and end + len(closer) <= limit and opener:
                        scored.append((2.5, end, closer, opener))
                    elif not self._markdown_safe:
                        scored.append((2.5, end, "", ""))
                else:
                    nxt = window[end : end + 1]
                    score = 4.0 if _blank(line) or nxt == "\n" else 3.0
                    if content.lstrip().startswith("|"):
                        score = 2.0  # between table rows
                    scored.append((score, end, "", ""))
            if not was_open and not fence and not content.lstrip().startswith("|"):
                for i in range(pos + 1, min(end, limit + 1)):
                    prev, ch = window[i - 1], window[i] if i < len(window) else ""
                    if prev in " \t" and ch not in " \t\n":
                        j = i - 1
                        while j > pos and window[j - 1] in " \t":
                            j -= 1
                        score = 2.0 if window[j - 1 : j] in _SENTENCE_END else 1.0
                        scored.append((score, i, "", ""))
                    elif _wide(prev) and _wide(ch):
                        scored.append((1.0, i, "", ""))
            pos = end
        half = self._max // 2
        scored.sort(key=lambda c: (c[1] >= half, c[0], c[1]), reverse=True)
        tries = 0
        for score, cut, closer, reopen in scored:
            head = self._buf[:cut]
            if score < 2.5 and tries < 64:
                tries += 1
                if heal_markdown(head).rstrip() != head.rstrip():
                    continue  # inside a link, a code span or emphasis
            elif score < 2.5:
                continue
            return self._emit(cut, closer, reopen)
        if scored:
            score, cut, closer, reopen = scored[0]
            return self._emit(cut, closer, reopen)
        return self._emit(limit, "", "")  # one word longer than a message

    def _emit(self, cut: int, closer: str, reopen: str) -> str:
        head = self._buf[:cut]
        rest = self._buf[cut:]
        if not self._markdown_safe:
            self._carry = _open_fence(head, self._carry)
        self._buf = reopen + rest
        return head + closer

    @staticmethod
    def join(messages: list[str]) -> str:
        """The answer the messages came from: undo fence closings and reopenings.

        >>> MessageChunker.join(["```py\\nx = 1\\n```", "```py\\ny = 2\\n```\\n"])
        '```py\\nx = 1\\ny = 2\\n```\\n'
        """
        out: list[str] = []
        reopened = False
        for message in messages:
            fence = _open_fence(message.rsplit("\n", 1)[0] + "\n", "") if "\n" in message else ""
            if reopened:
                message = message.split("\n", 1)[1]
            last = message.rsplit("\n", 1)[-1]
            reopened = bool(fence) and last.strip() == fence and not last.endswith(" ")
            if reopened:
                message = message[: len(message) - len(last)]
            out.append(message)
        return "".join(out)


def _open_fence(text: str, fence: str) -> str:
    """The fence marker open at the end of ``text``, given the one open at its start."""
    for line in text.splitlines(keepends=True):
        content = _strip_containers(line)
        s = content.strip()
        if fence:
            if s.startswith(fence) and not s.strip(fence[0]) and line.endswith("\n"):
                fence = ""
        else:
            m = _FENCE.match(content)
            if m and not (m.group(2)[0] == "`" and "`" in m.group(3)):
                fence = m.group(2)
    return fence
