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

from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .rules.model import Indicator, RuleTable

__all__ = [
    "ratio",
    "compute_indicators",
    "area_ratios",
    "area_sums",
    "add_area_sums",
    "ExactSum",
    "AreaSums",
]


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
        value = np.asarray(numerator / denominator)
        if indicator.scale != 1:
            value *= indicator.scale
    zero_denominator = denominator == 0
    if zero_denominator.any():  # the conventions replace what the division gave
        value[zero_denominator & (numerator == 0)] = indicator.zero_over_zero
        value[zero_denominator & (numerator > 0)] = indicator.positive_over_zero
    return value


@dataclass(frozen=True)
class ExactSum:
    """The exact sum of float64 values: adding two is exact, ``float()`` rounds once.

    Area figures are summed over the whole batch; a run split into partitions adds the
    partitions' exact sums, so its figures equal those of one run over everything
    (``float(ExactSum.of(x)) == math.fsum(x)``, both correctly rounded).
    """

    finite: Fraction = Fraction(0)
    infinite: float = 0.0  #: the sum of the infinite values (±inf, or nan for inf - inf)

    @classmethod
    def of(cls, values: np.ndarray) -> ExactSum:
        values = np.asarray(values, dtype=np.float64)
        finite = np.isfinite(values)
        infinite = float(np.sum(values[~finite])) if not finite.all() else 0.0
        mantissa, exponent = np.frexp(values[finite])
        # value = integer × 2**shift exactly; the integer splits in halves of 26 bits, whose
        # int64 sums cannot overflow, and the sums per distinct shift are added as integers.
        integer = (mantissa * 2.0**53).astype(np.int64)
        shifts, where = np.unique(exponent.astype(np.int64) - 53, return_inverse=True)
        high = np.zeros(len(shifts), dtype=np.int64)
        low = np.zeros(len(shifts), dtype=np.int64)
        np.add.at(high, where, integer >> 26)
        np.add.at(low, where, integer & (2**26 - 1))
        total = Fraction(0)
        for shift, h, lo in zip(shifts.tolist(), high.tolist(), low.tolist(), strict=True):
            whole = (h << 26) + lo
            total += whole * 2**shift if shift >= 0 else Fraction(whole, 2**-shift)
        return cls(total, infinite)

    def __add__(self, other: ExactSum) -> ExactSum:
        return ExactSum(self.finite + other.finite, self.infinite + other.infinite)

    def __float__(self) -> float:
        return self.infinite if self.infinite != 0.0 else float(self.finite)


#: Per area-relative indicator, per area group: (Σ numerator, Σ denominator) of the members.
AreaSums = dict[str, dict[float, tuple[ExactSum, ExactSum]]]


def area_sums(table: RuleTable, scope: Mapping[str, np.ndarray], members: np.ndarray) -> AreaSums:
    """The exact sums behind each computed area figure, per area group (see
    :func:`area_ratios`). Indicators with a published figure or absent inputs are left out."""
    out: AreaSums = {}
    n = len(members)
    for name, indicator in table.all_indicators.items():
        if not indicator.relative_to_area or indicator.area_figure is not None:
            continue
        numerator = scope.get(str(indicator.numerator))
        denominator = scope.get(str(indicator.denominator))
        if numerator is None or denominator is None:
            continue
        groups = _area_groups(indicator, scope, n)
        usable = members & ~np.isnan(numerator) & ~np.isnan(denominator) & ~np.isnan(groups)
        out[name] = {}
        for group in np.unique(groups[usable]):
            in_group = usable & (groups == group)
            out[name][float(group)] = (
                ExactSum.of(numerator[in_group]),
                ExactSum.of(denominator[in_group]),
            )
    return out


def add_area_sums(total: AreaSums, part: AreaSums) -> AreaSums:
    """``total`` with ``part`` added in (a new mapping; neither argument changes)."""
    out = {name: dict(groups) for name, groups in total.items()}
    for name, groups in part.items():
        merged = out.setdefault(name, {})
        for group, (numerator, denominator) in groups.items():
            if group in merged:
                numerator = merged[group][0] + numerator
                denominator = merged[group][1] + denominator
            merged[group] = (numerator, denominator)
    return out


def area_ratios(
    table: RuleTable,
    scope: Mapping[str, np.ndarray],
    members: np.ndarray,
    params: Mapping[str, Any],
    totals: AreaSums | None = None,
) -> dict[str, np.ndarray]:
    """The area ratio each employer is compared with, per area-relative indicator.

    A published figure (``area_figure``) is a plain ratio (0.004 for 4 ‰), as is the
    computed one; the indicator's ``scale`` applies to the relative value.

    ``members`` marks the employers whose experience makes up the area (those with window
    data that passed validation). Sums are exact (see :class:`ExactSum`), so the figure
    does not depend on the order of employers. ``totals`` gives the sums of a larger batch
    than ``scope`` (a partitioned run); by default they are those of ``scope``.
    """
    out: dict[str, np.ndarray] = {}
    n = len(members)
    sums = area_sums(table, scope, members) if totals is None else totals
    for name, indicator in table.all_indicators.items():
        if not indicator.relative_to_area:
            continue
        if indicator.area_figure is not None:
            out[name] = np.full(n, float(params[indicator.area_figure]))
            continue
        if name not in sums:
            continue
        groups = _area_groups(indicator, scope, n)
        figure = np.full(n, np.nan)
        for group, (numerator, denominator) in sums[name].items():
            figure[groups == group] = float(
                ratio(float(numerator), float(denominator), _unscaled(indicator), floor=False)
            )
        out[name] = figure
    return out


def _area_groups(indicator: Indicator, scope: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    if indicator.area_by:
        return np.asarray(scope[indicator.area_by], dtype=np.float64)
    return np.zeros(n)


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
