"""Live structured output in the browser: the page of ``streamops demo --web``, with options.

The page, its browser client (``streamops.js``) and the FastAPI app ship with
the package (``pip install "streamops[web]"``); this script runs that app with
the options ``streamops demo --web`` does not have.

``POST /api/stream`` answers with one server-sent-event stream of JSON patches
building one document: a trip card (``json_patches()`` of the model's JSON,
marked ``validated`` once the whole card passed ``streamops.samples.Trip``) and
a text answer as live Markdown (``markdown_blocks()``, rendered to HTML on the
server with raw HTML escaped). The page applies them with the shipped client,
marks the card's completed fields, and shows the state: streaming, done,
stopped or error (with the message and where). Stop aborts the request: the
server closes the model's streams (``GET /api/stats`` counts it). The stream
starts with ``retry:`` and ends with a ``done`` (or ``error``) frame; the client
does not send the request again when the connection drops, since that would run
the model again.

Offline by default: it replays the package's sample streams with realistic
token timing. With ``OPENAI_API_KEY`` set (or ``--base-url`` for any
OpenAI-compatible server) it asks a real model instead.

With ``--redis URL`` the answer is resumable: ``POST /api/streams`` starts a
generation detached from the request (``spawn()``, written to Redis Streams)
and the page reads ``GET /api/streams/{id}``, whose ``Streamops-Resume`` header
lists this worker and the ``--peer`` workers: when the connection drops, the
client continues from the next one with ``Last-Event-ID``. Stop is
``POST /api/streams/{id}/stop``; closing the tab is not a stop.

    python examples/web/app.py                      # http://127.0.0.1:8000
    python examples/web/app.py --speed 4 --port 8080
    OPENAI_API_KEY=... python examples/web/app.py --model gpt-4o-mini
    python examples/web/app.py --port 8001 --redis redis://localhost:6379 --peer http://127.0.0.1:8002
    python examples/web/app.py --port 8002 --redis redis://localhost:6379 --peer http://127.0.0.1:8001

To serve the client from your own FastAPI app, see ``streamops.browser_client_response``.
"""

from __future__ import annotations

import argparse

from streamops._web_demo import create_app, serve

__all__ = ["create_app", "main"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
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
    serve(
        host=args.host,
        port=args.port,
        speed=args.speed,
        model=args.model,
        base_url=args.base_url,
        redis=args.redis,
        peers=args.peer,
    )


if __name__ == "__main__":
    main()
