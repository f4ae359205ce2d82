"""Calibration: the base-rate scale or one parameter that makes a table hit an income.

Income as a function of the varied value is monotone but a step function (rates are
rounded, grades jump at thresholds), so the root is found by bracketing and then
false position (Illinois) with bisection as fallback, on the prepared data: each step
re-evaluates only the rules.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..display import html_card, short_repr
from ..errors import ParameterError, RuleTableError
from ..rules.loader import load_table
from ..rules.model import RuleTable
from .population import Population
from .premium import payroll_of_inputs, premium
from .variants import (
    BASE_RATE_SCALE,
    check_names,
    with_base_rate_scale,
    with_parameter_defaults,
)

__all__ = ["calibrate", "Calibration", "REVENUE_NEUTRAL", "BALANCE_PAYOUTS"]

#: Target: the income the population would pay at the base rates (unfloated income).
REVENUE_NEUTRAL = "revenue-neutral"
#: Target: the window's payouts per year (以支定收, income set by spending).
BALANCE_PAYOUTS = "payouts"


@dataclass(frozen=True)
class Calibration:
    """The result of :func:`calibrate`.

    Attributes
    ----------
    vary, value:
        What was varied and the value found.
    target, income:
        The income aimed at and the income at ``value`` (annual, yuan).
    residual:
        ``income / target - 1`` at ``value``.
    tolerance, converged:
        The relative tolerance asked for and whether ``|residual| <= tolerance``.
    iterations:
        Rule evaluations used (bracketing included).
    table:
        The calibrated table (scaled base rates, or the parameter's default set).
    history:
        Every value tried with its income, in order.
    """

    vary: str
    value: float
    target: float
    income: float
    residual: float
    tolerance: float
    converged: bool
    iterations: int
    table: RuleTable
    history: pd.DataFrame = field(repr=False)

    def __repr__(self) -> str:
        return short_repr(
            "Calibration",
            {
                "vary": self.vary,
                "value": self.value,
                "residual": float(f"{self.residual:.3g}"),
                "iterations": self.iterations,
                "converged": self.converged,
            },
        )

    def _repr_html_(self) -> str:
        facts = {
            "varied": self.vary,
            "value": f"{self.value:.8g}",
            "target income": f"{self.target:,.2f}",
            "income": f"{self.income:,.2f}",
            "residual": f"{self.residual:+.4%}",
            "tolerance": f"{self.tolerance:.4%}",
            "converged": self.converged,
            "iterations": self.iterations,
            "table": f"{self.table.id} {self.table.version}",
        }
        return html_card("Calibration", facts, [("steps", self.history)])


def calibrate(
    extract: pd.DataFrame | Population,
    table: str | RuleTable | Mapping[str, Any],
    as_of: str | dt.date | pd.Timestamp | None = None,
    *,
    target: str | float = REVENUE_NEUTRAL,
    vary: str = BASE_RATE_SCALE,
    bracket: tuple[float, float] | None = None,
    tolerance: float = 0.001,
    params: Mapping[str, Any] | None = None,
    max_iterations: int = 60,
    classification: Any = None,
    outside_effective_dates: Literal["refuse", "allow"] = "refuse",
) -> Calibration:
    """Find the value of ``vary`` at which the table's annual income meets ``target``.

    Parameters
    ----------
    extract:
        Employer-year rows (or a :class:`~ratefloat.analysis.Population`).
    table:
        The rule table.
    as_of:
        The rating date.
    target:
        ``"revenue-neutral"`` (the income at the base rates, before floating),
        ``"payouts"`` (the window's payouts per year: 以支定收), or an income in yuan.
    vary:
        ``"base_rate_scale"`` (every base rate times the value) or the name of a number
        parameter of the table.
    bracket:
        Two values whose incomes lie on either side of the target. Default: around 1
        for the scale, around the parameter's current value otherwise; widened until
        they bracket it.
    tolerance:
        Relative tolerance on the income (default 0.1 %).
    params:
        Values of the table's other parameters.
    max_iterations:
        Limit on rule evaluations.
    classification:
        As for :func:`ratefloat.rerate`.
    outside_effective_dates:
        ``"allow"`` rates tables outside their effective dates (what-ifs with past or
        future rules); default ``"refuse"``, as :func:`ratefloat.rerate`.

    Returns
    -------
    Calibration

    Raises
    ------
    ParameterError
        Unknown ``vary``, a target that is not positive, or no bracket found.

    Examples
    --------
    >>> import ratefloat
    >>> from ratefloat.analysis import calibrate
    >>> found = calibrate(ratefloat.load_example(), "cn-jiangsu-2023", "2025-01-01")
    >>> found.converged and abs(found.residual) <= 0.001
    True
    """
    population = Population.of(
        extract,
        as_of,
        classification=classification,
        outside_effective_dates=outside_effective_dates,
    )
    table = load_table(table if not isinstance(table, Mapping) else dict(table))
    check_names(table, [vary])
    given = dict(params or {})
    if vary != BASE_RATE_SCALE and table.parameters[vary].type != "number":
        raise ParameterError(f"calibrate can vary a number parameter; {vary!r} is not one")
    goal = _target_income(population, table, given, target)
    tried: list[tuple[float, float]] = []

    def income(x: float) -> float:
        try:
            if vary == BASE_RATE_SCALE:
                ruled = population.outcome(with_base_rate_scale(table, x), given)
            else:
                ruled = population.outcome(table, {**given, vary: x})
        except (ParameterError, RuleTableError) as exc:  # e.g. a ladder no longer rising
            raise _InvalidValue(str(exc)) from exc
        payroll, _ = payroll_of_inputs(ruled.env)
        total = math.fsum(premium(payroll, ruled.outcome.rate, table.rounding.money_decimals))
        tried.append((x, total))
        return total

    limits = _limits(table, vary, population.as_of)
    start = _start(table, vary, given, bracket)
    start = (max(start[0], limits[0]), min(start[1], limits[1]))
    anchor = None if bracket is not None else _current(table, vary, given)
    value = _solve(income, goal, start, limits, tolerance, max_iterations, anchor)
    final = dict(tried)[value]
    calibrated = (
        with_base_rate_scale(table, value)
        if vary == BASE_RATE_SCALE
        else with_parameter_defaults(table, {vary: value})
    )
    residual = final / goal - 1
    history = pd.DataFrame(tried, columns=["value", "income"])
    history["residual"] = history["income"] / goal - 1
    return Calibration(
        vary,
        value,
        goal,
        final,
        residual,
        tolerance,
        abs(residual) <= tolerance,
        len(tried),
        calibrated,
        history,
    )


def _target_income(
    population: Population, table: RuleTable, params: Mapping[str, Any], target: str | float
) -> float:
    if isinstance(target, str):
        if target not in (REVENUE_NEUTRAL, BALANCE_PAYOUTS):
            raise ParameterError(
                f"target must be {REVENUE_NEUTRAL!r}, {BALANCE_PAYOUTS!r} or an income in "
                f"yuan, got {target!r}"
            )
        ruled = population.outcome(table, params)
        env = ruled.env
        if target == BALANCE_PAYOUTS:
            years = np.asarray(env["years_observed"], dtype=np.float64)
            goal = math.fsum(np.asarray(env["payouts"], dtype=np.float64) / years)
        else:
            payroll, _ = payroll_of_inputs(env)
            decimals = table.rounding.money_decimals
            goal = math.fsum(premium(payroll, ruled.outcome.base_rate, decimals))
    elif isinstance(target, (int, float)) and not isinstance(target, bool):
        goal = float(target)
    else:
        raise ParameterError(f"target must be a string or a number, got {target!r}")
    if not goal > 0:
        raise ParameterError(f"the target income must be positive, got {goal!r}")
    return goal


def _start(
    table: RuleTable, vary: str, params: Mapping[str, Any], bracket: Any
) -> tuple[float, float]:
    if bracket is not None:
        low, high = (float(v) for v in bracket)
        if not low < high:
            raise ParameterError(f"bracket must be (low, high) with low < high, got {bracket!r}")
        return low, high
    if vary == BASE_RATE_SCALE:
        return 0.8, 1.25
    current = params.get(vary, table.parameters[vary].default)
    if current is None:
        raise ParameterError(f"parameter {vary!r} has no default: give a bracket=(low, high)")
    current = float(current)
    step = abs(current) * 0.25 or 1.0
    return current - step, current + step


class _InvalidValue(Exception):
    """The varied value makes the table invalid (the message says how)."""


def _current(table: RuleTable, vary: str, params: Mapping[str, Any]) -> float:
    """The value the table has now (a valid one)."""
    if vary == BASE_RATE_SCALE:
        return 1.0
    return float(params.get(vary, table.parameters[vary].default))


def _limits(table: RuleTable, vary: str, as_of: Any) -> tuple[float, float]:
    """The values ``vary`` may take: a parameter's minimum and maximum; for the scale,
    positive and keeping every base rate below 1."""
    if vary == BASE_RATE_SCALE:
        highest = max(table.base_rates_on(as_of).values())
        return 1e-6, 0.999999 / highest
    spec = table.parameters[vary]
    low = -math.inf if spec.minimum is None else spec.minimum
    high = math.inf if spec.maximum is None else spec.maximum
    return low, high


def _solve(
    f: Any,
    goal: float,
    start: tuple[float, float],
    limits: tuple[float, float],
    tolerance: float,
    max_iterations: int,
    anchor: float | None = None,
) -> float:
    """Monotone root finding: widen until bracketed, then Illinois false position.

    ``f`` is called at most ``max_iterations`` times. A value that makes the table invalid
    (``f`` raises :class:`_InvalidValue`) is pulled halfway back towards a valid one
    (``anchor`` at first, then the bracket's other end), so the search stays inside the
    values the table allows.
    """
    calls = 0

    def g(x: float) -> float:
        nonlocal calls
        calls += 1
        return f(x) - goal

    invalid = ""

    def probe(x: float, valid: float | None) -> tuple[float, float]:
        nonlocal invalid
        while True:
            try:
                return x, g(x)
            except _InvalidValue as exc:
                invalid = f"; at {x:.6g} the table is invalid: {exc}"
                close = valid is not None and abs(x - valid) <= 1e-9 * max(1.0, abs(valid))
                if valid is None or close or calls >= max_iterations:
                    raise ParameterError(f"calibration tried {x:.6g}: {exc}") from exc
                x = (x + valid) / 2

    a, fa = probe(start[0], anchor)
    b, fb = probe(start[1], anchor if anchor is not None else a)
    while fa * fb > 0:
        # Income is monotone: the root lies beyond the end whose income is nearer.
        lower = abs(fa) < abs(fb)
        stuck = a <= limits[0] if lower else b >= limits[1]
        if calls >= max_iterations or stuck:
            raise ParameterError(
                f"no bracket found: income minus target is {fa:+,.2f} at {a:.6g} and "
                f"{fb:+,.2f} at {b:.6g}"
                + (
                    f" (the limits of the value are {limits[0]:.6g} … {limits[1]:.6g})"
                    if stuck
                    else ""
                )
                + invalid
                + "; give bracket=(low, high) around the target"
            )
        width = 2 * (b - a)  # doubling steps
        if lower:
            a, b, fb = max(a - width, limits[0]), a, fa
            a, fa = probe(a, b)
        else:
            a, b, fa = b, min(b + width, limits[1]), fb
            b, fb = probe(b, a)
    best, best_f = (a, abs(fa)) if abs(fa) <= abs(fb) else (b, abs(fb))
    side = 0
    while calls < max_iterations and best_f > tolerance * goal:
        if abs(b - a) <= 1e-9 * max(1.0, abs(a), abs(b)):
            break
        c = (a * fb - b * fa) / (fb - fa) if fb != fa else (a + b) / 2
        if not a < c < b:
            c = (a + b) / 2
        fc = g(c)
        if abs(fc) < best_f:
            best, best_f = c, abs(fc)
        if fc * fb > 0:
            b, fb = c, fc
            if side == 1:
                fa /= 2
            side = 1
        else:
            a, fa = c, fc
            if side == -1:
                fb /= 2
            side = -1
    return best
