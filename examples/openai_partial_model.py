"""A typed object rendered while the model writes it: OpenAI stream -> partial(Trip).

Offline (default) it replays the package's own sample chat-completion stream,
a raw SSE body, through ``sse_events()``. With ``OPENAI_API_KEY`` set (and
optionally ``--base-url`` for any OpenAI-compatible server) it asks a model with
``stream_model()``, which sends ``Trip``'s JSON schema as a strict structured
output and yields the same typed snapshots.

    python examples/openai_partial_model.py
    OPENAI_API_KEY=... python examples/openai_partial_model.py --model gpt-4o-mini
"""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator

import anyio

from streamops import Partial, Stream, partial, pipe, sse_events, stream_model, throttle
from streamops.providers import text
from streamops.samples import Trip, sample_sse

PROMPT = "Plan a long weekend in Lisbon: what to see and eat each day, with costs."


async def recorded_body(speed: float) -> AsyncIterator[bytes]:
    """The sample SSE body in 48-byte network reads."""
    body = sample_sse("report").encode()
    for i in range(0, len(body), 48):
        await anyio.sleep(0.004 / speed if speed > 0 else 0)
        yield body[i : i + 48]


def model_snapshots(model: str, base_url: str | None) -> Stream[Partial[Trip] | Trip]:
    from openai import AsyncOpenAI

    # The schema goes out as response_format json_schema, strict; the answer comes
    # back as Partial[Trip] snapshots, then the validated Trip.
    return stream_model(
        AsyncOpenAI(base_url=base_url),
        Trip,
        model=model,
        messages=[{"role": "user", "content": PROMPT}],
        max_retries=1,
    )


def describe(snapshot: Partial[Trip] | Trip) -> str:
    if isinstance(snapshot, Trip):
        count, cost = len(snapshot.items), snapshot.total_cost_eur
        return f"done: {snapshot.title!r}, {count} stops, {cost} EUR"
    stops = snapshot.items or []
    ready = sum(snapshot.is_complete(f"items[{i}]") for i in range(len(stops)))
    return f"title={snapshot.title!r} stops={ready}/{len(stops)} ready"


async def main(model: str | None, base_url: str | None, speed: float) -> None:
    if model:
        source = model_snapshots(model, base_url)
    else:
        body = pipe(recorded_body(speed), sse_events(), text(provider="openai-chat"))
        source = pipe(body, partial(Trip))
    # throttle: at most 10 updates a second
    async with pipe(source, throttle(0.1)) as snapshots:
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
