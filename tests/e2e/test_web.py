"""The web page (package data, the app of ``streamops demo --web``) and the
browser client ``streamops.js`` in a real browser: partial states render in
order, the final render matches the sample, Stop closes the model's stream on
the server, a dropped connection ends in an error state instead of a reconnect
storm, an error mid-stream reaches the page with its path (and one log line),
and a malformed body is a 4xx with a JSON error. The client module on its own:
partial / final / done in order, patches, resume only when the server says so,
bounded retries, stop() aborting the request.

Drives Debian's Chromium headless through Playwright (no browser download).
Outside CI the test is skipped when no Chromium is installed; in CI it must run
(`.ci/run` installs Chromium).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest
from fastapi import Request

from streamops._web_demo import OneLineFormatter, Stats, create_app
from streamops.samples import replay, sample_text
from tests.conftest import ROOT
from tests.e2e.servers import Proxy, Served

APP = ROOT / "examples" / "web" / "app.py"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str:
    candidates = [
        os.environ.get("STREAMOPS_CHROMIUM"),
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
        "/usr/bin/chromium",
    ]
    for path in candidates:
        if path and Path(path).exists():
            return path
    if os.environ.get("CI"):
        pytest.fail("no Chromium found, and CI must run the browser test")
    pytest.skip("no Chromium found (apt install chromium, or set STREAMOPS_CHROMIUM)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_example(port: int, *args: str) -> subprocess.Popen[bytes]:
    """Start the web example on ``port`` (offline: no API key passed on)."""
    return subprocess.Popen(
        [sys.executable, str(APP), "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        # this checkout's package, whatever is installed
        env={
            **{k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"},
            "PYTHONPATH": str(ROOT),
        },
    )


def wait_until_serving(proc: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 30
    while True:  # wait until the server accepts connections
        try:
            httpx.get(f"{url}/api/stats", timeout=1)
            return
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                out = proc.communicate()[0].decode()
                raise RuntimeError(f"the web example did not start:\n{out}") from None
            time.sleep(0.1)


def stop_example(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
    proc.wait(timeout=10)
    if proc.stdout:
        proc.stdout.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = find_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# --- the page, served in this process so the test sees the server's side ---


class Upstream:
    """The model streams the page's requests opened and closed (thread-safe: the
    server runs in its own thread)."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.opened = 0
        self.closed = 0  # the sources' ``finally`` ran

    def tracked(self, source: AsyncIterator[str]) -> AsyncIterator[str]:
        async def run() -> AsyncIterator[str]:
            with self.changed:
                self.opened += 1
                self.changed.notify_all()
            try:
                async for chunk in source:
                    yield chunk
            finally:
                with self.changed:
                    self.closed += 1
                    self.changed.notify_all()

        return run()

    def wait_all_closed(self, opened_at_least: int) -> None:
        with self.changed:
            assert self.changed.wait_for(
                lambda: self.opened >= opened_at_least and self.closed == self.opened, timeout=15
            ), f"the model streams were not closed: {self.opened} opened, {self.closed} closed"


async def _pieces(text: str) -> AsyncIterator[str]:
    for i in range(0, len(text), 4):
        await anyio.lowlevel.checkpoint()
        yield text[i : i + 4]


BROKEN_CARD = '{"title": "Lisbon", "days": x}'


class Page:
    def __init__(self) -> None:
        self.upstream = Upstream()

        def sources(prompt: str, speed: float) -> tuple[AsyncIterator[str], AsyncIterator[str]]:
            card = _pieces(BROKEN_CARD) if prompt == "broken" else replay("report", speed=speed)
            answer = replay("answer", speed=speed if prompt != "broken" else 0.1, seed=1)
            return self.upstream.tracked(card), self.upstream.tracked(answer)

        self.app = create_app(speed=4, sources=sources)
        self.served = Served(self.app)
        self.url = self.served.url

    @property
    def stats(self) -> Stats:
        return self.app.state.stats  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def page_server() -> Iterator[Page]:
    served = Page()
    try:
        yield served
    finally:
        served.served.close()


FIELDS = ["title", "city", "days", "items", "total_cost_eur", "tips", "rating"]


def test_card_fills_in_field_by_field_and_ends_with_the_sample(
    page_server: Page, browser: Any
) -> None:
    expected = json.loads(sample_text("report"))
    page = browser.new_page()
    page.goto(page_server.url)
    page.click("#start")
    page.wait_for_function("window.streamState === 'done'", timeout=60_000)

    renders = page.evaluate("window.renders")
    final = renders[-1]
    assert final == {
        "title": expected["title"],
        "items": len(expected["items"]),
        "complete": FIELDS,
        "validated": True,
        "done": True,
    }
    # the title grows while the list is still empty ...
    titles = [r["title"] for r in renders]
    partial_titles = [t for t in titles if t and t != expected["title"]]
    assert partial_titles, "the title never showed partially"
    assert all(expected["title"].startswith(t) for t in partial_titles)
    first_title = next(i for i, r in enumerate(renders) if r["title"])
    assert renders[first_title]["items"] == 0
    # ... then stops arrive one by one, never going back
    counts = [r["items"] for r in renders]
    assert counts == sorted(counts)
    assert set(range(len(expected["items"]) + 1)) <= set(counts)
    # a field is marked complete once a later one started, never before it is whole
    for render in renders:
        if "title" in render["complete"]:
            assert render["title"] == expected["title"]
    marked = [r for r in renders if not r["done"] and r["complete"]]
    assert marked, "no field was marked complete while streaming"
    assert not any("rating" in r["complete"] for r in renders if not r["validated"])
    # the card is validated (it passed Trip) only once whole
    first_valid = next(i for i, r in enumerate(renders) if r["validated"])
    assert renders[first_valid]["items"] == len(expected["items"])

    assert page.evaluate("window.doc.card") == expected
    assert page.inner_text("#title").startswith(expected["title"])
    stops = page.locator("#items li")
    assert stops.count() == len(expected["items"])
    assert page.locator("#items li.complete").count() == len(expected["items"])
    for i, item in enumerate(expected["items"]):
        assert item["name"] in stops.nth(i).inner_text()
    assert page.is_visible("#validated")
    assert page.inner_text("#status") == "done"
    # the answer is live Markdown: committed blocks as HTML, the numbered list a list
    assert page.inner_text("#blocks").startswith("Streaming output changes")
    assert page.locator("#blocks p").count() >= 2
    assert page.locator("#blocks ol li").count() == 3
    # driven by the shipped client module, in one request
    loaded = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert f"{page_server.url}/streamops.js" in loaded
    assert page.evaluate("[window.stream.state, window.stream.attempts]") == ["done", 1]
    page.close()


def test_stop_closes_the_model_stream_on_the_server(page_server: Page, browser: Any) -> None:
    before = page_server.stats.stopped
    opened = page_server.upstream.opened
    page = browser.new_page()
    page.goto(page_server.url + "/?speed=0.3")
    page.click("#start")
    page.wait_for_function("window.renders.some(r => r.title.length > 0)", timeout=30_000)
    page.click("#stop")
    page.wait_for_function("window.streamState === 'stopped'", timeout=10_000)
    assert page.inner_text("#status") == "stopped"
    assert page.evaluate("window.renders.at(-1).done") is False
    assert page.is_enabled("#start")
    # the server saw the client go and closed both model streams (their finally ran)
    page_server.upstream.wait_all_closed(opened + 2)
    assert page_server.stats.stopped == before + 1
    page.close()


def test_a_dropped_connection_ends_in_an_error_not_a_reconnect_storm(
    page_server: Page, browser: Any
) -> None:
    proxy = Proxy(int(page_server.url.rsplit(":", 1)[1]))
    requests = page_server.stats.requests
    opened = page_server.upstream.opened
    page = browser.new_page()
    try:
        page.goto(f"http://127.0.0.1:{proxy.port}/?speed=0.5")
        page.click("#start")
        page.wait_for_function("window.frames.length >= 20", timeout=30_000)
        assert proxy.drop() >= 1
        page.wait_for_function("window.streamState === 'error'", timeout=15_000)
        error = page.evaluate("window.streamError")
        assert error["type"] == "ConnectionLost"
        assert page.is_visible("#error")
        # the state is final: the client made one request and will make no other
        assert page.evaluate("window.stream.attempts") == 1
        page_server.upstream.wait_all_closed(opened + 2)
        assert page_server.stats.requests == requests + 1
    finally:
        page.close()
        proxy.close()


def test_an_error_mid_stream_reaches_the_page_with_its_path_and_logs_one_line(
    page_server: Page, browser: Any, caplog: pytest.LogCaptureFixture
) -> None:
    page = browser.new_page()
    page.goto(page_server.url)
    page.fill("#prompt", "broken")
    with caplog.at_level(logging.INFO):
        page.click("#start")
        page.wait_for_function("window.streamState === 'error'", timeout=30_000)
    error = page.evaluate("window.streamError")
    assert error["type"] == "JSONStreamError"
    assert error["path"] == ["days"]
    assert "expected" in error["message"]
    assert page.inner_text("#status") == "error"
    shown = page.inner_text("#error")
    assert "JSONStreamError" in shown
    assert "at days" in shown
    # the server: one log line for the failed request, not a traceback
    failed = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(failed) == 1, [r.getMessage() for r in failed]
    line = OneLineFormatter("%(levelname)s %(name)s: %(message)s").format(failed[0])
    assert "\n" not in line
    assert "JSONStreamError" in line
    page.close()


@pytest.mark.parametrize(
    "body",
    [b"garbage", b"[]", b'{"speed": -1}', b'{"speed": "fast"}', b'{"extra": 1}', b"", b"\xff"],
)
def test_a_malformed_body_is_a_4xx_with_a_json_error(page_server: Page, body: bytes) -> None:
    response = httpx.post(
        f"{page_server.url}/api/stream",
        content=body,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/json"
    assert "detail" in response.json()
    assert "Traceback" not in response.text


def test_the_client_reports_a_rejected_body_as_an_http_error(
    page_server: Page, browser: Any
) -> None:
    page = browser.new_page()
    page.goto(page_server.url)
    end = page.evaluate(
        """async () => {
            const { stream } = await import("/streamops.js");
            const s = stream("/api/stream", {
                body: '{"speed": "fast"}', headers: { "Content-Type": "application/json" },
            });
            const end = await s.result;
            return { state: end.state, status: end.error.status, attempts: s.attempts,
                     loc: end.error.detail[0].loc };
        }"""
    )
    assert end == {"state": "error", "status": 422, "attempts": 1, "loc": ["body", "speed"]}
    page.close()


# --- the client module on its own, against hand-written frames ---


def op(name: str, path: str, value: Any) -> dict[str, Any]:
    return {"op": name, "path": path, "value": value}


class Frames:
    """An app writing the frames a test needs, counting the requests it gets."""

    def __init__(self) -> None:
        from fastapi import FastAPI
        from fastapi.responses import HTMLResponse, Response

        from streamops import RESUME_HEADER, browser_client_response, sse_response

        app = FastAPI()
        self.requests: dict[str, int] = {}
        self.last_ids: list[str | None] = []
        self.slow_closed = threading.Event()

        def count(name: str) -> None:
            self.requests[name] = self.requests.get(name, 0) + 1

        async def frames(*texts: str) -> AsyncIterator[str]:
            for text in texts:
                yield text

        @app.get("/")
        async def blank() -> HTMLResponse:
            return HTMLResponse("<!doctype html><title>client</title>")

        @app.get("/streamops.js")
        async def client() -> Response:
            return browser_client_response()

        @app.post("/pet")
        async def pet(request: Request) -> Any:  # snapshots of the name POSTed, then final
            name = (await request.json())["name"]
            return sse_response(
                frames(
                    f"id: 1\ndata: {json.dumps({'name': name[:3]})}\n\n",
                    f"id: 2\nevent: final\ndata: {json.dumps({'name': name})}\n\n",
                    'event: done\ndata: {"count":2}\n\n',
                )
            )

        @app.get("/patches")
        async def patches() -> Any:  # standard ops, the append extension, a final patch
            ops = [
                [
                    {"op": "replace", "path": "", "value": {}},
                    {"op": "add", "path": "/a", "value": "He"},
                ],
                [
                    {"op": "append", "path": "/a", "value": "llo"},
                    {"op": "add", "path": "/l", "value": [1]},
                ],
                [
                    {"op": "replace", "path": "/a", "value": "Hello!"},
                    {"op": "add", "path": "/l/-", "value": None},
                ],
                [{"op": "remove", "path": "/l/0"}, {"op": "add", "path": "/n", "value": None}],
            ]
            texts = [f"id: {i}\ndata: {json.dumps(o)}\n\n" for i, o in enumerate(ops[:-1], 1)]
            texts.append(f"id: 4\nevent: final\ndata: {json.dumps(ops[-1])}\n\n")
            texts.append('event: gap\ndata: {"dropped": 0}\n\n')
            texts.append('event: done\ndata: {"count":4}\n\n')
            return sse_response(frames(*texts))

        @app.get("/drop")
        async def drop() -> Any:  # ends without done; no resume header
            count("drop")
            return sse_response(frames("retry: 10\n\n", "id: 1\ndata: 1\n\n", "id: 2\ndata: 2\n\n"))

        @app.get("/resume")
        async def resume(request: Request) -> Any:  # ends early once, then continues
            count("resume")
            last = request.headers.get("last-event-id")
            self.last_ids.append(last)
            headers = {RESUME_HEADER: "/resume"}
            if last is None:
                return sse_response(
                    frames("retry: 10\n\n", "id: 1\ndata: 1\n\n", "id: 2\ndata: 2\n\n"),
                    headers=headers,
                )
            return sse_response(
                frames("id: 3\ndata: 3\n\n", 'event: done\ndata: {"count":3}\n\n'), headers=headers
            )

        @app.get("/gone")
        async def gone() -> Any:  # resumable, but every connection ends at once
            count("gone")
            return sse_response(frames("retry: 10\n\n"), headers={RESUME_HEADER: "/gone"})

        @app.get("/slow")
        async def slow() -> Any:
            async def forever() -> AsyncIterator[str]:
                try:
                    n = 0
                    while True:
                        n += 1
                        yield f"id: {n}\ndata: {n}\n\n"
                        await anyio.sleep(0.02)  # pace, not synchronisation
                finally:
                    self.slow_closed.set()

            return sse_response(forever())

        self.served = Served(app)
        self.url = self.served.url


@pytest.fixture(scope="module")
def frames_server() -> Iterator[Frames]:
    served = Frames()
    try:
        yield served
    finally:
        served.served.close()


@pytest.fixture
def blank(frames_server: Frames, browser: Any) -> Iterator[Any]:
    page = browser.new_page()
    page.goto(frames_server.url)
    yield page
    page.close()


def run_js(page: Any, body: str) -> Any:
    return page.evaluate(
        f"""async () => {{
            const {{ stream }} = await import("/streamops.js");
            {body}
        }}"""
    )


def test_client_partial_final_done_in_order_with_a_post_body(blank: Any) -> None:
    updates = run_js(
        blank,
        """
        const seen = [];
        const s = stream("/pet", { body: { name: "Biscuit" },
                                   onPartial: (v) => seen.push(["onPartial", v.name]),
                                   onFinal: (v) => seen.push(["onFinal", v.name]),
                                   onDone: (d) => seen.push(["onDone", d.count]) });
        for await (const u of s) seen.push([u.type, u.value.name]);
        return [seen, s.state];
        """,
    )
    assert updates == [
        [
            ["onPartial", "Bis"],
            ["onFinal", "Biscuit"],
            ["onDone", 2],
            ["partial", "Bis"],
            ["final", "Biscuit"],
            ["done", "Biscuit"],
        ],
        "done",
    ]


def test_client_applies_standard_patches_and_the_append_extension(blank: Any) -> None:
    result = run_js(
        blank,
        """
        const types = [];
        const s = stream("/patches", { patches: true });
        for await (const u of s) types.push(u.type === "event" ? u.frame.event : u.type);
        return [types, (await s.result).value];
        """,
    )
    assert result == [
        ["partial", "partial", "partial", "final", "gap", "done"],
        {"a": "Hello!", "l": [None], "n": None},
    ]


def test_client_does_not_reconnect_when_the_server_cannot_resume(
    frames_server: Frames, blank: Any
) -> None:
    before = frames_server.requests.get("drop", 0)
    end = run_js(
        blank,
        """
        const s = stream("/drop");
        const end = await s.result;
        return [end.state, end.error.type, end.error.lastEventId, end.value, s.attempts];
        """,
    )
    assert end == ["error", "ConnectionLost", "2", 2, 1]
    assert frames_server.requests["drop"] == before + 1


def test_client_resumes_with_last_event_id_when_the_server_says_it_can(
    frames_server: Frames, blank: Any
) -> None:
    frames_server.last_ids.clear()
    end = run_js(
        blank,
        """
        const values = [];
        const s = stream("/resume", { onPartial: (v) => values.push(v) });
        const end = await s.result;
        return [end.state, values, s.attempts];
        """,
    )
    assert end == ["done", [1, 2, 3], 2]
    assert frames_server.last_ids == [None, "2"]


def test_client_gives_up_after_bounded_retries(frames_server: Frames, blank: Any) -> None:
    before = frames_server.requests.get("gone", 0)
    end = run_js(
        blank,
        """
        const delays = [];
        const s = stream("/gone", { retries: 3, onReconnect: (r) => delays.push(r.delay) });
        const end = await s.result;
        return [end.state, end.error.type, delays, s.attempts];
        """,
    )
    # the server's retry: 10 is the first wait, doubling
    assert end == ["error", "ConnectionLost", [10, 20, 40], 4]
    assert frames_server.requests["gone"] == before + 4


def test_client_stop_aborts_the_request(frames_server: Frames, blank: Any) -> None:
    frames_server.slow_closed.clear()
    end = run_js(
        blank,
        """
        let s;
        const first = new Promise((resolve) => { s = stream("/slow", { onPartial: resolve }); });
        await first;
        s.stop();
        const end = await s.result;
        return [end.state, end.value > 0];
        """,
    )
    assert end == ["stopped", True]
    assert frames_server.slow_closed.wait(timeout=10), "the server's stream was not closed"
