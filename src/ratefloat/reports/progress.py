"""Progress to the 2025 goal: the key-industry accident rate per year against 2020.

The seed's goal: "重点行业事故发生率降低20%左右" by the end of 2025, against the 2020
figures. :func:`key_industry_progress` computes the annex table of every year with the same
definitions (:func:`~ratefloat.reports.key_industry_report`) and :func:`progress_table`
sets each year's 工伤事故发生率 against the baseline year's and the target
(baseline × (1 − 20 %)). :func:`plot_progress` draws it (matplotlib, the ``plot`` extra).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .annex import ACCIDENT_RATE, INSURED, NAME, TOTAL_ROW, accidents_column, key_industry_report
from .industry_map import KeyIndustryMap, load_industry_map

__all__ = ["key_industry_progress", "progress_table", "plot_progress", "PROGRESS_COLUMNS"]

YEAR, ACCIDENTS, CHANGE, TARGET, MET = (
    "年度",
    "工伤事故数量",
    "较基期变化",
    "目标发生率",
    "达到目标",
)

#: Columns of :func:`progress_table`, in order.
PROGRESS_COLUMNS = [YEAR, NAME, INSURED, ACCIDENTS, ACCIDENT_RATE, CHANGE, TARGET, MET]


def progress_table(
    tables: Mapping[int, pd.DataFrame],
    *,
    baseline_year: int = 2020,
    target_change: float = -0.20,
    target_year: int = 2025,
) -> pd.DataFrame:
    """Each year's accident rate, per key industry and in total, against the baseline.

    Parameters
    ----------
    tables:
        Year → the annex table of that year (:func:`~ratefloat.reports.key_industries`).
    baseline_year, target_change, target_year:
        The goal: the rate of ``target_year`` at most baseline × (1 + ``target_change``).

    Returns
    -------
    pandas.DataFrame
        :data:`PROGRESS_COLUMNS`, one row per year and industry (合计 included), years
        ascending. 较基期变化 = rate ÷ baseline rate − 1; 目标发生率 = baseline rate ×
        (1 + target_change); 达到目标 = rate ≤ 目标发生率 (False where either is undefined).
        ``attrs``: ``baseline_year``, ``target_year``, ``target_change``.

    Raises
    ------
    ratefloat.ParameterError
        The baseline year has no table.
    """
    if baseline_year not in tables:
        raise ParameterError(
            f"baseline_year {baseline_year} has no table; years given: {sorted(tables)}"
        )
    frames = []
    for year in sorted(tables):
        table = tables[year]
        frames.append(
            pd.DataFrame(
                {
                    YEAR: year,
                    NAME: table[NAME].to_numpy(),
                    INSURED: table[INSURED].to_numpy(),
                    ACCIDENTS: table[accidents_column(year)].to_numpy(),
                    ACCIDENT_RATE: table[ACCIDENT_RATE].to_numpy(dtype=np.float64),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    baseline = out[out[YEAR] == baseline_year].set_index(NAME)[ACCIDENT_RATE]
    base = out[NAME].map(baseline).to_numpy(dtype=np.float64)
    rate = out[ACCIDENT_RATE].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out[CHANGE] = np.where(base > 0, rate / base - 1, np.nan)
    out[TARGET] = base * (1 + target_change)
    out[MET] = rate <= out[TARGET].to_numpy()  # NaN compares False
    out.attrs.update(
        baseline_year=baseline_year, target_year=target_year, target_change=target_change
    )
    return out[PROGRESS_COLUMNS]


def key_industry_progress(
    register: pd.DataFrame,
    extract: pd.DataFrame,
    accidents: pd.DataFrame,
    *,
    years: Iterable[int],
    industries: str | os.PathLike[str] | Mapping[str, Any] | KeyIndustryMap | None = None,
) -> pd.DataFrame:
    """:func:`progress_table` of the annex tables of ``years`` (the baseline among them).

    The register may hold one snapshot per year (a ``year`` column) or one for all years;
    the baseline, the target year and the target change come from the key-industry map
    (2020, 2025 and −20 % for the built-in one). Rows rejected in any year are counted in
    ``attrs["rejected"]`` (year → count); see :func:`key_industry_report` for the rows.
    """
    industry_map = load_industry_map(industries)
    reports = {
        int(year): key_industry_report(
            register, extract, accidents, year=int(year), industries=industry_map
        )
        for year in years
    }
    table = progress_table(
        {year: report.table for year, report in reports.items()},
        baseline_year=industry_map.baseline_year,
        target_change=industry_map.target_change,
        target_year=industry_map.target_year,
    )
    names_en = {ind.name: ind.name_en for ind in industry_map.industries if ind.name_en}
    table.attrs.update(
        names_en={**names_en, TOTAL_ROW: "all key industries"},
        industry_map=industry_map.id,
        industry_map_hash=industry_map.hash,
        rejected={year: len(report.rejects) for year, report in reports.items()},
    )
    return table


_CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
)

_LABELS = {
    "zh": {
        "title": "{industry}工伤事故发生率",
        "rate": "工伤事故发生率 (‰)",
        "baseline": "{year}年基期",
        "target": "{year}年目标 ({change:+.0%})",
        "year": "年度",
    },
    "en": {
        "title": "Accident rate, {industry}",
        "rate": "accidents per 1,000 insured (‰)",
        "baseline": "{year} baseline",
        "target": "{year} target ({change:+.0%})",
        "year": "year",
    },
}


def _cjk_font() -> str | None:
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in _CJK_FONTS if name in installed), None)


def plot_progress(progress: pd.DataFrame, *, industry: str = TOTAL_ROW, ax: Any = None) -> Any:
    """Plot one industry's accident rate per year with the baseline and the target line.

    Parameters
    ----------
    progress:
        A :func:`progress_table`.
    industry:
        The row to plot (default 合计, all key industries together).
    ax:
        A matplotlib Axes to draw on; by default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        Lines labelled ``rate``, ``baseline`` and ``target`` (``Line2D.get_gid()``). Labels
        are Chinese when a CJK font is installed, else English (industry names from the
        map's ``name_en``, kept in ``progress.attrs["names_en"]``).
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'ratefloat[plot]'") from None
    rows = progress[progress[NAME] == industry]
    if rows.empty:
        known = ", ".join(dict.fromkeys(progress[NAME]))
        raise ParameterError(f"industry {industry!r} is not in the table; rows: {known}")
    baseline_year = progress.attrs.get("baseline_year", 2020)
    target_year = progress.attrs.get("target_year", 2025)
    change = progress.attrs.get("target_change", -0.20)
    font = _cjk_font()
    text = _LABELS["zh" if font else "en"]
    shown = industry if font else progress.attrs.get("names_en", {}).get(industry, industry)
    if ax is None:
        figure, ax = plt.subplots(figsize=(7, 4))
    else:
        figure = ax.figure
    family = {"fontfamily": font} if font else {}
    years = rows[YEAR].to_numpy()
    base_rate = rows.loc[rows[YEAR] == baseline_year, ACCIDENT_RATE]
    (line,) = ax.plot(years, rows[ACCIDENT_RATE].to_numpy(), marker="o", label=shown)
    line.set_gid("rate")
    if len(base_rate) and np.isfinite(base_rate.iat[0]):
        base = float(base_rate.iat[0])
        span = [min(years.min(), baseline_year), max(years.max(), target_year)]
        ax.plot(
            span,
            [base, base],
            linestyle=":",
            color="grey",
            label=text["baseline"].format(year=baseline_year),
        )[0].set_gid("baseline")
        ax.plot(
            span,
            [base * (1 + change)] * 2,
            linestyle="--",
            color="tab:red",
            label=text["target"].format(year=target_year, change=change),
        )[0].set_gid("target")
    ax.set_title(text["title"].format(industry=shown), **family)
    ax.set_xlabel(text["year"], **family)
    ax.set_ylabel(text["rate"], **family)
    ax.set_xticks(sorted(set(years.tolist()) | {target_year}))
    ax.legend(prop={"family": font} if font else None)
    return figure
