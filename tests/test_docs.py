"""Every Python block in the README and in docs/ runs.

The blocks of one page run in order in one namespace, as a reader runs them:
a block may go on from the one before it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text("utf-8"), re.S)


def test_readme_has_examples() -> None:
    assert len(blocks(ROOT / "README.md")) >= 4


@pytest.mark.parametrize("page", PAGES, ids=[page.stem for page in PAGES])
def test_every_block_of_the_page_runs(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for number, code in enumerate(blocks(page), 1):
        try:
            exec(compile(code, f"{page.name} block {number}", "exec", dont_inherit=True), namespace)
        except Exception as exc:
            raise AssertionError(f"{page.name}, python block {number} failed: {exc!r}") from exc
        if "source closed" in code:
            out = capsys.readouterr().out
            assert out.index("source closed") < out.index("after the loop")
