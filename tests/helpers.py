"""Test helpers shared across the suite."""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import anyio
import pytest


class TrackedSource:
    """An async iterator that records whether (and how often) it was closed.

    After its items it either ends, raises ``error``, or (``hang=True``) waits
    forever, like a model that stalls, so tests can cancel a consumer inside it.
    ``pulled`` counts the items handed out.
    """

    def __init__(
        self, items: Iterable[Any], *, error: BaseException | None = None, hang: bool = False
    ) -> None:
        self._items = list(items)
        self._error = error
        self._hang = hang
        self.pulled = 0
        self.closed = 0
        self.exhausted = False

    def __aiter__(self) -> TrackedSource:
        return self

    async def __anext__(self) -> Any:
        await anyio.lowlevel.checkpoint()
        if self.closed:
            raise RuntimeError("read after close")
        if self.pulled < len(self._items):
            self.pulled += 1
            return self._items[self.pulled - 1]
        if self._error is not None:
            raise self._error
        if self._hang:
            await anyio.sleep_forever()
        self.exhausted = True
        raise StopAsyncIteration

    async def aclose(self) -> None:
        self.closed += 1


class SDKLikeSource(TrackedSource):
    """Like the openai/anthropic SDK streams: ``__aiter__`` gives a fresh generator
    and the object itself has an async ``close()`` (no ``aclose``)."""

    def __aiter__(self) -> Any:  # type: ignore[override]
        async def gen() -> Any:
            while True:
                try:
                    yield await TrackedSource.__anext__(self)
                except StopAsyncIteration:
                    return

        return gen()

    async def close(self) -> None:
        self.closed += 1

    aclose = None  # type: ignore[assignment]


def random_cuts(raw: bytes, seed: int, *, most: int = 30) -> list[bytes]:
    """``raw`` cut at random places (pieces of 1 to ``most`` bytes), the same for a seed."""
    rng = random.Random(seed)
    out, i = [], 0
    while i < len(raw):
        n = rng.randint(1, most)
        out.append(raw[i : i + n])
        i += n
    return out


def feed_all(adapter: Any, items: Iterable[Any]) -> list[Any]:
    """Everything a sync core (``feed`` / ``close``) gives for ``items``."""
    out: list[Any] = []
    for item in items:
        out.extend(adapter.feed(item))
    out.extend(adapter.close())
    return out
NODE_DIR = Path(__file__).resolve().parent / "node"


def node_peer(package: str, test: str) -> str:
    """The ``node`` executable, once npm ``package`` is installed in ``tests/node``
    (by ``.ci/node.sh``). Skips the test when it is not, outside CI; in CI
    (``CI=true``) the test must run, so it fails instead."""
    node = shutil.which("node")
    if node is None or not (NODE_DIR / "node_modules" / package).is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the {test} test: run .ci/node.sh")
        pytest.skip(f"{package} is not installed: run .ci/node.sh (needs node and npm)")
    return node


def needs_yajl() -> pytest.MarkDecorator:
    """Skip a module of strict fast-path tests without ijson's C backend; in CI
    (``CI=true``) they must run, so its absence is an error there."""
    from streamops.json._fast import make_strict_values

    missing = make_strict_values("$") is None
    if missing and os.environ.get("CI") == "true":
        raise RuntimeError("CI must run the strict fast-path tests: ijson is in the dev extra")
    return pytest.mark.skipif(missing, reason="ijson's yajl2_c backend is not installed")
