"""What would move an employer one grade: the smallest change in each indicator.

A rule table's grade changes only where an indicator crosses a threshold: a constant or a
parameter in a comparison (``payout_ratio > 1.2``), an interval end of a threshold table,
or the other side of a comparison evaluated at the employer (``injury_rate > 2 * area``).
So the answer is exact without searching: collect the thresholds of every indicator, try
each one and its nearest floating-point neighbours on both sides through the engine (all
at once, for one employer), and keep the nearest value that gives a lower (or a higher)
grade. Window totals (payouts, injuries) are tried at the values where a ratio indicator
built on them crosses a threshold, rounded to the fen or to whole injuries, with every
indicator recomputed from the changed total.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .display import html_card, short_repr
from .engine import evaluate
from .errors import ExpressionError
from .expr import Kind, parse_expression
from .indicators import compute_indicators
from .rules.intervals import parse_interval
from .rules.model import RuleTable, expression_names

if TYPE_CHECKING:
    from .result import RerateResult

__all__ = ["Counterfactual", "Move", "counterfactual", "thresholds_of"]

#: Window totals a counterfactual varies, with the step their values come in.
TOTALS = {"payouts": 0.01, "injuries": 1.0}


@dataclass(frozen=True)
class Move:
    """The smallest change of one variable that moves the employer one way.

    ``value`` is where the grade first changes and ``grade`` the grade reached there;
    both are None (and ``note`` says why) when no value of the variable alone can move
    the employer that way.
    """

    variable: str
    direction: str  #: "down" (a lower grade) or "up"
    current: float
    value: float | None
    change: float | None
    grade: int | None
    note: str = ""
    #: The threshold the value sits on or just beside (indicators), else None.
    threshold: float | None = None

    def describe_value(self) -> str:
        """The value in words: ``0.5``, ``just above 0.5`` or ``just below 0.5``."""
        if self.value is None:
            return "none"
        if self.threshold is None or self.value == self.threshold:
            return f"{self.value:.6g}"
        side = "above" if self.value > self.threshold else "below"
        return f"just {side} {self.threshold:.6g}"


@dataclass(frozen=True)
class Counterfactual:
    """Per variable and direction, the smallest change that moves the grade."""

    employer_id: str
    grade: int
    moves: tuple[Move, ...]

    def frame(self) -> pd.DataFrame:
        """One row per variable and direction."""
        return pd.DataFrame([vars(move) for move in self.moves])

    def move(self, variable: str, direction: str) -> Move:
        """The move of one variable in one direction (``"down"`` or ``"up"``)."""
        for move in self.moves:
            if move.variable == variable and move.direction == direction:
                return move
        raise KeyError(f"no counterfactual for {variable!r} {direction}")

    def __str__(self) -> str:
        lines = [f"employer {self.employer_id}: grade {self.grade:+d}"]
        for m in self.moves:
            if m.value is None:
                lines.append(f"  {m.variable} {m.direction}: none ({m.note})")
            else:
                exact = m.threshold is None or m.value == m.threshold
                change = (
                    f"{m.change:+.6g}" if exact else f"just over {m.threshold - m.current:+.6g}"
                )
                lines.append(
                    f"  {m.variable} {m.direction}: {m.current:.6g} → {m.describe_value()} "
                    f"(change {change}) gives grade {m.grade:+d}"
                )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return short_repr(
            "Counterfactual",
            {"employer_id": self.employer_id, "grade": self.grade, "moves": len(self.moves)},
        )

    def _repr_html_(self) -> str:
        return html_card(
            f"Counterfactual for {self.employer_id}",
            {"grade": self.grade},
            [("smallest changes", self.frame())],
        )


def counterfactual(result: RerateResult, employer_id: str) -> Counterfactual:
    """The smallest change in each indicator, and in payouts and injuries, that moves a
    rated employer one grade down or up (see the module docstring for why it is exact).

    Other inputs stay as they were; area-relative indicators keep their area figure.
    """
    employer_id = str(employer_id)
    inputs = result.inputs
    if inputs is None:
        raise ValueError("this result does not keep its engine inputs; re-rate to get them")
    ids = result.rated["employer_id"].to_numpy(dtype=object)
    position = int(np.searchsorted(ids, employer_id))
    if position >= len(ids) or ids[position] != employer_id:
        raise KeyError(f"employer {employer_id!r} is not rated in this result")
    n = len(ids)
    row = {
        key: value[position : position + 1]
        if isinstance(value, np.ndarray) and value.shape == (n,)
        else value
        for key, value in inputs.items()
    }
    table = result.table
    grade = int(result.rated["grade"].iat[position])
    used = table.names_used()
    moves: list[Move] = []
    for name in table.all_indicators:
        if name not in used or name not in row:
            continue
        thresholds = thresholds_of(table, name, row)
        points = _neighbours(thresholds)
        grades = _grades(table, _with(row, {name: points}), result)
        moves += _nearest(name, float(row[name][0]), points, grades, grade, thresholds)
    for column, step in TOTALS.items():
        if column not in row:
            continue
        blocked = [
            n
            for n, ind in table.all_indicators.items()
            if ind.relative_to_area and column in (ind.numerator, ind.denominator) and n in used
        ]
        current = float(row[column][0])
        if blocked:
            note = f"{', '.join(blocked)} is relative to the area, which {column} also moves"
            moves += [Move(column, d, current, None, None, None, note) for d in ("down", "up")]
            continue
        points = _total_candidates(table, column, step, row)
        changed = _recomputed(table, row, column, points)
        grades = _grades(table, changed, result)
        moves += _nearest(column, current, points, grades, grade)
    return Counterfactual(employer_id, grade, tuple(moves))


def thresholds_of(table: RuleTable, name: str, env: Mapping[str, Any]) -> list[float]:
    """Every value of ``name`` at which a condition of ``table`` can change, for the
    employer whose (one-row) environment is ``env``."""
    names = expression_names(table)
    found: list[float] = []
    for key, expression in table.expressions().items():
        if key.startswith("indicator."):
            continue
        for node in ast.walk(expression.tree):
            if not isinstance(node, ast.Compare):
                continue
            operands = [node.left, *node.comparators]
            for left, right in zip(operands, operands[1:], strict=False):
                for mine, other in ((left, right), (right, left)):
                    if isinstance(mine, ast.Name) and mine.id == name:
                        value = _value_of(other, names, env)
                        if value is not None:
                            found.append(value)
    for band in table.bands:
        if band.indicator == name:
            for row in band.rows or []:
                interval = parse_interval(row.interval)
                found += [interval.low, interval.high]
    return sorted({v for v in found if math.isfinite(v)})


def _value_of(node: ast.expr, names: Mapping[str, Kind], env: Mapping[str, Any]) -> float | None:
    """A numeric operand's value at the employer (None for lists, booleans, unknowns)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return None if isinstance(node.value, bool) else float(node.value)
    try:
        expression = parse_expression(ast.unparse(node), names, expect=Kind.NUMBER)
    except ExpressionError:
        return None
    if any(n not in env for n in expression.names):
        return None
    value = np.asarray(expression.evaluate(env), dtype=np.float64).ravel()
    return float(value[0]) if value.size else None


def _neighbours(thresholds: list[float]) -> np.ndarray:
    """Each threshold and its nearest floats either side (indicators are ≥ 0)."""
    values = np.asarray(thresholds, dtype=np.float64)
    points = np.concatenate(
        [values, np.nextafter(values, -np.inf), np.nextafter(values, np.inf), [0.0]]
    )
    return np.unique(points[points >= 0])


def _total_candidates(
    table: RuleTable, column: str, step: float, row: Mapping[str, Any]
) -> np.ndarray:
    """Values of a window total where an indicator built on it crosses a threshold."""
    raw = list(thresholds_of(table, column, row))
    for name, indicator in table.all_indicators.items():
        if indicator.numerator != column or name not in row:
            continue
        denominator = float(row[indicator.denominator][0])
        if indicator.min_denominator is not None:
            denominator = max(denominator, indicator.min_denominator)
        for t in thresholds_of(table, name, row):
            raw.append(t * denominator / indicator.scale)
    values = np.asarray(raw, dtype=np.float64) / step
    current = float(row[column][0]) / step
    units = np.concatenate(
        [np.floor(values) - 1, np.floor(values), np.ceil(values), np.ceil(values) + 1]
    )
    units = np.concatenate([units, [0.0, current - 1, current + 1]])
    units = np.unique(np.round(units[np.isfinite(units) & (units >= 0)]))
    return units * step if step != 0.01 else np.round(units / 100, 2)


def _recomputed(
    table: RuleTable, row: Mapping[str, Any], column: str, values: np.ndarray
) -> dict[str, Any]:
    """The one-row environment repeated once per value of ``column``, indicators redone."""
    env = _with(row, {column: values})
    ratio_names = {
        name: ind
        for name, ind in table.all_indicators.items()
        if not ind.relative_to_area and (ind.numerator or ind.expr) and name in row
    }
    redone = compute_indicators(table, env, env, {})
    env.update({name: redone[name] for name in ratio_names if name in redone})
    return env


def _with(row: Mapping[str, Any], replaced: Mapping[str, np.ndarray]) -> dict[str, Any]:
    k = len(next(iter(replaced.values())))
    env = {
        key: np.repeat(value, k) if isinstance(value, np.ndarray) and value.shape == (1,) else value
        for key, value in row.items()
    }
    env.update(replaced)
    return env


def _grades(table: RuleTable, env: dict[str, Any], result: RerateResult) -> np.ndarray:
    risk = np.asarray(env["risk_class"]).astype(np.int16)
    return evaluate(table, env, risk, result.as_of).grade.astype(np.int64)


def _nearest(
    variable: str,
    current: float,
    points: np.ndarray,
    grades: np.ndarray,
    grade: int,
    thresholds: list[float] | None = None,
) -> list[Move]:
    moves = []
    for direction, better in (("down", grades < grade), ("up", grades > grade)):
        if not better.any():
            moves.append(
                Move(
                    variable,
                    direction,
                    current,
                    None,
                    None,
                    None,
                    f"no value of {variable} "
                    f"alone gives a grade {'below' if direction == 'down' else 'above'} "
                    f"{grade:+d}",
                )
            )
            continue
        candidates = np.flatnonzero(better)
        if np.isnan(current):
            moves.append(
                Move(variable, direction, current, None, None, None, f"{variable} is undefined")
            )
            continue
        if np.isinf(current):  # from ±inf the nearest finite value is the extreme one
            pick = np.argmax if current > 0 else np.argmin
            best = int(candidates[pick(points[candidates])])
        else:
            best = int(candidates[np.argmin(np.abs(points[candidates] - current))])
        value = float(points[best])
        crossed = None
        if thresholds:
            nearest = min(thresholds, key=lambda t: abs(t - value))
            if value in (nearest, np.nextafter(nearest, -np.inf), np.nextafter(nearest, np.inf)):
                crossed = float(nearest)
        moves.append(
            Move(
                variable,
                direction,
                current,
                value,
                value - current,
                int(grades[best]),
                threshold=crossed,
            )
        )
    return moves
