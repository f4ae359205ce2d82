"""Indicators (支缴率, 工伤发生率, and a table's own) from window aggregates.

A ratio indicator divides two aggregated columns with the table's conventions: a floor on
the denominator (Tianjin counts fewer than 50 insured as 50), a value for 0/0 (default 0:
no premium and no payout is no experience) and for positive/0 (default +inf), and a scale
(1000 for per-mille thresholds). Expression indicators are evaluated in the order listed,
so each may use the ones before it.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import numpy as np

from .rules.model import Indicator, RuleTable

__all__ = ["ratio", "compute_indicators"]


def ratio(numerator: np.ndarray, denominator: np.ndarray, indicator: Indicator) -> np.ndarray:
    """``numerator / denominator`` under the indicator's zero and floor conventions.

    NaN in either part (an employer with no rows in the window) gives NaN.
    """
    denominator = np.asarray(denominator, dtype=np.float64)
    numerator = np.asarray(numerator, dtype=np.float64)
    if indicator.min_denominator is not None:
        denominator = np.where(
            denominator < indicator.min_denominator, indicator.min_denominator, denominator
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        value = numerator / denominator * indicator.scale
    zero_denominator = denominator == 0
    value = np.where(zero_denominator & (numerator == 0), indicator.zero_over_zero, value)
    value = np.where(zero_denominator & (numerator > 0), indicator.positive_over_zero, value)
    return value


def compute_indicators(
    table: RuleTable, env: MutableMapping[str, Any], prefix: str = ""
) -> list[str]:
    """Add the table's indicators to ``env`` (in place), reading ``prefix``-ed columns.

    With ``prefix="prev_"`` the indicators of the previous window are computed from the
    ``prev_`` aggregates and stored under ``prev_<name>``. Returns the names added.
    """
    added = []
    expressions = table.expressions()
    for name, indicator in table.all_indicators.items():
        key = prefix + name
        if indicator.expr is None:
            numerator = env.get(prefix + str(indicator.numerator))
            denominator = env.get(prefix + str(indicator.denominator))
            if numerator is None or denominator is None:
                continue
            env[key] = ratio(numerator, denominator, indicator)
        else:
            expression = expressions[f"indicator.{name}"]
            if prefix:
                names = expression.names
                if any(prefix + n not in env and n not in env for n in names):
                    continue
                shifted = {n: env.get(prefix + n, env.get(n)) for n in names}
                env[key] = np.asarray(expression.evaluate(shifted), dtype=np.float64)
            else:
                if any(n not in env for n in expression.names):
                    continue
                env[key] = np.asarray(expression.evaluate(env), dtype=np.float64)
        added.append(key)
    return added
