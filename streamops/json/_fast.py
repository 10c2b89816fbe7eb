"""A C-speed core for ``json_values`` / ``json_items`` on strict input, on ijson's yajl2_c.

:class:`StrictValueCollector` has the interface of ``JSONParser`` +
``ValueCollector`` in one (``feed(chunk) -> [(path, value)]``, ``close()``)
and the same results and errors, but lets yajl (C) tokenise the text; Python
only sees one event per token, not one call per character run. It is used
only where it cannot differ from :class:`~streamops.json.JSONParser`:

* strict framing (``lenient=False``): yajl knows no prose or fences;
* chunks are pre-scanned (``str.__contains__``, C speed) for the three things
  on which yajl and ``json.loads`` disagree: ``\\uD800``-``\\uDFFF`` escapes
  (yajl mangles lone surrogates), and vertical tab / form feed (yajl takes
  them for whitespace);
* yajl also rejects some valid JSON (integers beyond 64 bits, floats that
  overflow to ``inf``);
* yajl re-scans an unfinished token on every chunk: a long string in small
  chunks would cost it quadratic time (a 160 KB string in 3-byte chunks takes
  it over a second), so after 1 KB without an event the pure parser takes over.

On any of these, or on any yajl error, the text received so far is replayed
once through the pure parser, which then either raises the exact error
(offset, line, column, path, snippet) or takes over for the rest of the
stream, the results already delivered being skipped. Values, order and error
types are therefore those of the pure parser, whatever the input.

Without ijson's C backend, :func:`make_strict_values` returns ``None`` and the
operators use the pure parser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..errors import JSONStreamError
from ._events import Path
from ._parser import JSONParser
from .paths import PathMatcher, ValueCollector

__all__ = ["StrictValueCollector", "make_strict_values"]

try:  # pragma: no cover - depends on the environment
    import ijson  # type: ignore[import-untyped]

    _yajl: Any = ijson.get_backend("yajl2_c")
except Exception:  # pragma: no cover - ijson missing, or built without its C backend
    _yajl = None


_SLICE = 65536
"""The most bytes yajl gets at once: it returns all the events of what it was sent, so
a large chunk is sent in slices, each slice's events processed before the next."""

_LONG_TOKEN = 1024
"""yajl keeps an unfinished token in a buffer that it scans again on every chunk, so a
long string arriving in small chunks costs it quadratic time. After this many bytes
without an event the pure parser (linear) takes over."""


def make_strict_values(
    pattern: str | PathMatcher,
    *,
    multiple_values: bool = False,
    max_depth: int = 512,
    with_paths: bool = True,
) -> StrictValueCollector | None:
    """A :class:`StrictValueCollector`, or ``None`` when ijson's C backend is not installed.

    >>> core = make_strict_values("items[*]")
    >>> core is None or core.feed('{"items": [1, [2') == [(("items", 0), 1)]
    True
    """
    if _yajl is None:  # pragma: no cover
        return None
    return StrictValueCollector(
        pattern, multiple_values=multiple_values, max_depth=max_depth, with_paths=with_paths
    )


class _Sink:
    """The target ijson pushes ``(event, value)`` pairs into."""

    __slots__ = ("events", "send")

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self.send: Callable[[tuple[str, Any]], None] = self.events.append


class StrictValueCollector:
    """``(path, value)`` for every complete value matching ``pattern``, strict JSON only.

    Same contract as ``ValueCollector(pattern).feed(JSONParser(lenient=False).feed(chunk))``
    (see the module docstring for how it stays identical). With
    ``with_paths=False`` it returns the values alone.

    >>> core = StrictValueCollector("items[*].n")
    >>> core.feed('{"items": [{"n": 1}, {"n"')
    [(('items', 0, 'n'), 1)]
    >>> core.feed(': 2}]}') + core.close()
    [(('items', 1, 'n'), 2)]
    """

    __slots__ = (
        "_builder",
        "_chunks",
        "_coro",
        "_cpath",
        "_ctx",
        "_delivered",
        "_depth_left",
        "_events",
        "_fallback",
        "_held",
        "_idx",
        "_match",
        "_max_depth",
        "_multiple",
        "_plain",
        "_quiet",
        "_stack",
        "_tail",
        "_vpath",
        "_with_paths",
        "matcher",
    )

    def __init__(
        self,
        pattern: str | PathMatcher,
        *,
        multiple_values: bool = False,
        max_depth: int = 512,
        with_paths: bool = True,
    ) -> None:
        if _yajl is None:  # pragma: no cover
            raise RuntimeError("StrictValueCollector needs ijson with its yajl2_c backend")
        self.matcher = pattern if isinstance(pattern, PathMatcher) else PathMatcher(pattern)
        self._match = self.matcher.match
        self._multiple = multiple_values
        self._max_depth = max_depth
        self._with_paths = with_paths
        sink = _Sink()
        self._events = sink.events
        self._coro: Any = _yajl.basic_parse_coro(
            sink, use_float=True, multiple_values=multiple_values
        )
        self._chunks: list[str | bytes] = []
        self._tail = b""  # the end of the input so far, when it holds a backslash
        self._plain = True  # no fallback and no _tail: feed() may take its fast path
        self._quiet = 0  # bytes sent since yajl last produced an event
        self._delivered = 0
        self._fallback: tuple[JSONParser, ValueCollector] | None = None
        self._held = b""  # a number cut at the end of the last chunk, not sent to yajl yet
        # path tracking, as in JSONParser
        self._stack: list[tuple[int, Path, int]] = []
        self._ctx = 0
        self._cpath: Path = ()
        self._vpath: Path = ()
        self._idx = 0
        self._depth_left = max_depth
        # values being built: a stack of open containers inside a matching value
        self._builder: list[Any] = []

    @property
    def fast(self) -> bool:
        """False once the pure parser has taken over.

        >>> core = StrictValueCollector("$")
        >>> _ = core.feed('["\\\\ud83d"]'); core.fast
        False
        """
        return self._fallback is None

    def _take_over(self, final: bool) -> list[Any]:
        """Replay everything received through the pure parser (which raises the exact
        error, if there is one) and let it handle the rest of the stream."""
        self._coro = None
        self._plain = False
        self._held = b""
        parser = JSONParser(
            lenient=False,
            multiple_values=self._multiple,
            max_depth=self._max_depth,
            fragments=False,
        )
        collector = ValueCollector(self.matcher)
        self._fallback = (parser, collector)
        found: list[tuple[Path, Any]] = []
        skip, self._delivered = self._delivered, 0
        chunks, self._chunks = self._chunks, []
        try:
            for group in _runs(chunks):
                found += collector.feed(parser.feed(group))
            if final:
                found += collector.feed(parser.close())
        except JSONStreamError as exc:
            # (the values before the error position that were not delivered yet)
            found += collector.feed(exc.events)
            exc.events = self._shape(found[skip:])
            raise
        return self._shape(found[skip:])

    def _shape(self, found: list[tuple[Path, Any]]) -> list[Any]:
        """The pure parser's pairs, as this collector returns them."""
        if self._with_paths or not found:
            return found
        return [value for _, value in found]

    def feed(self, chunk: str | bytes) -> list[Any]:
        """The ``(path, value)`` pairs (or values) this chunk completed.

        Raises the pure parser's error, whose ``events`` are the pairs (or
        values) before the error position that were not returned yet.
        """
        # The common case first, with as little work as possible: yajl is in
        # charge, and a str chunk holds nothing that yajl could read differently
        # from json.loads (no backslash, vertical tab or form feed; a lone
        # surrogate fails to encode).
        if (
            self._plain
            and chunk.__class__ is str
            and "\\" not in chunk
            and "\x0b" not in chunk
            and "\x0c" not in chunk
        ):
            self._chunks.append(chunk)
            try:
                data = chunk.encode()
            except UnicodeEncodeError:
                return self._take_over(final=False)
        else:
            fallback = self._fallback
            if fallback is not None:
                try:
                    parsed = fallback[0].feed(chunk)
                except JSONStreamError as exc:
                    exc.events = self._shape(fallback[1].feed(exc.events)) if exc.events else ()
                    raise
                return self._shape(fallback[1].feed(parsed))
            checked = self._checked(chunk)
            if checked.__class__ is not bytes:
                return checked  # type: ignore[return-value]
            data = checked
        # yajl ends a number cut by a chunk boundary at the next send's first byte
        # ("0" + "0" is 0 then more, "-1" + "-" is -1): a number at the end of a
        # chunk is held back and sent with the next one, so yajl sees it whole.
        if self._held:
            data = self._held + data
            self._held = b""
        if data and data[-1] in _NUMBER_BYTES:
            run = _number_tail(data)
            if run:
                self._held = data[-run:]
                data = data[:-run]
                if not data:
                    return []
        if len(data) > _SLICE:
            return self._sliced(data)
        try:
            self._coro.send(data)
        except Exception:  # any yajl error, or text it cannot take: the pure parser decides
            return self._take_over(final=False)
        events = self._events
        if not events:
            self._quiet += len(data)
            if self._quiet > _LONG_TOKEN:
                return self._take_over(final=False)
            return []
        self._quiet = 0
        out = self._process(events)
        events.clear()
        if out is None:
            return self._take_over(final=False)
        self._delivered += len(out)
        return out

    def _sliced(self, data: bytes) -> list[Any]:
        """:meth:`feed` for a large chunk: yajl gets it in slices, and the events of each
        are processed (and the depth checked) before the next, so what is held at once
        stays bounded (one chunk of ten million ``[`` would be ten million events)."""
        out: list[Any] = []
        events = self._events
        for start in range(0, len(data), _SLICE):
            try:
                self._coro.send(data[start : start + _SLICE])
            except Exception:
                events.clear()
                return self._take_over(final=False)
            if events:
                found = self._process(events)
                events.clear()
                if found is None:
                    return self._take_over(final=False)
                out += found
        # (a long token cut by a slice boundary is not quiet: the pure parser's
        # linear cost only matters for tokens spread over many small chunks)
        self._quiet = 0
        self._delivered += len(out)
        return out

    def _checked(self, chunk: str | bytes) -> bytes | list[Any]:
        """The bytes to send for a chunk off the common path (bytes, or text holding or
        following a backslash), or the results of the pure parser taking over."""
        self._chunks.append(chunk)
        if chunk.__class__ is str:
            # (a lone surrogate becomes invalid UTF-8: yajl fails, the parser decides)
            data: bytes = chunk.encode("utf-8", "surrogatepass")
        elif isinstance(chunk, (bytes, bytearray, memoryview)):
            # (str and bytes may be mixed: a character cut by a str chunk fails in
            # yajl, and the replay through the parser reports it)
            data = bytes(chunk)
        else:
            self._chunks.pop()
            raise TypeError(f"feed() takes str or bytes, not {type(chunk).__name__}")
        # (int membership: several times faster than b"\\" in data)
        if 92 in data or 11 in data or 12 in data or self._tail:
            if 11 in data or 12 in data:  # vertical tab, form feed
                return self._take_over(final=False)
            window = self._tail + data
            if _has_surrogate_escape(window):
                return self._take_over(final=False)
            self._tail = window[-5:] if b"\\" in window[-5:] else b""
            self._plain = not self._tail
        return data

    def close(self) -> list[Any]:
        """The last pairs; raises ``IncompleteJSONError`` if the stream ended inside a value."""
        fallback = self._fallback
        if fallback is not None:
            return self._shape(fallback[1].feed(fallback[0].close()))
        # yajl ends a stream without a word about a string left open after the value
        # ('[1] "'): a closing quote, sent first, makes such a string a complete token
        # (an error after the value; an event in multiple_values mode), and is merely
        # the start of a string, ignored, after a value ended by whitespace only.
        # (Not after a backslash, which would escape it; input ending so is wrong.)
        last = next((c for c in reversed(self._chunks) if c), "")
        if last[-1:] == "\\" or last[-1:] == b"\\":
            return self._take_over(final=True)
        try:
            if self._held:
                held, self._held = self._held, b""
                self._coro.send(held)
                if self._events:  # (a number ended by the end: the parser decides)
                    raise ValueError
            self._coro.send(b'"')
            ended = not self._events  # (else a string or number ended: the parser decides)
            if ended:
                self._coro.close()
        except Exception:
            ended = False
        if not ended:
            return self._take_over(final=True)
        events = self._events
        out = self._process(events) if events else []
        events.clear()
        if out is None:
            return self._take_over(final=True)
        self._coro = None
        return out

    def _process(self, events: list[tuple[str, Any]]) -> list[Any] | None:
        """Turn yajl events into matched values (with their paths, if wanted); ``None`` if
        the depth limit is exceeded or a number stands at the top (the pure parser then
        takes over, and raises ``DepthLimitError`` or its error at the right place)."""
        out: list[Any] = []
        with_paths = self._with_paths
        ctx = self._ctx
        cpath = self._cpath
        vpath = self._vpath
        idx = self._idx
        stack = self._stack
        builder = self._builder
        match = self._match
        for kind, value in events:
            if kind == "map_key":
                vpath = (*cpath, value)
                continue
            if kind == "end_map" or kind == "end_array":
                if builder:
                    done = builder.pop()
                    if not builder:
                        out.append((cpath, done) if with_paths else done)
                vpath = cpath
                ctx, cpath, idx = stack.pop()
                self._depth_left += 1
                continue
            if ctx == 2:
                vpath = (*cpath, idx)
                idx += 1
            if kind == "start_map" or kind == "start_array":
                new: Any = {} if kind == "start_map" else []
                if builder:
                    top = builder[-1]
                    if top.__class__ is dict:
                        top[vpath[-1]] = new
                    else:
                        top.append(new)
                    builder.append(new)
                elif match(vpath):
                    builder.append(new)
                stack.append((ctx, cpath, idx))
                self._depth_left -= 1
                if self._depth_left < 0:
                    return None
                ctx = 1 if kind == "start_map" else 2
                cpath = vpath
                idx = 0
            elif builder:
                top = builder[-1]
                if top.__class__ is dict:
                    top[vpath[-1]] = value
                else:
                    top.append(value)
            elif not stack and (kind == "number" or kind == "integer" or kind == "double"):
                # A number at the top: yajl ends it at any non-digit and reads "00"
                # as 0 then another value ("1true" as 1 then true); the pure parser decides.
                return None
            elif match(vpath):
                out.append((vpath, value) if with_paths else value)
        self._ctx = ctx
        self._cpath = cpath
        self._vpath = vpath
        self._idx = idx
        return out


_NUMBER_BYTES = frozenset(b"0123456789.eE+-")


def _number_tail(data: bytes) -> int:
    """How long the run of number characters at the end of ``data`` is, if the run may
    be a number (it holds a digit, or is a lone ``-``); else 0. (Inside a string this
    only delays a few characters to the next chunk.)"""
    run = len(data) - len(data.rstrip(b"0123456789.eE+-"))
    tail = data[-run:] if run else b""
    if tail.strip(b".eE+-") or tail == b"-":
        return run
    return 0


def _has_surrogate_escape(data: bytes) -> bool:
    """Whether ``data`` may hold a ``\\uD800``-``\\uDFFF`` escape (false positives are fine;
    an escape cut at the end is seen with the next chunk, through ``_tail``)."""
    start = data.find(b"\\u")
    while start >= 0:
        if data[start + 2 : start + 3] in b"dD" and data[start + 3 : start + 4] in _SURROGATE_HEX:
            return True
        start = data.find(b"\\u", start + 2)
    return False


_SURROGATE_HEX = frozenset(bytes([c]) for c in b"89abcdefABCDEF")


def _runs(chunks: list[str | bytes]) -> Iterator[str | bytes]:
    """Consecutive chunks of one type, joined (so a replay is a few big feeds)."""
    i = 0
    while i < len(chunks):
        j = i + 1
        kind = chunks[i].__class__
        while j < len(chunks) and chunks[j].__class__ is kind:
            j += 1
        if kind is str:
            yield "".join(chunks[i:j])  # type: ignore[arg-type]
        else:
            yield b"".join(bytes(c) for c in chunks[i:j])  # type: ignore[arg-type]
        i = j
