"""StrictValueCollector: the ijson-backed core, and every reason it hands over to the parser."""

from __future__ import annotations

import json
from typing import Any

import pytest

from streamops.errors import DepthLimitError, IncompleteJSONError, JSONStreamError
from streamops.json import StrictValueCollector
from tests.helpers import needs_yajl

pytestmark = needs_yajl()


def run(chunks: list[Any], pattern: str = "$", **options: Any) -> tuple[list[Any], bool]:
    core = StrictValueCollector(pattern, **options)
    found = [v for c in chunks for _, v in core.feed(c)]
    found += [v for _, v in core.close()]
    return found, core.fast


def test_stays_fast_on_plain_json() -> None:
    doc = {
        "items": [{"n": i, "s": "x" * i, "f": i / 3, "b": i % 2 == 0, "z": None} for i in range(9)]
    }
    text = json.dumps(doc, indent=2)
    found, fast = run([text[i : i + 3] for i in range(0, len(text), 3)], "items[*]")
    assert found == doc["items"]
    assert fast


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('["\\ud83d"]', ["\ud83d"]),  # yajl would give "?"
        ('["\\ud83d\\u0041"]', ["\ud83dA"]),
        ('["\\ud800\\ud800"]', ["\ud800\ud800"]),
        ('["\\udc00"]', ["\udc00"]),
        ('["\\ud83d\\ude00"]', ["\U0001f600"]),
        ("[9223372036854775808]", [2**63]),  # beyond yajl's integers
        ("[2.5e308]", [float("inf")]),  # json.loads gives inf; yajl fails
        ('["\ud800"]', ["\ud800"]),  # a lone surrogate in the text itself
    ],
)
def test_hands_over_where_yajl_differs(text: str, value: Any) -> None:
    assert json.loads(text) == value
    for size in (1, 2, 3, len(text)):
        found, fast = run([text[i : i + size] for i in range(0, len(text), size)])
        assert found == [value]
        assert not fast


@pytest.mark.parametrize("junk", ["\x0b", "\x0c"])
def test_vertical_tab_and_form_feed_are_not_whitespace(junk: str) -> None:
    with pytest.raises(ValueError):
        json.loads(f"[1,{junk}2]")
    with pytest.raises(JSONStreamError) as info:
        run(["[1,", f"{junk}2]"])
    assert info.value.offset == 3


def test_a_long_string_hands_over_to_stay_linear() -> None:
    text = json.dumps({"answer": "y" * 5000, "n": 1})
    found, fast = run([text[i : i + 3] for i in range(0, len(text), 3)], "n")
    assert found == [1]
    assert not fast


def test_values_already_delivered_are_not_repeated_after_a_hand_over() -> None:
    text = '{"items": [1, 2, "\\ud83d", 4], "more": [5]}'
    chunks = [text[i : i + 4] for i in range(0, len(text), 4)]
    found, fast = run(chunks, "items[*]")
    assert found == [1, 2, "\ud83d", 4]
    assert not fast


@pytest.mark.parametrize(
    ("text", "error", "offset"),
    [
        ('{"a": 1 "b": 2}', JSONStreamError, 8),
        ("[1, 2", IncompleteJSONError, 5),
        ("", IncompleteJSONError, 0),
        ("[1] x", JSONStreamError, 4),
        ("[01]", JSONStreamError, 1),
        ("[NaN]", JSONStreamError, 1),
        ('{"a": "b\x01"}', JSONStreamError, 8),
    ],
)
def test_errors_are_the_parsers(text: str, error: type[Exception], offset: int) -> None:
    with pytest.raises(error) as info:
        run([text[:3], text[3:]])
    exc = info.value
    assert isinstance(exc, JSONStreamError)
    assert exc.offset == offset


def test_depth_limit() -> None:
    with pytest.raises(DepthLimitError) as info:
        run(["[" * 10, "]" * 10], max_depth=9)
    assert info.value.offset == 9
    assert run(["[" * 9, "]" * 9], max_depth=9)[0] == [[[[[[[[[[]]]]]]]]]]


def test_bytes_and_invalid_utf8() -> None:
    text = json.dumps({"k": "é€😀"}, ensure_ascii=False).encode()
    found, fast = run([text[i : i + 1] for i in range(len(text))])
    assert found == [{"k": "é€😀"}]
    assert fast
    with pytest.raises(JSONStreamError) as info:
        run([b'{"k": "a\xff"}'])
    assert "invalid UTF-8" in info.value.message
    assert info.value.offset == 8


def test_multiple_values() -> None:
    found, fast = run(['{"a": 1}\n{"a"', ': 2}\n"x" '], multiple_values=True)
    assert found == [{"a": 1}, {"a": 2}, "x"]
    assert fast
    # A number at the top is left to the pure parser (yajl reads "00" as two values).
    found, fast = run(['{"a": 1}\n', "3 "], multiple_values=True)
    assert found == [{"a": 1}, 3]
    assert not fast


def test_type_error() -> None:
    with pytest.raises(TypeError):
        StrictValueCollector("$").feed(1)  # type: ignore[arg-type]
