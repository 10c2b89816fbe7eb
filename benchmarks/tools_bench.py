"""Tool-call assembly: streamops ``tool_calls()`` against the openai and anthropic SDK accumulators.

Run: ``python benchmarks/tools_bench.py [--repeat N] [--sizes 1K,8K,32K]``

Inputs (every contender consumes the same chunks, one at a time):

* the corpus streams with the longest tool arguments that an SDK accumulator can
  read: ``oai-chat-pai-final-result-tool-long`` (Chat Completions, many small
  fragments) and ``anthropic-sdk-incomplete-json`` / ``anthropic-vercel-json-tool``
  (Messages); plus ``gemini-vercel-partial-args-nested`` for streamops alone;
* synthetic calls whose argument text is about 1, 8 and 32 KB, cut into 3-4
  character fragments like model tokens, as Chat Completions chunks and as
  Anthropic events: ``file`` (``{"path": ..., "content": <one long string>}``,
  the worst case for snapshots: one string stays open the whole time) and
  ``rows`` (``{"rows": [{id, name, price, tags}, ...]}``, a structured argument).

Contenders (per-chunk cost = the time of one run over the stream / its chunks):

* ``ours events``: :class:`streamops.tools.ToolCallAssembler` fed the provider
  events (``ToolCallDelta`` ...) with the tool's model: the assembly itself,
  a ``Partial[Model]`` snapshot on each fragment that changed it, field-by-field
  validation, the validated model at the end.
* ``ours events json``: the same with ``tools=None`` (plain partial JSON values).
* ``ours sdk``: the same assembler fed the SDK's typed stream objects (what the
  SDK accumulators get), so the provider adapter's cost is included.
* ``ours async``: ``pipe(sdk_objects, tool_calls(...))`` on asyncio.
* ``openai``: ``ChatCompletionStreamState(input_tools=[strict tool])``
  ``.handle_chunk(chunk)`` per chunk (it parses the partial arguments of strict
  tools with jiter after every chunk).
* ``anthropic``: ``accumulate_event(...)`` per event, the core of
  ``client.messages.stream()`` (jiter partial parse of the whole buffer after
  every ``input_json_delta``).

Timing, made robust on a small shared machine the way :mod:`timeit` is: for each
stream, ``gc.collect()`` once before the series, then one untimed warm-up run of
every contender (first use of the models, imports, caches), then ``--repeat``
rounds; each round runs every contender once, in turn (round-robin), so that
drift in the machine's speed (another process, frequency changes) hits all of
them alike rather than whichever ran last. Each timed run has the garbage
collector disabled (``gc.disable()`` around the call only, re-enabled at once
after it), and a contender's result is its best run over the rounds: the
least-disturbed measurement, as ``timeit.repeat`` users are told to take.

Targets: linear (per-chunk cost flat in argument length) and at least 10x less
CPU than the SDK accumulators at 32 KB.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydantic import BaseModel, TypeAdapter

from streamops import pipe
from streamops.providers import ProviderAdapter, ToolCallDone
from streamops.samples import token_chunks
from streamops.tools import ToolCallAssembler, tool_calls

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "real"
SIZES = {"1K": 1_000, "8K": 8_000, "32K": 32_000, "128K": 128_000, "1M": 1_000_000}
# Above this size the SDK accumulators (a re-parse of the whole buffer per chunk) are not run.
SDK_LIMIT = 128_000


# --- models -------------------------------------------------------------------------------


class WriteFile(BaseModel):
    path: str
    content: str


class Row(BaseModel):
    id: int
    name: str
    price: float
    tags: list[str]


class Rows(BaseModel):
    rows: list[Row]


class Labelled(BaseModel):
    label: str
    answer: str


class Answers(BaseModel):
    answers: list[Labelled]


class MakeFile(BaseModel):
    filename: str
    lines_of_text: list[str]


class Element(BaseModel):
    location: str
    temperature: int
    condition: str


class Elements(BaseModel):
    elements: list[Element]


class Ingredient(BaseModel):
    amount: str
    name: str


class Recipe(BaseModel):
    name: str
    ingredients: list[Ingredient]
    steps: list[str]


class CookRecipe(BaseModel):
    recipe: Recipe


# --- inputs -------------------------------------------------------------------------------

WORDS = "the model writes a long tool argument while the user waits for it to finish".split()


def file_arguments(size: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    parts: list[str] = []
    n = 0
    while n < size:
        word = rng.choice(WORDS)
        if rng.random() < 0.05:
            word += '\n"quoted" café'
        parts.append(word)
        n += len(word) + 1
    return json.dumps({"path": "notes/report.md", "content": " ".join(parts)})


def rows_arguments(size: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    while len(json.dumps({"rows": rows})) < size:
        rows.append(
            {
                "id": len(rows),
                "name": " ".join(rng.choice(WORDS) for _ in range(3)),
                "price": round(rng.uniform(1, 500), 2),
                "tags": [rng.choice(WORDS) for _ in range(2)],
            }
        )
    return json.dumps({"rows": rows})


fragments = token_chunks


def openai_payloads(name: str, pieces: list[str]) -> list[dict[str, Any]]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "gpt-4o",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        }

    out = [
        chunk(
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": name, "arguments": ""},
                    }
                ],
            }
        )
    ]
    out += [chunk({"tool_calls": [{"index": 0, "function": {"arguments": p}}]}) for p in pieces]
    out.append(chunk({}, "tool_calls"))
    return out


def anthropic_payloads(name: str, pieces: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {
            "type": "message_start",
            "message": {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": "claude",
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 10, "output_tokens": 1},
            },
        },
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "tool_use", "id": "toolu_1", "name": name, "input": {}},
        },
    ]
    out += [
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "input_json_delta", "partial_json": p},
        }
        for p in pieces
    ]
    out += [
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"output_tokens": len(pieces)},
        },
        {"type": "message_stop"},
    ]
    return out


def corpus_payloads(name: str) -> tuple[str, list[dict[str, Any]]]:
    case = json.loads((CORPUS / f"{name}.json").read_text("utf-8"))
    from streamops.providers import SSEDecoder

    decoder = SSEDecoder()
    raw = case["raw_sse"].encode()
    if case["wire_format"] == "json-array":
        return case["provider"], json.loads(raw)
    events = decoder.feed(raw) + decoder.close()
    payloads = [json.loads(e.data) for e in events if e.data and not e.data.startswith("[DONE]")]
    # The SDKs drop pings before their accumulators see them; so do we, for everyone.
    return case["provider"], [p for p in payloads if p.get("type") != "ping"]


def sdk_objects(provider: str, payloads: list[dict[str, Any]]) -> list[Any]:
    """The SDK's typed stream objects, built before timing."""
    if provider == "openai-chat":
        from openai.types.chat import ChatCompletionChunk

        return [ChatCompletionChunk.model_validate(p) for p in payloads]
    from anthropic.types import RawMessageStreamEvent

    adapter: TypeAdapter[Any] = TypeAdapter(RawMessageStreamEvent)
    return [adapter.validate_python(p) for p in payloads]


# --- contenders -----------------------------------------------------------------------------


def run_core(items: list[Any], tools: dict[str, Any] | None, provider: str) -> Any:
    core = ToolCallAssembler(tools, provider=provider)  # type: ignore[arg-type]
    out = None
    feed = core.feed
    for item in items:
        out = feed(item)
    return out, core.close()


LOOP = asyncio.new_event_loop()


def run_async(items: list[Any], tools: dict[str, Any] | None, provider: str) -> Any:
    async def consume() -> Any:
        last = None
        async with pipe(items, tool_calls(tools, provider=provider)) as s:  # type: ignore[arg-type]
            async for event in s:
                last = event
        return last

    return LOOP.run_until_complete(consume())  # one event loop for every run


def run_openai(chunks: list[Any], name: str) -> Any:
    from openai.lib.streaming.chat import ChatCompletionStreamState

    tool = {
        "type": "function",
        "function": {"name": name, "parameters": {"type": "object"}, "strict": True},
    }
    state: Any = ChatCompletionStreamState(input_tools=[tool])  # type: ignore[list-item]
    for chunk in chunks:
        state.handle_chunk(chunk)
    return state.current_completion_snapshot


def run_anthropic(events: list[Any]) -> Any:
    from anthropic.lib.streaming._messages import accumulate_event

    snapshot = None
    bufs: dict[int, bytes] = {}
    for event in events:
        snapshot = accumulate_event(event=event, current_snapshot=snapshot, json_bufs=bufs)
    return snapshot


def timed(fn: Callable[[], Any]) -> float:
    """One run of ``fn`` in seconds, with the garbage collector off during it."""
    gc.disable()
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        gc.enable()


def best_of(contenders: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """Each contender's best run in seconds: one untimed warm-up run each, then
    ``repeat`` rounds that run every contender once, in turn (see the module docs)."""
    gc.collect()
    for fn in contenders.values():
        fn()  # warm-up (first use of the models, imports)
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(repeat):
        for name, fn in contenders.items():
            best[name] = min(best[name], timed(fn))
    return best


def provider_events(provider: str, payloads: list[dict[str, Any]]) -> list[Any]:
    adapter = ProviderAdapter(provider)  # type: ignore[arg-type]
    out: list[Any] = []
    for p in payloads:
        out += adapter.feed(p)
    return out + adapter.close()


def measure(
    label: str,
    provider: str,
    payloads: list[dict[str, Any]],
    tools: dict[str, Any],
    name: str,
    repeat: int,
    sdk: bool = True,
) -> dict[str, float]:
    """Microseconds per chunk for each contender on one stream (``sdk``: the SDKs' too)."""
    chunks = len(payloads)
    events = provider_events(provider, payloads)
    contenders: dict[str, Callable[[], Any]] = {
        "ours events": lambda: run_core(events, tools, provider),
        "ours events json": lambda: run_core(events, None, provider),
    }
    if provider in ("openai-chat", "anthropic"):
        objects = sdk_objects(provider, payloads)
        contenders["ours sdk"] = lambda: run_core(objects, tools, provider)
        contenders["ours async"] = lambda: run_async(objects, tools, provider)
        if not sdk:
            pass
        elif provider == "openai-chat":
            contenders["openai"] = lambda: run_openai(objects, name)
        else:
            contenders["anthropic"] = lambda: run_anthropic(objects)
    cells = {
        contender: 1e6 * seconds / chunks
        for contender, seconds in best_of(contenders, repeat).items()
    }
    args = sum(len(getattr(e, "text", "")) for e in events if type(e).__name__ == "ToolCallDelta")
    print(f"  measured {label}: {chunks:,} chunks, {args:,} characters of arguments")
    return cells


CONTENDERS = ["ours events", "ours events json", "ours sdk", "ours async", "openai", "anthropic"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed rounds per stream")
    parser.add_argument("--sizes", default="1K,8K,32K", help="of 1K, 8K, 32K, 128K, 1M")
    parser.add_argument(
        "--memory",
        type=int,
        default=0,
        help="also the peak memory of one argument of this many characters (10000000: 10 MB)",
    )
    options = parser.parse_args()
    sizes = [s.strip() for s in options.sizes.split(",")]
    print(
        f"python {sys.version.split()[0]}; fragments of 3-4 characters; best of "
        f"{options.repeat} rounds (round-robin, gc off while timed)"
    )
    rows: list[tuple[str, dict[str, float]]] = []

    corpus = [
        ("oai-chat-pai-final-result-tool-long", "final_result", Answers),
        ("anthropic-sdk-incomplete-json", "make_file", MakeFile),
        ("anthropic-vercel-json-tool", "json", Elements),
        ("gemini-vercel-partial-args-nested", "cookRecipe", CookRecipe),
    ]
    for stem, name, model in corpus:
        provider, payloads = corpus_payloads(stem)
        provider = "gemini" if provider == "gemini-json-array" else provider
        label = f"corpus {stem}"
        rows.append(
            (label, measure(label, provider, payloads, {name: model}, name, options.repeat))
        )

    synthetic = {"file": (file_arguments, WriteFile), "rows": (rows_arguments, Rows)}
    for kind, (make, model) in synthetic.items():
        for size in sizes:
            pieces = fragments(make(SIZES[size]))
            for provider, build in (
                ("openai-chat", openai_payloads),
                ("anthropic", anthropic_payloads),
            ):
                label = f"{kind} {size} {provider}"
                payloads = build(kind, pieces)
                # (one round at 1 MB: a run is long enough to be its own average)
                repeat = options.repeat if SIZES[size] < 1_000_000 else 1
                cells = measure(
                    label, provider, payloads, {kind: model}, kind, repeat, SIZES[size] <= SDK_LIMIT
                )
                rows.append((label, cells))

    print()
    print("microseconds per chunk (lower is better; '-' = not applicable)")
    header = f"{'stream':<52}" + "".join(f"{c:>18}" for c in CONTENDERS)
    print(header)
    print("-" * len(header))
    for label, cells in rows:
        line = f"{label:<52}" + "".join(
            f"{cells[c]:>18.2f}" if c in cells else f"{'-':>18}" for c in CONTENDERS
        )
        print(line)

    table = dict(rows)
    small, large = sizes[0], sizes[-1]
    print(f"\ngrowth: per-chunk cost at {large} / at {small} (1.0 = flat)")
    for kind in synthetic:
        for provider in ("openai-chat", "anthropic"):
            a, b = table[f"{kind} {small} {provider}"], table[f"{kind} {large} {provider}"]
            ratios = ", ".join(
                f"{c} x{b[c] / a[c]:.2f}" for c in CONTENDERS if c.startswith("ours") and c in a
            )
            print(f"  {kind} {provider}: {ratios}")
    print("\ntargets:")
    # Linear: per-chunk cost flat in argument length (smallest vs largest size).
    for kind in synthetic:
        for provider in ("openai-chat", "anthropic"):
            a = table[f"{kind} {small} {provider}"]["ours sdk"]
            b = table[f"{kind} {large} {provider}"]["ours sdk"]
            e_a = table[f"{kind} {small} {provider}"]["ours events"]
            e_b = table[f"{kind} {large} {provider}"]["ours events"]
            flat = b <= 1.5 * a and e_b <= 1.5 * e_a
            print(
                f"  linear, {kind} {provider}: per chunk {small} -> {large}: "
                f"ours sdk {a:.2f} -> {b:.2f} us, ours events {e_a:.2f} -> {e_b:.2f} us"
                f" (x{b / a:.2f}, x{e_b / e_a:.2f}) -> {'met' if flat else 'MISSED'}"
            )
    # Issue #17: tool_calls() (the operator, "ours async") against each SDK's accumulator:
    # no slower at 1 KB; at 32 KB at least 3x faster on the long string, 10x on rows.
    goals = [("1K", "file", 1.0), ("1K", "rows", 1.0), ("32K", "file", 3.0), ("32K", "rows", 10.0)]
    for size, kind, goal in goals:
        if size not in sizes:
            continue
        for provider, sdk in (("openai-chat", "openai"), ("anthropic", "anthropic")):
            cells = table[f"{kind} {size} {provider}"]
            ratio = cells[sdk] / cells["ours async"]
            print(
                f"  {goal:g}x the speed of {sdk} at {size} ({kind}): {cells[sdk]:.2f} vs "
                f"{cells['ours async']:.2f} us per chunk = {ratio:.2f}x -> "
                f"{'met' if ratio >= goal else 'MISSED'} (the sync core: "
                f"{cells[sdk] / cells['ours sdk']:.2f}x, from provider events: "
                f"{cells[sdk] / cells['ours events']:.2f}x)"
            )
    if options.memory:
        print(f"\npeak memory, one {options.memory:,}-character argument through tool_calls()")
        for kind, (make, model) in synthetic.items():
            peak, size = peak_memory(make(options.memory), kind, model)
            print(
                f"  {kind}: peak {peak / 1e6:.1f} MB for {size / 1e6:.1f} MB = {peak / size:.2f}x"
            )


def peak_memory(arguments: str, name: str, model: type[BaseModel]) -> tuple[int, int]:
    """(peak bytes, argument bytes) for ``arguments`` in 3-4 character fragments, as
    Anthropic events made one at a time (each fragment a fresh string, as a network read
    makes it), through ``pipe(events, tool_calls({name: model}))`` on asyncio, the
    validated model at the end included (``tracemalloc``; the fragments' list not counted)."""
    pieces = fragments(arguments)
    frame = anthropic_payloads(name, [])

    def payloads() -> Any:
        for payload in frame:
            if payload["type"] == "content_block_stop":
                for piece in pieces:
                    delta = {"type": "input_json_delta", "partial_json": piece.encode().decode()}
                    yield {"type": "content_block_delta", "index": 0, "delta": delta}
            yield payload

    async def consume() -> Any:
        last = None
        async with pipe(payloads(), tool_calls({name: model}, provider="anthropic")) as s:
            async for event in s:
                if event.__class__ is ToolCallDone:
                    last = event
        return last

    gc.collect()
    tracemalloc.start()
    try:
        done = LOOP.run_until_complete(consume())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert done is not None
    assert done.arguments == arguments
    return peak, len(arguments.encode())


if __name__ == "__main__":
    main()
