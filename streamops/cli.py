"""The ``streamops`` command."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path

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
            text = " ".join(sentence.split())  # one line per sentence on screen
            if text:
                n += 1
                out.write(f"{n:>3}  {text}\n")
                out.flush()
    out.write(f"\n{n} sentences.\n")


def _web(port: int, speed: float) -> int:
    """Run examples/web/app.py from the source checkout this package was installed from."""
    app = Path(__file__).resolve().parent.parent / "examples" / "web" / "app.py"
    if not app.exists():
        print(
            "streamops: error: --web serves examples/web/app.py from a source checkout "
            "(pip install -e .); it is not part of the installed package",
            file=sys.stderr,
        )
        return 2
    spec = importlib.util.spec_from_file_location("streamops_web_example", app)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    try:
        module.main(["--port", str(port), "--speed", str(speed)])
    except KeyboardInterrupt:
        return 130
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="streamops", description="Operators for LLM token streams."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser(
        "demo", help="replay a sample stream through the operators (offline, no API key)"
    )
    demo.add_argument(
        "--web",
        action="store_true",
        help="serve the live web page of examples/web instead (needs a source checkout)",
    )
    demo.add_argument("--port", type=int, default=8000, help="port for --web (default 8000)")
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
        if args.web:
            return _web(args.port, args.speed)
        try:
            anyio.run(_demo, args.speed)
        except KeyboardInterrupt:
            return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
