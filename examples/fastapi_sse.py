"""The smallest server that streams a partial model to a browser over SSE.

``GET /trip`` sends ``Partial[Trip]`` snapshots (at most 20 a second) as
``message`` frames, then the validated ``Trip`` as an ``event: final`` frame,
then ``event: done``; if the client disconnects, the pipeline closes the
model's stream. A plain browser ``EventSource`` reconnects whenever a response
ends, which would ask the model again: this server answers such a reconnection
(it carries ``Last-Event-ID``) with 204 No Content, which tells an
``EventSource`` to stop, and the first frame carries ``retry: 10000``. A client
should still close on ``done`` (or ``error``). The package's
``streamops.js`` (``browser_client_response()``) does this for you, and
``streamops demo --web`` is a complete page. Offline it replays the package's
sample; with ``OPENAI_API_KEY`` it asks a model.

    uvicorn examples.fastapi_sse:app          (or: python examples/fastapi_sse.py)
    curl -N http://127.0.0.1:8000/trip
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI, Request, Response

from streamops import partial, pipe, sse_response, stream_model, throttle, to_sse
from streamops.samples import Trip, replay

app = FastAPI()
PROMPT = "Plan a long weekend in Lisbon: what to see and eat each day, with costs."


async def answer() -> Any:
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


@app.get("/trip")
async def trip(request: Request) -> Any:
    if "last-event-id" in request.headers:
        # An EventSource reconnecting after the answer ended: there is nothing to
        # resume, and asking the model again is not what the page wants. 204 tells
        # the EventSource to stop reconnecting.
        return Response(status_code=204)
    snapshots = pipe(await answer(), throttle(0.05))
    return sse_response(pipe(snapshots, to_sse(heartbeat=15, retry=10_000)))


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
