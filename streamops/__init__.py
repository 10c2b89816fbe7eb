"""streamops: composable async-iterator operators for LLM token streams.

Every operator is importable from ``streamops`` itself::

    from streamops import pipe, text, words, partial, tool_calls

Families: text (``words``, ``sentences``, ``lines``, ``paragraphs``,
``markdown_blocks`` ...), JSON (:mod:`streamops.json`), partial Pydantic models
(:mod:`streamops.models`), tool calls (:mod:`streamops.tools`), providers
(:mod:`streamops.providers`: SDK streams and raw bodies to one event vocabulary;
``text()`` keeps the answer text), flow (:mod:`streamops.flow`: tee, collect,
buffer, throttle, timeout, merge, SSE out), delivery (:mod:`streamops.delivery`),
the UI protocols (:mod:`streamops.ui`: the Vercel AI SDK UI message stream and
AG-UI), and the core (``pipe``, ``stream``, ``operator``, ``iterate``, ``drain``).
"""

from __future__ import annotations

from ._browser import RESUME_HEADER as RESUME_HEADER
from ._browser import browser_client_path as browser_client_path
from ._browser import browser_client_response as browser_client_response
from ._core import ChunkCore as ChunkCore
from ._core import Operator as Operator
from ._core import SameOperator as SameOperator
from ._core import Source as Source
from ._core import Stream as Stream
from ._core import chunk_operator as chunk_operator
from ._core import drain as drain
from ._core import iterate as iterate
from ._core import operator as operator
from ._core import pipe as pipe
from ._core import stream as stream
from ._model_patches import FinalPatch as FinalPatch
from ._model_patches import ModelPatchBuilder as ModelPatchBuilder
from ._model_patches import model_patches as model_patches
from ._text import INCOMPLETE_LINK as INCOMPLETE_LINK
from ._text import BlockKind as BlockKind
from ._text import BlockSplitter as BlockSplitter
from ._text import ChunkBuffer as ChunkBuffer
from ._text import Committed as Committed
from ._text import GraphemeBuffer as GraphemeBuffer
from ._text import LineBuffer as LineBuffer
from ._text import MessageChunker as MessageChunker
from ._text import Pace as Pace
from ._text import Pacer as Pacer
from ._text import ParagraphBuffer as ParagraphBuffer
from ._text import Pending as Pending
from ._text import SentenceBuffer as SentenceBuffer
from ._text import TextBuffer as TextBuffer
from ._text import WordBuffer as WordBuffer
from ._text import chunks as chunks
from ._text import graphemes as graphemes
from ._text import heal_markdown as heal_markdown
from ._text import lines as lines
from ._text import markdown_blocks as markdown_blocks
from ._text import message_chunks as message_chunks
from ._text import paragraphs as paragraphs
from ._text import sentences as sentences
from ._text import smooth as smooth
from ._text import words as words
from .clients import AsyncModelStream as AsyncModelStream
from .clients import ModelStream as ModelStream
from .clients import Retry as Retry
from .clients import SyncModelStream as SyncModelStream
from .clients import stream_items as stream_items
from .clients import stream_model as stream_model
from .clients import tool_definitions as tool_definitions
from .delivery import MemoryStore as MemoryStore
from .delivery import RedisStore as RedisStore
from .delivery import publish as publish
from .delivery import resume as resume
from .errors import DeliveryError as DeliveryError
from .errors import DepthLimitError as DepthLimitError
from .errors import IncompleteJSONError as IncompleteJSONError
from .errors import IncompleteStreamError as IncompleteStreamError
from .errors import JSONStreamError as JSONStreamError
from .errors import LeaseLostError as LeaseLostError
from .errors import ProviderFormatError as ProviderFormatError
from .errors import ProviderStreamError as ProviderStreamError
from .errors import RefusalError as RefusalError
from .errors import SSEError as SSEError
from .errors import StreamExistsError as StreamExistsError
from .errors import StreamNotFoundError as StreamNotFoundError
from .errors import StreamopsError as StreamopsError
from .errors import StreamTimeoutError as StreamTimeoutError
from .errors import StreamTooLargeError as StreamTooLargeError
from .errors import StreamValidationError as StreamValidationError
from .errors import ToolCallError as ToolCallError
from .errors import TruncatedOutputError as TruncatedOutputError
from .errors import format_path as format_path
from .flow import SSE_HEADERS as SSE_HEADERS
from .flow import BufferOperator as BufferOperator
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
from .json import JSONParser as JSONParser
from .json import PatchBuilder as PatchBuilder
from .json import PathMatcher as PathMatcher
from .json import SnapshotBuilder as SnapshotBuilder
from .json import json_events as json_events
from .json import json_items as json_items
from .json import json_patches as json_patches
from .json import json_snapshots as json_snapshots
from .json import json_string as json_string
from .json import json_values as json_values
from .models import FieldEvent as FieldEvent
from .models import ItemHydrator as ItemHydrator
from .models import ModelHydrator as ModelHydrator
from .models import Partial as Partial
from .models import field_events as field_events
from .models import items as items
from .models import partial as partial
from .models import partial_model as partial_model
from .providers import AWSEvent as AWSEvent
from .providers import AWSEventDecoder as AWSEventDecoder
from .providers import Citation as Citation
from .providers import Event as ProviderEvent
from .providers import Finished as Finished
from .providers import NDJSONDecoder as NDJSONDecoder
from .providers import ProviderError as ProviderError
from .providers import ReasoningDelta as ReasoningDelta
from .providers import ReasoningSignature as ReasoningSignature
from .providers import RedactedReasoning as RedactedReasoning
from .providers import Refusal as Refusal
from .providers import ServerToolResult as ServerToolResult
from .providers import ServerToolUpdate as ServerToolUpdate
from .providers import SSEDecoder as SSEDecoder
from .providers import SSEEvent as SSEEvent
from .providers import TextDelta as TextDelta
from .providers import ThinkTagSplitter as ThinkTagSplitter
from .providers import ToolCallDelta as ToolCallDelta
from .providers import ToolCallDone as ToolCallDone
from .providers import ToolCallStarted as ToolCallStarted
from .providers import ToolPlanDelta as ToolPlanDelta
from .providers import Unknown as Unknown
from .providers import Usage as Usage
from .providers import aws_events as aws_events
from .providers import encode_aws_event as encode_aws_event
from .providers import events as events
from .providers import ndjson_events as ndjson_events
from .providers import sse_events as sse_events
from .providers import text as text
from .providers import think_tags as think_tags
from .providers import to_message as to_message
from .providers import tool_messages as tool_messages
from .tools import ToolCallAssembler as ToolCallAssembler
from .tools import ToolCallFailed as ToolCallFailed
from .tools import ToolResult as ToolResult
from .tools import run_tools as run_tools
from .tools import tool_calls as tool_calls
from .tools import tool_model as tool_model
from .ui import UI_MESSAGE_STREAM_HEADERS as UI_MESSAGE_STREAM_HEADERS
from .ui import to_ag_ui as to_ag_ui
from .ui import to_ui_message_stream as to_ui_message_stream
from .ui import ui_message_stream_response as ui_message_stream_response

__version__ = "0.1.0"

__all__ = [
    "INCOMPLETE_LINK",
    "RESUME_HEADER",
    "SSE_HEADERS",
    "UI_MESSAGE_STREAM_HEADERS",
    "AWSEvent",
    "AWSEventDecoder",
    "AsyncModelStream",
    "BlockKind",
    "BlockSplitter",
    "BufferOperator",
    "ChunkBuffer",
    "ChunkCore",
    "Citation",
    "Collected",
    "Committed",
    "DeliveryError",
    "DepthLimitError",
    "FieldEvent",
    "FinalPatch",
    "Finished",
    "Gap",
    "GraphemeBuffer",
    "IncompleteJSONError",
    "IncompleteStreamError",
    "ItemHydrator",
    "JSONParser",
    "JSONStreamError",
    "LeaseLostError",
    "LineBuffer",
    "MemoryStore",
    "MessageChunker",
    "ModelHydrator",
    "ModelPatchBuilder",
    "ModelStream",
    "NDJSONDecoder",
    "Operator",
    "Pace",
    "Pacer",
    "ParagraphBuffer",
    "Partial",
    "PatchBuilder",
    "PathMatcher",
    "Pending",
    "ProviderError",
    "ProviderEvent",
    "ProviderFormatError",
    "ProviderStreamError",
    "ReasoningDelta",
    "ReasoningSignature",
    "RedactedReasoning",
    "RedisStore",
    "Refusal",
    "RefusalError",
    "Retry",
    "SSEDecoder",
    "SSEError",
    "SSEEvent",
    "SameOperator",
    "SentenceBuffer",
    "ServerToolResult",
    "ServerToolUpdate",
    "SnapshotBuilder",
    "Source",
    "Stream",
    "StreamExistsError",
    "StreamNotFoundError",
    "StreamTimeoutError",
    "StreamTooLargeError",
    "StreamValidationError",
    "StreamopsError",
    "SyncModelStream",
    "TextBuffer",
    "TextDelta",
    "ThinkTagSplitter",
    "ToolCallAssembler",
    "ToolCallDelta",
    "ToolCallDone",
    "ToolCallError",
    "ToolCallFailed",
    "ToolCallStarted",
    "ToolPlanDelta",
    "ToolResult",
    "TruncatedOutputError",
    "Unknown",
    "Usage",
    "WordBuffer",
    "aws_events",
    "browser_client_path",
    "browser_client_response",
    "buffer",
    "chunk_operator",
    "chunks",
    "collect",
    "drain",
    "encode_aws_event",
    "events",
    "field_events",
    "format_path",
    "graphemes",
    "heal_markdown",
    "items",
    "iterate",
    "json_events",
    "json_items",
    "json_patches",
    "json_snapshots",
    "json_string",
    "json_values",
    "lines",
    "markdown_blocks",
    "merge",
    "message_chunks",
    "model_patches",
    "ndjson_events",
    "operator",
    "paragraphs",
    "partial",
    "partial_model",
    "pipe",
    "publish",
    "resume",
    "run_tools",
    "sentences",
    "smooth",
    "sse_events",
    "sse_response",
    "stream",
    "stream_items",
    "stream_model",
    "tee",
    "text",
    "think_tags",
    "throttle",
    "timeout",
    "to_ag_ui",
    "to_message",
    "to_sse",
    "to_ui_message_stream",
    "tool_calls",
    "tool_definitions",
    "tool_messages",
    "tool_model",
    "ui_message_stream_response",
    "words",
]
