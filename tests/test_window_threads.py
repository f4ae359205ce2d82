"""Window aggregation gives the same bits on one thread and on several, any row order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ratefloat import synth, window
from ratefloat.schema import Aggregate, validate_extract

_HOW = {
    "contributions": Aggregate.SUM,
    "avg_insured": Aggregate.MEAN,
    "arrears": Aggregate.ANY,
    "risk_class": Aggregate.LAST,
    "safety_level": Aggregate.MAX,
    "insured_since": Aggregate.MIN,
    "payouts": Aggregate.SUM,
}


@pytest.fixture(autouse=True)
def _thread_small_windows(monkeypatch):
    monkeypatch.setattr(window, "_THREADED_ROWS", 0)
    monkeypatch.setattr(window, "_BLOCK", 7)  # several blocks per year even when small


@given(
    st.integers(1, 60),
    st.integers(0, 2**32 - 1),
    st.sampled_from([(2022, 2024), (2023, 2023), (2019, 2021)]),
)
def test_threads_do_not_change_the_aggregates(n, seed, span):
    frame = synth.employer_years(n, years=(2021, 2022, 2023, 2024), seed=seed)
    order = np.random.default_rng(seed).permutation(len(frame))
    frame = frame.iloc[order].reset_index(drop=True)
    validated = validate_extract(frame, optional=list(_HOW))
    runs = [
        window.aggregate_window(
            validated.year_rows, validated.columns, _HOW, *span, threads=threads
        )
        for threads in (1, 2, 3)
    ]
    (serial, serial_counts), *threaded = runs
    for aggregates, counts in threaded:
        np.testing.assert_array_equal(counts, serial_counts)
        assert list(aggregates) == list(serial)
        for name, values in serial.items():
            assert aggregates[name].dtype == values.dtype
            assert aggregates[name].tobytes() == values.tobytes(), name
