"""Path patterns (``"items[*].name"``, ``"$.meta.title"``) and the collectors built on them.

Pattern grammar::

    pattern  :=  [ "$" ] step*          the first step may omit its leading "."
    step     :=  "." name               an object key: letters, digits, "_", "-", "$"
              |  "." "*"                any key or index
              |  "[" digits "]"         an array index
              |  "[" "*" "]"            any index or key ("[]" too, as in jq)
              |  "[" quoted "]"         a key in single or double quotes ("\\" escapes)

``"$"`` or ``""`` is the root; ``"items[*]"`` is ``"$.items[*]"``; ``"*"`` is
every member (or element) of the root. A wildcard stands for exactly one step;
there is no recursive descent, so every match has the same depth. ``.0`` is the
key ``"0"``; ``[0]`` is index 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Final

from ._events import (
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

__all__ = ["WILDCARD", "PathMatcher", "StringCollector", "ValueCollector", "parse_pattern"]


class _Wildcard:
    __slots__ = ()

    def __repr__(self) -> str:
        return "WILDCARD"


WILDCARD: Final[Any] = _Wildcard()
"""The step that matches any key or index (``*`` in a pattern)."""

_STEP = re.compile(
    r"""
    \.(?P<name>[A-Za-z0-9_$-]+)
  | \.(?P<dotstar>\*)
  | \[(?P<index>[0-9]+)\]
  | \[(?P<star>\*?)\]
  | \['(?P<sq>(?:[^'\\]|\\.)*)'\]
  | \["(?P<dq>(?:[^"\\]|\\.)*)"\]
    """,
    re.VERBOSE,
)
_UNESCAPE = re.compile(r"\\(.)")


def parse_pattern(pattern: str) -> tuple[Any, ...]:
    """Parse a path pattern into steps: keys (``str``), indexes (``int``) and :data:`WILDCARD`.

    >>> parse_pattern("items[*].name")
    ('items', WILDCARD, 'name')
    >>> parse_pattern("$.meta['a.b'][0]")
    ('meta', 'a.b', 0)
    >>> parse_pattern("$")
    ()
    >>> parse_pattern(".items[]")  # jq style: [] is [*]
    ('items', WILDCARD)

    Raises:
        ValueError: the pattern does not follow the grammar.
    """
    text = pattern.strip()
    shift = len(pattern) - len(pattern.lstrip())  # where text[0] stands in the pattern
    if text.startswith("$"):
        text = text[1:]
        shift += 1
    elif text and text[0] not in ".[":
        text = "." + text
        shift -= 1
    steps: list[Any] = []
    pos = 0
    while pos < len(text):
        m = _STEP.match(text, pos)
        if m is None:
            raise ValueError(
                f"invalid path pattern {pattern!r} at position {max(pos + shift, 0)}: "
                f"{_pattern_hint(text, pos)}"
            )
        kind = m.lastgroup
        if kind == "name":
            steps.append(m.group("name"))
        elif kind == "index":
            steps.append(int(m.group("index")))
        elif kind in ("star", "dotstar"):
            steps.append(WILDCARD)
        else:
            steps.append(_UNESCAPE.sub(r"\1", m.group(kind or "")))
        pos = m.end()
    return tuple(steps)


def _pattern_hint(text: str, pos: int) -> str:
    rest = text[pos:]
    if rest.startswith(".."):
        return "recursive descent (..) is not supported; name each step, or use * for one"
    if rest.startswith("[-"):
        return "negative indexes are not supported (a streamed array's length is not known)"
    if rest.startswith("[") and "]" not in rest:
        return "unclosed '['"
    return "expected .name, .*, [index], [*] (or []) or ['key']"


class PathMatcher:
    """Decide whether an event path matches a pattern (see the module docstring for the grammar).

    Args:
        pattern: a pattern string, or a sequence of steps (keys, indexes and
            :data:`WILDCARD`).

    >>> m = PathMatcher("items[*].name")
    >>> m.match(("items", 3, "name")), m.match(("items", 3, "price")), m.match(("items",))
    (True, False, False)
    >>> PathMatcher("$").match(())
    True
    """

    __slots__ = ("_fixed", "_length", "_plain", "pattern", "steps")

    def __init__(self, pattern: str | Sequence[Any]) -> None:
        if isinstance(pattern, str):
            self.pattern = pattern
            self.steps = parse_pattern(pattern)
        else:
            self.steps = tuple(pattern)
            self.pattern = "".join(
                ".*" if s is WILDCARD else f"[{s}]" if isinstance(s, int) else f"[{s!r}]"
                for s in self.steps
            )
        self._length = len(self.steps)
        self._fixed = tuple((i, s) for i, s in enumerate(self.steps) if s is not WILDCARD)
        self._plain = len(self._fixed) == self._length

    def match(self, path: Path) -> bool:
        """True if ``path`` (a tuple of keys and indexes) matches the pattern.

        >>> PathMatcher("[0]").match((0,)), PathMatcher("[0]").match(("0",))
        (True, False)
        """
        if len(path) != self._length:
            return False
        if self._plain:
            return path == self.steps
        for i, step in self._fixed:
            part = path[i]
            # A str key never equals an int index; keep bools out of it too.
            if part != step or type(part) is not type(step):
                return False
        return True

    def __repr__(self) -> str:
        return f"PathMatcher({self.pattern!r})"


class ValueCollector:
    """Sync core of ``json_values`` / ``json_items``: complete values at matching paths.

    ``feed(events)`` returns ``(path, value)`` for every value matching the
    pattern that the events completed, in document order. Only the matching
    subtrees are ever built. Every value is a fresh object owned by the caller.

    >>> from streamops.json import JSONParser
    >>> parser, values = JSONParser(), ValueCollector("items[*]")
    >>> values.feed(parser.feed('{"items": [{"a": 1}, [2'))
    [(('items', 0), {'a': 1})]
    >>> values.feed(parser.feed(']]}'))
    [(('items', 1), [2])]
    """

    __slots__ = ("_match", "_stack", "matcher")

    def __init__(self, pattern: str | Sequence[Any] | PathMatcher) -> None:
        self.matcher = pattern if isinstance(pattern, PathMatcher) else PathMatcher(pattern)
        self._match = self.matcher.match
        self._stack: list[Any] = []

    def feed(self, events: Iterable[Event]) -> list[tuple[Path, Any]]:
        """Consume parser events; return the ``(path, value)`` pairs they completed."""
        if not events:
            return []
        out: list[tuple[Path, Any]] = []
        stack = self._stack
        for ev in events:
            t = ev.__class__
            if t is Key:
                continue  # (the commonest event; the path of the value says it all)
            if stack:
                # Inside a matching value: build it.
                if t is Scalar:
                    top = stack[-1]
                    if top.__class__ is dict:
                        top[ev.path[-1]] = ev.value  # type: ignore[union-attr]
                    else:
                        top.append(ev.value)  # type: ignore[union-attr]
                elif t is StartObject or t is StartArray:
                    new: Any = {} if t is StartObject else []
                    top = stack[-1]
                    if top.__class__ is dict:
                        top[ev.path[-1]] = new
                    else:
                        top.append(new)
                    stack.append(new)
                elif t is EndObject or t is EndArray:
                    done = stack.pop()
                    if not stack:
                        out.append((ev.path, done))
            elif t is Scalar:
                if self._match(ev.path):
                    out.append((ev.path, ev.value))  # type: ignore[union-attr]
            elif (t is StartObject or t is StartArray) and self._match(ev.path):
                stack.append({} if t is StartObject else [])
        return out


class StringCollector:
    """Sync core of ``json_string``: the characters of matching strings, as they arrive.

    ``feed(events)`` returns the new text of strings at matching paths (pieces
    of successive matching strings follow each other with no separator).
    Values at matching paths that are not strings are ignored.

    >>> from streamops.json import JSONParser
    >>> parser, answer = JSONParser(), StringCollector("answer")
    >>> answer.feed(parser.feed('{"answer": "Hel'))
    ['Hel']
    >>> answer.feed(parser.feed('lo", "n": 1}'))
    ['lo']
    """

    __slots__ = ("_match", "_seen", "matcher")

    def __init__(self, pattern: str | Sequence[Any] | PathMatcher) -> None:
        self.matcher = pattern if isinstance(pattern, PathMatcher) else PathMatcher(pattern)
        self._match = self.matcher.match
        self._seen = 0

    def feed(self, events: Iterable[Event]) -> list[str]:
        """Consume parser events; return the new characters of matching strings."""
        if not events:
            return []
        out: list[str] = []
        for ev in events:
            t = ev.__class__
            if t is StringPart:
                if self._match(ev.path):
                    text: str = ev.text  # type: ignore[union-attr]
                    self._seen += len(text)
                    if text:
                        out.append(text)
            elif t is Scalar:
                value = ev.value  # type: ignore[union-attr]
                if value.__class__ is str and self._match(ev.path):
                    tail = value[self._seen :] if self._seen else value
                    if tail:
                        out.append(tail)
                self._seen = 0
        return out
