"""The examples run offline (no API key) and show what their docstrings promise."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ROOT

OFFLINE = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}


def run_example(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / f"{name}.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**OFFLINE, "PYTHONPATH": str(ROOT), "STREAMOPS_DEMO_SPEED": "0"},
        check=False,
        cwd=ROOT,
    )


def test_openai_partial_model_renders_snapshots_then_the_trip() -> None:
    result = run_example("openai_partial_model", "--speed", "0")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "done: 'A long weekend in Lisbon', 5 stops, 19.9 EUR"
    assert all(line.startswith("title=") for line in lines[:-1])


def test_anthropic_tool_calls_runs_both_tools() -> None:
    result = run_example("anthropic_tool_calls")
    assert result.returncode == 0, result.stderr
    assert "get_weather" in result.stdout
    assert "get_local_time" in result.stdout


@pytest.mark.parametrize("name", ["markdown_bot", "notebook_live"])
def test_offline_example_runs(name: str) -> None:
    result = run_example(name)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_fastapi_example_ends_with_final_then_done_and_a_retry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("STREAMOPS_DEMO_SPEED", "0")
    from examples.fastapi_sse import app

    with TestClient(app) as client:
        body = client.get("/trip").text
    frames = [frame for frame in body.split("\n\n") if frame.strip()]
    assert frames[0].startswith("retry: 10000\n")
    assert "event: final" in frames[-2].splitlines()
    assert '"title":"A long weekend in Lisbon"' in frames[-2]
    assert frames[-1].startswith("event: done")


def test_fastapi_example_stops_an_eventsource_reconnecting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STREAMOPS_DEMO_SPEED", "0")
    from examples.fastapi_sse import app

    with TestClient(app) as client:
        again = client.get("/trip", headers={"Last-Event-ID": "2"})
    assert again.status_code == 204  # an EventSource stops on 204
    assert again.content == b""
