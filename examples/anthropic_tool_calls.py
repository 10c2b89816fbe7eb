"""Tool calls from an Anthropic stream, validated as they arrive and run as soon as each is done.

Offline (default) it replays the package's own sample Anthropic Messages stream
(a text block, then two ``tool_use`` blocks whose input arrives in fragments).
With ``ANTHROPIC_API_KEY`` set it asks Claude, passing the SDK's stream object
straight into the pipeline.

    python examples/anthropic_tool_calls.py
    ANTHROPIC_API_KEY=... python examples/anthropic_tool_calls.py --model claude-sonnet-4-5
"""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator
from typing import Any, Literal

import anyio

from streamops import (
    ToolCallDone,
    ToolCallFailed,
    ToolCallStarted,
    pipe,
    run_tools,
    sse_events,
    tee,
    tool_calls,
    tool_definitions,
)
from streamops.samples import sample_sse


async def get_weather(
    city: str, unit: Literal["celsius", "fahrenheit"] = "celsius", days: int = 1
) -> dict[str, Any]:
    """The forecast for a city (a stand-in for a real API)."""
    await anyio.sleep(0.05)
    forecast = [{"day": d + 1, "high": 22 + d} for d in range(days)]
    return {"city": city, "unit": unit, "days": forecast}


def get_local_time(city: str) -> str:
    """The local time in a city (sync tools run in a worker thread)."""
    return {"Lisbon": "14:05 WET"}.get(city, "unknown")


TOOLS = {"get_weather": get_weather, "get_local_time": get_local_time}
# The tools= parameter, built from the same registry that validates the calls.
TOOL_SCHEMAS = tool_definitions(TOOLS, "anthropic", strict=False)


async def recorded_body() -> AsyncIterator[bytes]:
    body = sample_sse("tools").encode()
    for i in range(0, len(body), 64):
        await anyio.lowlevel.checkpoint()
        yield body[i : i + 64]


async def claude_stream(model: str) -> Any:
    from anthropic import AsyncAnthropic

    return await AsyncAnthropic().messages.create(
        model=model,
        max_tokens=512,
        tools=TOOL_SCHEMAS,  # type: ignore[arg-type]
        messages=[{"role": "user", "content": "Weather for 3 days and local time in Lisbon?"}],
        stream=True,
    )


async def main(model: str | None) -> None:
    source = await claude_stream(model) if model else pipe(recorded_body(), sse_events())
    # One branch shows the calls as they stream, the other runs them.
    watch, run = tee(pipe(source, tool_calls(TOOLS)), 2)

    async def show() -> None:
        async for event in watch:
            if isinstance(event, ToolCallStarted):
                print(f"calling {event.name} ({event.id}) ...", flush=True)
            elif isinstance(event, ToolCallDone):
                print(f"  {event.name} arguments complete: {event.parsed!r}", flush=True)
            elif isinstance(event, ToolCallFailed):
                print(f"  {event.name} failed: {event.error}", flush=True)

    async def execute() -> None:
        async for result in pipe(run, run_tools(TOOLS)):
            outcome = result.value if result.ok else f"error: {result.error}"
            print(f"result for {result.id}: {outcome}", flush=True)

    async with anyio.create_task_group() as tg:
        tg.start_soon(show)
        tg.start_soon(execute)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    online = bool(os.environ.get("ANTHROPIC_API_KEY"))
    parser.add_argument("--model", default="claude-sonnet-4-5" if online else None)
    anyio.run(main, parser.parse_args().model)
