"""``rerate()``: the public entry point, from an extract to rated and rejected employers.

The flow, each step vectorised over the population::

    validate extract (schema) → rejects
    aggregate the window and the previous window (window)
    indicators (indicators)
    evaluate the table (engine)
    assemble one row per employer, with reasons and the table's id and hash (result)
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .classification import classify
from .engine import Evaluation, evaluate
from .errors import ParameterError, RejectReason, display_text, reject_frame
from .expr import suggest
from .indicators import AreaSums, area_ratios, area_sums, compute_indicators
from .result import RerateResult, build_reasons
from .rounding import round_money
from .rules.loader import load_table, table_hash
from .rules.model import DERIVED_NAMES, RuleTable
from .schema import (
    CORE_COLUMNS,
    Aggregate,
    ColumnKind,
    ColumnSpec,
    YearRows,
    check_unique_columns,
    column_spec,
    validate_extract,
)
from .window import WindowYears, aggregate_window, months_between, window_years

__all__ = [
    "rerate",
    "prepare",
    "evaluate_prepared",
    "evaluate_rules",
    "RulesOutcome",
    "PreparedExtract",
    "resolve_params",
    "check_in_force",
    "parse_as_of",
    "required_columns",
    "columns_read",
    "rate_with_totals",
    "prepare_part",
    "collect_area_sums",
    "needs_area_totals",
]


def rerate(
    extract: pd.DataFrame,
    rules: str | RuleTable | Mapping[str, Any] = "cn-jiangsu-2023",
    as_of: str | dt.date | pd.Timestamp | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    classification: str | Any | None = None,
    outside_effective_dates: Literal["refuse", "allow"] = "refuse",
    threads: int = 2,
) -> RerateResult:
    """Re-rate every employer of an extract under a rule table.

    Parameters
    ----------
    extract:
        Employer-year rows (one row per employer and year) with at least the columns
        ``employer_id, year, risk_class, avg_insured, contributions, payouts, injuries``
        and those the table reads (see :func:`required_columns`).
    rules:
        A built-in table id (see :func:`ratefloat.list_tables`), a path to a YAML/JSON
        table, a dict, or a loaded :class:`~ratefloat.rules.RuleTable`.
    as_of:
        The date the new rates take effect (``"2025-01-01"``). The window is counted back
        from it.
    params:
        Values for the table's parameters (required for those without a default). They
        feed the table's expressions and every number written as ``$name`` (thresholds in
        intervals, ladder values, ``by`` amounts, the window length).
    classification:
        A classification table id or object (see :func:`ratefloat.classify`): derive
        ``risk_class`` from ``industry_code`` first, replacing any ``risk_class`` column.
        Employers with a row whose code is unknown, ambiguous or empty are rejected with
        that reason.
    outside_effective_dates:
        ``"refuse"`` (default): an ``as_of`` before the table's ``effective_from`` or after
        its ``effective_to`` raises :class:`ParameterError` (the table is not in force, so
        its rates would be silently wrong). ``"allow"``: rate anyway (backtests, what-ifs
        on past or future rules); the result records it in ``out_of_force`` and in its
        provenance.
    threads:
        ``2`` (default): a large extract (:data:`ratefloat.parallel.MIN_ROWS` rows or
        more) is rated as two employer ranges at once, on two threads (see
        :mod:`ratefloat.parallel`); ``1``: in one piece. The result is the same.

    Returns
    -------
    RerateResult
        ``.rated`` (one row per rated employer, sorted by ``employer_id``), ``.rejects``
        (one row per rejected employer with a reason code), ``.summary()``,
        ``.explain(employer_id)``. Every input employer is in exactly one of the two.

    Raises
    ------
    SchemaError
        A required column is missing.
    ParameterError
        ``as_of`` or ``params`` is missing or invalid, or ``as_of`` is outside the table's
        effective dates (unless ``outside_effective_dates="allow"``).
    RuleTableError
        The rule table is invalid.

    Examples
    --------
    >>> import ratefloat
    >>> extract = ratefloat.load_example()
    >>> result = ratefloat.rerate(extract, rules="cn-jiangsu-2023", as_of="2025-01-01")
    >>> len(result.rated) + len(result.rejects) == extract["employer_id"].nunique()
    True
    """
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ParameterError(f"threads must be a positive integer, got {threads!r}")
    if threads > 1 and isinstance(extract, pd.DataFrame):
        from .parallel import rerate_in_halves

        result = rerate_in_halves(
            extract, rules, as_of, params, classification, outside_effective_dates
        )
        if result is not None:
            return result
    prepared = prepare(
        extract,
        rules,
        as_of,
        params=params,
        classification=classification,
        outside_effective_dates=outside_effective_dates,
    )
    return evaluate_prepared(prepared, params=params)


@dataclass(frozen=True)
class PreparedExtract:
    """An extract validated and aggregated over a table's window, ready to be rated.

    The expensive, table-independent part of a re-rating: :func:`evaluate_prepared` rates
    it under the table it was prepared for, or a variant of it (other parameters, other
    base rates, other bands) that reads the same columns over the same window.
    """

    table: RuleTable  #: the table as stated (its hash is recorded)
    filled: RuleTable  #: the table with its ``$name`` parameters filled in, as prepared
    as_of: dt.date
    validated: Any  #: the validated extract (schema)
    span: WindowYears
    current: dict[str, Any]  #: window aggregates (every column) and derived names
    counts: np.ndarray  #: rows per employer in the window
    previous: tuple[dict[str, Any], np.ndarray] | None  #: the previous window, if read
    history: tuple[tuple[dict[str, Any], np.ndarray], ...]  #: years last, last-1, …
    outside_effective_dates: str = "refuse"  #: see :func:`rerate`
    #: Indicator arrays of the last evaluation, by what they depend on (see
    #: ``_indicator_key``): a variant that changes only the rules does not recompute them.
    indicator_memo: dict[str, dict[str, Any]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def accepts(self, table: RuleTable) -> str | None:
        """Why ``table`` (with its parameters filled in) cannot be evaluated on this
        preparation, or None if it can."""
        if table.window != self.filled.window:
            return "its window differs"
        mine, theirs = _column_plan(self.filled), _column_plan(table)
        if (mine[0], mine[1], mine[3]) != (theirs[0], theirs[1], theirs[3]):
            return "it reads other columns"
        if set(table.classes) != set(self.filled.classes):
            return "its risk classes differ"
        if table.history_read() > len(self.history) or (
            _uses_previous(table) and self.previous is None
        ):
            return "it reads more past years"
        return None


def prepare(
    extract: pd.DataFrame,
    rules: str | RuleTable | Mapping[str, Any],
    as_of: str | dt.date | pd.Timestamp | None,
    *,
    params: Mapping[str, Any] | None = None,
    classification: str | Any | None = None,
    outside_effective_dates: Literal["refuse", "allow"] = "refuse",
) -> PreparedExtract:
    """Validate an extract and aggregate it over the window of ``rules`` (no rating yet).

    The arguments are those of :func:`rerate`; ``params`` matter here only where they
    set the window or the columns read (``$name`` numbers).
    """
    table = load_table(rules if not isinstance(rules, Mapping) else dict(rules))
    as_of_date = parse_as_of(as_of)
    check_in_force(table, as_of_date, outside_effective_dates)
    stated = table
    table = table.with_parameters(resolve_params(table, params))
    required, optional, needs, extra_specs = _column_plan(table)

    classified = None
    if classification is not None:
        if isinstance(extract, pd.DataFrame):
            check_unique_columns(extract, ["employer_id", "industry_code"])
        classified = _classify_rows(extract, classification)
        extract = extract.assign(risk_class=classified.risk_class)
    validated = validate_extract(
        extract,
        required=required,
        optional=optional,
        extra_specs=extra_specs,
        known_classes=table.classes,
        what_needs=needs,
    )
    if classified is not None:
        _merge_classification_rejects(validated, classified.rejects)
    n = validated.n_employers
    year_rows = validated.year_rows
    span = window_years(as_of_date, table.window)
    how = _aggregations(table, validated.columns, extra_specs)
    defaults = _input_defaults(table, validated.columns, n)

    scoped_how = {name: how[name] for name in _scoped_columns(table) if name in how}

    def scope(first: int, last: int, full: bool = False) -> tuple[dict[str, Any], np.ndarray]:
        """Aggregates of the years first..last, with absent inputs at their defaults.

        The window itself aggregates every column (for the output); the previous window
        and history years only what indicators and ``prev_``/``_y`` names read.
        """
        chosen = how if full else scoped_how
        aggregates, row_counts = aggregate_window(year_rows, validated.columns, chosen, first, last)
        aggregates.update(defaults)
        aggregates["years_observed"] = row_counts.astype(np.float64)
        return aggregates, row_counts

    current, counts = scope(span.first, span.last, full=True)
    if "insured_since" in validated.columns:
        current["insured_months"] = months_between(
            _first_insured(year_rows, validated.columns), as_of_date
        )
    previous = scope(span.previous_first, span.previous_last) if _uses_previous(table) else None
    history = tuple(
        scope(span.last - k + 1, span.last - k + 1) for k in range(1, table.history_read() + 1)
    )
    return PreparedExtract(
        stated,
        table,
        as_of_date,
        validated,
        span,
        current,
        counts,
        previous,
        history,
        outside_effective_dates,
    )


@dataclass(frozen=True)
class RulesOutcome:
    """The engine's verdict on a prepared extract, before the rated frame is built."""

    table: RuleTable  #: the table rated, with its parameters filled in
    stated: RuleTable  #: the table as given (its hash is the one recorded)
    out_of_force: str | None  #: why the table is not in force on as_of (when allowed)
    params: dict[str, Any]
    rated: np.ndarray  #: positions (in ``validated.employer_ids``) of the rated employers
    env: dict[str, Any]  #: the engine's inputs, for the rated employers
    outcome: Evaluation
    failures: pd.DataFrame  #: validation failures and rule rejects


def evaluate_rules(
    prepared: PreparedExtract,
    table: RuleTable | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    area_totals: Mapping[str, AreaSums] | None = None,
) -> RulesOutcome:
    """Indicators → rule rejects → engine over a prepared extract (no output frame).

    ``table`` defaults to the table the extract was prepared for; another table must read
    the same columns over the same window (:meth:`PreparedExtract.accepts`).
    ``area_totals`` (scope → :data:`~ratefloat.indicators.AreaSums`, see
    :func:`collect_area_sums`) replaces the extract's own sums behind area figures, when
    the extract is one part of a larger batch.
    """
    stated = prepared.table if table is None else table
    out_of_force = check_in_force(stated, prepared.as_of, prepared.outside_effective_dates)
    values = resolve_params(stated, params)
    table = stated.with_parameters(values)
    problem = None if table is prepared.filled else prepared.accepts(table)
    if problem:
        raise ParameterError(
            f"table {stated.id!r} cannot be rated on an extract prepared for "
            f"{prepared.table.id!r}: {problem}; prepare the extract for it"
        )
    validated, counts = prepared.validated, prepared.counts
    n = validated.n_employers
    current = {name: value for name, value in prepared.current.items() if name != "insured_months"}
    env: dict[str, Any] = dict(prepared.current)
    env["base_rate"] = _base_rates(table, env["risk_class"], prepared.as_of)
    env.update(values)
    key = _indicator_key(table, values, prepared.as_of)
    if area_totals is not None:
        prepared.indicator_memo.clear()  # figures of a larger batch: not this extract's

    def totals(label: str) -> AreaSums | None:
        return None if area_totals is None else area_totals.get(label, {})

    if key not in prepared.indicator_memo:
        before = dict(env)
        members = ~validated.rejected & (counts > 0)
        env.update(_indicators(table, current, env, members, values, totals("window")))
        if prepared.previous is not None and _uses_previous(table):
            previous, previous_counts = dict(prepared.previous[0]), prepared.previous[1]
            members = ~validated.rejected & (previous_counts > 0)
            previous.update(_indicators(table, previous, env, members, values, totals("previous")))
            env.update({f"prev_{name}": value for name, value in previous.items()})
        for k in range(1, table.history_read() + 1):
            yearly, yearly_counts = dict(prepared.history[k - 1][0]), prepared.history[k - 1][1]
            members = ~validated.rejected & (yearly_counts > 0)
            yearly.update(_indicators(table, yearly, env, members, values, totals(f"y{k}")))
            env.update({f"{name}_y{k}": value for name, value in yearly.items()})
        # Variants that change only the rules reuse these arrays (the last set only).
        prepared.indicator_memo.clear()
        prepared.indicator_memo[key] = {
            name: value
            for name, value in env.items()
            if name not in before or value is not before[name]
        }
    env.update(prepared.indicator_memo[key])

    rejects_by_rule = _rule_rejects(table, env, validated, counts)
    failures = pd.concat([validated.failures, rejects_by_rule], ignore_index=True)
    rejected = validated.rejected.copy()
    if len(rejects_by_rule):
        rejected[_positions(validated, rejects_by_rule["employer_id"])] = True
    rated = np.flatnonzero(~rejected)

    wanted = _engine_inputs(table, env)
    if len(rated) == n:
        sub_env = {key: value for key, value in env.items() if key in wanted}
    else:
        sub_env = {
            key: (value[rated] if isinstance(value, np.ndarray) and value.shape == (n,) else value)
            for key, value in env.items()
            if key in wanted
        }
    if "current_grade" in sub_env:
        sub_env["current_grade"] = np.nan_to_num(sub_env["current_grade"]).astype(np.int64)
    outcome = evaluate(table, sub_env, sub_env["risk_class"].astype(np.int16), prepared.as_of)
    return RulesOutcome(table, stated, out_of_force, values, rated, sub_env, outcome, failures)


def evaluate_prepared(
    prepared: PreparedExtract,
    table: RuleTable | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    area_totals: Mapping[str, AreaSums] | None = None,
) -> RerateResult:
    """Rate a prepared extract: :func:`evaluate_rules`, then the rated frame and result.
    ``area_totals``: see :func:`evaluate_rules`."""
    ruled = evaluate_rules(prepared, table, params=params, area_totals=area_totals)
    table = ruled.table
    employer_ids = _id_column(prepared.validated, ruled.rated)
    frame = _rated_frame(table, employer_ids, ruled.env, ruled.outcome)
    return RerateResult(
        rated=frame,
        rejects=_one_per_employer(ruled.failures),
        failure_cases=_in_row_order(ruled.failures),
        table=table,
        table_hash=table_hash(ruled.stated),
        as_of=prepared.as_of,
        window=prepared.span,
        params=ruled.params,
        out_of_force=ruled.out_of_force,
        warnings={"lookalike_ids": prepared.validated.lookalike_ids},
        inputs=ruled.env,
    )


def rate_with_totals(
    extract: pd.DataFrame,
    table: RuleTable,
    as_of: dt.date,
    params: Mapping[str, Any],
    classification: str | Any | None = None,
    area_totals: Mapping[str, AreaSums] | None = None,
) -> RerateResult:
    """:func:`rerate` of one part of a larger batch, with the batch's area sums.

    ``area_totals`` (scope → :data:`~ratefloat.indicators.AreaSums`, from
    :func:`collect_area_sums` over every part, added) replaces the sums of ``extract``
    alone, so area-relative indicators see the whole batch. The caller checks ``as_of``
    against the table's dates (:func:`check_in_force`).
    """
    prepared = prepare_part(extract, table, as_of, params, classification)
    return evaluate_prepared(prepared, params=params, area_totals=area_totals)


def prepare_part(
    extract: pd.DataFrame,
    table: RuleTable,
    as_of: dt.date,
    params: Mapping[str, Any],
    classification: str | Any | None = None,
) -> PreparedExtract:
    """:func:`prepare` of one part of a larger batch; the caller has checked ``as_of``
    against the table's dates (:func:`check_in_force`)."""
    return prepare(
        extract,
        table,
        as_of,
        params=params,
        classification=classification,
        outside_effective_dates="allow",
    )


def collect_area_sums(
    extract: pd.DataFrame,
    table: RuleTable,
    as_of: dt.date,
    params: Mapping[str, Any],
    classification: str | Any | None = None,
) -> dict[str, AreaSums]:
    """The exact area sums of one part of a batch, per scope (the window ``"window"``, the
    previous window ``"previous"``, history year ``"y<k>"``): a partitioned run's first
    pass. The extract is prepared; the table is not evaluated."""
    prepared = prepare_part(extract, table, as_of, params, classification)
    filled, rejected = prepared.filled, prepared.validated.rejected
    scopes = {"window": (prepared.current, prepared.counts)}
    if prepared.previous is not None:
        scopes["previous"] = prepared.previous
    for k, year in enumerate(prepared.history, start=1):
        scopes[f"y{k}"] = year
    return {
        label: area_sums(filled, scope, ~rejected & (counts > 0))
        for label, (scope, counts) in scopes.items()
    }


def needs_area_totals(table: RuleTable) -> bool:
    """Whether the table compares employers with a figure computed over the batch."""
    return any(
        indicator.relative_to_area and indicator.area_figure is None
        for indicator in table.all_indicators.values()
    )


@dataclass(frozen=True)
class _Classified:
    risk_class: np.ndarray  #: per input row; NaN where the code was rejected
    rejects: pd.DataFrame  #: classification rejects of rows that have an employer id


def _classify_rows(extract: pd.DataFrame, classification: Any) -> _Classified:
    result = classify(extract, classification, overwrite=True)
    rejected_rows = result.rejects["row"].to_numpy(dtype=np.int64)
    classes = np.full(len(extract), np.nan)
    kept = np.ones(len(extract), dtype=bool)
    kept[rejected_rows] = False
    classes[kept] = result.frame["risk_class"].to_numpy(dtype=np.float64)
    # Rows without an employer id are reported once, by validation.
    with_id = result.rejects["employer_id"].notna().to_numpy()
    return _Classified(classes, result.rejects[with_id].reset_index(drop=True))


def _merge_classification_rejects(validated: Any, rejects: pd.DataFrame) -> None:
    """Replace 'risk_class is empty' by the classification's own reason for those rows."""
    if rejects.empty:
        return
    rows = rejects["row"].to_numpy(dtype=np.int64)
    failures = validated.failures
    echoed = (failures["column"] == "risk_class") & failures["row"].isin(rows)
    validated.failures = pd.concat([failures[~echoed], rejects], ignore_index=True)
    codes = validated.codes[rows]
    validated.rejected[codes[codes >= 0]] = True


def check_in_force(
    table: RuleTable, as_of: dt.date, outside_effective_dates: str = "refuse"
) -> str | None:
    """Why ``table`` is not in force on ``as_of`` (None when it is).

    Raises :class:`ParameterError` when it is not and ``outside_effective_dates`` is
    ``"refuse"``; with ``"allow"`` the reason is returned for the result's provenance.
    """
    if outside_effective_dates not in ("refuse", "allow"):
        raise ParameterError(
            f"outside_effective_dates must be 'refuse' or 'allow', got {outside_effective_dates!r}"
        )
    start, end = table.effective_from, table.effective_to
    if start is not None and as_of < start:
        why = f"as_of {as_of} is before its effective_from {start}"
    elif end is not None and as_of > end:
        why = f"as_of {as_of} is after its effective_to {end}"
    else:
        return None
    reason = (
        f"table {table.id!r} is not in force on {as_of}: {why} "
        f"(in force {start or 'open'} … {end or 'open'})"
    )
    if outside_effective_dates == "refuse":
        raise ParameterError(
            f"{reason}. Rate as of a date inside its effective dates, choose the table in "
            "force then, or pass outside_effective_dates='allow' (CLI: "
            "--allow-outside-effective-dates) to rate with it anyway, e.g. for a backtest"
        )
    return reason


def parse_as_of(as_of: Any) -> dt.date:
    """The rating date as a :class:`datetime.date`; raises :class:`ParameterError`."""
    if as_of is None:
        raise ParameterError(
            "as_of is required: the date the new rates take effect, e.g. as_of='2025-01-01'"
        )
    if isinstance(as_of, pd.Timestamp):
        return as_of.date()
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    if isinstance(as_of, str):
        try:
            return dt.date.fromisoformat(as_of.strip())
        except ValueError:
            pass
    raise ParameterError(f"as_of must be a date like '2025-01-01', got {as_of!r}")


def resolve_params(table: RuleTable, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The table's parameter values: the defaults overlaid with ``params``, checked.

    Raises
    ------
    ParameterError
        For an unknown name (with a suggestion), a value of the wrong type, or a required
        parameter that was not given.
    """
    given = dict(params or {})
    unknown = [name for name in given if name not in table.parameters]
    if unknown:
        name = unknown[0]
        known = ", ".join(sorted(table.parameters)) or "none"
        raise ParameterError(
            f"table {table.id!r} has no parameter {name!r}{suggest(name, table.parameters)}; "
            f"its parameters: {known}"
        )
    values: dict[str, Any] = {}
    missing = []
    for name, spec in table.parameters.items():
        value = given.get(name, spec.default)
        if value is None:
            missing.append(f"  - {name}: {spec.description}")
            continue
        if spec.type == "number":
            number = _finite_number(value)
            ok = number is not None
            value = number if ok else value
        elif spec.type == "bool":
            ok = isinstance(value, (bool, np.bool_))
            value = bool(value) if ok else value
        else:
            numbers = [_finite_number(v) for v in value] if isinstance(value, (list, tuple)) else []
            ok = isinstance(value, (list, tuple)) and None not in numbers
            value = tuple(numbers) if ok else value
        if not ok:
            kind = spec.type
            if spec.type == "number" and isinstance(value, (int, float, np.number)):
                kind = "finite number"
            raise ParameterError(
                f"parameter {name!r} of table {table.id!r} must be a {kind}, "
                f"got {display_text(value)}"
            )
        problem = spec.out_of_range(value)
        if problem:
            raise ParameterError(
                f"parameter {name!r} of table {table.id!r} is {problem}: got {value!r} "
                f"({spec.description})"
            )
        values[name] = value
    if missing:
        raise ParameterError(
            f"table {table.id!r} needs these parameters, which its source leaves to the agency; "
            "supply them with params={...}:\n" + "\n".join(missing)
        )
    return values


def _finite_number(value: Any) -> float | None:
    """``value`` as a float if it is a finite real number (not a bool), else ``None``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        return None
    try:
        number = float(value)
    except (OverflowError, TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def required_columns(table: RuleTable | str) -> dict[str, str]:
    """The extract columns a table needs, with why (column → what needs it)."""
    table = load_table(table)
    required, _, needs, _ = _column_plan(table)
    return {
        name: "core column" if name in CORE_COLUMNS else needs.get(name, "") for name in required
    }


def columns_read(table: RuleTable | str) -> list[str]:
    """Every extract column a run of ``table`` reads: required ones first, then those it
    uses when present (payroll for premiums, the current grade and rate, the industry
    code, inputs with defaults). Readers can load just these."""
    table = load_table(table)
    required, optional, _, _ = _column_plan(table)
    return list(dict.fromkeys([*required, *optional, "industry_code"]))


def _column_plan(
    table: RuleTable,
) -> tuple[list[str], list[str], dict[str, str], list[ColumnSpec]]:
    """Required and optional extract columns, what needs each, and table-specific specs."""
    used = {_unscoped(name, table) for name in table.names_used()}
    needs: dict[str, str] = {}
    for name in sorted(used):
        if name in table.all_indicators or name in table.parameters:
            continue
        if name == "insured_months":
            needs["insured_since"] = "insured_months (months insured)"
        elif name in DERIVED_NAMES:
            continue
        else:
            needs[name] = f"table {table.id!r}"
    if table.moves_from_current:
        needs["current_grade"] = "moves from the current grade"
    if any(table.ladders[c.ladder].mode == "current" for c in table.classes.values()):
        needs["current_rate"] = "a ladder relative to the current rate"
    extra_specs = []
    for name, spec in table.inputs.items():
        if column_spec(name) is None:
            extra_specs.append(
                ColumnSpec(
                    name,
                    ColumnKind(spec.kind) if spec.kind != "number" else ColumnKind.NUMBER,
                    Aggregate(spec.aggregate or ("any" if spec.kind == "flag" else "sum")),
                    spec.description or name,
                    name,
                )
            )
    with_default = {name for name, spec in table.inputs.items() if spec.default is not None}
    required = list(CORE_COLUMNS) + [
        n for n in needs if n not in CORE_COLUMNS and n not in with_default
    ]
    optional = [n for n in needs if n in with_default] + [
        "payroll",
        "current_rate",
        "current_grade",
    ]
    return required, optional, needs, extra_specs


def _aggregations(
    table: RuleTable, columns: dict[str, np.ndarray], extra_specs: list[ColumnSpec]
) -> dict[str, Aggregate]:
    specs = {spec.name: spec for spec in extra_specs}
    how: dict[str, Aggregate] = {}
    for name in columns:
        if name in ("year", "insured_since", "employer_id"):
            continue
        spec = specs.get(name) or column_spec(name)
        if spec is None or spec.kind == ColumnKind.TEXT:
            continue
        override = table.inputs.get(name)
        aggregate = (
            Aggregate(override.aggregate) if override and override.aggregate else spec.aggregate
        )
        how[name] = aggregate
    return how


def _scoped_columns(table: RuleTable) -> set[str]:
    """Columns the previous window and the history years need: indicator inputs and the
    columns read as ``prev_<name>`` or ``<name>_y<k>``."""
    needed = {
        _unscoped(name, table)
        for name in table.names_used()
        if name.startswith("prev_") or re.search(r"_y\d+$", name)
    }
    expressions = table.expressions()
    for name, indicator in table.all_indicators.items():
        needed.update(
            n for n in (indicator.numerator, indicator.denominator, indicator.area_by) if n
        )
        if indicator.expr is not None:
            needed.update(expressions[f"indicator.{name}"].names)
    return needed


def _unscoped(name: str, table: RuleTable) -> str:
    """The window-scope name behind ``prev_<name>`` or ``<name>_y<k>``."""
    name = name.removeprefix("prev_")
    match = re.fullmatch(r"(.+)_y(\d+)", name)
    if match and 1 <= int(match.group(2)) <= table.window.history_years:
        return match.group(1)
    return name


def _input_defaults(table: RuleTable, columns: Mapping[str, Any], n: int) -> dict[str, Any]:
    """Arrays for the table's inputs that the extract lacks but that have a default."""
    defaults: dict[str, Any] = {}
    for name, spec in table.inputs.items():
        if name not in columns and spec.default is not None:
            fill = bool(spec.default) if spec.kind == "flag" else float(spec.default)
            defaults[name] = np.full(n, fill)
    return defaults


def _indicators(
    table: RuleTable,
    scope: Mapping[str, Any],
    fallback: Mapping[str, Any],
    members: np.ndarray,
    params: Mapping[str, Any],
    totals: AreaSums | None = None,
) -> dict[str, Any]:
    area = area_ratios(table, scope, members, params, totals)
    return compute_indicators(table, scope, fallback, area)


def _indicator_key(table: RuleTable, values: Mapping[str, Any], as_of: dt.date) -> str:
    """Everything the indicators of ``table`` depend on besides the prepared data: their
    definitions, the parameters and base rates they read, and the scopes they cover."""
    expressions = table.expressions()
    read: set[str] = set()
    for name, indicator in table.all_indicators.items():
        if indicator.expr is not None:
            read.update(expressions[f"indicator.{name}"].names)
        if indicator.area_figure:
            read.add(indicator.area_figure)
    rates = sorted(table.base_rates_on(as_of).items()) if "base_rate" in read else []
    return json.dumps(
        {
            "indicators": {n: i.model_dump(mode="json") for n, i in table.all_indicators.items()},
            "params": {n: values[n] for n in sorted(read) if n in values},
            "base_rates": rates,
            "previous": _uses_previous(table),
            "history": table.history_read(),
        },
        sort_keys=True,
        default=repr,
    )


def _first_insured(year_rows: YearRows, columns: Mapping[str, Any]) -> np.ndarray:
    """Each employer's earliest insured_since over all its rows (days since epoch)."""
    years = year_rows.years
    if not years:
        return np.full(year_rows.n_employers, np.nan)
    earliest, _ = aggregate_window(
        year_rows, dict(columns), {"insured_since": Aggregate.MIN}, years[0], years[-1]
    )
    return earliest["insured_since"]


def _engine_inputs(table: RuleTable, env: Mapping[str, Any]) -> set[str]:
    """The names the engine and the rated frame read (the rest need no subsetting)."""
    wanted = set(table.names_used()) | {"risk_class", "current_grade", "current_rate"}
    wanted |= {"payroll", "years_observed"} | set(_indicator_columns(table))
    wanted |= set(WINDOW_TOTALS.values())
    return wanted & set(env)


def _uses_previous(table: RuleTable) -> bool:
    return any(name.startswith("prev_") for name in table.names_used())


def _base_rates(table: RuleTable, risk_class: np.ndarray, as_of: dt.date) -> np.ndarray:
    lookup = np.full(max(table.classes) + 2, np.nan)  # the last slot: unknown classes
    for number, rate in table.base_rates_on(as_of).items():
        lookup[number] = rate
    unknown = len(lookup) - 1
    with np.errstate(invalid="ignore"):
        known = (risk_class >= 0) & (risk_class < unknown)  # False for NaN
    return lookup[np.where(known, risk_class, unknown).astype(np.int64)]


def _rule_rejects(
    table: RuleTable, env: Mapping[str, Any], validated: Any, counts: np.ndarray
) -> pd.DataFrame:
    """Employers that passed validation but cannot be rated under this table."""
    alive = ~validated.rejected
    frames = []
    no_data = alive & (counts == 0)
    if no_data.any():
        frames.append(
            reject_frame(
                validated.ids_at(no_data),
                RejectReason.NO_DATA_IN_WINDOW,
                "year",
                validated.columns["year"][_first_rows(validated.codes, no_data)].astype(np.int64),
                _first_rows(validated.codes, no_data),
                "the employer has no row in the rating window",
            )
        )
    alive &= counts > 0
    if "current_grade" in env and table.moves_from_current:
        current = env["current_grade"]
        missing = alive & np.isnan(current)
        if missing.any():
            frames.append(
                reject_frame(
                    validated.ids_at(missing),
                    RejectReason.MISSING_VALUE,
                    "current_grade",
                    current[missing],
                    _first_rows(validated.codes, missing),
                    "the table moves from the current grade, but current_grade is empty",
                )
            )
        alive &= ~missing
        risk = env["risk_class"]
        lowest = np.full(len(current), np.nan)
        highest = np.full(len(current), np.nan)
        for number, spec in table.classes.items():
            ladder = table.ladders[spec.ladder]
            lowest[risk == number], highest[risk == number] = ladder.lowest, ladder.highest
        off = alive & ((current < lowest) | (current > highest))
        if off.any():
            frames.append(
                reject_frame(
                    validated.ids_at(off),
                    RejectReason.GRADE_NOT_ON_LADDER,
                    "current_grade",
                    current[off],
                    _first_rows(validated.codes, off),
                    "current_grade is outside the ladder of the employer's class",
                )
            )
    if any(table.ladders[c.ladder].mode == "current" for c in table.classes.values()):
        current_rate = env.get("current_rate")
        missing = alive & (np.isnan(current_rate) if current_rate is not None else True)
        if np.any(missing):
            frames.append(
                reject_frame(
                    validated.ids_at(missing),
                    RejectReason.MISSING_CURRENT_RATE,
                    "current_rate",
                    np.full(int(np.sum(missing)), "", dtype=object),
                    _first_rows(validated.codes, missing),
                    "the table's ladder is relative to the current rate, which is empty",
                )
            )
    if not frames:
        return validated.failures.iloc[0:0]
    return pd.concat(frames, ignore_index=True)


def _first_rows(codes: np.ndarray, employer_mask: np.ndarray) -> np.ndarray:
    """The first input row of each employer selected by ``employer_mask``, in employer order."""
    first = np.full(len(employer_mask), -1, dtype=np.int64)
    rows = np.arange(len(codes))[::-1]
    valid = codes[::-1] >= 0
    first[codes[::-1][valid]] = rows[valid]
    return first[employer_mask]


def _positions(validated: Any, wanted: pd.Series) -> np.ndarray:
    """The employer codes of the ids ``wanted`` (all present in the extract)."""
    texts = wanted.to_numpy(dtype=object)
    if validated.employer_texts is None:  # only Arrow holds the ids: look them up there
        import pyarrow as pa
        import pyarrow.compute as pc

        known = validated.employer_ids_arrow
        found = pc.index_in(pa.array(texts, type=known.type), known)
        return found.to_numpy(zero_copy_only=False).astype(np.int64)
    return np.searchsorted(validated.employer_ids, texts)


def _in_row_order(failures: pd.DataFrame) -> pd.DataFrame:
    """Failure cases by input row; a row's own failures in the order they were found."""
    return failures.sort_values("row", kind="stable").reset_index(drop=True)


def _one_per_employer(failures: pd.DataFrame) -> pd.DataFrame:
    """The first failure of each employer (rows without an employer id are kept each)."""
    if failures.empty:
        return failures.reset_index(drop=True)
    ordered = failures.sort_values("row", kind="stable")
    no_id = ordered["employer_id"].isna()
    firsts = ordered[~no_id].drop_duplicates("employer_id", keep="first")
    combined = pd.concat([firsts, ordered[no_id]])
    combined = combined.sort_values(["employer_id", "row"], kind="stable", na_position="last")
    return combined.reset_index(drop=True)


def _id_column(validated: Any, positions: np.ndarray) -> Any:
    """The ids of the employers at ``positions``, for the rated frame's first column.

    Where pandas stores text in Arrow (its ``str`` dtype) and the ids were coded in Arrow,
    the column is taken from the Arrow array: the same column, without converting every
    id from a Python string again.
    """
    arrow = validated.employer_ids_arrow
    if arrow is None or not _TEXT_IS_ARROW or not len(positions):
        return validated.employer_ids[positions]  # pandas keeps no rows as ``object``
    import pyarrow as pa

    return pd.array(arrow.take(pa.array(positions, type=pa.int64())), dtype=_TEXT_DTYPE)


#: The dtype pandas gives a column of Python strings, and whether it is Arrow text.
_TEXT_DTYPE = pd.Series(np.array(["id"], dtype=object)).dtype
_TEXT_IS_ARROW = (
    isinstance(_TEXT_DTYPE, pd.StringDtype) and getattr(_TEXT_DTYPE, "storage", "") == "pyarrow"
)


def _rated_frame(
    table: RuleTable, employer_ids: np.ndarray, env: Mapping[str, Any], outcome: Any
) -> pd.DataFrame:
    columns: dict[str, Any] = {
        "employer_id": employer_ids,
        "risk_class": env["risk_class"].astype(np.int16),
        "rated_class": outcome.rated_class,
        "grade": outcome.grade,
        "multiplier": outcome.multiplier,
        "base_rate": outcome.base_rate,
        "rate": outcome.rate,
    }
    if "current_grade" in env:
        columns["current_grade"] = np.asarray(env["current_grade"], dtype=np.float64)
    if "current_rate" in env:
        columns["current_rate"] = env["current_rate"]
    if "payroll" in env:
        # Premiums are annual: the window's payroll averaged over the years observed.
        annual_payroll = round_money(env["payroll"] / env["years_observed"], 2)
        decimals = table.rounding.money_decimals
        columns["payroll"] = annual_payroll
        columns["premium_at_base"] = round_money(annual_payroll * outcome.base_rate, decimals)
        columns["premium"] = round_money(annual_payroll * outcome.rate, decimals)
    for name in _indicator_columns(table):
        if name in env:
            columns[name] = env[name]
    for name, source in WINDOW_TOTALS.items():
        if source in env:
            columns[name] = env[source]
    columns["reasons"] = build_reasons(outcome)
    frame = pd.DataFrame(columns, copy=False)  # no block consolidation: no copy
    frame["table_id"] = pd.Categorical.from_codes(np.zeros(len(frame), dtype=np.int8), [table.id])
    return frame


#: Window totals in the rated output (output column → aggregated extract column), so an
#: analyst reads what an employer's indicators were computed from without the extract.
WINDOW_TOTALS = {
    "window_payouts": "payouts",
    "window_contributions": "contributions",
    "window_injuries": "injuries",
    "window_avg_insured": "avg_insured",
    "window_years": "years_observed",
}


def _indicator_columns(table: RuleTable) -> list[str]:
    used = table.names_used()
    names = []
    for name in table.all_indicators:
        for key in (name, f"prev_{name}"):
            if key in used:
                names.append(key)
    for name in sorted(used):
        if name in ("insured_months", "years_observed") and name not in names:
            names.append(name)
    return names
