"""run_tools(): running calls while the stream goes on, in call order, bounded, losing none."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from pydantic import BaseModel

from streamops import ToolCallError, drain, pipe
from streamops.providers import TextDelta, ToolCallDelta, ToolCallDone, ToolCallStarted
from streamops.tools import ToolCallFailed, ToolResult, run_tools, tool_calls
from tests.helpers import TrackedSource

pytestmark = pytest.mark.anyio


def done(index: int, name: str, arguments: str, *, server: bool = False) -> ToolCallDone:
    return ToolCallDone(index, f"call_{index}", name, arguments, None, server=server)


def whole(index: int, name: str, arguments: str) -> list[Any]:
    """A call as an adapter emits it: started, fragments, done."""
    half = len(arguments) // 2
    return [
        ToolCallStarted(index, f"call_{index}", name),
        ToolCallDelta(index, arguments[:half]),
        ToolCallDelta(index, arguments[half:]),
        done(index, name, arguments),
    ]


async def results_of(source: Any, tools: dict[str, Any], **kw: Any) -> list[ToolResult]:
    async with pipe(source, run_tools(tools, **kw)) as s:
        return [r async for r in s]


async def add(a: int, b: int) -> int:
    await anyio.lowlevel.checkpoint()
    return a + b


def shout(text: str) -> str:
    return text.upper()


def broken(x: int) -> int:
    raise LookupError(f"no {x}")


async def test_async_and_sync_tools_run_and_results_are_paired_with_their_calls() -> None:
    thread: list[int] = []

    def where(x: int) -> int:
        thread.append(threading.get_ident())
        return x

    items = [
        *whole(0, "add", '{"a": 1, "b": 2}'),
        *whole(1, "shout", '{"text": "hi"}'),
        *whole(2, "where", '{"x": 5}'),
    ]
    got = await results_of(TrackedSource(items), {"add": add, "shout": shout, "where": where})
    assert got == [
        ToolResult(0, "call_0", "add", 3),
        ToolResult(1, "call_1", "shout", "HI"),
        ToolResult(2, "call_2", "where", 5),
    ]
    assert thread != [threading.get_ident()]  # sync tools run in a worker thread


async def test_a_failing_tool_gives_an_error_result_and_the_others_still_run() -> None:
    items = [
        *whole(0, "add", '{"a": 1, "b": 2}'),
        *whole(1, "broken", '{"x": 7}'),
        *whole(2, "shout", '{"text": "ok"}'),
    ]
    got = await results_of(items, {"add": add, "broken": broken, "shout": shout})
    assert [(r.id, r.value) for r in got] == [("call_0", 3), ("call_1", None), ("call_2", "OK")]
    assert isinstance(got[1].error, LookupError)
    assert str(got[1].error) == "no 7"
    assert [r.ok for r in got] == [True, False, True]


async def test_failed_calls_give_error_results_without_running() -> None:
    ran: list[str] = []

    def record(text: str) -> str:
        ran.append(text)
        return text

    items = [
        *whole(0, "record", '{"text": "a"}'),
        *whole(1, "unknown", "{}"),
        *whole(2, "record", '{"text": 3}'),  # invalid: not a string
        ToolCallStarted(3, "call_3", "record"),
        ToolCallDelta(3, '{"text": "cut'),
        ToolCallDone(3, "call_3", "record", '{"text": "cut', None, complete=False),
        *whole(4, "record", '{"text": "e"}'),
    ]
    got = await results_of(items, {"record": record})
    assert [r.index for r in got] == [0, 1, 2, 3, 4]
    assert [r.value for r in got] == ["a", None, None, None, "e"]
    for r in got[1:4]:
        assert isinstance(r.error, ToolCallError)
        assert r.error.call_id == r.id
    assert "unknown tool" in str(got[1].error)
    assert "invalid arguments" in str(got[2].error)
    assert "cut off" in str(got[3].error)
    assert sorted(ran) == ["a", "e"]  # (concurrently, in threads)


async def test_results_come_in_call_order_even_when_a_later_call_finishes_first() -> None:
    second_done = anyio.Event()
    finished: list[str] = []

    async def slow() -> str:
        await second_done.wait()
        finished.append("slow")
        return "slow"

    async def fast() -> str:
        finished.append("fast")
        second_done.set()
        return "fast"

    items = [*whole(0, "slow", "{}"), *whole(1, "fast", "{}")]
    got = await results_of(items, {"slow": slow, "fast": fast})
    assert finished == ["fast", "slow"]
    assert [r.value for r in got] == ["slow", "fast"]


async def test_a_call_runs_as_soon_as_its_arguments_are_done_while_later_calls_stream() -> None:
    first_ran = anyio.Event()
    log: list[str] = []

    async def first() -> str:
        log.append("first ran")
        first_ran.set()
        return "1"

    async def second() -> str:
        return "2"

    async def source() -> AsyncIterator[Any]:
        for event in whole(0, "first", "{}"):
            yield event
        yield ToolCallStarted(1, "call_1", "second")
        # The stream stalls here until the first call has run: had run_tools waited
        # for the end of the stream, this would never finish.
        with anyio.fail_after(10):
            await first_ran.wait()
        log.append("stream goes on")
        yield ToolCallDelta(1, "{}")
        yield done(1, "second", "{}")

    got = await results_of(source(), {"first": first, "second": second})
    assert log == ["first ran", "stream goes on"]
    assert [r.value for r in got] == ["1", "2"]


async def test_the_first_result_is_delivered_before_the_stream_ends() -> None:
    gate = anyio.Event()
    source = TrackedSource([*whole(0, "add", '{"a": 1, "b": 1}'), ToolCallStarted(1, "x", "add")])

    async def stalled() -> AsyncIterator[Any]:
        async for item in source:
            yield item
        await gate.wait()

    async with pipe(stalled(), run_tools({"add": add})) as s:
        first = await s.__anext__()
        assert first.value == 2
        assert source.exhausted  # the stream is still open (stalled), the result is out
        gate.set()


async def test_concurrency_is_bounded() -> None:
    running = 0
    peak = 0
    release = anyio.Event()
    started = [anyio.Event() for _ in range(5)]

    async def work(n: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        started[n].set()
        await release.wait()
        running -= 1
        return n

    items = [e for n in range(5) for e in whole(n, "work", f'{{"n": {n}}}')]
    async with pipe(items, run_tools({"work": work}, max_concurrency=2)) as s:
        async with anyio.create_task_group() as tg:
            got: list[int] = []

            async def consume() -> None:
                got.extend([r.value async for r in s])

            tg.start_soon(consume)
            await started[0].wait()
            await started[1].wait()
            await anyio.wait_all_tasks_blocked()
            assert running == 2
            assert not started[2].is_set()
            release.set()
    assert got == [0, 1, 2, 3, 4]
    assert peak == 2


async def test_a_model_entry_has_nothing_to_run_its_value_is_the_arguments() -> None:
    class Answer(BaseModel):
        text: str

    got = await results_of(whole(0, "final_result", '{"text": "42"}'), {"final_result": Answer})
    assert got == [ToolResult(0, "call_0", "final_result", Answer(text="42"))]


async def test_server_tools_and_other_events_give_no_result() -> None:
    items = [
        TextDelta("thinking about it"),
        ToolCallStarted(0, "srv", "web_search", server=True),
        ToolCallDelta(0, '{"q": "x"}'),
        ToolCallDone(0, "srv", "web_search", '{"q": "x"}', {"q": "x"}, server=True),
        *whole(1, "shout", '{"text": "a"}'),
    ]
    assert [r.value for r in await results_of(items, {"shout": shout})] == ["A"]


async def test_the_output_of_tool_calls_is_accepted_as_it_is() -> None:
    items = [*whole(0, "shout", '{"text": "a"}'), *whole(1, "nope", "{}")]
    stage = tool_calls({"shout": shout})
    async with pipe(items, stage, run_tools({"shout": shout})) as s:
        got = [r async for r in s]
    assert [r.value for r in got] == ["A", None]
    assert isinstance(got[1].error, ToolCallError)


async def test_positional_only_kwargs_and_awkward_names_reach_the_function() -> None:
    seen: list[Any] = []

    def f(a: int, /, json: str, *, flag: bool = False, **rest: Any) -> None:
        seen.append((a, json, flag, rest))

    await results_of(whole(0, "f", '{"a": 1, "json": "j", "flag": true, "more": [1]}'), {"f": f})
    assert seen == [(1, "j", True, {"more": [1]})]


async def test_an_upstream_error_comes_after_the_results_of_finished_calls() -> None:
    boom = OSError("connection reset")
    items = [*whole(0, "add", '{"a": 2, "b": 2}'), ToolCallStarted(1, "c", "add")]
    source = TrackedSource(items, error=boom)
    got: list[ToolResult] = []
    with pytest.raises(OSError, match="connection reset"):
        async with pipe(source, run_tools({"add": add})) as s:
            async for r in s:
                got.append(r)
    assert [r.value for r in got] == [4]
    assert source.closed == 1


async def test_closing_early_cancels_running_tools_and_closes_the_upstream() -> None:
    cancelled = anyio.Event()
    entered = anyio.Event()

    async def forever() -> None:
        entered.set()
        try:
            await anyio.sleep_forever()
        finally:
            cancelled.set()

    source = TrackedSource(
        [*whole(0, "add", '{"a": 0, "b": 1}'), *whole(1, "forever", "{}")], hang=True
    )
    async with pipe(source, run_tools({"add": add, "forever": forever})) as s:
        async for r in s:
            assert r.value == 1
            await entered.wait()
            break
    assert cancelled.is_set()
    assert source.closed == 1


async def test_a_consumers_own_cancel_scope_around_the_iteration_exits_cleanly() -> None:
    source = TrackedSource(whole(0, "add", '{"a": 0, "b": 1}'), hang=True)
    got: list[Any] = []
    async with pipe(source, run_tools({"add": add})) as s:
        with anyio.CancelScope() as scope:
            async for r in s:
                got.append(r.value)
                scope.cancel()  # the next wait is cancelled inside the operator
    assert scope.cancelled_caught
    assert got == [1]
    assert source.closed == 1


def test_bad_options_fail_at_once() -> None:
    with pytest.raises(ValueError, match="max_concurrency"):
        run_tools({"add": add}, max_concurrency=0)
    with pytest.raises(TypeError, match="mapping"):
        run_tools(None)  # type: ignore[arg-type]


def test_run_tools_from_sync_code() -> None:
    results = drain(pipe([*whole(0, "shout", '{"text": "x"}')], run_tools({"shout": shout})))
    assert results == [ToolResult(0, "call_0", "shout", "X")]


def test_tool_call_failed_is_a_plain_record() -> None:
    error = ToolCallError("no", name="x")
    assert ToolCallFailed(0, "c", "x", error, raw={"a": 1}) == ToolCallFailed(0, "c", "x", error)


# -- with_events: the stream's events flow on beside the results ------------------------


async def test_with_events_keeps_text_usage_and_finish_beside_the_results() -> None:
    from streamops.providers import Finished, Usage

    def add(a: int, b: int) -> int:
        return a + b

    source = [
        TextDelta("Adding."),
        *whole(0, "add", '{"a": 1, "b": 2}'),
        *whole(1, "add", '{"a": "x"}'),
        Usage(3, 4, 7),
        Finished("tool_calls"),
    ]
    async with pipe(source, run_tools({"add": add}, with_events=True)) as s:
        out = [item async for item in s]
    events = [item for item in out if not isinstance(item, ToolResult)]
    assert events[:1] == [TextDelta("Adding.")]
    assert events[-2:] == [Usage(3, 4, 7), Finished("tool_calls")]
    assert [e for e in events if isinstance(e, ToolCallStarted)] == [
        ToolCallStarted(0, "call_0", "add"),
        ToolCallStarted(1, "call_1", "add"),
    ]
    assert any(isinstance(e, ToolCallFailed) and e.id == "call_1" for e in events)
    results = [item for item in out if isinstance(item, ToolResult)]
    assert [(r.id, r.value, type(r.error)) for r in results] == [
        ("call_0", 3, type(None)),
        ("call_1", None, ToolCallError),
    ]
    for result in results:  # each result after the event that finished its call
        ends = [
            i
            for i, e in enumerate(out)
            if isinstance(e, (ToolCallDone, ToolCallFailed)) and e.id == result.id
        ]
        assert ends
        assert ends[0] < out.index(result)


async def test_with_events_text_never_waits_for_a_running_tool() -> None:
    release = anyio.Event()

    async def slow() -> str:
        await release.wait()
        return "done"

    from streamops.providers import Finished

    source = [*whole(0, "slow", "{}"), TextDelta("while it runs"), Finished("tool_calls")]
    seen: list[Any] = []
    with anyio.fail_after(10):
        async with pipe(source, run_tools({"slow": slow}, with_events=True)) as s:
            async for item in s:
                seen.append(item)
                if item == TextDelta("while it runs"):
                    release.set()  # the tool finishes only once the text was seen
    result = next(item for item in seen if isinstance(item, ToolResult))
    assert result.value == "done"
    assert seen.index(TextDelta("while it runs")) < seen.index(result)


async def test_with_events_holds_few_events_for_a_slow_consumer() -> None:
    from streamops.providers import Finished

    source = TrackedSource([*(TextDelta(str(i)) for i in range(500)), Finished("stop")])
    async with pipe(source, run_tools({}, with_events=True)) as s:
        first = await s.__anext__()
        assert first == TextDelta("0")
        await anyio.wait_all_tasks_blocked()  # let the runner read as far as it may
        assert source.pulled <= 64 + 2  # what the board holds, one in hand, one read ahead
        rest = [item async for item in s]
    assert rest == [*(TextDelta(str(i)) for i in range(1, 500)), Finished("stop")]


async def test_without_events_only_results() -> None:
    def ping() -> str:
        return "pong"

    results = await results_of([TextDelta("x"), *whole(0, "ping", "{}")], {"ping": ping})
    assert [type(r) for r in results] == [ToolResult]
