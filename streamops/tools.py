"""Tool calls: assemble them from a provider stream, validate them as they stream, run them.

Two operators over one sync core:

* :func:`tool_calls` passes a provider stream through, enriching its tool-call
  events: every :class:`~streamops.providers.ToolCallDelta` gets the partial
  arguments parsed so far, every :class:`~streamops.providers.ToolCallDone`
  its validated arguments, and a call that cannot be used is reported by a
  :class:`ToolCallFailed` event the moment that is known;
* :func:`run_tools` executes each call as soon as its own arguments are done,
  while later calls are still streaming, and yields a :class:`ToolResult` per
  call, in call order.

:class:`ToolCallAssembler` is the sync core (``feed(item) -> list``,
``close() -> list``, no event loop).

The life of one call (``index`` and ``choice`` identify it)::

    ToolCallStarted            the name is known; no argument yet
    ToolCallDelta ...          argument fragments, each with partial_args
    ToolCallDone | ToolCallFailed

A call ends with exactly one ``ToolCallDone`` or one ``ToolCallFailed``.
``ToolCallDone`` comes only when the provider says the call is finished,
never because the text so far happens to parse. ``ToolCallFailed`` comes as
soon as the failure is known:

* an unknown tool name: right after its ``ToolCallStarted``;
* an invalid argument: when that field completes (arguments are validated
  field by field by :class:`~streamops.models.ModelHydrator`), so a wrong
  argument is reported long before the call ends;
* malformed JSON: at the fragment that breaks it;
* cut-off arguments (the provider never finished the call: OpenAI
  ``finish_reason="length"``, Anthropic ``max_tokens`` without
  ``content_block_stop``, the stream just ended): at the end of the call;
* required arguments missing, or a model validator failing: at the end.

The fragments of a failed call that arrive after its ``ToolCallFailed`` are
still passed on (with ``partial_args=None``), so the fragments of every call,
joined, always spell its raw arguments; no ``ToolCallDone`` follows. The
other calls of the response are not affected.

Server-side tools (``server=True``: Anthropic ``server_tool_use``, OpenAI
web search ...) have nothing for the caller to run: their events pass through
unchanged, unvalidated. Every other event (text, reasoning, usage, finish
reasons) passes through unchanged too, so one pipeline can route text and
tools.
"""

from __future__ import annotations

import functools
import inspect
import weakref
from collections import deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterable,
    Iterator,
    Mapping,
)
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias, overload

import anyio
import anyio.abc
import anyio.lowlevel
import anyio.to_thread
from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.fields import FieldInfo

from ._core import Background, Stream, _shielded_close, operator, stream
from .errors import JSONStreamError, StreamValidationError, ToolCallError
from .json._parser import JSONParser
from .json._snapshot import SnapshotBuilder
from .models import ModelHydrator, partial_model
from .providers import (
    Event,
    Finished,
    MessageProvider,
    Provider,
    ProviderAdapter,
    ToolCallDelta,
    ToolCallDone,
    ToolCallStarted,
)
from .providers._base import TextParts, is_cut
from .providers._message import tool_result_message

__all__ = [
    "ToolCallAssembler",
    "ToolCallFailed",
    "ToolEvent",
    "ToolResult",
    "ToolSpec",
    "run_tools",
    "tool_calls",
    "tool_model",
]

ToolSpec: TypeAlias = Callable[..., Any]
"""A registry entry: a model type (a pydantic model, a dataclass or a TypedDict) that
the arguments must match, or a function whose signature becomes that model."""

OnError = Literal["event", "raise"]

_ARGUMENT_ERRORS = (JSONStreamError, StreamValidationError)


@dataclass(slots=True)
class ToolCallFailed:
    """A tool call that cannot be used: unknown tool, malformed, invalid or cut-off arguments.

    Emitted by :func:`tool_calls` in place of the call's ``ToolCallDone``, at
    the moment the failure is known. ``error`` says what went wrong; its
    ``arguments`` hold the raw argument text received up to then, and its
    ``__cause__`` the parser's or the validator's own error.

    >>> ToolCallFailed(0, "call_1", "nope", ToolCallError("unknown tool 'nope'", name="nope"))
    ToolCallFailed(index=0, id='call_1', name='nope', error=ToolCallError("unknown tool 'nope'"),
                   choice=0)
    """

    index: int
    id: str | None
    name: str
    error: ToolCallError
    choice: int = 0
    raw: Any = field(default=None, repr=False, compare=False)


ToolEvent: TypeAlias = Event | ToolCallFailed
"""What :func:`tool_calls` yields: provider events, and :class:`ToolCallFailed`."""


@dataclass(slots=True)
class ToolResult:
    """The outcome of running one tool call: its ``value``, or the ``error`` it raised.

    ``error`` is the exception the tool raised (unchanged), or the
    :class:`~streamops.ToolCallError` of a call that was never run because
    its arguments were unusable. ``index``, ``id`` and ``name`` are the
    call's, so the result can be sent back to the model under the right id.

    >>> ToolResult(0, "call_1", "add", 3)
    ToolResult(index=0, id='call_1', name='add', value=3, error=None)
    >>> ToolResult(0, "call_1", "add", error=ValueError("boom")).ok
    False
    """

    index: int
    id: str | None
    name: str
    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        """True when the tool ran and returned (``error is None``)."""
        return self.error is None

    def to_message(self, provider: MessageProvider) -> dict[str, Any]:
        """The message that answers the call with this result, in ``provider``'s request shape.

        ================== ========================================================
        provider           the message
        ================== ========================================================
        ``openai-chat``    ``{"role": "tool", "tool_call_id", "content"}``
        ``openai-responses`` the input item ``{"type": "function_call_output",
                           "call_id", "output"}``
        ``anthropic``      ``{"role": "user", "content": [{"type": "tool_result",
                           "tool_use_id", "content", "is_error"}]}``
        ``gemini``         ``{"role": "user", "parts": [{"functionResponse":
                           {"name", "response", "id"}}]}``
        ``bedrock``        ``{"role": "user", "content": [{"toolResult": {"toolUseId",
                           "content", "status"}}]}``
        ``ollama``         ``{"role": "tool", "content", "tool_name"}``
        ``cohere``         ``{"role": "tool", "tool_call_id", "content"}``
        ================== ========================================================

        The content is the value as text (a string as is, anything else as
        JSON); Gemini's ``response`` and Bedrock's ``json`` take a dict value
        as it is (Gemini wraps others as ``{"output": value}``). A failed tool
        says ``"ExceptionType: message"`` (Anthropic adds ``is_error``,
        Gemini uses ``{"error": ...}``, Bedrock ``status: "error"``). Several
        results of one turn go in one message for Anthropic, Gemini and
        Bedrock: use :func:`~streamops.tool_messages` for those.

        Raises:
            ToolCallError: the result of a cut-off call (its ``error``: the call is
                not in :func:`~streamops.to_message`'s message), or no call id
                where the provider needs one.

        >>> ToolResult(0, "call_1", "add", 3).to_message("openai-chat")
        {'role': 'tool', 'tool_call_id': 'call_1', 'content': '3'}
        >>> ToolResult(0, None, "weather", {"sky": "clear"}).to_message("gemini")
        {'role': 'user', 'parts': [{'functionResponse': {'name': 'weather',
                                                         'response': {'sky': 'clear'}}}]}
        """
        return tool_result_message(self, provider)


# --- the registry ---------------------------------------------------------------------

_MODEL_CACHE: weakref.WeakKeyDictionary[Callable[..., Any], type[BaseModel]] = (
    weakref.WeakKeyDictionary()
)


def _safe_field_name(name: str, taken: set[str]) -> str:
    """A field name pydantic accepts for the parameter ``name`` (its alias stays ``name``)."""
    if not name.startswith("_") and not hasattr(BaseModel, name) and name not in taken:
        return name
    safe = ("p" + name if name.startswith("_") else name) + "_"
    while safe in taken or hasattr(BaseModel, safe):
        safe += "_"
    return safe


def tool_model(tool: ToolSpec) -> type[Any]:
    """The model a tool's arguments must match: the type itself, or one made from a signature.

    A type (a pydantic model, a dataclass, a ``TypedDict``) is its own model. For
    any other callable, each parameter becomes a field with the parameter's
    annotation (``Any`` when there is none) and default (required when there is
    none; an ``Annotated[..., Field(...)]`` annotation or a ``Field(...)``
    default carries constraints and descriptions). The model is named after
    the function and takes its docstring, so ``tool_model(f).model_json_schema()``
    is the ``parameters`` schema to send to the provider. A ``**kwargs``
    parameter lets undeclared arguments through (``extra="allow"``); a
    ``*args`` parameter cannot be filled from JSON and is refused.

    Args:
        tool: a model type or a callable.

    Raises:
        TypeError: ``tool`` is neither, or has a ``*args`` parameter.

    >>> def get_weather(city: str, units: str = "c") -> str:
    ...     '''The weather in a city.'''
    ...     return f"sunny in {city}"
    >>> Args = tool_model(get_weather)
    >>> Args(city="Paris")
    get_weather(city='Paris', units='c')
    >>> Args.model_json_schema()["required"], Args.__doc__
    (['city'], 'The weather in a city.')
    """
    if isinstance(tool, type):
        return tool
    if not callable(tool):
        raise TypeError(f"a tool must be a model type or a callable, not {tool!r}")
    try:
        cached = _MODEL_CACHE.get(tool)
    except TypeError:  # not weak-referenceable, or unhashable
        cached = None
    if cached is not None:
        return cached
    model = _signature_model(tool)
    try:
        _MODEL_CACHE[tool] = model
    except TypeError:
        pass
    return model


def _signature_model(fn: Callable[..., Any]) -> type[BaseModel]:
    try:
        sig = inspect.signature(fn, eval_str=True)
    except (NameError, TypeError, SyntaxError):  # annotations that do not resolve
        sig = inspect.signature(fn)
    name = getattr(fn, "__name__", None) or type(fn).__name__
    fields: dict[str, Any] = {}
    extra = False
    taken: set[str] = set()
    for param in sig.parameters.values():
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            raise TypeError(f"tool {name!r} takes *{param.name}, which JSON arguments cannot fill")
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            extra = True
            continue
        annotation = Any if param.annotation is inspect.Parameter.empty else param.annotation
        if isinstance(annotation, str):  # an annotation that did not resolve
            annotation = Any
        attr = _safe_field_name(param.name, taken)
        taken.add(attr)
        default = param.default
        if isinstance(default, FieldInfo):
            info = default
            if attr != param.name:
                info = FieldInfo.merge_field_infos(default, alias=param.name)
        elif default is inspect.Parameter.empty:
            info = Field(alias=param.name) if attr != param.name else Field()
        else:
            info = Field(default=default, alias=param.name if attr != param.name else None)
        fields[attr] = (annotation, info)
    config = ConfigDict(
        extra="allow" if extra else "ignore",
        arbitrary_types_allowed=True,
        protected_namespaces=(),
    )
    model: type[BaseModel] = create_model(
        name, __config__=config, __doc__=inspect.getdoc(fn), **fields
    )
    return model


class _Tool:
    """One registry entry, ready to validate and run."""

    __slots__ = ("fn", "is_async", "model", "name", "params")

    def __init__(self, name: str, spec: ToolSpec) -> None:
        if not isinstance(name, str):
            raise TypeError(f"tool names must be strings, not {name!r}")
        self.name = name
        self.model = tool_model(spec)
        try:
            partial_model(self.model)
        except TypeError as exc:
            raise TypeError(f"tool {name!r}: {exc}") from None
        self.fn: Callable[..., Any] | None = None if isinstance(spec, type) else spec
        self.is_async = False
        # (parameter name, field attribute, positional only) for each parameter.
        self.params: list[tuple[str, str, bool]] = []
        if self.fn is not None:
            fn = self.fn
            self.is_async = inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
                getattr(fn, "__call__", None)  # noqa: B004 (an object with async __call__)
            )
            fields = self.model.model_fields
            by_alias = {(info.alias or attr): attr for attr, info in fields.items()}
            sig = inspect.signature(fn)
            for param in sig.parameters.values():
                if param.name in by_alias:
                    positional = param.kind is inspect.Parameter.POSITIONAL_ONLY
                    self.params.append((param.name, by_alias[param.name], positional))

    def arguments(self, parsed: Any) -> tuple[list[Any], dict[str, Any]]:
        """The positional and keyword arguments to call the function with."""
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for name, attr, positional in self.params:
            value = getattr(parsed, attr)
            if positional:
                args.append(value)
            else:
                kwargs[name] = value
        extra = getattr(parsed, "__pydantic_extra__", None)
        if extra:
            kwargs.update(extra)
        return args, kwargs


class _Registry:
    __slots__ = ("tools",)

    def __init__(self, tools: Mapping[str, ToolSpec]) -> None:
        if not isinstance(tools, Mapping):
            raise TypeError(
                f"tools must be a mapping of tool names to models or callables, not {tools!r}"
            )
        self.tools = {name: _Tool(name, spec) for name, spec in tools.items()}

    def unknown(self, name: str) -> str:
        known = ", ".join(repr(n) for n in sorted(self.tools)) or "none"
        return f"unknown tool {name!r} (the tools are: {known})"


# --- the sync core --------------------------------------------------------------------


class _JSONArgs:
    """Arguments with no model (``tools=None``): the plain partial JSON value.

    The :class:`SnapshotBuilder` mutates one value in place; a snapshot copies
    the containers still open (the root down to the innermost open one, each
    shallowly) and shares everything complete, so a snapshot never changes
    afterwards, as with the ``Partial`` snapshots of a model.
    """

    __slots__ = ("builder", "parser")

    def __init__(self) -> None:
        self.parser = JSONParser(lenient=False)
        self.builder = SnapshotBuilder()

    def feed(self, text: str) -> bool:
        try:
            events = self.parser.feed(text)
        except JSONStreamError as exc:
            # (as ModelHydrator does: the snapshot of what came before the error)
            changed = self.builder.feed(exc.events) if exc.events else False
            exc.events = (self.snapshot(),) if changed else ()
            raise
        return bool(self.builder.feed(events))

    def received(self) -> str:
        """All the text fed so far."""
        return self.parser.received

    def snapshot(self) -> Any:
        stack: list[Any] = self.builder._stack
        if not stack:
            return self.builder.value  # a scalar, or complete: never mutated again
        parent = stack[0]
        root = copy = parent.copy()
        for child in stack[1:]:
            fresh = child.copy()
            if copy.__class__ is list:
                copy[-1] = fresh  # the open element of a list is its last one
            else:
                for key in reversed(parent):  # usually the last key
                    if parent[key] is child:
                        copy[key] = fresh
                        break
            parent, copy = child, fresh
        return root

    def finish(self) -> Any:
        self.builder.feed(self.parser.close())
        return self.builder.value


class _ModelArgs:
    """Arguments validated field by field against the tool's model."""

    __slots__ = ("feed", "hydrator", "snapshot")

    def __init__(self, model: type[Any]) -> None:
        self.hydrator: ModelHydrator[Any] = ModelHydrator(model, lenient=False)
        # The hydrator's own methods: no extra call per fragment.
        self.feed: Callable[[str], bool] = self.hydrator.feed
        self.snapshot: Callable[[], Any] = self.hydrator.snapshot

    def received(self) -> str:
        """All the text fed so far."""
        return self.hydrator.received

    def finish(self) -> Any:
        final = self.hydrator.close()
        return final[0] if final else self.hydrator.snapshot()


class _Call:
    """One tool call being assembled."""

    __slots__ = (
        "args",
        "choice",
        "failed",
        "fed",
        "id",
        "index",
        "model",
        "name",
        "partial",
        "parts",
    )

    def __init__(self, index: int, id: str | None, name: str, choice: int) -> None:
        self.index = index
        self.id = id
        self.name = name
        self.choice = choice
        self.args: _JSONArgs | _ModelArgs | None = None  # None: name not known yet, or failed
        self.model: type[Any] | None = None  # the tool's model (None: no validation)
        # The raw argument text while ``args`` is None (kept compact); the parser of
        # ``args`` holds it otherwise (see :meth:`text`).
        self.parts = TextParts()
        self.fed = 0  # characters fed to ``args``
        self.partial: Any = None
        self.failed = False

    def text(self) -> str:
        """The raw argument text received so far."""
        args = self.args
        return self.parts.text() if args is None else args.received()

    def drop_args(self) -> str:
        """Stop parsing (the call failed); the raw text so far, which ``parts`` now hold."""
        text = self.text()
        self.args = None
        self.parts = TextParts(text)
        return text


def _new_args(call: _Call) -> _JSONArgs | _ModelArgs:
    return _JSONArgs() if call.model is None else _ModelArgs(call.model)


class ToolCallAssembler:
    """The sync core of :func:`tool_calls`: provider items in, enriched tool-call events out.

    ``feed(item)`` takes anything :class:`~streamops.providers.ProviderAdapter`
    takes (raw body chunks, SSE events, dicts, SDK stream objects, provider
    events), plus the output of :func:`tool_calls` itself (so applying it twice
    changes nothing), and returns the events it produced; ``close()`` ends the
    stream and reports the calls still open as cut off. No event loop needed.

    Per call, the argument fragments are fed to one incremental parser (strict
    JSON): a :class:`~streamops.models.ModelHydrator` for the tool's model, or,
    with ``tools=None``, a :class:`~streamops.json.JSONParser` and
    :class:`~streamops.json.SnapshotBuilder`. Each fragment is parsed once, so
    the cost of a fragment does not grow with the arguments before it (except
    for building the one string value still open in a snapshot).

    Args:
        tools: the registry ``{name: model type or callable}`` (see
            :func:`tool_model`), or ``None`` for no validation: any name, and
            ``parsed`` is the plain JSON value.
        provider: as for :func:`~streamops.providers.events`.

    >>> from streamops.providers import ToolCallStarted, ToolCallDelta
    >>> core = ToolCallAssembler()
    >>> core.feed(ToolCallStarted(0, "call_1", "search"))
    [ToolCallStarted(index=0, id='call_1', name='search', choice=0, server=False)]
    >>> core.feed(ToolCallDelta(0, '{"q": "cats", "n": 1'))
    [ToolCallDelta(index=0, text='{"q": "cats", "n": 1', choice=0, partial_args={'q': 'cats'},
                   id='call_1', name='search')]
    >>> core.close()[0].error
    ToolCallError("the arguments of tool 'search' (call 'call_1') were cut off: ...")
    """

    __slots__ = ("_adapter", "_calls", "_partial", "_registry", "_server")

    def __init__(
        self,
        tools: Mapping[str, ToolSpec] | None = None,
        *,
        provider: Provider = "auto",
        _registry: _Registry | None = None,
        _what: str = "ToolCallAssembler.feed()",
        _partial: bool = True,
    ) -> None:
        if _registry is None and tools is not None:
            _registry = _Registry(tools)
        self._registry = _registry
        self._adapter = ProviderAdapter(provider, _what=_what)
        self._calls: dict[tuple[int, int], _Call] = {}
        self._server: set[tuple[int, int]] = set()
        # False: no consumer reads ``partial_args`` (run_tools without its events), so
        # no snapshot is built per fragment; validation and the final model are the same.
        self._partial = _partial

    @property
    def done(self) -> bool:
        """True once the provider's ``[DONE]`` sentinel was seen (later items are ignored)."""
        return self._adapter.done

    def feed(self, item: Any) -> list[ToolEvent]:
        """Interpret one item; return the events it produced, tool calls enriched."""
        out: list[ToolEvent] = []
        kind = item.__class__
        if kind is ToolCallDelta and not self._adapter.done:  # the common item: straight in
            self._delta(item, out)
            return out
        if kind is ToolCallFailed:
            self._failed_upstream(item, out)
            return out
        for event in self._adapter.feed(item):
            if event.__class__ is ToolCallDelta:  # made by the adapter just now
                self._delta(event, out, True)
            else:
                self._handle(event, out)
        return out

    def close(self) -> list[ToolEvent]:
        """End of stream: the adapter's last events; calls never finished fail as cut off.

        For a body cut off inside an event, the cut-off calls come first and the
        error is raised by the next ``close()`` (see
        :class:`~streamops.providers.ProviderAdapter`): call it until it returns ``[]``.
        """
        out: list[ToolEvent] = []
        cut: list[Event] = []  # the marker of a body cut short: last, after the calls
        for event in self._adapter.close():
            if event.__class__ is Finished and is_cut(event):
                cut.append(event)
            else:
                self._handle(event, out)
        calls, self._calls = self._calls, {}
        out.extend(self._cut_off(call, None) for call in calls.values() if not call.failed)
        out.extend(cut)
        return out

    # -- events --------------------------------------------------------------------------

    def _handle(self, event: Event, out: list[ToolEvent]) -> None:
        kind = event.__class__
        if kind is ToolCallDelta:
            self._delta(event, out, True)  # type: ignore[arg-type]
        elif kind is ToolCallStarted:
            self._started(event, out)  # type: ignore[arg-type]
        elif kind is ToolCallDone:
            self._done(event, out)  # type: ignore[arg-type]
        else:
            out.append(event)

    def _started(self, event: ToolCallStarted, out: list[ToolEvent]) -> None:
        key = (event.choice, event.index)
        old = self._calls.get(key)
        if old is not None and event.id is not None and old.id == event.id:
            return  # the same call announced again: one call, one end
        if old is not None:
            del self._calls[key]
            if not old.failed:  # a new call where one was still open
                out.append(self._cut_off(old, event.raw))
        out.append(event)
        if event.server:
            self._server.add(key)
            return
        self._server.discard(key)
        call = self._calls[key] = _Call(event.index, event.id, event.name, event.choice)
        if event.name or self._registry is None:
            self._resolve(call, event.name, event.raw, out)

    def _resolve(self, call: _Call, name: str, raw: Any, out: list[ToolEvent]) -> bool:
        """Set up the argument parser of a call whose name is known; False if it failed."""
        call.name = name
        registry = self._registry
        if registry is not None:
            tool = registry.tools.get(name)
            if tool is None:
                out.append(self._fail(call, registry.unknown(name), None, raw))
                return False
            call.model = tool.model
        call.args = _new_args(call)
        return True

    def _delta(self, event: ToolCallDelta, out: list[ToolEvent], fresh: bool = False) -> None:
        """One fragment. ``fresh``: the adapter made ``event`` just now (nobody else holds
        it), so it is completed in place rather than copied."""
        key = (event.choice, event.index)
        if self._server and key in self._server:
            out.append(event)
            return
        call = self._calls.get(key)
        if call is None:  # fragments of a call that never started: its name comes at the end
            call = self._calls[key] = _Call(event.index, None, "", event.choice)
            if self._registry is None:
                call.args = _JSONArgs()
        text = event.text
        args = call.args
        if args is None:
            call.parts.append(text)
            if not fresh or event.partial_args is not None:
                event = ToolCallDelta(
                    event.index, text, event.choice, None, *_who(event, call), event.raw
                )
            out.append(event)
            return
        try:
            changed = args.feed(text)
            call.fed += len(text)
            if changed and self._partial:
                call.partial = args.snapshot()
        except _ARGUMENT_ERRORS as exc:
            if exc.events:  # the arguments as far as they were well-formed
                call.partial, exc.events = exc.events[0], ()
            out.append(
                ToolCallDelta(
                    event.index, text, event.choice, call.partial, *_who(event, call), event.raw
                )
            )
            out.append(self._argument_error(call, exc, event.raw))
            return
        if fresh:
            event.partial_args = call.partial
            if event.id is None:
                event.id = call.id
            if event.name is None:
                event.name = call.name or None
            out.append(event)
        else:
            out.append(
                ToolCallDelta(
                    event.index, text, event.choice, call.partial, *_who(event, call), event.raw
                )
            )

    def _done(self, event: ToolCallDone, out: list[ToolEvent]) -> None:
        key = (event.choice, event.index)
        if key in self._server or event.server:
            self._server.discard(key)
            out.append(event)
            return
        call = self._calls.pop(key, None)
        if call is None:  # a whole call in one event
            call = _Call(event.index, event.id, event.name, event.choice)
        elif call.failed:
            return  # its ToolCallFailed was emitted already
        if event.id:
            call.id = event.id
        name = event.name or call.name
        fresh = call.args is None  # (its fragments, if any, were not parsed)
        if fresh and not self._resolve(call, name, event.raw, out):
            return
        call.name = name
        args = call.args
        assert args is not None
        arguments = event.arguments
        try:
            if call.fed != len(arguments) or fresh:
                if not fresh and arguments.startswith(args.received()):
                    args.feed(arguments[call.fed :])
                else:  # the provider's final text differs from the fragments: it wins
                    if not fresh:
                        args = call.args = _new_args(call)
                    args.feed(arguments)
                call.parts = TextParts()
                call.fed = len(arguments)
            if not event.complete:
                out.append(self._cut_off(call, event.raw))
                return
            if not arguments or arguments.isspace():
                args.feed("{}")  # no argument text at all: a tool without parameters
            parsed = args.finish()
        except _ARGUMENT_ERRORS as exc:
            call.args = None
            call.parts = TextParts(arguments)
            out.append(self._argument_error(call, exc, event.raw))
            return
        out.append(
            ToolCallDone(
                event.index,
                call.id,
                name,
                arguments,
                parsed,
                event.choice,
                False,
                True,
                event.raw,
            )
        )

    def _failed_upstream(self, event: ToolCallFailed, out: list[ToolEvent]) -> None:
        """A ToolCallFailed in the input (the output of another tool_calls())."""
        key = (event.choice, event.index)
        call = self._calls.get(key)
        if call is not None:
            if call.failed:
                return  # failed here too: reported already
            call.failed = True
            call.drop_args()
        out.append(event)

    # -- failures ------------------------------------------------------------------------

    @staticmethod
    def _describe(call: _Call) -> str:
        where = f"tool {call.name!r}" if call.name else "a tool call"
        return where + (f" (call {call.id!r})" if call.id else "")

    def _fail(
        self, call: _Call, message: str, cause: BaseException | None, raw: Any
    ) -> ToolCallFailed:
        call.failed = True
        arguments = call.drop_args()
        error = ToolCallError(
            message,
            name=call.name or None,
            call_id=call.id,
            arguments=arguments,
            received=arguments,
        )
        if cause is not None:
            error.__cause__ = cause
            # Where the arguments went wrong, on the error itself (not only its cause).
            path = getattr(cause, "path", None)
            if isinstance(path, tuple):
                error.path = path
            if isinstance(cause, StreamValidationError):
                error.value = cause.value
                error.errors = cause.errors
        return ToolCallFailed(call.index, call.id, call.name, error, call.choice, raw)

    def _argument_error(self, call: _Call, exc: Exception, raw: Any) -> ToolCallFailed:
        what = "invalid" if isinstance(exc, StreamValidationError) else "malformed"
        return self._fail(call, f"{what} arguments for {self._describe(call)}: {exc}", exc, raw)

    def _cut_off(self, call: _Call, raw: Any) -> ToolCallFailed:
        """The provider never finished the call: its arguments are probably truncated."""
        cause: Exception | None = None
        if call.args is not None:
            try:
                call.args.finish()
            except _ARGUMENT_ERRORS as exc:
                cause = exc
        message = (
            f"the arguments of {self._describe(call)} were cut off: "
            "the provider did not finish the call"
        )
        failed = self._fail(call, message, cause, raw)
        failed.error.cut_off = True
        return failed


# --- tool_calls -------------------------------------------------------------------------


def tool_calls(
    tools: Mapping[str, ToolSpec] | None = None,
    *,
    provider: Provider = "auto",
    on_error: OnError = "event",
) -> Callable[[AsyncIterable[object]], Stream[ToolEvent]]:
    """Assemble tool calls from a provider stream, validating the arguments as they stream.

    Takes the same inputs as :func:`~streamops.providers.events` (SDK stream
    objects, dicts, SSE events, raw bodies) or provider events already made,
    and yields provider events: non-tool events unchanged, tool-call events
    enriched. Chunk boundaries do not matter: argument fragments may be cut
    anywhere (inside a key, a number, an escape).

    * ``ToolCallStarted`` as soon as the name is known, before any argument;
    * ``ToolCallDelta`` per fragment, ``partial_args`` holding the arguments
      so far: a ``Partial[Model]`` snapshot for a tool with a model (the
      validated model itself once the text is a complete object), or the plain
      partial JSON value with ``tools=None`` (strings grow, numbers and
      literals appear once complete). Either way a snapshot never changes
      once emitted: the containers still open are copied, completed values
      shared. A fragment that shows nothing new (the middle of a number)
      carries the previous snapshot; ``None`` until something shows;
    * ``ToolCallDone`` when the provider says the call is finished, with
      ``arguments`` (the raw text) and ``parsed`` (the validated model
      instance; for a callable, an instance of :func:`tool_model` of it; with
      ``tools=None``, the JSON value);
    * :class:`ToolCallFailed` when a call cannot be used (see the module
      documentation for when each failure is reported).

    An empty argument string (or whitespace) in a finished call means ``{}``:
    a tool without parameters. Server-side tools pass through unvalidated.

    Args:
        tools: the registry ``{name: model type or callable}``, or ``None`` for
            no validation (any name; ``parsed`` is the plain JSON value).
        provider: as for :func:`~streamops.providers.events`.
        on_error: ``"event"`` (default) reports a failed call with a
            :class:`ToolCallFailed` event and carries on with the others;
            ``"raise"`` raises its :class:`~streamops.ToolCallError` at once,
            closing the upstream (and with it the request to the model).

    Yields:
        :data:`ToolEvent` values: provider events and ``ToolCallFailed``.

    Raises:
        ToolCallError: with ``on_error="raise"``. It carries ``name``,
            ``call_id``, ``arguments`` (the raw text so far; ``.received`` too)
            and the parser's or validator's error as ``__cause__``.
        TypeError: at once, for a registry entry that is not a model or a callable.

    Arguments grow field by field; the done call carries the model:

    >>> from pydantic import BaseModel
    >>> from streamops import drain, pipe
    >>> from streamops.providers import Finished, ToolCallStarted, ToolCallDelta, ToolCallDone
    >>> class Weather(BaseModel):
    ...     city: str
    ...     days: int = 1
    >>> stream = [ToolCallStarted(0, "call_1", "weather"),
    ...           ToolCallDelta(0, '{"city": "Pa'), ToolCallDelta(0, 'ris", "days": 3}'),
    ...           ToolCallDone(0, "call_1", "weather", '{"city": "Paris", "days": 3}', None),
    ...           Finished("tool_calls")]
    >>> started, delta1, delta2, done, _ = drain(pipe(stream, tool_calls({"weather": Weather})))
    >>> delta1.partial_args, delta2.partial_args
    (Partial[Weather](city='Pa', days=None), Weather(city='Paris', days=3))
    >>> done
    ToolCallDone(index=0, id='call_1', name='weather', arguments='{"city": "Paris", "days": 3}',
                 parsed=Weather(city='Paris', days=3), choice=0, server=False, complete=True)

    A wrong argument is reported when its field completes, before the call ends:

    >>> stream = [ToolCallStarted(0, "call_1", "weather"),
    ...           ToolCallDelta(0, '{"days": "many", '), ToolCallDelta(0, '"city": "Rome"}')]
    >>> failed = drain(pipe(stream, tool_calls({"weather": Weather})))[2]
    >>> print(failed.error)
    invalid arguments for tool 'weather' (call 'call_1'): Input should be a valid integer, ...
    >>> failed.error.arguments
    '{"days": "many", '

    With ``tools=None``, any tool, plain JSON:

    >>> drain(pipe([ToolCallDone(0, "c", "ping", "", None)], tool_calls()))[0].parsed
    {}
    """
    if on_error not in ("event", "raise"):
        raise ValueError(f"on_error must be 'event' or 'raise', not {on_error!r}")
    registry = None if tools is None else _Registry(tools)
    ProviderAdapter(provider)  # an unknown provider name fails here, not mid-stream
    return _tool_calls(registry, provider, on_error)


def _tool_calls(
    registry: _Registry | None, provider: Provider, on_error: OnError
) -> Callable[[AsyncIterable[object]], Stream[ToolEvent]]:
    """The operator :func:`tool_calls` returns: one fused stage (see :func:`_fused`)."""

    def apply(source: AsyncIterable[object]) -> Stream[ToolEvent]:
        upstream = stream(source)
        return Stream._stage(_fused(upstream, registry, provider, on_error), upstream)

    apply.__name__ = apply.__qualname__ = "tool_calls"
    return apply


async def _fused(
    upstream: Stream[Any], registry: _Registry | None, provider: Provider, on_error: OnError
) -> AsyncGenerator[ToolEvent, None]:
    """The stage of :func:`tool_calls`: the body of :func:`_assemble` and the closing of
    the upstream in one generator, and a plain iterable upstream (a list of recorded
    items) looped over directly, as chunk operators do (one async-generator boundary
    per item instead of three)."""
    try:
        sync = upstream._sync
        if sync is None:
            async for event in _assemble(upstream._iterator, registry, provider, on_error):
                yield event
            return
        core = ToolCallAssembler(provider=provider, _registry=registry, _what="tool_calls()")
        adapter = core._adapter
        feed = _feeder(core, on_error)
        for item in sync:
            for event in feed(item):
                yield event
            if adapter.done:
                break
        for event in _closing(core, on_error):
            yield event
    finally:
        await _shielded_close(upstream)


async def _assemble(
    source: AsyncIterable[Any],
    registry: _Registry | None,
    provider: Provider,
    on_error: OnError,
    what: str = "tool_calls()",
    partial: bool = True,
) -> AsyncGenerator[ToolEvent, None]:
    """The body of :func:`tool_calls` (it leaves closing ``source`` to its caller)."""
    core = ToolCallAssembler(provider=provider, _registry=registry, _what=what, _partial=partial)
    feed = _feeder(core, on_error)
    async for item in source:
        for event in feed(item):
            yield event
        if core.done:
            break
    for event in _closing(core, on_error):
        yield event


def _checked(events: list[ToolEvent]) -> Iterator[ToolEvent]:
    """``events`` up to the first failed call, whose error it raises (``on_error="raise"``)."""
    for event in events:
        if event.__class__ is ToolCallFailed:
            raise event.error
        yield event


def _feeder(core: ToolCallAssembler, on_error: OnError) -> Callable[[Any], Iterable[ToolEvent]]:
    """``core.feed``, or with ``on_error="raise"`` a feed that raises a failed call's error."""
    if on_error == "event":
        return core.feed
    feed = core.feed
    return lambda item: _checked(feed(item))


def _closing(core: ToolCallAssembler, on_error: OnError) -> Iterator[ToolEvent]:
    """The events of ``core.close()`` (see :func:`_feeder` for ``on_error``)."""
    out = core.close()
    yield from out if on_error == "event" else _checked(out)
    core.close()  # a body cut off inside an event: its error, after the cut-off calls


# --- run_tools --------------------------------------------------------------------------


def _who(event: ToolCallDelta, call: _Call) -> tuple[str | None, str | None]:
    """The id and name a delta carries: its own, or its call's."""
    return (
        call.id if event.id is None else event.id,
        (call.name or None) if event.name is None else event.name,
    )


class _Board:
    """What the background runner hands the consumer: results in call order, the
    upstream's events when they are kept (``with_events``), and the end."""

    __slots__ = ("_changed", "_drained", "ended", "error", "events", "results")

    def __init__(self, *, events: bool = False) -> None:
        self.results: list[ToolResult | None] = []  # one slot per call, filled when it ends
        # The upstream's events, in order, when kept; the runner waits while it is full.
        self.events: deque[ToolEvent] | None = deque() if events else None
        self.ended = False  # no more calls will come
        self.error: BaseException | None = None  # the upstream failed
        self._changed: anyio.Event | None = None
        self._drained: anyio.Event | None = None

    def add(self, result: ToolResult | None = None) -> int:
        self.results.append(result)
        if result is not None:
            self.notify()
        return len(self.results) - 1

    async def put(self, event: ToolEvent) -> None:
        """Keep an upstream event for the consumer; wait while many are waiting."""
        assert self.events is not None
        self.events.append(event)
        self.notify()
        while len(self.events) >= _KEPT_EVENTS:
            if self._drained is None:
                self._drained = anyio.Event()
            await self._drained.wait()

    def taken(self) -> None:
        """The consumer took an event: a waiting runner may go on."""
        if self._drained is not None and self.events is not None:
            if len(self.events) < _KEPT_EVENTS:
                self._drained.set()
                self._drained = None

    def notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    async def wait(self) -> None:
        if self._changed is None:
            self._changed = anyio.Event()
        await self._changed.wait()


# How many upstream events run_tools(with_events=True) holds for a slow consumer.
_KEPT_EVENTS = 64


async def _execute(tool: _Tool, call: ToolCallDone) -> Any:
    fn = tool.fn
    if fn is None:  # a model with nothing to run: the result is the validated arguments
        return call.parsed
    args, kwargs = tool.arguments(call.parsed)
    if tool.is_async:
        return await fn(*args, **kwargs)
    result = await anyio.to_thread.run_sync(
        functools.partial(fn, *args, **kwargs), abandon_on_cancel=True
    )
    if inspect.isawaitable(result):
        result = await result
    return result


class _Runner:
    """The background task of :func:`run_tools`: read the calls, start each as soon as it
    is done, at most ``limit`` at a time, in call order (a call waiting for room starts
    before any later one), and put the results on the board."""

    __slots__ = ("board", "limit", "queue", "registry", "running", "tg")

    def __init__(self, registry: _Registry, limit: int, board: _Board) -> None:
        self.registry = registry
        self.limit = limit
        self.board = board
        self.running = 0
        self.queue: deque[tuple[_Tool, ToolCallDone, int]] = deque()
        self.tg: anyio.abc.TaskGroup | None = None

    async def run(self, calls: AsyncIterable[ToolEvent]) -> None:
        board = self.board
        try:
            async with anyio.create_task_group() as tg:
                self.tg = tg
                try:
                    async for event in calls:
                        if board.events is not None:
                            await board.put(event)
                        if event.__class__ is ToolCallDone:
                            if not event.server:
                                tool = self.registry.tools[event.name]
                                self._submit(tool, event, board.add())
                        elif event.__class__ is ToolCallFailed:
                            board.add(
                                ToolResult(event.index, event.id, event.name, None, event.error)
                            )
                except Exception as exc:
                    board.error = exc
                finally:
                    board.ended = True
                    board.notify()
        except Exception as exc:  # pragma: no cover - the tasks catch their own errors
            if board.error is None:
                board.error = exc
            board.notify()

    def _submit(self, tool: _Tool, call: ToolCallDone, slot: int) -> None:
        if self.running < self.limit:
            self.running += 1
            assert self.tg is not None
            self.tg.start_soon(self._run_one, tool, call, slot)
        else:
            self.queue.append((tool, call, slot))

    async def _run_one(self, tool: _Tool, call: ToolCallDone, slot: int) -> None:
        try:
            value = await _execute(tool, call)
        except Exception as exc:
            result = ToolResult(call.index, call.id, call.name, None, exc)
        else:
            result = ToolResult(call.index, call.id, call.name, value)
        finally:
            self.running -= 1
            if self.queue:
                self._submit(*self.queue.popleft())
        self.board.results[slot] = result
        self.board.notify()


@overload
def run_tools(
    tools: Mapping[str, ToolSpec],
    *,
    max_concurrency: int = ...,
    provider: Provider = ...,
    with_events: Literal[False] = ...,
) -> Callable[[AsyncIterable[object]], Stream[ToolResult]]: ...
@overload
def run_tools(
    tools: Mapping[str, ToolSpec],
    *,
    max_concurrency: int = ...,
    provider: Provider = ...,
    with_events: Literal[True],
) -> Callable[[AsyncIterable[object]], Stream[ToolEvent | ToolResult]]: ...
def run_tools(
    tools: Mapping[str, ToolSpec],
    *,
    max_concurrency: int = 8,
    provider: Provider = "auto",
    with_events: bool = False,
) -> Callable[[AsyncIterable[object]], Stream[Any]]:
    """Run each tool call as soon as its own arguments are done; yield the results in call order.

    Applies :func:`tool_calls` itself, so it takes anything that does: a raw
    body, SDK stream objects, provider events, or the output of
    ``tool_calls(tools)`` (which it leaves as it is). Each finished call starts
    at once in a background task, while later calls are still streaming, at
    most ``max_concurrency`` at a time: async functions are awaited, sync ones
    run in a worker thread (``anyio.to_thread``). A tool registered as a model
    type has nothing to run: its result's value is the validated arguments.

    Results come in call order (the order in which the calls finished
    streaming, which is the order the provider lists them in): a result
    waits for the results of the calls before it. Nothing is lost: a tool
    that raises gives ``ToolResult(error=exc)``, a call that could not be
    assembled (:class:`ToolCallFailed`) gives ``ToolResult(error=ToolCallError)``
    without running, and the other calls run regardless. Server-side tools
    give no result (the provider ran them). With ``with_events=True`` every
    event of the stream (text, reasoning, the tool-call events, usage, the
    finish) flows on beside the results, as it arrives: each result comes as
    soon as it is ready, and events never wait for a tool (at most 64 wait for
    a slow consumer). Otherwise they are consumed and dropped (a ``collect()``
    before it keeps them too).

    If the upstream fails, the results of the calls that had finished
    streaming are delivered first, then its error is raised. Closing or
    cancelling the stream cancels the tools still running (a sync tool's
    thread cannot be interrupted: it is abandoned and its result dropped)
    and closes the upstream.

    Args:
        tools: the registry ``{name: callable or model type}`` (see :func:`tool_model`).
        max_concurrency: how many tools may run at once.
        provider: as for :func:`~streamops.providers.events`.
        with_events: also yield the stream's events, beside the results.

    Yields:
        one :class:`ToolResult` per call (and, ``with_events``, every event).

    >>> from streamops import drain, pipe
    >>> from streamops.providers import ToolCallDone
    >>> async def add(a: int, b: int) -> int:
    ...     return a + b
    >>> def shout(text: str) -> str:
    ...     return text.upper()
    >>> calls = [ToolCallDone(0, "c1", "add", '{"a": 1, "b": 2}', None),
    ...          ToolCallDone(1, "c2", "shout", '{"text": "hi"}', None),
    ...          ToolCallDone(2, "c3", "add", '{"a": "x"}', None)]
    >>> for result in drain(pipe(calls, run_tools({"add": add, "shout": shout}))):
    ...     print(result.id, result.value, result.error)
    c1 3 None
    c2 HI None
    c3 None invalid arguments for tool 'add' (call 'c3'): Input should be a valid integer, ...
    """
    if not isinstance(max_concurrency, int) or max_concurrency < 1:
        raise ValueError(f"max_concurrency must be a positive integer, not {max_concurrency!r}")
    registry = _Registry(tools)
    ProviderAdapter(provider)
    return _run_tools(registry, max_concurrency, provider, with_events)


@operator
async def _run_tools(
    source: AsyncIterable[Any],
    registry: _Registry,
    max_concurrency: int,
    provider: Provider,
    with_events: bool,
) -> AsyncIterator[ToolEvent | ToolResult]:
    # (without its events, nobody sees a delta's partial_args: none are built)
    calls = _assemble(source, registry, provider, "event", "run_tools()", with_events)
    board = _Board(events=with_events)
    kept = board.events
    runner = _Runner(registry, max_concurrency, board)
    task = Background(functools.partial(runner.run, calls))
    try:
        results = board.results
        i = 0
        while True:
            await anyio.lowlevel.checkpoint_if_cancelled()  # see Pump.get
            if kept:
                event = kept.popleft()
                board.taken()
                yield event
                continue
            if i < len(results):
                result = results[i]
                if result is not None:
                    results[i] = None  # the consumer keeps it; the board need not
                    i += 1
                    yield result
                    continue
            elif board.ended:
                break
            await board.wait()
        if board.error is not None:
            raise board.error
    finally:
        await task.stop()
        await calls.aclose()
