"""Property tests for partial model hydration: random documents, random cuts.

For random valid instances of a family of models (nested, lists, discriminated
and plain unions, enums, literals, optionals, constraints), serialised and cut
at random points:

* the final value equals ``Model.model_validate_json(text)``;
* snapshots are monotone: a value reported complete never changes, strings
  only grow, lists never shrink;
* no snapshot shows a number, enum, literal or boolean that is not the final
  one (so never a partial number or an invalid literal), and every string is a
  prefix of the final one;
* an invalid value raises as soon as it completes, not at the end;
* a snapshot kept unread while the stream goes on, read at the end, shows
  exactly what a snapshot of the same prefix built from scratch (fed at once,
  read at once) shows: snapshots never change, whatever the chunking;
* a repeated key is refused at the key, whatever the chunking.
"""

from __future__ import annotations

import enum
import itertools
import json
from typing import Annotated, Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field, ValidationError

from streamops import iterate
from streamops.errors import StreamValidationError
from streamops.models import ItemHydrator, ModelHydrator, Partial, field_events, items, partial


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


class Tag(BaseModel):
    label: Annotated[str, Field(max_length=12)]
    weight: Annotated[float, Field(ge=0, le=100)]


class Circle(BaseModel):
    shape: Literal["circle"]
    radius: Annotated[int, Field(gt=0)]


class Rect(BaseModel):
    shape: Literal["rect"]
    w: int
    h: int
    note: str | None = None


class Entry(BaseModel):
    id: int
    name: str
    color: Color
    mode: Literal["fast", "slow"]
    shape: Circle | Rect = Field(discriminator="shape")
    tags: list[Tag] = []
    score: float | None = None
    ref: int | str = 0
    meta: dict[str, int] = {}
    done: bool = False


class Doc(BaseModel):
    title: str
    entries: list[Entry]
    main: Entry | None = None
    matrix: list[list[int]] = []


text_st = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
ints = st.integers(-(10**12), 10**12)
floats = st.floats(allow_nan=False, allow_infinity=False, width=64)

tag_st = st.fixed_dictionaries({"label": text_st, "weight": st.floats(0, 100, allow_nan=False)})
shape_st = st.one_of(
    st.fixed_dictionaries({"shape": st.just("circle"), "radius": st.integers(1, 10**6)}),
    st.fixed_dictionaries(
        {"shape": st.just("rect"), "w": ints, "h": ints},
        optional={"note": st.one_of(st.none(), text_st)},
    ),
)
entry_st = st.fixed_dictionaries(
    {
        "id": ints,
        "name": text_st,
        "color": st.sampled_from([c.value for c in Color]),
        "mode": st.sampled_from(["fast", "slow"]),
        "shape": shape_st,
    },
    optional={
        "tags": st.lists(tag_st, max_size=3),
        "score": st.one_of(st.none(), floats),
        "ref": st.one_of(ints, text_st),
        "meta": st.dictionaries(text_st, ints, max_size=3),
        "done": st.booleans(),
    },
)
doc_st = st.fixed_dictionaries(
    {"title": text_st, "entries": st.lists(entry_st, max_size=4)},
    optional={
        "main": st.one_of(st.none(), entry_st),
        "matrix": st.lists(st.lists(ints, max_size=3), max_size=3),
    },
)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[str]]:
    doc = draw(doc_st)
    text = json.dumps(
        doc,
        ensure_ascii=draw(st.booleans()),
        indent=draw(st.sampled_from([None, 2])),
    )
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=40)))
    chunks = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=False)]
    return text, chunks


LITERALS = {"mode", "shape"}  # the Literal-typed fields (and discriminators) of the family


def _children(value: Any) -> list[tuple[Any, Any]]:
    if isinstance(value, BaseModel):
        return [(name, getattr(value, name)) for name in type(value).model_fields]
    if isinstance(value, (list, tuple)):
        return list(enumerate(value))
    if isinstance(value, dict):
        return list(value.items())
    return []


def _get(value: Any, key: Any) -> Any:
    if isinstance(value, BaseModel):
        return getattr(value, key)
    return value[key]


def check_against_final(shown: Any, final: Any, where: tuple[Any, ...] = ()) -> None:
    """Everything a snapshot shows agrees with the final value."""
    if shown is None:
        return
    if isinstance(shown, str):
        assert isinstance(final, str), where
        if where and where[-1] in LITERALS:
            assert shown == final, where  # a literal is never shown in part
        assert final.startswith(shown), where
        return
    if isinstance(shown, (bool, int, float, enum.Enum)):
        assert shown == final, (where, shown, final)
        assert type(shown) is type(final), (where, shown, final)
        return
    if isinstance(shown, dict) and isinstance(final, BaseModel):
        # an undecided union shows its raw members: strings grow, the rest is complete
        for key, value in shown.items():
            check_against_final(value, getattr(final, key), (*where, key))
        return
    if isinstance(shown, BaseModel) and not isinstance(shown, Partial):
        assert shown == final, where
        return
    if isinstance(shown, (list, dict)):
        assert len(shown) <= len(final), where
    for key, value in _children(shown):
        check_against_final(value, _get(final, key), (*where, key))


def check_monotone(before: Any, after: Any, where: tuple[Any, ...] = ()) -> None:
    """What a later snapshot shows extends what an earlier one showed."""
    if before is None:
        return
    assert after is not None, where
    if isinstance(before, str):
        assert after.startswith(before), where
        return
    if isinstance(before, BaseModel) and not isinstance(before, Partial):
        assert after is before, where  # complete: never changes (the same object, even)
        return
    if isinstance(before, (list, dict)) and isinstance(after, (list, dict, tuple)):
        assert len(after) >= len(before), where
    if isinstance(before, dict) and isinstance(after, BaseModel):
        return  # a union resolved: checked against the final value instead
    for key, value in _children(before):
        check_monotone(value, _get(after, key), (*where, key))


@settings(max_examples=60)
@given(documents())
def test_snapshots_are_monotone_valid_and_end_with_the_model(case: tuple[str, list[str]]) -> None:
    text, chunks = case
    expected = Doc.model_validate_json(text)
    h = ModelHydrator(Doc)
    snaps: list[Any] = []
    for chunk in chunks:
        if h.feed(chunk):
            snaps.append(h.snapshot())
    snaps.extend(h.close())
    final = snaps[-1]
    assert final == expected
    assert type(final) is Doc
    partials = [s for s in snaps if isinstance(s, Partial)]
    assert len(partials) >= len(snaps) - 1
    for snap in partials:
        check_against_final(snap, final)
    for before, after in itertools.pairwise(partials):
        check_monotone(before, after)
        for path in before.completed_paths:
            assert after.is_complete(path)


def _scratch(prefix: str) -> Any:
    h = ModelHydrator(Doc)
    h.feed(prefix)
    snap = h.snapshot()
    return snap.model_dump() if isinstance(snap, Partial) else snap


@settings(max_examples=60)
@given(documents())
def test_kept_snapshots_equal_snapshots_built_from_scratch(case: tuple[str, list[str]]) -> None:
    _text, chunks = case
    h = ModelHydrator(Doc)
    kept: list[tuple[str, Any]] = []
    received = ""
    for chunk in chunks:
        received += chunk
        if h.feed(chunk):
            kept.append((received, h.snapshot()))  # read only once the stream is over
    h.close()
    for prefix, snap in kept:
        if isinstance(snap, Partial):
            assert snap.model_dump() == _scratch(prefix)


@settings(max_examples=40)
@given(documents())
def test_items_match_the_elements(case: tuple[str, list[str]]) -> None:
    text, chunks = case
    h = ItemHydrator(Entry, "entries[*]")
    got = [e for chunk in chunks for e in h.feed(chunk)] + h.close()
    assert got == Doc.model_validate_json(text).entries


@settings(max_examples=40)
@given(st.lists(entry_st, min_size=2, max_size=5), st.data())
def test_an_invalid_value_raises_when_it_completes(entries: list[Any], data: st.DataObject) -> None:
    bad_at = data.draw(st.integers(0, len(entries) - 1))
    field, bad = data.draw(
        st.sampled_from([("color", "purple"), ("mode", "medium"), ("id", "seven"), ("id", 1.5)])
    )
    entries[bad_at][field] = bad
    parts = [json.dumps(e) for e in entries]
    text = '{"title": "t", "entries": [' + ", ".join(parts) + "]}"
    marker = json.dumps({field: bad})[1:-1]  # '"color": "purple"'
    start = len('{"title": "t", "entries": [') + sum(len(p) + 2 for p in parts[:bad_at])
    end = start + parts[bad_at].index(marker) + len(marker)
    size = data.draw(st.integers(1, 7))
    h = ModelHydrator(Doc)
    with pytest.raises(StreamValidationError) as info:
        for i in range(0, len(text), size):
            h.feed(text[i : i + size])
        h.close()
    exc = info.value
    assert exc.path == ("entries", bad_at, field)
    assert exc.value == bad
    # raised by the chunk that completed it (a number needs one more character)
    assert end <= len(exc.received) <= end + size + 1
    assert exc.received == text[: len(exc.received)]


def _dumps_repeating(value: Any, target: int, key: str, path: tuple[Any, ...] = ()) -> Any:
    """``json.dumps(value)``, except that the object whose ``id`` is ``target`` repeats ``key``
    at its end (with the same value); returns (text, path of the repeat or None)."""
    if isinstance(value, dict):
        members = [
            json.dumps(k) + ": " + _dumps_repeating(v, target, key, (*path, k))[0]
            for k, v in value.items()
        ]
        found = None
        if id(value) == target:
            members.append(json.dumps(key) + ": " + json.dumps(value[key]))
            found = (*path, key)
        return "{" + ", ".join(members) + "}", found
    if isinstance(value, list):
        return "[" + ", ".join(
            _dumps_repeating(v, target, key, (*path, i))[0] for i, v in enumerate(value)
        ) + "]", None
    return json.dumps(value), None


def _objects(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    out: list[tuple[tuple[Any, ...], Any]] = []
    if isinstance(value, dict):
        if value:
            out.append((path, value))
        for k, v in value.items():
            out.extend(_objects(v, (*path, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_objects(v, (*path, i)))
    return out


@settings(max_examples=60)
@given(doc_st, st.data())
def test_a_repeated_key_is_refused_at_the_key_whatever_the_chunking(
    doc: Any, data: st.DataObject
) -> None:
    where, obj = data.draw(st.sampled_from(_objects(doc)))
    key = data.draw(st.sampled_from(sorted(obj)))
    text, _ = _dumps_repeating(doc, id(obj), key)
    assert json.loads(text) == doc  # the repeat has the same value: json.loads cannot tell
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=30)))
    chunks = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=False)]
    errors = []
    for feed in (chunks, [text]):
        h = ModelHydrator(Doc)
        with pytest.raises(StreamValidationError) as info:
            for chunk in feed:
                h.feed(chunk)
            h.close()
        errors.append(info.value)
    for exc in errors:
        assert exc.path == (*where, key)
        assert [e["type"] for e in exc.errors] == ["duplicate_key"]
        assert text.startswith(exc.received)


# -- what comes out before an error --------------------------------------------------------

# Values that make each field of the family invalid (wrong type, out of range, unknown tag).
INVALID: dict[str, list[Any]] = {
    "title": [5, None],
    "entries": [{}, 3],
    "main": [3, "x"],
    "matrix": [[["x"]], {}],
    "id": ["seven", 1.5, None],
    "name": [[1], 2],
    "color": ["purple", 1],
    "mode": ["medium"],
    "shape": [{"shape": "hexagon"}, {"shape": "circle", "radius": 0}, "round"],
    "tags": ["t", [{"label": "x" * 13, "weight": 1}], [{"label": "a", "weight": -1}]],
    "score": ["high"],
    "ref": [[1], None],
    "meta": [{"a": "b"}, []],
    "done": ["maybe", 2],
    "radius": [0, "big"],
    "w": ["wide"],
    "note": [7],
    "label": ["x" * 13, 4],
    "weight": [-1, 101],
}


def _members(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """(path, parent object) of every object member whose key has invalid values above."""
    out: list[tuple[tuple[Any, ...], Any]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k in INVALID:
                out.append(((*path, k), value))
            out.extend(_members(v, (*path, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_members(v, (*path, i)))
    return out


def _run(op: Any, chunks: list[str], *, last: bool) -> tuple[list[Any], Any]:
    """What a pipeline yields before its error (all items, or the last one), and the error."""
    got: list[Any] = []
    failed: StreamValidationError | None = None
    try:
        for item in iterate(chunks, op):
            got.append(item.model_dump() if isinstance(item, BaseModel) else item)
    except StreamValidationError as exc:
        failed = exc
    if failed is None:
        return got, None  # (items() reads only the elements: an error elsewhere is not seen)
    assert not failed.events, "delivered items must not stay on the error"
    error = (type(failed), failed.path, failed.value, failed.message, failed.errors)
    return (got[-1:] if last else got), error


@settings(max_examples=60)
@given(doc_st, st.data())
def test_what_comes_before_a_validation_error_does_not_depend_on_the_chunking(
    doc: Any, data: st.DataObject
) -> None:
    members = _members(doc)
    repeat = not members or data.draw(st.booleans())
    if repeat:  # a repeated key is an error under the same rule
        where, obj = data.draw(st.sampled_from(_objects(doc)))
        key = data.draw(st.sampled_from(sorted(obj)))
        text, _ = _dumps_repeating(doc, id(obj), key)
        path = (*where, key)
    else:
        path, parent = data.draw(st.sampled_from(members))
        parent[path[-1]] = data.draw(st.sampled_from(INVALID[path[-1]]))
        text = json.dumps(doc, ensure_ascii=data.draw(st.booleans()))
        with pytest.raises(ValidationError):  # the reference refuses it too
            Doc.model_validate(json.loads(text))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=30)))
    chunks = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=False)]
    chunkings = {"random": chunks, "by 3": [text[i : i + 3] for i in range(0, len(text), 3)]}
    ops = {
        "partial": (lambda: partial(Doc), True),
        "items": (lambda: items(Entry, "entries[*]"), False),
        "field_events": (lambda: field_events(Doc), False),
    }
    for name, (make, last) in ops.items():
        whole = _run(make(), [text], last=last)
        if name == "partial":  # at the bad value (inside it, or at a union whose tag it is)
            at = whole[1][1]
            assert at == path if repeat else path[: len(at)] == at or at[: len(path)] == path
        for how, cut in chunkings.items():
            assert _run(make(), cut, last=last) == whole, (name, how)


# --- snapshots are built when read, yet never change ---------------------------------------

bad_tag_st = st.fixed_dictionaries(
    {"label": st.text(max_size=16), "weight": st.floats(-50, 150, allow_nan=False)}
)
loose_doc_st = st.fixed_dictionaries(
    {
        "title": text_st,
        "entries": st.lists(
            st.fixed_dictionaries(
                {
                    "id": ints,
                    "name": text_st,
                    "color": st.sampled_from([c.value for c in Color]),
                    "mode": st.sampled_from(["fast", "slow"]),
                    "shape": shape_st,
                    "tags": st.lists(bad_tag_st, max_size=3),
                }
            ),
            max_size=4,
        ),
    }
)


def _state(snap: Any) -> Any:
    """Everything a snapshot tells, read in full."""
    if not isinstance(snap, Partial):
        return snap
    return (
        snap.model_dump(),
        repr(snap),
        snap.model_fields_set,
        snap.completed_paths,
        [e.path for e in snap.validation_errors],
        [snap.is_complete(p) for p in snap.completed_paths],
    )


def _read_some(snap: Any, how: int) -> None:
    """Read a snapshot as a consumer might: not at all, one field, or through a nested value."""
    if not isinstance(snap, Partial) or how == 0:
        return
    if how == 1:
        _ = snap.title
    elif how == 2:
        entries = snap.entries
        if entries and isinstance(entries[-1], Partial):
            _ = entries[-1].name
    else:
        _state(snap)


@settings(max_examples=60)
@given(
    st.one_of(doc_st, loose_doc_st),
    st.sampled_from(["raise", "collect"]),
    st.data(),
)
def test_a_snapshot_shows_the_same_when_yielded_and_when_read_again_at_the_end(
    doc: Any, on_error: Any, data: st.DataObject
) -> None:
    # Snapshots are built when first read, from what the engine recorded when they were
    # taken, and share completed values: however much of each one was read while the
    # stream went on, every snapshot reads at the end exactly as it read when yielded.
    text = json.dumps(doc, ensure_ascii=data.draw(st.booleans()))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=40)))
    chunks = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=False)]
    h = ModelHydrator(Doc, on_error=on_error)
    twin = ModelHydrator(Doc, on_error=on_error)  # fed alike; its snapshots read at once
    kept: list[tuple[Any, Any]] = []
    try:
        for chunk in chunks:
            try:
                changed = twin.feed(chunk)
            except StreamValidationError as exc:
                seen = [_state(s) for s in exc.events]
                h.feed(chunk)
                raise AssertionError("the twin failed alone") from exc
            if h.feed(chunk):
                assert changed
                snap = h.snapshot()
                kept.append((snap, _state(twin.snapshot())))
                _read_some(snap, data.draw(st.integers(0, 3)))
        seen = []
        try:
            twin.close()
        except StreamValidationError as exc:
            seen = [_state(s) for s in exc.events]
        h.close()
    except StreamValidationError as exc:
        kept.extend(zip(exc.events, seen, strict=True))
    for snap, when_yielded in kept:
        assert _state(snap) == when_yielded


@settings(max_examples=40)
@given(documents(), st.data())
def test_kept_snapshots_tell_what_completed_as_snapshots_built_from_scratch(
    case: tuple[str, list[str]], data: st.DataObject
) -> None:
    _text, chunks = case
    h = ModelHydrator(Doc)
    kept: list[tuple[str, Any]] = []
    received = ""
    for chunk in chunks:
        received += chunk
        if h.feed(chunk):
            kept.append((received, h.snapshot()))
    h.close()
    for prefix, snap in kept:
        if isinstance(snap, Partial):
            ref = ModelHydrator(Doc)
            ref.feed(prefix)
            fresh = ref.snapshot()
            assert snap.completed_paths == fresh.completed_paths
            assert snap.model_fields_set == fresh.model_fields_set
            entries = snap.entries
            if entries and isinstance(entries[-1], Partial):
                assert entries[-1].model_fields_set == fresh.entries[-1].model_fields_set
