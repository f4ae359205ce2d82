"""Baseline: the rule as Polars **lazy** expressions.

A single ``group_by().agg()`` with filtered aggregates builds both windows, then
``when/then`` chains band and price. The plan runs lazily (so the optimiser can prune,
push the year filter down and share sub-expressions); the thread pool is sized by
``POLARS_MAX_THREADS``, read once when Polars is imported.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import polars as pl

from . import rule


def rate(frame: pd.DataFrame, as_of: dt.date | str = rule.AS_OF) -> pd.DataFrame:
    """Rate the employers of a pandas employer-year frame (converted with ``pl.from_pandas``)."""
    columns = [c for c in rule.INPUT_COLUMNS + rule.OPTIONAL_COLUMNS if c in frame.columns]
    return plan(pl.from_pandas(frame[columns]).lazy(), as_of).collect().to_pandas()


def rate_parquet(path: str | Path, as_of: dt.date | str = rule.AS_OF) -> pd.DataFrame:
    """Rate the employers of a Parquet employer-year file, read with ``scan_parquet``."""
    return plan(pl.scan_parquet(path), as_of).collect().to_pandas()


def plan(lf: pl.LazyFrame, as_of: dt.date | str = rule.AS_OF) -> pl.LazyFrame:
    """The lazy query: employer-year rows in, ``[employer_id, grade, multiplier, rate]`` out."""
    d = rule.as_date(as_of)
    (w0, w1), (p0, p1) = rule.windows(d)
    year = pl.col("year")
    win, prev = year.is_between(w0, w1), year.is_between(p0, p1)
    latest = win & (year == year.filter(win).max())  # the latest window row of the group
    has_no_down = "no_down_event" in lf.collect_schema().names()
    no_down = pl.col("no_down_event").filter(win).any() if has_no_down else pl.lit(False)

    def sums(mask: pl.Expr, p: str) -> list[pl.Expr]:
        return [
            mask.sum().alias(f"{p}n"),
            pl.col("injuries").filter(mask).sum().cast(pl.Float64).alias(f"{p}inj"),
            pl.col("payouts").filter(mask).sum().alias(f"{p}pay"),
            pl.col("contributions").filter(mask).sum().alias(f"{p}con"),
            pl.col("avg_insured").filter(mask).mean().alias(f"{p}ins"),
        ]

    agg = (
        lf.filter(year.is_between(p0, w1))
        .group_by("employer_id")
        .agg(
            *sums(win, "w_"),
            *sums(prev, "p_"),
            pl.col("risk_class").filter(latest).first().alias("risk_class"),
            pl.col("insured_since").filter(win).min().alias("since"),
            no_down.alias("no_down"),
        )
        .filter(pl.col("w_n") > 0)
    )
    since = pl.col("since")
    months = (
        (d.year - since.dt.year().cast(pl.Int32)) * 12
        + (d.month - since.dt.month().cast(pl.Int32))
        - (since.dt.day() > d.day).cast(pl.Int32)
    )
    pr, ir = _ratio("w_pay", "w_con"), _ratio("w_inj", "w_ins")
    ppr, pir = _ratio("p_pay", "p_con", "p_n"), _ratio("p_inj", "p_ins", "p_n")
    both_zero = (pr == 0) & (ir == 0)
    raw = (
        pl.when(months - rule.MONTHS_COUNTED_BEFORE_AS_OF < rule.MIN_INSURED_MONTHS).then(0)
        .when(both_zero & (ppr == 0) & (pir == 0)).then(-2)
        .when(both_zero).then(-1)
        .when((pr > rule.PAYOUT_RATIO_UP2) | (ir > rule.INJURY_RATE_UP2)).then(2)
        .when((pr > rule.PAYOUT_RATIO_UP1) | (ir > rule.INJURY_RATE_UP1)).then(1)
        .otherwise(0)
    )
    no_down_float = (pl.col("risk_class") == 1) | pl.col("no_down")
    grade = pl.when((raw < 0) & no_down_float).then(0).otherwise(raw).alias("grade")
    multiplier = pl.col("grade").replace_strict(rule.MULTIPLIER, return_dtype=pl.Float64)
    base = pl.col("risk_class").replace_strict(rule.BASE_RATE, return_dtype=pl.Float64)
    price = (base * pl.col("multiplier")).clip(lower_bound=rule.RATE_FLOOR)
    # Rates are positive, so half away from zero is half up. (``(x * 1e6 + 0.5).floor() / 1e6``
    # is off by one ulp here: Polars divides long columns by a scalar as ``x * (1 / 1e6)``.)
    rate = price.round(rule.RATE_DECIMALS, mode="half_away_from_zero")
    return (
        agg.with_columns(grade)
        .with_columns(multiplier.alias("multiplier"))
        .with_columns(rate.alias("rate"))
        .select(rule.OUTPUT_COLUMNS)
        .sort("employer_id")
    )


def _ratio(num: str, den: str, count: str | None = None) -> pl.Expr:
    """``num / den`` with 0/0 -> 0 and x/0 -> +inf; null when ``count`` is 0 (no rows)."""
    n, d = pl.col(num), pl.col(den)
    value = pl.when(d != 0).then(n / d).when(n == 0).then(0.0).otherwise(float("inf"))
    return value if count is None else pl.when(pl.col(count) > 0).then(value)
