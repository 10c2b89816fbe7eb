"""The events the incremental JSON parser emits.

Every event carries ``path``: where in the document it happens, a tuple of
object keys (``str``) and array indexes (``int``), the same shape as pydantic's
``loc``. The path of a value is shared, as one tuple, by every event about that
value (its :class:`Key`, its :class:`StringPart` fragments, its final
:class:`Scalar`), so consumers may compare paths by identity as a fast path.

For ``{"a": [1, "xy"]}`` fed as ``{"a": [1, "x`` then ``y"]}`` the events are::

    StartObject(())
    Key(("a",), "a")
    StartArray(("a",))
    Scalar(("a", 0), 1)
    StringPart(("a", 1), "x")      # end of the first chunk: the open string so far
    Scalar(("a", 1), "xy")         # the string completed: its whole value
    EndArray(("a",))
    EndObject(())

Strings: a string that is still open at the end of a ``feed()`` produces one
:class:`StringPart` with the text that feed added (the first one may be ``""``,
so a field shows up as soon as its opening quote arrives). When the string
closes, a :class:`Scalar` carries the complete value; the text the closing feed
added is *not* sent as a separate fragment, so the characters not yet seen by a
fragment consumer are ``value[len(seen):]``. A string received entirely within
one feed produces only its :class:`Scalar`.

Numbers, ``true``, ``false`` and ``null`` only ever arrive complete, as a
:class:`Scalar`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

__all__ = [
    "EndArray",
    "EndObject",
    "Event",
    "Key",
    "Path",
    "Scalar",
    "StartArray",
    "StartObject",
    "StringPart",
]

Path: TypeAlias = tuple[str | int, ...]
"""Where a value sits: object keys and array indexes from the root, ``()`` for the root."""

# The parser's hot paths create some events with ``object.__new__`` and attribute
# stores, skipping ``__init__``: keep these classes plain (no ``__post_init__``,
# no defaults, no validation).


@dataclass(slots=True)
class StartObject:
    """An object (``{``) started at ``path``.

    >>> StartObject(("a",))
    StartObject(path=('a',))
    """

    path: Path


@dataclass(slots=True)
class EndObject:
    """The object at ``path`` ended (``}``).

    >>> EndObject(())
    EndObject(path=())
    """

    path: Path


@dataclass(slots=True)
class StartArray:
    """An array (``[``) started at ``path``.

    >>> StartArray(("items",))
    StartArray(path=('items',))
    """

    path: Path


@dataclass(slots=True)
class EndArray:
    """The array at ``path`` ended (``]``).

    >>> EndArray(("items",))
    EndArray(path=('items',))
    """

    path: Path


@dataclass(slots=True)
class Key:
    """An object key completed; ``path`` is the path of the member's value (it ends with ``key``).

    >>> Key(("meta", "title"), "title")
    Key(path=('meta', 'title'), key='title')
    """

    path: Path
    key: str


@dataclass(slots=True)
class Scalar:
    """A complete string, number, ``true``, ``false`` or ``null`` at ``path``.

    >>> Scalar(("items", 0), 12.5)
    Scalar(path=('items', 0), value=12.5)
    """

    path: Path
    value: Any


@dataclass(slots=True)
class StringPart:
    """Text a feed added to a string that is still open at ``path``.

    The fragments of one string, followed by ``value[len(fragments):]`` of its
    final :class:`Scalar`, spell the string.

    >>> StringPart(("answer",), "Hel")
    StringPart(path=('answer',), text='Hel')
    """

    path: Path
    text: str


Event: TypeAlias = StartObject | EndObject | StartArray | EndArray | Key | Scalar | StringPart
"""Any parser event."""
