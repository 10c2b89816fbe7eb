"""RFC 6902 patches of a ``partial(Model)`` stream: the sync core and the operator.

:class:`ModelPatchBuilder` keeps the document a client holds (plain JSON) and,
for each value fed (a ``Partial`` snapshot, then the validated model), returns
the operations that bring the client's copy to that value's JSON form. It
walks only what changed: snapshots share their completed values, so a member
that is the same object as last time is skipped at once, and a snapshot is
built along the open path; only a value that changed is converted to JSON and
compared, once, where it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic_core import to_jsonable_python

from ._core import ChunkCore, chunk_operator
from .errors import StreamopsError
from .json._snapshot import PatchFormat, check_patch_format, pointer
from .models import ModelHydrator, OnError, Partial

__all__ = ["FinalPatch", "ModelPatchBuilder", "model_patches"]

M = TypeVar("M")
Chunk = str | bytes
Op = dict[str, Any]


class FinalPatch(list):  # type: ignore[type-arg]
    """The last patch of :func:`model_patches`: it brings the client to the validated model.

    A plain ``list`` of operations (possibly empty, when the last snapshot
    already showed everything), marked so that :func:`~streamops.to_sse`
    sends it as ``event: final``.

    >>> FinalPatch([]) == [], isinstance(FinalPatch(), list)
    (True, True)
    """

    __slots__ = ()


class _Seen:
    """What the client's copy was built from: the source object, and its members' nodes
    (``dict`` for an object, ``list`` for an array, ``None`` for a value compared whole)."""

    __slots__ = ("kids", "obj")

    def __init__(self, obj: Any, kids: Any) -> None:
        self.obj = obj
        self.kids = kids


def _members(value: Any) -> list[tuple[str, Any]] | None:
    """The members a snapshot object shows (started fields only, then extras), or ``None``
    for a value that is not an open object."""
    if isinstance(value, Partial):
        started = value.model_fields_set
        out = [(name, getattr(value, name)) for name in type(value).model_fields if name in started]
        extra = value.model_extra
        if extra:
            out.extend(extra.items())
        return out
    if value.__class__ is dict:
        return list(value.items())
    return None


def _copy(value: Any) -> Any:
    """A fresh copy of a JSON value (containers only; scalars are immutable)."""
    if value.__class__ is dict:
        return {k: _copy(v) for k, v in value.items()}
    if value.__class__ is list:
        return [_copy(v) for v in value]
    return value


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON: ``1``, ``1.0`` and ``true`` differ."""
    if a.__class__ is not b.__class__:
        return False
    if a.__class__ is dict:
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    if a.__class__ is list:
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


class ModelPatchBuilder:
    """Turn ``partial(Model)`` items into RFC 6902 patches of their JSON form.

    ``feed(value)`` takes the next item of a ``partial()`` stream (a
    ``Partial[Model]`` snapshot, or the final validated model) and returns
    the operations (plain dicts) that bring the client's copy from the
    previous item's JSON form to this one's. ``value`` holds the client's
    copy: apply every patch, in order, to ``{}`` and you have it.

    The JSON form is ``model_dump(mode="json")`` (field names, enums by
    value, dates as strings), except that a field that has **not started**
    is absent rather than ``null``: an explicit ``null`` arrives as an
    ``add`` of ``None``, a field not arrived yet has no path. A completed
    nested model shows all its fields (defaults included); the last item,
    the validated model, is exactly ``model.model_dump(mode="json")``.

    The first patch starts with ``{"op": "replace", "path": "", "value":
    {}}`` (as :func:`~streamops.json.json_patches` does), so a client can
    reuse its document; drop that operation to patch into a state that
    already holds the object. A growing string is a ``replace`` of the whole
    string (``format="rfc6902"``, the default) or, with ``format="append"``,
    the streamops extension ``{"op": "append", "path": ..., "value":
    "more"}`` (see :class:`~streamops.json.PatchBuilder` for the trade-off).

    Cost per item: the members of the containers on the open path (the
    completed ones are skipped by identity), plus the JSON conversion of the
    values that changed. Works with any item that pydantic can turn into JSON
    (for instance snapshots of your own state), diffing what changed.

    >>> from pydantic import BaseModel
    >>> from streamops.models import ModelHydrator
    >>> class Pet(BaseModel):
    ...     name: str
    ...     age: int | None = None
    >>> h, patches = ModelHydrator(Pet), ModelPatchBuilder()
    >>> h.feed('{"name": "Bis'), patches.feed(h.snapshot())
    (True, [{'op': 'replace', 'path': '', 'value': {}},
     {'op': 'add', 'path': '/name', 'value': 'Bis'}])
    >>> h.feed('cuit", "age": null}'), patches.feed(h.snapshot())
    (True, [{'op': 'replace', 'path': '/name', 'value': 'Biscuit'},
     {'op': 'add', 'path': '/age', 'value': None}])
    >>> patches.value
    {'name': 'Biscuit', 'age': None}
    """

    __slots__ = ("_append", "_holder", "_seen", "format")

    def __init__(self, *, format: PatchFormat = "rfc6902") -> None:
        self.format = check_patch_format(format)
        self._append = format == "append"
        self._holder: list[Any] = [None]  # the client's document, as holder[0]
        self._seen: _Seen | None = None

    @property
    def value(self) -> Any:
        """The client's copy (``None`` before the first item). Updated in place: copy it to
        keep one state."""
        return self._holder[0]

    def feed(self, value: Any) -> list[Op]:
        """The operations that bring the client's copy to ``value``'s JSON form."""
        ops: list[Op] = []
        self._seen = self._sync(self._holder, 0, "", self._seen, value, ops)
        return ops

    # -- walking the source ------------------------------------------------------

    def _sync(
        self, holder: Any, key: Any, ptr: str, seen: _Seen | None, new: Any, ops: list[Op]
    ) -> _Seen:
        """Bring ``holder[key]`` (the client's copy at ``ptr``) to ``new``; return its node."""
        if seen is not None and seen.obj is new:
            return seen  # snapshots never change, and share their completed values
        members = _members(new)
        if members is not None:
            have = holder[key]
            if seen is None or seen.kids.__class__ is not dict or have.__class__ is not dict:
                self._set(holder, key, ptr, {}, ops)
                have = holder[key]
                kids: dict[str, _Seen] = {}
            else:
                kids = seen.kids
            fresh: dict[str, _Seen] = {}
            for name, member in members:
                child = kids.get(name)
                if child is None:
                    fresh[name] = self._add(have, name, ptr + pointer((name,)), member, ops)
                elif child.obj is member:
                    fresh[name] = child
                else:
                    fresh[name] = self._sync(have, name, ptr + pointer((name,)), child, member, ops)
            if len(fresh) != len(kids) or fresh.keys() != kids.keys():
                for name in kids.keys() - fresh.keys():
                    del have[name]
                    ops.append({"op": "remove", "path": ptr + pointer((name,))})
            return _Seen(new, fresh)
        if new.__class__ is list or new.__class__ is tuple:
            have = holder[key]
            if seen is None or seen.kids.__class__ is not list or have.__class__ is not list:
                self._set(holder, key, ptr, [], ops)
                have = holder[key]
                elements: list[_Seen] = []
            else:
                elements = seen.kids
            n_old, n_new = len(elements), len(new)
            # (completed elements are shared between snapshots: one identity test each)
            out = [
                e if e.obj is v else self._sync(have, i, f"{ptr}/{i}", e, v, ops)
                for i, (e, v) in enumerate(zip(elements, new, strict=False))
            ]
            out.extend(self._add(have, i, f"{ptr}/{i}", new[i], ops) for i in range(n_old, n_new))
            for i in range(n_old - 1, n_new - 1, -1):
                have.pop()
                ops.append({"op": "remove", "path": f"{ptr}/{i}"})
            return _Seen(new, out)
        # A value compared whole (a completed model, a scalar...): convert, then diff the JSON.
        self._diff(holder, key, ptr, to_jsonable_python(new, by_alias=False), ops)
        return _Seen(new, None)

    def _add(self, parent: Any, key: Any, ptr: str, new: Any, ops: list[Op]) -> _Seen:
        """A member or element the client does not have yet."""
        if _members(new) is not None or new.__class__ in (list, tuple):
            empty: Any = {} if new.__class__ not in (list, tuple) else []
            self._put(parent, key, ptr, empty, ops)
            if parent.__class__ is list:
                key = len(parent) - 1
            return self._sync(parent, key, ptr, _Seen(None, empty.copy()), new, ops)
        value = to_jsonable_python(new, by_alias=False)
        self._put(parent, key, ptr, value, ops)
        return _Seen(new, None)

    # -- plain JSON --------------------------------------------------------------

    def _put(self, parent: Any, key: Any, ptr: str, value: Any, ops: list[Op]) -> None:
        """``add`` a new member (or element, at the end)."""
        if parent.__class__ is list:
            parent.append(_copy(value))
        else:
            parent[key] = _copy(value)
        ops.append({"op": "add", "path": ptr, "value": value})

    def _set(self, holder: Any, key: Any, ptr: str, value: Any, ops: list[Op]) -> None:
        """``replace`` the value at ``ptr`` (the root included)."""
        holder[key] = _copy(value)
        ops.append({"op": "replace", "path": ptr, "value": value})

    def _diff(self, holder: Any, key: Any, ptr: str, new: Any, ops: list[Op]) -> None:
        """Bring the client's JSON at ``holder[key]`` to the JSON value ``new``."""
        old = holder[key]
        if old.__class__ is dict and new.__class__ is dict:
            for name, value in new.items():
                child = ptr + pointer((name,))
                if name in old:
                    self._diff(old, name, child, value, ops)
                else:
                    self._put(old, name, child, value, ops)
            for name in [name for name in old if name not in new]:
                del old[name]
                ops.append({"op": "remove", "path": ptr + pointer((name,))})
            return
        if old.__class__ is list and new.__class__ is list:
            n_old, n_new = len(old), len(new)
            for i in range(min(n_old, n_new)):
                self._diff(old, i, f"{ptr}/{i}", new[i], ops)
            for i in range(n_old, n_new):
                self._put(old, i, f"{ptr}/{i}", new[i], ops)
            for i in range(n_old - 1, n_new - 1, -1):
                old.pop()
                ops.append({"op": "remove", "path": f"{ptr}/{i}"})
            return
        if _same(old, new):
            return
        if (
            self._append
            and old.__class__ is str
            and new.__class__ is str
            and len(new) > len(old)
            and new.startswith(old)
        ):
            holder[key] = new
            ops.append({"op": "append", "path": ptr, "value": new[len(old) :]})
            return
        self._set(holder, key, ptr, new, ops)


class _ModelPatchCore:
    """``ModelHydrator`` then ``ModelPatchBuilder``: text in, patches out."""

    __slots__ = ("_build", "_hydrator")

    def __init__(self, hydrator: ModelHydrator[Any], build: ModelPatchBuilder) -> None:
        self._hydrator = hydrator
        self._build = build

    def _patches(self, values: Sequence[Any], final: bool) -> list[list[Op]]:
        out: list[list[Op]] = []
        for value in values:
            ops = self._build.feed(value)
            if final or not isinstance(value, Partial):
                out.append(FinalPatch(ops))
            elif ops:
                out.append(ops)
        return out

    def feed(self, chunk: Chunk) -> list[list[Op]]:
        hydrator = self._hydrator
        try:
            changed = hydrator.feed(chunk)
        except StreamopsError as exc:
            exc.events = tuple(self._patches(exc.events, False))
            raise
        return self._patches((hydrator.snapshot(),), False) if changed else []

    def close(self) -> list[list[Op]]:
        try:
            last = self._hydrator.close()
        except StreamopsError as exc:
            exc.events = tuple(self._patches(exc.events, False))
            raise
        return self._patches(last, True)


@chunk_operator
def model_patches(
    model: type[M],
    *,
    format: PatchFormat = "rfc6902",
    on_error: OnError = "raise",
    context: Any = None,
    lenient: bool = True,
    max_depth: int = 512,
) -> ChunkCore[Chunk, list[Op]]:
    """Hydrate ``model`` like :func:`~streamops.partial`, yielding JSON Patches instead of objects.

    After each chunk that changed what a snapshot shows, the operations
    that bring a client's copy up to date (see :class:`ModelPatchBuilder`
    for the JSON form: ``model_dump(mode="json")`` with the fields that have
    not started left out). The last item is a :class:`FinalPatch` (a list,
    possibly empty) that brings the copy to the validated model's
    ``model_dump(mode="json")``; :func:`~streamops.to_sse` sends it as
    ``event: final``. A typed model drives a UI without resending the whole
    object each time.

    Args:
        model: a pydantic model class, a dataclass or a ``TypedDict``.
        format: ``"rfc6902"`` (default: standard JSON Patch, a growing string
            is resent whole) or ``"append"`` (the streamops extension for
            strings, see :func:`~streamops.json.json_patches`).
        on_error: as for :func:`~streamops.partial`.
        context: as for :func:`~streamops.partial`.
        lenient: as for :func:`~streamops.partial`.
        max_depth: as for :func:`~streamops.partial`.

    Raises:
        StreamValidationError, JSONStreamError: as :func:`~streamops.partial`
            does, after the patch showing what came before the error.

    >>> from pydantic import BaseModel
    >>> from streamops import drain, pipe
    >>> class City(BaseModel):
    ...     name: str
    ...     population: int = 0
    >>> for patch in drain(pipe(['{"name": "Pa', 'ris", "population": 2', '102650}'],
    ...                         model_patches(City))):
    ...     print(type(patch).__name__, patch)
    list [{'op': 'replace', 'path': '', 'value': {}}, {'op': 'add', 'path': '/name', 'value': 'Pa'}]
    list [{'op': 'replace', 'path': '/name', 'value': 'Paris'}]
    FinalPatch [{'op': 'add', 'path': '/population', 'value': 2102650}]
    """
    check_patch_format(format)
    hydrator = ModelHydrator(
        model, on_error=on_error, context=context, lenient=lenient, max_depth=max_depth
    )
    return _ModelPatchCore(hydrator, ModelPatchBuilder(format=format))
