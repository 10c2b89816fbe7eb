"""A griffe extension for the API reference: the docstrings' reST habits, rendered as Markdown.

The docstrings are Google style with bare ``>>>`` examples (run by the doctests) and a
few reST habits (``:func:`name``` roles, ``::`` before a literal block). Markdown would
read a doctest as a paragraph (its brackets as links), so this wraps each run of
doctest lines (the prompt lines and the output up to a blank line) in a ``pycon``
fence, turns a role into a code span and ``text::`` into ``text:``. Only the rendered
page changes; the docstrings stay what ``help()`` and the doctests read.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj):`~?([^`]+)`")


def markdown(text: str) -> str:
    """The docstring text with doctest runs fenced, roles as code spans, ``::`` as ``:``.

    >>> markdown("See :func:`~streamops.pipe`::").splitlines()
    ['See `streamops.pipe`:']
    >>> fence = chr(96) * 3
    >>> markdown(chr(62) * 3 + " 1 + 1\\n2\\n\\nDone.").split("\\n") == [
    ...     fence + "pycon", chr(62) * 3 + " 1 + 1", "2", fence, "", "Done."]
    True
    """
    out: list[str] = []
    lines = text.split("\n")
    i = 0
    fenced = False
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
        if not fenced and stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            out.append(f"{indent}```pycon")
            while i < len(lines) and lines[i].strip():
                out.append(lines[i])
                i += 1
            out.append(f"{indent}```")
            continue
        if not fenced:
            line = _ROLE.sub(r"`\1`", line)
            if line.endswith("::") and not line.endswith(":::"):
                line = line[:-1]
        out.append(line)
        i += 1
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Rewrites each object's docstring for rendering, when griffe loads it."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)
