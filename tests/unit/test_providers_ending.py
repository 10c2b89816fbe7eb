"""Honest endings (issue #12): a stream that just stops, a length stop, the usage after an
early stop."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

import streamops
from streamops import (
    IncompleteJSONError,
    IncompleteStreamError,
    StreamopsError,
    TruncatedOutputError,
    drain,
    json_snapshots,
    json_values,
    partial,
    pipe,
    throttle,
)
from streamops.providers import (
    AnthropicAdapter,
    Finished,
    GeminiAdapter,
    OpenAIChatAdapter,
    OpenAIResponsesAdapter,
    ProviderAdapter,
    TextDelta,
    Usage,
    events,
    text,
)
from streamops.providers._base import LENGTH_REASONS, is_length_stop
from tests.helpers import TrackedSource

CUT = Finished(None, complete=False)


def sse(*payloads: dict[str, Any] | str) -> str:
    return "".join(f"data: {p if isinstance(p, str) else json.dumps(p)}\n\n" for p in payloads)


def chat(content: str | None = None, finish: str | None = None, index: int = 0) -> dict[str, Any]:
    delta = {} if content is None else {"content": content}
    return {
        "object": "chat.completion.chunk",
        "choices": [{"index": index, "delta": delta, "finish_reason": finish}],
    }


CHAT_USAGE = {"object": "chat.completion.chunk", "choices": [], "usage": {"prompt_tokens": 3}}


def anthropic(stop: str = "end_turn", text_: str = "Hello") -> list[dict[str, Any]]:
    return [
        {"type": "message_start", "message": {"usage": {"input_tokens": 4, "output_tokens": 1}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text_}},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": stop}, "usage": {"output_tokens": 7}},
        {"type": "message_stop"},
    ]


def responses(status: str = "completed", why: str | None = None) -> list[dict[str, Any]]:
    response: dict[str, Any] = {"status": status, "usage": {"input_tokens": 2}}
    if why is not None:
        response["incomplete_details"] = {"reason": why}
    return [
        {"type": "response.created", "response": {"status": "in_progress"}},
        {"type": "response.output_text.delta", "delta": "Hello"},
        {"type": f"response.{status}", "response": response},
    ]


def gemini(reason: str = "STOP", text_: str = "Hello") -> list[dict[str, Any]]:
    return [
        {"candidates": [{"content": {"parts": [{"text": text_}]}}]},
        {"candidates": [{"content": {"parts": []}, "finishReason": reason}]},
    ]


# Whole bodies (each ends with its terminal signal) and the text they carry.
BODIES: dict[str, str] = {
    "openai-chat": sse(chat("Hel"), chat("lo"), chat(finish="stop"), CHAT_USAGE, "[DONE]"),
    "anthropic": sse(*anthropic()),
    "openai-responses": sse(*responses()),
    "gemini": sse(*gemini()),
}


def adapt(*items: Any, provider: Any = "auto") -> list[Any]:
    a = ProviderAdapter(provider)
    out = [e for item in items for e in a.feed(item)]
    while more := a.close():
        out.extend(more)
    return out


# -- the terminal signal of each provider ---------------------------------------------


def test_chat_ends_at_the_finish_reason_of_every_choice_that_started() -> None:
    a = OpenAIChatAdapter()
    a.feed(chat("a"))
    assert not a.ended
    a.feed(chat(finish="stop"))
    assert a.ended  # (no [DONE] needed: the usage chunk may follow, or nothing)
    a.feed(CHAT_USAGE)
    assert a.ended
    # n=2: one choice finished, the other cut
    out = adapt(chat("a"), chat("b", index=1), chat(finish="stop"))
    assert out[-1] == Finished(None, 1, complete=False)
    assert [e for e in out if type(e) is Finished] == [Finished("stop"), out[-1]]
    # [DONE] counts, even without a finish_reason
    assert adapt(sse(chat("a"), "[DONE]")) == [TextDelta("a")]


def test_chat_cut_before_any_choice() -> None:
    assert adapt(sse(CHAT_USAGE)) == [Usage(3, None, None, None, {"prompt_tokens": 3}), CUT]
    assert adapt(b"") == [CUT]  # an empty body is no answer


def test_anthropic_ends_at_message_stop_or_a_stop_reason() -> None:
    body = anthropic()
    a = AnthropicAdapter()
    for payload in body[:4]:
        a.feed(payload)
    assert not a.ended
    a.feed(body[4])  # message_delta with its stop_reason: the answer is whole
    assert a.ended
    assert adapt(*body[:5])[-1] == Finished("end_turn")
    # without message_delta, message_stop still ends it
    assert CUT not in adapt(*body[:4], body[5])
    assert adapt(*body[:4])[-1] == CUT


def test_responses_ends_at_completed_incomplete_or_failed() -> None:
    for status in ("completed", "incomplete", "failed"):
        a = OpenAIResponsesAdapter()
        for payload in responses(status):
            a.feed(payload)
        assert a.ended, status
    assert adapt(*responses()[:2]) == [TextDelta("Hello"), CUT]


def test_gemini_ends_at_the_finish_reason_of_every_candidate() -> None:
    a = GeminiAdapter()
    a.feed(gemini()[0])
    assert not a.ended
    a.feed(gemini()[1])
    assert a.ended
    assert adapt(*gemini()[:1]) == [TextDelta("Hello"), CUT]
    two = {"candidates": [{"index": 1, "content": {"parts": [{"text": "b"}]}}]}
    out = adapt(*gemini(), two)
    assert out[-1] == Finished(None, 1, complete=False)
    blocked = {"promptFeedback": {"blockReason": "SAFETY"}}
    assert adapt(blocked) == [Finished("SAFETY")]


def test_an_upstream_of_events_ends_honestly_if_a_finished_came_through() -> None:
    assert adapt(TextDelta("a"), Finished("stop")) == [TextDelta("a"), Finished("stop")]
    assert adapt(TextDelta("a")) == [TextDelta("a"), CUT]
    assert adapt(TextDelta("a"), CUT) == [TextDelta("a"), CUT]  # one marker, not two


def test_the_marker_comes_after_the_cut_tool_calls_and_before_a_cut_event_error() -> None:
    body = 'data: {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "c",'
    body += ' "function": {"name": "f", "arguments": "{}"}}]}}]}\n\ndata: {"choi'
    a = ProviderAdapter()
    a.feed(body)
    end = a.close()
    assert [type(e).__name__ for e in end] == ["ToolCallDone", "Finished"]
    assert end[0].complete is False
    assert end[1] == CUT
    with pytest.raises(StreamopsError, match="cut off"):
        a.close()


@pytest.mark.parametrize("provider", sorted(BODIES))
def test_every_prefix_of_a_body_is_either_ended_or_marked_cut(provider: str) -> None:
    body = BODIES[provider].encode()
    whole = adapt(body)
    assert CUT not in whole
    for cut in range(len(body)):
        a = ProviderAdapter()
        out = a.feed(body[:cut])
        try:
            while more := a.close():
                out.extend(more)
        except StreamopsError:
            pass  # cut inside an event: the error comes after the marker
        if a.ended:
            assert CUT not in out
        else:
            assert CUT in out, (provider, cut)
            assert not any(type(e) is Finished and e.reason for e in out[out.index(CUT) :])


@given(st.sampled_from(sorted(BODIES)), st.data())
def test_text_of_any_prefix_is_the_whole_answer_or_an_error(provider: str, data: Any) -> None:
    body = BODIES[provider].encode()
    cut = data.draw(st.integers(0, len(body)))
    cuts = sorted(data.draw(st.lists(st.integers(0, cut), max_size=4)))
    chunks = [body[a:b] for a, b in zip([0, *cuts], [*cuts, cut], strict=True)]
    got: list[str] = []

    async def run() -> None:
        async with pipe(chunks, text()) as s:
            async for piece in s:
                got.append(piece)

    error: StreamopsError | None = None
    try:
        anyio.run(run)
    except StreamopsError as exc:
        error = exc
    if error is None:
        assert "".join(got) == "Hello"
    elif isinstance(error, IncompleteStreamError):
        assert error.received == "".join(got)
        assert "Hello".startswith(error.received)
        assert cut < len(body)
    else:  # cut inside an event
        assert "cut off" in str(error)


# -- text(): a cut stream --------------------------------------------------------------


def test_incomplete_stream_error_is_public_and_carries_the_text() -> None:
    assert streamops.IncompleteStreamError is IncompleteStreamError
    assert "IncompleteStreamError" in streamops.__all__
    assert issubclass(IncompleteStreamError, StreamopsError)
    got: list[str] = []

    async def run() -> None:
        async with pipe([sse(chat("Hel"), chat("lo"))], text()) as s:
            async for piece in s:
                got.append(piece)

    with pytest.raises(IncompleteStreamError) as info:
        anyio.run(run)
    assert got == ["Hel", "lo"]  # everything before the cut first
    assert info.value.received == "Hello"


def test_text_of_a_choice_that_finished_while_another_was_cut() -> None:
    body = [chat("a"), chat("b", index=1), chat(finish="stop")]
    assert drain(pipe(body, text())) == ["a"]
    with pytest.raises(IncompleteStreamError):
        drain(pipe(body, text(choice=1)))
    with pytest.raises(IncompleteStreamError):  # a choice never seen, in a cut stream
        drain(pipe(body, text(choice=5)))


# -- truncation --------------------------------------------------------------------------


LENGTH_BODIES: dict[str, tuple[list[Any], str]] = {
    "chat": ([chat('{"a": "xy'), chat(finish="length"), "[DONE]"], "length"),
    "anthropic": (anthropic("max_tokens", '{"a": "xy'), "max_tokens"),
    "gemini": (gemini("MAX_TOKENS", '{"a": "xy'), "MAX_TOKENS"),
    "responses": (
        [
            {"type": "response.output_text.delta", "delta": '{"a": "xy'},
            {
                "type": "response.incomplete",
                "response": {
                    "status": "incomplete",
                    "incomplete_details": {"reason": "max_output_tokens"},
                },
            },
        ],
        "incomplete",
    ),
}


def items(body: list[Any]) -> list[Any]:
    """A body as SSE text (the [DONE] string as a data line)."""
    return [sse(p) for p in body]


def test_the_length_words_are_in_one_place() -> None:
    assert {"length", "max_tokens", "MAX_TOKENS"} <= LENGTH_REASONS
    assert is_length_stop(Finished("length"))
    assert not is_length_stop(Finished("stop"))
    assert not is_length_stop(CUT)
    assert not is_length_stop(None)


@pytest.mark.parametrize("name", sorted(LENGTH_BODIES))
def test_text_raises_truncated_output_after_the_text(name: str) -> None:
    body, reason = LENGTH_BODIES[name]
    got: list[str] = []

    async def run() -> None:
        async with pipe(items(body), text()) as s:
            async for piece in s:
                got.append(piece)

    with pytest.raises(TruncatedOutputError) as info:
        anyio.run(run)
    err = info.value
    assert "".join(got) == '{"a": "xy'
    assert err.finish_reason == reason
    assert err.partial == err.received == '{"a": "xy'
    assert (err.offset, err.line, err.column) == (9, 1, 10)
    assert f"cut off (finish reason {reason!r})" in str(err)
    # the opt-out: the cut text, no exception
    assert "".join(drain(pipe(items(body), text(allow_truncated=True)))) == '{"a": "xy'


def test_responses_incomplete_for_another_reason_is_not_a_length_stop() -> None:
    body = responses("incomplete", why="content_filter")
    assert drain(pipe(body, text())) == ["Hello"]


def test_truncated_text_position_counts_lines() -> None:
    body = [chat("ab\ncd\ne"), chat(finish="length")]
    with pytest.raises(TruncatedOutputError) as info:
        drain(pipe(body, text()))
    assert (info.value.line, info.value.column, info.value.offset) == (3, 2, 7)


class Report(BaseModel):
    title: str
    tags: list[str]


CUT_REPORT = [chat('{"title": "Q3", "tags": ["a", "b'), chat(finish="length"), "[DONE]"]


@pytest.mark.parametrize("size", [1, 3, 100])
def test_json_operators_name_the_length_stop_with_their_own_position(size: int) -> None:
    raw = "".join(items(CUT_REPORT))
    chunks = [raw[i : i + size] for i in range(0, len(raw), size)]
    got: list[Any] = []

    async def run() -> None:
        async with pipe(chunks, text(), json_values("tags[*]")) as s:
            async for value in s:
                got.append(value)

    with pytest.raises(TruncatedOutputError) as info:
        anyio.run(run)
    err = info.value
    assert got == ["a"]
    assert err.finish_reason == "length"
    # the parser's own position and path, not text()'s
    with pytest.raises(IncompleteJSONError) as own:
        drain(pipe(['{"title": "Q3", "tags": ["a", "b'], json_values("tags[*]")))
    assert (err.offset, err.line, err.column, err.path, err.snippet) == (
        own.value.offset,
        own.value.line,
        own.value.column,
        own.value.path,
        own.value.snippet,
    )
    assert err.path == ("tags", 1)
    assert err.message.endswith(own.value.message)
    assert isinstance(err, IncompleteJSONError)
    assert isinstance(err.__cause__, TruncatedOutputError)  # text()'s error
    assert err.__cause__.path == ()


@pytest.mark.parametrize("ops", ["partial", "partial|throttle", "json_snapshots"])
def test_snapshot_operators_carry_their_partial_value(ops: str) -> None:
    stages: list[Any] = {
        "partial": [partial(Report)],
        "partial|throttle": [partial(Report), throttle(60)],
        "json_snapshots": [json_snapshots()],
    }[ops]
    with pytest.raises(TruncatedOutputError) as info:
        drain(pipe(items(CUT_REPORT), text(), *stages))
    err = info.value
    assert err.finish_reason == "length"
    assert err.path == ("tags", 1)
    snapshot = err.partial
    if ops == "json_snapshots":
        assert snapshot is None  # (the snapshots came out as they grew; the last is the partial)
    else:
        assert snapshot.title == "Q3"
        assert snapshot.tags[0] == "a"


def test_a_complete_value_then_a_length_stop_still_raises_after_the_value() -> None:
    body = [chat('{"a": 1} and then some prose'), chat(finish="length")]
    got: list[Any] = []

    async def run() -> None:
        async with pipe(body, text(), json_values("a")) as s:
            async for value in s:
                got.append(value)

    with pytest.raises(TruncatedOutputError) as info:
        anyio.run(run)
    assert got == [1]
    assert info.value.path == ()  # text()'s own error: the JSON value was whole


def test_a_cut_stream_under_json_raises_incomplete_stream() -> None:
    with pytest.raises(IncompleteStreamError):
        drain(pipe([chat('{"a": 1')], text(), json_values("a")))


# -- the usage when the consumer stops early ---------------------------------------------


CHAT_ITEMS = [chat("a"), chat("b"), chat("c"), chat(finish="stop"), CHAT_USAGE, sse("[DONE]")]
FINAL = Usage(3, None, None, None, {"prompt_tokens": 3})


class Reports:
    """An on_usage callback that records its calls."""

    def __init__(self) -> None:
        self.calls: list[Usage | None] = []

    def __call__(self, usage: Usage | None) -> None:
        self.calls.append(usage)


@pytest.mark.anyio
@pytest.mark.parametrize("op", [events, text])
async def test_on_usage_at_the_normal_end(op: Any) -> None:
    report = Reports()
    source = TrackedSource(CHAT_ITEMS)
    async with pipe(source, op(on_usage=report)) as s:
        async for _ in s:
            pass
    assert report.calls == [FINAL]
    assert source.closed


@pytest.mark.anyio
@pytest.mark.parametrize("op", [events, text])
async def test_break_without_drain_reports_unknown_usage(op: Any) -> None:
    report = Reports()
    source = TrackedSource(CHAT_ITEMS, hang=True)
    async with pipe(source, op(on_usage=report)) as s:
        async for _ in s:
            break
    assert report.calls == [None]
    assert source.closed == 1
    assert source.pulled == 1


async def stop_break(s: Any) -> None:
    async with s:
        async for _ in s:
            break


async def stop_aclose(s: Any) -> None:
    await s.__anext__()
    await s.aclose()


async def stop_exception(s: Any) -> None:
    with pytest.raises(KeyError):
        async with s:
            async for _ in s:
                raise KeyError("consumer failed")


STOPS = {"break": stop_break, "aclose": stop_aclose, "exception": stop_exception}


@pytest.mark.anyio
@pytest.mark.parametrize("how", sorted(STOPS))
@pytest.mark.parametrize("op", [events, text])
async def test_drain_reads_on_to_the_usage_then_closes(how: str, op: Any) -> None:
    report = Reports()
    # After the usage: more items, then a hang the drain must never reach.
    source = TrackedSource([*CHAT_ITEMS[:5], chat("never")], hang=True)
    await STOPS[how](pipe(source, op(on_stop="drain", on_usage=report)))
    assert report.calls == [FINAL]
    assert source.closed == 1
    assert source.pulled == 5  # read up to the usage, not beyond


@pytest.mark.anyio
async def test_drain_stops_at_done_without_usage() -> None:
    report = Reports()
    source = TrackedSource([chat("a"), chat(finish="stop"), sse("[DONE]")], hang=True)
    await stop_break(pipe(source, events(on_stop="drain", on_usage=report)))
    assert report.calls == [None]  # the provider reported none: unknown
    assert source.pulled == 3
    assert source.closed == 1


@pytest.mark.anyio
async def test_drain_to_the_end_of_the_body_reports_what_came() -> None:
    report = Reports()
    body = [sse(p) for p in anthropic()[:4]]  # no message_delta: the start usage, at the end
    source = TrackedSource(body)
    await stop_break(pipe(source, events(on_stop="drain", on_usage=report)))
    assert report.calls == [Usage(4, 1, 5, None, {"input_tokens": 4, "output_tokens": 1})]
    assert source.exhausted
    assert source.closed == 1


@pytest.mark.anyio
async def test_drain_is_bounded_by_its_timeout() -> None:
    report = Reports()
    source = TrackedSource([chat("a"), chat("b")], hang=True)  # the model stalls
    await stop_break(pipe(source, events(on_stop="drain", drain_timeout=0.01, on_usage=report)))
    assert report.calls == [None]
    assert source.closed == 1
    assert source.pulled == 2


@pytest.mark.anyio
async def test_an_error_while_draining_ends_the_drain() -> None:
    report = Reports()
    source = TrackedSource([chat("a"), b"data: {oops\n\n", CHAT_USAGE])
    await stop_break(pipe(source, events(on_stop="drain", on_usage=report)))
    assert report.calls == [None]
    assert source.closed == 1
    assert source.pulled == 2


@pytest.mark.anyio
async def test_an_upstream_error_reports_unknown_usage() -> None:
    report = Reports()
    source = TrackedSource([chat("a")], error=ConnectionResetError("gone"))
    with pytest.raises(ConnectionResetError):
        async with pipe(source, text(on_stop="drain", on_usage=report)) as s:
            async for _ in s:
                pass
    assert report.calls == [None]
    assert source.closed == 1


@pytest.mark.anyio
@pytest.mark.parametrize("op", [events, text])
async def test_close_before_start_reports_once(op: Any) -> None:
    report = Reports()
    source = TrackedSource(CHAT_ITEMS)
    s = pipe(source, op(on_stop="drain", on_usage=report))
    await s.aclose()
    await s.aclose()
    assert report.calls == [None]
    assert source.closed == 1
    assert source.pulled == 0


@pytest.mark.anyio
@pytest.mark.parametrize("op", [events, text])
async def test_a_cancelled_consumer_does_not_drain(op: Any) -> None:
    report = Reports()
    source = TrackedSource([chat("a")], hang=True)
    got_one = anyio.Event()

    async def consume() -> None:
        async with pipe(source, op(on_stop="drain", on_usage=report)) as s:
            async for _ in s:
                got_one.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(consume)
        await got_one.wait()
        tg.cancel_scope.cancel()  # the consumer waits inside the source: cancelled there
    assert report.calls == [None]
    assert source.closed == 1


class CancelsOnPull(TrackedSource):
    """A source that cancels ``scope`` when item ``at`` is pulled (during the drain)."""

    def __init__(self, items: list[Any], at: int, scope: anyio.CancelScope) -> None:
        super().__init__(items, hang=True)
        self.at = at
        self.scope = scope

    async def __anext__(self) -> Any:
        if self.pulled + 1 == self.at:
            self.scope.cancel()
        return await super().__anext__()


@pytest.mark.anyio
async def test_cancellation_during_the_drain_is_not_swallowed() -> None:
    report = Reports()
    after: list[str] = []
    with anyio.CancelScope() as scope:
        # The drain pulls items 2.. (the consumer took item 1); pulling item 3 cancels.
        source = CancelsOnPull([chat("a"), chat("b"), chat("c")], at=3, scope=scope)
        s = pipe(source, events(on_stop="drain", drain_timeout=0.01, on_usage=report))
        await stop_break(s)  # the drain runs to its timeout: it is shielded
        after.append("reached")  # (the stop itself returns)
        await anyio.lowlevel.checkpoint()  # ... but the cancellation is still delivered here
        after.append("not reached")
    assert scope.cancelled_caught
    assert after == ["reached"]
    assert report.calls == [None]
    assert source.closed == 1
    assert source.pulled == 3


def test_bad_options() -> None:
    with pytest.raises(ValueError, match="on_stop"):
        drain(pipe([], events(on_stop="later")))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="drain_timeout"):
        drain(pipe([], text(drain_timeout=-1)))
