"""The smallest server that streams a partial model to a browser over SSE.

``GET /trip`` sends ``Partial[Trip]`` snapshots (at most 20 a second) and then
the validated ``Trip``, as server-sent events; if the client disconnects, the
pipeline closes the model's stream. Offline it replays the package's sample;
with ``OPENAI_API_KEY`` it asks a model.

    uvicorn examples.fastapi_sse:app          (or: python examples/fastapi_sse.py)
    curl -N http://127.0.0.1:8000/trip
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI

from streamops import partial, pipe, sse_response, throttle, to_sse
from streamops.providers import text
from streamops.samples import Trip, replay

app = FastAPI()
PROMPT = "Plan a long weekend in Lisbon as JSON: title, summary, city, days, items, tips."


async def answer() -> Any:
    if "OPENAI_API_KEY" not in os.environ:
        return replay("report", speed=float(os.environ.get("STREAMOPS_DEMO_SPEED", "1")))
    from openai import AsyncOpenAI

    response = await AsyncOpenAI().chat.completions.create(
        model=os.environ.get("OPENAI_MODEL", "gpt-4o-mini"),
        messages=[{"role": "user", "content": PROMPT}],
        stream=True,
        response_format={"type": "json_object"},
    )
    return pipe(response, text())


@app.get("/trip")
async def trip() -> Any:
    snapshots = pipe(await answer(), partial(Trip), throttle(0.05))
    return sse_response(pipe(snapshots, to_sse(heartbeat=15)))


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
