"""One call: a model, a schema, a typed stream, over the official SDKs (optional extras).

* :func:`stream_model` asks an ``openai``, ``anthropic`` or ``google-genai``
  client for a ``Model`` with the provider's native strict structured output
  and yields ``Partial[Model]`` snapshots, then the validated ``Model``;
* :func:`stream_items` does the same for a list, yielding each element;
* :func:`tool_definitions` builds a request's ``tools=[...]`` from a registry;
* :func:`strict_schema` is the schema they send.

The SDKs are not dependencies of streamops: install ``streamops[openai]``,
``streamops[anthropic]`` or ``streamops[gemini]``.
"""

from __future__ import annotations

from ._schema import strict_schema as strict_schema
from ._stream import AsyncModelStream as AsyncModelStream
from ._stream import ClientEvent as ClientEvent
from ._stream import ModelStream as ModelStream
from ._stream import Retry as Retry
from ._stream import SyncModelStream as SyncModelStream
from ._stream import stream_items as stream_items
from ._stream import stream_model as stream_model
from ._tools import ToolProvider as ToolProvider
from ._tools import tool_definitions as tool_definitions

__all__ = [
    "AsyncModelStream",
    "ClientEvent",
    "ModelStream",
    "Retry",
    "SyncModelStream",
    "ToolProvider",
    "stream_items",
    "stream_model",
    "strict_schema",
    "tool_definitions",
]
