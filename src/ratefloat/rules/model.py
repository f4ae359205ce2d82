"""The rule-table data model: what an analyst writes, validated by pydantic.

A rule table is pure data (YAML, JSON or a dict). These models say what it may contain;
:mod:`ratefloat.engine` says how it is evaluated. Every check an analyst can act on runs
here, at load time: unknown names (with a suggestion), gaps and overlaps in threshold
rows, grades off every ladder, unreachable rules, duplicate rule ids.

The stages, in evaluation order::

    eligibility  → fixed outcome for employers that are not floated (first match)
    bands        → grade from the indicators (first match, or the highest with combine: max)
    modifiers    → post-band adjustments, in the order listed
    movement     → limits on the move from the current grade
    ladder       → grade clipped to the class's ladder, turned into a rate
    bounds       → floors and caps on the rate
    rounding     → the table's precision, half up

Grades are integer offsets from the base grade: ``0`` is the class base rate (基准费率),
``-1``/``-2`` the first and second down grades, ``+1``/``+2`` the up grades. A ladder says
what each grade means for the rate.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from ..errors import ExpressionError, ParameterError, RuleTableError
from ..expr import Expression, Kind, parse_expression, suggest
from ..schema import COLUMNS, Aggregate, ColumnKind
from .intervals import check_partition, parse_interval

__all__ = [
    "Source",
    "Window",
    "Parameter",
    "InputSpec",
    "Indicator",
    "Ladder",
    "ClassRate",
    "Outcome",
    "EligibilityRule",
    "IntervalRow",
    "BandRule",
    "Modifier",
    "Movement",
    "RateBound",
    "ClassBounds",
    "Bounds",
    "BaseRateSchedule",
    "Cut",
    "Rounding",
    "RuleTable",
    "expression_names",
]

_RULE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
_PARAM_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
#: A number a table states may instead name a number parameter: ``$name``. In interval
#: text each end may be one (``(1.2, $up_threshold]``).
PARAM_REF = re.compile(rf"\$({_PARAM_NAME})")
ParamRef = Annotated[
    str,
    Field(
        pattern=rf"^\${_PARAM_NAME}$",
        description="$name: the value of the table's number parameter name.",
    ),
]
Tag = Literal["S", "S2", "I", "U", "param"]

_TAG_HELP = (
    "Evidence: S seen in the source text, S2 seen only in a secondary source (news, summary, "
    "repost), I inferred (reading, arithmetic, attribution), U recalled, not found in a source, "
    "param left to the agency as a parameter."
)
_CITE_HELP = "The sentence or article of the source this encodes (for reviewers and explain())."
_GRADE_HELP = "Absolute grade: an offset from the base grade (0 = the base rate, -1 = 80 %, …)."
_STEP_HELP = (
    "Grade relative to the employer's current grade (needs the current_grade column), "
    "e.g. -1 = one grade down."
)
_MIN_RATE_HELP = "Floor on the rate: a fraction of payroll, or {class_base: N}."
_MAX_RATE_HELP = "Cap on the rate: a fraction of payroll, or {class_base: N}."


#: Largest magnitude of any number in a table (rates, multipliers, amounts, scales).
MAX_NUMBER = 1e6
#: Largest magnitude of a grade, a grade step or a grade/class move.
MAX_GRADE = 50
#: Fields holding a grade or a number of grades; their values are bounded by MAX_GRADE.
_GRADE_FIELDS = frozenset({"grade", "step", "min_grade", "max_grade", "max_step", "max_from_base"})
#: Fields that stand for an indicator's value and may be infinite (a ratio over zero).
_UNBOUNDED_FIELDS = frozenset({"positive_over_zero", "zero_over_zero"})


class _Model(BaseModel):
    # Frozen: a table is changed only by building a new, validated one (with_changes,
    # model_copy); nested instances passed in are validated again, never trusted.
    model_config = ConfigDict(
        extra="forbid", frozen=True, revalidate_instances="always", allow_inf_nan=False
    )

    @model_validator(mode="after")
    def _sane_numbers(self) -> Any:
        for name in type(self).model_fields:
            limit = MAX_GRADE if name in _GRADE_FIELDS else MAX_NUMBER
            problem = _out_of_range(getattr(self, name), limit)
            if problem:
                raise ValueError(f"{name}: {problem}")
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        if name in type(self).model_fields:
            raise RuleTableError(
                f"a rule table cannot be changed in place (tried to set {name!r}); make a "
                "new one with table.with_changes({'<dotted.path>': value})"
            )
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        if name in type(self).model_fields:
            raise RuleTableError(
                f"a rule table cannot be changed in place (tried to delete {name!r})"
            )
        super().__delattr__(name)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Any:
        """A copy; with ``update``, a new model validated from the merged content.

        Pydantic's own ``model_copy(update=...)`` skips validation; here the updated
        fields are checked like any other input, so a copy can never hold content its
        derived state (compiled expressions) does not describe.
        """
        if not update:
            return super().model_copy(deep=deep)
        content = {name: getattr(self, name) for name in type(self).model_fields}
        content.update(update)
        return type(self).model_validate(content)


def _short_number(value: Any) -> str:
    """A number for a message; never hundreds of digits."""
    return f"{value:.6g}" if abs(value) < 1e100 else "a number of 100 digits or more"


def _out_of_range(value: Any, limit: float) -> str | None:
    """Why a validated field value holds a number beyond ``limit`` (None when none does).

    Looks into plain dicts and lists (nested models check their own fields).
    """
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend(node)
        elif (
            isinstance(node, (int, float))
            and not isinstance(node, bool)
            and (isinstance(node, int) or math.isfinite(node))
            and abs(node) > limit
        ):
            return f"{_short_number(node)} is out of range (at most {limit:g} in magnitude)"
    return None


#: Largest magnitude of any number in a table (rates, multipliers, amounts, scales).
MAX_NUMBER = 1e6
#: Largest magnitude of a grade, a grade step or a move in grades or classes.
MAX_GRADE = 50
#: Fields holding a grade or a number of grades; their values are bounded by MAX_GRADE.
_GRADE_FIELDS = frozenset({"grade", "step", "min_grade", "max_grade", "max_step", "max_from_base"})


class Source(_Model):
    """Where the rules come from (文件号, title, articles, links)."""

    document: str = Field(description="Document number, e.g. 苏人社规〔2023〕2号.")
    title: str | None = Field(None, description="Document title.")
    issued: dt.date | None = Field(None, description="Issue date.")
    articles: str | None = Field(None, description="Articles encoded, e.g. 第八条.")
    urls: list[str] = Field(default_factory=list, description="Where the text was read.")
    notes: str | None = Field(
        None, description="What was read, where, and what was missing, truncated or inferred."
    )


class Window(_Model):
    """The experience window (考核期) counted before ``as_of``.

    With ``years: 2`` and ``lag_years: 1`` a rating as of 2025-01-01 uses the rows of the
    years 2023 and 2024; the previous window (for "two consecutive cycles" rules) is 2021
    and 2022.
    """

    years: Annotated[int, Field(ge=1, le=10)] | ParamRef = Field(
        1, description="Number of calendar years in the window (or $parameter)."
    )
    lag_years: int = Field(
        1, ge=0, le=5, description="Years between the window's last year and as_of's year."
    )
    history_years: int = Field(
        0,
        ge=0,
        le=10,
        description=(
            "Make year-by-year values available as <name>_y1 … <name>_yN (y1 = the window's "
            "last year, y2 the year before, …), for streak rules such as 'two consecutive "
            "years above 300 %' or 'three accident-free years'."
        ),
    )


class Parameter(_Model):
    """A value the agency supplies (or keeps at its default) when it runs the table.

    Parameters stand where the source is silent or leaves the number to the agency; a
    parameter without a default must be given in ``rerate(..., params=...)``.
    """

    type: Literal["number", "bool", "list"] = Field(
        "number",
        description="Value type: number, bool, or list (of numbers, for the in operator).",
    )
    default: float | bool | list[float] | None = Field(
        None,
        description="Value used when the caller gives none; without one the parameter is "
        "required and rerate() refuses to run until the agency supplies it.",
    )
    description: str = Field(
        description="What the value means and where it comes from (or that the source is silent)."
    )
    minimum: float | None = Field(None, description="Smallest value allowed (each list item).")
    maximum: float | None = Field(None, description="Largest value allowed (each list item).")
    tag: Tag | None = Field(None, description=_TAG_HELP)

    @model_validator(mode="after")
    def _default_matches_type(self) -> Parameter:
        if self.default is not None and not _value_fits(self.type, self.default):
            raise ValueError(f"default {self.default!r} is not a {self.type}")
        if self.type == "bool" and (self.minimum is not None or self.maximum is not None):
            raise ValueError("a bool parameter takes no minimum or maximum")
        if self.default is not None and self.out_of_range(self.default):
            raise ValueError(f"default {self.default!r} is {self.out_of_range(self.default)}")
        return self

    def out_of_range(self, value: Any) -> str | None:
        """Why ``value`` breaks the minimum/maximum (None when it does not)."""
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if self.minimum is not None and item < self.minimum:
                return f"below the minimum {self.minimum:g}"
            if self.maximum is not None and item > self.maximum:
                return f"above the maximum {self.maximum:g}"
        return None


def _value_fits(kind: str, value: Any) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "list":
        return isinstance(value, (list, tuple)) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
        )
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class InputSpec(_Model):
    """A column the table reads, beyond the core ones, with its default when absent."""

    kind: Literal["flag", "count", "money", "measure", "number", "integer"] = Field(
        "number",
        description="How values are checked: flag (yes/no, 是/否), count (whole number ≥ 0), "
        "money (yuan ≥ 0), measure (real ≥ 0), number (any real), integer (any whole number).",
    )
    aggregate: Literal["sum", "mean", "any", "last", "max", "min"] | None = Field(
        None,
        description="How the years of the window are combined per employer (default: any for "
        "flags, sum otherwise).",
    )
    default: float | bool | None = Field(
        None, description="Value used when the extract has no such column; none = required."
    )
    description: str | None = Field(None, description="What the column holds.")


class Indicator(_Model):
    """An employer indicator computed over the window.

    Either a ratio of two aggregated columns (``numerator``/``denominator``) or an
    expression over other names (``expr``).
    """

    numerator: str | None = Field(
        None,
        description="Column summed (or aggregated) over the window, e.g. payouts for 支缴率.",
    )
    denominator: str | None = Field(
        None,
        description="Column the numerator is divided by, e.g. contributions for 支缴率.",
    )
    expr: str | None = Field(
        None,
        description="An expression over columns, parameters and earlier indicators, instead "
        "of numerator/denominator.",
    )
    min_denominator: float | None = Field(
        None, ge=0, description="Denominators below this are raised to it (Tianjin: 50)."
    )
    zero_over_zero: float = Field(
        0.0, allow_inf_nan=True, description="Value when both parts are zero."
    )
    positive_over_zero: float = Field(
        math.inf, allow_inf_nan=True, description="Value when only the denominator is zero."
    )
    scale: float = Field(1.0, gt=0, description="Multiply the ratio, e.g. 1000 for per mille.")
    relative_to_area: bool = Field(
        False,
        description=(
            "Divide the employer's ratio by the area's: Σ numerator ÷ Σ denominator over the "
            "batch's employers with window data (grouped by area_by), or the published "
            "figure named by area_figure."
        ),
    )
    area_by: str | None = Field(
        None, description="Column that groups employers into areas (e.g. a district code)."
    )
    area_figure: str | None = Field(
        None, description="Name of a parameter holding the published area ratio."
    )
    description: str | None = Field(
        None, description="What the indicator measures, in the policy's terms (e.g. 工伤发生率)."
    )

    @model_validator(mode="after")
    def _one_form(self) -> Indicator:
        if (self.area_by or self.area_figure) and not self.relative_to_area:
            raise ValueError("area_by and area_figure go with relative_to_area: true")
        if self.area_by and self.area_figure:
            raise ValueError("give area_by (computed over the batch) or area_figure, not both")
        if self.relative_to_area and self.expr is not None:
            raise ValueError("relative_to_area needs a ratio (numerator/denominator)")
        ratio = self.numerator is not None or self.denominator is not None
        if ratio and self.expr is not None:
            raise ValueError("give either numerator/denominator or expr, not both")
        if not ratio and self.expr is None:
            raise ValueError("give numerator and denominator, or expr")
        if ratio and (self.numerator is None or self.denominator is None):
            raise ValueError("a ratio needs both numerator and denominator")
        return self


DEFAULT_INDICATORS: dict[str, Indicator] = {
    "payout_ratio": Indicator(
        numerator="payouts",
        denominator="contributions",
        description="支缴率: fund benefits paid ÷ premiums paid over the window",
    ),
    "injury_rate": Indicator(
        numerator="injuries",
        denominator="avg_insured",
        description="工伤发生率: recognised injuries ÷ average insured headcount",
    ),
}


class Ladder(_Model):
    """What each grade means for the rate (浮动档次).

    ``mode``:
      * ``multiply``: rate = base rate × value (the national 50 %/80 %/100 %/120 %/150 %);
      * ``add``: rate = base rate + value, in rate units (percentage-point grades);
      * ``current``: rate = current rate × value (relative to last year's rate).
    """

    mode: Literal["multiply", "add", "current"] = Field(
        "multiply",
        description="multiply: base rate × value; add: base rate + value (rate units, for "
        "percentage-point grades); current: current rate × value (last year's rate).",
    )
    grades: dict[int, float | ParamRef] = Field(
        description="Grade → value (浮动档次); consecutive integer grades including 0 (the base "
        "grade), values rising with the grade, e.g. {-2: 0.5, -1: 0.8, 0: 1.0, 1: 1.2, 2: 1.5}; "
        "a value may be $parameter."
    )
    description: str | None = Field(
        None, description="What the ladder is, e.g. 二至八类 five grades (人社部发〔2015〕71号)."
    )

    @field_validator("grades")
    @classmethod
    def _grades_in_range(cls, grades: dict[int, float | str]) -> dict[int, float | str]:
        wide = [grade for grade in grades if abs(grade) > MAX_GRADE]
        if wide:
            raise ValueError(f"grades lie within ±{MAX_GRADE}, got {_short_number(wide[0])}")
        return grades

    @field_validator("grades")
    @classmethod
    def _grades_contiguous(cls, grades: dict[int, float | str]) -> dict[int, float | str]:
        keys = sorted(grades)
        if 0 not in grades:
            raise ValueError("the ladder needs grade 0 (the base grade)")
        if keys != list(range(keys[0], keys[-1] + 1)):
            raise ValueError(f"grades must be consecutive integers, got {keys}")
        if _has_refs(grades):
            # Checked on the values once the parameters are known (RuleTable.with_parameters).
            return dict(sorted(grades.items()))
        values = [grades[k] for k in keys]
        if any(b <= a for a, b in zip(values, values[1:], strict=False)):
            raise ValueError(
                f"values must rise with the grade (a higher grade costs more), got {values}"
            )
        return dict(sorted(grades.items()))

    @model_validator(mode="after")
    def _base_value(self) -> Ladder:
        if _has_refs(self.grades):
            return self
        base = self.grades[0]
        if self.mode in ("multiply", "current"):
            if any(v <= 0 for v in self.grades.values()):
                raise ValueError("multipliers must be positive")
            if base != 1.0:
                raise ValueError(f"grade 0 must have the multiplier 1.0, got {base}")
        elif base != 0.0:
            raise ValueError(f"grade 0 of an additive ladder must add 0, got {base}")
        return self

    @property
    def lowest(self) -> int:
        """The lowest grade on the ladder (e.g. -2 for 50 %)."""
        return min(self.grades)

    @property
    def highest(self) -> int:
        """The highest grade on the ladder (e.g. 2 for 150 %)."""
        return max(self.grades)


class ClassRate(_Model):
    """A risk class's base rate (基准费率, fraction of payroll) and ladder."""

    base_rate: float = Field(
        gt=0, lt=1, description="Base rate (基准费率) as a fraction of payroll (0.009 = 0.9 %)."
    )
    ladder: str = Field(description="Name of the class's ladder in ladders.")
    floated: bool = Field(True, description="False: the class is never floated (grade 0).")


class Outcome(_Model):
    """A grade: ``grade`` (absolute offset from base) or ``step`` (from the current grade)."""

    grade: int | None = Field(None, description=_GRADE_HELP)
    step: int | None = Field(None, description=_STEP_HELP)

    @model_validator(mode="after")
    def _exactly_one(self) -> Outcome:
        if (self.grade is None) == (self.step is None):
            raise ValueError("give exactly one of grade (absolute) or step (from current)")
        return self


class _Rule(_Model):
    id: Annotated[
        str,
        Field(
            pattern=_RULE_ID,
            description="Rule id: letters, digits, _ . : -; unique in the table. Named in the "
            "reasons column and in explain().",
        ),
    ]
    cite: str | None = Field(None, description="Article or passage of the source.")
    tag: Tag | None = Field(None, description=_TAG_HELP)
    note: str | None = Field(None, description="Free text for reviewers (readings, doubts).")


class EligibilityRule(_Rule):
    """Employers matching ``when`` are not floated by the bands: they get ``outcome``."""

    when: str = Field(
        description="Condition in the expression language; matching employers are not floated "
        "(不浮动情形)."
    )
    outcome: Outcome = Field(
        default_factory=lambda: Outcome(grade=0),
        description="The fixed outcome (default: grade 0, the base rate).",
    )


class IntervalRow(_Model):
    """One row of a threshold table: an interval of the indicator → an outcome."""

    interval: str = Field(
        description="Interval of the indicator with explicit brackets: [0, 1.2], (1.2, 3.0], "
        "(3.0, inf)."
    )
    grade: int | None = Field(None, description=_GRADE_HELP)
    step: int | None = Field(None, description=_STEP_HELP)
    id: Annotated[
        str | None,
        Field(
            pattern=_RULE_ID,
            description="Reason id of the row (default: <band id>:<interval>).",
        ),
    ] = None
    cite: str | None = Field(None, description=_CITE_HELP)
    tag: Tag | None = Field(None, description=_TAG_HELP)

    @model_validator(mode="after")
    def _check(self) -> IntervalRow:
        if not PARAM_REF.search(self.interval):
            parse_interval(self.interval)
        Outcome(grade=self.grade, step=self.step)
        return self

    @property
    def outcome(self) -> Outcome:
        return Outcome(grade=self.grade, step=self.step)


class BandRule(_Rule):
    """A band: ``when`` → outcome, or a threshold table of rows over an ``indicator``.

    A threshold table's rows must tile ``domain`` (default ``[0, inf)``) with no gap and
    no overlap; ``when`` then acts as a guard (the whole table applies only where it holds).
    """

    when: str | None = Field(
        None,
        description="Condition in the expression language; on a threshold table, a guard "
        "(the rows apply only where it holds).",
    )
    grade: int | None = Field(None, description=_GRADE_HELP)
    step: int | None = Field(None, description=_STEP_HELP)
    indicator: str | None = Field(
        None, description="The indicator a threshold table splits, e.g. payout_ratio (支缴率)."
    )
    domain: str = Field(
        "[0, inf)", description="The range the rows must cover, with no gap and no overlap."
    )
    rows: list[IntervalRow] | None = Field(
        None, description="The rows of a threshold table, in increasing order."
    )

    @model_validator(mode="after")
    def _form(self) -> BandRule:
        table = self.indicator is not None or self.rows is not None
        outcome = self.grade is not None or self.step is not None
        if table:
            if self.indicator is None or not self.rows:
                raise ValueError("a threshold table needs both 'indicator' and 'rows'")
            if outcome:
                raise ValueError("a threshold table takes its grades from its rows, not grade/step")
            if any(PARAM_REF.search(row.interval) for row in self.rows):
                # Tiled once the parameters are known (RuleTable.with_parameters).
                return self
            intervals = [parse_interval(row.interval) for row in self.rows]
            labels = [f"row {i + 1}" for i in range(len(self.rows))]
            problems = check_partition(intervals, parse_interval(self.domain), labels)
            if problems:
                raise ValueError("; ".join(problems))
            ids = [row.id for row in self.rows if row.id]
            if len(ids) != len(set(ids)):
                raise ValueError("row ids must be unique")
        else:
            if self.when is None:
                raise ValueError("a band needs 'when' with grade/step, or 'indicator' with rows")
            Outcome(grade=self.grade, step=self.step)
        return self

    @property
    def outcome(self) -> Outcome:
        return Outcome(grade=self.grade, step=self.step)

    def row_ids(self) -> list[str]:
        """Reason ids of the rows: their own id, or ``<band id>:<interval>``."""
        return [row.id or f"{self.id}:{row.interval.replace(' ', '')}" for row in self.rows or []]


ModifierAction = Literal[
    "no_down",
    "no_up",
    "bump",
    "set_grade",
    "top",
    "bottom",
    "reclassify",
    "rate_factor",
    "rate_add",
]


class Modifier(_Rule):
    """A post-band adjustment, applied in the order listed where ``when`` holds.

    * ``no_down`` / ``no_up``: the grade may not be below / above the base (0).
    * ``bump``: grade + ``by`` (negative moves down, e.g. certificates).
    * ``set_grade``: grade = ``grade``.
    * ``top`` / ``bottom``: the highest / lowest grade of the class's ladder.
    * ``reclassify``: rate as risk class + ``by`` (Tianjin: the next-higher class).
    * ``rate_factor``: rate × ``by`` after the ladder (Beijing certificate −20 % → 0.8).
    * ``rate_add``: rate + ``by`` after the ladder (−0.03 percentage points → -0.0003).
    """

    when: str = Field(
        description="Condition in the expression language; the action applies where it holds."
    )
    action: ModifierAction = Field(
        description="no_down (不得下浮), no_up, bump, set_grade, top, bottom, reclassify, "
        "rate_factor or rate_add."
    )
    by: float | ParamRef | None = Field(
        None,
        description="Amount for bump (grades), reclassify (classes), rate_factor (× rate) and "
        "rate_add (rate units: -0.0003 = -0.03 percentage points); may be $parameter.",
    )
    grade: int | None = Field(None, description="Grade for set_grade.")

    @model_validator(mode="after")
    def _arguments(self) -> Modifier:
        needs_by = {"bump", "reclassify", "rate_factor", "rate_add"}
        if self.action in needs_by and self.by is None:
            raise ValueError(f"action {self.action!r} needs 'by'")
        if self.action not in needs_by and self.by is not None:
            raise ValueError(f"action {self.action!r} takes no 'by'")
        if (self.action == "set_grade") != (self.grade is not None):
            raise ValueError("'grade' goes with action set_grade, and only with it")
        if isinstance(self.by, str):
            return self  # checked once the parameter is known (RuleTable.with_parameters)
        if self.action in ("bump", "reclassify") and self.by != int(self.by or 0):
            raise ValueError(f"action {self.action!r} moves by whole grades or classes")
        if self.action == "rate_factor" and (self.by or 0) <= 0:
            raise ValueError("rate_factor must be positive")
        return self

    @model_validator(mode="after")
    def _moves_in_range(self) -> Modifier:
        by = self.by if isinstance(self.by, (int, float)) else 0  # a $parameter: checked on use
        if self.action in ("bump", "reclassify") and abs(by) > MAX_GRADE:
            raise ValueError(
                f"action {self.action!r} moves by at most {MAX_GRADE}, got {_short_number(self.by)}"
            )
        return self


class Movement(_Model):
    """Limits on the move from the employer's current grade (stateful tables)."""

    max_step: int | None = Field(None, ge=0, description="At most this many grades per cycle.")
    max_from_base: int | None = Field(
        None, ge=0, description="Never more than this many grades from the base grade."
    )


class RateBound(_Model):
    """A rate bound: a number, or the base rate of a class (e.g. ``{class_base: 1}``)."""

    value: float | None = Field(
        None, ge=0, description="A rate, as a fraction of payroll (0.002 = 0.2 %)."
    )
    class_base: int | None = Field(
        None, description="Use the base rate of this risk class (1: the class-1 base rate)."
    )

    @model_validator(mode="before")
    @classmethod
    def _from_number(cls, data: Any) -> Any:
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return {"value": data}
        return data

    @model_validator(mode="after")
    def _exactly_one(self) -> RateBound:
        if (self.value is None) == (self.class_base is None):
            raise ValueError("give a number, or {class_base: <class>}")
        return self


class ClassBounds(_Model):
    """Floors and caps of one class (override the table-wide ones)."""

    min_rate: RateBound | None = Field(None, description=_MIN_RATE_HELP)
    max_rate: RateBound | None = Field(None, description=_MAX_RATE_HELP)
    min_grade: int | None = Field(None, description="Lowest grade allowed (e.g. -1).")
    max_grade: int | None = Field(None, description="Highest grade allowed.")


class Bounds(_Model):
    """Floors and caps on the grade and on the final rate, overall and per class.

    Grade bounds apply before the ladder (a grade below ``min_grade`` becomes
    ``min_grade``); rate bounds apply to the rate after the ladder and rate modifiers.
    """

    min_rate: RateBound | None = Field(
        None, description=_MIN_RATE_HELP + " E.g. {class_base: 1} (人社部发〔2015〕71号)."
    )
    max_rate: RateBound | None = Field(None, description=_MAX_RATE_HELP)
    min_grade: int | None = Field(None, description="Lowest grade allowed (e.g. -1).")
    max_grade: int | None = Field(None, description="Highest grade allowed.")
    per_class: dict[int, ClassBounds] = Field(
        default_factory=dict,
        description="Floors and caps of single classes, by class number; they override the "
        "table-wide ones.",
    )
    cite: str | None = Field(None, description=_CITE_HELP)
    tag: Tag | None = Field(None, description=_TAG_HELP)


class BaseRateSchedule(_Model):
    """Base rates in force over a date range; they replace the classes' ``base_rate``.

    Leave ``rates`` out to mark a span whose rates the sources do not give: a rating as
    of a date inside it is refused (with ``note`` in the message) instead of silently
    using another span's rates.
    """

    effective_from: dt.date = Field(description="First day these base rates are in force.")
    effective_to: dt.date | None = Field(
        None, description="Last day these base rates are in force (none: open-ended)."
    )
    rates: dict[int, float] | None = Field(
        None, description="Class → base rate; absent when the span's rates are unknown."
    )
    note: str | None = Field(None, description="Why the rates are unknown, where to find them.")
    cite: str | None = Field(None, description=_CITE_HELP)
    tag: Tag | None = Field(None, description=_TAG_HELP)

    @field_validator("rates")
    @classmethod
    def _positive(cls, rates: dict[int, float] | None) -> dict[int, float] | None:
        if rates is None:
            return None
        bad = {k: v for k, v in rates.items() if not 0 < v < 1}
        if bad:
            raise ValueError(f"base rates are fractions of payroll in (0, 1), got {bad}")
        return dict(sorted(rates.items()))


class Cut(_Model):
    """A phased cut (阶段性降费): a factor in force over a date range, a layer of its own.

    ``applies_to: base`` scales the base rates before the ladder (a province-wide cut of
    the benchmark rates); ``applies_to: rate`` scales the final floated rate (Zhoushan),
    then applies the cut's own ``min_rate`` floor.
    """

    id: Annotated[
        str,
        Field(
            pattern=_RULE_ID,
            description="Cut id: letters, digits, _ . : -; unique in the table. Named in the "
            "reasons column.",
        ),
    ]
    effective_from: dt.date = Field(description="First day the cut is in force.")
    effective_to: dt.date | None = Field(
        None, description="Last day the cut is in force (none: open-ended)."
    )
    factor: float = Field(gt=0, le=1, description="Factor in (0, 1]: 0.8 for a 20 % cut.")
    applies_to: Literal["base", "rate"] = Field(
        "base",
        description="base: the base rates (基准费率), before the ladder; rate: the final "
        "floated rate.",
    )
    classes: list[int] | None = Field(None, description="Classes it applies to (default all).")
    min_rate: RateBound | None = Field(
        None,
        description="Floor after a cut on the rate (applies_to: rate), e.g. {class_base: 1}.",
    )
    cite: str | None = Field(None, description=_CITE_HELP)
    tag: Tag | None = Field(None, description=_TAG_HELP)

    def in_force(self, day: dt.date) -> bool:
        """Whether the cut applies on ``day``."""
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


class Rounding(_Model):
    """Precision of the rate (fraction of payroll) and of money (yuan).

    ``rate_decimals: 6`` keeps rates to 0.0001 % (e.g. 0.0108 = 1.08 %). Money is rounded
    to the fen (``money_decimals: 2``). The mode is half up (0.5 goes away from zero),
    as in Chinese financial practice, not banker's rounding.
    """

    rate_decimals: int = Field(
        6,
        ge=0,
        le=12,
        description="Decimals of rates as fractions of payroll: 6 keeps 0.0001 % "
        "(0.0108 = 1.08 %).",
    )
    money_decimals: int = Field(
        2, ge=0, le=4, description="Decimals of money in yuan: 2 rounds to the fen."
    )
    mode: Literal["half_up"] = Field(
        "half_up", description="Always half up (四舍五入), never banker's rounding."
    )


class RuleTable(_Model):
    """A complete, validated floating-rate rule table."""

    schema_version: Literal[1] = Field(1, description="Version of the rule-table format.")
    id: Annotated[
        str,
        Field(
            pattern=r"^[a-z0-9][a-z0-9._-]*$",
            description="Table id: lower-case letters, digits, . _ -. Passed as rules=.",
        ),
    ]
    name: str = Field(description="Human-readable name, with the document number (文件号).")
    jurisdiction: str = Field(description="The pooling area (统筹地区), e.g. CN-JS 江苏省.")
    source: Source = Field(description="The document the rules come from.")
    effective_from: dt.date | None = Field(
        None, description="First day the table's rates are in force."
    )
    effective_to: dt.date | None = Field(
        None, description="Last day the table's rates are in force (none: open-ended)."
    )
    version: str = Field("1", description="The table's own version, recorded with every result.")
    confidence: Literal["high", "medium", "low", "template"] = Field(
        "medium",
        description="How far the whole table can be trusted; template: the agency must "
        "complete it (required parameters) before it rates anything.",
    )
    description: str | None = Field(
        None, description="What the table does, in a few sentences; shown in listings."
    )
    window: Window = Field(default_factory=Window, description="The experience window (考核期).")
    parameters: dict[str, Parameter] = Field(
        default_factory=dict,
        description="Values the agency supplies (or keeps at their defaults), by name.",
    )
    inputs: dict[str, InputSpec] = Field(
        default_factory=dict,
        description="Columns read beyond the standard vocabulary, by name.",
    )
    indicators: dict[str, Indicator] = Field(
        default_factory=dict,
        description="The table's indicators, by name; they extend or redefine payout_ratio "
        "(支缴率) and injury_rate (工伤发生率).",
    )
    ladders: dict[str, Ladder] = Field(description="Grade ladders (浮动档次), by name.")
    classes: dict[int, ClassRate] = Field(
        description="Risk classes (行业风险类别) rated, by number: base rate (基准费率) and ladder."
    )
    eligibility: list[EligibilityRule] = Field(
        default_factory=list,
        description="Employers not floated (不浮动情形), with their fixed outcome; first match.",
    )
    bands: list[BandRule] = Field(
        default_factory=list, description="Rules that set the grade from the indicators."
    )
    combine: Literal["first", "max"] = Field(
        "first",
        description="first: the first band that matches wins; max: the highest grade of all "
        "matching bands.",
    )
    otherwise: Outcome = Field(
        default_factory=lambda: Outcome(grade=0),
        description="Outcome when no band matches (default: grade 0, the base rate).",
    )
    modifiers: list[Modifier] = Field(
        default_factory=list,
        description="Adjustments after the bands (e.g. 不得下浮), applied in the order listed.",
    )
    movement: Movement | None = Field(
        None, description="Limits on the move from the current grade (stateful tables)."
    )
    bounds: Bounds = Field(
        default_factory=Bounds, description="Floors and caps on the grade and the final rate."
    )
    base_rates: list[BaseRateSchedule] = Field(
        default_factory=list, description="Dated base rates; the classes' base_rate otherwise."
    )
    cuts: list[Cut] = Field(
        default_factory=list, description="Phased cuts (阶段性降费), each over a date range."
    )
    rounding: Rounding = Field(
        default_factory=Rounding, description="Precision of rates and money, half up (四舍五入)."
    )
    monotone_in: list[str] = Field(
        default_factory=list,
        description="Columns that can only raise the grade (checked by property tests).",
    )

    _expressions: dict[str, Expression] = PrivateAttr(default_factory=dict)
    #: The content (canonical JSON) that _expressions were compiled from.
    _compiled_from: str | None = PrivateAttr(None)

    @field_validator("classes")
    @classmethod
    def _class_numbers(cls, classes: dict[int, ClassRate]) -> dict[int, ClassRate]:
        bad = [k for k in classes if not 1 <= k <= 99]
        if bad:
            raise ValueError(f"risk classes are numbered 1..99, got {bad}")
        if not classes:
            raise ValueError("the table needs at least one class")
        return dict(sorted(classes.items()))

    @model_validator(mode="after")
    def _cross_checks(self) -> RuleTable:
        problems: list[str] = []
        for number, rate in self.classes.items():
            if rate.ladder not in self.ladders:
                problems.append(
                    f"classes.{number}: ladder {rate.ladder!r} is not defined"
                    f"{suggest(rate.ladder, self.ladders)}"
                )
        problems += self._check_rule_ids()
        problems += self._check_grades()
        problems += self._check_reachability()
        for name in self.indicators:
            if name.startswith("prev_"):
                problems.append(f"indicators.{name}: names starting with 'prev_' are reserved")
        for bound_name in ("min_rate", "max_rate"):
            bound = getattr(self.bounds, bound_name)
            if (
                bound is not None
                and bound.class_base is not None
                and bound.class_base not in self.classes
            ):
                problems.append(f"bounds.{bound_name}: class {bound.class_base} is not in classes")
        problems += self._check_schedules()
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            problems.append("effective_to is before effective_from")
        problems += self._check_parameter_refs()
        if problems:
            raise ValueError("\n".join(problems))
        try:
            self._compile_expressions()
        except ExpressionError as exc:
            raise ValueError(str(exc)) from None
        self._compiled_from = self.model_dump_json()
        defaults = {n: p.default for n, p in self.parameters.items() if p.default is not None}
        refs = self.parameter_refs()
        if refs and refs <= set(defaults):
            try:
                self.with_parameters(defaults)
            except ParameterError as exc:
                raise ValueError(f"with the parameters' defaults: {exc}") from None
        return self

    # -- parameter references ($name) -----------------------------------------------------
    def parameter_refs(self) -> set[str]:
        """Names of the parameters the table's numbers refer to (``$name``)."""
        return {
            match.group(1) for _, text in _ref_sites(self) for match in PARAM_REF.finditer(text)
        }

    def with_parameters(self, values: Mapping[str, Any]) -> RuleTable:
        """This table with every ``$name`` number replaced by ``values[name]``, validated.

        Returns the table itself when it refers to no parameter. The copy is checked as any
        table is (ladder values rising, rows tiling the range without gap or overlap, whole
        grades for ``bump``, …).

        Raises
        ------
        ParameterError
            A referenced parameter has no value, or the values make the table invalid.
        """
        refs = self.parameter_refs()
        if not refs:
            return self
        missing = sorted(refs - set(values))
        if missing:
            raise ParameterError(f"table {self.id!r} needs values for the parameters {missing}")
        data = _substitute_refs(self.model_dump(mode="python"), values)
        try:
            return type(self).model_validate(data)
        except ValidationError as exc:
            given = ", ".join(f"{name}={values[name]!r}" for name in sorted(refs))
            problems = "; ".join(
                ".".join(str(key) for key in error["loc"])
                + ": "
                + str(error["msg"]).removeprefix("Value error, ")
                for error in exc.errors()
            )
            raise ParameterError(
                f"table {self.id!r} with {given} is not a valid table: {problems}"
            ) from None

    def _check_parameter_refs(self) -> list[str]:
        problems = []
        for where, text in _ref_sites(self):
            for match in PARAM_REF.finditer(text):
                name = match.group(1)
                spec = self.parameters.get(name)
                if spec is None:
                    problems.append(
                        f"{where}: parameter {name!r} is not declared"
                        f"{suggest(name, self.parameters)}"
                    )
                elif spec.type != "number":
                    problems.append(
                        f"{where}: parameter {name!r} is a {spec.type}, a number is needed"
                    )
        return problems

    # -- changing a table ---------------------------------------------------------------
    def with_changes(self, changes: Mapping[str, Any]) -> RuleTable:
        """A new, validated table: this one with ``changes`` applied.

        Parameters
        ----------
        changes:
            Field → new value. A key may be a dotted path (``"window.years"``,
            ``"classes.3.base_rate"``, ``"bands.payout.rows.2.interval"``): list items are
            named by position or by their ``id``. A dict value given for a mapping field
            is merged into it (``{"window": {"years": 3}}`` keeps ``lag_years``); any
            other value replaces the field.

        Raises
        ------
        RuleTableError
            If a path names nothing, or the changed table is invalid (the messages are
            those of :func:`ratefloat.rules.load_table`).

        Examples
        --------
        >>> from ratefloat.rules import load_table
        >>> table = load_table("cn-jiangsu-2023")
        >>> longer = table.with_changes({"window.years": 3})
        >>> (table.window.years, longer.window.years)
        (2, 3)
        """
        from .loader import validate_table  # the loader imports this module

        content = self.model_dump()
        for key, value in changes.items():
            _apply_change(content, _path_of(key), value, str(key))
        return validate_table(content, f"{self.id} with changes")

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> RuleTable:
        """A copy; with ``update`` (field → value), a new table validated like a loaded one.

        Raises
        ------
        RuleTableError
            If the updated table is invalid.
        """
        if not update:
            return super().model_copy(deep=deep)
        from .loader import validate_table

        unknown = sorted(str(key) for key in update if key not in type(self).model_fields)
        if unknown:
            raise RuleTableError(
                f"model_copy: {', '.join(unknown)} is not a field of a rule table"
                f"{suggest(unknown[0], type(self).model_fields)}"
            )
        return validate_table({**self.model_dump(), **update}, f"{self.id} copied with update")

    def _checked(self) -> RuleTable:
        """This table, or when its content changed since it was validated, a validated copy.

        Fields are frozen, but their lists and dicts can still be changed in place
        (``table.bands.append(...)``), and ``model_construct`` skips validation; such a
        table is validated and compiled again from what it now holds, or refused.
        """
        content = self.model_dump_json(warnings=False)
        if content == self._compiled_from:
            return self
        from .loader import validate_table

        fresh = validate_table(self.model_dump(warnings=False), f"{self.id} changed in place")
        self._expressions = fresh._expressions
        return fresh

    # -- derived views ------------------------------------------------------------------
    @property
    def all_indicators(self) -> dict[str, Indicator]:
        """The built-in indicators overlaid with the table's own definitions."""
        merged = dict(DEFAULT_INDICATORS)
        merged.update(self.indicators)
        return merged

    @property
    def moves_from_current(self) -> bool:
        """Whether any outcome or limit reads the employer's current grade."""
        outcomes = [rule.outcome for rule in self.eligibility] + [self.otherwise]
        for band in self.bands:
            outcomes += [row.outcome for row in band.rows] if band.rows else [band.outcome]
        stepped = any(outcome.step is not None for outcome in outcomes)
        return stepped or (self.movement is not None and self.movement.max_step is not None)

    def expressions(self) -> dict[str, Expression]:
        """Every compiled expression, keyed by ``<stage>.<rule id>`` (and ``indicator.<name>``).

        Always compiled from the table's current content (see :meth:`with_changes`).
        """
        return dict(self._checked()._expressions)

    def rule_ids(self) -> list[str]:
        """Every reason id the table can emit, in evaluation order."""
        ids = [rule.id for rule in self.eligibility]
        for band in self.bands:
            ids += band.row_ids() if band.rows else [band.id]
        ids.append("otherwise")
        ids += [m.id for m in self.modifiers]
        ids += [c.id for c in self.cuts]
        return ids

    def history_read(self) -> int:
        """The largest k of a ``<name>_y<k>`` the table reads (0 if it reads none)."""
        years = [
            int(match.group(1))
            for name in self.names_used()
            if (match := re.fullmatch(r".+_y(\d+)", name))
        ]
        return max(years, default=0)

    def names_used(self) -> set[str]:
        """All names read by the table's expressions and indicators."""
        used: set[str] = set()
        for expression in self.expressions().values():
            used.update(expression.names)
        for band in self.bands:
            if band.indicator:
                used.add(band.indicator)
        for indicator in self.all_indicators.values():
            if indicator.numerator:
                used.update((indicator.numerator, indicator.denominator or ""))
            if indicator.area_by:
                used.add(indicator.area_by)
        used.discard("")
        return used

    # -- checks -------------------------------------------------------------------------
    def _check_schedules(self) -> list[str]:
        problems = []
        spans = sorted(self.base_rates, key=lambda entry: entry.effective_from)
        for index, entry in enumerate(spans):
            missing = sorted(set(self.classes) - set(entry.rates or self.classes))
            if missing:
                problems.append(
                    f"base_rates from {entry.effective_from}: no rate for classes {missing}"
                )
            if entry.effective_to and entry.effective_to < entry.effective_from:
                problems.append(f"base_rates from {entry.effective_from}: ends before it starts")
            if index + 1 < len(spans):
                following = spans[index + 1].effective_from
                if entry.effective_to is None or entry.effective_to >= following:
                    problems.append(
                        f"base_rates from {entry.effective_from} and from {following} overlap"
                    )
        for cut in self.cuts:
            unknown = sorted(set(cut.classes or []) - set(self.classes))
            if unknown:
                problems.append(f"cuts '{cut.id}': classes {unknown} are not in classes")
            if cut.effective_to and cut.effective_to < cut.effective_from:
                problems.append(f"cuts '{cut.id}': ends before it starts")
        for name, indicator in self.indicators.items():
            if indicator.area_figure and indicator.area_figure not in self.parameters:
                problems.append(
                    f"indicators.{name}.area_figure: parameter {indicator.area_figure!r} is not "
                    f"declared{suggest(indicator.area_figure, self.parameters)}"
                )
        return problems

    def __repr__(self) -> str:
        return (
            f"RuleTable(id={self.id!r}, version={self.version!r}, classes={len(self.classes)}, "
            f"bands={len(self.bands)}, parameters={len(self.parameters)})"
        )

    def _repr_html_(self) -> str:
        from ..display import html_card

        facts = {
            "name": self.name,
            "jurisdiction": self.jurisdiction,
            "version": self.version,
            "effective": f"{self.effective_from or '…'} – {self.effective_to or '…'}",
            "window": f"{self.window.years} year(s), lag {self.window.lag_years}",
            "parameters": ", ".join(sorted(self.parameters)) or "none",
            "rules": ", ".join(self.rule_ids()),
        }
        return html_card(f"Rule table {self.id}", facts)

    def base_rates_on(self, day: dt.date) -> dict[int, float]:
        """Base rate of every class on ``day``: the dated schedule covering it, else the
        classes' own ``base_rate``; base cuts in force are applied."""
        rates = {number: spec.base_rate for number, spec in self.classes.items()}
        for entry in self.base_rates:
            if entry.effective_from <= day and (
                entry.effective_to is None or day <= entry.effective_to
            ):
                if entry.rates is None:
                    raise ParameterError(_unknown_rates_message(self.id, day, entry))
                rates.update(entry.rates)
        for cut in self.cuts_on(day, "base"):
            for number in cut.classes or list(rates):
                rates[number] = rates[number] * cut.factor
        return rates

    def cuts_on(self, day: dt.date, applies_to: str) -> list[Cut]:
        """The cuts in force on ``day`` that apply to the ``base`` or to the ``rate``."""
        return [cut for cut in self.cuts if cut.applies_to == applies_to and cut.in_force(day)]

    def _check_rule_ids(self) -> list[str]:
        seen: dict[str, str] = {}
        problems = []
        stages = [("eligibility", r.id) for r in self.eligibility]
        for band in self.bands:
            stages.append(("bands", band.id))
            stages += [("bands", rid) for rid in (band.row_ids() if band.rows else [])]
        stages += [("modifiers", m.id) for m in self.modifiers]
        stages += [("cuts", c.id) for c in self.cuts]
        for stage, rule_id in stages:
            if rule_id in seen or rule_id == "otherwise":
                problems.append(f"{stage}: rule id {rule_id!r} is used twice; ids must be unique")
            seen[rule_id] = stage
        return problems

    def _check_grades(self) -> list[str]:
        lowest = min(ladder.lowest for ladder in self.ladders.values())
        highest = max(ladder.highest for ladder in self.ladders.values())
        problems = []

        def check(where: str, grade: int | None) -> None:
            if grade is not None and not lowest <= grade <= highest:
                problems.append(
                    f"{where}: grade {grade} is on no ladder (ladders span {lowest}..{highest})"
                )

        for rule in self.eligibility:
            check(f"eligibility '{rule.id}'", rule.outcome.grade)
        for band in self.bands:
            check(f"bands '{band.id}'", band.grade)
            for row_id, row in zip(band.row_ids(), band.rows or [], strict=False):
                check(f"bands '{band.id}' row '{row_id}'", row.grade)
        check("otherwise", self.otherwise.grade)
        for modifier in self.modifiers:
            check(f"modifiers '{modifier.id}'", modifier.grade)
        return problems

    def _check_reachability(self) -> list[str]:
        problems = []
        if self.combine != "first":
            return problems
        for stage, rules in (("eligibility", self.eligibility), ("bands", self.bands)):
            for index, rule in enumerate(rules[:-1]):
                guard = (rule.when or "true").strip().lower()
                if guard == "true" and not getattr(rule, "rows", None):
                    later = ", ".join(f"'{r.id}'" for r in rules[index + 1 :])
                    problems.append(
                        f"{stage} '{rule.id}' always matches, so {later} can never fire "
                        "(first match wins); move it last or narrow its condition"
                    )
        return problems

    def _compile_expressions(self) -> None:
        names = expression_names(self)
        compiled: dict[str, Expression] = {}
        numeric = [n for n, k in names.items() if k == Kind.NUMBER]
        for name, indicator in self.indicators.items():
            if indicator.expr is not None:
                compiled[f"indicator.{name}"] = parse_expression(
                    indicator.expr, names, expect=Kind.NUMBER, where=f"indicators.{name}.expr"
                )
            if indicator.area_by is not None and names.get(indicator.area_by) != Kind.NUMBER:
                raise ExpressionError(
                    f"indicators.{name}.area_by: {indicator.area_by!r} is not a numeric column"
                    f"{suggest(indicator.area_by, numeric)}"
                )
            for part in ("numerator", "denominator"):
                column = getattr(indicator, part)
                if column is not None and names.get(column) != Kind.NUMBER:
                    raise ExpressionError(
                        f"indicators.{name}.{part}: {column!r} is not a numeric column"
                        f"{suggest(column, [n for n, k in names.items() if k == Kind.NUMBER])}"
                    )
        for rule in self.eligibility:
            compiled[f"eligibility.{rule.id}"] = parse_expression(
                rule.when, names, where=f"eligibility '{rule.id}' (when)"
            )
        for band in self.bands:
            if band.when is not None:
                compiled[f"bands.{band.id}"] = parse_expression(
                    band.when, names, where=f"bands '{band.id}' (when)"
                )
            if band.indicator is not None and names.get(band.indicator) != Kind.NUMBER:
                numeric = [n for n, k in names.items() if k == Kind.NUMBER]
                raise ExpressionError(
                    f"bands '{band.id}' (indicator): {band.indicator!r} is not a numeric indicator"
                    f"{suggest(band.indicator, numeric)}"
                )
        for key, expression in compiled.items():
            if "band_grade" in expression.names:
                raise ExpressionError(
                    f"{key}: band_grade (the grade the bands gave) can be read only in "
                    "modifiers, which run after the bands"
                )
        for modifier in self.modifiers:
            compiled[f"modifiers.{modifier.id}"] = parse_expression(
                modifier.when, names, where=f"modifiers '{modifier.id}' (when)"
            )
        for column in self.monotone_in:
            if column not in names:
                raise ExpressionError(
                    f"monotone_in: unknown column {column!r}{suggest(column, names)}"
                )
        self._expressions = compiled


def _path_of(key: Any) -> list[Any]:
    return key.split(".") if isinstance(key, str) else [key]


def _apply_change(content: Any, path: list[Any], value: Any, where: str) -> None:
    """Set ``value`` at ``path`` in plain table content; dicts merge into mappings."""
    node = content
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(node, list):
            index = _list_index(node, part, where)
            if last:
                node[index] = _merged(node[index], value, where)
                return
            node = node[index]
        elif isinstance(node, dict):
            key = _dict_key(node, part)
            if last:
                node[key] = _merged(node.get(key), value, where)
                return
            if node.get(key) is None:
                node[key] = {}
            node = node[key]
        else:
            shown = ".".join(str(p) for p in path[:depth])
            raise RuleTableError(f"with_changes: {where!r}: {shown} holds a single value")


def _merged(current: Any, value: Any, where: str) -> Any:
    if isinstance(value, Mapping) and isinstance(current, (dict, list)):
        for key, item in value.items():
            _apply_change(current, _path_of(key), item, where)
        return current
    return value


def _dict_key(node: dict[Any, Any], part: Any) -> Any:
    """``part`` as a key of ``node``: numeric keys (classes, grades) are given as text."""
    if part in node or not isinstance(part, str):
        return part
    try:
        number = int(part)
    except ValueError:
        return part
    return number if number in node or all(isinstance(k, int) for k in node) else part


def _list_index(node: list[Any], part: Any, where: str) -> int:
    """A list item by position, or by the ``id`` of the item (rules, rows, cuts)."""
    if isinstance(part, int) or (isinstance(part, str) and part.lstrip("-").isdigit()):
        index = int(part)
        if -len(node) <= index < len(node):
            return index % len(node)
        raise RuleTableError(
            f"with_changes: {where!r}: there is no item {index} (the list has {len(node)})"
        )
    ids = [item.get("id") for item in node if isinstance(item, dict)]
    if part in ids:
        return ids.index(part)
    raise RuleTableError(
        f"with_changes: {where!r}: no item has the id {part!r}{suggest(str(part), ids)}"
    )


def _has_refs(grades: Mapping[int, Any]) -> bool:
    return any(isinstance(value, str) for value in grades.values())


def _ref_sites(table: RuleTable) -> list[tuple[str, str]]:
    """``(where, text)`` of every number of ``table`` written as, or holding, ``$name``."""
    sites: list[tuple[str, str]] = []
    if isinstance(table.window.years, str):
        sites.append(("window.years", table.window.years))
    for name, ladder in table.ladders.items():
        sites += [
            (f"ladders.{name}.grades.{grade}", value)
            for grade, value in ladder.grades.items()
            if isinstance(value, str)
        ]
    for modifier in table.modifiers:
        if isinstance(modifier.by, str):
            sites.append((f"modifiers '{modifier.id}' (by)", modifier.by))
    for band in table.bands:
        for index, row in enumerate(band.rows or []):
            if "$" in row.interval:
                sites.append((f"bands '{band.id}' row {index + 1} (interval)", row.interval))
    return sites


def _substitute_refs(data: dict[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` (a dumped table) with ``$name`` replaced by ``values[name]``."""

    def number(text: str) -> float:
        return values[PARAM_REF.fullmatch(text).group(1)]  # type: ignore[union-attr]

    def in_text(text: str) -> str:
        return PARAM_REF.sub(lambda match: repr(float(values[match.group(1)])), text)

    if isinstance(data["window"]["years"], str):
        data["window"]["years"] = number(data["window"]["years"])
    for ladder in data["ladders"].values():
        ladder["grades"] = {
            grade: number(value) if isinstance(value, str) else value
            for grade, value in ladder["grades"].items()
        }
    for modifier in data["modifiers"]:
        if isinstance(modifier["by"], str):
            modifier["by"] = number(modifier["by"])
    for band in data["bands"]:
        for row in band["rows"] or []:
            row["interval"] = in_text(row["interval"])
    return data


def _unknown_rates_message(table_id: str, day: dt.date, entry: BaseRateSchedule) -> str:
    span = f"{entry.effective_from} … {entry.effective_to or 'open'}"
    why = f": {entry.note}" if entry.note else ""
    return (
        f"table {table_id!r} does not know the base rates in force on {day} (span {span}{why}); "
        "rate as of another date, or add the span's rates to a copy of the table"
    )


#: Names every table can read besides columns, indicators and parameters.
DERIVED_NAMES: dict[str, str] = {
    "insured_months": "whole months from insured_since to as_of",
    "years_observed": "number of years with a row in the window",
    "base_rate": "the class's base rate",
    "band_grade": "the grade the bands gave (readable in modifiers only)",
}


def expression_names(table: RuleTable) -> dict[str, Kind]:
    """Every name an expression of ``table`` may read, with its kind.

    Aggregated columns of the vocabulary and of ``table.inputs``, the derived names
    (:data:`DERIVED_NAMES`), the indicators, each of those with a ``prev_`` prefix for the
    previous window, and the table's parameters.
    """
    names: dict[str, Kind] = {}
    for spec in COLUMNS:
        if spec.aggregate == Aggregate.NONE or spec.kind in (ColumnKind.TEXT, ColumnKind.DATE):
            continue
        names[spec.name] = Kind.BOOL if spec.kind == ColumnKind.FLAG else Kind.NUMBER
    for name, spec in table.inputs.items():
        names[name] = Kind.BOOL if spec.kind == "flag" else Kind.NUMBER
    for name in DERIVED_NAMES:
        names[name] = Kind.NUMBER
    for name in table.all_indicators:
        names[name] = Kind.NUMBER
    not_windowed = ("insured_months", "base_rate", "band_grade")
    window_names = {n: k for n, k in names.items() if n not in not_windowed}
    for name, kind in window_names.items():
        names[f"prev_{name}"] = kind
    for year in range(1, table.window.history_years + 1):
        for name, kind in window_names.items():
            if name != "years_observed":
                names[f"{name}_y{year}"] = kind
    kinds = {"number": Kind.NUMBER, "bool": Kind.BOOL, "list": Kind.LIST}
    for name, parameter in table.parameters.items():
        names[name] = kinds[parameter.type]
    return names
