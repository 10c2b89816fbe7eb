"""streamops: composable async-iterator operators for LLM token streams."""

from __future__ import annotations

from ._core import Operator as Operator
from ._core import Source as Source
from ._core import Stream as Stream
from ._core import drain as drain
from ._core import iterate as iterate
from ._core import operator as operator
from ._core import pipe as pipe
from ._core import stream as stream
from .errors import DepthLimitError as DepthLimitError
from .errors import IncompleteJSONError as IncompleteJSONError
from .errors import JSONStreamError as JSONStreamError
from .errors import SSEError as SSEError
from .errors import StreamopsError as StreamopsError
from .errors import StreamTimeoutError as StreamTimeoutError
from .errors import StreamValidationError as StreamValidationError
from .errors import ToolCallError as ToolCallError
from .flow import SSE_HEADERS as SSE_HEADERS
from .flow import Collected as Collected
from .flow import Gap as Gap
from .flow import buffer as buffer
from .flow import collect as collect
from .flow import merge as merge
from .flow import sse_response as sse_response
from .flow import tee as tee
from .flow import throttle as throttle
from .flow import timeout as timeout
from .flow import to_sse as to_sse
from .text import chunks as chunks
from .text import lines as lines
from .text import paragraphs as paragraphs
from .text import sentences as sentences
from .text import words as words

__version__ = "0.1.0"

__all__ = [
    "SSE_HEADERS",
    "Collected",
    "DepthLimitError",
    "Gap",
    "IncompleteJSONError",
    "JSONStreamError",
    "Operator",
    "SSEError",
    "Source",
    "Stream",
    "StreamTimeoutError",
    "StreamValidationError",
    "StreamopsError",
    "ToolCallError",
    "buffer",
    "chunks",
    "collect",
    "drain",
    "iterate",
    "lines",
    "merge",
    "operator",
    "paragraphs",
    "pipe",
    "sentences",
    "sse_response",
    "stream",
    "tee",
    "throttle",
    "timeout",
    "to_sse",
    "words",
]
