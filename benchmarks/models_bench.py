"""Partial Pydantic models: streamops against instructor, pydantic and the openai SDK.

Run: ``python benchmarks/models_bench.py [--budget SECONDS] [--sizes 1K,8K,32K,128K]``

The document is a typical structured output: an ``Inventory`` with a title, a
summary and a list of ``Product`` items (prose names with non-ASCII, a price
with a constraint, a ``Literal`` category, an ``Enum`` status, a list of tags,
an optional rating, a nested ``Supplier`` model), about 1, 8, 32 and 128 KB,
cut into 3-4 character chunks like model tokens. Every contender consumes the
same chunks, one at a time, doing what a UI needs after each chunk:

* ``partial core``: :class:`streamops.models.ModelHydrator` (the sync core of
  ``partial(Model)``): ``feed`` every chunk, ``snapshot()`` whenever it says
  something changed, ``close()``: every field validated as it completes.
* ``partial async``: ``pipe(chunks, partial(Model))`` iterated on asyncio,
  i.e. what a user of the operator pays, event loop included.
* ``items core``: :class:`streamops.models.ItemHydrator` for ``items[*]``
  (``items(Product, "items[*]")``): each product validated as it completes.
* ``instructor``: ``instructor.Partial[Model].model_from_chunks(chunks)``.
* ``pydantic``: ``TypeAdapter(Model).validate_json(buffer,
  experimental_allow_partial="trailing-strings")`` after every chunk (for a
  ``BaseModel`` root this fails until the document is complete: the errors
  are caught, as a caller would have to).
* ``openai``: ``ChatCompletionStreamState(response_format=Model)`` fed one
  ``ChatCompletionChunk`` per chunk (the chunks are built before timing).

Times are the best of a few runs after a warm-up (per-model setup such as
building the partial classes is excluded from the table and printed once).
The quadratic contenders are first measured on a sample of chunk positions;
when the estimate exceeds ``--budget`` seconds the estimate is printed
(marked ``~``) instead of running the whole stream.

**Open values** (``--open``, or ``--open-only``): what one chunk costs while a
single value is still open and large, the case where a per-snapshot copy of
the open value would make a stream quadratic:

* ``long string``: ``{"title": "t", "body": "...`` with a body of 1 KB .. 1 MB
  (``--huge`` adds 10 MB);
* ``dict[str, int]``, ``extra="allow"`` and ``list[int]``: an open container of
  100 .. 300,000 members.

For each size the stream is fed, untimed and without snapshots, up to its last
``WINDOW`` chunks; then those chunks are timed with ``feed`` and ``snapshot()``
after each, the previous snapshot kept alive meanwhile (as the loop variable of
``async for snap in partial(...)`` is). Best of a few runs, GC off. The last
column is the growth ratio: the per-chunk cost at the largest size over the
smallest (1.0 = flat). The ``+ read`` rows also read the open value from each
snapshot (its text, or its length for a container): that read is O(size) by
nature, once per snapshot that is read.
"""

from __future__ import annotations

import argparse
import asyncio
import enum
import gc
import json
import random
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from streamops import pipe
from streamops.models import ItemHydrator, ModelHydrator, partial
from streamops.samples import token_chunks

SIZES = {"1K": 1_000, "8K": 8_000, "32K": 32_000, "128K": 128_000}


class Status(enum.Enum):
    IN_STOCK = "in_stock"
    LOW = "low"
    OUT = "out_of_stock"


class Supplier(BaseModel):
    name: str
    country: str


class Product(BaseModel):
    id: int
    name: str
    price: Annotated[float, Field(gt=0)]
    category: Literal["book", "food", "tool", "toy"]
    status: Status
    tags: list[str]
    rating: float | None = None
    supplier: Supplier


class Inventory(BaseModel):
    title: str
    summary: str
    items: list[Product]


WORDS = "fresh handmade deluxe compact organic vintage classic smart café naïve rugged".split()


def document(size: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    doc: dict[str, Any] = {
        "title": "Spring inventory",
        "summary": " ".join(rng.choice(WORDS) for _ in range(20)),
        "items": [],
    }
    i = 0
    while len(json.dumps(doc, ensure_ascii=False)) < size:
        doc["items"].append(
            {
                "id": i,
                "name": " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6))),
                "price": round(rng.uniform(1, 500), 2),
                "category": rng.choice(["book", "food", "tool", "toy"]),
                "status": rng.choice([s.value for s in Status]),
                "tags": [rng.choice(WORDS) for _ in range(rng.randint(0, 3))],
                "rating": rng.choice([None, round(rng.uniform(1, 5), 1)]),
                "supplier": {"name": rng.choice(WORDS).title() + " Ltd", "country": "FR"},
            }
        )
        i += 1
    return json.dumps(doc, ensure_ascii=False)


tokens = token_chunks


# --- contenders: each takes the chunks and returns the final value ---------------------


def run_partial_core(chunks: list[str]) -> Any:
    h = ModelHydrator(Inventory)
    for chunk in chunks:
        if h.feed(chunk):
            h.snapshot()
    out = h.close()
    return out[-1] if out else h.snapshot()


_LOOP = asyncio.new_event_loop()


def run_partial_async(chunks: list[str]) -> Any:
    async def consume() -> Any:
        out: deque[Any] = deque(maxlen=1)
        async with pipe(chunks, partial(Inventory)) as s:
            async for item in s:
                out.append(item)
        return out[0]

    return _LOOP.run_until_complete(consume())


def run_items_core(chunks: list[str]) -> Any:
    h = ItemHydrator(Product, "items[*]")
    out: list[Product] = []
    for chunk in chunks:
        out.extend(h.feed(chunk))
    out.extend(h.close())
    return out


def _instructor_partial() -> Any:
    import instructor

    return instructor.Partial[Inventory]


def run_instructor(chunks: list[str]) -> Any:
    return deque(_instructor_partial().model_from_chunks(iter(chunks)), maxlen=1)[0]


_ADAPTER = TypeAdapter(Inventory)


def _pydantic_step(buffer: str) -> Any:
    try:
        return _ADAPTER.validate_json(buffer, experimental_allow_partial="trailing-strings")
    except ValidationError:
        return None


def run_pydantic(chunks: list[str]) -> Any:
    buffer = ""
    last = None
    for chunk in chunks:
        buffer += chunk
        last = _pydantic_step(buffer)
    return last


def openai_chunks(chunks: list[str]) -> list[Any]:
    from openai.types.chat import ChatCompletionChunk

    def make(delta: dict[str, Any], finish: str | None = None) -> Any:
        return ChatCompletionChunk.model_validate(
            {
                "id": "c1",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": "gpt-4o",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
        )

    out = [make({"role": "assistant", "content": ""})]
    out.extend(make({"content": c}) for c in chunks)
    out.append(make({}, "stop"))
    return out


def run_openai(sdk_chunks: list[Any]) -> Any:
    from openai.lib.streaming.chat import ChatCompletionStreamState

    state: Any = ChatCompletionStreamState(response_format=Inventory)
    for chunk in sdk_chunks:
        state.handle_chunk(chunk)
    return state.get_final_completion().choices[0].message.parsed


def quadratic_steps(text: str, chunks: list[str]) -> dict[str, Callable[[int], Any]]:
    """``step(i)`` for the re-parsing contenders: the work each does for chunk ``i``
    (parse the text up to it), to estimate a whole run from sampled positions."""
    prefix = [0]
    for c in chunks:
        prefix.append(prefix[-1] + len(c))
    partial_cls = _instructor_partial().get_partial_model()
    from instructor.v2.dsl.partial import process_potential_object

    def instructor_step(i: int) -> Any:
        return process_potential_object(text[: prefix[i + 1]], "trailing-strings", partial_cls)

    def pydantic_step(i: int) -> Any:
        return _pydantic_step(text[: prefix[i + 1]])

    return {"instructor": instructor_step, "pydantic": pydantic_step}


# --- open values: the per-chunk cost while one large value is still open ---------------

WINDOW = 2000  # chunks timed at the end of each stream


class Essay(BaseModel):
    title: str
    body: str


class Counts(BaseModel):
    counts: dict[str, int]


class Loose(BaseModel):
    model_config = ConfigDict(extra="allow")
    title: str = ""


class Series(BaseModel):
    values: list[int]


def open_string(size: int) -> tuple[type[BaseModel], str, str]:
    """(model, head, open part): an ``Essay`` whose body of ``size`` characters is still open."""
    rng = random.Random(size)
    body = " ".join(rng.choice(WORDS) for _ in range(size // 6 + 1))[:size]
    return Essay, '{"title": "t", "body": "', json.dumps(body, ensure_ascii=False)[1:-1]


def open_members(
    model: type[BaseModel], head: str, members: int
) -> tuple[type[BaseModel], str, str]:
    return model, head, "".join(f'"k{i}": {i}, ' for i in range(members))


OPEN_CASES: dict[str, Callable[[int], tuple[type[BaseModel], str, str]]] = {
    "long string": open_string,
    "dict[str, int]": lambda n: open_members(Counts, '{"counts": {', n),
    'extra="allow"': lambda n: open_members(Loose, "{", n),
    "list[int]": lambda n: (Series, '{"values": [', "".join(f"{i}, " for i in range(n))),
}
OPEN_SIZES: dict[str, list[tuple[str, int]]] = {
    "long string": [("1K", 1_000), ("10K", 10_000), ("100K", 100_000), ("1M", 1_000_000)],
    "dict[str, int]": [
        ("100", 100),
        ("1k", 1_000),
        ("10k", 10_000),
        ("100k", 100_000),
        ("300k", 300_000),
    ],
}
OPEN_SIZES['extra="allow"'] = OPEN_SIZES["dict[str, int]"]
OPEN_SIZES["list[int]"] = OPEN_SIZES["dict[str, int]"]
HUGE = ("10M", 10_000_000)


def _open_reader(model: type[BaseModel]) -> Callable[[Any], Any]:
    if model is Essay:
        return lambda snap: snap.body
    if model is Loose:
        return lambda snap: len(snap.model_extra or {})
    name = next(iter(model.model_fields))
    return lambda snap: len(getattr(snap, name) or ())


def time_open(case: str, size: int, *, read: bool, repeat: int = 3) -> float:
    """Seconds per chunk over the last ``WINDOW`` chunks of an open value of ``size``."""
    model, head, body = OPEN_CASES[case](size)
    chunks = tokens(body)
    cut = max(0, len(chunks) - WINDOW)
    timed = chunks[cut:]
    reader = _open_reader(model)
    best = float("inf")
    for _ in range(repeat + 1):  # the first run is the warm-up
        h = ModelHydrator(model)
        h.feed(head)
        feed = h.feed
        for chunk in chunks[:cut]:
            feed(chunk)
        snapshot = h.snapshot
        prev = snapshot()
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter()
            if read:
                for chunk in timed:
                    if feed(chunk):
                        prev = snapshot()
                        reader(prev)
            else:
                for chunk in timed:
                    if feed(chunk):
                        prev = snapshot()
            elapsed = time.perf_counter() - t0
        finally:
            gc.enable()
        del prev
        best = min(best, elapsed)
    return best / len(timed)


def open_values(huge: bool) -> None:
    """Print the open-value table: us per chunk by size, and the growth ratio."""
    print("\nopen values: us per chunk (feed + snapshot) with one large value still open")
    for case, sizes in OPEN_SIZES.items():
        if huge and case == "long string":
            sizes = [*sizes, HUGE]
        for read in (False, True):
            label = case + (" + read" if read else "")
            cells = []
            costs = []
            for name, size in sizes:
                cost = time_open(case, size, read=read, repeat=1 if size >= 1_000_000 else 3)
                costs.append(cost)
                cells.append(f"{name} {1e6 * cost:,.2f}")
            ratio = costs[-1] / costs[0]
            top = sizes[-1][0] if sizes[-1][0] != "10M" else "10M"
            print(
                f"  {label:<24}"
                + "".join(f"{c:>16}" for c in cells)
                + f"   {top}/{sizes[0][0]} {ratio:,.1f}x"
            )


# --- timing ------------------------------------------------------------------------


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def sampled_estimate(step: Callable[[int], Any], n: int, samples: int = 60) -> float:
    """Estimate the total time of a per-chunk cost that grows with the position: time the
    step at evenly spaced positions and integrate (the trapezoid rule)."""
    positions = sorted({round(k * (n - 1) / (samples - 1)) for k in range(samples)})
    costs = []
    for p in positions:
        reps = 3
        t0 = time.perf_counter()
        for _ in range(reps):
            step(p)
        costs.append((time.perf_counter() - t0) / reps)
    total = 0.0
    for (p0, c0), (p1, c1) in zip(
        zip(positions, costs, strict=False),
        zip(positions[1:], costs[1:], strict=False),
        strict=False,
    ):
        total += (p1 - p0) * (c0 + c1) / 2
    return total + costs[0]


def measure(label: str, budget: float) -> dict[str, tuple[float, int, bool]]:
    """Every contender on one document: {name: (seconds, chunks, estimated)}."""
    text = document(SIZES[label])
    chunks = tokens(text)
    n = len(chunks)
    expected = Inventory.model_validate_json(text)
    repeat = 5 if n < 5000 else 3
    results: dict[str, tuple[float, int, bool]] = {}

    assert run_partial_core(chunks) == expected
    results["partial core"] = (best_of(lambda: run_partial_core(chunks), repeat), n, False)
    assert run_partial_async(chunks) == expected
    results["partial async"] = (best_of(lambda: run_partial_async(chunks), repeat), n, False)
    assert run_items_core(chunks) == expected.items
    results["items core"] = (best_of(lambda: run_items_core(chunks), repeat), n, False)

    # quadratic contenders: estimate first, run in full when affordable
    steps = quadratic_steps(text, chunks)
    sdk = openai_chunks(chunks)
    contenders: list[tuple[str, Callable[[int], Any] | None, Callable[[], Any]]] = [
        ("instructor", steps["instructor"], lambda: run_instructor(chunks)),
        ("pydantic", steps["pydantic"], lambda: run_pydantic(chunks)),
        ("openai", None, lambda: run_openai(sdk)),
    ]
    for name, step, full in contenders:
        estimate = sampled_estimate(step, n) if step is not None else 0.0
        if estimate <= budget:
            results[name] = (best_of(full, 1 if estimate > 1 else 3), n, False)
        else:
            results[name] = (estimate, n, True)
    print(f"{label}: {len(text.encode()):,} bytes, {n:,} chunks, {len(expected.items)} items")
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default=",".join(SIZES))
    ap.add_argument(
        "--budget",
        type=float,
        default=20.0,
        help="run a quadratic contender in full only if its estimate is below this (s)",
    )
    ap.add_argument("--open", action="store_true", help="also time the open-value cases")
    ap.add_argument("--open-only", action="store_true", help="time only the open-value cases")
    ap.add_argument("--huge", action="store_true", help="add a 10 MB open string")
    args = ap.parse_args()
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if args.open_only:
        print(f"python {sys.version.split()[0]}; chunks of 3-4 characters")
        open_values(args.huge)
        return

    t0 = time.perf_counter()
    run_partial_core(tokens(document(500)))
    cold = time.perf_counter() - t0
    print(f"first use of Inventory (plans, validators, Partial classes): {1e3 * cold:.1f} ms")
    print(f"python {sys.version.split()[0]}; chunks of 3-4 characters; best of several runs\n")

    rows: dict[str, dict[str, tuple[float, int, bool]]] = {}
    for label in sizes:
        rows[label] = measure(label, args.budget)

    names = list(next(iter(rows.values())))
    print()
    header = f"{'contender':<15}" + "".join(f"{s:>26}" for s in sizes)
    print(header)
    print(f"{'':<15}" + "".join(f"{'total ms / us per chunk':>26}" for _ in sizes))
    for name in names:
        cells = []
        for s in sizes:
            secs, n, est = rows[s][name]
            mark = "~" if est else ""
            cells.append(f"{mark}{1e3 * secs:,.1f} / {1e6 * secs / n:,.2f}")
        print(f"{name:<15}" + "".join(f"{c:>26}" for c in cells))

    print("\ntargets (partial core):")

    def cell(size: str, name: str) -> float:
        return rows[size][name][0] if size in rows else float("nan")

    def per_chunk(size: str, name: str) -> float:
        secs, n, _ = rows[size][name]
        return secs / n

    if "32K" in rows:
        ms = 1e3 * cell("32K", "partial core")
        speedup = cell("32K", "instructor") / cell("32K", "partial core")
        print(f"  32 KB total <= 60 ms: {ms:.1f} ms -> {'met' if ms <= 60 else 'MISSED'}")
        print(
            f"  >= 40x instructor at 32 KB: {speedup:.0f}x -> {'met' if speedup >= 40 else 'MISSED'}"
        )
    if "128K" in rows:
        ms = 1e3 * cell("128K", "partial core")
        print(f"  128 KB total <= 250 ms: {ms:.1f} ms -> {'met' if ms <= 250 else 'MISSED'}")
    if "1K" in rows and "128K" in rows:
        ratio = per_chunk("128K", "partial core") / per_chunk("1K", "partial core")
        print(
            f"  per chunk 128 KB / 1 KB <= 1.3: {ratio:.2f} -> {'met' if ratio <= 1.3 else 'MISSED'}"
        )
    if "1K" in rows:
        ours, theirs = cell("1K", "partial core"), cell("1K", "instructor")
        print(
            f"  not slower than instructor at 1 KB: {1e3 * ours:.2f} ms vs {1e3 * theirs:.2f} ms"
            f" -> {'met' if ours <= theirs else 'MISSED'}"
        )
    if args.open:
        open_values(args.huge)


if __name__ == "__main__":
    main()
