"""Building Bedrock streams for tests, with the library's own encoder."""

from __future__ import annotations

import base64
import itertools
import json
from typing import Any

from streamops import ProviderEvent, ProviderFormatError
from streamops.providers import AWSEventDecoder, ProviderAdapter, encode_aws_event


def event(event_type: str, body: Any) -> bytes:
    """An event frame as Bedrock sends it (JSON payload)."""
    return encode_aws_event(
        {
            ":event-type": event_type,
            ":content-type": "application/json",
            ":message-type": "event",
        },
        json.dumps(body).encode(),
    )


def exception(exception_type: str, body: Any) -> bytes:
    """An exception frame (``throttlingException`` ...)."""
    return encode_aws_event(
        {
            ":exception-type": exception_type,
            ":content-type": "application/json",
            ":message-type": "exception",
        },
        json.dumps(body).encode(),
    )


def chunk(inner: Any) -> bytes:
    """An ``InvokeModelWithResponseStream`` chunk holding a model's own JSON."""
    data = base64.b64encode(json.dumps(inner).encode()).decode()
    return event("chunk", {"bytes": data})


def split_at(body: bytes, cuts: list[int]) -> list[bytes]:
    """``body`` cut at the (sorted, deduplicated) positions ``cuts``."""
    points = [0, *sorted({c for c in cuts if 0 < c < len(body)}), len(body)]
    return [body[a:b] for a, b in itertools.pairwise(points)]


def decode(chunks: list[bytes]) -> tuple[list[Any], str | None]:
    """The frames an :class:`AWSEventDecoder` gives for ``chunks``, and the error after
    them (``"message @ offset"``) or ``None``."""
    decoder = AWSEventDecoder()
    out: list[Any] = []
    try:
        for piece in chunks:
            out.extend(decoder.feed(piece))
        out.extend(decoder.close())
    except ProviderFormatError as exc:
        return out, f"{exc} @ {exc.offset}"
    return out, None


def adapt(
    chunks: list[Any], provider: str = "bedrock"
) -> tuple[list[ProviderEvent], Exception | None]:
    """What ``events(provider=...)`` gives for ``chunks`` (its sync core, driven the way
    the operator drives it), and the exception raised after those events, if any."""
    adapter = ProviderAdapter(provider)  # type: ignore[arg-type]
    out: list[ProviderEvent] = []
    try:
        for piece in chunks:
            out.extend(adapter.feed(piece))
            if adapter.done:
                break
        out.extend(adapter.close())
        adapter.close()
    except Exception as exc:  # the caller checks the type
        return out, exc
    return out, None
