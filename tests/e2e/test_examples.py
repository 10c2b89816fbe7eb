"""The examples run offline against the package's sample streams."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from streamops.samples import sample_text
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
OFFLINE = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"} | {
    "STREAMOPS_DEMO_SPEED": "0",
    "ANTHROPIC_API_KEY": "",
    # the streamops of this checkout, whatever an editable install points at
    "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
}


def run_example(name: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=OFFLINE,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def load(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name.removesuffix(".py"), EXAMPLES / name)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_openai_partial_model_offline() -> None:
    lines = run_example("openai_partial_model.py", "--speed", "0").splitlines()
    assert lines[-1] == "done: 'A long weekend in Lisbon', 5 stops, 19.9 EUR"


def test_anthropic_tool_calls_offline() -> None:
    lines = run_example("anthropic_tool_calls.py").splitlines()
    assert "calling get_weather (toolu_sample_weather) ..." in lines
    assert "  get_local_time arguments complete: get_local_time(city='Lisbon')" in lines
    results = [line for line in lines if line.startswith("result for ")]
    assert results[0].startswith("result for toolu_sample_weather: {'city': 'Lisbon'")
    assert results[1] == "result for toolu_sample_time: 14:05 WET"


def test_notebook_live_as_a_script() -> None:
    out = run_example("notebook_live.py")
    assert "### A long weekend in Lisbon" in out
    assert "*validated: 19.9 EUR, rating 4.5/5*" in out


@pytest.mark.anyio
async def test_fastapi_sse_streams_snapshots_then_the_trip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("STREAMOPS_DEMO_SPEED", "0")
    app = load("fastapi_sse.py").app
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/trip")
    frames = [f for f in response.text.split("\n\n") if f]
    assert frames[-1].startswith("event: done")
    data = [json.loads(f.split("data: ", 1)[1]) for f in frames[:-1]]
    expected = json.loads(sample_text("report"))
    assert data[-1] == expected  # the validated Trip, dumped
    assert len(data) >= 1


def test_examples_have_their_own_docs() -> None:
    for path in Path(EXAMPLES).glob("*.py"):
        if path.name != "__init__.py":
            assert path.read_text().startswith('"""'), path


def test_markdown_bot_posts_messages_within_the_limit() -> None:
    bot = load("markdown_bot.py")
    chat = bot.FakeChat(max_chars=300, edit_interval=0.05)
    anyio.run(bot.run_bot, chat, 0)
    assert len(chat.messages) > 1
    assert all(len(m) <= 300 for m in chat.messages)
    assert bot.MessageChunker.join(chat.messages) == sample_text("answer")
    out = run_example("markdown_bot.py", "--max-chars", "300")
    assert out.rstrip().endswith("whole answer: True")
