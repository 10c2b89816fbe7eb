"""model_patches / ModelPatchBuilder: the JSON form of partial() items, as RFC 6902 patches."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
from typing import Any, Literal

import jsonpatch
import pytest
from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from streamops import (
    FinalPatch,
    ModelPatchBuilder,
    StreamValidationError,
    iterate,
    model_patches,
    partial,
)


def rebuild(patches: list[list[dict[str, Any]]]) -> Any:
    doc: Any = {}
    for ops in patches:
        doc = jsonpatch.apply_patch(doc, json.loads(json.dumps(ops)))
    return doc


def cuts(text: str) -> list[list[str]]:
    return [[text], list(text), [text[i : i + 5] for i in range(0, len(text), 5)]]


class Color(enum.Enum):
    RED = "red"


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int = 9


class Dog(BaseModel):
    kind: Literal["dog"]
    good: bool = True


class Home(BaseModel):
    model_config = ConfigDict(extra="allow")

    owner_name: str = Field(alias="ownerName")
    color: Color
    since: datetime.date
    pet: Cat | Dog = Field(discriminator="kind")
    rooms: list[str] = []


HOME = (
    '{"ownerName": "Ana", "color": "red", "since": "2020-02-29", '
    '"pet": {"kind": "dog"}, "rooms": ["hall", "kitchen"], "garden": {"trees": [1, 2]}}'
)


def test_field_names_enums_dates_unions_and_extras_match_model_dump() -> None:
    final = Home.model_validate_json(HOME).model_dump(mode="json")
    assert final["owner_name"] == "Ana"  # field names, as model_dump shows them
    for chunks in cuts(HOME):
        patches = list(iterate(chunks, model_patches(Home)))
        assert isinstance(patches[-1], FinalPatch)
        assert rebuild(patches) == final
        assert all(op["op"] in ("add", "replace", "remove") for p in patches for op in p)


def test_append_format_sends_each_character_of_a_string_once() -> None:
    text = (
        '{"ownerName": "'
        + "x" * 200
        + '", "color": "red", "since": "2020-01-01", "pet": {"kind": "cat"}}'
    )
    chunks = [text[i : i + 3] for i in range(0, len(text), 3)]
    appended = [op for p in iterate(chunks, model_patches(Home, format="append")) for op in p]
    growing = [op for op in appended if op["path"] == "/owner_name"]
    assert growing[0]["op"] == "add"
    assert {op["op"] for op in growing[1:]} == {"append"}
    assert "".join([growing[0]["value"], *(op["value"] for op in growing[1:])]) == "x" * 200
    standard = [op for p in iterate(chunks, model_patches(Home)) for op in p]
    sent = sum(len(op["value"]) for op in standard if op["path"] == "/owner_name")
    assert sent > 10 * 200  # the whole string again at every chunk


@dataclasses.dataclass
class Point:
    x: int
    label: str = "origin"


class Shape(TypedDict):
    name: str
    points: list[Point]


@pytest.mark.parametrize("model", [Point, Shape])
def test_dataclasses_and_typed_dicts(model: Any) -> None:
    text = '{"x": 3}' if model is Point else '{"name": "tri", "points": [{"x": 1}, {"x": 2}]}'
    expected = {"x": 3, "label": "origin"} if model is Point else json.loads(text)
    if model is Shape:
        expected["points"] = [{"x": 1, "label": "origin"}, {"x": 2, "label": "origin"}]
    for chunks in cuts(text):
        assert rebuild(list(iterate(chunks, model_patches(model)))) == expected


class Pet(BaseModel):
    name: str
    age: int = Field(ge=0)


def test_an_invalid_value_ends_the_patches_like_partial_does() -> None:
    text = '{"name": "Rex", "age": -1, "x": "..."}'
    seen = []
    for chunks in cuts(text):
        shown: list[Any] = []
        with pytest.raises(StreamValidationError) as info:
            shown.extend(iterate(chunks, model_patches(Pet)))
        assert info.value.path == ("age",)
        seen.append(rebuild(shown))
        with pytest.raises(StreamValidationError):
            list(iterate(chunks, partial(Pet)))
    assert seen == [{"name": "Rex"}] * 3  # the same, however the text was cut


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="'rfc6902' or 'append'"):
        list(iterate(["{}"], model_patches(Pet, format="json-patch")))  # type: ignore[arg-type]


def test_any_state_can_be_diffed_removals_included() -> None:
    builder = ModelPatchBuilder()
    states: list[Any] = [
        {"a": [1, 2, 3], "b": {"c": "x"}},
        {"a": [1, 2], "b": {"c": "xy", "d": None}},
        {"a": [1.0, 2], "b": {"d": True}},
        {"a": [], "z": "new"},
    ]
    doc: Any = {}
    for state in states:
        ops = builder.feed(state)
        doc = jsonpatch.apply_patch(doc, ops)
        assert json.dumps(doc, sort_keys=True) == json.dumps(state, sort_keys=True)
    assert builder.feed(states[-1]) == []  # nothing changed: nothing sent


def test_patch_values_are_not_the_builders_own_copy() -> None:
    builder = ModelPatchBuilder()
    first = builder.feed({"items": [{"n": 1}]})
    builder.feed({"items": [{"n": 1, "m": 2}, {"n": 3}]})
    # an operation already handed out never changes afterwards
    assert first == [
        {"op": "replace", "path": "", "value": {}},
        {"op": "add", "path": "/items", "value": []},
        {"op": "add", "path": "/items/0", "value": {}},
        {"op": "add", "path": "/items/0/n", "value": 1},
    ]
