"""``tool_definitions``: the ``tools=[...]`` request parameter, built from a tool registry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ..tools import ToolSpec, tool_model
from ._schema import strict_schema

__all__ = ["ToolProvider", "tool_definitions"]

ToolProvider = Literal["openai-chat", "openai-responses", "anthropic", "gemini"]


def tool_definitions(
    tools: Mapping[str, ToolSpec], provider: ToolProvider, *, strict: bool = True
) -> list[dict[str, Any]]:
    """The ``tools`` parameter of a request, in ``provider``'s shape, from a tool registry.

    The registry is the one :func:`~streamops.tool_calls` and
    :func:`~streamops.run_tools` validate against (``{name: model type or
    callable}``); each entry's parameters are :func:`~streamops.tool_model`'s
    JSON schema, its description the model's (or the function's) docstring.
    With ``strict`` (the default) the schema is made strict the way
    :func:`~streamops.clients.strict_schema` says (every property required,
    ``additionalProperties: false``) and OpenAI's ``strict`` flag is set.

    ================== =========================================================
    provider           one entry
    ================== =========================================================
    ``openai-chat``    ``{"type": "function", "function": {"name", "description",
                       "parameters", "strict"}}``
    ``openai-responses`` ``{"type": "function", "name", "description", "parameters",
                       "strict"}``
    ``anthropic``      ``{"name", "description", "input_schema"}``
    ``gemini``         one tool: ``[{"function_declarations": [{"name",
                       "description", "parameters_json_schema"}, ...]}]``
    ================== =========================================================

    Args:
        tools: the registry.
        provider: the request shape.
        strict: send strict schemas.

    Raises:
        ValueError: an unknown ``provider``.
        TypeError: a registry entry that is not a model type or a callable.

    >>> def get_weather(city: str) -> str:
    ...     '''The weather in a city.'''
    ...     return "sunny"
    >>> tool_definitions({"get_weather": get_weather}, "anthropic")
    [{'name': 'get_weather', 'description': 'The weather in a city.',
      'input_schema': {'properties': {'city': {'title': 'City', 'type': 'string'}},
                       'required': ['city'], 'title': 'get_weather', 'type': 'object',
                       'additionalProperties': False}}]
    >>> tool_definitions({"get_weather": get_weather}, "openai-chat")[0]["function"]["strict"]
    True
    """
    if provider not in ("openai-chat", "openai-responses", "anthropic", "gemini"):
        raise ValueError(
            f"unknown provider {provider!r}; expected 'openai-chat', 'openai-responses', "
            "'anthropic' or 'gemini'"
        )
    if not isinstance(tools, Mapping):
        raise TypeError(f"tools must be a mapping of names to models or callables, not {tools!r}")
    out: list[dict[str, Any]] = []
    declarations: list[dict[str, Any]] = []
    for name, spec in tools.items():
        model = tool_model(spec)
        schema = strict_schema(model) if strict else _plain_schema(model)
        description = schema.pop("description", None)
        if provider == "gemini":
            declaration: dict[str, Any] = {"name": name}
            if description:
                declaration["description"] = description
            declaration["parameters_json_schema"] = schema
            declarations.append(declaration)
            continue
        entry: dict[str, Any] = {"name": name}
        if description:
            entry["description"] = description
        if provider == "anthropic":
            entry["input_schema"] = schema
            out.append(entry)
            continue
        entry["parameters"] = schema
        entry["strict"] = strict
        out.append(
            {"type": "function", "function": entry}
            if provider == "openai-chat"
            else {"type": "function", **entry}
        )
    if provider == "gemini":
        return [{"function_declarations": declarations}] if declarations else []
    return out


def _plain_schema(model: Any) -> dict[str, Any]:
    from pydantic import TypeAdapter

    schema: dict[str, Any] = TypeAdapter(model).json_schema(mode="validation")
    return schema
