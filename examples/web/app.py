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

    python examples/web/app.py                      # http://127.0.0.1:8000
    python examples/web/app.py --speed 4 --port 8080
    OPENAI_API_KEY=... python examples/web/app.py --model gpt-4o-mini
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse
from markdown_it import MarkdownIt
from pydantic import BaseModel

from streamops import Committed, merge, operator, pipe, sse_response, to_sse
from streamops.json import json_patches
from streamops.samples import replay
from streamops.text import markdown_blocks

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
    *, speed: float = 1.0, model: str | None = None, base_url: str | None = None
) -> FastAPI:
    """The app; ``model`` (with ``OPENAI_API_KEY`` or ``base_url``) switches to a real model."""
    app = FastAPI(title="streamops live card")
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

    @app.post("/api/stream")
    async def stream(request: StreamRequest) -> Any:
        card, answer = sources(request)
        events = merge(
            pipe(card, json_patches(), tagged("patch")),
            pipe(answer, markdown_blocks(), as_html()),
        )
        return sse_response(pipe(events, to_sse(heartbeat=15), watched()))

    return app


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--speed", type=float, default=1.0, help="offline replay speed")
    parser.add_argument("--model", default=None, help="the model (default gpt-4o-mini when online)")
    parser.add_argument("--base-url", default=None, help="an OpenAI-compatible server")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    online = args.base_url is not None or "OPENAI_API_KEY" in os.environ
    app = create_app(
        speed=args.speed,
        model=args.model or ("gpt-4o-mini" if online else None),
        base_url=args.base_url,
    )
    print(f"streamops live card on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
