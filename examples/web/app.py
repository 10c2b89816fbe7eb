"""Live structured output in the browser: JSON patches and live Markdown over SSE.

``POST /api/stream`` streams two things at once over one server-sent-event
response: JSON patches of a structured answer (from ``json_patches()``), which
the page applies to render a card as it fills in, and a text answer as live
Markdown (from ``markdown_blocks()``): each committed block is sent once as an
HTML fragment rendered here with markdown-it-py (raw HTML from the model is
escaped), and the healed open tail is re-sent after each chunk that changed it.
The Stop button aborts the fetch; the server sees the client go, the pipeline
closes its sources, and ``GET /api/stats`` counts it.

Offline by default: it replays the package's own sample streams with realistic
token timing. With ``OPENAI_API_KEY`` set (or ``--base-url`` for any
OpenAI-compatible server) it asks a real model instead.

With ``--redis URL`` the answer is resumable: ``POST /api/streams`` starts a
generation detached from the request (``spawn()``, written to Redis Streams)
and the page reads ``GET /api/streams/{id}`` with the ES module client
(``/static/resume.js``), which reconnects, to the next worker in ``--peer`` if
this one goes away, with the last frame id it has. Stop is
``POST /api/streams/{id}/stop``; closing the tab is not a stop.

    python examples/web/app.py                      # http://127.0.0.1:8000
    python examples/web/app.py --speed 4 --port 8080
    OPENAI_API_KEY=... python examples/web/app.py --model gpt-4o-mini
    python examples/web/app.py --port 8001 --redis redis://localhost:6379 --peer http://127.0.0.1:8002
    python examples/web/app.py --port 8002 --redis redis://localhost:6379 --peer http://127.0.0.1:8001
"""

from __future__ import annotations

import argparse
import logging
import os
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from markdown_it import MarkdownIt
from pydantic import BaseModel

from streamops import (
    Committed,
    RedisStore,
    markdown_blocks,
    merge,
    operator,
    pipe,
    sse_response,
    to_sse,
)
from streamops.delivery import CLIENT_JS, resume_response, spawn
from streamops.json import json_patches
from streamops.samples import replay

log = logging.getLogger("streamops.web")
STATIC = Path(__file__).resolve().parent / "static"

CARD_PROMPT = (
    "Answer as one JSON object with the keys title (string), summary (string), "
    "items (a list of objects with name, kind, day, duration_min, cost_eur, notes) "
    "tips (list of strings) and rating (a number from 0 to 5). Question: "
)


class StreamRequest(BaseModel):
    prompt: str = "Plan a long weekend in Lisbon."
    speed: float | None = None  # replay speed for the offline mode


@dataclass
class Stats:
    """What the server saw; read by the browser test through ``GET /api/stats``."""

    started: int = 0
    completed: int = 0
    stopped: int = 0  # the client went away before the end
    upstream_opened: int = 0
    upstream_closed: int = 0


@operator
async def tagged(source: AsyncIterable[Any], kind: str) -> AsyncIterator[dict[str, Any]]:
    """Wrap each item as ``{"kind": kind, "data": item}`` so one SSE stream can carry both."""
    async for item in source:
        yield {"kind": kind, "data": item}


@operator
async def as_html(source: AsyncIterable[Any]) -> AsyncIterator[dict[str, Any]]:
    """Committed blocks and the pending tail as HTML fragments: ``block`` and ``tail``."""
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    async for item in source:
        if isinstance(item, Committed):
            yield {"kind": "block", "data": md.render(item.text)}
        else:
            yield {"kind": "tail", "data": md.render(item.healed)}


def create_app(
    *,
    speed: float = 1.0,
    model: str | None = None,
    base_url: str | None = None,
    redis: str | None = None,
    peers: list[str] | None = None,
    lease: float = 3.0,
) -> FastAPI:
    """The app; ``model`` (with ``OPENAI_API_KEY`` or ``base_url``) switches to a real
    model; ``redis`` (a URL) adds the resumable endpoints, ``peers`` lists the
    other workers' base URLs the page may continue from."""
    store = None if redis is None else RedisStore.from_url(redis, prefix="streamops-web")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if store is None:
            yield
            return
        # The generations run here, detached from the requests that start them.
        async with anyio.create_task_group() as tasks:
            app.state.tasks = tasks
            yield
            tasks.cancel_scope.cancel()
        await store.aclose()

    app = FastAPI(title="streamops live card", lifespan=lifespan)
    if store is not None:  # the page may continue from another worker (origin)
        app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"])
    stats = Stats()
    online = model is not None and (base_url is not None or "OPENAI_API_KEY" in os.environ)

    async def upstream(source: AsyncIterable[str]) -> AsyncIterator[str]:
        """The model's text; counts when it is opened and closed."""
        stats.upstream_opened += 1
        try:
            async for chunk in source:
                yield chunk
        finally:
            stats.upstream_closed += 1

    async def model_text(prompt: str, *, json_mode: bool) -> AsyncIterator[str]:
        from openai import AsyncOpenAI

        from streamops.providers import text

        client = AsyncOpenAI(
            base_url=base_url, api_key=os.environ.get("OPENAI_API_KEY") or "not-needed"
        )
        response = await client.chat.completions.create(
            model=model or "gpt-4o-mini",
            messages=[{"role": "user", "content": (CARD_PROMPT if json_mode else "") + prompt}],
            stream=True,
            **({"response_format": {"type": "json_object"}} if json_mode else {}),
        )
        async with pipe(response, text()) as chunks:
            async for chunk in chunks:
                yield chunk

    def sources(request: StreamRequest) -> tuple[AsyncIterator[str], AsyncIterator[str]]:
        if online:
            card = model_text(request.prompt, json_mode=True)
            answer = model_text(request.prompt, json_mode=False)
        else:
            pace = speed if request.speed is None else request.speed
            card, answer = replay("report", speed=pace), replay("answer", speed=pace, seed=1)
        return upstream(card), upstream(answer)

    @operator
    async def watched(source: AsyncIterable[str]) -> AsyncIterator[str]:
        stats.started += 1
        completed = False
        try:
            async for frame in source:
                yield frame
            completed = True
        finally:
            if completed:
                stats.completed += 1
            else:
                stats.stopped += 1
                log.info("client went away: closing the model stream")

    @app.get("/")
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/api/stats")
    async def get_stats() -> dict[str, int]:
        return asdict(stats)

    def events(request: StreamRequest) -> AsyncIterator[dict[str, Any]]:
        card, answer = sources(request)
        return merge(
            pipe(card, json_patches(), tagged("patch")),
            pipe(answer, markdown_blocks(), as_html()),
        )

    @app.post("/api/stream")
    async def stream(request: StreamRequest) -> Any:
        return sse_response(pipe(events(request), to_sse(heartbeat=15), watched()))

    @app.get("/api/config")
    async def config() -> dict[str, Any]:
        return {"resumable": store is not None, "peers": peers or []}

    if store is None:
        return app

    @app.get("/static/resume.js")
    async def client_js() -> FileResponse:
        return FileResponse(CLIENT_JS, media_type="text/javascript")

    @app.post("/api/streams")
    async def start(request: StreamRequest, http: Request) -> dict[str, str]:
        stream_id = uuid.uuid4().hex
        await spawn(http.app.state.tasks, store, stream_id, events(request), lease=lease)
        return {"id": stream_id}

    @app.get("/api/streams/{stream_id}")
    async def follow(stream_id: str, request: Request) -> Any:
        # checks the stream's status every second: a dead producer is noticed fast
        return resume_response(store, stream_id, request, block=1.0)

    @app.post("/api/streams/{stream_id}/stop")
    async def stop(stream_id: str) -> dict[str, bool]:
        return {"stopped": await store.cancel(stream_id)}

    return app


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--speed", type=float, default=1.0, help="offline replay speed")
    parser.add_argument("--model", default=None, help="the model (default gpt-4o-mini when online)")
    parser.add_argument("--base-url", default=None, help="an OpenAI-compatible server")
    parser.add_argument("--redis", default=None, help="resumable mode: a Redis URL (shared)")
    parser.add_argument(
        "--peer", action="append", default=[], help="another worker's base URL (repeatable)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    online = args.base_url is not None or "OPENAI_API_KEY" in os.environ
    app = create_app(
        speed=args.speed,
        model=args.model or ("gpt-4o-mini" if online else None),
        base_url=args.base_url,
        redis=args.redis,
        peers=args.peer,
    )
    print(f"streamops live card on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
