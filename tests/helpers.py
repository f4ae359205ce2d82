"""A small builder of employer-year extracts for hand-worked example tests.

Every number a test needs is written in the test itself; the defaults here are dull on
purpose (class 4, 100 insured, 10,000 yuan paid a year, no payouts, no injuries, insured
since 2010) so that a test reads as "the default employer, except ...".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
import pytest

import ratefloat

#: Column values of a row unless a test says otherwise.
DEFAULTS: dict[str, Any] = {
    "risk_class": 4,
    "avg_insured": 100.0,
    "contributions": 10_000.0,
    "payouts": 0.0,
    "injuries": 0,
    "insured_since": "2010-01-01",
}

#: Extra defaults of the Qingdao table's required flag columns.
QINGDAO_FLAGS: dict[str, Any] = {"arrears": False, "fraud": False, "concealment": False}


def employer(
    employer_id: str,
    years: Iterable[int] = (2023, 2024),
    *,
    defaults: dict[str, Any] | None = None,
    **values: Any,
) -> list[dict[str, Any]]:
    """Rows of one employer, one per year.

    A value is either a scalar (the same every year) or a sequence with one entry per
    year, in the order of ``years``::

        employer("A", years=(2023, 2024), payouts=[6_000, 6_000])
    """
    years = list(years)
    base = {**DEFAULTS, **(defaults or {})}
    rows = []
    for position, year in enumerate(years):
        row: dict[str, Any] = {"employer_id": employer_id, "year": year}
        for name, value in {**base, **values}.items():
            if isinstance(value, Sequence) and not isinstance(value, str):
                if len(value) != len(years):
                    raise ValueError(f"{name}: {len(value)} values for {len(years)} years")
                row[name] = value[position]
            else:
                row[name] = value
        rows.append(row)
    return rows


def extract(*employers: list[dict[str, Any]]) -> pd.DataFrame:
    """One extract frame from the row lists of several employers, in the order given."""
    rows = [row for rows in employers for row in rows]
    return pd.DataFrame(rows)


def rate_one(
    rows: list[dict[str, Any]],
    rules: str = "cn-jiangsu-2023",
    as_of: str = "2025-01-01",
    params: dict[str, Any] | None = None,
) -> pd.Series:
    """Rate one employer's rows and return its rated row; fail if it was rejected."""
    result = ratefloat.rerate(extract(rows), rules=rules, as_of=as_of, params=params)
    assert result.rejects.empty, result.rejects.to_dict("records")
    assert len(result.rated) == 1, result.rated
    return result.rated.iloc[0]


def reasons(row: pd.Series) -> list[str]:
    """The rule ids of a rated row's ``reasons``, in order."""
    return str(row["reasons"]).split(" > ")


#: 人社部发〔2015〕71号: national base rates of classes 1-8 (fractions of payroll) [S].
NATIONAL_BASE_RATES = [
    pytest.param(1, 0.002, id="class 1 = 0.2%"),
    pytest.param(2, 0.004, id="class 2 = 0.4%"),
    pytest.param(3, 0.007, id="class 3 = 0.7%"),
    pytest.param(4, 0.009, id="class 4 = 0.9%"),
    pytest.param(5, 0.011, id="class 5 = 1.1%"),
    pytest.param(6, 0.013, id="class 6 = 1.3%"),
    pytest.param(7, 0.016, id="class 7 = 1.6%"),
    pytest.param(8, 0.019, id="class 8 = 1.9%"),
]
