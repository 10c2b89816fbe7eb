"""tool_calls(): assembling, enriching and validating tool calls; the sync core; tool_model()."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field

from streamops import (
    IncompleteJSONError,
    JSONStreamError,
    Partial,
    StreamValidationError,
    ToolCallError,
    drain,
    pipe,
)
from streamops.providers import (
    Finished,
    ReasoningDelta,
    TextDelta,
    ToolCallDelta,
    ToolCallDone,
    ToolCallStarted,
    Usage,
    sse_events,
)
from streamops.providers._events import EVENT_TYPES
from streamops.tools import ToolCallAssembler, ToolCallFailed, tool_calls, tool_model
from tests.helpers import TrackedSource


class Weather(BaseModel):
    city: str
    days: int = Field(default=1, ge=1, le=14)
    units: Literal["c", "f"] = "c"


class Stock(BaseModel):
    ticker: str


class NoArgs(BaseModel):
    pass


TOOLS: dict[str, Any] = {"weather": Weather, "stock": Stock, "now": NoArgs}


def call(
    index: int,
    name: str,
    fragments: list[str],
    *,
    id: str | None = None,
    done: bool = True,
    complete: bool = True,
    choice: int = 0,
) -> list[Any]:
    """The provider events of one call, as an adapter emits them."""
    call_id = id or f"call_{index}"
    out: list[Any] = [ToolCallStarted(index, call_id, name, choice)]
    out += [ToolCallDelta(index, f, choice) for f in fragments if f]
    if done:
        out.append(
            ToolCallDone(index, call_id, name, "".join(fragments), None, choice, False, complete)
        )
    return out


def run(items: list[Any], tools: Any = TOOLS, **kw: Any) -> list[Any]:
    """The events of ``items``. A list of provider events is made a stream that ends
    properly: a ``Finished`` after it, checked to come out last, then left out."""
    if not all(isinstance(item, EVENT_TYPES) for item in items):
        return drain(pipe(items, tool_calls(tools, **kw)))  # a body: it has its own end
    end = Finished("tool_calls")
    got = drain(pipe([*items, end], tool_calls(tools, **kw)))
    assert got[-1] is end
    return got[:-1]


def of(kind: type, got: list[Any]) -> list[Any]:
    return [e for e in got if type(e) is kind]


# --- the event sequence -----------------------------------------------------------------


def test_started_comes_before_any_argument_and_done_carries_the_model(
    chunking: Callable[[str], list[str]],
) -> None:
    text = '{"city": "Paris", "days": 3, "units": "f"}'
    got = run(call(0, "weather", chunking(text)))
    assert type(got[0]) is ToolCallStarted
    assert (got[0].id, got[0].name) == ("call_0", "weather")
    assert all(type(e) is ToolCallDelta for e in got[1:-1])
    assert "".join(e.text for e in got[1:-1]) == text
    (done,) = of(ToolCallDone, got)
    assert done is got[-1]
    assert done.arguments == text
    assert done.parsed == Weather(city="Paris", days=3, units="f")
    assert type(done.parsed) is Weather
    assert (done.complete, done.server, done.id, done.name) == (True, False, "call_0", "weather")


def test_started_is_emitted_from_a_raw_body_before_the_first_fragment_arrives() -> None:
    first = {
        "choices": [
            {
                "index": 0,
                "delta": {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "weather", "arguments": ""},
                        }
                    ]
                },
            }
        ]
    }
    core = ToolCallAssembler(TOOLS)
    out = core.feed(f"data: {json.dumps(first)}\n\n".encode())
    assert out == [ToolCallStarted(0, "call_1", "weather")]


def test_partial_args_are_partial_model_snapshots_that_grow() -> None:
    fragments = ['{"ci', 'ty": "Ed', "inburgh", '", "da', "ys", '": 1', "2", "}"]
    got = run(call(0, "weather", fragments))
    deltas = of(ToolCallDelta, got)
    assert [d.text for d in deltas] == fragments
    shown = [d.partial_args for d in deltas]
    assert shown[0] is None or isinstance(shown[0], Partial)
    assert isinstance(shown[1], Partial)
    assert shown[1].city == "Ed"
    assert shown[2].city == "Edinburgh"
    assert shown[3].city == "Edinburgh"
    assert shown[3].is_complete("city")
    assert shown[6].days is None  # 12 is not shown before it is complete (1 could become 12)
    assert shown[7] == Weather(city="Edinburgh", days=12)
    assert not isinstance(shown[7], Partial)
    assert shown[2].city == "Edinburgh"  # earlier snapshots stay as they were


def test_without_a_registry_partial_args_are_plain_json_and_parsed_is_the_value() -> None:
    fragments = ['{"q": "ca', 'ts", "tags": [1, ', '"x"], "n": nu', "ll}"]
    got = run(call(0, "anything", fragments), tools=None)
    deltas = of(ToolCallDelta, got)
    # Each snapshot keeps its moment's state (the open containers are copied).
    assert [d.partial_args for d in deltas] == [
        {"q": "ca"},
        {"q": "cats", "tags": [1]},
        {"q": "cats", "tags": [1, "x"]},
        {"q": "cats", "tags": [1, "x"], "n": None},
    ]
    assert deltas[2].partial_args["tags"] is not deltas[1].partial_args["tags"]
    (done,) = of(ToolCallDone, got)
    assert done.parsed == {"q": "cats", "tags": [1, "x"], "n": None}
    assert done.parsed == json.loads("".join(fragments))


@pytest.mark.parametrize(
    "text", ['[1, {"a": "b"}]', '"just a string"', "42", "true", "null", '{"a": {}}']
)
def test_without_a_registry_any_json_value_is_accepted(text: str) -> None:
    (done,) = of(ToolCallDone, run(call(0, "f", [text[:3], text[3:]]), tools=None))
    assert done.parsed == json.loads(text)


def test_done_waits_for_the_provider_even_when_the_text_already_parses() -> None:
    core = ToolCallAssembler(TOOLS)
    out: list[Any] = []
    for event in call(0, "weather", ['{"city": ', '"Oslo"}'], done=False):
        out += core.feed(event)
    assert not of(ToolCallDone, out)
    assert out[-1].partial_args == Weather(city="Oslo")  # complete and valid, yet not done
    out = core.feed(ToolCallDone(0, "call_0", "weather", '{"city": "Oslo"}', None))
    assert [type(e) for e in out] == [ToolCallDone]


def test_non_tool_events_pass_through_unchanged() -> None:
    others: list[Any] = [
        ReasoningDelta("hmm"),
        TextDelta("Hello"),
        Usage(1, 2, 3),
        Finished("tool_calls"),
    ]
    items = [others[0], others[1], *call(0, "stock", ['{"ticker": "X"}']), *others[2:]]
    got = run(items)
    assert [e for e in got if type(e) in (ReasoningDelta, TextDelta, Usage, Finished)] == others
    assert all(any(e is o for e in got) for o in others)  # the same objects


def test_server_tools_pass_through_unvalidated() -> None:
    events_ = [
        ToolCallStarted(1, "srv_1", "web_search", server=True),
        ToolCallDelta(1, '{"query": '),
        ToolCallDelta(1, '"x"'),
        ToolCallDone(1, "srv_1", "web_search", '{"query": "x"', None, server=True),
    ]
    got = run(events_)  # "web_search" is not in the registry, and its JSON is broken
    assert got == events_
    assert all(a is b for a, b in zip(got, events_, strict=True))


def test_calls_of_different_choices_do_not_mix() -> None:
    a = call(0, "stock", ['{"ticker": "A', 'A"}'], choice=0)
    b = call(0, "stock", ['{"ticker": "B', 'B"}'], choice=1)
    interleaved = [a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3]]
    done = of(ToolCallDone, run(interleaved))
    assert [(d.choice, d.parsed) for d in done] == [
        (0, Stock(ticker="AA")),
        (1, Stock(ticker="BB")),
    ]


def test_the_sync_core_accepts_raw_sse_bodies_and_dicts() -> None:
    chunks = [
        {
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "c",
                                "function": {"name": "stock", "arguments": '{"tic'},
                            }
                        ]
                    },
                }
            ]
        },
        {
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [{"index": 0, "function": {"arguments": 'ker": "Z"}'}}]
                    },
                }
            ]
        },
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    ]
    body = b"".join(f"data: {json.dumps(c)}\n\n".encode() for c in chunks) + b"data: [DONE]\n\n"
    for items in ([body], chunks, [body[i : i + 5] for i in range(0, len(body), 5)]):
        got = run(items)
        assert of(ToolCallDone, got)[0].parsed == Stock(ticker="Z")
        assert of(Finished, got) == [Finished("tool_calls")]
    # and after an SSE decoding stage too
    got = drain(pipe([body], sse_events(), tool_calls(TOOLS)))
    assert of(ToolCallDone, got)[0].parsed == Stock(ticker="Z")


# --- callables ----------------------------------------------------------------------------


def get_weather(city: str, days: Annotated[int, Field(ge=1)] = 1) -> str:
    """The forecast."""
    return f"{city}: {days}"


def test_a_callables_signature_is_its_model() -> None:
    got = run(
        call(0, "get_weather", ['{"city": "Lima", "days": 2}']), tools={"get_weather": get_weather}
    )
    (done,) = of(ToolCallDone, got)
    assert type(done.parsed) is tool_model(get_weather)
    assert (done.parsed.city, done.parsed.days) == ("Lima", 2)
    partials = [d.partial_args for d in of(ToolCallDelta, got)]
    assert partials == [done.parsed]


def test_a_callables_constraints_fail_early() -> None:
    got = run(
        call(0, "get_weather", ['{"days": 0, ', '"city": "Lima"}']),
        tools={"get_weather": get_weather},
    )
    (failed,) = of(ToolCallFailed, got)
    assert failed.error.arguments == '{"days": 0, '
    assert isinstance(failed.error.__cause__, StreamValidationError)
    assert failed.error.__cause__.path == ("days",)


# --- failures -------------------------------------------------------------------------------


def test_a_wrong_argument_is_reported_when_its_field_completes() -> None:
    text = '{"days": 30, "city": "' + "a very long city name " * 20 + '"}'
    fragments = [text[i : i + 4] for i in range(0, len(text), 4)]
    core = ToolCallAssembler(TOOLS)
    core.feed(ToolCallStarted(0, "call_0", "weather"))
    fed = ""
    failure: ToolCallFailed | None = None
    for fragment in fragments:
        fed += fragment
        out = core.feed(ToolCallDelta(0, fragment))
        failures = of(ToolCallFailed, out)
        if failures:
            (failure,) = failures
            break
    assert failure is not None
    # "days": 30 completes at the comma after it: the error comes with that fragment,
    # long before the 450 characters of the call have arrived.
    assert fed == '{"days": 30,'
    assert failure.error.arguments == fed
    assert failure.error.received == fed
    assert (failure.error.name, failure.error.call_id) == ("weather", "call_0")
    cause = failure.error.__cause__
    assert isinstance(cause, StreamValidationError)
    assert cause.path == ("days",)
    assert cause.value == 30
    assert "less than or equal to 14" in str(failure.error)


def test_after_a_failure_fragments_still_pass_and_no_done_follows() -> None:
    fragments = ['{"days": "x"', ', "city": ', '"Rome"}']
    got = run(call(0, "weather", fragments))
    kinds = [type(e) for e in got]
    assert kinds == [
        ToolCallStarted,
        ToolCallDelta,
        ToolCallFailed,
        ToolCallDelta,
        ToolCallDelta,
    ]
    deltas = of(ToolCallDelta, got)
    assert "".join(d.text for d in deltas) == "".join(fragments)  # the raw text is all there
    assert [d.partial_args for d in deltas[1:]] == [None, None]


def test_unknown_tool_fails_right_after_started_and_the_others_complete() -> None:
    items = [
        *call(0, "stock", ['{"ticker": "A"}']),
        *call(1, "launch_missiles", ['{"target": ', '"moon"}']),
        *call(2, "stock", ['{"ticker": "B"}']),
    ]
    got = run(items)
    i = next(i for i, e in enumerate(got) if type(e) is ToolCallStarted and e.index == 1)
    failed = got[i + 1]
    assert type(failed) is ToolCallFailed
    assert (failed.index, failed.id, failed.name) == (1, "call_1", "launch_missiles")
    assert "unknown tool 'launch_missiles'" in str(failed.error)
    assert "'now', 'stock', 'weather'" in str(failed.error)
    assert failed.error.arguments == ""
    assert failed.error.__cause__ is None
    done = of(ToolCallDone, got)
    assert [(d.index, d.parsed) for d in done] == [(0, Stock(ticker="A")), (2, Stock(ticker="B"))]
    assert len(of(ToolCallFailed, got)) == 1


def test_malformed_json_fails_at_the_offending_fragment() -> None:
    fragments = ['{"ticker": "A"', ' "oops": 1', "}"]
    got = run(call(0, "stock", fragments))
    assert [type(e) for e in got][:4] == [
        ToolCallStarted,
        ToolCallDelta,
        ToolCallDelta,
        ToolCallFailed,
    ]
    failed = got[3]
    assert failed.error.arguments == '{"ticker": "A" "oops": 1'
    cause = failed.error.__cause__
    assert isinstance(cause, JSONStreamError)
    assert cause.offset == len('{"ticker": "A" ')
    assert str(failed.error).startswith("malformed arguments for tool 'stock' (call 'call_0'):")


def test_trailing_text_after_the_arguments_is_malformed() -> None:
    got = run(call(0, "stock", ['{"ticker": "A"}', " and more"]))
    (failed,) = of(ToolCallFailed, got)
    assert isinstance(failed.error.__cause__, JSONStreamError)
    assert not of(ToolCallDone, got)


def test_cut_off_calls_fail_with_their_raw_text_and_the_others_complete() -> None:
    items = [
        *call(0, "stock", ['{"ticker": "A"}']),
        *call(1, "weather", ['{"city": "Ber'], complete=False),
    ]
    got = run(items)
    (done,) = of(ToolCallDone, got)
    assert done.parsed == Stock(ticker="A")
    (failed,) = of(ToolCallFailed, got)
    assert failed.index == 1
    assert failed.error.arguments == '{"city": "Ber'
    assert "cut off" in str(failed.error)
    assert isinstance(failed.error.__cause__, IncompleteJSONError)


def test_cut_off_even_when_the_text_parses() -> None:
    got = run(call(0, "stock", ['{"ticker": "A"}'], complete=False))
    (failed,) = of(ToolCallFailed, got)
    assert failed.error.__cause__ is None
    assert not of(ToolCallDone, got)


def test_openai_finish_reason_length_cuts_the_open_call_off() -> None:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    def tool(index: int, **function: str) -> dict[str, Any]:
        extra = {"id": f"c{index}"} if "name" in function else {}
        return {"tool_calls": [{"index": index, **extra, "function": function}]}

    items = [
        chunk(tool(0, name="stock", arguments='{"ticker": "A"}')),
        chunk(tool(1, name="weather", arguments='{"city": "Par')),
        chunk({}, "length"),
    ]
    got = run(items, provider="openai-chat")
    # Chat Completions has no per-call end: a truncating finish cuts off every open call,
    # also one whose text happens to parse (the provider never said it was finished).
    assert of(ToolCallDone, got) == []
    failed = of(ToolCallFailed, got)
    assert [(f.id, f.error.arguments) for f in failed] == [
        ("c0", '{"ticker": "A"}'),
        ("c1", '{"city": "Par'),
    ]
    assert got[-1] == Finished("length")  # the failures come before the finish reason


def test_anthropic_max_tokens_without_block_stop_cuts_the_call_off() -> None:
    items = [
        {"type": "message_start", "message": {"usage": {"input_tokens": 1}}},
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "tool_use", "id": "toolu_1", "name": "stock", "input": {}},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "input_json_delta", "partial_json": '{"ticker": "LO'},
        },
        {"type": "message_delta", "delta": {"stop_reason": "max_tokens"}, "usage": {}},
        {"type": "message_stop"},
    ]
    got = run(items, provider="anthropic")
    (failed,) = of(ToolCallFailed, got)
    assert (failed.id, failed.name, failed.error.arguments) == (
        "toolu_1",
        "stock",
        '{"ticker": "LO',
    )
    assert not of(ToolCallDone, got)


def test_a_stream_that_ends_inside_a_call_fails_it_at_the_end() -> None:
    # the body just stopped (no Finished): the call fails, then the stream's end says cut
    got = drain(pipe(call(0, "stock", ['{"ticker": "A"'], done=False), tool_calls(TOOLS)))
    assert type(got[-2]) is ToolCallFailed
    assert got[-2].error.arguments == '{"ticker": "A"'
    assert got[-1] == Finished(None, complete=False)


def test_missing_required_arguments_fail_at_the_end() -> None:
    got = run(call(0, "weather", ['{"days": 2}']))
    (failed,) = of(ToolCallFailed, got)
    assert "missing required field: $.city" in str(failed.error)
    assert got[-1] is failed


def test_wrong_top_level_json_type_fails_at_once() -> None:
    got = run(call(0, "stock", ["[", '"A"]']))
    assert type(got[2]) is ToolCallFailed
    assert got[2].error.arguments == "["


# --- empty arguments -----------------------------------------------------------------------


@pytest.mark.parametrize("arguments", ["", "  \n"])
def test_empty_arguments_of_a_tool_without_parameters_are_an_empty_object(arguments: str) -> None:
    (done,) = of(ToolCallDone, run(call(0, "now", [arguments])))
    assert done.parsed == NoArgs()
    assert done.arguments == arguments
    (done,) = of(ToolCallDone, run(call(0, "now", [arguments]), tools=None))
    assert done.parsed == {}


def test_empty_arguments_of_a_tool_with_required_parameters_fail() -> None:
    (failed,) = of(ToolCallFailed, run(call(0, "stock", [])))
    assert "missing required field: $.ticker" in str(failed.error)


# --- on_error="raise" ----------------------------------------------------------------------


@pytest.mark.anyio
async def test_on_error_raise_raises_at_once_and_closes_the_upstream() -> None:
    items = [
        TextDelta("Let me check."),
        *call(0, "weather", ['{"days": 99', ', "city": ', '"X"}']),
        *call(1, "stock", ['{"ticker": "A"}']),
    ]
    source = TrackedSource(items)
    got: list[Any] = []
    with pytest.raises(ToolCallError) as info:
        async with pipe(source, tool_calls(TOOLS, on_error="raise")) as s:
            async for event in s:
                got.append(event)
    # The fragment that completed the bad field is the last one read (and passed on).
    assert [type(e) for e in got] == [TextDelta, ToolCallStarted, ToolCallDelta, ToolCallDelta]
    assert info.value.arguments == '{"days": 99, "city": '
    assert info.value.name == "weather"
    assert isinstance(info.value.__cause__, StreamValidationError)
    assert source.closed == 1
    assert source.pulled == 4  # nothing after the fragment that completed the bad field


@pytest.mark.anyio
async def test_on_error_raise_for_an_unknown_tool() -> None:
    source = TrackedSource([*call(0, "nope", ['{"a": 1}']), *call(1, "stock", ['{"ticker": "A"}'])])
    with pytest.raises(ToolCallError, match="unknown tool 'nope'"):
        await drain_async(pipe(source, tool_calls(TOOLS, on_error="raise")))
    assert source.pulled == 1
    assert source.closed == 1


@pytest.mark.anyio
async def test_on_error_raise_for_a_call_cut_off_at_the_end() -> None:
    source = TrackedSource(call(0, "stock", ['{"ticker": '], done=False))
    with pytest.raises(ToolCallError, match="cut off") as info:
        await drain_async(pipe(source, tool_calls(None, on_error="raise")))
    assert isinstance(info.value.__cause__, IncompleteJSONError)


async def drain_async(s: Any) -> list[Any]:
    async with s:
        return [x async for x in s]


# --- odd event sequences -------------------------------------------------------------------


def test_a_call_given_whole_in_its_done_event() -> None:
    done = ToolCallDone(3, "c", "stock", '{"ticker": "Q"}', {"ticker": "Q"})
    (got,) = run([done])
    assert got.parsed == Stock(ticker="Q")
    assert (got.index, got.id, got.arguments) == (3, "c", '{"ticker": "Q"}')


def test_a_final_text_that_extends_the_fragments_is_fed_to_the_end() -> None:
    items = [
        ToolCallStarted(0, "c", "stock"),
        ToolCallDelta(0, '{"tick'),
        ToolCallDone(0, "c", "stock", '{"ticker": "Q"}', None),
    ]
    assert of(ToolCallDone, run(items))[0].parsed == Stock(ticker="Q")


def test_a_final_text_that_differs_from_the_fragments_wins() -> None:
    items = [
        ToolCallStarted(0, "c", "stock"),
        ToolCallDelta(0, '{"ticker": "WRONG"}'),
        ToolCallDone(0, "c", "stock", '{"ticker": "R"}', None),
    ]
    assert of(ToolCallDone, run(items))[0].parsed == Stock(ticker="R")


def test_a_name_that_arrives_late_is_resolved_at_the_end() -> None:
    items = [
        ToolCallStarted(0, None, ""),
        ToolCallDelta(0, '{"ticker": '),
        ToolCallDelta(0, '"L"}'),
        ToolCallDone(0, "c9", "stock", '{"ticker": "L"}', None),
    ]
    got = run(items)
    assert [d.partial_args for d in of(ToolCallDelta, got)] == [None, None]
    (done,) = of(ToolCallDone, got)
    assert (done.id, done.name, done.parsed) == ("c9", "stock", Stock(ticker="L"))
    items[-1] = ToolCallDone(0, "c9", "nope", '{"ticker": "L"}', None)
    (failed,) = of(ToolCallFailed, run(items))
    assert failed.error.arguments == '{"ticker": "L"}'


def test_fragments_without_a_started_event() -> None:
    items = [
        ToolCallDelta(0, '{"a": '),
        ToolCallDelta(0, "1}"),
        ToolCallDone(0, "c", "f", '{"a": 1}', None),
    ]
    got = run(items, tools=None)
    assert of(ToolCallDelta, got)[1].partial_args == {"a": 1}
    assert of(ToolCallDone, got)[0].parsed == {"a": 1}


def test_a_new_call_on_an_open_index_cuts_the_old_one_off() -> None:
    items = [
        *call(0, "stock", ['{"ticker": "A'], id="a", done=False),
        *call(0, "stock", ['{"ticker": "B"}'], id="b"),
    ]
    got = run(items)
    assert [type(e) for e in got if type(e) in (ToolCallFailed, ToolCallDone)] == [
        ToolCallFailed,
        ToolCallDone,
    ]
    assert of(ToolCallDone, got)[0].parsed == Stock(ticker="B")


def test_applying_tool_calls_twice_changes_nothing() -> None:
    items = [
        TextDelta("x"),
        *call(0, "weather", ['{"city": "A"', ', "days": 0}']),
        *call(1, "nope", ["{}"]),
        *call(2, "stock", ['{"ticker": "A"}']),
        *call(3, "stock", ['{"ticker": '], complete=False),
    ]
    once = run(items)
    end = Finished("tool_calls")
    twice = drain(pipe([*items, end], tool_calls(TOOLS), tool_calls(TOOLS)))
    assert twice.pop() is end
    assert [(type(e), getattr(e, "index", None)) for e in twice] == [
        (type(e), getattr(e, "index", None)) for e in once
    ]
    assert of(ToolCallDone, twice) == of(ToolCallDone, once)
    assert [str(f.error) for f in of(ToolCallFailed, twice)] == [
        str(f.error) for f in of(ToolCallFailed, once)
    ]


def test_a_failure_from_an_earlier_stage_is_passed_on_once() -> None:
    failed = ToolCallFailed(0, "c", "x", ToolCallError("no", name="x"))
    items = [ToolCallStarted(0, "c", "x"), failed, ToolCallDelta(0, "{}")]
    got = run(items, tools=None)
    assert got[1] is failed
    assert got[2].partial_args is None
    assert not of(ToolCallDone, got)
    assert len(of(ToolCallFailed, got)) == 1


def test_the_core_stops_at_done_sentinel() -> None:
    core = ToolCallAssembler(provider="openai-chat")
    assert core.feed(ToolCallStarted(0, "c", "f")) == [ToolCallStarted(0, "c", "f")]
    assert core.feed(b"data: [DONE]\n\n") == []
    assert core.done
    assert core.feed(ToolCallDelta(0, "{}")) == []  # later items are ignored


# --- arguments checked up front ---------------------------------------------------------


def test_bad_options_and_registries_fail_at_once() -> None:
    with pytest.raises(ValueError, match="on_error"):
        tool_calls(TOOLS, on_error="ignore")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown provider"):
        tool_calls(TOOLS, provider="mistral")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="mapping"):
        tool_calls([Weather])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="model type or a callable"):
        tool_calls({"x": 3})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="'x'"):
        tool_calls({"x": int})


# --- tool_model ------------------------------------------------------------------------------


def test_tool_model_of_a_model_type_is_the_type() -> None:
    @dataclass
    class Point:
        x: int

    assert tool_model(Weather) is Weather
    assert tool_model(Point) is Point
    (done,) = of(ToolCallDone, run(call(0, "p", ['{"x": 1}']), tools={"p": Point}))
    assert done.parsed == Point(1)


def test_tool_model_fields_defaults_and_docs() -> None:
    def f(a: int, b: str = "x", c=None, *, d: Annotated[float, Field(gt=0)] = 1.0) -> None:  # type: ignore[no-untyped-def]
        """Doc."""

    model = tool_model(f)
    assert model.__name__ == "f"
    assert model.__doc__ == "Doc."
    schema = model.model_json_schema()
    assert schema["required"] == ["a"]
    assert set(schema["properties"]) == {"a", "b", "c", "d"}
    assert model(a=1).c is None
    with pytest.raises(ValueError, match="greater than 0"):
        model(a=1, d=0)
    assert tool_model(f) is model  # built once


def test_tool_model_keeps_awkward_parameter_names_as_json_keys() -> None:
    def f(json: str, schema: int, _hidden: bool, model_name: str) -> None:
        pass

    model = tool_model(f)
    schema = model.model_json_schema(by_alias=True)
    assert set(schema["properties"]) == {"json", "schema", "_hidden", "model_name"}
    text = '{"json": "j", "schema": 1, "_hidden": true, "model_name": "m"}'
    (done,) = of(ToolCallDone, run(call(0, "f", [text[:20], text[20:]]), tools={"f": f}))
    assert done.parsed.model_dump(by_alias=True) == json.loads(text)


def test_tool_model_refuses_star_args_and_allows_kwargs() -> None:
    def star(*args: int) -> None:
        pass

    def kw(a: int, **rest: Any) -> None:
        pass

    with pytest.raises(TypeError, match=r"\*args"):
        tool_model(star)
    assert tool_model(kw)(a=1, extra="yes").model_extra == {"extra": "yes"}


def test_tool_model_of_callable_objects_and_unresolved_annotations() -> None:
    class Tool:
        def __call__(self, a: int) -> int:
            return a

    def f(a: NotDefinedAnywhere) -> None:  # type: ignore[name-defined]  # noqa: F821
        pass

    assert tool_model(Tool())(a="3").a == 3
    assert tool_model(f)(a=object()).a is not None


# -- the call's identity on each delta; the validation details on the error -------------


def test_every_delta_carries_its_calls_id_and_name() -> None:
    body = [
        {"type": "content_block_start", "index": 1, "content_block": {
            "type": "tool_use", "id": "toolu_9", "name": "get_weather", "input": {}}},
        {"type": "content_block_delta", "index": 1,
         "delta": {"type": "input_json_delta", "partial_json": '{"city": '}},
        {"type": "content_block_delta", "index": 1,
         "delta": {"type": "input_json_delta", "partial_json": '"Paris"}'}},
        {"type": "content_block_stop", "index": 1},
        {"type": "message_stop"},
    ]
    from streamops import events

    for out in (drain(pipe(body, events(provider="anthropic"))),
                drain(pipe(body, tool_calls()))):
        deltas = [e for e in out if isinstance(e, ToolCallDelta)]
        assert [(d.id, d.name) for d in deltas] == [("toolu_9", "get_weather")] * 2


def test_hand_built_deltas_get_the_id_and_name_of_their_call() -> None:
    out = drain(pipe(
        [ToolCallStarted(0, "c1", "f"), ToolCallDelta(0, '{"a": 1}'),
         ToolCallDone(0, "c1", "f", '{"a": 1}', None)],
        tool_calls(),
    ))
    [delta] = [e for e in out if isinstance(e, ToolCallDelta)]
    assert (delta.id, delta.name, delta.partial_args) == ("c1", "f", {"a": 1})


def test_tool_call_error_has_path_value_and_errors() -> None:
    class Weather(BaseModel):
        city: str
        days: int = Field(ge=1)

    out = drain(pipe(
        [ToolCallStarted(0, "c1", "weather"),
         ToolCallDelta(0, '{"city": "Paris", "days": 0, "unit": "C"}'),
         ToolCallDone(0, "c1", "weather", '{"city": "Paris", "days": 0, "unit": "C"}', None)],
        tool_calls({"weather": Weather}),
    ))
    [failed] = [e for e in out if isinstance(e, ToolCallFailed)]
    error = failed.error
    assert error.path == ("days",)
    assert error.value == 0
    assert error.errors[0]["type"] == "greater_than_equal"
    malformed = drain(pipe(
        [ToolCallStarted(0, "c2", "weather"), ToolCallDelta(0, '{"city": "Paris", "days" 2}'),
         ToolCallDone(0, "c2", "weather", '{"city": "Paris", "days" 2}', None)],
        tool_calls({"weather": Weather}),
    ))
    [bad] = [e for e in malformed if isinstance(e, ToolCallFailed)]
    assert bad.error.path == ("days",)
    assert (bad.error.value, bad.error.errors) == (None, [])
