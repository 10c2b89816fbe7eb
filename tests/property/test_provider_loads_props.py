"""The provider layer's ``loads`` reads a bare JSON object with the C scanner directly; it
must give exactly what ``json.loads`` gives, value or error, for any text."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from streamops.providers._json import loads

_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=12,
)
_objects = st.dictionaries(st.text(max_size=5), _values, max_size=5)
_around = st.sampled_from(["", " ", "\n", "\t \r\n", "x", "}", ",", " 1", "\x0b", "\u00a0"])


def outcome(text: str) -> tuple[str, Any]:
    """What a loader makes of ``text``: ("value", its canonical dump) or ("error", type, str)."""
    try:
        return "value", json.dumps(json.loads(text))
    except ValueError as exc:
        return "error", (type(exc), str(exc))


def ours(text: str) -> tuple[str, Any]:
    try:
        return "value", json.dumps(loads(text))
    except ValueError as exc:
        return "error", (type(exc), str(exc))


@given(_objects, _around, _around, st.booleans())
def test_an_object_with_anything_around_it_reads_as_json_loads(
    value: dict[str, Any], before: str, after: str, ascii_only: bool
) -> None:
    text = before + json.dumps(value, ensure_ascii=ascii_only) + after
    assert ours(text) == outcome(text)


@given(_objects, st.data())
def test_a_cut_or_broken_object_fails_as_json_loads(value: dict[str, Any], data: Any) -> None:
    text = json.dumps(value)
    cut = data.draw(st.integers(0, len(text)))
    junk = data.draw(st.text(max_size=3))
    broken = text[:cut] + junk + text[cut + data.draw(st.integers(0, 2)) :]
    assert ours(broken) == outcome(broken)


@given(st.text(max_size=40))
def test_any_text_starting_with_a_brace_reads_as_json_loads(tail: str) -> None:
    text = "{" + tail
    assert ours(text) == outcome(text)


def test_lone_surrogates_and_constants_read_as_json_loads() -> None:
    for text in ['{"a": "\\ud800"}', '{"a": NaN}', '{"a": -Infinity}', '{"a": 1e400}', "{}"]:
        assert ours(text) == outcome(text)
