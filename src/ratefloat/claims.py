"""Claim-level extracts (one row per injured person) turned into employer-years.

Agency systems often export one row per recognised injury: the employer, the accident,
its dates, its type and disability grade, and what the fund paid for it in each year.
:func:`aggregate_claims` counts and sums these rows into the claim columns of the
employer-year vocabulary (``injuries``, ``deaths``, ``disability_*``,
``occupational_disease``, ``payouts``), which are then joined to the employer-year rows
that carry headcounts and contributions.

Which year a claim counts in is a policy choice, stated with ``attribution``:

``accident``
    the year of the accident (事故发生年度): the claim, its grade and all it was paid;
``recognition``
    the year of the injury recognition decision (工伤认定年度), likewise;
``payment``
    each amount in the year it was paid (支付年度); the claim's count, type and grade in
    the year of its first payment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

from .errors import SchemaError
from .rounding import round_money

__all__ = [
    "aggregate_claims",
    "ATTRIBUTIONS",
    "CLAIM_ALIASES",
    "CLAIM_TYPES",
    "EMPLOYER_YEAR_CLAIM_COLUMNS",
    "PAID_COLUMN",
]

Attribution = Literal["accident", "recognition", "payment"]
#: The attribution choices and the column each one reads.
ATTRIBUTIONS: Mapping[str, str] = {
    "accident": "accident_date",
    "recognition": "recognition_date",
    "payment": "paid_<year>",
}
#: Claim types (and their Chinese names) → the employer-year count they add to.
CLAIM_TYPES: Mapping[str, str] = {
    "injury": "injury",
    "工伤": "injury",
    "death": "death",
    "工亡": "death",
    "死亡": "death",
    "occupational_disease": "occupational_disease",
    "职业病": "occupational_disease",
}
#: Chinese column names of claim exports → the names :func:`aggregate_claims` reads.
CLAIM_ALIASES: Mapping[str, str] = {
    "单位编号": "employer_id",
    "事故编号": "accident_id",
    "工伤认定编号": "accident_id",
    "事故日期": "accident_date",
    "事故发生日期": "accident_date",
    "认定日期": "recognition_date",
    "工伤认定日期": "recognition_date",
    "伤害类型": "type",
    "类型": "type",
    "伤残等级": "disability_grade",
}
#: Columns of amounts paid, one per calendar year: ``paid_2023`` or ``2023年支付``.
PAID_COLUMN = re.compile(r"^(?:paid_(?P<a>\d{4})|(?P<b>\d{4})年支付(?:金额)?)$")

#: The employer-year claim columns, in output order: the id and year, six counts, payouts.
EMPLOYER_YEAR_CLAIM_COLUMNS = (
    "employer_id",
    "year",
    "injuries",
    "deaths",
    "disability_1_4",
    "disability_5_6",
    "disability_7_10",
    "occupational_disease",
    "payouts",
)


def aggregate_claims(claims: pd.DataFrame, attribution: Attribution) -> pd.DataFrame:
    """Employer-year claim columns from one row per injured person.

    Parameters
    ----------
    claims
        Columns ``employer_id``, ``accident_id``, ``accident_date``, ``recognition_date``,
        ``type`` (``injury``, ``death``, ``occupational_disease`` or 工伤/工亡/职业病),
        ``disability_grade`` (1–10; empty or 0 for none) and one ``paid_<year>`` column
        per year of payments (empty means nothing paid that year). The date that
        ``attribution`` does not use may be absent.
    attribution
        ``"accident"``, ``"recognition"`` or ``"payment"``: which year a claim counts in
        (see the module notes).

    Returns
    -------
    pandas.DataFrame
        One row per employer and year that has a claim, sorted by employer and year:
        ``employer_id, year, injuries, deaths, disability_1_4, disability_5_6,
        disability_7_10, occupational_disease, payouts`` (yuan, summed exactly in fen after
        rounding each amount half up to the fen).

    Raises
    ------
    SchemaError
        A missing column, an unknown attribution, or a bad value, naming the row, the
        column and the value: a missing employer or attribution date, an accident id
        twice, an unknown type, a grade outside 0–10, a negative or non-numeric amount.
    """
    if attribution not in ATTRIBUTIONS:
        raise SchemaError(
            f"attribution must be one of {', '.join(ATTRIBUTIONS)}, got {attribution!r}"
        )
    frame = claims.reset_index(drop=True)
    paid = {
        int(m["a"] or m["b"]): name for name in frame.columns if (m := PAID_COLUMN.match(str(name)))
    }
    needed = ["employer_id", "accident_id", "type", "disability_grade"]
    if attribution != "payment":
        needed.append(ATTRIBUTIONS[attribution])
    missing = [name for name in needed if name not in frame.columns]
    if missing or not paid:
        what = missing + ([] if paid else ["paid_<year> (one per year of payments)"])
        raise SchemaError(f"the claims lack the column(s) {', '.join(what)}")

    employer = frame["employer_id"]
    _fail_where(
        employer.isna() | (employer.astype(str).str.strip() == ""),
        frame,
        "employer_id",
        "has no employer",
    )
    accident = frame["accident_id"].astype(str)
    _fail_where(
        frame["accident_id"].isna() | accident.duplicated(keep="first"),
        frame,
        "accident_id",
        "is missing or repeats an earlier row",
    )
    kinds = frame["type"].astype(str).str.strip().map(CLAIM_TYPES)
    _fail_where(
        kinds.isna(), frame, "type", f"is not a claim type ({', '.join(sorted(set(CLAIM_TYPES)))})"
    )
    grade = pd.to_numeric(frame["disability_grade"], errors="coerce")
    bad_grade = (frame["disability_grade"].notna() & grade.isna()) | ~grade.fillna(0).between(0, 10)
    bad_grade |= grade.fillna(0) % 1 != 0
    _fail_where(bad_grade, frame, "disability_grade", "is not a grade 1-10 (or empty)")
    grade = grade.fillna(0).astype(np.int64)

    years = sorted(paid)
    fen = np.zeros((len(frame), len(years)), dtype=np.int64)
    for j, year in enumerate(years):
        column = paid[year]
        amount = pd.to_numeric(frame[column], errors="coerce")
        _fail_where(frame[column].notna() & amount.isna(), frame, column, "is not a number")
        _fail_where(amount < 0, frame, column, "is negative")
        fen[:, j] = np.rint(round_money(amount.fillna(0).to_numpy(float)) * 100).astype(np.int64)

    counts = pd.DataFrame(
        {
            "employer_id": employer.astype(str).to_numpy(),
            "injuries": 1,
            "deaths": (kinds == "death").to_numpy(np.int64),
            "disability_1_4": grade.between(1, 4).to_numpy(np.int64),
            "disability_5_6": grade.between(5, 6).to_numpy(np.int64),
            "disability_7_10": grade.between(7, 10).to_numpy(np.int64),
            "occupational_disease": (kinds == "occupational_disease").to_numpy(np.int64),
        }
    )
    if attribution == "payment":
        has_payment = fen > 0
        _fail_where(
            pd.Series(~has_payment.any(axis=1)),
            frame,
            paid[years[0]],
            "no payment in any year, so the claim has no payment year",
        )
        counts["year"] = np.asarray(years)[has_payment.argmax(axis=1)]
        money = pd.DataFrame(fen, columns=years).assign(employer_id=counts["employer_id"])
        money = money.melt(id_vars="employer_id", var_name="year", value_name="fen")
        money = money[money["fen"] != 0]
    else:
        column = ATTRIBUTIONS[attribution]
        dates = pd.to_datetime(frame[column], errors="coerce")
        _fail_where(dates.isna(), frame, column, "is not a date")
        counts["year"] = dates.dt.year.to_numpy()
        money = counts[["employer_id", "year"]].assign(fen=fen.sum(axis=1))

    keys = ["employer_id", "year"]
    summed = counts.groupby(keys, sort=True).sum()
    paid_fen = money.astype({"year": np.int64}).groupby(keys, sort=True)["fen"].sum()
    out = summed.join(paid_fen, how="outer").fillna(0).astype(np.int64).reset_index()
    out["payouts"] = out.pop("fen") / 100
    out["year"] = out["year"].astype(np.int64)
    return out[list(EMPLOYER_YEAR_CLAIM_COLUMNS)]


def _fail_where(bad: pd.Series, frame: pd.DataFrame, column: str, problem: str) -> None:
    mask = bad.fillna(True).to_numpy(bool)
    if not mask.any():
        return
    rows = np.flatnonzero(mask)
    shown = "; ".join(
        f"row {row} (accident {frame['accident_id'].iloc[row]!r}): {frame[column].iloc[row]!r}"
        if "accident_id" in frame.columns
        else f"row {row}: {frame[column].iloc[row]!r}"
        for row in rows[:5]
    )
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    raise SchemaError(f"claims column {column!r} {problem}: {shown}{more}")
