"""The experience window (考核期): which years count, and per-employer aggregation.

Every aggregation is one vectorised pass over the rows (``np.bincount`` on the employer
codes, or one scatter per calendar year), never a loop over employers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .rules.model import Window
from .schema import Aggregate

__all__ = ["WindowYears", "window_years", "aggregate_window", "months_between"]


@dataclass(frozen=True)
class WindowYears:
    """The calendar years of the current and the previous window (inclusive ranges)."""

    first: int
    last: int
    previous_first: int
    previous_last: int

    def __str__(self) -> str:
        return f"{self.first}–{self.last} (previous {self.previous_first}–{self.previous_last})"


def window_years(as_of: dt.date, window: Window) -> WindowYears:
    """The window for a rating as of ``as_of``.

    The window's last year is ``as_of.year - lag_years`` and it spans ``years`` years; the
    previous window is the ``years`` years just before it.
    """
    last = as_of.year - window.lag_years
    first = last - window.years + 1
    return WindowYears(first, last, first - window.years, first - 1)


def aggregate_window(
    codes: np.ndarray,
    years: np.ndarray,
    columns: dict[str, np.ndarray],
    how: dict[str, Aggregate],
    first: int,
    last: int,
    n_employers: int,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Aggregate the rows of years ``first..last`` per employer.

    Parameters
    ----------
    codes:
        Employer position of every row (-1 for rows without an employer).
    years:
        Year of every row (float, NaN when missing).
    columns:
        Clean row-aligned arrays.
    how:
        Column name → aggregation.
    first, last:
        Inclusive year range.
    n_employers:
        Number of employers (length of every output).

    Returns
    -------
    (aggregates, rows_in_window)
        Per-employer arrays, NaN (or False for flags) where an employer has no row in
        the range, and the count of rows each employer has in it.
    """
    # Sum year by year, in calendar order: each employer has at most one row per year, so
    # the result does not depend on the order of the input rows (bit for bit).
    valid = codes >= 0
    counts = np.zeros(n_employers, dtype=np.int64)
    year_rows = []
    for year in range(first, last + 1):
        rows = valid & (years == year)
        year_rows.append((year, rows, codes[rows]))
        counts += np.bincount(codes[rows], minlength=n_employers)
    empty = counts == 0
    out: dict[str, np.ndarray] = {}
    for name, aggregate in how.items():
        values = columns[name]
        if aggregate in (Aggregate.SUM, Aggregate.MEAN, Aggregate.ANY):
            total = np.zeros(n_employers)
            for _, rows, row_codes in year_rows:
                weights = values[rows].astype(np.float64, copy=False)
                total += np.bincount(row_codes, weights=weights, minlength=n_employers)
            if aggregate == Aggregate.ANY:
                out[name] = total > 0
                continue
            if aggregate == Aggregate.MEAN:
                with np.errstate(invalid="ignore", divide="ignore"):
                    total = total / counts
            total[empty] = np.nan
            out[name] = total
        else:
            out[name] = _per_year_reduce(
                codes, years, values, aggregate, range(first, last + 1), n_employers
            )
    return out, counts


def _per_year_reduce(
    codes: np.ndarray,
    years: np.ndarray,
    values: np.ndarray,
    aggregate: Aggregate,
    year_range: range,
    n_employers: int,
) -> np.ndarray:
    """LAST/MIN/MAX by one scatter per year (each employer has one row per year)."""
    is_date = values.dtype.kind == "M"
    work = values.astype("datetime64[D]").astype(np.float64) if is_date else values
    if is_date:
        work = np.where(np.isnat(values), np.nan, work)
    result = np.full(n_employers, np.nan)
    for year in year_range:
        rows = (codes >= 0) & (years == year)
        if not rows.any():
            continue
        this_year = np.full(n_employers, np.nan)
        this_year[codes[rows]] = work[rows]
        if aggregate == Aggregate.LAST:
            result = np.where(np.isnan(this_year), result, this_year)
        elif aggregate == Aggregate.MAX:
            result = np.fmax(result, this_year)
        else:
            result = np.fmin(result, this_year)
    return result


def months_between(start_days: np.ndarray, as_of: dt.date) -> np.ndarray:
    """Whole months from each start date (days since epoch, float) to ``as_of``.

    A month counts once the same day of the month is reached: 2023-01-15 → 2025-01-15 is
    24 months, → 2025-01-14 is 23. NaN stays NaN.
    """
    valid = ~np.isnan(start_days)
    dates = np.zeros(len(start_days), dtype="datetime64[D]")
    dates[valid] = start_days[valid].astype(np.int64).astype("datetime64[D]")
    months = dates.astype("datetime64[M]")
    year = months.astype(np.int64) // 12 + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (dates - months.astype("datetime64[D]")).astype(np.int64) + 1
    whole = (as_of.year - year) * 12 + (as_of.month - month) - (as_of.day < day)
    return np.where(valid, whole.astype(np.float64), np.nan)
