"""Errors raised by ratefloat and the reason codes of rejected rows.

Two kinds of failure are kept apart, as in pandera:

* **schema** problems stop the run: a required column is missing, a rule table is invalid,
  a parameter has the wrong type. They raise an exception whose message names the column,
  rule or parameter and says what to do.
* **data** problems reject one employer and let the rest of the population be rated. Each
  rejected employer gets one row in ``RerateResult.rejects`` with a :class:`RejectReason`.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd

__all__ = [
    "RateFloatError",
    "SchemaError",
    "RuleTableError",
    "ExpressionError",
    "ParameterError",
    "RejectReason",
    "REJECT_COLUMNS",
    "reject_frame",
    "display_text",
]


class RateFloatError(Exception):
    """Base class of every error ratefloat raises on purpose."""


class SchemaError(RateFloatError, ValueError):
    """The extract as a whole cannot be used: a required column is missing or unusable."""


class RuleTableError(RateFloatError, ValueError):
    """A rule table failed validation. The message names the source, the rule and the problem."""


class ExpressionError(RuleTableError):
    """A condition in a rule table is not a valid expression of the rule-table language."""


class ParameterError(RateFloatError, ValueError):
    """A call parameter (``as_of``, ``params``, ...) is missing or has the wrong type or value."""


class RejectReason(StrEnum):
    """Why an employer was rejected instead of rated. Stable codes for agency systems."""

    MISSING_EMPLOYER_ID = "MISSING_EMPLOYER_ID"
    INVALID_EMPLOYER_ID = "INVALID_EMPLOYER_ID"
    MISSING_VALUE = "MISSING_VALUE"
    NOT_NUMERIC = "NOT_NUMERIC"
    NEGATIVE_VALUE = "NEGATIVE_VALUE"
    NOT_INTEGER = "NOT_INTEGER"
    INVALID_DATE = "INVALID_DATE"
    INVALID_FLAG = "INVALID_FLAG"
    UNKNOWN_CLASS = "UNKNOWN_CLASS"
    UNKNOWN_INDUSTRY_CODE = "UNKNOWN_INDUSTRY_CODE"
    AMBIGUOUS_INDUSTRY_CODE = "AMBIGUOUS_INDUSTRY_CODE"
    DUPLICATE_EMPLOYER_YEAR = "DUPLICATE_EMPLOYER_YEAR"
    NO_DATA_IN_WINDOW = "NO_DATA_IN_WINDOW"
    GRADE_NOT_ON_LADDER = "GRADE_NOT_ON_LADDER"
    MISSING_CURRENT_RATE = "MISSING_CURRENT_RATE"
    OUT_OF_RANGE = "OUT_OF_RANGE"

    @property
    def description(self) -> str:
        """What the code means, in a sentence."""
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    RejectReason.MISSING_EMPLOYER_ID: "the row has no employer_id",
    RejectReason.INVALID_EMPLOYER_ID: (
        "the employer_id is neither text nor a whole number (or is text that cannot be "
        "written as UTF-8)"
    ),
    RejectReason.MISSING_VALUE: "a required value is empty (NaN/None)",
    RejectReason.NOT_NUMERIC: "a numeric column holds a value that is not a number",
    RejectReason.NEGATIVE_VALUE: "a count or an amount of money is negative",
    RejectReason.NOT_INTEGER: "a count or code is not a whole number",
    RejectReason.INVALID_DATE: "a date column holds a value that is not a date",
    RejectReason.INVALID_FLAG: "a yes/no flag holds a value other than true/false/0/1",
    RejectReason.UNKNOWN_CLASS: "the risk class is not one the rule table knows",
    RejectReason.UNKNOWN_INDUSTRY_CODE: "the industry code is not in the classification table",
    RejectReason.AMBIGUOUS_INDUSTRY_CODE: (
        "the industry code maps to more than one risk class in this edition; "
        "supply a local override"
    ),
    RejectReason.DUPLICATE_EMPLOYER_YEAR: "two rows for the same employer and year",
    RejectReason.NO_DATA_IN_WINDOW: "no experience rows inside the rating window",
    RejectReason.GRADE_NOT_ON_LADDER: "the current grade is not on the class's ladder",
    RejectReason.MISSING_CURRENT_RATE: "the table moves from the current rate but none was given",
    RejectReason.OUT_OF_RANGE: "a value lies outside its allowed range",
}

#: Columns of every rejects frame, in order.
REJECT_COLUMNS = ["employer_id", "reason", "column", "value", "row", "message"]


def reject_frame(
    employer_id: np.ndarray | pd.Series,
    reason: RejectReason | np.ndarray,
    column: str | np.ndarray,
    value: np.ndarray | pd.Series,
    row: np.ndarray | pd.Index,
    message: str | np.ndarray,
) -> pd.DataFrame:
    """Build a rejects frame with the standard columns from vectors (or scalars to broadcast).

    ``value`` is rendered as text so that one frame can carry values of any column type.
    ``row`` is the position/label of the offending input row.
    """
    employer_id = np.asarray(employer_id, dtype=object)
    n = len(employer_id)

    def broadcast(x: object) -> np.ndarray:
        if isinstance(x, (str, RejectReason)) or np.ndim(x) == 0:
            return np.full(n, str(x), dtype=object)
        return np.asarray(x, dtype=object)

    values = np.asarray(value, dtype=object)
    text = np.array(["" if _is_missing(v) else display_text(v) for v in values], dtype=object)
    # Text columns are object whatever their values, so that frames concatenate to the
    # same dtypes in any grouping (pandas would infer its string dtype for some only).
    frame = pd.DataFrame(
        {
            "employer_id": pd.Series(employer_id, dtype=object),
            "reason": pd.Series(broadcast(reason), dtype=object),
            "column": pd.Series(broadcast(column), dtype=object),
            "value": pd.Series(text, dtype=object),
            "row": np.asarray(row, dtype=np.int64),
            "message": pd.Series(broadcast(message), dtype=object),
        }
    )
    return frame


def display_text(value: object) -> str:
    """A value as text that any output can hold: ``str(value)``, with unpaired surrogates
    escaped (``\\ud800``) and values ``str`` refuses (an int of 5,000 digits) by type."""
    try:
        text = str(value)
    except (ValueError, OverflowError):
        return f"<{type(value).__name__} that cannot be shown>"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _is_missing(v: object) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def empty_rejects() -> pd.DataFrame:
    """An empty rejects frame with the standard columns and dtypes."""
    return reject_frame(np.array([], dtype=object), "", "", np.array([]), np.array([]), "")
