"""Reasoning inside ``<think>...</think>`` tags of the answer text, as reasoning events.

llama.cpp, Ollama, vLLM and others serve models such as Qwen or DeepSeek-R1
without a reasoning parser: the reasoning arrives inside the answer text,
between ``<think>`` and ``</think>``. :class:`ThinkTagSplitter` is the sync
core; :func:`think_tags` the operator over provider events.
"""

from __future__ import annotations

from typing import Any, Final

from .._core import chunk_operator
from ._events import (
    Event,
    Finished,
    ProviderError,
    ReasoningDelta,
    TextDelta,
    ToolCallStarted,
)

__all__ = ["ThinkTagSplitter", "think_tags"]

_WHITESPACE: Final = " \t\r\n"
# Events that end the text of their choice: held text is released before them.
_ENDS_TEXT: Final = (Finished, ToolCallStarted, ProviderError)


class ThinkTagSplitter:
    """Split text into reasoning and answer at ``<think>`` / ``</think>`` tags.

    ``feed(text)`` returns ``(is_reasoning, text)`` pieces, never empty; a tag
    cut across chunks is found whole (the text that might begin a tag is held
    until the next chunk decides). ``close()`` returns what is held.

    Rules, chosen to match what such servers send:

    * The opening tag counts only before the answer text begins (leading
      whitespace aside), unless ``anywhere=True``: an answer that talks about
      ``<think>`` tags later is left alone.
    * ``start_inside=True`` for a chat template that puts ``<think>`` in the
      prompt, so the output starts inside the reasoning and only the closing
      tag arrives.
    * Whitespace right after either tag is dropped (the ``"\\n\\n"`` between
      ``</think>`` and the answer); everything else is kept exactly.
    * A reasoning block still open at the end stays reasoning.

    >>> s = ThinkTagSplitter()
    >>> s.feed("<thi") + s.feed("nk>\\nHmm.</th") + s.feed("ink>\\n\\nHi!")
    [(True, 'Hmm.'), (False, 'Hi!')]
    >>> s.close()
    []
    """

    __slots__ = (
        "_anywhere",
        "_close",
        "_held",
        "_inside",
        "_lead",
        "_open",
        "_started",
        "_strip",
    )

    def __init__(
        self,
        open_tag: str = "<think>",
        close_tag: str = "</think>",
        *,
        anywhere: bool = False,
        start_inside: bool = False,
    ) -> None:
        if not open_tag or not close_tag:
            raise ValueError("the tags must not be empty")
        self._open = open_tag
        self._close = close_tag
        self._anywhere = anywhere
        self._inside = start_inside
        self._started = start_inside  # answer text (or reasoning) has begun
        self._strip = start_inside
        self._held = ""
        self._lead = ""  # whitespace before anything: dropped if a tag follows

    def feed(self, text: str) -> list[tuple[bool, str]]:
        """The pieces ``text`` completes."""
        out: list[tuple[bool, str]] = []
        buf = self._held + text if self._held else text
        pos = 0
        while pos < len(buf):
            if self._inside:
                tag = self._close
            elif self._anywhere or not self._started:
                tag = self._open
            else:  # the answer has begun: no more tags to look for
                self._emit(out, buf[pos:])
                pos = len(buf)
                break
            found = buf.find(tag, pos)
            if found >= 0:
                self._emit(out, buf[pos:found])
                if not self._inside and not self._anywhere and self._started:
                    # answer text before the tag: the tag is part of the answer
                    self._emit(out, tag)
                else:
                    self._inside = not self._inside
                    self._started = self._strip = True
                    self._lead = ""
                pos = found + len(tag)
                continue
            keep = _tag_prefix(buf, pos, tag)
            self._emit(out, buf[pos : len(buf) - keep])
            self._held = buf[len(buf) - keep :]
            return out
        self._held = ""
        return out

    def _emit(self, out: list[tuple[bool, str]], text: str) -> None:
        if self._strip:
            text = text.lstrip(_WHITESPACE)
            if not text:
                return
            self._strip = False
        elif not text:
            return
        if not self._inside and not self._started:
            if text.isspace():
                self._lead += text
                return
            self._started = True
            text, self._lead = self._lead + text, ""
        out.append((self._inside, text))

    def close(self) -> list[tuple[bool, str]]:
        """End of text: what is held, as the kind of text it was in."""
        held, self._held = self._held, ""
        out: list[tuple[bool, str]] = []
        self._emit(out, held)
        if self._lead:
            out.append((False, self._lead))
            self._lead = ""
        return out


def _tag_prefix(buf: str, pos: int, tag: str) -> int:
    """The length of the longest end of ``buf[pos:]`` that begins ``tag``."""
    for size in range(min(len(tag) - 1, len(buf) - pos), 0, -1):
        if tag.startswith(buf[len(buf) - size :]):
            return size
    return 0


class _ThinkCore:
    """The chunk core of :func:`think_tags`: one splitter per choice."""

    __slots__ = ("_options", "_splitters")

    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options
        self._splitters: dict[int, ThinkTagSplitter] = {}

    def feed(self, event: Event) -> list[Event]:
        kind = type(event)
        if kind is TextDelta:
            delta: TextDelta = event  # type: ignore[assignment]
            splitter = self._splitters.get(delta.choice)
            if splitter is None:
                splitter = self._splitters[delta.choice] = ThinkTagSplitter(**self._options)
            return _events(splitter.feed(delta.text), delta.choice, delta.raw)
        if isinstance(event, _ENDS_TEXT):
            choice = getattr(event, "choice", None)
            held = self._flush(choice)
            if held:
                held.append(event)
                return held
        return [event]

    def _flush(self, choice: int | None) -> list[Event]:
        out: list[Event] = []
        for index, splitter in self._splitters.items():
            if choice is None or index == choice:
                out.extend(_events(splitter.close(), index, None))
        return out

    def close(self) -> list[Event]:
        return self._flush(None)


def _events(pieces: list[tuple[bool, str]], choice: int, raw: Any) -> list[Event]:
    return [
        ReasoningDelta(text, choice, raw) if thinking else TextDelta(text, choice, raw)
        for thinking, text in pieces
    ]


@chunk_operator
def think_tags(
    open_tag: str = "<think>",
    close_tag: str = "</think>",
    *,
    anywhere: bool = False,
    start_inside: bool = False,
) -> _ThinkCore:
    """Turn ``<think>...</think>`` in the answer text into :class:`ReasoningDelta` events.

    Chains after :func:`~streamops.events`; every other event passes through
    (the text held while a tag might be starting is released before the
    ``Finished``, tool call or error that ends the text). Tags may be cut
    across chunks anywhere. The rules are :class:`ThinkTagSplitter`'s.

    >>> from streamops import drain, pipe
    >>> drain(pipe([TextDelta(c) for c in ["<thi", "nk>Greeting.</think", ">\\n\\nHello!"]],
    ...            think_tags()))
    [ReasoningDelta(text='Greeting.', choice=0), TextDelta(text='Hello!', choice=0)]
    """
    return _ThinkCore(
        {
            "open_tag": open_tag,
            "close_tag": close_tag,
            "anywhere": anywhere,
            "start_inside": start_inside,
        }
    )
