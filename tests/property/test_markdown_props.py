"""Properties of the Markdown cores: block splitting, healing, message chunks.

Markdown documents come from a small grammar of LLM-style answers (headings,
paragraphs with inline formatting, fences, nested lists, tables, quotes, math,
CJK) and from the hand-written answers in ``tests/markdown_answers``; the
reference renderer is ``markdown-it-py`` (CommonMark + tables + strikethrough).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from streamops import BlockSplitter, Committed, MessageChunker, Pending, heal_markdown

ANSWERS = sorted((Path(__file__).parent.parent / "markdown_answers").glob("*.md"))
MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
MARKERS = set("*_~`[]")

# --- a grammar of Markdown answers (no literal marker characters in plain text) ---

word = st.sampled_from(
    ["alpha", "beta", "gamma", "delta", "stream", "token", "x1", "42", "東京", "拉面", "🎌", "👍🏽"]
)
words = st.lists(word, min_size=1, max_size=6).map(" ".join)


@st.composite
def inline(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        w = draw(words)
        style = draw(
            st.sampled_from(["plain", "plain", "b", "i", "bi", "code", "s", "link", "math", "u"])
        )
        parts.append(
            {
                "plain": w,
                "b": f"**{w}**",
                "i": f"*{w}*",
                "bi": f"***{w}***",
                "code": f"`{w}`",
                "s": f"~~{w}~~",
                "link": f"[{w}](https://example.com/{len(w)})",
                "math": f"${w}$",
                "u": f"__{w}__",
            }[style]
        )
    return " ".join(parts) + draw(st.sampled_from(["", ".", "!", ":"]))


@st.composite
def block(draw: st.DrawFn, depth: int = 0) -> str:
    kind = draw(
        st.sampled_from(
            ["para", "para", "heading", "fence", "list", "olist", "table", "quote", "math", "hr"]
        )
    )
    if kind == "para":
        return "\n".join(draw(st.lists(inline(), min_size=1, max_size=3))) + "\n"
    if kind == "heading":
        return "#" * draw(st.integers(1, 4)) + " " + draw(inline()) + "\n"
    if kind == "fence":
        mark = draw(st.sampled_from(["```", "~~~", "````"]))
        lines = draw(
            st.lists(st.sampled_from(["x = 1", "", "**not bold**", "```", "  y"]), max_size=4)
        )
        lines = [line for line in lines if not line.startswith(mark[:3]) or mark == "````"]
        info = draw(st.sampled_from(["", "python", "text"]))
        return mark + info + "\n" + "".join(line + "\n" for line in lines) + mark + "\n"
    if kind in ("list", "olist"):
        out = []
        for n in range(draw(st.integers(1, 3))):
            marker = "-" if kind == "list" else f"{n + 1}."
            pad = " " * (len(marker) + 1)
            out.append(f"{marker} {draw(inline())}\n")
            if depth < 1 and draw(st.booleans()):
                inner = draw(block(depth + 1))
                sep = draw(st.sampled_from(["", "\n"]))
                out.append(
                    sep
                    + "".join(
                        pad + line if line.strip() else line
                        for line in inner.splitlines(keepends=True)
                    )
                )
        return "".join(out)
    if kind == "table":
        cols = draw(st.integers(1, 3))
        rows = [
            "| " + " | ".join(draw(words) for _ in range(cols)) + " |"
            for _ in range(draw(st.integers(1, 3)))
        ]
        delim = (
            "|"
            + "|".join(draw(st.sampled_from(["---", ":--", "--:", ":-:"])) for _ in range(cols))
            + "|"
        )
        return "\n".join([rows[0], delim, *rows[1:]]) + "\n"
    if kind == "quote":
        return "".join("> " + draw(inline()) + "\n" for _ in range(draw(st.integers(1, 2))))
    if kind == "math":
        return "$$\n" + draw(words) + "\n$$\n"
    return "---\n"


documents = st.lists(
    st.tuples(block(), st.sampled_from(["\n", "\n", "", "\n\n"])), min_size=1, max_size=6
).map(lambda bs: "".join(b + sep for b, sep in bs))


def cuts(text: str) -> st.SearchStrategy[list[str]]:
    return st.lists(st.integers(0, len(text)), max_size=12).map(
        lambda points: [
            text[a:b]
            for a, b in zip([0, *sorted(points)], [*sorted(points), len(text)], strict=True)
        ]
    )


def split(chunks: list[str]) -> tuple[list[Committed], list[Pending]]:
    s = BlockSplitter()
    committed: list[Committed] = []
    pending: list[Pending] = []
    for chunk in chunks:
        for item in s.feed(chunk):
            (committed if isinstance(item, Committed) else pending).append(item)
    for item in s.close():
        assert isinstance(item, Committed)
        committed.append(item)
    return committed, pending


def plain_text(tokens: list[Token]) -> str:
    """The literal text a rendering shows, code excluded."""
    out = []
    for tok in tokens:
        if tok.type == "inline" and tok.children:
            out.append(plain_text(tok.children))
        elif tok.type == "text":
            out.append(tok.content)
    return "".join(out)


# --- block splitting ---


@given(data=st.data(), doc=documents)
def test_blocks_concatenate_to_the_document_whatever_the_chunking(
    data: st.DataObject, doc: str
) -> None:
    whole, _ = split([doc])
    committed, pending = split(data.draw(cuts(doc)))
    assert "".join(b.text for b in committed) == doc
    assert committed == whole
    for p in pending:
        assert p.healed == heal_markdown(p.text)


@given(doc=documents)
def test_blocks_render_one_by_one_as_the_whole_document(doc: str) -> None:
    committed, _ = split([doc])
    assert "".join(MD.render(b.text) for b in committed) == MD.render(doc)


@pytest.mark.parametrize("path", ANSWERS, ids=[p.stem for p in ANSWERS])
def test_answers_render_one_by_one_as_the_whole(path: Path) -> None:
    doc = path.read_text(encoding="utf-8")
    committed, _pending = split(list(doc))
    assert "".join(b.text for b in committed) == doc
    assert len(committed) > 3
    assert "".join(MD.render(b.text) for b in committed) == MD.render(doc)
    assert heal_markdown(doc) == doc


# --- healing ---


@given(doc=documents, data=st.data())
def test_heal_is_idempotent_and_leaves_complete_documents_alone(
    doc: str, data: st.DataObject
) -> None:
    assert heal_markdown(doc) == doc
    cut = data.draw(st.integers(0, len(doc)))
    healed = heal_markdown(doc[:cut])
    assert heal_markdown(healed) == healed


@given(doc=documents)
def test_a_healed_tail_never_shows_a_marker_the_document_formats(doc: str) -> None:
    # the grammar writes no literal marker: any marker in the final text is formatting
    assert not MARKERS & set(plain_text(MD.parse(doc)))
    s = BlockSplitter(heal=True)
    for ch in doc:
        for item in s.feed(ch):
            if isinstance(item, Pending):
                shown = plain_text(MD.parse(item.healed))
                assert not MARKERS & set(shown), (item.text, item.healed, shown)


@pytest.mark.parametrize("path", ANSWERS, ids=[p.stem for p in ANSWERS])
def test_healed_prefixes_of_answers_show_no_more_markers_than_the_answer(path: Path) -> None:
    doc = path.read_text(encoding="utf-8")
    final = plain_text(MD.parse(doc))
    for cut in range(len(doc) + 1):
        healed = heal_markdown(doc[:cut])
        assert heal_markdown(healed) == healed
        shown = plain_text(MD.parse(healed))
        for m in MARKERS:
            assert shown.count(m) <= final.count(m), (doc[:cut], healed, m)


# --- message chunks ---


def messages(chunks: list[str], max_chars: int) -> list[str]:
    c = MessageChunker(max_chars)
    out: list[str] = []
    for chunk in chunks:
        out.extend(m.text for m in c.feed(chunk) if isinstance(m, Committed))
    out.extend(m.text for m in c.close() if isinstance(m, Committed))
    return out


@given(doc=documents, data=st.data(), max_chars=st.integers(40, 400))
def test_messages_fit_and_concatenate_to_the_answer(
    doc: str, data: st.DataObject, max_chars: int
) -> None:
    chunks = data.draw(cuts(doc))
    out = messages(chunks, max_chars)
    assert out == messages([doc], max_chars)
    assert all(len(m) <= max_chars for m in out)
    assert MessageChunker.join(out) == doc
    if max(map(len, doc.splitlines())) * 2 > max_chars:
        return  # a line longer than half a message may have to be cut
    for m in out[:-1]:
        assert not m[-1:].isalnum(), m
        last = m.rsplit("\n", 1)[-1].lstrip()
        assert not last.startswith("|"), m  # never inside a table row
