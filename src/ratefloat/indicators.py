"""Indicators (支缴率, 工伤发生率, and a table's own) from window aggregates.

A ratio indicator divides two aggregated columns with the table's conventions: a floor on
the denominator (Tianjin counts fewer than 50 insured as 50), a value for 0/0 (default 0:
no premium and no payout is no experience) and for positive/0 (default +inf), and a scale
(1000 for per-mille thresholds). An area-relative indicator divides the employer's ratio
by the area's (the batch's Σ numerator ÷ Σ denominator, per area group, or a published
figure). Expression indicators are evaluated in the order listed, so each may use the
ones before it.

The same function serves the current window, the previous window and each year of the
history: it reads unprefixed names from one *scope* of aggregates.
"""

from __future__ import annotations

import math
from collections import ChainMap
from collections.abc import Mapping
from typing import Any

import numpy as np

from .rules.model import Indicator, RuleTable

__all__ = ["ratio", "compute_indicators", "area_ratios"]


def ratio(numerator: Any, denominator: Any, indicator: Indicator, floor: bool = True) -> np.ndarray:
    """``numerator / denominator × scale`` under the indicator's zero and floor conventions.

    NaN in either part (an employer with no rows in the window) gives NaN.
    """
    denominator = np.asarray(denominator, dtype=np.float64)
    numerator = np.asarray(numerator, dtype=np.float64)
    if floor and indicator.min_denominator is not None:
        denominator = np.where(
            denominator < indicator.min_denominator, indicator.min_denominator, denominator
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        value = numerator / denominator * indicator.scale
    zero_denominator = denominator == 0
    value = np.where(zero_denominator & (numerator == 0), indicator.zero_over_zero, value)
    value = np.where(zero_denominator & (numerator > 0), indicator.positive_over_zero, value)
    return value


def area_ratios(
    table: RuleTable,
    scope: Mapping[str, np.ndarray],
    members: np.ndarray,
    params: Mapping[str, Any],
) -> dict[str, np.ndarray]:
    """The area ratio each employer is compared with, per area-relative indicator.

    A published figure (``area_figure``) is a plain ratio (0.004 for 4 ‰), as is the
    computed one; the indicator's ``scale`` applies to the relative value.

    ``members`` marks the employers whose experience makes up the area (those with window
    data that passed validation). Sums use :func:`math.fsum`, so the figure does not
    depend on the order of employers.
    """
    out: dict[str, np.ndarray] = {}
    n = len(members)
    for name, indicator in table.all_indicators.items():
        if not indicator.relative_to_area:
            continue
        if indicator.area_figure is not None:
            out[name] = np.full(n, float(params[indicator.area_figure]))
            continue
        numerator = scope.get(str(indicator.numerator))
        denominator = scope.get(str(indicator.denominator))
        if numerator is None or denominator is None:
            continue
        groups = (
            np.asarray(scope[indicator.area_by], dtype=np.float64)
            if indicator.area_by
            else np.zeros(n)
        )
        figure = np.full(n, np.nan)
        usable = members & ~np.isnan(numerator) & ~np.isnan(denominator) & ~np.isnan(groups)
        for group in np.unique(groups[usable]):
            in_group = usable & (groups == group)
            total_numerator = math.fsum(numerator[in_group])
            total_denominator = math.fsum(denominator[in_group])
            figure[groups == group] = float(
                ratio(total_numerator, total_denominator, _unscaled(indicator), floor=False)
            )
        out[name] = figure
    return out


def _unscaled(indicator: Indicator) -> Indicator:
    return indicator.model_copy(update={"scale": 1.0})


def compute_indicators(
    table: RuleTable,
    scope: Mapping[str, Any],
    fallback: Mapping[str, Any] | None = None,
    area: Mapping[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """The table's indicators over one scope of aggregates.

    Parameters
    ----------
    table:
        The rule table (its indicators, with the built-in ones).
    scope:
        Unprefixed aggregates of one window (or one year).
    fallback:
        Names read when missing from ``scope`` (parameters, derived names).
    area:
        Area ratios from :func:`area_ratios` for area-relative indicators.

    Returns
    -------
    dict
        Indicator name → per-employer values. An indicator whose inputs are absent from
        the scope is left out.
    """
    out: dict[str, np.ndarray] = {}
    lookup = ChainMap(out, dict(scope), dict(fallback or {}))
    expressions = table.expressions()
    for name, indicator in table.all_indicators.items():
        if indicator.expr is not None:
            expression = expressions[f"indicator.{name}"]
            if all(n in lookup for n in expression.names):
                out[name] = np.asarray(expression.evaluate(lookup), dtype=np.float64)
            continue
        numerator = scope.get(str(indicator.numerator))
        denominator = scope.get(str(indicator.denominator))
        if numerator is None or denominator is None:
            continue
        if indicator.relative_to_area:
            if area is None or name not in area:
                continue
            own = ratio(numerator, denominator, _unscaled(indicator))
            out[name] = ratio(own, area[name], indicator, floor=False)
        else:
            out[name] = ratio(numerator, denominator, indicator)
    return out
