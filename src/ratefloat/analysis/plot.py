"""Plots for analysts (matplotlib, the ``plot`` extra: ``pip install "ratefloat[plot]"``).

Each function draws on ``ax`` (a new figure when None) and returns the axes, so a
notebook can restyle or save it (``ax.figure.savefig(...)``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..result import RerateResult
from .comparison import Comparison

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .backtests import Backtest

__all__ = [
    "grade_distribution",
    "transition_heatmap",
    "premium_by_class",
    "sweep_curve",
    "lorenz_curve",
]


def grade_distribution(
    data: Comparison | RerateResult, *, weight: str = "employers", ax: Axes | None = None
) -> Axes:
    """Share of employers (``weight="employers"``) or of payroll per grade, one bar per
    scenario."""
    if weight not in ("employers", "payroll"):
        raise ValueError(f"weight must be 'employers' or 'payroll', got {weight!r}")
    ax = _axes(ax)
    if isinstance(data, RerateResult):
        rated = data.rated
        values = (
            rated.groupby("grade")["payroll"].sum()
            if weight == "payroll"
            else (rated["grade"].value_counts().sort_index())
        )
        shares = (values / values.sum()).to_frame(data.table.id)
    else:
        grades = data.grades()
        shares = grades.pivot(
            index="grade", columns="scenario", values=f"{_singular(weight)}_share"
        )
        shares = shares[data.scenarios]
    width = 0.8 / shares.shape[1]
    positions = np.arange(len(shares))
    for i, name in enumerate(shares.columns):
        ax.bar(positions + i * width - 0.4 + width / 2, shares[name].fillna(0), width, label=name)
    ax.set_xticks(positions, [f"{g:+d}" for g in shares.index])
    ax.set_xlabel("grade")
    ax.set_ylabel(f"share of {weight}")
    ax.legend()
    return ax


def transition_heatmap(
    comparison: Comparison, a: str, b: str, *, share: bool = True, ax: Axes | None = None
) -> Axes:
    """Grade under ``a`` (rows) against grade under ``b`` (columns), annotated counts;
    colours show each row's shares (or the counts with ``share=False``)."""
    ax = _axes(ax)
    counts = comparison.transitions(a, b)
    colours = comparison.transitions(a, b, share=True) if share else counts
    image = ax.imshow(colours.to_numpy(dtype=float), cmap="Blues", aspect="auto")
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            ax.text(j, i, f"{counts.iat[i, j]:,}", ha="center", va="center", fontsize=8)
    ax.set_xticks(range(counts.shape[1]), [f"{g:+d}" for g in counts.columns])
    ax.set_yticks(range(counts.shape[0]), [f"{g:+d}" for g in counts.index])
    ax.set_xlabel(f"grade under {b}")
    ax.set_ylabel(f"grade under {a}")
    ax.figure.colorbar(image, ax=ax, label="share of row" if share else "employers")
    return ax


def premium_by_class(comparison: Comparison, *, ax: Axes | None = None) -> Axes:
    """Annual premium by risk class: before floating and under each scenario."""
    ax = _axes(ax)
    table = comparison.premium(by="class")
    columns = ["premium_at_base", *[f"premium_{n}" for n in comparison.scenarios]]
    labels = ["at base rates", *comparison.scenarios]
    width = 0.8 / len(columns)
    positions = np.arange(len(table))
    for i, (column, label) in enumerate(zip(columns, labels, strict=True)):
        ax.bar(positions + i * width - 0.4 + width / 2, table[column], width, label=label)
    ax.set_xticks(positions, [str(c) for c in table.index])
    ax.set_xlabel("risk class")
    ax.set_ylabel("annual premium (yuan)")
    ax.legend()
    return ax


def sweep_curve(frame: pd.DataFrame, x: str, *, y: str = "premium", ax: Axes | None = None) -> Axes:
    """A sweep's total ``y`` (premium, payroll or employers) against the grid value ``x``,
    or with ``y="grades"`` the share of employers per grade."""
    ax = _axes(ax)
    if x not in frame:
        raise KeyError(f"{x!r} is not a grid column of this sweep: {list(frame.columns)}")
    if y == "grades":
        counts = frame.pivot_table(index=x, columns="grade", values="employers", aggfunc="sum")
        shares = counts.div(counts.sum(axis=1), axis=0).fillna(0)
        for grade in shares.columns:
            ax.plot(shares.index, shares[grade], marker="o", label=f"grade {grade:+d}")
        ax.set_ylabel("share of employers")
        ax.legend()
    else:
        totals = frame.groupby(x)[y].sum()
        ax.plot(totals.index, totals.to_numpy(), marker="o")
        ax.set_ylabel(f"total {y}")
    ax.set_xlabel(x)
    return ax


def lorenz_curve(backtest: Backtest, *, year: int | None = None, ax: Axes | None = None) -> Axes:
    """The ordered Lorenz curve of a backtest (all years, or one), with the diagonal."""
    ax = _axes(ax)
    curves = backtest.lorenz if year is None else backtest.lorenz[backtest.lorenz["year"] == year]
    ginis = backtest.gini.set_index("year")
    for scored, curve in curves.groupby("year"):
        g = ginis.loc[scored]
        ax.plot(
            curve["expected_share"],
            curve["injury_share"],
            marker=".",
            label=f"{scored}: Gini {g['gini']:.3f} [{g['low']:.3f}, {g['high']:.3f}]",
        )
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("share of expected injuries (employers by multiplier, low first)")
    ax.set_ylabel("share of injuries")
    ax.set_title(backtest.table_id)
    ax.legend()
    return ax


def _singular(weight: str) -> str:
    return "employer" if weight == "employers" else weight


def _axes(ax: Any) -> Axes:
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError('plots need matplotlib: pip install "ratefloat[plot]"') from exc
    _, ax = plt.subplots(figsize=(6.4, 4.0))
    return ax
