"""resume_response() in a simulated ASGI exchange: positions from the header,
the query or the argument, reconnection to another app (worker), a client
that goes away (the producer goes on) and an explicit stop (the producer's
upstream is closed), under asyncio and trio, on the memory store and a real
redis-server.

The exchange is driven by hand (not httpx's ASGITransport, which buffers the
whole body) so a test can read frames as they arrive and disconnect between
two of them, both ways an ASGI server reports it: ``http.disconnect`` from
``receive()`` (ASGI 2.3) or ``send()`` failing with ``OSError`` (ASGI 2.4).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal
from urllib.parse import urlencode

import anyio
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from streamops import pipe, publish, resume
from streamops.delivery import Frame, Store, resume_response, spawn
from tests.delivery.conftest import make_store

pytestmark = pytest.mark.anyio

Disconnect = Literal["receive", "send"]


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest, anyio_backend: str) -> AsyncIterator[Store]:
    made = make_store(str(request.param), anyio_backend, request, block=0.1)
    try:
        yield made
    finally:
        await made.aclose()


def make_app(store: Store) -> Starlette:
    """One worker: the resume endpoint, and a stop endpoint."""

    async def follow(request: Request) -> Response:
        try:
            return resume_response(store, request.path_params["id"], request, block=0.1, wait=0.3)
        except ValueError as exc:
            return Response(str(exc), status_code=400)

    async def stop(request: Request) -> Response:
        stopped = await store.cancel(request.path_params["id"])
        return Response(status_code=204 if stopped else 404)

    return Starlette(
        routes=[
            Route("/streams/{id}", follow),
            Route("/streams/{id}/stop", stop, methods=["POST"]),
        ]
    )


class Exchange:
    """One HTTP exchange with an ASGI app: the body as it arrives, a disconnect on demand."""

    def __init__(
        self,
        app: Any,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        method: str = "GET",
        disconnect: Disconnect = "receive",
    ) -> None:
        self.app = app
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4" if disconnect == "send" else "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": urlencode(query or {}).encode(),
            "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
            "client": ("127.0.0.1", 50000),
            "server": ("test", 80),
        }
        self.status: int | None = None
        self.body = ""
        self.complete = False  # the app sent the last body message
        self.gone = anyio.Event()
        self.served = anyio.Event()  # the app returned
        self.changed = anyio.Event()
        self._requested = False

    async def receive(self) -> dict[str, Any]:
        if not self._requested:
            self._requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        if self.gone.is_set():
            raise OSError("the client went away")  # what an ASGI 2.4 server does
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"").decode()
            self.complete = not message.get("more_body", False)
        self.changed.set()
        self.changed = anyio.Event()

    async def run(self) -> None:
        try:
            await self.app(self.scope, self.receive, self.send)
        except OSError:
            assert self.gone.is_set()
        except Exception as exc:
            # Starlette's ClientDisconnect (ASGI 2.4), raised through the app
            if type(exc).__name__ != "ClientDisconnect" or not self.gone.is_set():
                raise
        finally:
            self.served.set()

    async def until(self, condition: Callable[[Exchange], bool], deadline: float = 10.0) -> None:
        with anyio.fail_after(deadline):
            while not condition(self):
                await self.changed.wait()

    def frames(self) -> list[Frame]:
        """The complete SSE frames received so far (comments and retry: left out;
        id 0 for a frame without an ``id:``)."""
        out: list[Frame] = []
        for block in self.body.split("\n\n")[:-1]:
            fields: dict[str, list[str]] = {}
            for line in block.split("\n"):
                if line and not line.startswith(":"):
                    name, _, value = line.partition(": ")
                    fields.setdefault(name, []).append(value)
            if "data" in fields:
                event = fields.get("event", [None])[0]
                frame_id = int(fields["id"][0]) if "id" in fields else 0
                out.append(Frame(frame_id, "\n".join(fields["data"]), event))
        return out


async def fetch(app: Any, path: str, **options: Any) -> Exchange:
    exchange = Exchange(app, path, **options)
    await exchange.run()
    return exchange


async def published(store: Store, stream_id: str, items: list[Any]) -> list[Frame]:
    return [f async for f in pipe(items, publish(store, stream_id, lease=1, batch=0.005))]


class Gate:
    """A model stream the test feeds item by item; records whether it was closed."""

    def __init__(self) -> None:
        self.send, self.receive = anyio.create_memory_object_stream[Any](100)
        self.closed = 0

    def __aiter__(self) -> Gate:
        return self

    async def __anext__(self) -> Any:
        try:
            return await self.receive.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        self.closed += 1
        self.receive.close()


ITEMS = [{"i": i, "text": f"token {i}"} for i in range(12)]


@pytest.mark.parametrize(
    ("headers", "query", "position"),
    [
        ({}, {}, 0),
        ({"Last-Event-ID": "5"}, {}, 5),
        ({}, {"last_event_id": "7"}, 7),
        ({"Last-Event-ID": "9"}, {"last_event_id": "2"}, 9),  # the header wins
        ({}, {"last_event_id": "13"}, 13),  # past the end: the terminal frame again
    ],
)
async def test_the_position_comes_from_the_header_else_the_query(
    store: Store, headers: dict[str, str], query: dict[str, str], position: int
) -> None:
    await published(store, "s", ITEMS)
    expected = [f async for f in resume(store, "s", position, block=0.1)]
    got = await fetch(make_app(store), "/streams/s", headers=headers, query=query)
    assert got.status == 200
    assert got.complete
    assert got.body.startswith("retry: 1000\n\n")
    assert got.frames() == expected


async def test_a_bad_position_is_rejected_before_the_response_starts(store: Store) -> None:
    await published(store, "s", ITEMS)
    got = await fetch(make_app(store), "/streams/s", headers={"Last-Event-ID": "x1"})
    assert got.status == 400
    assert "Last-Event-ID" in got.body


async def test_a_missing_stream_ends_with_an_error_frame(store: Store) -> None:
    got = await fetch(make_app(store), "/streams/nope")
    assert got.complete
    [frame] = got.frames()
    assert (frame.id, frame.event) == (0, "error")  # no id: it is not in the log
    assert json.loads(frame.data)["type"] == "StreamNotFoundError"


@pytest.mark.parametrize("disconnect", ["receive", "send"])
async def test_a_reconnect_to_another_worker_continues_exactly(
    store: Store, disconnect: Disconnect
) -> None:
    """A reader cut off mid-stream on worker A continues on worker B (another
    app on the same store) with ?last_event_id=, and the frames it got across
    both equal the log; the disconnect did not stop the producer."""
    worker_a, worker_b = make_app(store), make_app(store)
    gate = Gate()
    async with anyio.create_task_group() as tg:
        await spawn(tg, store, "live", gate, lease=1, batch=0.005)
        first = Exchange(worker_a, "/streams/live", disconnect=disconnect)
        tg.start_soon(first.run)
        for item in ITEMS[:5]:
            await gate.send.send(item)
        await first.until(lambda e: len(e.frames()) >= 5)
        first.gone.set()
        await gate.send.send(ITEMS[5])  # wakes the response, which finds the client gone
        with anyio.fail_after(10):
            await first.served.wait()
        for item in ITEMS[6:]:
            await gate.send.send(item)
        gate.send.close()
        last = first.frames()[-1].id
        second = await fetch(worker_b, "/streams/live", query={"last_event_id": str(last)})
    assert gate.closed == 1  # closed once, by the producer, after the end
    assert not first.complete  # the first response was cut off
    log = [f async for f in resume(store, "live", block=0.1)]
    assert first.frames() + second.frames() == log
    assert [json.loads(f.data) for f in log[:-1]] == ITEMS
    assert log[-1].event == "done"


@pytest.mark.parametrize("disconnect", ["receive", "send"])
async def test_a_client_that_goes_away_leaves_the_producer_running(
    store: Store, disconnect: Disconnect
) -> None:
    gate = Gate()
    app = make_app(store)
    async with anyio.create_task_group() as tg:
        await spawn(tg, store, "dc", gate, lease=1, batch=0.005)
        reader = Exchange(app, "/streams/dc", disconnect=disconnect)
        tg.start_soon(reader.run)
        await gate.send.send(ITEMS[0])
        await reader.until(lambda e: len(e.frames()) == 1)
        reader.gone.set()
        await gate.send.send(ITEMS[1])
        with anyio.fail_after(10):
            await reader.served.wait()  # the response ended ...
        assert gate.closed == 0  # ... and the model's stream is still open
        assert (await store.check("dc") or ("",))[0] == "streaming"
        for item in ITEMS[2:]:
            await gate.send.send(item)
        gate.send.close()
    assert gate.closed == 1
    rest = await fetch(app, "/streams/dc", headers={"Last-Event-ID": "1"})
    assert [json.loads(f.data) for f in reader.frames() + rest.frames()[:-1]] == ITEMS
    assert rest.frames()[-1].event == "done"


async def test_an_explicit_stop_closes_the_upstream_and_ends_every_reader(store: Store) -> None:
    gate = Gate()
    app = make_app(store)
    async with anyio.create_task_group() as tg:
        await spawn(tg, store, "stop", gate, lease=1, batch=0.005)
        readers = [Exchange(app, "/streams/stop") for _ in range(3)]
        for reader in readers:
            tg.start_soon(reader.run)
        for item in ITEMS[:4]:
            await gate.send.send(item)
        for reader in readers:
            await reader.until(lambda e: len(e.frames()) == 4)
        stop = await fetch(app, "/streams/stop/stop", method="POST")
        assert stop.status == 204
        for reader in readers:
            await reader.until(lambda e: e.complete)
    gate.send.close()
    assert gate.closed == 1  # the model's stream was closed by the stop
    for reader in readers:
        frames = reader.frames()
        assert [json.loads(f.data) for f in frames[:-1]] == ITEMS[:4]
        assert frames[-1].event == "cancelled"
    again = await fetch(app, "/streams/stop/stop", method="POST")
    assert again.status == 404  # nothing left to stop
