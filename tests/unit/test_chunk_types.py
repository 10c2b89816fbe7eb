"""A chunk of the wrong type is a clear TypeError naming the operator (issue #11.16)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel

from streamops import (
    Operator,
    chunk_operator,
    chunks,
    json_snapshots,
    json_values,
    lines,
    paragraphs,
    partial,
    pipe,
    sentences,
    words,
)
from tests.helpers import TrackedSource

pytestmark = pytest.mark.anyio

TEXT_OPS: dict[str, Callable[[], Operator[str, str]]] = {
    "words()": words,
    "sentences()": sentences,
    "lines()": lines,
    "paragraphs()": paragraphs,
    "chunks()": chunks,
}


@pytest.mark.parametrize("timer", [None, 5.0], ids=["fused", "with max_delay"])
@pytest.mark.parametrize("name", sorted(TEXT_OPS))
@pytest.mark.parametrize("bad", [b"bytes", 42, None, {"text": "x"}], ids=repr)
async def test_text_buffers_name_themselves_and_the_expected_type(
    name: str, timer: float | None, bad: object
) -> None:
    factory: Any = TEXT_OPS[name]
    op = factory() if timer is None else factory(max_delay=timer)
    source = TrackedSource(["fine ", bad, "never read"])
    with pytest.raises(TypeError) as info:
        async for _ in pipe(source, op):
            pass
    assert str(info.value) == f"{name} takes str chunks, not {type(bad).__name__}"
    assert source.closed == 1
    if timer is None:  # (a timed buffer's task reads a few chunks ahead)
        assert source.pulled == 2


class Upper:
    """A core that declares what it takes and how users call it."""

    accepts = (str,)
    operator = "upper()"

    def feed(self, chunk: str) -> list[str]:
        return [chunk.upper()]

    def close(self) -> list[str]:
        return []


async def test_any_chunk_core_can_declare_its_chunk_types() -> None:
    with pytest.raises(TypeError, match=r"^upper\(\) takes str chunks, not int$"):
        async for _ in pipe(["a", 1], chunk_operator(Upper)()):
            pass


async def test_a_core_error_on_a_chunk_of_the_right_type_is_not_disguised() -> None:
    class Broken(Upper):
        def feed(self, chunk: str) -> list[str]:
            raise TypeError("a bug inside the core")

    with pytest.raises(TypeError, match="a bug inside the core"):
        async for _ in pipe(["a"], chunk_operator(Broken)()):
            pass


class Doc(BaseModel):
    a: int


@pytest.mark.parametrize(
    "op",
    [json_values("*"), json_snapshots(), partial(Doc)],
    ids=["values", "snapshots", "partial"],
)
async def test_json_operators_take_str_or_bytes(op: Any) -> None:
    with pytest.raises(TypeError, match="takes str or bytes, not dict"):
        async for _ in pipe([{"a": 1}], op):
            pass
