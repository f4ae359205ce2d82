"""Annual payroll and premium per employer, and how payroll is estimated when absent.

Premium is rate × annual payroll, rounded half up to the fen per employer, as ``rerate()``
writes it. Without a ``payroll`` column the payroll is estimated from what was paid: the
window's contributions per year ÷ the employer's current rate, or ÷ the base rate of its
class when the current rate is absent too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..rounding import round_money

__all__ = ["payroll_of_rated", "payroll_of_inputs", "premium", "PAYROLL_BASIS"]

#: How the payroll was obtained, by basis key.
PAYROLL_BASIS = {
    "payroll": "payroll column: the window's payroll ÷ years observed",
    "contributions/current_rate": "estimated: the window's contributions per year ÷ current rate",
    "contributions/base_rate": "estimated: the window's contributions per year ÷ base rate",
}


def payroll_of_rated(rated: pd.DataFrame) -> tuple[np.ndarray, str]:
    """Annual payroll of each employer of a rated frame, and the basis key."""
    if "payroll" in rated:
        return rated["payroll"].to_numpy(dtype=np.float64), "payroll"
    return _estimate(
        rated["window_contributions"].to_numpy(),
        rated["window_years"].to_numpy(),
        rated["current_rate"].to_numpy() if "current_rate" in rated else None,
        rated["base_rate"].to_numpy(),
    )


def payroll_of_inputs(env: Mapping[str, Any]) -> tuple[np.ndarray, str]:
    """Annual payroll from the engine inputs of a re-rating (as the rated frame has it)."""
    years = np.asarray(env["years_observed"], dtype=np.float64)
    if "payroll" in env:
        return round_money(np.asarray(env["payroll"]) / years, 2), "payroll"
    return _estimate(env["contributions"], years, env.get("current_rate"), env["base_rate"])


def premium(payroll: np.ndarray, rate: np.ndarray, decimals: int = 2) -> np.ndarray:
    """Annual premium per employer, half up to ``decimals`` (the table's money precision)."""
    return round_money(payroll * rate, decimals)


def _estimate(
    contributions: Any, years: Any, current_rate: Any, base_rate: Any
) -> tuple[np.ndarray, str]:
    per_year = np.asarray(contributions, dtype=np.float64) / np.asarray(years, dtype=np.float64)
    if current_rate is not None:
        current = np.asarray(current_rate, dtype=np.float64)
        if np.all(current > 0):
            return round_money(per_year / current, 2), "contributions/current_rate"
    return round_money(per_year / np.asarray(base_rate), 2), "contributions/base_rate"
