"""The async model operators (partial, items, field_events) on asyncio and trio."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field

from streamops import pipe, stream
from streamops.errors import StreamValidationError
from streamops.flow import throttle
from streamops.models import (
    FieldEvent,
    ModelHydrator,
    Partial,
    field_events,
    items,
    partial,
)
from tests.helpers import TrackedSource

pytestmark = pytest.mark.anyio


class Step(BaseModel):
    text: str
    minutes: int = Field(ge=0)


class Recipe(BaseModel):
    name: str
    level: Literal["easy", "hard"]
    steps: list[Step]


RECIPE = {
    "name": "Toast",
    "level": "easy",
    "steps": [{"text": "Slice bread", "minutes": 1}, {"text": "Toast it", "minutes": 3}],
}
TEXT = json.dumps(RECIPE)


async def collect(chunks: list[Any], op: Any) -> list[Any]:
    out = []
    async with pipe(TrackedSource(chunks), op) as s:
        async for item in s:
            out.append(item)
    return out


async def test_partial_yields_snapshots_then_the_model(
    chunking: Callable[[str], list[str]],
) -> None:
    out = await collect(chunking(TEXT), partial(Recipe))
    assert out[-1] == Recipe.model_validate(RECIPE)
    assert type(out[-1]) is Recipe
    assert all(type(s) is Partial[Recipe] for s in out[:-1])
    names = [s.name for s in out[:-1] if s.name is not None]
    assert all(b.startswith(a) for a, b in itertools.pairwise(names))


async def test_partial_pipes_with_bar_and_accepts_bytes() -> None:
    chunks = [TEXT.encode()[i : i + 5] for i in range(0, len(TEXT), 5)]
    out = [x async for x in stream(TrackedSource(chunks)) | partial(Recipe)]
    assert out[-1] == Recipe.model_validate(RECIPE)


async def test_partial_error_stops_the_stream_and_closes_the_source() -> None:
    bad = TEXT.replace('"minutes": 3', '"minutes": -3')
    chunks = [bad[i : i + 4] for i in range(0, len(bad), 4)]
    source = TrackedSource(chunks)
    seen: list[Any] = []
    with pytest.raises(StreamValidationError) as info:
        async with pipe(source, partial(Recipe)) as s:
            async for snap in s:
                seen.append(snap)
    assert info.value.path == ("steps", 1, "minutes")
    assert source.closed == 1
    assert source.pulled < len(chunks)  # the rest of the generation was never read
    assert seen
    assert isinstance(seen[-1], Partial)


async def test_breaking_early_closes_the_source() -> None:
    source = TrackedSource([TEXT[i : i + 3] for i in range(0, len(TEXT), 3)])
    async with pipe(source, partial(Recipe)) as s:
        async for snap in s:
            if snap.name == "Toast":
                break
    assert source.closed == 1
    assert not source.exhausted


async def test_throttle_after_partial_builds_only_what_it_emits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = 0
    original = ModelHydrator.snapshot

    def counting(self: ModelHydrator[Any]) -> Any:
        nonlocal built
        built += 1
        return original(self)

    monkeypatch.setattr(ModelHydrator, "snapshot", counting)
    chunks = [TEXT[i : i + 3] for i in range(0, len(TEXT), 3)]
    out = await collect(chunks, lambda s: throttle(3600)(partial(Recipe)(s)))
    assert out[-1] == Recipe.model_validate(RECIPE)
    assert len(out) == 2  # the first snapshot, then the final model
    assert built <= 2


async def test_collect_mode_streams_to_the_end_then_raises() -> None:
    bad = json.dumps({**RECIPE, "level": "medium"})
    out: list[Any] = []
    with pytest.raises(StreamValidationError) as info:
        async with pipe([bad[:20], bad[20:]], partial(Recipe, on_error="collect")) as s:
            async for snap in s:
                out.append(snap)
    assert out[-1].validation_errors[0].path == ("level",)
    assert out[-1].steps[1] == Step(text="Toast it", minutes=3)
    assert info.value.errors[0]["loc"] == ("level",)


async def test_items_yield_validated_elements(chunking: Callable[[str], list[str]]) -> None:
    out = await collect(chunking(TEXT), items(Step, "steps[*]"))
    assert out == [Step(text="Slice bread", minutes=1), Step(text="Toast it", minutes=3)]
    top = json.dumps(RECIPE["steps"])
    assert await collect(chunking(top), items(Step)) == out


async def test_items_arrive_before_the_document_ends() -> None:
    source = TrackedSource([TEXT[: TEXT.index("}") + 1], TEXT[TEXT.index("}") + 1 :]])
    async with pipe(source, items(Step, "steps[*]")) as s:
        first = await s.__anext__()
        assert first == Step(text="Slice bread", minutes=1)
        assert source.pulled == 1


async def test_items_bad_path_fails_at_once() -> None:
    with pytest.raises(ValueError, match="path"):
        items(Step, "steps[")


async def test_field_events_operator() -> None:
    out = await collect([TEXT[:30], TEXT[30:]], field_events(Recipe))
    assert all(isinstance(e, FieldEvent) for e in out)
    assert out[0] == FieldEvent(("name",), "Toast")
    assert out[-1].path == ()
    assert out[-1].value == Recipe.model_validate(RECIPE)
    assert ("steps", 1, "minutes") in [e.path for e in out]


async def test_field_events_collect_mode_reports_errors_as_events() -> None:
    bad = json.dumps({**RECIPE, "level": "medium"})
    out: list[FieldEvent] = []
    with pytest.raises(StreamValidationError):
        async with pipe([bad], field_events(Recipe, on_error="collect")) as s:
            async for e in s:
                out.append(e)
    errors = [e for e in out if e.error is not None]
    # the bad field, then the document itself (with every error), last as always
    assert [e.path for e in errors] == [("level",), ()]
    assert errors[0].value == "medium"
    assert out[-1] is errors[-1]


# --- what comes out before a validation error (the same rule as for JSON errors) ----------


async def run_to_error(chunks: list[Any], op: Any) -> tuple[list[Any], StreamValidationError]:
    out: list[Any] = []
    with pytest.raises(StreamValidationError) as info:
        async with pipe(TrackedSource(chunks), op) as s:
            async for item in s:
                out.append(item)
    assert not info.value.events
    return out, info.value


class Counted(BaseModel):
    a: str
    count: int
    title: str = Field("", max_length=4)
    step: Step | None = None


@pytest.mark.parametrize(
    ("text", "path", "shown"),
    [
        # an invalid number: the fields before it are shown
        ('{"a": "x", "count": "bad", "title": "t"}', ("count",), {"a": "x"}),
        # an invalid string: shown with all its text (before its closing quote)
        ('{"a": "x", "title": "too long"}', ("title",), {"a": "x", "title": "too long"}),
        # an invalid object: shown open with its fields
        ('{"a": "x", "step": {"text": "t", "minutes": -1}}', ("step", "minutes"), {"a": "x"}),
        # a repeated key
        ('{"a": "x", "count": 1, "a": "y"}', ("a",), {"a": "x", "count": 1}),
    ],
)
async def test_partial_shows_everything_before_a_validation_error_whatever_the_chunking(
    chunking: Callable[[str], list[str]], text: str, path: tuple[Any, ...], shown: dict[str, Any]
) -> None:
    out, exc = await run_to_error(chunking(text), partial(Counted))
    assert exc.path == path
    last = out[-1].model_dump(exclude_none=True)
    assert {k: last[k] for k in shown} == shown
    if path == ("step", "minutes"):
        assert out[-1].step.text == "t"
    # the last item is the same as when the text comes whole
    whole, _ = await run_to_error([text], partial(Counted))
    assert whole[-1].model_dump() == out[-1].model_dump()


async def test_throttle_after_partial_delivers_what_came_before_the_error() -> None:
    text = '{"a": "x", "count": "bad"}'
    out, exc = await run_to_error(list(text), lambda s: throttle(3600)(partial(Counted)(s)))
    assert exc.path == ("count",)
    assert out[-1].a == "x"


async def test_items_before_an_invalid_element_in_the_same_chunk_are_delivered(
    chunking: Callable[[str], list[str]],
) -> None:
    text = json.dumps([{"text": t, "minutes": m} for t, m in [("a", 1), ("b", 2), ("c", -1)]])
    out, exc = await run_to_error(chunking(text), items(Step))
    assert out == [Step(text="a", minutes=1), Step(text="b", minutes=2)]
    assert exc.path == (2, "minutes")


async def test_field_events_before_a_validation_error_are_delivered(
    chunking: Callable[[str], list[str]],
) -> None:
    text = '{"a": "x", "count": 1, "title": "too long"}'
    out, exc = await run_to_error(chunking(text), field_events(Counted))
    assert [(e.path, e.value) for e in out] == [(("a",), "x"), (("count",), 1)]
    assert exc.path == ("title",)
