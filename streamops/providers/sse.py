"""Server-sent events: a push decoder (``feed`` / ``close``) following the WHATWG
EventSource parsing rules, with no I/O and no event loop, and the
:func:`sse_events` operator, a thin loop over it.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Final

from .._core import operator
from ..errors import SSEError
from ._json import loads

__all__ = ["DONE", "SSEDecoder", "SSEEvent", "sse_events"]

DONE: Final = "[DONE]"
"""The data of the sentinel event OpenAI-style servers send last (``data: [DONE]``)."""

_utf8_decode: Final = codecs.utf_8_decode
_line_break = re.compile(r"\r\n|\r|\n")
_BOM: Final = "\ufeff"
_TAIL: Final = 65_536
"""How many characters of the decoded text an :class:`SSEDecoder` keeps for ``received``
(at least; more while one event is longer)."""


@dataclass(slots=True)
class SSEEvent:
    """One dispatched server-sent event.

    Attributes:
        data: the ``data:`` lines of the event joined with ``"\\n"``.
        event: the ``event:`` field, ``"message"`` when absent (as in a browser).
        id: the last event id seen so far in the stream (``id:`` persists across
            events, as in a browser); ``""`` if none.
        retry: the reconnection time (ms) a ``retry:`` line in this event set, or
            ``None``.
        terminated: ``False`` for a last event that no blank line ended (the
            stream stopped inside it, perhaps cut off); left out of ``repr`` and ``==``.

    >>> SSEEvent('{"a": 1}').json()
    {'a': 1}
    >>> SSEEvent("[DONE]").is_done
    True
    """

    data: str
    event: str = "message"
    id: str = ""
    retry: int | None = None
    terminated: bool = field(default=True, repr=False, compare=False)

    def json(self) -> Any:
        """The data parsed as JSON (``json.loads``, with the depth limit of 512).

        Raises:
            DepthLimitError: nesting deeper than 512 levels.
            ValueError: data that is not JSON.
        """
        return loads(self.data, what="event data")

    @property
    def is_done(self) -> bool:
        """Whether this is the ``[DONE]`` end-of-stream sentinel."""
        return self.data.startswith(DONE)


class SSEDecoder:
    """Decode a server-sent-event stream pushed in chunks of bytes or text.

    ``feed(chunk)`` returns the events the chunk completed; ``close()`` returns
    the last one. Chunks may be cut anywhere: inside a line, between the ``\\r``
    and ``\\n`` of a CRLF, inside a UTF-8 character. Only the unfinished line and
    the unfinished event are carried between calls, so the total cost is linear
    in the input whatever the chunking.

    Parsing follows the WHATWG EventSource rules: LF, CRLF and CR line endings;
    one leading byte-order mark skipped; ``data:`` lines joined with ``\\n``; one
    space after the colon removed; ``event:``, ``id:`` (ignored if it contains
    NUL; persists across events) and ``retry:`` (digits only) fields; comment
    lines (``: ping``, ``: OPENROUTER PROCESSING``) ignored; an event with no
    ``data`` line is not dispatched; unknown field names are ignored. One
    deliberate difference: an event still open when the stream ends (no final
    blank line) is dispatched by :meth:`close` rather than dropped, because
    real servers and recorded fixtures end that way.

    A line whose field name is none of these four is ignored, as the rules
    say: ``retry: soon``, ``x-trace: 7``, or ``" data: {...}"`` with a space
    before the field name (an OpenAI-compatible proxy sends that), whose
    field name is ``" data"``.

    Args:
        strict: raise :class:`~streamops.SSEError` on a body that is plainly
            not an event stream: its first non-blank line starts with ``{``,
            ``[`` (JSON) or ``<`` (HTML), for example an error response or a
            request made without streaming. Any later line is read by the
            WHATWG rules.

    Raises:
        SSEError: invalid UTF-8, a stream ending inside a UTF-8 character, a
            text chunk after an incomplete UTF-8 sequence, or (``strict``) a
            line that is not SSE. ``offset`` is a byte offset for bytes input,
            a character offset for text input (counted from the start of the
            stream); ``received`` is the end of the text decoded so far: the
            event being read and at least the 65,536 characters before the
            problem, not the whole stream (a long stream would otherwise cost
            its size in memory).
        TypeError: a chunk that is neither bytes nor str.

    Events complete only at their blank line:

    >>> d = SSEDecoder()
    >>> d.feed(b"event: delta\\r\\ndata: {\\"a\\"")
    []
    >>> d.feed(b": 1}\\r\\n: keep-alive\\r\\ndata: 2\\r\\n\\r\\n")
    [SSEEvent(data='{"a": 1}\\n2', event='delta', id='', retry=None)]
    >>> d.close()
    []

    A last event without the final blank line comes out at ``close()``:

    >>> d = SSEDecoder()
    >>> d.feed("data: [DONE]")
    []
    >>> d.close()
    [SSEEvent(data='[DONE]', event='message', id='', retry=None)]
    """

    __slots__ = (
        "_block_retry",
        "_bytes",
        "_bytes_in",
        "_chars_in",
        "_closed",
        "_cr",
        "_data",
        "_error",
        "_event",
        "_event_start",
        "_held",
        "_id",
        "_looked",
        "_partial",
        "_started",
        "_strict",
        "_tail",
        "_tail_len",
        "_tail_limit",
        "_tail_start",
        "_what",
        "retry",
    )

    def __init__(self, *, strict: bool = True, _what: str = "SSEDecoder.feed()") -> None:
        self._strict = strict
        self._what = _what
        self._bytes = False  # whether the chunks are bytes (offsets count bytes, not chars)
        self._held = b""  # the bytes of a UTF-8 character cut at the end of the last chunk
        self._bytes_in = 0
        self._chars_in = 0
        self._started = False
        self._looked = not strict  # whether the first non-blank line was checked
        self._cr = False
        self._partial: list[str] = []
        self._data: list[str] = []
        self._event = ""
        self._id = ""
        self._block_retry: int | None = None
        # The end of the decoded text, for ``received``: it starts at character
        # ``_tail_start`` of the stream; the event being read starts at ``_event_start``.
        self._tail: list[str] = []
        self._tail_len = 0
        self._tail_start = 0
        self._tail_limit = 2 * _TAIL
        self._event_start = 0
        self._closed = False
        self._error: SSEError | None = None
        self.retry: int | None = None
        """The last reconnection time (ms) a ``retry:`` line set, or ``None``."""

    @property
    def last_event_id(self) -> str:
        """The last event id seen (to send as ``Last-Event-ID`` when reconnecting).

        >>> d = SSEDecoder()
        >>> _ = d.feed("id: 7\\ndata: x\\n\\n")
        >>> d.last_event_id
        '7'
        """
        return self._id

    @property
    def received(self) -> str:
        """The end of the text decoded so far: the event being read, and at least the
        last 65,536 characters (all of it for a shorter stream).

        >>> d = SSEDecoder()
        >>> _ = d.feed("data: 1\\n\\ndata: 2")
        >>> d.received
        'data: 1\\n\\ndata: 2'
        """
        return "".join(self._tail)

    def _keep(self, text: str) -> None:
        """Add decoded text to the tail; drop what neither the open event nor the last
        ``_TAIL`` characters need (amortised: only once the tail doubled)."""
        self._tail.append(text)
        self._tail_len += len(text)
        if self._tail_len > self._tail_limit:
            keep_from = min(self._event_start, self._chars_in - _TAIL)
            kept = "".join(self._tail)[max(0, keep_from - self._tail_start) :]
            self._tail_start = self._chars_in - len(kept)
            self._tail = [kept]
            self._tail_len = len(kept)
            self._tail_limit = max(2 * _TAIL, 2 * len(kept))

    # -- errors --------------------------------------------------------

    def _pending_bytes(self) -> int:
        return len(self._held)

    def _error_at(self, message: str, tail: str) -> SSEError:
        """An error about the text ``tail``, which runs to the end of the text decoded so far."""
        if self._bytes:
            offset = self._bytes_in - self._pending_bytes() - len(tail.encode("utf-8", "replace"))
        else:
            offset = self._chars_in - len(tail)
        return SSEError(message, offset=max(0, offset), received=self.received)

    # -- feeding -------------------------------------------------------

    def feed(self, chunk: bytes | bytearray | memoryview | str) -> list[SSEEvent]:
        """Decode the next chunk; return the events it completed.

        If the chunk is broken part-way, the events completed before the problem
        are returned and the error is raised by the next call (``feed`` or
        ``close``), so no event is lost; with no such events it is raised at once.

        >>> SSEDecoder().feed(b"data: caf\\xc3")
        []
        """
        if self._error is not None:
            raise self._error
        if self._closed:
            raise SSEError("feed() after close()", offset=self._bytes_in or self._chars_in)
        error: SSEError | None = None
        if isinstance(chunk, str):
            if self._pending_bytes():
                raise self._fail(
                    self._error_at("a text chunk arrived inside a UTF-8 character", "")
                )
            text = chunk
        else:
            if not isinstance(chunk, (bytes, bytearray, memoryview)):
                raise TypeError(
                    f"{self._what} takes chunks of bytes or str, not {type(chunk).__name__}"
                )
            data = bytes(chunk)
            self._bytes = True
            held = self._held
            whole = held + data if held else data
            try:
                # What an incremental UTF-8 decoder does, without its Python layer: decode
                # up to an incomplete character at the end, and hold that for the next chunk.
                text, used = _utf8_decode(whole, "strict", False)
            except UnicodeDecodeError as exc:
                # Decode up to the bad byte, so what came before it is still read.
                pending = len(held)
                text = exc.object[: exc.start].decode("utf-8")
                error = SSEError(
                    f"invalid UTF-8 ({exc.reason})",
                    offset=self._bytes_in - pending + exc.start,
                )
                error.__cause__ = exc
                data = data[: max(0, exc.start - pending)]
                self._held = b""
            else:
                self._held = whole[used:] if used != len(whole) else b""
            self._bytes_in += len(data)
        out: list[SSEEvent] = []
        if text:
            before = self._chars_in
            self._chars_in += len(text)
            self._keep(text)
            if not self._started:
                self._started = True
                if text[0] == _BOM:
                    text = text[1:]
            try:
                self._feed_text(text, out)
            except SSEError as exc:
                error = exc
            if not (self._data or self._partial or self._event):
                self._event_start = self._chars_in  # no event open
            elif out:
                self._event_start = before  # the open one began in this chunk
        if error is not None:
            error.received = self.received
            self._error = error
            if not out:
                raise error
        return out

    def _fail(self, error: SSEError) -> SSEError:
        self._error = error
        return error

    def _feed_text(self, text: str, out: list[SSEEvent]) -> None:
        if self._cr:
            self._cr = False
            if text[:1] == "\n":
                text = text[1:]
        if not text:
            return
        if "\r" in text:
            lines = _line_break.split(text)
            self._cr = text[-1] == "\r"
        else:
            lines = text.split("\n")
        tail = lines.pop()
        if not lines:
            if tail:
                self._partial.append(tail)
            return
        if self._partial:
            self._partial.append(lines[0])
            lines[0] = "".join(self._partial)
            self._partial = []
        self._lines(lines, out, text)
        if tail:
            self._partial.append(tail)

    def _lines(self, lines: list[str], out: list[SSEEvent], text: str) -> None:
        """Interpret complete lines (the hot loop)."""
        if not self._looked:
            self._look(lines, text)
        data = self._data
        for line in lines:
            if not line:
                if data:
                    out.append(
                        SSEEvent(
                            "\n".join(data), self._event or "message", self._id, self._block_retry
                        )
                    )
                    data = self._data = []
                self._event = ""
                self._block_retry = None
                continue
            if line[0] == ":":
                continue
            if line.startswith("data:"):
                value = line[5:]
                data.append(value[1:] if value[:1] == " " else value)
                continue
            name, _, value = line.partition(":")
            if value[:1] == " ":
                value = value[1:]
            if name == "event":
                self._event = value
            elif name == "data":
                data.append(value)
            elif name == "id":
                if "\0" not in value:
                    self._id = value
            elif name == "retry":
                if value.isascii() and value.isdigit():
                    self.retry = self._block_retry = int(value)
            # Any other field name is ignored (WHATWG).

    def _look(self, lines: list[str], text: str) -> None:
        """``strict``: check the first non-blank line of the body (nothing before it can
        have dispatched an event, so checking it before the others is the same)."""
        for line in lines:
            if line and not line.isspace():
                self._looked = True
                if line.lstrip(" \t")[0] in "{[<":
                    raise self._bad_line(line, lines, text)
                return

    def _bad_line(self, line: str, lines: list[str], text: str) -> SSEError:
        # Where the line starts, as the text from it to the end (slow path, errors only).
        k = lines.index(line)
        if k == 0:
            first = _line_break.search(text)
            tail = line + text[first.start() :] if first is not None else line
        else:
            tail = text[list(_line_break.finditer(text))[k - 1].end() :]
        kind = "HTML" if line.lstrip(" \t")[0] == "<" else "JSON"
        message = (
            f"this body looks like {kind}, not an event stream: its first line is {line[:40]!r}"
        )
        if kind == "JSON":
            message += (
                " (a response to a request without streaming, or an error body? a"
                " streamed JSON array goes to events(provider=...) without sse_events())"
            )
        else:
            message += " (an error page from a proxy or gateway?)"
        return self._error_at(message, tail)

    def close(self) -> list[SSEEvent]:
        """End the stream: dispatch an event left open by a missing final blank line.

        Calling it again returns ``[]``.

        >>> SSEDecoder().feed(b"data: \\xe2\\x82")
        []
        >>> d = SSEDecoder(); _ = d.feed(b"data: \\xe2\\x82"); d.close()
        Traceback (most recent call last):
        ...
        streamops.errors.SSEError: the stream ended inside a UTF-8 character at offset 6
        """
        if self._error is not None:
            raise self._error
        if self._closed:
            return []
        self._closed = True
        pending = self._pending_bytes()
        if pending:
            raise self._fail(
                SSEError(
                    "the stream ended inside a UTF-8 character",
                    offset=self._bytes_in - pending,
                    received=self.received,
                )
            )
        out: list[SSEEvent] = []
        try:
            if self._partial:
                line = "".join(self._partial)
                self._partial = []
                self._lines([line], out, line)
            if self._data:
                self._lines([""], out, "")
                out[-1].terminated = False  # no blank line ended it
        except SSEError as exc:
            raise self._fail(exc) from None
        return out


@operator
async def sse_events(
    source: AsyncIterable[bytes | str], *, stop_at_done: bool = True, strict: bool = True
) -> AsyncIterator[SSEEvent]:
    """Decode a byte (or text) stream into server-sent events.

    Chunks may be cut anywhere, including inside a UTF-8 character or between
    the ``\\r`` and ``\\n`` of a line ending. WHATWG EventSource rules apply
    (see :class:`SSEDecoder`); comment lines are skipped; a last event without
    its final blank line is still delivered.

    Args:
        stop_at_done: end the stream at the ``data: [DONE]`` sentinel (the
            upstream is closed at once, without waiting for the server to hang
            up). With ``False`` the sentinel is yielded like any event.
        strict: raise on a body that is plainly not an event stream (its
            first non-blank line starts with ``{``, ``[`` or ``<``: JSON or
            HTML). Lines with unknown field names are ignored either way.

    Yields:
        :class:`SSEEvent` objects.

    Raises:
        SSEError: invalid UTF-8, or (``strict``) a JSON or HTML body, with
            ``offset`` and ``received``.

    An event completes at its blank line, whatever the chunks:

    >>> from streamops import drain, pipe
    >>> drain(pipe([b"data: {\\"a\\"", b": 1}\\r", b"\\n\\r\\ndata: [DONE]\\n\\n"], sse_events()))
    [SSEEvent(data='{"a": 1}', event='message', id='', retry=None)]

    Comments and named events:

    >>> drain(pipe([": ping\\n\\nevent: error\\ndata: {}\\n\\n"], sse_events()))
    [SSEEvent(data='{}', event='error', id='', retry=None)]
    """
    decoder = SSEDecoder(strict=strict, _what="sse_events()")
    async for chunk in source:
        for event in decoder.feed(chunk):
            if stop_at_done and event.is_done:
                return
            yield event
    for event in decoder.close():
        if stop_at_done and event.is_done:
            return
        yield event
