"""The public API: everything in __all__ exists, is sorted, and has a docstring."""

from __future__ import annotations

import importlib
import inspect
import typing

import pytest

import streamops

MODULES = [
    "streamops",
    "streamops.clients",
    "streamops.errors",
    "streamops.flow",
    "streamops.providers",
    "streamops.samples",
    "streamops.models",
    "streamops.json",
    "streamops.tools",
    "streamops.delivery",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_resolves(name: str) -> None:
    module = importlib.import_module(name)

    # isort-style, as ruff's RUF022 keeps it: CONSTANTS, then Classes, then functions
    def key(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert list(module.__all__) == sorted(module.__all__, key=key)
    for attr in module.__all__:
        assert hasattr(module, attr), f"{name}.{attr}"


@pytest.mark.parametrize("name", MODULES)
def test_public_names_are_documented(name: str) -> None:
    module = importlib.import_module(name)
    for attr in module.__all__:
        obj = getattr(module, attr)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and typing.get_origin(obj) is None:
            assert (obj.__doc__ or "").strip(), f"{name}.{attr} has no docstring"


def test_top_level_reexports_every_family() -> None:
    for name in ["_text", "flow", "errors", "models"]:
        module = importlib.import_module(f"streamops.{name}")
        for attr in module.__all__:
            assert getattr(streamops, attr) is getattr(module, attr)


def test_the_name_text_is_the_text_operator() -> None:
    # `from streamops import text` then `pipe(response, text())`: the operator, one
    # name per thing (the text buffers live in the private streamops._text).
    import streamops._text
    import streamops.providers
    from streamops import drain, pipe, text

    assert text is streamops.text is streamops.providers.text
    assert streamops._text.words is streamops.words
    body = [
        b'data: {"choices": [{"index": 0, "delta": {"content": "Hi"}}]}\n\n',
        b'data: {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}\n\n',
        b"data: [DONE]\n\n",
    ]
    assert drain(pipe(body, text())) == ["Hi"]
