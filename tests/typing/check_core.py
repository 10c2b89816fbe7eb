"""Types flow through pipelines: checked by ``mypy --strict tests/typing`` (CI), not run.

Each ``assert_type`` states what a user's type checker must infer for one
public operator or call form; a regression fails CI's mypy run.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Generator
from typing import Any

from typing_extensions import assert_type

from streamops import (
    Gap,
    Stream,
    buffer,
    chunks,
    drain,
    iterate,
    json_events,
    json_items,
    json_patches,
    json_snapshots,
    json_string,
    json_values,
    lines,
    merge,
    operator,
    paragraphs,
    pipe,
    sentences,
    stream,
    tee,
    throttle,
    timeout,
    to_sse,
    words,
)

CHUNKS = ["Hel", "lo"]


@operator
async def lengths(source: AsyncIterable[str], *, plus: int = 0) -> AsyncIterator[int]:
    async for chunk in source:
        yield len(chunk) + plus


def text_buffers() -> None:
    assert_type(pipe(CHUNKS, words()), Stream[str])
    assert_type(pipe(CHUNKS, sentences(max_delay=0.5)), Stream[str])
    assert_type(pipe(CHUNKS, lines(), paragraphs(), chunks(min_chars=8)), Stream[str])
    assert_type(stream(CHUNKS) | words(), Stream[str])


def user_operators() -> None:
    assert_type(pipe(CHUNKS, lengths()), Stream[int])
    assert_type(pipe(CHUNKS, words(), lengths(plus=1)), Stream[int])
    assert_type(stream(CHUNKS) | words() | lengths(), Stream[int])


def sync_face() -> None:
    assert_type(drain(CHUNKS), list[str])
    assert_type(drain(CHUNKS, words()), list[str])
    assert_type(drain(CHUNKS, words(), lengths()), list[int])
    assert_type(drain(pipe(CHUNKS, lengths())), list[int])
    assert_type(iterate(CHUNKS, lengths()), Generator[int, None, None])
    for n in iterate(CHUNKS, words(), lengths()):
        assert_type(n, int)


def flow() -> None:
    assert_type(pipe(CHUNKS, lengths(), throttle(0.1)), Stream[int])
    assert_type(pipe(CHUNKS, lengths(), timeout(idle=5)), Stream[int])
    assert_type(pipe(CHUNKS, lengths(), buffer(4)), Stream[int | Gap])
    assert_type(pipe(CHUNKS, lengths(), to_sse()), Stream[str])
    assert_type(merge(CHUNKS, ["x"]), Stream[str])
    assert_type(tee(pipe(CHUNKS, lengths()), 2), tuple[Stream[int], ...])


def json_operators() -> None:
    assert_type(pipe(CHUNKS, json_string("answer")), Stream[str])
    assert_type(pipe(CHUNKS, json_values("items[*]")), Stream[Any])
    assert_type(pipe(CHUNKS, json_snapshots()), Stream[Any])
    pipe(CHUNKS, json_events())
    pipe(CHUNKS, json_items("*"))
    pipe(CHUNKS, json_patches())


def provider_endings() -> None:
    from streamops.providers import Event, Usage, events, text

    seen: list[Usage | None] = []
    assert_type(pipe(CHUNKS, text(allow_truncated=True)), Stream[str])
    assert_type(
        pipe(CHUNKS, events(on_stop="drain", drain_timeout=2.5, on_usage=seen.append)),
        Stream[Event],
    )
    pipe(CHUNKS, text(on_stop="close", on_usage=print))
