"""Partial Pydantic models: hydrate a typed object field by field as the model writes it.

Three operators, one engine, all linear in the length of the text:

* :func:`partial` yields snapshots, instances of a generated ``Partial[Model]``
  (every field optional, same field names), one per chunk that changed what
  they show, and finally the validated ``Model``;
* :func:`items` yields each element of a list as a validated model the
  moment it completes (the "``Iterable[T]``" use case);
* :func:`field_events` yields a :class:`FieldEvent` each time a value
  completes and passes validation.

How a snapshot shows a field:

* a string field appears with its opening quote and grows;
* numbers, booleans, ``null``, enums, literals, dates, UUIDs, decimals appear
  only once complete **and valid** (never ``12`` before ``123``, never a
  prefix of a literal);
* a list grows element by element; an open nested object is a ``Partial`` of
  its own type; an object or array where the field's type cannot hold one
  (a ``{`` for a ``list[int]``) is not shown while open;
* a completed value is its **validated** value: a completed nested model is an
  instance of the real model class (``isinstance(v, Partial)`` is False), an
  enum field holds the enum member. Snapshot objects are never the final value.

Taking a snapshot costs O(1), however long the open string or large the open
list grows and however many items completed: a snapshot records how much it
shows and is built when it is first read (see :class:`ModelHydrator`).

Each value is validated against its real type (constraints, field validators)
the moment it completes; a failure raises :class:`~streamops.StreamValidationError`
at once (``path``, ``value``, pydantic's ``errors``, ``.received``), so the
caller can stop the generation. Like a JSON error, whatever the chunking: what
came before the error position (where the bad value completes) is delivered
first, then the error (see :func:`partial`, :func:`items`, :func:`field_events`).
The whole object finally goes through the model's own validation (model
validators, defaults, required fields).
Completed subtrees are validated once and reused, so per-chunk cost is bounded
by the open path, not the document.

**A repeated key is refused.** ``{"count": 1, "count": 2}`` is valid JSON that
``json.loads`` and pydantic read "last wins", but here the first value has
already been shown and validated (and may have failed) by the time the repeat
arrives: taking the last one would change a value reported complete, and
would make the early error and the final result disagree. So every object
these operators hydrate (ignored members included; for :func:`items`, within
each element) must not repeat a key (as I-JSON, RFC 7493, requires): the
repeat raises :class:`~streamops.StreamValidationError` as soon as the key
completes, at its path, with error type ``"duplicate_key"``. A first value that
is itself invalid fails first, where it is. With ``on_error="collect"`` the
first value is kept, the repeat's value is dropped and ``close()`` raises.

**An extra's key must be valid Unicode.** ``json.loads`` keeps a lone
surrogate escape (``"\\ud800"``) as it is, and the final value is
``model_validate`` of what it reads: that accepts lone surrogates in strings,
dict keys and ignored keys, but refuses one in the key of an extra
(``string_unicode``). Such a key is refused when it completes, at its path
(``extra="allow"`` or ``"forbid"``), under the same rule as a repeated key.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Sequence
from itertools import islice
from typing import Any, ClassVar, Generic, Literal, NoReturn, TypeVar, overload

import pydantic
from pydantic import BaseModel, ConfigDict, PrivateAttr

from . import _models_plan as _plan
from ._core import SnapshotStream, Stream, operator, snapshot_operator
from ._models_engine import (
    MISSING,
    SKIP,
    Capture,
    Engine,
    FieldEvent,
    Frame,
    OpenSeq,
    OpenText,
    Tracker,
    View,
    realize,
)
from ._models_plan import OBJECT, ObjectPlan, Slot, root_slot
from .errors import JSONStreamError, StreamopsError, StreamValidationError
from .json._events import Path, Scalar, StartArray, StartObject
from .json._parser import JSONParser
from .json.paths import WILDCARD, PathMatcher, parse_pattern

__all__ = [
    "FieldEvent",
    "ItemHydrator",
    "ModelHydrator",
    "Partial",
    "field_events",
    "items",
    "partial",
    "partial_model",
]

M = TypeVar("M")
Chunk = str | bytes
OnError = Literal["raise", "collect"]

_BY_NAME: dict[str, Any] = (
    {"validate_by_name": True}
    if tuple(int(p) for p in pydantic.VERSION.split(".")[:2]) >= (2, 11)
    else {"populate_by_name": True}
)


# pydantic's own storage of an instance's fields, extras and private attributes (slots);
# their setters are faster than ``object.__setattr__`` and store the real values under
# Partial's properties.
_dict_slot: Any = BaseModel.__dict__["__dict__"]
_extra_slot: Any = BaseModel.__dict__["__pydantic_extra__"]
_fields_set_slot: Any = BaseModel.__dict__["__pydantic_fields_set__"]
_private_slot: Any = BaseModel.__dict__["__pydantic_private__"]
_base_getattr: Callable[[Any, str], Any] = BaseModel.__dict__["__getattr__"]
_set_dict: Callable[[Any, Any], None] = _dict_slot.__set__
_set_fields_set: Callable[[Any, Any], None] = _fields_set_slot.__set__
_set_extra: Callable[[Any, Any], None] = _extra_slot.__set__
_set_private: Callable[[Any, Any], None] = _private_slot.__set__
_new = object.__new__  # what BaseModel.__new__ is


def _view_of(obj: Any) -> View | None:
    """A snapshot's :class:`View` (made from its capture the first time it is asked for)."""
    try:
        private = _private_slot.__get__(obj)
    except AttributeError:  # not initialised yet
        return None
    if not private:
        return None
    view = private.get("_view")
    if view.__class__ is tuple:  # taken, not read yet (see Engine.capture)
        captured = view
        view = private["_view"] = View(captured[0], (), captured[1], captured[2])
        view.pending = captured
    return view  # type: ignore[no-any-return]


def _pending_view(obj: Any) -> View | None:
    """The view of a snapshot that still has a part to build, else ``None``."""
    view = _view_of(obj)
    if view is None or view.pending is None:
        return None
    return view


def _build_pending(obj: Any, view: View) -> None:
    """Build what a snapshot shows (once, when first read): the whole snapshot if it was only
    captured, then its open member and its extras."""
    pending = view.pending
    if pending[0].__class__ is Tracker:  # a capture: nothing built yet
        built = _build_snapshot(pending)
        _set_dict(obj, _dict_slot.__get__(built))
        _set_fields_set(obj, _fields_set_slot.__get__(built))
        _set_extra(obj, _extra_slot.__get__(built))
        pending = view.pending = _private_slot.__get__(built)["_view"].pending
        if pending is None:
            return
    empty, key, child, extra = pending
    view.pending = None
    if key is not None:
        values = empty.copy()  # the fields in their declared order
        values.update(_dict_slot.__get__(obj))
        values[key] = realize(child)
        _set_dict(obj, values)
    if extra is not None:
        _set_extra(obj, realize(extra))


def _get_dict(obj: Any) -> dict[str, Any]:
    view = _pending_view(obj)
    if view is not None:
        _build_pending(obj, view)
    return _dict_slot.__get__(obj)  # type: ignore[no-any-return]


def _get_extra(obj: Any) -> dict[str, Any] | None:
    view = _pending_view(obj)
    if view is not None:
        _build_pending(obj, view)
    return _extra_slot.__get__(obj)  # type: ignore[no-any-return]


def _get_fields_set(obj: Any) -> set[str]:
    view = _pending_view(obj)
    if view is not None:
        _build_pending(obj, view)
    return _fields_set_slot.__get__(obj)  # type: ignore[no-any-return]


class Partial(BaseModel, Generic[M]):
    """Base class of every generated ``Partial[Model]``: a snapshot of an object being written.

    ``Partial[Model]`` (or :func:`partial_model`) is a pydantic model with the
    same field names (and aliases) as ``Model``, every field optional with
    default ``None``. Snapshots are built without validation; what each field
    holds is described in :mod:`streamops.models`.

    ``None`` can mean "not started yet" or "explicitly null": ask
    :meth:`is_complete`. ``model_fields_set`` holds the fields that have
    started. Values also read like a mapping, ``snap["title"]``, so code and
    templates written for a ``TypedDict`` work unchanged.

    >>> from pydantic import BaseModel
    >>> class Todo(BaseModel):
    ...     title: str
    ...     done: bool = False
    >>> PartialTodo = Partial[Todo]
    >>> PartialTodo.__name__, PartialTodo(title="Bu")
    ('Partial[Todo]', Partial[Todo](title='Bu', done=None))
    """

    model_config = ConfigDict(
        extra="ignore",
        protected_namespaces=(),
        arbitrary_types_allowed=True,
        **_BY_NAME,  # type: ignore[typeddict-item]
    )
    _view: Any = PrivateAttr(default=None)

    __partial_origin__: ClassVar[Any] = None

    # A snapshot is built only when it is read (then its open member, a growing string
    # or container, and its extras, only when they are read): through an attribute, or
    # anything that reads the instance's ``__dict__`` / ``__pydantic_extra__`` /
    # ``__pydantic_fields_set__`` (repr, ==, model_dump, copy, pickle, iteration), all
    # of which go through these properties.
    __dict__ = property(_get_dict, _dict_slot.__set__)
    __pydantic_extra__ = property(_get_extra, _extra_slot.__set__)
    __pydantic_fields_set__ = property(_get_fields_set, _fields_set_slot.__set__)

    def __getattr__(self, name: str) -> Any:
        # Only for names not in the instance dict: the open member, extras, private ones.
        if name[:1] != "_":
            view = _pending_view(self)
            if view is not None:
                _build_pending(self, view)
                values = _dict_slot.__get__(self)
                if name in values:
                    return values[name]
        return _base_getattr(self, name)

    def __class_getitem__(cls, model: Any) -> Any:
        return partial_model(model)

    def is_complete(self, path: str | Sequence[str | int] = ()) -> bool:
        """Whether the value at ``path`` (relative to this object) had completed and passed
        validation when this snapshot was taken.

        ``path`` is a tuple of keys and indexes, or a pattern like ``"items[0].title"``;
        keys are the JSON keys (aliases, where a field has one). ``()`` is this
        object itself (a snapshot is complete only once the final value exists).
        Always False on an instance that did not come from a stream.
        """
        view = _view_of(self)
        if view is None:
            return False
        return view.is_complete(_to_path(path))

    @property
    def completed_paths(self) -> list[Path]:
        """Every path (relative to this object) whose value had completed, in completion order.

        Built on demand (it scans what completed in the whole stream so far).
        """
        view = _view_of(self)
        return [] if view is None else view.completed_paths()

    @property
    def validation_errors(self) -> list[StreamValidationError]:
        """With ``on_error="collect"``: the errors seen when this snapshot was taken."""
        view = _view_of(self)
        return [] if view is None else view.validation_errors()

    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None


class _PartialAllowExtra(Partial):  # type: ignore[type-arg]  # (Partial[...] makes a class)
    """Base of partial classes for models with ``extra="allow"``."""

    model_config = ConfigDict(extra="allow")


_plan.partial_bases[:] = [Partial, _PartialAllowExtra]


def _to_path(path: str | Sequence[str | int]) -> Path:
    if isinstance(path, str):
        steps = parse_pattern(path)
        if any(s is WILDCARD for s in steps):
            raise ValueError(f"is_complete() needs a concrete path, not a pattern: {path!r}")
        return steps
    return tuple(path)


def partial_model(model: Any) -> type[Partial[Any]]:
    """The ``Partial[...]`` class of a model, dataclass or TypedDict (built once, cached).

    Same field names and aliases; every field ``Optional`` with default
    ``None``; a nested model field accepts ``Partial[Nested]`` (open) or
    ``Nested`` (complete), recursively through lists and dicts.

    >>> from pydantic import BaseModel, Field
    >>> class Plan(BaseModel):
    ...     title: str = Field(alias="Title")
    ...     steps: list[str]
    >>> P = partial_model(Plan)
    >>> P is Partial[Plan], P.model_fields["steps"].annotation
    (True, typing.Optional[list[str]])
    >>> P(Title="Trip").model_dump(by_alias=True)
    {'Title': 'Trip', 'steps': None}

    Raises:
        TypeError: ``model`` is not an object type.
    """
    plan = _root_object_slot(model).plan
    assert isinstance(plan, ObjectPlan)
    assert plan.partial_cls is not None
    return plan.partial_cls  # type: ignore[return-value]


def _root_object_slot(model: Any) -> Slot:
    slot = root_slot(model)
    if slot.plan.kind != OBJECT:
        raise TypeError(
            f"partial() needs a pydantic model, a dataclass or a TypedDict, not {model!r};"
            " for the elements of an array use items()"
        )
    return slot


def _new_partial(
    cls: type[BaseModel],
    values: dict[str, Any],
    fields_set: set[str],
    extra: dict[str, Any] | None,
    view: View,
) -> BaseModel:
    """A snapshot instance, made as ``model_construct`` would, without its checks."""
    obj = _new(cls)
    _set_dict(obj, values)
    _set_fields_set(obj, fields_set)
    _set_extra(obj, extra)
    _set_private(obj, {"_view": view})
    return obj


def _thaw(values: Any, make: Callable[[Frame, int, int, Any, Any], Any]) -> None:
    """Build the shown value of invalid containers kept as frames (``on_error="collect"``;
    such a frame is complete: all its members are shown)."""
    pairs = enumerate(values) if values.__class__ is list else list(values.items())
    for k, v in pairs:
        if v.__class__ is Frame:
            n_extra = len(v.extra) if v.extra is not None else 0
            values[k] = realize(make(v, len(v.disp), n_extra, None, MISSING))


def _build_snapshot(captured: Capture) -> Any:
    """The snapshot ``captured`` as a new ``Partial`` (its open member still pending)."""
    tracker, seq, nerr, frames, box, n_text, key, root = captured

    def thaw(values: Any) -> None:
        _thaw(values, make)

    def make(f: Frame, n: int, n_extra: int, key: Any, child: Any) -> Any:
        # O(1) per frame, except a model's own fields (copied: a fixed number).
        kind = f.kind
        if kind == OBJECT:
            plan: ObjectPlan = f.plan  # type: ignore[assignment]
            values = plan.empty.copy()
            disp = f.disp
            if len(disp) == n:
                values.update(disp)
                fields_set = set(disp)
            else:  # members completed since: not shown
                shown = dict(islice(disp.items(), n))
                values.update(shown)
                fields_set = set(shown)
            if f.frozen:
                _thaw(values, make)
            view = View(tracker, f.path, seq, nerr)
            open_key: Any = None
            extra_key: Any = None
            extra_child: Any = MISSING
            if child is not MISSING and key is not None:
                if key in values:
                    fields_set.add(key)
                    if child.__class__ is OpenText or child.__class__ is OpenSeq:
                        del values[key]  # built when read (see Partial.__getattr__)
                        open_key = key
                    else:
                        values[key] = child
                elif plan.extra == "allow":
                    extra_key, extra_child = key, child
            have = f.extra
            extra: Any = {} if plan.extra == "allow" else None
            if n_extra or extra_key is not None:
                extra = OpenSeq(
                    have if have is not None else {},
                    n_extra,
                    extra_key,
                    extra_child,
                    thaw if f.frozen else None,
                )
            if open_key is not None or extra.__class__ is OpenSeq:
                view.pending = (plan.empty, open_key, child, extra)
                extra = None if extra.__class__ is OpenSeq else extra
            assert plan.partial_cls is not None
            return _new_partial(plan.partial_cls, values, fields_set, extra, view)
        if kind == SKIP:
            return MISSING
        return OpenSeq(f.disp, n, key, child, thaw if f.frozen else None)

    # from the innermost open container out
    value: Any = MISSING if box is None else OpenText(box, n_text)
    for f, n, n_extra in reversed(frames):
        value = make(f, n, n_extra, key, value)
        key = f.dkey
        if f.hidden:
            value = MISSING
    if value is MISSING:
        top: ObjectPlan = root  # type: ignore[assignment]
        assert top.partial_cls is not None
        value = _new_partial(
            top.partial_cls, top.empty.copy(), set(), None, View(tracker, (), seq, nerr)
        )
    return value


class ModelHydrator(Generic[M]):
    """The sync core of :func:`partial` and :func:`field_events`: JSON text in, typed state out.

    ``feed(chunk)`` parses the chunk, validates every value it completed and
    says whether what a snapshot shows changed; ``snapshot()`` takes the
    current ``Partial[Model]`` (cost: O(1), see below); ``close()`` ends the
    input and returns ``[final]`` unless ``snapshot()`` already returned the
    final value. No event loop needed.

    **Taking a snapshot is O(1), whatever has accumulated**: it records, for
    each open container on the path to the value being written, how many
    members it showed, and the length of the open string; nothing is copied.
    The snapshot is built when it is first read (an attribute, ``repr``,
    ``==``, ``model_dump``, ``model_fields_set``...): the root and each open
    nested object then become ``Partial`` objects (their own fields copied),
    while the open string, the open lists and dicts and an ``extra="allow"``
    model's extras are built when they are read (one O(size) copy, once, and
    only for a snapshot that reads them). Completed values are shared between
    snapshots, never copied. A snapshot never changes: kept and read later, it
    shows what it showed when taken. Once the document is complete,
    ``snapshot()`` returns the validated ``Model`` itself.

    Args:
        model: a pydantic model class, a dataclass or a ``TypedDict``.
        on_error: ``"raise"`` (default) raises :class:`~streamops.StreamValidationError`
            the moment an invalid value completes. ``"collect"`` keeps going:
            the invalid value is left out of snapshots (``None`` in lists), the
            errors are listed in ``errors`` and in each snapshot's
            ``validation_errors``, and ``close()`` raises one error with all
            of pydantic's details.
        context: passed to pydantic as the validation ``context``.
        lenient: as for :class:`~streamops.json.JSONParser`.
        max_depth: as for :class:`~streamops.json.JSONParser`.
        events: record a :class:`FieldEvent` per completed value, taken with
            :meth:`take_events`.

    >>> from pydantic import BaseModel
    >>> class Pet(BaseModel):
    ...     name: str
    ...     age: int
    >>> h = ModelHydrator(Pet)
    >>> h.feed('{"name": "Bis'), h.snapshot()
    (True, Partial[Pet](name='Bis', age=None))
    >>> h.feed('cuit", "age": 1'), h.snapshot()  # 1 may become 12: not shown yet
    (True, Partial[Pet](name='Biscuit', age=None))
    >>> h.is_complete("name"), h.is_complete("age")
    (True, False)
    >>> h.feed("2}"), h.snapshot(), h.close()
    (True, Pet(name='Biscuit', age=12), [])
    """

    __slots__ = (
        "_cls",
        "_delivered",
        "_dirty",
        "_engine",
        "_events",
        "_parser",
        "_slot",
        "_tracker",
    )

    def __init__(
        self,
        model: type[M],
        *,
        on_error: OnError = "raise",
        context: Any = None,
        lenient: bool = True,
        max_depth: int = 512,
        events: bool = False,
        _fragments: bool = True,
    ) -> None:
        if on_error not in ("raise", "collect"):
            raise ValueError(f"on_error must be 'raise' or 'collect', not {on_error!r}")
        self._slot = _root_object_slot(model)
        self._cls: Any = self._slot.plan.partial_cls  # type: ignore[attr-defined]
        self._parser = JSONParser(lenient=lenient, max_depth=max_depth, fragments=_fragments)
        self._tracker = Tracker()
        self._events: list[FieldEvent] | None = [] if events else None
        self._engine = Engine(
            self._slot,
            received=self._received,
            tracker=self._tracker,
            record=self._events,
            collect=on_error == "collect",
            context=context,
        )
        self._delivered = False
        self._dirty = False  # what a snapshot shows changed since the last snapshot()

    def _received(self) -> str:
        return self._parser.received

    @property
    def received(self) -> str:
        """All the text fed so far."""
        return self._parser.received

    @property
    def done(self) -> bool:
        """True once the whole object has completed and passed validation."""
        return self._engine.done and self._engine.error is None

    @property
    def errors(self) -> list[StreamValidationError]:
        """The validation errors collected so far (``on_error="collect"``)."""
        return list(self._tracker.errors)

    def is_complete(self, path: str | Sequence[str | int] = ()) -> bool:
        """Whether the value at ``path`` (JSON keys, indexes) completed and passed validation."""
        return _to_path(path) in self._tracker.completed

    def feed(self, chunk: Chunk) -> bool:
        """Parse a chunk; return True if a snapshot taken now would show something new
        (since the last :meth:`snapshot`).

        On an error, whatever the chunking: the error's ``events`` hold one
        snapshot showing everything before the error position, unless the last
        :meth:`snapshot` already showed exactly that. For malformed JSON, the
        values before the error position are validated first (an invalid one
        raises its own error: it comes first in the text). For an invalid value,
        the position is where the value completes: the snapshot shows the
        fields completed before it, and, for a string field, its text as an
        open string (its characters came before its closing quote).
        """
        try:
            events = self._parser.feed(chunk)
            if events and self._engine.process(events):
                self._dirty = True
        except JSONStreamError as exc:
            self._fail(exc)
        except StreamValidationError as exc:
            self._invalid(exc)
        return self._dirty

    def _process(self, events: Sequence[Any]) -> None:
        try:
            if self._engine.process(events):
                self._dirty = True
        except StreamValidationError as exc:
            self._invalid(exc)

    def _invalid(self, exc: StreamValidationError) -> NoReturn:
        """The engine refused a value (see :meth:`Engine.process`)."""
        if self._engine.shown_before_error:
            self._dirty = True
        self._fail(exc)

    def _fail(self, exc: StreamopsError) -> NoReturn:
        """Raise ``exc`` with the snapshot showing what came before it (if not shown yet)."""
        if exc.__class__ is not StreamValidationError and exc.events:
            self._process(exc.events)  # (an invalid value there comes first)
        exc.events = (self.snapshot(),) if self._dirty else ()
        raise exc

    def take_events(self) -> list[FieldEvent]:
        """The :class:`FieldEvent` s recorded since the last call (with ``events=True``)."""
        out = self._events
        if not out:
            return []
        taken = out.copy()
        out.clear()
        return taken

    def snapshot(self) -> Any:
        """The current ``Partial[Model]``, or the validated ``Model`` once complete."""
        engine = self._engine
        self._dirty = False
        if engine.done and engine.error is None:
            self._delivered = True
            return engine.value
        obj = _new(self._cls)
        _set_private(obj, {"_view": engine.capture()})  # built when read
        return obj

    def close(self) -> list[M]:
        """End the input: the final validated value (unless :meth:`snapshot` returned it).

        Raises:
            IncompleteJSONError: the text ended before the object did.
            StreamValidationError: with ``on_error="collect"``, if any value was invalid.
        """
        try:
            events = self._parser.close()
        except JSONStreamError as exc:
            self._fail(exc)
        if events:
            self._process(events)
        engine = self._engine
        if engine.error is not None:
            self._fail(engine.error)
        if self._delivered:
            return []
        self._delivered = True
        return [engine.value]


class ItemHydrator(Generic[M]):
    """The sync core of :func:`items`: validated elements out as soon as each completes.

    ``feed(chunk)`` returns the elements the chunk completed, in order;
    ``close()`` the last ones (and raises if the text ended inside the
    document). Only the elements at ``path`` are built; everything else is
    skipped. Each element is validated field by field as it arrives, so an
    invalid element raises when its bad value completes.

    >>> from pydantic import BaseModel
    >>> class Task(BaseModel):
    ...     title: str
    >>> h = ItemHydrator(Task, path="tasks[*]")
    >>> h.feed('{"tasks": [{"title": "a"}, {"ti'), h.feed('tle": "b"}]}'), h.close()
    ([Task(title='a')], [Task(title='b')], [])
    """

    __slots__ = ("_context", "_depth", "_engine", "_matcher", "_parser", "_slot")

    def __init__(
        self,
        model: type[M] | Any,
        path: str = "[*]",
        *,
        context: Any = None,
        lenient: bool = True,
        max_depth: int = 512,
    ) -> None:
        steps = parse_pattern(path)
        if not steps:
            raise ValueError("items() needs the path of the elements, such as '[*]' or 'items[*]'")
        self._matcher = PathMatcher(steps)
        self._depth = len(steps)
        self._slot = root_slot(model)
        self._parser = JSONParser(lenient=lenient, max_depth=max_depth, fragments=False)
        self._engine: Engine | None = None
        self._context = context

    def _received(self) -> str:
        return self._parser.received

    @property
    def received(self) -> str:
        """All the text fed so far."""
        return self._parser.received

    def feed(self, chunk: Chunk) -> list[M]:
        """Parse a chunk; return the elements it completed.

        On an error (malformed JSON or an invalid element), the elements
        completed before the error position are the error's ``events``,
        whatever the chunking.
        """
        try:
            events = self._parser.feed(chunk)
        except JSONStreamError as exc:
            exc.events = self._route(exc.events) if exc.events else ()
            raise
        return self._route(events)

    def close(self) -> list[M]:
        """End the input; return the elements completed by its very end."""
        try:
            events = self._parser.close()
        except JSONStreamError as exc:
            exc.events = self._route(exc.events) if exc.events else ()
            raise
        return self._route(events)

    def _route(self, events: Sequence[Any]) -> list[M]:
        out: list[M] = []
        try:
            self._route_into(out, events)
        except StreamValidationError as exc:
            exc.events = out  # the elements before it
            raise
        return out

    def _route_into(self, out: list[M], events: Sequence[Any]) -> None:
        engine = self._engine
        depth = self._depth
        for ev in events:
            if engine is None:
                path = ev.path
                if len(path) != depth:
                    continue
                t = ev.__class__
                if t is not StartObject and t is not StartArray and t is not Scalar:
                    continue
                if not self._matcher.match(path):
                    continue
                engine = self._engine = Engine(
                    self._slot, received=self._received, context=self._context
                )
            engine.handle(ev)
            if engine.done:
                out.append(engine.value)
                engine = self._engine = None


# --- operators ---------------------------------------------------------------------


def partial(
    model: type[M],
    *,
    on_error: OnError = "raise",
    context: Any = None,
    lenient: bool = True,
    max_depth: int = 512,
) -> Callable[[AsyncIterable[Chunk]], SnapshotStream[Partial[M] | M]]:
    """Hydrate ``model`` from streamed JSON text: ``Partial[Model]`` snapshots, then the ``Model``.

    One snapshot per chunk that changed what a snapshot shows (a chunk that
    only advanced a number or a key shows nothing new and yields nothing);
    then the validated ``Model``, distinguished by its type: every snapshot
    is an instance of :class:`Partial`, the final value never is. Chunks may
    be cut anywhere. Put ``throttle()`` right after it and skipped snapshots
    are never built.

    Args:
        model: a pydantic model class, a dataclass or a ``TypedDict``.
        on_error: see :class:`ModelHydrator`.
        context: see :class:`ModelHydrator`.
        lenient: see :class:`ModelHydrator`.
        max_depth: see :class:`ModelHydrator`.

    Yields:
        ``Partial[Model]`` snapshots (see :class:`ModelHydrator` for what is
        shared between them), then the validated value.

    Raises:
        StreamValidationError: a value completed and is invalid (at once), or
            required fields are missing at the end (naming them).
        JSONStreamError: malformed JSON; IncompleteJSONError if the text ends early.

    Before an error, one snapshot shows everything before its position, unless
    the last one yielded already did; for an invalid value the position is
    where it completes, so the fields before it are shown, and an invalid
    string field with all its text. The last snapshot and the error are the
    same however the text was cut.

    Strings grow; the number appears once complete; the last item is the model:

    >>> from pydantic import BaseModel, Field
    >>> from streamops import drain, pipe
    >>> class City(BaseModel):
    ...     name: str
    ...     population: int = Field(ge=0)
    >>> for x in drain(pipe(['{"name": "Pa', 'ris", "popul', 'ation": 21', '02650}'],
    ...                      partial(City))):
    ...     print(repr(x))
    Partial[City](name='Pa', population=None)
    Partial[City](name='Paris', population=None)
    City(name='Paris', population=2102650)

    An invalid value stops the stream when it completes, after a snapshot of what came
    before it:

    >>> from streamops import StreamValidationError, iterate
    >>> try:
    ...     for x in iterate(['{"name": "Rome", "population": -1, "mayor": "...'],
    ...                      partial(City)):
    ...         print(repr(x))
    ... except StreamValidationError as exc:
    ...     print(exc.path, exc.errors[0]["type"])
    Partial[City](name='Rome', population=None)
    ('population',) greater_than_equal
    """
    _root_object_slot(model)  # fail early on a type that cannot be hydrated

    def make() -> ModelHydrator[M]:
        return ModelHydrator(
            model, on_error=on_error, context=context, lenient=lenient, max_depth=max_depth
        )

    return snapshot_operator(make)


@overload
def items(
    model: type[M],
    path: str = ...,
    *,
    context: Any = ...,
    lenient: bool = ...,
    max_depth: int = ...,
) -> Callable[[AsyncIterable[Chunk]], Stream[M]]: ...
@overload
def items(
    model: Any, path: str = ..., *, context: Any = ..., lenient: bool = ..., max_depth: int = ...
) -> Callable[[AsyncIterable[Chunk]], Stream[Any]]: ...
def items(
    model: Any,
    path: str = "[*]",
    *,
    context: Any = None,
    lenient: bool = True,
    max_depth: int = 512,
) -> Callable[[AsyncIterable[Chunk]], Stream[Any]]:
    """Yield each element at ``path`` as a validated ``model`` the moment it completes.

    ``path`` is a pattern (see :mod:`streamops.json.paths`): ``"[*]"`` (the
    default) for a top-level array, ``"items[*]"`` for ``{"items": [...]}``.
    Each element is validated field by field while it streams, so an invalid
    element fails as soon as its bad value completes; elements never wait for
    the end of the document. Linear in the text.

    Args:
        model: the element type (a model class, or any type pydantic validates).
        path: where the elements are.
        context: as for :func:`partial`.
        lenient: as for :func:`partial`.
        max_depth: as for :func:`partial`.

    Yields:
        validated elements, in document order.

    Raises:
        StreamValidationError: an element is invalid (after every element
            completed before it, whatever the chunking).

    >>> from pydantic import BaseModel
    >>> from streamops import drain, pipe
    >>> class Task(BaseModel):
    ...     title: str
    >>> drain(pipe(['{"tasks": [{"title": "a"}, {"tit', 'le": "b"}]}'],
    ...            items(Task, "tasks[*]")))
    [Task(title='a'), Task(title='b')]
    """
    ItemHydrator(model, path)  # fail early on a bad path or type
    return _items(model, path, context=context, lenient=lenient, max_depth=max_depth)


@operator
async def _items(
    source: AsyncIterable[Chunk],
    model: Any,
    path: str,
    *,
    context: Any,
    lenient: bool,
    max_depth: int,
) -> AsyncIterator[Any]:
    core: ItemHydrator[Any] = ItemHydrator(
        model, path, context=context, lenient=lenient, max_depth=max_depth
    )
    failed: StreamopsError | None = None
    async for chunk in source:
        try:
            found = core.feed(chunk)
        except StreamopsError as exc:
            failed = exc
            break
        for item in found:
            yield item
    if failed is None:
        try:
            found = core.close()
        except StreamopsError as exc:
            failed = exc
    if failed is not None:
        # (the elements completed before the error position, then the error)
        found, failed.events = list(failed.events), ()
    for item in found:
        yield item
    if failed is not None:
        raise failed


@operator
async def field_events(
    source: AsyncIterable[Chunk],
    model: Any,
    *,
    on_error: OnError = "raise",
    context: Any = None,
    lenient: bool = True,
    max_depth: int = 512,
) -> AsyncIterator[FieldEvent]:
    """Yield a :class:`FieldEvent` each time a value of ``model`` completes and passes validation.

    Every value counts (a field, a list element, a nested object), innermost
    first; the last event has ``path == ()`` and the validated root. For UIs
    that update one cell at a time. Paths use the JSON keys. On an error, every
    value completed before its position comes out first, whatever the chunking.

    Args:
        model: as for :func:`partial`.
        on_error: as for :func:`partial`.
        context: as for :func:`partial`.
        lenient: as for :func:`partial`.
        max_depth: as for :func:`partial`.

    >>> from pydantic import BaseModel
    >>> from streamops import drain, pipe
    >>> class Point(BaseModel):
    ...     x: int
    ...     y: int
    >>> for e in drain(pipe(['{"x": 1, "y"', ': 2}'], field_events(Point))):
    ...     print(e.path, repr(e.value))
    ('x',) 1
    ('y',) 2
    () Point(x=1, y=2)
    """
    core: ModelHydrator[Any] = ModelHydrator(
        model,
        on_error=on_error,
        context=context,
        lenient=lenient,
        max_depth=max_depth,
        events=True,
        _fragments=False,
    )
    failed: StreamopsError | None = None
    async for chunk in source:
        try:
            core.feed(chunk)
        except StreamopsError as exc:
            failed = exc
            break
        for event in core.take_events():
            yield event
    if failed is None:
        try:
            core.close()
        except StreamopsError as exc:
            failed = exc
    # (with an error: the values completed before its position, then the error)
    for event in core.take_events():
        yield event
    if failed is not None:
        failed.events = ()
        raise failed
