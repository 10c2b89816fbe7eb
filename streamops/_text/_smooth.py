"""The sync core of ``smooth()``: cut text events into paced units, grapheme-safe.

:class:`GraphemeBuffer` turns text fragments into whole user-perceived
characters (an emoji with skin-tone modifiers, a ZWJ family, a flag, a letter
with combining accents is never split); :class:`Pacer` keeps the backlog of
units per event kind and says how many to release per tick.
"""

from __future__ import annotations

import dataclasses
import math
import unicodedata
from collections import deque
from collections.abc import Callable
from typing import Any, Literal

from ..providers._events import ReasoningDelta, TextDelta, ToolCallDelta
from ._buffers import LineBuffer, TextBuffer, WordBuffer

__all__ = ["GraphemeBuffer", "Pace", "Pacer", "graphemes"]

Pace = Literal["grapheme", "word", "line"]

_ZWJ = "\u200d"


def _extends(ch: str) -> bool:
    """Whether ``ch`` attaches to the character before it (no break before it)."""
    cp = ord(ch)
    if cp < 0x300:
        return False
    return (
        ch == _ZWJ
        or unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or 0xFE00 <= cp <= 0xFE0F  # variation selectors
        or 0x1F3FB <= cp <= 0x1F3FF  # emoji skin-tone modifiers
        or 0xE0020 <= cp <= 0xE007F  # tags (subdivision flags)
        or 0xE0100 <= cp <= 0xE01EF
        or 0x1160 <= cp <= 0x11FF  # Hangul medial vowels and final consonants
    )


def _regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def graphemes(text: str) -> list[str]:
    """Split ``text`` into user-perceived characters (extended grapheme clusters).

    A simplified UAX #29: combining marks, variation selectors, emoji modifiers
    and tags extend a cluster, ZWJ joins the next character, regional
    indicators pair into flags, ``\\r\\n`` is one.

    >>> graphemes("a👍🏽🇯🇵é\\r\\n")
    ['a', '👍🏽', '🇯🇵', 'é', '\\r\\n']
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        if text[i] == "\r" and j < n and text[j] == "\n":
            j += 1
        elif _regional(text[i]) and j < n and _regional(text[j]):
            j += 1
        while j < n and (_extends(text[j]) or text[j - 1] == _ZWJ):
            j += 1
        out.append(text[i:j])
        i = j
    return out


class GraphemeBuffer(TextBuffer):
    """Buffer text to whole graphemes; the last one is held until the next arrives.

    >>> b = GraphemeBuffer()
    >>> b.feed("hi👍"), b.feed("🏽!"), b.close()
    (['h', 'i'], ['👍🏽'], ['!'])
    """

    __slots__ = ()

    def feed(self, chunk: str) -> list[str]:
        """Take a chunk; return the graphemes it completed (all but the last)."""
        text = self._take(chunk)
        if not text:
            return []
        parts = graphemes(text)
        self._parts.append(parts.pop())
        return parts


_MAKERS: dict[str, Callable[[], TextBuffer]] = {
    "grapheme": GraphemeBuffer,
    "word": WordBuffer,
    "line": LineBuffer,
}


class Pacer:
    """The backlog of ``smooth()``: text events in, paced units out.

    ``feed(item)`` takes one upstream item: a paced text event (``str``,
    :class:`TextDelta`, :class:`ReasoningDelta`, :class:`ToolCallDelta` as
    chosen) is cut into units and queued; any other item flushes the backlog
    and is returned after it, so it is never delayed behind paced text.
    ``take(n)`` releases ``n`` units; ``per_tick()`` says how many a tick
    releases (more as the backlog grows when ``adaptive``); ``close()`` moves
    the held last unit into the backlog.

    >>> p = Pacer({"text": "word"}, delay=0.01)
    >>> p.feed("Hello wor"), p.take(5)
    ([], ['Hello '])
    >>> p.feed(TextDelta("ld")), p.close(), p.take(5)
    ([], [], [TextDelta(text='world', choice=0)])
    """

    __slots__ = (
        "_adaptive",
        "_backlog",
        "_buffer",
        "_delay",
        "_lane",
        "_max_lag",
        "_paces",
        "_template",
    )

    def __init__(
        self,
        paces: dict[str, Pace | None],
        *,
        delay: float,
        adaptive: bool = True,
        max_lag: float = 1.0,
    ) -> None:
        self._paces = paces
        self._delay = delay
        self._adaptive = adaptive
        self._max_lag = max_lag
        self._backlog: deque[Any] = deque()
        self._buffer: TextBuffer | None = None
        self._lane: tuple[Any, ...] | None = None
        self._template: Any = None

    @property
    def backlog(self) -> int:
        """How many units wait to be released."""
        return len(self._backlog)

    def per_tick(self) -> int:
        """How many units the next tick releases: one, or (adaptive) enough to
        drain the backlog within ``max_lag`` seconds."""
        if not self._adaptive:
            return 1
        return max(1, math.ceil(len(self._backlog) * self._delay / self._max_lag))

    def _kind(self, item: Any) -> tuple[str | None, tuple[Any, ...]]:
        if isinstance(item, str):
            return "text", ("text", 0)
        if isinstance(item, TextDelta):
            return "text", ("text", item.choice)
        if isinstance(item, ReasoningDelta):
            return "reasoning", ("reasoning", item.choice)
        if isinstance(item, ToolCallDelta):
            return "tool_input", ("tool_input", item.choice, item.index)
        return None, ()

    def _unit(self, piece: str) -> Any:
        template = self._template
        if isinstance(template, str):
            return piece
        if isinstance(template, ToolCallDelta):
            return dataclasses.replace(template, text=piece, partial_args=None)
        return dataclasses.replace(template, text=piece)

    def _end_lane(self) -> None:
        if self._buffer is not None:
            self._backlog.extend(self._unit(p) for p in self._buffer.close())
        self._buffer = None
        self._lane = None

    def feed(self, item: Any) -> list[Any]:
        """Queue a paced text event, or flush and return anything else."""
        kind, lane = self._kind(item)
        pace = self._paces.get(kind) if kind else None
        if pace is None:
            self._end_lane()
            out = list(self._backlog)
            self._backlog.clear()
            out.append(item)
            return out
        if lane != self._lane:
            self._end_lane()
            self._lane = lane
            self._buffer = _MAKERS[pace]()
        self._template = item
        assert self._buffer is not None
        text = item if isinstance(item, str) else item.text
        self._backlog.extend(self._unit(p) for p in self._buffer.feed(text))
        return []

    def take(self, n: int) -> list[Any]:
        """Release up to ``n`` units."""
        backlog = self._backlog
        return [backlog.popleft() for _ in range(min(n, len(backlog)))]

    def close(self) -> list[Any]:
        """End the input: the held unit joins the backlog (nothing is returned)."""
        self._end_lane()
        return []
