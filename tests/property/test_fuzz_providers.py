"""A standing fuzz target for the SSE decoder, the provider adapters and tool-call assembly:
recorded provider bodies and the samples of ``tests/vocab_samples.py`` (every kind of
event), mutated (bytes flipped, deleted or inserted, truncated at any
byte, lines duplicated, events reordered) and cut anywhere.

Whatever the input:

* only :class:`~streamops.StreamopsError` subclasses escape (bad input never gives a
  builtin-only exception: no ``KeyError``, ``TypeError``, ``RecursionError`` ...);
* results and errors do not depend on where the bytes were split: the same events,
  then the same error type and message;
* no call completes on a prefix: a body cut anywhere gives no ``ToolCallDone`` that the
  whole body does not give too, with the same arguments; and a call never ends twice.

The example budget follows the hypothesis profile (``HYPOTHESIS_PROFILE=thorough`` for a
long run); the default profile keeps this file to a few seconds.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamops import JSONStreamError, StreamopsError
from streamops.providers import ToolCallDone
from streamops.tools import ToolCallAssembler, ToolCallFailed
from tests.conftest import CORPUS
from tests.vocab_samples import SAMPLES, sse


def _bodies() -> dict[str, tuple[bytes, str]]:
    """The recorded SSE bodies with tool calls, and the vocabulary samples: name -> (body,
    provider)."""
    out: dict[str, tuple[bytes, str]] = {}
    for path in sorted(CORPUS.glob("*.json")) if CORPUS.is_dir() else ():
        if path.name == "index.json":
            continue
        case = json.loads(path.read_text(encoding="utf-8"))
        provider = case.get("provider")
        raw = case.get("raw_sse")
        if not raw or not case.get("expected", {}).get("tool_calls"):
            continue
        if provider not in ("openai-chat", "openai-responses", "anthropic", "gemini"):
            continue  # (a JSON-array body is the JSON parser's, fuzzed with it)
        out[path.stem] = (raw.encode("utf-8"), provider)
    # The project's own samples of the whole vocabulary (signatures, redacted reasoning,
    # citations, server-side tools and their progress, unknown types), with and without
    # SSE event names.
    for name, (payloads, provider) in SAMPLES.items():
        out[f"vocab-{name}"] = (sse(payloads), provider)
        out[f"vocab-{name}-named"] = (sse(payloads, named=True), provider)
    return out


BODIES = _bodies()
NAMES = sorted(BODIES)
pytestmark = pytest.mark.skipif(not NAMES, reason=f"no recorded provider streams in {CORPUS}")

Outcome = tuple[list[Any], tuple[str, str] | None]


def comparable(event: Any) -> Any:
    """An event, with a ToolCallFailed's error (compared by identity) as its type and text."""
    if type(event) is ToolCallFailed:
        error = event.error
        return ("ToolCallFailed", event.choice, event.index, event.id, event.name, str(error))
    return event


def run(chunks: list[bytes], provider: Any = "auto") -> Outcome:
    """The events the chunks give, and the error (type name, message) they end with."""
    core = ToolCallAssembler(provider=provider)
    out: list[Any] = []
    try:
        return _run(core, chunks, out)
    finally:
        out[:] = [comparable(e) for e in out]


def _run(core: ToolCallAssembler, chunks: list[bytes], out: list[Any]) -> Outcome:
    try:
        for chunk in chunks:
            out.extend(core.feed(chunk))
            if core.done:
                break
        while True:  # close() until it returns [] (a cut-off body raises last)
            end = core.close()
            if not end:
                break
            out.extend(end)
    except JSONStreamError as exc:
        # (A body sniffed as a JSON array: the parser's snippet may still depend on the
        # chunking, which the parser's own work settles; where and what may not.)
        return out, (type(exc).__name__, f"{exc.message} {exc.offset} {exc.path}")
    except StreamopsError as exc:
        return out, (type(exc).__name__, str(exc))
    # Anything else propagates and fails the test: bad input gave a builtin exception.
    return out, None


def split(data: bytes, points: list[int]) -> list[bytes]:
    cuts = sorted({min(p, len(data)) for p in points})
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[bytes, str]:
    body, provider = BODIES[draw(st.sampled_from(NAMES))]
    data = bytearray(body)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flip", "delete", "insert", "duplicate", "swap"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        elif kind == "insert":
            data[at:at] = draw(
                st.sampled_from([b"\n", b"\n\n", b"\r", b"{", b"[", b'"', b"\\", b"\xff", b"\xc3"])
                | st.binary(min_size=1, max_size=4)
            )
        else:
            blocks = bytes(data).split(b"\n\n") if kind == "swap" else bytes(data).split(b"\n")
            i = draw(st.integers(0, len(blocks) - 1))
            if kind == "duplicate":
                blocks.insert(i, blocks[i])
            else:
                j = draw(st.integers(0, len(blocks) - 1))
                blocks[i], blocks[j] = blocks[j], blocks[i]
            data = bytearray((b"\n\n" if kind == "swap" else b"\n").join(blocks))
    return bytes(data), provider


def ends(events: list[Any]) -> list[tuple[Any, ...]]:
    return [
        e[:4] if type(e) is tuple else ("ToolCallDone", e.choice, e.index, e.id)
        for e in events
        if type(e) in (ToolCallDone, tuple)
    ]


def check_outcome(outcome: Outcome) -> None:
    events, _ = outcome
    # A call ends exactly once (calls without an id are told apart by their index).
    keyed = [end[1:] for end in ends(events)]
    assert len(keyed) == len(set(keyed)), keyed


@given(case=mutated(), points=st.lists(st.integers(0, 40_000), max_size=8))
def test_mutated_bodies_give_library_errors_and_do_not_depend_on_the_split(
    case: tuple[bytes, str], points: list[int]
) -> None:
    data, provider = case
    whole = run([data], provider)
    check_outcome(whole)
    assert run(split(data, points), provider) == whole


@given(case=mutated(), auto=st.booleans())
def test_mutated_bodies_byte_by_byte_equal_whole(case: tuple[bytes, str], auto: bool) -> None:
    data, provider = case
    name = "auto" if auto else provider
    assert run([data[i : i + 1] for i in range(len(data))], name) == run([data], name)


@given(data=st.data(), name=st.sampled_from(NAMES))
def test_no_call_completes_on_a_prefix(data: st.DataObject, name: str) -> None:
    body, provider = BODIES[name]
    full, error = run([body], provider)
    assert error is None
    done = {(e.choice, e.index, e.id, e.name, e.arguments) for e in full if type(e) is ToolCallDone}
    end = data.draw(st.integers(0, len(body)))
    points = data.draw(st.lists(st.integers(0, end), max_size=6))
    events, _ = run(split(body[:end], points), provider)
    for e in events:
        if type(e) is ToolCallDone and e.complete:  # (a server call's passes, marked cut off)
            assert (e.choice, e.index, e.id, e.name, e.arguments) in done
    check_outcome((events, None))


# -- the vocabulary samples with values of any JSON shape -----------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place inside a payload (a key of a dict, an index of a list)."""
    out = []
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in items:
        out.append((*path, key))
        out.extend(_paths(child, (*path, key)))
    return out


@st.composite
def reshaped(draw: st.DrawFn) -> tuple[bytes, str]:
    """A vocabulary sample whose payloads have a few values replaced by any JSON value
    (a citation that is a list, a signature that is a number, a part that is null ...)."""
    payloads, provider = SAMPLES[draw(st.sampled_from(sorted(SAMPLES)))]
    payloads = json.loads(json.dumps(payloads))
    for _ in range(draw(st.integers(1, 4))):
        payload = payloads[draw(st.integers(0, len(payloads) - 1))]
        paths = _paths(payload)
        *parents, key = paths[draw(st.integers(0, len(paths) - 1))]
        node = payload
        for part in parents:
            node = node[part]
        node[key] = draw(_json)
    return sse(payloads), provider


@given(case=reshaped(), points=st.lists(st.integers(0, 20_000), max_size=8))
def test_reshaped_vocabulary_gives_library_errors_and_does_not_depend_on_the_split(
    case: tuple[bytes, str], points: list[int]
) -> None:
    data, provider = case
    whole = run([data], provider)
    check_outcome(whole)
    assert run(split(data, points), provider) == whole
