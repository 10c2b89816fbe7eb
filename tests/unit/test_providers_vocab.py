"""The whole vocabulary: reasoning signatures, redacted reasoning, citations, server-side
tool calls, their progress and results, and unknown event types, from the sample streams
of ``tests/vocab_samples.py`` (written from the providers' documented formats).

For each provider: the exact events; the same events from the SSE body split anywhere;
the same events from the SDKs' typed objects; and ``tool_calls`` / ``run_tools`` pass
the new events through and run no server-side tool.
"""

from __future__ import annotations

from typing import Any

import pytest

from streamops import drain, pipe
from streamops.providers import (
    AnthropicAdapter,
    Citation,
    Finished,
    GeminiAdapter,
    OpenAIChatAdapter,
    OpenAIResponsesAdapter,
    ProviderAdapter,
    ReasoningDelta,
    ReasoningSignature,
    RedactedReasoning,
    ServerToolResult,
    ServerToolUpdate,
    TextDelta,
    ToolCallDelta,
    ToolCallDone,
    ToolCallStarted,
    Unknown,
    Usage,
    events,
)
from streamops.providers._events import EVENT_TYPES
from streamops.tools import ToolCallFailed, run_tools, tool_calls
from tests.helpers import feed_all, random_cuts
from tests.vocab_samples import ANTHROPIC, CHAT, GEMINI, RESPONSES, SAMPLES, sse

# Event types new in this vocabulary (the rest were there before).
NEW = EVENT_TYPES[EVENT_TYPES.index(ReasoningSignature) :]


run = feed_all


def server_call(index: int, id: str | None, name: str, arguments: str) -> list[Any]:
    import json

    return [
        ToolCallStarted(index, id, name, server=True),
        ToolCallDelta(index, arguments),
        ToolCallDone(index, id, name, arguments, json.loads(arguments), server=True),
    ]


# -- the exact events, provider by provider ------------------------------------------------


def test_anthropic_vocabulary() -> None:
    got = run(AnthropicAdapter(), ANTHROPIC)
    assert [e for e in got if isinstance(e, NEW)] == [
        ReasoningSignature("c2lnLTE="),
        RedactedReasoning("cmVkYWN0ZWQ="),
        ServerToolResult(
            "srvtoolu_1",
            "web_search_tool_result",
            [
                {
                    "type": "web_search_result",
                    "url": "https://weather.example/paris",
                    "title": "Paris weather",
                    "encrypted_content": "ZW5jcnlwdGVk",
                    "page_age": None,
                }
            ],
        ),
        Citation(
            "https://weather.example/paris",
            "Paris weather",
            "Sunny, 24 degrees.",
            data=next(
                p["delta"]["citation"] for p in ANTHROPIC if "citation" in p.get("delta", {})
            ),
        ),
        ServerToolResult(
            "srvtoolu_2",
            "code_execution_tool_result",
            {
                "type": "code_execution_result",
                "stdout": "75.2\n",
                "stderr": "",
                "return_code": 0,
                "content": [],
            },
        ),
        ServerToolResult("mcptoolu_1", "mcp_tool_result", [{"type": "text", "text": "1"}]),
        ReasoningSignature("c2lnLTI="),
        Unknown("future_delta", ANTHROPIC[-8]),
        Unknown("future_block", ANTHROPIC[-5]),
        Unknown("future_event", {"type": "future_event", "value": 3}),
    ]
    # Each signature right after the thinking it signs; each result right after its call.
    kinds = [type(e).__name__ for e in got]
    assert kinds[:3] == ["ReasoningDelta", "ReasoningSignature", "RedactedReasoning"]
    assert (
        got[kinds.index("ServerToolResult") - 1]
        == server_call(2, "srvtoolu_1", "web_search", '{"query": "paris weather"}')[-1]
    )
    whole = got.index(ReasoningDelta("A whole thought."))
    assert got[whole + 1] == ReasoningSignature("c2lnLTI=")
    assert [e.text for e in got if type(e) is TextDelta] == ["It is sunny in Paris.", " 75 F."]
    assert [e.name for e in got if type(e) is ToolCallDone] == [
        "web_search",
        "code_execution",
        "echo",
    ]
    assert all(e.server for e in got if type(e) is ToolCallDone)
    assert got[-2:] == [
        Usage(20, 50, 70, None, {"input_tokens": 20, "output_tokens": 50}),
        Finished("end_turn"),
    ]
    assert got[kinds.index("Citation")].data["encrypted_index"] == "aW5kZXg="


def test_anthropic_a_signature_at_the_block_start_comes_at_its_end() -> None:
    start = {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "thinking", "thinking": "", "signature": "c2ln"},
    }
    delta = {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "thinking_delta", "thinking": "more"},
    }
    stop = {"type": "content_block_stop", "index": 0}
    assert run(AnthropicAdapter(), [start, delta, stop]) == [
        ReasoningDelta("more"),
        ReasoningSignature("c2ln"),
    ]
    # A block cut off before its stop still gives its signature, once, at the end.
    assert run(AnthropicAdapter(), [start, delta]) == [
        ReasoningDelta("more"),
        ReasoningSignature("c2ln"),
    ]


def test_anthropic_other_tool_results_and_citation_kinds() -> None:
    blocks = [
        {"type": "bash_code_execution_tool_result", "tool_use_id": "s1", "content": {"a": 1}},
        {"type": "text_editor_code_execution_tool_result", "tool_use_id": "s2", "content": {}},
        {"type": "web_fetch_tool_result", "tool_use_id": "s3", "content": {"url": "u"}},
        {"type": "some_new_tool_result", "tool_use_id": "s4", "content": None},
        {
            "type": "text",
            "text": "Cited.",
            "citations": [
                {
                    "type": "char_location",
                    "cited_text": "Cited.",
                    "document_index": 0,
                    "document_title": "Doc",
                    "start_char_index": 0,
                    "end_char_index": 6,
                },
                {
                    "type": "search_result_location",
                    "source": "https://s.example",
                    "title": "S",
                    "cited_text": "x",
                },
            ],
        },
    ]
    items = [
        {"type": "content_block_start", "index": i, "content_block": b}
        for i, b in enumerate(blocks)
    ]
    assert run(AnthropicAdapter(), items) == [
        ServerToolResult("s1", "bash_code_execution_tool_result", {"a": 1}),
        ServerToolResult("s2", "text_editor_code_execution_tool_result", {}),
        ServerToolResult("s3", "web_fetch_tool_result", {"url": "u"}),
        ServerToolResult("s4", "some_new_tool_result", None),
        TextDelta("Cited."),
        Citation(None, "Doc", "Cited.", data=blocks[4]["citations"][0]),
        Citation("https://s.example", "S", "x", data=blocks[4]["citations"][1]),
    ]


def test_gemini_vocabulary() -> None:
    got = run(GeminiAdapter(), GEMINI)
    grounding = GEMINI[3]["candidates"][0]["groundingMetadata"]
    assert got == [
        ReasoningDelta("Let me compute."),
        *server_call(0, None, "code_execution", '{"language":"PYTHON","code":"print(6 * 7)"}'),
        ServerToolResult(None, "codeExecutionResult", {"outcome": "OUTCOME_OK", "output": "42\n"}),
        TextDelta("The answer is 42"),
        ReasoningSignature("c2lnLWE="),  # after the text part it signs
        Citation(
            "https://guide.example/42",
            "guide.example",
            data={
                "groundingChunk": grounding["groundingChunks"][0],
                "groundingSupports": grounding["groundingSupports"],
            },
        ),
        ToolCallStarted(1, None, "lookup"),
        ToolCallDelta(1, '{"q":"42"}'),
        ToolCallDone(1, None, "lookup", '{"q":"42"}', {"q": "42"}),
        ReasoningSignature("c2lnLWI="),  # after the function call it signs
        Unknown("inlineData", GEMINI[4]["candidates"][0]["content"]["parts"][1]),
        # (the grounding source again: not repeated)
        Citation(
            "https://book.example",
            "The Book",
            data={
                "startIndex": 0,
                "endIndex": 16,
                "uri": "https://book.example",
                "title": "The Book",
            },
        ),
        ReasoningSignature("c2lnLWM="),  # the otherwise empty last part
        Citation(
            "https://other.example",
            "other.example",
            data={
                "groundingChunk": {
                    "web": {"uri": "https://other.example", "title": "other.example"}
                },
                "groundingSupports": [],
            },
        ),
        Finished("STOP"),
        Usage(10, 25, 35, 5, GEMINI[-1]["usageMetadata"]),
    ]


def test_gemini_citations_are_per_candidate_and_sources_once() -> None:
    source = {"uri": "https://a.example", "title": "A"}
    chunk = {
        "candidates": [
            {"index": 0, "citationMetadata": {"citationSources": [source]}},
            {"index": 1, "citationMetadata": {"citationSources": [source, source]}},
        ]
    }
    got = run(GeminiAdapter(), [chunk, chunk])
    assert got == [
        Citation("https://a.example", "A", choice=0, data=source),
        Citation("https://a.example", "A", choice=1, data=source),
    ]


def test_gemini_built_in_tool_parts() -> None:
    chunk = {
        "candidates": [
            {
                "content": {
                    "parts": [
                        {
                            "toolCall": {
                                "id": "t1",
                                "toolType": "GOOGLE_SEARCH_WEB",
                                "args": {"q": "x"},
                            }
                        },
                        {
                            "toolResponse": {
                                "id": "t1",
                                "toolType": "GOOGLE_SEARCH_WEB",
                                "response": {"r": 1},
                            }
                        },
                    ]
                }
            }
        ]
    }
    part = chunk["candidates"][0]["content"]["parts"][1]["toolResponse"]  # type: ignore[index]
    assert run(GeminiAdapter(), [chunk]) == [
        *server_call(0, "t1", "GOOGLE_SEARCH_WEB", '{"q":"x"}'),
        ServerToolResult("t1", "toolResponse", part),
    ]


ANNOTATIONS = [p["annotation"] for p in RESPONSES if "annotation" in p]


def test_responses_vocabulary() -> None:
    got = run(OpenAIResponsesAdapter(), RESPONSES)
    new = [e for e in got if isinstance(e, NEW)]
    updates = [(e.id, e.type, e.status, e.data) for e in new if type(e) is ServerToolUpdate]
    assert updates == [
        ("ws_1", "web_search_call", "in_progress", None),
        ("ws_1", "web_search_call", "searching", None),
        ("ws_1", "web_search_call", "completed", None),
        ("fs_1", "file_search_call", "in_progress", None),
        ("fs_1", "file_search_call", "searching", None),
        ("fs_1", "file_search_call", "completed", None),
        ("ci_1", "code_interpreter_call", "in_progress", None),
        ("ci_1", "code_interpreter_call", "delta", "print(24 * 9"),
        ("ci_1", "code_interpreter_call", "delta", " / 5 + 32)"),
        ("ci_1", "code_interpreter_call", "done", "print(24 * 9 / 5 + 32)"),
        ("ci_1", "code_interpreter_call", "interpreting", None),
        ("ci_1", "code_interpreter_call", "completed", None),
        ("ig_1", "image_generation_call", "in_progress", None),
        ("ig_1", "image_generation_call", "generating", None),
        ("ig_1", "image_generation_call", "partial_image", "iVBORw0KGgo="),
        ("ig_1", "image_generation_call", "completed", None),
        ("mcpl_1", "mcp_list_tools", "in_progress", None),
        ("mcpl_1", "mcp_list_tools", "completed", None),
        ("mcp_1", "mcp_call", "in_progress", None),
        ("mcp_1", "mcp_call", "completed", None),
    ]
    done_items = {
        p["item"]["id"]: p["item"] for p in RESPONSES if p["type"] == "response.output_item.done"
    }
    results = [e for e in new if type(e) is ServerToolResult]
    assert results == [
        ServerToolResult(i, done_items[i]["type"], done_items[i])
        for i in ("ws_1", "fs_1", "ci_1", "ig_1", "mcpl_1", "mcp_1")
    ]
    for result in results:  # each right after its call's end (mcp_list_tools is no call)
        before = got[got.index(result) - 1]
        if result.type != "mcp_list_tools":
            assert type(before) in (ToolCallDone, ServerToolUpdate)
            assert before.id == result.id
    assert [e for e in new if type(e) not in (ServerToolUpdate, ServerToolResult)] == [
        RedactedReasoning("ZW5j"),
        Citation(
            "https://weather.example/paris",
            "Paris weather",
            data=ANNOTATIONS[0],
        ),
        Citation(None, "notes.md", data=ANNOTATIONS[1]),
        Unknown(
            "response.future_event",
            next(p for p in RESPONSES if p["type"] == "response.future_event"),
        ),
    ]
    # The MCP call (server) and the custom tool call (the caller's) stream their arguments.
    mcp = [
        e for e in got if type(e) in (ToolCallStarted, ToolCallDelta, ToolCallDone) and e.index == 6
    ]
    assert mcp == [
        ToolCallStarted(6, "mcp_1", "ask", server=True),
        ToolCallDelta(6, '{"q": '),
        ToolCallDelta(6, '"weather"}'),
        ToolCallDone(6, "mcp_1", "ask", '{"q": "weather"}', {"q": "weather"}, server=True),
    ]
    custom = [
        e for e in got if type(e) in (ToolCallStarted, ToolCallDelta, ToolCallDone) and e.index == 7
    ]
    assert custom == [
        ToolCallStarted(7, "call_c1", "sql"),
        ToolCallDelta(7, "SELECT "),
        ToolCallDelta(7, "1"),
        ToolCallDone(7, "call_c1", "sql", "SELECT 1", None),  # free text: not JSON
    ]
    usage = [e for e in got if type(e) is Usage]
    assert [(u.input_tokens, u.output_tokens) for u in usage] == [(30, 0), (30, 40)]
    assert got[0] == usage[0]  # the running usage of response.in_progress
    assert got[-1] == Finished("completed")


def test_responses_a_response_without_usage_so_far_gives_none() -> None:
    created = {"type": "response.created", "response": {"status": "in_progress", "usage": None}}
    queued = {"type": "response.queued", "response": {"status": "queued"}}
    assert run(OpenAIResponsesAdapter(), [created, queued]) == []


def test_chat_reasoning_details() -> None:
    got = run(OpenAIChatAdapter(), CHAT)
    assert got == [
        ReasoningDelta("Two and two"),  # (not again from its reasoning_details)
        ReasoningSignature("c2lnLWNoYXQ="),
        RedactedReasoning("ZW5jcnlwdGVk"),
        ReasoningDelta("Added."),  # a summary sent only as a detail
        Unknown("reasoning.future", CHAT[4]["choices"][0]["delta"]["reasoning_details"][2]),
        TextDelta("2 + 2 = 4"),
        Finished("stop"),
    ]


# -- the same events however the body is split --------------------------------------------


@pytest.mark.parametrize("named", [False, True], ids=["data-only", "named"])
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_samples_do_not_depend_on_the_split(name: str, named: bool) -> None:
    payloads, provider = SAMPLES[name]
    want = run(ProviderAdapter(provider), payloads)  # type: ignore[arg-type]
    body = sse(payloads, named=named)
    for chunks in (
        [body],
        [body[i : i + 1] for i in range(len(body))],
        *(random_cuts(body, s) for s in range(4)),
    ):
        assert run(ProviderAdapter("auto"), chunks) == want


@pytest.mark.anyio
@pytest.mark.parametrize("name", sorted(SAMPLES))
async def test_samples_through_events(name: str) -> None:
    payloads, provider = SAMPLES[name]
    want = run(ProviderAdapter(provider), payloads)  # type: ignore[arg-type]
    async with pipe(random_cuts(sse(payloads), 9), events()) as s:
        assert [e async for e in s] == want


# -- the SDKs' typed objects give the same events ------------------------------------------


def sdk_objects(name: str, beta: bool = False) -> list[Any]:
    """The sample's payloads as the SDK's own stream objects, built as the SDK builds them
    (the openai and anthropic SDKs construct stream events without validation; an event
    type they do not know becomes some member of their union, with its fields kept)."""
    payloads, _ = SAMPLES[name]
    if name == "anthropic":
        from anthropic._models import construct_type
        from anthropic.types import RawMessageStreamEvent
        from anthropic.types.beta import BetaRawMessageStreamEvent

        kind: Any = BetaRawMessageStreamEvent if beta else RawMessageStreamEvent
        return [construct_type(type_=kind, value=p) for p in payloads]
    if name.startswith("openai"):
        from openai._models import construct_type as openai_construct
        from openai.types.chat import ChatCompletionChunk
        from openai.types.responses import ResponseStreamEvent

        kind = ResponseStreamEvent if name == "openai-responses" else ChatCompletionChunk
        return [openai_construct(type_=kind, value=p) for p in payloads]
    from google.genai.types import GenerateContentResponse

    return [GenerateContentResponse.model_validate(p) for p in payloads]


@pytest.mark.parametrize(
    ("name", "beta"),
    [(name, False) for name in sorted(SAMPLES)] + [("anthropic", True)],
)
def test_sdk_objects_give_the_same_events(name: str, beta: bool) -> None:
    payloads, provider = SAMPLES[name]
    objects = sdk_objects(name, beta)
    assert not any(isinstance(o, dict) for o in objects)
    want = run(ProviderAdapter(provider), payloads)  # type: ignore[arg-type]
    got = run(ProviderAdapter(provider), objects)  # type: ignore[arg-type]
    if name == "gemini":
        # An unknown part's payload is the SDK's dump: google-genai holds inline data as
        # bytes (a thoughtSignature too, which the adapter turns back into base64).
        (unknown,) = [e for e in got if type(e) is Unknown]
        assert unknown.payload == {
            "inlineData": {"mimeType": "image/png", "data": b"\x89PNG\r\n\x1a\n"}
        }
        unknown.payload = next(e for e in want if type(e) is Unknown).payload
    assert got == want
    # the new events keep the SDK object they came from
    for event in got:
        if isinstance(event, NEW):
            assert any(event.raw is o for o in objects)


# -- tool_calls and run_tools pass the new events through, and run no server tool -----------


@pytest.mark.anyio
@pytest.mark.parametrize("name", ["anthropic", "gemini", "openai-responses"])
async def test_tool_calls_pass_the_new_events_through(name: str) -> None:
    payloads, provider = SAMPLES[name]
    want = run(ProviderAdapter(provider), payloads)  # type: ignore[arg-type]
    async with pipe(payloads, tool_calls(None)) as s:
        got = [e async for e in s]
    assert [e for e in got if isinstance(e, NEW)] == [e for e in want if isinstance(e, NEW)]
    failed = [e.name for e in got if type(e) is ToolCallFailed]
    # only the caller's own calls are checked; the custom tool's free text is not JSON
    assert failed == (["sql"] if name == "openai-responses" else [])
    assert [(e.index, e.name, e.server) for e in got if type(e) is ToolCallDone] == [
        (e.index, e.name, e.server) for e in want if type(e) is ToolCallDone and e.name != "sql"
    ]


@pytest.mark.parametrize("name", ["anthropic", "gemini", "openai-responses"])
def test_run_tools_runs_no_server_tool(name: str) -> None:
    payloads, _ = SAMPLES[name]
    ran: list[str] = []

    def lookup(q: str) -> str:
        ran.append(q)
        return "found"

    def refuse(**kw: Any) -> None:  # pragma: no cover - never called
        raise AssertionError("a server-side tool was run")

    tools = {
        "lookup": lookup,
        "web_search": refuse,
        "code_execution": refuse,
        "echo": refuse,
        "ask": refuse,
    }
    results = drain(pipe(payloads, run_tools(tools)))
    server = {
        e.name
        for e in run(ProviderAdapter("auto"), payloads)
        if type(e) is ToolCallDone and e.server
    }
    assert server  # the sample has server calls
    assert all(r.name not in server for r in results)
    assert ran == (["42"] if name == "gemini" else [])
