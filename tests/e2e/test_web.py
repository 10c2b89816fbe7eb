"""The web example in a real browser: partial states render in order, the final
render matches the sample, and Stop ends the server-side stream.

Drives Debian's Chromium headless through Playwright (no browser download).
Outside CI the test is skipped when no Chromium is installed; in CI it must run
(`.ci/run` installs Chromium).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from streamops.samples import sample_text
from tests.conftest import ROOT

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
        env={k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"},
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
def server() -> Iterator[str]:
    port = free_port()
    proc = start_example(port, "--speed", "4")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(proc, url)
        yield url
    finally:
        stop_example(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = find_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def stats(url: str) -> dict[str, int]:
    return dict(httpx.get(f"{url}/api/stats", timeout=5).json())


def test_card_fills_in_live_and_ends_with_the_sample_value(server: str, browser: Any) -> None:
    expected = json.loads(sample_text("report"))
    page = browser.new_page()
    page.goto(server)
    page.click("#start")
    page.wait_for_function("window.streamState === 'done'", timeout=60_000)

    renders = page.evaluate("window.renders")
    titles = [r["title"] for r in renders]
    final = renders[-1]
    assert final == {"title": expected["title"], "items": len(expected["items"]), "done": True}
    # The title grows while the list is still empty ...
    partial_titles = [t for t in titles if t and t != expected["title"]]
    assert partial_titles, "the title never showed partially"
    assert all(expected["title"].startswith(t) for t in partial_titles)
    first_title = next(i for i, r in enumerate(renders) if r["title"])
    assert renders[first_title]["items"] == 0
    # ... then items arrive one by one, never going back.
    counts = [r["items"] for r in renders]
    assert counts == sorted(counts)
    assert set(range(len(expected["items"]) + 1)) <= set(counts)

    assert page.evaluate("window.doc") == expected
    assert page.inner_text("#title") == expected["title"]
    items = page.locator("#items li")
    assert items.count() == len(expected["items"])
    for i, item in enumerate(expected["items"]):
        assert item["name"] in items.nth(i).inner_text()
    assert page.inner_text("#answer").startswith("Streaming output changes")
    # the answer is live Markdown: committed blocks as HTML, the numbered list a list
    assert page.locator("#blocks p").count() >= 2
    assert page.locator("#blocks ol li").count() == 3
    page.close()


def test_stop_ends_the_server_side_stream(server: str, browser: Any) -> None:
    before = stats(server)
    page = browser.new_page()
    page.goto(server + "/?speed=0.5")
    page.click("#start")
    page.wait_for_function("window.renders.some(r => r.title.length > 0)", timeout=30_000)
    page.click("#stop")
    page.wait_for_function("window.streamState === 'stopped'", timeout=10_000)
    assert page.evaluate("window.renders.at(-1).done") is False

    deadline = time.monotonic() + 10
    while True:  # the server notices the client leave, then closes its upstreams
        now = stats(server)
        if (
            now["stopped"] == before["stopped"] + 1
            and now["upstream_closed"] == now["upstream_opened"]
        ):
            break
        assert time.monotonic() < deadline, f"server did not close the stream: {now}"
        time.sleep(0.05)
    assert now["started"] == before["started"] + 1
    assert now["completed"] == before["completed"]
    page.close()
