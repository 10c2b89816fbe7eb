"""<think>...</think> in the answer text as reasoning: ThinkTagSplitter and think_tags()."""

from __future__ import annotations

import itertools
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamops import (
    Finished,
    ReasoningDelta,
    TextDelta,
    ThinkTagSplitter,
    ToolCallStarted,
    Usage,
    drain,
    events,
    pipe,
    think_tags,
)
from streamops.providers import text as answer_text


def runs(pieces: list[tuple[bool, str]]) -> list[tuple[bool, str]]:
    """Consecutive pieces of one kind joined: what a reader sees, whatever the chunking."""
    out: list[tuple[bool, str]] = []
    for kind, text in pieces:
        assert text, "a piece is never empty"
        if out and out[-1][0] == kind:
            out[-1] = (kind, out[-1][1] + text)
        else:
            out.append((kind, text))
    return out


def split(chunks: list[str], **options: bool) -> list[tuple[bool, str]]:
    s = ThinkTagSplitter(**options)
    out: list[tuple[bool, str]] = []
    for chunk in chunks:
        out += s.feed(chunk)
    return runs(out + s.close())


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        ("<think>Hmm.</think>\n\nHi!", {}, [(True, "Hmm."), (False, "Hi!")]),
        ("  \n<think>\nHmm.\n</think>Hi!", {}, [(True, "Hmm.\n"), (False, "Hi!")]),
        ("Hi! <think>x</think>", {}, [(False, "Hi! <think>x</think>")]),
        (
            "Hi! <think>x</think> ok",
            {"anywhere": True},
            [(False, "Hi! "), (True, "x"), (False, "ok")],
        ),
        ("Hmm.</think>\nHi!", {"start_inside": True}, [(True, "Hmm."), (False, "Hi!")]),
        ("<think>still thinking", {}, [(True, "still thinking")]),
        ("<thin", {}, [(False, "<thin")]),
        ("  \n", {}, [(False, "  \n")]),
        ("plain answer", {}, [(False, "plain answer")]),
        ("<think></think>Hi", {}, [(False, "Hi")]),
        ("<think>a</thinking>b", {}, [(True, "a</thinking>b")]),
    ],
)
def test_rules(text: str, options: dict[str, bool], expected: list[tuple[bool, str]]) -> None:
    assert split([text], **options) == expected
    assert split(list(text), **options) == expected


THINK_TEXT = st.lists(
    st.sampled_from(["<think>", "</think>", "<th", "ink>", "<", "/", "\n", " ", "a", "b c", "é"]),
    max_size=20,
).map("".join)


@given(text=THINK_TEXT, cuts=st.lists(st.integers(0, 200), max_size=8), anywhere=st.booleans(),
       start_inside=st.booleans())
def test_any_chunking_same_result(
    text: str, cuts: list[int], anywhere: bool, start_inside: bool
) -> None:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    chunks = [text[a:b] for a, b in itertools.pairwise(points)]
    options = {"anywhere": anywhere, "start_inside": start_inside}
    assert split(chunks, **options) == split([text], **options)


def reference(text: str) -> list[tuple[bool, str]]:
    """The rules with ``anywhere=True``, on the whole text: split at the tags, toggle."""
    out: list[tuple[bool, str]] = []
    inside = strip = seen = False
    for part in re.split(r"(<think>|</think>)", text):
        if part == ("</think>" if inside else "<think>"):
            if not seen and len(out) == 1 and not out[0][0] and out[0][1].isspace():
                out.clear()  # whitespace before the first tag
            inside, strip, seen = not inside, True, True
            continue
        if strip:
            part = part.lstrip(" \t\r\n")
            strip = not part
        if part:
            seen = seen or not part.isspace()
            out.append((inside, part))
    return runs(out)


@given(text=THINK_TEXT)
def test_anywhere_matches_the_reference(text: str) -> None:
    assert split(list(text), anywhere=True) == reference(text)


def test_tags_must_not_be_empty() -> None:
    with pytest.raises(ValueError, match="empty"):
        ThinkTagSplitter("", "</think>")


def test_operator_per_choice_and_held_text_before_the_end() -> None:
    evs = [
        TextDelta("<think>", 0),
        TextDelta("<think>b", 1),
        TextDelta("a</think>x", 0),
        Usage(1, 2, 3),
        TextDelta("</th", 1),
        Finished("stop", 1),
        TextDelta(" <th", 0),
        ToolCallStarted(0, "c1", "f", 0),
    ]
    out = drain(pipe(evs, think_tags()))
    assert out == [
        ReasoningDelta("b", 1),
        ReasoningDelta("a", 0),
        TextDelta("x", 0),
        Usage(1, 2, 3),
        ReasoningDelta("</th", 1),  # held (a tag might start), released by the end
        Finished("stop", 1),
        TextDelta(" <th", 0),  # the answer has begun: no tag to look for
        ToolCallStarted(0, "c1", "f", 0),
    ]


def test_chained_before_text_drops_the_reasoning() -> None:
    def chunk(delta: dict[str, str], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return b"data: " + json.dumps({"choices": [choice]}).encode() + b"\n\n"

    body = b"".join(
        [chunk({"content": c}) for c in ["<think>Greet", "ing.</thi", "nk>\n\nHello!"]]
        + [chunk({}, "stop"), b"data: [DONE]\n\n"]
    )
    chunks = [body[i : i + 7] for i in range(0, len(body), 7)]
    assert "".join(drain(pipe(chunks, events(), think_tags(), answer_text()))) == "Hello!"
    out = drain(pipe(chunks, events(), think_tags()))
    assert "".join(e.text for e in out if isinstance(e, ReasoningDelta)) == "Greeting."
