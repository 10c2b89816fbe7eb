"""Write the package's own sample streams to ``streamops/samples/``.

Each sample is an answer written for this project, cut into realistic 1-4
character token chunks and wrapped as a provider's server-sent-event body (what
``curl -N`` would save): OpenAI chat-completion chunks for ``answer`` and
``report``, an Anthropic Messages stream with two tool calls for ``tools``. Run it again after
editing a text; the output is deterministic.

    python scripts/make_samples.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "streamops" / "samples"  # package data

ANSWER = """\
Streaming output changes how an application feels. A reply that starts after \
0.3 seconds feels alive; the same reply shown only when complete, after 9.5 \
seconds, feels broken. Mr. Ito, who runs the support desk at a mid-sized \
retailer (approx. 40 agents), put it this way: "Our agents stopped refreshing \
the page once they saw words appear." That is the whole argument... well, most \
of it.

There are three things to get right:
1. Never show half a word. Tokens are fragments like "stre" and "aming", so \
buffer to words or sentences first.
2. Never lose text. If the model stalls for 2.5 s, show what has arrived.
3. Stop the request when the user leaves. An abandoned stream still costs \
money, e.g. at $0.01 per 1K tokens a forgotten 32K reply costs about $0.32.

Structured output is harder. A JSON object is useless until it parses, unless \
the parser can read it while it streams! See https://www.json.org/json-en.html \
for the grammar, or write to support@example.com with questions. Is it worth \
the effort? For any answer longer than a sentence, yes.

流式输出让界面更快。用户立刻看到第一个字！
"""

REPORT = {
    "title": "A long weekend in Lisbon",
    "summary": (
        "Three unhurried days between the river and the hills: trams and "
        "viewpoints on the first day, tiles and pastries on the second, and the "
        "coast at Cascais on the third."
    ),
    "city": "Lisbon",
    "days": 3,
    "items": [
        {
            "name": "Tram 28 from Martim Moniz",
            "kind": "sight",
            "day": 1,
            "duration_min": 60,
            "cost_eur": 3.1,
            "notes": "Board at the first stop before 9:00 to get a seat.",
        },
        {
            "name": "Miradouro da Senhora do Monte",
            "kind": "sight",
            "day": 1,
            "duration_min": 30,
            "cost_eur": 0,
            "notes": "The highest viewpoint in the old town; best at sunset.",
        },
        {
            "name": "National Tile Museum",
            "kind": "museum",
            "day": 2,
            "duration_min": 120,
            "cost_eur": 8,
            "notes": "Five centuries of azulejos in a former convent.",
        },
        {
            "name": "Pasteis de Belem",
            "kind": "food",
            "day": 2,
            "duration_min": 45,
            "cost_eur": 6.5,
            "notes": "Custard tarts, warm, with cinnamon. The queue moves fast.",
        },
        {
            "name": "Train to Cascais",
            "kind": "trip",
            "day": 3,
            "duration_min": 40,
            "cost_eur": 2.3,
            "notes": "Sit on the left for the sea; trains leave Cais do Sodre every 20 min.",
        },
    ],
    "total_cost_eur": 19.9,
    "tips": [
        "Wear shoes with grip: the limestone pavements are slippery.",
        "Buy a Viva Viagem card once and top it up.",
        "Most museums close on Mondays.",
    ],
    "rating": 4.5,
}


TOOLS_TEXT = "I'll check the weather and the local time in Lisbon for you."
TOOL_CALLS = [
    ("toolu_sample_weather", "get_weather", {"city": "Lisbon", "unit": "celsius", "days": 3}),
    ("toolu_sample_time", "get_local_time", {"city": "Lisbon"}),
]


def tokens(text: str, seed: int) -> list[str]:
    """Cut text into 1-4 character pieces, preferring to start pieces at spaces."""
    rng = random.Random(seed)
    out: list[str] = []
    i = 0
    while i < len(text):
        n = rng.choice((1, 2, 3, 3, 4, 4, 4))
        space = text.find(" ", i + 1, i + n)
        if space != -1 and rng.random() < 0.7:
            n = space - i
        out.append(text[i : i + n])
        i += n
    return out


def chat_sse(pieces: list[str], *, ident: str, created: int) -> str:
    """An OpenAI chat-completion stream (SSE body) that delivers ``pieces``."""

    def chunk(delta: dict[str, object], finish: str | None = None) -> str:
        body = {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": created,
            "model": "streamops-sample",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        return "data: " + json.dumps(body, ensure_ascii=False) + "\n\n"

    frames = [chunk({"role": "assistant", "content": ""})]
    frames += [chunk({"content": piece}) for piece in pieces]
    frames.append(chunk({}, "stop"))
    usage = {
        "id": ident,
        "object": "chat.completion.chunk",
        "created": created,
        "model": "streamops-sample",
        "choices": [],
        "usage": {
            "prompt_tokens": 42,
            "completion_tokens": len(pieces),
            "total_tokens": 42 + len(pieces),
        },
    }
    frames.append("data: " + json.dumps(usage) + "\n\n")
    frames.append("data: [DONE]\n\n")
    return "".join(frames)


def anthropic_sse(text: str, calls: list[tuple[str, str, dict[str, object]]], seed: int) -> str:
    """An Anthropic Messages stream (SSE body): a text block, then one tool_use block
    per call whose input arrives as input_json_delta fragments."""

    def frame(event: str, data: dict[str, object]) -> str:
        return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

    frames = [
        frame(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_sample_tools",
                    "type": "message",
                    "role": "assistant",
                    "model": "streamops-sample",
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": 310, "output_tokens": 1},
                },
            },
        ),
        frame(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
    ]
    frames += [
        frame(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": piece},
            },
        )
        for piece in tokens(text, seed)
    ]
    frames.append(frame("content_block_stop", {"type": "content_block_stop", "index": 0}))
    for index, (ident, name, arguments) in enumerate(calls, start=1):
        block = {"type": "tool_use", "id": ident, "name": name, "input": {}}
        frames.append(
            frame(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": block},
            )
        )
        frames += [
            frame(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": "input_json_delta", "partial_json": piece},
                },
            )
            for piece in tokens(json.dumps(arguments), seed + index)
        ]
        frames.append(frame("content_block_stop", {"type": "content_block_stop", "index": index}))
    frames.append(
        frame(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                "usage": {"output_tokens": 96},
            },
        )
    )
    frames.append(frame("message_stop", {"type": "message_stop"}))
    return "".join(frames)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    samples = {
        "answer": ANSWER,
        "report": json.dumps(REPORT, indent=2, ensure_ascii=False),
    }
    for seed, (name, text) in enumerate(sorted(samples.items())):
        body = chat_sse(tokens(text, seed), ident=f"chatcmpl-sample-{name}", created=1760000000)
        (OUT / f"{name}.sse").write_text(body, encoding="utf-8")
        print(f"wrote {name}.sse: {len(text)} chars")
    (OUT / "tools.sse").write_text(anthropic_sse(TOOLS_TEXT, TOOL_CALLS, 7), encoding="utf-8")
    print("wrote tools.sse: an Anthropic stream with 2 tool calls")


if __name__ == "__main__":
    main()
