"""Anthropic Messages stream events to provider events."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Final

from ..errors import ProviderFormatError
from ._base import (
    AdapterBase,
    FastPath,
    ToolCallState,
    error_event,
    first_str,
    input_tokens,
    int_or_none,
)
from ._events import (
    Citation,
    Event,
    Finished,
    ReasoningDelta,
    ReasoningSignature,
    RedactedReasoning,
    ServerToolResult,
    TextDelta,
    Unknown,
    Usage,
)
from ._sdk import ROLES, sdk_role

__all__ = ["AnthropicAdapter"]

# Content blocks that are tool calls; all but ``tool_use`` run on Anthropic's side.
_TOOL_BLOCKS: Final = frozenset({"tool_use", "server_tool_use", "mcp_tool_use"})
# Event types that need no event of their own: ``ping`` carries nothing; the others are
# the derived events of the SDK's ``messages.stream()`` helper (given as dicts), which
# repeat what the raw events said.
_QUIET: Final = frozenset({"ping", "text", "input_json", "citation", "thinking", "signature"})


def citation_event(citation: Any, raw: Any) -> Citation:
    """A :class:`Citation` from an Anthropic citation object (``char_location``,
    ``page_location``, ``content_block_location``, ``web_search_result_location``,
    ``search_result_location``): ``url`` (or a search result's ``source``), ``title``
    (or ``document_title``), ``cited_text``.

    >>> citation_event({"type": "web_search_result_location", "url": "https://a.example",
    ...                 "title": "A", "cited_text": "It is so."}, None)
    Citation(url='https://a.example', title='A', text='It is so.', choice=0)
    """
    if not isinstance(citation, Mapping):
        return Citation(data=citation, raw=raw)
    return Citation(
        first_str(citation, "url", "source"),
        first_str(citation, "title", "document_title"),
        first_str(citation, "cited_text"),
        0,
        citation,
        raw,
    )


def _anthropic_usage(usage: dict[str, Any], raw: Any) -> Usage:
    base = input_tokens(
        usage, "input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"
    )
    output = int_or_none(usage.get("output_tokens"))
    details = usage.get("output_tokens_details")
    thinking = details.get("thinking_tokens") if isinstance(details, Mapping) else None
    total = base + output if base is not None and output is not None else None
    return Usage(base, output, total, int_or_none(thinking), usage, raw)


class AnthropicAdapter(AdapterBase):
    """Anthropic Messages stream events to provider events.

    ``text_delta`` gives text, ``thinking_delta`` reasoning, ``input_json_delta``
    tool-call argument fragments. A ``tool_use`` block is a tool call whose
    ``index`` is the content-block index; ``server_tool_use`` and
    ``mcp_tool_use`` blocks are reported too, with ``server=True``. A call is
    finished by its ``content_block_stop``; a call whose block never stopped
    (``max_tokens``) is reported with ``complete=False`` at ``message_delta``.
    A call ends exactly once: a ``content_block_start`` resent for a call
    already started is ignored, and a new block at the index of one that never
    stopped reports that one as ``complete=False`` first.
    ``message_delta`` gives ``Usage`` (the ``message_start`` usage updated with
    the final counts) and ``Finished(stop_reason)``; an ``error`` event gives a
    ``ProviderError``. The stream has ended (:attr:`ended`) at ``message_stop``
    or at a ``message_delta`` with a ``stop_reason`` (after which the answer is
    whole); a body cut before both ends with ``Finished(None, complete=False)``.

    The rest of the vocabulary: ``signature_delta`` gives a
    ``ReasoningSignature`` (after the thinking it signs; a ``thinking`` block
    whose start already carries a non-empty ``signature`` gives it at the
    block's ``content_block_stop``); a ``redacted_thinking`` block a
    ``RedactedReasoning(data)``; ``citations_delta`` (and the ``citations`` of a
    text block's start) a ``Citation`` each; every ``*_tool_result`` block
    (``web_search_tool_result``, ``web_fetch_tool_result``,
    ``code_execution_tool_result``, ``bash_code_execution_tool_result``,
    ``text_editor_code_execution_tool_result``, ``mcp_tool_result`` ...) a
    ``ServerToolResult(tool_use_id, block type, content)``. Event, block and
    delta types this version does not know give ``Unknown`` (the type, and the
    whole event as ``payload``). ``ping`` events (they carry nothing) and the
    derived events of the SDK's ``messages.stream()`` helper (``text``,
    ``input_json``, ``citation``, ``signature`` ..., which repeat the raw events)
    are ignored.

    >>> a = AnthropicAdapter()
    >>> a.feed({"type": "content_block_start", "index": 0,
    ...         "content_block": {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}})
    [ToolCallStarted(index=0, id='toolu_1', name='f', choice=0, server=False)]
    >>> a.feed({"type": "content_block_delta", "index": 0,
    ...         "delta": {"type": "input_json_delta", "partial_json": '{"x": 1}'}})
    [ToolCallDelta(index=0, text='{"x": 1}', choice=0, partial_args=None, id='toolu_1', name='f')]
    >>> a.feed({"type": "content_block_stop", "index": 0})
    [ToolCallDone(index=0, id='toolu_1', name='f', arguments='{"x": 1}', parsed={'x': 1},
                  choice=0, server=False, complete=True)]
    """

    __slots__ = (
        "_blocks",
        "_ended",
        "_finished",
        "_initial",
        "_signatures",
        "_usage",
        "_usage_sent",
    )

    def __init__(self) -> None:
        super().__init__()
        self._blocks: dict[int, ToolCallState] = {}
        self._ended: set[str] = set()  # the ids of the calls finished
        self._initial: dict[int, str] = {}
        self._signatures: dict[int, str] = {}  # a thinking block's signature sent at its start
        self._usage: dict[str, Any] = {}
        self._usage_sent = False
        self._finished = False

    def _payload(self, payload: Mapping[str, Any], event: str | None, raw: Any) -> list[Event]:
        kind = payload.get("type") or event
        out: list[Event] = []
        if kind == "content_block_delta":
            delta = payload.get("delta")
            if delta.__class__ is not dict and not isinstance(delta, Mapping):
                return out
            dkind = delta.get("type")
            if dkind == "text_delta":
                text = delta.get("text")
                if text and isinstance(text, str):
                    out.append(TextDelta(text, 0, raw))
            elif dkind == "input_json_delta":
                fragment = delta.get("partial_json")
                if fragment and isinstance(fragment, str):
                    index = payload.get("index")
                    call = self._blocks.get(index) if isinstance(index, int) else None
                    if call is None:
                        raise ProviderFormatError(
                            f"input_json_delta for content block {index!r}, which is not "
                            "an open tool_use block",
                            payload=payload,
                        )
                    out.append(call.delta(fragment, raw))
            elif dkind == "thinking_delta":
                thought = delta.get("thinking")
                if thought and isinstance(thought, str):
                    out.append(ReasoningDelta(thought, 0, raw))
            elif dkind == "signature_delta":
                signature = delta.get("signature")
                if signature and isinstance(signature, str):
                    out.append(ReasoningSignature(signature, 0, raw))
            elif dkind == "citations_delta":
                out.append(citation_event(delta.get("citation"), raw))
            else:
                out.append(Unknown(dkind if isinstance(dkind, str) else "", payload, raw))
        elif kind == "content_block_start":
            self._block_start(payload, raw, out)
        elif kind == "content_block_stop":
            index = payload.get("index")
            call = self._blocks.pop(index, None) if isinstance(index, int) else None
            if call is not None:
                self._finish(call, raw, out, complete=True)
            elif self._signatures and isinstance(index, int):
                signature = self._signatures.pop(index, None)
                if signature is not None:
                    out.append(ReasoningSignature(signature, 0, raw))
        elif kind == "message_delta":
            self._close_blocks(raw, out)
            self._flush_signatures(raw, out)
            usage = payload.get("usage")
            if isinstance(usage, Mapping):
                self._usage.update((k, v) for k, v in usage.items() if v is not None)
                self._usage_sent = True
                out.append(_anthropic_usage(dict(self._usage), raw))
            delta = payload.get("delta")
            reason = delta.get("stop_reason") if isinstance(delta, Mapping) else None
            if reason is not None:
                self.ended = True  # the answer is whole; message_stop only follows
                if not self._finished:
                    self._finished = True
                    out.append(Finished(reason, 0, raw=raw))
        elif kind == "message_start":
            message = payload.get("message")
            usage = message.get("usage") if isinstance(message, Mapping) else None
            if isinstance(usage, Mapping):
                self._usage = dict(usage)
        elif kind == "message_stop":
            self.ended = True
            self._close_blocks(raw, out)
            self._flush_signatures(raw, out)
        elif kind == "error":
            error = payload.get("error")
            out.append(error_event(error if isinstance(error, Mapping) else payload, raw))
        elif kind not in _QUIET:
            out.append(Unknown(kind if isinstance(kind, str) else "", payload, raw))
        return out

    def _block_start(self, payload: Mapping[str, Any], raw: Any, out: list[Event]) -> None:
        block = payload.get("content_block")
        index = payload.get("index")
        if not isinstance(block, Mapping) or not isinstance(index, int):
            return
        kind = block.get("type")
        if kind == "text":
            text = block.get("text")
            if text and isinstance(text, str):
                out.append(TextDelta(text, 0, raw))
            citations = block.get("citations")
            if citations and isinstance(citations, list):
                out.extend(citation_event(c, raw) for c in citations)
        elif kind == "thinking":
            thought = block.get("thinking")
            if thought and isinstance(thought, str):
                out.append(ReasoningDelta(thought, 0, raw))
            signature = block.get("signature")
            if signature and isinstance(signature, str):
                # Sent after the block's thinking (at its content_block_stop), as a
                # signature_delta would be.
                self._signatures[index] = signature
        elif kind == "redacted_thinking":
            data = block.get("data")
            out.append(RedactedReasoning(data if isinstance(data, str) else "", 0, raw))
        elif isinstance(kind, str) and kind.endswith("_tool_result"):
            call_id = block.get("tool_use_id")
            out.append(
                ServerToolResult(
                    call_id if isinstance(call_id, str) else None,
                    kind,
                    block.get("content"),
                    0,
                    raw,
                )
            )
        elif kind in _TOOL_BLOCKS:
            call_id = block.get("id")
            if not isinstance(call_id, str):
                call_id = None
            old = self._blocks.get(index)
            if call_id is not None and (
                call_id in self._ended or (old is not None and old.id == call_id)
            ):
                return  # the start of a block already started, resent: one call, one end
            if old is not None:  # a new block where one never stopped: that one is cut off
                del self._blocks[index]
                self._finish(old, raw, out, complete=False)
            name = block.get("name")
            call = ToolCallState(
                index, call_id, name if isinstance(name, str) else "", server=kind != "tool_use"
            )
            self._blocks[index] = call
            given = block.get("input")
            if given:  # an input sent whole at the start (no input_json_delta follows)
                self._initial[index] = json.dumps(given, separators=(",", ":"), ensure_ascii=False)
            out.append(call.started(raw))
        else:
            out.append(Unknown(kind if isinstance(kind, str) else "", payload, raw))

    def _flush_signatures(self, raw: Any, out: list[Event]) -> None:
        """The signatures of thinking blocks that never stopped (a cut stream)."""
        if self._signatures:
            out.extend(ReasoningSignature(sig, 0, raw) for sig in self._signatures.values())
            self._signatures.clear()

    def _finish(self, call: ToolCallState, raw: Any, out: list[Event], *, complete: bool) -> None:
        if call.id is not None:
            self._ended.add(call.id)
        initial = self._initial.pop(call.index, None)
        if initial is not None and not call.parts:
            out.append(call.delta(initial, raw))
        out.append(call.finish(raw, complete=complete))

    def _close_blocks(self, raw: Any, out: list[Event]) -> None:
        for call in self._blocks.values():
            self._finish(call, raw, out, complete=False)
        self._blocks.clear()

    def close(self) -> list[Event]:
        """End of stream: unfinished calls (``complete=False``), and the usage of
        ``message_start`` if no ``message_delta`` ever reported the final one."""
        out: list[Event] = []
        self._close_blocks(None, out)
        self._flush_signatures(None, out)
        if self._usage and not self._usage_sent:
            self._usage_sent = True
            out.append(_anthropic_usage(dict(self._usage), None))
        self.closed = True
        return out

    # -- the SDK's RawContentBlockDeltaEvent, read without model_dump (see _sdk) --------

    def _fast_delta(self, item: Any) -> list[Event] | None:
        """The events of a ``content_block_delta`` event object, as :meth:`_payload` gives
        them for its dump; ``None`` (nothing changed) when the attributes cannot say."""
        try:
            # (Extra fields do not matter: the classes declare all that the adapter reads.)
            if item.type != "content_block_delta":
                return None
            delta = item.delta
            cls = delta.__class__
            role = ROLES.get(cls)
            if role is None:
                role = sdk_role(cls)
            if role == "anthropic.input_json_delta":
                fragment = delta.partial_json
                if delta.type != "input_json_delta" or fragment.__class__ is not str:
                    return None
                if not fragment:
                    return []
                index = item.index
                call = self._blocks.get(index) if index.__class__ is int else None
                if call is None:
                    return None  # the dict path raises, with the payload
                return [call.delta(fragment, item)]
            if role == "anthropic.text_delta":
                text = delta.text
                if delta.type != "text_delta" or text.__class__ is not str:
                    return None
                return [TextDelta(text, 0, item)] if text else []
            if role == "anthropic.thinking_delta":
                thought = delta.thinking
                if delta.type != "thinking_delta" or thought.__class__ is not str:
                    return None
                return [ReasoningDelta(thought, 0, item)] if thought else []
        except AttributeError:
            pass
        return None

    _FAST: ClassVar[dict[str, FastPath]] = {"anthropic.block_delta": _fast_delta}
