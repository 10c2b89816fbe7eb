"""``stream_model`` / ``stream_items``: one SDK call, a schema, a typed stream."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

import anyio
from pydantic import create_model

from .._core import Stream, iterate, pipe
from ..errors import (
    IncompleteJSONError,
    IncompleteStreamError,
    JSONStreamError,
    ProviderStreamError,
    RefusalError,
    StreamopsError,
    StreamValidationError,
    TruncatedOutputError,
)
from ..models import ItemHydrator, ModelHydrator, Partial
from ..providers import (
    Event,
    Finished,
    ProviderError,
    Refusal,
    TextDelta,
    ToolCallDelta,
    ToolCallStarted,
    Usage,
    events,
)
from ..providers._base import is_cut, is_length_stop
from ._closing import sdk_items
from ._requests import Api, Mode, Request, build_request
from ._schema import schema_name, strict_schema

if TYPE_CHECKING:
    from anthropic import Anthropic, AsyncAnthropic  # type: ignore[import-not-found, unused-ignore]
    from google.genai.client import (  # type: ignore[import-not-found, unused-ignore]
        AsyncClient as GeminiAsyncClient,
    )
    from google.genai.client import (  # type: ignore[import-not-found, unused-ignore]
        Client as GeminiClient,
    )
    from openai import AsyncOpenAI, OpenAI  # type: ignore[import-not-found, unused-ignore]

__all__ = [
    "AsyncModelStream",
    "ClientEvent",
    "ModelStream",
    "Retry",
    "SyncModelStream",
    "stream_items",
    "stream_model",
]

M = TypeVar("M")
T_co = TypeVar("T_co", covariant=True)
R_co = TypeVar("R_co", covariant=True)


@dataclass(slots=True)
class Retry:
    """Recorded in :attr:`ModelStream.events` when an answer failed and was asked again.

    Attributes:
        attempt: the attempt that failed (1 for the first request).
        error: why: a :class:`~streamops.StreamValidationError` or a
            :class:`~streamops.JSONStreamError`.
        received: the text of the failed answer (sent back to the model).

    >>> Retry(1, StreamValidationError("bad"), '{"qty": -1')
    Retry(attempt=1, error=StreamValidationError('bad'), received='{"qty": -1')
    """

    attempt: int
    error: StreamopsError
    received: str = field(default="")


ClientEvent = Event | Retry
"""What :attr:`ModelStream.events` holds: the provider events, and :class:`Retry` records."""


def _retry_message(error: StreamopsError) -> str:
    return (
        f"Your answer does not match the required schema: {error}\n"
        "Write the whole answer again, as JSON that matches the schema."
    )


class ModelStream(Stream[T_co], Generic[T_co, R_co]):
    """The stream :func:`stream_model` and :func:`stream_items` return.

    A :class:`~streamops.Stream` (so ``| throttle(0.1) | to_sse()`` and
    ``async with`` work, and closing it closes the HTTP request to the model)
    that also keeps what the provider said beside the answer:

    Attributes:
        usage: the last :class:`~streamops.Usage` the provider reported (``None`` until then).
        finish_reason: the provider's finish reason (``None`` until it says).
        events: every provider event of every attempt, in order, with a
            :class:`Retry` record between two attempts.
        retries: the :class:`Retry` records alone.

    Iterate it with ``async for`` (async clients) or ``for`` (sync clients);
    :meth:`final` runs it to the end and returns the validated result.

    It is a stream, so every operator applies:

    >>> issubclass(ModelStream, Stream)
    True
    """

    def __init__(self, request: Request, make_core: Any, *, items: bool, max_retries: int) -> None:
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, not {max_retries!r}")
        super().__init__(self._run())
        self._request = request
        self._make_core = make_core
        self._items = items
        self._max_retries = max_retries
        self._result: Any = None
        self._has_result = False
        self._core: Any = None
        self.usage: Usage | None = None
        self.finish_reason: str | None = None
        self.events: list[ClientEvent] = []
        self.retries: list[Retry] = []

    @property
    def received(self) -> str:
        """The raw answer text of the current attempt so far."""
        return "" if self._core is None else str(self._core.received)

    def __iter__(self) -> Iterator[T_co]:
        """Iterate from synchronous code (sync clients); leaving the loop closes the request."""
        return iterate(self)

    def final(self) -> Any:
        """The validated result (see the subclasses)."""
        if self._request.is_async:
            return self._final_async()
        for _ in self:
            pass
        return self._take()

    async def _final_async(self) -> Any:
        async with self as s:
            async for _ in s:
                pass
        return self._take()

    def _take(self) -> Any:
        if not self._has_result:
            raise RuntimeError("the stream was closed before the answer was complete")
        return self._result

    async def _run(self) -> AsyncGenerator[Any, None]:
        request = self._request
        kwargs = request.kwargs
        attempt = 0
        while True:
            attempt += 1
            call_id: list[str | None] = [None]
            attempt_items = self._attempt(kwargs, call_id)
            try:
                async for item in attempt_items:
                    yield item
                return
            except (StreamValidationError, JSONStreamError) as exc:
                if isinstance(exc, IncompleteJSONError) or attempt > self._max_retries:
                    raise
                retry = Retry(attempt, exc, self.received)
                self.retries.append(retry)
                self.events.append(retry)
                kwargs = request.retry(kwargs, retry.received, _retry_message(exc), call_id[0])
            finally:
                # Closing the stream closes this attempt (and its HTTP response) now,
                # not whenever the event loop finalises the generator.
                with anyio.CancelScope(shield=True):
                    await attempt_items.aclose()

    async def _attempt(
        self, kwargs: dict[str, Any], call_id: list[str | None]
    ) -> AsyncGenerator[Any, None]:
        request = self._request
        core = self._core = self._make_core()
        items = self._items
        done: list[Any] = []
        finished: Finished | None = None
        refusal: list[str] = []
        tool_index: int | None = None
        self.finish_reason = None
        self.usage = None
        opened = request.open(kwargs)
        if request.is_async:
            opened = sdk_items(await opened)
        async with pipe(opened, events(provider=request.provider)) as provider_events:
            event: Any  # (read by its class below, as in text())
            async for event in provider_events:
                self.events.append(event)
                piece: str | None = None
                if isinstance(event, TextDelta):
                    if request.tool is None and event.choice == 0:
                        piece = event.text
                elif isinstance(event, ToolCallDelta):
                    if event.index == tool_index:
                        piece = event.text
                elif isinstance(event, ToolCallStarted):
                    # (a call the provider runs itself is never the answer, whatever its name)
                    if request.tool is not None and event.name == request.tool and not event.server:
                        tool_index = event.index
                        call_id[0] = event.id
                elif isinstance(event, Usage):
                    self.usage = event
                elif isinstance(event, Finished):
                    if event.choice == 0:
                        finished = event
                        self.finish_reason = finished.reason
                elif isinstance(event, ProviderError):
                    raise ProviderStreamError(event, received=core.received)
                elif isinstance(event, Refusal) and event.choice == 0:
                    refusal.append(event.text)
                if piece:
                    if items:
                        for item in core.feed(piece):
                            done.append(item)
                            yield item
                    elif core.feed(piece):
                        last = core.snapshot()
                        if not isinstance(last, Partial):
                            self._result, self._has_result = last, True
                        yield last
        if refusal:
            raise RefusalError("".join(refusal), received=core.received)
        if finished is not None and is_cut(finished):  # no finish from the provider
            cause: StreamopsError | None = None
            try:
                core.close()  # (the parser's own word on where the answer stopped)
            except StreamopsError as exc:
                cause = exc
            raise IncompleteStreamError(
                "the stream stopped before the provider's end: the connection was cut,"
                " and the answer received is not the whole answer",
                received=core.received,
            ) from cause
        try:
            tail = core.close()
        except IncompleteJSONError as exc:
            if not is_length_stop(finished):
                raise
            partial = done if items else core.snapshot()
            raise TruncatedOutputError(
                exc.message,
                finish_reason=finished.reason if finished is not None else None,
                partial=partial,
                offset=exc.offset,
                line=exc.line,
                column=exc.column,
                path=exc.path,
                snippet=exc.snippet,
                received=core.received,
            ) from exc
        for item in tail:
            if items:
                done.append(item)
            else:
                self._result, self._has_result = item, True
            yield item
        if items:
            self._result, self._has_result = done, True


class AsyncModelStream(ModelStream[T_co, R_co]):
    """A :class:`ModelStream` over an async client: ``async for``, ``await s.final()``.

    >>> import inspect
    >>> inspect.iscoroutinefunction(AsyncModelStream.final)
    True
    """

    async def final(self) -> R_co:
        """Run the stream to the end; return the validated ``Model`` (a list for
        :func:`stream_items`).

        Raises:
            StreamValidationError, TruncatedOutputError, JSONStreamError: as iterating does.
        """
        result: R_co = await self._final_async()
        return result


class SyncModelStream(ModelStream[T_co, R_co]):
    """A :class:`ModelStream` over a sync client: ``for``, ``s.final()``.

    >>> import inspect
    >>> inspect.iscoroutinefunction(SyncModelStream.final)
    False
    """

    def final(self) -> R_co:
        """Run the stream to the end; return the validated ``Model`` (a list for
        :func:`stream_items`)."""
        result: R_co = super().final()
        return result


def _make(
    client: Any,
    target: Any,
    schema_model: Any,
    make_core: Any,
    *,
    items: bool,
    max_retries: int,
    api: Api | None,
    mode: Mode,
    kwargs: dict[str, Any],
) -> Any:
    description = getattr(target, "__doc__", None) if isinstance(target, type) else None
    if description and description.startswith(("A base class", "Usage docs:")):
        description = None  # pydantic's own docstring, not the user's
    request = build_request(
        client,
        strict_schema(schema_model),
        schema_name(schema_model),
        description,
        kwargs,
        api=api,
        mode=mode,
    )
    cls = AsyncModelStream if request.is_async else SyncModelStream
    return cls(request, make_core, items=items, max_retries=max_retries)


@overload
def stream_model(
    client: AsyncOpenAI | AsyncAnthropic | GeminiAsyncClient,
    model: type[M],
    /,
    *,
    max_retries: int = ...,
    api: Api | None = ...,
    mode: Mode = ...,
    **create_kwargs: Any,
) -> AsyncModelStream[Partial[M] | M, M]: ...
@overload
def stream_model(
    client: OpenAI | Anthropic | GeminiClient,
    model: type[M],
    /,
    *,
    max_retries: int = ...,
    api: Api | None = ...,
    mode: Mode = ...,
    **create_kwargs: Any,
) -> SyncModelStream[Partial[M] | M, M]: ...
def stream_model(
    client: Any,
    model: type[M],
    /,
    *,
    max_retries: int = 0,
    api: Api | None = None,
    mode: Mode = "auto",
    **create_kwargs: Any,
) -> ModelStream[Partial[M] | M, M]:
    """Ask a model for a ``Model`` through its official SDK; stream it as it is written.

    Sends ``model``'s JSON schema the provider's native strict way (made strict
    by :func:`~streamops.clients.strict_schema`):

    ========================== =================================================
    client                     how the schema is sent
    ========================== =================================================
    ``openai`` Chat            ``response_format={"type": "json_schema", ... "strict": True}``
    ``openai`` Responses       ``text={"format": {"type": "json_schema", ... "strict": True}}``
    ``anthropic``              ``output_config={"format": {"type": "json_schema", ...}}``
                               (or, ``mode="tool"`` or an SDK without it, a forced tool)
    ``google-genai``           ``config`` with ``response_mime_type="application/json"``
                               and ``response_json_schema``
    ========================== =================================================

    starts the stream (``stream=True``; OpenAI Chat also asks for usage) and
    returns a :class:`ModelStream` that yields ``Partial[Model]`` snapshots
    (see :func:`~streamops.partial`), then the validated ``Model``. Nothing is
    sent before the stream is first iterated.

    Args:
        client: an ``openai`` (``OpenAI``, ``AsyncOpenAI``, Azure), ``anthropic``
            (``Anthropic``, ``AsyncAnthropic``) or ``google-genai`` client
            (``genai.Client()`` sync, ``genai.Client().aio`` async).
        model: a pydantic model class (or a dataclass, a ``TypedDict``).
        max_retries: how many times to ask again when the answer fails
            validation or is malformed JSON: the failed answer and the error
            are appended to the conversation as the provider expects (an
            assistant turn then a user turn; for Anthropic's forced tool, a
            ``tool_use`` then an ``is_error`` ``tool_result``; for Gemini, a
            ``model`` turn then a ``user`` turn) and a :class:`Retry` is
            recorded in ``events``. Snapshots then start again from an empty
            object. Cut-off output is never retried.
        api: ``"chat"`` or ``"responses"`` for an openai client (default: from
            ``input=`` or ``messages=``).
        mode: for anthropic: ``"auto"`` (structured outputs if the installed
            SDK has ``output_config``, else a forced tool), ``"output_config"``
            or ``"tool"``.
        create_kwargs: the SDK call's own arguments (``model=``,
            ``messages=`` / ``input=`` / ``contents=``, ``max_tokens=`` ...).

    Raises:
        StreamValidationError: a value failed validation (as soon as it
            completed; the request is closed at once).
        TruncatedOutputError: the provider stopped the output for length
            (``.partial``: the last snapshot; ``.received``: the raw text).
        JSONStreamError: malformed JSON (``IncompleteJSONError`` if the
            answer ended inside its value without a length stop).
        IncompleteStreamError: the stream stopped without the provider's
            end (a cut connection), even if the value looked complete.
        RefusalError, ProviderStreamError: the model refused, or the provider
            reported an error in the stream.
        TypeError: ``client`` is not one of the supported SDKs' clients.

    The SDKs' own errors (HTTP status, connection) reach the caller unchanged.

    >>> from pydantic import BaseModel
    >>> class Plan(BaseModel):
    ...     city: str
    >>> stream_model(object(), Plan)
    Traceback (most recent call last):
    ...
    TypeError: expected an openai, anthropic or google-genai client, not object
    """

    def make_core() -> ModelHydrator[M]:
        return ModelHydrator(model)

    ModelHydrator(model)  # an unsupported type fails here, not mid-stream
    result: ModelStream[Partial[M] | M, M] = _make(
        client,
        model,
        model,
        make_core,
        items=False,
        max_retries=max_retries,
        api=api,
        mode=mode,
        kwargs=create_kwargs,
    )
    return result


@overload
def stream_items(
    client: AsyncOpenAI | AsyncAnthropic | GeminiAsyncClient,
    model: type[M],
    /,
    *,
    max_retries: int = ...,
    api: Api | None = ...,
    mode: Mode = ...,
    **create_kwargs: Any,
) -> AsyncModelStream[M, list[M]]: ...
@overload
def stream_items(
    client: OpenAI | Anthropic | GeminiClient,
    model: type[M],
    /,
    *,
    max_retries: int = ...,
    api: Api | None = ...,
    mode: Mode = ...,
    **create_kwargs: Any,
) -> SyncModelStream[M, list[M]]: ...
def stream_items(
    client: Any,
    model: type[M],
    /,
    *,
    max_retries: int = 0,
    api: Api | None = None,
    mode: Mode = "auto",
    **create_kwargs: Any,
) -> ModelStream[M, list[M]]:
    """Ask a model for a list of ``Model``; yield each element, validated, as it completes.

    The providers' strict structured outputs want an object at the top, so the
    schema sent is ``{"items": [Model, ...]}`` (an object named
    ``<Model>List`` with one required ``items`` array); the elements are read
    with :func:`~streamops.items` at ``items[*]``. ``final()`` returns the
    list. Everything else is as for :func:`stream_model` (a truncated stream's
    :class:`~streamops.TruncatedOutputError` carries the elements completed
    before the cut in ``.partial``).

    >>> from pydantic import BaseModel
    >>> class Task(BaseModel):
    ...     title: str
    >>> stream_items(object(), Task)
    Traceback (most recent call last):
    ...
    TypeError: expected an openai, anthropic or google-genai client, not object
    """
    name = f"{schema_name(model)}List"
    wrapper = create_model(name, items=(list[model], ...))  # type: ignore[valid-type]

    def make_core() -> ItemHydrator[M]:
        return ItemHydrator(model, "items[*]")

    make_core()  # an unsupported type fails here, not mid-stream
    result: ModelStream[M, list[M]] = _make(
        client,
        model,
        wrapper,
        make_core,
        items=True,
        max_retries=max_retries,
        api=api,
        mode=mode,
        kwargs=create_kwargs,
    )
    return result
