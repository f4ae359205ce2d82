"""The seed's annex: 重点行业企业基本情况表 (key-industry basic situation table).

One row per key industry, in the map's order, then 合计, with the columns of the annex of
鲁人社字〔2021〕73号::

    重点行业名称 | 企业户数 | 参保企业户数 | 从业总人数 | 参加工伤保险人数 | 工伤保险参保率 |
    {year}年工伤事故数量 | 工伤事故发生率 | 备注

The seed defines none of the ratios; the definitions used (from
``key-industries`` in the docs) are returned as notes with every table:

* 工伤保险参保率 = 参加工伤保险人数 ÷ 从业总人数;
* 工伤事故发生率 = {year}年工伤事故数量 ÷ 参加工伤保险人数 × 1000 (起/千人，‰);
* 工伤事故数量 counts accidents (distinct accident ids), not injured persons;
* the 合计 row's ratios are ratios of its sums.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError, RejectReason, reject_frame
from .industry_map import KeyIndustryMap, load_industry_map
from .inputs import (
    REPORT_REJECT_COLUMNS,
    ReportRejectReason,
    insured_persons,
    labelled_rejects,
    member,
    validate_accidents,
    validate_register,
)

__all__ = [
    "KeyIndustryReport",
    "key_industries",
    "key_industry_report",
    "annex_columns",
    "TOTAL_ROW",
    "ACCIDENT_RATE_PER",
]

#: Name of the totals row, as in the annex.
TOTAL_ROW = "合计"

#: The accident rate is given per this many insured persons (‰).
ACCIDENT_RATE_PER = 1000

NAME, FIRMS, INSURED_FIRMS, EMPLOYEES, INSURED = (
    "重点行业名称",
    "企业户数",
    "参保企业户数",
    "从业总人数",
    "参加工伤保险人数",
)
COVERAGE, ACCIDENT_RATE, REMARK = "工伤保险参保率", "工伤事故发生率", "备注"


def accidents_column(year: int) -> str:
    """The annex's accident-count header for ``year``: ``"2020年工伤事故数量"``."""
    return f"{year}年工伤事故数量"


def annex_columns(year: int) -> list[str]:
    """The annex's column headers, in order, for ``year``."""
    return [
        NAME,
        FIRMS,
        INSURED_FIRMS,
        EMPLOYEES,
        INSURED,
        COVERAGE,
        accidents_column(year),
        ACCIDENT_RATE,
        REMARK,
    ]


@dataclass(frozen=True)
class KeyIndustryReport:
    """The annex table of one year and everything needed to audit it.

    Attributes
    ----------
    table:
        The annex table (:func:`annex_columns`): one row per key industry, then 合计.
        Rates are floats (NaN where the denominator is 0): 参保率 as a fraction,
        发生率 per 1,000 insured persons.
    employers:
        One row per counted employer: ``employer_id, industry, industry_code, employees,
        insured, accidents`` — the table is this frame summed by industry (accidents are
        distinct accident ids, so one accident of two employers of an industry counts once
        there).
    rejects:
        Rows that could not be used (``input`` = register, extract or accidents, then the
        standard reject columns). A rejected employer is in no row of the table.
    notes:
        The definitions used and what was left out, in Chinese, as the written table's 备注.
    industry_map:
        The key-industry map applied (its ``hash`` is in the notes).
    year:
        The year reported.
    """

    table: pd.DataFrame
    employers: pd.DataFrame
    rejects: pd.DataFrame
    notes: tuple[str, ...]
    industry_map: KeyIndustryMap
    year: int

    def write(
        self,
        path: str | os.PathLike[str],
        *,
        unit: str = "",
        person: str = "",
        phone: str = "",
    ) -> Path:
        """Write the table as the annex lays it out (``.csv`` or ``.xlsx``), atomically.

        ``unit``, ``person`` and ``phone`` fill the 填报单位, 填报人 and 联系电话 lines.
        """
        from .annex_layout import write_annex

        return write_annex(self, path, unit=unit, person=person, phone=phone)


def key_industries(
    register: pd.DataFrame,
    extract: pd.DataFrame,
    accidents: pd.DataFrame,
    *,
    year: int,
    industries: str | os.PathLike[str] | Mapping[str, Any] | KeyIndustryMap | None = None,
) -> pd.DataFrame:
    """The annex 重点行业企业基本情况表 of ``year``, as a DataFrame.

    Parameters
    ----------
    register:
        Every employer of the key industries, insured or not: ``employer_id``,
        ``industry_code`` (GB/T 4754), ``employees`` (从业人数); optional ``year``.
    extract:
        The insured extract (``employer_id``, ``year``, ``avg_insured``).
    accidents:
        The accident list (``accident_id``, ``employer_id``, ``accident_date``).
    year:
        The year reported (the seed asks for 2020, the baseline).
    industries:
        The key-industry map: ``None`` for the built-in ``cn-shandong-2021``, an id, a
        YAML/JSON path, a mapping or a :class:`~ratefloat.reports.KeyIndustryMap`.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`annex_columns`, one row per key industry then 合计. ``attrs``
        holds ``year``, ``industry_map``, ``industry_map_hash``, ``notes`` (the
        definitions, a tuple of strings) and ``rejected`` (rows that could not be used).
        For the rejects themselves and the per-employer detail, call
        :func:`key_industry_report`.

    Raises
    ------
    ratefloat.SchemaError
        An input lacks a required column.
    ratefloat.RuleTableError
        The key-industry map is invalid.
    ratefloat.ParameterError
        ``year`` is not a year.

    Examples
    --------
    >>> import pandas as pd
    >>> from ratefloat.reports import key_industries
    >>> register = pd.DataFrame({"employer_id": ["A", "B"], "industry_code": ["4710", "26"],
    ...                          "employees": [100, 50]})
    >>> extract = pd.DataFrame({"employer_id": ["A"], "year": [2020], "avg_insured": [80]})
    >>> accidents = pd.DataFrame({"accident_id": ["X1"], "employer_id": ["A"],
    ...                           "accident_date": ["2020-05-01"]})
    >>> table = key_industries(register, extract, accidents, year=2020)
    >>> total = table.set_index("重点行业名称").loc["合计"]
    >>> [int(total[c]) for c in ("企业户数", "参保企业户数", "从业总人数", "参加工伤保险人数")]
    [2, 1, 150, 80]
    """
    return key_industry_report(register, extract, accidents, year=year, industries=industries).table


def key_industry_report(
    register: pd.DataFrame,
    extract: pd.DataFrame,
    accidents: pd.DataFrame,
    *,
    year: int,
    industries: str | os.PathLike[str] | Mapping[str, Any] | KeyIndustryMap | None = None,
) -> KeyIndustryReport:
    """Like :func:`key_industries`, with the per-employer detail, rejects and notes."""
    year = _check_year(year)
    industry_map = load_industry_map(industries)
    reg = validate_register(register, year)
    insured, extract_rejects = insured_persons(extract, year)
    acc = validate_accidents(accidents)

    employers = reg.frame.copy()
    lookup = {code: industry_map.industry_of(code) for code in pd.unique(employers.industry_code)}
    employers["industry"] = employers["industry_code"].map(lookup).astype(np.int64)
    outside = int((employers["industry"] < 0).sum())
    employers = employers[employers["industry"] >= 0]

    employers = employers.merge(insured, on="employer_id", how="left", validate="one_to_one")
    employers["insured"] = employers["insured"].fillna(0).astype(np.int64)
    extract_bad = extract_rejects["employer_id"].dropna()
    too_many = employers["insured"] > employers["employees"]
    rejects = [
        reg.rejects,
        extract_rejects[member(extract_rejects["employer_id"], employers["employer_id"])],
    ]
    if too_many.any():
        over = employers[too_many]
        message = [
            f"从业人数 {e} is below the {i} insured persons of the extract in {year}"
            for e, i in zip(over["employees"], over["insured"], strict=True)
        ]
        rejects.append(_reject("register", over, RejectReason.OUT_OF_RANGE, "employees", message))
    employers = employers[~too_many & ~member(employers["employer_id"], extract_bad)]

    in_year = acc.frame[pd.DatetimeIndex(acc.frame["accident_date"]).year == year]
    rejects.append(acc.rejects)
    all_ids = pd.concat([reg.frame["employer_id"], reg.rejects["employer_id"].dropna()])
    unknown = ~member(in_year["employer_id"], all_ids)
    if unknown.any():
        reason = ReportRejectReason.UNKNOWN_EMPLOYER
        rejects.append(
            _reject("accidents", in_year[unknown], reason, "employer_id", reason.description)
        )
    counted = in_year[member(in_year["employer_id"], employers["employer_id"])]
    counted = counted.merge(employers[["employer_id", "industry"]], on="employer_id")
    per_employer = counted.groupby("employer_id")["accident_id"].nunique()
    employers["accidents"] = employers["employer_id"].map(per_employer).fillna(0).astype(np.int64)
    per_industry = counted.groupby("industry")["accident_id"].nunique()
    spanning = (
        int((counted.groupby("accident_id")["industry"].nunique() > 1).sum()) if len(counted) else 0
    )

    names = industry_map.names
    employers = employers.assign(industry=[names[i] for i in employers["industry"]])
    employers = employers.sort_values("employer_id", kind="stable").reset_index(drop=True)
    employers = employers[
        ["employer_id", "industry", "industry_code", "employees", "insured", "accidents"]
    ]
    all_rejects = pd.concat([r for r in rejects if len(r)] or [rejects[0]], ignore_index=True)
    all_rejects = all_rejects[REPORT_REJECT_COLUMNS]

    table = _table(employers, per_industry, industry_map, year)
    uninsured_accidents = int(employers.loc[employers["insured"] == 0, "accidents"].sum())
    notes = _notes(
        industry_map,
        year,
        outside=outside,
        rejected_employers=all_rejects.loc[all_rejects["input"] != "accidents", "employer_id"]
        .dropna()
        .nunique(),
        rejected_accident_rows=int((all_rejects["input"] == "accidents").sum()),
        uninsured_accidents=uninsured_accidents,
        spanning=spanning,
    )
    table.attrs.update(
        year=year,
        industry_map=industry_map.id,
        industry_map_hash=industry_map.hash,
        notes=notes,
        rejected=len(all_rejects),
    )
    return KeyIndustryReport(table, employers, all_rejects, notes, industry_map, year)


def _reject(
    what: str, rows: pd.DataFrame, reason: str, column: str, message: object
) -> pd.DataFrame:
    """Reject ``rows`` (with ``employer_id``, ``row`` and ``column``) of input ``what``."""
    found = reject_frame(
        rows["employer_id"],
        reason,
        column,
        rows[column],
        rows["row"],
        message,
    )
    return labelled_rejects(what, [found])


def _check_year(year: object) -> int:
    if (
        isinstance(year, bool)
        or not isinstance(year, (int, np.integer))
        or not (1900 <= int(year) <= 2200)
    ):
        raise ParameterError(f"year: expected a calendar year such as 2020, got {year!r}")
    return int(year)


def _table(
    employers: pd.DataFrame, accidents: pd.Series, industry_map: KeyIndustryMap, year: int
) -> pd.DataFrame:
    group = employers.groupby("industry", sort=False)
    names = industry_map.names
    counts = pd.DataFrame(
        {
            FIRMS: group.size(),
            INSURED_FIRMS: group["insured"].apply(lambda s: int((s > 0).sum())),
            EMPLOYEES: group["employees"].sum(),
            INSURED: group["insured"].sum(),
        }
    ).reindex(names, fill_value=0)
    counts[accidents_column(year)] = [int(accidents.get(i, 0)) for i in range(len(names))]
    counts = counts.astype(np.int64)
    counts.loc[TOTAL_ROW] = counts.sum(axis=0)
    table = counts.rename_axis(NAME).reset_index()
    table.insert(5, COVERAGE, _ratio(table[INSURED], table[EMPLOYEES], 1))
    table[ACCIDENT_RATE] = _ratio(table[accidents_column(year)], table[INSURED], ACCIDENT_RATE_PER)
    remarks = [
        ("市定重点行业; " if ind.local else "") + "行业代码 " + ", ".join(ind.codes)
        for ind in industry_map.industries
    ]
    table[REMARK] = [*remarks, ""]
    return table[annex_columns(year)]


def _ratio(numerator: pd.Series, denominator: pd.Series, scale: int) -> np.ndarray:
    num = numerator.to_numpy(dtype=np.float64)
    den = denominator.to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num * scale / den, np.nan)


def _notes(
    industry_map: KeyIndustryMap,
    year: int,
    *,
    outside: int,
    rejected_employers: int,
    rejected_accident_rows: int,
    uninsured_accidents: int,
    spanning: int,
) -> tuple[str, ...]:
    notes = [
        f"数据为{year}年底的数据；事故为{year}年1月1日至12月31日发生的工伤事故。",
        "重点行业为《实施方案》中明确的行业及各市确定的重点行业，分别列出；按行业代码"
        f" ({industry_map.edition}) 归入重点行业，取最长匹配代码，每户企业只计入一个行业，"
        "各行相加等于合计。",
        f"重点行业对照表 {industry_map.id}，sha256:{industry_map.hash}。",
        "工伤保险参保率 = 参加工伤保险人数 ÷ 从业总人数。",
        f"参加工伤保险人数 = 各参保企业{year}年平均参保人数，逐户四舍五入到人；"
        "参保企业户数 = 该人数大于0的企业户数。",
        f"工伤事故数量按事故编号计 (起)，不是受伤人数。工伤事故发生率 = {year}年工伤事故数量"
        f" ÷ 参加工伤保险人数 × {ACCIDENT_RATE_PER} (起/千人，‰)。",
        "合计行的参保率和发生率由合计数计算；分母为0时不计算，留空。",
    ]
    for industry in industry_map.industries:
        if industry.note:
            notes.append(f"{industry.name}：{industry.note}。")
    if outside:
        notes.append(f"名录中 {outside} 户企业的行业代码不属于重点行业，未计入。")
    if rejected_employers or rejected_accident_rows:
        notes.append(
            f"{rejected_employers} 户企业、{rejected_accident_rows} 条事故记录因数据问题未计入"
            " (见 rejects)。"
        )
    if uninsured_accidents:
        notes.append(f"其中 {uninsured_accidents} 起事故发生在未参保企业，计入事故数量。")
    if spanning:
        notes.append(f"{spanning} 起事故涉及不同重点行业的企业，在各行分别计入，合计中重复计数。")
    return tuple(notes)
