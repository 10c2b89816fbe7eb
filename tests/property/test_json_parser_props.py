"""Hypothesis: the incremental JSON parser and its cores against ``json.loads``.

Documents come two ways: Python values serialised by ``json.dumps`` (compact
and pretty, ASCII-escaped or not), and JSON *text* generated directly with
random whitespace, every escape form (short escapes, ``\\uXXXX`` in either
case, surrogate pairs, lone surrogates) and every number form. Each is cut by
a random chunking (whole, single characters, 3-4 characters, random cut
points, or UTF-8 bytes cut inside characters) and must give exactly what
``json.loads`` gives for the whole text.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st

from streamops.errors import (
    DepthLimitError,
    IncompleteJSONError,
    JSONStreamError,
    StreamopsError,
)
from streamops.json import (
    WILDCARD,
    JSONParser,
    Key,
    PatchBuilder,
    PathMatcher,
    SnapshotBuilder,
    StringCollector,
    StringPart,
    ValueCollector,
)

# -- strategies: values -------------------------------------------------------

keys = st.text(max_size=8)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.integers(min_value=-(10**80), max_value=10**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.text(alphabet=st.sampled_from('"\\/\b\f\n\r\t\x00\x1f é€😀\u2028'))
)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=6) | st.dictionaries(keys, children, max_size=6),
    max_leaves=40,
)


@st.composite
def nested(draw: st.DrawFn) -> Any:
    """A value wrapped in up to 120 levels of arrays and objects."""
    value = draw(values)
    for kind in draw(st.lists(st.booleans(), max_size=120)):
        value = [value] if kind else {"k": value}
    return value


@st.composite
def dumped(draw: st.DrawFn, strategy: st.SearchStrategy[Any] = values) -> str:
    value = draw(strategy)
    return json.dumps(
        value,
        indent=draw(st.sampled_from([None, 2, "\t"])),
        ensure_ascii=draw(st.booleans()),
        separators=draw(st.sampled_from([None, (",", ":")])),
    )


# -- strategies: JSON text ------------------------------------------------------

whitespace = st.sampled_from(["", "", " ", "\n", "\t", "\r\n  ", "  \n    "])
number_text = st.from_regex(
    r"-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,20})?([eE][-+]?[0-9]{1,3})?", fullmatch=True
)
_SHORT = ['\\"', "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"]


@st.composite
def string_piece(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return draw(st.sampled_from(_SHORT))
    if kind == 1:
        cp = draw(st.integers(0, 0xFFFF))
        return "\\u" + format(cp, draw(st.sampled_from(["04x", "04X"])))
    if kind == 2:  # an astral character as a surrogate pair
        cp = draw(st.integers(0x10000, 0x10FFFF)) - 0x10000
        hi, lo = 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF)
        return f"\\u{hi:04x}\\u{lo:04X}"
    if kind == 3:  # a high surrogate escape followed by something that may not pair
        hi = draw(st.integers(0xD800, 0xDBFF))
        return f"\\u{hi:04x}" + draw(st.sampled_from(["", "x", "\\n", "\\u0041", "\\ud800"]))
    return draw(
        st.text(
            st.characters(blacklist_characters='"\\', min_codepoint=0x20),
            max_size=12,
        )
    )


string_text = st.lists(string_piece(), max_size=6).map(lambda ps: '"' + "".join(ps) + '"')
scalar_text = number_text | string_text | st.sampled_from(["true", "false", "null"])


@st.composite
def array_text(draw: st.DrawFn, children: st.SearchStrategy[str]) -> str:
    items = draw(st.lists(children, max_size=5))
    if not items:
        return "[" + draw(whitespace) + "]"
    return "[" + ",".join(draw(whitespace) + x + draw(whitespace) for x in items) + "]"


@st.composite
def object_text(draw: st.DrawFn, children: st.SearchStrategy[str]) -> str:
    members = draw(st.lists(st.tuples(string_text, children), max_size=5, unique_by=lambda m: m[0]))
    if not members:
        return "{" + draw(whitespace) + "}"
    # Keys must be unique *after* decoding too, for the snapshot checks.
    assume(len({json.loads(k) for k, _ in members}) == len(members))
    return (
        "{"
        + ",".join(
            draw(whitespace) + k + draw(whitespace) + ":" + draw(whitespace) + v + draw(whitespace)
            for k, v in members
        )
        + "}"
    )


json_text = st.recursive(
    scalar_text,
    lambda children: array_text(children) | object_text(children),
    max_leaves=25,
)


@st.composite
def padded(draw: st.DrawFn, inner: st.SearchStrategy[str]) -> str:
    return draw(whitespace) + draw(inner) + draw(whitespace)


documents = padded(json_text) | dumped() | dumped(nested())

# -- chunkings ---------------------------------------------------------------


@st.composite
def chunked(draw: st.DrawFn, text: str) -> list[str] | list[bytes]:
    """Cut ``text`` into chunks: whole, single characters, 3-4 characters, random
    cut points (with empty chunks), or UTF-8 bytes cut at random byte offsets."""
    how = draw(st.sampled_from(["whole", "chars", "tokens", "random", "bytes", "bytes1"]))
    if how == "whole":
        return [text]
    if how == "chars":
        return list(text)
    if how in ("bytes", "bytes1"):
        try:
            data = text.encode()
        except UnicodeEncodeError:  # a lone surrogate: not representable in UTF-8
            return list(text)
        if how == "bytes1":
            return [data[i : i + 1] for i in range(len(data))]
        cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=12)))
        return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    if how == "tokens":
        sizes = draw(st.lists(st.sampled_from([3, 4]), min_size=len(text) // 3 + 1))
        out, i = [], 0
        for size in sizes:
            if i >= len(text):
                break
            out.append(text[i : i + size])
            i += size
        if i < len(text):
            out.append(text[i:])
        return out
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=20)))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]


# -- helpers ----------------------------------------------------------------


def reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(text: str) -> Any:
    """The oracle: ``json.loads`` without its NaN/Infinity extension."""
    return json.loads(text, parse_constant=reject_constant)


def same(a: Any, b: Any) -> bool:
    """Equal, with the same types and key order everywhere."""
    return json.dumps(a) == json.dumps(b)


def attempt(fn: Callable[[], Any]) -> tuple[Any, Exception | None]:
    """``(result, None)``, or ``(None, the exception)`` for any ``Exception``."""
    try:
        return fn(), None
    except Exception as exc:
        return None, exc


def run_events(chunks: list[str] | list[bytes], **options: Any) -> list[list[Any]]:
    """Feed every chunk; the events of each feed, then those of close()."""
    parser = JSONParser(**options)
    batches: list[list[Any]] = [parser.feed(c) for c in chunks]
    batches.append(parser.close())
    return batches


def final_value(batches: list[list[Any]]) -> Any:
    collector = ValueCollector("$")
    found = [v for batch in batches for _, v in collector.feed(batch)]
    assert len(found) == 1
    return found[0]


def walk(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """Every (path, value) pair in document order."""
    out = [(path, value)]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(walk(v, (*path, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(walk(v, (*path, i)))
    return out


def is_prefix(partial: Any, final: Any) -> bool:
    """``partial`` is a state ``final`` can grow into: complete fields equal,
    only the last member/element may be incomplete, strings only grow."""
    if isinstance(final, dict):
        if not isinstance(partial, dict) or len(partial) > len(final):
            return False
        pk, fk = list(partial), list(final)
        if pk != fk[: len(pk)]:
            return False
        if any(not same(partial[k], final[k]) for k in pk[:-1]):
            return False
        return not pk or is_prefix(partial[pk[-1]], final[pk[-1]])
    if isinstance(final, list):
        if not isinstance(partial, list) or len(partial) > len(final):
            return False
        if any(not same(a, b) for a, b in zip(partial[:-1], final, strict=False)):
            return False
        return not partial or is_prefix(partial[-1], final[len(partial) - 1])
    if isinstance(final, str):
        return isinstance(partial, str) and final.startswith(partial)
    return same(partial, final)


def apply_patch(doc: Any, ops: list[dict[str, Any]]) -> Any:
    """The documented client-side algorithm, in Python."""
    for op in ops:
        path = op["path"]
        if path == "":
            if op["op"] == "append":
                doc += op["value"]
            else:
                assert op["op"] == "replace"
                doc = copy.deepcopy(op["value"])
            continue
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in path.split("/")[1:]]
        parent = doc
        for t in tokens[:-1]:
            parent = parent[int(t)] if isinstance(parent, list) else parent[t]
        last = tokens[-1]
        if isinstance(parent, list):
            index = int(last)
            if op["op"] == "append":
                parent[index] += op["value"]
            else:
                assert op["op"] == "add"
                assert index == len(parent)
                parent.append(copy.deepcopy(op["value"]))
        elif op["op"] == "append":
            parent[last] += op["value"]
        else:
            assert op["op"] == "add"
            parent[last] = copy.deepcopy(op["value"])
    return doc


# -- properties -------------------------------------------------------------


@given(st.data(), documents)
def test_any_chunking_gives_json_loads(data: st.DataObject, text: str) -> None:
    expected = loads(text)
    chunks = data.draw(chunked(text))
    batches = run_events(chunks, lenient=False)
    got = final_value(batches)
    assert got == expected
    assert same(got, expected)


@given(st.data(), dumped(values.filter(lambda v: isinstance(v, (dict, list)))))
def test_lenient_framing_skips_prose_and_fences(data: st.DataObject, text: str) -> None:
    before = data.draw(st.sampled_from(["", "Sure! Here it is:\n", "```json\n", "ok ```json\n"]))
    after = data.draw(st.sampled_from(["", "\n```", "\n```\nHope this helps {]!", " trailing"]))
    chunks = data.draw(chunked(before + text + after))
    assert same(final_value(run_events(chunks)), loads(text))


@given(st.data(), st.lists(dumped(), min_size=0, max_size=4))
def test_multiple_values(data: st.DataObject, texts: list[str]) -> None:
    separator = data.draw(st.sampled_from(["\n", " ", "\r\n", "\n\n"]))
    chunks = data.draw(chunked(separator.join(texts)))
    collector = ValueCollector("$")
    got = [
        v
        for batch in run_events(chunks, lenient=False, multiple_values=True)
        for _, v in collector.feed(batch)
    ]
    assert same(got, [loads(t) for t in texts])


@given(st.data(), padded(json_text) | dumped())
def test_snapshots_only_grow_towards_the_final_value(data: st.DataObject, text: str) -> None:
    expected = loads(text)
    chunks = data.draw(chunked(text))
    parser, builder = JSONParser(lenient=False), SnapshotBuilder()
    seen: list[Any] = []
    for chunk in chunks:
        seen.extend(copy.deepcopy(s) for s in builder.feed(parser.feed(chunk)))
    seen.extend(copy.deepcopy(s) for s in builder.feed(parser.close()))
    assert seen, "at least one snapshot"
    assert same(seen[-1], expected)
    for earlier, later in pairwise(seen):
        assert is_prefix(earlier, later), (earlier, later)
    for snapshot in seen:
        assert is_prefix(snapshot, expected), snapshot


@given(st.data(), padded(json_text) | dumped(), st.booleans())
def test_cores_take_the_events_in_any_grouping(
    data: st.DataObject, text: str, multiple: bool
) -> None:
    """The sync cores do not rely on how a parser groups events per feed (their
    fast paths for one-event lists must agree with their general loops)."""
    texts = [text, text] if multiple else [text]
    chunks = data.draw(cut("\n".join(texts)))
    events = [
        e for batch in run_events(chunks, lenient=False, multiple_values=multiple) for e in batch
    ]
    cuts = sorted(data.draw(st.lists(st.integers(0, len(events)), max_size=12)))
    groups = [events[a:b] for a, b in zip([0, *cuts], [*cuts, len(events)], strict=True)]
    builder, collector = SnapshotBuilder(), ValueCollector("$")
    snapshots: list[Any] = []
    values: list[Any] = []
    for group in groups:
        snapshots.extend(copy.deepcopy(s) for s in builder.feed(group))
        values.extend(v for _, v in collector.feed(group))
    expected = [loads(t) for t in texts]
    assert same(values, expected)
    assert same(builder.value, expected[-1])
    if not multiple:
        assert same(snapshots[-1], expected[0])


@given(st.data(), padded(json_text) | dumped())
def test_patches_rebuild_the_value(data: st.DataObject, text: str) -> None:
    expected = loads(text)
    chunks = data.draw(chunked(text))
    builder = PatchBuilder(format="append")  # (RFC 6902: see test_patch_props.py)
    doc: Any = {}
    for batch in run_events(chunks, lenient=False):
        ops = builder.feed(batch)
        json.dumps(ops)  # plain JSON
        doc = apply_patch(doc, ops)
    assert same(doc, expected)


def expected_batches(chunks: list[str], per_char: list[list[Any]]) -> list[list[Any]]:
    """The events each chunk must give, from those of each character fed alone.

    Every event other than a fragment comes in the feed holding the character
    that completed it. A chunk ending inside a string value that it opened or
    added text to gives one ``StringPart`` last, with all that text (the
    per-character fragments of its characters, joined)."""
    out: list[list[Any]] = []
    pos = 0
    for chunk in chunks:
        own = [e for evs in per_char[pos : pos + len(chunk)] for e in evs]
        pos += len(chunk)
        batch = [e for e in own if type(e) is not StringPart]
        if own and type(own[-1]) is StringPart:
            # (the fragments after the last other event are all of that string)
            k = len(own)
            while k and type(own[k - 1]) is StringPart:
                k -= 1
            batch.append(StringPart(own[-1].path, "".join(e.text for e in own[k:])))
        out.append(batch)
    return out


def run_until_error(
    chunks: list[str], **options: Any
) -> tuple[list[list[Any]], JSONStreamError | None]:
    """The events of each feed (then of close()) until an error, and the error."""
    parser = JSONParser(**options)
    batches: list[list[Any]] = []
    try:
        for chunk in chunks:
            batches.append(parser.feed(chunk))
        batches.append(parser.close())
    except JSONStreamError as exc:
        return batches, exc
    return batches, None


@st.composite
def cut(draw: st.DrawFn, text: str) -> list[str]:
    """Whole, or pieces of 1-6 characters (token-like), or random cut points (with
    empty chunks)."""
    how = draw(st.sampled_from(["whole", "small", "random"]))
    if how == "whole":
        return [text]
    if how == "small":
        out, i = [], 0
        while i < len(text):
            size = draw(st.integers(1, 6))
            out.append(text[i : i + size])
            i += size
        return out
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=20)))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]


def check_feed_by_feed(chunks: list[str], lenient: bool) -> None:
    """``chunks`` give, feed by feed, the events and the error that the same text
    fed one character at a time implies."""
    text = "".join(chunks)
    per_char, char_error = run_until_error(list(text), lenient=lenient)
    batches, error = run_until_error(chunks, lenient=lenient)
    assert type(error) is type(char_error)
    fields = ("message", "offset", "line", "column", "path")
    if error is not None:
        assert [getattr(error, f) for f in fields] == [getattr(char_error, f) for f in fields]
    # The chunks fed without error: everything before the failing character.
    complete = chunks[: len(batches)]
    assert batches[: len(complete)] == expected_batches(complete, per_char)
    if error is not None and len(batches) < len(chunks):
        # The chunk that failed: its error carries the events of its characters
        # before the failing one, and what the failing one completed (a number
        # it ended), as they come character by character.
        assert char_error is not None
        start = sum(map(len, complete))
        piece = chunks[len(batches)][: len(per_char) - start + 1]
        own = [*per_char, list(char_error.events)]
        assert list(error.events) == expected_batches([piece], own[start:])[0]
    if len(batches) > len(chunks):  # close() returned
        assert error is None
        assert batches[-1] == per_char[-1]
    elif len(batches) == len(chunks):  # close() failed
        assert len(per_char) == len(text)
    else:
        # The chunk that failed holds the character that failed.
        start = sum(map(len, complete))
        assert start <= len(per_char) < start + len(chunks[len(batches)])


@given(st.data(), padded(json_text) | dumped(), st.booleans())
def test_events_of_each_feed_do_not_depend_on_the_chunking(
    data: st.DataObject, text: str, lenient: bool
) -> None:
    """Exactly the documented events, feed by feed, whatever the cut points: the
    fast paths for common chunk shapes must give what the general loop gives."""
    if lenient:
        if not text.strip().startswith(("{", "[")):
            text = "[" + text + "]"
        text = "Sure: ```json\n" + text + "\n```"
    chunks = data.draw(cut(text))
    check_feed_by_feed(chunks, lenient)
    got = run_events(chunks, lenient=lenient)
    # Without fragments: the same events less the StringParts.
    bare = run_events(chunks, lenient=lenient, fragments=False)
    assert bare == [[e for e in batch if type(e) is not StringPart] for batch in got]
    # Every event about a value carries the same path tuple.
    flat = [e for batch in got for e in batch]
    for before, after in pairwise(flat):
        if type(before) is Key or type(before) is StringPart:
            assert after.path is before.path, (before, after)


# Documents around the shapes the parser has fast paths for (a string or a key
# ending, then a comma or a colon; indentation then an opening quote; a number
# ending; a lone comma), valid and not: every cut into up to three chunks.
SHAPES = [
    '{"a": "x", "bc": [1, "yz"], "d": {"e": null}}',
    '{\n  "key": "value",\n  "n": 12.5e3,\n  "t": true\n}',
    '[ "a" , "b" ,"c",\t"d" ]',
    '{"a" : 1 , "b" :2}',
    '["\\u00e9\\n", "q\\"", "\\ud83d\\ude00", "\u2028\u00a0"]',
    '{"a\\"b": "c\\\\"}',
    "[1, ]",
    '{"a": 1, }',
    '{"a": "x", }',
    '["x", ]',
    '{"a": "x",, "b": 1}',
    '{"a": "x" "b": 1}',
    '{"a" "b"}',
    '{"a":: 1}',
    '{"a": 01}',
    '{"a": 1.}',
    '{"a": -, "b": 2}',
    '{"a": 1e, "b": 2}',
    '{"a": 12x}',
    '{"a": "b\x01"}',
    '{"a\x1f": 1}',
    '["a\\x"]',
    '{, "a": 1}',
    "[, 1]",
    '{"a": [1, 2, ], "b": 3}',
    '{"a": tru, "b": 1}',
]


@pytest.mark.parametrize("text", SHAPES)
@pytest.mark.parametrize("lenient", [False, True])
def test_every_cut_into_three_chunks(text: str, lenient: bool) -> None:
    n = len(text)
    for i in range(n + 1):
        for j in range(i, n + 1):
            check_feed_by_feed([text[:i], text[i:j], text[j:]], lenient)


@st.composite
def document_and_pattern(draw: st.DrawFn) -> tuple[str, tuple[Any, ...]]:
    text = draw(padded(json_text) | dumped())
    paths = [p for p, _ in walk(loads(text))]
    path = draw(st.sampled_from(paths))
    steps = tuple(WILDCARD if draw(st.booleans()) else step for step in path)
    return text, steps


@given(st.data(), document_and_pattern())
def test_values_are_exactly_those_at_matching_paths(
    data: st.DataObject, case: tuple[str, tuple[Any, ...]]
) -> None:
    text, steps = case
    note(f"steps={steps!r}")
    final = loads(text)
    matcher = PathMatcher(steps)
    expected = [(p, v) for p, v in walk(final) if matcher.match(p)]
    chunks = data.draw(chunked(text))
    collector, strings = ValueCollector(matcher), StringCollector(matcher)
    got: list[tuple[Any, Any]] = []
    pieces: list[str] = []
    for batch in run_events(chunks, lenient=False):
        got.extend(collector.feed(batch))
        pieces.extend(strings.feed(batch))
    assert [p for p, _ in got] == [p for p, _ in expected]
    assert same([v for _, v in got], [v for _, v in expected])
    assert all(pieces), "no empty pieces"
    assert "".join(pieces) == "".join(v for _, v in expected if isinstance(v, str))


@given(st.data(), documents)
def test_every_prefix_is_a_value_or_incomplete(data: st.DataObject, text: str) -> None:
    cut = data.draw(st.integers(0, len(text)))
    prefix = text[:cut]
    chunks = data.draw(chunked(prefix))
    expected, invalid = attempt(lambda: loads(prefix))
    if invalid is None:
        assert same(final_value(run_events(chunks, lenient=False)), expected)
        return
    parser, builder = JSONParser(lenient=False), SnapshotBuilder()
    for chunk in chunks:
        builder.feed(parser.feed(chunk))
    _, exc = attempt(parser.close)
    assert isinstance(exc, IncompleteJSONError), "close() must report the truncation"
    assert exc.received == prefix
    assert exc.offset == len(prefix)
    # Everything delivered before the end is consistent with the whole document.
    if builder.value is not None:
        assert is_prefix(builder.value, loads(text))


@st.composite
def corrupted(draw: st.DrawFn) -> str:
    text = draw(documents)
    for _ in range(draw(st.integers(1, 3))):
        if not text:
            break
        i = draw(st.integers(0, len(text) - 1))
        how = draw(st.sampled_from(["delete", "insert", "swap", "truncate", "replace"]))
        junk = draw(st.sampled_from([*'{}[]:,"\\ 0-1.eEtfnux\x00\n', "NaN", "Infinity"]))
        if how == "delete":
            text = text[:i] + text[i + 1 :]
        elif how == "insert":
            text = text[:i] + junk + text[i:]
        elif how == "replace":
            text = text[:i] + junk + text[i + 1 :]
        elif how == "swap" and i + 1 < len(text):
            text = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        else:
            text = text[:i]
    return text


@given(st.data(), corrupted(), st.booleans())
def test_events_and_errors_of_corrupted_documents_feed_by_feed(
    data: st.DataObject, text: str, lenient: bool
) -> None:
    check_feed_by_feed(data.draw(cut(text)), lenient)


@given(st.data(), corrupted())
def test_corrupted_documents_fail_cleanly(data: st.DataObject, text: str) -> None:
    chunks = data.draw(chunked(text))
    expected, invalid = attempt(lambda: loads(text))
    got, exc = attempt(lambda: final_value(run_events(chunks, lenient=False)))
    if invalid is None:
        assert exc is None, f"rejected valid JSON: {exc!r}"
        assert same(got, expected)
    else:
        assert isinstance(exc, JSONStreamError), f"accepted, or failed badly: {exc!r}"
        if chunks and isinstance(chunks[0], str):
            assert text.startswith(exc.received)
        assert exc.line >= 1
        assert exc.column >= 1
    # Lenient framing on the same text: a value or a streamops error, nothing else.
    _, exc = attempt(lambda: run_events(chunks))
    assert exc is None or isinstance(exc, StreamopsError), repr(exc)


@given(st.data(), corrupted(), st.booleans())
def test_errors_do_not_depend_on_the_chunking(
    data: st.DataObject, text: str, lenient: bool
) -> None:
    whole_events, whole = run_until_error([text], lenient=lenient)
    chunks = data.draw(chunked(text))
    events, exc = run_until_error(chunks, lenient=lenient)
    if whole is None:
        assert exc is None
        return
    assert type(exc) is type(whole)
    assert isinstance(exc, JSONStreamError)
    fields = ("message", "offset", "line", "column", "path")
    assert [getattr(exc, f) for f in fields] == [getattr(whole, f) for f in fields]

    # Everything before the error came out, whatever the chunking.
    def delivered(batches: list[list[Any]], error: JSONStreamError) -> list[Any]:
        return [e for b in [*batches, error.events] for e in b if type(e) is not StringPart]

    assert delivered(events, exc) == delivered(whole_events, whole)


@given(st.integers(1, 600), st.integers(1, 600))
def test_depth_limit(depth: int, limit: int) -> None:
    text = "[" * depth + "]" * depth
    parser = JSONParser(lenient=False, max_depth=limit)
    events, exc = attempt(lambda: [*parser.feed(text), *parser.close()])
    if depth > limit:
        assert isinstance(exc, DepthLimitError)
        assert exc.offset == limit
    else:
        assert exc is None
        assert len(events) == 2 * depth
