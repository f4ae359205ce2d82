"""The inputs of the seed's reports, checked the project's way.

Three inputs feed the key-industry table:

* the **employer register** (企业名录): every employer of the key industries, insured or not,
  one row per employer, with ``employer_id``, ``industry_code`` (GB/T 4754) and
  ``employees`` (从业人数, persons at year end); an optional ``year`` column holds one
  snapshot per year (rows of other years are ignored);
* the **insured extract**: the employer-year extract ``rerate()`` reads (``employer_id``,
  ``year``, ``avg_insured``);
* the **accident list** (工伤事故): ``accident_id``, ``employer_id``, ``accident_date``; one
  row per accident or per injured person (rows of one accident share its id).

A missing column raises :class:`~ratefloat.errors.SchemaError` naming it; a bad value
rejects its row (and, in the register or the extract, the employer) with a reason code, the
column, the value and the row, in a frame with the standard reject columns plus ``input``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from ..classification.codes import normalize_code
from ..errors import REJECT_COLUMNS, RejectReason, SchemaError, reject_frame
from ..schema import Aggregate, ColumnKind, ColumnSpec, _clean_column, validate_extract

__all__ = [
    "REGISTER_COLUMNS",
    "ACCIDENT_COLUMNS",
    "REPORT_REJECT_COLUMNS",
    "ReportRejectReason",
    "Register",
    "Accidents",
    "validate_register",
    "validate_accidents",
    "insured_persons",
    "labelled_rejects",
    "member",
]


class ReportRejectReason(StrEnum):
    """Reject reasons specific to the reports (the others are :class:`RejectReason`)."""

    UNKNOWN_EMPLOYER = "UNKNOWN_EMPLOYER"

    @property
    def description(self) -> str:
        """What the code means, in a sentence."""
        return "the accident's employer is not in the employer register"


def _spec(name: str, kind: ColumnKind, description: str, zh: str, *aliases: str) -> ColumnSpec:
    return ColumnSpec(name, kind, Aggregate.NONE, description, zh, True, (zh, *aliases))


#: Columns of the employer register.
REGISTER_COLUMNS: tuple[ColumnSpec, ...] = (
    _spec("employer_id", ColumnKind.ID, "employer key", "单位编号"),
    _spec("industry_code", ColumnKind.TEXT, "GB/T 4754 industry code", "行业代码"),
    _spec("employees", ColumnKind.COUNT, "persons employed at year end", "从业人数", "职工人数"),
)

#: The register's optional snapshot year and the names it may go by.
REGISTER_YEAR = ColumnSpec(
    "year", ColumnKind.YEAR, Aggregate.NONE, "year of the snapshot", "年度", False, ("年度",)
)

#: Columns of the accident list.
ACCIDENT_COLUMNS: tuple[ColumnSpec, ...] = (
    _spec("accident_id", ColumnKind.TEXT, "accident key (one per accident)", "事故编号"),
    _spec("employer_id", ColumnKind.ID, "employer key", "单位编号"),
    _spec("accident_date", ColumnKind.DATE, "date of the accident", "事故发生日期", "事故日期"),
)

#: Columns of the reports' rejects frames: the input it came from, then the standard ones.
REPORT_REJECT_COLUMNS = ["input", *REJECT_COLUMNS]


@dataclass(frozen=True)
class Register:
    """The usable register rows of one year: one per employer, codes normalised."""

    frame: pd.DataFrame  #: employer_id, industry_code, employees, row
    rejects: pd.DataFrame  #: REPORT_REJECT_COLUMNS


@dataclass(frozen=True)
class Accidents:
    """The usable accident rows: accident_id, employer_id, accident_date, row."""

    frame: pd.DataFrame
    rejects: pd.DataFrame


def _require(
    frame: object, what: str, specs: Sequence[ColumnSpec], optional: Sequence[ColumnSpec] = ()
) -> pd.DataFrame:
    """The frame with its columns named as ``specs`` say; Chinese headers are renamed.

    A column missing under its name but present under one of its aliases (the Chinese
    header agency exports use, e.g. 单位编号) is renamed; a column missing under every name
    raises :class:`SchemaError` naming it.
    """
    if not isinstance(frame, pd.DataFrame):
        raise SchemaError(f"the {what} must be a pandas DataFrame, got {type(frame).__name__}")
    renames = {}
    for spec in (*specs, *optional):
        if spec.name not in frame.columns:
            alias = next((a for a in spec.aliases if a in frame.columns), None)
            if alias is not None:
                renames[alias] = spec.name
    frame = frame.rename(columns=renames) if renames else frame
    missing = [spec for spec in specs if spec.name not in frame.columns]
    if missing:
        wanted = "\n".join(
            f"  - {s.name} ({s.description}; or the header {' / '.join(s.aliases)})"
            for s in missing
        )
        shown = ", ".join(map(str, list(frame.columns)[:20]))
        raise SchemaError(
            f"the {what} is missing {len(missing)} required column(s):\n{wanted}\n"
            f"columns present: {shown}"
        )
    return frame


def labelled_rejects(what: str, frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Rejects found in input ``what``, in one frame with the ``input`` column first."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in REPORT_REJECT_COLUMNS})
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "input", what)
    return out


def member(values: Any, pool: Any) -> np.ndarray:
    """Mask of ``values`` that are in ``pool`` (employer ids as text), by hashing.

    Both sides are compared as Python objects: pandas' Arrow-backed ``isin`` walks the
    pool in Python and takes seconds for a province.
    """
    left = pd.Series(np.asarray(values, dtype=object), dtype=object)
    return left.isin(np.asarray(pool, dtype=object)).to_numpy()


def _ids(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Employer ids as text (``None`` where missing or blank) and the missing mask.

    Whole numbers are written without a decimal point, so the id 17 read into a float
    column (because another row is empty) is ``"17"`` in every input, not ``"17.0"``.
    """
    raw = series.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty"):
        stripped = series.astype(object).str.strip()
        text = stripped.where(stripped.notna() & (stripped != ""), None).to_numpy(
            dtype=object, copy=True
        )
    else:
        text = np.array([_id_text(v) for v in raw], dtype=object)
    missing = pd.isna(text)
    text[missing] = None
    return text, missing


def _id_text(value: object) -> str | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return None
        if float(value).is_integer():
            return str(int(value))
    text = str(value).strip()
    return text or None


def _cell_rejects(
    frame: pd.DataFrame, specs: Sequence[ColumnSpec], ids: np.ndarray, id_missing: np.ndarray
) -> tuple[dict[str, np.ndarray], list[pd.DataFrame], np.ndarray]:
    """Clean every non-id column; reject frames per problem; mask of rows with a problem."""
    rows = np.arange(len(frame), dtype=np.int64)
    bad = id_missing.copy()
    found = []
    if id_missing.any():
        found.append(
            reject_frame(
                ids[id_missing],
                RejectReason.MISSING_EMPLOYER_ID,
                "employer_id",
                frame["employer_id"].to_numpy()[id_missing],
                rows[id_missing],
                "row has no employer_id, so it cannot be attributed to an employer",
            )
        )
    columns = {}
    for spec in specs:
        if spec.kind == ColumnKind.ID:
            continue
        values, problems = _clean_column(frame[spec.name], spec)
        columns[spec.name] = values
        for reason, mask, message in problems:
            mask = mask & ~bad
            if mask.any():
                found.append(
                    reject_frame(
                        ids[mask],
                        reason,
                        spec.name,
                        frame[spec.name].to_numpy()[mask],
                        rows[mask],
                        message,
                    )
                )
                bad |= mask
    return columns, found, bad


def validate_register(register: pd.DataFrame, year: int) -> Register:
    """Check the register and keep the rows of ``year`` (all rows if it has no ``year``).

    Rejected, with their employer: rows without an id, with an empty or malformed
    industry code (``UNKNOWN_INDUSTRY_CODE``), with ``employees`` empty, not a whole
    number or negative, and every row of an employer listed twice
    (``DUPLICATE_EMPLOYER_YEAR``: the register is a snapshot of one year).
    """
    register = _require(register, "employer register", REGISTER_COLUMNS, (REGISTER_YEAR,))
    positions = np.arange(len(register), dtype=np.int64)
    specs: tuple[ColumnSpec, ...] = REGISTER_COLUMNS
    if "year" in register.columns:
        # The year's rows, and those whose year cannot be read: they are rejected, not lost.
        years = pd.to_numeric(register["year"], errors="coerce").to_numpy(dtype=np.float64)
        unreadable = np.isnan(years) | (years != np.floor(years))
        positions = np.flatnonzero((years == year) | unreadable)
        specs = (*REGISTER_COLUMNS, REGISTER_YEAR)
    register = register.iloc[positions].reset_index(drop=True)
    ids, id_missing = _ids(register["employer_id"])
    columns, found, bad = _cell_rejects(register, specs, ids, id_missing)

    codes = np.full(len(register), None, dtype=object)
    raw_codes = register["industry_code"].to_numpy(dtype=object)
    normalised = {}
    for value in pd.unique(raw_codes[~bad]):
        normalised[value] = normalize_code(value)
    malformed = np.zeros(len(register), dtype=bool)
    detail = np.full(len(register), "", dtype=object)
    for i in np.flatnonzero(~bad):
        code, problem, why = normalised[raw_codes[i]]
        if problem:
            malformed[i] = True
            detail[i] = f"industry_code (行业代码) is not a GB/T 4754 code: {why}"
        codes[i] = code
    rows = np.arange(len(register), dtype=np.int64)
    if malformed.any():
        found.append(
            reject_frame(
                ids[malformed],
                RejectReason.UNKNOWN_INDUSTRY_CODE,
                "industry_code",
                raw_codes[malformed],
                rows[malformed],
                detail[malformed],
            )
        )
        bad |= malformed

    listed = pd.Series(ids).where(~id_missing)
    twice = (listed.duplicated(keep=False) & listed.notna()).to_numpy()
    repeat = (listed.duplicated(keep="first") & listed.notna()).to_numpy()
    if repeat.any():
        found.append(
            reject_frame(
                ids[repeat],
                RejectReason.DUPLICATE_EMPLOYER_YEAR,
                "employer_id",
                ids[repeat],
                rows[repeat],
                f"the register lists this employer more than once for {year}",
            )
        )
    rejects = labelled_rejects("register", found)
    if len(rejects):
        rejects["row"] = positions[rejects["row"].to_numpy()]
    rejected_ids = set(ids[bad | twice]) - {None}
    keep = ~bad & ~twice & ~member(ids, list(rejected_ids))
    frame = pd.DataFrame(
        {
            "employer_id": ids[keep],
            "industry_code": codes[keep],
            "employees": columns["employees"][keep].astype(np.int64),
            "row": positions[keep],
        }
    )
    return Register(frame, rejects)


def validate_accidents(accidents: pd.DataFrame) -> Accidents:
    """Check the accident list: rows without an id, an employer or a valid date are rejected."""
    accidents = _require(accidents, "accident list", ACCIDENT_COLUMNS).reset_index(drop=True)
    ids, id_missing = _ids(accidents["employer_id"])
    columns, found, bad = _cell_rejects(accidents, ACCIDENT_COLUMNS, ids, id_missing)
    keep = ~bad
    accident_ids, _ = _ids(accidents["accident_id"])
    frame = pd.DataFrame(
        {
            "accident_id": accident_ids[keep],
            "employer_id": ids[keep],
            "accident_date": columns["accident_date"][keep],
            "row": np.flatnonzero(keep),
        }
    )
    return Accidents(frame, labelled_rejects("accidents", found))


def insured_persons(extract: pd.DataFrame, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Insured persons per employer in ``year`` from the extract, and the extract's rejects.

    ``avg_insured`` of the year, rounded half up to whole persons per employer. Only rows of
    ``year`` (or whose year cannot be read) are checked, so a bad row of another year does
    not reject an employer from this year's report.
    """
    from ..rounding import round_half_up

    if not isinstance(extract, pd.DataFrame):
        raise SchemaError(
            f"the insured extract must be a pandas DataFrame, got {type(extract).__name__}"
        )
    required = ("employer_id", "year", "avg_insured")
    missing = [c for c in required if c not in extract.columns]
    if missing:
        raise SchemaError(
            "the insured extract is missing required column(s) "
            + ", ".join(missing)
            + " (employer_id 单位编号, year 考核年度, avg_insured 平均参保人数)"
        )
    years = pd.to_numeric(extract["year"], errors="coerce").to_numpy()
    positions = np.flatnonzero((years == year) | np.isnan(years))
    rows = extract.iloc[positions][list(required)].reset_index(drop=True)
    rows["employer_id"] = _ids(rows["employer_id"])[0]
    validated = validate_extract(rows, required=required)
    failures = validated.failures.copy()
    failures["row"] = positions[failures["row"].to_numpy()]
    failures = labelled_rejects("extract", [failures])

    codes = validated.codes
    usable = (codes >= 0) & ~validated.rejected[np.maximum(codes, 0)]
    persons = round_half_up(validated.columns["avg_insured"][usable], 0)
    insured = pd.DataFrame(
        {"employer_id": validated.ids_at(codes[usable]), "insured": persons.astype(np.int64)}
    )
    return insured, failures
