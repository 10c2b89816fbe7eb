"""Partial model hydration: the sync cores (ModelHydrator, ItemHydrator) and Partial classes."""

from __future__ import annotations

import copy
import dataclasses
import datetime
import decimal
import enum
import json
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal

import pytest
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from typing_extensions import TypedDict

from streamops.errors import IncompleteJSONError, StreamValidationError, format_path
from streamops.models import (
    ItemHydrator,
    ModelHydrator,
    Partial,
    partial_model,
)


class Kind(enum.Enum):
    BOOK = "book"
    FOOD = "food"


class Item(BaseModel):
    title: str
    price: float = Field(gt=0)
    kind: Literal["book", "food"]
    tags: list[str] = []


class Order(BaseModel):
    customer: str
    items: list[Item]
    total: int | None = None
    category: Kind = Kind.BOOK
    note: str = "none"


ORDER = {
    "customer": "Ada \u00e9\u00e8 \U0001f600",
    "items": [
        {"title": "Dune", "price": 9.5, "kind": "book", "tags": ["sf", "classic"]},
        {"title": "Rice", "price": 2, "kind": "food"},
    ],
    "total": 123,
    "category": "food",
}
ORDER_TEXT = json.dumps(ORDER, ensure_ascii=False)


def hydrate(model: Any, chunks: list[str], **kwargs: Any) -> list[Any]:
    """Feed chunks through a ModelHydrator as partial() does: a snapshot per change."""
    h: ModelHydrator[Any] = ModelHydrator(model, **kwargs)
    out = [h.snapshot() for chunk in chunks if h.feed(chunk)]
    out.extend(h.close())
    return out


def by_3(text: str) -> list[str]:
    return [text[i : i + 3] for i in range(0, len(text), 3)]


# --- snapshots ------------------------------------------------------------------


def test_final_value_equals_model_validate_json(chunking: Callable[[str], list[str]]) -> None:
    out = hydrate(Order, chunking(ORDER_TEXT))
    assert out[-1] == Order.model_validate_json(ORDER_TEXT)
    assert type(out[-1]) is Order
    assert all(isinstance(s, Partial) for s in out[:-1])
    assert not isinstance(out[-1], Partial)


def test_a_whole_document_in_one_chunk_yields_only_the_model() -> None:
    assert hydrate(Order, [ORDER_TEXT]) == [Order.model_validate_json(ORDER_TEXT)]


def test_snapshot_is_an_instance_of_the_generated_partial_class() -> None:
    h = ModelHydrator(Order)
    assert h.feed('{"customer": "A')
    snap = h.snapshot()
    assert type(snap) is Partial[Order]
    assert snap.customer == "A"
    assert snap["customer"] == "A"
    assert snap.items is None
    assert snap.total is None


def test_string_field_appears_with_its_opening_quote_and_grows() -> None:
    h = ModelHydrator(Order)
    h.feed('{"customer": ')
    assert h.snapshot().customer is None
    assert h.feed('"')
    assert h.snapshot().customer == ""
    assert h.feed("Ad")
    assert h.snapshot().customer == "Ad"
    assert h.feed('a"')
    assert h.snapshot().customer == "Ada"


def test_numbers_appear_only_complete() -> None:
    h = ModelHydrator(Order)
    h.feed('{"total": 12')
    assert h.snapshot().total is None
    assert not h.feed("3")  # still a number in progress: nothing new to show
    assert h.feed(",")
    assert h.snapshot().total == 123


def test_literal_and_enum_appear_only_complete_and_validated() -> None:
    h = ModelHydrator(Order)
    h.feed('{"category": "fo')
    assert h.snapshot().category is None
    h.feed('od", "items": [{"kind": "bo')
    snap = h.snapshot()
    assert snap.category is Kind.FOOD
    assert snap.items[0].kind is None
    h.feed('ok"')
    assert h.snapshot().items[0].kind == "book"


def test_dates_uuids_decimals_appear_only_complete() -> None:
    class Event(BaseModel):
        at: datetime.datetime
        id: uuid.UUID
        amount: decimal.Decimal

    h = ModelHydrator(Event)
    h.feed('{"at": "2024-05-01T10:')
    assert h.snapshot().at is None
    h.feed('00:00Z", "id": "12345678-1234-5678-1234-5678')
    snap = h.snapshot()
    assert snap.at == datetime.datetime(2024, 5, 1, 10, tzinfo=datetime.timezone.utc)
    assert snap.id is None
    h.feed('12345678", "amount": "1.50"}')
    (final,) = h.close()
    assert final.amount == decimal.Decimal("1.50")
    assert final.id == uuid.UUID("12345678-1234-5678-1234-567812345678")


def test_list_grows_by_elements_and_completed_elements_are_real_models() -> None:
    h = ModelHydrator(Order)
    h.feed('{"items": [{"title": "Dune", "price": 9.5, "kind": "book"}, {"title": "R')
    snap = h.snapshot()
    assert len(snap.items) == 2
    assert type(snap.items[0]) is Item
    assert type(snap.items[1]) is Partial[Item]
    assert snap.items[1].title == "R"


def test_pending_is_told_apart_from_explicit_null() -> None:
    h = ModelHydrator(Order)
    h.feed('{"total": null, "customer": "A')
    snap = h.snapshot()
    assert snap.total is None
    assert snap.note is None
    assert snap.is_complete("total")
    assert not snap.is_complete("note")
    assert not snap.is_complete("customer")
    assert snap.model_fields_set == {"total", "customer"}
    assert h.is_complete(("total",))
    assert not h.is_complete(())


def test_is_complete_reads_nested_paths_and_patterns() -> None:
    h = ModelHydrator(Order)
    h.feed('{"items": [{"title": "Dune", "price": 9.5, "kind": "book"}, {"title": "R')
    snap = h.snapshot()
    assert snap.is_complete("items[0]")
    assert snap.is_complete(("items", 0, "price"))
    assert not snap.is_complete("items[1].title")
    assert not snap.is_complete("items")
    assert snap.items[1].is_complete(()) is False
    assert ("items", 0, "title") in snap.completed_paths
    with pytest.raises(ValueError, match="concrete path"):
        snap.is_complete("items[*]")


def test_a_kept_snapshot_does_not_change_and_completed_values_are_shared() -> None:
    h = ModelHydrator(Order)
    h.feed('{"items": [{"title": "Dune", "price": 9.5, "kind": "book"}, {"title": "R')
    first = h.snapshot()
    before = copy.deepcopy(first)
    h.feed('ice", "price": 2, "kind": "food"}], "customer": "Bo')
    second = h.snapshot()
    assert first == before
    assert first.items[1].title == "R"
    assert first.is_complete("items[0]")
    assert not first.is_complete("items[1]")
    assert second.is_complete("items[1]")
    assert second.items[0] is first.items[0]  # completed values are shared


def test_snapshot_before_any_json_is_an_empty_partial() -> None:
    h = ModelHydrator(Order)
    assert not h.feed("Sure! Here is the JSON: ")
    snap = h.snapshot()
    assert type(snap) is Partial[Order]
    assert snap.model_fields_set == set()


def test_lenient_framing_is_skipped() -> None:
    text = "Here:\n```json\n" + ORDER_TEXT + "\n```\nDone."
    assert hydrate(Order, by_3(text))[-1] == Order.model_validate_json(ORDER_TEXT)


def test_snapshot_after_completion_is_the_final_value_and_close_does_not_repeat_it() -> None:
    h = ModelHydrator(Order)
    assert h.feed(ORDER_TEXT)
    final = h.snapshot()
    assert type(final) is Order
    assert h.done
    assert h.close() == []


def test_truncated_stream_raises_incomplete_json() -> None:
    h = ModelHydrator(Order)
    h.feed('{"customer": "Ada", "items": [')
    with pytest.raises(IncompleteJSONError):
        h.close()


def test_snapshots_serialise_without_warnings() -> None:
    # pytest turns warnings into errors: a mismatch with the partial annotations would fail.
    for snap in hydrate(Order, by_3(ORDER_TEXT))[:-1]:
        json.loads(snap.model_dump_json())
        snap.model_dump(mode="json")


# --- validation -----------------------------------------------------------------


def test_invalid_literal_raises_when_the_value_completes() -> None:
    text = '{"customer": "A", "items": [{"title": "x", "price": 1, "kind": "toy"}, {"title": "y"'
    h = ModelHydrator(Order)
    end = text.index('"toy"') + len('"toy"')
    with pytest.raises(StreamValidationError) as info:
        for ch in text:
            h.feed(ch)
    err = info.value
    assert err.path == ("items", 0, "kind")
    assert err.value == "toy"
    assert err.errors[0]["type"] == "literal_error"
    assert err.errors[0]["loc"] == ("items", 0, "kind")
    assert err.received == text[:end]


def test_constraint_violation_in_element_3_raises_before_the_end() -> None:
    elems = [{"title": f"t{i}", "price": 1 if i != 3 else -5, "kind": "book"} for i in range(8)]
    text = json.dumps({"customer": "A", "items": elems})
    h = ModelHydrator(Order)
    with pytest.raises(StreamValidationError) as info:
        for chunk in by_3(text):
            h.feed(chunk)
    err = info.value
    assert err.path == ("items", 3, "price")
    assert err.errors[0]["type"] == "greater_than"
    # Raised as soon as the number was known to be complete (its delimiter arrived).
    stop = text.index("-5") + 2
    assert stop < len(err.received) <= stop + 3
    assert len(err.received) < len(text) / 2


def test_wrong_enum_value_raises_with_pydantic_details() -> None:
    with pytest.raises(StreamValidationError) as info:
        hydrate(Order, ['{"category": "toys", "customer": "x"'])
    assert info.value.path == ("category",)
    assert info.value.errors[0]["type"] == "enum"


def test_field_validators_run_when_the_field_completes() -> None:
    class Shout(BaseModel):
        word: str
        other: int = 0

        @field_validator("word")
        @classmethod
        def loud(cls, v: str) -> str:
            if v == "no":
                raise ValueError("no is not allowed")
            return v.upper()

    h = ModelHydrator(Shout)
    h.feed('{"word": "hi", "other": ')
    assert h.snapshot().word == "HI"
    with pytest.raises(StreamValidationError, match="no is not allowed") as info:
        hydrate(Shout, ['{"word": "no", ', '"other": 1}'])
    assert info.value.received == '{"word": "no", '


def test_field_validator_reading_other_fields_is_checked_with_its_object() -> None:
    class Range(BaseModel):
        low: int
        high: int

        @field_validator("high")
        @classmethod
        def above_low(cls, v: int, info: ValidationInfo) -> int:
            if v < info.data["low"]:
                raise ValueError("high must be >= low")
            return v

    assert hydrate(Range, by_3('{"low": 1, "high": 5}'))[-1] == Range(low=1, high=5)
    with pytest.raises(StreamValidationError, match="high must be >= low"):
        hydrate(Range, by_3('{"low": 9, "high": 5}'))


def test_model_validators_run_on_the_whole_object() -> None:
    class Pair(BaseModel):
        a: int
        b: int

        @model_validator(mode="after")
        def different(self) -> Pair:
            if self.a == self.b:
                raise ValueError("a and b must differ")
            return self

    class Outer(BaseModel):
        pairs: list[Pair]
        tail: str

    text = '{"pairs": [{"a": 1, "b": 2}, {"a": 3, "b": 3}], "tail": "xxxxxxxx"}'
    with pytest.raises(StreamValidationError, match="a and b must differ") as info:
        hydrate(Outer, by_3(text))
    assert info.value.path == ("pairs", 1)
    assert "tail" not in info.value.received


def test_missing_required_fields_are_named_at_the_end() -> None:
    with pytest.raises(StreamValidationError) as info:
        hydrate(Order, by_3('{"items": []}'))
    assert "missing required field: $.customer" in str(info.value)
    assert [e["loc"] for e in info.value.errors] == [("customer",)]
    with pytest.raises(StreamValidationError, match=r"\$\.items\[0\]\.price"):
        hydrate(Order, by_3('{"customer": "a", "items": [{"title": "x", "kind": "book"}]}'))


def test_defaults_and_default_factory_fill_the_final_value() -> None:
    class WithDefaults(BaseModel):
        a: int = 1
        b: list[int] = Field(default_factory=lambda: [7])
        c: str | None = None

    h = ModelHydrator(WithDefaults)
    h.feed('{"c": "x"')
    assert h.snapshot().a is None  # not received: pending, not the default
    h.feed("}")
    assert h.snapshot() == WithDefaults(a=1, b=[7], c="x")


def test_collect_mode_keeps_going_and_raises_everything_at_the_end() -> None:
    text = json.dumps(
        {
            "customer": "A",
            "items": [
                {"title": "a", "price": -1, "kind": "book"},
                {"title": "b", "price": 2, "kind": "toy"},
                {"title": "c", "price": 3, "kind": "food"},
            ],
        }
    )
    h = ModelHydrator(Order, on_error="collect")
    snaps = [h.snapshot() for chunk in by_3(text) if h.feed(chunk)]
    last = snaps[-1]
    assert [e.path for e in h.errors] == [("items", 0, "price"), ("items", 1, "kind")]
    assert [e.path for e in last.validation_errors] == [("items", 0, "price"), ("items", 1, "kind")]
    assert last.items[0].price is None  # the invalid value is not shown
    assert last.items[2] == Item(title="c", price=3, kind="food")
    with pytest.raises(StreamValidationError) as info:
        h.close()
    assert {e["loc"] for e in info.value.errors} == {("items", 0, "price"), ("items", 1, "kind")}


def test_on_error_must_be_known() -> None:
    with pytest.raises(ValueError, match="on_error"):
        ModelHydrator(Order, on_error="ignore")  # type: ignore[arg-type]


def test_root_array_for_a_model_fails_at_once() -> None:
    h = ModelHydrator(Order)
    with pytest.raises(StreamValidationError) as info:
        h.feed("[")
    assert info.value.errors[0]["type"] == "model_type"


def test_context_reaches_validators() -> None:
    class Ctx(BaseModel):
        x: int

        @field_validator("x")
        @classmethod
        def scale(cls, v: int, info: ValidationInfo) -> int:
            return v * (info.context or {}).get("factor", 1)

    assert hydrate(Ctx, ['{"x": 2}'], context={"factor": 10}) == [Ctx(x=20)]


# --- types ------------------------------------------------------------------------


def test_aliases_map_json_keys_to_fields() -> None:
    class Person(BaseModel):
        model_config = ConfigDict(populate_by_name=True)

        first_name: str = Field(alias="firstName")
        age: int = Field(validation_alias=AliasChoices("age", "years"))

    h = ModelHydrator(Person)
    h.feed('{"firstName": "Ad')
    assert h.snapshot().first_name == "Ad"
    h.feed('a", "years": 36}')
    assert h.close() == [Person(firstName="Ada", age=36)]
    assert hydrate(Person, ['{"first_name": "B', '", "age": 1}'])[-1].first_name == "B"


def test_extra_forbid_raises_when_the_unknown_value_completes() -> None:
    class Strict(BaseModel):
        model_config = ConfigDict(extra="forbid")
        a: int

    with pytest.raises(StreamValidationError) as info:
        hydrate(Strict, ['{"a": 1, "b": [1, ', "2], ", '"c": 3}'])
    assert info.value.path == ("b",)
    assert info.value.value == [1, 2]
    assert info.value.errors[0]["type"] == "extra_forbidden"
    assert info.value.received == '{"a": 1, "b": [1, 2], '


def test_extra_allow_is_shown_and_extra_ignore_is_dropped() -> None:
    class Loose(BaseModel):
        model_config = ConfigDict(extra="allow")
        a: int

    h = ModelHydrator(Loose)
    h.feed('{"a": 1, "more": {"x": "y')
    snap = h.snapshot()
    assert snap.model_extra == {"more": {"x": "y"}}
    h.feed('"}}')
    assert h.snapshot().more == {"x": "y"}

    out = hydrate(Item, ['{"title": "t", "junk": {"deep": ["x", 1]}, "price": 1, "kind": "book"}'])
    assert out == [Item(title="t", price=1, kind="book")]


def test_discriminated_union_picks_the_variant_when_the_tag_completes() -> None:
    class Cat(BaseModel):
        type: Literal["cat"]
        name: str
        lives: int = 9

    class Dog(BaseModel):
        type: Literal["dog"]
        name: str
        good: bool = True

    class Home(BaseModel):
        pet: Cat | Dog = Field(discriminator="type")
        others: list[Annotated[Cat | Dog, Field(discriminator="type")]] = []

    h = ModelHydrator(Home)
    h.feed('{"pet": {"name": "Rex", "ty')
    assert h.snapshot().pet == {"name": "Rex"}  # before the tag: what is known, raw
    h.feed('pe": "dog", "good": fal')
    snap = h.snapshot()
    assert type(snap.pet) is Partial[Dog]
    assert snap.pet.name == "Rex"
    assert snap.pet.good is None
    h.feed('se}, "others": [{"type": "cat", "name": "Tom", "lives": 3}]}')
    assert h.snapshot() == Home(
        pet=Dog(type="dog", name="Rex", good=False),
        others=[Cat(type="cat", name="Tom", lives=3)],
    )
    with pytest.raises(StreamValidationError) as info:
        hydrate(Home, ['{"pet": {"type": "cow", "name": "x"', "}}"])
    assert info.value.errors[0]["type"] == "union_tag_invalid"
    assert info.value.received == '{"pet": {"type": "cow", "name": "x"'
    with pytest.raises(StreamValidationError) as info:
        hydrate(Home, ['{"pet": {"type": "cat", "lives": "many"', "}}"])
    assert info.value.path == ("pet", "lives")


def test_plain_unions_validate_as_pydantic_does() -> None:
    class A(BaseModel):
        a: int

    class B(BaseModel):
        b: str

    class U(BaseModel):
        v: A | B
        w: int | str
        x: list[int] | str

    text = '{"v": {"b": "hi"}, "w": "7x", "x": [1, 2]}'
    out = hydrate(U, by_3(text))
    assert out[-1] == U.model_validate_json(text)
    h = ModelHydrator(U)
    h.feed('{"w": "ab')
    assert h.snapshot().w == "ab"  # str is one of the choices: it grows


def test_recursive_models() -> None:
    class Node(BaseModel):
        value: int
        children: list[Node] = []

    text = '{"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}, {"value": 4}]}'
    out = hydrate(Node, by_3(text))
    assert out[-1] == Node.model_validate_json(text)
    deep = [s for s in out[:-1] if s.children and s.children[0].children]
    assert deep
    assert type(deep[0].children[0]) is Partial[Node]


def test_containers_tuple_set_dict() -> None:
    class Bag(BaseModel):
        pair: tuple[int, str]
        ids: set[int]
        scores: dict[str, float]
        nested: dict[str, list[Item]] = {}

    text = (
        '{"pair": [1, "a"], "ids": [3, 1, 3], "scores": {"x": 1.5, "y": 2},'
        ' "nested": {"k": [{"title": "t", "price": 1, "kind": "food"}]}}'
    )
    h = ModelHydrator(Bag)
    h.feed('{"pair": [1, "a"], "ids": [3, 1')
    snap = h.snapshot()
    assert snap.pair == (1, "a")
    assert snap.ids == [3]
    h.feed(', 3], "scores": {"x": 1.5, "y"')
    assert h.snapshot().scores == {"x": 1.5}
    h.feed(text[len('{"pair": [1, "a"], "ids": [3, 1, 3], "scores": {"x": 1.5, "y"') :])
    assert h.close() == [Bag.model_validate_json(text)]
    with pytest.raises(StreamValidationError) as info:
        hydrate(Bag, ['{"pair": [1, "a"], "ids": [1], "scores": {"x": "high"}}'])
    assert info.value.path == ("scores", "x")


def test_annotated_constraints_on_elements_and_lists() -> None:
    class Tags(BaseModel):
        tags: Annotated[list[Annotated[str, Field(max_length=3)]], Field(max_length=2)]

    with pytest.raises(StreamValidationError) as info:
        hydrate(Tags, ['{"tags": ["ab", "abcd"', ', "x"]}'])
    assert info.value.path == ("tags", 1)
    with pytest.raises(StreamValidationError) as info:
        hydrate(Tags, ['{"tags": ["a", "b", "c"]', "}"])
    assert info.value.path == ("tags",)
    assert info.value.errors[0]["type"] == "too_long"


def test_optional_nested_model_and_null() -> None:
    class Inner(BaseModel):
        x: int

    class Outer(BaseModel):
        inner: Inner | None = None
        other: Inner | None = None

    h = ModelHydrator(Outer)
    h.feed('{"inner": {"x": 1')
    assert type(h.snapshot().inner) is Partial[Inner]
    h.feed('}, "other": null}')
    assert h.snapshot() == Outer(inner=Inner(x=1), other=None)


def test_typed_dict_root() -> None:
    class Movie(TypedDict):
        title: str
        year: int

    out = hydrate(Movie, by_3('{"title": "Alien", "year": 1979}'))
    assert out[-1] == {"title": "Alien", "year": 1979}
    assert all(isinstance(s, Partial) for s in out[:-1])
    assert out[-2]["title"] == "Alien"
    with pytest.raises(StreamValidationError):
        hydrate(Movie, ['{"title": "Alien", "year": "old"}'])


def test_dataclass_root() -> None:
    @dataclasses.dataclass
    class Point:
        x: int
        y: int = 0
        label: str = ""

    out = hydrate(Point, by_3('{"x": 3, "label": "p"}'))
    assert out[-1] == Point(3, 0, "p")
    assert type(out[-2]) is Partial[Point]


def test_partial_model_keeps_names_and_aliases_and_is_cached() -> None:
    class Aliased(BaseModel):
        user_name: str = Field(alias="userName")
        items: list[Item] = []

    cls = partial_model(Aliased)
    assert cls is Partial[Aliased]
    assert set(cls.model_fields) == {"user_name", "items"}
    assert cls.model_fields["user_name"].alias == "userName"
    assert all(not f.is_required() for f in cls.model_fields.values())
    empty = cls()
    assert empty.user_name is None
    assert empty.items is None
    assert not empty.is_complete("user_name")
    assert cls(userName="x").model_dump(by_alias=True) == {"userName": "x", "items": None}


def test_non_object_types_are_refused() -> None:
    with pytest.raises(TypeError, match="items"):
        ModelHydrator(list[Item])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        partial_model(int)


# --- items ------------------------------------------------------------------------


def test_items_yield_each_element_as_soon_as_it_completes(
    chunking: Callable[[str], list[str]],
) -> None:
    text = json.dumps([{"title": f"t{i}", "price": i + 1, "kind": "book"} for i in range(5)])
    h = ItemHydrator(Item)
    seen: list[tuple[int, Item]] = []
    fed = 0
    for chunk in chunking(text):
        fed += len(chunk)
        seen.extend((fed, item) for item in h.feed(chunk))
    seen.extend((fed, item) for item in h.close())
    assert [i for _, i in seen] == [Item.model_validate(e) for e in json.loads(text)]
    # each element arrives within a chunk of its closing brace, not at the end
    closes = [n + 1 for n, ch in enumerate(text) if ch == "}"]
    for (at, _), close in zip(seen, closes, strict=False):
        assert close <= at < close + max(len(c) for c in chunking(text))


def test_items_at_a_nested_path_and_scalars() -> None:
    h = ItemHydrator(Item, path="order.items[*]")
    text = '{"order": {"items": [{"title": "a", "price": 1, "kind": "food"}], "n": [1]}}'
    assert h.feed(text) == [Item(title="a", price=1, kind="food")]
    assert h.close() == []
    ints = ItemHydrator(int, path="xs[*]")
    assert ints.feed('{"xs": [1, 2, 3') == [1, 2]
    assert ints.feed("]}") == [3]


def test_items_invalid_element_raises_when_its_field_completes() -> None:
    h = ItemHydrator(Item)
    text = '[{"title": "a", "price": 1, "kind": "book"}, {"title": "b", "price": 0, '
    with pytest.raises(StreamValidationError) as info:
        h.feed(text)
    assert info.value.path == (1, "price")


def test_items_path_must_be_given() -> None:
    with pytest.raises(ValueError, match="path"):
        ItemHydrator(Item, path="$")


# --- field events -------------------------------------------------------------------


def test_field_events_report_every_completed_value_innermost_first() -> None:
    h = ModelHydrator(Order, events=True)
    h.feed('{"customer": "A", "items": [{"title": "x", "price": 1, "kind": "book"}]')
    events = h.take_events()
    assert [e.path for e in events] == [
        ("customer",),
        ("items", 0, "title"),
        ("items", 0, "price"),
        ("items", 0, "kind"),
        ("items", 0),
        ("items",),
    ]
    assert events[4].value == Item(title="x", price=1, kind="book")
    assert h.take_events() == []
    h.feed("}")
    h.close()
    (last,) = h.take_events()
    assert last.path == ()
    assert type(last.value) is Order


def test_before_validators_make_the_input_opaque_until_the_object_completes() -> None:
    class Renamed(BaseModel):
        a: int
        b: str

        @model_validator(mode="before")
        @classmethod
        def rename(cls, data: Any) -> Any:
            if isinstance(data, dict) and "A" in data:
                data = {**data, "a": data.pop("A")}
            return data

    class Holder(BaseModel):
        inner: Renamed
        csv: list[int]

        @field_validator("csv", mode="before")
        @classmethod
        def split(cls, v: Any) -> Any:
            return [int(x) for x in v.split(",")] if isinstance(v, str) else v

    h = ModelHydrator(Holder)
    h.feed('{"inner": {"A": 1, "b": "x')
    snap = h.snapshot()
    assert type(snap.inner) is Partial[Renamed]
    assert snap.inner.b == "x"  # shown as received, checked with the whole object
    h.feed('"}, "csv": "1,2,3"}')
    assert h.snapshot() == Holder(inner=Renamed(a=1, b="x"), csv=[1, 2, 3])


def test_any_dicts_of_any_and_root_models_are_shown_raw_and_validated_whole() -> None:
    from pydantic import RootModel

    class Names(RootModel[list[str]]):
        pass

    class Loose(BaseModel):
        anything: Any
        data: dict[str, Any]
        names: Names

    text = '{"anything": {"k": [1, "two"]}, "data": {"x": {"y": "z"}}, "names": ["a", "b"]}'
    out = hydrate(Loose, by_3(text))
    assert out[-1] == Loose.model_validate_json(text)
    shown = [s.anything for s in out[:-1] if s.anything is not None]
    assert {"k": [1, ""]} in shown  # raw JSON, strings growing
    assert shown[-1] == {"k": [1, "two"]}
    for snap in out[:-1]:
        json.loads(snap.model_dump_json())


# --- repeated keys ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path"),
    [
        # valid then valid: json.loads and model_validate_json keep the last one
        ('{"count": 1, "count": 2, "title": "t"}', ("count",)),
        # a value the repeat would have overwritten does not decide anything:
        # the repeated key is refused where it is, whatever came before
        ('{"count": 3, "title": "t", "count": [1]}', ("count",)),
        ('{"title": "t", "title": "u", "count": 2}', ("title",)),
        ('{"title": "t", "count": 2, "meta": {"a": 1, "a": 2}}', ("meta", "a")),
        ('{"title": "t", "count": 2, "raw": [{"x": 1, "x": 1}]}', ("raw", 0, "x")),
        ('{"title": "t", "count": 2, "junk": {"y": 1, "y": 2}}', ("junk", "y")),
        ('{"title": "t", "count": 2, "junk": 1, "junk": 2}', ("junk",)),
    ],
)
def test_a_repeated_key_is_refused_at_the_key(
    chunking: Callable[[str], list[str]], text: str, path: tuple[Any, ...]
) -> None:
    class Counted(BaseModel):
        count: int
        title: str
        meta: dict[str, int] = {}
        raw: Any = None

    json.loads(text)  # valid JSON, which json.loads reads "last wins"
    with pytest.raises(StreamValidationError) as info:
        hydrate(Counted, chunking(text))
    exc = info.value
    assert exc.path == path
    assert exc.errors[0]["type"] == "duplicate_key"
    assert exc.errors[0]["loc"] == path
    assert str(exc) == f"duplicate key {path[-1]!r} (path {format_path(path)})"
    # raised by the chunk that completed the repeated key, with the text so far
    key_end = text.index(f'"{path[-1]}"', text.index(f'"{path[-1]}"') + 1) + len(path[-1]) + 2
    assert text.startswith(exc.received)
    assert len(exc.received) >= key_end


def test_an_invalid_first_value_of_a_repeated_key_fails_as_itself() -> None:
    # The value completes before the repeat is known: its error comes first, in every
    # chunking, and the document is refused either way.
    text = '{"count": [1], "count": 2, "title": "t"}'
    for chunks in ([text], by_3(text), list(text)):
        with pytest.raises(StreamValidationError) as info:
            hydrate(BaseCount, chunks)
        assert info.value.path == ("count",)
        assert info.value.errors[0]["type"] == "int_type"


class BaseCount(BaseModel):
    count: int
    title: str


def test_collect_mode_keeps_the_first_value_of_a_repeated_key_and_fails() -> None:
    text = '{"count": 1, "title": "t", "count": 2, "title": "u"}'
    h = ModelHydrator(BaseCount, on_error="collect")
    snaps = [h.snapshot() for chunk in by_3(text) if h.feed(chunk)]
    assert all(s.count in (None, 1) for s in snaps)  # a shown value never changes
    assert snaps[-1].title == "t"
    assert [e.path for e in h.errors] == [("count",), ("title",)]
    with pytest.raises(StreamValidationError) as info:
        h.close()
    assert [e["loc"] for e in info.value.errors] == [("count",), ("title",)]
    assert info.value.message == "duplicate key 'count' (and 1 more)"


def test_items_refuse_a_repeated_key_inside_an_element() -> None:
    h = ItemHydrator(BaseCount, "[*]")
    assert h.feed('[{"count": 1, "title": "a"}, {"count": 2, "ti') == [
        BaseCount(count=1, title="a")
    ]
    with pytest.raises(StreamValidationError) as info:
        h.feed('tle": "b", "count": 3}]')
    assert info.value.path == (1, "count")


# --- lone surrogates (json.loads keeps them; model_validate decides) -------------------


class Extras(BaseModel):
    model_config = ConfigDict(extra="allow")
    k: Any = None
    d: dict[str, int] = {}
    s: str = ""


@pytest.mark.parametrize(
    "text",
    [
        '{"\\ud800": 0}',
        '{"k": 1, "a\\udc00b": "x"}',
        '{"\\ud800": {"y": 1}}',
        '{"\\ud800": [1, "z"]}',
        '{"\\udc00\\ud800": null}',
    ],
)
def test_an_extra_key_with_a_lone_surrogate_is_refused_at_the_key(
    chunking: Callable[[str], list[str]], text: str
) -> None:
    # model_validate refuses such a key as an extra (string_unicode); partial() refuses it
    # when the key completes, in every chunking, and never shows it in a snapshot (a
    # snapshot with it could not be serialised: a bare UnicodeEncodeError from pydantic).
    key = next(iter(json.loads(text).keys() - {"k"}))
    with pytest.raises(ValidationError) as reference:
        Extras.model_validate(json.loads(text))
    h: ModelHydrator[Any] = ModelHydrator(Extras)
    with pytest.raises(StreamValidationError) as info:
        for chunk in chunking(text):
            if h.feed(chunk):
                h.snapshot().model_dump()
        h.close()
    exc = info.value
    assert exc.path == (key,)
    assert [e["type"] for e in exc.errors] == [e["type"] for e in reference.value.errors()]
    assert exc.errors[0]["loc"] == (key,)
    assert text.startswith(exc.received)


@pytest.mark.parametrize("extra", ["forbid", "allow"])
def test_a_lone_surrogate_key_is_refused_inside_nested_models_and_collected(extra: str) -> None:
    class Leaf(BaseModel):
        model_config = ConfigDict(extra=extra)  # type: ignore[typeddict-item]

    class Tree(BaseModel):
        leaves: list[Leaf]

    text = '{"leaves": [{}, {"\\ud800": 1}]}'
    with pytest.raises(StreamValidationError) as info:
        hydrate(Tree, [text])
    assert info.value.path == ("leaves", 1, "\ud800")
    assert info.value.errors[0]["type"] == "string_unicode"
    h = ModelHydrator(Tree, on_error="collect")
    assert h.feed(text)
    assert h.snapshot().leaves[1].model_dump() == {}  # the member is left out
    with pytest.raises(StreamValidationError) as info:
        h.close()
    assert [e["type"] for e in info.value.errors] == ["string_unicode"]


@pytest.mark.parametrize(
    "text",
    [
        '{"d": {"\\ud800": 1}}',  # a dict key
        '{"s": "a\\udc00b", "k": "\\ud800"}',  # string values
        '{"k": {"\\ud800": 1}}',  # a key inside Any
        '{"k": 1, "\\ud800\\udc00": 2}',  # a pair is one character
    ],
)
def test_lone_surrogates_model_validate_accepts_are_accepted(
    chunking: Callable[[str], list[str]], text: str
) -> None:
    out = hydrate(Extras, chunking(text))
    assert out[-1] == Extras.model_validate(json.loads(text))
    for snap in out:
        snap.model_dump()


def test_a_discriminator_that_is_an_object_or_array_is_a_validation_error() -> None:
    class Cat(BaseModel):
        kind: Literal["cat"]

    class Dog(BaseModel):
        kind: Literal["dog"]

    class Pets(BaseModel):
        pet: Cat | Dog = Field(discriminator="kind")

    for text in ('{"pet": {"kind": {"a": 1}}}', '{"pet": {"kind": [1]}}'):
        with pytest.raises(ValidationError) as reference:
            Pets.model_validate_json(text)
        for chunks in ([text], list(text)):
            with pytest.raises(StreamValidationError) as info:  # was a bare TypeError
                hydrate(Pets, chunks)
            assert info.value.path == ("pet",)
            assert info.value.errors[0]["type"] == reference.value.errors()[0]["type"]


def test_a_container_a_field_cannot_hold_is_shown_only_once_valid(
    chunking: Callable[[str], list[str]],
) -> None:
    class Typed(BaseModel):
        numbers: list[int] = []
        count: int | None = None
        raw: Any = None

    text = '{"raw": {"a": [1]}, "numbers": {"x": 1}}'
    h: ModelHydrator[Any] = ModelHydrator(Typed)
    with pytest.raises(StreamValidationError) as info:
        for chunk in chunking(text):
            if h.feed(chunk):
                snap = h.snapshot()
                assert snap.numbers is None
                snap.model_dump()  # no serializer warning (warnings are errors here)
    assert info.value.path == ("numbers",)
    assert all(s.numbers is None for s in info.value.events)
