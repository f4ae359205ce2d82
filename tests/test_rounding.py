"""Rounding half up to the fen (and to a table's rate precision), never banker's rounding."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from ratefloat import round_half_up, round_money


def test_halves_go_up_where_bankers_rounding_goes_down():
    # numpy rounds halves to even (0.125 -> 0.12); Python's round() works on the binary
    # value (2.675 is stored just below the half, so -> 2.67).
    assert np.round(0.125, 2) == 0.12 and round(2.675, 2) == 2.67
    assert round_money(np.array([0.125, 2.675, 0.005, 1.005, 10.015])).tolist() == [
        0.13,
        2.68,
        0.01,
        1.01,
        10.02,
    ]
    assert round_half_up(np.array([0.5, 1.5, 2.5, -2.5]), 0).tolist() == [1.0, 2.0, 3.0, -3.0]


def test_rates_keep_the_tables_precision():
    # class 4 at 120 %: 0.009 * 1.2 = 0.010799999999999999 in binary; the table means 1.08 %.
    assert 0.009 * 1.2 != 0.0108
    assert round_half_up(0.009 * 1.2, 6) == 0.0108


def test_values_beyond_the_fast_path_are_still_exact():
    # At 5.6e12 with 3 decimals the doubles are 0.001 apart: the decimal fallback applies.
    assert round_half_up(np.array([-5588064167765.6455, 2.5e15 + 0.5]), 3).tolist() == [
        -5588064167765.646,
        2.5e15 + 0.5,
    ]


def test_nan_and_inf_pass_through():
    out = round_half_up(np.array([np.nan, np.inf, -np.inf]), 2)
    assert np.isnan(out[0]) and out[1] == np.inf and out[2] == -np.inf


@given(
    st.decimals(
        min_value=-(10**9), max_value=10**9, places=6, allow_nan=False, allow_infinity=False
    ),
    st.integers(0, 6),
)
def test_matches_decimal_round_half_up_on_decimal_inputs(value, decimals):
    x = float(value)
    expected = float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP))
    assert round_half_up(x, decimals) == expected


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), st.integers(0, 8))
def test_matches_decimal_on_arbitrary_floats(x, decimals):
    expected = float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP))
    assert round_half_up(np.array([x]), decimals)[0] == expected
