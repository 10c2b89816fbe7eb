"""Compiled hydration plans: what to do with a JSON value of a given pydantic type.

A *plan* is derived once per type from pydantic's core schema (the schema
pydantic itself validates with, so ``Annotated`` constraints, field
validators, aliases, discriminators and model config are all seen exactly as
pydantic sees them) and cached. A *slot* is a place a value can go (a model
field, a list element, a dict value); it knows its plan and owns a validator
for exactly that place, built lazily, once per model class.

Nothing here runs per chunk; :mod:`streamops._models_engine` walks the plans.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import threading
import uuid
from collections.abc import Iterator, Mapping
from typing import Any, Final, Literal, Optional, Union

from pydantic import BaseModel, Field, TypeAdapter, create_model
from pydantic_core import SchemaValidator

__all__ = [
    "ARRAY",
    "DICT",
    "OBJECT",
    "RAW",
    "RAW_PLAN",
    "RAW_SLOT",
    "SCALAR",
    "TAGGED",
    "ArrayPlan",
    "DictPlan",
    "ObjectPlan",
    "Plan",
    "Slot",
    "TaggedPlan",
    "root_slot",
]

# Plan kinds (small ints so the engine can branch cheaply).
SCALAR: Final = 0
OBJECT: Final = 1
ARRAY: Final = 2
DICT: Final = 3
RAW: Final = 4
TAGGED: Final = 5
UNION: Final = 6

Schema = Mapping[str, Any]

_lock = threading.RLock()

_SCALAR_TYPES: Final[dict[str, Any]] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "none": type(None),
    "decimal": decimal.Decimal,
    "datetime": datetime.datetime,
    "date": datetime.date,
    "time": datetime.time,
    "timedelta": datetime.timedelta,
    "uuid": uuid.UUID,
}
_ARRAY_TYPES: Final = frozenset({"list", "set", "frozenset", "tuple", "generator"})
_OBJECT_TYPES: Final = frozenset({"model", "dataclass", "typed-dict"})
_WRAPPERS: Final = frozenset({"function-after", "function-before", "function-wrap"})


# --- schema helpers -------------------------------------------------------------


class Scope:
    """The definitions (for ``definition-ref``) and the config a schema is read with."""

    __slots__ = ("config", "defs")

    def __init__(self, defs: dict[str, Schema], config: Any) -> None:
        self.defs = defs
        self.config = config

    @classmethod
    def of(cls, schema: Schema, config: Any = None) -> Scope:
        defs: dict[str, Schema] = {}
        _collect_defs(schema, defs)
        return cls(defs, config)

    def resolve(self, schema: Schema) -> Schema:
        """Follow ``definitions`` and ``definition-ref`` wrappers."""
        while True:
            t = schema["type"]
            if t == "definitions":
                schema = schema["schema"]
            elif t == "definition-ref":
                schema = self.defs[schema["schema_ref"]]
            else:
                return schema

    def validator(self, schema: Schema) -> SchemaValidator:
        """A validator for ``schema`` alone, with the definitions it needs and the config."""
        needed: dict[str, Schema] = {}
        inline: set[str] = set()
        todo = [schema]
        while todo:
            s = todo.pop()
            for ref, is_def in _refs(s):
                if is_def:
                    if s is not schema and ref == s.get("ref"):
                        continue  # a definition we add: its own ref is what it defines
                    inline.add(ref)
                elif ref not in needed and ref in self.defs:
                    needed[ref] = self.defs[ref]
                    todo.append(self.defs[ref])
        defs = [d for r, d in needed.items() if r not in inline]
        full: Any = schema
        if defs:
            full = {"type": "definitions", "schema": schema, "definitions": defs}
        return SchemaValidator(full, self.config)


def _walk(obj: Any) -> Iterator[Mapping[str, Any]]:
    stack = [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, Mapping):
            yield o
            stack.extend(o.values())
        elif isinstance(o, (list, tuple)):
            stack.extend(o)


def _refs(schema: Schema) -> Iterator[tuple[str, bool]]:
    """(ref, defined_here) for every definition-ref used and every ``ref`` defined inside."""
    for m in _walk(schema):
        t = m.get("type")
        if t == "definition-ref" and isinstance(m.get("schema_ref"), str):
            yield m["schema_ref"], False
        elif isinstance(t, str) and isinstance(m.get("ref"), str):
            yield m["ref"], True


def _collect_defs(schema: Schema, defs: dict[str, Schema]) -> None:
    for m in _walk(schema):
        t = m.get("type")
        if isinstance(t, str) and t != "definition-ref" and isinstance(m.get("ref"), str):
            defs.setdefault(m["ref"], m)


def _chain(schema: Schema, scope: Scope) -> tuple[list[str], Schema]:
    """The function-* layers (outermost first) and default/nullable-free core of a schema."""
    layers: list[str] = []
    s = scope.resolve(schema)
    while True:
        t = s["type"]
        if t in ("default", "nullable"):
            s = scope.resolve(s["schema"])
        elif t in _WRAPPERS:
            layers.append(t)
            s = scope.resolve(s["schema"])
        else:
            return layers, s


# --- slots and plans ------------------------------------------------------------


class Slot:
    """A place a value can go: its display name, its plan, and a validator for that place.

    ``validator`` is ``None`` where nothing is validated on its own (inside an
    opaque or raw subtree, validated as a whole when that completes).
    ``trivial`` means that the slot adds nothing to an object's own validation
    (so a validated instance goes in as it is).
    """

    __slots__ = ("_plan", "_trivial", "_validator", "name", "schema", "scope", "skip")

    def __init__(
        self,
        name: str | None,
        schema: Schema | None,
        scope: Scope | None,
        *,
        plan: Plan | None = None,
        skip: bool = False,
    ) -> None:
        self.name = name
        self.schema = schema
        self.scope = scope
        self.skip = skip
        self._plan = plan
        self._validator: SchemaValidator | bool | None = None if schema is not None else False
        self._trivial: bool | None = None

    @property
    def plan(self) -> Plan:
        plan = self._plan
        if plan is None:
            assert self.schema is not None
            assert self.scope is not None
            with _lock:
                plan = self._plan = plan_for(self.schema, self.scope)
        return plan

    @property
    def validator(self) -> SchemaValidator | None:
        v = self._validator
        if v is None:
            assert self.schema is not None
            assert self.scope is not None
            with _lock:
                v = self._validator = self.scope.validator(self.schema)
        return v if v is not False else None  # type: ignore[return-value]

    @property
    def trivial(self) -> bool:
        """True when the slot validates a validated instance of its object plan to itself."""
        t = self._trivial
        if t is None:
            plan = self.plan
            t = False
            if self.schema is None:
                t = True
            elif isinstance(plan, ObjectPlan):
                assert self.scope is not None
                layers, core = _chain(self.schema, self.scope)
                if isinstance(plan.cls, type) and issubclass(plan.cls, BaseModel):
                    t = core.get("cls") is plan.cls and len(layers) == plan.own_layers
                else:
                    t = core is plan.own_schema and not layers
            self._trivial = t
        return t

    def __repr__(self) -> str:
        return f"Slot({self.name!r}, {self.plan!r})"


class Plan:
    """How to hydrate one JSON value."""

    __slots__ = ("kind", "shows_text")

    def __init__(self, kind: int, shows_text: bool = False) -> None:
        self.kind = kind
        self.shows_text = shows_text

    def for_object(self) -> Plan:
        """The plan to use when the value turns out to be a JSON object."""
        return RAW_PLAN

    def for_array(self) -> Plan:
        """The plan to use when the value turns out to be a JSON array."""
        return RAW_PLAN

    def shows(self, is_obj: bool) -> bool:
        """Whether a JSON object (``is_obj``) or array is shown while it arrives: only where
        the type can hold one (a dict in a ``list[int]`` field is shown only once valid)."""
        return (self.for_object() if is_obj else self.for_array()) is not RAW_PLAN

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class ScalarPlan(Plan):
    __slots__ = ()

    def __init__(self, shows_text: bool) -> None:
        super().__init__(SCALAR, shows_text)


class RawPlan(Plan):
    """Any JSON, kept as it is (``Any`` fields, undecided unions, opaque subtrees)."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(RAW, True)

    def for_object(self) -> Plan:
        return self

    def for_array(self) -> Plan:
        return self

    def shows(self, is_obj: bool) -> bool:
        return True


RAW_PLAN: Final = RawPlan()
RAW_SLOT: Final = Slot(None, None, None, plan=RAW_PLAN)
SKIP_SLOT: Final = Slot(None, None, None, plan=RAW_PLAN, skip=True)


class ObjectPlan(Plan):
    """A model, dataclass or TypedDict: fields by JSON key, a partial class, its own validator."""

    __slots__ = (
        "_own",
        "by_key",
        "cls",
        "empty",
        "extra",
        "names",
        "opaque",
        "own_layers",
        "own_schema",
        "own_scope",
        "partial_cls",
        "passthrough",
        "typed_dict",
    )

    def __init__(self) -> None:
        super().__init__(OBJECT)
        self.cls: Any = None
        self.by_key: dict[str, Slot] = {}
        self.names: list[str] = []
        self.empty: dict[str, Any] = {}
        self.extra: str = "ignore"
        self.opaque = False
        self.passthrough = False
        self.typed_dict = False
        self.own_layers = 0
        self.own_schema: Schema = {}
        self.own_scope: Scope | None = None
        self.partial_cls: type[BaseModel] | None = None
        self._own: SchemaValidator | None = None

    @property
    def own(self) -> SchemaValidator:
        """The validator of the object itself (model validators included)."""
        v = self._own
        if v is None:
            with _lock:
                if isinstance(self.cls, type) and issubclass(self.cls, BaseModel):
                    v = self.cls.__pydantic_validator__  # type: ignore[assignment]
                else:
                    assert self.own_scope is not None
                    v = self.own_scope.validator(self.own_schema)
                self._own = v
        assert v is not None
        return v

    def for_object(self) -> Plan:
        return self

    def __repr__(self) -> str:
        return f"<ObjectPlan {getattr(self.cls, '__name__', self.cls)}>"


class ArrayPlan(Plan):
    """A list, set, frozenset or tuple: a slot per position (tuples) or one for all."""

    __slots__ = ("items", "rest")

    def __init__(self, items: list[Slot], rest: Slot | None) -> None:
        super().__init__(ARRAY)
        self.items = items
        self.rest = rest

    def item(self, index: int) -> Slot:
        if index < len(self.items):
            return self.items[index]
        return self.rest if self.rest is not None else RAW_SLOT

    def for_array(self) -> Plan:
        return self


class DictPlan(Plan):
    """A ``dict[str, X]``: one slot for every value."""

    __slots__ = ("value",)

    def __init__(self, value: Slot) -> None:
        super().__init__(DICT)
        self.value = value

    def for_object(self) -> Plan:
        return self


class UnionPlan(Plan):
    """A plain union: the JSON kind (object, array, scalar) picks the variant when it can."""

    __slots__ = ("_arr", "_obj", "_shows", "choices")

    def __init__(self, choices: list[Plan]) -> None:
        super().__init__(UNION, any(c.shows_text for c in choices))
        self.choices = choices
        objs = [c for c in choices if c.for_object() is not RAW_PLAN or c is RAW_PLAN]
        arrs = [c for c in choices if c.for_array() is not RAW_PLAN or c is RAW_PLAN]
        self._obj = objs[0].for_object() if len(objs) == 1 else RAW_PLAN
        self._arr = arrs[0].for_array() if len(arrs) == 1 else RAW_PLAN
        self._shows = (any(c.shows(False) for c in choices), any(c.shows(True) for c in choices))

    def shows(self, is_obj: bool) -> bool:
        return self._shows[is_obj]

    def for_object(self) -> Plan:
        return self._obj

    def for_array(self) -> Plan:
        return self._arr


class TaggedPlan(Plan):
    """A discriminated union: the variant is known once the discriminator key completes."""

    __slots__ = ("_plans", "choices", "key", "lookup", "scope")

    def __init__(self, key: str, choices: dict[Any, Schema], scope: Scope) -> None:
        super().__init__(TAGGED)
        self.key = key
        self.choices = choices
        self.scope = scope
        self.lookup: dict[Any, Any] = {}
        for tag in choices:
            self.lookup[(type(tag), tag)] = tag
            if isinstance(tag, enum.Enum):
                v = tag.value
                self.lookup.setdefault((type(v), v), tag)
        self._plans: dict[Any, Plan] = {}

    def variant(self, value: Any) -> Plan | None:
        """The plan for the discriminator value ``value`` (raw JSON), or ``None``."""
        if value.__class__ is dict or value.__class__ is list:
            return None  # (unhashable; never a tag)
        tag = self.lookup.get((type(value), value), _MISSING)
        if tag is _MISSING:
            return None
        plan = self._plans.get(tag)
        if plan is None:
            with _lock:
                plan = self._plans[tag] = plan_for(self.choices[tag], self.scope).for_object()
        return plan

    def for_object(self) -> Plan:
        return self


_MISSING: Any = object()


# --- building plans ------------------------------------------------------------

_model_plans: dict[type, ObjectPlan] = {}
_schema_plans: dict[tuple[int, int], tuple[Schema, Plan]] = {}


def plan_for(schema: Schema, scope: Scope) -> Plan:
    """The plan for a value validated by ``schema`` (read in ``scope``)."""
    s = scope.resolve(schema)
    t = s["type"]
    if t in ("default", "nullable", "function-after"):
        return plan_for(s["schema"], scope)
    if t == "model":
        cls = s["cls"]
        if s.get("root_model"):
            return RAW_PLAN
        return model_plan(cls)
    if t in ("function-before", "function-wrap", "function-plain"):
        # The input is transformed before it is validated: its structure is unknown,
        # unless this is the model's own validator (an opaque model: shown, not checked).
        _layers, core = _chain(s, scope)
        cls = core.get("cls")
        if core["type"] == "model" and not core.get("root_model") and isinstance(cls, type):
            plan = model_plan(cls)
            if plan.opaque:
                return plan
        if t != "function-plain":
            inner = plan_for(s["schema"], scope)
            if inner.kind == SCALAR:
                return inner
        return RAW_PLAN
    key = (id(s), id(scope.config))
    hit = _schema_plans.get(key)
    if hit is not None and hit[0] is s:
        return hit[1]
    built = _build(s, t, scope)
    _schema_plans[key] = (s, built)
    return built


def _build(s: Schema, t: str, scope: Scope) -> Plan:
    if t == "str":
        return ScalarPlan(True)
    if t in _ARRAY_TYPES:
        items = s.get("items_schema")
        if t == "tuple":
            slots = [Slot(None, i, scope) for i in (items or [])]
            var = s.get("variadic_item_index")
            if var is not None:
                return ArrayPlan(slots[:var], slots[var])
            return ArrayPlan(slots, None)
        return ArrayPlan([], Slot(None, items, scope) if items is not None else RAW_SLOT)
    if t == "dict":
        values = s.get("values_schema")
        return DictPlan(Slot(None, values, scope) if values is not None else RAW_SLOT)
    if t == "union":
        choices = [c[0] if isinstance(c, tuple) else c for c in s["choices"]]
        return UnionPlan([plan_for(c, scope) for c in choices])
    if t == "tagged-union":
        disc = s["discriminator"]
        if isinstance(disc, list) and len(disc) == 1 and len(disc[0]) == 1:
            disc = disc[0][0]
        if isinstance(disc, str):
            return TaggedPlan(disc, dict(s["choices"]), scope)
        return UnionPlan([plan_for(c, scope) for c in s["choices"].values()])
    if t in ("dataclass", "typed-dict"):
        return _object_plan(s, scope)
    if t == "any":
        return RAW_PLAN
    if t in ("lax-or-strict", "json-or-python"):
        inner = s.get("lax_schema") or s.get("python_schema")
        if inner is not None:
            return ScalarPlan(plan_for(inner, scope).shows_text)
    return ScalarPlan(False)


def model_plan(cls: type[BaseModel]) -> ObjectPlan:
    """The (cached) plan of a model class."""
    plan = _model_plans.get(cls)
    if plan is not None:
        return plan
    with _lock:
        plan = _model_plans.get(cls)
        if plan is not None:
            return plan
        if not getattr(cls, "__pydantic_complete__", True):
            cls.model_rebuild()
        root = cls.__pydantic_core_schema__
        scope = Scope.of(root)
        layers, core = _chain(root, scope)
        plan = ObjectPlan()
        _model_plans[cls] = plan  # before the fields: recursive models refer to themselves
        try:
            _fill_object(plan, core, Scope(scope.defs, core.get("config")))
        except BaseException:
            del _model_plans[cls]
            raise
        plan.own_layers = len(layers)
        plan.opaque = plan.opaque or any(layer != "function-after" for layer in layers)
        plan.passthrough = (core.get("config") or {}).get(
            "revalidate_instances", "never"
        ) == "never"
        if plan.opaque:
            _make_opaque(plan)
        plan.partial_cls = partial_class_for(plan)
        return plan


def _object_plan(s: Schema, scope: Scope) -> ObjectPlan:
    plan = ObjectPlan()
    inner_scope = Scope(scope.defs, s.get("config") or scope.config)
    _fill_object(plan, s, inner_scope)
    if plan.opaque:
        _make_opaque(plan)
    plan.own_schema = s
    plan.own_scope = scope
    plan.passthrough = s["type"] == "dataclass" and not s.get("revalidate_instances")
    plan.typed_dict = s["type"] == "typed-dict"
    plan.partial_cls = partial_class_for(plan)
    return plan


def _make_opaque(plan: ObjectPlan) -> None:
    """Fields shown as received (raw), validated only with the whole object."""
    for slot in plan.by_key.values():
        slot.schema, slot.scope, slot._plan, slot._validator = None, None, RAW_PLAN, False


def _fill_object(plan: ObjectPlan, s: Schema, scope: Scope) -> None:
    """Read the fields, aliases and extra behaviour of a model/dataclass/typed-dict schema."""
    plan.cls = s.get("cls")
    t = s["type"]
    config = scope.config or {}
    if t == "model":
        fields_schema = s["schema"]
        # Model validators in "before"/"wrap"/"plain" mode sit inside the model schema:
        # the fields are still known, but the input is transformed first (opaque).
        while fields_schema["type"] in _WRAPPERS or fields_schema["type"] == "function-plain":
            if fields_schema["type"] != "function-after":
                plan.opaque = True
            if "schema" not in fields_schema:
                break
            fields_schema = scope.resolve(fields_schema["schema"])
        fields = list(fields_schema.get("fields", {}).items())
        extra = fields_schema.get("extra_behavior") or config.get("extra_fields_behavior")
    elif t == "dataclass":
        args = scope.resolve(s["schema"])
        while args["type"] in _WRAPPERS and "schema" in args:
            if args["type"] != "function-after":
                plan.opaque = True
            args = scope.resolve(args["schema"])
        fields = [(f["name"], f) for f in args["fields"] if f.get("init", True)]
        extra = args.get("extra_behavior") or config.get("extra_fields_behavior")
    else:  # typed-dict
        fields = list(s["fields"].items())
        extra = s.get("extra_behavior") or config.get("extra_fields_behavior")
    plan.extra = extra or "ignore"
    by_name = bool(config.get("validate_by_name", config.get("populate_by_name", False)))
    by_alias = bool(config.get("validate_by_alias", True))
    for name, field in fields:
        slot = Slot(name, field["schema"], scope)
        plan.names.append(name)
        alias = field.get("validation_alias")
        keys: list[str] = []
        if alias is not None and by_alias:
            if isinstance(alias, str):
                keys.append(alias)
            else:
                keys.extend(p[0] for p in alias if len(p) == 1 and isinstance(p[0], str))
        if alias is None or by_name or not by_alias:
            keys.append(name)
        for k in keys:
            plan.by_key.setdefault(k, slot)
    plan.empty = dict.fromkeys(plan.names)


def root_slot(tp: Any) -> Slot:
    """The slot of a document's root value of type ``tp`` (a model class or any type)."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        plan = model_plan(tp)
        schema: Schema = tp.__pydantic_core_schema__
        validator = tp.__pydantic_validator__
        known = _model_slots.get(tp)
        # (reused while the class keeps its schema: model_rebuild() replaces it)
        if known is not None and known[0] is schema and known[1] is validator:
            return known[2]
        scope = Scope.of(schema)
        slot = Slot(None, schema, scope, plan=plan)
        slot._validator = validator  # type: ignore[assignment]
        _model_slots[tp] = (schema, validator, slot)
        return slot
    try:
        cached = _root_slots.get(tp)
    except TypeError:  # unhashable: not cached
        cached = None
    if cached is not None:
        return cached
    with _lock:
        adapter: TypeAdapter[Any] = TypeAdapter(tp)
        schema = adapter.core_schema
        scope = Scope.of(schema)
        slot = Slot(None, schema, scope)
        slot._validator = adapter.validator  # type: ignore[assignment]
        slot.plan  # noqa: B018 (built now, under the lock)
        try:
            _root_slots[tp] = slot
        except TypeError:
            pass
    return slot


_root_slots: dict[Any, Slot] = {}
_model_slots: dict[type[BaseModel], tuple[Schema, Any, Slot]] = {}


# --- generated partial classes -------------------------------------------------

# The base classes of generated partial classes (extra ignored, extra allowed); set by
# streamops.models, which defines them.
partial_bases: list[type[BaseModel]] = []


def partial_class_for(plan: ObjectPlan) -> type[BaseModel]:
    """The ``Partial[...]`` class of an object plan: same field names, every field optional."""
    base = partial_bases[1] if plan.extra == "allow" else partial_bases[0]
    cls = plan.cls
    name = getattr(cls, "__qualname__", None) or getattr(cls, "__name__", "Object")
    names = plan.names
    annotations: dict[str, Any] = {}
    slots_by_name = {}
    for slot in plan.by_key.values():
        if slot.name is not None:
            slots_by_name[slot.name] = slot
    model_fields = getattr(cls, "model_fields", {}) if isinstance(cls, type) else {}
    for fname in names:
        field_slot = slots_by_name.get(fname)
        ann: Any = Any
        if field_slot is not None and not plan.opaque and field_slot.schema is not None:
            assert field_slot.scope is not None
            ann = _display_type(field_slot.schema, field_slot.scope, 0)
        info = model_fields.get(fname)
        kwargs: dict[str, Any] = {"default": None}
        if info is not None:
            if info.alias is not None:
                kwargs["alias"] = info.alias
            if info.serialization_alias is not None:
                kwargs["serialization_alias"] = info.serialization_alias
            if info.description is not None:
                kwargs["description"] = info.description
        annotations[fname] = (Optional[ann], Field(**kwargs))  # noqa: UP045 (runtime object)
    new: type[BaseModel] = create_model(
        f"Partial[{name}]",
        __base__=base,
        __module__=getattr(cls, "__module__", __name__),
        **annotations,
    )
    new.__partial_origin__ = cls  # type: ignore[attr-defined]
    return new


def _display_type(schema: Schema, scope: Scope, depth: int) -> Any:
    """The type of what a snapshot shows for a value of ``schema`` (pending or complete)."""
    if depth > 8:
        return Any
    s = scope.resolve(schema)
    t = s["type"]
    if t in ("default", "nullable"):
        return _display_type(s["schema"], scope, depth + 1)
    if t in _SCALAR_TYPES:
        return _SCALAR_TYPES[t]
    if t == "literal":
        return Literal[tuple(s["expected"])]
    if t == "enum":
        return s["cls"]
    if t == "model" and not s.get("root_model"):
        cls = s["cls"]
        plan = model_plan(cls)
        if plan.partial_cls is None:
            return Any  # a recursive reference to a class being built
        return Union[plan.partial_cls, cls]  # noqa: UP007 (runtime object)
    if t in ("list", "generator") and s.get("items_schema") is not None:
        return list[_display_type(s["items_schema"], scope, depth + 1)]  # type: ignore[misc]
    if t == "dict" and s.get("values_schema") is not None:
        keys = scope.resolve(s.get("keys_schema") or {"type": "str"})
        if keys["type"] == "str":
            return dict[str, _display_type(s["values_schema"], scope, depth + 1)]  # type: ignore[misc]
    return Any
