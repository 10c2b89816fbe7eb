"""The operator core: piping, typing of sources, and closing on every way of stopping."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator

import anyio
import pytest

from streamops import Stream, chunk_operator, drain, iterate, operator, pipe, stream
from tests.helpers import SDKLikeSource, TrackedSource

pytestmark = pytest.mark.anyio


@operator
async def upper(source: AsyncIterable[str]) -> AsyncIterator[str]:
    async for chunk in source:
        yield chunk.upper()


@operator
async def double(source: AsyncIterable[str], *, times: int = 2) -> AsyncIterator[str]:
    async for chunk in source:
        for _ in range(times):
            yield chunk


@operator
async def first_two(source: AsyncIterable[str]) -> AsyncIterator[str]:
    n = 0
    async for chunk in source:
        yield chunk
        n += 1
        if n == 2:
            return


class Same:
    """A sync core that passes chunks through (``chunk_operator``: a fused stage)."""

    def feed(self, chunk: str) -> list[str]:
        return [chunk]

    def close(self) -> list[str]:
        return []


same = chunk_operator(Same)


def chain(source: object) -> Stream[str]:
    """Six stages over the source, the first a fused one, reading the source itself."""
    return pipe(source, same(), upper(), double(times=1), same(), double(times=1), upper())  # type: ignore[arg-type]


async def test_pipe_and_bar_are_the_same() -> None:
    a = [x async for x in pipe(["a", "b"], upper(), double())]
    b = [x async for x in stream(["a", "b"]) | upper() | double()]
    assert a == b == ["A", "A", "B", "B"]


async def test_plain_function_operators_pipe_and_close() -> None:
    src = TrackedSource(["a", "b", "c"])

    async def take_one(s: AsyncIterable[str]) -> AsyncIterator[str]:
        async for x in s:
            yield x
            return

    assert [x async for x in stream(src) | take_one] == ["a"]
    assert src.closed == 1


async def test_async_source_is_consumed_in_order() -> None:
    src = TrackedSource(["x", "y", "z"])
    assert [x async for x in chain(src)] == ["X", "Y", "Z"]
    assert src.exhausted
    assert src.closed == 1


async def test_sync_generator_source_is_lifted_and_closed_early() -> None:
    closed = []

    def gen() -> object:
        try:
            yield "a"
            yield "b"
        finally:
            closed.append(True)

    async with pipe(gen(), upper()) as s:  # type: ignore[arg-type]
        async for _ in s:
            break
    assert closed == [True]


async def test_non_iterable_source_is_rejected() -> None:
    with pytest.raises(TypeError, match="iterable"):
        stream(42)  # type: ignore[arg-type]


async def test_break_inside_async_with_closes_the_whole_chain() -> None:
    src = TrackedSource(["a", "b", "c"], hang=True)
    async with chain(src) as s:
        async for item in s:
            assert item == "A"
            break
        assert src.closed == 0
    assert src.closed == 1


async def test_aclose_closes_the_whole_chain_and_is_idempotent() -> None:
    src = TrackedSource(["a", "b"], hang=True)
    s = chain(src)
    assert await s.__anext__() == "A"
    await s.aclose()
    assert src.closed == 1
    await s.aclose()
    assert src.closed == 1
    with pytest.raises(StopAsyncIteration):
        await s.__anext__()


async def test_consumer_exception_closes_the_chain() -> None:
    src = TrackedSource(["a", "b"], hang=True)
    with pytest.raises(ZeroDivisionError):
        async with chain(src) as s:
            async for _ in s:
                1 / 0  # noqa: B018
    assert src.closed == 1


async def test_cancelled_consumer_closes_the_chain() -> None:
    src = TrackedSource(["a"], hang=True)
    got: list[str] = []
    first = anyio.Event()

    async def consume() -> None:
        async with chain(src) as s:
            async for item in s:
                got.append(item)
                first.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(consume)
        await first.wait()
        assert src.closed == 0
        tg.cancel_scope.cancel()
    assert got == ["A"]
    assert src.closed == 1


async def test_timeout_scope_closes_the_chain() -> None:
    src = TrackedSource(["a"], hang=True)
    with anyio.move_on_after(0.05) as scope:
        async with chain(src) as s:
            async for _ in s:
                pass
    assert scope.cancelled_caught
    assert src.closed == 1


async def test_operator_stopping_early_closes_upstream() -> None:
    src = TrackedSource(["a", "b", "c", "d"], hang=True)
    assert [x async for x in pipe(src, upper(), first_two())] == ["A", "B"]
    assert src.closed == 1


async def test_source_exception_reaches_consumer_unchanged() -> None:
    boom = ConnectionResetError("peer went away")
    src = TrackedSource(["a"], error=boom)
    got = []
    with pytest.raises(ConnectionResetError) as info:
        async for item in chain(src):
            got.append(item)
    assert info.value is boom
    assert got == ["A"]
    assert src.closed == 1


async def test_operator_exception_closes_upstream() -> None:
    @operator
    async def explode(source: AsyncIterable[str]) -> AsyncIterator[str]:
        async for chunk in source:
            yield chunk
            raise LookupError("bad")

    src = TrackedSource(["a", "b"], hang=True)
    with pytest.raises(LookupError):
        async for _ in pipe(src, explode(), upper()):
            pass
    assert src.closed == 1


async def test_sdk_like_source_is_closed_with_its_close_method() -> None:
    src = SDKLikeSource(["a", "b"], hang=True)
    async with pipe(src, upper()) as s:
        async for _ in s:
            break
    assert src.closed == 1


def test_iterate_runs_a_pipeline_synchronously() -> None:
    assert list(iterate(["a", "b"], upper(), double())) == ["A", "A", "B", "B"]
    assert drain(pipe(["q"], upper())) == ["Q"]


def test_iterate_break_closes_the_source() -> None:
    src = TrackedSource(["a", "b", "c"], hang=True)
    it = iterate(src, upper())
    for item in it:
        assert item == "A"
        break
    it.close()
    assert src.closed == 1


def test_iterate_propagates_source_errors_unchanged() -> None:
    boom = ValueError("x")
    src = TrackedSource(["a"], error=boom)
    with pytest.raises(ValueError) as info:
        drain(src, upper())
    assert info.value is boom
    assert src.closed == 1


async def test_iterate_works_where_an_event_loop_is_already_running() -> None:
    # A notebook cell: sync code called from inside a running loop.
    assert drain(["a", "b"], upper()) == ["A", "B"]


def test_operator_factory_keeps_name_and_doc() -> None:
    assert upper.__name__ == "upper"
    assert upper().__name__ == "upper"  # type: ignore[attr-defined]


def test_an_operator_factory_shows_the_signature_users_call() -> None:
    import inspect

    assert str(inspect.signature(double)) == "(*, times: 'int' = 2)"
    assert str(inspect.signature(upper)) == "()"


def test_a_chunk_operator_factory_shows_its_options_not_its_core() -> None:
    import inspect

    from streamops import json_values, think_tags

    assert str(inspect.signature(think_tags)) == (
        "(open_tag: 'str' = '<think>', close_tag: 'str' = '</think>', *,"
        " anywhere: 'bool' = False, start_inside: 'bool' = False)"
    )
    assert inspect.signature(json_values).return_annotation is inspect.Signature.empty
