"""Split a streamed JSON array (Gemini without ``alt=sse``) into its elements.

Built on the incremental JSON parser: each top-level element is assembled from
the parser's events as they arrive and handed out the moment it completes. The
accumulated text is never re-parsed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import JSONStreamError, ProviderFormatError
from ..json._events import EndArray, EndObject, Scalar, StartArray, StartObject
from ..json._parser import JSONParser

__all__ = ["JSONArrayDecoder"]


class JSONArrayDecoder:
    """Push the text of one JSON array in chunks; get each element once complete.

    >>> d = JSONArrayDecoder()
    >>> d.feed('[{"a": [1, {"b"')
    []
    >>> d.feed(': 2}]},\\r\\n{"c": "x"')
    [{'a': [1, {'b': 2}]}]
    >>> d.feed("}]")
    [{'c': 'x'}]
    >>> d.close()
    []

    Raises:
        JSONStreamError: malformed JSON (from the parser, with offset, line and column).
        IncompleteJSONError: from ``close()``, when the array is not finished.
        ProviderFormatError: the document is not an array.
    """

    __slots__ = ("_error", "_parser", "_stack")

    def __init__(self) -> None:
        self._parser = JSONParser(lenient=False)
        self._stack: list[Any] = []
        self._error: JSONStreamError | None = None

    def feed(self, chunk: str | bytes) -> list[Any]:
        """Parse the next chunk; return the elements it completed.

        If the chunk is malformed part-way, the elements completed before the problem
        are returned and the error is raised by the next call (so they do not depend
        on where the chunks were cut); with no such elements it is raised at once.
        """
        return self._run(self._parser.feed, chunk)

    def close(self) -> list[Any]:
        """End the document; raise if the array is unfinished."""
        return self._run(lambda _: self._parser.close(), None)

    def _run(self, step: Callable[[Any], list[Any]], chunk: Any) -> list[Any]:
        if self._error is not None:
            raise self._error
        try:
            return self._build(step(chunk))
        except JSONStreamError as exc:
            self._error = exc
            out = self._build(list(exc.events))
            exc.events = ()
            if not out:
                raise
            return out

    def _build(self, events: list[Any]) -> list[Any]:
        out: list[Any] = []
        stack = self._stack
        for ev in events:
            kind = type(ev)
            path = ev.path
            if kind is Scalar:
                if len(path) == 1:
                    out.append(ev.value)
                elif path:
                    parent = stack[-1]
                    if isinstance(parent, list):
                        parent.append(ev.value)
                    else:
                        parent[path[-1]] = ev.value
                else:
                    raise ProviderFormatError(
                        "expected a JSON array of response chunks, got a scalar",
                        payload=ev.value,
                    )
            elif kind is StartObject or kind is StartArray:
                if not path:
                    if kind is StartObject:
                        raise ProviderFormatError(
                            "expected a JSON array of response chunks, got an object"
                        )
                    continue
                value: Any = {} if kind is StartObject else []
                if len(path) > 1:
                    parent = stack[-1]
                    if isinstance(parent, list):
                        parent.append(value)
                    else:
                        parent[path[-1]] = value
                stack.append(value)
            elif kind is EndObject or kind is EndArray:
                if path:
                    value = stack.pop()
                    if len(path) == 1:
                        out.append(value)
        return out
