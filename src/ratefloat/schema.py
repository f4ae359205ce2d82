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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from .errors import RejectReason, SchemaError, empty_rejects, reject_frame

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


class YearRows:
    """The input rows of each calendar year, with their employer codes.

    Built once per extract: one scan per distinct year when there are few of them (the
    usual extract spans a handful of years), else a stable radix sort of the years.
    """

    #: Up to this many distinct years, scanning per year beats sorting.
    SCAN_LIMIT = 16

    def __init__(self, codes: np.ndarray, years: np.ndarray, n_employers: int) -> None:
        self.n_employers = n_employers
        usable = (codes >= 0) & ~np.isnan(years)
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
                self._rows[year] = (rows, codes[rows])
            return
        order = np.argsort(year_values, kind="stable")
        sorted_years = year_values[order]
        distinct, starts = np.unique(sorted_years, return_index=True)
        ends = np.append(starts[1:], len(sorted_years))
        for year, start, end in zip(distinct.tolist(), starts, ends, strict=True):
            rows = positions[order[start:end]]
            self._rows[year] = (rows, codes[rows])

    @property
    def years(self) -> list[int]:
        """The calendar years present, ascending."""
        return sorted(self._rows)

    def of(self, year: int) -> tuple[np.ndarray, np.ndarray]:
        """Row positions and employer codes of ``year`` (empty arrays if none)."""
        empty = np.array([], dtype=np.int64)
        return self._rows.get(year, (empty, empty))


@dataclass
class ValidatedExtract:
    """The clean columns of an extract and the failure cases found.

    Attributes
    ----------
    employer_ids:
        The distinct employer ids, sorted (position = employer code).
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
    """

    employer_ids: np.ndarray
    codes: np.ndarray
    columns: dict[str, np.ndarray]
    failures: pd.DataFrame
    rejected: np.ndarray
    year_rows: YearRows


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

    failures: list[pd.DataFrame] = []
    n_rows = len(frame)
    row_labels = np.arange(n_rows, dtype=np.int64)

    codes, employer_ids, id_missing = _employer_codes(frame["employer_id"])
    present = ~id_missing
    if id_missing.any():
        failures.append(
            reject_frame(
                np.full(int(id_missing.sum()), None, dtype=object),
                RejectReason.MISSING_EMPLOYER_ID,
                "employer_id",
                frame["employer_id"].to_numpy()[id_missing],
                row_labels[id_missing],
                "row has no employer_id, so it cannot be attributed to an employer",
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
                        employer_ids[codes[mask]],
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
                    employer_ids[codes[unknown]],
                    RejectReason.UNKNOWN_CLASS,
                    "risk_class",
                    frame["risk_class"].to_numpy()[unknown],
                    row_labels[unknown],
                    f"risk_class is not one of the table's classes ({listed})",
                )
            )

    year_rows = YearRows(codes, columns["year"], len(employer_ids))
    duplicate = _duplicate_years(year_rows, len(codes))
    if duplicate.any():
        failures.append(
            reject_frame(
                employer_ids[codes[duplicate]],
                RejectReason.DUPLICATE_EMPLOYER_YEAR,
                "year",
                frame["year"].to_numpy()[duplicate],
                row_labels[duplicate],
                "another row has the same employer_id and year",
            )
        )

    failure_frame = pd.concat(failures, ignore_index=True) if failures else empty_rejects()
    rejected = np.zeros(len(employer_ids), dtype=bool)
    if len(failure_frame):
        bad_rows = failure_frame["row"].to_numpy()
        bad_codes = codes[bad_rows]
        rejected[bad_codes[bad_codes >= 0]] = True
    return ValidatedExtract(employer_ids, codes, columns, failure_frame, rejected, year_rows)


Problem = tuple[RejectReason, np.ndarray, str]


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
    if raw.dtype.kind == "f":
        values = raw.astype(np.float64, copy=False)
        not_numeric = np.zeros(len(values), dtype=bool)
    elif raw.dtype.kind == "b":
        values = raw.astype(np.float64)
        not_numeric = np.zeros(len(values), dtype=bool)
    else:
        coerced = pd.to_numeric(series, errors="coerce")
        values = coerced.to_numpy(dtype=np.float64, na_value=np.nan)
        not_numeric = np.isnan(values) & ~series.isna().to_numpy()
    missing = np.isnan(values) & ~not_numeric
    problems: list[Problem] = [
        (RejectReason.NOT_NUMERIC, not_numeric, f"{spec.name} ({spec.zh}) is not a number"),
        (RejectReason.MISSING_VALUE, missing, f"{spec.name} ({spec.zh}) is empty"),
    ]
    finite = ~np.isnan(values)
    if np.isinf(values).any():
        problems.append((RejectReason.OUT_OF_RANGE, np.isinf(values), f"{spec.name} is infinite"))
    if kind in (ColumnKind.COUNT, ColumnKind.MONEY, ColumnKind.MEASURE, ColumnKind.CLASS):
        negative = finite & (values < 0)
        problems.append(
            (RejectReason.NEGATIVE_VALUE, negative, f"{spec.name} ({spec.zh}) is negative")
        )
    if kind in (ColumnKind.COUNT, ColumnKind.YEAR, ColumnKind.CLASS, ColumnKind.INTEGER):
        fractional = finite & ~np.isinf(values) & (values != np.floor(values))
        problems.append(
            (RejectReason.NOT_INTEGER, fractional, f"{spec.name} ({spec.zh}) is not a whole number")
        )
    if kind == ColumnKind.YEAR:
        implausible = finite & ((values < 1900) | (values > 2200))
        problems.append(
            (RejectReason.OUT_OF_RANGE, implausible, "year is not a calendar year (1900-2200)")
        )
    return values, problems


def _clean_integers(raw: np.ndarray, spec: ColumnSpec) -> tuple[np.ndarray, list[Problem]]:
    """An integer column cannot be empty, fractional or infinite: only signs and years."""
    problems: list[Problem] = []
    nonnegative = (ColumnKind.COUNT, ColumnKind.MONEY, ColumnKind.MEASURE, ColumnKind.CLASS)
    if spec.kind in nonnegative and raw.dtype.kind == "i":
        problems.append(
            (RejectReason.NEGATIVE_VALUE, raw < 0, f"{spec.name} ({spec.zh}) is negative")
        )
    if spec.kind == ColumnKind.YEAR:
        implausible = (raw < 1900) | (raw > 2200)
        problems.append(
            (RejectReason.OUT_OF_RANGE, implausible, "year is not a calendar year (1900-2200)")
        )
    return raw, problems  # whole numbers stay integers: no float64 copy of the column


def _clean_dates(series: pd.Series, spec: ColumnSpec) -> tuple[np.ndarray, list[Problem]]:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        parsed = series
    else:
        parsed = pd.to_datetime(series, errors="coerce", format="mixed")
    values = parsed.to_numpy(dtype="datetime64[D]", na_value=np.datetime64("NaT"))
    empty = series.isna().to_numpy()
    invalid = np.isnat(values) & ~empty
    return values, [
        (RejectReason.INVALID_DATE, invalid, f"{spec.name} ({spec.zh}) is not a date"),
        (RejectReason.MISSING_VALUE, empty, f"{spec.name} ({spec.zh}) is empty"),
    ]


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
    missing = series.isna().to_numpy()
    text = series.astype(str).str.strip().str.lower()
    mapped = text.map(_FLAG_TEXT)
    invalid = mapped.isna().to_numpy() & ~missing
    values = mapped.fillna(False).to_numpy(dtype=bool)
    return values, [
        (RejectReason.MISSING_VALUE, missing, f"{spec.name} ({spec.zh}) is empty"),
        (RejectReason.INVALID_FLAG, invalid, f"{spec.name} must be true/false, yes/no or 1/0"),
    ]


def _employer_codes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted distinct employer ids (as text), each row's position among them, and the
    rows without an id (missing or blank), whose position is -1."""
    if isinstance(ids.dtype, pd.StringDtype):
        values: Any = ids.array  # Arrow- or Python-backed strings: factorize in place
    else:
        values = ids.to_numpy()
        if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) not in (
            "string",
            "empty",
        ):
            # Mixed types (1 and "1"): compare them as text.
            values = np.array([v if _is_missing(v) else str(v) for v in values], dtype=object)
    presorted = _codes_of_sorted(values)
    codes, uniques = presorted if presorted is not None else pd.factorize(values)
    codes = np.asarray(codes, dtype=np.int64)
    uniques = np.asarray(
        uniques, dtype=object if isinstance(values, pd.api.extensions.ExtensionArray) else None
    )
    if uniques.dtype.kind != "O":
        uniques = uniques.astype(str).astype(object)
    if len(uniques) > 1 and not (uniques[1:] > uniques[:-1]).all():
        # Extracts sorted by employer skip this; others pay one sort of the distinct ids.
        order = _argsort_text(uniques)
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        codes = np.where(codes >= 0, rank[np.maximum(codes, 0)], -1)
        uniques = uniques[order]
    # Blank ids ("", "  ") sort before any id holding a character above the space, so
    # only that short prefix of the sorted ids needs a look.
    prefix = int(np.searchsorted(uniques, "!")) if len(uniques) else 0
    blank = np.array([str(u).strip() == "" for u in uniques[:prefix]], dtype=bool)
    if blank.any():
        keep = np.ones(len(uniques), dtype=bool)
        keep[:prefix] = ~blank
        remap = np.cumsum(keep) - 1
        remap[~keep] = -1
        codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
        uniques = uniques[keep]
    return codes, uniques.astype(object), codes < 0


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
        text = pa.array(values, type=pa.string()) if not hasattr(values, "_pa_array") else None
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
        import pyarrow.compute as pc
    except ImportError:
        return np.argsort(texts, kind="stable")
    return pc.sort_indices(pa.array(texts, type=pa.string())).to_numpy()


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _missing_text(series: pd.Series) -> np.ndarray:
    missing = series.isna().to_numpy()
    if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
        blank = series.astype(str).str.strip().to_numpy() == ""
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
