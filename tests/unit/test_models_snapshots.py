"""Partial snapshots while a large value is still open: O(1) to take, built when read.

A snapshot records how much of the open string / open containers it shows
and builds them when first read; these tests check that nothing a snapshot
showed changes afterwards, that every way of reading it sees the same value
as a snapshot built from scratch, and (without timing anything) that taking a
snapshot allocates no more with a 1 MB open value than with a 1 KB one.
"""

from __future__ import annotations

import copy
import json
import tracemalloc
from typing import Any

import pytest
from pydantic import BaseModel

from benchmarks.models_bench import OPEN_CASES, Essay, Loose
from streamops.models import ModelHydrator, Partial


class Note(BaseModel):
    text: str
    tags: list[str] = []


class Nested(BaseModel):
    title: str
    notes: list[Note]
    meta: dict[str, list[str]] = {}
    raw: Any = None


# The benchmark's open-value cases (models_bench.py --open): (model, head, open part)
# for a long string, a dict[str, int], extra="allow" extras and a list[int].
OPEN_VALUES = {
    "string": OPEN_CASES["long string"],
    "dict": OPEN_CASES["dict[str, int]"],
    "extra": OPEN_CASES['extra="allow"'],
    "list": OPEN_CASES["list[int]"],
}

NESTED = json.dumps(
    {
        "title": "Trip",
        "notes": [
            {"text": "pack the tent", "tags": ["gear", "now"]},
            {"text": "buy \u00e9clairs \U0001f600", "tags": ["food"]},
        ],
        "meta": {"a": ["x", "yz"], "b": []},
        "raw": {"k": [1, {"deep": "text"}], "s": "end"},
    },
    ensure_ascii=False,
)


def from_scratch(model: type[BaseModel], prefix: str) -> Any:
    """The snapshot of ``prefix`` fed at once, read at once (the reference)."""
    h = ModelHydrator(model)
    h.feed(prefix)
    snap = h.snapshot()
    return snap.model_dump() if isinstance(snap, Partial) else snap


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_kept_snapshots_read_later_show_what_they_showed_when_taken(size: int) -> None:
    h = ModelHydrator(Nested)
    kept: list[tuple[str, Any]] = []
    received = ""
    for i in range(0, len(NESTED), size):
        chunk = NESTED[i : i + size]
        received += chunk
        if h.feed(chunk):
            kept.append((received, h.snapshot()))  # not read until the end
    assert h.close() == []  # the last snapshot was the model
    assert kept[-1][1] == Nested.model_validate_json(NESTED)
    for prefix, snap in kept:
        if isinstance(snap, Partial):
            assert snap.model_dump() == from_scratch(Nested, prefix), prefix


@pytest.mark.parametrize("case", sorted(OPEN_VALUES))
def test_a_kept_snapshot_of_a_growing_value_never_changes(case: str) -> None:
    model, head, body = OPEN_VALUES[case](50)
    text = head + body
    h = ModelHydrator(model)
    h.feed(text[:40])
    early = h.snapshot()
    h.feed(text[40:])
    late = h.snapshot()
    # read in the opposite order to the one they were taken in
    assert late.model_dump() == from_scratch(model, text)
    assert early.model_dump() == from_scratch(model, text[:40])
    assert early.model_dump() != late.model_dump()


def test_every_way_of_reading_a_snapshot_builds_the_same_value() -> None:
    prefix = '{"title": "t", "a": [1, 2], "b": {"c": "gro'
    expected = {"title": "t", "a": [1, 2], "b": {"c": "gro"}}

    def take() -> Any:
        h = ModelHydrator(Loose)
        h.feed(prefix)
        snap = h.snapshot()
        h.feed('wing", "d": 1}, "e": 2')  # the engine moves on before the snapshot is read
        return snap

    assert take().model_dump() == expected
    assert json.loads(take().model_dump_json()) == expected
    assert take().b == {"c": "gro"}
    assert take()["a"] == [1, 2]
    assert take().model_extra == {"a": [1, 2], "b": {"c": "gro"}}
    assert dict(take()) == expected
    assert repr(take()) == "Partial[Loose](title='t', a=[1, 2], b={'c': 'gro'})"
    snap = take()
    assert snap.model_copy() == snap
    assert copy.deepcopy(take()).model_dump() == expected
    state = take().__getstate__()  # what pickle would store
    assert state["__dict__"] == {"title": "t"}
    assert state["__pydantic_extra__"] == {"a": [1, 2], "b": {"c": "gro"}}
    assert vars(take()) == {"title": "t"}
    assert take().model_fields_set == {"title"}

    h = ModelHydrator(Essay)
    h.feed('{"title": "t", "body": "Hel')
    snap = h.snapshot()
    h.feed('lo"')
    assert snap.model_fields_set == {"title", "body"}
    assert snap.body == "Hel"
    assert list(snap.__dict__) == ["title", "body"]  # declared order, as a model's
    snap.title = "changed"  # a snapshot is a plain pydantic object: assignment works
    assert snap.model_dump() == {"title": "changed", "body": "Hel"}


def transient_bytes_per_snapshot(case: str, size: int, window: int = 40) -> float:
    """Bytes allocated (beyond what stays allocated) by ``feed`` + ``snapshot()`` per chunk
    while an open value of ``size`` grows, the previous snapshot kept meanwhile (as the loop
    variable of ``async for`` keeps it). A copy of the open value would show as ``size``."""
    model, head, body = OPEN_VALUES[case](size)
    cut = len(body) - 4 * window
    chunks = [body[i : i + 4] for i in range(cut, len(body), 4)]
    h = ModelHydrator(model)
    h.feed(head)
    h.feed(body[:cut])
    tracemalloc.start()
    try:
        prev = h.snapshot()
        for chunk in chunks[:8]:  # untimed start: blocks made before tracing get traced
            h.feed(chunk)
            prev = h.snapshot()
        worst = 0
        for chunk in chunks[8:]:
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            if h.feed(chunk):
                prev = h.snapshot()
            worst = max(worst, tracemalloc.get_traced_memory()[1] - before)
        del prev
    finally:
        tracemalloc.stop()
    return worst


@pytest.mark.parametrize("case", sorted(OPEN_VALUES))
def test_taking_a_snapshot_does_not_copy_the_open_value(case: str) -> None:
    # The growth check, as a cost model rather than a timing: the most a chunk allocates
    # transiently must not grow with the open value (a copy per snapshot would add its
    # whole size: a megabyte here for the string, the container's table for the others).
    small, large = (1_000, 1_000_000) if case == "string" else (100, 20_000)
    at_small = transient_bytes_per_snapshot(case, small)
    at_large = transient_bytes_per_snapshot(case, large)
    assert at_large <= at_small + 2_048, (at_small, at_large)
