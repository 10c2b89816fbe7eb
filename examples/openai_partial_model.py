"""A typed object rendered while the model writes it: OpenAI stream -> partial(Trip).

Offline (default) it replays the package's own sample chat-completion stream,
a raw SSE body, through ``sse_events()``. With ``OPENAI_API_KEY`` set (and
optionally ``--base-url`` for any OpenAI-compatible server) it asks a model,
passing the SDK's stream object straight into the pipeline.

    python examples/openai_partial_model.py
    OPENAI_API_KEY=... python examples/openai_partial_model.py --model gpt-4o-mini
"""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator
from typing import Any

import anyio

from streamops import Partial, partial, pipe, sse_events, throttle
from streamops.providers import text
from streamops.samples import Trip, sample_sse

PROMPT = (
    "Plan a long weekend in Lisbon. Answer with one JSON object with keys: title, "
    "summary, city, days, items (list of {name, kind: sight|museum|food|trip, day, "
    "duration_min, cost_eur, notes}), total_cost_eur, tips (list of strings), rating (0-5)."
)


async def recorded_body(speed: float) -> AsyncIterator[bytes]:
    """The sample SSE body in 48-byte network reads."""
    body = sample_sse("report").encode()
    for i in range(0, len(body), 48):
        await anyio.sleep(0.004 / speed if speed > 0 else 0)
        yield body[i : i + 48]


async def model_stream(model: str, base_url: str | None) -> Any:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=base_url)
    return await client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": PROMPT}],
        stream=True,
        response_format={"type": "json_object"},
    )


def describe(snapshot: Partial | Trip) -> str:
    if isinstance(snapshot, Trip):
        stops, cost = len(snapshot.items), snapshot.total_cost_eur
        return f"done: {snapshot.title!r}, {stops} stops, {cost} EUR"
    stops = snapshot.items or []
    ready = sum(snapshot.is_complete(f"items[{i}]") for i in range(len(stops)))
    return f"title={snapshot.title!r} stops={ready}/{len(stops)} ready"


async def main(model: str | None, base_url: str | None, speed: float) -> None:
    if model:
        source = pipe(await model_stream(model, base_url), text())
    else:
        source = pipe(recorded_body(speed), sse_events(), text(provider="openai-chat"))
    # throttle: at most 10 updates a second; the snapshots it skips are never built
    async with pipe(source, partial(Trip), throttle(0.1)) as snapshots:
        async for snapshot in snapshots:
            print(describe(snapshot), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    online = "OPENAI_API_KEY" in os.environ
    parser.add_argument("--model", default="gpt-4o-mini" if online else None)
    parser.add_argument("--base-url")
    parser.add_argument("--speed", type=float, default=1.0, help="offline speed (0: at once)")
    args = parser.parse_args()
    anyio.run(main, args.model, args.base_url, args.speed)
