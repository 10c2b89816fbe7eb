"""The web example's resumable mode in a real browser: two worker processes on
two ports share one redis-server; the page starts a generation on worker A and,
when A goes away mid-stream, continues from worker B with the ES module client.

- A's connection is dropped (a TCP proxy in front of A cuts it; A lives on and
  keeps producing): the page continues from B and its final render is
  identical to an uninterrupted run.
- A is killed with SIGKILL (the generation dies with it): the page continues
  from B, gets every frame A stored exactly once, and ends with
  ``producer_lost`` instead of hanging.

Chromium and redis-server as in test_web.py and tests/delivery: skipped with a
reason outside CI when missing, a failure in CI.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import httpx
import pytest

from streamops import RedisStore, resume
from streamops.samples import sample_text
from tests.delivery.conftest import RedisServer
from tests.e2e import test_web
from tests.e2e.servers import Proxy
from tests.e2e.test_web import free_port, start_example, stop_example, wait_until_serving

browser = test_web.browser  # the module's Chromium fixture, shared

SPEED = "4"
FINAL = """() => ({
    card: document.getElementById("card").innerHTML,
    answer: document.getElementById("answer").textContent,
    doc: window.doc,
    last: window.renders.at(-1),
    frames: window.frames,
    reconnects: window.reconnects,
    state: window.streamState,
    error: window.streamError,
})"""


class Workers:
    def __init__(self, redis: RedisServer) -> None:
        self.redis = redis
        ports = free_port(), free_port()
        self.a, self.b = (f"http://127.0.0.1:{port}" for port in ports)
        common = ["--speed", SPEED, "--redis", redis.url]
        self.proc_a = start_example(ports[0], *common, "--peer", self.b)
        self.proc_b = start_example(ports[1], *common, "--peer", self.a)
        self.proxy = Proxy(ports[0])
        self.via_proxy = f"http://127.0.0.1:{self.proxy.port}"  # worker A, cuttable

    def close(self) -> None:
        self.proxy.close()
        for proc in (self.proc_a, self.proc_b):
            stop_example(proc)


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    redis = RedisServer(tmp_path_factory.mktemp("redis-web"))
    redis.start()
    made = Workers(redis)
    try:
        wait_until_serving(made.proc_a, made.a)
        wait_until_serving(made.proc_b, made.b)
        yield made
    finally:
        made.close()
        redis.stop()


def run_page(browser: Any, url: str, *, mid_stream: Any = None) -> dict[str, Any]:
    """Ask on the page at ``url``; call ``mid_stream()`` once 30 frames arrived."""
    page = browser.new_page()
    try:
        page.goto(url)
        page.click("#start")
        if mid_stream is not None:
            page.wait_for_function("window.frames.length >= 30", timeout=30_000)
            assert page.evaluate("window.streamState") == "streaming"
            mid_stream()
        page.wait_for_function(
            "['done', 'stopped', 'error'].includes(window.streamState)", timeout=60_000
        )
        return dict(page.evaluate(FINAL))
    finally:
        page.close()


@pytest.fixture(scope="module")
def uninterrupted(workers: Workers, browser: Any) -> dict[str, Any]:
    final = run_page(browser, workers.via_proxy)
    assert final["state"] == "done"
    assert final["doc"]["card"] == json.loads(sample_text("report"))
    assert final["reconnects"] == []
    return final


def consecutive(frames: list[list[Any]]) -> bool:
    return [frame[0] for frame in frames] == list(range(1, len(frames) + 1))


def test_a_dropped_connection_continues_from_the_other_worker_identically(
    workers: Workers, browser: Any, uninterrupted: dict[str, Any]
) -> None:
    cut: list[int] = []
    final = run_page(
        browser, workers.via_proxy, mid_stream=lambda: cut.append(workers.proxy.drop())
    )
    assert cut[0] >= 1
    assert final["state"] == "done"
    assert final["reconnects"][0].startswith(workers.b + "/api/streams/")  # on to worker B
    # no gap, no duplicate across the two workers: B started after the last id
    # the page had (?last_event_id=), not from the start
    assert consecutive(final["frames"])
    assert final["frames"][-1][1] == "done"
    for key in ("card", "answer", "doc", "last"):
        assert final[key] == uninterrupted[key], key
    assert len(final["frames"]) == len(uninterrupted["frames"])


def test_a_killed_worker_hands_the_page_to_the_other_with_every_stored_frame(
    workers: Workers, browser: Any
) -> None:
    # Last: worker A does not come back.
    final = run_page(
        browser, workers.a, mid_stream=lambda: workers.proc_a.send_signal(signal.SIGKILL)
    )
    workers.proc_a.wait(timeout=10)
    assert final["state"] == "error"  # the generation died with A; no hang
    assert final["error"]["type"] == "ProducerLost"
    assert final["reconnects"][0].startswith(workers.b + "/api/streams/")
    assert consecutive(final["frames"])
    stream_id = final["reconnects"][0].split("/api/streams/")[1].split("?")[0]
    with ThreadPoolExecutor(1) as thread:  # Playwright's loop runs in this one
        log = thread.submit(anyio.run, read_log, workers.redis.url, stream_id).result()
    assert final["frames"] == [[f.id, f.event] for f in log]  # all A stored, once
    assert final["frames"][-1][1] == "producer_lost"


async def read_log(url: str, stream_id: str) -> list[Any]:
    async with RedisStore.from_url(url, prefix="streamops-web") as store:
        return [frame async for frame in resume(store, stream_id, block=1.0)]




def test_a_position_that_is_not_a_frame_id_is_a_400(workers: Workers) -> None:
    response = httpx.get(
        f"{workers.b}/api/streams/nope", headers={"Last-Event-ID": "abc"}, timeout=10
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert "detail" in response.json()
