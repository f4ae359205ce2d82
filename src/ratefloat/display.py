"""Notebook display: short ``repr`` texts and HTML summaries of results and tables.

Objects that can be large (a result of a million employers, a rule table of forty rules)
show a few lines in a terminal and a compact HTML card in a notebook; the full data stays
one attribute away (``result.rated``, ``table.model_dump()``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

import pandas as pd

__all__ = ["html_card", "short_repr", "PREVIEW_ROWS"]

#: Rows of a frame shown in an HTML card.
PREVIEW_ROWS = 10


def short_repr(kind: str, fields: Mapping[str, Any]) -> str:
    """``Kind(a=1, b='x')`` over a few chosen fields: one line, however big the object."""
    inner = ", ".join(f"{name}={value!r}" for name, value in fields.items())
    return f"{kind}({inner})"


def html_card(
    title: str,
    facts: Mapping[str, Any],
    frames: Iterable[tuple[str, pd.DataFrame]] = (),
) -> str:
    """An HTML block: a title, a two-column table of facts and previews of frames."""
    rows = "".join(
        f"<tr><th style='text-align:left'>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>"
        for k, v in facts.items()
    )
    parts = [f"<div><strong>{escape(title)}</strong><table>{rows}</table>"]
    for caption, frame in frames:
        shown = frame.head(PREVIEW_ROWS)
        more = len(frame) - len(shown)
        note = f" (first {len(shown)} of {len(frame):,})" if more > 0 else ""
        parts.append(f"<p><em>{escape(caption)}{note}</em></p>{shown.to_html()}")
    parts.append("</div>")
    return "".join(parts)
