"""Differential test: heal_markdown against the npm package ``remend`` (Streamdown's healer).

Both heal the same prefixes. Where we agree is asserted; where we differ on
purpose, both outputs are pinned, with the reason, so a change on either
side is seen. The Node peer is installed by ``.ci/node.sh`` into
``tests/node/node_modules``; in CI (``CI=true``) this test must run.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from streamops import INCOMPLETE_LINK, heal_markdown
from tests.helpers import node_peer

NODE_DIR = Path(__file__).resolve().parent.parent / "node"
ANSWERS = sorted((NODE_DIR.parent / "markdown_answers").glob("*.md"))


def _remend(prefixes: list[str]) -> list[str]:
    node = node_peer("remend", "remend differential")
    done = subprocess.run(
        [node, str(NODE_DIR / "remend_cli.mjs")],
        input=json.dumps(prefixes),
        capture_output=True,
        text=True,
        check=True,
    )
    out: list[str] = json.loads(done.stdout)
    return [s.replace("streamdown:incomplete-link", INCOMPLETE_LINK) for s in out]


AGREE = {
    "bold": "Some **bo",
    "italic": "Some *it",
    "bold italic": "***bi",
    "underscore italic": "_it",
    "underscore bold": "__bo",
    "strikethrough": "~~st",
    "inline code": "`co",
    "list item with bold": "- item **b",
    "heading with italic": "# Head *x",
    "intraword underscore": "snake_case_",
    "currency is not math": "costs $5 and",
    "spaced star is not italic": "a * b",
    "open math block": "$$\nx = 1\n",
    "link in progress": "[link](https://exa",
    "link text in progress": "[link",
    "complete text": "Done: **bold**, `code`, [a](https://b.c).\n",
}

# construct: (prefix, ours, remend's, why we differ)
DIFFER = {
    "open code fence": (
        "```py\ncode\n",
        "```py\ncode\n```",
        "```py\ncode\n",
        "we close the fence so the page below is not swallowed (Streamdown closes it elsewhere)",
    ),
    "half-typed closing fence": (
        "```\ncode\n``",
        "```\ncode\n```",
        "```\ncode\n``",
        "the partial closer is held back and a full one added",
    ),
    "trailing opener": (
        "a **",
        "a ",
        "a **",
        "a marker with nothing after it is held back, not shown",
    ),
    "inline math": (
        "$x^2",
        "$x^2$",
        "$x^2",
        "remend heals inline math only with its inlineKatex option",
    ),
    "image in progress": (
        "see ![logo](x.pn",
        "see ",
        "see ![logo](streamdown:incomplete-image)",
        "we drop the image until its URL is complete (no broken image)",
    ),
    "table header in progress": (
        "| a | b |\n|--",
        "",
        "| a | b |\n|--",
        "the header is held back until the delimiter row is complete",
    ),
    "bracket at the very end": (
        "see [docs]",
        f"see [docs]({INCOMPLETE_LINK})",
        "see [docs]",
        "a URL may follow: shown as a link in progress",
    ),
    "bold inside link text": (
        "[a **b",
        f"[a **b**]({INCOMPLETE_LINK})",
        f"[a **b]({INCOMPLETE_LINK})",
        "we close the emphasis inside the link text too",
    ),
    "single tilde": (
        "20~25",
        "20~25",
        "20\\~25",
        "CommonMark/GFM (markdown-it) need ~~ for strikethrough; we never add an escape",
    ),
    "bold around a code span": (
        "with **`s",
        "with **`s`**",
        "with **`s**`",
        "remend closes the bold inside the code span; we never touch code",
    ),
}


def test_where_we_agree_with_remend() -> None:
    theirs = _remend(list(AGREE.values()))
    for (construct, prefix), remended in zip(AGREE.items(), theirs, strict=True):
        assert heal_markdown(prefix) == remended, construct


def test_where_we_differ_from_remend_on_purpose() -> None:
    theirs = _remend([case[0] for case in DIFFER.values()])
    for (construct, (prefix, ours, remends, _why)), remended in zip(
        DIFFER.items(), theirs, strict=True
    ):
        assert heal_markdown(prefix) == ours, construct
        assert remended == remends.replace("streamdown:incomplete-link", INCOMPLETE_LINK), construct


@pytest.mark.parametrize("path", ANSWERS, ids=[p.stem for p in ANSWERS])
def test_every_prefix_of_an_answer_against_remend(path: Path) -> None:
    doc = path.read_text(encoding="utf-8")
    prefixes = [doc[:i] for i in range(len(doc) + 1)]
    theirs = _remend(prefixes)
    same = sum(
        heal_markdown(p).rstrip() == r.rstrip() for p, r in zip(prefixes, theirs, strict=True)
    )
    # A record, not a bar: the gaps are the constructs in DIFFER, plus remend's
    # stray '*' after CJK emphasis and ordered-list markers.
    print(f"{path.stem}: agree with remend on {same}/{len(prefixes)} prefixes")
    assert same > 0
    assert heal_markdown(doc) == doc
