"""Backtests on synthetic data with a known true risk per employer.

A table that grades on the true risk (which ``synth`` draws the injuries from) must rank
the following year's injuries better than one that sees only last years' noisy
experience, and show monotone relativities; a table that grades at random must not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ratefloat
from ratefloat import synth
from ratefloat.analysis import backtest
from ratefloat.analysis.backtests import gini

YEARS = [2023, 2024]


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    frame = synth.employer_years(20_000, years=range(2020, 2025), seed=9, true_risk=True)
    # A column with no information at all, for a table that grades at random.
    noise = np.random.default_rng(1).random(frame["employer_id"].nunique())
    codes = frame["employer_id"].str[1:].astype(int).to_numpy() - 1
    return frame.assign(coin=noise[codes])


def graded_on(column: str, cuts: tuple[float, float, float, float]) -> ratefloat.RuleTable:
    low2, low1, high1, high2 = cuts
    return ratefloat.load_table("cn-jiangsu-2023").with_changes(
        {
            "id": f"graded-on-{column.replace('_', '-')}",
            "inputs": {column: {"kind": "measure", "aggregate": "mean"}},
            "bands": [
                {"id": "top", "when": f"{column} > {high2}", "grade": 2},
                {"id": "high", "when": f"{column} > {high1}", "grade": 1},
                {"id": "bottom", "when": f"{column} < {low2}", "grade": -2},
                {"id": "low", "when": f"{column} < {low1}", "grade": -1},
            ],
            "modifiers": [],
        }
    )


def test_synth_true_risk_leaves_the_other_columns_unchanged():
    plain = synth.employer_years(3_000, seed=4)
    with_truth = synth.employer_years(3_000, seed=4, true_risk=True)
    pd.testing.assert_frame_equal(with_truth[plain.columns], plain)
    per_employer = with_truth.groupby("employer_id")["true_risk"].nunique()
    assert (per_employer == 1).all()
    # The truth is what the injuries are drawn from: riskier employers have more.
    top = with_truth["true_risk"] > with_truth["true_risk"].quantile(0.8)
    rate_top = with_truth.loc[top, "injuries"].sum() / with_truth.loc[top, "avg_insured"].sum()
    rate_rest = with_truth.loc[~top, "injuries"].sum() / with_truth.loc[~top, "avg_insured"].sum()
    assert rate_top > 1.5 * rate_rest


def test_a_table_that_sees_the_truth_ranks_better(panel):
    truth = backtest(panel, graded_on("true_risk", (0.45, 0.8, 1.15, 1.6)), YEARS, bootstraps=100)
    experience = backtest(panel, "cn-jiangsu-2023", YEARS, bootstraps=100)
    coin = backtest(panel, graded_on("coin", (0.1, 0.3, 0.7, 0.9)), YEARS, bootstraps=100)
    for year in YEARS:
        t = truth.gini.set_index("year").loc[year]
        e = experience.gini.set_index("year").loc[year]
        c = coin.gini.set_index("year").loc[year]
        assert t["low"] > e["high"], (t, e)  # intervals apart
        assert e["gini"] > c["gini"]
        assert c["low"] < 0 < c["high"]  # a coin has no ranking power
    assert truth.monotone and truth.verdict.startswith("monotone")
    assert not coin.monotone and "not monotone" in coin.verdict
    q = truth.quintiles[truth.quintiles["year"] == YEARS[-1]]["ratio"].to_numpy()
    assert (np.diff(q) > 0).all()
    last = truth.by_grade[truth.by_grade["year"] == YEARS[-1]].set_index("grade")
    assert last.loc[2, "payout_relativity"] > 1 > last.loc[-2, "payout_relativity"]


def test_backtest_scores_the_year_after_the_window(panel):
    result = backtest(panel, "cn-jiangsu-2023", [2024], bootstraps=0)
    rated = result.results[2024]
    assert rated.window.last == 2023
    scored = panel[(panel["year"] == 2024) & panel["employer_id"].isin(rated.rated["employer_id"])]
    scored = scored[scored["avg_insured"] > 0]
    assert result.by_grade["injuries"].sum() == scored["injuries"].sum()
    assert result.by_grade["employers"].sum() == scored["employer_id"].nunique()
    np.testing.assert_allclose(
        result.by_grade["relativity"] * result.by_grade["expected"], result.by_grade["injuries"]
    )
    # within-class expectation: the expected injuries add up to the actual ones
    assert result.by_grade["expected"].sum() == pytest.approx(scored["injuries"].sum())
    assert result.by_grade["expected_payouts"].sum() == pytest.approx(scored["payouts"].sum())
    np.testing.assert_allclose(
        result.by_grade["payout_relativity"] * result.by_grade["expected_payouts"],
        result.by_grade["payouts"],
    )


def test_bootstrap_is_seeded(panel):
    a = backtest(panel, "cn-jiangsu-2023", [2024], bootstraps=50, seed=3)
    b = backtest(panel, "cn-jiangsu-2023", [2024], bootstraps=50, seed=3)
    c = backtest(panel, "cn-jiangsu-2023", [2024], bootstraps=50, seed=4)
    pd.testing.assert_frame_equal(a.gini, b.gini)
    assert not a.gini[["low", "high"]].equals(c.gini[["low", "high"]])
    assert a.gini["low"].iat[0] < a.gini["gini"].iat[0] < a.gini["high"].iat[0]


def test_gini_of_perfect_and_of_reversed_ranking():
    expected = np.ones(4)
    actual = np.array([0.0, 0.0, 0.0, 4.0])
    assert gini([1, 2, 3, 4], expected, actual) == pytest.approx(0.75)
    assert gini([4, 3, 2, 1], expected, actual) == pytest.approx(-0.75)
    assert gini([1, 1, 1, 1], expected, actual) == pytest.approx(0.0)


def test_backtest_needs_years(panel):
    with pytest.raises(ratefloat.ParameterError, match="years"):
        backtest(panel, "cn-jiangsu-2023", [])
