"""The sync face (iterate / drain): fused pipelines over a plain iterable run without an
event loop, with the same items, errors and clean-up as the async face."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import pytest
from pydantic import BaseModel

import streamops._core as core
from streamops import (
    IncompleteJSONError,
    JSONStreamError,
    drain,
    iterate,
    json_snapshots,
    json_values,
    partial,
    pipe,
    sentences,
    throttle,
    words,
)


class City(BaseModel):
    name: str
    population: int


@pytest.fixture
def no_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if the pipeline is driven through the event-loop runner."""

    def refuse(pipeline: object) -> None:
        raise AssertionError("the fused pipeline went through the event loop")

    monkeypatch.setattr(core, "_SyncRunner", refuse)


async def collect_async(chunks: list[str], *ops: object) -> list[object]:
    return [item async for item in pipe(chunks, *ops)]  # type: ignore[call-overload]


CASES = [
    (['{"a": [1, 2', ', 3], "b": "x', 'y"}'], lambda: (json_values("a[*]"),)),
    (['{"a": [1, 2', ', 3], "b": "x', 'y"}'], lambda: (json_snapshots(),)),
    (['{"name": "Pa', 'ris", "population": 21', "02650}"], lambda: (partial(City),)),
    (["Hello wor", "ld. How are", " you? Fine"], lambda: (sentences(), words())),
]


@pytest.mark.usefixtures("no_event_loop")
@pytest.mark.parametrize(("chunks", "ops"), CASES)
def test_fused_pipelines_give_what_the_async_face_gives(chunks: list[str], ops: object) -> None:
    expected = anyio.run(collect_async, chunks, *ops())  # type: ignore[operator]
    assert [repr(x) for x in drain(chunks, *ops())] == [repr(x) for x in expected]  # type: ignore[operator]


@pytest.mark.usefixtures("no_event_loop")
def test_errors_come_after_the_items_before_them() -> None:
    seen: list[object] = []
    with pytest.raises(JSONStreamError, match="expected"):
        seen.extend(iterate(['[1, 2, {"a" 3}]'], json_values("[*]")))
    assert seen == [1, 2]
    with pytest.raises(IncompleteJSONError):
        drain(['{"name": "Pa'], partial(City))


@pytest.mark.usefixtures("no_event_loop")
def test_a_wrong_chunk_type_says_which_operator() -> None:
    with pytest.raises(TypeError, match=r"words\(\) takes str chunks, not bytes"):
        drain([b"abc"], words())


@pytest.mark.usefixtures("no_event_loop")
def test_stopping_early_closes_the_source_at_once() -> None:
    log: list[str] = []

    def source() -> Iterator[str]:
        try:
            yield from ['[1, 2, 3, ', "4, 5]"]
        finally:
            log.append("closed")

    for value in iterate(source(), json_values("[*]")):
        assert value == 1
        break
    assert log == ["closed"]


@pytest.mark.usefixtures("no_event_loop")
def test_a_closable_iterable_is_closed_when_done() -> None:
    class Response:
        """Like an SDK's sync stream: iterable, with close()."""

        closed = False

        def __iter__(self) -> Iterator[str]:
            return iter(["[1, ", "2]"])

        def close(self) -> None:
            self.closed = True

    response = Response()
    assert drain(response, json_values("[*]")) == [1, 2]
    assert response.closed


@pytest.mark.usefixtures("no_event_loop")
def test_a_source_error_passes_through_unchanged() -> None:
    def source() -> Iterator[str]:
        yield "[1, "
        raise ConnectionError("dropped")

    seen: list[object] = []
    with pytest.raises(ConnectionError, match="dropped"):
        seen.extend(iterate(source(), json_values("[*]")))
    assert seen == [1]


def test_pipelines_that_need_time_still_run_on_the_loop() -> None:
    # throttle() is not a fused stage: the event-loop runner drives it.
    assert drain(["[1, ", "2]"], json_values("[*]"), throttle(60)) == [1, 2]
    assert core._fused_stages(pipe(["a"], throttle(60))) is None


def test_async_sources_are_not_fused() -> None:
    async def source():  # type: ignore[no-untyped-def]
        yield "[1]"

    assert core._fused_stages(pipe(source(), json_values("[*]"))) is None
    assert drain(source(), json_values("[*]")) == [1]
