"""The async text operators: piping, flush timers, clean-up. (Boundary rules are
tested on the sync cores in test_text_buffers.py and the property tests.)"""

from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest

import streamops._text
from streamops import Operator, chunks, drain, lines, paragraphs, pipe, sentences, words
from tests.helpers import TrackedSource

pytestmark = pytest.mark.anyio

OPERATORS: dict[str, Callable[..., Operator[str, str]]] = {
    "words": words,
    "sentences": sentences,
    "lines": lines,
    "paragraphs": paragraphs,
    "chunks": chunks,
}
TEXT = "Hello world. This is a test!\n\nSecond paragraph, 3.14 and e.g. more.\r\nEnd"


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_operators_are_lossless_and_independent_of_chunking(
    name: str, chunking: Callable[[str], list[str]]
) -> None:
    op = OPERATORS[name]
    whole = drain(pipe([TEXT], op()))
    assert "".join(whole) == TEXT
    assert drain(pipe(chunking(TEXT), op())) == whole


@pytest.mark.parametrize("name", sorted(OPERATORS))
async def test_max_delay_flushes_a_stalled_stream(name: str) -> None:
    # The source stalls after "...wor": the timer must emit what is held.
    src = TrackedSource(["Hel", "lo wor"], hang=True)
    got: list[str] = []
    async with pipe(src, OPERATORS[name](max_delay=0.02)) as s:
        async for piece in s:
            got.append(piece)
            if "".join(got) == "Hello wor":
                break
    assert "".join(got) == "Hello wor"
    assert src.closed == 1


async def test_max_delay_keeps_lossless_and_chunk_order_when_not_stalled() -> None:
    src = TrackedSource(["Hel", "lo wor", "ld. Bye"])
    got = [p async for p in pipe(src, words(max_delay=5))]
    assert got == ["Hello ", "world. ", "Bye"]


async def test_max_delay_passes_source_errors_through() -> None:
    boom = ConnectionError("x")
    src = TrackedSource(["Hel", "lo wor"], error=boom)
    got = []
    with pytest.raises(ConnectionError) as info:
        async for p in pipe(src, words(max_delay=5)):
            got.append(p)
    assert info.value is boom
    assert got == ["Hello "]
    assert src.closed == 1


async def test_max_delay_cancellation_closes_upstream() -> None:
    src = TrackedSource(["a b c "], hang=True)
    first = anyio.Event()

    async def consume() -> None:
        async with pipe(src, words(max_delay=5)) as s:
            async for _ in s:
                first.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(consume)
        await first.wait()
        tg.cancel_scope.cancel()
    assert src.closed == 1


async def test_no_background_task_without_max_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden() -> None:
        raise AssertionError("a task group was started")

    monkeypatch.setattr(streamops._text.anyio, "create_task_group", forbidden)
    assert [p async for p in pipe(["a b"], words())] == ["a ", "b"]


@pytest.mark.parametrize("bad", [0, -1.0, float("nan")])
def test_max_delay_must_be_positive(bad: float) -> None:
    with pytest.raises(ValueError, match="max_delay"):
        words(max_delay=bad)


def test_chunks_min_chars_must_be_positive() -> None:
    with pytest.raises(ValueError, match="min_chars"):
        chunks(min_chars=0)
