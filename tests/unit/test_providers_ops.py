"""``ProviderAdapter`` (any input, any provider) and the ``events()`` / ``text()`` operators."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from streamops import JSONStreamError, SSEError, StreamopsError, pipe
from streamops.providers import (
    Finished,
    Provider,
    ProviderAdapter,
    ProviderError,
    ProviderFormatError,
    ProviderStreamError,
    RefusalError,
    SSEEvent,
    TextDelta,
    ToolCallDone,
    Usage,
    events,
    sse_events,
    text,
)
from tests.helpers import SDKLikeSource, TrackedSource


def sse(*payloads: dict[str, Any] | str, event: str | None = None) -> str:
    out = []
    for p in payloads:
        data = p if isinstance(p, str) else json.dumps(p)
        out.append((f"event: {event}\n" if event else "") + f"data: {data}\n\n")
    return "".join(out)


def chat(content: str | None = None, finish: str | None = None, **delta: Any) -> dict[str, Any]:
    if content is not None:
        delta["content"] = content
    return {
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


CHAT_BODY = sse(chat("Hel"), chat("lo"), chat(finish="stop"), "[DONE]")


def named_events(payloads: list[dict[str, Any]]) -> str:
    """An event stream whose event names are the payloads' types."""
    return "".join(sse(p, event=p["type"]) for p in payloads)


ANTHROPIC_BODY = named_events(
    [
        {"type": "message_start", "message": {"usage": {"input_tokens": 1, "output_tokens": 1}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": "Hello"},
        },
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": 2},
        },
        {"type": "message_stop"},
    ]
)
RESPONSES_BODY = named_events(
    [
        {"type": "response.created", "response": {"status": "in_progress"}},
        {"type": "response.output_text.delta", "delta": "Hello"},
        {"type": "response.completed", "response": {"status": "completed"}},
    ]
)
GEMINI_SSE = sse(
    {"candidates": [{"content": {"parts": [{"text": "Hello"}]}, "finishReason": "STOP"}]}
)
GEMINI_ARRAY = (
    '[{"candidates": [{"content": {"parts": [{"text": "Hel"}]}}]}\r\n,\r\n'
    '{"candidates": [{"content": {"parts": [{"text": "lo"}]}, "finishReason": "STOP"}]}]'
)


def adapt(*items: Any, provider: Any = "auto") -> list[Any]:
    a = ProviderAdapter(provider)
    out: list[Any] = []
    for item in items:
        out.extend(a.feed(item))
    while more := a.close():  # until it returns [] (a cut body's error comes last)
        out.extend(more)
    return out


def texts(events_: list[Any]) -> str:
    return "".join(e.text for e in events_ if type(e) is TextDelta)


# -- ProviderAdapter ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "provider"),
    [
        (CHAT_BODY, "openai-chat"),
        (ANTHROPIC_BODY, "anthropic"),
        (RESPONSES_BODY, "openai-responses"),
        (GEMINI_SSE, "gemini"),
        (GEMINI_ARRAY, "gemini"),
    ],
)
def test_auto_detection_on_raw_bodies(body: str, provider: Provider) -> None:
    a = ProviderAdapter()
    assert a.provider is None
    out = a.feed(body.encode()) + a.close()
    assert a.provider == provider
    assert texts(out) == "Hello"
    assert [e for e in out if type(e) is Finished]
    named = ProviderAdapter(provider)
    assert texts(named.feed(body) + named.close()) == "Hello"


def test_raw_body_sniffing_with_bom_and_blank_start() -> None:
    body = b"\xef\xbb\xbf \r\n" + GEMINI_ARRAY.encode()
    assert texts(adapt(body[:2], body[2:5], body[5:], provider="gemini")) == "Hello"
    assert texts(adapt(b"", b"\n", CHAT_BODY.encode())) == "Hello"
    assert texts(adapt("\ufeff", CHAT_BODY)) == "Hello"


@pytest.mark.parametrize("size", [1, 2, 7])
def test_raw_body_in_small_chunks(size: int) -> None:
    for body in (CHAT_BODY, ANTHROPIC_BODY, GEMINI_ARRAY):
        raw = body.encode()
        assert texts(adapt(*[raw[i : i + size] for i in range(0, len(raw), size)])) == "Hello"


def test_done_stops_reading() -> None:
    a = ProviderAdapter()
    out = a.feed(CHAT_BODY + sse(chat("late")))
    assert a.done
    assert a.feed(sse(chat("later")).encode()) == []
    assert texts(out + a.close()) == "Hello"


def test_items_of_every_kind() -> None:
    payload = chat("Hi")
    already = TextDelta("!")
    out = adapt(payload, SSEEvent(json.dumps(chat(" there"))), already)
    # (no finish_reason, no [DONE]: the body was cut, and the end says so)
    assert out == [TextDelta("Hi"), TextDelta(" there"), already, Finished(None, complete=False)]
    assert out[2] is already


def test_sdk_server_sent_event_objects() -> None:
    class ServerSentEvent:  # the shape of the SDKs' own SSE objects
        def __init__(self, data: str, event: str | None = None) -> None:
            self.data = data
            self.event = event

    out = adapt(ServerSentEvent(json.dumps(chat("Hi"))), ServerSentEvent("[DONE]"))
    assert out == [TextDelta("Hi")]


def test_error_before_the_provider_is_known() -> None:
    out = adapt(sse({"error": {"message": "rate limited", "code": 429}}, event="error"))
    assert out == [
        ProviderError("rate limited", 429, None, {"message": "rate limited", "code": 429}),
        Finished(None, complete=False),  # the body ended without an answer
    ]


def test_unknown_payload_and_provider() -> None:
    with pytest.raises(ProviderFormatError, match="cannot tell which provider"):
        adapt({"hello": "world"})
    with pytest.raises(ValueError, match="unknown provider"):
        ProviderAdapter("mistral")  # type: ignore[arg-type]


def test_broken_bodies() -> None:
    # A body starting with "{" is read as JSON lines (Ollama and Cohere stream so): an
    # error object sent instead of a stream is the provider's error, and no answer came.
    assert adapt(b'{"error": {"message": "not streamed"}}\n') == [
        ProviderError("not streamed", body={"message": "not streamed"}),
        Finished(None, complete=False),
    ]
    # A whole chat completion (a request without streaming) is refused, not read as a
    # stream whose text would be lost.
    completion = {
        "object": "chat.completion",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}
        ],
    }
    for provider in ("auto", "openai-chat"):
        with pytest.raises(ProviderFormatError, match="whole chat completion"):
            adapt(json.dumps(completion).encode(), provider=provider)
    with pytest.raises(SSEError, match="looks like HTML"):  # an error page
        adapt(b"<html><body>502 Bad Gateway</body></html>\n")
    with pytest.raises(JSONStreamError):
        adapt('[{"candidates": []}, {oops', provider="gemini")
    with pytest.raises(JSONStreamError):  # IncompleteJSONError: the array never ended
        adapt('[{"candidates": []}', provider="gemini")
    with pytest.raises(ProviderFormatError):
        adapt("[1, 2]", provider="gemini")
    with pytest.raises(ProviderFormatError):
        adapt("[[1]]", provider="gemini")


# -- events() ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_events_documented_shape(chunking: Callable[[str], list[str]]) -> None:
    async with pipe(chunking(CHAT_BODY), sse_events(), events(provider="openai-chat")) as s:
        got = [e async for e in s]
    assert got == [TextDelta("Hel"), TextDelta("lo"), Finished("stop")]


@pytest.mark.anyio
async def test_events_on_gemini_json_array(chunking: Callable[[str], list[str]]) -> None:
    async with pipe(chunking(GEMINI_ARRAY), events(provider="gemini")) as s:
        got = [e async for e in s]
    assert got == [TextDelta("Hel"), TextDelta("lo"), Finished("STOP")]


@pytest.mark.anyio
async def test_events_done_closes_the_source() -> None:
    source = TrackedSource([CHAT_BODY.encode(), b"data: never read\n\n"])
    async with pipe(source, events()) as s:
        got = [e async for e in s]
    assert texts(got) == "Hello"
    assert source.closed
    assert source.pulled == 1


@pytest.mark.anyio
async def test_events_break_closes_an_sdk_like_source() -> None:
    source = SDKLikeSource([chat("a"), chat("b"), chat("c")], hang=True)
    async with pipe(source, events()) as s:
        async for event in s:
            assert event == TextDelta("a")
            break
    assert source.closed == 1


@pytest.mark.anyio
async def test_events_report_unfinished_tool_calls_at_the_end() -> None:
    body = [
        chat(tool_calls=[{"index": 0, "id": "c", "function": {"name": "f", "arguments": '{"a'}}])
    ]
    async with pipe(body, events()) as s:
        got = [e async for e in s]
    assert got[-2:] == [
        ToolCallDone(0, "c", "f", '{"a', None, complete=False),
        Finished(None, complete=False),
    ]


# -- text() ----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_text_keeps_only_the_answer(chunking: Callable[[str], list[str]]) -> None:
    body = sse(
        chat(reasoning_content="hmm"),
        chat("Hel"),
        chat(tool_calls=[{"index": 0, "id": "c", "function": {"name": "f", "arguments": "{}"}}]),
        chat("lo", finish="stop"),
        {"object": "chat.completion.chunk", "choices": [], "usage": {"prompt_tokens": 1}},
        "[DONE]",
    )
    async with pipe(chunking(body), text()) as s:
        assert [t async for t in s] == ["Hel", "lo"]


@pytest.mark.anyio
async def test_text_of_another_choice() -> None:
    payload = {
        "choices": [
            {"index": 0, "delta": {"content": "a"}},
            {"index": 1, "delta": {"content": "b"}},
        ]
    }
    last = {
        "choices": [
            {"index": 0, "delta": {}, "finish_reason": "stop"},
            {"index": 1, "delta": {}, "finish_reason": "stop"},
        ]
    }
    async with pipe([payload, last], text(choice=1)) as s:
        assert [t async for t in s] == ["b"]


@pytest.mark.anyio
async def test_text_raises_on_an_in_band_error() -> None:
    body = sse(chat("partial "), chat("answer")) + sse(
        {"error": {"message": "tool_use_failed", "code": "tool_use_failed"}}, event="error"
    )
    got: list[str] = []
    with pytest.raises(ProviderStreamError) as info:
        async with pipe([body.encode()], text()) as s:
            async for t in s:
                got.append(t)
    assert got == ["partial ", "answer"]  # everything before the error was delivered
    err = info.value
    assert isinstance(err, StreamopsError)
    assert err.received == "partial answer"
    assert err.code == "tool_use_failed"
    assert isinstance(err.event, ProviderError)
    assert "tool_use_failed" in str(err)


@pytest.mark.anyio
async def test_text_raises_on_a_refusal_at_the_end() -> None:
    body = sse(chat(refusal="I can't"), chat(refusal=" help."), chat(finish="stop"), "[DONE]")
    with pytest.raises(RefusalError) as info:
        async with pipe([body], text()) as s:
            assert [t async for t in s] == []
    assert info.value.refusal == "I can't help."
    assert info.value.received == ""


@pytest.mark.anyio
async def test_text_passes_events_through() -> None:
    source = [TextDelta("a"), Usage(1), TextDelta("b", choice=1), TextDelta("c"), Finished("stop")]
    async with pipe(source, text()) as s:
        assert [t async for t in s] == ["a", "c"]


@pytest.mark.anyio
async def test_events_then_text_compose() -> None:
    async with pipe([ANTHROPIC_BODY], events(), text()) as s:
        assert [t async for t in s] == ["Hello"]


# -- the public names ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["streamops.providers", "streamops.providers.sse"])
def test_public_names_sorted_resolved_and_documented(name: str) -> None:
    import importlib
    import inspect

    module = importlib.import_module(name)

    def key(attr: str) -> tuple[int, str]:
        return (0 if attr.isupper() else 1 if attr[0].isupper() else 2, attr)

    assert list(module.__all__) == sorted(module.__all__, key=key)
    for attr in module.__all__:
        obj = getattr(module, attr)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert (obj.__doc__ or "").strip(), f"{name}.{attr} has no docstring"
