"""to_sse frame kinds: ``retry:``, ``final`` for the validated model, ``done`` last; and
``null`` versus "not arrived yet" in model patches. Frames are read back with the
WHATWG-conformant ``SSEDecoder``, as a browser's ``EventSource`` reads them."""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio
import pytest
from pydantic import BaseModel

from streamops import FinalPatch, items, iterate, model_patches, partial, pipe
from streamops.flow import Gap, to_sse
from streamops.models import ModelHydrator
from streamops.providers.sse import SSEDecoder, SSEEvent

pytestmark = pytest.mark.anyio


class Pet(BaseModel):
    name: str
    owner: str | None = None
    age: int | None = None


CHUNKS = ['{"name": "Bis', 'cuit", "owner": null, ', '"age": 1', "2}"]


def read(frames: list[str]) -> list[SSEEvent]:
    decoder = SSEDecoder()
    return [event for frame in frames for event in decoder.feed(frame)] + decoder.close()


async def frames_of(source: Any, *ops: Any) -> list[str]:
    return [frame async for frame in pipe(source, *ops)]


async def test_retry_goes_with_the_first_frame_only() -> None:
    frames = await frames_of(["a", "b"], to_sse(retry=15_000))
    assert frames[0].startswith("retry: 15000\n")
    assert not any("retry" in f for f in frames[1:])
    decoder = SSEDecoder()
    for frame in frames:
        decoder.feed(frame)
    assert decoder.retry == 15_000
    assert [e.event for e in read(frames)] == ["message", "message", "done"]


async def test_retry_with_heartbeats_and_with_nothing_to_send() -> None:
    frames = await frames_of(["a"], to_sse(retry=0, heartbeat=5))
    assert frames[0].startswith("retry: 0\nid: 1\n")
    # an empty stream: the retry goes with the done frame
    assert (await frames_of([], to_sse(retry=3000))) == [
        'retry: 3000\nevent: done\ndata: {"count":0}\n\n'
    ]


async def test_retry_goes_with_an_error_frame_when_nothing_else_was_sent() -> None:
    async def failing() -> Any:
        raise RuntimeError("boom")
        yield  # pragma: no cover

    frames = await frames_of(failing(), to_sse(retry=2000))
    events = read(frames)
    assert [e.event for e in events] == ["error"]
    assert frames[0].startswith("retry: 2000\n")


@pytest.mark.parametrize("retry", [-1, 1.5, True, "10"])
def test_retry_must_be_whole_milliseconds(retry: Any) -> None:
    with pytest.raises(ValueError, match="retry must be a whole number of milliseconds"):
        to_sse(retry=retry)


async def test_the_validated_model_of_partial_is_the_final_frame() -> None:
    events = read(await frames_of(CHUNKS, partial(Pet), to_sse()))
    kinds = [e.event for e in events]
    assert kinds == ["message", "message", "final", "done"]  # ('"age": 1' shows nothing new)
    assert json.loads(events[-2].data) == {"name": "Biscuit", "owner": None, "age": 12}
    # snapshots and the final value look alike as JSON: only the frame says which is which
    assert set(json.loads(events[-3].data)) == set(json.loads(events[-2].data))
    assert events[-1].data == '{"count":3}'


async def test_final_frame_with_a_named_event_and_switched_off() -> None:
    named = read(await frames_of(CHUNKS, partial(Pet), to_sse(event="snapshot")))
    assert [e.event for e in named] == ["snapshot"] * 2 + ["final", "done"]
    plain = read(await frames_of(CHUNKS, partial(Pet), to_sse(final=False)))
    assert [e.event for e in plain] == ["message"] * 3 + ["done"]
    # a model read in one chunk: no snapshot before it; the class marks it
    whole = ["".join(CHUNKS)]
    assert [e.event for e in read(await frames_of(whole, partial(Pet), to_sse()))] == [
        "message",
        "done",
    ]
    events = read(await frames_of(whole, partial(Pet), to_sse(final=Pet)))
    assert [e.event for e in events] == ["final", "done"]
    events = read(await frames_of(CHUNKS, partial(Pet), to_sse(final=Pet)))
    assert [e.event for e in events] == ["message"] * 2 + ["final", "done"]


def test_final_must_be_a_flag_or_a_class() -> None:
    with pytest.raises(TypeError, match="final must be True, False or a class"):
        to_sse(final="final")  # type: ignore[arg-type]


async def test_models_that_are_not_the_end_of_a_partial_stream_are_plain_items() -> None:
    text = '{"pets": [{"name": "a"}, {"name": "b"}]}'
    events = read(await frames_of([text], items(Pet, "pets[*]"), to_sse()))
    assert [e.event for e in events] == ["message", "message", "done"]
    events = read(await frames_of([Pet(name="x"), Gap(2), Pet(name="y")], to_sse()))
    assert [e.event for e in events] == ["message", "gap", "message", "done"]


async def test_model_patches_end_with_a_final_frame() -> None:
    events = read(await frames_of(CHUNKS, model_patches(Pet), to_sse()))
    assert [e.event for e in events] == ["message", "message", "final", "done"]
    assert json.loads(events[-2].data) == [{"op": "add", "path": "/age", "value": 12}]
    # the last snapshot already showed everything: the final patch is empty, still sent
    chunks = ['{"name": "Biscuit", "owner": null, "age": null', "}"]
    events = read(await frames_of(chunks, model_patches(Pet), to_sse()))
    assert [(e.event, e.data) for e in events[-2:]] == [("final", "[]"), ("done", '{"count":2}')]


def test_null_is_an_add_of_none_and_a_field_not_arrived_has_no_path() -> None:
    patches = list(iterate(CHUNKS, model_patches(Pet)))
    ops = [op for patch in patches for op in patch]
    paths = [op["path"] for op in ops]
    assert {"op": "add", "path": "/owner", "value": None} in ops
    # "age" is absent until its value is complete: never a null first
    assert paths.index("/age") == len(paths) - 1
    assert all(op["op"] != "add" or op["value"] is not None for op in ops if op["path"] == "/age")
    assert isinstance(patches[-1], FinalPatch)
    # (model_dump would show None for both: the patches tell them apart)
    hydrator = ModelHydrator(Pet)
    for chunk in CHUNKS[:2]:
        hydrator.feed(chunk)
    assert hydrator.snapshot().model_dump() == {"name": "Biscuit", "owner": None, "age": None}


async def test_done_is_the_last_frame_and_a_client_can_close_on_it() -> None:
    # A client that closes on done or error reads nothing after it.
    async def slow() -> Any:
        yield "a"
        await anyio.lowlevel.checkpoint()
        yield "b"

    events = read(await frames_of(slow(), to_sse(retry=5000)))
    assert events[-1].event == "done"
    assert sum(e.event in ("done", "error") for e in events) == 1


async def _failing() -> Any:
    yield {"n": 1}
    raise ValueError("bad\nthing")


async def test_a_failed_stream_logs_one_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="streamops")
    frames = [frame async for frame in pipe(_failing(), to_sse())]
    assert "event: error" in frames[-1]
    [record] = caplog.records
    assert record.getMessage() == (
        "stream failed after 1 items; sent an error frame: ValueError: bad thing"
    )
    assert record.exc_info is None  # no traceback per request


async def test_the_traceback_at_debug_level(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="streamops")
    [frame async for frame in pipe(_failing(), to_sse())]
    [record] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert record.exc_info is not None
    assert record.exc_info[0] is ValueError
