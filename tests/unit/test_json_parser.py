"""JSONParser: events, chunk boundaries, json.loads semantics, framing, errors."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest

from streamops.errors import (
    DepthLimitError,
    IncompleteJSONError,
    JSONStreamError,
    StreamopsError,
)
from streamops.json import (
    EndArray,
    EndObject,
    JSONParser,
    Key,
    Scalar,
    SnapshotBuilder,
    StartArray,
    StartObject,
    StringPart,
    ValueCollector,
)


def parse(chunks: list[str] | list[bytes], **options: Any) -> Any:
    """The document a chunked stream parses to."""
    parser, values = JSONParser(**options), ValueCollector("$")
    found = [v for c in chunks for _, v in values.feed(parser.feed(c))]
    found += [v for _, v in values.feed(parser.close())]
    assert len(found) == 1
    return found[0]


def events(chunks: list[str], **options: Any) -> list[Any]:
    parser = JSONParser(**options)
    out = [ev for c in chunks for ev in parser.feed(c)]
    return out + parser.close()


def error(chunks: list[str] | list[bytes], **options: Any) -> JSONStreamError:
    parser = JSONParser(**options)
    with pytest.raises(JSONStreamError) as info:
        for c in chunks:
            parser.feed(c)
        parser.close()
    return info.value


# -- events -------------------------------------------------------------------


def test_event_sequence() -> None:
    assert events(['{"a": [1, "x', 'y", {}], "b": null}']) == [
        StartObject(()),
        Key(("a",), "a"),
        StartArray(("a",)),
        Scalar(("a", 0), 1),
        StringPart(("a", 1), "x"),
        Scalar(("a", 1), "xy"),
        StartObject(("a", 2)),
        EndObject(("a", 2)),
        EndArray(("a",)),
        Key(("b",), "b"),
        Scalar(("b",), None),
        EndObject(()),
    ]


def test_string_fragments_are_per_chunk_never_accumulated() -> None:
    value = "abcdefghij" * 300
    text = json.dumps({"s": value})
    parser = JSONParser()
    parts: list[str] = []
    final: list[str] = []
    for i in range(0, len(text), 3):
        for ev in parser.feed(text[i : i + 3]):
            if isinstance(ev, StringPart):
                assert len(ev.text) <= 3  # only this chunk's text: linear, not re-joined
                parts.append(ev.text)
            elif isinstance(ev, Scalar):
                final.append(ev.value)
    parser.close()
    assert final == [value]
    assert value.startswith("".join(parts))


def test_an_opened_string_shows_up_empty_at_once() -> None:
    parser = JSONParser()
    assert parser.feed('{"answer": "') == [
        StartObject(()),
        Key(("answer",), "answer"),
        StringPart(("answer",), ""),
    ]
    assert parser.feed("Hi") == [StringPart(("answer",), "Hi")]
    assert parser.feed("") == []
    assert parser.feed("!") == [StringPart(("answer",), "!")]
    assert parser.feed(' there"}') == [Scalar(("answer",), "Hi! there"), EndObject(())]


def test_a_string_inside_one_chunk_has_no_fragment() -> None:
    assert events(['["abc"]']) == [StartArray(()), Scalar((0,), "abc"), EndArray(())]


def test_events_of_one_value_share_its_path_tuple() -> None:
    parser = JSONParser()
    evs = parser.feed('{"key": "va') + parser.feed('lue"}')
    key, part, scalar = evs[1], evs[2], evs[3]
    assert [type(key), type(part), type(scalar)] == [Key, StringPart, Scalar]
    assert key.path is part.path is scalar.path


def test_event_classes_stay_plain() -> None:
    """The parser builds its commonest events without calling ``__init__`` (see
    ``_new`` in ``_parser``): that is only right while ``__init__`` just stores
    the fields."""
    for cls in (StartObject, EndObject, StartArray, EndArray, Key, Scalar, StringPart):
        assert not hasattr(cls, "__post_init__")
        fields = dataclasses.fields(cls)
        assert all(f.default is f.default_factory is dataclasses.MISSING for f in fields)
        kwargs = {f.name: object() for f in fields}
        built = object.__new__(cls)
        for name, value in kwargs.items():
            setattr(built, name, value)
        assert built == cls(**kwargs)


@pytest.mark.parametrize("number", ["123", "-0.5", "1e5", "1.25E-3", "-0", "12345678901234567890"])
def test_numbers_appear_only_complete(number: str) -> None:
    text = f"[{number}]"
    parser = JSONParser()
    seen = []
    for ch in text:
        seen += [ev.value for ev in parser.feed(ch) if isinstance(ev, Scalar)]
    assert seen == [json.loads(number)]


@pytest.mark.parametrize("literal", ["true", "false", "null"])
def test_literals_split_anywhere(literal: str) -> None:
    for cut in range(len(literal) + 1):
        text = f'{{"v": {literal}}}'
        at = text.index(literal) + cut
        assert parse([text[:at], text[at:]]) == {"v": json.loads(literal)}


def test_top_level_scalars_in_strict_mode() -> None:
    parser = JSONParser(lenient=False)
    assert parser.feed(" 4") == []
    assert parser.feed("2 ") == [Scalar((), 42)]
    assert parser.close() == []
    parser = JSONParser(lenient=False)
    assert parser.feed("42") == []
    assert parser.close() == [Scalar((), 42)]
    assert parse(['"a', 'b"'], lenient=False) == "ab"
    assert parse(["tr", "ue"], lenient=False) is True


# -- json.loads semantics ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        r'"\u00e9\u00E9\/\b\f\n\r\t\"\\"',
        r'"\ud83d\ude00"',  # a surrogate pair
        r'"\ud83d"',  # a lone high surrogate
        r'"\ude00\ud83d"',  # reversed: two lone surrogates
        r'"\ud83dx"',
        r'"\ud83d\n"',
        r'"\ud83d\u0041"',  # high surrogate then a non-surrogate escape
        r'"\ud83d\ud83d\ude00"',  # lone high, then a pair
        '"\U0001f600 \u2028 é"',
        "12345678901234567890123456789012345678901234567890",
        "-1.5e-300",
        "1e400",  # json.loads gives inf
        "-0.0",
        '{"a": 1, "a": 2, "b": 3}',  # duplicate keys: the last wins, in the first's place
        '{"": 0, " ": [], "\\u0000": {}}',
        " \t\r\n [ ] \n",
    ],
)
def test_same_as_json_loads_under_every_chunking(
    text: str, chunking: Callable[[str], list[str]]
) -> None:
    expected = json.loads(text)
    got = parse(chunking(text), lenient=False)
    assert json.dumps(got) == json.dumps(expected)
    for cut in range(len(text) + 1):  # every single cut point
        assert json.dumps(parse([text[:cut], text[cut:]], lenient=False)) == json.dumps(expected)


def test_duplicate_keys_last_wins() -> None:
    assert list(parse(['{"a": 1, "b": 2, "a": 3}']).items()) == [("a", 3), ("b", 2)]


def test_bytes_split_inside_utf8_characters() -> None:
    text = json.dumps({"s": "é€😀", "ok": True}, ensure_ascii=False)
    data = text.encode()
    assert parse([data[i : i + 1] for i in range(len(data))]) == json.loads(text)
    for cut in range(len(data) + 1):
        assert parse([data[:cut], data[cut:]]) == json.loads(text)


def test_bytes_with_a_bom_are_accepted_like_json_loads() -> None:
    data = b'\xef\xbb\xbf{"a": 1}'
    assert parse([data[:2], data[2:]], lenient=False) == json.loads(data) == {"a": 1}


def test_invalid_utf8_is_a_json_stream_error() -> None:
    exc = error([b'{"a": "\xff"}'])
    assert "invalid UTF-8" in exc.message
    assert not isinstance(exc, IncompleteJSONError)


def test_utf8_cut_at_the_end_is_incomplete() -> None:
    exc = error([b'{"a": 1} ', "é".encode()[:1]])
    assert isinstance(exc, IncompleteJSONError)


@pytest.mark.parametrize(
    "text",
    ["NaN", "Infinity", "-Infinity", "[NaN]", '{"a": Infinity}', "[-Infinity]"],
)
def test_nan_and_infinity_are_rejected(text: str) -> None:
    assert json.loads(text) is not None  # json.loads accepts them...
    error([text], lenient=False)  # ...we do not


@pytest.mark.parametrize(
    "text",
    [
        "01",
        "1.",
        "-",
        ".5",
        "1e",
        "+1",
        "0x10",
        "[1,]",
        '{"a":1,}',
        "[,1]",
        '{"a" 1}',
        "{1: 2}",
        "{'a': 1}",
        '"\\x"',
        '"\\u12g4"',
        '"\\ud800\\uzzzz"',
        '"a\nb"',
        '"\x00"',
        "tru",
        "nul",
        "[1 2]",
        "[] []",
        "\ufeff[]",
        "",
        "   ",
        "[",
        '{"a"',
        '{"a":',
        '"abc',
        "[1, {",
    ],
)
def test_invalid_documents(text: str, chunking: Callable[[str], list[str]]) -> None:
    with pytest.raises(ValueError):
        json.loads(text)
    exc = error(chunking(text), lenient=False)
    assert isinstance(exc, StreamopsError)
    assert text.startswith(exc.received)  # what had arrived when the error was seen
    assert 0 <= exc.offset <= len(exc.received)


def test_integers_beyond_pythons_digit_limit_are_a_stream_error() -> None:
    text = "[" + "1" * 5000 + "]"
    with pytest.raises(ValueError):
        json.loads(text)
    exc = error([text])
    assert "too large" in exc.message
    # and the same when the digits arrive in pieces
    error([text[i : i + 3] for i in range(0, len(text), 3)])


# -- framing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("", ""),
        ("Here is the JSON:\n", ""),
        ("```json\n", "\n```"),
        ("Sure! ```json\n", "\n```\nLet me know if {you} need [more]."),
        ("  \n", "  trailing prose"),
    ],
)
def test_lenient_framing(before: str, after: str, chunking: Callable[[str], list[str]]) -> None:
    doc = '{"items": [1, 2], "s": "a ``` b"}'
    assert parse(chunking(before + doc + after)) == json.loads(doc)


def test_lenient_framing_discards_the_trailer_as_it_arrives() -> None:
    parser = JSONParser()
    assert parser.feed("[1]") == [StartArray(()), Scalar((0,), 1), EndArray(())]
    assert parser.feed("\n```\nMore prose, with {braces} and [brackets]") == []
    assert parser.close() == []


def test_lenient_needs_an_object_or_array() -> None:
    exc = error(["The answer is 42."])
    assert isinstance(exc, IncompleteJSONError)
    assert "no '{' or '[' found" in exc.message


def test_strict_mode_rejects_prose() -> None:
    error(["Here: {}"], lenient=False)
    exc = error(["{} ```"], lenient=False)
    assert exc.message == "trailing characters after the JSON value"
    assert exc.offset == 3


def test_multiple_values_json_lines() -> None:
    parser, values = JSONParser(lenient=False, multiple_values=True), ValueCollector("$")
    got = [v for c in ['{"a": 1}\n[2', ']\n"x"\n', "3\n4"] for _, v in values.feed(parser.feed(c))]
    got += [v for _, v in values.feed(parser.close())]
    assert got == [{"a": 1}, [2], "x", 3, 4]


def test_multiple_values_lenient_skips_text_between_values() -> None:
    parser, values = JSONParser(multiple_values=True), ValueCollector("$")
    got = [
        v for c in ["first {", '"a": 1} then ', "[2] end"] for _, v in values.feed(parser.feed(c))
    ]
    assert got + [v for _, v in values.feed(parser.close())] == [{"a": 1}, [2]]


def test_multiple_values_may_be_empty() -> None:
    parser = JSONParser(lenient=False, multiple_values=True)
    assert parser.feed("  \n") == []
    assert parser.close() == []


# -- errors ----------------------------------------------------------------


def test_error_position_path_and_message() -> None:
    text = '{\n  "items": [\n    1, 2, {"a": 1 "b": 2}]}'
    exc = error([text[:20], text[20:]])
    assert exc.message == "expected ',' or '}'"
    assert (exc.line, exc.column) == (3, 19)
    assert exc.offset == text.index('"b"')
    assert exc.path == ("items", 2, "a")
    assert exc.received == text
    # The snippet ends at the offending character: what came after it depends on how
    # much had arrived, and an error must not depend on the chunking.
    assert exc.snippet == text[exc.offset - 30 : exc.offset + 1]
    assert exc.snippet.endswith('{"a": 1 "')
    assert str(exc).startswith("expected ',' or '}' at line 3 column 19 (path $.items[2].a)")
    assert str(error(list(text))) == str(exc) == str(error([text]))


def test_error_in_an_array() -> None:
    exc = error(['{"items": [1, 2 3]}'])
    assert exc.message == "expected ',' or ']'"
    assert exc.path == ("items", 1)
    assert (exc.line, exc.column, exc.offset) == (1, 17, 16)


def test_control_character_in_string() -> None:
    exc = error(['{"a": "x\ty"}'])
    assert exc.message == "invalid control character in string"
    assert exc.offset == 8
    assert exc.path == ("a",)


def test_invalid_escape_split_across_chunks() -> None:
    exc = error(['["ab\\', 'q"]'])
    assert exc.message == "invalid escape"
    exc = error(['["\\u12', "x4", '"]'])
    assert exc.message == "invalid \\uXXXX escape"


def test_incomplete_after_every_event_was_delivered() -> None:
    parser = JSONParser()
    evs = parser.feed('{"a": [1, 2], "b": "unfinished')
    assert [type(e) for e in evs] == [
        StartObject,
        Key,
        StartArray,
        Scalar,
        Scalar,
        EndArray,
        Key,
        StringPart,
    ]
    with pytest.raises(IncompleteJSONError) as info:
        parser.close()
    assert info.value.message == "unterminated string"
    assert info.value.path == ("b",)
    assert info.value.offset == len(info.value.received)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1', "unexpected end of input (expected ',' or '}')"),
        ('{"a": 1,', "unexpected end of input (expected a key after ',')"),
        ('{"a"', "unexpected end of input (expected ':')"),
        ("[", "unexpected end of input (expected a value or ']')"),
        ("[1, 2", "unexpected end of input (expected ',' or ']')"),
        ("[tr", "unexpected end of input in a literal"),
        ('{"ke', "unterminated string"),
        ("", "the stream ended before any JSON value"),
        ("-", "unexpected end of input in a number"),
    ],
)
def test_incomplete_messages(text: str, message: str) -> None:
    exc = error([text], lenient=False)
    assert isinstance(exc, IncompleteJSONError)
    assert exc.message == message


def test_depth_limit_default_512() -> None:
    assert parse(["[" * 512, "]" * 512]) is not None
    exc = error(["[" * 513 + "]" * 513])
    assert isinstance(exc, DepthLimitError)
    assert exc.offset == 512
    assert len(exc.path) == 512


def test_deep_nesting_is_no_recursion_error() -> None:
    exc = error(['{"a":' * 100_000])
    assert isinstance(exc, DepthLimitError)
    depth = 3000  # deeper than the interpreter's recursion limit
    assert parse(["[" * depth + "]" * depth], max_depth=depth) is not None


def test_a_failed_parser_keeps_failing() -> None:
    parser = JSONParser()
    with pytest.raises(JSONStreamError) as first:
        parser.feed("[1 2]")
    with pytest.raises(JSONStreamError) as again:
        parser.feed("]")
    assert again.value is first.value
    with pytest.raises(JSONStreamError):
        parser.close()


def test_misuse() -> None:
    parser = JSONParser()
    parser.feed("[]")
    assert parser.close() == []
    assert parser.close() == []
    with pytest.raises(RuntimeError):
        parser.feed("x")
    with pytest.raises(TypeError):
        JSONParser().feed(123)  # type: ignore[arg-type]
    with pytest.raises(JSONStreamError):
        mixed = JSONParser()
        mixed.feed(b'["\xc3')
        mixed.feed('"]')


def test_received_and_depth() -> None:
    parser = JSONParser()
    parser.feed('{"a": [')
    parser.feed(b"1")
    assert parser.received == '{"a": [1'
    assert parser.depth == 2


def test_snapshot_before_an_incomplete_end() -> None:
    parser, snap = JSONParser(), SnapshotBuilder()
    snap.feed(parser.feed('{"a": [1, {"b": "x'))
    with pytest.raises(IncompleteJSONError):
        parser.close()
    assert snap.value == {"a": [1, {"b": "x"}]}


def test_the_error_context_is_kept_compact_and_exact() -> None:
    # Hundreds of token-sized chunks: older ones are joined into blocks, and an error
    # still has the exact offset, position and received text.
    text = json.dumps({"items": [{"n": i, "name": f"item {i}"} for i in range(60)]})
    bad = text[:-2] + "?" + text[-1:]
    parser = JSONParser()
    with pytest.raises(JSONStreamError) as info:
        for i in range(0, len(bad), 3):
            parser.feed(bad[i : i + 3])
    assert len(parser._chunks) <= 65  # the recent chunks; the rest are blocks
    assert parser._blocks
    at = len(bad) - 2  # the '?'
    assert info.value.offset == at
    assert info.value.received == bad[: (at // 3 + 1) * 3]  # up to the end of its chunk
    assert str(info.value) == str(error([bad]))
