"""The async JSON operators, on asyncio and trio, across chunkings."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from streamops import drain, pipe, stream
from streamops.errors import IncompleteJSONError, JSONStreamError
from streamops.json import (
    EndObject,
    Scalar,
    StartObject,
    json_events,
    json_items,
    json_patches,
    json_snapshots,
    json_string,
    json_values,
)
from tests.helpers import TrackedSource

pytestmark = pytest.mark.anyio

DOC: dict[str, Any] = {
    "answer": 'The answer is "42" \u2014 naturally.\nSecond line \U0001f600',
    "items": [{"name": "a", "price": 1.5}, {"name": "b", "price": 10**20}],
    "meta": {"ok": True, "none": None},
}
TEXT = "Here you go:\n```json\n" + json.dumps(DOC, indent=2, ensure_ascii=False) + "\n```\n"


async def collect(chunks: list[Any], op: Any) -> list[Any]:
    out = []
    async with pipe(TrackedSource(chunks), op) as s:
        async for item in s:
            out.append(item)
    return out


async def test_json_events(chunking: Callable[[str], list[str]]) -> None:
    events = await collect(chunking(TEXT), json_events())
    assert events[0] == StartObject(())
    assert events[-1] == EndObject(())
    assert Scalar(("meta", "ok"), True) in events


async def test_json_values(chunking: Callable[[str], list[str]]) -> None:
    assert await collect(chunking(TEXT), json_values("items[*]")) == DOC["items"]
    assert await collect(chunking(TEXT), json_values()) == [DOC]
    assert await collect(chunking(TEXT), json_values("$.meta.ok")) == [True]


async def test_json_items(chunking: Callable[[str], list[str]]) -> None:
    assert await collect(chunking(TEXT), json_items("items[*].name")) == [
        (("items", 0, "name"), "a"),
        (("items", 1, "name"), "b"),
    ]


async def test_json_string(chunking: Callable[[str], list[str]]) -> None:
    pieces = await collect(chunking(TEXT), json_string("answer"))
    assert "".join(pieces) == DOC["answer"]
    assert all(pieces)
    if chunking.__name__ == "split_chars":
        assert len(pieces) > 20  # it really streams


async def test_json_snapshots(chunking: Callable[[str], list[str]]) -> None:
    seen = []
    async with pipe(chunking(TEXT), json_snapshots()) as s:
        async for snapshot in s:
            seen.append(copy.deepcopy(snapshot))
    assert seen[-1] == DOC
    answers = [s["answer"] for s in seen if "answer" in s]
    assert all(DOC["answer"].startswith(a) for a in answers)


async def test_json_snapshots_yields_the_same_live_object() -> None:
    snapshots = await collect(['{"a": [1', ", 2", "]}", " "], json_snapshots())
    # '{"a": [1' shows {"a": []}; ", 2" completes 1; "]}" completes 2; " " changes nothing
    assert len(snapshots) == 3
    assert snapshots[0] is snapshots[1] is snapshots[2]
    assert snapshots[0] == {"a": [1, 2]}


async def test_json_patches(chunking: Callable[[str], list[str]]) -> None:
    patches = await collect(chunking(TEXT), json_patches())
    assert all(patches)
    doc: Any = {}
    for patch in patches:
        for op in json.loads(json.dumps(patch)):
            if op["path"] == "":
                doc = op["value"]
                continue
            *parents, last = op["path"].split("/")[1:]
            target = doc
            for key in parents:
                target = target[int(key)] if isinstance(target, list) else target[key]
            if op["op"] == "append":
                if isinstance(target, list):
                    target[int(last)] += op["value"]
                else:
                    target[last] += op["value"]
            elif isinstance(target, list):
                target.insert(int(last), op["value"])
            else:
                target[last] = op["value"]
    assert doc == json.loads(json.dumps(DOC))


async def test_pipe_spelling_and_bytes() -> None:
    data = TEXT.encode()
    chunks = [data[i : i + 5] for i in range(0, len(data), 5)]
    names = []
    async for name in stream(chunks) | json_values("items[*].name"):
        names.append(name)
    assert names == ["a", "b"]


async def test_strict_mode() -> None:
    with pytest.raises(JSONStreamError):
        await collect([TEXT], json_values(lenient=False))
    assert await collect([json.dumps(DOC)], json_values(lenient=False)) == [DOC]


async def test_multiple_values() -> None:
    lines = ['{"a": 1}\n{"a"', ": 2}\n"]
    assert await collect(lines, json_values("a", multiple_values=True)) == [1, 2]


async def test_values_before_a_truncation_are_delivered_then_incomplete() -> None:
    got: list[Any] = []
    with pytest.raises(IncompleteJSONError) as info:
        async with pipe(['{"items": [{"n": 1}, {"n": 2}, {"n"'], json_values("items[*]")) as s:
            async for item in s:
                got.append(item)
    assert got == [{"n": 1}, {"n": 2}]
    assert info.value.received == '{"items": [{"n": 1}, {"n": 2}, {"n"'


async def test_malformed_error_carries_context() -> None:
    with pytest.raises(JSONStreamError) as info:
        await collect(['{"items": [1, ', "2 3]}"], json_values("items[*]"))
    exc = info.value
    assert exc.message == "expected ',' or ']'"
    assert exc.path == ("items", 1)
    assert exc.received == '{"items": [1, 2 3]}'


async def test_early_exit_closes_the_source() -> None:
    source = TrackedSource(['{"items": [1, ', "2, ", "3, ", "4]}"])
    async with pipe(source, json_values("items[*]")) as s:
        async for item in s:
            assert item == 1
            break
    assert source.closed == 1
    assert source.pulled < 4


def test_doctest_helper_drain() -> None:
    assert drain(pipe(['{"a"', ": 1}"], json_values("a"))) == [1]
