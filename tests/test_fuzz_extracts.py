"""Fuzz: corrupted populations are rejected employer by employer, never crash the run.

Every built-in table rates populations from :func:`ratefloat.testing.corrupted_extracts`
(1-4 corruptions each). The properties are those of ARCHITECTURE.md: nothing lost (rated
∪ rejected = the input's employer ids, no overlap, no duplicates), every reject has a
reason code, every rate is finite, the same input gives identical frames, and the only
exception is ``SchemaError`` for a missing or duplicated column. The employer ids of the
input are computed here by an independent reading of the documented id rules.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

import ratefloat
from ratefloat.ids import normalise_employer_ids
from ratefloat.rerate import columns_read
from ratefloat.testing import HOSTILE_VALUES, corrupted_extracts
from test_table_national import BUILTIN_PARAMS, IN_FORCE_AS_OF

AS_OF = "2025-01-01"
TABLES = [info.id for info in ratefloat.list_tables()]
MISSING, INVALID = object(), object()
ID_REASONS = {"MISSING_EMPLOYER_ID", "INVALID_EMPLOYER_ID"}


def documented_id(value: object) -> object:
    """The id of one raw value by the rules of the integrator guide (a plain reading)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return INVALID
        stripped = value.strip()
        return stripped if stripped else MISSING
    try:
        if pd.isna(value):
            return MISSING
    except (TypeError, ValueError):
        return INVALID
    if isinstance(value, (bool, np.bool_)):
        return INVALID
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isfinite(number) and number.is_integer() and abs(number) < 2**53:
            return str(int(number))
        return INVALID
    return INVALID


def check_result(extract: pd.DataFrame, result: ratefloat.RerateResult) -> None:
    raw = extract["employer_id"].to_numpy(dtype=object)
    documented = [documented_id(v) for v in raw]
    expected = {d for d in documented if isinstance(d, str)}
    rated = result.rated["employer_id"]
    rejects = result.rejects
    named = rejects["employer_id"].dropna()
    assert rated.is_unique, "an employer is rated twice"
    assert named.is_unique, "an employer is rejected twice"
    assert not set(rated) & set(named), "an employer is both rated and rejected"
    assert set(rated) | set(named) == expected, "employers lost or invented"
    # Rows without a usable id: rejected one by one with the id reason, nothing else.
    anonymous = rejects[rejects["employer_id"].isna()]
    assert set(anonymous["reason"]) <= ID_REASONS
    bad_rows = {row for row, d in enumerate(documented) if d is MISSING or d is INVALID}
    assert set(anonymous["row"]) == bad_rows
    for row, reason in zip(anonymous["row"], anonymous["reason"], strict=True):
        wanted = "MISSING_EMPLOYER_ID" if documented[row] is MISSING else "INVALID_EMPLOYER_ID"
        assert reason == wanted, (row, raw[row])
    codes = {reason.value for reason in ratefloat.RejectReason}
    assert set(rejects["reason"]) <= codes
    assert set(result.failure_cases["reason"]) <= codes
    assert rejects["column"].astype(bool).all(), "a reject without its column"
    assert np.isfinite(result.rated["rate"].to_numpy(dtype=float)).all()
    for text in rejects["value"]:
        text.encode("utf-8")  # every reject can be written out


def in_force(table: str) -> str:
    """A rating date inside the table's effective dates (the corruption is the point)."""
    return IN_FORCE_AS_OF.get(table, AS_OF)


def rerate_checked(extract: pd.DataFrame, table: str) -> ratefloat.RerateResult | None:
    """rerate(), or None after checking that a SchemaError was the right answer."""
    params = BUILTIN_PARAMS.get(table)
    needed = ratefloat.required_columns(table)
    missing = [name for name in needed if name not in extract.columns]
    counts = extract.columns.value_counts()
    read = [name for name in columns_read(table) if name != "industry_code"]  # no classify
    doubled = [name for name in read if counts.get(name, 0) > 1]
    if missing or doubled:
        with pytest.raises(ratefloat.SchemaError) as raised:
            ratefloat.rerate(extract, table, in_force(table), params=params)
        assert any(name in str(raised.value) for name in missing + doubled)
        return None
    return ratefloat.rerate(extract, table, in_force(table), params=params)


@given(corrupted_extracts(), st.sampled_from(TABLES))
def test_corrupted_populations_reject_never_crash(extract, table):
    note(f"table {table}\n{extract.dtypes.to_string()}\n{extract.to_string()}")
    result = rerate_checked(extract, table)
    if result is None:
        return
    check_result(extract, result)
    again = ratefloat.rerate(
        extract.copy(deep=True), table, in_force(table), params=BUILTIN_PARAMS.get(table)
    )
    pd.testing.assert_frame_equal(result.rated, again.rated, check_exact=True)
    pd.testing.assert_frame_equal(result.rejects, again.rejects, check_exact=True)
    assert result.warnings == again.warnings


@given(st.lists(st.sampled_from(HOSTILE_VALUES) | st.text(max_size=6) | st.integers(), max_size=30))
def test_id_normalisation_follows_the_documented_rules(values):
    array = np.empty(len(values), dtype=object)
    array[:] = values
    normal = normalise_employer_ids(array)
    for position, value in enumerate(values):
        wanted = documented_id(value)
        if wanted is MISSING:
            assert normal.missing[position] and normal.text[position] is None, value
        elif wanted is INVALID:
            assert normal.invalid[position] and normal.text[position] is None, value
        else:
            assert normal.text[position] == wanted, value
            assert not normal.missing[position] and not normal.invalid[position]


@given(st.lists(st.text(max_size=6), min_size=1, max_size=30))
def test_id_normalisation_is_the_same_for_every_string_dtype(texts):
    """object, python-backed and pyarrow-backed strings normalise alike."""
    usable = [t for t in texts if documented_id(t) is not INVALID]
    if not usable:
        return
    reference = normalise_employer_ids(np.array(usable, dtype=object))
    for dtype in ("string[python]", "string[pyarrow]", "str"):
        other = normalise_employer_ids(pd.array(usable, dtype=dtype))
        assert other.text.tolist() == reference.text.tolist(), dtype
        assert other.missing.tolist() == reference.missing.tolist(), dtype
