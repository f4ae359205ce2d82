"""Backtests: rate on the years before t, score on what happened in year t.

For each scored year t the table rates the employers as of the date whose window ends at
t − 1; the employers' injuries, insured headcount, payouts and contributions of year t
then show whether higher grades went to riskier employers:

* by grade: injury rate, payout ratio, and the injury and payout relativities *within
  class* (actual ÷ expected at the employer's class rate per insured of year t);
* quintiles of employers ordered by the table's multiplier (ties in a seeded random
  order), by expected injuries: actual ÷ expected per quintile;
* the ordered Lorenz curve (employers by multiplier, low first; x = share of expected
  injuries, y = share of actual injuries) and its Gini, with a seeded bootstrap
  confidence interval (employers resampled; expected counts from the full sample);
* a verdict: are the within-class relativities non-decreasing in the grade?
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..display import html_card, short_repr
from ..errors import ParameterError
from ..result import RerateResult
from ..rules.loader import load_table
from ..rules.model import RuleTable
from .population import Population

__all__ = ["backtest", "Backtest", "gini", "MIN_EXPECTED"]

#: Grades with fewer expected injuries than this are left out of the monotonicity verdict.
MIN_EXPECTED = 5.0
_SCORED = ("injuries", "avg_insured", "payouts", "contributions")


@dataclass(frozen=True)
class Backtest:
    """The result of :func:`backtest` (frames are tidy, one row per year and group).

    Attributes
    ----------
    by_grade:
        year, grade, employers, insured, injuries, expected (at the class rate),
        injury_rate, relativity (injuries ÷ expected), payouts, contributions,
        payout_ratio, expected_payouts (the class's payouts per insured × insured) and
        payout_relativity (payouts ÷ expected_payouts).
    quintiles:
        year, quintile (1 = lowest multipliers), employers, expected, injuries, ratio.
    gini:
        year, gini, low, high (the bootstrap interval), level, bootstraps.
    lorenz:
        year, expected_share, injury_share: the curve's points.
    monotone:
        Whether every year's within-class relativities are non-decreasing in the grade
        (grades with at least :data:`MIN_EXPECTED` expected injuries).
    verdict:
        The same in words, naming the first break.
    """

    table_id: str
    years: tuple[int, ...]
    by_grade: pd.DataFrame
    quintiles: pd.DataFrame
    gini: pd.DataFrame
    lorenz: pd.DataFrame
    monotone: bool
    verdict: str
    results: dict[int, RerateResult] = field(repr=False, default_factory=dict)

    def __repr__(self) -> str:
        ginis = [round(float(g), 3) for g in self.gini["gini"]]
        return short_repr(
            "Backtest",
            {
                "table": self.table_id,
                "years": list(self.years),
                "gini": ginis,
                "monotone": self.monotone,
            },
        )

    def _repr_html_(self) -> str:
        facts = {
            "table": self.table_id,
            "years": ", ".join(map(str, self.years)),
            "verdict": self.verdict,
        }
        return html_card(
            "Backtest",
            facts,
            [
                ("Gini (bootstrap interval)", self.gini),
                ("by grade", self.by_grade),
                ("quintiles", self.quintiles),
            ],
        )


def backtest(
    extract: pd.DataFrame,
    table: str | RuleTable | Mapping[str, Any],
    years: Sequence[int],
    *,
    params: Mapping[str, Any] | None = None,
    classification: Any = None,
    bootstraps: int = 200,
    level: float = 0.95,
    seed: int = 0,
) -> Backtest:
    """Score a table's grades against the following year's experience.

    The table is applied as of dates outside its own effective dates when the years ask
    for it: a backtest is explicitly allowed to do so.

    Parameters
    ----------
    extract:
        Employer-year rows covering the windows and the scored years.
    table:
        The rule table.
    years:
        The years t to score; each is rated on the window ending at t − 1.
    params:
        Values of the table's parameters.
    classification:
        As for :func:`ratefloat.rerate`.
    bootstraps, level, seed:
        Bootstrap resamples for the Gini interval, its level and the random seed (the
        same seed gives the same interval).

    Returns
    -------
    Backtest
    """
    table = load_table(table if not isinstance(table, Mapping) else dict(table))
    years = tuple(int(y) for y in years)
    if not years:
        raise ParameterError("years is empty: give the years to score, e.g. [2023, 2024]")
    rng = np.random.default_rng(seed)
    grades, quintiles, ginis, curves, results = [], [], [], [], {}
    for year in years:
        as_of = dt.date(year - 1 + table.window.lag_years, 1, 1)
        population = Population(
            extract, as_of, classification=classification, outside_effective_dates="allow"
        )
        result = population.rate(table, params)
        if result.window.last >= year:
            raise ParameterError(
                f"the window of {as_of} ends in {result.window.last}, not before {year}"
            )
        results[year] = result
        scored = _scored(extract, result, year)
        if scored.empty:
            raise ParameterError(f"no rated employer has a row in {year} to score")
        grades.append(_by_grade(scored).assign(year=year))
        quintiles.append(_quintiles(scored, rng).assign(year=year))
        curve, value = _lorenz(scored["multiplier"], scored["expected"], scored["injuries"])
        curves.append(curve.assign(year=year))
        low, high = _bootstrap(scored, bootstraps, level, rng)
        ginis.append(
            {
                "year": year,
                "gini": value,
                "low": low,
                "high": high,
                "level": level,
                "bootstraps": bootstraps,
            }
        )
    by_grade = _first(pd.concat(grades, ignore_index=True), "year")
    monotone, verdict = _verdict(by_grade)
    return Backtest(
        table.id,
        years,
        by_grade,
        _first(pd.concat(quintiles, ignore_index=True), "year"),
        pd.DataFrame(ginis),
        _first(pd.concat(curves, ignore_index=True), "year"),
        monotone,
        verdict,
        results,
    )


def gini(prediction: Any, expected: Any, actual: Any) -> float:
    """Gini of the ordered Lorenz curve: 0 = no ranking power, 1 = perfect."""
    return _lorenz(prediction, expected, actual)[1]


def _scored(extract: pd.DataFrame, result: RerateResult, year: int) -> pd.DataFrame:
    rows = extract.loc[extract["year"] == year, ["employer_id", *_SCORED]]
    rows = rows.assign(employer_id=rows["employer_id"].astype(str))
    outcome = rows.groupby("employer_id", sort=False)[list(_SCORED)].sum()
    rated = result.rated[["employer_id", "risk_class", "grade", "multiplier"]]
    scored = rated.merge(outcome, left_on="employer_id", right_index=True, how="inner")
    scored = scored[scored["avg_insured"] > 0]
    by_class = scored.groupby("risk_class")[["injuries", "payouts", "avg_insured"]].transform("sum")
    per_insured = scored["avg_insured"] / by_class["avg_insured"]
    return scored.assign(
        expected=per_insured * by_class["injuries"],
        expected_payouts=per_insured * by_class["payouts"],
    )


def _by_grade(scored: pd.DataFrame) -> pd.DataFrame:
    group = scored.groupby("grade")
    out = group.agg(
        employers=("employer_id", "size"),
        insured=("avg_insured", "sum"),
        injuries=("injuries", "sum"),
        expected=("expected", "sum"),
        payouts=("payouts", "sum"),
        expected_payouts=("expected_payouts", "sum"),
        contributions=("contributions", "sum"),
    ).reset_index()
    out["injury_rate"] = out["injuries"] / out["insured"]
    out["relativity"] = out["injuries"] / out["expected"]
    out["payout_ratio"] = out["payouts"] / out["contributions"]
    out["payout_relativity"] = out["payouts"] / out["expected_payouts"]
    return out


def _quintiles(scored: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    tie_break = rng.random(len(scored))
    order = np.lexsort((tie_break, scored["multiplier"].to_numpy()))
    expected = scored["expected"].to_numpy()[order]
    cumulative = np.cumsum(expected) - expected / 2
    total = expected.sum()
    quintile = np.minimum((cumulative / total * 5).astype(np.int64), 4) + 1 if total > 0 else 1
    frame = pd.DataFrame(
        {
            "quintile": quintile,
            "expected": expected,
            "injuries": scored["injuries"].to_numpy()[order],
        }
    )
    out = frame.groupby("quintile").agg(
        employers=("expected", "size"), expected=("expected", "sum"), injuries=("injuries", "sum")
    )
    out["ratio"] = out["injuries"] / out["expected"]
    return out.reset_index()


def _lorenz(prediction: Any, expected: Any, actual: Any) -> tuple[pd.DataFrame, float]:
    """The ordered Lorenz curve through the tie groups, and its Gini."""
    prediction = np.asarray(prediction, dtype=np.float64)
    groups, inverse = np.unique(prediction, return_inverse=True)
    x = np.bincount(inverse, np.asarray(expected, dtype=np.float64), len(groups))
    y = np.bincount(inverse, np.asarray(actual, dtype=np.float64), len(groups))
    return _curve(x, y)


def _curve(x: np.ndarray, y: np.ndarray) -> tuple[pd.DataFrame, float]:
    if x.sum() <= 0 or y.sum() <= 0:
        return pd.DataFrame({"expected_share": [0.0, 1.0], "injury_share": [0.0, 1.0]}), 0.0
    cx = np.concatenate([[0.0], np.cumsum(x) / x.sum()])
    cy = np.concatenate([[0.0], np.cumsum(y) / y.sum()])
    area = float(np.sum((cx[1:] - cx[:-1]) * (cy[1:] + cy[:-1]) / 2))
    return pd.DataFrame({"expected_share": cx, "injury_share": cy}), 1.0 - 2.0 * area


def _bootstrap(
    scored: pd.DataFrame, bootstraps: int, level: float, rng: np.random.Generator
) -> tuple[float, float]:
    if bootstraps <= 0:
        return float("nan"), float("nan")
    _, inverse = np.unique(scored["multiplier"].to_numpy(), return_inverse=True)
    expected = scored["expected"].to_numpy(dtype=np.float64)
    injuries = scored["injuries"].to_numpy(dtype=np.float64)
    m, k = len(scored), int(inverse.max()) + 1
    values = np.empty(bootstraps)
    for b in range(bootstraps):
        weights = np.bincount(rng.integers(0, m, m), minlength=m).astype(np.float64)
        x = np.bincount(inverse, expected * weights, k)
        y = np.bincount(inverse, injuries * weights, k)
        values[b] = _curve(x, y)[1]
    tail = (1 - level) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return float(low), float(high)


def _verdict(by_grade: pd.DataFrame) -> tuple[bool, str]:
    for year, part in by_grade.groupby("year"):
        kept = part[part["expected"] >= MIN_EXPECTED].sort_values("grade")
        values = kept["relativity"].to_numpy()
        grades = kept["grade"].to_numpy()
        for i in range(1, len(values)):
            if values[i] < values[i - 1]:
                return False, (
                    f"not monotone: in {year} grade {grades[i]:+d} has a lower within-class "
                    f"injury relativity ({values[i]:.3f}) than grade {grades[i - 1]:+d} "
                    f"({values[i - 1]:.3f})"
                )
    return True, (
        "monotone: in every year, higher grades had higher within-class injury relativities "
        f"(grades with at least {MIN_EXPECTED:g} expected injuries)"
    )


def _first(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame[[column, *[c for c in frame if c != column]]]
