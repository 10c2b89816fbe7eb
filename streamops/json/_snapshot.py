"""Incremental snapshots and JSON Patch generation: the sync cores of ``json_snapshots``
and ``json_patches``.

Both consume parser events and never look at the text, so the work per chunk
is proportional to the events of that chunk. A string that is still open grows
in place (CPython extends a ``str`` that only one reference holds), unless the
consumer kept a reference to it: then that chunk copies it, as it must.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

from ._events import (
    EndArray,
    EndObject,
    Event,
    Key,
    Scalar,
    StartObject,
    StringPart,
)

__all__ = [
    "PATCH_FORMATS",
    "PatchBuilder",
    "PatchFormat",
    "SnapshotBuilder",
    "check_patch_format",
    "pointer",
]


class SnapshotBuilder:
    """The progressively complete value, mutated in place as events arrive.

    ``feed(events)`` returns the snapshots the events changed: normally ``[]``
    or ``[root]``; with several top-level values (``multiple_values=True``)
    one per value the events touched, in order.

    The snapshot is **the same object, mutated in place**: dicts and lists
    are updated where they stand, so taking a snapshot costs nothing and the
    whole stream costs time linear in its length. Keep ``copy.deepcopy(value)``
    if you need the state of one moment. Strings grow (a new ``str`` replaces
    the shorter one); numbers, ``true``, ``false`` and ``null`` appear only
    complete; a key appears together with the start of its value.

    >>> from streamops.json import JSONParser
    >>> parser, snap = JSONParser(), SnapshotBuilder()
    >>> snap.feed(parser.feed('{"title": "Hel'))
    [{'title': 'Hel'}]
    >>> snap.feed(parser.feed('lo", "n": 4'))
    [{'title': 'Hello'}]
    >>> snap.feed(parser.feed('2}'))
    [{'title': 'Hello', 'n': 42}]
    """

    __slots__ = ("_open_string", "_stack", "_string_key", "_string_top", "value")

    def __init__(self) -> None:
        self.value: Any = None
        self._stack: list[Any] = []
        self._open_string = False
        # Where the open string sits when it is inside a container: the container
        # and the key (-1 in a list, where it is the last element), so that a
        # fragment is one ``top[key] += text``.
        self._string_top: Any = None
        self._string_key: Any = None

    def feed(self, events: Sequence[Event]) -> list[Any]:
        """Apply events; return the snapshots they changed (the live objects)."""
        if len(events) == 1:
            # Fast paths: nearly every chunk that changes anything gives one event.
            one: Any = events[0]  # (Any: the class tests below stand for isinstance)
            top = self._string_top
            if top is not None:
                # A string is open in a container: the event is more of it (most
                # chunks), or its complete value.
                if one.__class__ is StringPart:
                    # The container lets go of the string while it grows, so that
                    # when nobody else holds it ``+=`` extends it in place
                    # (CPython's append to a sole reference) rather than copying
                    # it: a long string costs per chunk what the chunk adds.
                    key = self._string_key
                    grown = top[key]
                    top[key] = ""
                    grown += one.text
                    top[key] = grown
                else:
                    top[self._string_key] = one.value
                    self._string_top = None
                    self._open_string = False
                return [self.value]
            t = one.__class__
            if t is Key:
                return []  # a key alone changes nothing: it appears with its value
            stack = self._stack
            if stack:
                if t is StringPart:
                    # A string starts.
                    top = self._string_top = stack[-1]
                    if top.__class__ is dict:
                        key = one.path[-1]
                        top[key] = one.text
                    else:
                        key = -1
                        top.append(one.text)
                    self._string_key = key
                    self._open_string = True
                    return [self.value]
                if t is Scalar:
                    top = stack[-1]
                    if top.__class__ is dict:
                        top[one.path[-1]] = one.value
                    else:
                        top.append(one.value)
                    return [self.value]
                if t is EndObject or t is EndArray:
                    stack.pop()
                    return []
        elif not events:
            return []
        stack = self._stack
        open_string = self._open_string
        string_top = self._string_top
        string_key = self._string_key
        out: list[Any] = []
        changed = False
        for ev in events:
            t = ev.__class__
            if t is Key or t is EndObject or t is EndArray:
                if t is not Key:
                    stack.pop()
                continue
            if not stack:
                changed_before = changed
                changed = True
                if open_string:
                    # More of a top-level string (strict mode only).
                    if t is StringPart:
                        grown = self.value
                        self.value = ""  # (see the fast path above)
                        grown += ev.text  # type: ignore[union-attr]
                        self.value = grown
                    else:
                        self.value = ev.value  # type: ignore[union-attr]
                        open_string = False
                    continue
                # A new top-level value: hand over the previous one first.
                if changed_before:
                    out.append(self.value)
                if t is StringPart:
                    self.value = ev.text  # type: ignore[union-attr]
                    open_string = True
                elif t is Scalar:
                    self.value = ev.value  # type: ignore[union-attr]
                else:
                    self.value = {} if t is StartObject else []
                    stack.append(self.value)
                continue
            changed = True
            if t is StringPart:
                text: str = ev.text  # type: ignore[union-attr]
                if string_top is not None:
                    grown = string_top[string_key]
                    string_top[string_key] = ""  # (see the fast path above)
                    grown += text
                    string_top[string_key] = grown
                else:
                    string_top = stack[-1]
                    if string_top.__class__ is dict:
                        string_key = ev.path[-1]
                        string_top[string_key] = text
                    else:
                        string_key = -1
                        string_top.append(text)
                    open_string = True
            elif t is Scalar:
                if string_top is not None:
                    string_top[string_key] = ev.value  # type: ignore[union-attr]
                    string_top = None
                    open_string = False
                else:
                    top = stack[-1]
                    if top.__class__ is dict:
                        top[ev.path[-1]] = ev.value  # type: ignore[union-attr]
                    else:
                        top.append(ev.value)  # type: ignore[union-attr]
            else:
                new: Any = {} if t is StartObject else []
                top = stack[-1]
                if top.__class__ is dict:
                    top[ev.path[-1]] = new
                else:
                    top.append(new)
                stack.append(new)
        self._open_string = open_string
        self._string_top = string_top
        self._string_key = string_key
        if changed:
            out.append(self.value)
        return out


def pointer(path: Iterable[str | int]) -> str:
    """The RFC 6901 JSON Pointer of a path.

    >>> pointer(("items", 0, "a/b~c"))
    '/items/0/a~1b~0c'
    >>> pointer(())
    ''
    """
    return "".join("/" + _escape_token(p) for p in path)


def _escape_token(part: str | int) -> str:
    if isinstance(part, int):
        return str(part)
    if "~" in part or "/" in part:
        return part.replace("~", "~0").replace("/", "~1")
    return part


PatchFormat = Literal["rfc6902", "append"]
"""How a patch says that a string grew: ``"rfc6902"`` (standard, the default) or
``"append"`` (the streamops extension)."""

PATCH_FORMATS: tuple[PatchFormat, ...] = ("rfc6902", "append")


def check_patch_format(format: str) -> PatchFormat:
    """``format`` if it names a patch format, else a ``ValueError`` listing them."""
    if format not in PATCH_FORMATS:
        raise ValueError(f"format must be 'rfc6902' or 'append', not {format!r}")
    return format


class PatchBuilder:
    """Turn parser events into JSON Patch operations that rebuild the value in a client.

    ``feed(events)`` returns a list of operations (a JSON Patch document,
    possibly empty), all plain JSON-serialisable dicts:

    * ``{"op": "replace", "path": "", "value": {}}`` starts the top-level
      value (``{}``, ``[]``, or a complete scalar). Each top-level value of a
      multi-value stream starts with one.
    * ``{"op": "add", "path": "/items/0", "value": ...}`` adds a member or an
      element: an empty container, a complete scalar, or the first characters
      of a string. Array elements use their index (always the array's current
      length). A repeated key replaces the member, as ``add`` does.
    * a string that grew:

      - ``format="rfc6902"`` (the default): ``{"op": "replace", "path":
        "/answer", "value": "Hello"}``, the **whole string so far**. Pure
        RFC 6902 (only ``add`` and ``replace``), so any JSON Patch library
        applies it (Python ``jsonpatch``, npm ``fast-json-patch``, AG-UI
        ``STATE_DELTA``...). The price: a string that grows over ``k``
        chunks is sent ``k`` times, so the bytes sent grow with the square
        of its length (see below).
      - ``format="append"``: ``{"op": "append", "path": "/answer", "value":
        "lo"}``, **a streamops extension** (not RFC 6902: standard
        libraries reject it): append ``value`` to the string at ``path``.
        Each character is sent once, so the bytes sent are linear in the
        text; the client needs the few lines below.

    Standard output is the default because a patch that a standard consumer
    rejects is a bug found in production, while resending a string is a cost
    you can see and choose to avoid: a 20 KB answer streamed in 10-character
    chunks costs about 20 MB of ``replace`` patches against 20 KB of
    ``append`` ones (``benchmarks/patch_formats.py``). For long strings, pick
    ``"append"`` with a client that knows it, or send fewer, larger patches
    (``throttle()`` before the patches). The builder's own work is linear
    either way; with ``"rfc6902"`` the *output* necessarily repeats the string.

    Applying every operation, in order, to ``{}`` gives the parsed value;
    ``null`` is an ``add`` of ``None``, never confused with a member that has
    not arrived (its path is absent). A browser applies the extension with a
    few lines::

        function apply(doc, ops) {
          for (const {op, path, value} of ops) {
            if (path === "") { doc = op === "append" ? doc + value : value; continue; }
            const keys = path.split("/").slice(1)
              .map(k => k.replaceAll("~1", "/").replaceAll("~0", "~"));
            const last = keys.pop();
            const parent = keys.reduce((o, k) => o[k], doc);
            if (op === "append") parent[last] += value;
            else if (Array.isArray(parent) && op === "add") parent.splice(+last, 0, value);
            else parent[last] = value;
          }
          return doc;
        }

    >>> from streamops.json import JSONParser
    >>> parser, patches = JSONParser(), PatchBuilder()
    >>> patches.feed(parser.feed('{"answer": "Hel'))
    [{'op': 'replace', 'path': '', 'value': {}},
     {'op': 'add', 'path': '/answer', 'value': 'Hel'}]
    >>> patches.feed(parser.feed('lo", "tags": [1]}'))
    [{'op': 'replace', 'path': '/answer', 'value': 'Hello'},
     {'op': 'add', 'path': '/tags', 'value': []},
     {'op': 'add', 'path': '/tags/0', 'value': 1}]

    The extension sends only what was added:

    >>> parser, patches = JSONParser(), PatchBuilder(format="append")
    >>> patches.feed(parser.feed('{"answer": "Hel'))[1:]
    [{'op': 'add', 'path': '/answer', 'value': 'Hel'}]
    >>> patches.feed(parser.feed('lo"}'))
    [{'op': 'append', 'path': '/answer', 'value': 'lo'}]
    """

    __slots__ = ("_append", "_pointers", "_sent", "_string_pointer", "_text", "format")

    def __init__(self, *, format: PatchFormat = "rfc6902") -> None:
        self.format = check_patch_format(format)
        self._append = format == "append"
        self._pointers: list[str] = []
        self._string_pointer: str | None = None
        self._sent = 0
        self._text = ""  # the open string so far ("rfc6902": each patch resends it)

    def _child(self, key: str | int) -> str:
        if not self._pointers:
            return ""
        return self._pointers[-1] + "/" + _escape_token(key)

    def feed(self, events: Iterable[Event]) -> list[dict[str, Any]]:
        """Consume parser events; return the patch operations they produced."""
        if not events:
            return []
        ops: list[dict[str, Any]] = []
        pointers = self._pointers
        append = self._append
        for ev in events:
            t = ev.__class__
            if t is Key:
                continue
            if t is EndObject or t is EndArray:
                pointers.pop()
                continue
            if t is StringPart:
                text: str = ev.text  # type: ignore[union-attr]
                if self._string_pointer is None:
                    ptr = self._child(ev.path[-1]) if pointers else ""
                    self._string_pointer = ptr
                    self._sent = len(text)
                    if not append:
                        self._text = text
                    ops.append({"op": "replace" if not ptr else "add", "path": ptr, "value": text})
                elif text:
                    self._sent += len(text)
                    if append:
                        ops.append({"op": "append", "path": self._string_pointer, "value": text})
                    else:
                        self._text += text
                        ops.append(
                            {"op": "replace", "path": self._string_pointer, "value": self._text}
                        )
                continue
            if t is Scalar:
                value = ev.value  # type: ignore[union-attr]
                if self._string_pointer is not None:
                    if len(value) > self._sent:
                        if append:
                            op = {"op": "append", "path": self._string_pointer}
                            op["value"] = value[self._sent :]
                        else:
                            op = {"op": "replace", "path": self._string_pointer, "value": value}
                        ops.append(op)
                    self._string_pointer = None
                    self._text = ""
                    continue
                if pointers:
                    ops.append({"op": "add", "path": self._child(ev.path[-1]), "value": value})
                else:
                    ops.append({"op": "replace", "path": "", "value": value})
                continue
            # StartObject / StartArray
            if pointers:
                ptr = self._child(ev.path[-1])
                ops.append({"op": "add", "path": ptr, "value": {} if t is StartObject else []})
            else:
                ptr = ""
                ops.append({"op": "replace", "path": "", "value": {} if t is StartObject else []})
            pointers.append(ptr)
        return ops
