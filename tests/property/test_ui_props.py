"""Property tests for the UI protocols: random documents and texts, cut at random points.

* AG-UI: the ``STATE_SNAPSHOT`` then ``STATE_DELTA`` patches, applied with the
  ``jsonpatch`` library (``rebuild_states``), rebuild every snapshot the model stream showed, in
  order, and end at the final model; they use only ``add``/``replace``/``remove``.
* AI SDK: the data parts of one object share one id, and the last one holds the
  final model.
* Text: the deltas of either protocol spell the text, however it was cut.
* Errors: a malformed document ends both streams with the same error (its text up
  to the path), whatever the chunking.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from streamops import TextDelta, drain, partial, pipe, to_ag_ui, to_ui_message_stream
from tests.unit.test_ui import rebuild_states


class Item(BaseModel):
    name: str
    tags: list[str] = []
    qty: int | None = None


class Doc(BaseModel):
    title: str
    items: list[Item]
    meta: dict[str, str] = {}


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
docs = st.builds(
    Doc,
    title=names,
    items=st.lists(
        st.builds(
            Item,
            name=names,
            tags=st.lists(names, max_size=3),
            qty=st.none() | st.integers(-5, 10**6),
        ),
        max_size=4,
    ),
    meta=st.dictionaries(st.sampled_from(["a", "b/c", "~d"]), names, max_size=3),
)


SNIPPET = re.compile(r"(?<=\)): .*\Z", re.S)


def cut(text: str, cuts: list[int]) -> list[str]:
    points = [0, *sorted(cuts), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(points) if b > a]


def payloads(frames: list[str]) -> list[dict[str, Any]]:
    return [json.loads(frame[6:]) for frame in frames if frame != "data: [DONE]\n\n"]


@given(doc=docs, data=st.data())
def test_state_deltas_rebuild_every_snapshot(doc: Doc, data: st.DataObject) -> None:
    text = doc.model_dump_json()
    chunks = cut(text, data.draw(st.lists(st.integers(0, len(text)), max_size=25)))
    outputs = drain(pipe(chunks, partial(Doc)))
    events = payloads(drain(pipe(outputs, to_ag_ui(thread_id="t", run_id="r"))))
    rebuilt = rebuild_states(events)
    shown = [o.model_dump(mode="json", exclude_unset=True) for o in outputs[:-1]]
    shown.append(outputs[-1].model_dump(mode="json"))
    distinct = [s for i, s in enumerate(shown) if i == 0 or s != shown[i - 1]]
    assert rebuilt == distinct
    assert rebuilt[-1] == doc.model_dump(mode="json")


@given(doc=docs, data=st.data())
def test_one_data_part_ends_with_the_model(doc: Doc, data: st.DataObject) -> None:
    text = doc.model_dump_json()
    chunks = cut(text, data.draw(st.lists(st.integers(0, len(text)), max_size=25)))
    parts = [
        c
        for c in payloads(drain(pipe(chunks, partial(Doc), to_ui_message_stream())))
        if c["type"] == "data-doc"
    ]
    assert {c["id"] for c in parts} == {"data-1"}
    assert parts[-1]["data"] == doc.model_dump(mode="json")


@given(text=st.text(min_size=1, max_size=200), data=st.data())
def test_text_deltas_spell_the_text(text: str, data: st.DataObject) -> None:
    deltas = [TextDelta(c) for c in cut(text, data.draw(st.lists(st.integers(0, len(text)))))]
    vercel = payloads(drain(pipe(deltas, to_ui_message_stream())))
    assert "".join(c["delta"] for c in vercel if c["type"] == "text-delta") == text
    assert len({c["id"] for c in vercel if c["type"] == "text-delta"}) == 1
    agui = payloads(drain(pipe(deltas, to_ag_ui())))
    assert "".join(e["delta"] for e in agui if e["type"] == "TEXT_MESSAGE_CONTENT") == text


@given(doc=docs, data=st.data())
def test_errors_do_not_depend_on_the_chunking(doc: Doc, data: st.DataObject) -> None:
    text = doc.model_dump_json()
    at = data.draw(st.integers(1, len(text) - 1))
    bad = text[:at] + "}" + text[at:]  # a stray brace somewhere inside
    chunks = cut(bad, data.draw(st.lists(st.integers(0, len(bad)), max_size=25)))

    def ends(chunking: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
        vercel = payloads(drain(pipe(chunking, partial(Doc), to_ui_message_stream())))
        agui = payloads(drain(pipe(chunking, partial(Doc), to_ag_ui(thread_id="t", run_id="r"))))
        # (the parser's message ends with a snippet of the text around the error, which
        # shows what followed it only as far as it had arrived: compare up to the path)
        if "errorText" in vercel[-1]:
            vercel[-1]["errorText"] = SNIPPET.sub("", vercel[-1]["errorText"])
        if "message" in agui[-1]:
            agui[-1]["message"] = SNIPPET.sub("", agui[-1]["message"])
        return vercel[-1], agui[-1]

    whole = ends([bad])
    assert ends(chunks) == whole
    # (a brace just before the document's last one ends it early: the rest is trailing
    # prose, skipped by the lenient framing; otherwise it is an error)
    if whole[0]["type"] == "error":
        assert whole[1]["type"] == "RUN_ERROR"
        assert whole[0]["errorText"] == whole[1]["message"]
    else:
        assert whole[0]["type"] == "finish"
        assert whole[1]["type"] == "RUN_FINISHED"
