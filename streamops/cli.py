"""The ``streamops`` command."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import anyio

from ._core import pipe
from .samples import replay
from .text import sentences, words

__all__ = ["main"]


async def _demo(speed: float) -> None:
    out = sys.stdout
    out.write("== words(): the sample answer, word by word, as it streams ==\n\n")
    async with pipe(replay("answer", speed=speed), words()) as stream:
        async for word in stream:
            out.write(word)
            out.flush()
    out.write("\n== sentences(): the same stream, one sentence at a time ==\n\n")
    n = 0
    async with pipe(replay("answer", speed=speed, seed=1), sentences()) as stream:
        async for sentence in stream:
            text = sentence.strip()
            if text:
                n += 1
                out.write(f"{n:>3}  {text}\n")
                out.flush()
    out.write(f"\n{n} sentences.\n")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="streamops", description="Operators for LLM token streams."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser(
        "demo", help="replay a sample stream through the operators (offline, no API key)"
    )
    demo.add_argument(
        "--speed",
        type=float,
        default=float(os.environ.get("STREAMOPS_DEMO_SPEED", "1")),
        help="replay speed multiplier; 0 means no delay (default 1, or $STREAMOPS_DEMO_SPEED)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``streamops`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "demo":
        if args.speed < 0:
            print("streamops: error: --speed must be 0 or more", file=sys.stderr)
            return 2
        try:
            anyio.run(_demo, args.speed)
        except KeyboardInterrupt:
            return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
