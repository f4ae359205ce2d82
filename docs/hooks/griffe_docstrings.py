"""Griffe extension: Sphinx/reST markup in docstrings, shown as Markdown in the API pages.

The docstrings are also read with ``help()`` and in editors, so they use the common
Sphinx roles (``:func:`rerate```) and reST literal-block markers (``Example::``). This
turns them into Markdown code spans and plain colons when the API reference is built.
"""

from __future__ import annotations

import re
from typing import Any

from griffe import Extension

_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|data|exc|obj|const):`(?P<target>[^`]+)`")
_LITERAL_MARKER = re.compile(r"(?<=\S)::$", re.M)
_BARE_MARKER = re.compile(r"^(\s*)::$", re.M)


def _role(match: re.Match[str]) -> str:
    target = match["target"].strip()
    if target.startswith("~"):
        target = target[1:].rsplit(".", 1)[-1]
    return f"`{target}`"


def markdown_docstring(text: str) -> str:
    """The docstring with Sphinx roles as code spans and ``::`` markers as colons."""
    text = _ROLE.sub(_role, text)
    text = _LITERAL_MARKER.sub(":", text)
    return _BARE_MARKER.sub(r"\1", text)


class SphinxRoles(Extension):
    """Rewrite every docstring of a loaded package with :func:`markdown_docstring`."""

    def on_package(self, *, pkg: Any, **kwargs: Any) -> None:
        seen: set[str] = set()
        stack = [pkg]
        while stack:
            obj = stack.pop()
            if obj.is_alias or obj.path in seen:
                continue
            seen.add(obj.path)
            if obj.docstring is not None:
                obj.docstring.value = markdown_docstring(obj.docstring.value)
            stack.extend(obj.members.values())
