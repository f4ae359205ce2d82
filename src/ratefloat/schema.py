"""Column vocabulary of extracts and the vectorised input validation.

One declarative table, :data:`COLUMNS`, says for every known column what it means (with
the Chinese term), its type, whether it may be negative and how it is aggregated over
the experience window. Validation, window aggregation, the docs and the hypothesis
strategies all read this one table, so they cannot drift apart.

:func:`validate_extract` turns a raw employer-year frame into clean numpy columns plus a
frame of failure cases. A failure in any row rejects that row's employer (one bad year
makes the window's indicators wrong), and the rest of the population goes on.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from numbers import Number, Real
from typing import Any

import numpy as np
import pandas as pd

from .errors import RejectReason, SchemaError, display_text, empty_rejects, reject_frame
from .fixed_width import FixedWidthKeys, fixed_width_keys
from .ids import WHITESPACE, count_lookalike_ids, normalise_employer_ids

__all__ = [
    "ColumnKind",
    "Aggregate",
    "ColumnSpec",
    "COLUMNS",
    "CORE_COLUMNS",
    "column_spec",
    "ValidatedExtract",
    "YearRows",
    "validate_extract",
    "check_unique_columns",
    "employer_codes",
    "EmployerCodes",
    "YEAR_RANGE",
    "MAX_MAGNITUDE",
]


class ColumnKind(StrEnum):
    """How a column's values are checked and stored."""

    ID = "id"  #: text key
    YEAR = "year"  #: calendar year (integer)
    CLASS = "class"  #: risk class (integer)
    COUNT = "count"  #: non-negative whole number
    MONEY = "money"  #: non-negative amount in yuan
    MEASURE = "measure"  #: non-negative real number (e.g. headcount average)
    NUMBER = "number"  #: any real number
    INTEGER = "integer"  #: any whole number (e.g. a grade offset)
    FLAG = "flag"  #: yes/no
    DATE = "date"  #: a calendar date
    TEXT = "text"  #: free text (e.g. an industry code)


class Aggregate(StrEnum):
    """How a column is combined over the years of the window, per employer."""

    SUM = "sum"
    MEAN = "mean"
    ANY = "any"  #: a flag set in any year
    LAST = "last"  #: the value of the latest year in the window
    MAX = "max"
    MIN = "min"
    NONE = "none"  #: not aggregated (keys)


@dataclass(frozen=True)
class ColumnSpec:
    """What one extract column means and how it is checked and aggregated."""

    name: str
    kind: ColumnKind
    aggregate: Aggregate
    description: str
    zh: str
    required: bool = False
    aliases: tuple[str, ...] = field(default=())


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "employer_id",
        ColumnKind.ID,
        Aggregate.NONE,
        "employer key",
        "单位编号",
        True,
        aliases=("单位编码", "用人单位编号", "参保单位编号", "单位代码"),
    ),
    ColumnSpec(
        "year",
        ColumnKind.YEAR,
        Aggregate.NONE,
        "experience year of the row",
        "考核年度",
        True,
        aliases=("年度", "考核年份", "年份"),
    ),
    ColumnSpec(
        "risk_class",
        ColumnKind.CLASS,
        Aggregate.LAST,
        "industry risk class",
        "行业风险类别",
        True,
        aliases=("行业类别", "风险类别"),
    ),
    ColumnSpec(
        "avg_insured",
        ColumnKind.MEASURE,
        Aggregate.MEAN,
        "average insured headcount",
        "平均参保人数",
        True,
        aliases=("年平均参保人数",),
    ),
    ColumnSpec(
        "contributions",
        ColumnKind.MONEY,
        Aggregate.SUM,
        "premiums actually paid",
        "实缴工伤保险费",
        True,
        aliases=("实缴金额", "实缴保险费"),
    ),
    ColumnSpec(
        "payouts",
        ColumnKind.MONEY,
        Aggregate.SUM,
        "fund benefits paid for the employer's injuries",
        "基金支付待遇",
        True,
        aliases=("基金支付", "基金支付金额", "工伤保险基金支付"),
    ),
    ColumnSpec(
        "injuries",
        ColumnKind.COUNT,
        Aggregate.SUM,
        "recognised work injuries",
        "认定工伤人数",
        True,
        aliases=("工伤人数", "认定工伤数"),
    ),
    ColumnSpec(
        "deaths", ColumnKind.COUNT, Aggregate.SUM, "work deaths", "工亡人数", aliases=("死亡人数",)
    ),
    ColumnSpec(
        "disability_1_4",
        ColumnKind.COUNT,
        Aggregate.SUM,
        "disabilities assessed grade 1-4",
        "一至四级伤残",
    ),
    ColumnSpec(
        "disability_5_6",
        ColumnKind.COUNT,
        Aggregate.SUM,
        "disabilities assessed grade 5-6",
        "五至六级伤残",
    ),
    ColumnSpec(
        "disability_7_10",
        ColumnKind.COUNT,
        Aggregate.SUM,
        "disabilities assessed grade 7-10",
        "七至十级伤残",
    ),
    ColumnSpec(
        "occupational_disease",
        ColumnKind.COUNT,
        Aggregate.SUM,
        "occupational-disease cases",
        "职业病",
    ),
    ColumnSpec(
        "payroll",
        ColumnKind.MONEY,
        Aggregate.SUM,
        "contribution base total",
        "缴费工资总额",
        aliases=("缴费基数总额",),
    ),
    ColumnSpec(
        "premium_at_base",
        ColumnKind.MONEY,
        Aggregate.SUM,
        "premiums due at the class base rate",
        "按基准费率应缴费",
    ),
    ColumnSpec(
        "arrears",
        ColumnKind.FLAG,
        Aggregate.ANY,
        "contribution arrears in the year",
        "欠缴工伤保险费",
    ),
    ColumnSpec(
        "fraud", ColumnKind.FLAG, Aggregate.ANY, "benefit fraud established", "骗取工伤保险待遇"
    ),
    ColumnSpec(
        "concealment",
        ColumnKind.FLAG,
        Aggregate.ANY,
        "payroll or headcount under-reported",
        "瞒报工资总额或职工人数",
    ),
    ColumnSpec(
        "no_down_event",
        ColumnKind.FLAG,
        Aggregate.ANY,
        "an event the table lists as barring a down-float",
        "不得下浮情形",
    ),
    ColumnSpec(
        "safety_level",
        ColumnKind.INTEGER,
        Aggregate.LAST,
        "work-safety standardisation level (1-3, 0 none)",
        "安全生产标准化等级",
    ),
    ColumnSpec(
        "insured_since",
        ColumnKind.DATE,
        Aggregate.MIN,
        "first insured date",
        "参保日期",
        aliases=("首次参保日期",),
    ),
    ColumnSpec(
        "current_grade",
        ColumnKind.INTEGER,
        Aggregate.LAST,
        "grade paid now (offset from base)",
        "现行档次",
    ),
    ColumnSpec(
        "current_rate",
        ColumnKind.NUMBER,
        Aggregate.LAST,
        "rate paid now (fraction of payroll)",
        "现行费率",
    ),
    ColumnSpec(
        "industry_code",
        ColumnKind.TEXT,
        Aggregate.LAST,
        "GB/T 4754 industry code",
        "行业代码",
        aliases=("国民经济行业代码",),
    ),
)

_BY_NAME = {spec.name: spec for spec in COLUMNS}

#: Columns every extract must have.
CORE_COLUMNS: tuple[str, ...] = tuple(spec.name for spec in COLUMNS if spec.required)


def column_spec(name: str) -> ColumnSpec | None:
    """The built-in spec of a column, or ``None`` if the name is not in the vocabulary."""
    return _BY_NAME.get(name)


_FLAG_TEXT = {
    "true": True,
    "false": False,
    "t": True,
    "f": False,
    "yes": True,
    "no": False,
    "y": True,
    "n": False,
    "1": True,
    "0": False,
    "是": True,
    "否": False,
    "1.0": True,
    "0.0": False,
}


#: Calendar years an extract's rows may have (inclusive); dates are checked against the same.
YEAR_RANGE = (1900, 2200)

#: Numbers beyond this magnitude are rejected: sums of five such years still add exactly
#: to the fen in float64, and no employer pays or is paid a quadrillion yuan.
MAX_MAGNITUDE = 1e15


class YearRows:
    """The input rows of each calendar year, with their employer codes, in employer order.

    Rows without an employer or with a year outside :data:`YEAR_RANGE` (rejected by
    validation) are left out.

    Built once per extract: one scan per distinct year when there are few of them (the
    usual extract spans a handful of years), else a stable radix sort of the years.
    """

    #: Up to this many distinct years, scanning per year beats sorting.
    SCAN_LIMIT = 16

    def __init__(self, codes: np.ndarray, years: np.ndarray, n_employers: int) -> None:
        self.n_employers = n_employers
        with np.errstate(invalid="ignore"):
            usable = (codes >= 0) & (years >= YEAR_RANGE[0]) & (years <= YEAR_RANGE[1])
        positions = np.flatnonzero(usable)
        year_values = years[positions].astype(np.int16)
        self._rows: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        if not len(year_values):
            return
        low = int(year_values.min())
        present = np.flatnonzero(np.bincount(year_values - low)) + low
        if len(present) <= self.SCAN_LIMIT:
            for year in present.tolist():
                rows = positions[year_values == year]
                self._rows[year] = self._in_employer_order(rows, codes[rows])
            return
        order = np.argsort(year_values, kind="stable")
        sorted_years = year_values[order]
        distinct, starts = np.unique(sorted_years, return_index=True)
        ends = np.append(starts[1:], len(sorted_years))
        for year, start, end in zip(distinct.tolist(), starts, ends, strict=True):
            rows = positions[order[start:end]]
            self._rows[year] = self._in_employer_order(rows, codes[rows])

    def _in_employer_order(
        self, rows: np.ndarray, row_codes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """One year's rows by employer code (an employer's rows in input order): the
        per-employer sums are then written in order rather than scattered, which on
        unsorted extracts is faster than anything it costs here."""
        if len(row_codes) < 2 or (row_codes[1:] > row_codes[:-1]).all():
            return rows, row_codes
        slot = np.full(self.n_employers, -1, dtype=np.int64)
        slot[row_codes] = np.arange(len(row_codes))
        order = slot[slot >= 0]
        if len(order) != len(row_codes):  # an employer twice in the year (rejected)
            order = np.argsort(row_codes, kind="stable")
        return rows[order], row_codes[order]

    @property
    def years(self) -> list[int]:
        """The calendar years present, ascending."""
        return sorted(self._rows)

    def of(self, year: int) -> tuple[np.ndarray, np.ndarray]:
        """Row positions and employer codes of ``year`` (empty arrays if none)."""
        empty = np.array([], dtype=np.int64)
        return self._rows.get(year, (empty, empty))


class _DistinctIds:
    """``employer_ids`` of a class holding them as Arrow text (``_arrow_ids``) and turning
    them into Python strings (``employer_texts``) only when all of them are asked for:
    a million Python strings cost time under the GIL and memory."""

    employer_texts: np.ndarray | None

    def _arrow_ids(self) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def employer_ids(self) -> np.ndarray:
        """The distinct employer ids, sorted by code point (position = employer code)."""
        if self.employer_texts is None:
            texts = self._arrow_ids().to_numpy(zero_copy_only=False).astype(object, copy=False)
            object.__setattr__(self, "employer_texts", texts)
        return self.employer_texts

    @property
    def n_employers(self) -> int:
        """How many distinct employer ids."""
        if self.employer_texts is not None:
            return len(self.employer_texts)
        return len(self._arrow_ids())

    def ids_at(self, positions: np.ndarray) -> np.ndarray:
        """The ids at ``positions`` (employer codes, or a mask over the employers)."""
        if self.employer_texts is not None:
            return self.employer_texts[positions]
        import pyarrow as pa

        positions = np.asarray(positions)
        if positions.dtype == bool:
            positions = np.flatnonzero(positions)
        chosen = self._arrow_ids().take(pa.array(positions, type=pa.int64()))
        return chosen.to_numpy(zero_copy_only=False).astype(object, copy=False)


@dataclass
class ValidatedExtract(_DistinctIds):
    """The clean columns of an extract and the failure cases found.

    Attributes
    ----------
    employer_texts:
        The distinct employer ids, sorted (position = employer code), or None while they
        are only held as Arrow text (``employer_ids_arrow``); read them as
        ``employer_ids``, or some of them with ``ids_at``.
    codes:
        For every input row, the position of its employer in ``employer_ids``; -1 for
        rows without an employer id.
    columns:
        Clean numpy arrays, one per validated column, aligned with the input rows
        (dates as ``datetime64[D]``, flags as ``bool``, whole-number columns in their
        integer dtype, other numbers as ``float64``).
    failures:
        Every failure case found (one row per cell), in the standard rejects format.
    rejected:
        Boolean mask over employers: rejected by at least one failure.
    year_rows:
        The rows of each calendar year (rows with a usable employer and year).
    lookalike_ids:
        Distinct employer ids equal to another one up to width, case and whitespace
        (see :func:`ratefloat.ids.count_lookalike_ids`).
    """

    employer_texts: np.ndarray | None
    codes: np.ndarray
    columns: dict[str, np.ndarray]
    failures: pd.DataFrame
    rejected: np.ndarray
    year_rows: YearRows
    lookalike_ids: int = 0
    #: ``employer_ids`` as a pyarrow string array, when the ids were coded in Arrow.
    employer_ids_arrow: Any = None

    def _arrow_ids(self) -> Any:
        return self.employer_ids_arrow


def validate_extract(
    frame: pd.DataFrame,
    *,
    required: Iterable[str] = CORE_COLUMNS,
    optional: Iterable[str] = (),
    extra_specs: Sequence[ColumnSpec] = (),
    known_classes: Iterable[int] | None = None,
    what_needs: dict[str, str] | None = None,
) -> ValidatedExtract:
    """Check an employer-year extract column by column, vectorised.

    Parameters
    ----------
    frame:
        Employer-year rows.
    required:
        Columns that must exist. A missing one raises :class:`SchemaError`.
    optional:
        Columns validated when present.
    extra_specs:
        Specs of table-specific columns that are not in :data:`COLUMNS`.
    known_classes:
        Risk classes the rule table knows; others are rejected (``UNKNOWN_CLASS``).
    what_needs:
        For messages: column → the rule that needs it.

    Raises
    ------
    SchemaError
        If ``frame`` is not a DataFrame or a required column is missing.
    """
    if not isinstance(frame, pd.DataFrame):
        raise SchemaError(
            f"the extract must be a pandas DataFrame of employer-year rows, "
            f"got {type(frame).__name__}"
        )
    specs = dict(_BY_NAME)
    specs.update({spec.name: spec for spec in extra_specs})
    required = list(dict.fromkeys(required))
    missing = [name for name in required if name not in frame.columns]
    if missing:
        raise SchemaError(_missing_message(missing, specs, what_needs or {}, frame.columns))
    wanted = required + [
        n for n in dict.fromkeys(optional) if n in frame.columns and n not in required
    ]
    check_unique_columns(frame, wanted)

    failures: list[pd.DataFrame] = []
    n_rows = len(frame)
    row_labels = np.arange(n_rows, dtype=np.int64)

    ids = employer_codes(frame["employer_id"])
    codes = ids.codes
    present = codes >= 0
    for reason, mask, message in (
        (
            RejectReason.MISSING_EMPLOYER_ID,
            ids.missing,
            "row has no employer_id, so it cannot be attributed to an employer",
        ),
        (
            RejectReason.INVALID_EMPLOYER_ID,
            ids.invalid,
            "employer_id must be text or a whole number (not a fraction, flag, date or "
            "text with unpaired surrogates)",
        ),
    ):
        if mask.any():
            failures.append(
                reject_frame(
                    np.full(int(mask.sum()), None, dtype=object),
                    reason,
                    "employer_id",
                    frame["employer_id"].to_numpy()[mask],
                    row_labels[mask],
                    message,
                )
            )

    columns: dict[str, np.ndarray] = {}
    for name in wanted:
        if name == "employer_id":
            continue
        spec = specs.get(name) or ColumnSpec(name, ColumnKind.NUMBER, Aggregate.SUM, name, name)
        values, problems = _clean_column(frame[name], spec)
        columns[name] = values
        for reason, mask, message in problems:
            mask = mask & present
            if mask.any():
                failures.append(
                    reject_frame(
                        ids.ids_at(codes[mask]),
                        reason,
                        name,
                        frame[name].to_numpy()[mask],
                        row_labels[mask],
                        message,
                    )
                )

    if known_classes is not None and "risk_class" in columns:
        classes = np.asarray(sorted(known_classes), dtype=float)
        risk = columns["risk_class"]
        unknown = present & ~np.isnan(risk) & ~np.isin(risk, classes)
        if unknown.any():
            listed = ", ".join(str(int(c)) for c in classes)
            failures.append(
                reject_frame(
                    ids.ids_at(codes[unknown]),
                    RejectReason.UNKNOWN_CLASS,
                    "risk_class",
                    frame["risk_class"].to_numpy()[unknown],
                    row_labels[unknown],
                    f"risk_class is not one of the table's classes ({listed})",
                )
            )

    year_rows = YearRows(codes, columns["year"], ids.n_employers)
    duplicate = _duplicate_years(year_rows, len(codes))
    if duplicate.any():
        failures.append(
            reject_frame(
                ids.ids_at(codes[duplicate]),
                RejectReason.DUPLICATE_EMPLOYER_YEAR,
                "year",
                frame["year"].to_numpy()[duplicate],
                row_labels[duplicate],
                "another row has the same employer_id and year",
            )
        )

    failure_frame = pd.concat(failures, ignore_index=True) if failures else empty_rejects()
    rejected = np.zeros(ids.n_employers, dtype=bool)
    if len(failure_frame):
        bad_rows = failure_frame["row"].to_numpy()
        bad_codes = codes[bad_rows]
        rejected[bad_codes[bad_codes >= 0]] = True
    return ValidatedExtract(
        ids.employer_texts,
        codes,
        columns,
        failure_frame,
        rejected,
        year_rows,
        ids.lookalikes,
        ids.arrow,
    )


def check_unique_columns(frame: pd.DataFrame, names: Iterable[str]) -> None:
    """Raise :class:`SchemaError` if a column the run reads appears more than once.

    Which copy holds the right values is anybody's guess, so no copy is used. Duplicates
    of columns the run does not read are left alone.
    """
    counts = frame.columns.value_counts()
    repeated = [name for name in dict.fromkeys(names) if counts.get(name, 0) > 1]
    if repeated:
        listed = ", ".join(f"{name!r} ({counts[name]} times)" for name in repeated)
        raise SchemaError(
            f"the extract has duplicate columns: {listed}; keep one of each "
            "(e.g. frame.loc[:, ~frame.columns.duplicated()] keeps the first)"
        )


Problem = tuple[RejectReason, np.ndarray, str]

_NONNEGATIVE = (ColumnKind.COUNT, ColumnKind.MONEY, ColumnKind.MEASURE, ColumnKind.CLASS)
_WHOLE = (ColumnKind.COUNT, ColumnKind.YEAR, ColumnKind.CLASS, ColumnKind.INTEGER)


def _clean_column(series: pd.Series, spec: ColumnSpec) -> tuple[np.ndarray, list[Problem]]:
    """Coerce one column to its clean numpy form and list its problems as row masks."""
    kind = spec.kind
    if kind == ColumnKind.DATE:
        return _clean_dates(series, spec)
    if kind == ColumnKind.FLAG:
        return _clean_flags(series, spec)
    if kind == ColumnKind.TEXT:
        missing = _missing_text(series)
        text = series.astype(object).to_numpy(copy=False)
        return text, [(RejectReason.MISSING_VALUE, missing, f"{spec.name} is empty")]

    raw = series.to_numpy(copy=False)
    if raw.dtype.kind in "iu":
        return _clean_integers(raw, spec)
    values, not_numeric = _numbers(series, raw)
    low, high = (values.min(), values.max()) if len(values) else (0.0, 0.0)
    if low >= -MAX_MAGNITUDE and high <= MAX_MAGNITUDE:
        # No NaN (min and max would be NaN), no infinity, nothing huge: two passes instead
        # of a mask per problem, the usual case of a clean float column.
        problems: list[Problem] = []
        if kind in _NONNEGATIVE and low < 0:
            problems.append(_negative(values, spec))
        if kind in _WHOLE:
            problems.append(_fractional(values, spec))
        if kind == ColumnKind.YEAR and (low < YEAR_RANGE[0] or high > YEAR_RANGE[1]):
            problems.append(_implausible_years(values))
        return values, problems
    missing = np.isnan(values) & ~not_numeric
    problems = [
        (RejectReason.NOT_NUMERIC, not_numeric, f"{spec.name} ({spec.zh}) is not a number"),
        (RejectReason.MISSING_VALUE, missing, f"{spec.name} ({spec.zh}) is empty"),
    ]
    with np.errstate(invalid="ignore"):
        huge = ~np.isnan(values) & ~(np.abs(values) <= MAX_MAGNITUDE)
    problems.append(
        (RejectReason.OUT_OF_RANGE, huge, f"{spec.name} is infinite or beyond ±{MAX_MAGNITUDE:g}")
    )
    if kind in _NONNEGATIVE:
        problems.append(_negative(values, spec))
    if kind in _WHOLE:
        problems.append(_fractional(values, spec))
    if kind == ColumnKind.YEAR:
        problems.append(_implausible_years(values))
    return values, problems


def _negative(values: np.ndarray, spec: ColumnSpec) -> Problem:
    with np.errstate(invalid="ignore"):
        mask = values < 0  # False for NaN; -inf is also out of range
    return RejectReason.NEGATIVE_VALUE, mask, f"{spec.name} ({spec.zh}) is negative"


def _fractional(values: np.ndarray, spec: ColumnSpec) -> Problem:
    with np.errstate(invalid="ignore"):
        mask = np.isfinite(values) & (values != np.floor(values))
    return RejectReason.NOT_INTEGER, mask, f"{spec.name} ({spec.zh}) is not a whole number"


def _implausible_years(values: np.ndarray) -> Problem:
    with np.errstate(invalid="ignore"):
        mask = (values < YEAR_RANGE[0]) | (values > YEAR_RANGE[1])  # NaN: neither
    return RejectReason.OUT_OF_RANGE, mask, _YEAR_MESSAGE


_YEAR_MESSAGE = f"year is not a calendar year ({YEAR_RANGE[0]}-{YEAR_RANGE[1]})"


def _numbers(series: pd.Series, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A column as float64 (NaN where empty or not a number) and its not-a-number mask.

    Real numbers and numeric text count; booleans, complex numbers, dates and durations
    do not (a money column of ``True`` or ``5+7j`` is a mistake, not 1 or 5 yuan).
    """
    if raw.dtype.kind == "f":
        return raw.astype(np.float64, copy=False), np.zeros(len(raw), dtype=bool)
    missing = np.asarray(series.isna(), dtype=bool)
    if raw.dtype.kind in "bcmM" or pd.api.types.is_bool_dtype(series.dtype):
        return np.full(len(raw), np.nan), ~missing
    values = None
    if raw.dtype.kind != "O" or pd.api.types.infer_dtype(raw, skipna=True) in _PLAIN_NUMBERS:
        try:
            coerced = pd.to_numeric(series, errors="coerce")
        except (OverflowError, TypeError, ValueError):
            coerced = None
        if coerced is not None and coerced.dtype.kind in "iuf":
            values = coerced.to_numpy(dtype=np.float64, na_value=np.nan)
    if values is None:
        values = _numbers_one_by_one(raw.astype(object, copy=False), missing)
    return values, np.isnan(values) & ~missing


_PLAIN_NUMBERS = ("floating", "integer", "mixed-integer-float", "decimal", "string", "empty")


def _numbers_one_by_one(raw: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Mixed object columns, value by value: the rare case of a dirty extract."""
    values = np.full(len(raw), np.nan)
    texts = np.zeros(len(raw), dtype=bool)
    for position, value in enumerate(raw):
        if missing[position] or isinstance(value, (bool, np.bool_)):
            continue
        if isinstance(value, str):
            texts[position] = True
        elif isinstance(value, Number) and not isinstance(value, (complex, np.complexfloating)):
            try:
                values[position] = float(value)
            except OverflowError:  # a Python int beyond the float range
                values[position] = np.inf if value > 0 else -np.inf
    if texts.any():
        strings = pd.Series(raw[texts], dtype=object)
        values[texts] = pd.to_numeric(strings, errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
    return values


def _clean_integers(raw: np.ndarray, spec: ColumnSpec) -> tuple[np.ndarray, list[Problem]]:
    """An integer column cannot be empty, fractional or infinite: signs, sizes and years."""
    problems: list[Problem] = []
    if spec.kind in _NONNEGATIVE and raw.dtype.kind == "i":
        problems.append(
            (RejectReason.NEGATIVE_VALUE, raw < 0, f"{spec.name} ({spec.zh}) is negative")
        )
    if raw.dtype.itemsize >= 8:
        limit = int(MAX_MAGNITUDE)
        huge = (raw > limit) | (raw < -limit) if raw.dtype.kind == "i" else raw > limit
        problems.append((RejectReason.OUT_OF_RANGE, huge, f"{spec.name} is beyond ±{limit:g}"))
    if spec.kind == ColumnKind.YEAR:
        implausible = (raw < YEAR_RANGE[0]) | (raw > YEAR_RANGE[1])
        problems.append((RejectReason.OUT_OF_RANGE, implausible, _YEAR_MESSAGE))
    return raw, problems  # whole numbers stay integers: no float64 copy of the column


def _clean_dates(series: pd.Series, spec: ColumnSpec) -> tuple[np.ndarray, list[Problem]]:
    """Calendar dates as ``datetime64[D]``.

    Text and date/time objects are dates; a time zone or UTC offset is dropped, keeping
    the local calendar date. Numbers are not dates (``20240301`` would otherwise be read
    as nanoseconds since 1970); write them as text. Dates outside :data:`YEAR_RANGE` are
    out of range, whatever the column's other values.
    """
    empty = np.asarray(series.isna(), dtype=bool)
    days = _as_days(series, empty)
    invalid = np.isnat(days) & ~empty
    problems: list[Problem] = [
        (RejectReason.INVALID_DATE, invalid, f"{spec.name} ({spec.zh}) is not a date"),
        (RejectReason.MISSING_VALUE, empty, f"{spec.name} ({spec.zh}) is empty"),
    ]
    first, last = _FIRST_DAY, _LAST_DAY
    if len(days) and not (first <= days.min() and days.max() <= last):  # NaT: compare False
        outside = ~np.isnat(days) & ((days < first) | (days > last))
        problems.append(
            (
                RejectReason.OUT_OF_RANGE,
                outside,
                f"{spec.name} ({spec.zh}) is outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}",
            )
        )
    return days, problems


_NAT_DAYS = np.datetime64("NaT", "D")
_FIRST_DAY = np.datetime64(f"{YEAR_RANGE[0]:04d}-01-01", "D")
_LAST_DAY = np.datetime64(f"{YEAR_RANGE[1]:04d}-12-31", "D")


def _as_days(series: pd.Series, empty: np.ndarray) -> np.ndarray:
    """Dates of a column as ``datetime64[D]``, NaT where empty or not a date."""
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)  # the local calendar date
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series.to_numpy(dtype="datetime64[D]", na_value=_NAT_DAYS)
    raw = np.asarray(series.to_numpy(dtype=object))
    if pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty"):
        try:
            parsed = pd.to_datetime(pd.Series(raw), errors="coerce", format="mixed")
        except (ValueError, TypeError, OverflowError):
            parsed = None  # mixed UTC offsets, or values beyond pandas' range
        if parsed is not None:
            if isinstance(parsed.dtype, pd.DatetimeTZDtype):
                parsed = parsed.dt.tz_localize(None)
            return parsed.to_numpy(dtype="datetime64[D]", na_value=_NAT_DAYS)
    days = np.full(len(raw), _NAT_DAYS)
    for position in np.flatnonzero(~empty):
        days[position] = _one_date(raw[position])
    return days


def _one_date(value: object) -> np.datetime64:
    """One value as a date, or NaT: text, ``date``/``datetime``, Timestamps, datetime64."""
    if isinstance(value, (bool, np.bool_, Real, complex)) and not isinstance(value, np.datetime64):
        return _NAT_DAYS
    if isinstance(value, dt.date):  # datetime too: its local calendar date
        return np.datetime64(value.isoformat()[:10], "D")
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[D]")
    if not isinstance(value, str):
        return _NAT_DAYS
    try:
        stamp = pd.Timestamp(value.strip())
    except (ValueError, TypeError, OverflowError):
        return _NAT_DAYS
    if stamp is pd.NaT:
        return _NAT_DAYS
    return np.datetime64(stamp.date().isoformat(), "D")


def _clean_flags(series: pd.Series, spec: ColumnSpec) -> tuple[np.ndarray, list[Problem]]:
    raw = series.to_numpy(copy=False)
    if raw.dtype.kind == "b":
        return raw.astype(bool, copy=False), []
    if raw.dtype.kind in "iuf":
        numbers = raw.astype(np.float64, copy=False)
        missing = np.isnan(numbers)
        invalid = ~missing & (numbers != 0) & (numbers != 1)
        return numbers == 1, [
            (RejectReason.MISSING_VALUE, missing, f"{spec.name} ({spec.zh}) is empty"),
            (RejectReason.INVALID_FLAG, invalid, f"{spec.name} must be 0/1 or true/false"),
        ]
    missing = np.asarray(series.isna(), dtype=bool)
    objects = raw.astype(object, copy=False)
    kind = pd.api.types.infer_dtype(objects, skipna=True)
    if kind not in ("string", "boolean", "integer", "floating", "mixed-integer-float", "empty"):
        # complex numbers, dates, bytes: never a flag (and their text must not become one)
        plain = np.array([isinstance(v, (str, bool, np.bool_, int, float)) for v in objects])
        objects = np.where(plain, objects, "<not a flag>")
    text = _text(pd.Series(objects, dtype=object)).str.strip().str.lower()
    mapped = text.map(_FLAG_TEXT)
    invalid = mapped.isna().to_numpy() & ~missing
    values = mapped.eq(True).to_numpy(dtype=bool)  # NaN (invalid or empty): False
    return values, [
        (RejectReason.MISSING_VALUE, missing, f"{spec.name} ({spec.zh}) is empty"),
        (RejectReason.INVALID_FLAG, invalid, f"{spec.name} must be true/false, yes/no or 1/0"),
    ]


def _text(series: pd.Series) -> pd.Series:
    """Every value as text; values ``str`` refuses (an int of 5,000 digits) by their type."""
    try:
        return series.astype(str)
    except (ValueError, OverflowError):
        return series.map(display_text)


@dataclass(frozen=True)
class EmployerCodes(_DistinctIds):
    """Each input row's employer, after :func:`~ratefloat.ids.normalise_employer_ids`."""

    codes: np.ndarray  #: per row, the position in ``employer_ids``; -1 without a usable id
    #: distinct normalised ids, sorted by code point; None while only ``arrow`` holds them
    employer_texts: np.ndarray | None
    missing: np.ndarray  #: per row: no id (a missing marker or only whitespace)
    invalid: np.ndarray  #: per row: a value that cannot be an id
    lookalikes: int  #: distinct ids equal to another one up to width, case and spaces
    arrow: Any = None  #: ``employer_ids`` as a pyarrow string array, when built

    def _arrow_ids(self) -> Any:
        return self.arrow


def employer_codes(ids: pd.Series) -> EmployerCodes:
    """Factorise the employer ids of an extract: sorted distinct normal ids and row codes.

    The raw values are factorised first (hashing, or a scan when the extract is sorted by
    id), then :func:`~ratefloat.ids.normalise_employer_ids` maps the distinct values to
    their normal text; values with the same text (``1``, ``"1"``, ``" 1 "``) merge into
    one employer. Numpy integer columns hash the integers and write only the distinct ones
    as text; categorical columns start from their codes and the categories in use.
    """
    if isinstance(ids.dtype, np.dtype) and ids.dtype.kind in "iu":
        return _integer_codes(ids.to_numpy())
    if isinstance(ids.dtype, pd.CategoricalDtype):
        presorted, values = None, ids
        codes, uniques = _category_codes(ids.array)
    else:
        values = ids.array if isinstance(ids.dtype, pd.StringDtype) else ids.to_numpy()
        encoded = _sorted_arrow_codes(values)
        if encoded is not None:
            return encoded
        presorted = _codes_of_sorted(values)
        if presorted is None:
            encoded = _arrow_codes(values)
            if encoded is not None:
                return encoded
        codes, uniques = pd.factorize(values) if presorted is None else presorted
    if isinstance(uniques, pd.api.extensions.ExtensionArray):
        uniques = uniques.to_numpy(dtype=object, na_value=None)
    kind = pd.api.types.infer_dtype(uniques, skipna=False) if uniques.dtype == object else None
    if kind is not None and kind not in _PLAIN_IDS:
        # Mixed types hash and compare as Python sees them (True == 1): normalise every
        # row first, then factorise the texts.
        rows = normalise_employer_ids(np.asarray(values, dtype=object))
        codes, uniques = pd.factorize(rows.text)
        text = np.asarray(uniques, dtype=object)
        return _sorted_codes(np.asarray(codes, dtype=np.int64), text, rows.missing, rows.invalid)
    raw_codes = np.asarray(codes, dtype=np.int64)
    codes = raw_codes
    normal = normalise_employer_ids(uniques, kind)
    text, arrow = normal.text, normal.arrow
    if normal.missing.any() or normal.invalid.any() or text is not uniques:
        # Some distinct values changed: merge those now equal, drop the unusable ones.
        merged, distinct = pd.factorize(text)  # None → -1
        codes = np.append(merged, -1)[raw_codes]  # code -1 (no value) picks the last: -1
        text, arrow = np.asarray(distinct, dtype=object), None
    row_missing = raw_codes < 0
    row_invalid = np.zeros(len(raw_codes), dtype=bool)
    if normal.missing.any() or normal.invalid.any():
        row_missing |= np.append(normal.missing, False)[raw_codes]
        row_invalid = np.append(normal.invalid, False)[raw_codes]
    # Distinct ids found by the scan of a sorted extract are in order already.
    in_order = presorted is not None and text is uniques
    return _sorted_codes(codes, text, row_missing, row_invalid, arrow, in_order)


#: Object id columns of these kinds factorise as they are: equal values are equal ids.
_PLAIN_IDS = ("string", "integer", "floating", "mixed-integer-float", "empty")


def _sorted_codes(
    codes: np.ndarray,
    text: np.ndarray,
    row_missing: np.ndarray,
    row_invalid: np.ndarray,
    arrow: Any = None,
    in_order: bool = False,
) -> EmployerCodes:
    """Renumber the employers in code-point order of their ids."""
    if not in_order and len(text) > 1 and not (text[1:] > text[:-1]).all():
        # Extracts sorted by employer skip this; others pay one sort of the distinct ids.
        order = _argsort_text(text)
        codes = np.where(codes >= 0, _rank(order)[np.maximum(codes, 0)], -1)
        text = text[order]
    return EmployerCodes(codes, text, row_missing, row_invalid, count_lookalike_ids(text, arrow))


def arrow_text(values: Any) -> Any:
    """The Arrow string chunks behind a pandas column or array of text with no missing
    value (pandas' ``str`` dtype, ``ArrowDtype`` strings), else None."""
    chunked = getattr(values, "_pa_array", None)
    if chunked is None or chunked.null_count:
        return None
    import pyarrow as pa

    if not (pa.types.is_string(chunked.type) or pa.types.is_large_string(chunked.type)):
        return None
    return chunked


def first_rows(codes: np.ndarray) -> np.ndarray:
    """Where each code first appears, for codes numbered in order of first appearance
    (as :func:`pandas.factorize` numbers them): where their running maximum goes up."""
    seen = np.maximum.accumulate(codes)
    return np.flatnonzero(np.concatenate(([True], seen[1:] > seen[:-1])))


def _rank(order: np.ndarray) -> np.ndarray:
    """The inverse of a permutation: each element's position in ``order``."""
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def _arrow_codes(values: Any) -> EmployerCodes | None:
    """Codes of Arrow-backed text ids in any order, without Python strings until the end.

    The rows are hashed by Arrow, then only the distinct ids are sorted. Covers the usual
    case of clean ids: no missing or empty value, no id with surrounding whitespace (those take
    the general path, which normalises them). Returns None when it does not apply.
    """
    chunked = arrow_text(values)
    if chunked is None:
        return None
    import pyarrow.compute as pc

    text = chunked.combine_chunks()
    fixed = fixed_width_keys(text)
    if fixed is not None and fixed.trimmed:
        return _fixed_width_codes(text, fixed)
    encoded = pc.dictionary_encode(text)
    distinct = encoded.dictionary
    if not _clean_distinct(distinct):
        return None
    return _clean_codes(encoded.indices.to_numpy(), distinct)


def _fixed_width_codes(text: Any, fixed: FixedWidthKeys) -> EmployerCodes:
    """Codes of clean Arrow text ids of one width, from their integer keys: the integers
    are hashed and the distinct ones sorted, no string is compared."""
    import pyarrow as pa

    keys = fixed.keys
    if fixed.span <= _DENSE_KEYS * len(keys):
        # Few possible keys (sequential numbers): count them in a table, no hashing.
        present = np.zeros(fixed.span, dtype=bool)
        present[keys] = True
        rank_of_key = np.cumsum(present, dtype=np.int32 if fixed.span < 2**31 else np.int64)
        del present
        codes = rank_of_key[keys].astype(np.int64) - 1
        del rank_of_key
        row_of_code = np.empty(int(codes.max()) + 1, dtype=np.int64)
        row_of_code[codes] = np.arange(len(codes))  # a row of each id (any: they are equal)
        distinct = text.take(pa.array(row_of_code))
    else:
        codes, uniques = pd.factorize(keys)  # codes in order of first appearance
        order = np.argsort(uniques)  # distinct keys: any sort gives the one order
        distinct = text.take(pa.array(first_rows(codes)[order]))
        codes = _rank(order)[codes]
    lookalikes = count_lookalike_ids(None, distinct) if fixed.may_fold else 0
    none = np.zeros(len(codes), dtype=bool)
    return EmployerCodes(codes, None, none, none.copy(), lookalikes, distinct)


def _sorted_arrow_codes(values: Any) -> EmployerCodes | None:
    """Codes of Arrow-backed text ids already sorted (the usual extract: by employer, then
    year): a run of equal ids is one employer, so nothing is hashed or sorted. Covers
    clean ids only, as :func:`_arrow_codes`; returns None when it does not apply."""
    chunked = arrow_text(values)
    if chunked is None or len(chunked) < 2:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    head = chunked.slice(0, _SORTED_PROBE + 1)
    if not pc.all(pc.greater_equal(head.slice(1), head.slice(0, len(head) - 1))).as_py():
        return None  # most unsorted extracts are found out here, before a full scan
    text = chunked.combine_chunks()  # aligned slices compare without re-chunking
    before, after = text.slice(0, len(text) - 1), text.slice(1)
    change = pc.not_equal(after, before)
    # Sorted exactly when every change of id goes up: compare the changes only.
    if not pc.all(pc.greater(after.filter(change), before.filter(change))).as_py():
        return None
    starts = np.flatnonzero(change.to_numpy(zero_copy_only=False)) + 1
    distinct = text.take(pa.array(np.concatenate(([0], starts))))
    if not _clean_distinct(distinct):
        return None
    codes = np.zeros(len(chunked), dtype=np.int64)
    codes[starts] = 1
    return _clean_codes(np.cumsum(codes), distinct, in_order=True)


#: Keys are counted in a table (not hashed) when they can take at most this many values
#: per row.
_DENSE_KEYS = 2

#: Pairs of neighbouring ids compared first, to find an unsorted extract cheaply.
_SORTED_PROBE = 4096


def _clean_distinct(distinct: Any) -> bool:
    """Whether Arrow text ids are all usable as they are: none empty, none to strip."""
    import pyarrow.compute as pc

    if len(distinct) == 0 or pc.min(pc.binary_length(distinct)).as_py() == 0:
        return False  # empty text is a missing id
    return not pc.any(pc.not_equal(pc.utf8_trim(distinct, characters=WHITESPACE), distinct)).as_py()


def _clean_codes(codes: np.ndarray, distinct: Any, in_order: bool = False) -> EmployerCodes:
    """Codes of rows whose ids are all usable, given as positions in ``distinct`` (a pyarrow
    string array of distinct normal ids): renumbered in code-point order of the ids
    (unless ``in_order`` says they are in that order already)."""
    if in_order:
        ordered, renumbered = distinct, codes
    else:
        order = _argsort_arrow_text(distinct)
        ordered, renumbered = distinct.take(order), _rank(order)[codes]
    none = np.zeros(len(codes), dtype=bool)
    lookalikes = count_lookalike_ids(None, ordered)
    return EmployerCodes(renumbered, None, none, none.copy(), lookalikes, ordered)


def _integer_codes(values: np.ndarray) -> EmployerCodes:
    """Codes of numpy integer ids: hash the integers, write only the distinct ones as text.

    Every integer is a valid id and distinct integers have distinct texts, so nothing
    merges; the employers are numbered in code-point order of the texts (``"10"`` before
    ``"9"``), as for text ids.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    codes, uniques = pd.factorize(values)
    return _clean_codes(codes, pc.cast(pa.array(uniques), pa.string()))


def _category_codes(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Row codes and distinct raw values of categorical ids: the categories the rows use.

    Missing rows keep code -1; unused categories are dropped (they are no employer).
    """
    raw = np.asarray(values.codes, dtype=np.int64)
    used = np.zeros(len(values.categories) + 1, dtype=bool)
    used[raw] = True  # -1 marks the extra last slot
    used = used[:-1]
    renumber = np.append(np.cumsum(used) - 1, -1)
    uniques = values.categories.to_numpy()[used]
    return renumber[raw], uniques


def _codes_of_sorted(values: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Codes and distinct ids without hashing, when the ids are already sorted.

    Extracts usually come sorted by employer and year; then a run of equal ids is one
    employer and the codes are a running count of changes. Returns None otherwise.
    """
    if len(values) < 2:
        return None
    if isinstance(values, pd.api.extensions.ExtensionArray):
        try:
            import pyarrow as pa
            import pyarrow.compute as pc
        except ImportError:
            return None
        try:
            text = pa.array(values, type=pa.string()) if not hasattr(values, "_pa_array") else None
        except (UnicodeEncodeError, pa.ArrowException):  # lone surrogates: not UTF-8
            return None
        text = pa.concat_arrays(values._pa_array.chunks) if text is None else text
        if text.null_count:
            return None
        before, after = text.slice(0, len(text) - 1), text.slice(1)
        if not pc.all(pc.greater_equal(after, before)).as_py():
            return None
        change = pc.not_equal(after, before).to_numpy(zero_copy_only=False)
        starts = np.concatenate(([0], np.flatnonzero(change) + 1))
        uniques = text.take(pa.array(starts)).to_numpy(zero_copy_only=False)
    elif values.dtype == object:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if not (values[1:] >= values[:-1]).all():
                    return None
                change = values[1:] != values[:-1]
        except TypeError:  # None or NaN among the ids
            return None
        starts = np.concatenate(([0], np.flatnonzero(change) + 1))
        uniques = values[starts]
    else:
        return None
    codes = np.zeros(len(values), dtype=np.int64)
    codes[starts[1:]] = 1
    return np.cumsum(codes), np.asarray(uniques, dtype=object)


def _argsort_text(texts: np.ndarray) -> np.ndarray:
    """Order of distinct strings by code point (pyarrow's sort when installed: faster)."""
    try:
        import pyarrow as pa
    except ImportError:
        return np.argsort(texts, kind="stable")
    return _argsort_arrow_text(pa.array(texts, type=pa.string()))


def _argsort_arrow_text(texts: Any) -> np.ndarray:
    """Order of a pyarrow array of *distinct* strings by code point (UTF-8 byte order).

    Ids of one width (the usual case: fixed-format codes) are sorted by their integer keys
    (:mod:`ratefloat.fixed_width`), several times faster than Arrow's string sort.
    """
    import pyarrow.compute as pc

    fixed = fixed_width_keys(texts)
    if fixed is None:
        return pc.sort_indices(texts).to_numpy()
    return np.argsort(fixed.keys)  # distinct keys: any sort gives the one order


def _missing_text(series: pd.Series) -> np.ndarray:
    missing = np.asarray(series.isna(), dtype=bool)
    if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
        blank = _text(series).str.strip().to_numpy() == ""
        missing = missing | blank
    return missing


def _duplicate_years(year_rows: YearRows, n_rows: int) -> np.ndarray:
    """Mask of rows that share (employer, year) with another row, all but the first."""
    duplicate = np.zeros(n_rows, dtype=bool)
    for year in year_rows.years:
        rows, row_codes = year_rows.of(year)
        counts = np.bincount(row_codes, minlength=year_rows.n_employers)
        if (counts > 1).any():
            order = np.argsort(row_codes, kind="stable")
            sorted_codes = row_codes[order]
            repeat = np.zeros(len(rows), dtype=bool)
            repeat[1:] = sorted_codes[1:] == sorted_codes[:-1]
            duplicate[rows[order[repeat]]] = True
    return duplicate


def _missing_message(
    missing: list[str], specs: dict[str, ColumnSpec], what_needs: dict[str, str], present: pd.Index
) -> str:
    lines = []
    for name in missing:
        spec = specs.get(name)
        meaning = f" ({spec.description}, {spec.zh})" if spec else ""
        needed_by = f"; needed by {what_needs[name]}" if name in what_needs else ""
        lines.append(f"  - {name}{meaning}{needed_by}")
    shown = ", ".join(map(str, list(present)[:20]))
    return (
        f"the extract is missing {len(missing)} required column(s):\n"
        + "\n".join(lines)
        + f"\ncolumns present: {shown}"
    )
