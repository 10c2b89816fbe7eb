"""Shared fixtures: async backends, chunkings, hypothesis profiles, the corpus."""

from __future__ import annotations

import base64
import json
import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from streamops.samples import token_chunks

settings.register_profile("default", max_examples=100, deadline=None)
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=20, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None)
# CI's extra run of the fuzz targets: many examples, the same ones on every run
# (derandomized), so CI's time budget and result do not depend on luck.
settings.register_profile(
    "fuzz",
    max_examples=1000,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("STREAMOPS_CORPUS", ROOT.parent / "shared" / "corpus" / "real"))
# The second corpus (Bedrock, Ollama, Cohere, signatures, citations) sits beside the first.
MORE_CORPUS = Path(os.environ.get("STREAMOPS_CORPUS_MORE", CORPUS.parent / "more"))


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run every ``@pytest.mark.anyio`` test under asyncio and trio."""
    return str(request.param)


def split_whole(text: str) -> list[str]:
    return [text] if text else []


def split_chars(text: str) -> list[str]:
    return list(text)


def split_tokens(text: str, seed: int = 0) -> list[str]:
    """Realistic LLM-sized fragments: 3 or 4 characters each."""
    return token_chunks(text, seed)


def split_random(text: str, seed: int = 1) -> list[str]:
    """Random cut points, including empty chunks."""
    rng = random.Random(seed)
    out: list[str] = []
    i = 0
    while i < len(text):
        n = rng.randint(0, 9)
        out.append(text[i : i + n])
        i += n
    return out


CHUNKINGS: dict[str, Callable[[str], list[str]]] = {
    "whole": split_whole,
    "chars": split_chars,
    "tokens": split_tokens,
    "random": split_random,
}


@pytest.fixture(params=sorted(CHUNKINGS))
def chunking(request: pytest.FixtureRequest) -> Callable[[str], list[str]]:
    """A way of cutting a text into chunks; behavioural tests run across all of them."""
    return CHUNKINGS[str(request.param)]


def corpus_files() -> Iterator[Path]:
    """The recorded provider streams in ``../shared/corpus/real`` (tests only)."""
    if CORPUS.is_dir():
        yield from sorted(p for p in CORPUS.glob("*.json") if p.name != "index.json")


def more_corpus(provider: str | None = None) -> list[Any]:
    """pytest params, one per recording of ``../shared/corpus/more`` (of ``provider``).

    Each param is the recording's parsed JSON with ``body`` added (the bytes). Without
    the folder, a single param that skips with the reason.
    """
    if not MORE_CORPUS.is_dir():
        reason = f"the recorded corpus is not at {MORE_CORPUS} (set STREAMOPS_CORPUS_MORE)"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="no-corpus")]
    out = []
    for path in sorted(MORE_CORPUS.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if provider is None or record["provider"] == provider:
            record["body"] = base64.b64decode(record["raw_b64"])
            out.append(pytest.param(record, id=path.stem))
    return out
