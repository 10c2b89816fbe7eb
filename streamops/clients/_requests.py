"""One request per SDK: recognise the client, send the schema the provider's native strict
way, open the stream, and phrase a retry the way the provider expects.

Nothing here imports an SDK: the client object says which one it is (the SDK is
then already imported), so the core keeps its two dependencies.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..providers import Provider

__all__ = ["EXTRAS", "Request", "build_request", "require", "sdk_of"]

Api = Literal["chat", "responses"]
Mode = Literal["auto", "output_config", "tool"]

EXTRAS: dict[str, tuple[str, str]] = {
    # SDK top-level module -> (import name, extra)
    "openai": ("openai", "openai"),
    "anthropic": ("anthropic", "anthropic"),
    "google": ("google.genai", "gemini"),
}


def require(sdk: str) -> Any:
    """Import an SDK, or say which extra installs it.

    >>> require("openai").__name__
    'openai'
    """
    module, extra = EXTRAS[sdk]
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"streamops needs the {module!r} package for this client: "
            f'pip install "streamops[{extra}]"'
        ) from exc


def sdk_of(client: Any) -> tuple[str, bool]:
    """``(sdk, is_async)`` for a client of a supported SDK; ``TypeError`` otherwise.

    >>> sdk_of(object())
    Traceback (most recent call last):
    ...
    TypeError: expected an openai, anthropic or google-genai client, not object
    """
    for cls in type(client).__mro__:
        module = getattr(cls, "__module__", "") or ""
        top = module.split(".")[0]
        if top in ("openai", "anthropic") or module.startswith("google.genai"):
            sdk = "google" if top == "google" else top
            require(sdk)
            is_async = any(c.__name__.startswith("Async") for c in type(client).__mro__)
            return sdk, is_async
    raise TypeError(
        f"expected an openai, anthropic or google-genai client, not {type(client).__name__}"
    )


@dataclass(slots=True)
class Request:
    """Everything :class:`~streamops.clients.ModelStream` needs to run one provider call.

    Attributes:
        provider: the name :func:`~streamops.providers.events` reads the stream with.
        is_async: whether ``open`` returns an awaitable (an async client).
        kwargs: the SDK call's keyword arguments, schema included.
        open: the SDK call: ``open(kwargs)`` starts the stream.
        retry: ``retry(kwargs, received, message, call_id)``: the next attempt's
            arguments, with the failed answer and the error appended to the
            conversation.
        tool: the forced tool whose arguments carry the answer (Anthropic
            without structured outputs), or ``None`` when it comes as text.
    """

    provider: Provider
    is_async: bool
    kwargs: dict[str, Any]
    open: Callable[[dict[str, Any]], Any]
    retry: Callable[[dict[str, Any], str, str, str | None], dict[str, Any]]
    tool: str | None = None


def build_request(
    client: Any,
    schema: dict[str, Any],
    name: str,
    description: str | None,
    kwargs: dict[str, Any],
    *,
    api: Api | None,
    mode: Mode,
) -> Request:
    """The :class:`Request` for ``client`` with ``schema`` sent the provider's strict way."""
    sdk, is_async = sdk_of(client)
    if sdk == "openai":
        if api is None:
            api = "responses" if "input" in kwargs and "messages" not in kwargs else "chat"
        if api == "chat":
            return _openai_chat(client, schema, name, description, kwargs, is_async)
        if api == "responses":
            return _openai_responses(client, schema, name, description, kwargs, is_async)
        raise ValueError(f"api must be 'chat' or 'responses', not {api!r}")
    if api is not None:
        raise ValueError(f"api= is for openai clients only, not a {sdk} client")
    if sdk == "anthropic":
        return _anthropic(client, schema, name, description, kwargs, is_async, mode)
    return _gemini(client, schema, kwargs, is_async)


def _check_free(kwargs: Mapping[str, Any], *keys: str) -> None:
    for key in keys:
        if key in kwargs:
            raise ValueError(f"stream_model() sets {key}= itself; do not pass it")


def _openai_chat(
    client: Any,
    schema: dict[str, Any],
    name: str,
    description: str | None,
    kwargs: dict[str, Any],
    is_async: bool,
) -> Request:
    _check_free(kwargs, "response_format", "stream")
    json_schema: dict[str, Any] = {"name": name, "schema": schema, "strict": True}
    if description:
        json_schema["description"] = description
    kw = {
        **kwargs,
        "response_format": {"type": "json_schema", "json_schema": json_schema},
        "stream": True,
    }
    kw.setdefault("stream_options", {"include_usage": True})

    def retry(
        kw: dict[str, Any], received: str, message: str, call_id: str | None
    ) -> dict[str, Any]:
        turn = [{"role": "assistant", "content": received}, {"role": "user", "content": message}]
        return {**kw, "messages": [*kw.get("messages", ()), *turn]}

    return Request(
        "openai-chat", is_async, kw, lambda kw: client.chat.completions.create(**kw), retry
    )


def _openai_responses(
    client: Any,
    schema: dict[str, Any],
    name: str,
    description: str | None,
    kwargs: dict[str, Any],
    is_async: bool,
) -> Request:
    _check_free(kwargs, "stream")
    text = dict(kwargs.get("text") or {})
    if "format" in text:
        raise ValueError("stream_model() sets text.format itself; do not pass it")
    fmt: dict[str, Any] = {"type": "json_schema", "name": name, "schema": schema, "strict": True}
    if description:
        fmt["description"] = description
    kw = {**kwargs, "text": {**text, "format": fmt}, "stream": True}

    def retry(
        kw: dict[str, Any], received: str, message: str, call_id: str | None
    ) -> dict[str, Any]:
        given = kw.get("input", ())
        history = [{"role": "user", "content": given}] if isinstance(given, str) else list(given)
        turn = [{"role": "assistant", "content": received}, {"role": "user", "content": message}]
        return {**kw, "input": [*history, *turn]}

    return Request(
        "openai-responses", is_async, kw, lambda kw: client.responses.create(**kw), retry
    )


def _accepts(fn: Any, name: str) -> bool:
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):  # pragma: no cover - a signature-less callable
        return False


def _anthropic(
    client: Any,
    schema: dict[str, Any],
    name: str,
    description: str | None,
    kwargs: dict[str, Any],
    is_async: bool,
    mode: Mode,
) -> Request:
    _check_free(kwargs, "stream", "tool_choice")
    create = client.messages.create
    if mode == "auto":
        mode = "output_config" if _accepts(create, "output_config") else "tool"
    if mode == "output_config":
        config = dict(kwargs.get("output_config") or {})
        if "format" in config:
            raise ValueError("stream_model() sets output_config.format itself; do not pass it")
        config["format"] = {"type": "json_schema", "schema": schema}
        kw = {**kwargs, "output_config": config, "stream": True}

        def retry_text(
            kw: dict[str, Any], received: str, message: str, call_id: str | None
        ) -> dict[str, Any]:
            turn = [
                {"role": "assistant", "content": received},
                {"role": "user", "content": message},
            ]
            return {**kw, "messages": [*kw.get("messages", ()), *turn]}

        return Request("anthropic", is_async, kw, lambda kw: create(**kw), retry_text)
    if mode != "tool":
        raise ValueError(f"mode must be 'auto', 'output_config' or 'tool', not {mode!r}")
    tool: dict[str, Any] = {"name": name, "input_schema": schema}
    if description:
        tool["description"] = description
    kw = {
        **kwargs,
        "tools": [*kwargs.get("tools", ()), tool],
        "tool_choice": {"type": "tool", "name": name},
        "stream": True,
    }

    def retry_tool(
        kw: dict[str, Any], received: str, message: str, call_id: str | None
    ) -> dict[str, Any]:
        call_id = call_id or "toolu_streamops_retry"
        turn = [
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": call_id, "name": name, "input": {}}],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": call_id,
                        "is_error": True,
                        "content": f"{message}\nThe arguments you sent were: {received}",
                    }
                ],
            },
        ]
        return {**kw, "messages": [*kw.get("messages", ()), *turn]}

    return Request("anthropic", is_async, kw, lambda kw: create(**kw), retry_tool, tool=name)


def _gemini(client: Any, schema: dict[str, Any], kwargs: dict[str, Any], is_async: bool) -> Request:
    config = kwargs.get("config")
    update = {"response_mime_type": "application/json", "response_json_schema": schema}
    if config is None:
        merged: Any = update
    elif isinstance(config, Mapping):
        _check_free(config, "response_schema", "response_json_schema")
        merged = {**config, **update}
    else:  # a GenerateContentConfig
        if getattr(config, "response_schema", None) or getattr(
            config, "response_json_schema", None
        ):
            raise ValueError("stream_model() sets the response schema itself; do not pass it")
        merged = config.model_copy(update=update)
    kw = {**kwargs, "config": merged}
    models = client.models  # Client.models, or AsyncClient (client.aio).models

    def retry(
        kw: dict[str, Any], received: str, message: str, call_id: str | None
    ) -> dict[str, Any]:
        given = kw.get("contents", ())
        if isinstance(given, str):
            history: list[Any] = [{"role": "user", "parts": [{"text": given}]}]
        elif isinstance(given, (list, tuple)):
            history = list(given)
        else:
            history = [given]
        turn = [
            {"role": "model", "parts": [{"text": received}]},
            {"role": "user", "parts": [{"text": message}]},
        ]
        return {**kw, "contents": [*history, *turn]}

    return Request("gemini", is_async, kw, lambda kw: models.generate_content_stream(**kw), retry)
