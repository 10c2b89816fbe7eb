"""``stream_model`` over the real SDK clients keeps the whole vocabulary in ``.events``
unchanged (signatures, redacted reasoning, citations, server-side tool calls and results,
unknown event types), and never takes a server-side call for the answer."""

from __future__ import annotations

import json

import pytest

from streamops import (
    Citation,
    ReasoningSignature,
    RedactedReasoning,
    ServerToolResult,
    ToolCallDone,
    Unknown,
    stream_model,
)
from tests.conformance.test_clients_sdk import TEXT, Plan, Server, body, client, request_args
from tests.vocab_samples import ANTHROPIC, sse

pytest.importorskip("anthropic")

# The sample's first blocks: signed thinking, redacted thinking, a web search and its
# result, a cited text block; and its event of a type from a later API version.
_EXTRA = [p for p in ANTHROPIC[1:-2] if p["type"] != "ping" and p.get("index", 0) <= 4]


def with_extra(provider: str, *, server_name: str) -> list[bytes]:
    """The answer body of ``provider`` with the sample's extra blocks first (the answer's
    block comes after them), the web search call renamed ``server_name``."""
    extra = json.loads(json.dumps(_EXTRA))
    for payload in extra:
        block = payload.get("content_block", {})
        if block.get("type") == "server_tool_use":
            block["name"] = server_name
    answer = [json.loads(event.split(b"data: ", 1)[1]) for event in body(provider, TEXT)]
    for payload in answer:
        if "index" in payload:
            payload["index"] += 5
    return [
        event + b"\n\n"
        for event in sse([answer[0], *extra, *answer[1:]], named=True).split(b"\n\n")[:-1]
    ]


@pytest.mark.anyio
@pytest.mark.parametrize("provider", ["anthropic", "anthropic-tool"])
async def test_stream_model_keeps_the_new_events(provider: str) -> None:
    # (in the forced-tool case, a server-side call named like the answer tool is not it)
    server = Server(with_extra(provider, server_name="Plan"))
    s = stream_model(client(provider, server), Plan, **request_args(provider))
    async with s:
        got = [x async for x in s]
    assert got[-1] == Plan.model_validate_json(TEXT)
    kinds = [type(e) for e in s.events]
    for kind in (ReasoningSignature, RedactedReasoning, ServerToolResult, Citation, Unknown):
        assert kinds.count(kind) == 1, kind
    (search,) = [e for e in s.events if type(e) is ToolCallDone and e.server]
    assert (search.name, search.parsed) == ("Plan", {"query": "paris weather"})
    assert next(e for e in s.events if type(e) is Unknown).payload == {
        "type": "future_event",
        "value": 3,
    }
    # (the cited text is answer text too: the JSON parser skips the prose before the object)
    cited = "" if provider == "anthropic-tool" else "It is sunny in Paris."
    assert s.received == cited + TEXT
