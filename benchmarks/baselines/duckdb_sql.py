"""Baseline: the rule as one hand-written DuckDB SQL query (``GROUP BY`` + ``CASE WHEN``).

One scan with ``FILTER``-ed aggregates computes the window and previous-window sums in a
single ``GROUP BY``; the grade is a first-match ``CASE WHEN``. DuckDB reads the pandas frame
in place (replacement scan of a registered frame) or the Parquet file directly, and hands
the result back to pandas through Arrow.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from . import rule


def rate(frame: pd.DataFrame, as_of: dt.date | str = rule.AS_OF, threads: int = 2) -> pd.DataFrame:
    """Rate the employers of a pandas employer-year frame."""
    con = _connect(threads)
    con.register("extract", frame)
    return _run(con, "extract", "no_down_event" in frame.columns, as_of)


def rate_parquet(
    path: str | Path, as_of: dt.date | str = rule.AS_OF, threads: int = 2
) -> pd.DataFrame:
    """Rate the employers of a Parquet employer-year file, read by DuckDB itself."""
    con = _connect(threads)
    source = f"read_parquet('{Path(path).as_posix()}')"
    columns = {row[0] for row in con.sql(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    return _run(con, source, "no_down_event" in columns, as_of)


def _connect(threads: int) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(config={"threads": threads})


def _run(con, source: str, has_no_down: bool, as_of: dt.date | str) -> pd.DataFrame:
    table = con.sql(sql(source, has_no_down, as_of)).to_arrow_table()
    return table.to_pandas()


def sql(source: str, has_no_down: bool = False, as_of: dt.date | str = rule.AS_OF) -> str:
    """The query, for ``source`` (a table name or a ``read_parquet(...)`` call)."""
    d = rule.as_date(as_of)
    (w0, w1), (p0, p1) = rule.windows(d)
    win, prev = f"year BETWEEN {w0} AND {w1}", f"year BETWEEN {p0} AND {p1}"
    no_down = f"bool_or(no_down_event) FILTER (WHERE {win})" if has_no_down else "false"
    mult = " ".join(f"WHEN {g} THEN {m}::DOUBLE" for g, m in rule.MULTIPLIER.items())
    base = " ".join(f"WHEN {c} THEN {b}::DOUBLE" for c, b in rule.BASE_RATE.items())
    scale = 10**rule.RATE_DECIMALS

    def ratio(num: str, den: str, present: str = "true") -> str:
        return (f"CASE WHEN NOT {present} THEN NULL WHEN {den} = 0 THEN "
                f"(CASE WHEN {num} = 0 THEN 0.0 ELSE 'inf'::DOUBLE END) ELSE {num} / {den} END")

    return f"""
    WITH agg AS (
        SELECT employer_id,
            count(*) FILTER (WHERE {win}) AS n_win,
            sum(injuries::DOUBLE) FILTER (WHERE {win}) AS inj,
            sum(payouts) FILTER (WHERE {win}) AS pay,
            sum(contributions) FILTER (WHERE {win}) AS con,
            avg(avg_insured) FILTER (WHERE {win}) AS ins,
            arg_max(risk_class, year) FILTER (WHERE {win}) AS risk_class,
            min(insured_since) FILTER (WHERE {win}) AS since,
            {no_down} AS no_down,
            count(*) FILTER (WHERE {prev}) AS n_prev,
            sum(injuries::DOUBLE) FILTER (WHERE {prev}) AS p_inj,
            sum(payouts) FILTER (WHERE {prev}) AS p_pay,
            sum(contributions) FILTER (WHERE {prev}) AS p_con,
            avg(avg_insured) FILTER (WHERE {prev}) AS p_ins
        FROM {source}
        WHERE year BETWEEN {p0} AND {w1}
        GROUP BY employer_id
        HAVING count(*) FILTER (WHERE {win}) > 0
    ), ind AS (
        SELECT employer_id, risk_class, no_down,
            {ratio("pay", "con")} AS payout_ratio,
            {ratio("inj", "ins")} AS injury_rate,
            {ratio("p_pay", "p_con", "n_prev > 0")} AS prev_payout_ratio,
            {ratio("p_inj", "p_ins", "n_prev > 0")} AS prev_injury_rate,
            ({d.year} - year(since)) * 12 + ({d.month} - month(since))
                - CASE WHEN {d.day} < day(since) THEN 1 ELSE 0 END AS months
        FROM agg
    ), banded AS (
        SELECT employer_id, risk_class, no_down,
            CASE
                WHEN months - {rule.MONTHS_COUNTED_BEFORE_AS_OF} < {rule.MIN_INSURED_MONTHS} THEN 0
                WHEN payout_ratio = 0 AND injury_rate = 0
                     AND prev_payout_ratio = 0 AND prev_injury_rate = 0 THEN -2
                WHEN payout_ratio = 0 AND injury_rate = 0 THEN -1
                WHEN payout_ratio > {rule.PAYOUT_RATIO_UP2}
                     OR injury_rate > {rule.INJURY_RATE_UP2} THEN 2
                WHEN payout_ratio > {rule.PAYOUT_RATIO_UP1}
                     OR injury_rate > {rule.INJURY_RATE_UP1} THEN 1
                ELSE 0
            END AS raw_grade
        FROM ind
    ), graded AS (
        SELECT employer_id, risk_class,
            CASE WHEN raw_grade < 0 AND (risk_class = 1 OR no_down) THEN 0
                 ELSE raw_grade END AS grade
        FROM banded
    ), priced AS (
        SELECT employer_id, grade, risk_class,
            CASE grade {mult} END AS multiplier
        FROM graded
    )
    SELECT employer_id, grade, multiplier,
        floor(greatest((CASE risk_class {base} END) * multiplier, {rule.RATE_FLOOR}::DOUBLE)
              * {scale} + 0.5) / {scale} AS rate
    FROM priced
    ORDER BY employer_id
    """
