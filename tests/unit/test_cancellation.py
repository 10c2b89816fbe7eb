"""Stopping a long chain (words, buffer, tee, collect, timeout, throttle) closes the source.

Each way a consumer can stop: break inside ``async with``, ``aclose()``, an
exception, a cancelled task, a cancelled scope. The source is a model that
would talk forever; after the stop it must be closed, before control returns,
and must not have been read much further than the consumer got.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import pytest

from streamops import Stream, pipe, words
from streamops.flow import buffer, collect, tee, throttle, timeout
from tests.helpers import TrackedSource

pytestmark = pytest.mark.anyio

TOKENS = [f"tok{i} " for i in range(100_000)]


def chain(src: TrackedSource) -> tuple[Stream[str], Stream[str]]:
    shown, logged = tee(pipe(src, words(), buffer(4)), 2)
    return pipe(shown, collect(), timeout(idle=5), throttle(0.001)), logged


async def stop_by_break(s: Stream[str]) -> None:
    async with s:
        async for _ in s:
            break


async def stop_by_aclose(s: Stream[str]) -> None:
    await s.__anext__()
    await s.aclose()


async def stop_by_exception(s: Stream[str]) -> None:
    with pytest.raises(KeyError):
        async with s:
            async for _ in s:
                raise KeyError("consumer failed")


async def stop_by_cancelled_task(s: Stream[str]) -> None:
    got_one = anyio.Event()

    async def consume() -> None:
        async with s:
            async for _ in s:
                got_one.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(consume)
        await got_one.wait()
        tg.cancel_scope.cancel()


async def stop_by_cancelled_scope(s: Stream[str]) -> None:
    with anyio.CancelScope() as scope:
        async with s:
            async for _ in s:
                scope.cancel()
                await anyio.lowlevel.checkpoint()
    assert scope.cancelled_caught


STOPS: dict[str, Callable[[Stream[str]], Awaitable[None]]] = {
    "break": stop_by_break,
    "aclose": stop_by_aclose,
    "exception": stop_by_exception,
    "cancelled task": stop_by_cancelled_task,
    "cancelled scope": stop_by_cancelled_scope,
}


@pytest.mark.parametrize("how", sorted(STOPS))
async def test_stopping_a_six_stage_chain_closes_the_source(how: str) -> None:
    src = TrackedSource(TOKENS)
    shown, logged = chain(src)
    await logged.aclose()  # the other tee branch is done early
    assert src.closed == 0
    await STOPS[how](shown)
    assert src.closed == 1
    pulled = src.pulled
    assert pulled < 50, f"the source was read {pulled} items ahead"
    await anyio.lowlevel.checkpoint()
    assert src.pulled == pulled


@pytest.mark.parametrize("how", sorted(STOPS))
async def test_source_stays_open_while_another_tee_branch_reads(how: str) -> None:
    # Longer than what the timed stages read ahead (streamops._core.READ_AHEAD
    # each), so the source is still open when ``shown`` stops.
    src = TrackedSource(TOKENS[:200])
    shown, logged = chain(src)
    await STOPS[how](shown)
    assert src.closed == 0
    rest = [w async for w in logged]
    assert "".join(rest) == "".join(TOKENS[:200])
    assert src.closed == 1
