"""Live Markdown: block splitting, healing and message chunks, through the operators."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from streamops import (
    Committed,
    MessageChunker,
    Pending,
    drain,
    heal_markdown,
    markdown_blocks,
    message_chunks,
    pipe,
)

ANSWER = (
    "# Plan\n\nFirst **bold** step.\n\n```py\nx = 1\n\ny = 2\n```\n"
    "- one\n  - nested\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nEnd.\n"
)


def test_blocks_are_final_and_concatenate(chunking: Callable[[str], list[str]]) -> None:
    items = drain(pipe(chunking(ANSWER), markdown_blocks()))
    blocks = [i for i in items if isinstance(i, Committed)]
    assert "".join(b.text for b in blocks) == ANSWER
    kinds = ["heading", "paragraph", "code", "list", "table", "paragraph"]
    assert [b.kind for b in blocks] == kinds


def test_a_blank_line_inside_a_fence_does_not_commit_it() -> None:
    items = drain(pipe(["```\na\n\n", "b\n```\n"], markdown_blocks()))
    assert items[0] == Pending("```\na\n\n", "```\na\n\n```")
    assert Committed("```\na\n\nb\n```\n", "code") in items


def test_the_pending_tail_is_healed_or_raw() -> None:
    healed = drain(pipe(["Some `co"], markdown_blocks()))
    raw = drain(pipe(["Some `co"], markdown_blocks(heal=False)))
    assert healed[0] == Pending("Some `co", "Some `co`")
    assert raw[0] == Pending("Some `co", "Some `co")


@pytest.mark.parametrize(
    ("prefix", "healed"),
    [
        ("**bo", "**bo**"),
        ("***bi", "***bi***"),
        ("~~st", "~~st~~"),
        ("a **", "a "),
        ("$x^2", "$x^2$"),
        ("costs $5", "costs $5"),
        ("$$\nx\n", "$$\nx\n$$"),
        ("[docs](https://ex", "[docs](streamops:incomplete-link)"),
        ("[docs]", "[docs](streamops:incomplete-link)"),
        ("see ![logo](x.pn", "see "),
        ("```\ncode **x\n``", "```\ncode **x\n```"),
        ("- item\n  ```\n  x", "- item\n  ```\n  x\n  ```"),
        ("| a | b |\n|--", ""),
        ("| a | b |\n|---|---|\n| 1 | **2", "| a | b |\n|---|---|\n| 1 | **2**"),
        ("`a **b`", "`a **b`"),
        ("snake_case_", "snake_case_"),
        ("| a | b |\n|:", ""),  # a partial delimiter row holds the header back too
        ("with $a \\", "with $a$ "),  # a trailing backslash inside math is held back
    ],
)
def test_heal(prefix: str, healed: str) -> None:
    assert heal_markdown(prefix) == healed
    assert heal_markdown(healed) == healed


def test_message_chunks_reopen_a_split_fence() -> None:
    text = "Intro line.\n\n```py\n" + "".join(f"x{i} = {i}\n" for i in range(12)) + "```\n"
    out = [m.text for m in drain(pipe([text], message_chunks(40))) if isinstance(m, Committed)]
    assert all(len(m) <= 40 for m in out)
    assert MessageChunker.join(out) == text
    assert out[1].startswith("```py\n")
    assert out[1].endswith("\n```")


def test_message_chunks_never_split_a_word_or_a_link() -> None:
    text = "word " * 10 + "[a link text](https://example.com/x) " + "more " * 10
    out = [m.text for m in drain(pipe(list(text), message_chunks(60))) if isinstance(m, Committed)]
    assert "".join(out) == text
    for m in out:
        assert m.count("[") == m.count("]")
        assert m.endswith(" ")


def test_message_chunks_rejects_tiny_limits() -> None:
    with pytest.raises(ValueError, match="at least 16"):
        message_chunks(3)


def test_a_math_block_followed_by_text_stays_with_it() -> None:
    # Without math support CommonMark reads "$$" lines as a paragraph's, which
    # only a blank line ends: committing at the closing "$$" would split it.
    doc = "$$\nx\n$$\nalpha\n\nnext\n"
    blocks = [i for i in drain(pipe([doc], markdown_blocks())) if isinstance(i, Committed)]
    assert [b.text for b in blocks] == ["$$\nx\n$$\nalpha\n\n", "next\n"]


def test_a_dollar_after_a_digit_opens_no_math() -> None:
    """Found by the property test in CI: in "$42$." the second $ ends a price, so the
    bold on the next line must be healed as bold, not swallowed by math."""
    assert heal_markdown("alpha\n$42$.\n**alph") == "alpha\n$42$.\n**alph**"
    assert heal_markdown("costs 5$ and **more") == "costs 5$ and **more**"
