"""A plain, one-employer-at-a-time evaluator of rule tables: the reference model.

This module re-implements the whole rating in ordinary Python, row by row, the way the
policy text reads: sum the window's years, divide, walk the rules in order. It shares
nothing with the vectorised engine but the parsed rule table and the expression syntax
tree (which it walks itself). The test suite checks with hypothesis that the vectorised
engine returns exactly what this model returns, for random populations and random valid
tables, so the fast path can be trusted as far as this readable one can. What decides an
outcome (brackets of threshold rows, parameter values, which years each scope covers, the
order of bound reasons) is read here independently of the engine's helpers, so a mistake
there cannot pass the comparison unseen.

It is slow (pure Python, one employer at a time) and meant for validation, teaching and
appeals: ``rate_one(rows, table, as_of)`` shows the arithmetic of one decision.
"""

from __future__ import annotations

import ast
import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .errors import ParameterError
from .rules.loader import load_table
from .rules.model import RuleTable
from .schema import Aggregate, column_spec

__all__ = ["rate_one", "rate_all"]

NAN = float("nan")
#: Bound reasons in the order they are listed (cut-floor comes after the cuts).
_BOUND_ORDER = (
    "movement-limit",
    "ladder-limit",
    "min-rate",
    "max-rate",
    "reclassify-limit",
    "grade-limit",
)


def rate_one(
    rows: Sequence[Mapping[str, Any]],
    rules: RuleTable | str,
    as_of: str | dt.date,
    params: Mapping[str, Any] | None = None,
    area: Mapping[str, Mapping[str, float]] | None = None,
) -> dict[str, Any]:
    """Rate one employer from its (already valid) employer-year rows.

    Parameters
    ----------
    rows:
        The employer's rows, as dicts of column → value.
    rules, as_of, params:
        As for :func:`ratefloat.rerate`.
    area:
        For tables with area-relative indicators: scope (``""``, ``"prev_"``, ``"_y1"``,
        …) → indicator → the area ratio this employer is compared with. :func:`rate_all`
        computes it from the whole batch.

    Returns
    -------
    dict
        ``grade``, ``rated_class``, ``multiplier``, ``base_rate``, ``rate`` and ``reasons``
        (the same reason ids as the ``reasons`` column of :func:`ratefloat.rerate`, as a
        list), or ``{"rejected": <reason code>}``.
    """
    table = load_table(rules)
    as_of = _as_date(as_of)
    params = _params(table, params)
    area = area or {}
    scopes = _scopes(table, rows, as_of, params)
    current = scopes[""]
    if not current["years_observed"]:
        return {"rejected": "NO_DATA_IN_WINDOW"}
    env: dict[str, Any] = dict(current)
    if any("insured_since" in row for row in rows):
        env["insured_months"] = _months(min(_as_date(row["insured_since"]) for row in rows), as_of)
    risk_class = int(env["risk_class"])
    if _moves_from_current(table):
        ladder = table.ladders[table.classes[risk_class].ladder]
        current_grade = env.get("current_grade", NAN)
        if math.isnan(current_grade):
            return {"rejected": "MISSING_VALUE"}
        if not ladder.lowest <= current_grade <= ladder.highest:
            return {"rejected": "GRADE_NOT_ON_LADDER"}
    base_rates = _base_rates(table, as_of)
    env["base_rate"] = base_rates[risk_class]
    env.update(params)
    env.update(_indicators(table, current, env, area.get("", {})))
    for key, scope in scopes.items():
        if not key:
            continue
        values = dict(scope)
        values.update(_indicators(table, scope, env, area.get(key, {})))
        for name, value in values.items():
            env[f"prev_{name}" if key == "prev_" else f"{name}{key}"] = value
    return _rate(table, env, risk_class, base_rates, as_of)


def rate_all(
    extract: Any,
    rules: RuleTable | str,
    as_of: str | dt.date,
    params: Mapping[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """Rate every employer of a (valid) extract with :func:`rate_one`.

    The batch is needed only for area-relative indicators: the area ratio of a scope is
    Σ numerator ÷ Σ denominator over the employers with rows in that scope (per area
    group), added exactly with :func:`math.fsum`.
    """
    table = load_table(rules)
    as_of = _as_date(as_of)
    resolved = _params(table, params)
    by_employer: dict[str, list[dict[str, Any]]] = {}
    for row in extract.to_dict("records"):
        by_employer.setdefault(str(row["employer_id"]), []).append(row)
    scopes = {
        employer: _scopes(table, rows, as_of, resolved) for employer, rows in by_employer.items()
    }
    areas: dict[str, dict[str, dict[str, float]]] = {employer: {} for employer in by_employer}
    scope_keys = list(next(iter(scopes.values()), {}))
    for name, indicator in table.all_indicators.items():
        if not indicator.relative_to_area:
            continue
        for key in scope_keys:
            members: dict[float, list[tuple[float, float]]] = {}
            for employer_scopes in scopes.values():
                scope = employer_scopes[key]
                if scope["years_observed"]:
                    pair = (scope[str(indicator.numerator)], scope[str(indicator.denominator)])
                    members.setdefault(_area_group(scope, indicator), []).append(pair)
            for employer, employer_scopes in scopes.items():
                group = _area_group(employer_scopes[key], indicator)
                if indicator.area_figure is not None:
                    figure = float(resolved[indicator.area_figure])
                elif math.isnan(group) or group not in members:
                    figure = NAN
                else:
                    numerator = math.fsum(pair[0] for pair in members[group])
                    denominator = math.fsum(pair[1] for pair in members[group])
                    figure = _ratio(numerator, denominator, indicator, 1.0, floor=False)
                areas[employer].setdefault(key, {})[name] = figure
    return {
        employer: rate_one(rows, table, as_of, params, areas[employer])
        for employer, rows in by_employer.items()
    }


def _area_group(scope: Mapping[str, Any], indicator: Any) -> float:
    return float(scope.get(indicator.area_by, NAN)) if indicator.area_by else 0.0


def _stated(value: Any, params: Mapping[str, Any]) -> Any:
    """A number as the table states it: the number itself, or the parameter ``$name``."""
    if isinstance(value, str) and value.startswith("$"):
        return params[value[1:]]
    return value


def _stated_text(text: str, params: Mapping[str, Any]) -> str:
    """Interval text with each ``$name`` end replaced by the parameter's value."""
    return re.sub(r"\$(\w+)", lambda match: repr(float(params[match.group(1)])), text)


def _scopes(
    table: RuleTable, rows: Sequence[Mapping[str, Any]], as_of: dt.date, params: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """Aggregates of the window (``""``), the previous window and each history year."""
    years = int(_stated(table.window.years, params))
    last = as_of.year - table.window.lag_years
    first = last - years + 1
    spans = {"": (first, last), "prev_": (first - years, first - 1)}
    for k in range(1, _history_years_read(table) + 1):
        spans[f"_y{k}"] = (last - k + 1, last - k + 1)
    names = {name for row in rows for name in row} - {"employer_id", "year", "insured_since"}
    out = {}
    for key, (start, end) in spans.items():
        chosen = [row for row in rows if start <= row["year"] <= end]
        scope = _aggregate(table, chosen, names)
        for name, spec in table.inputs.items():
            if name not in scope and spec.default is not None:
                scope[name] = bool(spec.default) if spec.kind == "flag" else float(spec.default)
        scope["years_observed"] = float(len(chosen))
        out[key] = scope
    return out


def _base_rates(table: RuleTable, as_of: dt.date) -> dict[int, float]:
    """Base rates in force on ``as_of``: dated schedule, else the classes'; base cuts applied."""
    rates = {number: spec.base_rate for number, spec in table.classes.items()}
    for entry in table.base_rates:
        if entry.effective_from <= as_of <= (entry.effective_to or dt.date.max):
            if entry.rates is None:
                raise ParameterError(f"table {table.id!r}: base rates unknown on {as_of}")
            rates.update(entry.rates)
    for cut in table.cuts:
        in_force = cut.effective_from <= as_of <= (cut.effective_to or dt.date.max)
        if cut.applies_to == "base" and in_force:
            for number in cut.classes or list(rates):
                rates[number] = rates[number] * cut.factor
    return rates


def _aggregate(
    table: RuleTable, rows: Sequence[Mapping[str, Any]], names: set[str]
) -> dict[str, Any]:
    """Per-column aggregates over ``rows``, adding years in calendar order.

    With no rows, sums and values are NaN and flags are false.
    """
    by_year = sorted(rows, key=lambda row: row["year"])
    out: dict[str, Any] = {}
    for name in names:
        aggregate = _how(table, name)
        if aggregate is None:
            continue
        values = [row[name] for row in by_year if name in row]
        if aggregate == Aggregate.ANY:
            out[name] = any(bool(v) for v in values)
        elif not values:
            out[name] = NAN
        elif aggregate in (Aggregate.SUM, Aggregate.MEAN):
            total = 0.0
            for value in values:
                total += float(value)
            out[name] = total / len(values) if aggregate == Aggregate.MEAN else total
        elif aggregate == Aggregate.LAST:
            out[name] = float(values[-1])
        elif aggregate == Aggregate.MAX:
            out[name] = float(max(values))
        elif aggregate == Aggregate.MIN:
            out[name] = float(min(values))
    return out


def _how(table: RuleTable, name: str) -> Aggregate | None:
    override = table.inputs.get(name)
    if override is not None and override.aggregate:
        return Aggregate(override.aggregate)
    spec = column_spec(name)
    if spec is not None:
        return None if spec.aggregate == Aggregate.NONE or spec.kind == "text" else spec.aggregate
    if override is not None:
        return Aggregate.ANY if override.kind == "flag" else Aggregate.SUM
    return None


def _indicators(
    table: RuleTable,
    scope: Mapping[str, Any],
    fallback: Mapping[str, Any],
    area: Mapping[str, float],
) -> dict[str, float]:
    """The indicators of one scope; names missing from the scope come from ``fallback``."""
    expressions = table.expressions()
    out: dict[str, float] = {}
    for name, indicator in table.all_indicators.items():
        if indicator.expr is not None:
            expression = expressions[f"indicator.{name}"]
            lookup = {**fallback, **scope, **out}
            if all(n in lookup for n in expression.names):
                out[name] = float(_evaluate(expression.tree, lookup))
            continue
        numerator = scope.get(str(indicator.numerator))
        denominator = scope.get(str(indicator.denominator))
        if numerator is None or denominator is None:
            continue
        if indicator.relative_to_area:
            if name not in area:
                continue
            own = _ratio(numerator, denominator, indicator, 1.0, floor=True)
            out[name] = _ratio(own, area[name], indicator, indicator.scale, floor=False)
        else:
            out[name] = _ratio(numerator, denominator, indicator, indicator.scale, floor=True)
    return out


def _ratio(
    numerator: float, denominator: float, indicator: Any, scale: float, floor: bool
) -> float:
    """numerator / denominator × scale, with the indicator's floor and zero conventions."""
    minimum = indicator.min_denominator
    if floor and minimum is not None and denominator < minimum:
        denominator = minimum
    if math.isnan(numerator) or math.isnan(denominator):
        return NAN
    if denominator == 0:
        if numerator == 0:
            return indicator.zero_over_zero
        if numerator > 0:
            return indicator.positive_over_zero
        return _divide(numerator, denominator) * scale
    return numerator / denominator * scale


def _rate(
    table: RuleTable,
    env: dict[str, Any],
    risk_class: int,
    base_rates: Mapping[int, float],
    as_of: dt.date,
) -> dict[str, Any]:
    reasons: list[str] = []
    flags: list[str] = []
    current = env.get("current_grade")
    current = int(current) if current is not None and not math.isnan(current) else 0

    def outcome(grade: int | None, step: int | None) -> int:
        """An absolute grade, or a step from the current grade."""
        return grade if grade is not None else current + int(step or 0)

    grade = None
    for rule in table.eligibility:
        if _truth(_evaluate(_tree(table, f"eligibility.{rule.id}"), env)):
            grade = outcome(rule.outcome.grade, rule.outcome.step)
            reasons.append(f"eligibility:{rule.id}")
            break
    floated = grade is None
    if floated and not table.classes[risk_class].floated:
        grade, floated = 0, False
        reasons.append("eligibility:class-not-floated")

    cls = risk_class
    rate_steps: list[tuple[str, str, float]] = []
    fired: set[str] = set()
    if floated:
        grade, band_reason = _bands(table, env, outcome)
        reasons.append(f"band:{band_reason}")
        env["band_grade"] = float(grade)
        for modifier in table.modifiers:
            if not _truth(_evaluate(_tree(table, f"modifiers.{modifier.id}"), env)):
                continue
            ladder = table.ladders[table.classes[cls].ladder]
            before = (grade, cls)
            action = modifier.action
            if action == "no_down":
                grade = max(grade, 0)
            elif action == "no_up":
                grade = min(grade, 0)
            elif action == "bump":
                grade += int(_stated(modifier.by, env) or 0)
            elif action == "set_grade":
                grade = int(modifier.grade or 0)
            elif action == "top":
                grade = ladder.highest
            elif action == "bottom":
                grade = ladder.lowest
            elif action == "reclassify":
                target = cls + int(_stated(modifier.by, env) or 0)
                numbers = sorted(table.classes)
                clipped = min(max(target, numbers[0]), numbers[-1])
                if clipped != target:
                    flags.append("reclassify-limit")
                cls = clipped
            else:
                rate_steps.append((modifier.id, action, float(_stated(modifier.by, env) or 0.0)))
                continue
            if (grade, cls) != before:
                fired.add(modifier.id)
        if table.movement is not None:
            limited = grade
            if table.movement.max_step is not None and "current_grade" in env:
                k = table.movement.max_step
                limited = min(max(limited, current - k), current + k)
            if table.movement.max_from_base is not None:
                k = table.movement.max_from_base
                limited = min(max(limited, -k), k)
            if limited != grade:
                flags.append("movement-limit")
            grade = limited

    low, high = _grade_bounds(table, cls)
    if grade < low or grade > high:
        grade = min(max(grade, low), high)
        flags.append("grade-limit")
    spec = table.classes[cls]
    base_rate = base_rates[cls]
    ladder = table.ladders[spec.ladder]
    on_ladder = min(max(grade, ladder.lowest), ladder.highest)
    if on_ladder != grade:
        flags.append("ladder-limit")
    grade = on_ladder
    value = _stated(ladder.grades[grade], env)
    if ladder.mode == "multiply":
        rate = base_rate * value
    elif ladder.mode == "add":
        rate = base_rate + value
    else:
        rate = float(env.get("current_rate", NAN)) * value
    for modifier_id, action, by in rate_steps:
        rate = rate * by if action == "rate_factor" else rate + by
        fired.add(modifier_id)
    reasons += [f"modifier:{m.id}" for m in table.modifiers if m.id in fired]

    floor, cap = _bounds(table, cls, base_rates)
    if rate < floor:
        rate = floor
        flags.append("min-rate")
    if rate > cap:
        rate = cap
        flags.append("max-rate")
    cuts_in_force = []
    for cut in table.cuts:
        if not cut.effective_from <= as_of <= (cut.effective_to or dt.date.max):
            continue
        if cut.classes and cls not in cut.classes:
            continue
        cuts_in_force.append(f"cut:{cut.id}")
        if cut.applies_to == "rate":
            rate = rate * cut.factor
            if cut.min_rate is not None:
                cut_floor = _bound_value(cut.min_rate, base_rates)
                if rate < cut_floor:
                    rate = cut_floor
                    flags.append("cut-floor")
    quantum = Decimal(1).scaleb(-table.rounding.rate_decimals)
    rate = float(Decimal(repr(rate)).quantize(quantum, ROUND_HALF_UP))
    reasons += [f"bound:{name}" for name in _BOUND_ORDER if name in flags]
    reasons += cuts_in_force
    if "cut-floor" in flags:
        reasons.append("bound:cut-floor")
    return {
        "grade": grade,
        "rated_class": cls,
        "multiplier": value,
        "base_rate": base_rate,
        "rate": rate,
        "reasons": reasons,
    }


def _bands(table: RuleTable, env: dict[str, Any], outcome: Any) -> tuple[int, str]:
    """First matching band (or the highest with ``combine: max``) and its reason id."""
    best: tuple[int, str] | None = None
    for band in table.bands:
        if band.when is not None and not _truth(_evaluate(_tree(table, f"bands.{band.id}"), env)):
            continue
        if band.rows:
            value = env[band.indicator]
            found = None
            for row in band.rows:
                text = _stated_text(row.interval, env)
                row_id = row.id or f"{band.id}:{text.replace(' ', '')}"
                if _within(band.domain, value) and _within(text, value):
                    found = (outcome(row.grade, row.step), row_id)
                    break
            if found is None:
                continue
        else:
            found = (outcome(band.grade, band.step), band.id)
        if table.combine == "first":
            return found
        if best is None or found[0] > best[0]:
            best = found
    if best is not None:
        return best
    return outcome(table.otherwise.grade, table.otherwise.step), "otherwise"


def _within(interval: str, value: float) -> bool:
    """Whether ``value`` lies in an interval written like ``(0.5, 1.0]`` or ``(1.5, inf)``.

    The bracket says whether the end belongs to the interval; an infinite upper end holds
    +inf (a positive amount over a zero denominator lies above every threshold).
    """
    text = interval.strip()
    low_text, high_text = text[1:-1].split(",")
    low, high = float(low_text), float(high_text)
    if math.isnan(value):
        return False
    above = value >= low if text[0] == "[" else value > low
    below = value <= high if text[-1] == "]" or high == math.inf else value < high
    return above and below


def _params(table: RuleTable, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The parameter values: what the caller gave, else the table's defaults."""
    given = dict(given or {})
    for name in given:
        if name not in table.parameters:
            raise ParameterError(f"table {table.id!r} has no parameter {name!r}")
    values: dict[str, Any] = {}
    for name, spec in table.parameters.items():
        value = given.get(name, spec.default)
        if value is None:
            raise ParameterError(f"table {table.id!r} needs the parameter {name!r}")
        if spec.type == "list":
            values[name] = tuple(float(item) for item in value)
        elif spec.type == "bool":
            values[name] = bool(value)
        else:
            values[name] = float(value)
    return values


def _moves_from_current(table: RuleTable) -> bool:
    """Whether any outcome is a step from the current grade, or moves are limited."""
    outcomes = [rule.outcome for rule in table.eligibility] + [table.otherwise]
    for band in table.bands:
        outcomes += [row.outcome for row in band.rows] if band.rows else [band.outcome]
    if any(outcome.step is not None for outcome in outcomes):
        return True
    return table.movement is not None and table.movement.max_step is not None


def _history_years_read(table: RuleTable) -> int:
    """The largest k of a name ``<name>_y<k>`` read anywhere in the table (0 if none)."""
    names = {band.indicator for band in table.bands if band.indicator}
    for indicator in table.all_indicators.values():
        names.update(filter(None, (indicator.numerator, indicator.denominator, indicator.area_by)))
    for expression in table.expressions().values():
        names.update(node.id for node in ast.walk(expression.tree) if isinstance(node, ast.Name))
    years = [int(found.group(1)) for name in names if (found := re.search(r"_y(\d+)$", name))]
    return max(years, default=0)


def _grade_bounds(table: RuleTable, cls: int) -> tuple[float, float]:
    low = table.bounds.min_grade if table.bounds.min_grade is not None else -math.inf
    high = table.bounds.max_grade if table.bounds.max_grade is not None else math.inf
    per_class = table.bounds.per_class.get(cls)
    if per_class is not None and per_class.min_grade is not None:
        low = per_class.min_grade
    if per_class is not None and per_class.max_grade is not None:
        high = per_class.max_grade
    return low, high


def _bound_value(bound: Any, base_rates: Mapping[int, float]) -> float:
    return float(bound.value) if bound.value is not None else float(base_rates[bound.class_base])


def _bounds(table: RuleTable, cls: int, base_rates: Mapping[int, float]) -> tuple[float, float]:
    floor, cap = -math.inf, math.inf
    if table.bounds.min_rate is not None:
        floor = _bound_value(table.bounds.min_rate, base_rates)
    if table.bounds.max_rate is not None:
        cap = _bound_value(table.bounds.max_rate, base_rates)
    per_class = table.bounds.per_class.get(cls)
    if per_class is not None:
        if per_class.min_rate is not None:
            floor = _bound_value(per_class.min_rate, base_rates)
        if per_class.max_rate is not None:
            cap = _bound_value(per_class.max_rate, base_rates)
    return floor, cap


def _tree(table: RuleTable, key: str) -> ast.expr:
    return table.expressions()[key].tree


def _truth(value: Any) -> bool:
    return bool(value)


def _evaluate(node: ast.AST, env: Mapping[str, Any]) -> Any:
    """Walk a checked expression tree with Python scalars (NaN compares false)."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, bool) else float(node.value)
    if isinstance(node, ast.Name):
        if node.id in env:
            value = env[node.id]
            return value if isinstance(value, (bool, tuple)) else float(value)
        return {"true": True, "True": True, "false": False, "False": False, "inf": math.inf}[
            node.id
        ]
    if isinstance(node, (ast.List, ast.Tuple)):
        return tuple(float(_evaluate(element, env)) for element in node.elts)
    if isinstance(node, ast.BoolOp):
        values = [bool(_evaluate(value, env)) for value in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, env)
        if isinstance(node.op, ast.Not):
            return not operand
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left, env), _evaluate(node.right, env)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            return _divide(left, right)
        return _power(left, right)
    if isinstance(node, ast.Compare):
        values = [_evaluate(node.left, env)] + [_evaluate(c, env) for c in node.comparators]
        return all(_compare(op, values[i], values[i + 1]) for i, op in enumerate(node.ops))
    if isinstance(node, ast.Call):
        arguments = [_evaluate(argument, env) for argument in node.args]
        if any(isinstance(a, float) and math.isnan(a) for a in arguments):
            return NAN
        name = node.func.id  # type: ignore[attr-defined]
        return {"min": min, "max": max, "abs": lambda x: abs(x)}[name](*arguments)
    raise TypeError(f"unexpected node {type(node).__name__}")


def _divide(left: float, right: float) -> float:
    if right == 0:
        if math.isnan(left) or left == 0:
            return NAN
        return math.copysign(math.inf, left) * math.copysign(1.0, right)
    return left / right


def _power(base: float, exponent: float) -> float:
    try:
        return math.pow(base, exponent)
    except (ValueError, OverflowError):
        if base == 0 and exponent < 0:
            return math.inf
        return NAN if base < 0 else math.inf


def _compare(op: ast.cmpop, a: Any, b: Any) -> bool:
    if isinstance(op, (ast.In, ast.NotIn)):
        if math.isnan(a):
            return False
        found = a in b
        return found if isinstance(op, ast.In) else not found
    if isinstance(a, float) and math.isnan(a) or isinstance(b, float) and math.isnan(b):
        return False
    if isinstance(op, ast.Lt):
        return a < b
    if isinstance(op, ast.LtE):
        return a <= b
    if isinstance(op, ast.Gt):
        return a > b
    if isinstance(op, ast.GtE):
        return a >= b
    if isinstance(op, ast.Eq):
        return a == b
    return a != b


def _months(start: dt.date, as_of: dt.date) -> float:
    return float(
        (as_of.year - start.year) * 12 + (as_of.month - start.month) - (as_of.day < start.day)
    )


def _as_date(value: Any) -> dt.date:
    if value is None:
        raise ParameterError("as_of is required")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "date"):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])
