"""MkDocs hooks: the benchmark report and its plot, taken from benchmarks/ at build time.

``docs/benchmarks.md`` holds the marker ``<!-- benchmarks/REPORT.md -->``; the hook puts
the report there (its headings one level down, under the page's own title), and
serves ``benchmarks/scaling.png`` as ``scaling.png`` beside the page, so the report's
image link works as it does on GitHub. The report stays the one file ``streamops bench``
writes; the site never holds a stale copy.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "benchmarks" / "REPORT.md"
PLOT = ROOT / "benchmarks" / "scaling.png"
MARKER = "<!-- benchmarks/REPORT.md -->"


def on_files(files: Files, config: Any, **kwargs: Any) -> Files:
    files.append(File.generated(config, "scaling.png", abs_src_path=str(PLOT)))
    return files


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    if MARKER not in markdown:
        return markdown
    report = REPORT.read_text("utf-8")
    report = re.sub(r"^# .*\n", "", report, count=1)
    report = re.sub(r"^(#+) ", r"#\1 ", report, flags=re.M)
    return markdown.replace(MARKER, report)
