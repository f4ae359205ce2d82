"""``window.months_between`` (insured months) against calendar arithmetic with ``datetime``,
on arrays large enough for its blocked and looked-up paths."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from ratefloat import window

EPOCH = dt.date(1970, 1, 1)


def months_by_calendar(day: int, as_of: dt.date) -> int:
    start = EPOCH + dt.timedelta(days=day)
    whole = (as_of.year - start.year) * 12 + (as_of.month - start.month)
    return whole - (as_of.day < start.day)


@given(
    first=st.integers(-25_567, 84_000),  # 1900-01-01 … 2199
    span=st.sampled_from([1, 31, 366, 20_000, 400_000]),
    missing=st.floats(0, 0.5),
    extra=st.integers(0, 3),
    as_of=st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)),
    seed=st.integers(0, 2**16),
)
def test_months_between_agrees_with_the_calendar(first, span, missing, extra, as_of, seed):
    rng = np.random.default_rng(seed)
    size = window._BLOCK * extra + int(rng.integers(1, 5_000))
    days = rng.integers(first, first + span, size=size).astype(np.float64)
    days[rng.random(size) < missing] = np.nan
    got = window.months_between(days, as_of)
    valid = ~np.isnan(days)
    assert np.isnan(got[~valid]).all()
    distinct, inverse = np.unique(days[valid], return_inverse=True)
    expected = np.array([months_by_calendar(int(d), as_of) for d in distinct], dtype=float)
    assert np.array_equal(got[valid], expected[inverse])
