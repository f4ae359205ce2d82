"""Small employers and credibility: the diagnostics and the credibility example table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ratefloat
from ratefloat import synth
from ratefloat.analysis import CREDIBILITY_EXAMPLE, injury_cost, surcharge_by_size

CREDIBILITY = CREDIBILITY_EXAMPLE
AS_OF = "2025-01-01"


def test_credibility_indicator_is_z_own_plus_one_minus_z():
    panel = synth.employer_years(3_000, years=range(2021, 2025), seed=8)
    result = ratefloat.rerate(panel, CREDIBILITY, AS_OF, params={"credibility_k": 250})
    rated = result.rated
    window = panel[panel["year"].between(result.window.first, result.window.last)]
    per = window.groupby("employer_id").agg(
        injuries=("injuries", "sum"),
        insured=("avg_insured", "mean"),
        years=("year", "size"),
        risk_class=("risk_class", "last"),
    )
    own = per["injuries"] / per["insured"]
    by_class = per.groupby("risk_class")[["injuries", "insured"]].transform("sum")
    relative = own / (by_class["injuries"] / by_class["insured"])
    n = per["insured"] * per["years"]
    z = n / (n + 250)
    expected = (z * relative + (1 - z)).loc[rated["employer_id"]].to_numpy()
    np.testing.assert_allclose(rated["credible_relativity"], expected, rtol=1e-12)


def test_more_ballast_surcharges_small_average_employers_less():
    shares = [
        surcharge_by_size(
            CREDIBILITY, AS_OF, employers=20_000, seed=5, params={"credibility_k": k}
        ).set_index("size_band")
        for k in (25, 1600, 25600)
    ]
    small = [s.loc["1–9", "p_surcharge"] for s in shares]
    assert small[0] > small[1] >= small[2]
    assert small[2] < small[0] / 4
    # the same seed gives the same Monte Carlo answer
    again = surcharge_by_size(
        CREDIBILITY, AS_OF, employers=20_000, seed=5, params={"credibility_k": 25}
    ).set_index("size_band")
    pd.testing.assert_frame_equal(again, shares[0])


def test_surcharge_by_size_counts_every_employer_once():
    frame = surcharge_by_size("cn-jiangsu-2023", AS_OF, employers=5_000, seed=1)
    assert frame["employers"].sum() == 5_000
    assert ((frame["p_surcharge"] + frame["p_discount"]) <= 1).all()


def test_injury_cost_equals_rerating_with_one_more_injury():
    panel = synth.employer_years(3_000, years=range(2021, 2025), seed=6)
    cost = injury_cost(panel, "cn-jiangsu-2023", AS_OF)
    before = ratefloat.rerate(panel, "cn-jiangsu-2023", AS_OF)
    window = panel["year"].between(before.window.first, before.window.last)
    sums = panel[window].groupby("risk_class")[["payouts", "injuries"]].sum()
    per_injury = sums["payouts"] / sums["injuries"]
    last_rows = panel[window].groupby("employer_id").tail(1).index
    edited = panel.copy()
    edited.loc[last_rows, "injuries"] += 1
    edited.loc[last_rows, "payouts"] += per_injury.loc[
        edited.loc[last_rows, "risk_class"]
    ].to_numpy()
    after = ratefloat.rerate(edited, "cn-jiangsu-2023", AS_OF)
    both = before.rated.merge(after.rated, on="employer_id", suffixes=("", "_after"))
    both["extra"] = both["premium_after"] - both["premium"]
    from ratefloat.analysis.comparison import size_bands

    both["size_band"] = size_bands(both["window_avg_insured"])
    expected = both.groupby(["size_band", "grade"], observed=True)["extra"].mean()
    got = cost.set_index(["size_band", "grade"])["extra_premium"]
    np.testing.assert_allclose(got.to_numpy(), expected.loc[got.index].to_numpy(), atol=0.01)
    assert (cost["extra_premium"] >= 0).all()  # one more injury never lowers the premium


@pytest.mark.parametrize("k", [-1])
def test_credibility_k_must_be_non_negative(k):
    with pytest.raises(ratefloat.ParameterError, match="minimum"):
        ratefloat.rerate(ratefloat.load_example(), CREDIBILITY, AS_OF, params={"credibility_k": k})
