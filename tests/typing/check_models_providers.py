"""Types of the model, provider and tool operators: checked by mypy --strict (CI), not run."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from typing_extensions import assert_type

from streamops import (
    FieldEvent,
    Partial,
    ProviderEvent,
    Stream,
    ToolResult,
    drain,
    events,
    field_events,
    items,
    iterate,
    partial,
    pipe,
    run_tools,
    sse_events,
    think_tags,
    tool_calls,
    words,
)
from streamops.providers import SSEEvent, text
from streamops.tools import ToolEvent


class Plan(BaseModel):
    city: str
    days: int


BODY = [b'data: {"choices": []}\n\n']
JSON = ['{"city": "Pa', 'ris", "days": 2}']


def models() -> None:
    assert_type(pipe(JSON, partial(Plan)), Stream[Partial[Plan] | Plan])
    assert_type(pipe(JSON, items(Plan)), Stream[Plan])
    assert_type(pipe(JSON, items(Plan, "plans[*]")), Stream[Plan])
    assert_type(pipe(JSON, field_events(Plan)), Stream[FieldEvent])
    assert_type(drain(JSON, partial(Plan)), list[Partial[Plan] | Plan])
    for snapshot in iterate(JSON, partial(Plan)):
        assert_type(snapshot, Partial[Plan] | Plan)
        if not isinstance(snapshot, Partial):
            assert_type(snapshot.city, str)
    for plan in iterate(JSON, items(Plan)):
        assert_type(plan.days, int)


def providers() -> None:
    assert_type(pipe(BODY, sse_events()), Stream[SSEEvent])
    assert_type(pipe(BODY, events()), Stream[ProviderEvent])
    assert_type(pipe(BODY, sse_events(), events(provider="anthropic")), Stream[ProviderEvent])
    assert_type(pipe(BODY, text(), words()), Stream[str])
    assert_type(pipe(BODY, text(), partial(Plan)), Stream[Partial[Plan] | Plan])
    assert_type(pipe(BODY, events(), think_tags(), text()), Stream[str])
    assert_type(pipe(BODY, events(), think_tags()), Stream[ProviderEvent])


def tools() -> None:
    registry: dict[str, Any] = {}
    assert_type(pipe(BODY, events(), tool_calls(registry)), Stream[ToolEvent])
    assert_type(pipe(BODY, tool_calls()), Stream[ToolEvent])
    assert_type(pipe(BODY, run_tools(registry)), Stream[ToolResult])
    assert_type(drain(BODY, run_tools(registry)), list[ToolResult])
    assert_type(
        pipe(BODY, run_tools(registry, with_events=True)), Stream[ToolEvent | ToolResult]
    )
