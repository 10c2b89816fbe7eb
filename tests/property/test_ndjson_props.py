"""Property tests: ``ndjson_events`` / :class:`NDJSONDecoder` give the same values under any
re-splitting of the body, and on corrupted bodies (bytes flipped, deleted, inserted,
truncated) raise nothing but :class:`~streamops.StreamopsError` subclasses, the same error
at the same place whatever the splitting. The same for raw Ollama and Cohere NDJSON bodies
read by ``ProviderAdapter``."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from streamops import NDJSONDecoder, StreamopsError, drain, ndjson_events, pipe
from streamops.providers import ProviderAdapter
from tests.unit.test_ndjson import run
from tests.unit.test_providers_ollama_cohere import COHERE, OLLAMA_CHAT, OLLAMA_GENERATE, ndjson

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, list[Any]]:
    """An NDJSON body (LF / CRLF, blank lines, maybe a BOM and no final newline) and its values."""
    values = draw(st.lists(json_values, max_size=6))
    parts: list[str] = []
    for value in values:
        for _ in range(draw(st.integers(0, 2))):
            parts.append(draw(st.sampled_from(["", " ", "\t", "  \r"])) + "\n")
        compact = draw(st.booleans())
        line = json.dumps(
            value,
            ensure_ascii=draw(st.booleans()),
            separators=(",", ":") if compact else (", ", ": "),
        )
        parts.append(line + draw(st.sampled_from(["\n", "\r\n"])))
    text = "".join(parts)
    if text and draw(st.booleans()):
        text = text.rstrip("\r\n")  # no final newline
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text.encode("utf-8"), values


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(data)) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


def same(a: Any, b: Any) -> bool:
    """Equal as JSON (so -0.0 and 0.0, 1.0 and 1 count as the values json.loads gives)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@given(bodies(), st.lists(st.integers(0, 600), max_size=12))
def test_any_resplit_gives_the_values(case: tuple[bytes, list[Any]], cuts: list[int]) -> None:
    data, values = case
    whole, error = run([data])
    assert error is None
    assert same(whole, values)
    assert run(split(data, cuts)) == (whole, None)
    assert drain(pipe(split(data, cuts), ndjson_events())) == whole


@given(bodies())
def test_byte_by_byte_and_text_chunks(case: tuple[bytes, list[Any]]) -> None:
    data, _ = case
    whole = run([data])
    assert run([data[i : i + 1] for i in range(len(data))]) == whole
    text = data.decode("utf-8")
    decoder = NDJSONDecoder()
    got = [v for ch in text for v in decoder.feed(ch)] + decoder.close()
    assert got == whole[0]


@st.composite
def corrupted(draw: st.DrawFn, seeds: st.SearchStrategy[bytes]) -> bytes:
    """A body with bytes flipped, deleted or inserted, and maybe truncated."""
    data = bytearray(draw(seeds))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "delete", "insert"]))
        if action == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        else:
            data[at:at] = draw(
                st.sampled_from([b"\n", b"\r\n", b"{", b"}", b'"', b"\xc3", b"\xff", b"[" * 600])
            )
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


_SEEDS = st.sampled_from([OLLAMA_CHAT, OLLAMA_GENERATE, ndjson(*COHERE)]) | bodies().map(
    lambda case: case[0]
)


@given(corrupted(_SEEDS), st.lists(st.integers(0, 3000), max_size=10))
def test_corrupted_bodies_fail_the_same_way_whatever_the_split(
    data: bytes, cuts: list[int]
) -> None:
    whole = run([data])  # (only StreamopsError is caught: anything else fails the test)
    assert run(split(data, cuts)) == whole


def adapt(chunks: list[bytes]) -> tuple[list[Any], tuple[Any, ...] | None]:
    """Provider events of a raw body (``close()`` until it has nothing more), then the error
    (its message and position: a JSON-array body's parser error shows a snippet of what it
    had received, which may end at a chunk's end, so ``str()`` is not compared)."""
    adapter = ProviderAdapter()
    out: list[Any] = []
    try:
        for chunk in chunks:
            out.extend(adapter.feed(chunk))
        while more := adapter.close():
            out.extend(more)
    except StreamopsError as exc:
        position = tuple(getattr(exc, key, None) for key in ("line", "column", "offset"))
        return out, (type(exc), exc.message, *position)
    return out, None


@given(corrupted(_SEEDS), st.lists(st.integers(0, 3000), max_size=10))
def test_corrupted_provider_bodies_give_the_same_events_then_the_same_error(
    data: bytes, cuts: list[int]
) -> None:
    whole = adapt([data])
    assert adapt(split(data, cuts)) == whole
