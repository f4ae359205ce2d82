"""Baseline: what agencies run today, row by row in pandas.

``groupby("employer_id").apply(...)`` aggregates each employer in Python, then
``DataFrame.apply(axis=1)`` bands and prices one row at a time. It is far too slow for a
province, so the runner times it on a sample of employers (:func:`sample_parquet`) and
extrapolates linearly to the full population (the work is per employer, so linear is the
honest model).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from . import rule

_AGG_KEYS = ["rated", "risk_class", "insured_since", "no_down", "payout_ratio", "injury_rate",
             "prev_payout_ratio", "prev_injury_rate"]


def rate(frame: pd.DataFrame, as_of: dt.date | str = rule.AS_OF) -> pd.DataFrame:
    """Rate the employers of a pandas employer-year frame, one employer at a time."""
    d = rule.as_date(as_of)
    (w0, w1), (p0, p1) = rule.windows(d)
    has_no_down = "no_down_event" in frame.columns

    def aggregate(g: pd.DataFrame) -> pd.Series:
        win = g[(g["year"] >= w0) & (g["year"] <= w1)]
        prev = g[(g["year"] >= p0) & (g["year"] <= p1)]
        if win.empty:  # not rated; same keys so that apply builds a frame
            return pd.Series({"rated": False}, index=_AGG_KEYS)
        latest = win.loc[win["year"].idxmax()]
        return pd.Series({
            "rated": True,
            "risk_class": latest["risk_class"],
            "insured_since": win["insured_since"].min(),
            "no_down": bool(win["no_down_event"].any()) if has_no_down else False,
            "payout_ratio": _ratio(win["payouts"].sum(), win["contributions"].sum()),
            "injury_rate": _ratio(win["injuries"].sum(), win["avg_insured"].mean()),
            "prev_payout_ratio": _ratio(prev["payouts"].sum(), prev["contributions"].sum())
            if len(prev) else np.nan,
            "prev_injury_rate": _ratio(prev["injuries"].sum(), prev["avg_insured"].mean())
            if len(prev) else np.nan,
        })

    def band(r: pd.Series) -> pd.Series:
        s = r["insured_since"]
        months = (d.year - s.year) * 12 + (d.month - s.month) - (1 if d.day < s.day else 0)
        pr, ir = r["payout_ratio"], r["injury_rate"]
        if months - rule.MONTHS_COUNTED_BEFORE_AS_OF < rule.MIN_INSURED_MONTHS:
            grade = 0
        elif pr == 0 and ir == 0 and r["prev_payout_ratio"] == 0 and r["prev_injury_rate"] == 0:
            grade = -2
        elif pr == 0 and ir == 0:
            grade = -1
        elif pr > rule.PAYOUT_RATIO_UP2 or ir > rule.INJURY_RATE_UP2:
            grade = 2
        elif pr > rule.PAYOUT_RATIO_UP1 or ir > rule.INJURY_RATE_UP1:
            grade = 1
        else:
            grade = 0
        if grade < 0 and (r["risk_class"] == 1 or r["no_down"]):
            grade = 0
        multiplier = rule.MULTIPLIER[grade]
        price = max(rule.BASE_RATE[int(r["risk_class"])] * multiplier, rule.RATE_FLOOR)
        scale = 10**rule.RATE_DECIMALS
        return pd.Series({"grade": grade, "multiplier": multiplier,
                          "rate": np.floor(price * scale + 0.5) / scale})

    per_employer = frame.groupby("employer_id").apply(aggregate)
    per_employer = per_employer[per_employer["rated"].astype(bool)]
    out = per_employer.apply(band, axis=1).rename_axis("employer_id").reset_index()
    return out.astype({"grade": "int64", "multiplier": "float64", "rate": "float64"})


def sample_parquet(path: str | Path, n_employers: int, seed: int = 0) -> pd.DataFrame:
    """All rows of ``n_employers`` employers drawn at random from a Parquet extract.

    Reads only the ``employer_id`` column to draw, then only the drawn employers' rows, so
    that the full frame never sits in (and, once freed, hides peaks in) this process.
    """
    ids = pd.read_parquet(path, columns=["employer_id"])["employer_id"].unique()
    if len(ids) > n_employers:
        ids = np.random.default_rng(seed).choice(ids, n_employers, replace=False)
    return pd.read_parquet(path, filters=[("employer_id", "in", list(ids))])


def _ratio(num: float, den: float) -> float:
    if den == 0:
        return 0.0 if num == 0 else np.inf
    return num / den
