"""Per-chunk cost of NDJSON decoding, flat from 1 KB to 1 MB bodies.

Two bodies, cut into token-sized pieces (3 or 4 bytes, as a slow server or proxy flushes):

* an Ollama ``/api/chat`` stream: one line per token (``{"model": ..., "message":
  {"content": " word"}, "done": false}``), about 130 bytes a line, repeated to the size;
* a single line of that size (one ``response`` string), which no newline ends until the
  last chunk: the held partial line must not be searched again or copied per chunk.

Contenders: :class:`NDJSONDecoder` alone, the :func:`ndjson_events` operator (through the
async pipeline), NDJSONDecoder + :class:`OllamaAdapter` (provider events), ``ProviderAdapter``
on the raw bytes (sniffing, NDJSON, Ollama events: what ``events()`` does), and as a peer
what the ``ollama`` client does: httpx's ``LineDecoder`` over an incremental UTF-8 decoder
then ``json.loads`` per line.

GC off per timed run, one untimed warm-up, contenders interleaved in rounds, best round
kept; ``growth`` is the per-chunk cost at the largest size over the smallest (1.0x = flat).

    python -m benchmarks.ndjson_bench [--sizes 1,8,64,256,1024] [--rounds 3]
"""

from __future__ import annotations

import argparse
import codecs
import gc
import json
import time
from collections.abc import Callable

from httpx._decoders import LineDecoder

from streamops import NDJSONDecoder, drain, ndjson_events, pipe
from streamops.providers import OllamaAdapter, ProviderAdapter

WORDS = "the quick brown fox jumps over a lazy dog while streaming tokens".split()


def chat_body(size: int) -> bytes:
    lines: list[bytes] = []
    total = i = 0
    while total < size:
        line = json.dumps(
            {
                "model": "llama3",
                "created_at": "2024-05-24T20:26:46.294874Z",
                "message": {"role": "assistant", "content": " " + WORDS[i % len(WORDS)]},
                "done": False,
            },
            separators=(",", ":"),
        ).encode()
        lines.append(line + b"\n")
        total += len(line) + 1
        i += 1
    return b"".join(lines)


def one_line_body(size: int) -> bytes:
    head = b'{"model":"llama3","created_at":"t","response":"'
    tail = b'","done":false}\n'
    return head + b"x" * max(0, size - len(head) - len(tail)) + tail


def cut(body: bytes) -> list[bytes]:
    """3- and 4-byte pieces, alternating."""
    out: list[bytes] = []
    i = 0
    step = 3
    while i < len(body):
        out.append(body[i : i + step])
        i += step
        step = 7 - step
    return out


def run_decoder(chunks: list[bytes]) -> None:
    d = NDJSONDecoder()
    for chunk in chunks:
        d.feed(chunk)
    d.close()


def run_operator(chunks: list[bytes]) -> None:
    drain(pipe(chunks, ndjson_events()))


def run_decoder_ollama(chunks: list[bytes]) -> None:
    d = NDJSONDecoder()
    a = OllamaAdapter()
    for chunk in chunks:
        for value in d.feed(chunk):
            a.feed(value)
    for value in d.close():
        a.feed(value)
    a.close()


def run_provider_adapter(chunks: list[bytes]) -> None:
    a = ProviderAdapter()
    for chunk in chunks:
        a.feed(chunk)
    a.close()


def run_httpx_lines(chunks: list[bytes]) -> None:
    text = codecs.getincrementaldecoder("utf-8")()
    lines = LineDecoder()
    loads = json.loads
    for chunk in chunks:
        for line in lines.decode(text.decode(chunk)):
            if line:
                loads(line)
    for line in lines.flush():
        if line:
            loads(line)


CONTENDERS: dict[str, Callable[[list[bytes]], None]] = {
    "NDJSONDecoder": run_decoder,
    "ndjson_events()": run_operator,
    "NDJSONDecoder+Ollama": run_decoder_ollama,
    "ProviderAdapter(raw)": run_provider_adapter,
    "httpx lines+json (peer)": run_httpx_lines,
}


def timed(fn: Callable[[list[bytes]], None], chunks: list[bytes]) -> float:
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        fn(chunks)
        return time.perf_counter() - start
    finally:
        gc.enable()


def table(title: str, make: Callable[[int], bytes], sizes: list[int], rounds: int) -> None:
    rows: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    counts: list[int] = []
    for kb in sizes:
        chunks = cut(make(kb * 1024))
        counts.append(len(chunks))
        for fn in CONTENDERS.values():
            fn(chunks)  # warm-up
        best: dict[str, float] = {}
        for _ in range(rounds):
            for name, fn in CONTENDERS.items():
                per = timed(fn, chunks) / len(chunks)
                best[name] = min(best.get(name, per), per)
        for name in CONTENDERS:
            rows[name].append(best[name] * 1e6)
    print(f"{title}; microseconds per chunk; best of {rounds} rounds")
    print()
    head = " | ".join(f"{kb} KB".rjust(9) for kb in sizes)
    print(f"| {'contender':<24} | {head} | {'growth':>7} |")
    print(f"|{'-' * 26}|" + "|".join("-" * 11 for _ in sizes) + f"|{'-' * 9}|")
    chunk_cells = " | ".join(str(n).rjust(9) for n in counts)
    print(f"| {'(chunks)':<24} | {chunk_cells} | {'':>7} |")
    for name, values in rows.items():
        cells = " | ".join(f"{v:.3f}".rjust(9) for v in values)
        print(f"| {name:<24} | {cells} | {values[-1] / values[0]:>6.1f}x |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1,8,64,256,1024", help="KB, comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    table(
        "Ollama /api/chat body (one line per token), 3-4 byte chunks", chat_body, sizes, args.rounds
    )
    table("A single line of the body's size, 3-4 byte chunks", one_line_body, sizes, args.rounds)


if __name__ == "__main__":
    main()
