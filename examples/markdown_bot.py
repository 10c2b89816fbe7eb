"""A chat bot that posts a streamed answer as messages, editing the one in progress.

Chat platforms limit a message's size (Telegram 4096 characters, Discord 2000)
and how often a message may be edited, and reject broken Markdown.
``message_chunks(max_chars)`` yields ``Pending`` for the message in progress
(``healed``: valid Markdown to send as an edit) and ``Committed`` when a message
is full: a new message is then started. Edits of a pending message are skipped
while the rate limit is in force (the next one carries the latest text); a
committed message always gets its final edit, waiting for the limit if needed.

Offline: a fake chat API and the package's sample answer.

    python examples/markdown_bot.py [--max-chars 300] [--edit-interval 0.2] [--speed 1]
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field

import anyio

from streamops import Committed, MessageChunker, message_chunks, pipe
from streamops.samples import replay, sample_text


class RateLimitedError(Exception):
    """The fake API refused an edit: too soon after the previous one."""


@dataclass
class FakeChat:
    """A chat API with a message size limit and a minimum interval between edits."""

    max_chars: int
    edit_interval: float
    messages: list[str] = field(default_factory=list)
    edits: int = 0
    _last_edit: float = float("-inf")

    async def post(self, text: str) -> int:
        assert len(text) <= self.max_chars, "message too long"
        self.messages.append(text)
        self._last_edit = anyio.current_time()
        return len(self.messages) - 1

    async def edit(self, message_id: int, text: str) -> None:
        assert len(text) <= self.max_chars, "message too long"
        now = anyio.current_time()
        if now - self._last_edit < self.edit_interval:
            raise RateLimitedError
        self._last_edit = now
        self.edits += 1
        self.messages[message_id] = text

    def wait(self) -> float:
        """Seconds until an edit is allowed again."""
        return max(0.0, self._last_edit + self.edit_interval - anyio.current_time())


async def run_bot(chat: FakeChat, speed: float) -> None:
    """Stream the sample answer into ``chat``, one message per ``message_chunks`` message."""
    current: int | None = None  # the id of the message in progress
    async with pipe(replay("answer", speed=speed), message_chunks(chat.max_chars)) as items:
        async for item in items:
            text = item.text if isinstance(item, Committed) else item.healed
            if not text.strip():
                continue
            if current is None:
                current = await chat.post(text)
            elif isinstance(item, Committed):
                await anyio.sleep(chat.wait())  # the final text of a message is never skipped
                await chat.edit(current, text)
            else:
                try:
                    await chat.edit(current, text)
                except RateLimitedError:
                    pass  # skipped: the next edit carries the latest text
            if isinstance(item, Committed):
                current = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-chars", type=int, default=300)
    parser.add_argument("--edit-interval", type=float, default=0.2)
    default_speed = float(os.environ.get("STREAMOPS_DEMO_SPEED", "1"))
    parser.add_argument("--speed", type=float, default=default_speed)
    args = parser.parse_args()
    chat = FakeChat(args.max_chars, args.edit_interval)
    anyio.run(run_bot, chat, args.speed)
    for i, message in enumerate(chat.messages, 1):
        print(f"--- message {i} ({len(message)} chars)")
        print(message)
    whole = MessageChunker.join(chat.messages) == sample_text("answer")
    print(f"--- {len(chat.messages)} messages, {chat.edits} edits, whole answer: {whole}")


if __name__ == "__main__":
    main()
