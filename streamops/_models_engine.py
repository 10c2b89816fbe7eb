"""The hydration engine: parser events in, validated values and partial snapshots out.

A stack of frames mirrors the open JSON containers. Each frame knows its plan
(:mod:`streamops._models_plan`), the slot it fills in its parent, and, for the
children that are complete, two things: what to *show* (the validated value)
and what to *validate with* later (``vin``: the raw JSON, except that a
completed model is its validated instance, which pydantic accepts as it is).
A value is validated when it completes, once; a container's own validation
then sees its completed children as instances, so no subtree is validated
again from scratch. Work per event is O(1) plus the validation of the value
that completed; a snapshot records the frames on the open path and their sizes
(:data:`Capture`, O(1)), and is built from them when it is read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pydantic import ValidationError
from pydantic_core import SchemaValidator

from ._models_plan import (
    ARRAY,
    DICT,
    OBJECT,
    RAW,
    RAW_PLAN,
    RAW_SLOT,
    TAGGED,
    ObjectPlan,
    Plan,
    ScalarPlan,
    Slot,
    TaggedPlan,
)
from .errors import StreamValidationError, format_path
from .json._events import (
    EndArray,
    EndObject,
    Event,
    Key,
    Path,
    Scalar,
    StartArray,
    StartObject,
    StringPart,
)

__all__ = [
    "MISSING",
    "SKIP",
    "Capture",
    "Engine",
    "FieldEvent",
    "OpenSeq",
    "OpenText",
    "Tracker",
    "View",
    "realize",
]

SKIP: Final = 7  # a frame whose value is dropped (an ignored extra key)

MISSING: Any = type("_Missing", (), {"__repr__": lambda self: "MISSING"})()
_INVALID: Any = type("_Invalid", (), {"__repr__": lambda self: "INVALID"})()

FORBID_SLOT: Final = Slot(None, None, None, plan=RAW_PLAN)
EXTRA_SLOT: Final = Slot(None, None, None, plan=RAW_PLAN)
_SKIP_SLOT: Final = Slot(None, None, None, plan=RAW_PLAN, skip=True)
_HIDDEN_SLOT: Final = Slot(None, None, None, plan=RAW_PLAN)
_TAG_SLOT: Final = Slot(None, None, None, plan=ScalarPlan(False))

# Exceptions a field validator may raise when it reads other fields (``info.data``),
# which a field validated on its own does not have: the check waits for the object.
_NEEDS_CONTEXT = (TypeError, KeyError, AttributeError, IndexError)


@dataclass(slots=True)
class FieldEvent:
    """A value completed and passed validation: where it is and what it validated to.

    ``path`` is a tuple of keys and indexes as in the JSON text (aliases, not
    field names); the last event of a document has ``path == ()`` and the
    validated root. With ``on_error="collect"``, ``error`` holds the failure
    and ``value`` the raw value.

    >>> FieldEvent(("items", 0, "title"), "Milk")
    FieldEvent(path=('items', 0, 'title'), value='Milk', error=None)
    """

    path: Path
    value: Any
    error: StreamValidationError | None = None


class Tracker:
    """What has completed so far (append-only, shared by every snapshot of one stream)."""

    __slots__ = ("completed", "errors")

    def __init__(self) -> None:
        self.completed: dict[Path, int] = {}
        self.errors: list[StreamValidationError] = []


class View:
    """A snapshot's window on the tracker: the object's path and the state when it was built.

    ``pending`` holds what the snapshot shows but has not built yet (its
    :data:`Capture`, or its open member and its extras, see
    :mod:`streamops.models`), ``None`` once built.
    """

    __slots__ = ("errors", "path", "pending", "seq", "tracker")

    def __init__(self, tracker: Tracker, path: Path, seq: int, errors: int) -> None:
        self.tracker = tracker
        self.path = path
        self.seq = seq
        self.errors = errors
        self.pending: Any = None

    def is_complete(self, rel: Path) -> bool:
        i = self.tracker.completed.get(self.path + rel)
        return i is not None and i < self.seq

    def completed_paths(self) -> list[Path]:
        n = len(self.path)
        prefix = self.path
        seq = self.seq
        return [p[n:] for p, i in self.tracker.completed.items() if i < seq and p[:n] == prefix]

    def validation_errors(self) -> list[StreamValidationError]:
        return self.tracker.errors[: self.errors]

    # Snapshots share one tracker; copying a snapshot must not copy the whole document.
    def __copy__(self) -> View:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> View:
        return self


# --- what a snapshot shows of the open path, built when it is read ------------------------
#
# A snapshot must never change once taken, yet the open string and the open
# containers keep growing. Copying them into each snapshot costs O(size) per
# chunk (quadratic over a stream); instead a snapshot records *how much* of
# each it showed, O(1), and the value is built from that when first read. It
# can be, because the engine only ever appends: a string grows at its end, a
# container gains members at its end (a repeated key is refused, so no member
# is ever replaced), and a value that completed is never touched again.


class OpenText:
    """The open string as a snapshot showed it: the first ``n`` characters of ``box[0]``.

    ``box`` is the engine's box for that string, which only grows; reading
    costs O(n) once (a slice, or the str itself when it has not grown since).

    >>> box = ["Hel"]
    >>> shown = OpenText(box, 3)
    >>> box[0] += "lo"
    >>> realize(shown), realize(OpenText(box, 5))
    ('Hel', 'Hello')
    """

    __slots__ = ("box", "n")

    def __init__(self, box: list[str], n: int) -> None:
        self.box = box
        self.n = n

    def value(self) -> str:
        text = self.box[0]
        return text if len(text) == self.n else text[: self.n]


class OpenSeq:
    """An open list or dict as a snapshot showed it: the first ``n`` members of ``items``
    (the engine's growing container), then ``child`` at ``key`` (the open member, if any,
    itself possibly open), with ``thaw`` applied to the copy (invalid members kept as frames).

    >>> items = [1, 2]
    >>> shown = OpenSeq(items, 2, 2, OpenText(["ab"], 1))
    >>> items.append(3)
    >>> realize(shown)
    [1, 2, 'a']
    """

    __slots__ = ("child", "items", "key", "n", "thaw")

    def __init__(
        self,
        items: Any,
        n: int,
        key: Any = None,
        child: Any = MISSING,
        thaw: Callable[[Any], None] | None = None,
    ) -> None:
        self.items = items
        self.n = n
        self.key = key
        self.child = child
        self.thaw = thaw

    def build(self, child: Any) -> Any:
        items = self.items
        n = self.n
        out: Any
        if items.__class__ is list:
            out = items[:n]
        else:  # a dict: members are only ever added at the end
            out = items.copy()
            for _ in range(len(out) - n):
                out.popitem()
        if self.thaw is not None:
            self.thaw(out)
        if child is not MISSING:
            if out.__class__ is list:
                out.append(child)
            elif self.key is not None:
                out[self.key] = child
        return out


def realize(node: Any) -> Any:
    """The value an :class:`OpenText` / :class:`OpenSeq` stands for (anything else as it is).

    Iterative (an open path can be as deep as the parser allows)."""
    chain: list[OpenSeq] = []
    while node.__class__ is OpenSeq:
        chain.append(node)
        node = node.child
    value = node.value() if node.__class__ is OpenText else node
    for seq in reversed(chain):
        value = seq.build(value)
    return value


# What a snapshot shows, recorded in O(1) when it is taken (Engine.capture) and built
# when it is read: ``(tracker, seq, errors, frames, box, n, key, plan)``. ``seq`` and
# ``errors`` are the tracker's counts then (as in View); ``frames`` holds, for each
# container on the open path (outermost first), the frame and how many shown members
# and extras it had, ``(frame, n, n_extra)``, a tuple shared by every capture taken
# while only the open string grows; ``box`` and ``n`` are the open string (see
# OpenText), ``None`` and 0 when no string is shown open, ``key`` its display key;
# ``plan`` is the root's. A plain tuple: taking a snapshot is the hot path. Like
# OpenSeq, this relies on the engine only ever appending.
Capture = tuple[Tracker, int, int, tuple[tuple["Frame", int, int], ...], Any, int, Any, Plan]


class Frame:
    """An open container: what completed in it so far."""

    __slots__ = (
        "disp",
        "dkey",
        "dup",
        "extra",
        "failed",
        "frozen",
        "hidden",
        "keys",
        "kind",
        "log",
        "path",
        "plan",
        "slot",
        "vin",
    )

    def __init__(
        self, kind: int, plan: Plan, slot: Slot, path: Path, dkey: Any, is_obj: bool
    ) -> None:
        self.kind = kind
        self.plan = plan
        self.slot = slot
        self.path = path
        self.dkey = dkey
        self.failed = False
        self.frozen = False  # some shown children are (invalid) frames, built when shown
        self.hidden = False  # not shown while open (see Engine._start)
        self.extra: dict[str, Any] | None = None
        self.log: list[Event] | None = None
        self.keys: set[str] | None = None  # the keys seen so far (objects)
        self.dup: str | None = None  # the member being read repeats a key: dropped
        self.disp: Any = {} if is_obj else []
        # Raw frames show exactly what they validate with.
        self.vin: Any = self.disp if kind == RAW or kind == TAGGED else ({} if is_obj else [])


def _set(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


class Engine:
    """Consume the events of one JSON value whose root goes into ``root`` (a slot)."""

    __slots__ = (
        "_below",
        "_context",
        "_dups",
        "_frames",
        "_pending",
        "_received",
        "_record",
        "_reopened",
        "_sbox",
        "_sdkey",
        "_sframe",
        "_sshow",
        "_tracker",
        "collect",
        "done",
        "error",
        "root",
        "root_frame",
        "shown_before_error",
        "stack",
        "value",
    )

    def __init__(
        self,
        root: Slot,
        *,
        received: Callable[[], str],
        tracker: Tracker | None = None,
        record: list[FieldEvent] | None = None,
        collect: bool = False,
        context: Any = None,
    ) -> None:
        self.root = root
        self.stack: list[Frame] = []
        self.root_frame: Frame | None = None
        self.done = False
        self.value: Any = MISSING
        self.error: StreamValidationError | None = None
        self.collect = collect
        self._received = received
        self._tracker = tracker
        self._record = record
        self._context = context
        self._sframe: Frame | None = None  # the frame holding the open string
        # The open string's text so far, alone in a box of its own that snapshots share
        # (see OpenText): it grows in place while nothing else holds the str.
        self._sbox: list[str] = [""]
        self._sshow = False
        self._sdkey: Any = None
        self._pending: Frame | None = None  # the undecided discriminated union, if any
        self._dups: list[StreamValidationError] = []  # refused keys (on_error="collect")
        # After a StreamValidationError from process(): whether what a snapshot shows
        # changed in that call before the error position (the engine then shows exactly
        # what came before it, see _restore).
        self.shown_before_error = False
        self._reopened = False
        # The open path's frames and their sizes as the last capture() saw them (see
        # Capture); None once a frame starts, ends or gains a member.
        self._frames: tuple[tuple[Frame, int, int], ...] | None = None
        self._below: tuple[tuple[Frame, int, int], ...] | None = ()  # (see _open_path)

    # -- events ----------------------------------------------------------------

    def process(self, events: Sequence[Event]) -> bool:
        """Apply events; return True if what a snapshot shows changed."""
        if len(events) == 1 and self._sframe is not None:
            ev = events[0]
            if ev.__class__ is StringPart:  # the common chunk: more of the open string
                if self._sshow and ev.text:
                    box = self._sbox
                    text = box[0]
                    box[0] = ""  # the box lets go, so ``+=`` can extend the str in place
                    text += ev.text
                    box[0] = text
                    return True
                return False
        changed = False
        handle = self.handle
        try:
            for ev in events:
                if handle(ev):
                    changed = True
        except StreamValidationError:
            self.shown_before_error = changed or self._reopened
            raise
        return changed

    def handle(self, ev: Event) -> bool:
        pending = self._pending
        if pending is not None and len(ev.path) > len(pending.path):
            pending.log.append(ev)  # type: ignore[union-attr]
        t = ev.__class__
        if t is StringPart:
            return self._part(ev)  # type: ignore[arg-type]
        if t is Scalar:
            return self._scalar(ev)  # type: ignore[arg-type]
        if t is StartObject:
            return self._start(ev.path, True)
        if t is StartArray:
            return self._start(ev.path, False)
        if t is EndObject or t is EndArray:
            return self._end()
        if t is Key:
            return self._key(ev)  # type: ignore[arg-type]
        return False

    def _key(self, ev: Key) -> bool:
        """A key completed: refuse a key the object already has (the slot is looked up when
        its value starts)."""
        if not self.stack:
            return False
        top = self.stack[-1]
        key = ev.key
        keys = top.keys
        top.dup = None
        if keys is None:
            top.keys = keys = set()
        if key not in keys:
            keys.add(key)
            if key.isascii() or top.kind != OBJECT or _encodes(key):
                return False
            error = self._bad_extra_key(top, ev.path)
            if error is None:
                return False
        else:
            error = duplicate_key_error(ev.path, self._received())
        if not self.collect:
            raise error
        # Keep the first value (shown values never change) and fail the document.
        top.dup = key
        top.failed = True
        self._dups.append(error)
        if self._tracker is not None:
            self._tracker.errors.append(error)
        if self._record is not None:
            self._record.append(FieldEvent(ev.path, key, error))
        return False

    def _bad_extra_key(self, top: Frame, path: Path) -> StreamValidationError | None:
        """The error for an extra key with a lone surrogate, or ``None`` if it is not one.

        ``model_validate`` refuses such a key as an extra (``string_unicode``: an
        extra's key must be valid Unicode) but accepts it as a field's alias, an
        ignored key or a dict key; it is refused here when it completes, at its
        path, rather than shown in snapshots (which pydantic cannot serialise) and
        refused at the end."""
        plan: ObjectPlan = top.plan  # type: ignore[assignment]
        key = path[-1]
        if plan.opaque or plan.extra == "ignore" or key in plan.by_key:
            return None
        title = getattr(plan.cls, "__name__", "Model")
        exc = ValidationError.from_exception_data(
            title, [{"type": "string_unicode", "loc": (), "input": key}]
        )
        return validation_error(path, key, exc, self._received())

    def _child(self, top: Frame, key: Any) -> tuple[Slot, Any]:
        """The slot a child of ``top`` at ``key`` goes into, and its display key."""
        if top.dup is not None and top.dup == key:
            return _SKIP_SLOT, None
        kind = top.kind
        if kind == OBJECT:
            plan: ObjectPlan = top.plan  # type: ignore[assignment]
            slot = plan.by_key.get(key)
            if slot is not None:
                return slot, slot.name
            if plan.opaque:  # its own validator reads the input: keep every member
                return _HIDDEN_SLOT, None
            if plan.extra == "forbid":
                return FORBID_SLOT, None
            if plan.extra == "allow":
                return EXTRA_SLOT, key
            return _SKIP_SLOT, None
        if kind == ARRAY:
            return top.plan.item(key), key  # type: ignore[attr-defined]
        if kind == DICT:
            return top.plan.value, key  # type: ignore[attr-defined]
        if kind == SKIP:
            return _SKIP_SLOT, None
        if kind == TAGGED and key == top.plan.key:  # type: ignore[attr-defined]
            return _TAG_SLOT, key  # a discriminator is shown only complete
        return RAW_SLOT, key

    def _part(self, ev: StringPart) -> bool:
        if self._sframe is not None:
            if self._sshow and ev.text:
                box = self._sbox
                text = box[0]
                box[0] = ""  # (see process)
                text += ev.text
                box[0] = text
                return True
            return False
        if not self.stack:
            return False  # a top-level string (strict mode): shown only complete
        top = self.stack[-1]
        slot, dkey = self._child(top, ev.path[-1])
        show = dkey is not None and slot.plan.shows_text
        self._sframe = top
        self._sbox = [ev.text]  # a new box: snapshots of the previous string keep theirs
        self._sshow = show
        self._sdkey = dkey
        return show

    def _scalar(self, ev: Scalar) -> bool:
        sframe = self._sframe
        self._sframe = None
        path = ev.path
        try:
            if not self.stack:
                if self.done:
                    return False
                return self._complete(None, self.root, None, path, ev.value, MISSING)
            top = self.stack[-1]
            slot, dkey = self._child(top, path[-1])
            return self._complete(top, slot, dkey, path, ev.value, MISSING)
        except StreamValidationError:
            self._reopened = self._reopen(ev, sframe)
            raise

    def _reopen(self, ev: Scalar, sframe: Frame | None) -> bool:
        """After ``ev`` failed validation: show a string as open with all its text (what came
        before the error position, its closing quote), whether or not its fragments had
        arrived; return True if that shows more than before."""
        value = ev.value
        stack = self.stack
        if value.__class__ is not str or not stack:
            return False
        top = stack[-1]
        slot, dkey = self._child(top, ev.path[-1])
        if dkey is None or not slot.plan.shows_text:
            return False
        if sframe is top and self._sshow and self._sbox[0] == value:
            self._sframe = sframe  # its fragments had all arrived: shown as it was
            return False
        self._sframe = top
        self._sbox = [value]
        self._sshow = True
        self._sdkey = dkey
        return True

    def _start(self, path: Path, is_obj: bool) -> bool:
        self._frames = None
        stack = self.stack
        if stack:
            slot, dkey = self._child(stack[-1], path[-1])
        elif self.done:
            return False
        else:
            slot, dkey = self.root, None
            if is_obj is False and self.root.plan.kind == OBJECT:
                # A model needs an object: say so now, not at the end of the array.
                self._validate(self.root.validator, [], path, [], root=True)
        plan: Plan
        if slot.skip:
            kind, plan = SKIP, RAW_PLAN
        else:
            plan = slot.plan.for_object() if is_obj else slot.plan.for_array()
            kind = plan.kind
        frame = Frame(kind, plan, slot, path, dkey, is_obj)
        if plan is RAW_PLAN and dkey is not None and not slot.plan.shows(is_obj):
            frame.hidden = True  # its type cannot hold this: shown only once valid
        if kind == TAGGED and self._pending is None:
            frame.log = []
            self._pending = frame
        elif kind == TAGGED:
            frame.kind = RAW  # inside an undecided union everything is raw
        below = self._below
        if stack and below is not None:  # the frame below no longer changes: its entry
            top = stack[-1]
            self._below = (*below, (top, len(top.disp), len(top.extra or ())))
        stack.append(frame)
        if len(stack) == 1:
            self.root_frame = frame
        return dkey is not None or len(stack) == 1

    def _end(self) -> bool:
        self._frames = None
        stack = self.stack
        f = stack.pop()
        below = self._below
        if below:
            self._below = below[:-1]
        if f.kind == SKIP:
            return False
        depth = len(stack)
        try:
            return self._close(f)
        except StreamValidationError:
            # Show what came before the error position: the container still open.
            del stack[depth:]
            stack.append(f)
            self._sframe = None
            self._below = None
            raise

    def _close(self, f: Frame) -> bool:
        """The container ``f`` ended (popped): validate it, then complete it in its parent."""
        stack = self.stack
        parent = stack[-1] if stack else None
        if f is self._pending:
            self._pending = None
        inst = MISSING
        if f.kind == OBJECT and not f.failed:
            plan: ObjectPlan = f.plan  # type: ignore[assignment]
            inst = self._validate(plan.own, f.vin, f.path, f.vin, root=parent is None)
            if inst is _INVALID:
                f.failed = True
        if f.failed:
            if parent is not None:
                parent.failed = True
                inst = _INVALID
            else:
                # The end of the document, with errors collected on the way: the
                # root's own validation gives the complete list (or, rarely, passes).
                inst = self._validate(f.plan.own, f.vin, f.path, f.vin, root=True)  # type: ignore[attr-defined]
                if inst is not _INVALID:
                    f.failed = False
        if parent is None and self._dups:
            inst = self._reject_duplicates(f)
        return self._complete(parent, f.slot, f.dkey, f.path, f.vin, inst, f)

    # -- completion --------------------------------------------------------------

    def _complete(
        self,
        parent: Frame | None,
        slot: Slot,
        dkey: Any,
        path: Path,
        vin: Any,
        inst: Any,
        frame: Frame | None = None,
    ) -> bool:
        """A value completed in ``parent``: validate it for its slot, then record it."""
        self._frames = None
        if slot.skip:
            return False
        root = parent is None
        if parent is not None and parent is self._pending:
            plan_t: TaggedPlan = parent.plan  # type: ignore[assignment]
            if path[-1] == plan_t.key:
                return self._resolve(parent, vin, path)
        if slot is FORBID_SLOT:
            assert parent is not None
            title = getattr(getattr(parent.plan, "cls", None), "__name__", "Model")
            exc = ValidationError.from_exception_data(
                title, [{"type": "extra_forbidden", "loc": (), "input": vin}]
            )
            self._fail(path, vin, exc, parent_frame=parent)
            return False
        if inst is _INVALID:
            val = _INVALID
        elif inst is not MISSING:
            # A model, dataclass or TypedDict that passed its own validation.
            val = inst if slot.trivial else self._validate(slot.validator, inst, path, vin, root)
            plan: ObjectPlan = frame.plan  # type: ignore[union-attr,assignment]
            if plan.passthrough and val is not _INVALID:
                vin = inst
        else:
            val = self._validate(slot.validator, vin, path, vin, root)
        shown = val
        if val is _INVALID and parent is not None:
            parent.failed = True
            if frame is not None:  # an invalid container still shows what it received
                shown = frame
                parent.frozen = True
        if root:
            self.done = True
            self.value = val
        else:
            assert parent is not None
            disp = parent.disp
            if parent.kind == RAW or parent.kind == TAGGED:
                if disp.__class__ is list:
                    disp.append(val)
                else:
                    disp[path[-1]] = val
            elif parent.kind == ARRAY:
                disp.append(None if shown is _INVALID else shown)
                parent.vin.append(vin)
            else:
                if shown is not _INVALID:
                    if slot is EXTRA_SLOT:
                        if parent.extra is None:
                            parent.extra = {}
                        parent.extra[dkey] = shown
                    elif dkey is not None:
                        disp[dkey] = shown
                parent.vin[path[-1]] = vin
        if self._pending is None:  # inside an undecided union nothing is final yet
            tracker = self._tracker
            if tracker is not None and val is not _INVALID:
                tracker.completed[path] = len(tracker.completed)
            if self._record is not None and val is not _INVALID:
                self._record.append(FieldEvent(path, val))
        return dkey is not None or root

    def _validate(
        self, validator: SchemaValidator | None, value: Any, path: Path, raw: Any, root: bool
    ) -> Any:
        if validator is None:
            return value
        try:
            return validator.validate_python(value, context=self._context)
        except ValidationError as exc:
            self._fail(path, raw, exc, root=root)
            return _INVALID
        except _NEEDS_CONTEXT:
            if root:
                raise
            return value  # the field's validator needs its siblings: checked with its object

    def _fail(
        self,
        path: Path,
        value: Any,
        exc: ValidationError,
        *,
        root: bool = False,
        parent_frame: Frame | None = None,
        value_path: Path | None = None,
    ) -> None:
        error = validation_error(path, value, exc, self._received())
        if parent_frame is not None:
            parent_frame.failed = True
        if not self.collect:
            raise error from exc
        if self._tracker is not None and not root:
            self._tracker.errors.append(error)
        if self._record is not None:
            self._record.append(FieldEvent(value_path or path, value, error))
        if root:
            self.error = error
            return

    def _reject_duplicates(self, root: Frame) -> Any:
        """The end of a document that repeated keys (collect mode): it fails, with every error."""
        errors = [e for dup in self._dups for e in dup.errors]
        if self.error is not None:
            errors.extend(self.error.errors)
        first = self._dups[0]
        message = first.message
        if len(errors) > 1:
            message += f" (and {len(errors) - 1} more)"
        self.error = StreamValidationError(
            message, path=first.path, value=first.value, errors=errors, received=self._received()
        )
        root.failed = True
        return _INVALID

    # -- discriminated unions ------------------------------------------------------

    def _resolve(self, pending: Frame, tag: Any, tag_path: Path) -> bool:
        """The discriminator of an undecided union completed: pick the variant and replay
        the object's events so far into a frame of that variant."""
        self._frames = None
        plan: TaggedPlan = pending.plan  # type: ignore[assignment]
        log = pending.log or []
        pending.log = None
        self._pending = None
        variant = plan.variant(tag)
        if variant is None or variant.kind != OBJECT:
            if variant is None and pending.slot.validator is not None:
                try:  # let pydantic word the error (union_tag_invalid)
                    pending.slot.validator.validate_python({plan.key: tag}, context=self._context)
                except ValidationError as exc:
                    self._fail(pending.path, tag, exc, parent_frame=pending, value_path=tag_path)
            pending.kind = RAW  # validated as a whole when it completes
            pending.disp[tag_path[-1]] = tag
            return True
        stack = self.stack
        depth = len(stack)
        assert stack[-1] is pending
        stack[-1] = Frame(OBJECT, variant, pending.slot, pending.path, pending.dkey, True)
        self._sframe = None
        handle = self.handle
        try:
            for ev in log:  # ends with the discriminator's own Scalar
                handle(ev)
        except StreamValidationError:
            # Show what came before the error position: the union still undecided.
            del stack[depth - 1 :]
            stack.append(pending)
            self._sframe = None
            self._below = None
            raise
        return True

    # -- snapshots ---------------------------------------------------------------

    def capture(self) -> Capture:
        """Record what a snapshot shows now (see :data:`Capture`); nothing is copied.

        O(1) while only the open string grew since the last capture, else the
        innermost frame's entry and, after the open path changed, O(depth)."""
        frames = self._frames
        if frames is None:
            frames = self._frames = self._open_path()
        t = self._tracker
        assert t is not None
        if self._sframe is not None and self._sshow:
            box = self._sbox
            return (
                t,
                len(t.completed),
                len(t.errors),
                frames,
                box,
                len(box[0]),
                self._sdkey,
                self.root.plan,
            )
        return (t, len(t.completed), len(t.errors), frames, None, 0, None, self.root.plan)

    def _open_path(self) -> tuple[tuple[Frame, int, int], ...]:
        stack = self.stack
        if not stack:
            f = self.root_frame  # complete but invalid: show what was received
            return () if f is None else ((f, len(f.disp), len(f.extra or ())),)
        # Only the innermost frame gains members: the entries of the frames below it are
        # kept as they are pushed under (see _start), rebuilt after an error restored one.
        below = self._below
        if below is None or len(below) != len(stack) - 1:
            below = self._below = tuple([(f, len(f.disp), len(f.extra or ())) for f in stack[:-1]])
        top = stack[-1]
        return (*below, (top, len(top.disp), len(top.extra or ())))


def _encodes(text: str) -> bool:
    """Whether ``text`` is valid Unicode (no lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def duplicate_key_error(path: Path, received: str) -> StreamValidationError:
    """The error for a key its object already has (``path`` ends with the key)."""
    key = path[-1]
    message = f"duplicate key {key!r}"
    detail = {
        "type": "duplicate_key",
        "loc": path,
        "msg": f"{message}: a JSON object must not repeat a key",
        "input": key,
    }
    return StreamValidationError(message, path=path, value=key, errors=[detail], received=received)


def validation_error(
    path: Path, value: Any, exc: ValidationError, received: str
) -> StreamValidationError:
    """Wrap pydantic's error for the value at ``path``; error locations become absolute."""
    errors: list[dict[str, Any]] = []
    for detail in exc.errors(include_url=False):
        e = dict(detail)
        e["loc"] = (*path, *detail.get("loc", ()))
        errors.append(e)
    missing = [e for e in errors if e.get("type") == "missing"]
    if missing and len(missing) == len(errors):
        names = ", ".join(format_path(e["loc"]) for e in missing)
        message = f"missing required field{'s' if len(missing) > 1 else ''}: {names}"
    elif errors:
        first = errors[0]
        message = str(first["msg"])
        if tuple(first["loc"]) != tuple(path):
            message += f" at {format_path(first['loc'])}"
        if len(errors) > 1:
            message += f" (and {len(errors) - 1} more)"
    else:  # pragma: no cover - pydantic always reports at least one error
        message = str(exc)
    return StreamValidationError(message, path=path, value=value, errors=errors, received=received)
