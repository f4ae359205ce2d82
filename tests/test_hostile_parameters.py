"""Hostile parameter values are refused with :class:`ParameterError`, never a crash.

Every parameter of every built-in table is fed values an analyst's notebook or a command
line can produce by mistake (huge integers, NaN and infinities, text, containers, complex
and decimal numbers, numpy scalars). ``rerate()`` must either rate with finite rates or
refuse with ``ParameterError`` naming the parameter.
"""

from __future__ import annotations

import decimal
import math

import numpy as np
import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st

import ratefloat
from ratefloat import ParameterError, list_tables, load_table
from test_table_national import BUILTIN_PARAMS, IN_FORCE_AS_OF, _fill_columns, _fill_params

AS_OF = "2025-01-01"
BUILT_INS = [info.id for info in list_tables()]

HOSTILE_NUMBERS = [
    10**400,
    -(10**400),
    float("nan"),
    float("inf"),
    -float("inf"),
    np.float64("nan"),
    np.float32("inf"),
    complex(1, 2),
    decimal.Decimal("NaN"),
    decimal.Decimal("1e400"),
    "0.5",
    "",
    b"1",
    [],
    [float("nan")],
    {"value": 1},
    True,
    np.bool_(False),
]

#: Finite but extreme: allowed where the parameter's own range allows them (a threshold of
#: 1e300 is never reached), refused where the table would become invalid.
EXTREME_FINITE = [1e300, -1e300, 5e-324, -0.0, 2**63, np.int64(-(2**63))]

hostile_values = st.one_of(
    st.sampled_from(HOSTILE_NUMBERS + EXTREME_FINITE),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**500), max_value=10**500),
    st.text(max_size=5),
    st.lists(st.one_of(st.floats(), st.integers(), st.text(max_size=2)), max_size=3),
)


@pytest.fixture(scope="module")
def population():
    return ratefloat.synth.employer_years(60, years=(2020, 2021, 2022, 2023, 2024), seed=7)


def _parameter_cases():
    return [(table_id, name) for table_id in BUILT_INS for name in load_table(table_id).parameters]


@pytest.mark.parametrize("value", HOSTILE_NUMBERS, ids=repr)
def test_a_huge_or_non_finite_number_parameter_is_a_parameter_error(value, population):
    """The reported case: ``params={"x": 10**400}`` raised OverflowError from float()."""
    table = load_table("cn-jiangsu-2023")
    name = next(n for n, spec in table.parameters.items() if spec.type == "number")
    with pytest.raises(ParameterError, match=name):
        ratefloat.rerate(
            _fill_columns(population, table),
            table,
            IN_FORCE_AS_OF.get(table.id, AS_OF),
            params={name: value},
        )


@given(case=st.sampled_from(_parameter_cases()), value=hostile_values)
def test_any_value_of_any_parameter_rates_finitely_or_is_a_parameter_error(case, value, population):
    table_id, name = case
    table = load_table(table_id)
    params = {**_fill_params(table), name: value}
    note(f"{table_id}: {name}={value!r}")
    extract = _fill_columns(population, table)
    as_of = IN_FORCE_AS_OF.get(table_id, AS_OF)
    try:
        result = ratefloat.rerate(extract, table, as_of, params=params)
    except ParameterError as error:
        event("refused")
        assert name in str(error) or "parameter" in str(error)
        return
    event("rated")
    rates = result.rated["rate"].to_numpy(dtype=float)
    assert all(math.isfinite(r) for r in rates)
    assert len(result.rated) + len(result.rejects) == extract["employer_id"].nunique()


def test_every_builtin_table_rates_with_its_agency_parameters(population):
    """The baseline the property varies from: all tables rate with the illustrative values."""
    for table_id in BUILT_INS:
        table = load_table(table_id)
        result = ratefloat.rerate(
            _fill_columns(population, table),
            table,
            IN_FORCE_AS_OF.get(table_id, AS_OF),
            params=BUILTIN_PARAMS.get(table_id, _fill_params(table)),
        )
        assert len(result.rated) > 0
