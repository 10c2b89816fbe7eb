"""Close an SDK's async stream object and the async generators nested inside it.

The SDKs' async stream objects are chains of async generators (the stream
object, its event iterator, its line decoder, the HTTP body). Closing the outer
object does not close the inner generators; and an SDK that stops reading at its
own end marker (openai at ``[DONE]``) leaves them suspended. Left to the
garbage collector, they are finalised later by the event loop (trio warns about
each); until then, for some SDKs (google-genai), the HTTP response stays open.

So :func:`sdk_items` finds the async generators inside the stream object while
they are alive (walking the references of the SDK's own objects and of the
generators, never beyond), keeps them, and closes each one that is still
suspended, outermost first, when the stream ends or is closed.
"""

from __future__ import annotations

import gc
import inspect
from collections.abc import AsyncGenerator, AsyncIterable
from typing import Any

import anyio

from .._core import _close_object as _close

__all__ = ["nested_generators", "sdk_items"]

_SDK_MODULES = frozenset({"openai", "anthropic", "google"})
_LIMIT = 64  # generators kept at most: an SDK chain has a handful


def _is_sdk_object(obj: object) -> bool:
    module = getattr(type(obj), "__module__", None) or ""
    return module.split(".", 1)[0] in _SDK_MODULES


def nested_generators(root: object) -> list[Any]:
    """The async generators reachable from ``root`` through SDK objects, their
    ``__dict__`` and other async generators (frames included), outermost first.

    >>> async def inner():
    ...     yield 1
    >>> async def outer():
    ...     async for x in inner():
    ...         yield x
    >>> nested_generators(outer())  # not started: nothing inside yet
    []
    """
    found: list[Any] = []
    seen = {id(root)}
    todo = [root]
    while todo and len(found) < _LIMIT:
        obj = todo.pop(0)
        follow_dicts = _is_sdk_object(obj)
        for ref in gc.get_referents(obj):
            if id(ref) in seen:
                continue
            if inspect.isasyncgen(ref):
                seen.add(id(ref))
                found.append(ref)
                todo.append(ref)
            elif _is_sdk_object(ref) or (follow_dicts and type(ref) is dict):
                seen.add(id(ref))
                todo.append(ref)
    return found


async def sdk_items(source: AsyncIterable[Any]) -> AsyncGenerator[Any, None]:
    """Iterate an SDK's async stream object; at the end, close it and everything inside."""
    iterator = source.__aiter__()
    nested: list[Any] = []
    try:
        async for item in iterator:
            if not nested:
                nested = nested_generators(source)
            yield item
    finally:
        with anyio.CancelScope(shield=True):
            if not nested:
                nested = nested_generators(source)
            try:
                if iterator is not source:  # an SDK's __aiter__ may be a generator of its own
                    await _close(iterator)
                await _close(source)
            finally:
                for gen in nested:
                    if gen.ag_frame is not None and not gen.ag_running:
                        await gen.aclose()
