"""Per-chunk cost of live Markdown: markdown_blocks() + healing vs re-rendering everything.

A Markdown answer (the hand-written answers in tests/markdown_answers, repeated:
headings, paragraphs, fences, lists, tables, math; "flat", so the open tail
stays small) of 1 KB to 1 MB, in 3-4 character chunks. Per chunk:

* ``blocks+heal``: ``BlockSplitter(heal=True).feed`` (the sync core of
  ``markdown_blocks()``), which splits off committed blocks and heals the tail;
* ``blocks+heal+render``: the same, plus what an app then does: render each
  committed block once and re-render the healed tail with markdown-it-py;
* ``markdown-it (all)``: what apps do today, re-render the whole accumulated
  text with markdown-it-py after each chunk;
* ``remend (all)``: the npm ``remend`` on the whole accumulated text (Node,
  when tests/node/node_modules is installed: ``.ci/node.sh``).

The two "(all)" rows are quadratic in total, so they are timed on evenly
spaced prefixes (the per-chunk cost at those sizes, averaged). GC off per timed
run, one untimed warm-up, contenders interleaved in rounds, best round kept;
``growth`` is the per-chunk cost at the largest size over the smallest.

    python -m benchmarks.markdown_bench [--sizes 1,10,100,1024] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from markdown_it import MarkdownIt

from streamops import BlockSplitter, Committed, Pending
from streamops.samples import token_chunks

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = sorted((ROOT / "tests" / "markdown_answers").glob("*.md"))
NODE_DIR = ROOT / "tests" / "node"
MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
SAMPLES = 12  # prefixes timed for the quadratic contenders


def answer(size: int) -> str:
    base = "\n".join(p.read_text(encoding="utf-8") for p in ANSWERS) + "\n"
    text = (base * (size // len(base) + 1))[:size]
    return text


def run_blocks(chunks: list[str]) -> None:
    s = BlockSplitter(heal=True)
    for chunk in chunks:
        s.feed(chunk)
    s.close()


def run_blocks_render(chunks: list[str]) -> None:
    s = BlockSplitter(heal=True)
    render = MD.render
    for chunk in chunks:
        for item in s.feed(chunk):
            if isinstance(item, Committed):
                render(item.text)
            elif isinstance(item, Pending):
                render(item.healed)
    s.close()


def prefixes(text: str, chunks: list[str]) -> list[str]:
    """Evenly spaced accumulated texts (after chunk k, for SAMPLES values of k)."""
    ends: list[int] = []
    pos = 0
    for chunk in chunks:
        pos += len(chunk)
        ends.append(pos)
    step = max(1, len(ends) // SAMPLES)
    return [text[: ends[i]] for i in range(step - 1, len(ends), step)][:SAMPLES]


def run_markdown_it(texts: list[str]) -> None:
    for t in texts:
        MD.render(t)


def remend_ns(texts: list[str]) -> float | None:
    """Nanoseconds per remend call over ``texts`` (in Node), or None without Node."""
    node = shutil.which("node")
    if node is None or not (NODE_DIR / "node_modules" / "remend").is_dir():
        return None
    best = None
    for _ in range(2):
        out = subprocess.run(
            [node, str(NODE_DIR / "remend_cli.mjs"), "bench"],
            input=json.dumps(texts),
            capture_output=True,
            text=True,
            check=True,
        )
        ns = json.loads(out.stdout)["ns"] / len(texts)
        best = ns if best is None else min(best, ns)
    return best


def timed(fn: Callable[[], None]) -> float:
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100,1024", help="KB, comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows: dict[str, list[float | None]] = {
        "blocks+heal": [],
        "blocks+heal+render": [],
        "markdown-it (all)": [],
        "remend (all)": [],
    }
    for kb in sizes:
        text = answer(kb * 1024)
        chunks = token_chunks(text)
        texts = prefixes(text, chunks)
        cases: dict[str, tuple[Callable[[], None], int]] = {
            "blocks+heal": (lambda c=chunks: run_blocks(c), len(chunks)),  # type: ignore[misc]
            "blocks+heal+render": (lambda c=chunks: run_blocks_render(c), len(chunks)),  # type: ignore[misc]
            "markdown-it (all)": (lambda t=texts: run_markdown_it(t), len(texts)),  # type: ignore[misc]
        }
        for fn, _ in cases.values():
            fn()  # warm-up
        best: dict[str, float] = {}
        for _ in range(args.rounds):
            for name, (fn, n) in cases.items():
                per = timed(fn) / n
                best[name] = min(best.get(name, per), per)
        for name in cases:
            rows[name].append(best[name] * 1e6)
        ns = remend_ns(texts)
        rows["remend (all)"].append(None if ns is None else ns / 1e3)
    print(
        f"Markdown answer in 3-4 char chunks; microseconds per chunk; best of {args.rounds} rounds"
    )
    print()
    head = " | ".join(f"{kb} KB".rjust(9) for kb in sizes)
    print(f"| {'contender':<20} | {head} | {'growth':>7} |")
    print(f"|{'-' * 22}|" + "|".join("-" * 11 for _ in sizes) + f"|{'-' * 9}|")
    for name, values in rows.items():
        cells = " | ".join(("n/a" if v is None else f"{v:.2f}").rjust(9) for v in values)
        first, last = values[0], values[-1]
        growth = "n/a" if first is None or last is None else f"{last / first:.1f}x"
        print(f"| {name:<20} | {cells} | {growth:>7} |")


if __name__ == "__main__":
    main()
