"""The 公示 list: every rated employer's proposed rate, indicators and reason, in Chinese.

Agencies publish the proposed rates before they take effect (公示) so that employers can
ask for a review (复核). :func:`publicity_list` turns a :class:`~ratefloat.RerateResult`
into that list, one row per rated employer in employer order, with Chinese headers;
:func:`write_publicity_list` writes it as CSV or XLSX with a title and the rule table's
identity (id, document, sha256) under it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..rerate import _indicator_columns
from ..result import REASON_SEPARATOR
from ..rounding import round_half_up
from ..schema import column_spec

if TYPE_CHECKING:
    from ..result import RerateResult

__all__ = [
    "publicity_list",
    "write_publicity_list",
    "indicator_labels",
    "reason_texts",
    "grade_text",
    "grade_texts",
    "percent_texts",
]

#: Labels of names the engine derives (not columns of the extract, not table indicators).
_DERIVED_LABELS = {
    "payout_ratio": "支缴率",
    "injury_rate": "工伤发生率",
    "insured_months": "参保月数",
    "years_observed": "考核年数",
}

#: Columns of the list besides the indicators, with their Chinese headers.
HEADERS = {
    "employer_id": "单位编号",
    "employer_name": "单位名称",
    "rated_class": "行业风险类别",
    "current_rate": "现行费率",
    "base_rate": "基准费率",
    "grade": "浮动档次",
    "multiplier": "浮动比例",
    "rate": "拟执行费率",
    "reasons": "浮动依据",
}


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def indicator_labels(result: RerateResult) -> dict[str, str]:
    """Indicator column of ``result.rated`` → its Chinese label, in the rated frame's order.

    A table indicator whose description starts with a Chinese name (``"支缴率: …"``) is
    labelled by it; ``prev_<name>`` is ``上一周期<label>``; other names keep their id.
    """
    table = result.table
    labels: dict[str, str] = {}
    for name in _indicator_columns(table):
        base = name.removeprefix("prev_")
        indicator = table.all_indicators.get(base)
        description = (getattr(indicator, "description", None) or "").strip()
        head = description.split(":")[0].split("：")[0].strip()
        spec = column_spec(base)
        if head and _has_chinese(head) and len(head) <= 16:
            label = head
        elif base in _DERIVED_LABELS:
            label = _DERIVED_LABELS[base]
        elif spec is not None:
            label = spec.zh
        else:
            label = base
        labels[name] = f"上一周期{label}" if name.startswith("prev_") else label
    return labels


def reason_texts(result: RerateResult) -> pd.Series:
    """Each rated employer's reasons in words: the cited passage of every rule that fired.

    Rules without a citation are named by their id. Built once per distinct combination.
    """
    reasons = result.rated["reasons"]
    categorical = pd.Categorical(reasons)
    texts = []
    for combination in categorical.categories:
        parts = []
        for reason in str(combination).split(REASON_SEPARATOR):
            detail = result._rule_detail(reason)
            parts.append(detail.get("cite") or reason)
        texts.append("；".join(parts))
    out = np.asarray(texts, dtype=object)[categorical.codes]
    return pd.Series(out, index=result.rated.index, name="浮动依据")


def grade_text(grade: int) -> str:
    """``+2`` → 上浮2档, ``-1`` → 下浮1档, ``0`` → 基准档."""
    grade = int(grade)
    if grade > 0:
        return f"上浮{grade}档"
    if grade < 0:
        return f"下浮{-grade}档"
    return "基准档"


def grade_texts(grades: Any) -> np.ndarray:
    """:func:`grade_text` of every grade, built once per distinct grade."""
    codes, distinct = pd.factorize(np.asarray(grades))
    return np.asarray([grade_text(g) for g in distinct] + [""], dtype=object)[codes]


def percent_texts(values: Any, decimals: int = 4) -> np.ndarray:
    """Fractions as percentages, rounded half up, trailing zeros dropped: 0.0024 → 0.24%.

    Missing values become empty strings.
    """
    numbers = np.asarray(values, dtype=np.float64) * 100
    rounded = round_half_up(numbers, decimals)
    return np.asarray(
        [
            "" if v != v else f"{v:.{decimals}f}".rstrip("0").rstrip(".") + "%"
            for v in rounded.tolist()
        ],
        dtype=object,
    )


def publicity_list(result: RerateResult) -> pd.DataFrame:
    """The 公示 list of a re-rating: one row per rated employer, Chinese headers.

    Columns: 单位编号, 单位名称 (when the rated frame carries ``employer_name``),
    行业风险类别, the table's indicators (e.g. 支缴率, 工伤发生率), 现行费率 (when
    given), 基准费率, 浮动档次 (上浮1档 / 基准档 / 下浮1档), 浮动比例, 拟执行费率 and
    浮动依据 (the cited rule passages). Rates stay fractions of payroll (0.024 = 2.4 %);
    :func:`write_publicity_list` shows them as percentages.

    ``attrs`` carries the result's provenance (table id, version, hash, as_of, window).
    """
    rated = result.rated
    labels = indicator_labels(result)
    columns: dict[str, object] = {HEADERS["employer_id"]: rated["employer_id"].to_numpy()}
    if "employer_name" in rated:
        columns[HEADERS["employer_name"]] = rated["employer_name"].to_numpy()
    columns[HEADERS["rated_class"]] = rated["rated_class"].to_numpy()
    for name, label in labels.items():
        columns[label] = rated[name].to_numpy()
    if "current_rate" in rated:
        columns[HEADERS["current_rate"]] = rated["current_rate"].to_numpy()
    columns[HEADERS["base_rate"]] = rated["base_rate"].to_numpy()
    columns[HEADERS["grade"]] = grade_texts(rated["grade"])
    columns[HEADERS["multiplier"]] = rated["multiplier"].to_numpy()
    columns[HEADERS["rate"]] = rated["rate"].to_numpy()
    columns[HEADERS["reasons"]] = reason_texts(result).to_numpy()
    frame = pd.DataFrame(columns)
    frame.attrs.update(result.provenance())
    return frame


def write_publicity_list(
    result: RerateResult, path: str | os.PathLike[str], *, title: str = "工伤保险费率浮动公示名单"
) -> Path:
    """Write :func:`publicity_list` to ``.csv`` or ``.xlsx`` with a title and provenance.

    Rates are shown as percentages (rounded half up to 4 decimals of a percent), the
    indicators with 6 significant digits; the rows below the list name the rule table
    (id, document, sha256), the rating date and the window.
    """
    from .sheets import write_table

    frame = publicity_list(result)
    rate_headers = [HEADERS[k] for k in ("current_rate", "base_rate", "rate")]
    provenance = result.provenance()
    source = result.table.source.document if result.table.source else ""
    footer = [
        f"规则表：{result.table.name} ({provenance['table_id']}，{source})",
        f"规则表 sha256：{provenance['table_hash']}",
        f"执行日期：{provenance['as_of']}；考核期：{provenance['window']}",
    ]
    if Path(path).suffix.lower() not in (".csv", ".xlsx"):
        raise ValueError(f"cannot write the 公示 list to {str(path)!r}: use a .csv or .xlsx file")
    return write_table(
        frame,
        Path(path),
        title=title,
        footer=footer,
        text={h: percent_texts for h in rate_headers},
        number_formats={h: "0.00##%" for h in rate_headers},
        sheet_name="公示名单",
    )
