"""Types of the UI protocol operators: checked by mypy --strict (CI), not run."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.responses import StreamingResponse
from typing_extensions import assert_type

from streamops import (
    UI_MESSAGE_STREAM_HEADERS,
    Stream,
    drain,
    events,
    partial,
    pipe,
    run_tools,
    sse_response,
    stream,
    to_ag_ui,
    to_ui_message_stream,
    tool_calls,
    ui_message_stream_response,
)
from streamops.providers import text


class Plan(BaseModel):
    city: str
    days: int


BODY = [b'data: {"choices": []}\n\n']


def vercel() -> None:
    registry: dict[str, Any] = {}
    assert_type(pipe(BODY, events(), to_ui_message_stream()), Stream[str])
    assert_type(pipe(BODY, tool_calls(registry), to_ui_message_stream()), Stream[str])
    assert_type(pipe(BODY, run_tools(registry), to_ui_message_stream()), Stream[str])
    assert_type(pipe(BODY, text(), partial(Plan), to_ui_message_stream()), Stream[str])
    assert_type(stream(BODY) | events() | to_ui_message_stream(message_id="m"), Stream[str])
    assert_type(drain(BODY, text(), to_ui_message_stream(data_name="plan")), list[str])
    frames = pipe(BODY, events(), to_ui_message_stream())
    assert_type(ui_message_stream_response(frames), StreamingResponse)
    assert_type(UI_MESSAGE_STREAM_HEADERS, dict[str, str])


def ag_ui() -> None:
    assert_type(pipe(BODY, events(), to_ag_ui()), Stream[str])
    assert_type(pipe(BODY, text(), partial(Plan), to_ag_ui(thread_id="t", run_id="r")), Stream[str])
    assert_type(sse_response(pipe(BODY, events(), to_ag_ui())), StreamingResponse)
