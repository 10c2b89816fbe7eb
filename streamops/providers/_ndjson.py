"""Newline-delimited JSON (NDJSON, JSON Lines): a push decoder (``feed`` / ``close``) with
no I/O and no event loop, and the :func:`ndjson_events` operator, a thin loop over it.

Ollama's native API streams its answers this way (``application/x-ndjson``), and
some servers send Cohere's chat events so.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any, Final

from .._core import operator
from ..errors import DepthLimitError, ProviderFormatError, StreamopsError
from ._json import MAX_DEPTH, loads

__all__ = ["MAX_LINE_BYTES", "NDJSONDecoder", "ndjson_events"]

MAX_LINE_BYTES: Final = 16 * 1024 * 1024
"""The default longest line (in bytes of UTF-8, without its line ending): 16 MiB."""

_TAIL: Final = 65_536
"""How many characters before the failing line an error's ``received`` keeps (at most)."""
_BOM: Final = b"\xef\xbb\xbf"
_BLANK: Final = b" \t\r"


class NDJSONDecoder:
    """Decode newline-delimited JSON pushed in chunks of bytes or text.

    ``feed(chunk)`` returns the values of the lines the chunk completed;
    ``close()`` the value of a last line that no newline ended. Chunks may be
    cut anywhere, inside a line or inside a UTF-8 character: a line is decoded
    only once it is whole. Lines end with LF or CRLF; blank lines (nothing but
    spaces, tabs and a CR) are skipped; a UTF-8 byte-order mark at the start of
    the body is skipped. Each chunk is searched for a newline once: the held
    partial line is never scanned again, so the total cost is linear in the
    body whatever the chunking.

    Args:
        max_line_bytes: the longest line accepted (UTF-8 bytes, line ending
            excluded); a longer one is an error as soon as it is known to be
            longer, so a body with no newline cannot take more memory than that.
        max_depth: the nesting limit of one value (as for every JSON text the
            provider layer reads).

    Raises:
        ProviderFormatError: a line that is not JSON (or not UTF-8), or too
            long. ``line`` is its 1-based number, ``column`` the 1-based
            character in it, ``offset`` the byte offset in the body (of the
            UTF-8 text, for text chunks); ``received`` is the body up to and
            including that line (at most the 65,536 characters before the line).
            The values of the lines before it are returned first, by the
            ``feed()`` that completed them; the error comes from the next call.
        DepthLimitError: a value nested deeper than ``max_depth``, with
            ``line`` set to the line number.
        TypeError: a chunk that is neither bytes nor str.

    The error and the values before it do not depend on how the body was cut.

    >>> d = NDJSONDecoder()
    >>> d.feed(b'{"a": 1}\\r\\n\\n{"b": "caf\\xc3')
    [{'a': 1}]
    >>> d.feed(b'\\xa9"}\\n[1, 2]')
    [{'b': 'café'}]
    >>> d.close()
    [[1, 2]]

    A line that is not JSON:

    >>> d = NDJSONDecoder()
    >>> d.feed('{"a": 1}\\n{"a" 2}\\n')
    [{'a': 1}]
    >>> d.close()
    Traceback (most recent call last):
    ...
    streamops.errors.ProviderFormatError: line 2 is not JSON: Expecting ':' delimiter at line 2 column 6: '{"a" 2}'
    """  # noqa: E501

    __slots__ = (
        "_buf",
        "_closed",
        "_error",
        "_line",
        "_max_depth",
        "_max_line",
        "_offset",
        "_scan",
        "_tail",
        "_tail_len",
    )

    def __init__(self, *, max_line_bytes: int = MAX_LINE_BYTES, max_depth: int = MAX_DEPTH) -> None:
        if max_line_bytes < 1:
            raise ValueError(f"max_line_bytes must be at least 1, not {max_line_bytes}")
        self._max_line = max_line_bytes
        self._max_depth = max_depth
        self._buf = bytearray()  # the line being read (what follows the last newline)
        self._scan = 0  # how far _buf is known to hold no newline
        self._line = 0  # lines completed so far
        self._offset = 0  # byte offset of _buf[0] in the body
        # The text of the last lines, for ``received`` (at least _TAIL characters of it).
        self._tail: list[str] = []
        self._tail_len = 0
        self._error: StreamopsError | None = None
        self._closed = False

    @property
    def line(self) -> int:
        """How many lines were completed so far (blank lines included).

        >>> d = NDJSONDecoder(); _ = d.feed("{}\\n\\n{"); d.line
        2
        """
        return self._line

    def feed(self, chunk: bytes | bytearray | memoryview | str) -> list[Any]:
        """Read the next chunk; return the values of the lines it completed."""
        if self._error is not None:
            raise self._error
        if self._closed:
            raise ProviderFormatError("NDJSONDecoder.feed() after close()")
        buf = self._buf
        if isinstance(chunk, str):
            buf += chunk.encode("utf-8", "surrogatepass")
        elif isinstance(chunk, (bytes, bytearray, memoryview)):
            buf += chunk
        else:
            raise TypeError(
                f"NDJSONDecoder.feed() takes chunks of bytes or str, not {type(chunk).__name__}"
            )
        out: list[Any] = []
        start = 0
        find = buf.find
        try:
            while True:
                end = find(b"\n", self._scan)
                if end < 0:
                    self._scan = len(buf)
                    if self._scan - start > self._max_line + 1:  # room for a CR
                        self._parse(start, self._scan, out)  # raises: too long
                    break
                self._parse(start, end, out)
                start = self._scan = end + 1
        except StreamopsError as exc:
            self._error = exc
            if not out:
                raise
        finally:
            if start:
                del buf[:start]
                self._offset += start
                self._scan -= start
        return out

    def close(self) -> list[Any]:
        """End of the body: the value of a last line without a newline (if not blank).

        Calling it again returns ``[]``.
        """
        if self._error is not None:
            raise self._error
        if self._closed:
            return []
        self._closed = True
        out: list[Any] = []
        if self._buf:
            try:
                self._parse(0, len(self._buf), out, last=True)
            except StreamopsError as exc:
                self._error = exc
                raise
            self._buf = bytearray()
        return out

    # -- one line ------------------------------------------------------

    def _parse(self, start: int, end: int, out: list[Any], *, last: bool = False) -> None:
        """Read the line ``_buf[start:end]`` (without its LF; ``last``: the body ended in
        it); add its value to ``out``."""
        self._line += 1
        raw = self._buf[start:end]  # (a copy: _buf changes later)
        body = raw[:-1] if raw[-1:] == b"\r" else raw
        if len(body) > self._max_line:
            raise self._fail(
                f"line {self._line} is longer than max_line_bytes={self._max_line}",
                raw[: self._max_line].decode("utf-8", "replace"),
                start,
                column=1,
            )
        if self._line == 1 and self._offset == 0 and raw.startswith(_BOM):
            raw = raw[3:]
            body = body[3:]
            start += 3
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            column = len(raw[: exc.start].decode("utf-8")) + 1
            raise self._fail(
                f"line {self._line} is not UTF-8 ({exc.reason}) at line {self._line}"
                f" column {column}",
                raw.decode("utf-8", "replace"),
                start + exc.start,
                column=column,
            ) from None
        if body.strip(_BLANK):
            try:
                out.append(loads(text, what=f"line {self._line}", max_depth=self._max_depth))
            except DepthLimitError as exc:
                exc.line = self._line
                exc.offset = self._offset + start + len(text[: exc.offset].encode("utf-8"))
                exc.received = self._received(text)
                raise
            except json.JSONDecodeError as exc:
                column = exc.colno
                message = f"line {self._line}"
                if last:
                    message += " (the last, with no newline: was the body cut off?)"
                message += f" is not JSON: {exc.msg.removesuffix(' at')} at line {self._line}"
                message += f" column {column}: {text.rstrip()[:60]!r}"
                if text.strip() in ("{", "["):
                    message += " (a pretty-printed JSON document, not NDJSON?)"
                raise self._fail(
                    message,
                    text[:-1] if text[-1:] == "\r" else text,
                    start + len(text[: exc.pos].encode("utf-8", "surrogatepass")),
                    column=column,
                    cause=exc,
                ) from exc
        self._keep(text + "\n")

    def _keep(self, text: str) -> None:
        """Remember the text of a line for ``received`` (only the last ``_TAIL`` characters,
        trimmed once the kept text doubled: amortised linear)."""
        self._tail.append(text)
        self._tail_len += len(text)
        if self._tail_len > 2 * _TAIL:
            kept = "".join(self._tail)[-_TAIL:]
            self._tail = [kept]
            self._tail_len = len(kept)

    def _received(self, line: str) -> str:
        return "".join(self._tail)[-_TAIL:] + line

    def _fail(
        self,
        message: str,
        line: str,
        at: int,
        *,
        column: int,
        cause: Exception | None = None,
    ) -> ProviderFormatError:
        error = ProviderFormatError(
            message,
            payload=line,
            received=self._received(line),
            offset=self._offset + at,
            line=self._line,
            column=column,
        )
        error.__cause__ = cause
        return error


@operator
async def ndjson_events(
    source: AsyncIterable[bytes | str], *, max_line_bytes: int = MAX_LINE_BYTES
) -> AsyncIterator[Any]:
    """Decode a newline-delimited JSON body (bytes or text chunks) into its values.

    Chunks may be cut anywhere, inside a line or a UTF-8 character; LF and CRLF
    line endings, blank lines skipped, a last line without a newline still read,
    a leading byte-order mark skipped (see :class:`NDJSONDecoder`). Each value is
    yielded as soon as its line ends.

    Args:
        max_line_bytes: the longest line accepted, in UTF-8 bytes (16 MiB).

    Yields:
        the parsed value of each line (``dict`` for every provider's lines).

    Raises:
        ProviderFormatError: a line that is not JSON, not UTF-8 or too long,
            with ``line``, ``column``, ``offset`` and ``received``, after the
            values of every line before it.
        DepthLimitError: a value nested deeper than 512 levels.

    An Ollama body, cut anywhere:

    >>> from streamops import drain, pipe
    >>> body = [b'{"response": "Hi", "done": fal', b'se}\\r\\n{"response": "", "done": true}']
    >>> drain(pipe(body, ndjson_events()))
    [{'response': 'Hi', 'done': False}, {'response': '', 'done': True}]

    Then into provider events:

    >>> from streamops import events
    >>> chat = [b'{"model": "m", "created_at": "t", "message": {"role": "assistant",'
    ...         b' "content": "Hi"}, "done": false}\\n{"model": "m", "created_at": "t",',
    ...         b' "message": {"role": "assistant", "content": ""}, "done": true,'
    ...         b' "done_reason": "stop", "prompt_eval_count": 5, "eval_count": 1}\\n']
    >>> drain(pipe(chat, ndjson_events(), events(provider="ollama")))
    [TextDelta(text='Hi', choice=0),
     Usage(input_tokens=5, output_tokens=1, total_tokens=6, reasoning_tokens=None,
           details={'prompt_eval_count': 5, 'eval_count': 1}),
     Finished(reason='stop', choice=0, complete=True)]
    """
    decoder = NDJSONDecoder(max_line_bytes=max_line_bytes)
    async for chunk in source:
        for value in decoder.feed(chunk):
            yield value
    for value in decoder.close():
        yield value
