"""The ``streamops`` command: ``demo``, ``json`` (a streaming jq), ``bench``."""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import anyio

from ._core import Operator, Stream, pipe
from .errors import StreamopsError
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


async def _stdin_chunks() -> AsyncIterator[bytes]:
    """Standard input as it arrives (each read returns what is available)."""
    read = sys.stdin.buffer.read1  # type: ignore[union-attr]
    while chunk := await anyio.to_thread.run_sync(read, 65536):
        yield chunk


def _jsonable(item: Any) -> Any:
    """A JSON parser event as a plain dict: ``{"event": "Scalar", "path": [...], ...}``."""
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        fields = {f.name: getattr(item, f.name) for f in dataclasses.fields(item)}
        return {"event": type(item).__name__, **fields}
    return item


async def _json(args: argparse.Namespace) -> None:
    from . import json as sj
    from .providers import sse_events, text

    options = {"lenient": not args.strict, "multiple_values": args.multiple}
    source: Stream[Any] = pipe(_stdin_chunks())
    if args.sse:
        source = pipe(source, sse_events(), text(provider=args.provider))
    pattern = args.pattern or "$"
    op: Operator[Any, Any]
    if args.mode == "string":
        op = sj.json_string(pattern, **options)
    elif args.mode == "snapshots":
        op = sj.json_snapshots(**options)
    elif args.mode == "patches":
        op = sj.json_patches(**options)
    elif args.mode == "events":
        op = sj.json_events(**options)
    elif args.mode == "items":
        op = sj.json_items(pattern, **options)
    else:
        op = sj.json_values(pattern, **options)
    out = sys.stdout
    async with pipe(source, op) as items:
        async for item in items:
            if args.mode == "string":
                out.write(item)
            elif args.mode == "items":
                path, value = item
                out.write(json.dumps({"path": list(path), "value": value}, ensure_ascii=False))
                out.write("\n")
            else:
                out.write(json.dumps(_jsonable(item), ensure_ascii=False, default=str))
                out.write("\n")
            out.flush()
    if args.mode == "string":
        out.write("\n")


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
    js = sub.add_parser(
        "json",
        help="read a JSON (or SSE) stream on stdin, write JSON lines as soon as each is ready",
        description=(
            "A streaming jq for LLM output: values at PATTERN as they complete (default), "
            "or snapshots, patches, items, parser events, or a string's characters live. "
            "PATTERN: 'items[*]', 'items[*].name', '$.meta.title', 'items[0]', '*'."
        ),
    )
    js.add_argument("pattern", nargs="?", help="path pattern (default: the whole value, $)")
    mode = js.add_mutually_exclusive_group()
    for flag, help_text in (
        ("--snapshots", "the progressively complete value after each chunk"),
        ("--patches", "JSON Patch operations (plus 'append') that rebuild the value"),
        ("--items", '{"path": [...], "value": ...} for each value at PATTERN'),
        ("--events", "the parser's events"),
        ("--string", "the characters of the string at PATTERN, as they arrive"),
    ):
        mode.add_argument(flag, dest="mode", action="store_const", const=flag[2:], help=help_text)
    js.add_argument("--sse", action="store_true", help="stdin is a provider's SSE body")
    js.add_argument(
        "--provider",
        default="auto",
        choices=["auto", "openai-chat", "openai-responses", "anthropic", "gemini"],
        help="with --sse: the provider (default: detected)",
    )
    js.add_argument("--strict", action="store_true", help="no lenient framing (exact JSON)")
    js.add_argument("--multiple", action="store_true", help="JSON Lines / several values")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``streamops`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "json":
        try:
            anyio.run(_json, args)
        except StreamopsError as exc:
            print(f"streamops: error: {exc}", file=sys.stderr)
            return 1
        except BrokenPipeError:
            sys.stderr.close()  # the reader went away (| head): not an error
            return 0
        except KeyboardInterrupt:
            return 130
        return 0
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
