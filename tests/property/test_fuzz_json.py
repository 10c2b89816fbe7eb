"""A standing fuzz target for the JSON parser and the operators over it (issue #11).

Random JSON values are serialised, then corrupted (characters or bytes flipped,
deleted, inserted; the text truncated; nesting made deep), and fed as ``str``
and as UTF-8 ``bytes`` (so invalid UTF-8 and a byte order mark occur) under
random chunkings, through :class:`JSONParser` and through ``json_values``,
``json_snapshots`` and ``partial(Model)``. For every input:

* only :class:`~streamops.StreamopsError` subclasses escape;
* valid input gives what ``json.loads`` gives;
* what comes out before the error, and the error (type, message, offset,
  line, column, path), are the same whatever the chunking: compared with the
  whole text fed at once and with one character (or byte) at a time.

Run longer with ``HYPOTHESIS_PROFILE=thorough``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from hypothesis import given, note
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field

from streamops import iterate
from streamops.errors import JSONStreamError, StreamopsError
from streamops.json import JSONParser, Scalar, StringPart, json_snapshots, json_values
from streamops.models import partial

from .test_json_parser_props import dumped, loads, nested, same, values

FIELDS = ("message", "offset", "line", "column", "path")
JUNK = [*'{}[]:,"\\ 0-1.eEtfnux\x00\n\x0b', "NaN", "\u00e9", "\U0001f600", "[[[[", '{"k":']
BYTE_JUNK = [b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\x80", b"\xf4\x90"]


@st.composite
def corrupted_text(draw: st.DrawFn) -> str:
    """A serialised value, corrupted 0-3 times (0: valid input stays in the mix)."""
    text = draw(dumped(values) | dumped(nested()))
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(text)))
        how = draw(st.sampled_from(["delete", "insert", "replace", "truncate", "deep"]))
        if how == "delete":
            text = text[:i] + text[i + 1 :]
        elif how == "insert":
            text = text[:i] + draw(st.sampled_from(JUNK)) + text[i:]
        elif how == "replace":
            text = text[:i] + draw(st.sampled_from(JUNK)) + text[i + 1 :]
        elif how == "truncate":
            text = text[:i]
        else:  # nesting made deep, near and beyond the limit used below
            k = draw(st.integers(1, 40))
            text = text[:i] + draw(st.sampled_from(["[", '{"a":'])) * k + text[i:]
    return text


@st.composite
def corrupted_bytes(draw: st.DrawFn) -> bytes:
    """A corrupted text as UTF-8, then bytes flipped, inserted or cut (maybe a BOM first)."""
    data = draw(corrupted_text()).encode("utf-8", "surrogatepass")
    for _ in range(draw(st.integers(0, 2))):
        i = draw(st.integers(0, len(data)))
        how = draw(st.sampled_from(["flip", "insert", "truncate"]))
        if how == "flip" and i < len(data):
            data = (
                data[:i]
                + bytes([data[i] ^ draw(st.sampled_from([0x80, 0x40, 0xFF]))])
                + data[i + 1 :]
            )
        elif how == "insert":
            data = data[:i] + draw(st.sampled_from(BYTE_JUNK)) + data[i:]
        else:
            data = data[:i]
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return data


def cut(draw: st.DrawFn, data: Any) -> list[Any]:
    """Random cut points (with empty chunks)."""
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=12)))
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


def singles(data: Any) -> list[Any]:
    return [data[i : i + 1] for i in range(len(data))]


# -- what a run delivers -----------------------------------------------------------------


def signature(exc: BaseException | None) -> Any:
    if exc is None:
        return None
    assert isinstance(exc, StreamopsError), f"a foreign exception escaped: {exc!r}"
    return (type(exc).__name__, *(getattr(exc, f, None) for f in FIELDS))


def merged(events: list[Any]) -> list[Any]:
    """Events with each string's fragments joined, and dropped once the string is
    complete (how a string's text is split into fragments depends on the chunking)."""
    out: list[Any] = []
    for e in events:
        if type(e) is StringPart and out and type(out[-1]) is StringPart:
            out[-1] = StringPart(e.path, out[-1].text + e.text)
        elif type(e) is Scalar and out and type(out[-1]) is StringPart:
            out[-1] = e
        else:
            out.append(e)
    return out


def parse(chunks: list[Any], **options: Any) -> tuple[list[Any], Any]:
    parser = JSONParser(**options)
    events: list[Any] = []
    exc: BaseException | None = None
    try:
        for chunk in chunks:
            events += parser.feed(chunk)
        events += parser.close()
    except Exception as e:
        exc = e
        if isinstance(e, JSONStreamError):
            events += getattr(e, "events", ())
    return merged(events), signature(exc)


def operate(chunks: list[Any], op: Callable[[], Any], keep: str) -> tuple[Any, Any]:
    """Run a pipeline: all its items (``keep="all"``) or the last one (a snapshot)."""
    got: list[Any] = []
    exc: BaseException | None = None
    try:
        for item in iterate(chunks, op()):
            item = item.model_dump() if isinstance(item, BaseModel) else item
            got.append(json.dumps(copy.deepcopy(item), default=repr))
    except Exception as e:
        exc = e
    if exc is not None:
        assert not getattr(exc, "events", ()), "delivered items must not stay on the error"
    return (got if keep == "all" else got[-1:]), signature(exc)


class Doc(BaseModel):
    """Accepts any object: only malformed JSON (or a root that is not an object) fails."""

    model_config = ConfigDict(extra="allow")
    k: Any = None


class Typed(BaseModel):
    """Typed fields under the keys the generated values use (``""``, ``"0"``, ``"k"`` of
    :func:`nested`), so validation errors occur: wrong types, a string too long, a number
    out of range, a list that is not of integers, a nested model, an unknown extra."""

    model_config = ConfigDict(extra="forbid")
    empty: str = Field("", alias="", max_length=4)
    zero: int = Field(0, alias="0", ge=0)
    k: Typed | list[int] | None = None


RUNS: dict[str, Callable[[list[Any]], Any]] = {
    "parser": lambda c: parse(c, max_depth=48),
    "parser strict": lambda c: parse(c, lenient=False, max_depth=48),
    "values *": lambda c: operate(c, lambda: json_values("*", max_depth=48), "all"),
    "values strict": lambda c: operate(
        c, lambda: json_values("$", lenient=False, max_depth=48), "all"
    ),
    "values strict *.*": lambda c: operate(
        c, lambda: json_values("*.*", lenient=False, max_depth=48), "all"
    ),
    "snapshots": lambda c: operate(c, lambda: json_snapshots(max_depth=48), "last"),
    "partial": lambda c: operate(c, lambda: partial(Doc, max_depth=48), "last"),
    "partial typed": lambda c: operate(c, lambda: partial(Typed, max_depth=48), "last"),
}


def check(data: st.DataObject, doc: Any) -> None:
    chunkings = {"whole": [doc], "singles": singles(doc), "random": cut(data.draw, doc)}
    note(f"chunkings={chunkings!r}")
    for name, run in RUNS.items():
        whole = run(chunkings["whole"])
        for how in ("singles", "random"):
            assert run(chunkings[how]) == whole, (name, how)


@given(st.data(), corrupted_text())
def test_fuzz_text(data: st.DataObject, text: str) -> None:
    check(data, text)
    expected: Any = None
    try:
        expected = loads(text)
    except ValueError:
        return
    # Valid input: json.loads's value (unless nested deeper than the limit used here).
    got, error = RUNS["values strict"]([text])
    if error is None:
        assert len(got) == 1
        assert same(json.loads(got[0]), expected)
    else:
        assert error[0] == "DepthLimitError"


@given(st.data(), corrupted_bytes())
def test_fuzz_bytes(data: st.DataObject, raw: bytes) -> None:
    check(data, raw)
    try:
        text = raw.decode("utf-8-sig")
        expected = loads(text)
    except ValueError:
        return
    got, error = RUNS["values strict"]([raw])
    if error is None:
        assert len(got) == 1
        assert same(json.loads(got[0]), expected)
    else:
        assert error[0] == "DepthLimitError"
