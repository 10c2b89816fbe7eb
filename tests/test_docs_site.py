"""The documentation site builds with no warning: `mkdocs build --strict`.

Strict mode fails on a broken link or anchor, an unresolved API reference and a
docstring griffe cannot read. Outside CI, a machine without mkdocs skips (the
`docs` extra, part of `dev`, installs it); in CI (`CI=true`) it must be there.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

NEEDED = ("mkdocs", "material", "mkdocstrings_handlers.python")


def installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # the parent package is missing
        return False


def missing() -> list[str]:
    return [name for name in NEEDED if not installed(name)]


def test_the_site_builds_strict(tmp_path: Path) -> None:
    absent = missing()
    if absent:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must build the docs, but {', '.join(absent)} is not installed")
        pytest.skip(f'{", ".join(absent)} not installed: pip install -e ".[docs]"')
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert (site / "index.html").is_file()
    assert (site / "scaling.png").is_file()  # the report's plot, served beside it
    api = (site / "api" / "json" / "index.html").read_text("utf-8")
    assert "json_values" in api
    assert 'class="gp"' in api  # the doctests' prompts, highlighted as console code
