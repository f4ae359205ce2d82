"""The experience window (考核期): which years count, and per-employer aggregation.

Rows are grouped by calendar year once, during validation (:class:`ratefloat.schema.YearRows`);
every aggregation is then a
handful of ``np.bincount`` or scatter passes per year, never a loop over employers.
Each employer has at most one row per year (duplicates are rejected before), so adding
the years in calendar order gives the same bits whatever the order of the input rows.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .rules.model import Window
from .schema import Aggregate, YearRows

__all__ = ["WindowYears", "window_years", "aggregate_window", "months_between"]

#: Elementwise work on more employers than this runs in cache-sized blocks.
_BLOCK = 1 << 18

#: From this many rows in the window on, columns are aggregated on threads.
_THREADED_ROWS = 1 << 16


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
    year_rows: YearRows,
    columns: dict[str, np.ndarray],
    how: dict[str, Aggregate],
    first: int,
    last: int,
    *,
    threads: int = 2,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Aggregate the rows of years ``first..last`` per employer.

    Parameters
    ----------
    year_rows:
        The extract's rows grouped by year.
    columns:
        Clean row-aligned arrays.
    how:
        Column name → aggregation.
    first, last:
        Inclusive year range.
    threads:
        Columns aggregated at once; the result does not depend on it.

    Returns
    -------
    (aggregates, rows_in_window)
        Per-employer arrays, NaN (or False for flags) where an employer has no row in
        the range, and the count of rows each employer has in it.
    """
    n = year_rows.n_employers
    counts = np.zeros(n, dtype=np.int64)
    blocks = list(_blocks(year_rows, first, last))
    for _, block_codes in blocks:
        counts += np.bincount(block_codes, minlength=n)  # faster than a scatter of ones

    # Year by year in calendar order, in blocks of rows: an employer has one row per year,
    # so each block touches an employer at most once and in-place scatters are exact, and
    # the sums add the years in the same order whatever the order of the input rows.
    # Columns are independent (numpy releases the GIL in gathers and scatters), so they
    # are aggregated on ``threads`` threads.
    def one_column(name: str) -> np.ndarray:
        aggregate = how[name]
        if aggregate in (Aggregate.SUM, Aggregate.MEAN, Aggregate.ANY):
            result = np.zeros(n)
        else:
            result = np.full(n, np.nan)
        column = columns[name]
        for rows, block_codes in blocks:
            chosen = _as_float(column[rows])
            if aggregate in (Aggregate.SUM, Aggregate.MEAN, Aggregate.ANY):
                result[block_codes] += chosen
            elif aggregate == Aggregate.LAST:
                result[block_codes] = chosen
            elif aggregate == Aggregate.MAX:
                result[block_codes] = np.fmax(result[block_codes], chosen)
            else:
                result[block_codes] = np.fmin(result[block_codes], chosen)
        return result

    if threads > 1 and len(how) > 1 and sum(len(rows) for rows, _ in blocks) >= _THREADED_ROWS:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            results = dict(zip(how, pool.map(one_column, how), strict=True))
    else:
        results = {name: one_column(name) for name in how}
    empty = counts == 0
    out: dict[str, np.ndarray] = {}
    for name, aggregate in how.items():
        result = results[name]
        if aggregate == Aggregate.ANY:
            out[name] = result > 0
            continue
        if aggregate == Aggregate.MEAN:
            with np.errstate(invalid="ignore", divide="ignore"):
                result /= counts
        if aggregate in (Aggregate.SUM, Aggregate.MEAN):
            result[empty] = np.nan
        out[name] = result
    return out, counts


def _blocks(year_rows: YearRows, first: int, last: int):  # noqa: ANN202 - a generator
    """Row positions and employer codes of the years first..last, in blocks of rows."""
    for year in range(first, last + 1):
        rows, codes = year_rows.of(year)
        for start in range(0, len(rows), _BLOCK):
            yield rows[start : start + _BLOCK], codes[start : start + _BLOCK]


def _as_float(values: np.ndarray) -> np.ndarray:
    """Numbers, flags and dates (as days since 1970-01-01, NaN for NaT) as float64."""
    if values.dtype.kind == "M":
        days = values.astype("datetime64[D]")
        out = days.astype(np.float64)
        out[np.isnat(days)] = np.nan
        return out
    return values.astype(np.float64, copy=False)


def months_between(start_days: np.ndarray, as_of: dt.date) -> np.ndarray:
    """Whole months from each start date (days since 1970-01-01, float) to ``as_of``.

    A month counts once the same day of the month is reached: 2023-01-15 → 2025-01-15 is
    24 months, → 2025-01-14 is 23. NaN stays NaN.
    """
    valid = ~np.isnan(start_days)
    if len(start_days) <= _BLOCK or not valid.any():
        return _whole_months(start_days, valid, as_of)
    first, last = np.nanmin(start_days), np.nanmax(start_days)
    if last - first < len(start_days) // 2:
        # Many employers, fewer distinct days: the months of every day in the range,
        # looked up (start dates are whole days).
        table = _months_in_blocks(np.arange(first, last + 1), as_of)
        at = np.where(valid, start_days - first, 0).astype(np.int64)
        return np.where(valid, table[at], np.nan)
    return _months_in_blocks(start_days, as_of)


def _months_in_blocks(start_days: np.ndarray, as_of: dt.date) -> np.ndarray:
    out = np.empty(len(start_days))
    for start in range(0, len(start_days), _BLOCK):
        block = start_days[start : start + _BLOCK]
        out[start : start + _BLOCK] = _whole_months(block, ~np.isnan(block), as_of)
    return out


def _whole_months(start_days: np.ndarray, valid: np.ndarray, as_of: dt.date) -> np.ndarray:
    year, month, day = _civil_from_days(np.where(valid, start_days, 0).astype(np.int64))
    whole = (as_of.year - year) * 12 + (as_of.month - month) - (as_of.day < day)
    return np.where(valid, whole.astype(np.float64), np.nan)


def _civil_from_days(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Proleptic Gregorian (year, month, day) of day numbers since 1970-01-01.

    Integer arithmetic only (H. Hinnant's ``civil_from_days``), several times faster than
    going through ``datetime64[M]`` conversions.
    """
    z = days + 719468
    era = np.floor_divide(z, 146097)
    day_of_era = z - era * 146097
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = np.where(shifted_month < 10, shifted_month + 3, shifted_month - 9)
    year = year_of_era + era * 400 + (month <= 2)
    return year, month, day
