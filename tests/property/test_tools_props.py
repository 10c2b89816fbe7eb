"""Properties of the tool-call assembler: any argument text, cut anywhere, assembles to what
``json.loads`` gives; snapshots never show what the final value does not hold; a text cut
short never gives a ``ToolCallDone``."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from streamops import IncompleteJSONError
from streamops.providers import ToolCallDelta, ToolCallDone, ToolCallStarted
from streamops.tools import ToolCallAssembler, ToolCallFailed

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)
objects = st.dictionaries(st.text(max_size=6), values, max_size=5)


@st.composite
def texts(draw: st.DrawFn, strategy: st.SearchStrategy[Any] = objects) -> tuple[Any, str]:
    value = draw(strategy)
    indent = draw(st.sampled_from([None, 0, 2]))
    ascii_ = draw(st.booleans())
    return value, json.dumps(value, indent=indent, ensure_ascii=ascii_)


@st.composite
def cuts(draw: st.DrawFn, text: str) -> list[str]:
    points = sorted(draw(st.lists(st.integers(0, len(text)), max_size=30)))
    pieces, start = [], 0
    for p in [*points, len(text)]:
        if p > start:
            pieces.append(text[start:p])
            start = p
    return pieces


def assemble(
    fragments: list[str], tools: Any = None, *, name: str = "f", complete: bool = True
) -> list[Any]:
    core = ToolCallAssembler(tools)
    out = core.feed(ToolCallStarted(0, "c", name))
    for fragment in fragments:
        out += core.feed(ToolCallDelta(0, fragment))
    out += core.feed(ToolCallDone(0, "c", name, "".join(fragments), None, complete=complete))
    return out + core.close()


def shown_in(snapshot: Any, final: Any) -> bool:
    """Whether everything a snapshot shows is in the final value (strings may be cut)."""
    if isinstance(snapshot, dict):
        return isinstance(final, dict) and all(
            k in final and shown_in(v, final[k]) for k, v in snapshot.items()
        )
    if isinstance(snapshot, list):
        return (
            isinstance(final, list)
            and len(snapshot) <= len(final)
            and all(shown_in(a, b) for a, b in zip(snapshot, final, strict=False))
        )
    if isinstance(snapshot, str) and isinstance(final, str):
        return final.startswith(snapshot)
    return snapshot == final and type(snapshot) is type(final)


@given(data=st.data(), doc=texts(values))
def test_any_json_cut_anywhere_assembles_to_json_loads(data: st.DataObject, doc: Any) -> None:
    value, text = doc
    fragments = data.draw(cuts(text))
    out = assemble(fragments)
    done = [e for e in out if type(e) is ToolCallDone]
    assert len(done) == 1
    assert not [e for e in out if type(e) is ToolCallFailed]
    assert done[0].parsed == json.loads(text)
    assert done[0].arguments == text
    deltas = [e for e in out if type(e) is ToolCallDelta]
    assert "".join(d.text for d in deltas) == text
    for d in deltas:
        assert d.partial_args is None or shown_in(d.partial_args, value)


@given(data=st.data(), doc=texts())
def test_a_text_cut_short_never_gives_a_done(data: st.DataObject, doc: Any) -> None:
    _, text = doc
    end = data.draw(st.integers(1, len(text) - 1))
    prefix = text[:end]
    fragments = data.draw(cuts(prefix))
    complete = data.draw(st.booleans())
    out = assemble(fragments, complete=complete)
    assert not [e for e in out if type(e) is ToolCallDone]
    (failed,) = [e for e in out if type(e) is ToolCallFailed]
    assert failed.error.arguments == prefix
    if not complete:
        assert "cut off" in str(failed.error)
        assert isinstance(failed.error.__cause__, IncompleteJSONError)


class Item(BaseModel):
    name: str
    qty: int = Field(ge=0)


class Order(BaseModel):
    customer: str
    items: list[Item]
    note: str | None = None
    express: bool = False


orders = st.builds(
    Order,
    customer=st.text(max_size=10),
    items=st.lists(
        st.builds(Item, name=st.text(max_size=8), qty=st.integers(0, 10**6)), max_size=4
    ),
    note=st.none() | st.text(max_size=10),
    express=st.booleans(),
)


@given(data=st.data(), order=orders)
def test_model_arguments_cut_anywhere_validate_to_the_model(
    data: st.DataObject, order: Order
) -> None:
    text = order.model_dump_json()
    fragments = data.draw(cuts(text))
    out = assemble(fragments, {"order": Order}, name="order")
    (done,) = [e for e in out if type(e) is ToolCallDone]
    assert done.parsed == order
    assert type(done.parsed) is Order


@given(data=st.data(), order=orders, bad=st.integers(-(10**6), -1))
def test_an_invalid_field_fails_as_soon_as_it_completes(
    data: st.DataObject, order: Order, bad: int
) -> None:
    payload = order.model_dump()
    payload["items"] = [*payload["items"], {"name": "x", "qty": bad}]
    text = json.dumps(payload)
    fragments = data.draw(cuts(text))
    out = assemble(fragments, {"order": Order}, name="order")
    (failed,) = [e for e in out if type(e) is ToolCallFailed]
    assert not [e for e in out if type(e) is ToolCallDone]
    # The bad number ends at the '}' after it: the failure is reported with the fragment
    # holding that character, never later.
    after_bad = text.index(f'"qty": {bad}') + len(f'"qty": {bad}') + 1
    received = failed.error.arguments
    assert text.startswith(received)
    assert after_bad <= len(received) < after_bad + max(len(f) for f in fragments)
