"""Live rendering in a Jupyter notebook: a Markdown cell that fills in as the model writes.

In a notebook cell (top-level ``await`` works there)::

    from examples.notebook_live import main
    await main()

As a script it prints each update instead. Offline it replays the package's
sample stream; with ``OPENAI_API_KEY`` it asks a model.
"""

from __future__ import annotations

import os
from typing import Any

import anyio

from streamops import Partial, partial, pipe, stream_model, throttle
from streamops.samples import Trip, replay


def markdown(snapshot: Partial | Trip) -> str:
    lines = [f"### {snapshot.title or '…'}", "", snapshot.summary or ""]
    lines += [
        f"- **{stop.name or '…'}** (day {stop.day or '…'}) {stop.notes or ''}"
        for stop in snapshot.items or []
    ]
    if isinstance(snapshot, Trip):
        lines.append(f"\n*validated: {snapshot.total_cost_eur} EUR, rating {snapshot.rating}/5*")
    return "\n".join(lines)


PROMPT = "Plan a weekend in Lisbon: what to see and eat each day, with costs."


async def source() -> Any:
    if "OPENAI_API_KEY" not in os.environ:
        return pipe(
            replay("report", speed=float(os.environ.get("STREAMOPS_DEMO_SPEED", "1"))),
            partial(Trip),
        )
    from openai import AsyncOpenAI

    # Trip's schema goes out as a strict structured output: no JSON asked for in prose.
    return stream_model(
        AsyncOpenAI(),
        Trip,
        model=os.environ.get("OPENAI_MODEL", "gpt-4o-mini"),
        messages=[{"role": "user", "content": PROMPT}],
        max_retries=1,
    )


async def main() -> None:
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display

        in_notebook = get_ipython() is not None
    except ImportError:
        in_notebook = False
    handle = display(Markdown("…"), display_id=True) if in_notebook else None
    async with pipe(await source(), throttle(0.1)) as snapshots:
        async for snapshot in snapshots:
            if handle is not None:
                handle.update(Markdown(markdown(snapshot)))
            else:
                print(markdown(snapshot).splitlines()[0], "|", len(snapshot.items or []), "stops")
    if handle is None:
        print(markdown(snapshot))


if __name__ == "__main__":
    anyio.run(main)
