"""The exceptions streamops raises.

Every exception the library raises for bad input, bad timing or failed
validation derives from :class:`StreamopsError`, and also from the builtin a
caller would already catch::

    StreamopsError
    ├── JSONStreamError (ValueError)        malformed JSON: offset, line, column, path, snippet
    │   ├── IncompleteJSONError             the stream ended inside a value
    │   │   └── TruncatedOutputError        ... because the provider stopped for length
    │   └── DepthLimitError                 nesting deeper than the parser's limit
    ├── StreamValidationError (ValueError)  a completed value failed validation
    ├── ToolCallError (ValueError)          unknown tool, malformed or invalid arguments
    ├── SSEError (ValueError)               broken server-sent-event framing or encoding
    ├── ProviderFormatError (ValueError)    a provider payload no adapter can read
    ├── ProviderStreamError                 text(): the provider reported an in-band error
    ├── IncompleteStreamError               text(): the body stopped without the provider's end
    ├── RefusalError                        text(): the model refused instead of answering
    ├── StreamTimeoutError (TimeoutError)   first-item, idle or total timeout
    └── DeliveryError                       resumable delivery (streamops.delivery)
        ├── StreamExistsError               publish(): another producer has this stream id
        ├── StreamNotFoundError (LookupError)  resume(): no such stream, or it expired
        ├── StreamTooLargeError (ValueError)   publish(): the stream passed its byte limit
        └── LeaseLostError                  publish(): the producer lost its lease

Every error carries ``.received``: the raw text (or items) the failing operator
had received, so nothing is lost when a stream fails. Context goes in
keyword-only attributes; the message reads like
``expected ',' or '}' at line 3 column 7 (path $.items[2])``.

Exceptions raised by the *source* of a pipeline (a network error from an SDK,
say) are never wrapped: they reach the consumer unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .providers import ProviderError

__all__ = [
    "DeliveryError",
    "DepthLimitError",
    "IncompleteJSONError",
    "IncompleteStreamError",
    "JSONStreamError",
    "LeaseLostError",
    "ProviderFormatError",
    "ProviderStreamError",
    "RefusalError",
    "SSEError",
    "StreamExistsError",
    "StreamNotFoundError",
    "StreamTimeoutError",
    "StreamTooLargeError",
    "StreamValidationError",
    "StreamopsError",
    "ToolCallError",
    "TruncatedOutputError",
    "format_path",
]

Path = tuple[str | int, ...]


def format_path(path: Sequence[str | int]) -> str:
    """Render a path tuple the way error messages show it.

    >>> format_path(("items", 2, "name"))
    '$.items[2].name'
    >>> format_path(())
    '$'
    >>> format_path(("a b",))
    "$['a b']"
    """
    out = ["$"]
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif part.isidentifier():
            out.append(f".{part}")
        else:
            out.append(f"[{part!r}]")
    return "".join(out)


class StreamopsError(Exception):
    """Base class of every streamops error.

    Attributes:
        received: what the failing operator had received so far (text for text
            and JSON operators, a list of items otherwise). Never lost.
        events: what the failing ``feed()`` call of a sync core had completed
            before the error position (the parser's events, a collector's
            values...), in the order it would have returned them; empty for
            most errors. The operators deliver these before the error, which is
            how results and errors come out the same whatever the chunking. A
            core that raises the same error again on a later call clears them.

    Catch it to handle every streamops failure in one place:

    >>> from streamops import drain, json_values, pipe
    >>> try:
    ...     drain(pipe(['{"a": [1, }'], json_values("a")))
    ... except StreamopsError as exc:
    ...     print(type(exc).__name__, repr(exc.received))
    JSONStreamError '{"a": [1, }'
    """

    received: Any
    events: Sequence[Any]

    def __init__(self, message: str, *, received: Any = "") -> None:
        super().__init__(message)
        self.message = message
        self.received = received
        self.events = ()

    def __str__(self) -> str:
        return self.message


class JSONStreamError(StreamopsError, ValueError):
    """Malformed JSON in a stream.

    Attributes:
        offset: character offset of the problem in the text received.
        line: 1-based line of the problem.
        column: 1-based column of the problem.
        path: the JSON path (tuple of keys and indexes) being parsed.
        snippet: a few characters around the problem.

    >>> from streamops import drain, json_values, pipe
    >>> try:
    ...     drain(pipe(['{"items": [1, 2', ' 3]}'], json_values("items[*]")))
    ... except JSONStreamError as exc:
    ...     print(exc.message, "|", exc.line, exc.column, exc.path)
    expected ',' or ']' | 1 17 ('items', 1)
    """

    def __init__(
        self,
        message: str,
        *,
        offset: int = 0,
        line: int = 1,
        column: int = 1,
        path: Path = (),
        snippet: str = "",
        received: Any = "",
    ) -> None:
        super().__init__(message, received=received)
        self.offset = offset
        self.line = line
        self.column = column
        self.path = path
        self.snippet = snippet

    def __str__(self) -> str:
        text = (
            f"{self.message} at line {self.line} column {self.column}"
            f" (path {format_path(self.path)})"
        )
        if self.snippet:
            text += f": {self.snippet!r}"
        return text


class IncompleteJSONError(JSONStreamError):
    """The stream ended inside a JSON value (every event before it was delivered).

    >>> from streamops import drain, json_values, pipe
    >>> try:
    ...     drain(pipe(['{"a": 1, "b": [tr'], json_values("a")))
    ... except IncompleteJSONError as exc:
    ...     print(exc.path, repr(exc.received))
    ('b', 0) '{"a": 1, "b": [tr'
    """


class TruncatedOutputError(IncompleteJSONError):
    """The output ended inside a value because the provider stopped it for length.

    OpenAI ``finish_reason="length"``, Anthropic ``max_tokens``, Gemini
    ``MAX_TOKENS``, Responses ``incomplete`` (``max_output_tokens``): raise the
    token limit or ask for less. Position and path are those of the
    :class:`IncompleteJSONError` it replaces (its ``__cause__``).

    Attributes:
        finish_reason: the provider's own word for the stop.
        partial: what had been built when the output stopped: the last
            ``Partial[Model]`` snapshot (:func:`~streamops.stream_model`) or the
            list of the elements completed (:func:`~streamops.stream_items`).
        received: the raw text of the output.

    >>> err = TruncatedOutputError("unterminated string", finish_reason="length",
    ...                            partial={"title": "Tr"}, received='{"title": "Tr')
    >>> isinstance(err, IncompleteJSONError), err.finish_reason, err.partial
    (True, 'length', {'title': 'Tr'})
    >>> print(err)
    the output was cut off (finish reason 'length'): unterminated string at line 1 column 1 (path $)
    """

    def __init__(
        self,
        message: str,
        *,
        finish_reason: str | None = None,
        partial: Any = None,
        offset: int = 0,
        line: int = 1,
        column: int = 1,
        path: Path = (),
        snippet: str = "",
        received: Any = "",
    ) -> None:
        super().__init__(
            f"the output was cut off (finish reason {finish_reason!r}): {message}",
            offset=offset,
            line=line,
            column=column,
            path=path,
            snippet=snippet,
            received=received,
        )
        self.finish_reason = finish_reason
        self.partial = partial


class DepthLimitError(JSONStreamError):
    """JSON nesting went deeper than the parser's ``max_depth``.

    >>> from streamops import drain, json_values, pipe
    >>> try:
    ...     drain(pipe(["[" * 600], json_values()))
    ... except DepthLimitError as exc:
    ...     print(isinstance(exc, ValueError), exc.offset)
    True 512
    """


class StreamValidationError(StreamopsError, ValueError):
    """A completed value failed validation.

    Attributes:
        path: where the value sits in the document.
        value: the value that failed.
        errors: pydantic's error details (``ValidationError.errors()``).

    >>> from pydantic import BaseModel, Field
    >>> from streamops import drain, partial, pipe
    >>> class Order(BaseModel):
    ...     qty: int = Field(gt=0)
    ...     note: str
    >>> try:
    ...     drain(pipe(['{"qty": -2, "note": "this text never arrives', '..."}'], partial(Order)))
    ... except StreamValidationError as exc:
    ...     print(exc.path, exc.value, exc.errors[0]["type"])
    ('qty',) -2 greater_than
    """

    def __init__(
        self,
        message: str,
        *,
        path: Path = (),
        value: Any = None,
        errors: Sequence[Any] = (),
        received: Any = "",
    ) -> None:
        super().__init__(message, received=received)
        self.path = path
        self.value = value
        self.errors = list(errors)

    def __str__(self) -> str:
        return f"{self.message} (path {format_path(self.path)})"


class ToolCallError(StreamopsError, ValueError):
    """A tool call could not be assembled: unknown tool, malformed or invalid arguments.

    Attributes:
        name: the tool name, when known.
        call_id: the provider's id of the call, when known.
        arguments: the raw argument text received for this call.
        cut_off: the provider never finished the call (its arguments are
            probably truncated): :func:`~streamops.to_message` does not send
            such a call back as one the model made.
        path: where in the arguments the problem is (a JSON path inside them),
            ``()`` when it is not about one place.
        value: the invalid value (a validation error), else ``None``.
        errors: pydantic's error list (a validation error), else ``[]``.

    >>> err = ToolCallError("unknown tool 'launch'", name="launch", arguments='{"x": 1}')
    >>> isinstance(err, ValueError), err.name, err.arguments
    (True, 'launch', '{"x": 1}')
    """

    def __init__(
        self,
        message: str,
        *,
        name: str | None = None,
        call_id: str | None = None,
        arguments: str = "",
        received: Any = "",
        cut_off: bool = False,
    ) -> None:
        super().__init__(message, received=received)
        self.name = name
        self.call_id = call_id
        self.arguments = arguments
        self.cut_off = cut_off
        self.path: Path = ()
        self.value: Any = None
        self.errors: list[Any] = []


class SSEError(StreamopsError, ValueError):
    """A server-sent-event stream was broken (framing or invalid UTF-8).

    Attributes:
        offset: byte offset of the problem in the stream.

    >>> from streamops import drain, pipe, sse_events
    >>> try:
    ...     drain(pipe([b"data: caf\\xc3", b"\\x28\\n\\n"], sse_events()))
    ... except SSEError as exc:
    ...     print(type(exc).__name__, exc.offset)
    SSEError 9
    """

    def __init__(self, message: str, *, offset: int = 0, received: Any = "") -> None:
        super().__init__(message, received=received)
        self.offset = offset

    def __str__(self) -> str:
        return f"{self.message} at offset {self.offset}"


class ProviderFormatError(StreamopsError, ValueError):
    """A payload could not be interpreted: event data that is not JSON, a JSON value
    that is not an object, or (with ``provider="auto"``) a format no adapter knows.

    Attributes:
        payload: the offending item (event data text, or the parsed value).
        offset: where the problem is in the body (a byte offset), when known (the frame
            of a binary AWS event stream, the line of an NDJSON body).
        line: its 1-based line (of an NDJSON body), when known.
        column: its 1-based column, when known.

    >>> from streamops import drain, events, pipe, sse_events
    >>> try:
    ...     drain(pipe([b"data: not json\\n\\n"], sse_events(), events(provider="openai-chat")))
    ... except ProviderFormatError as exc:
    ...     print(repr(exc.payload))
    'not json'
    """

    def __init__(
        self,
        message: str,
        *,
        payload: Any = None,
        received: Any = "",
        offset: int | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message, received=received)
        self.payload = payload
        self.offset = offset
        self.line = line
        self.column = column


class ProviderStreamError(StreamopsError):
    """The provider reported an error inside the stream while ``providers.text()`` was reading it.

    Attributes:
        event: the :class:`~streamops.providers.ProviderError` event.
        code: its error code, for convenience.
        received: the answer text yielded before the error.

    >>> from streamops import drain, pipe, sse_events
    >>> from streamops.providers import text
    >>> body = [b'event: error\\ndata: {"type": "error", "error": {"type": "overloaded_error",'
    ...         b' "message": "Overloaded"}}\\n\\n']
    >>> try:
    ...     drain(pipe(body, sse_events(), text(provider="anthropic")))
    ... except ProviderStreamError as exc:
    ...     print(exc)
    Overloaded
    """

    def __init__(self, event: ProviderError, *, received: Any = "") -> None:
        message = event.message or "the provider reported an error"
        if event.code is not None:
            message = f"{message} (code {event.code!r})"
        super().__init__(message, received=received)
        self.event = event
        self.code = event.code


class IncompleteStreamError(StreamopsError):
    """The provider's stream stopped without its terminal signal: the connection was
    cut (or the server hung up), so the text is not the whole answer.

    ``providers.text()`` raises it after yielding every piece of text that did
    arrive. The terminal signals are OpenAI Chat ``finish_reason`` (for every
    choice) or ``[DONE]``, Anthropic ``message_stop`` (or a ``message_delta``
    with its ``stop_reason``), Responses ``response.completed`` /
    ``incomplete`` / ``failed``, Gemini ``finishReason``. ``events()`` marks
    the same end with ``Finished(None, complete=False)``.

    Attributes:
        received: the answer text yielded before the stream stopped.

    >>> from streamops import drain, pipe
    >>> from streamops.providers import text
    >>> body = [b'data: {"choices": [{"index": 0, "delta": {"content": "The answer is"}}]}\\n\\n']
    >>> try:
    ...     drain(pipe(body, text()))
    ... except IncompleteStreamError as exc:
    ...     print(exc.received)
    The answer is
    """


class RefusalError(StreamopsError):
    """The model refused (OpenAI ``refusal``) instead of answering, in ``providers.text()``.

    Raised at the end of the stream, once the whole refusal has arrived, after
    any answer text was yielded.

    Attributes:
        refusal: the refusal message.
        received: the answer text yielded before it (usually ``""``).

    >>> from streamops import drain, pipe, sse_events
    >>> from streamops.providers import text
    >>> body = [b'data: {"choices": [{"index": 0, "delta": {"refusal": "I cannot help."}}]}\\n\\n']
    >>> try:
    ...     drain(pipe(body, sse_events(), text()))
    ... except RefusalError as exc:
    ...     print(exc.refusal)
    I cannot help.
    """

    def __init__(self, refusal: str, *, received: Any = "") -> None:
        super().__init__(f"the model refused: {refusal}", received=received)
        self.refusal = refusal


class StreamTimeoutError(StreamopsError, TimeoutError):
    """A stream took too long: to the first item, between items, or in total.

    Attributes:
        kind: ``"first"``, ``"idle"`` or ``"total"``.
        timeout: the limit in seconds that was exceeded.

    >>> import anyio
    >>> from streamops import pipe, timeout
    >>> async def stalled():
    ...     yield "Hel"
    ...     await anyio.sleep_forever()
    >>> async def main():
    ...     try:
    ...         async for _ in pipe(stalled(), timeout(idle=0.01)):
    ...             pass
    ...     except StreamTimeoutError as exc:
    ...         print(exc.kind, exc.received, isinstance(exc, TimeoutError))
    >>> anyio.run(main)
    idle ['Hel'] True
    """

    def __init__(
        self, message: str, *, kind: str = "total", timeout: float = 0.0, received: Any = ""
    ) -> None:
        super().__init__(message, received=received)
        self.kind = kind
        self.timeout = timeout


class DeliveryError(StreamopsError):
    """A resumable-delivery failure (see :mod:`streamops.delivery`).

    Attributes:
        stream_id: the stream concerned.

    >>> issubclass(StreamNotFoundError, DeliveryError)
    True
    """

    def __init__(self, message: str, *, stream_id: str = "", received: Any = "") -> None:
        super().__init__(message, received=received)
        self.stream_id = stream_id


class StreamExistsError(DeliveryError):
    """``publish()`` found the stream id taken: another producer owns it, or it ended.

    Attributes:
        status: the stream's status (``"streaming"``, ``"done"``, ``"error"``,
            ``"cancelled"`` or ``"producer_lost"``).

    >>> str(StreamExistsError("chat-1", status="streaming"))
    "stream 'chat-1' already exists (status streaming)"
    """

    def __init__(self, stream_id: str, *, status: str) -> None:
        super().__init__(
            f"stream {stream_id!r} already exists (status {status})", stream_id=stream_id
        )
        self.status = status


class StreamNotFoundError(DeliveryError, LookupError):
    """``resume()`` found no such stream: it never started in time, or it expired.

    >>> isinstance(StreamNotFoundError("gone", stream_id="x"), LookupError)
    True
    """


class StreamTooLargeError(DeliveryError, ValueError):
    """A published stream passed its byte limit; the stream was failed, not trimmed.

    Attributes:
        limit: the limit in bytes.

    >>> from streamops import MemoryStore, drain, pipe, publish
    >>> try:
    ...     drain(pipe(["x" * 50] * 3, publish(MemoryStore(), "big", max_bytes=100)))
    ... except StreamTooLargeError as exc:
    ...     print(exc.limit, exc.message)
    100 stream 'big' passed its limit of 100 bytes at frame 2
    """

    def __init__(
        self, message: str, *, stream_id: str = "", limit: int = 0, received: Any = ""
    ) -> None:
        super().__init__(message, stream_id=stream_id, received=received)
        self.limit = limit


class LeaseLostError(DeliveryError):
    """A producer's lease lapsed (it stalled longer than the lease, or the store
    lost it) and its writes are fenced off: nothing it sends is appended.

    >>> str(LeaseLostError("producer of stream 's' lost its lease", stream_id="s"))
    "producer of stream 's' lost its lease"
    """
