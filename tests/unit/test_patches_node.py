"""Our RFC 6902 patches, applied in Node by npm ``fast-json-patch`` (operations validated).

Patch sequences from the package's own sample stream and hand-made documents,
cut several ways, go to ``tests/node/json_patch_cli.mjs``, which applies them
with ``applyPatch`` and prints the document after each patch; each must be
the snapshot ``json_snapshots()`` showed after that chunk (and, for
``model_patches``, the JSON form of the ``partial()`` item). The Node peer is
installed by ``.ci/node.sh`` into ``tests/node/node_modules``; in CI
(``CI=true``) this test must run.
"""

from __future__ import annotations

import copy
import json
import random
import subprocess
from typing import Any

import pytest

from streamops import ModelPatchBuilder
from streamops.json import JSONParser, PatchBuilder, SnapshotBuilder
from streamops.models import ModelHydrator
from streamops.samples import Trip, sample_chunks, sample_text
from tests.helpers import NODE_DIR, node_peer
from tests.property.test_patch_props import started

DOCUMENTS = [
    {"title": "Caf\u00e9 \u201cna\u00efve\u201d \U0001f600", "n": 42, "x": -1.5e-7, "ok": True},
    {"a/b": {"~c": [1, "two", None, {"d": []}]}, "": "empty key", "1": "numeric key"},
    [[], {}, [[["deep"]]], 'tab\there\nnewline \\ quote"', 0, False],
    {"items": [{"name": "x" * 300, "tags": ["a", "b" * 50]} for _ in range(5)], "end": None},
    {"answer": "The quick brown fox jumps over the lazy dog. " * 40},
]


def _cuts(text: str, seed: int) -> list[str]:
    rng = random.Random(seed)
    points = sorted(rng.sample(range(1, len(text)), min(len(text) - 1, len(text) // 5)))
    return [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]


def chunkings(text: str) -> list[list[str]]:
    return [
        [text],
        list(text),
        [text[i : i + 7] for i in range(0, len(text), 7)],
        _cuts(text, 1),
        _cuts(text, 2),
    ]


def json_case(chunks: list[str]) -> tuple[list[Any], list[Any]]:
    """The patches of each chunk that gave some, and the snapshot after that chunk."""
    parser, snapshots, patches = JSONParser(), SnapshotBuilder(), PatchBuilder()
    sent, expected = [], []
    for events in [*(parser.feed(c) for c in chunks), parser.close()]:
        snapshots.feed(events)
        ops = patches.feed(events)
        if ops:
            sent.append(ops)
            expected.append(copy.deepcopy(snapshots.value))
    return sent, expected


def model_case(chunks: list[str]) -> tuple[list[Any], list[Any]]:
    hydrator, builder = ModelHydrator(Trip), ModelPatchBuilder()
    items = [hydrator.snapshot() for c in chunks if hydrator.feed(c)] + hydrator.close()
    return [builder.feed(item) for item in items], [started(item) for item in items]


def run_node(cases: list[list[Any]]) -> list[list[Any]]:
    node = node_peer("fast-json-patch", "fast-json-patch")
    done = subprocess.run(
        [node, str(NODE_DIR / "json_patch_cli.mjs")],
        input=json.dumps({"cases": cases}),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out: list[list[Any]] = json.loads(done.stdout)
    return out


def js(value: Any) -> Any:
    """``value`` as JavaScript sees it: a float with no fraction is a whole number."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: js(v) for k, v in value.items()}
    if isinstance(value, list):
        return [js(v) for v in value]
    return value


def unordered(value: Any) -> str:
    # (a JS object lists integer-like keys first: compare without key order)
    return json.dumps(js(value), sort_keys=True)


def check(cases: list[tuple[list[Any], list[Any]]]) -> None:
    rebuilt = run_node([sent for sent, _ in cases])
    assert len(rebuilt) == len(cases)
    for (sent, expected), docs in zip(cases, rebuilt, strict=True):
        assert len(docs) == len(sent) == len(expected)
        assert [unordered(d) for d in docs] == [unordered(e) for e in expected]


def test_json_patches_rebuild_every_snapshot_in_node() -> None:
    texts = [json.dumps(d, indent=i) for d in DOCUMENTS for i in (None, 2)]
    texts.append(sample_text("report"))
    cases = [json_case(list(sample_chunks("report")))]
    cases += [json_case(chunks) for text in texts for chunks in chunkings(text)]
    assert sum(len(sent) for sent, _ in cases) > 1000
    check(cases)


def test_model_patches_rebuild_every_item_in_node() -> None:
    text = sample_text("report")
    cases = [model_case(list(sample_chunks("report")))]
    cases += [model_case(chunks) for chunks in chunkings(text)]
    for _, expected in cases:
        assert expected[-1] == Trip.model_validate_json(text).model_dump(mode="json")
    check(cases)


def test_an_append_patch_is_refused_by_a_standard_library() -> None:
    with pytest.raises(AssertionError, match="OPERATION_OP_INVALID"):
        run_node([[[{"op": "append", "path": "/a", "value": "x"}]]])
