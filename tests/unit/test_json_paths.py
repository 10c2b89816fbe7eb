"""Path patterns, PathMatcher and the value / string collectors."""

from __future__ import annotations

from typing import Any

import pytest

from streamops.json import (
    WILDCARD,
    JSONParser,
    PathMatcher,
    StringCollector,
    ValueCollector,
    parse_pattern,
)


@pytest.mark.parametrize(
    ("pattern", "steps"),
    [
        ("$", ()),
        ("", ()),
        ("items", ("items",)),
        ("$.items", ("items",)),
        ("items[*]", ("items", WILDCARD)),
        ("items[*].name", ("items", WILDCARD, "name")),
        ("$.meta.title", ("meta", "title")),
        ("items[0]", ("items", 0)),
        ("items[12].tags[3]", ("items", 12, "tags", 3)),
        ("*", (WILDCARD,)),
        ("$.*.id", (WILDCARD, "id")),
        ("[0]", (0,)),
        ("$[*][*]", (WILDCARD, WILDCARD)),
        ("$['a.b']", ("a.b",)),
        ('$["it\'s"]["x\\"y"]', ("it's", 'x"y')),
        ("['0']", ("0",)),
        ("a.0", ("a", "0")),
        ("snake_case.kebab-case.$ref", ("snake_case", "kebab-case", "$ref")),
    ],
)
def test_pattern_grammar(pattern: str, steps: tuple[Any, ...]) -> None:
    assert parse_pattern(pattern) == steps


@pytest.mark.parametrize(
    "pattern", ["items[", "items[-1]", "a..b", "a.", "[x]", "$$", "a b", "items[*", "['a]"]
)
def test_bad_patterns(pattern: str) -> None:
    with pytest.raises(ValueError, match="invalid path pattern"):
        parse_pattern(pattern)


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("items[*]", ("items", 0), True),
        ("items[*]", ("items", "k"), True),  # a wildcard is any one step
        ("items[*]", ("items",), False),
        ("items[*]", ("items", 0, "a"), False),
        ("items[0]", ("items", 0), True),
        ("items[0]", ("items", 1), False),
        ("items[0]", ("items", "0"), False),
        ("['0']", ("0",), True),
        ("['0']", (0,), False),
        ("$", (), True),
        ("$", ("a",), False),
        ("*", ("a",), True),
        ("*", (3,), True),
        ("*.b", ("a", "b"), True),
        ("*.b", ("a", "c"), False),
    ],
)
def test_matcher(pattern: str, path: tuple[Any, ...], matches: bool) -> None:
    assert PathMatcher(pattern).match(path) is matches


def test_matcher_from_steps() -> None:
    matcher = PathMatcher(("items", WILDCARD, 0))
    assert matcher.match(("items", "x", 0))
    assert not matcher.match(("items", "x", "0"))
    assert "items" in repr(matcher)


def collect(pattern: str, chunks: list[str]) -> list[tuple[Any, Any]]:
    parser, collector = JSONParser(), ValueCollector(pattern)
    out = [item for c in chunks for item in collector.feed(parser.feed(c))]
    return out + collector.feed(parser.close())


DOC = '{"items": [{"name": "a", "tags": ["x"]}, {"name": "b", "tags": []}], "meta": {"n": 2}}'


def test_values_arrive_as_soon_as_they_complete() -> None:
    parser, collector = JSONParser(), ValueCollector("items[*]")
    cut = DOC.index("}, {") + 1
    assert collector.feed(parser.feed(DOC[:cut])) == [(("items", 0), {"name": "a", "tags": ["x"]})]
    assert collector.feed(parser.feed(DOC[cut:])) == [(("items", 1), {"name": "b", "tags": []})]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("items[*].name", [(("items", 0, "name"), "a"), (("items", 1, "name"), "b")]),
        ("items[1].tags", [(("items", 1, "tags"), [])]),
        ("$.meta.n", [(("meta", "n"), 2)]),
        (
            "*",
            [
                (("items",), [{"name": "a", "tags": ["x"]}, {"name": "b", "tags": []}]),
                (("meta",), {"n": 2}),
            ],
        ),
        ("items[*].tags[*]", [(("items", 0, "tags", 0), "x")]),
        ("nothing", []),
    ],
)
def test_collect_patterns(pattern: str, expected: list[Any]) -> None:
    for size in (1, 3, len(DOC)):
        chunks = [DOC[i : i + size] for i in range(0, len(DOC), size)]
        assert collect(pattern, chunks) == expected


def test_collected_values_are_independent_objects() -> None:
    got = collect("$", ['{"a": [1]}'])
    assert got == [((), {"a": [1]})]
    again = collect("$", ['{"a": [1]}'])
    assert got[0][1] is not again[0][1]


def test_string_collector_pieces() -> None:
    parser, answer = JSONParser(), StringCollector("answer")
    pieces = []
    for chunk in ['{"n": "no", "answer": "The', " quick \\u00", "e9", 'tude", "z": 1}']:
        pieces.append(answer.feed(parser.feed(chunk)))
    pieces.append(answer.feed(parser.close()))
    assert pieces == [["The"], [" quick "], ["é"], ["tude"], []]


def test_string_collector_ignores_non_strings_and_other_paths() -> None:
    parser, steps = JSONParser(), StringCollector("steps[*]")
    out = steps.feed(parser.feed('{"steps": ["a", 1, null, "b'))
    out += steps.feed(parser.feed('c"], "x": "yy"}'))
    assert out + steps.feed(parser.close()) == ["a", "b", "c"]
