"""Every public name has a docstring with a runnable example (run as doctests)."""

from __future__ import annotations

import importlib
import inspect
import typing

import pytest

MODULES = [
    "streamops",
    "streamops.clients",
    "streamops.delivery",
    "streamops.errors",
    "streamops.flow",
    "streamops.json",
    "streamops.models",
    "streamops.providers",
    "streamops.samples",
    "streamops._text",
    "streamops.tools",
    "streamops.ui",
]


@pytest.mark.parametrize("name", MODULES)
def test_every_public_function_and_class_has_an_example(name: str) -> None:
    module = importlib.import_module(name)
    missing = [
        attr
        for attr in module.__all__
        if (inspect.isfunction(obj := getattr(module, attr)) or inspect.isclass(obj))
        and typing.get_origin(obj) is None  # a generic alias (Operator) is no class
        and ">>>" not in (inspect.getdoc(obj) or "")
    ]
    assert missing == []
