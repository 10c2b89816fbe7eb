"""The ``streamops`` command: ``demo``, ``json`` (a streaming jq), ``tools``, ``bench``."""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import sys
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, Final

import anyio
from pydantic import BaseModel

from ._core import Operator, Stream, operator, pipe
from ._text import sentences, words
from .errors import (
    IncompleteJSONError,
    IncompleteStreamError,
    StreamopsError,
    TruncatedOutputError,
)
from .samples import replay

__all__ = ["main"]


TRIP_PROMPT = (
    "Plan a long weekend in Lisbon. Answer with one JSON object with keys: title, "
    "summary, city, days, items (list of {name, kind: sight|museum|food|trip, day, "
    "duration_min, cost_eur, notes}), total_cost_eur, tips (list of strings), rating (0-5)."
)
ANSWER_PROMPT = "In two short paragraphs: why should an app stream a model's answer?"


async def _file_chunks(path: str, speed: float) -> AsyncIterator[bytes]:
    """A recorded response body, replayed in small pieces."""
    body = await anyio.Path(path).read_bytes()
    for i in range(0, len(body), 64):
        if speed > 0:
            await anyio.sleep(0.01 / speed)
        yield body[i : i + 64]


async def _model_text(model: str, base_url: str | None, prompt: str, json_mode: bool) -> Any:
    from openai import AsyncOpenAI

    from .providers import text

    client = AsyncOpenAI(
        base_url=base_url, api_key=os.environ.get("OPENAI_API_KEY") or "not-needed"
    )
    messages: Any = [{"role": "user", "content": prompt}]
    if json_mode:
        response = await client.chat.completions.create(
            model=model, messages=messages, stream=True, response_format={"type": "json_object"}
        )
    else:
        response = await client.chat.completions.create(
            model=model, messages=messages, stream=True
        )
    return pipe(response, text())


def _render_trip(snapshot: Any) -> Any:
    """A rich view of a (partial) Trip: fields fill in, the list grows, completed rows ticked."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table

    from .models import Partial

    def show(value: Any) -> str:
        return "…" if value is None else str(value)

    def done(path: str) -> bool:
        return not isinstance(snapshot, Partial) or snapshot.is_complete(path)

    table = Table(expand=True, show_edge=False)
    for column in ("", "stop", "kind", "day", "min", "EUR", "notes"):
        table.add_column(column)
    stops = (snapshot.items if snapshot is not None else None) or []
    for i, stop in enumerate(stops):
        table.add_row(
            "[green]✓[/]" if done(f"items[{i}]") else "[yellow]…[/]",
            show(stop.name),
            show(stop.kind),
            show(stop.day),
            show(stop.duration_min),
            show(stop.cost_eur),
            show(stop.notes),
        )
    title = show(snapshot.title if snapshot is not None else None)
    summary = show(snapshot.summary if snapshot is not None else None)
    footer = ""
    if snapshot is not None and snapshot.total_cost_eur is not None:
        footer += f"total {snapshot.total_cost_eur} EUR  "
    if snapshot is not None and snapshot.rating is not None:
        footer += f"rating {snapshot.rating}/5  "
    if snapshot is not None and snapshot.tips:
        footer += f"{len(snapshot.tips)} tips"
    state = "[green]validated Trip[/]" if done("") else "[yellow]streaming Partial[Trip][/]"
    return Panel(Group(summary, table, footer), title=f"[b]{title}[/]", subtitle=state)


async def _show_trip(chunks: Any) -> None:
    from .flow import throttle
    from .models import partial
    from .samples import Trip

    try:
        from rich.live import Live
    except ImportError:  # no rich: plain lines, the strings still typed out as they arrive
        print('(plain output: pip install "streamops[demo]" for the live view)', flush=True)
        await _show_trip_plain(chunks)
        return
    # throttle: at most 30 frames a second, and skipped snapshots are never built
    snapshots: Stream[Any] = pipe(chunks, partial(Trip), throttle(1 / 30))
    async with snapshots:
        with Live(_render_trip(None), refresh_per_second=30) as live:
            snapshot: Any
            async for snapshot in snapshots:
                live.update(_render_trip(snapshot))


def _short(value: Any, width: int = 72) -> str:
    """A value on part of one line: a model's fields joined, cut with an ellipsis."""
    if isinstance(value, BaseModel):
        value = ", ".join(str(v) for v in value.model_dump().values() if v not in (None, ""))
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


async def _show_trip_plain(chunks: Any) -> None:
    """A (partial) Trip as plain text: a string field is written as it grows, a number
    once complete, each list element on its own line once it is complete and valid."""
    from .models import Partial, partial
    from .samples import Trip

    out = sys.stdout
    shown: dict[str, int] = {}  # field -> characters (strings) or elements (lists) shown
    current: str | None = None  # the field whose line is open

    def line_for(name: str) -> None:
        nonlocal current
        if current != name:
            out.write(f"\n  {name}: " if current is not None else f"  {name}: ")
            current = name

    async with pipe(chunks, partial(Trip)) as snapshots:
        async for snap in snapshots:
            final = not isinstance(snap, Partial)
            for name in Trip.model_fields:
                value = getattr(snap, name)
                if value is None:
                    continue
                done = not isinstance(snap, Partial) or snap.is_complete(name)
                if isinstance(value, str):
                    if len(value) > shown.get(name, 0):
                        line_for(name)
                        out.write(value[shown.get(name, 0) :])
                        shown[name] = len(value)
                elif isinstance(value, list):
                    for i in range(shown.get(name, 0), len(value)):
                        if isinstance(snap, Partial) and not snap.is_complete(f"{name}[{i}]"):
                            break
                        line_for(name)
                        out.write(f"\n    ✓ {_short(value[i])}")
                        shown[name] = i + 1
                elif done and name not in shown:
                    line_for(name)
                    out.write(str(value))
                    shown[name] = 1
            out.flush()
            if final:
                out.write("\n  ✓ validated Trip\n")


async def _show_sentences(chunks: Any) -> None:
    out = sys.stdout
    n = 0
    async with pipe(chunks, sentences()) as stream:
        async for sentence in stream:
            text = " ".join(sentence.split())  # one line per sentence on screen
            if text:
                n += 1
                out.write(f"{n:>3}  {text}\n")
                out.flush()
    out.write(f"\n{n} sentences.\n")


async def _show_words(chunks: Any) -> None:
    async with pipe(chunks, words()) as stream:
        async for word in stream:
            sys.stdout.write(word)
            sys.stdout.flush()
    sys.stdout.write("\n")


async def _show_markdown(chunks: Any) -> None:
    """Render an answer as Markdown: each committed block once, only the tail live."""
    from ._text import Committed, markdown_blocks

    try:
        from rich.console import Console
        from rich.live import Live
        from rich.markdown import Markdown
    except ImportError:  # no rich: the committed blocks as plain text
        async with pipe(chunks, markdown_blocks()) as blocks:
            async for item in blocks:
                if isinstance(item, Committed):
                    sys.stdout.write(item.text)
        return
    console = Console()
    async with pipe(chunks, markdown_blocks()) as blocks:
        with Live(Markdown(""), console=console, refresh_per_second=30) as live:
            async for item in blocks:
                if isinstance(item, Committed):
                    live.update(Markdown(""))
                    live.console.print(Markdown(item.text))  # printed once, above the tail
                else:
                    live.update(Markdown(item.healed))  # only the open tail re-renders


async def _demo(args: argparse.Namespace) -> None:
    speed: float = args.speed
    out = sys.stdout
    if args.stream:
        from . import json as sj
        from .providers import TextDelta, events, sse_events, text

        # A first pass tells JSON from prose (events(): a cut body is told on the second).
        recorded = await _collect(pipe(_file_chunks(args.stream, 0), sse_events(), events()))
        body_text = "".join(e.text for e in recorded if type(e) is TextDelta and e.choice == 0)
        chunks = pipe(_file_chunks(args.stream, speed), sse_events(), text())
        if body_text.lstrip()[:1] in ("{", "[") or "```json" in body_text:
            out.write(f"== json_snapshots() of {args.stream} ==\n")
            async with pipe(chunks, sj.json_snapshots(), _last()) as final:
                async for value in final:
                    out.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
        else:
            out.write(f"== sentences() of {args.stream} ==\n\n")
            await _show_sentences(chunks)
        return
    if args.model:
        trip = await _model_text(args.model, args.base_url, TRIP_PROMPT, True)
        answer = await _model_text(args.model, args.base_url, ANSWER_PROMPT, False)
    else:
        trip = replay("report", speed=speed)
        answer = replay("answer", speed=speed)
    out.write("== partial(Trip): the structured answer, validated field by field ==\n")
    await _show_trip(trip)
    if args.model:
        out.write("\n== markdown_blocks(): the text answer as Markdown ==\n\n")
        await _show_markdown(answer)
        return
    out.write("\n== sentences(): a text answer, one sentence at a time ==\n\n")
    await _show_sentences(answer)
    out.write("\n== markdown_blocks(): the same answer as Markdown ==\n\n")
    await _show_markdown(replay("answer", speed=speed))


async def _collect(source: Any) -> list[Any]:
    return [item async for item in source]


@operator
async def _last(source: AsyncIterable[Any]) -> AsyncIterator[Any]:
    """Only the last item (a JSON snapshot is one object mutated in place)."""
    last: Any = None
    async for last in source:  # noqa: B007
        pass
    if last is not None:
        yield last


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


_SSE_START: Final = (b"data:", b"event:", b"id:", b"retry:", b":")


class _Received:
    """Standard input as it arrives, also kept (for the checks at the end) and sniffed:
    is it a provider's event stream?"""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    async def read(self) -> AsyncIterator[bytes]:
        async for chunk in _stdin_chunks():
            self.chunks.append(chunk)
            yield chunk

    def head(self) -> bytes:
        return b"".join(self.chunks[:4])[:256].lstrip(b" \t\r\n\xef\xbb\xbf")


async def _json(args: argparse.Namespace) -> None:
    from . import json as sj
    from .providers import text

    options = {"lenient": not args.strict, "multiple_values": args.multiple}
    received = _Received()
    raw = pipe(received.read())
    # Peek at the first chunk: an event stream goes through the provider adapter.
    first = await anext(raw, None)
    provider_body = args.sse or args.provider != "auto" or (
        first is not None and received.head().startswith(_SSE_START)
    )

    async def replayed() -> AsyncIterator[bytes]:
        if first is not None:
            yield first
        async for chunk in raw:
            yield chunk

    source: Stream[Any] = pipe(replayed())
    if provider_body:
        source = pipe(source, text(provider=args.provider))
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
    written = 0
    try:
        async with pipe(source, op) as items:
            async for item in items:
                _write_json_item(args.mode, item)
                written += 1
    except IncompleteJSONError as exc:
        # Lenient framing looks for an object or an array; a document that is one
        # scalar ("42", '"text"') is valid JSON too.
        value = _lone_scalar(exc)
        if value is _NOTHING or written or args.mode in ("events", "patches"):
            raise
        if args.mode == "string":
            if not isinstance(value, str) or pattern.strip() not in ("$", ""):
                raise
            item = value
        elif args.mode == "items":
            item = ((), value)
        else:
            item = value
        _write_json_item(args.mode, item)
        written += 1
    if args.mode == "string":
        sys.stdout.write("\n")
    if not written and args.mode in ("values", "items", "string", None) and pattern != "$":
        _warn(f"the pattern {pattern!r} matched nothing in the document")
    if not args.multiple and not provider_body:
        line = _second_value(b"".join(received.chunks))
        if line is not None:
            _warn(
                f"another JSON value follows the first (at line {line}); only the first"
                " was read: pass --multiple to read every value"
            )


async def _tools(args: argparse.Namespace) -> None:
    """Each tool call of a provider's response body on stdin, as a JSON line, once done."""
    from .providers import ToolCallDone
    from .tools import ToolCallFailed, tool_calls

    cut = 0
    async with pipe(_stdin_chunks(), tool_calls(provider=args.provider)) as items:
        async for item in items:
            if isinstance(item, ToolCallDone):
                line: dict[str, Any] = {"id": item.id, "name": item.name}
                if item.parsed is not None:
                    line["arguments"] = item.parsed
                else:
                    line["arguments_text"] = item.arguments  # not JSON: as sent
                if item.server:
                    line["server"] = True  # run by the provider itself
            elif isinstance(item, ToolCallFailed):  # cut off, or arguments that are not JSON
                line = {"id": item.id, "name": item.name, "error": str(item.error)}
                cut += 1
            else:
                continue
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
            sys.stdout.flush()
    if cut:
        _warn(f"{cut} tool call(s) were cut off or malformed: do not run them")


_NOTHING: Any = object()


def _lone_scalar(exc: IncompleteJSONError) -> Any:
    """The value of an input that is one JSON scalar, or ``_NOTHING``."""
    if not isinstance(exc.received, str) or exc.path:
        return _NOTHING
    try:
        value = json.loads(exc.received)
    except ValueError:
        return _NOTHING
    return _NOTHING if isinstance(value, (dict, list)) else value


def _second_value(body: bytes) -> int | None:
    """The line where a second top-level value starts in ``body``, if one does."""
    from .json import JSONParser, StartArray, StartObject

    parser = JSONParser(multiple_values=True)
    starts = 0
    try:
        for number, line in enumerate(body.splitlines(keepends=True), 1):
            for event in parser.feed(line):
                if type(event) in (StartObject, StartArray) and not event.path:
                    starts += 1
                    if starts == 2:
                        return number
    except StreamopsError:
        pass
    return None


def _write_json_item(mode: str | None, item: Any) -> None:
    out = sys.stdout
    if mode == "string":
        out.write(item)
    elif mode == "items":
        path, value = item
        out.write(json.dumps({"path": list(path), "value": value}, ensure_ascii=False))
        out.write("\n")
    else:
        out.write(json.dumps(_jsonable(item), ensure_ascii=False, default=str))
        out.write("\n")
    out.flush()


def _warn(message: str) -> None:
    print(f"streamops: warning: {message}", file=sys.stderr)


def _checkout_script(*parts: str) -> Path | None:
    """A file of the source checkout this package was installed from (editable install)."""
    path = Path(__file__).resolve().parent.parent.joinpath(*parts)
    return path if path.exists() else None


def _bench(argv: list[str]) -> int:
    script = _checkout_script("benchmarks", "run_all.py")
    if script is None:
        return _fail("bench runs benchmarks/run_all.py from a source checkout (pip install -e .)")
    module = _load(script, "streamops_run_all")
    return int(module.main(argv))


def _load(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _port_free(port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _web(args: argparse.Namespace) -> int:
    """Serve the live web page (package data; needs the ``web`` extra)."""
    if not _port_free(args.port):
        return _fail(f"port {args.port} is already in use; pass --port with a free one")
    try:
        import fastapi  # noqa: F401
        import markdown_it  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        return _fail(f'--web needs {exc.name}: pip install "streamops[web]"')
    from ._web_demo import serve

    try:
        serve(port=args.port, speed=args.speed, model=args.model, base_url=args.base_url)
    except KeyboardInterrupt:
        return 130
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="streamops",
        description="Operators for LLM token streams.",
        epilog=(
            "exit status: 0 done; 1 a broken stream; 2 a usage error; 3 the provider"
            " stopped the output at its token limit; 4 the stream was cut (it stopped"
            " without the provider's end)"
        ),
    )
    parser.add_argument("--version", action="version", version=f"streamops {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo", help="replay a sample stream through the operators (offline, no API key)"
    )
    demo.add_argument(
        "--web",
        action="store_true",
        help='serve the live web page instead (needs pip install "streamops[web]")',
    )
    demo.add_argument("--port", type=int, default=8000, help="port for --web (default 8000)")
    demo.add_argument("--stream", metavar="FILE", help="replay a recorded SSE body (curl -N ...)")
    demo.add_argument("--model", help="ask this model instead (OpenAI-compatible; needs a key)")
    demo.add_argument("--base-url", help="an OpenAI-compatible server for --model")
    demo.add_argument(
        "--speed",
        type=float,
        default=float(os.environ.get("STREAMOPS_DEMO_SPEED", "1")),
        help="replay speed multiplier; 0 means no delay (default 1, or $STREAMOPS_DEMO_SPEED)",
    )
    bench = sub.add_parser(
        "bench",
        help="run the benchmark suite against the peers and write benchmarks/REPORT.md",
        description="Runs benchmarks/run_all.py from the source checkout; options pass through.",
    )
    bench.epilog = (
        "options: --quick (one size, one run), --sizes 1K,8K,32K,128K, --only NAMES, "
        "--repeat N, --budget SECONDS, --out DIR (default: benchmarks/)"
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
        ("--patches", "RFC 6902 JSON Patch operations that rebuild the value"),
        ("--items", '{"path": [...], "value": ...} for each value at PATTERN'),
        ("--events", "the parser's events"),
        ("--string", "the characters of the string at PATTERN, as they arrive"),
    ):
        mode.add_argument(flag, dest="mode", action="store_const", const=flag[2:], help=help_text)
    js.add_argument(
        "--sse",
        action="store_true",
        help="stdin is a provider's response body (found by itself when it starts like SSE)",
    )
    js.add_argument(
        "--provider",
        default="auto",
        choices=_providers(),
        help="the provider of a response body, read as such (default: detected)",
    )
    js.add_argument("--strict", action="store_true", help="no lenient framing (exact JSON)")
    tools = sub.add_parser(
        "tools",
        help="print each tool call of a provider's response body on stdin as it completes",
        description=(
            "Reads a streamed response body (SSE, a Gemini JSON array, NDJSON ...) of any"
            " supported provider on stdin and writes one JSON line per tool call as soon as"
            ' its arguments are complete: {"id", "name", "arguments"}.'
        ),
    )
    tools.add_argument(
        "--provider", default="auto", choices=_providers(), help="(default: detected)"
    )
    js.add_argument("--multiple", action="store_true", help="JSON Lines / several values")
    return parser


def _providers() -> list[str]:
    from .providers._adapter import ADAPTERS

    return ["auto", *ADAPTERS]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("streamops")
    except PackageNotFoundError:  # pragma: no cover - run from a bare source tree
        return "unknown"


EXIT_TRUNCATED = 3
"""The exit status when the provider stopped the output at its token limit."""
EXIT_CUT = 4
"""The exit status when the stream stopped without the provider's end (a cut connection)."""


def _fail(message: str, status: int = 2) -> int:
    print(f"streamops: error: {message}", file=sys.stderr)
    return status


def _run(command: Callable[[argparse.Namespace], Awaitable[None]], args: argparse.Namespace) -> int:
    """Run an async command: one clear line for a streamops error, quiet on a closed pipe."""
    try:
        anyio.run(command, args)
    except TruncatedOutputError as exc:  # the provider stopped for length
        return _fail(str(exc), EXIT_TRUNCATED)
    except IncompleteStreamError as exc:  # the body stopped without the provider's end
        return _fail(f"{exc} (the stream was cut)", EXIT_CUT)
    except StreamopsError as exc:
        return _fail(str(exc), 1)
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):  # the reader went away (| head): not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        return _fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc), 1)
    except KeyboardInterrupt:
        return 130
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``streamops`` command; returns the exit status."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if args.command is None:  # a bare `streamops`: what it can do, as a usage error
        parser.print_help(sys.stderr)
        return 2
    if args.command == "bench":  # its options belong to benchmarks/run_all.py
        return _bench(extra)
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "json":
        from .json.paths import parse_pattern

        try:
            parse_pattern(args.pattern or "$")
        except ValueError as exc:
            return _fail(str(exc))
        return _run(_json, args)
    if args.command == "tools":
        return _run(_tools, args)
    if args.speed < 0:
        return _fail("--speed must be 0 or more")
    if args.web:
        return _web(args)
    if args.model and not (args.base_url or os.environ.get("OPENAI_API_KEY")):
        return _fail("--model needs OPENAI_API_KEY or --base-url")
    return _run(_demo, args)


if __name__ == "__main__":
    sys.exit(main())
