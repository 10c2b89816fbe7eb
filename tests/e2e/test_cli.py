"""The ``streamops`` command, run as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

from streamops.samples import sample_text


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streamops.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_demo_streams_words_then_numbered_sentences() -> None:
    result = run("demo", "--speed", "0")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    answer = sample_text("answer")
    words_part, sentences_part = out.split("== sentences()")
    assert answer in words_part  # the words reassemble to the whole answer
    assert "  1  Streaming output changes how an application feels." in sentences_part
    assert "Mr. Ito, who runs" in sentences_part  # not split after the abbreviation
    assert "after 9.5 seconds" in sentences_part  # nor inside a decimal


def test_demo_speed_from_the_environment() -> None:
    result = run("demo", env={"STREAMOPS_DEMO_SPEED": "0"})
    assert result.returncode == 0, result.stderr
    assert "sentences." in result.stdout


def test_bad_speed_is_one_clear_line_and_exit_2() -> None:
    result = run("demo", "--speed", "-1")
    assert result.returncode == 2
    assert result.stderr.strip() == "streamops: error: --speed must be 0 or more"


def test_help_everywhere() -> None:
    for args in (["--help"], ["demo", "--help"]):
        result = run(*args)
        assert result.returncode == 0
        assert "usage: streamops" in result.stdout
