"""Every JSON string in the recorded provider streams parses right under every chunking.

From each file of ``../shared/corpus/real`` (read in place, never copied):

* ``expected.text`` when the model answered with JSON (``expected.text_json``),
  parsed with lenient and with strict framing;
* each tool call's ``arguments`` (``arguments_json``, or an error when the
  recording was cut off or empty);
* each ``data:`` payload of the SSE body, and a JSON-array body as a whole:
  real provider JSON, compared with ``json.loads`` (a payload that is not
  JSON, like ``[DONE]``, must be rejected too).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from streamops.errors import IncompleteJSONError, JSONStreamError
from streamops.json import JSONParser, ValueCollector
from tests.conftest import CORPUS, corpus_files


def _cases() -> list[Any]:
    cases: list[Any] = []
    for file in corpus_files():
        record = json.loads(file.read_text(encoding="utf-8"))
        expected = record["expected"]
        name = file.stem
        text = expected.get("text") or ""
        if expected.get("text_json") is not None:
            cases.append(pytest.param(text, "ok", expected["text_json"], id=f"{name}:text"))
        elif text.lstrip().startswith(("{", "[")):
            # JSON cut off (finish_reason=length)
            cases.append(pytest.param(text, "incomplete", None, id=f"{name}:text"))
        for call in expected.get("tool_calls") or []:
            # arguments cut off by max_tokens, or an empty string, are incomplete
            outcome = "ok" if call.get("arguments_json") is not None else "incomplete"
            cases.append(
                pytest.param(
                    call["arguments"],
                    outcome,
                    call.get("arguments_json"),
                    id=f"{name}:tool{call['index']}",
                )
            )
        raw = record["raw_sse"]
        if record["wire_format"] == "json-array":
            cases.append(pytest.param(raw, "ok", json.loads(raw), id=f"{name}:body"))
            continue
        for n, line in enumerate(raw.splitlines()):
            if line.startswith("data:"):
                payload = line[5:].strip()
                try:
                    value = json.loads(payload)
                except ValueError:
                    cases.append(pytest.param(payload, "invalid", None, id=f"{name}:data{n}"))
                else:
                    cases.append(pytest.param(payload, "ok", value, id=f"{name}:data{n}"))
    return cases


CASES = _cases()
if not CASES:
    CASES = [
        pytest.param(
            "",
            "ok",
            None,
            marks=pytest.mark.skip(
                reason=f"the recorded corpus is not at {CORPUS} (set STREAMOPS_CORPUS)"
            ),
            id="no-corpus",
        )
    ]


def parse(chunks: list[str] | list[bytes], *, lenient: bool) -> Any:
    parser, root = JSONParser(lenient=lenient), ValueCollector("$")
    found = [v for c in chunks for _, v in root.feed(parser.feed(c))]
    found += [v for _, v in root.feed(parser.close())]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize(("text", "outcome", "expected"), CASES)
def test_corpus_json(
    text: str, outcome: str, expected: Any, chunking: Callable[[str], list[str]]
) -> None:
    chunks = chunking(text)
    if outcome == "ok":
        assert parse(chunks, lenient=False) == expected
        if text.lstrip().startswith(("{", "[")):
            assert parse(chunks, lenient=True) == expected
        # and as UTF-8 bytes, cut every 3 bytes (inside multi-byte characters too)
        data = text.encode()
        pieces = [data[i : i + 3] for i in range(0, len(data), 3)]
        assert parse(pieces, lenient=False) == expected
    else:
        with pytest.raises(JSONStreamError) as info:
            parse(chunks, lenient=False)
        assert isinstance(info.value, IncompleteJSONError) == (outcome == "incomplete")
