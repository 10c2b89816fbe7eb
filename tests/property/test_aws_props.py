"""Property tests: the AWS event-stream decoder and ``events(provider="bedrock")`` give the
same frames / events (and the same error after them) however the bytes are split, and on
corrupted input (mutated bytes, truncation, bad CRCs) raise only StreamopsError subclasses."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from streamops import StreamopsError, encode_aws_event
from tests.bedrock_frames import adapt, chunk, decode, event, exception, split_at

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

header_values = st.one_of(
    st.booleans(),
    st.tuples(st.just("byte"), st.integers(-128, 127)),
    st.tuples(st.just("short"), st.integers(-(2**15), 2**15 - 1)),
    st.integers(-(2**63), 2**63 - 1),
    st.binary(max_size=20),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    st.integers(-(10**13), 10**13).map(lambda ms: _EPOCH + timedelta(milliseconds=ms)),
    st.uuids(),
)
names = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=8)
headers = st.dictionaries(names, header_values, max_size=5)
frames = st.lists(
    st.builds(encode_aws_event, headers, st.binary(max_size=60)), min_size=1, max_size=6
)


@st.composite
def splits(draw: st.DrawFn, body: bytes) -> list[bytes]:
    return split_at(body, draw(st.lists(st.integers(0, len(body)), max_size=12)))


@given(frames, st.data())
def test_decoder_is_independent_of_the_split(parts: list[bytes], data: st.DataObject) -> None:
    body = b"".join(parts)
    whole, error = decode([body])
    assert error is None
    assert len(whole) == len(parts)
    assert decode(data.draw(splits(body))) == (whole, None)


def _mutate(body: bytes, data: st.DataObject) -> bytes:
    kind = data.draw(st.sampled_from(["flip", "delete", "insert", "truncate", "crc"]))
    at = data.draw(st.integers(0, max(0, len(body) - 1)))
    if kind == "flip":
        return body[:at] + bytes([body[at] ^ data.draw(st.integers(1, 255))]) + body[at + 1 :]
    if kind == "delete":
        return body[:at] + body[at + data.draw(st.integers(1, 8)) :]
    if kind == "insert":
        return body[:at] + data.draw(st.binary(min_size=1, max_size=8)) + body[at:]
    if kind == "truncate":
        return body[:at]
    # a bad CRC: the last 4 bytes of some frame, or of the prelude
    ends = [i for i in range(len(body)) if i >= 12]
    target = data.draw(st.sampled_from(ends)) if ends else 0
    return body[:target] + bytes([body[target] ^ 1]) + body[target + 1 :]


@given(frames, st.data())
def test_decoder_on_corrupted_input(parts: list[bytes], data: st.DataObject) -> None:
    body = _mutate(b"".join(parts), data)
    whole = decode([body])  # (only a ProviderFormatError is caught: anything else fails)
    assert decode(data.draw(splits(body))) == whole
    assert all(f.offset < len(body) for f in whole[0])


# -- events(provider="bedrock") ----------------------------------------------------

texts = st.text(max_size=12)


@st.composite
def converse_streams(draw: st.DrawFn) -> bytes:
    """A ConverseStream body: text, reasoning, tool calls, citations, results, unknowns."""
    out = [event("messageStart", {"role": "assistant"})]
    for index in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["text", "reasoning", "tool", "result", "odd"]))
        if kind == "tool":
            start = {"toolUse": {"toolUseId": f"t{index}", "name": draw(texts)}}
            out.append(event("contentBlockStart", {"contentBlockIndex": index, "start": start}))
        if kind == "result":
            start = {"toolResult": {"toolUseId": f"t{index}", "status": "success"}}
            out.append(event("contentBlockStart", {"contentBlockIndex": index, "start": start}))
        for piece in draw(st.lists(texts, max_size=3)):
            delta: dict[str, Any] = {
                "text": {"text": piece},
                "reasoning": {"reasoningContent": {"text": piece}},
                "tool": {"toolUse": {"input": piece}},
                "result": {"toolResult": [{"text": piece}]},
                "odd": {"citation": {"title": piece}},
            }[kind]
            out.append(event("contentBlockDelta", {"contentBlockIndex": index, "delta": delta}))
        if kind == "reasoning":
            delta = {"reasoningContent": {"signature": "sig"}}
            out.append(event("contentBlockDelta", {"contentBlockIndex": index, "delta": delta}))
        out.append(event("contentBlockStop", {"contentBlockIndex": index}))
    if draw(st.booleans()):
        out.append(exception("throttlingException", {"message": "slow"}))
    if draw(st.booleans()):
        out.append(event("futureEvent", {"x": 1}))
    if draw(st.booleans()):
        out.append(chunk({"completion": "x", "stop_reason": None}))
    out.append(event("messageStop", {"stopReason": "end_turn"}))
    out.append(event("metadata", {"usage": {"inputTokens": 1, "outputTokens": 2}}))
    return b"".join(out)


@given(converse_streams(), st.data())
def test_events_are_independent_of_the_split(body: bytes, data: st.DataObject) -> None:
    whole, error = adapt([body])
    assert error is None
    assert whole  # at least the finish and the usage
    assert adapt(data.draw(splits(body))) == (whole, None)
    assert adapt(data.draw(splits(body)), "auto") == (whole, None)


def _same(a: tuple[list[Any], Exception | None], b: tuple[list[Any], Exception | None]) -> None:
    assert a[0] == b[0]
    assert type(a[1]) is type(b[1])
    assert str(a[1]) == str(b[1])


@given(converse_streams(), st.data())
def test_events_on_corrupted_input(body: bytes, data: st.DataObject) -> None:
    body = _mutate(body, data)
    for provider in ("bedrock", "auto"):
        whole = adapt([body], provider)
        assert whole[1] is None or isinstance(whole[1], StreamopsError), repr(whole[1])
        _same(adapt(data.draw(splits(body)), provider), whole)
