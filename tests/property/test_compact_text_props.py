"""Long argument texts in token-sized fragments: what is kept of them is compacted (the
adapters' and the assembler's fragments, a long open string's pieces in the parser), and
nothing of it shows: the value, the raw ``arguments``, an error's offset and ``received``
are exact, wherever the text was cut."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from streamops import JSONStreamError
from streamops.json import JSONParser
from streamops.providers import ProviderAdapter, ToolCallDelta, ToolCallDone, ToolCallStarted
from streamops.providers._base import TextParts
from streamops.tools import ToolCallAssembler, ToolCallFailed

# Enough pieces for every level of compaction (64 pieces to a block, 64 blocks to a large one).
LONG = 64 * 64 + 200


class WriteFile(BaseModel):
    path: str
    content: str


@st.composite
def long_texts(draw: st.DrawFn) -> str:
    """A long string value's text: plain runs, with escapes and non-ASCII now and then."""
    words = draw(
        st.lists(st.sampled_from(["ab", "c d", "é", "\n", '"q"', "\\", "xyz "]), max_size=8)
    )
    length = draw(st.integers(LONG // 4, LONG))
    return ("".join(words) or "a") * (length // max(1, len("".join(words))) + 1)


@st.composite
def small_cuts(draw: st.DrawFn, text: str) -> list[str]:
    """``text`` in 1-6 character pieces (sizes drawn once, then repeated: fast to draw)."""
    sizes = draw(st.lists(st.integers(1, 6), min_size=1, max_size=16))
    pieces, start, i = [], 0, 0
    while start < len(text):
        pieces.append(text[start : start + sizes[i % len(sizes)]])
        start += sizes[i % len(sizes)]
        i += 1
    return pieces


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=5), max_size=LONG))
def test_text_parts_join_to_the_pieces(pieces: list[str]) -> None:
    parts = TextParts()
    for piece in pieces:
        parts.append(piece)
    assert parts.text() == "".join(pieces)
    assert bool(parts) == bool(pieces)


@settings(max_examples=25, deadline=None)
@given(st.data(), long_texts())
def test_a_long_string_value_comes_out_whole_and_received_is_exact(
    data: st.DataObject, content: str
) -> None:
    text = json.dumps({"path": "a.md", "content": content}, ensure_ascii=data.draw(st.booleans()))
    pieces = data.draw(small_cuts(text))
    parser = JSONParser()
    values = [ev.value for piece in pieces for ev in parser.feed(piece) if hasattr(ev, "value")]
    values += [ev.value for ev in parser.close() if hasattr(ev, "value")]
    assert values == ["a.md", content]
    assert parser.received == text


@settings(max_examples=25, deadline=None)
@given(st.data(), long_texts())
def test_an_error_after_a_long_string_has_its_exact_offset_and_received(
    data: st.DataObject, content: str
) -> None:
    good = json.dumps({"content": content})[:-1]  # the object still open
    text = good + ' x"}'  # a bad character where a comma or '}' should be
    pieces = data.draw(small_cuts(text))
    parser = JSONParser()
    fed = ""
    with pytest.raises(JSONStreamError) as caught:
        for piece in pieces:
            fed += piece
            parser.feed(piece)
    assert caught.value.offset == len(good) + 1
    assert caught.value.received == fed
    assert parser.received == fed


def assemble(pieces: list[str], name: str = "write", *, complete: bool = True) -> list[Any]:
    core = ToolCallAssembler({"write": WriteFile})
    out = core.feed(ToolCallStarted(0, "c", name))
    for piece in pieces:
        out += core.feed(ToolCallDelta(0, piece))
    out += core.feed(ToolCallDone(0, "c", name, "".join(pieces), None, complete=complete))
    return out + core.close()


@settings(max_examples=25, deadline=None)
@given(st.data(), long_texts())
def test_a_long_argument_assembles_exactly(data: st.DataObject, content: str) -> None:
    text = json.dumps({"path": "a.md", "content": content})
    pieces = data.draw(small_cuts(text))
    out = assemble(pieces)
    done = [e for e in out if isinstance(e, ToolCallDone)]
    assert done[0].arguments == text
    assert done[0].parsed == WriteFile(path="a.md", content=content)
    deltas = [e for e in out if isinstance(e, ToolCallDelta)]
    assert "".join(d.text for d in deltas) == text
    assert deltas[-1].partial_args == WriteFile(path="a.md", content=content)


@settings(max_examples=25, deadline=None)
@given(st.data(), long_texts())
def test_a_long_argument_that_breaks_reports_exactly_what_was_received(
    data: st.DataObject, content: str
) -> None:
    good = json.dumps({"path": "a.md", "content": content})[:-1]
    text = good + ' x, "more": 1}'
    pieces = data.draw(small_cuts(text))
    out = assemble(pieces)
    (failed,) = [e for e in out if isinstance(e, ToolCallFailed)]
    assert not any(isinstance(e, ToolCallDone) for e in out)
    # Everything up to and including the fragment that broke it.
    end = next(i for i in range(len(pieces)) if len("".join(pieces[: i + 1])) > len(good) + 1)
    received = "".join(pieces[: end + 1])
    assert failed.error.arguments == received
    assert failed.error.received == received
    cause = failed.error.__cause__
    assert isinstance(cause, JSONStreamError)
    assert cause.offset == len(good) + 1
    # The fragments after the failure still pass through: joined, they spell the text.
    assert "".join(e.text for e in out if isinstance(e, ToolCallDelta)) == text


@settings(max_examples=25, deadline=None)
@given(st.data(), long_texts())
def test_a_long_argument_cut_off_reports_all_of_it(data: st.DataObject, content: str) -> None:
    text = json.dumps({"path": "a.md", "content": content})
    cut = data.draw(st.integers(len(text) // 2, len(text) - 1))
    pieces = data.draw(small_cuts(text[:cut]))
    out = assemble(pieces, complete=False)
    (failed,) = [e for e in out if isinstance(e, ToolCallFailed)]
    assert failed.error.cut_off
    assert failed.error.arguments == text[:cut]


@settings(max_examples=15, deadline=None)
@given(st.data(), long_texts())
def test_the_anthropic_adapter_keeps_the_whole_argument(data: st.DataObject, content: str) -> None:
    text = json.dumps({"path": "a.md", "content": content})
    pieces = data.draw(small_cuts(text))
    adapter = ProviderAdapter("anthropic")
    out = adapter.feed(
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "tool_use", "id": "t", "name": "write", "input": {}},
        }
    )
    for piece in pieces:
        delta = {"type": "input_json_delta", "partial_json": piece}
        out += adapter.feed({"type": "content_block_delta", "index": 0, "delta": delta})
    out += adapter.feed({"type": "content_block_stop", "index": 0})
    (done,) = [e for e in out if isinstance(e, ToolCallDone)]
    assert done.arguments == text
    assert done.parsed == {"path": "a.md", "content": content}


def test_text_parts_through_every_level() -> None:
    pieces = [f"{i % 10}{'é' * (i % 3)}" for i in range(2 * 64 * 64 + 5)]
    parts = TextParts()
    for n, piece in enumerate(pieces, 1):
        parts.append(piece)
        if n in (63, 64, 65, 64 * 64, 64 * 64 + 1, len(pieces)):
            assert parts.text() == "".join(pieces[:n])


@settings(max_examples=25, deadline=None)
@given(st.data(), long_texts(), st.booleans())
def test_without_snapshots_the_calls_end_the_same(
    data: st.DataObject, content: str, broken: bool
) -> None:
    # (run_tools without its events builds no partial_args: nobody would see them)
    text = json.dumps({"path": "a.md", "content": content})
    if broken:
        text = text[:-1] + ' x, "more": 1}'
    pieces = data.draw(small_cuts(text))

    def ends(partial: bool) -> list[Any]:
        core = ToolCallAssembler({"write": WriteFile}, _partial=partial)
        out = core.feed(ToolCallStarted(0, "c", "write"))
        for piece in pieces:
            out += core.feed(ToolCallDelta(0, piece))
        out += core.feed(ToolCallDone(0, "c", "write", text, None)) + core.close()
        if not partial and not broken:  # (a failure shows what came before it)
            assert all(e.partial_args is None for e in out if isinstance(e, ToolCallDelta))
        return [
            (e.arguments, e.parsed) if isinstance(e, ToolCallDone) else str(e.error)
            for e in out
            if isinstance(e, ToolCallDone | ToolCallFailed)
        ]

    assert ends(False) == ends(True)
