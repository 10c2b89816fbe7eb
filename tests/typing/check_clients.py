"""``stream_model`` / ``stream_items`` types: checked by ``mypy --strict tests/typing`` (CI)."""

from __future__ import annotations

from typing import Any

import anthropic
import openai
from google import genai
from pydantic import BaseModel
from typing_extensions import assert_type

from streamops import (
    AsyncModelStream,
    Partial,
    Stream,
    SyncModelStream,
    Usage,
    stream_items,
    stream_model,
    throttle,
    to_sse,
    tool_definitions,
)
from streamops.clients import ClientEvent


class Plan(BaseModel):
    city: str


async def async_clients(oai: openai.AsyncOpenAI, claude: anthropic.AsyncAnthropic) -> None:
    s = stream_model(oai, Plan, model="gpt-4o", messages=[])
    assert_type(s, AsyncModelStream[Partial[Plan] | Plan, Plan])
    async for snapshot in s:
        assert_type(snapshot, Partial[Plan] | Plan)
        if isinstance(snapshot, Plan):
            assert_type(snapshot.city, str)
    assert_type(await s.final(), Plan)
    assert_type(s.usage, Usage | None)
    assert_type(s.finish_reason, str | None)
    assert_type(s.events, list[ClientEvent])
    assert_type(s | throttle(0.1), Stream[Partial[Plan] | Plan])
    assert_type(s | throttle(0.1) | to_sse(), Stream[str])
    assert_type(
        await stream_model(claude, Plan, model="c", max_tokens=9, messages=[]).final(), Plan
    )
    items = stream_items(claude, Plan, model="c", max_tokens=9, messages=[])
    assert_type(items, AsyncModelStream[Plan, list[Plan]])
    assert_type(await items.final(), list[Plan])
    gemini = genai.Client(api_key="k")
    assert_type(
        stream_model(gemini.aio, Plan, model="g", contents="hi"),
        AsyncModelStream[Partial[Plan] | Plan, Plan],
    )


def sync_clients(oai: openai.OpenAI, claude: anthropic.Anthropic, gemini: genai.Client) -> None:
    s = stream_model(oai, Plan, model="gpt-4o", messages=[])
    assert_type(s, SyncModelStream[Partial[Plan] | Plan, Plan])
    for snapshot in s:
        assert_type(snapshot, Partial[Plan] | Plan)
    assert_type(s.final(), Plan)
    assert_type(stream_model(claude, Plan, model="c", max_tokens=9, messages=[]).final(), Plan)
    assert_type(stream_items(gemini, Plan, model="g", contents="hi").final(), list[Plan])


def tools() -> None:
    assert_type(tool_definitions({"plan": Plan}, "anthropic"), list[dict[str, Any]])
