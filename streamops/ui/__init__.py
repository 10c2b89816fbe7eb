"""UI stream protocols: what front ends already speak, out of any streamops pipeline.

* :func:`to_ui_message_stream` -- the Vercel AI SDK's UI message stream (v1), for
  ``useChat`` and ``readUIMessageStream``; :func:`ui_message_stream_response` and
  :data:`UI_MESSAGE_STREAM_HEADERS` to serve it.
* :func:`to_ag_ui` -- AG-UI events (the Agent-User Interaction protocol), for
  ``@ag-ui/client`` and CopilotKit; serve it with :func:`~streamops.sse_response`.
"""

from __future__ import annotations

from ._agui import to_ag_ui as to_ag_ui
from ._vercel import UI_MESSAGE_STREAM_HEADERS as UI_MESSAGE_STREAM_HEADERS
from ._vercel import finish_reason as finish_reason
from ._vercel import to_ui_message_stream as to_ui_message_stream
from ._vercel import ui_message_stream_response as ui_message_stream_response

__all__ = [
    "UI_MESSAGE_STREAM_HEADERS",
    "finish_reason",
    "to_ag_ui",
    "to_ui_message_stream",
    "ui_message_stream_response",
]
