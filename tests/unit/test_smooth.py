"""smooth(): pacing per event kind, grapheme-safe, tool events never held back."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamops import (
    Finished,
    GraphemeBuffer,
    Pacer,
    TextDelta,
    ToolCallStarted,
    drain,
    graphemes,
    pipe,
    smooth,
)
from tests.helpers import TrackedSource

TEXT = "Hello wörld 👍🏽 and 👨‍👩‍👧 flags 🇯🇵🇫🇷 é\nsecond line 東京"
CLUSTERS = ["a", " ", "é", "👍🏽", "👨‍👩‍👧", "🇯🇵", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "1️⃣", "東", "\r\n", "ﬁ"]


@pytest.mark.parametrize("pace", ["grapheme", "word", "line"])
def test_smooth_is_lossless_whatever_the_chunking(
    pace: str, chunking: Callable[[str], list[str]]
) -> None:
    out = drain(pipe(chunking(TEXT), smooth(delay=1e-4, text=pace)))  # type: ignore[arg-type]
    assert "".join(out) == TEXT
    if pace == "grapheme":
        assert out == graphemes(TEXT)


@given(clusters=st.lists(st.sampled_from(CLUSTERS), max_size=20), data=st.data())
def test_a_grapheme_is_never_split_whatever_the_chunking(
    clusters: list[str], data: st.DataObject
) -> None:
    text = "".join(clusters)
    points = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=8)))
    buf = GraphemeBuffer()
    out: list[str] = []
    for a, b in zip([0, *points], [*points, len(text)], strict=True):
        out.extend(buf.feed(text[a:b]))
    out.extend(buf.close())
    assert out == clusters


def test_the_backlog_drains_faster_as_it_grows() -> None:
    p = Pacer({"text": "grapheme"}, delay=0.01, max_lag=0.5)
    p.feed("ab")
    assert p.per_tick() == 1
    p.feed("x" * 1000)
    assert p.backlog == 1001  # "a", "b" and 999 x: the last x is held
    assert p.per_tick() == 21  # 1001 units within 0.5 s at one tick per 10 ms
    fixed = Pacer({"text": "grapheme"}, delay=0.01, adaptive=False)
    fixed.feed("x" * 1000)
    assert fixed.per_tick() == 1


def test_events_of_other_kinds_flush_the_backlog_and_keep_order() -> None:
    events: list[Any] = [
        TextDelta("one two three "),
        ToolCallStarted(0, "c1", "search"),
        TextDelta("four"),
        Finished("stop"),
    ]
    out = drain(pipe(events, smooth(delay=1e-4)))
    assert out == [
        TextDelta("one "),
        TextDelta("two "),
        TextDelta("three "),
        ToolCallStarted(0, "c1", "search"),
        TextDelta("four"),
        Finished("stop"),
    ]


@pytest.mark.anyio
async def test_a_tool_call_is_not_delayed_behind_smoothed_text() -> None:
    # The source waits, after the tool call, until the consumer has seen it: a
    # tool call held until the (slow) text backlog drained would deadlock.
    seen = anyio.Event()

    async def source() -> AsyncIterator[Any]:
        yield TextDelta("word " * 500)
        yield ToolCallStarted(0, "c1", "search")
        await seen.wait()
        yield TextDelta("after")

    out: list[Any] = []
    with anyio.fail_after(30):  # a deadlock guard, not a timing assertion
        async with pipe(source(), smooth(delay=10.0, adaptive=False)) as s:
            async for item in s:
                out.append(item)
                if isinstance(item, ToolCallStarted):
                    seen.set()
                if isinstance(item, TextDelta) and item.text == "after":
                    break
    texts = [e.text for e in out if isinstance(e, TextDelta)]
    assert "".join(texts[:-1]) == "word " * 500


@pytest.mark.anyio
async def test_stopping_early_closes_the_source() -> None:
    src = TrackedSource(["a b c d e f"], hang=True)
    async with pipe(src, smooth(delay=1e-4)) as s:
        async for _ in s:
            break
    assert src.closed


def test_bad_options_raise() -> None:
    with pytest.raises(ValueError, match="delay"):
        smooth(delay=0)
    with pytest.raises(ValueError, match="text must be"):
        smooth(text="sentence")  # type: ignore[arg-type]
