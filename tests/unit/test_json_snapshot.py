"""SnapshotBuilder and PatchBuilder."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from streamops.json import JSONParser, PatchBuilder, PatchFormat, SnapshotBuilder, pointer


def snapshots(chunks: list[str], **options: Any) -> list[Any]:
    parser, builder = JSONParser(**options), SnapshotBuilder()
    out = [copy.deepcopy(s) for c in chunks for s in builder.feed(parser.feed(c))]
    return out + [copy.deepcopy(s) for s in builder.feed(parser.close())]


def patches(
    chunks: list[str], format: PatchFormat = "append", **options: Any
) -> list[list[dict[str, Any]]]:
    parser, builder = JSONParser(**options), PatchBuilder(format=format)
    out = [builder.feed(parser.feed(c)) for c in chunks]
    return [*out, builder.feed(parser.close())]


def test_snapshot_progression() -> None:
    assert snapshots(['{"title": "Hel', 'lo", "n": 4', "2", ', "tags": ["a', '"]}']) == [
        {"title": "Hel"},
        {"title": "Hello"},
        {"title": "Hello", "n": 42, "tags": ["a"]},
        {"title": "Hello", "n": 42, "tags": ["a"]},
    ]


def test_snapshot_is_mutated_in_place() -> None:
    parser, builder = JSONParser(), SnapshotBuilder()
    first = builder.feed(parser.feed('{"a": ['))
    second = builder.feed(parser.feed('"x"]}'))
    assert first[0] is second[0] is builder.value
    assert builder.value == {"a": ["x"]}


def test_unchanged_chunks_give_no_snapshot() -> None:
    parser, builder = JSONParser(), SnapshotBuilder()
    assert builder.feed(parser.feed("Sure, here: ")) == []
    assert builder.feed(parser.feed('{"a"')) == [{}]
    assert builder.feed(parser.feed(": ")) == []
    assert builder.feed(parser.feed("1")) == []  # a number is not shown until complete
    assert builder.feed(parser.feed("}")) == [{"a": 1}]
    assert builder.feed(parser.feed("\n```")) == []


def test_strings_in_arrays_grow_in_place() -> None:
    assert snapshots(['["ab', "cd", 'e", "f', 'g"]']) == [
        ["ab"],
        ["abcd"],
        ["abcde", "f"],
        ["abcde", "fg"],
    ]


def test_a_growing_string_someone_kept_is_never_changed() -> None:
    # The builder lets the container drop the open string while it grows, so that
    # Python can extend it in place when nobody else holds it: a kept one must
    # stay as it was (in a dict, in a list, and at the top level).
    for chunks, get in (
        (['{"a": "x', "y", "z", '"}'], lambda v: v["a"]),
        (['["x', "y", "z", '"]'], lambda v: v[0]),
        (['"x', "y", "z", '"'], lambda v: v),
    ):
        parser, builder = JSONParser(lenient=False), SnapshotBuilder()
        kept = []
        for chunk in chunks:
            for snap in builder.feed(parser.feed(chunk)):
                kept.append(get(snap))
        assert kept == ["x", "xy", "xyz", "xyz"]
        assert get(builder.value) == "xyz"


def test_top_level_strings_and_multiple_values() -> None:
    assert snapshots(
        ['"ab', 'c" 1 [', "2] {", '"k": "v"}'], lenient=False, multiple_values=True
    ) == [
        "ab",
        "abc",
        1,
        [],
        [2],
        {},
        {"k": "v"},
    ]


def test_duplicate_key_replaces_the_member() -> None:
    assert snapshots(['{"a": "x", "a": "y', 'z"}'])[-1] == {"a": "yz"}
    ops = [op for batch in patches(['{"a": "x", "a": "y', 'z"}']) for op in batch]
    assert ops == [
        {"op": "replace", "path": "", "value": {}},
        {"op": "add", "path": "/a", "value": "x"},
        {"op": "add", "path": "/a", "value": "y"},
        {"op": "append", "path": "/a", "value": "z"},
    ]


def test_rfc6902_duplicate_key_and_growing_string() -> None:
    ops = [op for batch in patches(['{"a": "x", "a": "y', "z", 'w"}'], "rfc6902") for op in batch]
    assert ops == [
        {"op": "replace", "path": "", "value": {}},
        {"op": "add", "path": "/a", "value": "x"},
        {"op": "add", "path": "/a", "value": "y"},
        {"op": "replace", "path": "/a", "value": "yz"},
        {"op": "replace", "path": "/a", "value": "yzw"},
    ]


def test_rfc6902_uses_add_and_replace_only() -> None:
    assert patches(['{"a/b": [1, "x', 'y"], "~": {"n": null}}'], "rfc6902") == [
        [
            {"op": "replace", "path": "", "value": {}},
            {"op": "add", "path": "/a~1b", "value": []},
            {"op": "add", "path": "/a~1b/0", "value": 1},
            {"op": "add", "path": "/a~1b/1", "value": "x"},
        ],
        [
            {"op": "replace", "path": "/a~1b/1", "value": "xy"},
            {"op": "add", "path": "/~0", "value": {}},
            {"op": "add", "path": "/~0/n", "value": None},
        ],
        [],
    ]
    assert patches(['"ab', 'c" 7'], "rfc6902", lenient=False, multiple_values=True) == [
        [{"op": "replace", "path": "", "value": "ab"}],
        [{"op": "replace", "path": "", "value": "abc"}],
        [{"op": "replace", "path": "", "value": 7}],
    ]


def test_a_string_that_ends_with_its_chunk_needs_no_patch() -> None:
    for format in ("rfc6902", "append"):
        assert patches(['{"s": "ab', '"}'], format) == [  # type: ignore[arg-type]
            [
                {"op": "replace", "path": "", "value": {}},
                {"op": "add", "path": "/s", "value": "ab"},
            ],
            [],
            [],
        ]


def test_unknown_patch_format() -> None:
    with pytest.raises(ValueError, match="'rfc6902' or 'append', not 'json'"):
        PatchBuilder(format="json")  # type: ignore[arg-type]


def test_patch_operations() -> None:
    assert patches(['{"a/b": [1, "x', 'y"], "~": {}}']) == [
        [
            {"op": "replace", "path": "", "value": {}},
            {"op": "add", "path": "/a~1b", "value": []},
            {"op": "add", "path": "/a~1b/0", "value": 1},
            {"op": "add", "path": "/a~1b/1", "value": "x"},
        ],
        [
            {"op": "append", "path": "/a~1b/1", "value": "y"},
            {"op": "add", "path": "/~0", "value": {}},
        ],
        [],
    ]


def test_patch_for_a_string_opened_at_a_chunk_end() -> None:
    assert patches(['{"s": "', '"}']) == [
        [{"op": "replace", "path": "", "value": {}}, {"op": "add", "path": "/s", "value": ""}],
        [],
        [],
    ]


def test_patches_for_top_level_scalars() -> None:
    assert patches(['"ab', 'c" 7'], lenient=False, multiple_values=True) == [
        [{"op": "replace", "path": "", "value": "ab"}],
        [{"op": "append", "path": "", "value": "c"}],
        [{"op": "replace", "path": "", "value": 7}],
    ]


def test_patch_values_are_not_shared() -> None:
    ops = patches(["[{}, {}]"])[0]
    values = [op["value"] for op in ops if op["value"] == {}]
    assert len(values) == 2
    assert values[0] is not values[1]


def test_pointer() -> None:
    assert pointer(()) == ""
    assert pointer(("a", 0, "")) == "/a/0/"
    assert pointer(("~/",)) == "/~0~1"
