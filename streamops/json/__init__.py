"""Incremental JSON for LLM streams: events, values at paths, live strings, snapshots, patches.

Every operator here is a thin loop over one push parser, :class:`JSONParser`,
and a sync core that consumes its events (:class:`ValueCollector`,
:class:`StringCollector`, :class:`SnapshotBuilder`, :class:`PatchBuilder`).
The cores need no event loop; the operators add nothing but the loop.

Chunks may be ``str`` or UTF-8 ``bytes`` and may be cut anywhere. By default
the framing is lenient (prose or a Markdown fence around the JSON is skipped;
see :class:`JSONParser`); pass ``lenient=False`` for exact ``json.loads``
semantics. Malformed input raises :class:`~streamops.JSONStreamError` (with
``offset``, ``line``, ``column``, ``path``, ``snippet`` and ``.received``); a
stream that ends inside the value raises :class:`~streamops.IncompleteJSONError`.
Either way, everything before the error position is yielded first, and what
comes out, then the error (type, offset, path), are the same whatever the
chunking (``bytes`` with invalid UTF-8 included).

Decisions worth knowing:

* Snapshots are the same object mutated in place (free to take, linear
  overall); ``copy.deepcopy`` one to keep it.
* Patches are pure RFC 6902 (``add``/``replace``; a growing string is a
  ``replace`` of the whole string so far) unless you ask for the compact
  extension, ``json_patches(format="append")``:
  ``{"op": "append", "path": ..., "value": "text"}`` (see :class:`PatchBuilder`).
* Offsets count characters of the text received; for ``bytes`` input,
  characters of the decoded text (``.received`` is that text), where a byte
  order mark at the start is skipped and not counted.
* Lenient framing: text before the first ``{`` or ``[`` and everything after
  the top-level value are skipped; only an object or array is recognised.
* ``multiple_values=True``: JSON Lines or concatenated values, each with path
  ``()``.
* ``json_values`` / ``json_items`` with ``lenient=False`` run on ijson's C
  tokenizer when it is installed (:class:`StrictValueCollector`), with the
  pure parser's results and errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._core import ChunkCore, Then, chunk_operator
from ._events import EndArray as EndArray
from ._events import EndObject as EndObject
from ._events import Event as Event
from ._events import Key as Key
from ._events import Path as Path
from ._events import Scalar as Scalar
from ._events import StartArray as StartArray
from ._events import StartObject as StartObject
from ._events import StringPart as StringPart
from ._fast import StrictValueCollector as StrictValueCollector
from ._fast import make_strict_values
from ._parser import JSONParser as JSONParser
from ._snapshot import PatchBuilder as PatchBuilder
from ._snapshot import PatchFormat as PatchFormat
from ._snapshot import SnapshotBuilder as SnapshotBuilder
from ._snapshot import check_patch_format
from ._snapshot import pointer as pointer
from .paths import WILDCARD as WILDCARD
from .paths import PathMatcher as PathMatcher
from .paths import StringCollector as StringCollector
from .paths import ValueCollector as ValueCollector
from .paths import parse_pattern as parse_pattern

__all__ = [
    "WILDCARD",
    "EndArray",
    "EndObject",
    "Event",
    "JSONParser",
    "Key",
    "PatchBuilder",
    "PatchFormat",
    "Path",
    "PathMatcher",
    "Scalar",
    "SnapshotBuilder",
    "StartArray",
    "StartObject",
    "StrictValueCollector",
    "StringCollector",
    "StringPart",
    "ValueCollector",
    "json_events",
    "json_items",
    "json_patches",
    "json_snapshots",
    "json_string",
    "json_values",
    "parse_pattern",
    "pointer",
]

Chunk = str | bytes


@chunk_operator
def json_events(
    *,
    lenient: bool = True,
    multiple_values: bool = False,
    max_depth: int = 512,
) -> ChunkCore[Chunk, Event]:
    """Parse a stream of JSON text into events, as each chunk arrives.

    The events (see :mod:`streamops.json._events`) say where each container
    starts and ends, each key, each complete scalar, and the text that each
    chunk added to a string that is still open. Chunk boundaries may fall
    anywhere; only the fragment events depend on where they fall.

    Args:
        lenient: skip prose or a Markdown fence around the JSON (default);
            ``False`` for exact ``json.loads`` framing.
        multiple_values: several top-level values (JSON Lines, concatenated).
        max_depth: deepest nesting allowed.

    Yields:
        :class:`StartObject`, :class:`EndObject`, :class:`StartArray`,
        :class:`EndArray`, :class:`Key`, :class:`Scalar`, :class:`StringPart`.

    Raises:
        JSONStreamError: malformed JSON (``IncompleteJSONError`` at the end of
            a truncated stream, ``DepthLimitError`` for too deep nesting),
            after every event before the error position was yielded.

    >>> from streamops import drain, pipe
    >>> drain(pipe(['[1, "a', 'b"]'], json_events()))
    [StartArray(path=()), Scalar(path=(0,), value=1), StringPart(path=(1,), text='a'),
     Scalar(path=(1,), value='ab'), EndArray(path=())]
    """
    return JSONParser(lenient=lenient, multiple_values=multiple_values, max_depth=max_depth)


def _values_core(
    pattern: str, lenient: bool, multiple_values: bool, max_depth: int, with_paths: bool
) -> ChunkCore[Chunk, Any]:
    """The sync core behind ``json_values`` / ``json_items``: ijson's C tokenizer for
    strict input when it is installed (see :class:`StrictValueCollector`), else
    :class:`JSONParser` + :class:`ValueCollector`. It yields ``(path, value)``
    pairs, or the values alone when ``with_paths`` is false."""
    matcher = PathMatcher(pattern)
    if not lenient:
        fast = make_strict_values(
            matcher, multiple_values=multiple_values, max_depth=max_depth, with_paths=with_paths
        )
        if fast is not None:
            return fast
    parser = JSONParser(
        lenient=lenient, multiple_values=multiple_values, max_depth=max_depth, fragments=False
    )
    collect = ValueCollector(matcher).feed
    if with_paths:
        return Then(parser, collect)

    def values(events: Sequence[Event]) -> list[Any]:
        found = collect(events)
        return [value for _, value in found] if found else found

    return Then(parser, values)


@chunk_operator
def json_items(
    pattern: str = "$",
    *,
    lenient: bool = True,
    multiple_values: bool = False,
    max_depth: int = 512,
) -> ChunkCore[Chunk, tuple[Path, Any]]:
    """Yield ``(path, value)`` for every complete value whose path matches ``pattern``.

    Each value is yielded as soon as its last character arrives (an object
    or array at its closing bracket), long before the document ends. The
    pattern grammar (see :mod:`streamops.json.paths`)::

        "$" | "" the root       "items[*]"   every element of items
        "$.meta.title"          "items[0]"   one element
        "items[*].name"         "*"          every member of the root
        "['a.b']"               a key that is not a plain name

    With ``lenient=False`` and ijson's C backend installed, the text is
    tokenised in C (:class:`StrictValueCollector`): same values, same errors.

    Args:
        pattern: which values to yield.
        lenient: as for :func:`json_events`.
        multiple_values: as for :func:`json_events`.
        max_depth: as for :func:`json_events`.

    Yields:
        ``(path, value)``: the concrete path (a tuple of keys and indexes) and
        a fresh, fully parsed value.

    >>> from streamops import drain, pipe
    >>> drain(pipe(['{"items": [{"n": 1}, {"n"', ': 2}]}'], json_items("items[*].n")))
    [(('items', 0, 'n'), 1), (('items', 1, 'n'), 2)]
    """
    return _values_core(pattern, lenient, multiple_values, max_depth, with_paths=True)


@chunk_operator
def json_values(
    pattern: str = "$",
    *,
    lenient: bool = True,
    multiple_values: bool = False,
    max_depth: int = 512,
) -> ChunkCore[Chunk, Any]:
    """Yield every complete value whose path matches ``pattern``, as soon as it completes.

    Like :func:`json_items` without the paths; ``json_values()`` alone yields
    the whole document once it is complete (each document, with
    ``multiple_values=True``). See :mod:`streamops.json.paths` for the
    pattern grammar: ``"items[*]"``, ``"items[*].name"``, ``"$.meta.title"``,
    ``"items[0]"``, ``"*"``.

    With ``lenient=False`` and ijson's C backend installed, the text is
    tokenised in C (:class:`StrictValueCollector`): same values, same errors.

    Args:
        pattern: which values to yield (default: the root).
        lenient: as for :func:`json_events`.
        multiple_values: as for :func:`json_events`.
        max_depth: as for :func:`json_events`.

    Yields:
        fresh, fully parsed values (dicts, lists, str, int, float, bool, None).

    Raises:
        JSONStreamError: malformed JSON, after every value that completed before
            the error position was yielded, however the text was cut.

    >>> from streamops import drain, pipe
    >>> drain(pipe(['{"items": [{"a"', ': 1}, {"a": 2}], "n": 2}'], json_values("items[*]")))
    [{'a': 1}, {'a': 2}]
    >>> drain(pipe(['Here you go:\\n```json\\n[1, 2', ']\\n```'], json_values()))
    [[1, 2]]

    Values before an error come out first:

    >>> from streamops import JSONStreamError, iterate
    >>> try:
    ...     for value in iterate(['[1, 2, x'], json_values("*")):
    ...         print(value)
    ... except JSONStreamError as exc:
    ...     print(exc.message, exc.offset)
    1
    2
    expected a value 7
    """
    return _values_core(pattern, lenient, multiple_values, max_depth, with_paths=False)


@chunk_operator
def json_string(
    pattern: str,
    *,
    lenient: bool = True,
    multiple_values: bool = False,
    max_depth: int = 512,
) -> ChunkCore[Chunk, str]:
    """Yield the characters of the string at ``pattern`` as they arrive, to render it live.

    One piece per chunk that added to the string (escapes already decoded;
    an escape cut by a chunk boundary comes out whole with the next piece).
    Joined, the pieces are the string's value. If several strings match,
    their pieces follow each other; values that are not strings are ignored.

    Args:
        pattern: where the string is, e.g. ``"answer"`` or ``"$.steps[*].text"``.
        lenient: as for :func:`json_events`.
        multiple_values: as for :func:`json_events`.
        max_depth: as for :func:`json_events`.

    Yields:
        non-empty pieces of text.

    >>> from streamops import drain, pipe
    >>> drain(pipe(['{"answer": "The ', 'cat\\\\n sat', '", "n": 1}'], json_string("answer")))
    ['The ', 'cat\\n sat']
    """
    parser = JSONParser(lenient=lenient, multiple_values=multiple_values, max_depth=max_depth)
    return Then(parser, StringCollector(pattern).feed)


@chunk_operator
def json_snapshots(
    *,
    lenient: bool = True,
    multiple_values: bool = False,
    max_depth: int = 512,
) -> ChunkCore[Chunk, Any]:
    """Yield the progressively complete value after each chunk that changed it.

    Strings grow as their characters arrive; numbers, ``true``, ``false`` and
    ``null`` appear only complete; a key appears with the start of its value.
    The snapshot is built incrementally from parser events, never by
    re-parsing.

    **Every snapshot is the same object, mutated in place** (one per
    top-level value): yielding it costs nothing, so the stream stays linear
    whatever its length. Render or diff it before asking for the next one,
    or keep ``copy.deepcopy(snapshot)``.

    Args:
        lenient: as for :func:`json_events`.
        multiple_values: as for :func:`json_events`.
        max_depth: as for :func:`json_events`.

    Yields:
        the live partial value.

    The successive states, seen through the sync core (the `1` is not shown
    until a delimiter proves the number complete):

    >>> parser, builder = JSONParser(), SnapshotBuilder()
    >>> [str(s) for chunk in ['{"a": "x', 'y", "b": [1', ', 2]}']
    ...  for s in builder.feed(parser.feed(chunk))]
    ["{'a': 'x'}", "{'a': 'xy', 'b': []}", "{'a': 'xy', 'b': [1, 2]}"]

    Through the operator, the same object each time:

    >>> from streamops import drain, pipe
    >>> snaps = drain(pipe(['{"a": "x', 'y"}'], json_snapshots()))
    >>> len(snaps), snaps[0] is snaps[1], snaps[1]
    (2, True, {'a': 'xy'})
    """
    parser = JSONParser(lenient=lenient, multiple_values=multiple_values, max_depth=max_depth)
    return Then(parser, SnapshotBuilder().feed)


@chunk_operator
def json_patches(
    *,
    format: PatchFormat = "rfc6902",
    lenient: bool = True,
    multiple_values: bool = False,
    max_depth: int = 512,
) -> ChunkCore[Chunk, list[dict[str, Any]]]:
    """Yield, after each chunk that changed the value, the JSON Patch that brings a copy up to date.

    Each item is a list of operations, ready for ``json.dumps`` and a
    server-sent event. Applying every patch in order to ``{}`` rebuilds the
    value: after each patch, the client holds exactly what
    :func:`json_snapshots` shows at that point.

    Two formats (see :class:`PatchBuilder` for the details and a client):

    * ``"rfc6902"`` (default): standard JSON Patch, ``add`` and ``replace``
      only, which any JSON Patch library applies. A string that grew is a
      ``replace`` of the **whole string so far**, so a long string streamed
      in many chunks is resent many times (bytes sent quadratic in its
      length: 20 KB in 10-character chunks is about 20 MB).
    * ``"append"``: the same plus ``{"op": "append", "path": ..., "value":
      "more"}`` for a string that grew, a **streamops extension** that
      standard libraries reject; every character is sent once.

    Standard is the default so that whatever consumes the patches accepts
    them; choose ``"append"`` for long strings and a client that knows it.

    Args:
        format: ``"rfc6902"`` or ``"append"``.
        lenient: as for :func:`json_events`.
        multiple_values: as for :func:`json_events`.
        max_depth: as for :func:`json_events`.

    Yields:
        non-empty lists of patch operations (plain dicts).

    >>> from streamops import drain, pipe
    >>> for patch in drain(pipe(['{"a": "x', 'y"}'], json_patches())):
    ...     print(patch)
    [{'op': 'replace', 'path': '', 'value': {}}, {'op': 'add', 'path': '/a', 'value': 'x'}]
    [{'op': 'replace', 'path': '/a', 'value': 'xy'}]
    >>> for patch in drain(pipe(['{"a": "x', 'y"}'], json_patches(format="append"))):
    ...     print(patch)
    [{'op': 'replace', 'path': '', 'value': {}}, {'op': 'add', 'path': '/a', 'value': 'x'}]
    [{'op': 'append', 'path': '/a', 'value': 'y'}]
    """
    check_patch_format(format)
    parser = JSONParser(lenient=lenient, multiple_values=multiple_values, max_depth=max_depth)
    build = PatchBuilder(format=format).feed

    def patches(events: Sequence[Event]) -> list[list[dict[str, Any]]]:
        ops = build(events)
        return [ops] if ops else []

    return Then(parser, patches)
