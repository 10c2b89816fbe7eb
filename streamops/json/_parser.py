"""The push parser: ``feed(text) -> events``; the hot path of every JSON operator.

Design (see DESIGN.md section 3):

* Push-based and resumable. The state between two ``feed()`` calls is a small
  stack of open containers plus the unfinished token (the parts of an open
  string, the digits of an unfinished number, up to 11 characters of an
  unfinished escape, up to 4 of an unfinished literal). No input is ever
  re-read, so the cost of a chunk does not depend on what came before it.
* Token-sized chunks (LLM streams: 3-4 characters) mostly have one of a few
  shapes: inside a string, indentation, the end of a key and its colon, the
  start of a value... ``feed()`` recognises those with a few ``str`` method
  calls and returns before the general loop, whose set-up alone costs more
  than such a chunk. The loop takes everything else (escapes, errors, several
  tokens), scanning short chunks with ``str`` methods and long ones with
  compiled regexes; a string or key complete inside one chunk is decoded by one
  C call (``json``'s ``scanstring``).
* ``json.loads`` semantics for complete documents, except that ``NaN`` and
  ``Infinity`` are rejected (they are not JSON).
"""

from __future__ import annotations

import codecs
import json.decoder
import json.scanner
import re
from collections.abc import Callable
from typing import Any, Final, cast

from ..errors import DepthLimitError, IncompleteJSONError, JSONStreamError
from ._events import (
    EndArray,
    EndObject,
    Event,
    Key,
    Path,
    Scalar,
    StartArray,
    StartObject,
    StringPart,
)

__all__ = ["JSONParser"]

# The hottest fast paths build their events with ``_new(Scalar)`` and two
# attribute stores rather than ``Scalar(path, value)``: the same object (the
# event classes are plain slotted dataclasses whose ``__init__`` only stores the
# fields) without a call of that Python ``__init__``, which saves about 50 ns an
# event, a fifth of the cost of a chunk inside a string.
_new = object.__new__
# (Paths are built as ``path + (key,)``, which costs half as much as
# ``(*path, key)``: hence the ``noqa: RUF005``.)

# Parser states, numbered so that the hot dispatch needs few comparisons.
_STRING: Final = 0  # inside a string value
_KEYSTR: Final = 1  # inside a key
_AFTER: Final = 2  # after a value inside a container: ',' or the closing bracket
_VALUE: Final = 3  # a value is expected (top level, after ':' or after ',' in an array)
_ARRAY_FIRST: Final = 4  # after '[': a value or ']'
_KEY: Final = 5  # after ',' in an object: a key
_OBJ_FIRST: Final = 6  # after '{': a key or '}'
_COLON: Final = 7  # after a key: ':'
_NUMBER: Final = 8  # a number ran to the end of the previous chunk
_LITERAL: Final = 9  # true/false/null ran to the end of the previous chunk
_PRELUDE: Final = 10  # lenient: skipping text before the top-level value
_DONE: Final = 11  # after the top-level value
_RECENT: Final = 64  # chunks kept as they came; older ones are joined (JSONParser._blocks)
_LONG: Final = 2 * _RECENT  # pieces of an open string (or chunks) that _compact joins
# In a string value or a key, with an escape sequence cut by the end of the
# previous chunk (its start is in ``_esc``): _STRING or _KEYSTR + _STRING_ESC.
# (A state of its own, so that the fast path for chunks inside a string need
# not look at ``_esc``.)
_STRING_ESC: Final = 12
_KEYSTR_ESC: Final = 13
_FAILED: Final = 14  # an error was raised
_CLOSED: Final = 15  # close() returned

# What the current container is.
_TOP: Final = 0
_OBJ: Final = 1
_ARR: Final = 2

_END: Final = -(2**62)  # a position meaning "the end of the input" for _fail()
_WS_CHARS: Final = " \t\n\r"
_NUM_START: Final = "-0123456789"
_NUM_CHARS: Final = "+-.eE0123456789"
_SHORT: Final = 32  # chunks up to this long are scanned with str methods (see feed())

# Matchers that cannot fail where they are used (a "*" run, or a "+" run called
# on a character of the run) are typed as such.
_AlwaysMatch = Callable[[str, int], "re.Match[str]"]
_ws = cast(_AlwaysMatch, re.compile(r"[ \t\n\r]+").match)
_str_body = cast(_AlwaysMatch, re.compile(r'[^"\\\x00-\x1f]*').match)
_number_full = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?").fullmatch
_number_prefix = re.compile(
    r"-?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*|(?:\.[0-9]+)?[eE][-+]?[0-9]*)?)?"
).fullmatch
_num_run = cast(_AlwaysMatch, re.compile(r"[-+.eE0-9]*").match)
_hex_prefix = re.compile(r"[0-9a-fA-F]{0,4}").fullmatch
_prelude = re.compile(r"[{\[]").search


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# The standard library's scanner decodes a complete string or number with exactly
# json.loads semantics in one C call; used for tokens that lie inside one chunk.
_scan_once: Callable[[str, int], tuple[Any, int]] = (
    json.scanner.c_make_scanner or json.scanner.py_make_scanner  # type: ignore[attr-defined]
)(json.decoder.JSONDecoder(parse_constant=_reject_constant))
_scanstring: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]

_SIMPLE_ESCAPES: Final = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}
_LITERALS: Final[dict[str, tuple[str, Any]]] = {
    "t": ("true", True),
    "f": ("false", False),
    "n": ("null", None),
}
_EXPECTED: Final = {
    _VALUE: "expected a value",
    _ARRAY_FIRST: "expected a value or ']'",
    _OBJ_FIRST: "expected a key or '}'",
    _KEY: "expected a key after ','",
    _COLON: "expected ':'",
}


class _EscapeError(Exception):
    """An invalid escape sequence; ``pos`` is relative to its backslash."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


def _escape(b: str) -> tuple[str, int] | None:
    """Decode the escape sequence at the start of ``b`` (which starts with a backslash).

    Returns ``(text, characters used)``, or ``None`` when ``b`` ends before the
    sequence can be decided (a high surrogate needs to see what follows it).
    Follows ``json.loads``: a high surrogate escape followed by a low one is
    one character; any other surrogate escape stays a lone surrogate.
    """
    if len(b) < 2:
        return None
    c = b[1]
    simple = _SIMPLE_ESCAPES.get(c)
    if simple is not None:
        return simple, 2
    if c != "u":
        raise _EscapeError("invalid escape", 0)
    h = b[2:6]
    if _hex_prefix(h) is None:
        raise _EscapeError("invalid \\uXXXX escape", 0)
    if len(h) < 4:
        return None
    cp = int(h, 16)
    if 0xD800 <= cp <= 0xDBFF:
        if len(b) < 8:
            if len(b) == 7 and b[6] != "\\":
                return chr(cp), 6
            return None
        if b[6] != "\\" or b[7] != "u":
            return chr(cp), 6
        h = b[8:12]
        if _hex_prefix(h) is None:
            raise _EscapeError("invalid \\uXXXX escape", 6)
        if len(h) < 4:
            return None
        cp2 = int(h, 16)
        if 0xDC00 <= cp2 <= 0xDFFF:
            return chr(0x10000 + ((cp - 0xD800) << 10) + (cp2 - 0xDC00)), 12
    return chr(cp), 6


class JSONParser:
    """An incremental JSON parser: push text in, get :mod:`events <streamops.json._events>` out.

    ``feed(chunk)`` returns the events the chunk completed; ``close()`` returns
    the last ones (a top-level number can only end there) and raises
    :class:`~streamops.IncompleteJSONError` if the stream ended inside a value.
    Chunks may be cut anywhere: inside a key, a number, an escape, a surrogate
    pair, or (for ``bytes``) a UTF-8 character. The work per chunk is
    proportional to the chunk, never to what came before.

    Complete documents get exactly ``json.loads`` semantics (big integers,
    floats, escapes, surrogate pairs, duplicate keys where the last one wins)
    except that ``NaN``, ``Infinity`` and ``-Infinity`` are rejected.

    Args:
        lenient: LLM framing (on by default). Text before the first ``{`` or
            ``[`` (prose, a Markdown fence like ```` ```json ````) is skipped,
            and so is everything after the top-level value ends (a closing
            fence, more prose), chunk by chunk as it arrives. Only an object or
            an array can be the top-level value. With ``lenient=False`` the
            input must be exactly one JSON value (any kind) with optional
            whitespace around it, as for ``json.loads``.
        multiple_values: accept several top-level values (JSON Lines, or
            values simply concatenated). Each top-level value has path ``()``;
            an empty stream is not an error. In lenient mode, text between the
            values is skipped like the prelude, so prose containing ``{`` or
            ``[`` between values would start a value.
        max_depth: the deepest nesting of objects and arrays allowed; deeper
            input raises :class:`~streamops.DepthLimitError`.
        fragments: emit :class:`StringPart` events for strings still open at
            the end of a chunk (default). Consumers that only want complete
            values turn them off, which makes chunks inside long strings cheaper.

    Errors do not depend on the chunking: the events of the text before the
    error position are returned by earlier calls or carried by the error, as
    ``exc.events`` (with a :class:`StringPart` for the text an open string
    gained), and the error has the same type, message, offset and path
    however the input was cut. Every operator delivers those events, then
    raises.

    Raises:
        JSONStreamError: malformed input, from ``feed()``. The error carries
            ``offset`` (in characters of the text received; for ``bytes`` input,
            characters of the decoded text, a leading byte order mark not
            counted), 1-based ``line`` and ``column``, the ``path`` being
            parsed, a ``snippet`` around the problem, ``.received``, all the
            text fed so far (up to an invalid UTF-8 byte), and ``events``, what
            the failing call completed before the error position. After an
            error, every later call raises the same error (with no events).
        IncompleteJSONError: from ``close()``, when the stream ended inside a
            value (or before any value), after every earlier event was returned.
        DepthLimitError: nesting deeper than ``max_depth``.

    Feeding a document in pieces:

    >>> p = JSONParser()
    >>> p.feed('Sure! ```json\\n{"a": [1, "x')
    [StartObject(path=()), Key(path=('a',), key='a'), StartArray(path=('a',)),
     Scalar(path=('a', 0), value=1), StringPart(path=('a', 1), text='x')]
    >>> p.feed('y"]}\\n```')
    [Scalar(path=('a', 1), value='xy'), EndArray(path=('a',)), EndObject(path=())]
    >>> p.close()
    []

    Numbers only appear complete, so a top-level number ends at ``close()``:

    >>> p = JSONParser(lenient=False)
    >>> p.feed("12"), p.feed("3")
    ([], [])
    >>> p.close()
    [Scalar(path=(), value=123)]

    Errors say where, and carry what came before them:

    >>> JSONParser().feed('{"a": 1 "b": 2}')
    Traceback (most recent call last):
    ...
    streamops.errors.JSONStreamError: expected ',' or '}' at line 1 column 9 (path $.a): ...
    >>> try:
    ...     JSONParser().feed('[1, "ab\x01')
    ... except JSONStreamError as exc:
    ...     print(exc.offset, exc.events)
    7 [StartArray(path=()), Scalar(path=(0,), value=1), StringPart(path=(1,), text='ab')]
    """

    __slots__ = (
        "_blocks",
        "_chunks",
        "_cpath",
        "_ctx",
        "_decoder",
        "_error",
        "_esc",
        "_fragments",
        "_head",
        "_idx",
        "_lenient",
        "_literal",
        "_max_depth",
        "_multiple",
        "_numparts",
        "_parts",
        "_stack",
        "_state",
        "_top_after",
        "_vpath",
    )

    def __init__(
        self,
        *,
        lenient: bool = True,
        multiple_values: bool = False,
        max_depth: int = 512,
        fragments: bool = True,
    ) -> None:
        self._lenient = lenient
        self._fragments = fragments
        self._multiple = multiple_values
        self._max_depth = max_depth
        self._state = _PRELUDE if lenient else _VALUE
        if multiple_values:
            self._top_after = self._state
        else:
            self._top_after = _DONE
        self._ctx = _TOP
        self._cpath: Path = ()
        self._vpath: Path = ()
        self._idx = 0
        self._stack: list[tuple[int, Path, int]] = []
        self._parts: list[str] = []
        self._esc = ""
        self._numparts: list[str] = []
        self._literal = ""
        # The text fed so far, for error reports: the recent chunks as they came, and
        # older ones joined into blocks (a str per token-sized chunk would cost several
        # times the text itself).
        self._chunks: list[str] = []
        self._blocks: list[str] = []
        self._decoder: codecs.IncrementalDecoder | None = None
        self._head: bytes | None = None  # the first bytes of a stream, while they may be a BOM
        self._error: JSONStreamError | None = None

    # -- introspection -------------------------------------------------

    @property
    def received(self) -> str:
        """All the text fed so far (joined on demand; cheap to keep, not to call often).

        >>> p = JSONParser()
        >>> _ = p.feed('{"a"'); _ = p.feed(b': 1}')
        >>> p.received
        '{"a": 1}'
        """
        return "".join(self._blocks) + "".join(self._chunks)

    @property
    def depth(self) -> int:
        """How many objects and arrays are open.

        >>> p = JSONParser()
        >>> _ = p.feed('{"a": [')
        >>> p.depth
        2
        """
        return len(self._stack)

    # -- errors --------------------------------------------------------

    def _fail(
        self,
        message: str,
        pos: int,
        path: Path,
        cls: type[JSONStreamError] = JSONStreamError,
    ) -> JSONStreamError:
        """Build (and remember) an error at ``pos``, a position in the last chunk fed
        (:data:`_END`: the end of the input). Offsets are only computed here, on
        failure, so the hot path keeps no running count."""
        received = self.received
        if pos == _END:
            offset = len(received)
        else:
            offset = len(received) - (len(self._chunks[-1]) if self._chunks else 0) + pos
        offset = max(0, min(offset, len(received)))
        line = received.count("\n", 0, offset) + 1
        column = offset - (received.rfind("\n", 0, offset) + 1) + 1
        # Up to the offending character: what follows it depends on how much had
        # arrived, and the message must not depend on the chunking.
        snippet = received[max(0, offset - 30) : offset + 1]
        error = cls(
            message,
            offset=offset,
            line=line,
            column=column,
            path=path,
            snippet=snippet,
            received=received,
        )
        self._error = error
        self._state = _FAILED
        return error

    def _decode(self, data: bytes | bytearray | memoryview) -> str:
        """The text of a ``bytes`` chunk (a character cut at its end waits for the next).

        A UTF-8 byte order mark at the very start of the stream is skipped and
        not counted in offsets (as if it had not been sent). On an invalid
        byte, the text before it is parsed (its events are delivered with the
        error), then the error points at the bad byte, with the path there.
        """
        raw = bytes(data)
        decoder = self._decoder
        if decoder is None:
            decoder = self._decoder = codecs.getincrementaldecoder("utf-8")()
            # (a BOM counts only as the stream's first bytes)
            self._head = b"" if not (self._blocks or "".join(self._chunks)) else None
        if self._head is not None:
            raw = self._head + raw
            if len(raw) < 3 and codecs.BOM_UTF8.startswith(raw):
                self._head = raw  # maybe a BOM: wait for its end
                return ""
            self._head = None
            if raw.startswith(codecs.BOM_UTF8):
                raw = raw[3:]
        pending = decoder.getstate()[0]
        try:
            return decoder.decode(raw)
        except UnicodeDecodeError as exc:
            # (exc.start counts from the start of the pending bytes)
            good = (pending + raw)[: exc.start].decode("utf-8")
            self._decoder = None
            events = self.feed(good) if good else []
            ctx, st = self._ctx, self._state
            if ctx == _ARR and (st == _VALUE or st == _ARRAY_FIRST):
                path = self._cpath + (self._idx,)  # noqa: RUF005 (as for a bad character)
            elif st == _KEY or st == _OBJ_FIRST:
                path = self._cpath
            else:
                path = self._vpath
            error = self._fail(f"invalid UTF-8 ({exc.reason})", _END, path)
            error.events = events
            raise error from exc

    def _scalar_ends(self, s: str, value: Any, rest: str, ctx: int) -> list[Event]:
        """The end of a fast path: chunk ``s`` completed the scalar at ``_vpath`` and
        holds nothing after it but whitespace and maybe the comma ``rest``."""
        self._chunks.append(s)
        self._state = (_KEY if ctx == _OBJ else _VALUE) if rest else _AFTER
        scalar = _new(Scalar)
        scalar.path = self._vpath
        scalar.value = value
        return [scalar]

    def _dead(self) -> Exception:
        if self._error is not None:
            self._error.events = ()  # (the call that failed returned them)
            return self._error
        return RuntimeError("JSONParser.feed() called after close()")

    def _text(self, data: object) -> str:
        """The text of a chunk that is not a plain ``str`` fed to a text-only parser."""
        if isinstance(data, str):
            if self._decoder is not None and (self._decoder.getstate()[0] or self._head):
                raise self._fail(
                    "text fed while a UTF-8 character was incomplete", _END, self._vpath
                )
            return data
        if isinstance(data, (bytes, bytearray, memoryview)):
            return self._decode(data)
        raise TypeError(f"feed() takes str or bytes, not {type(data).__name__}")

    # -- the hot path ----------------------------------------------------

    def _value_fast(self, t: str, vpath: Path, events: list[Event]) -> list[Event] | None:
        """A fast path of :meth:`feed`: a value starting a chunk's last token.

        ``t`` runs from the value's first character to the end of the chunk,
        ``vpath`` is the value's path in an object. Handles a string, number or
        literal that goes on in the next chunk, and an opening bracket: adds the
        value's events to ``events`` and returns it. Anything else (a complete
        value, an escape, an error...) returns ``None`` having changed nothing,
        and the general loop parses the chunk.
        """
        c = t[0]
        body = ""
        if c == '"':
            body = t[1:]
            if '"' in body or "\\" in body or not body.isprintable():
                return None
            st = _STRING
        elif c in _NUM_START:
            if t.lstrip(_NUM_CHARS):
                return None
            st = _NUMBER
        elif c == "{" or c == "[":
            if t[1:].strip(_WS_CHARS) or len(self._stack) >= self._max_depth:
                return None
            st = _OBJ_FIRST if c == "{" else _ARRAY_FIRST
        elif c in "tfn":
            word = _LITERALS[c][0]
            if len(t) >= len(word) or not word.startswith(t):
                return None
            st = _LITERAL
        else:
            return None
        ctx = self._ctx
        if ctx == _ARR:
            vpath = self._cpath + (self._idx,)  # noqa: RUF005 (faster)
            self._idx += 1
        self._vpath = vpath
        self._state = st
        if st == _STRING:
            self._parts = [body] if body else []
            if self._fragments:
                part = _new(StringPart)
                part.path = vpath
                part.text = body
                events.append(part)
        elif st == _NUMBER:
            self._numparts = [t]
        elif st == _LITERAL:
            self._literal = t
        else:
            self._stack.append((ctx, self._cpath, self._idx))
            self._cpath = vpath
            self._idx = 0
            if c == "{":
                self._ctx = _OBJ
                events.append(StartObject(vpath))
            else:
                self._ctx = _ARR
                events.append(StartArray(vpath))
        return events

    def _compact(self) -> None:
        """Join the pieces a long open string left (the fast path for chunks inside a
        string does not): the chunks kept for ``received`` as the general loop does,
        and the pieces of the string itself into blocks whose sizes fall geometrically
        from the first (the last pieces, with each block before them no longer than
        all joined after it), so each character is copied O(log n) times and the list
        stays short. (A str per token-sized piece costs several times its text.)"""
        chunks = self._chunks
        if len(chunks) > _RECENT:
            self._blocks.append("".join(chunks[:-1]))
            del chunks[:-1]
        parts = self._parts
        i = len(parts) - 1
        if i < _RECENT:
            return
        size = len(parts[i])
        while i and len(parts[i - 1]) <= size:
            i -= 1
            size += len(parts[i])
        parts[i:] = ["".join(parts[i:])]

    def feed(self, data: str | bytes) -> list[Event]:
        """Parse the next chunk; return the events it completed.

        ``data`` is text or UTF-8 bytes (a character may be split between
        two ``bytes`` chunks). An empty chunk returns ``[]``.

        >>> JSONParser().feed('[true, nu')
        [StartArray(path=()), Scalar(path=(0,), value=True)]
        """
        st = self._state
        if data.__class__ is str and self._decoder is None:
            s: str = data
            # Fast paths for the commonest shapes of a token-sized chunk: they skip
            # the set-up of the general loop below, which costs more than the work
            # of a few characters. Each one checks its whole chunk before changing
            # anything and leaves everything else (escapes, errors, a second
            # token...) to the loop; when none applies, at most a pass or two over
            # the chunk was wasted.
            if st < 2:
                if '"' not in s and "\\" not in s and s.isprintable():
                    # Wholly inside a string (about half the chunks of a document).
                    # (isprintable: no control character, nor a few rarer ones)
                    if s:
                        chunks = self._chunks
                        chunks.append(s)
                        parts = self._parts
                        parts.append(s)
                        if len(parts) >= _LONG or len(chunks) >= _LONG:
                            self._compact()  # a long string: see _compact
                        if not st and self._fragments:
                            part = _new(StringPart)
                            part.path = self._vpath
                            part.text = s
                            return [part]
                    return []
                q = s.find('"')
                if q >= 0:
                    body = s[:q]
                    if "\\" not in body and body.isprintable():
                        if st == _STRING:
                            # The end of a string value, then maybe a comma ('.",\n').
                            rest = s[q + 1 :].strip(_WS_CHARS)
                            ctx = self._ctx
                            if ctx and (not rest or rest == ","):
                                parts = self._parts
                                if body:
                                    parts.append(body)
                                text = parts[0] if len(parts) == 1 else "".join(parts)
                                return self._scalar_ends(s, text, rest, ctx)
                        else:
                            # The end of a key, then maybe its colon and the start of
                            # its value ('me"', 'e": ', '": 4', '": "Bo').
                            rest = s[q + 1 :].lstrip(_WS_CHARS)
                            if not rest or rest[0] == ":":
                                parts = self._parts
                                text = "".join(parts) + body if parts else body
                                vpath = self._cpath + (text,)  # noqa: RUF005 (faster)
                                key_ev = _new(Key)
                                key_ev.path = vpath
                                key_ev.key = text
                                first: list[Event] = [key_ev]
                                events: list[Event] | None = first
                                if not rest:
                                    self._vpath = vpath
                                    self._state = _COLON
                                else:
                                    rest = rest[1:].lstrip(_WS_CHARS)
                                    if not rest:
                                        self._vpath = vpath
                                        self._state = _VALUE
                                    else:
                                        events = self._value_fast(rest, vpath, first)
                                if events is not None:
                                    self._chunks.append(s)
                                    return events
            elif st < 8:
                if s.isspace():
                    if not s.strip(_WS_CHARS):
                        # Whitespace between tokens (pretty-printed indentation).
                        self._chunks.append(s)
                        return []
                elif not s:
                    pass  # (the loop returns [])
                elif st == _AFTER:
                    rest = s.strip(_WS_CHARS)  # (not empty: s is not all whitespace)
                    ctx = self._ctx
                    if rest == ",":
                        # A comma between members or elements (',\n  ').
                        self._chunks.append(s)
                        self._state = _KEY if ctx == _OBJ else _VALUE
                        return []
                    # The end of an object or array, then maybe a comma ('},\n').
                    tail = rest[1:].lstrip(_WS_CHARS)
                    if rest[0] == ("}" if ctx == _OBJ else "]") and (not tail or tail == ","):
                        stack = self._stack
                        outer = stack[-1][0]
                        if outer or not tail:
                            self._chunks.append(s)
                            cpath = self._cpath
                            end: Event = EndObject(cpath) if ctx == _OBJ else EndArray(cpath)
                            self._vpath = cpath
                            self._ctx, self._cpath, self._idx = stack.pop()
                            if tail:
                                self._state = _KEY if outer == _OBJ else _VALUE
                            else:
                                self._state = _AFTER if outer else self._top_after
                            return [end]
                elif st == _KEY or st == _OBJ_FIRST:
                    body = s.lstrip(_WS_CHARS)
                    if body[0] == '"':  # (not empty: s is not all whitespace)
                        body = body[1:]
                        if '"' not in body and "\\" not in body and body.isprintable():
                            # Indentation, the opening quote of a key and its first
                            # characters (' "na').
                            self._chunks.append(s)
                            self._parts = [body] if body else []
                            self._state = _KEYSTR
                            return []
                else:  # _VALUE, _ARRAY_FIRST, _COLON
                    # Indentation, then the start of a value (' "Na', ': 12', '{\n').
                    rest = s.lstrip(_WS_CHARS)  # (not empty)
                    if st != _COLON:
                        events = self._value_fast(rest, self._vpath, [])
                    elif rest[0] != ":":
                        events = None  # an error, for the loop to report
                    else:
                        rest = rest[1:].lstrip(_WS_CHARS)
                        if rest:
                            events = self._value_fast(rest, self._vpath, [])
                        else:
                            self._state = _VALUE
                            events = []
                    if events is not None:
                        self._chunks.append(s)
                        return events
            elif st == _NUMBER:
                # The end of a number, then maybe a comma ('4,\n '), or more digits.
                r = len(s) - len(s.lstrip(_NUM_CHARS))
                if r == len(s):
                    self._chunks.append(s)
                    self._numparts.append(s)
                    return []
                rest = s[r:].strip(_WS_CHARS)
                ctx = self._ctx
                if ctx and (not rest or rest == ","):
                    text = "".join(self._numparts) + s[:r]
                    try:
                        value, e = _scan_once(text, 0)
                    except (StopIteration, ValueError):
                        e = -1  # invalid: the loop says how
                    if e == len(text):
                        self._numparts = []
                        return self._scalar_ends(s, value, rest, ctx)
            elif st == _LITERAL:
                # The end of true, false or null, then maybe a comma ('ue,\n').
                buf = self._literal
                word, value = _LITERALS[buf[0]]
                need = len(word) - len(buf)
                rest = s[need:].strip(_WS_CHARS)
                ctx = self._ctx
                if s[:need] == word[len(buf) :] and ctx and (not rest or rest == ","):
                    self._literal = ""
                    return self._scalar_ends(s, value, rest, ctx)
            elif st >= _FAILED:
                raise self._dead()
        else:
            if st >= _FAILED:
                raise self._dead()
            s = self._text(data)
        n = len(s)
        if not n:
            return []
        chunks = self._chunks
        if len(chunks) > _RECENT:
            # All but the last into a block: each character is copied once. (Here, not
            # in the fast paths above: their chunks are mostly an open string's, which
            # its parts hold anyway, and the general loop comes often enough.)
            self._blocks.append("".join(chunks[:-1]))
            del chunks[:-1]
        chunks.append(s)
        # A token-sized chunk is scanned with str methods, which cost less than a
        # regex call on a few characters; a long one with the regexes, which stop
        # at the first character that matters (so the work stays linear).
        short = n <= _SHORT

        out: list[Event] = []
        emit = out.append
        ctx = self._ctx
        cpath = self._cpath
        vpath = self._vpath
        idx = self._idx
        parts = self._parts
        # The fragment bookkeeping of an open string value.
        sfrom = len(parts)
        snew = False
        i = 0

        # (a try block costs nothing until it catches)
        try:
            if st >= _STRING_ESC:
                # An escape sequence was cut by the previous chunk boundary.
                st -= _STRING_ESC
                esc = self._esc
                while True:
                    b = esc + s[i : i + 12]
                    try:
                        decoded = _escape(b)
                    except _EscapeError as exc:
                        # (the escape began len(esc) characters before s[i])
                        raise self._fail(exc.message, i - len(esc) + exc.pos, vpath) from None
                    if decoded is None:
                        esc = b
                        i = n
                        break
                    parts.append(decoded[0])
                    if decoded[1] >= len(esc):
                        i += decoded[1] - len(esc)
                        esc = ""
                        break
                    esc = esc[decoded[1] :]
                self._esc = esc

            while i < n:
                if st < 2:  # _STRING, _KEYSTR
                    # j: the end of the run of plain characters
                    if short:
                        j = s.find('"', i)
                        if j < 0:
                            j = n
                        body = s[i:j]
                        if "\\" in body or not body.isprintable():
                            j = _str_body(s, i).end()
                            body = s[i:j]
                    else:
                        j = _str_body(s, i).end()
                        body = s[i:j]
                    if body:
                        parts.append(body)
                    if j == n:
                        break
                    c = s[j]
                    if c == '"':
                        i = j + 1
                        text = parts[0] if len(parts) == 1 else "".join(parts)
                        if st == _STRING:
                            emit(Scalar(vpath, text))
                            st = _AFTER if ctx else self._top_after
                        else:
                            vpath = cpath + (text,)  # noqa: RUF005 (faster)
                            emit(Key(vpath, text))
                            if i < n and s[i] == ":":  # (the usual '"key": ')
                                i += 1
                                st = _VALUE
                            else:
                                st = _COLON
                    elif c == "\\":
                        simple = _SIMPLE_ESCAPES.get(s[j + 1]) if j + 1 < n else None
                        if simple is not None:
                            parts.append(simple)
                            i = j + 2
                            continue
                        try:
                            decoded = _escape(s[j : j + 12])
                        except _EscapeError as exc:
                            raise self._fail(exc.message, j + exc.pos, vpath) from None
                        if decoded is None:
                            self._esc = s[j:]
                            break
                        parts.append(decoded[0])
                        i = j + decoded[1]
                    else:
                        raise self._fail("invalid control character in string", j, vpath)

                elif st == _AFTER:
                    c = s[i]
                    if c in _WS_CHARS:
                        i = n - len(s[i:].lstrip(_WS_CHARS)) if short else _ws(s, i).end()
                        if i == n:
                            break
                        c = s[i]
                    if c == ",":
                        i += 1
                        st = _KEY if ctx == _OBJ else _VALUE
                    elif (c == "}" and ctx == _OBJ) or (c == "]" and ctx == _ARR):
                        i += 1
                        emit(EndObject(cpath) if ctx == _OBJ else EndArray(cpath))
                        vpath = cpath
                        ctx, cpath, idx = self._stack.pop()
                        if not ctx:
                            st = self._top_after
                    else:
                        raise self._fail(
                            "expected ',' or '}'" if ctx == _OBJ else "expected ',' or ']'",
                            i,
                            vpath,
                        )

                elif st < 5:  # _VALUE, _ARRAY_FIRST
                    c = s[i]
                    if c in _WS_CHARS:
                        i = n - len(s[i:].lstrip(_WS_CHARS)) if short else _ws(s, i).end()
                        if i == n:
                            break
                        c = s[i]
                    if c == "]" and st == _ARRAY_FIRST:
                        i += 1
                        emit(EndArray(cpath))
                        vpath = cpath
                        ctx, cpath, idx = self._stack.pop()
                        st = _AFTER if ctx else self._top_after
                        continue
                    if ctx == _ARR:
                        vpath = cpath + (idx,)  # noqa: RUF005 (faster)
                        idx += 1
                    if c == '"':
                        q = s.find('"', i + 1)
                        if q >= 0:
                            # Likely complete in this chunk: one C call decodes it.
                            try:
                                text, i = _scanstring(s, i + 1, True)
                            except ValueError:
                                pass  # an escaped quote, or invalid: the slow path says which
                            else:
                                emit(Scalar(vpath, text))
                                st = _AFTER if ctx else self._top_after
                                continue
                        i += 1
                        st = _STRING
                        parts = []
                        sfrom = 0
                        snew = True
                        if q < 0 and short:
                            # The string goes on in the next chunk (the usual case): take
                            # the rest of this one here rather than in one more turn.
                            body = s[i:]
                            if "\\" not in body and body.isprintable():
                                if body:
                                    parts.append(body)
                                break
                    elif c == "{" or c == "[":
                        if len(self._stack) >= self._max_depth:
                            # (before its event: the container that fails is not delivered)
                            raise self._fail(
                                f"nesting deeper than max_depth={self._max_depth}",
                                i,
                                vpath,
                                DepthLimitError,
                            )
                        i += 1
                        if c == "{":
                            emit(StartObject(vpath))
                            st = _OBJ_FIRST
                        else:
                            emit(StartArray(vpath))
                            st = _ARRAY_FIRST
                        self._stack.append((ctx, cpath, idx))
                        ctx = _OBJ if c == "{" else _ARR
                        cpath = vpath
                        idx = 0
                    elif c in _NUM_START:
                        try:
                            value, e = _scan_once(s, i)
                        except StopIteration:
                            e = i  # "-" not followed by a digit
                        except ValueError:
                            if s.startswith("-I", i):
                                raise self._fail(_EXPECTED[st], i, vpath) from None
                            if _num_run(s, i).end() == n:
                                # More digits than int() takes (4300), but the chunk ends
                                # inside them: not yet a complete integer ("1...0|.5").
                                self._numparts = [s[i:]]
                                st = _NUMBER
                                break
                            raise self._fail("integer too large to convert", i, vpath) from None
                        if e == n or s[e] in _NUM_CHARS:
                            # It may go on in the next chunk ("12|3", "1.|5"), or be malformed.
                            if e == n or _num_run(s, i).end() == n:
                                self._numparts = [s[i:]]
                                st = _NUMBER
                                break
                            raise self._fail("invalid number", i, vpath)
                        emit(Scalar(vpath, value))
                        i = e
                        st = _AFTER if ctx else self._top_after
                    elif c in "tfn":
                        word, value = _LITERALS[c]
                        if s.startswith(word, i):
                            emit(Scalar(vpath, value))
                            i += len(word)
                            st = _AFTER if ctx else self._top_after
                        elif n - i < len(word) and word.startswith(s[i:]):
                            self._literal = s[i:]
                            st = _LITERAL
                            break
                        else:
                            raise self._fail(f"invalid literal (expected {word!r})", i, vpath)
                    else:
                        raise self._fail(_EXPECTED[st], i, vpath)

                elif st < 7:  # _KEY, _OBJ_FIRST
                    c = s[i]
                    if c in _WS_CHARS:
                        i = n - len(s[i:].lstrip(_WS_CHARS)) if short else _ws(s, i).end()
                        if i == n:
                            break
                        c = s[i]
                    if c == '"':
                        q = s.find('"', i + 1)
                        if q >= 0:
                            try:
                                key, i = _scanstring(s, i + 1, True)
                            except ValueError:
                                pass
                            else:
                                vpath = cpath + (key,)  # noqa: RUF005 (faster)
                                emit(Key(vpath, key))
                                if i < n and s[i] == ":":
                                    i += 1
                                    st = _VALUE
                                else:
                                    st = _COLON
                                continue
                        i += 1
                        st = _KEYSTR
                        parts = []
                        if q < 0 and short:
                            # The key goes on in the next chunk: as for a string value.
                            body = s[i:]
                            if "\\" not in body and body.isprintable():
                                if body:
                                    parts.append(body)
                                break
                    elif c == "}" and st == _OBJ_FIRST:
                        i += 1
                        emit(EndObject(cpath))
                        vpath = cpath
                        ctx, cpath, idx = self._stack.pop()
                        st = _AFTER if ctx else self._top_after
                    else:
                        raise self._fail(_EXPECTED[st], i, cpath)

                elif st == _COLON:
                    c = s[i]
                    if c in _WS_CHARS:
                        i = n - len(s[i:].lstrip(_WS_CHARS)) if short else _ws(s, i).end()
                        if i == n:
                            break
                        c = s[i]
                    if c == ":":
                        i += 1
                        st = _VALUE
                    else:
                        raise self._fail("expected ':'", i, vpath)

                elif st == _NUMBER:
                    # (the digits go on at the start of the chunk: i is 0)
                    r = n - len(s.lstrip(_NUM_CHARS)) if short and not i else _num_run(s, i).end()
                    numparts = self._numparts
                    numparts.append(s[i:r])
                    if r == n:
                        break
                    text = "".join(numparts)
                    self._numparts = []
                    # (errors point at the number's first character)
                    try:
                        value, e = _scan_once(text, 0)
                    except StopIteration:
                        e = -1
                    except ValueError:
                        raise self._fail(
                            "integer too large to convert", r - len(text), vpath
                        ) from None
                    if e != len(text):
                        raise self._fail("invalid number", r - len(text), vpath)
                    emit(Scalar(vpath, value))
                    i = r
                    st = _AFTER if ctx else self._top_after

                elif st == _LITERAL:
                    buf = self._literal
                    word, value = _LITERALS[buf[0]]
                    piece = s[i : i + len(word) - len(buf)]
                    buf += piece
                    if not word.startswith(buf):
                        raise self._fail(
                            f"invalid literal (expected {word!r})", i - len(self._literal), vpath
                        )
                    i += len(piece)
                    if len(buf) == len(word):
                        self._literal = ""
                        emit(Scalar(vpath, value))
                        st = _AFTER if ctx else self._top_after
                    else:
                        self._literal = buf

                elif st == _PRELUDE:
                    m = _prelude(s, i)
                    if m is None:
                        break
                    i = m.start()
                    st = _VALUE

                else:  # _DONE
                    if self._lenient:
                        break
                    i = _ws(s, i).end() if s[i] in _WS_CHARS else i
                    if i < n:
                        raise self._fail("trailing characters after the JSON value", i, vpath)
        except JSONStreamError as error:
            # Deliver what this chunk completed before the error position, whatever
            # the chunking: the events, and the text the open string gained.
            if not st and self._fragments and (snew or len(parts) > sfrom):
                emit(StringPart(vpath, "".join(parts[sfrom:])))
            error.events = out
            raise

        if not st and self._fragments and (snew or len(parts) > sfrom):
            if sfrom == len(parts) - 1:
                emit(StringPart(vpath, parts[sfrom]))
            else:
                emit(StringPart(vpath, "".join(parts[sfrom:])))
        self._state = st + _STRING_ESC if self._esc else st
        self._ctx = ctx
        self._cpath = cpath
        self._vpath = vpath
        self._idx = idx
        self._parts = parts
        return out

    def close(self) -> list[Event]:
        """End the stream: return the last events, or raise if it ended inside a value.

        Calling it again returns ``[]``.

        >>> p = JSONParser()
        >>> p.feed('{"a": [1, 2')
        [StartObject(path=()), Key(path=('a',), key='a'), StartArray(path=('a',)),
         Scalar(path=('a', 0), value=1)]
        >>> p.close()
        Traceback (most recent call last):
        ...
        streamops.errors.IncompleteJSONError: unexpected end of input (expected ',' or ']') ...
        """
        if self._error is not None:
            raise self._error
        if self._state == _CLOSED:
            return []
        end = _END
        if self._decoder is not None:
            try:
                if self._head:
                    raise UnicodeDecodeError("utf-8", self._head, 0, 1, "truncated")
                self._decoder.decode(b"", True)
            except UnicodeDecodeError:
                raise self._fail(
                    "the stream ended inside a UTF-8 character",
                    end,
                    self._vpath,
                    IncompleteJSONError,
                ) from None
        out: list[Event] = []
        st = self._state
        ctx = self._ctx
        vpath = self._vpath
        if st == _NUMBER:
            text = "".join(self._numparts)
            start = len(self._chunks[-1]) - len(text)  # the number's first character
            m = _number_full(text)
            if m is None:
                if _number_prefix(text) is not None:
                    raise self._fail(
                        "unexpected end of input in a number", end, vpath, IncompleteJSONError
                    )
                raise self._fail("invalid number", start, vpath)
            if ctx != _TOP:
                raise self._fail(
                    "unexpected end of input (expected ',' or "
                    + ("'}')" if ctx == _OBJ else "']')"),
                    end,
                    vpath,
                    IncompleteJSONError,
                )
            try:
                value = float(text) if m.lastindex else int(text)
            except ValueError:
                raise self._fail("integer too large to convert", start, vpath) from None
            out.append(Scalar(vpath, value))
            st = self._top_after
        if st == _LITERAL:
            raise self._fail(
                "unexpected end of input in a literal", end, vpath, IncompleteJSONError
            )
        if st == _STRING or st == _KEYSTR or st == _STRING_ESC or st == _KEYSTR_ESC:
            raise self._fail("unterminated string", end, vpath, IncompleteJSONError)
        if ctx != _TOP:
            expected = (
                _EXPECTED[st]
                if st in _EXPECTED
                else ("expected ',' or '}'" if ctx == _OBJ else "expected ',' or ']'")
            )
            raise self._fail(
                f"unexpected end of input ({expected})", end, vpath, IncompleteJSONError
            )
        if not self._multiple and st != _DONE:
            raise self._fail(
                "the stream ended before any JSON value"
                + (" (no '{' or '[' found)" if self._lenient else ""),
                end,
                (),
                IncompleteJSONError,
            )
        self._state = _CLOSED
        return out
