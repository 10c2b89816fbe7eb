"""Sample streams of this project's own, written from the providers' documented stream
formats, that carry every kind of event beyond text and function calls: reasoning
signatures, redacted / encrypted reasoning, citations, server-side tool calls, their
progress and results, and event types that no version of streamops knows.

Each sample is a list of payloads (what one SSE ``data:`` line holds); :func:`sse`
writes them as an event stream body.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["ANTHROPIC", "CHAT", "GEMINI", "RESPONSES", "SAMPLES", "sse"]


def sse(payloads: list[dict[str, Any]], *, named: bool = False) -> bytes:
    """The payloads as an SSE body (with ``event:`` lines of their ``type``, if they have
    one, when ``named``)."""
    out = []
    for payload in payloads:
        if named and "type" in payload:
            out.append(f"event: {payload['type']}\n")
        out.append(f"data: {json.dumps(payload)}\n\n")
    return "".join(out).encode("utf-8")


def _start(index: int, **block: Any) -> dict[str, Any]:
    return {"type": "content_block_start", "index": index, "content_block": block}


def _delta(index: int, **delta: Any) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": delta}


def _stop(index: int) -> dict[str, Any]:
    return {"type": "content_block_stop", "index": index}


# Anthropic Messages: extended thinking (signed, redacted, and a block whose start holds
# its signature), web search with a cited answer, code execution, an MCP tool, and a
# delta, an event and a block of types from a later API version.
ANTHROPIC: list[dict[str, Any]] = [
    {
        "type": "message_start",
        "message": {
            "id": "msg_vocab",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5",
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 20, "output_tokens": 1},
        },
    },
    _start(0, type="thinking", thinking="", signature=""),
    _delta(0, type="thinking_delta", thinking="Search first."),
    _delta(0, type="signature_delta", signature="c2lnLTE="),
    _stop(0),
    _start(1, type="redacted_thinking", data="cmVkYWN0ZWQ="),
    _stop(1),
    {"type": "ping"},
    _start(2, type="server_tool_use", id="srvtoolu_1", name="web_search", input={}),
    _delta(2, type="input_json_delta", partial_json='{"query": "paris weather"}'),
    _stop(2),
    _start(
        3,
        type="web_search_tool_result",
        tool_use_id="srvtoolu_1",
        content=[
            {
                "type": "web_search_result",
                "url": "https://weather.example/paris",
                "title": "Paris weather",
                "encrypted_content": "ZW5jcnlwdGVk",
                "page_age": None,
            }
        ],
    ),
    _stop(3),
    _start(4, type="text", text="", citations=[]),
    _delta(
        4,
        type="citations_delta",
        citation={
            "type": "web_search_result_location",
            "url": "https://weather.example/paris",
            "title": "Paris weather",
            "cited_text": "Sunny, 24 degrees.",
            "encrypted_index": "aW5kZXg=",
        },
    ),
    _delta(4, type="text_delta", text="It is sunny in Paris."),
    _stop(4),
    _start(5, type="server_tool_use", id="srvtoolu_2", name="code_execution", input={}),
    _delta(5, type="input_json_delta", partial_json='{"code": "print(24 * 9 / 5 + 32)"}'),
    _stop(5),
    _start(
        6,
        type="code_execution_tool_result",
        tool_use_id="srvtoolu_2",
        content={
            "type": "code_execution_result",
            "stdout": "75.2\n",
            "stderr": "",
            "return_code": 0,
            "content": [],
        },
    ),
    _stop(6),
    _start(
        7, type="mcp_tool_use", id="mcptoolu_1", name="echo", server_name="tools", input={"x": 1}
    ),
    _stop(7),
    _start(
        8,
        type="mcp_tool_result",
        tool_use_id="mcptoolu_1",
        is_error=False,
        content=[{"type": "text", "text": "1"}],
    ),
    _stop(8),
    _start(9, type="thinking", thinking="A whole thought.", signature="c2lnLTI="),
    _stop(9),
    _start(10, type="text", text=""),
    _delta(10, type="future_delta", value=1),
    _delta(10, type="text_delta", text=" 75 F."),
    _stop(10),
    _start(11, type="future_block", value=2),
    _stop(11),
    {"type": "future_event", "value": 3},
    {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
        "usage": {"output_tokens": 50},
    },
    {"type": "message_stop"},
]

_GROUNDING = {
    "webSearchQueries": ["answer to everything"],
    "groundingChunks": [{"web": {"uri": "https://guide.example/42", "title": "guide.example"}}],
    "groundingSupports": [
        {
            "segment": {"startIndex": 0, "endIndex": 16, "text": "The answer is 42"},
            "groundingChunkIndices": [0],
            "confidenceScores": [0.9],
        }
    ],
}
_CITATIONS = {
    "citations": [
        {"startIndex": 0, "endIndex": 16, "uri": "https://book.example", "title": "The Book"}
    ]
}
_USAGE = {
    "promptTokenCount": 10,
    "candidatesTokenCount": 20,
    "thoughtsTokenCount": 5,
    "totalTokenCount": 35,
}


def _chunk(*parts: dict[str, Any], **candidate: Any) -> dict[str, Any]:
    return {"candidates": [{"content": {"role": "model", "parts": list(parts)}, **candidate}]}


# Gemini: a signed thought, code execution and its result, a grounded answer whose
# metadata comes again on later chunks, a signed function call, an image part, and the
# signature on an otherwise empty last part.
GEMINI: list[dict[str, Any]] = [
    _chunk({"text": "Let me compute.", "thought": True}),
    _chunk({"executableCode": {"language": "PYTHON", "code": "print(6 * 7)"}}),
    _chunk({"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "42\n"}}),
    _chunk(
        {"text": "The answer is 42", "thoughtSignature": "c2lnLWE="}, groundingMetadata=_GROUNDING
    ),
    _chunk(
        {"functionCall": {"name": "lookup", "args": {"q": "42"}}, "thoughtSignature": "c2lnLWI="},
        {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
        groundingMetadata=_GROUNDING,
        citationMetadata=_CITATIONS,
    ),
    {
        **_chunk(
            {"text": "", "thoughtSignature": "c2lnLWM="},
            finishReason="STOP",
            groundingMetadata={
                **_GROUNDING,
                "groundingChunks": [
                    *_GROUNDING["groundingChunks"],
                    {"web": {"uri": "https://other.example", "title": "other.example"}},
                ],
            },
            citationMetadata=_CITATIONS,
        ),
        "usageMetadata": _USAGE,
    },
]

_RESPONSE: dict[str, Any] = {
    "id": "resp_vocab",
    "object": "response",
    "created_at": 1760000000,
    "model": "gpt-5",
    "output": [],
    "parallel_tool_calls": True,
    "tool_choice": "auto",
    "tools": [],
}


def _output(kind: str, index: int, item: dict[str, Any]) -> dict[str, Any]:
    return {"type": f"response.output_item.{kind}", "output_index": index, "item": item}


def _progress(kind: str, index: int, item_id: str, **more: Any) -> dict[str, Any]:
    return {"type": f"response.{kind}", "output_index": index, "item_id": item_id, **more}


_WS = {"id": "ws_1", "type": "web_search_call", "status": "completed"}
_MCP = {
    "id": "mcp_1",
    "type": "mcp_call",
    "name": "ask",
    "server_label": "wiki",
    "arguments": "",
}
_IMG = {"id": "ig_1", "type": "image_generation_call", "status": "in_progress", "result": None}

# OpenAI Responses: running usage, encrypted reasoning, web and file search, code
# interpreter, image generation, MCP tools listed and called, a custom tool call, url
# and file citations, and an event type from a later API version.
RESPONSES: list[dict[str, Any]] = [
    {"type": "response.created", "response": {**_RESPONSE, "status": "in_progress"}},
    {
        "type": "response.in_progress",
        "response": {
            **_RESPONSE,
            "status": "in_progress",
            "usage": {"input_tokens": 30, "output_tokens": 0, "total_tokens": 30},
        },
    },
    _output("added", 0, {"id": "rs_1", "type": "reasoning", "summary": []}),
    _output(
        "done", 0, {"id": "rs_1", "type": "reasoning", "summary": [], "encrypted_content": "ZW5j"}
    ),
    _output("added", 1, {**_WS, "status": "in_progress"}),
    _progress("web_search_call.in_progress", 1, "ws_1"),
    _progress("web_search_call.searching", 1, "ws_1"),
    _progress("web_search_call.completed", 1, "ws_1"),
    _output("done", 1, {**_WS, "action": {"type": "search", "query": "paris weather"}}),
    _output("added", 2, {"id": "fs_1", "type": "file_search_call", "status": "in_progress"}),
    _progress("file_search_call.in_progress", 2, "fs_1"),
    _progress("file_search_call.searching", 2, "fs_1"),
    _progress("file_search_call.completed", 2, "fs_1"),
    _output(
        "done",
        2,
        {
            "id": "fs_1",
            "type": "file_search_call",
            "status": "completed",
            "queries": ["weather"],
            "results": [{"file_id": "file_1", "filename": "notes.md", "score": 0.5}],
        },
    ),
    _output(
        "added",
        3,
        {
            "id": "ci_1",
            "type": "code_interpreter_call",
            "status": "in_progress",
            "container_id": "cntr_1",
            "code": "",
        },
    ),
    _progress("code_interpreter_call.in_progress", 3, "ci_1"),
    _progress("code_interpreter_call_code.delta", 3, "ci_1", delta="print(24 * 9"),
    _progress("code_interpreter_call_code.delta", 3, "ci_1", delta=" / 5 + 32)"),
    _progress("code_interpreter_call_code.done", 3, "ci_1", code="print(24 * 9 / 5 + 32)"),
    _progress("code_interpreter_call.interpreting", 3, "ci_1"),
    _progress("code_interpreter_call.completed", 3, "ci_1"),
    _output(
        "done",
        3,
        {
            "id": "ci_1",
            "type": "code_interpreter_call",
            "status": "completed",
            "container_id": "cntr_1",
            "code": "print(24 * 9 / 5 + 32)",
            "outputs": [{"type": "logs", "logs": "75.2\n"}],
        },
    ),
    _output("added", 4, _IMG),
    _progress("image_generation_call.in_progress", 4, "ig_1"),
    _progress("image_generation_call.generating", 4, "ig_1"),
    _progress(
        "image_generation_call.partial_image",
        4,
        "ig_1",
        partial_image_index=0,
        partial_image_b64="iVBORw0KGgo=",
    ),
    _progress("image_generation_call.completed", 4, "ig_1"),
    _output("done", 4, {**_IMG, "status": "completed", "result": "iVBORw0KGgoAAAA="}),
    _output(
        "added", 5, {"id": "mcpl_1", "type": "mcp_list_tools", "server_label": "wiki", "tools": []}
    ),
    _progress("mcp_list_tools.in_progress", 5, "mcpl_1"),
    _progress("mcp_list_tools.completed", 5, "mcpl_1"),
    _output(
        "done",
        5,
        {
            "id": "mcpl_1",
            "type": "mcp_list_tools",
            "server_label": "wiki",
            "tools": [{"name": "ask", "input_schema": {"type": "object"}}],
        },
    ),
    _output("added", 6, _MCP),
    _progress("mcp_call.in_progress", 6, "mcp_1"),
    _progress("mcp_call_arguments.delta", 6, "mcp_1", delta='{"q": '),
    _progress("mcp_call_arguments.delta", 6, "mcp_1", delta='"weather"}'),
    _progress("mcp_call_arguments.done", 6, "mcp_1", arguments='{"q": "weather"}'),
    _progress("mcp_call.completed", 6, "mcp_1"),
    _output("done", 6, {**_MCP, "arguments": '{"q": "weather"}', "output": "sunny", "error": None}),
    _output(
        "added",
        7,
        {
            "id": "ctc_1",
            "type": "custom_tool_call",
            "call_id": "call_c1",
            "name": "sql",
            "input": "",
        },
    ),
    _progress("custom_tool_call_input.delta", 7, "ctc_1", delta="SELECT "),
    _progress("custom_tool_call_input.delta", 7, "ctc_1", delta="1"),
    _progress("custom_tool_call_input.done", 7, "ctc_1", input="SELECT 1"),
    _output(
        "done",
        7,
        {
            "id": "ctc_1",
            "type": "custom_tool_call",
            "call_id": "call_c1",
            "name": "sql",
            "input": "SELECT 1",
        },
    ),
    _output(
        "added",
        8,
        {
            "id": "msg_1",
            "type": "message",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        },
    ),
    {
        "type": "response.content_part.added",
        "item_id": "msg_1",
        "output_index": 8,
        "content_index": 0,
        "part": {"type": "output_text", "text": "", "annotations": []},
    },
    {
        "type": "response.output_text.delta",
        "item_id": "msg_1",
        "output_index": 8,
        "content_index": 0,
        "delta": "Sunny, 75 F.",
    },
    {
        "type": "response.output_text.annotation.added",
        "item_id": "msg_1",
        "output_index": 8,
        "content_index": 0,
        "annotation_index": 0,
        "annotation": {
            "type": "url_citation",
            "url": "https://weather.example/paris",
            "title": "Paris weather",
            "start_index": 0,
            "end_index": 6,
        },
    },
    {
        "type": "response.output_text.annotation.added",
        "item_id": "msg_1",
        "output_index": 8,
        "content_index": 0,
        "annotation_index": 1,
        "annotation": {
            "type": "file_citation",
            "file_id": "file_1",
            "filename": "notes.md",
            "index": 12,
        },
    },
    {"type": "response.future_event", "item_id": "msg_1", "value": 1},
    {
        "type": "response.output_text.done",
        "item_id": "msg_1",
        "output_index": 8,
        "content_index": 0,
        "text": "Sunny, 75 F.",
    },
    {
        "type": "response.completed",
        "response": {
            **_RESPONSE,
            "status": "completed",
            "usage": {
                "input_tokens": 30,
                "output_tokens": 40,
                "total_tokens": 70,
                "output_tokens_details": {"reasoning_tokens": 10},
            },
        },
    },
]

for _number, _payload in enumerate(RESPONSES):
    _payload["sequence_number"] = _number


def _chat(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "gen-vocab",
        "object": "chat.completion.chunk",
        "created": 1760000000,
        "model": "anthropic/claude-sonnet-4.5",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _detail(**detail: Any) -> dict[str, Any]:
    return {"format": "anthropic-claude-v1", "index": 0, **detail}


# OpenAI Chat through OpenRouter: reasoning text with its reasoning_details repeating it,
# the signature in a detail of its own, encrypted (redacted) reasoning, a summary sent only
# as a detail, and a detail type from a later version.
CHAT: list[dict[str, Any]] = [
    _chat({"role": "assistant", "content": "", "reasoning": None, "reasoning_details": []}),
    _chat(
        {
            "content": "",
            "reasoning": "Two and two",
            "reasoning_details": [_detail(type="reasoning.text", text="Two and two")],
        }
    ),
    _chat(
        {
            "content": "",
            "reasoning": None,
            "reasoning_details": [_detail(type="reasoning.text", text="", signature="")],
        }
    ),
    _chat(
        {
            "content": "",
            "reasoning": None,
            "reasoning_details": [_detail(type="reasoning.text", signature="c2lnLWNoYXQ=")],
        }
    ),
    _chat(
        {
            "content": "",
            "reasoning": None,
            "reasoning_details": [
                _detail(type="reasoning.encrypted", data="ZW5jcnlwdGVk", index=1),
                _detail(type="reasoning.summary", summary="Added.", index=2),
                _detail(type="reasoning.future", value=1, index=3),
            ],
        }
    ),
    _chat({"content": "2 + 2 = 4", "reasoning": None, "reasoning_details": []}),
    _chat({}, "stop"),
]

SAMPLES: dict[str, tuple[list[dict[str, Any]], str]] = {
    "anthropic": (ANTHROPIC, "anthropic"),
    "gemini": (GEMINI, "gemini"),
    "openai-responses": (RESPONSES, "openai-responses"),
    "openai-chat": (CHAT, "openai-chat"),
}
"""name -> (payloads, provider)."""
