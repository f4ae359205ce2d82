"""Test frames for the baselines: a hand-made case table and a small random panel.

``CASES`` covers each row of the rule (see :mod:`baselines.rule`); the expected grade,
multiplier and rate of every employer were worked out by hand for ``as_of = 2025-01-01``
(window 2023-2024, previous window 2021-2022). ``random_panel`` is a stand-in for
``ratefloat.synth`` with the same columns, used to smoke-test the runner.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Each case: (employer_id, why, rows, expected (grade, multiplier, rate) or None if excluded).
# A row is (year, risk_class, avg_insured, contributions, payouts, injuries); the employer is
# insured since 2015-01-01 unless the case sets ``since``; ``no_down`` marks the 2024 row.
_Z = (50.0, 1000.0, 0.0, 0)  # a row with contributions but no payouts and no injuries
CASES = [
    ("E01", "both ratios 0 in window and previous window -> -2",
     [(y, 4, *_Z) for y in (2022, 2023, 2024)], (-2, 0.5, 0.0045)),
    ("E02", "both 0 in window, previous payout ratio 0.1 -> -1",
     [(2022, 4, 50.0, 1000.0, 100.0, 0), (2023, 4, *_Z), (2024, 4, *_Z)], (-1, 0.8, 0.0072)),
    ("E03", "payout ratio 2100/2000 = 1.05 > 100 % -> +2",
     [(2023, 4, 50.0, 1000.0, 1500.0, 0), (2024, 4, 50.0, 1000.0, 600.0, 0)], (2, 1.5, 0.0135)),
    ("E04", "payout ratio exactly 100 % is in (50 %, 100 %] -> +1",
     [(2023, 4, 50.0, 1000.0, 1000.0, 0), (2024, 4, 50.0, 1000.0, 1000.0, 0)], (1, 1.2, 0.0108)),
    ("E05", "payout ratio 1200/2000 = 60 % -> +1",
     [(2023, 4, 50.0, 1000.0, 600.0, 0), (2024, 4, 50.0, 1000.0, 600.0, 0)], (1, 1.2, 0.0108)),
    ("E06", "payout ratio exactly 50 %, no injuries -> otherwise 0",
     [(2023, 4, 50.0, 1000.0, 500.0, 0), (2024, 4, 50.0, 1000.0, 500.0, 0)], (0, 1.0, 0.009)),
    ("E07", "injury rate 4 / mean(100, 100) = 4 % > 3 %, payouts 0 -> +2",
     [(2023, 5, 100.0, 1000.0, 0.0, 2), (2024, 5, 100.0, 1000.0, 0.0, 2)], (2, 1.5, 0.0165)),
    ("E08", "injury rate 2 / mean(100, 100) = 2 % (a sum of headcounts would give 1 %) -> +1",
     [(2023, 5, 100.0, 1000.0, 0.0, 1), (2024, 5, 100.0, 1000.0, 0.0, 1)], (1, 1.2, 0.0132)),
    ("E09", "payout ratio 10 %, injury rate exactly 1 % -> otherwise 0",
     [(2023, 6, 100.0, 1000.0, 100.0, 1), (2024, 6, 100.0, 1000.0, 100.0, 0)], (0, 1.0, 0.013)),
    ("E10", "class 1 (latest window row) with both 0 twice -> -2 clipped to 0",
     [(2022, 1, *_Z), (2023, 3, *_Z), (2024, 1, *_Z)], (0, 1.0, 0.002)),
    ("E11", "class on the latest window row is 3 (was 1) -> -2 at 0.007",
     [(2022, 1, *_Z), (2023, 1, *_Z), (2024, 3, *_Z)], (-2, 0.5, 0.0035)),
    ("E12", "new employer, 18 months insured (2023-06-15), payouts 150 % -> 0",
     [(2023, 7, 50.0, 1000.0, 1500.0, 0), (2024, 7, 50.0, 1000.0, 1500.0, 0)], (0, 1.0, 0.016)),
    ("E13", "insured since 2022-10-02: 26 whole months, 23 to the window's end -> not floated, 0",
     [(2023, 7, 50.0, 1000.0, 1500.0, 0), (2024, 7, 50.0, 1000.0, 1500.0, 0)], (0, 1.0, 0.016)),
    ("E14", "insured since 2022-10-01: 27 months, exactly 24 to the window's end -> floated, "
            "both 0 twice -> -2",
     [(2022, 7, *_Z), (2023, 7, *_Z), (2024, 7, *_Z)], (-2, 0.5, 0.008)),
    ("E15", "no previous-window row: prev ratios NaN -> -1, not -2",
     [(2023, 4, *_Z), (2024, 4, *_Z)], (-1, 0.8, 0.0072)),
    ("E16", "0/0 in both ratios and in both windows counts as 0 -> -2",
     [(y, 4, 0.0, 0.0, 0.0, 0) for y in (2022, 2023, 2024)], (-2, 0.5, 0.0045)),
    ("E17", "payouts 100 / contributions 0 = +inf -> +2",
     [(2023, 8, 50.0, 0.0, 100.0, 0), (2024, 8, 50.0, 0.0, 0.0, 0)], (2, 1.5, 0.0285)),
    ("E18", "1 injury / avg_insured 0 = +inf, payouts 0 -> +2",
     [(2023, 2, 0.0, 1000.0, 0.0, 1), (2024, 2, 0.0, 1000.0, 0.0, 0)], (2, 1.5, 0.006)),
    ("E19", "one window row only: mean headcount 100 -> 2 % -> +1",
     [(2022, 4, 50.0, 1000.0, 0.0, 0), (2024, 4, 100.0, 1000.0, 0.0, 2)], (1, 1.2, 0.0108)),
    ("E20", "no window row at all -> not rated",
     [(2021, 4, *_Z), (2022, 4, *_Z)], None),
    ("E21", "2021 belongs to the previous window: payouts there -> -1",
     [(2021, 4, 50.0, 1000.0, 10.0, 0), (2022, 4, *_Z), (2023, 4, *_Z), (2024, 4, *_Z)],
     (-1, 0.8, 0.0072)),
    ("E22", "2020 is outside both windows: ignored -> -2",
     [(2020, 4, 50.0, 1000.0, 9e9, 9), (2022, 4, *_Z), (2023, 4, *_Z), (2024, 4, *_Z)],
     (-2, 0.5, 0.0045)),
    ("E23", "class 2 at -2: 0.004 x 0.5 = 0.002, at the class-1 floor",
     [(y, 2, *_Z) for y in (2022, 2023, 2024)], (-2, 0.5, 0.002)),
    ("E24", "no_down_event on a window row: -2 -> 0 (when the column is present)",
     [(y, 4, *_Z) for y in (2022, 2023, 2024)], (0, 1.0, 0.009)),
    ("E25", "insured since 2023-01-01: 24 months to as_of but 21 to the window's end -> 0",
     [(2022, 7, *_Z), (2023, 7, *_Z), (2024, 7, *_Z)], (0, 1.0, 0.016)),
]
_SINCE = {"E12": "2023-06-15", "E13": "2022-10-02", "E14": "2022-10-01", "E25": "2023-01-01"}
_NO_DOWN = {"E24"}
#: Expected result when the frame has no ``no_down_event`` column.
WITHOUT_NO_DOWN = {"E24": (-2, 0.5, 0.0045)}


def case_frame(no_down_column: bool = True) -> pd.DataFrame:
    """The hand-made employer-year frame of ``CASES`` (input dtypes as in ``ratefloat.synth``)."""
    rows = []
    for eid, _, case_rows, _ in CASES:
        for year, cls, avg_insured, contributions, payouts, injuries in case_rows:
            rows.append({
                "employer_id": eid,
                "year": year,
                "risk_class": cls,
                "insured_since": pd.Timestamp(_SINCE.get(eid, "2015-01-01")),
                "avg_insured": avg_insured,
                "contributions": contributions,
                "payouts": payouts,
                "injuries": injuries,
                "no_down_event": eid in _NO_DOWN and year == 2024,
            })
    frame = _typed(pd.DataFrame(rows))
    return frame if no_down_column else frame.drop(columns="no_down_event")


def expected(no_down_column: bool = True) -> pd.DataFrame:
    """Expected ``[employer_id, grade, multiplier, rate]`` of :func:`case_frame`."""
    out = {eid: exp for eid, _, _, exp in CASES if exp is not None}
    if not no_down_column:
        out.update(WITHOUT_NO_DOWN)
    return pd.DataFrame(
        [(eid, *out[eid]) for eid in sorted(out)],
        columns=["employer_id", "grade", "multiplier", "rate"],
    )


def random_panel(n_employers: int, seed: int = 0) -> pd.DataFrame:
    """A random 2022-2024 panel with the input columns; many zero rows, some short histories."""
    rng = np.random.default_rng(seed)
    years = np.array([2022, 2023, 2024])
    eid = np.repeat(np.arange(n_employers), 3)
    year = np.tile(years, n_employers)
    keep = rng.random(eid.size) > 0.1  # some employer-years missing
    eid, year = eid[keep], year[keep]
    n = eid.size
    insured = rng.lognormal(3, 1.2, n_employers).round()
    since = pd.Timestamp("2024-12-31") - pd.to_timedelta(rng.integers(0, 8000, n_employers), "D")
    contributions = insured[eid] * rng.uniform(300, 3000, n)
    injuries = rng.poisson(insured[eid] * 0.006)
    payouts = np.where(injuries > 0, contributions * rng.lognormal(-1.5, 1.2, n), 0.0)
    payouts[rng.random(n) < 0.01] = 0.0
    frame = pd.DataFrame({
        "employer_id": pd.Series(eid).map("C{:08d}".format),
        "year": year,
        "risk_class": rng.integers(1, 9, n),
        "insured_since": since[eid].as_unit("ns"),
        "avg_insured": insured[eid] * rng.uniform(0.8, 1.2, n).round(2),
        "contributions": contributions,
        "payouts": payouts,
        "injuries": injuries,
    })
    return _typed(frame)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    types = {"employer_id": "str", "year": "int64", "risk_class": "int64",
             "insured_since": "datetime64[ns]", "avg_insured": "float64",
             "contributions": "float64", "payouts": "float64", "injuries": "int64"}
    return frame.astype({k: v for k, v in types.items() if k in frame})
