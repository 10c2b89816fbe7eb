"""Resumable delivery: a generation written once to a log, read by any worker.

``publish(store, id)`` ends a pipeline by appending its items to a log (one per
generation); ``resume(store, id, last_event_id)`` reads it from any position,
catch-up and live tail in one loop, and ends on the log's terminal frame. The
log lives in a :class:`RedisStore` (Redis Streams; any worker serves any
reader, nothing is lost when a worker dies) or a :class:`MemoryStore` (one
process). ``spawn()`` runs a producer detached from the request that started
it; ``resume_response()`` serves a reader as server-sent events.

Contents: :func:`publish`, :func:`resume`, :func:`spawn`, :class:`Frame`,
:class:`MemoryStore`, :class:`RedisStore`, :class:`Store`,
:func:`resume_response`, :func:`last_event_id`, :data:`TERMINAL` (the events
that end a log) and :data:`CLIENT_JS` (the browser client, an ES module to
serve as a static file):

>>> sorted(TERMINAL)
['cancelled', 'done', 'error', 'producer_lost']
>>> CLIENT_JS.name, "export async function follow" in CLIENT_JS.read_text()
('resume.js', True)
"""

from __future__ import annotations

from ._publish import publish as publish
from ._publish import resume as resume
from ._publish import spawn as spawn
from ._redis import RedisStore as RedisStore
from ._store import TERMINAL as TERMINAL
from ._store import Frame as Frame
from ._store import MemoryStore as MemoryStore
from ._store import Store as Store
from ._web import CLIENT_JS as CLIENT_JS
from ._web import last_event_id as last_event_id
from ._web import resume_response as resume_response

__all__ = [
    "CLIENT_JS",
    "TERMINAL",
    "Frame",
    "MemoryStore",
    "RedisStore",
    "Store",
    "last_event_id",
    "publish",
    "resume",
    "resume_response",
    "spawn",
]
