"""Hypothesis: the ijson-backed strict core gives exactly what the pure parser gives.

``StrictValueCollector`` must match ``JSONParser(lenient=False)`` +
``ValueCollector`` on every input: the same ``(path, value)`` pairs in the
same order, and for bad input the same error class with the same message,
offset, line, column and path.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from streamops.errors import JSONStreamError
from streamops.json import WILDCARD, JSONParser, PathMatcher, ValueCollector
from streamops.json._fast import make_strict_values
from tests.helpers import needs_yajl

from .test_json_parser_props import attempt, chunked, corrupted, documents, loads, same, walk

pytestmark = needs_yajl()


def pure(chunks: list[Any], matcher: PathMatcher, **options: Any) -> list[tuple[Any, Any]]:
    parser = JSONParser(lenient=False, fragments=False, **options)
    collector = ValueCollector(matcher)
    out = [pair for c in chunks for pair in collector.feed(parser.feed(c))]
    return out + collector.feed(parser.close())


def fast(chunks: list[Any], matcher: PathMatcher, **options: Any) -> list[tuple[Any, Any]]:
    core = make_strict_values(matcher, **options)
    assert core is not None
    out = [pair for c in chunks for pair in core.feed(c)]
    return out + core.close()


def assert_same_outcome(chunks: list[Any], matcher: PathMatcher, **options: Any) -> None:
    expected, expected_exc = attempt(lambda: pure(chunks, matcher, **options))
    got, exc = attempt(lambda: fast(chunks, matcher, **options))
    # values alone (what json_values uses): the same values, the same error
    values, values_exc = attempt(lambda: fast(chunks, matcher, with_paths=False, **options))
    assert type(values_exc) is type(exc)
    assert str(values_exc) == str(exc)
    if expected_exc is None:
        assert exc is None, repr(exc)
        assert [p for p, _ in got] == [p for p, _ in expected]
        assert same([v for _, v in got], [v for _, v in expected])
        assert same(values, [v for _, v in expected])
    else:
        assert isinstance(expected_exc, JSONStreamError)
        assert type(exc) is type(expected_exc), (exc, expected_exc)
        assert isinstance(exc, JSONStreamError)
        assert (exc.message, exc.offset, exc.line, exc.column, exc.path) == (
            expected_exc.message,
            expected_exc.offset,
            expected_exc.line,
            expected_exc.column,
            expected_exc.path,
        )
        # yajl may notice an error a few chunks later than the parser: the error is
        # the same, only more text had been received.
        assert exc.received.startswith(expected_exc.received)


@st.composite
def document_and_matcher(draw: st.DrawFn) -> tuple[str, PathMatcher]:
    text = draw(documents)
    path = draw(st.sampled_from([p for p, _ in walk(loads(text))]))
    return text, PathMatcher(tuple(WILDCARD if draw(st.booleans()) else s for s in path))


@given(st.data(), document_and_matcher())
def test_same_values_as_the_pure_parser(data: st.DataObject, case: tuple[str, PathMatcher]) -> None:
    text, matcher = case
    assert_same_outcome(data.draw(chunked(text)), matcher)


@given(st.data(), corrupted(), st.sampled_from(["$", "*", "[*]", "*.*"]))
def test_same_errors_as_the_pure_parser(data: st.DataObject, text: str, pattern: str) -> None:
    assert_same_outcome(data.draw(chunked(text)), PathMatcher(pattern))


@given(st.data(), documents)
def test_same_on_every_truncation(data: st.DataObject, text: str) -> None:
    cut = data.draw(st.integers(0, len(text)))
    assert_same_outcome(data.draw(chunked(text[:cut])), PathMatcher("$"))


@given(st.data(), st.lists(documents, max_size=4), st.sampled_from(["\n", " "]))
def test_same_with_multiple_values(data: st.DataObject, texts: list[str], sep: str) -> None:
    chunks = data.draw(chunked(sep.join(texts)))
    assert_same_outcome(chunks, PathMatcher("$"), multiple_values=True)


@given(st.integers(1, 40), st.integers(1, 40), st.sampled_from([1, 3, 1000]))
def test_same_depth_limit(depth: int, limit: int, size: int) -> None:
    text = '{"a":' * depth + "1" + "}" * depth
    chunks = [text[i : i + size] for i in range(0, len(text), size)]
    assert_same_outcome(chunks, PathMatcher("$"), max_depth=limit)
