"""JSON Patch output, applied by a standard library (``jsonpatch``), rebuilds every snapshot.

* ``json_patches`` (RFC 6902 format): random JSON values (``json.dumps``), cut
  at random points (bytes included); after every chunk, ``jsonpatch`` applied
  to the patches so far gives exactly the snapshot ``json_snapshots`` shows
  after that chunk, using only ``add`` and ``replace``.
* ``format="append"``: the documented client algorithm gives the same.
* ``model_patches``: random documents of a family of models; after every
  snapshot, the patched document is the snapshot's JSON form (started fields
  only), and finally exactly ``model.model_dump(mode="json")``.
"""

from __future__ import annotations

import json
from typing import Any

import jsonpatch
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from streamops import ModelPatchBuilder
from streamops.json import JSONParser, PatchBuilder, SnapshotBuilder
from streamops.models import ModelHydrator, Partial
from tests.property.test_json_parser_props import apply_patch, chunked, dumped, nested
from tests.property.test_models_props import Doc, documents


def same(a: Any, b: Any) -> bool:
    """Equal as JSON documents, key order included (``1``, ``1.0`` and ``true`` differ)."""
    return json.dumps(a) == json.dumps(b)


@given(st.data(), dumped() | dumped(nested()))
def test_rfc6902_patches_rebuild_every_snapshot(data: st.DataObject, text: str) -> None:
    chunks = data.draw(chunked(text))
    parser, snapshots, patches = JSONParser(lenient=False), SnapshotBuilder(), PatchBuilder()
    doc: Any = {}
    steps = 0
    for events in [*(parser.feed(c) for c in chunks), parser.close()]:
        snapshots.feed(events)
        ops = patches.feed(events)
        assert {op["op"] for op in ops} <= {"add", "replace"}
        if ops:
            doc = jsonpatch.apply_patch(doc, json.loads(json.dumps(ops)))
            steps += 1
        if steps:
            assert same(doc, snapshots.value)
    assert same(doc, json.loads(text))


@given(st.data(), dumped() | dumped(nested()))
def test_append_patches_rebuild_every_snapshot(data: st.DataObject, text: str) -> None:
    chunks = data.draw(chunked(text))
    parser, snapshots, patches = (
        JSONParser(lenient=False),
        SnapshotBuilder(),
        PatchBuilder(format="append"),
    )
    doc: Any = {}
    for events in [*(parser.feed(c) for c in chunks), parser.close()]:
        snapshots.feed(events)
        ops = patches.feed(events)
        if ops:
            doc = apply_patch(doc, ops)
            assert same(doc, snapshots.value)
    assert same(doc, json.loads(text))


def started(value: Any) -> Any:
    """The JSON form of a ``partial()`` item, written out: a ``Partial`` shows the fields
    that started (and its extras), a completed model its ``model_dump(mode="json")``."""
    if isinstance(value, Partial):
        out = {
            name: started(getattr(value, name))
            for name in type(value).model_fields
            if name in value.model_fields_set
        }
        out.update({k: started(v) for k, v in (value.model_extra or {}).items()})
        return out
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {k: started(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [started(v) for v in value]
    return to_jsonable_python(value)


def unordered(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


@settings(max_examples=60)
@given(documents(), st.sampled_from(["rfc6902", "append"]))
def test_model_patches_rebuild_every_snapshot(case: tuple[str, list[str]], format: str) -> None:
    text, chunks = case
    hydrator = ModelHydrator(Doc)
    builder = ModelPatchBuilder(format=format)  # type: ignore[arg-type]
    doc: Any = {}
    apply = (lambda d, ops: jsonpatch.apply_patch(d, ops)) if format == "rfc6902" else apply_patch
    items = [hydrator.snapshot() for c in chunks if hydrator.feed(c)] + hydrator.close()
    for item in items:
        ops = builder.feed(item)
        if format == "rfc6902":
            assert {op["op"] for op in ops} <= {"add", "replace", "remove"}
        doc = apply(doc, json.loads(json.dumps(ops)))
        assert unordered(doc) == unordered(started(item))
        assert unordered(builder.value) == unordered(doc)
    final = Doc.model_validate_json(text)
    assert items[-1] == final
    assert unordered(doc) == unordered(final.model_dump(mode="json"))
