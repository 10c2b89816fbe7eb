"""Text: buffers (words, sentences, lines, paragraphs), live Markdown, pacing.

Live Markdown (:func:`markdown_blocks`, :func:`heal_markdown`,
:func:`message_chunks`) and pacing (:func:`smooth`) are described on their
functions; the rest of this page is about the buffers.

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
from typing import Any, cast

import anyio

from .._core import (
    ENDED,
    TIMED_OUT,
    Operator,
    _check_chunk_type,
    chunk_operator,
    operator,
    pumping,
)
from ._buffers import (
    ChunkBuffer,
    LineBuffer,
    ParagraphBuffer,
    SentenceBuffer,
    TextBuffer,
    WordBuffer,
)
from ._markdown import (
    INCOMPLETE_LINK,
    BlockKind,
    BlockSplitter,
    Committed,
    MessageChunker,
    Pending,
    heal_markdown,
)
from ._smooth import GraphemeBuffer, Pace, Pacer, graphemes

__all__ = [
    "INCOMPLETE_LINK",
    "BlockKind",
    "BlockSplitter",
    "ChunkBuffer",
    "Committed",
    "GraphemeBuffer",
    "LineBuffer",
    "MessageChunker",
    "Pace",
    "Pacer",
    "ParagraphBuffer",
    "Pending",
    "SentenceBuffer",
    "TextBuffer",
    "WordBuffer",
    "chunks",
    "graphemes",
    "heal_markdown",
    "lines",
    "markdown_blocks",
    "message_chunks",
    "paragraphs",
    "sentences",
    "smooth",
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
                try:
                    pieces = buf.feed(cast(str, item))
                except (TypeError, AttributeError) as exc:
                    _check_chunk_type(buf, item, exc)
                    raise
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


@chunk_operator
def markdown_blocks(*, heal: bool = True) -> BlockSplitter:
    """Cut a Markdown answer into final blocks and the open tail, as it streams.

    Yields :class:`Committed` each time a top-level block is final (a paragraph
    followed by a blank line, a closed fence, a finished list, table or block
    quote, a heading line, a ``$$`` block) and :class:`Pending` for the open
    tail after each chunk that changed it. A committed block never changes, so
    a renderer renders it once and re-renders only the tail: the cost per chunk
    is bounded by the tail, not the answer. Decisions are made on whole lines:
    the committed blocks are the same whatever the chunking, and together
    (the last one is committed when the stream ends) they are exactly the input.

    Args:
        heal: give each :class:`Pending` a ``healed`` text with its open markup
            closed (:func:`heal_markdown`); ``False`` leaves it as received.

    Yields:
        :class:`Committed` and :class:`Pending` items.

    The heading is final at its line end; the paragraph stays pending, healed:

    >>> from streamops import drain, pipe
    >>> for item in drain(pipe(["# Hi\\n\\nSome **bo", "ld** text"], markdown_blocks())):
    ...     print(item)
    Committed(text='# Hi\\n', kind='heading')
    Pending(text='\\nSome **bo', healed='\\nSome **bo**')
    Pending(text='\\nSome **bold** text', healed='\\nSome **bold** text')
    Committed(text='\\nSome **bold** text', kind='paragraph')
    """
    return BlockSplitter(heal=heal)


@chunk_operator
def _message_chunks(max_chars: int, markdown_safe: bool) -> MessageChunker:
    """Run a :class:`MessageChunker` over a stream (a fused stage)."""
    return MessageChunker(max_chars, markdown_safe=markdown_safe)


def message_chunks(
    max_chars: int, *, markdown_safe: bool = True
) -> Operator[str, Committed | Pending]:
    """Split an answer into platform-sized messages as it streams (for chat bots).

    Yields :class:`Committed` for each finished message (at most ``max_chars``
    characters) and :class:`Pending` for the message in progress after each
    chunk that changed it (``healed`` is safe to send as an edit). A message
    ends at the best boundary in its second half: a blank line, a line end, a
    sentence end, a space; never inside a word, a link, an inline code span or
    a table row. With ``markdown_safe``, a code fence that must be split is
    closed at the end of one message and reopened (with its info string) at the
    start of the next; :meth:`MessageChunker.join` undoes that. The messages
    are the same whatever the chunking.

    Args:
        max_chars: the platform's message size limit (at least 16).
        markdown_safe: close and reopen a fence split across messages, and heal
            the pending message.

    >>> from streamops import drain, pipe
    >>> [m.text for m in drain(pipe(["One two three. Four", " five six."], message_chunks(20)))
    ...  if isinstance(m, Committed)]
    ['One two three. ', 'Four five six.']
    """
    if max_chars < 16:
        raise ValueError(f"max_chars must be at least 16, not {max_chars!r}")
    return _message_chunks(max_chars, markdown_safe)


@operator
async def _smooth(
    source: AsyncIterable[Any],
    paces: dict[str, Pace | None],
    delay: float,
    adaptive: bool,
    max_lag: float,
) -> AsyncIterator[Any]:
    """Release a :class:`Pacer`'s units one tick at a time (the upstream is read by a pump)."""
    pacer = Pacer(paces, delay=delay, adaptive=adaptive, max_lag=max_lag)
    async with pumping(source) as pump:
        tick: float | None = None
        while True:
            item = await pump.get(tick)
            if item is ENDED:
                break
            if item is not TIMED_OUT:
                for out in pacer.feed(item):
                    yield out
            now = anyio.current_time()
            if pacer.backlog and (tick is None or now >= tick):
                for out in pacer.take(pacer.per_tick()):
                    yield out
                tick = now + delay
            elif not pacer.backlog:
                tick = None
    pacer.close()
    while pacer.backlog:
        for out in pacer.take(pacer.per_tick()):
            yield out
        if pacer.backlog:
            await anyio.sleep(delay)


def smooth(
    *,
    delay: float = 0.015,
    text: Pace | None = "word",
    reasoning: Pace | None = "word",
    tool_input: Pace | None = None,
    adaptive: bool = True,
    max_lag: float = 1.0,
) -> Operator[Any, Any]:
    """Pace text for a UI or a bot: release it unit by unit, one tick every ``delay`` seconds.

    Works on plain ``str`` chunks and on provider events. Each event kind has
    its own unit: ``"grapheme"`` (an emoji with modifiers, a flag, an accented
    letter is never split, even across chunks), ``"word"``, ``"line"``, or
    ``None`` to pass it through unpaced. Any other event (a tool call starting
    or done, usage, the finish) first releases the whole backlog at once and
    then passes, so it is never delayed behind smoothed text, and the order of
    events is kept. With ``adaptive`` the backlog drains faster as it grows
    (each tick releases enough units to empty it within ``max_lag`` seconds),
    so the end lands near the real end. The concatenated text is the input.

    Args:
        delay: seconds between ticks.
        text: the unit for answer text (``str`` and :class:`TextDelta`).
        reasoning: the unit for :class:`ReasoningDelta`.
        tool_input: the unit for :class:`ToolCallDelta` argument fragments
            (paced pieces carry ``partial_args=None``).
        adaptive: speed up as the backlog grows.
        max_lag: with ``adaptive``, the longest a unit should wait.

    >>> from streamops import drain, pipe
    >>> drain(pipe(["Hel", "lo wor", "ld 👍", "🏽"], smooth(delay=0.001, text="grapheme")))
    ['H', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', ' ', '👍🏽']
    """
    if not delay > 0:
        raise ValueError(f"delay must be a positive number of seconds, not {delay!r}")
    if not max_lag > 0:
        raise ValueError(f"max_lag must be a positive number of seconds, not {max_lag!r}")
    paces: dict[str, Pace | None] = {"text": text, "reasoning": reasoning, "tool_input": tool_input}
    for kind, pace in paces.items():
        if pace not in (None, "grapheme", "word", "line"):
            raise ValueError(f"{kind} must be 'grapheme', 'word', 'line' or None, not {pace!r}")
    return _smooth(paces, delay, adaptive, max_lag)
