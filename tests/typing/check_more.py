"""Types of the remaining public operators and functions: checked by mypy --strict (CI)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from typing_extensions import assert_type

from streamops import (
    AWSEvent,
    Collected,
    Committed,
    Pending,
    Stream,
    aws_events,
    collect,
    drain,
    events,
    graphemes,
    heal_markdown,
    json_events,
    json_items,
    json_patches,
    markdown_blocks,
    message_chunks,
    model_patches,
    ndjson_events,
    pipe,
    tee,
    to_message,
    tool_messages,
)
from streamops.json import Event as JSONEvent
from streamops.tools import ToolResult


class Plan(BaseModel):
    city: str


TEXT = ["# Ti", "tle\n\nbody"]
JSON = ['{"city": "Pa', 'ris"}']


def text_family() -> None:
    assert_type(pipe(TEXT, markdown_blocks()), Stream[Committed | Pending])
    assert_type(pipe(TEXT, message_chunks(4096)), Stream[Committed | Pending])
    assert_type(heal_markdown("**bo"), str)
    assert_type(graphemes("e\u0301"), list[str])


def json_family() -> None:
    assert_type(pipe(JSON, json_events()), Stream[JSONEvent])
    assert_type(pipe(JSON, json_items("city")), Stream[tuple[tuple[str | int, ...], Any]])
    assert_type(pipe(JSON, json_patches()), Stream[list[dict[str, Any]]])
    assert_type(drain(JSON, model_patches(Plan)), list[list[dict[str, Any]]])


def wire_formats() -> None:
    assert_type(pipe([b'{"a": 1}\n'], ndjson_events()), Stream[Any])
    assert_type(pipe([b""], aws_events()), Stream[AWSEvent])


def flow_and_messages() -> None:
    record = collect()
    assert_type(record, Collected[Any])
    assert_type(tee(JSON, 2), tuple[Stream[str], ...])
    evs = drain([b""], events())
    assert_type(to_message(evs, provider="anthropic"), dict[str, Any])
    assert_type(to_message(evs, provider="openai-responses"), list[dict[str, Any]])
    results: list[ToolResult] = []
    assert_type(tool_messages(results, "openai-chat"), list[dict[str, Any]])
