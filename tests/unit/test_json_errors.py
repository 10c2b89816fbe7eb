"""Issue #11: what comes out before a JSON error, and the error, whatever the chunking.

Each test compares the outcome of the same text cut in different ways (or
with a reference: ``json.loads``, the pure parser), never a hard-coded list
where a reference can compute it.
"""

from __future__ import annotations

import copy
import json
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel

from streamops import iterate
from streamops._core import Then, chunk_operator
from streamops.errors import (
    DepthLimitError,
    JSONStreamError,
    StreamopsError,
    StreamValidationError,
)
from streamops.json import (
    JSONParser,
    Scalar,
    StringPart,
    ValueCollector,
    json_events,
    json_items,
    json_snapshots,
    json_string,
    json_values,
)
from streamops.json._fast import make_strict_values
from streamops.models import field_events, items, partial

needs_ijson = pytest.mark.skipif(
    make_strict_values("$") is None, reason="ijson's yajl2_c backend is not installed"
)

FIELDS = ("message", "offset", "line", "column", "path")


def outcome(chunks: list[Any], op: Callable[[], Any]) -> tuple[list[Any], tuple[Any, ...] | None]:
    """The items a pipeline yields (copied as they come), and its error's type and place."""
    got: list[Any] = []
    error: StreamopsError | None = None
    try:
        for item in iterate(chunks, op()):
            got.append(json.loads(json.dumps(item, default=repr)))
    except StreamopsError as exc:
        error = exc
    if error is None:
        return got, None
    # (the operator delivered them: the error must not carry them)
    assert not getattr(error, "events", ())
    return got, (type(error), *(getattr(error, f, None) for f in FIELDS))


def parser_outcome(chunks: list[Any], **options: Any) -> tuple[list[Any], Any]:
    """The events of a parser (fragments joined per string), then its error's place."""
    parser = JSONParser(**options)
    events: list[Any] = []
    error = None
    try:
        for chunk in chunks:
            events += parser.feed(chunk)
        events += parser.close()
    except JSONStreamError as exc:
        events += getattr(exc, "events", ())  # (getattr: the test also runs on old code)
        error = (type(exc), *(getattr(exc, f) for f in FIELDS))
    return merged(events), error


# -- point 5: results before an error do not depend on the split ---------------------


@pytest.mark.parametrize("lenient", [True, False])
def test_values_before_an_error_come_out_whatever_the_split(lenient: bool) -> None:
    text = "[1, 2, x"
    whole = outcome([text], lambda: json_values("*", lenient=lenient))
    assert whole[0] == [1, 2]
    for i in range(len(text) + 1):
        assert outcome([text[:i], text[i:]], lambda: json_values("*", lenient=lenient)) == whole


def merged(events: list[Any]) -> list[Any]:
    """Events with the fragments of each string joined (only their split may differ)."""
    out: list[Any] = []
    for e in events:
        if type(e) is StringPart and out and type(out[-1]) is StringPart:
            out[-1] = StringPart(e.path, out[-1].text + e.text)
        elif type(e) is Scalar and out and type(out[-1]) is StringPart:
            out[-1] = e  # (the whole string: whether fragments came first depends on the split)
        else:
            out.append(e)
    return out


@pytest.mark.parametrize(
    ("op", "view"),
    [
        (json_events, merged),
        (lambda: json_items("*"), lambda got: got),
        (lambda: json_string("a"), lambda got: "".join(got)),
        (json_snapshots, lambda got: got[-1] if got else None),  # the same object each time
    ],
    ids=["events", "items", "string", "snapshots"],
)
def test_every_operator_delivers_what_came_before_the_error(
    op: Callable[[], Any], view: Callable[[list[Any]], Any]
) -> None:
    text = '{"b": [1, {"c": 2}], "a": "some te\x01xt"}'

    def run(chunks: list[str]) -> tuple[Any, Any]:
        got: list[Any] = []
        with pytest.raises(JSONStreamError) as info:
            for item in iterate(chunks, op()):
                got.append(copy.deepcopy(item))
        return view(got), tuple(getattr(info.value, f) for f in FIELDS)

    whole = run([text])
    assert whole[0]
    for i in range(len(text) + 1):
        assert run([text[:i], text[i:]]) == whole, i


def test_string_text_before_an_error_is_delivered() -> None:
    text = '{"a": "some te\x01xt"}'
    assert "".join(outcome([text], lambda: json_string("a"))[0]) == "some te"
    assert outcome([text], json_snapshots)[0][-1] == {"a": "some te"}


class Counted(BaseModel):
    count: int
    title: str


def test_partial_a_validation_error_first_in_the_text_wins() -> None:
    text = '{"count": "x", "title": }'
    for i in range(len(text) + 1):
        _, error = outcome([text[:i], text[i:]], lambda: partial(Counted))
        assert error is not None
        assert error[0] is StreamValidationError, i


def test_partial_shows_what_came_before_malformed_json() -> None:
    text = '{"title": "abc", "count": }'
    _, whole = outcome([text], lambda: partial(Counted))
    for i in range(len(text) + 1):
        got, error = outcome([text[:i], text[i:]], lambda: partial(Counted))
        assert error == whole
        assert got[-1] == repr(Counted.model_construct(title="abc", count=None)).replace(
            "Counted(", "Partial[Counted]("
        )


class Task(BaseModel):
    n: int


def test_items_and_field_events_deliver_what_came_before_the_error() -> None:
    cases = [
        ('[{"n": 1}, {"n": 2}, x', lambda: items(Task)),
        ('{"n": 2, "m": [1, "a"], x', lambda: field_events(Task)),
    ]
    for text, op in cases:
        whole = outcome([text], op)
        assert whole[0]
        assert whole[1] is not None
        assert whole[1][0] is JSONStreamError
        for i in range(len(text) + 1):
            assert outcome([text[:i], text[i:]], op) == whole


# -- point 5, bytes: invalid UTF-8 and the BOM ------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b'{"a": [1, \xff]}',
        b'{"a": [1, "x\xffy"]}',
        b'{"a": [1, 2\xff]}',
        b'{"a"\xff: 1}',
        b'{"a": 1, \xc3(}',
        b'{"a": 1, "b": "\xe2\x82(',
    ],
)
def test_invalid_utf8_is_reported_at_the_bad_byte_whatever_the_split(data: bytes) -> None:
    whole = parser_outcome([data])
    assert whole[1] is not None
    assert whole[1][1].startswith("invalid UTF-8")
    # The offset is that of the bad byte in the decoded text, the path the one there.
    good = data[: whole[1][2]]  # (ASCII before the bad byte in these cases)
    prefix_events, _ = parser_outcome([good])
    assert whole[0] == prefix_events
    for i in range(len(data) + 1):
        assert parser_outcome([data[:i], data[i:]]) == whole, i
        assert parser_outcome([data[i : i + 1] for i in range(len(data))]) == whole


def test_invalid_utf8_path_is_the_path_at_the_bad_byte() -> None:
    assert parser_outcome([b'{"a": [1, \xff'])[1][-1] == ("a", 1)
    assert parser_outcome([b'{"a": [1], \xff'])[1][-1] == ()
    assert parser_outcome([b'{"a": "x\xff'])[1][-1] == ("a",)


@pytest.mark.parametrize("text", ['[1, "\xe9", x]', '{"a": 1 "b"}', "[1, 2", '["\xe9\\u12"]'])
def test_a_bom_is_not_counted_in_offsets(text: str) -> None:
    data = text.encode()
    plain = parser_outcome([data])
    bom = b"\xef\xbb\xbf" + data
    for i in range(len(bom) + 1):
        assert parser_outcome([bom[:i], bom[i:]]) == plain, i
    assert parser_outcome([bom[i : i + 1] for i in range(len(bom))]) == plain


def test_a_bom_cut_short_at_the_end_is_incomplete() -> None:
    parser = JSONParser()
    assert parser.feed(b"\xef\xbb") == []
    with pytest.raises(JSONStreamError, match="UTF-8"):
        parser.close()


# -- point 7: strict json_values bounds what one large chunk holds ---------------------


@needs_ijson
def test_strict_values_on_one_huge_chunk_of_brackets_stay_small() -> None:
    text = "[" * 2_000_000
    tracemalloc.start()
    try:
        with pytest.raises(DepthLimitError) as info:
            for _ in iterate([text], json_values(lenient=False)):
                pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.offset == 512
    # Before: one yajl event held per bracket (about 150 MB here); now a few copies
    # of the text (2 MB each) and one slice's events.
    assert peak < 40_000_000, peak


# -- point 9: strict json_values rejects what json.loads rejects ----------------------


@pytest.mark.parametrize(
    "chunks",
    [['[1]"'], ['{}  "'], ['1 "'], ['[1] "]'], ["[1]", ' "ab'], ["[1]", ' "ab\\'], ['[1] "a\\"']],
)
def test_strict_values_reject_a_string_left_open_after_the_value(chunks: list[str]) -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads("".join(chunks))
    expected = outcome(chunks, pure_values)
    assert expected[1] is not None
    assert outcome(chunks, lambda: json_values(lenient=False)) == expected
    assert outcome([c.encode() for c in chunks], lambda: json_values(lenient=False)) == expected


@pytest.mark.parametrize(
    "chunks", [["[1]  "], ["[1]", "  \n"], ["12"], ['"a"', " "], ["[1] ", " "]]
)
def test_strict_values_still_accept_trailing_whitespace(chunks: list[str]) -> None:
    got = outcome(chunks, lambda: json_values(lenient=False))
    assert got == ([json.loads("".join(chunks))], None)


def pure_values() -> Any:
    """``json_values(lenient=False)`` on the pure parser alone (no ijson)."""

    def make() -> Any:
        collect = ValueCollector("$").feed
        return Then(
            JSONParser(lenient=False, fragments=False), lambda ev: [v for _, v in collect(ev)]
        )

    return chunk_operator(make)()


# -- point 10: a long integer part cut by a chunk boundary -----------------------------


@pytest.mark.parametrize(
    "chunks",
    [
        ["[1" + "0" * 5000, ".5]"],
        ["[1" + "0" * 5000, "e-4990]"],
        ["[-" + "9" * 4400, "0.0, 1]"],
        ["1" + "0" * 5000, ".25"],
    ],
)
@pytest.mark.parametrize("lenient", [False, True])
def test_many_digits_cut_before_the_fraction_are_a_number(chunks: list[str], lenient: bool) -> None:
    if lenient and not chunks[0].startswith("["):
        return  # (lenient framing reads only objects and arrays)
    expected = json.loads("".join(chunks))
    assert outcome(chunks, lambda: json_values(lenient=lenient)) == (
        [json.loads(json.dumps(expected))],
        None,
    )
    parser = JSONParser(lenient=lenient)
    events = [e for c in chunks for e in parser.feed(c)] + parser.close()
    assert events == parser_outcome(["".join(chunks)], lenient=lenient)[0]


def test_a_long_integer_is_still_too_large_once_complete() -> None:
    text = "[1" + "0" * 5000 + "]"
    whole = parser_outcome([text])
    assert whole[1] is not None
    assert whole[1][1] == "integer too large to convert"
    assert parser_outcome([text[:-1], "]"]) == whole
    assert parser_outcome([text[:2], text[2:]]) == whole


@pytest.mark.parametrize("text", ["00ull", "00", "-01", "[1] 00"])
def test_strict_values_never_deliver_a_number_with_a_leading_zero(text: str) -> None:
    """yajl reads "00" as 0 followed by more; the strict fast path must agree with the
    pure parser (nothing for the bad number, then its error) under every chunking."""
    multiple = text.startswith("[")

    def run(chunks: list[str | bytes]) -> tuple[list[Any], str, int | None]:
        got: list[Any] = []
        op = json_values("$", lenient=False, multiple_values=multiple)
        with pytest.raises(JSONStreamError) as info:
            for value in iterate(chunks, op):
                got.append(value)  # noqa: PERF402 (what came before the error)
        return got, type(info.value).__name__, info.value.offset

    expected = run([text])
    assert expected[0] == ([[1]] if multiple else [])
    assert run(list(text)) == expected
    data = text.encode()
    assert run([data[i : i + 1] for i in range(len(data))]) == expected


def test_strict_values_inside_containers_never_deliver_a_leading_zero_number() -> None:
    """Found by CI's fuzz run: "0" and "0" in two chunks were read by yajl as 0."""
    text = "[[null, false, 00]]"

    def run(chunks: list[str]) -> tuple[list[Any], int | None]:
        got: list[Any] = []
        with pytest.raises(JSONStreamError) as info:
            for value in iterate(chunks, json_values("*.*", lenient=False)):
                got.append(value)  # noqa: PERF402 (what came before the error)
        return got, info.value.offset

    assert run([text]) == ([None, False], text.index("00"))
    assert run(list(text)) == run([text])
