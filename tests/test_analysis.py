"""ratefloat.analysis: populations, sweeps, comparisons and calibration.

Every analysis result is checked against plain ``rerate()`` runs of the same tables,
aggregated here with pandas: the analysis layer may only be faster, never different.
"""

from __future__ import annotations

import importlib
import math

import numpy as np
import pandas as pd
import pytest

import ratefloat
from ratefloat import synth
from ratefloat.analysis import Population, calibrate, compare, sweep
from ratefloat.analysis.variants import with_base_rate_scale

AS_OF = "2025-01-01"
#: Shandong leaves its thresholds to the agency; these are a test's stand-ins.
SHANDONG = {
    "grade_50_max": 0.2,
    "grade_80_max": 0.5,
    "grade_120_above": 1.0,
    "grade_150_above": 1.5,
}


@pytest.fixture(scope="module")
def province() -> pd.DataFrame:
    return synth.employer_years(4_000, years=(2021, 2022, 2023, 2024), seed=11)


def by_class_and_grade(result: ratefloat.RerateResult) -> pd.DataFrame:
    rated = result.rated
    out = rated.groupby(["rated_class", "grade"]).agg(
        employers=("employer_id", "size"), payroll=("payroll", "sum"), premium=("premium", "sum")
    )
    return out.reset_index()


def test_population_rates_exactly_as_rerate(province):
    population = Population(province, AS_OF)
    for table, params in [("cn-jiangsu-2023", None), ("cn-shandong-2024", SHANDONG)]:
        fast = population.rate(table, params)
        plain = ratefloat.rerate(province, table, AS_OF, params=params)
        pd.testing.assert_frame_equal(fast.rated, plain.rated)
        pd.testing.assert_frame_equal(fast.rejects, plain.rejects)
        assert fast.table_hash == plain.table_hash


def test_variants_of_one_table_share_one_preparation(province, monkeypatch):
    calls = []
    rerate_module = importlib.import_module("ratefloat.rerate")
    original = rerate_module.validate_extract
    monkeypatch.setattr(
        rerate_module, "validate_extract", lambda *a, **k: calls.append(1) or original(*a, **k)
    )
    frame = sweep(
        province,
        "cn-shandong-2024",
        AS_OF,
        grid={"grade_150_above": [1.2, 1.5, 2.0], "base_rate_scale": [0.9, 1.1]},
        params=SHANDONG,
    )
    assert len(calls) == 1
    assert frame["variant"].nunique() == 6


@pytest.mark.parametrize("scale", [0.85, 1.0, 1.2])
@pytest.mark.parametrize("threshold", [1.1, 2.5])
def test_sweep_equals_separate_rerate_runs(province, scale, threshold):
    frame = sweep(
        province,
        "cn-shandong-2024",
        AS_OF,
        grid={"grade_150_above": [threshold], "base_rate_scale": [scale]},
        params=SHANDONG,
    )
    table = with_base_rate_scale(ratefloat.load_table("cn-shandong-2024"), scale)
    plain = ratefloat.rerate(
        province, table, AS_OF, params={**SHANDONG, "grade_150_above": threshold}
    )
    expected = by_class_and_grade(plain)
    got = frame.drop(columns=["variant", "grade_150_above", "base_rate_scale"])
    assert (
        got[["rated_class", "grade", "employers"]]
        .astype("int64")
        .equals(expected[["rated_class", "grade", "employers"]].astype("int64"))
    )
    np.testing.assert_allclose(got["premium"], expected["premium"], rtol=0, atol=0.005)
    np.testing.assert_allclose(got["payroll"], expected["payroll"], rtol=0, atol=0.005)


def test_sweep_moves_employers_the_way_the_threshold_says(province):
    frame = sweep(
        province,
        "cn-shandong-2024",
        AS_OF,
        grid={"grade_150_above": [1.1, 1.5, 3.0]},
        params=SHANDONG,
    )
    top = (
        frame[frame["grade"] == frame["grade"].max()].groupby("grade_150_above")["employers"].sum()
    )
    assert top.is_monotonic_decreasing and top.iloc[0] > top.iloc[-1]


def test_sweep_rejects_an_unknown_name_with_a_suggestion(province):
    with pytest.raises(ratefloat.ParameterError, match="grade_150_above"):
        sweep(province, "cn-shandong-2024", AS_OF, grid={"grade_150_abov": [1.0]}, params=SHANDONG)
    with pytest.raises(ratefloat.ParameterError, match="non-empty"):
        sweep(province, "cn-shandong-2024", AS_OF, grid={"grade_150_above": []}, params=SHANDONG)


@pytest.fixture(scope="module")
def comparison(province):
    proposal = ratefloat.load_table("cn-jiangsu-2023").with_changes(
        {"id": "jiangsu-proposal", "bands.raised.when": "payout_ratio > 0.7 or injury_rate > 0.01"}
    )
    tables = {"current": "cn-jiangsu-2023", "proposal": proposal, "qingdao": "cn-qingdao-2017"}
    # Qingdao's table ended 2023-12-31: a what-if with it says so explicitly.
    return compare(province, tables, AS_OF, outside_effective_dates="allow"), tables


def test_compare_equals_separate_rerate_runs(province, comparison):
    comp, tables = comparison
    plain = {
        name: ratefloat.rerate(province, t, AS_OF, outside_effective_dates="allow").rated
        for name, t in tables.items()
    }
    both = plain["current"].merge(plain["qingdao"], on="employer_id", suffixes=("_a", "_b"))
    expected = pd.crosstab(both["grade_a"], both["grade_b"])
    assert (
        comp.transitions("current", "qingdao").to_numpy().tolist() == expected.to_numpy().tolist()
    )
    total = comp.premium()
    for name, rated in plain.items():
        assert total[f"premium_{name}"].iloc[0] == pytest.approx(rated["premium"].sum(), abs=0.01)
    assert total["premium_at_base"].iloc[0] == pytest.approx(
        plain["current"]["premium_at_base"].sum(), abs=0.01
    )
    # The two Jiangsu variants read the same columns: one preparation; Qingdao its own.
    assert comp._population.preparations == 2


def test_grade_shares_add_up_per_scenario(comparison):
    comp, _ = comparison
    grades = comp.grades()
    sums = grades.groupby("scenario")[["employer_share", "payroll_share"]].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0)
    shares = comp.transitions("current", "proposal", share=True)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)


def test_the_proposal_only_lowers_grades(comparison):
    # Raising a threshold can only move employers down (or leave them).
    comp, _ = comparison
    matrix = comp.transitions("current", "proposal")
    for a in matrix.index:
        for b in matrix.columns:
            if b > a:
                assert matrix.loc[a, b] == 0


@pytest.mark.parametrize("by", ["class", "size", "industry", "safety_level"])
def test_premium_breakdowns_add_up_to_the_total(comparison, by):
    comp, _ = comparison
    total = comp.premium()
    parts = comp.premium(by=by)
    assert parts["employers"].sum() == total["employers"].iloc[0]
    for column in ("premium_at_base", "premium_current", "premium_qingdao"):
        assert parts[column].sum() == pytest.approx(total[column].iloc[0], abs=0.05)


def test_premium_by_unknown_column_names_it(comparison):
    comp, _ = comparison
    with pytest.raises(ratefloat.ParameterError, match="region"):
        comp.premium(by="region")


def test_movers_are_the_largest_rate_changes(comparison):
    comp, _ = comparison
    wide = comp.employers()
    change = (wide["rate_qingdao"] - wide["rate_current"]).abs()
    movers = comp.movers(15, "current", "qingdao")
    assert len(movers) == 15
    assert movers["rate_change"].abs().tolist() == sorted(change, reverse=True)[:15]
    assert {"reasons_current", "reasons_qingdao", "payout_ratio"} <= set(movers.columns)


def test_premium_without_payroll_is_estimated_from_contributions(province):
    without = province.drop(columns=["payroll"])
    comp = compare(without, {"current": "cn-jiangsu-2023"}, AS_OF)
    assert "estimated" in comp.basis and "current rate" in comp.basis
    rated = comp.results["current"].rated
    wide = comp.employers()
    years = rated["window_years"].to_numpy()
    expected = np.round(rated["window_contributions"] / years / rated["current_rate"], 2)
    np.testing.assert_allclose(wide["payroll"], expected, atol=0.006)


def test_window_totals_in_rated_output_match_the_extract(province):
    result = ratefloat.rerate(province, "cn-jiangsu-2023", AS_OF)
    window = province[province["year"].between(result.window.first, result.window.last)]
    sums = window.groupby("employer_id")[["payouts", "contributions", "injuries"]].sum()
    rated = result.rated.set_index("employer_id")
    for column in ("payouts", "contributions", "injuries"):
        np.testing.assert_allclose(rated[f"window_{column}"], sums.loc[rated.index, column])
    insured = window.groupby("employer_id")["avg_insured"].mean()
    np.testing.assert_allclose(rated["window_avg_insured"], insured.loc[rated.index])


@pytest.fixture(scope="module")
def big_province() -> pd.DataFrame:
    return synth.employer_years(20_000, seed=3)


@pytest.mark.parametrize("target", ["revenue-neutral", "payouts"])
def test_calibrate_meets_its_tolerance(big_province, target):
    found = calibrate(big_province, "cn-jiangsu-2023", AS_OF, target=target)
    assert found.converged and abs(found.residual) <= 0.001
    # Independently: a plain rerate() of the calibrated table earns the target.
    rated = ratefloat.rerate(big_province, found.table, AS_OF).rated
    if target == "revenue-neutral":
        goal = (
            ratefloat.rerate(big_province, "cn-jiangsu-2023", AS_OF).rated["premium_at_base"].sum()
        )
    else:
        goal = (rated["window_payouts"] / rated["window_years"]).sum()
    assert abs(rated["premium"].sum() / goal - 1) <= 0.001
    assert found.target == pytest.approx(goal, rel=1e-9)


def test_calibrate_to_a_stated_income_with_a_tighter_tolerance(big_province):
    plain = ratefloat.rerate(big_province, "cn-jiangsu-2023", AS_OF).rated["premium"].sum()
    found = calibrate(big_province, "cn-jiangsu-2023", AS_OF, target=1.07 * plain, tolerance=1e-4)
    assert abs(found.income / (1.07 * plain) - 1) <= 1e-4
    assert found.value > 1.0
    assert found.iterations == len(found.history)


def test_calibrate_a_parameter_moves_it_the_right_way(big_province):
    plain = ratefloat.rerate(big_province, "cn-shandong-2024", AS_OF, params=SHANDONG)
    income = plain.rated["premium"].sum()
    found = calibrate(
        big_province,
        "cn-shandong-2024",
        AS_OF,
        params=SHANDONG,
        vary="grade_150_above",
        target=income * 0.995,
        tolerance=0.002,
    )
    # Less income needs a higher surcharge threshold.
    assert found.value > SHANDONG["grade_150_above"]
    assert abs(found.residual) <= 0.002
    assert found.table.parameters["grade_150_above"].default == found.value
    again = ratefloat.rerate(
        big_province,
        found.table,
        AS_OF,
        params={k: v for k, v in SHANDONG.items() if k != "grade_150_above"},
    )
    assert again.rated["premium"].sum() == pytest.approx(found.income, abs=0.05)


def test_calibrate_explains_what_it_cannot_do(big_province):
    with pytest.raises(ratefloat.ParameterError, match="no parameter"):
        calibrate(big_province, "cn-jiangsu-2023", AS_OF, vary="grade_cap")
    with pytest.raises(ratefloat.ParameterError, match="no bracket"):
        calibrate(big_province, "cn-jiangsu-2023", AS_OF, target=1e15, max_iterations=8)
    with pytest.raises(ratefloat.ParameterError, match="positive"):
        calibrate(big_province, "cn-jiangsu-2023", AS_OF, target=-5.0)


def test_calibrated_income_is_monotone_in_the_scale(big_province):
    frame = sweep(
        big_province, "cn-jiangsu-2023", AS_OF, grid={"base_rate_scale": [0.7, 0.8, 0.9, 1.0, 1.1]}
    )
    totals = frame.groupby("base_rate_scale")["premium"].sum()
    assert totals.is_monotonic_increasing
    assert math.isclose(
        totals.loc[1.0],
        ratefloat.rerate(big_province, "cn-jiangsu-2023", AS_OF).rated["premium"].sum(),
        abs_tol=0.05,
    )


def test_the_engine_never_imports_the_analysis_layer():
    import ast
    from pathlib import Path

    package = Path(ratefloat.__file__).parent
    offenders = []
    for path in package.rglob("*.py"):
        relative = path.relative_to(package)
        if (
            relative.parts[0] == "analysis"
            or relative.name == "__init__.py"
            and len(relative.parts) == 1
        ):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and "analysis" in node.module:
                offenders.append(str(relative))
            if isinstance(node, ast.Import) and any("analysis" in a.name for a in node.names):
                offenders.append(str(relative))
    assert not offenders


@pytest.mark.parametrize("k", [0.0, 50.0, 400.0, 5000.0])
def test_sweeping_a_parameter_that_indicators_read_recomputes_them(province, k):
    from ratefloat.analysis import CREDIBILITY_EXAMPLE

    population = Population(province, AS_OF)
    for warm in (10.0, k):  # a different k first, so a stale memo would show
        fast = population.rate(CREDIBILITY_EXAMPLE, {"credibility_k": warm})
    plain = ratefloat.rerate(province, CREDIBILITY_EXAMPLE, AS_OF, params={"credibility_k": k})
    pd.testing.assert_frame_equal(fast.rated, plain.rated)


def test_calibrate_stays_within_the_values_allowed(province):
    from ratefloat.analysis import CREDIBILITY_EXAMPLE

    # credibility_k has a minimum of 0: the search must stop there, not pass a negative k.
    with pytest.raises(ratefloat.ParameterError, match="limits of the value are 0"):
        calibrate(province, CREDIBILITY_EXAMPLE, AS_OF, vary="credibility_k", target=1.0)
    # a scale that would push a base rate to 1 or above is never tried
    with pytest.raises(ratefloat.ParameterError, match="limits"):
        calibrate(province, "cn-jiangsu-2023", AS_OF, target=1e15, max_iterations=60)


@pytest.mark.parametrize(
    "point",
    [{"multiplier_up_1": 1.3}, {"raised_payout_above": 0.7}, {"high_injury_above": 0.05}],
)
def test_sweeping_named_numbers_of_a_builtin_table_equals_rerate(province, point):
    # Jiangsu's thresholds and ladder values are $parameters (苏人社规〔2023〕2号's numbers
    # as defaults): a ladder value, a band threshold, an injury threshold.
    name, value = next(iter(point.items()))
    frame = sweep(province, "cn-jiangsu-2023", AS_OF, grid={name: [value]})
    expected = by_class_and_grade(
        ratefloat.rerate(province, "cn-jiangsu-2023", AS_OF, params=point)
    )
    got = frame.drop(columns=["variant", name])
    assert got["employers"].tolist() == expected["employers"].tolist()
    np.testing.assert_allclose(got["premium"], expected["premium"], atol=0.005)


def test_calibrate_a_named_ladder_value(province):
    plain = ratefloat.rerate(province, "cn-jiangsu-2023", AS_OF).rated["premium"].sum()
    found = calibrate(
        province,
        "cn-jiangsu-2023",
        AS_OF,
        vary="multiplier_up_2",
        target=plain * 1.01,
        tolerance=0.002,
    )
    assert found.value > 1.5  # more income from the +50 % grade needs a higher multiplier
    again = ratefloat.rerate(province, found.table, AS_OF).rated["premium"].sum()
    assert abs(again / (plain * 1.01) - 1) <= 0.002


def test_calibrate_beyond_what_the_table_allows_says_why(province):
    # the +20 % multiplier cannot pass the +50 % one (ladder values must rise)
    plain = ratefloat.rerate(province, "cn-jiangsu-2023", AS_OF).rated["premium"].sum()
    with pytest.raises(ratefloat.ParameterError, match="must rise"):
        calibrate(province, "cn-jiangsu-2023", AS_OF, vary="multiplier_up_1", target=plain * 3)
