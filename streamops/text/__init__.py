"""Text buffers: turn tiny ``str`` fragments into words, sentences, lines, paragraphs.

Every operator here is lossless (``"".join(outputs) == "".join(inputs)``) and,
without a flush timer, its output does not depend on how the input was split.
The boundary rules live in the sync cores (:class:`WordBuffer`,
:class:`SentenceBuffer`, ...; ``feed(chunk) -> list[str]``, ``flush()``,
``close()``), usable without an event loop.

Every buffer takes ``max_delay``: when no boundary has arrived for that many
seconds, what is held is emitted anyway, so a stalled stream still shows what it
has. Without ``max_delay`` no background task is started.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import cast

import anyio

from .._core import ENDED, TIMED_OUT, Operator, chunk_operator, operator, pumping
from ._buffers import (
    ChunkBuffer,
    LineBuffer,
    ParagraphBuffer,
    SentenceBuffer,
    TextBuffer,
    WordBuffer,
)

__all__ = [
    "ChunkBuffer",
    "LineBuffer",
    "ParagraphBuffer",
    "SentenceBuffer",
    "TextBuffer",
    "WordBuffer",
    "chunks",
    "lines",
    "paragraphs",
    "sentences",
    "words",
]


@chunk_operator
def _unbuffered(make: Callable[[], TextBuffer]) -> TextBuffer:
    """Run a text buffer over a stream (no timer: a fused stage)."""
    return make()


@operator
async def _buffered(
    source: AsyncIterable[str], make: Callable[[], TextBuffer], max_delay: float
) -> AsyncIterator[str]:
    """Run a text buffer over a stream, flushing it when ``max_delay`` passes idle."""
    buf = make()
    async with pumping(source) as pump:
        deadline: float | None = None
        while True:
            item = await pump.get(deadline)
            if item is ENDED:
                break
            if item is TIMED_OUT:
                pieces = buf.flush()
                deadline = None
            else:
                pieces = buf.feed(cast(str, item))
                if pieces:
                    deadline = None
                if deadline is None and buf.pending:
                    deadline = anyio.current_time() + max_delay
            for piece in pieces:
                yield piece
        for piece in buf.close():
            yield piece


def _buffer_op(make: Callable[[], TextBuffer], max_delay: float | None) -> Operator[str, str]:
    if max_delay is None:
        return _unbuffered(make)
    if not max_delay > 0:
        raise ValueError(f"max_delay must be a positive number of seconds, not {max_delay!r}")
    return _buffered(make, max_delay)


def words(*, max_delay: float | None = None) -> Operator[str, str]:
    """Buffer text to whole words: each piece is a word and the whitespace after it.

    A word is emitted once the first character after its whitespace arrives (or
    at the end). Scripts written without spaces (Chinese, Japanese, Thai, ...)
    are not held back: each such character is its own piece, with any
    punctuation and whitespace that follows it.

    Args:
        max_delay: seconds without a boundary after which the held text is
            emitted anyway; ``None`` (default) waits for a boundary.

    Yields:
        ``str`` pieces whose concatenation is exactly the input.

    Example, tokens cut mid-word come out whole:

    >>> from streamops import drain, pipe
    >>> drain(pipe(["Hel", "lo wor", "ld"], words()))
    ['Hello ', 'world']
    >>> drain(pipe(["你好", "世界"], words()))
    ['你', '好', '世', '界']
    """
    return _buffer_op(WordBuffer, max_delay)


def sentences(*, max_delay: float | None = None) -> Operator[str, str]:
    """Buffer text to sentences, each with the whitespace (or newline) after it.

    A sentence ends at ``. ! ? …`` or their CJK forms (with closing quotes or
    brackets) followed by whitespace; decimals, common abbreviations, initials,
    an ellipsis followed by a lowercase word, URLs, e-mail addresses and
    numbered-list markers do not end one. A blank line always does.

    Args:
        max_delay: seconds without a boundary after which the held text is
            emitted anyway.

    Yields:
        ``str`` pieces whose concatenation is exactly the input.

    >>> from streamops import drain, pipe
    >>> drain(pipe(["Dr. Smith pa", "id $3.50. Then", " he left."], sentences()))
    ['Dr. Smith paid $3.50. ', 'Then he left.']
    """
    return _buffer_op(SentenceBuffer, max_delay)


def lines(*, max_delay: float | None = None) -> Operator[str, str]:
    """Buffer text to lines, each with its line ending (``\\n``, ``\\r\\n`` or ``\\r``).

    A ``\\r\\n`` split across two chunks is one ending.

    >>> from streamops import drain, pipe
    >>> drain(pipe(["one\\r", "\\ntwo\\nthr", "ee"], lines()))
    ['one\\r\\n', 'two\\n', 'three']
    """
    return _buffer_op(LineBuffer, max_delay)


def paragraphs(*, max_delay: float | None = None) -> Operator[str, str]:
    """Buffer text to paragraphs separated by blank lines, each with the blank lines after it.

    A fenced Markdown code block is never split, even where it holds blank lines.

    >>> from streamops import drain, pipe
    >>> drain(pipe(["Intro.\\n", "\\nSecond", " one.\\n"], paragraphs()))
    ['Intro.\\n\\n', 'Second one.\\n']
    """
    return _buffer_op(ParagraphBuffer, max_delay)


def chunks(*, min_chars: int = 64, max_delay: float | None = None) -> Operator[str, str]:
    """Batch text into pieces of at least ``min_chars`` characters, never splitting a word.

    A piece ends at the first word boundary at or after ``min_chars`` characters;
    only the last piece (or one forced out by ``max_delay``) may be shorter.

    >>> from streamops import drain, pipe
    >>> drain(pipe(["a bb c", "cc dd", "d e"], chunks(min_chars=4)))
    ['a bb ', 'ccc ', 'ddd ', 'e']
    """
    if min_chars < 1:
        raise ValueError(f"min_chars must be at least 1, not {min_chars!r}")
    return _buffer_op(lambda: ChunkBuffer(min_chars), max_delay)
