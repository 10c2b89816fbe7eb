"""Every benchmark in one process run, side by side with the peers: REPORT.md and scaling.png.

Run: ``python benchmarks/run_all.py [--quick] [--sizes 1K,8K,32K,128K] [--out DIR]``
(or ``streamops bench``). The peers come from the ``bench`` extra
(``pip install -e ".[bench]"``); a peer that is not installed is left out with a
note, and so is ``tools_bench.py`` while it is missing or does not import.

Comparisons (each reuses its benchmark module's documents and contenders):

* ``json-snapshots`` and ``json-values`` (``json_bench.py``): our incremental JSON
  operators against jiter / pydantic-core re-parsing, jsonriver, LangChain's
  ``JsonOutputParser``, partial-json-parser, ijson and ``json.loads``;
* ``models`` (``models_bench.py``): ``partial(Model)`` against instructor,
  pydantic partial validation and the openai SDK;
* ``tools-rows`` and ``tools-file`` (``tools_bench.py``): ``tool_calls()`` against the
  openai and anthropic SDK accumulators;
* ``text`` (``text_bench.py``): the text operators (no peers).

A peer estimated to take over ``--budget`` seconds (60) at a size is not run in
full: re-parsing peers are timed at 60 positions along the stream and the
per-chunk costs summed; stateful peers (the SDK accumulators) run under a
deadline and are extrapolated from where they stopped. Measurement is here;
``_report.py`` writes the files.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import math
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import json_bench as jb
from benchmarks import models_bench as mb
from benchmarks import text_bench as xb
from benchmarks._report import (
    Environment,
    FamilyResult,
    Measurement,
    RunResult,
    SizeInfo,
    size_name,
    write_markdown,
    write_plot,
)
from streamops.json import json_events, json_snapshots, json_values

HERE = Path(__file__).resolve().parent
SIZES = {"1K": 1_000, "8K": 8_000, "32K": 32_000, "128K": 128_000}
WARMUP_CHARS = 600  # a small document run once per contender before timing (imports, plans)
CAP_SECONDS = 3.0  # best-of-N stops repeating once the next run would pass this total
MIN_SAMPLE_SECONDS = 0.3  # ...and repeats runs shorter than this until they add up to it
SECOND_PASS_SECONDS = 0.25  # runs shorter than this are measured again after the family
NOT_CHECKED = object()


# --- what a comparison is made of ----------------------------------------------------------


@dataclass
class Contender:
    """One implementation on one document. ``run`` does the whole stream; a run that
    returns ``jb.Timed`` reports the time it measured itself (inside the event loop)."""

    label: str
    run: Callable[[], object]
    baseline: str = ""  # the row this one is compared with; "" = the family's reference
    chunks: int = 0  # 0 = the document's chunk count
    step: Callable[[int], object] | None = None  # re-parsers: the work for chunk i alone
    stream: tuple[Callable[[Any], object], Sequence[Any]] | None = None  # stateful: fn(items)
    expect: object = NOT_CHECKED  # the final value, checked on the warm-up document


@dataclass
class Workload:
    chars: int
    chunks: int
    contenders: list[Contender]
    detail: str = ""


@dataclass
class Family:
    key: str
    title: str
    about: str
    contenders: dict[str, str]  # label -> description, in table order
    ours: tuple[str, ...]
    setup: Callable[[int], Workload]  # target size in characters -> the workload
    requires: dict[str, str] = field(default_factory=dict)  # label -> module it imports
    has_peers: bool = True
    ratio_header: str = "vs ours (ours = 1.0)"
    unavailable: str = ""  # why the whole comparison cannot run here


def installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


# --- incremental JSON (json_bench.py) -------------------------------------------------------


def _jiter_parse(buffer: str) -> Any:
    import jiter

    return jiter.from_json(buffer.encode(), partial_mode="trailing-strings")


def _pydantic_core_parse(buffer: str) -> Any:
    import pydantic_core

    return pydantic_core.from_json(buffer, allow_partial=True)


def _json_snapshots_setup(target: int) -> Workload:
    text = jb.make_document(target)
    chunks = jb.tokens(text)
    final = json.loads(text)

    def c(
        label: str, fn: Callable[[list[str]], object], parse: Any = None, baseline: str = ""
    ) -> Contender:
        step = jb.buffer_step(parse, chunks) if parse else None
        return Contender(label, lambda: fn(chunks), baseline, step=step, expect=final)

    return Workload(
        len(text),
        len(chunks),
        [
            c("json_snapshots()", jb.run_operator(json_snapshots)),
            c("json_snapshots(), live", jb.run_operator(json_snapshots, live=True)),
            c("SnapshotBuilder (sync core)", jb.core_snapshots),
            c("jiter re-parse", jb.jiter_reparse, _jiter_parse),
            c("pydantic-core re-parse", jb.pydantic_reparse, _pydantic_core_parse),
            # (async like ours when live: compared with that row)
            c("jsonriver", jb.jsonriver_snapshots, baseline="json_snapshots(), live"),
            # (sync, a compiled extension: compared with our sync core)
            c(
                "streaming-json-parser (native)",
                jb.native_snapshots,
                baseline="SnapshotBuilder (sync core)",
            ),
            c("LangChain JsonOutputParser", jb.langchain_snapshots, jb.langchain_parse),
            c("partial-json-parser", jb.pjp_snapshots, jb.pjp_parse),
        ],
        f"{len(final['items'])} items",
    )


def _json_values_setup(target: int) -> Workload:
    text = jb.make_document(target)
    chunks = jb.tokens(text)
    bchunks = [c.encode() for c in chunks]
    items = len(json.loads(text)["items"])

    def c(label: str, fn: Callable[[Any], object], data: Any = chunks) -> Contender:
        return Contender(label, lambda: fn(data))

    return Workload(
        len(text),
        len(chunks),
        [
            c("json_values('items[*]')", jb.run_operator(lambda: json_values("items[*]"))),
            c(
                "json_values(..., lenient=False)",
                jb.run_operator(lambda: json_values("items[*]", lenient=False)),
            ),
            c("ValueCollector (sync core)", jb.core_values),
            c("strict core (sync, ijson-backed)", jb.core_strict),
            c("json_events()", jb.run_operator(json_events)),
            c("ijson items_coro (C)", jb.ijson_items, bchunks),
            c("json.loads once (floor)", jb.loads_once),
        ],
        f"{items} items",
    )


JSON_DOC = (
    "The document is a realistic LLM structured output (`json_bench.make_document`): a "
    "pretty-printed report with a title, a summary and a list of items (names, prose "
    "descriptions with quotes, newlines and non-ASCII text, prices, quantities, tags, "
    "booleans, nulls). "
)

JSON_SNAPSHOTS = Family(
    key="json-snapshots",
    title="Incremental JSON: a snapshot after every chunk",
    about=JSON_DOC
    + "After every chunk each contender produces the whole value parsed so far (what a UI "
    "re-renders). Ours builds it incrementally; most peers re-parse the whole buffer.",
    contenders={
        "json_snapshots()": "`pipe(chunks, json_snapshots())` on asyncio, event loop "
        "included, the list of chunks looped over by the operator; the reference.",
        "json_snapshots(), live": "the same over an async generator of the chunks, as a "
        "model's stream arrives (and as jsonriver is fed): what a user pays.",
        "SnapshotBuilder (sync core)": "the same work through the sync core "
        "(`JSONParser` + `SnapshotBuilder`), no event loop: like-for-like with the sync peers.",
        "jiter re-parse": '`jiter.from_json(buffer, partial_mode="trailing-strings")` on the '
        "whole buffer after every chunk (the approach of the openai and anthropic SDKs).",
        "pydantic-core re-parse": "`pydantic_core.from_json(buffer, allow_partial=True)` "
        "after every chunk.",
        "jsonriver": "`jsonriver.parse(chunks)` (the Python port), async, one snapshot per "
        "chunk; its ratio is to the live row (both read an async generator).",
        "LangChain JsonOutputParser": "`JsonOutputParser().transform(chunks)`, LangChain's "
        "streaming path: `parse_partial_json` on the accumulated text after every chunk.",
        "partial-json-parser": "`partial_json_parser.loads(buffer)` after every chunk.",
        "streaming-json-parser (native)": "`StreamingJsonParser().feed(chunk).value` per "
        "chunk with the `streaming-json-parser-native` Rust backend: an incremental parser "
        "that keeps one value and mutates it in place, as ours does (no paths, patches or "
        "models); its ratio is to our sync core.",
    },
    ours=("json_snapshots()", "json_snapshots(), live", "SnapshotBuilder (sync core)"),
    setup=_json_snapshots_setup,
    requires={
        "jiter re-parse": "jiter",
        "jsonriver": "jsonriver",
        "LangChain JsonOutputParser": "langchain_core",
        "partial-json-parser": "partial_json_parser",
        "streaming-json-parser (native)": "streaming_json_parser_native",
    },
)

JSON_VALUES = Family(
    key="json-values",
    title="Incremental JSON: each item as soon as it is complete",
    about="The same documents as above; the job is to hand over each element of `items` "
    "as soon as it is complete (values at a path): the list a UI appends to.",
    contenders={
        "json_values('items[*]')": '`pipe(chunks, json_values("items[*]"))` on asyncio '
        "(lenient parser); the reference.",
        "json_values(..., lenient=False)": "the strict operator (exact JSON), whose fast path "
        "is ijson's C parser.",
        "ValueCollector (sync core)": "the lenient operator's sync core (`JSONParser` + "
        "`ValueCollector`).",
        "strict core (sync, ijson-backed)": "the strict operator's sync core.",
        "json_events()": "every parser event, on asyncio: more work than this job needs, "
        "for scale.",
        "ijson items_coro (C)": '`ijson.items_coro(sink, "items.item")` on the yajl2_c '
        "backend, bytes pushed chunk by chunk: the C floor for this job.",
        "json.loads once (floor)": "one `json.loads` of the finished text: not incremental, "
        "the floor.",
    },
    ours=(
        "json_values('items[*]')",
        "json_values(..., lenient=False)",
        "ValueCollector (sync core)",
        "strict core (sync, ijson-backed)",
        "json_events()",
    ),
    setup=_json_values_setup,
    requires={
        "json_values(..., lenient=False)": "ijson",
        "strict core (sync, ijson-backed)": "ijson",
        "ijson items_coro (C)": "ijson",
    },
)


# --- partial Pydantic models (models_bench.py) -------------------------------------------


def _models_setup(target: int) -> Workload:
    text = mb.document(target)
    chunks = mb.tokens(text)
    expected = mb.Inventory.model_validate_json(text)
    steps = mb.quadratic_steps(text, chunks) if installed("instructor") else {}
    contenders = [
        Contender("partial(Inventory)", lambda: mb.run_partial_async(chunks), expect=expected),
        Contender(
            "ModelHydrator (sync core)", lambda: mb.run_partial_core(chunks), expect=expected
        ),
        Contender("items(Product) (sync core)", lambda: mb.run_items_core(chunks)),
        Contender(
            "instructor Partial[Inventory]",
            lambda: mb.run_instructor(chunks),
            step=steps.get("instructor"),
        ),
        Contender(
            "pydantic partial validation",
            lambda: mb.run_pydantic(chunks),
            step=steps.get("pydantic"),
            expect=expected,
        ),
    ]
    if installed("openai"):
        sdk = mb.openai_chunks(chunks)
        contenders.append(
            Contender(
                "openai SDK (response_format)",
                lambda: mb.run_openai(sdk),
                chunks=len(sdk),
                stream=(mb.run_openai, sdk),
                expect=expected,
            )
        )
    return Workload(len(text), len(chunks), contenders, f"{len(expected.items)} products")


MODELS = Family(
    key="models",
    title="Partial Pydantic models",
    about="A typical structured output (`models_bench.Inventory`): a title, a summary and a "
    "list of `Product` models (a constrained price, a `Literal` category, an `Enum` status, "
    "tags, an optional rating, a nested `Supplier`), compact JSON. After every chunk the UI "
    "wants the partial model, validated as far as it goes.",
    contenders={
        "partial(Inventory)": "`pipe(chunks, partial(Inventory))` on asyncio: every field "
        "validated as it completes; the reference.",
        "ModelHydrator (sync core)": "the operator's sync core: `feed`, `snapshot()` when "
        "something changed, `close()`.",
        "items(Product) (sync core)": '`ItemHydrator(Product, "items[*]")`: each product '
        "validated as it completes (no snapshots of the whole: less work).",
        "instructor Partial[Inventory]": "`instructor.Partial[Inventory].model_from_chunks"
        "(chunks)`: re-parses and re-validates the buffer after every chunk.",
        "pydantic partial validation": "`TypeAdapter(Inventory).validate_json(buffer, "
        'experimental_allow_partial="trailing-strings")` after every chunk (for a model '
        "root it raises until the document is complete: caught, as a caller must).",
        "openai SDK (response_format)": "`ChatCompletionStreamState(response_format=Inventory)` "
        "fed one `ChatCompletionChunk` per chunk (built before timing), parsed model at the end.",
    },
    ours=("partial(Inventory)", "ModelHydrator (sync core)", "items(Product) (sync core)"),
    setup=_models_setup,
    requires={
        "instructor Partial[Inventory]": "instructor",
        "openai SDK (response_format)": "openai",
    },
)


# --- tool-call arguments (tools_bench.py, when present) --------------------------------------

TOOLS_API = (
    "file_arguments",
    "rows_arguments",
    "fragments",
    "openai_payloads",
    "anthropic_payloads",
    "sdk_objects",
    "run_core",
    "run_openai",
    "run_anthropic",
    "WriteFile",
    "Rows",
)


def load_tools_bench() -> tuple[ModuleType | None, str]:
    """``benchmarks/tools_bench.py`` if it is there, imports and has what we use; else why not.
    (The hook: once it does, the tool-call comparisons run with everything else.)"""
    if not (HERE / "tools_bench.py").exists():
        return None, "benchmarks/tools_bench.py does not exist yet"
    try:
        from benchmarks import tools_bench
    except Exception as exc:
        return None, f"benchmarks/tools_bench.py does not import: {type(exc).__name__}: {exc}"
    missing = [name for name in TOOLS_API if not hasattr(tools_bench, name)]
    if missing:
        return None, "benchmarks/tools_bench.py lacks " + ", ".join(missing)
    return tools_bench, ""


PROVIDERS = (
    # (provider, display name, payload builder, SDK contender label)
    ("openai-chat", "OpenAI", "openai_payloads", "openai SDK ChatCompletionStreamState"),
    ("anthropic", "Anthropic", "anthropic_payloads", "anthropic SDK accumulate_event"),
)


def _tools_contenders(tb: ModuleType, kind: str, model: type, pieces: list[str]) -> list[Contender]:
    from streamops.tools import tool_calls

    out: list[Contender] = []
    tools = {kind: model}
    for provider, name, builder, sdk_label in PROVIDERS:
        if not installed("openai" if provider == "openai-chat" else "anthropic"):
            continue
        payloads = getattr(tb, builder)(kind, pieces)
        objects = tb.sdk_objects(provider, payloads)
        ref = f"tool_calls() · {name}"

        def ours(prov: Any = provider, objs: list[Any] = objects) -> object:
            return jb.run_operator(lambda: tool_calls(tools, provider=prov))(objs)

        def core(prov: str = provider, objs: list[Any] = objects) -> object:
            return tb.run_core(objs, tools, prov)

        if provider == "openai-chat":

            def sdk(items: Any) -> object:
                return tb.run_openai(items, kind)
        else:
            sdk = tb.run_anthropic
        n = len(objects)
        out += [
            Contender(ref, ours, baseline=ref, chunks=n),
            Contender(f"ToolCallAssembler · {name}", core, baseline=ref, chunks=n),
            Contender(
                sdk_label,
                lambda fn=sdk, objs=objects: fn(objs),
                baseline=ref,
                chunks=n,
                stream=(sdk, objects),
            ),
        ]
    return out


def _tools_family(kind: str) -> Family:
    tb, why = load_tools_bench()

    def setup(target: int) -> Workload:
        assert tb is not None
        if kind == "rows":
            args, model = tb.rows_arguments(target), tb.Rows
        else:
            args, model = tb.file_arguments(target), tb.WriteFile
        pieces = tb.fragments(args)
        contenders = _tools_contenders(tb, kind, model, pieces)
        return Workload(len(args), len(pieces), contenders, "one tool call")

    shape = (
        '`{"rows": [{"id", "name", "price", "tags"}, ...]}`, a structured argument'
        if kind == "rows"
        else '`{"path": ..., "content": "<one long string>"}`, a file being written (one '
        "string stays open the whole time: the worst case for snapshots)"
    )
    return Family(
        key=f"tools-{kind}",
        title=f"Tool-call arguments: {'structured rows' if kind == 'rows' else 'a long file'}",
        about=f"One tool call whose arguments are {shape} (`tools_bench.{kind}_arguments`), "
        "streamed in 3-4 character fragments as OpenAI Chat Completions chunks and as "
        "Anthropic Messages events (the SDKs' typed objects, built before timing). After "
        "every fragment each contender holds the partial arguments; at the end the "
        "validated call. Each SDK is compared with ours on its own stream (chunk counts "
        "differ by the few framing events).",
        contenders={
            "tool_calls() · OpenAI": "`pipe(sdk_chunks, tool_calls({name: Model}))` on asyncio "
            "(timed inside the event loop): assembly, a `Partial[Model]` snapshot on "
            "each fragment that changed it, the validated model at the end; the reference.",
            "ToolCallAssembler · OpenAI": "its sync core on the same objects.",
            "openai SDK ChatCompletionStreamState": "`ChatCompletionStreamState(input_tools="
            "[strict tool]).handle_chunk(chunk)` per chunk: it re-parses the partial arguments "
            "with jiter after every chunk.",
            "tool_calls() · Anthropic": "the same operator on the Anthropic events.",
            "ToolCallAssembler · Anthropic": "its sync core on the same events.",
            "anthropic SDK accumulate_event": "`accumulate_event(...)` per event, the core of "
            "`client.messages.stream()`: jiter partial parse of the whole argument buffer after "
            "every `input_json_delta`.",
        },
        ours=(
            "tool_calls() · OpenAI",
            "ToolCallAssembler · OpenAI",
            "tool_calls() · Anthropic",
            "ToolCallAssembler · Anthropic",
        ),
        setup=setup,
        unavailable=why,
    )


# --- text operators (text_bench.py) ------------------------------------------------------------


async def _timed_case(case: Callable[[list[str]], Any], data: list[str]) -> jb.Timed:
    """A text_bench case timed inside the event loop (its start-up is not the operator's)."""
    start = time.perf_counter()
    value = await case(data)
    return jb.Timed(value, time.perf_counter() - start)


def _text_setup(target: int) -> Workload:
    import anyio

    data = xb.make_chunks(target)
    contenders = [
        Contender(label, lambda case=case: anyio.run(_timed_case, case, data))
        for label, case in xb.CASES.items()
    ]
    return Workload(sum(map(len, data)), len(data), contenders, "prose")


TEXT = Family(
    key="text",
    title="Text operators (no peers)",
    about="Prose (the package's sample answer, repeated to the size) through each text "
    "operator on asyncio (`text_bench.CASES`, timed inside the event loop). There is no "
    "peer library for these: the ratio is to a bare pass-through operator, the cost of one "
    "pipeline stage.",
    contenders={
        "pass-through": "an operator that yields each chunk as it comes: the reference.",
        "words()": "whole words as they complete.",
        "lines()": "whole lines.",
        "sentences()": "whole sentences (abbreviations, decimals and quotes handled).",
        "paragraphs()": "whole paragraphs.",
        "chunks(64)": "re-chunked to at least 64 characters.",
        "tee(2)+collect()": "one stream read by two consumers (tee) after `collect()`.",
    },
    ours=tuple(xb.CASES),
    setup=_text_setup,
    has_peers=False,
    ratio_header="vs pass-through (= 1.0)",
)


def families() -> list[Family]:
    return [JSON_SNAPSHOTS, JSON_VALUES, MODELS, _tools_family("rows"), _tools_family("file"), TEXT]


# --- timing ----------------------------------------------------------------------------------


def _seconds(run: Callable[[], object]) -> tuple[float, object]:
    """One run, timed with the garbage collector off (as ``timeit`` does)."""
    gc.disable()
    try:
        start = time.perf_counter()
        result = run()
        seconds = time.perf_counter() - start
    finally:
        gc.enable()
    if isinstance(result, jb.Timed):
        return result.seconds, result.value
    return seconds, result


def best_time(
    run: Callable[[], object], repeat: int, first: float | None = None
) -> tuple[float, int]:
    """Best of up to ``repeat`` runs, fewer when they are slow (no run that would take the
    total past CAP_SECONDS), more when they are very short (until MIN_SAMPLE_SECONDS of
    them, at most 200). ``first``: a run already timed. A full garbage collection (tens of
    ms with the peers loaded) comes before the first run and before each long one."""
    samples = [] if first is None else [first]
    while True:
        if samples:
            spent = sum(samples)
            short = repeat > 1 and spent < MIN_SAMPLE_SECONDS and len(samples) < 200
            if (len(samples) >= repeat and not short) or spent + samples[-1] > CAP_SECONDS:
                break
        if not samples or samples[-1] > 0.05:
            gc.collect()
        samples.append(_seconds(run)[0])
    return min(samples), len(samples)


class OverBudget(Exception):
    def __init__(self, marks: list[tuple[int, float]]) -> None:
        super().__init__("over budget")
        self.marks = marks


def deadline(items: Sequence[Any], budget: float, every: int = 128) -> Iterator[Any]:
    """``items``, one at a time, raising OverBudget (with (position, elapsed) marks) once
    ``budget`` seconds have passed: lets a stateful peer stop early."""
    start = time.perf_counter()
    marks: list[tuple[int, float]] = []
    for i, item in enumerate(items):
        if i % every == 0:
            elapsed = time.perf_counter() - start
            marks.append((i, elapsed))
            if elapsed > budget:
                raise OverBudget(marks)
        yield item


def extrapolate(marks: list[tuple[int, float]], n: int) -> tuple[float, float]:
    """The whole stream's time from where a run stopped: elapsed ~ position**k, with k
    fitted between half-way and the end (clamped to 1..3)."""
    p, t = marks[-1]
    k = 2.0
    if len(marks) > 2:
        half_p, half_t = min(marks[1:-1], key=lambda m: abs(m[0] - p / 2))
        if half_t > 0:
            k = min(3.0, max(1.0, math.log(t / half_t) / math.log(p / half_p)))
    return t * (n / p) ** k, k


def _secs(x: float) -> str:
    return f"{x:,.0f}" if x >= 10 else f"{x:.1f}"


@dataclass
class Outcome:
    seconds: float
    runs: int = 1
    estimated: bool = False
    note: str = ""


def measure(
    c: Contender, n: int, previous: Measurement | None, budget: float, repeat: int
) -> Outcome:
    """Time one contender on one document, or estimate it when a full run would pass budget.

    Only peers that say how to estimate them (``step`` or ``stream``) are checked, and only
    when quadratic growth from the previous size could bring them near the budget."""
    guess = math.inf if previous is None else previous.seconds * (n / previous.chunks) ** 2
    first = None
    if c.step is not None and guess > budget / 4:
        estimate = mb.sampled_estimate(c.step, n)
        if estimate > budget:
            return Outcome(
                estimate,
                estimated=True,
                note=f"about {_secs(estimate)} s in full: the per-chunk cost (re-parsing the "
                "text so far) timed at 60 positions along the stream and summed",
            )
    elif c.stream is not None and guess > budget / 4:
        fn, items = c.stream
        gc.collect()
        try:
            first, _ = _seconds(lambda: fn(deadline(items, budget)))
        except OverBudget as over:
            estimate, k = extrapolate(over.marks, n)
            return Outcome(
                estimate,
                estimated=True,
                note=f"stopped after {budget:g} s at chunk {over.marks[-1][0]:,} of {n:,}; "
                f"about {_secs(estimate)} s in full, extrapolated as time ~ chunks^{k:.1f}",
            )
    seconds, runs = best_time(c.run, repeat, first)
    return Outcome(seconds, runs)


# --- the run ---------------------------------------------------------------------------------


def run_family(
    family: Family, sizes: list[str], budget: float, repeat: int, log: Callable[[str], None]
) -> tuple[FamilyResult, bool]:
    """Every size of one comparison; returns the results and whether all went well."""
    result = FamilyResult(
        key=family.key,
        title=family.title,
        about=family.about,
        contenders=dict(family.contenders),
        ours=set(family.ours),
        has_peers=family.has_peers,
        ratio_header=family.ratio_header,
    )
    ok = True
    missing = {label for label, module in family.requires.items() if not installed(module)}
    for label in sorted(missing, key=list(family.contenders).index):
        result.notes.append(
            f"{label}: not installed ({family.requires[label]}); left out "
            '(`pip install -e ".[bench]"`).'
        )
    reference = next(iter(family.contenders))
    failed: set[str] = set()

    # Warm-up on a small document: imports, plans, caches; checks the answers.
    for c in family.setup(WARMUP_CHARS).contenders:
        if c.label in missing:
            continue
        try:
            _, value = _seconds(c.run)
            if c.expect is not NOT_CHECKED and value != c.expect:
                raise AssertionError("wrong final value on the warm-up document")
        except Exception as exc:
            ok = False
            failed.add(c.label)
            result.notes.append(f"{c.label}: failed ({type(exc).__name__}: {exc}); left out.")
            log(f"  {c.label}: FAILED\n{traceback.format_exc()}")

    cheap: list[tuple[Contender, Measurement]] = []  # for the second pass
    for size in sizes:
        work = family.setup(SIZES[size])
        result.sizes.append(SizeInfo(size, work.chars, work.chunks, work.detail))
        log(f"{family.key} {size_name(size)}: {work.chars:,} chars, {work.chunks:,} chunks")
        for c in work.contenders:
            if c.label in missing or c.label in failed:
                continue
            n = c.chunks or work.chunks
            try:
                out = measure(c, n, result.get(c.label, _previous(sizes, size)), budget, repeat)
            except Exception as exc:
                ok = False
                failed.add(c.label)
                result.notes.append(
                    f"{c.label}: failed at {size_name(size)} ({type(exc).__name__}: {exc}); "
                    "left out from there on."
                )
                log(f"  {c.label}: FAILED\n{traceback.format_exc()}")
                continue
            m = Measurement(
                label=c.label,
                size=size,
                chunks=n,
                seconds=out.seconds,
                ours=c.label in family.ours,
                baseline=c.baseline or reference,
                runs=out.runs,
                estimated=out.estimated,
            )
            result.measurements.append(m)
            if not out.estimated and out.seconds < SECOND_PASS_SECONDS:
                cheap.append((c, m))
            if out.note:
                result.notes.append(f"{c.label} at {size_name(size)}: ~ estimated, {out.note}.")
            mark = "~" if out.estimated else ""
            log(
                f"  {c.label:<40} {mark}{1e3 * out.seconds:>12,.1f} ms {mark}"
                f"{1e6 * out.seconds / n:>10,.2f} us/chunk  ({out.runs} run{'s' * (out.runs > 1)})"
            )
    if repeat > 1 and cheap:
        # The machine is shared: a busy spell can slow one size's block of runs. Cheap
        # measurements get a second best-of, a minute or so later; the best counts.
        log(f"{family.key}: second pass over {len(cheap)} short measurements")
        for c, m in cheap:
            seconds, runs = best_time(c.run, repeat)
            m.seconds, m.runs = min(m.seconds, seconds), m.runs + runs
    return result, ok


def _previous(sizes: list[str], size: str) -> str:
    i = sizes.index(size)
    return sizes[i - 1] if i else ""


def parse_sizes(text: str) -> list[str]:
    sizes = []
    for part in text.split(","):
        key = part.strip().upper().removesuffix("B")
        if not key:
            continue
        if key not in SIZES:
            raise argparse.ArgumentTypeError(f"unknown size {part!r} (use {', '.join(SIZES)})")
        sizes.append(key)
    return sorted(set(sizes), key=list(SIZES).index)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, write REPORT.md and scaling.png to ``--out``; the exit status."""
    all_families = families()
    ap = argparse.ArgumentParser(prog="streamops bench", description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: one size (1K), one run each")
    ap.add_argument("--sizes", type=parse_sizes, help="comma-separated: 1K,8K,32K,128K")
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: benchmarks/)")
    ap.add_argument(
        "--only", default="", help="comma-separated: " + ",".join(f.key for f in all_families)
    )
    ap.add_argument("--repeat", type=int, default=5, help="best of up to N runs (default 5)")
    ap.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="estimate a peer instead of running it when it would take longer (s, default 60)",
    )
    args = ap.parse_args(argv)
    sizes: list[str] = args.sizes or (["1K"] if args.quick else list(SIZES))
    repeat = 1 if args.quick else max(1, args.repeat)
    wanted = {k.strip() for k in args.only.split(",") if k.strip()}
    unknown = wanted - {f.key for f in all_families}
    if unknown:
        ap.error(f"unknown comparison(s): {', '.join(sorted(unknown))}")
    chosen = [f for f in all_families if not wanted or f.key in wanted]

    def log(line: str) -> None:
        print(line, flush=True)

    environment = Environment.capture()
    start = time.perf_counter()
    results: list[FamilyResult] = []
    notes: list[str] = []
    ok = True
    for family in chosen:
        if family.unavailable:
            notes.append(f"{family.title}: {family.unavailable}.")
            log(f"{family.key}: not run ({family.unavailable})")
            continue
        result, family_ok = run_family(family, sizes, args.budget, repeat, log)
        ok = ok and family_ok
        results.append(result)

    run = RunResult(
        environment=environment,
        sizes=sizes,
        quick=args.quick,
        budget=args.budget,
        elapsed=time.perf_counter() - start,
        date=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        command=" ".join(
            ["python benchmarks/run_all.py", *(argv if argv is not None else sys.argv[1:])]
        ),
        families=results,
        notes=notes,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    report, figure = args.out / "REPORT.md", args.out / "scaling.png"
    try:
        write_plot(run, figure)
        log(f"wrote {figure}")
    except ImportError as exc:
        run.notes.append(f"scaling.png: not drawn ({exc}; matplotlib is in the bench extra).")
        log(f"scaling.png not drawn: {exc}")
        ok = False
    write_markdown(run, report)
    log(f"wrote {report} in {run.elapsed / 60:.1f} minutes")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
