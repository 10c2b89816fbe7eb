"""to_sse and sse_response: frames, ids, heartbeats, error and done frames."""

from __future__ import annotations

import json
import logging

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from streamops import JSONStreamError, pipe
from streamops.flow import SSE_HEADERS, Gap, sse_response, to_sse
from tests.helpers import TrackedSource

pytestmark = pytest.mark.anyio


def parse(frames: str) -> list[dict[str, str]]:
    """A minimal SSE reader (LF only), as a browser's EventSource would see it."""
    events = []
    for block in frames.split("\n\n"):
        if not block:
            continue
        event: dict[str, str] = {}
        data = []
        for line in block.split("\n"):
            field, _, value = line.partition(": ")
            if field == "data":
                data.append(value)
            else:
                event[field] = value
        if data:
            event["data"] = "\n".join(data)
        events.append(event)
    return events


async def test_items_become_json_frames_with_increasing_ids() -> None:
    items = [{"title": "Lisbon"}, ["a", 1], "line\nbreak", 3.5, None]
    frames = [f async for f in pipe(items, to_sse(event="patch", id=7))]
    events = parse("".join(frames))
    assert [json.loads(e["data"]) for e in events[:-1]] == items
    assert [e["id"] for e in events[:-1]] == ["7", "8", "9", "10", "11"]
    assert {e["event"] for e in events[:-1]} == {"patch"}
    assert events[-1] == {"event": "done", "data": '{"count":5}'}


async def test_multi_line_data_is_split_over_data_lines() -> None:
    frames = "".join([f async for f in pipe(["a\nb\r\nc\rd"], to_sse(encode=str, id=None))])
    assert frames.startswith("data: a\ndata: b\ndata: c\ndata: d\n\n")
    assert parse(frames)[0]["data"] == "a\nb\nc\nd"


async def test_gap_markers_get_their_own_event_name() -> None:
    events = parse("".join([f async for f in pipe(["x", Gap(3), "y"], to_sse())]))
    assert events[1]["event"] == "gap"
    assert json.loads(events[1]["data"]) == {"dropped": 3}


async def test_source_error_becomes_an_error_frame(caplog: pytest.LogCaptureFixture) -> None:
    boom = JSONStreamError("expected ',' or '}'", offset=12, line=1, column=13, path=("items", 2))
    src = TrackedSource([{"a": 1}], error=boom)
    with caplog.at_level(logging.WARNING, logger="streamops"):
        events = parse("".join([f async for f in pipe(src, to_sse())]))
    assert json.loads(events[0]["data"]) == {"a": 1}
    assert events[-1]["event"] == "error"
    err = json.loads(events[-1]["data"])
    assert err["type"] == "JSONStreamError"
    assert err["path"] == ["items", 2]
    assert err["offset"] == 12
    assert "expected" in err["message"]
    assert "error frame" in caplog.text
    assert src.closed == 1


async def test_heartbeats_while_idle_and_close_on_break() -> None:
    src = TrackedSource([{"a": 1}], hang=True)
    got = []
    async with pipe(src, to_sse(heartbeat=0.01)) as s:
        async for frame in s:
            got.append(frame)
            if got.count(": heartbeat\n\n") == 2:
                break
    assert got[0].startswith("id: 1\n")
    assert got[1:] == [": heartbeat\n\n"] * 2
    assert src.closed == 1


def test_heartbeat_must_be_positive() -> None:
    with pytest.raises(ValueError, match="heartbeat"):
        to_sse(heartbeat=0)


async def test_sse_response_sets_the_streaming_headers() -> None:
    async def endpoint(request: Request) -> Response:
        return sse_response(pipe([{"n": 1}], to_sse()), headers={"X-Extra": "1"})

    app = Starlette(routes=[Route("/s", endpoint)])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        response = await client.get("/s")
    assert response.headers["cache-control"] == SSE_HEADERS["Cache-Control"]
    assert response.headers["x-accel-buffering"] == "no"
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-extra"] == "1"
    assert [e.get("event") for e in parse(response.text)] == [None, "done"]


# --- the client going away: every moment closes the model's stream (issue #11.4) ---


class Exchange:
    """A simulated ASGI exchange whose client disconnects at a chosen moment.

    ``moment``:
    - ``"before-body"``: the client is gone before the response starts (its
      ``http.response.start`` never completes);
    - ``"in-send"``: the client goes while the server is inside ``send()`` of the
      first body frame (ASGI 2.4: ``send`` raises ``OSError``; older servers:
      ``send`` hangs and a disconnect message arrives);
    - ``"waiting"``: the client goes while the pipeline waits for the model.
    """

    def __init__(self, moment: str, spec_version: str) -> None:
        self.moment = moment
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": spec_version},
            "method": "GET",
            "path": "/",
            "headers": [],
        }
        self.gone = anyio.Event()
        self.sent: list[dict[str, object]] = []

    async def receive(self) -> dict[str, object]:
        if self.moment != "before-body":
            await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, object]) -> None:
        self.sent.append(message)
        if message["type"] == "http.response.start" and self.moment == "before-body":
            await anyio.sleep_forever()  # the client never reads it; the disconnect cancels us
        if message["type"] == "http.response.body":
            if self.moment == "in-send":
                self.gone.set()
                if self.scope["asgi"]["spec_version"] == "2.4":  # type: ignore[index]
                    raise OSError("connection reset by peer")
                await anyio.sleep_forever()
            if self.moment == "waiting":
                self.gone.set()  # the next frame never comes: the model stalls


@pytest.mark.parametrize(
    ("moment", "spec_version"),
    # ASGI 2.4 servers report a disconnect only through send(): one moment.
    [("before-body", "2.0"), ("in-send", "2.0"), ("waiting", "2.0"), ("in-send", "2.4")],
)
async def test_client_disconnect_closes_the_model_stream(moment: str, spec_version: str) -> None:
    from starlette.requests import ClientDisconnect

    src = TrackedSource([{"n": 1}], hang=True)
    exchange = Exchange(moment, spec_version)
    response = sse_response(pipe(src, to_sse()))
    try:
        await response(exchange.scope, exchange.receive, exchange.send)
    except ClientDisconnect:
        assert spec_version == "2.4"
    assert src.closed == 1
    bodies = [m for m in exchange.sent if m["type"] == "http.response.body"]
    assert len(bodies) == (0 if moment == "before-body" else 1)
    assert src.pulled == (0 if moment == "before-body" else 1)
