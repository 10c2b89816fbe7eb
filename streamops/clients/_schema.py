"""A model's JSON schema in the strict form the providers' structured outputs accept."""

from __future__ import annotations

import re
from typing import Any

from pydantic import TypeAdapter

__all__ = ["schema_name", "strict_schema"]

_NAME = re.compile(r"[^a-zA-Z0-9_-]")


def schema_name(model: Any) -> str:
    """The name the providers want for a schema: letters, digits, ``_`` and ``-``, 64 at most.

    >>> schema_name(list[int]), schema_name(type("Plan v2", (), {}))
    ('list', 'Plan_v2')
    """
    name = getattr(model, "__name__", None) or type(model).__name__
    return _NAME.sub("_", name)[:64] or "output"


def strict_schema(model: Any) -> dict[str, Any]:
    """``model``'s JSON schema (validation mode) made strict, as OpenAI's ``strict: true``,
    Anthropic's structured outputs and Gemini's ``response_json_schema`` accept it.

    Every object gets ``additionalProperties: false`` and lists all its properties
    as ``required`` (so the model always writes every field; a field with a
    default is still validated as the model says); ``default`` values are
    dropped; a ``$ref`` with sibling keys (a description, say) is inlined. The
    ``$defs`` stay shared. The input schema is not changed.

    >>> from pydantic import BaseModel
    >>> class Step(BaseModel):
    ...     title: str
    ...     minutes: int = 5
    >>> s = strict_schema(Step)
    >>> s["required"], s["additionalProperties"], "default" in s["properties"]["minutes"]
    (['title', 'minutes'], False, False)
    """
    schema = TypeAdapter(model).json_schema(mode="validation")
    defs: dict[str, Any] = schema.get("$defs", {})
    out: dict[str, Any] = _strict(schema, defs, 0)
    if defs:
        out["$defs"] = {name: _strict(sub, defs, 0) for name, sub in defs.items()}
    return out


def _resolve(ref: str, defs: dict[str, Any]) -> dict[str, Any]:
    prefix = "#/$defs/"
    if not ref.startswith(prefix) or ref[len(prefix) :] not in defs:
        raise ValueError(f"cannot resolve the schema reference {ref!r}")
    found: dict[str, Any] = defs[ref[len(prefix) :]]
    return found


def _strict(node: Any, defs: dict[str, Any], depth: int) -> Any:
    if depth > 256:  # pragma: no cover - a pydantic schema is never this deep
        raise ValueError("the model's JSON schema is nested too deeply")
    if isinstance(node, list):
        return [_strict(item, defs, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node and len(node) > 1:
        merged = {**_resolve(node["$ref"], defs), **{k: v for k, v in node.items() if k != "$ref"}}
        return _strict(merged, defs, depth + 1)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("default", "$defs"):
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _strict(sub, defs, depth + 1) for name, sub in value.items()}
        else:
            out[key] = _strict(value, defs, depth + 1)
    if out.get("type") == "object" or "properties" in out:
        props = out.get("properties", {})
        out["required"] = list(props)
        out.setdefault("additionalProperties", False)
    return out
