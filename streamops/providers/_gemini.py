"""Google Gemini ``streamGenerateContent`` chunks to provider events."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any, Final

from ..errors import ProviderFormatError
from ._base import AdapterBase, ToolCallState, cut_markers, error_event, first_str, int_or_none
from ._events import (
    Citation,
    Event,
    Finished,
    ReasoningDelta,
    ReasoningSignature,
    ServerToolResult,
    TextDelta,
    Unknown,
    Usage,
)

__all__ = ["GeminiAdapter"]

_segment = re.compile(
    r"""\.([^.\[\]]+)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]"""
).match
_VALUE_KEYS: Final = ("stringValue", "numberValue", "boolValue", "nullValue")
# The keys of a part this adapter reads or that describe the part (not content of their
# own); any other key (``inlineData``, ``fileData`` ...) is a kind of part given as Unknown.
_PART_KEYS: Final = frozenset(
    {
        "text",
        "thought",
        "thoughtSignature",
        "functionCall",
        "executableCode",
        "codeExecutionResult",
        "toolCall",
        "toolResponse",
        "partMetadata",
        "videoMetadata",
        "mediaResolution",
    }
)
# Server-side results in a part: the part key, and the server call it answers.
_RESULT_KEYS: Final = ("codeExecutionResult", "toolResponse")


def _key(value: Any) -> str:
    """A value's canonical JSON: what tells a repeated citation source from a new one."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)


def _signature(value: Any) -> str | None:
    """A ``thoughtSignature``: base64 text (the google-genai SDK holds it as bytes)."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii") if value else None
    return value if value and isinstance(value, str) else None


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _parse_path(path: Any) -> list[str | int]:
    """``"$.a.b[2]['c d']"`` -> ``["a", "b", 2, "c d"]``."""
    if not isinstance(path, str) or not path.startswith("$"):
        raise ProviderFormatError(f"unsupported partialArgs jsonPath {path!r}", payload=path)
    out: list[str | int] = []
    pos = 1
    while pos < len(path):
        m = _segment(path, pos)
        if m is None:
            raise ProviderFormatError(f"unsupported partialArgs jsonPath {path!r}", payload=path)
        key, index, single, double = m.groups()
        if index is not None:
            out.append(int(index))
        else:
            quoted = single if single is not None else double
            out.append(key if quoted is None else re.sub(r"\\(.)", r"\1", quoted))
        pos = m.end()
    return out


def _get(node: Any, key: str | int) -> Any:
    if isinstance(node, list):
        return node[key] if isinstance(key, int) and key < len(node) else None
    return node.get(key)


def _put(node: Any, key: str | int, value: Any) -> None:
    if isinstance(node, list):
        index = key if isinstance(key, int) else len(node)
        while len(node) < index:
            node.append(None)
        if index < len(node):
            node[index] = value
        else:
            node.append(value)
    else:
        node[key] = value


class _GeminiCall(ToolCallState):
    """A function call whose arguments come whole (``args``) or as ``partialArgs``.

    Streamed ``partialArgs`` (a JSON path and a value, strings in fragments) are
    applied to ``args`` and also turned into JSON text fragments, so that the
    ``ToolCallDelta`` texts of a call spell its arguments as for other providers.
    """

    __slots__ = (
        "args",
        "counts",
        "kinds",
        "open_path",
        "opened",
        "string_key",
        "string_node",
        "string_parts",
        "string_path",
    )

    def __init__(self, index: int, id: str | None, name: str, *, choice: int) -> None:
        super().__init__(index, id, name, choice=choice)
        self.args: dict[str, Any] = {}
        self.opened = False
        self.open_path: list[str | int] = []
        self.kinds: list[bool] = []  # is-array, for the root and each open container
        self.counts: list[int] = []  # members written, for the root and each open container
        # The string value still open (more fragments to come): where, and its pieces.
        self.string_path: tuple[str | int, ...] | None = None
        self.string_node: Any = None
        self.string_key: str | int = ""
        self.string_parts: list[str] = []

    def _member(self, key: str | int, pieces: list[str]) -> None:
        if self.counts[-1]:
            pieces.append(",")
        self.counts[-1] += 1
        if not self.kinds[-1]:
            pieces.append(_compact(str(key)) + ":")

    def _close_string(self, pieces: list[str]) -> None:
        _put(self.string_node, self.string_key, "".join(self.string_parts))
        self.string_path = self.string_node = None
        self.string_parts = []
        pieces.append('"')

    def apply(self, arg: Mapping[str, Any]) -> str:
        """Apply one ``partialArgs`` entry; return the JSON text it adds."""
        path = _parse_path(arg.get("jsonPath"))
        if not path:
            raise ProviderFormatError("partialArgs jsonPath '$' has no key", payload=arg)
        kind = next((k for k in _VALUE_KEYS if k in arg), None)
        if kind is None:
            return ""
        value = None if kind == "nullValue" else arg[kind]
        is_string = kind == "stringValue"
        more = bool(arg.get("willContinue"))
        tpath = tuple(path)
        pieces: list[str] = []
        if self.string_path is not None:
            if is_string and tpath == self.string_path:  # the next piece of the open string
                self.string_parts.append(str(value))
                pieces.append(_compact(str(value))[1:-1])
                if not more:
                    self._close_string(pieces)
                return "".join(pieces)
            self._close_string(pieces)
        if not self.opened:
            self.opened = True
            pieces.append("{")
            self.kinds.append(False)
            self.counts.append(0)
        # The value, in the arguments object.
        node: Any = self.args
        for j, part in enumerate(path[:-1]):
            child = _get(node, part)
            if not isinstance(child, (dict, list)):
                child = [] if isinstance(path[j + 1], int) else {}
                _put(node, part, child)
            node = child
        last = path[-1]
        _put(node, last, value)
        # The text: close the containers left, open the new ones, write the member.
        parents = path[:-1]
        open_path = self.open_path
        k = 0
        while k < len(open_path) and k < len(parents) and open_path[k] == parents[k]:
            k += 1
        while len(open_path) > k:
            open_path.pop()
            self.counts.pop()
            pieces.append("]" if self.kinds.pop() else "}")
        for j in range(k, len(parents)):
            self._member(parents[j], pieces)
            is_array = isinstance(path[j + 1], int)
            pieces.append("[" if is_array else "{")
            open_path.append(parents[j])
            self.kinds.append(is_array)
            self.counts.append(0)
        self._member(last, pieces)
        if is_string:
            pieces.append(_compact(str(value))[:-1])
            if more:
                self.string_path = tpath
                self.string_node = node
                self.string_key = last
                self.string_parts = [str(value)]
            else:
                pieces.append('"')
        else:
            pieces.append(_compact(value))
        return "".join(pieces)

    def end_text(self) -> str:
        """The JSON text that closes what :meth:`apply` opened (and settles ``args``)."""
        if not self.opened:
            return "{}"
        pieces: list[str] = []
        if self.string_path is not None:
            self._close_string(pieces)
        pieces.extend("]" if is_array else "}" for is_array in reversed(self.kinds))
        self.kinds.clear()
        self.counts.clear()
        self.open_path.clear()
        return "".join(pieces)


def _gemini_usage(usage: Mapping[str, Any], raw: Any) -> Usage:
    output = int_or_none(usage.get("candidatesTokenCount"))
    thoughts = int_or_none(usage.get("thoughtsTokenCount"))
    if thoughts is not None:
        output = (output or 0) + thoughts
    return Usage(
        int_or_none(usage.get("promptTokenCount")),
        output,
        int_or_none(usage.get("totalTokenCount")),
        thoughts,
        dict(usage),
        raw,
    )


class GeminiAdapter(AdapterBase):
    """Gemini ``GenerateContentResponse`` chunks (``alt=sse`` events, or the
    elements of the JSON array sent without it) to provider events.

    Text parts give text, ``thought`` parts reasoning. A ``functionCall`` part
    with its whole ``args`` is a complete tool call at once (``arguments`` is
    the compact JSON of ``args``; ``id`` is the part's ``id`` if any, usually
    ``None``). With streamed function-call arguments (Vertex
    ``streamFunctionCallArguments``) a part with a ``name`` and
    ``willContinue`` starts a call, ``partialArgs`` (JSON path + value, strings
    in fragments) fill it in, and a ``functionCall`` without ``willContinue``
    ends it; the ``ToolCallDelta`` texts are the JSON text of those values. A
    call still open at ``finishReason`` is finished then (``complete`` unless
    the reason is not ``STOP``) and at the end of the stream (``complete=False``).
    ``finishReason`` gives ``Finished`` per candidate (``choice`` is the
    candidate index); a blocked prompt (``promptFeedback.blockReason``) gives
    ``Finished(blockReason)``. ``usageMetadata`` is repeated on many chunks: it
    is reported once the response finished (and again if it changes), or at
    the end of the stream. An ``error`` object gives a ``ProviderError``.
    The stream has ended (:attr:`ended`) once every candidate that started has
    its ``finishReason`` (or the prompt was blocked); a body cut before that ends
    with ``Finished(None, choice, complete=False)`` per unfinished candidate.

    The rest of the vocabulary: a ``thoughtSignature`` on any part (text,
    thought, function call, or a part otherwise empty) gives a
    ``ReasoningSignature`` right after that part's events (base64 text, as on
    the wire, also when the google-genai SDK holds it as bytes). An
    ``executableCode`` part is a call Gemini runs itself: ``ToolCallStarted`` /
    ``ToolCallDelta`` / ``ToolCallDone`` with ``server=True``, the name
    ``"code_execution"`` and the arguments ``{"language", "code"}``; a
    ``codeExecutionResult`` part gives ``ServerToolResult(id, "codeExecutionResult",
    {"outcome", "output"})``; the built-in tool parts ``toolCall`` /
    ``toolResponse`` likewise (the name is the ``toolType``). Citations: one
    ``Citation`` per source, each once per candidate although Gemini repeats the
    metadata on later chunks: a ``groundingMetadata.groundingChunks`` entry
    (``url`` / ``title`` of its ``web`` / ``retrievedContext`` / ``maps`` source,
    ``text`` a retrieved context's text; ``data`` holds the chunk and the
    ``groundingSupports`` that point at it in that chunk of the stream), a
    ``citationMetadata.citations`` (or ``citationSources``) entry (``url``,
    ``title``; ``data`` the entry). A part of another kind (``inlineData``,
    ``fileData`` ...) gives ``Unknown(part key, part)``.

    >>> a = GeminiAdapter()
    >>> a.feed({"candidates": [{"content": {"parts": [
    ...     {"functionCall": {"name": "f", "args": {"x": 1}}}]}}]})
    [ToolCallStarted(index=0, id=None, name='f', choice=0, server=False),
     ToolCallDelta(index=0, text='{"x":1}', choice=0, partial_args=None, id=None,
                   name='f'),
     ToolCallDone(index=0, id=None, name='f', arguments='{"x":1}', parsed={'x': 1},
                  choice=0, server=False, complete=True)]
    """

    __slots__ = (
        "_cited",
        "_finished",
        "_next",
        "_open",
        "_started",
        "_usage",
        "_usage_raw",
        "_usage_sent",
    )

    def __init__(self) -> None:
        super().__init__()
        self._started: set[int] = set()  # the candidates seen
        self._open: dict[int, _GeminiCall] = {}
        self._next: dict[int, int] = {}
        self._finished: set[int] = set()
        self._cited: set[tuple[int, str]] = set()  # (candidate, source) of each citation sent
        self._usage: Mapping[str, Any] | None = None
        self._usage_raw: Any = None
        self._usage_sent: Mapping[str, Any] | None = None

    def _payload(self, payload: Mapping[str, Any], event: str | None, raw: Any) -> list[Event]:
        out: list[Event] = []
        error = payload.get("error")
        if error:
            out.append(error_event(error, raw))
        finished_now = False
        candidates = payload.get("candidates")
        if candidates:
            for pos, candidate in enumerate(candidates):
                if not isinstance(candidate, Mapping):
                    continue
                ci = candidate.get("index")
                if not isinstance(ci, int):
                    ci = pos
                self._started.add(ci)
                content = candidate.get("content")
                parts = content.get("parts") if isinstance(content, Mapping) else None
                if parts:
                    self._parts(ci, parts, raw, out)
                if "groundingMetadata" in candidate or "citationMetadata" in candidate:
                    self._citations(ci, candidate, raw, out)
                reason = candidate.get("finishReason")
                if reason and ci not in self._finished:
                    self._finished.add(ci)
                    finished_now = True
                    self._end_call(ci, raw, out, complete=reason == "STOP")
                    out.append(Finished(reason, ci, raw=raw))
        feedback = payload.get("promptFeedback")
        if isinstance(feedback, Mapping):
            blocked = feedback.get("blockReason")
            if blocked and 0 not in self._finished:
                self._finished.add(0)
                finished_now = True
                out.append(Finished(blocked, 0, raw=raw))
        if self._finished:
            self.ended = self._started <= self._finished
        usage = payload.get("usageMetadata")
        if isinstance(usage, Mapping) and usage:
            self._usage = usage
            self._usage_raw = raw
            if (finished_now or self._finished) and usage != self._usage_sent:
                self._usage_sent = usage
                out.append(_gemini_usage(usage, raw))
        return out

    def _parts(self, ci: int, parts: list[Any], raw: Any, out: list[Event]) -> None:
        for part in parts:
            if not isinstance(part, Mapping):
                continue
            text = part.get("text")
            if text and isinstance(text, str):
                if part.get("thought"):
                    out.append(ReasoningDelta(text, ci, raw))
                else:
                    out.append(TextDelta(text, ci, raw))
            if len(part) == 1 and text is not None:
                continue  # the common part: text alone
            call = part.get("functionCall")
            if isinstance(call, Mapping):
                self._function_call(ci, call, raw, out)
            code = part.get("executableCode")
            if isinstance(code, Mapping):
                # (language first, as documented, whatever order the SDK dumps them in)
                args = {k: code[k] for k in ("language", "code") if k in code}
                args.update((k, v) for k, v in code.items() if k not in args and k != "id")
                self._server_call(ci, code.get("id"), "code_execution", args, raw, out)
            tool = part.get("toolCall")
            if isinstance(tool, Mapping):
                name = tool.get("toolType")
                given = tool.get("args")
                self._server_call(
                    ci,
                    tool.get("id"),
                    name if isinstance(name, str) else "",
                    given if isinstance(given, Mapping) else {},
                    raw,
                    out,
                )
            for key in _RESULT_KEYS:
                result = part.get(key)
                if isinstance(result, Mapping):
                    out.append(ServerToolResult(first_str(result, "id"), key, result, ci, raw))
            if not _PART_KEYS.issuperset(part):
                out.extend(Unknown(k, part, raw) for k in part if k not in _PART_KEYS)
            signature = _signature(part.get("thoughtSignature"))
            if signature is not None:
                out.append(ReasoningSignature(signature, ci, raw))

    def _server_call(
        self,
        ci: int,
        call_id: Any,
        name: str,
        args: Mapping[str, Any],
        raw: Any,
        out: list[Event],
    ) -> None:
        """A call Gemini runs itself (code execution, a built-in tool), sent whole."""
        if ci in self._open:  # a new call starts: the open one is over
            self._end_call(ci, raw, out, complete=True)
        index = self._next.get(ci, 0)
        self._next[ci] = index + 1
        call = ToolCallState(
            index, call_id if isinstance(call_id, str) else None, name, choice=ci, server=True
        )
        text = _compact(args)
        out.append(call.started(raw))
        out.append(call.delta(text, raw))
        out.append(call.finish(raw, arguments=text))

    def _citations(self, ci: int, candidate: Mapping[str, Any], raw: Any, out: list[Event]) -> None:
        """One ``Citation`` per source of the candidate's grounding and citation metadata,
        each once (Gemini repeats the metadata on later chunks)."""
        seen = self._cited
        grounding = candidate.get("groundingMetadata")
        if isinstance(grounding, Mapping):
            chunks = grounding.get("groundingChunks")
            supports = grounding.get("groundingSupports")
            if not isinstance(supports, list):
                supports = []
            for i, chunk in enumerate(chunks if isinstance(chunks, list) else ()):
                if not isinstance(chunk, Mapping):
                    continue
                key = (ci, _key(chunk))
                if key in seen:
                    continue
                seen.add(key)
                source = next((v for v in chunk.values() if isinstance(v, Mapping)), {})
                cited = [
                    s
                    for s in supports
                    if isinstance(s, Mapping)
                    and isinstance(s.get("groundingChunkIndices"), list)
                    and i in s["groundingChunkIndices"]
                ]
                data = {"groundingChunk": chunk, "groundingSupports": cited}
                url = first_str(source, "uri", "url")
                title = first_str(source, "title")
                out.append(Citation(url, title, first_str(source, "text"), ci, data, raw))
        metadata = candidate.get("citationMetadata")
        if isinstance(metadata, Mapping):
            sources = metadata.get("citations")
            if sources is None:
                sources = metadata.get("citationSources")
            for source in sources if isinstance(sources, list) else ():
                if not isinstance(source, Mapping):
                    continue
                key = (ci, _key(source))
                if key not in seen:
                    seen.add(key)
                    url = first_str(source, "uri", "url")
                    out.append(Citation(url, first_str(source, "title"), None, ci, source, raw))

    def _function_call(self, ci: int, fc: Mapping[str, Any], raw: Any, out: list[Event]) -> None:
        name = fc.get("name")
        args = fc.get("args")
        call = self._open.get(ci)
        if name or args is not None:
            if call is not None:  # a new call starts: the open one is over
                self._end_call(ci, raw, out, complete=True)
            index = self._next.get(ci, 0)
            self._next[ci] = index + 1
            call_id = fc.get("id")
            call = _GeminiCall(
                index,
                call_id if isinstance(call_id, str) else None,
                name if isinstance(name, str) else "",
                choice=ci,
            )
            out.append(call.started(raw))
            if not fc.get("willContinue") and not fc.get("partialArgs"):
                # The usual case: the whole call in one part.
                call.args = dict(args) if isinstance(args, Mapping) else {}
                text = _compact(call.args)
                out.append(call.delta(text, raw))
                out.append(call.finish(raw, arguments=text))
                return
            self._open[ci] = call
            if isinstance(args, Mapping) and args:
                call.args = dict(args)
                text = _compact(call.args)
                call.opened = True
                call.kinds.append(False)
                call.counts.append(len(call.args))
                out.append(call.delta(text[:-1], raw))
        if call is None:
            if fc.get("partialArgs"):
                raise ProviderFormatError(
                    "functionCall partialArgs arrived before any function name", payload=fc
                )
            return
        partial = fc.get("partialArgs")
        if partial:
            for arg in partial:
                if isinstance(arg, Mapping):
                    text = call.apply(arg)
                    if text:
                        out.append(call.delta(text, raw))
        if not fc.get("willContinue"):
            self._end_call(ci, raw, out, complete=True)

    def _end_call(self, ci: int, raw: Any, out: list[Event], *, complete: bool) -> None:
        call = self._open.pop(ci, None)
        if call is None:
            return
        out.append(call.delta(call.end_text(), raw))
        out.append(call.finish(raw, complete=complete, arguments=_compact(call.args)))

    def close(self) -> list[Event]:
        """End of stream: open calls (``complete=False``) and unreported usage."""
        out: list[Event] = []
        for ci in list(self._open):
            self._end_call(ci, None, out, complete=False)
        if self._usage is not None and self._usage is not self._usage_sent:
            if self._usage != self._usage_sent:
                out.append(_gemini_usage(self._usage, self._usage_raw))
            self._usage_sent = self._usage
        self.closed = True
        return out

    def cut(self) -> list[Event]:
        return cut_markers(self._started, self._finished)
