"""An extract prepared once and rated under many tables and variants.

Validation and window aggregation are the expensive part of a re-rating and do not depend
on the rules, so a :class:`Population` keeps each preparation and reuses it for every
table that reads the same columns over the same window: a variant costs only indicators,
rules and output.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..rerate import (
    PreparedExtract,
    RulesOutcome,
    evaluate_prepared,
    evaluate_rules,
    parse_as_of,
    prepare,
    resolve_params,
)
from ..result import RerateResult
from ..rules.loader import load_table
from ..rules.model import RuleTable
from .premium import payroll_of_inputs, premium

__all__ = ["Population", "grade_table"]


class Population:
    """An extract and a rating date; each table is rated on a shared preparation.

    Parameters
    ----------
    extract:
        Employer-year rows, as for :func:`ratefloat.rerate`.
    as_of:
        The date the rates take effect.
    classification, outside_effective_dates:
        As for :func:`ratefloat.rerate` (``"allow"`` rates tables outside their effective
        dates: what-ifs with past or future rules).
    """

    def __init__(
        self,
        extract: pd.DataFrame,
        as_of: str | dt.date | pd.Timestamp,
        *,
        classification: Any = None,
        outside_effective_dates: Literal["refuse", "allow"] = "refuse",
    ) -> None:
        self.extract = extract
        self.as_of = parse_as_of(as_of)
        self.classification = classification
        self.outside_effective_dates = outside_effective_dates
        self._prepared: list[PreparedExtract] = []

    @classmethod
    def of(
        cls,
        extract: pd.DataFrame | Population,
        as_of: str | dt.date | pd.Timestamp,
        *,
        classification: Any = None,
        outside_effective_dates: Literal["refuse", "allow"] = "refuse",
    ) -> Population:
        """``extract`` itself if it is already a population, else a new one of it."""
        if isinstance(extract, Population):
            return extract
        return cls(
            extract,
            as_of,
            classification=classification,
            outside_effective_dates=outside_effective_dates,
        )

    def prepared_for(
        self, table: RuleTable | str | Mapping[str, Any], params: Mapping[str, Any] | None = None
    ) -> PreparedExtract:
        """A preparation that ``table`` can be rated on (made once, then reused)."""
        table = load_table(table if not isinstance(table, Mapping) else dict(table))
        filled = table.with_parameters(resolve_params(table, params))
        for prepared in self._prepared:
            if prepared.filled is filled or prepared.accepts(filled) is None:
                return prepared
        prepared = prepare(
            self.extract,
            table,
            self.as_of,
            params=params,
            classification=self.classification,
            outside_effective_dates=self.outside_effective_dates,
        )
        self._prepared.append(prepared)
        return prepared

    @property
    def preparations(self) -> int:
        """How many times the extract was validated and aggregated."""
        return len(self._prepared)

    def rate(
        self, table: RuleTable | str | Mapping[str, Any], params: Mapping[str, Any] | None = None
    ) -> RerateResult:
        """The full result of ``table`` (equal to ``rerate()`` of the same arguments)."""
        table = load_table(table if not isinstance(table, Mapping) else dict(table))
        return evaluate_prepared(self.prepared_for(table, params), table, params=params)

    def outcome(
        self, table: RuleTable | str | Mapping[str, Any], params: Mapping[str, Any] | None = None
    ) -> RulesOutcome:
        """Grades and rates only (no output frame, no reason texts): the fast path."""
        table = load_table(table if not isinstance(table, Mapping) else dict(table))
        return evaluate_rules(self.prepared_for(table, params), table, params=params)


def grade_table(ruled: RulesOutcome) -> pd.DataFrame:
    """Employers, payroll and premium by rated class and grade, from an engine outcome.

    Premiums are rounded per employer first (as in the rated frame), then summed.
    """
    payroll, _ = payroll_of_inputs(ruled.env)
    outcome = ruled.outcome
    paid = premium(payroll, outcome.rate, ruled.table.rounding.money_decimals)
    classes = outcome.rated_class.astype(np.int64)
    grades = outcome.grade.astype(np.int64)
    low = int(grades.min()) if len(grades) else 0
    width = (int(grades.max()) - low + 1) if len(grades) else 1
    key = classes * width + (grades - low)
    size = int(key.max()) + 1 if len(key) else 0
    employers = np.bincount(key, minlength=size)
    present = np.flatnonzero(employers)
    return pd.DataFrame(
        {
            "rated_class": (present // width).astype(np.int16),
            "grade": (present % width + low).astype(np.int64),
            "employers": employers[present].astype(np.int64),
            "payroll": np.round(np.bincount(key, payroll, size)[present], 2),
            "premium": np.round(np.bincount(key, paid, size)[present], 2),
        }
    )
