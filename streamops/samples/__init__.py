"""Sample LLM streams that ship with the package, to try operators offline.

Each sample is an OpenAI chat-completion SSE body (as ``curl -N`` would save
it) of an answer written for this project by ``scripts/make_samples.py``:
``"answer"`` is prose and ``"report"`` a JSON structured answer (OpenAI chat
completions); ``"tools"`` is an Anthropic Messages stream with two tool calls.
:func:`replay` plays a sample's text back with realistic token timing.

>>> from streamops import drain, pipe
>>> from streamops.json import json_values
>>> drain(pipe(sample_chunks("report"), json_values("title")))
['A long weekend in Lisbon']
"""

from __future__ import annotations

import functools
import json
import random
from collections.abc import AsyncIterator
from importlib import resources
from typing import Literal

import anyio
import anyio.lowlevel
from pydantic import BaseModel, Field

__all__ = [
    "Trip",
    "TripStop",
    "replay",
    "sample_chunks",
    "sample_names",
    "sample_sse",
    "sample_text",
    "token_chunks",
]


class TripStop(BaseModel):
    """One stop of the ``"report"`` sample's itinerary.

    >>> from streamops import drain, items, pipe
    >>> [stop.day for stop in drain(pipe(sample_chunks("report"), items(TripStop, "items[*]")))]
    [1, 1, 2, 2, 3]
    """

    name: str
    kind: Literal["sight", "museum", "food", "trip"]
    day: int = Field(ge=1)
    duration_min: int = Field(gt=0)
    cost_eur: float = Field(ge=0)
    notes: str = ""


class Trip(BaseModel):
    """The structured answer of the ``"report"`` sample, for ``partial(Trip)``.

    >>> from streamops import drain, partial, pipe
    >>> trip = drain(pipe(sample_chunks("report"), partial(Trip)))[-1]
    >>> trip.title, len(trip.items), trip.items[0].kind
    ('A long weekend in Lisbon', 5, 'sight')
    """

    title: str
    summary: str
    city: str
    days: int
    items: list[TripStop]
    total_cost_eur: float
    tips: list[str]
    rating: float = Field(ge=0, le=5)


def token_chunks(text: str, seed: int = 0) -> list[str]:
    """Cut ``text`` into 3- and 4-character pieces, the size of an LLM's tokens.

    Deterministic for a given ``seed``: handy to feed your own text through a
    pipeline the way a model would stream it.

    >>> token_chunks("Hello, streaming world!")
    ['Hell', 'o, s', 'tre', 'amin', 'g wo', 'rld!']
    """
    rng = random.Random(seed)
    out: list[str] = []
    i = 0
    while i < len(text):
        n = rng.choice((3, 4))
        out.append(text[i : i + n])
        i += n
    return out


def sample_names() -> list[str]:
    """The names of the samples that ship with the package.

    >>> sample_names()
    ['answer', 'report', 'tools']
    """
    folder = resources.files(__name__)
    return sorted(p.name.removesuffix(".sse") for p in folder.iterdir() if p.name.endswith(".sse"))


def sample_sse(name: str) -> str:
    """The raw SSE body of a sample.

    >>> sample_sse("answer").rstrip().splitlines()[-1]
    'data: [DONE]'
    """
    if name not in sample_names():
        raise ValueError(f"no sample named {name!r}; there are {', '.join(sample_names())}")
    return (resources.files(__name__) / f"{name}.sse").read_text("utf-8")


def sample_chunks(name: str) -> list[str]:
    """The text fragments of an OpenAI chat-completion sample, in order, as sent.

    >>> "".join(sample_chunks("answer")).startswith("Streaming output")
    True
    """
    return list(_chunks(name))


@functools.cache
def _chunks(name: str) -> tuple[str, ...]:
    out: list[str] = []
    for frame in sample_sse(name).split("\n\n"):
        if not frame.startswith("data: {"):
            continue
        for choice in json.loads(frame[len("data: ") :]).get("choices", ()):
            content = choice["delta"].get("content")
            if content:
                out.append(content)
    return tuple(out)


def sample_text(name: str) -> str:
    """The whole text of a sample.

    >>> sample_text("report")[:1]
    '{'
    """
    return "".join(sample_chunks(name))


async def replay(
    name: str, *, speed: float = 1.0, first_token: float = 0.3, seed: int = 0
) -> AsyncIterator[str]:
    """Play a sample's fragments back with realistic timing.

    About 80 tokens a second with jitter and an occasional pause, after a
    ``first_token`` latency. ``speed`` multiplies the rate; ``speed=0`` plays
    with no delay (but still lets other tasks run between chunks, as a network
    read would).

    >>> from streamops import drain
    >>> "".join(drain(replay("answer", speed=0))) == sample_text("answer")
    True
    """
    rng = random.Random(seed)
    chunks = _chunks(name)
    if speed > 0:
        await anyio.sleep(first_token / speed)
    for chunk in chunks:
        if speed > 0:
            delay = rng.uniform(0.006, 0.018)
            if rng.random() < 0.02:
                delay += rng.uniform(0.1, 0.3)
            await anyio.sleep(delay / speed)
        else:
            await anyio.lowlevel.checkpoint()  # like a network read: let others run
        yield chunk
