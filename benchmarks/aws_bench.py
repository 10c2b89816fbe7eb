"""Cost per input chunk of the AWS event-stream decoder, alone and under
``events(provider="bedrock")``, from a 1 KB to a 1 MB body.

The body is a Bedrock ``ConverseStream`` of token-sized frames (one
``contentBlockDelta`` of a few characters each, about 130 bytes a frame, as the
recordings show), cut into network-sized chunks that split frames anywhere.
Each contender runs on the sync core (no event loop): ``AWSEventDecoder.feed``,
``ProviderAdapter("bedrock").feed`` (decoder + adapter), and botocore's
``EventStreamBuffer`` as a peer. GC is off during each timed run, one untimed
warm-up precedes, contenders are interleaved in rounds and the best run kept.
``growth`` is the per-chunk cost at that size over the per-chunk cost at 1 KB:
flat (about 1) means linear time.

    python benchmarks/aws_bench.py [--rounds 5] [--chunk 64]

(from the repository root, with the checkout first on ``sys.path``: ``PYTHONPATH=.``)
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections.abc import Callable

from botocore.eventstream import EventStreamBuffer

from streamops.providers import AWSEventDecoder, ProviderAdapter, encode_aws_event

SIZES = {"1 KB": 1024, "8 KB": 8 * 1024, "32 KB": 32 * 1024, "128 KB": 128 * 1024, "1 MB": 2**20}
HEADERS = {
    ":event-type": "contentBlockDelta",
    ":content-type": "application/json",
    ":message-type": "event",
}


def body_of(size: int, seed: int = 0) -> bytes:
    """A ConverseStream body of about ``size`` bytes of token-sized text frames."""
    rng = random.Random(seed)
    words = ["the", " cat", " sat", " on", " a", " mat", ",", " and", " then", " slept", "."]
    frames = [encode_aws_event({**HEADERS, ":event-type": "messageStart"}, b'{"role":"x"}')]
    total = len(frames[0])
    while total < size:
        token = rng.choice(words)
        payload = b'{"contentBlockIndex":0,"delta":{"text":"%s"}}' % token.encode()
        frame = encode_aws_event(HEADERS, payload)
        frames.append(frame)
        total += len(frame)
    return b"".join(frames)


def chunks_of(body: bytes, size: int) -> list[bytes]:
    return [body[i : i + size] for i in range(0, len(body), size)]


def run_decoder(chunks: list[bytes]) -> int:
    decoder = AWSEventDecoder()
    n = 0
    for piece in chunks:
        n += len(decoder.feed(piece))
    decoder.close()
    return n


def run_events(chunks: list[bytes]) -> int:
    adapter = ProviderAdapter("bedrock")
    n = 0
    for piece in chunks:
        n += len(adapter.feed(piece))
    n += len(adapter.close())
    return n


def run_botocore(chunks: list[bytes]) -> int:
    buffer = EventStreamBuffer()
    n = 0
    for piece in chunks:
        buffer.add_data(piece)
        for _ in buffer:
            n += 1
    return n


CONTENDERS: dict[str, Callable[[list[bytes]], int]] = {
    "AWSEventDecoder": run_decoder,
    'events("bedrock")': run_events,
    "botocore EventStreamBuffer (peer)": run_botocore,
}


def timed(fn: Callable[[list[bytes]], int], chunks: list[bytes], times: int) -> float:
    """Seconds per stream: ``times`` fresh streams in one timed run (small bodies are
    repeated so that every run lasts long enough for the clock)."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(times):
            fn(chunks)
        return (time.perf_counter() - start) / times
    finally:
        gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--chunk",
        type=int,
        default=64,
        help="bytes per network chunk (below 1024, so every size has whole chunks to compare)",
    )
    args = parser.parse_args()

    inputs = {name: chunks_of(body_of(size), args.chunk) for name, size in SIZES.items()}
    best: dict[tuple[str, str], float] = {}
    for chunks in inputs.values():  # warm-up, untimed
        for fn in CONTENDERS.values():
            fn(chunks)
    for _ in range(args.rounds):
        for size, chunks in inputs.items():
            times = max(1, SIZES["1 MB"] // SIZES[size])
            for label, fn in CONTENDERS.items():
                elapsed = timed(fn, chunks, times)
                key = (label, size)
                best[key] = min(best.get(key, elapsed), elapsed)

    print(f"{args.chunk}-byte chunks, token-sized frames; best of {args.rounds} rounds")
    print(f"{'contender':<36}{'size':>8}{'chunks':>9}{'frames':>8}{'ns/chunk':>10}{'growth':>8}")
    for label in CONTENDERS:
        first = None
        for size, chunks in inputs.items():
            per_chunk = best[(label, size)] / len(chunks) * 1e9
            first = first or per_chunk
            frames = run_decoder(chunks)
            print(
                f"{label:<36}{size:>8}{len(chunks):>9}{frames:>8}"
                f"{per_chunk:>10.0f}{per_chunk / first:>8.2f}"
            )


if __name__ == "__main__":
    main()
