"""The live web page of ``streamops demo --web`` (needs ``pip install "streamops[web]"``).

``POST /api/stream`` answers with one server-sent-event stream of JSON patches
that build one document, ``{"card": ..., "answer": {"blocks": [...], "tail":
...}, "validated": ...}``: the structured answer (``json_patches()`` of the
model's JSON, under ``/card``), then ``validated: true`` once the whole card
passed :class:`streamops.samples.Trip`; and a text answer as live Markdown
(``markdown_blocks()``: each committed block added once to ``blocks`` as HTML,
rendered here with markdown-it-py with raw HTML escaped; the healed open tail
replaced after each chunk that changed it). The page (``static/index.html``)
reads it with the package's browser client (``static/streamops.js``).

Offline by default (the package's samples replayed with token timing); with a
``model`` and ``OPENAI_API_KEY`` (or ``base_url``) it asks a real model. With a
``redis`` URL the answer is resumable: ``POST /api/streams`` starts a
generation detached from the request, and ``GET /api/streams/{id}`` serves it
to any worker's reader from its ``Last-Event-ID``.
"""

from __future__ import annotations

import logging
import os
import traceback
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Any

import anyio
from fastapi import FastAPI, Request  # the web extra: this module is imported for --web only
from pydantic import BaseModel, ConfigDict, Field

from ._browser import RESUME_HEADER, _static_file, browser_client_response
from ._core import operator, pipe
from ._text import Committed, markdown_blocks
from .flow import merge, sse_response, to_sse
from .json import json_patches
from .samples import Trip, replay

log = logging.getLogger("streamops.web")

RETRY_MS = 10_000
"""What the page's streams tell an ``EventSource`` to wait before reconnecting."""

CARD_PROMPT = (
    "Answer as one JSON object with the keys title (string), summary (string), city "
    "(string), days (integer), items (a list of objects with name, kind (one of sight, "
    "museum, food, trip), day, duration_min, cost_eur, notes), total_cost_eur (number), "
    "tips (list of strings) and rating (a number from 0 to 5). Question: "
)

Sources = Callable[[str, float], "tuple[AsyncIterator[str], AsyncIterator[str]]"]
"""``(prompt, speed) -> (card_chunks, answer_chunks)``: the model's two texts."""


class StreamRequest(BaseModel):
    """The body of ``POST /api/stream``; anything else is answered 422."""

    model_config = ConfigDict(extra="forbid")

    prompt: str = Field("Plan a long weekend in Lisbon.", min_length=1, max_length=4000)
    speed: float | None = Field(None, ge=0, le=1000)  # replay speed, offline; 0: no delay


@dataclass
class Stats:
    """What the server saw (``GET /api/stats``; read by the browser tests)."""

    requests: int = 0  # stream requests: POST /api/stream, GET /api/streams/{id}
    started: int = 0
    completed: int = 0
    stopped: int = 0  # the client went away before the end
    upstream_opened: int = 0
    upstream_closed: int = 0


class OneLineFormatter(logging.Formatter):
    """Log records on one line each: an exception is its type and message, where
    it was raised, not a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        exc_info, record.exc_info, record.exc_text = record.exc_info, None, None
        line = super().format(record)
        record.exc_info = exc_info
        if exc_info and exc_info[1] is not None:
            exc = exc_info[1]
            frames = traceback.extract_tb(exc.__traceback__)
            where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
            line += f": {type(exc).__name__}: {exc}{where}".replace("\n", " ")
        return line


def _prefixed(prefix: str, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**op, "path": prefix + op["path"]} for op in ops]


@operator
async def _card_patches(source: AsyncIterable[str]) -> AsyncIterator[list[dict[str, Any]]]:
    """The card's patches under ``/card``, then ``validated`` once it passed ``Trip``."""
    text: list[str] = []

    async def kept() -> AsyncIterator[str]:
        async for chunk in source:
            text.append(chunk)
            yield chunk

    async with pipe(kept(), json_patches()) as patches:
        async for ops in patches:
            yield _prefixed("/card", ops)
    Trip.model_validate_json("".join(text))  # a ValidationError is the stream's error frame
    yield [{"op": "replace", "path": "/validated", "value": True}]


@operator
async def _answer_patches(source: AsyncIterable[Any]) -> AsyncIterator[list[dict[str, Any]]]:
    """Committed Markdown blocks added to ``/answer/blocks`` as HTML; the tail replaced."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    async for item in source:
        if isinstance(item, Committed):
            yield [
                {"op": "add", "path": "/answer/blocks/-", "value": md.render(item.text)},
                {"op": "replace", "path": "/answer/tail", "value": ""},
            ]
        else:
            yield [{"op": "replace", "path": "/answer/tail", "value": md.render(item.healed)}]


async def _document(
    card: AsyncIterator[str], answer: AsyncIterator[str]
) -> AsyncIterator[list[dict[str, Any]]]:
    empty = {"card": None, "answer": {"blocks": [], "tail": ""}, "validated": False}
    yield [{"op": "replace", "path": "", "value": empty}]
    card_ops = pipe(card, _card_patches())
    answer_ops = pipe(answer, markdown_blocks(), _answer_patches())
    async with merge(card_ops, answer_ops) as both:
        async for ops in both:
            yield ops


def _replayed(prompt: str, speed: float) -> tuple[AsyncIterator[str], AsyncIterator[str]]:
    return replay("report", speed=speed), replay("answer", speed=speed, seed=1)


def _online(model: str, base_url: str | None) -> Sources:
    async def model_text(prompt: str, json_mode: bool) -> AsyncIterator[str]:
        from .cli import _model_text

        async with await _model_text(model, base_url, prompt, json_mode) as chunks:
            async for chunk in chunks:
                yield chunk

    def sources(prompt: str, speed: float) -> tuple[AsyncIterator[str], AsyncIterator[str]]:
        return model_text(CARD_PROMPT + prompt, True), model_text(prompt, False)

    return sources


def create_app(
    *,
    speed: float = 1.0,
    model: str | None = None,
    base_url: str | None = None,
    redis: str | None = None,
    peers: list[str] | None = None,
    lease: float = 3.0,
    sources: Sources | None = None,
) -> FastAPI:
    """The page's app. ``model`` (with ``OPENAI_API_KEY`` or ``base_url``) asks a
    real model; ``redis`` (a URL) adds the resumable endpoints, ``peers`` lists
    the other workers' base URLs a reader may continue from; ``sources``
    replaces the model (tests). ``app.state.stats`` is what the server saw."""
    from fastapi.middleware.cors import CORSMiddleware
    from fastapi.responses import FileResponse, JSONResponse, Response

    from .delivery import RedisStore, resume_response, spawn

    store = None if redis is None else RedisStore.from_url(redis, prefix="streamops-web")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if store is None:
            yield
            return
        async with anyio.create_task_group() as tasks:  # the detached generations
            app.state.tasks = tasks
            yield
            tasks.cancel_scope.cancel()
        await store.aclose()

    app = FastAPI(title="streamops live card", lifespan=lifespan)
    if store is not None:  # a reader may continue from another worker (origin)
        app.add_middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["GET"],
            allow_headers=["Last-Event-ID"],
            expose_headers=[RESUME_HEADER],
        )
    stats = app.state.stats = Stats()
    if sources is None:
        online = model is not None and (base_url is not None or "OPENAI_API_KEY" in os.environ)
        sources = _online(model or "gpt-4o-mini", base_url) if online else _replayed

    async def upstream(source: AsyncIterator[str]) -> AsyncIterator[str]:
        """The model's text; counts when it is opened and closed."""
        stats.upstream_opened += 1
        try:
            async for chunk in source:
                yield chunk
        finally:
            stats.upstream_closed += 1

    def events(request: StreamRequest) -> AsyncIterator[list[dict[str, Any]]]:
        assert sources is not None
        card, answer = sources(request.prompt, speed if request.speed is None else request.speed)
        return _document(upstream(card), upstream(answer))

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
                log.info("client went away: closed the model stream")

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(_static_file("index.html"), headers={"Cache-Control": "no-cache"})

    @app.get("/streamops.js", include_in_schema=False)
    async def client_js() -> Response:
        return browser_client_response(max_age=0)

    @app.get("/api/stats")
    async def get_stats() -> dict[str, int]:
        return asdict(stats)

    @app.get("/api/config")
    async def config() -> dict[str, Any]:
        return {"resumable": store is not None, "peers": peers or []}

    @app.post("/api/stream")
    async def stream(request: StreamRequest) -> Any:
        stats.requests += 1
        frames = pipe(events(request), to_sse(heartbeat=15, retry=RETRY_MS), watched())
        return sse_response(frames)

    if store is None:
        return app

    @app.post("/api/streams")
    async def start(request: StreamRequest, http: Request) -> dict[str, str]:
        stream_id = uuid.uuid4().hex
        await spawn(http.app.state.tasks, store, stream_id, events(request), lease=lease)
        return {"id": stream_id}

    @app.get("/api/streams/{stream_id}")
    async def follow(stream_id: str, request: Request) -> Any:
        stats.requests += 1
        path = f"/api/streams/{stream_id}"
        continues = ", ".join([path, *(peer.rstrip("/") + path for peer in peers or [])])
        try:  # checks the stream's status every second: a dead producer is noticed fast
            return resume_response(
                store, stream_id, request, block=1.0, headers={RESUME_HEADER: continues}
            )
        except ValueError as exc:  # a Last-Event-ID that is not a frame id
            return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.post("/api/streams/{stream_id}/stop")
    async def stop(stream_id: str) -> dict[str, bool]:
        return {"stopped": await store.cancel(stream_id)}

    return app


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    speed: float = 1.0,
    model: str | None = None,
    base_url: str | None = None,
    redis: str | None = None,
    peers: list[str] | None = None,
) -> None:
    """Run the page's app with uvicorn until interrupted; logs one line per event."""
    import uvicorn

    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    online = base_url is not None or "OPENAI_API_KEY" in os.environ
    app = create_app(
        speed=speed,
        model=model or ("gpt-4o-mini" if online else None),
        base_url=base_url,
        redis=redis,
        peers=peers,
    )
    print(f"streamops live card on http://{host}:{port}", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", log_config=None)
