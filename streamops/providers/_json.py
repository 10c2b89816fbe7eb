"""``json.loads`` with the library's depth limit: the one way the provider layer parses JSON.

``json.loads`` recurses once per level of nesting, so ``"[" * 100_000`` raises a
bare ``RecursionError`` (and 600 levels pass although the library's limit is
512). :func:`loads` refuses anything nested deeper than ``max_depth`` with a
:class:`~streamops.DepthLimitError` (offset, line, column and JSON path, from
the incremental parser) before ``json.loads`` sees it. The check costs nothing
for a text of at most ``max_depth`` characters, two ``str.count`` calls unless
the text holds more than ``max_depth`` brackets, and then one C-level pass over
its brackets.

A JSON object with nothing around it (the usual event payload) goes straight to
the C scanner that ``json.loads`` itself ends in, without its Python-level
wrappers (a third of the cost of a small payload); anything else, and any text
the scanner does not read to its end, goes through ``json.loads``, so results
and errors are ``json.loads``'s own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from itertools import accumulate
from typing import Any, Final

from ..errors import DepthLimitError, JSONStreamError
from ..json._parser import JSONParser

__all__ = ["MAX_DEPTH", "loads"]

MAX_DEPTH: Final = 512
"""The nesting limit of every JSON text the provider layer parses (as the parser's)."""

_strings = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_not_bracket = re.compile(r"[^\[\]{}]+")
_STEP: Final = {"[": 1, "{": 1, "]": -1, "}": -1}
# What json.loads runs in the end (its default decoder's scanner): (value, end) from an index.
_Scan = Callable[[str, int], tuple[Any, int]]
_scan: Final[_Scan] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _too_deep(text: str, max_depth: int) -> bool:
    if len(text) <= max_depth or text.count("[") + text.count("{") <= max_depth:
        return False  # the usual case: not even that many brackets
    brackets = _not_bracket.sub("", _strings.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > max_depth


def _depth_error(text: str, what: str, max_depth: int) -> DepthLimitError | None:
    """The parser's own error for ``text`` (where the limit is crossed, with the path), or
    ``None`` if the text is malformed before the limit (``json.loads`` says how)."""
    parser = JSONParser(lenient=False, max_depth=max_depth)
    try:
        parser.feed(text)
        parser.close()
    except DepthLimitError as exc:
        exc.message = f"{what}: {exc.message}"
        exc.received = text
        return exc
    except JSONStreamError:
        pass
    return None


def loads(text: str, *, what: str = "JSON text", max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads(text)``, refusing nesting deeper than ``max_depth``.

    Args:
        what: what the text is, for the message (``"event data"``, ``"tool arguments"``).

    Raises:
        DepthLimitError: nested deeper than ``max_depth``; it names the limit and
            carries the text as ``received``.
        ValueError: any other malformed JSON (``json.JSONDecodeError``), as ``json.loads``.

    >>> loads('{"a": [1, 2]}')
    {'a': [1, 2]}
    >>> loads("[" * 600, what="event data")
    Traceback (most recent call last):
    ...
    streamops.errors.DepthLimitError: event data: nesting deeper than max_depth=512 at line 1 ...
    """
    if _too_deep(text, max_depth):
        error = _depth_error(text, what, max_depth)
        if error is not None:
            raise error
    try:
        if text[:1] == "{":
            try:
                value, end = _scan(text, 0)
            except StopIteration:
                pass  # not JSON: json.loads says why
            else:
                if end == len(text):
                    return value
                # Whitespace or more after the value: json.loads decides (rare).
        return json.loads(text)
    except RecursionError:  # a stack already deep when called: still our error
        raise DepthLimitError(
            f"{what}: nesting too deep for the interpreter's stack", received=text
        ) from None
