"""Tests of ratefloat.synth: determinism, schema, invariants, published targets, claims.

Targets are taken from published figures and the documented model, not from the generator
(sources and assumptions in docs/concepts/synthetic-data.md): the sanity bands of national
and local fund statistics (China Statistical Yearbook 2009/2012, MOHRSS 2021 statistical
bulletin, EU ESAW 2021), the class mix, severity and frequency tables of that page, and
人社部发〔2015〕71号 (base rates, ladder, annex of industry classes).
"""

from __future__ import annotations

import dataclasses
import doctest
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ratefloat
from ratefloat import synth
from ratefloat.errors import ParameterError, SchemaError

# ---- the specification, written out independently of the module --------------------

EXPECTED_DTYPES = {
    "employer_id": "object",
    "year": "int16",
    "risk_class": "int8",
    "industry_code": "object",
    "insured_since": "datetime64[ns]",
    "avg_insured": "float64",
    "payroll": "float64",
    "contributions": "float64",
    "injuries": "int32",
    "deaths": "int32",
    "disability_1_4": "int32",
    "disability_5_6": "int32",
    "disability_7_10": "int32",
    "occupational_disease": "int32",
    "payouts": "float64",
    "arrears": "bool",
    "fraud": "bool",
    "concealment": "bool",
    "safety_level": "int8",
    "current_grade": "int8",
    "current_rate": "float64",
}
CLAIM_DTYPES = {
    "claim_id": "object",
    "employer_id": "object",
    "year": "int16",
    "accident_date": "datetime64[ns]",
    "severity": "category",
    "occupational_disease": "bool",
    "payout": "float64",
}
SEVERITY_ORDER = ["none", "disability_7_10", "disability_5_6", "disability_1_4", "death"]
# 人社部发〔2015〕71号: national base rates and the ladder [published].
BASE_RATES = {1: 0.002, 2: 0.004, 3: 0.007, 4: 0.009, 5: 0.011, 6: 0.013, 7: 0.016, 8: 0.019}
MULTIPLIERS = {-2: 0.5, -1: 0.8, 0: 1.0, 1: 1.2, 2: 1.5}
# class mixes by employer count [assumption from the Shandong 2018 census structure]
PROVINCE_MIX = {1: 0.12, 2: 0.607, 3: 0.045, 4: 0.093, 5: 0.072, 6: 0.062, 7: 0.0004, 8: 0.0008}
KEY_INDUSTRY_MIX = {4: 0.35, 5: 0.25, 6: 0.30, 7: 0.04, 8: 0.06}
# worker shares implied by the class mix and the census size means [derived]
WORKER_SHARES = {1: 0.088, 2: 0.443, 3: 0.063, 4: 0.130, 5: 0.140, 6: 0.121}
# E[S_k] in annual wages and λ_k per 1,000 insured, computed from the statutory benefit
# schedule and the stated assumptions (docs/concepts/synthetic-data.md, "The model")
SEVERITY_TABLE = {1: 1.13, 2: 1.13, 3: 1.13, 4: 1.14, 5: 1.15, 6: 1.18, 7: 1.25, 8: 1.32}
LAMBDA_TABLE = {1: 1.3, 2: 2.7, 3: 4.7, 4: 5.9, 5: 7.2, 6: 8.3, 7: 9.6, 8: 10.8}
# 71号 annex anchors: one well-known industry per class (membership [S], codes [I])
CODE_ANCHORS = {
    "65": 1,  # 软件和信息技术服务业
    "51": 2,  # 批发业
    "13": 3,  # 农副食品加工业
    "34": 4,  # 通用设备制造业
    "54": 5,  # 道路运输业
    "47": 6,  # 房屋建筑业
    "07": 7,  # 石油和天然气开采业
    "06": 8,  # 煤炭开采和洗选业
}
COUNT_COLUMNS = [
    "injuries",
    "deaths",
    "disability_1_4",
    "disability_5_6",
    "disability_7_10",
    "occupational_disease",
]
YEARS = (2022, 2023, 2024)


def fen(x: pd.Series | np.ndarray) -> np.ndarray:
    return np.rint(np.asarray(x, dtype=float) * 100).astype(np.int64)


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    return synth.employer_years(200_000, YEARS, seed=2024)


@pytest.fixture(scope="module")
def population_claims(population: pd.DataFrame) -> pd.DataFrame:
    return synth.claims(population, seed=5)


# ---- invariants, shared by the example-based and the property tests -----------------


def assert_invariants(df: pd.DataFrame, n: int, years: tuple[int, ...], rate_mult: float) -> None:
    assert list(df.columns) == list(EXPECTED_DTYPES)
    assert {c: str(t) for c, t in df.dtypes.items()} == EXPECTED_DTYPES
    assert isinstance(df.index, pd.RangeIndex) and df.index.start == 0

    # one row per employer-year, sorted by employer then year
    assert not df.duplicated(["employer_id", "year"]).any()
    keys = list(zip(df.employer_id, df.year, strict=True))
    assert keys == sorted(keys)
    assert df.employer_id.nunique() == n
    assert set(df.year.unique()) <= set(years)
    width = max(7, len(str(n)))
    assert df.employer_id.str.fullmatch(rf"E\d{{{width}}}").all()

    # nothing negative; counts consistent
    numeric = df.select_dtypes("number")
    assert (numeric.drop(columns="current_grade") >= 0).all().all()
    severe = df.deaths + df.disability_1_4 + df.disability_5_6 + df.disability_7_10
    assert (severe <= df.injuries).all()
    assert (df.occupational_disease <= df.injuries).all()
    assert ((df.payouts > 0) == (df.injuries > 0)).all()
    assert (df.avg_insured >= 1).all()
    for col in ("payroll", "contributions", "payouts"):
        assert np.allclose(df[col] * 100, np.rint(df[col] * 100), rtol=0, atol=1e-4), col

    # per-employer constants
    per_employer = df.groupby("employer_id", sort=False)
    for col in ("risk_class", "industry_code", "insured_since", "current_grade", "safety_level"):
        assert (per_employer[col].nunique() == 1).all(), col

    # classes, codes, grades, rates
    assert df.risk_class.between(1, 8).all()
    classified = ratefloat.classify(df[["employer_id", "industry_code"]]).frame
    assert (classified["risk_class"].to_numpy() == df["risk_class"].to_numpy()).all()
    assert df.current_grade.between(-2, 2).all()
    assert (df.current_grade[df.risk_class == 1] >= 0).all()
    assert df.safety_level.between(0, 3).all()
    expected_rate = df.risk_class.map(BASE_RATES) * df.current_grade.map(MULTIPLIERS)
    assert np.allclose(df.current_rate, expected_rate, rtol=1e-12, atol=0)
    due = df.payroll * df.current_rate * rate_mult
    assert (np.abs(df.contributions - due) <= 0.005 + 1e-6 * due).all()

    # entry: incumbents have every year, entrants every year from entry on
    first = per_employer.agg(
        first_year=("year", "min"), rows=("year", "size"), since=("insured_since", "first")
    )
    year_end = pd.to_datetime((first.first_year + 1).astype(str)) - pd.Timedelta(days=1)
    assert (first.since <= year_end).all()
    assert (first.rows == [sum(y >= fy for y in years) for fy in first.first_year]).all()
    incumbent = first.since < pd.Timestamp(years[0], 1, 1)
    assert (first.first_year[incumbent] == years[0]).all()
    entrants = first[~incumbent]
    assert (entrants.since.dt.year == entrants.first_year).all()
    grade = per_employer.current_grade.first()
    assert (grade[entrants.index] == 0).all(), "entrants start at the base rate"


def assert_claims_reconcile(ey: pd.DataFrame, cl: pd.DataFrame) -> None:
    assert list(cl.columns) == list(CLAIM_DTYPES)
    assert {c: str(t) for c, t in cl.dtypes.items()} == CLAIM_DTYPES
    assert list(cl.severity.cat.categories) == SEVERITY_ORDER and cl.severity.cat.ordered
    assert cl.claim_id.is_unique
    assert isinstance(cl.index, pd.RangeIndex)

    # each claim's employer-year row
    keys = pd.MultiIndex.from_arrays([ey.employer_id.astype(object), ey.year.astype(np.int64)])
    claim_keys = pd.MultiIndex.from_arrays(
        [cl.employer_id.astype(object), cl.year.astype(np.int64)]
    )
    pos = keys.get_indexer(claim_keys)
    assert (pos >= 0).all(), "claims of unknown employer-years"
    rows = len(ey)

    def per_row(mask: np.ndarray | pd.Series, weights: np.ndarray | None = None) -> np.ndarray:
        w = None if weights is None else weights[np.asarray(mask)]
        return np.bincount(pos[np.asarray(mask)], weights=w, minlength=rows).astype(np.int64)

    every = np.ones(len(cl), dtype=bool)
    got = {
        "injuries": per_row(every),
        "deaths": per_row(cl.severity == "death"),
        "disability_1_4": per_row(cl.severity == "disability_1_4"),
        "disability_5_6": per_row(cl.severity == "disability_5_6"),
        "disability_7_10": per_row(cl.severity == "disability_7_10"),
        "occupational_disease": per_row(cl.occupational_disease),
    }
    for col, values in got.items():
        np.testing.assert_array_equal(values, ey[col].to_numpy(np.int64), err_msg=col)
    np.testing.assert_array_equal(per_row(every, fen(cl.payout)), fen(ey.payouts))
    assert (cl.payout >= 0).all()
    assert np.allclose(cl.payout * 100, np.rint(cl.payout * 100), rtol=0, atol=1e-6)

    # accident dates: inside the row's year, not before the employer was insured
    assert (cl.accident_date.dt.year == cl.year).all()
    since = ey.insured_since.to_numpy()[pos]
    assert (cl.accident_date.to_numpy() >= since.astype("datetime64[D]")).all()
    # ordered as the frame's rows, then by accident date
    date = cl.accident_date.to_numpy()
    same_row = pos[1:] == pos[:-1]
    assert (np.diff(pos) >= 0).all()
    assert (date[1:][same_row] >= date[:-1][same_row]).all()


# ---- determinism and schema ---------------------------------------------------------


def test_same_arguments_give_identical_frames():
    a = synth.employer_years(3_000, seed=11, entry_share=0.3)
    b = synth.employer_years(3_000, seed=11, entry_share=0.3)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    pd.testing.assert_frame_equal(synth.claims(a, seed=4), synth.claims(b, seed=4))


def test_different_seeds_give_different_frames():
    a = synth.employer_years(3_000, seed=1)
    b = synth.employer_years(3_000, seed=2)
    assert not a.risk_class.equals(b.risk_class)
    assert not a.payroll.equals(b.payroll)
    ca, cb = synth.claims(a, seed=1), synth.claims(a, seed=2)
    assert len(ca) == len(cb)
    assert not ca.payout.equals(cb.payout)


def test_columns_dtypes_and_invariants(population):
    assert_invariants(population, 200_000, YEARS, 1.0)
    assert dict(synth.EMPLOYER_YEAR_COLUMNS) == EXPECTED_DTYPES
    assert dict(synth.CLAIM_COLUMNS) == CLAIM_DTYPES


def test_zero_employers_gives_empty_frames_with_the_schema():
    df = synth.employer_years(0)
    assert len(df) == 0
    assert {c: str(t) for c, t in df.dtypes.items()} == EXPECTED_DTYPES
    cl = synth.claims(df)
    assert len(cl) == 0
    assert {c: str(t) for c, t in cl.dtypes.items()} == CLAIM_DTYPES


def test_ids_widen_past_seven_digits():
    # width must fit n; only the id helper on the two ends, to keep the test fast
    ids = synth._ids("E", 12_345_678, 7, numbers=np.array([1, 12_345_678]))
    assert ids.tolist() == ["E00000001", "E12345678"]
    assert synth._ids("E", 3, 7).tolist() == ["E0000001", "E0000002", "E0000003"]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(0, 300),
    seed=st.integers(0, 2**32),
    start=st.integers(2015, 2030),
    n_years=st.integers(1, 4),
    entry_share=st.floats(0, 1),
    frailty_cv=st.floats(0, 2.5),
    rate_mult=st.floats(0.3, 1.5),
    weights=st.none() | st.lists(st.floats(0, 1), min_size=8, max_size=8),
)
def test_invariants_hold_for_any_parameters(
    n, seed, start, n_years, entry_share, frailty_cv, rate_mult, weights
):
    years = tuple(range(start, start + n_years))
    mix = None
    if weights is not None and sum(weights) > 0:
        total = sum(weights)
        mix = {k: w / total for k, w in zip(range(1, 9), weights, strict=True)}
    df = synth.employer_years(
        n,
        years,
        seed=seed,
        class_mix=mix,
        entry_share=entry_share,
        frailty_cv=frailty_cv,
        rate_multiplier=rate_mult,
    )
    assert_invariants(df, n, years, rate_mult)
    if mix is not None:
        assert all(mix[k] > 0 for k in df.risk_class.unique())
    assert_claims_reconcile(df, synth.claims(df, seed=seed))


# ---- aggregate figures vs the cited targets -------------------------------------------


def test_system_payout_ratio_is_in_the_published_band(population):
    ratio = population.payouts.sum() / population.contributions.sum()
    # national fund expenditure ÷ revenue 0.59 (2008), 0.61 (2011); Shandong 0.65, 0.71
    # (China Statistical Yearbook 2009 table 22-45, 2012 table 23-39); Yantai ≈ 0.88 (2019)
    assert 0.6 <= ratio <= 0.9
    assert ratio == pytest.approx(0.75, rel=0.1)  # the calibration target


def test_payroll_weighted_base_rate_is_near_the_national_average(population):
    base = population.risk_class.map(BASE_RATES)
    rate = (population.payroll * base).sum() / population.payroll.sum()
    # national average ≈ 0.75 % after 人社部发〔2015〕71号; the class mix gives 0.69 % [derived]
    assert 0.006 <= rate <= 0.008


def test_low_risk_classes_mostly_have_no_injuries(population):
    low = population[population.risk_class <= 3]
    assert (low.injuries == 0).mean() >= 0.90  # follows from the low rates and small sizes


def test_class_mix_matches_the_province_preset(population):
    shares = population.groupby("employer_id").risk_class.first().value_counts(normalize=True)
    n = population.employer_id.nunique()
    for cls, p in PROVINCE_MIX.items():
        se = np.sqrt(p * (1 - p) / n)
        assert abs(shares.get(cls, 0.0) - p) <= 5 * se + 3e-4, cls


def test_worker_shares_match_the_size_model(population):
    workers = population.groupby("risk_class").avg_insured.sum()
    workers /= workers.sum()
    for cls, share in WORKER_SHARES.items():
        assert workers[cls] == pytest.approx(share, abs=0.02), cls


def test_wages_follow_the_recommended_lognormal(population):
    # employer wage lognormal, median ≈ 75,000 yuan, σ ≈ 0.35 [assumption on NBS 2023 wages]
    full_year = population[population.insured_since < pd.Timestamp(YEARS[0], 1, 1)]
    log_wage = np.log(full_year.payroll / full_year.avg_insured)
    assert np.exp(log_wage.median()) == pytest.approx(75_000, rel=0.02)
    assert log_wage.groupby(full_year.employer_id).first().std() == pytest.approx(0.35, abs=0.01)


def test_flag_rates_are_small(population):
    n = len(population)
    for col, p in (("arrears", 0.02), ("fraud", 0.001), ("concealment", 0.003)):
        se = np.sqrt(p * (1 - p) / n)
        assert population[col].mean() == pytest.approx(p, abs=5 * se), col


def test_frequency_and_severity_stay_inside_published_bounds(population):
    per_insured = population.injuries.sum() / population.avg_insured.sum()
    # ≤ beneficiaries ÷ insured: 0.73 % (2021, MOHRSS bulletin), 0.85-0.92 % (2008/2011)
    assert 0.002 <= per_insured <= 0.01
    fatal = population.deaths.sum() / population.injuries.sum()
    # ≈ 0.1 % (EU ESAW 2021, ≈ 860 non-fatal per fatal) up to 1-2 % for mining [assumption]
    assert 0.001 <= fatal <= 0.02
    heavy = population[population.risk_class >= 7]
    light = population[population.risk_class <= 3]
    assert heavy.deaths.sum() / heavy.injuries.sum() > light.deaths.sum() / light.injuries.sum()


def test_entry_share_and_grade_shares(population):
    per_employer = population.groupby("employer_id").agg(
        since=("insured_since", "first"),
        grade=("current_grade", "first"),
        cls=("risk_class", "first"),
    )
    entrant = per_employer.since >= pd.Timestamp(YEARS[0], 1, 1)
    assert entrant.mean() == pytest.approx(0.1, abs=0.005)
    inc = per_employer[~entrant & (per_employer.cls >= 2)]
    shares = inc.grade.value_counts(normalize=True)
    target = synth.PRESETS["province"].grade_shares
    for g, p in target.items():
        assert shares.get(g, 0.0) == pytest.approx(p, abs=0.01), g


def test_current_grade_carries_risk_information(population):
    # incumbents of classes 2-8 (class 1 has no down-float), frequency relative to the
    # class's documented λ so that the class mix of each grade does not matter
    inc = population[
        (population.insured_since < pd.Timestamp(YEARS[0], 1, 1)) & (population.risk_class >= 2)
    ]
    expected = inc.risk_class.map(LAMBDA_TABLE) / 1000 * inc.avg_insured
    by_grade = inc.assign(expected=expected).groupby("current_grade")[["injuries", "expected"]]
    relative = by_grade.sum().eval("injuries / expected")
    assert relative[2] > relative[0] > relative[-2]


def test_key_industry_preset_only_has_key_classes():
    df = synth.employer_years(40_000, preset="key_industry", seed=3)
    shares = df.groupby("employer_id").risk_class.first().value_counts(normalize=True)
    assert set(shares.index) <= set(KEY_INDUSTRY_MIX)
    for cls, p in KEY_INDUSTRY_MIX.items():
        assert shares[cls] == pytest.approx(p, abs=5 * np.sqrt(p * (1 - p) / 40_000))


# ---- the model's published truth vs the documented tables ----------------------------


def test_expected_severity_reproduces_the_documented_table():
    sev = synth.expected_severity()
    for cls, value in SEVERITY_TABLE.items():
        assert sev[cls] == pytest.approx(value, abs=0.006), cls


def test_injury_frequency_is_close_to_the_documented_table():
    lam = synth.injury_frequency()
    for cls, value in LAMBDA_TABLE.items():
        assert lam[cls] == pytest.approx(value, rel=0.1), cls


def test_every_parameter_has_its_source_documented():
    """Every SynthParams field is listed, with its source, on the synthetic-data page."""
    page = Path(__file__).resolve().parents[1] / "docs" / "concepts" / "synthetic-data.md"
    text = page.read_text(encoding="utf-8")
    missing = [f.name for f in dataclasses.fields(synth.SynthParams) if f"`{f.name}`" not in text]
    assert not missing


@pytest.mark.parametrize(("cv", "low", "high"), [(0.0, 0.93, 1.07), (0.7, 1.3, np.inf)])
def test_injuries_follow_the_published_frequency_and_frailty(cv, low, high):
    df = synth.employer_years(100_000, seed=9, frailty_cv=cv)
    inc = df[df.insured_since < pd.Timestamp(YEARS[0], 1, 1)]  # full-year exposure
    lam = inc.risk_class.map(synth.injury_frequency(synth.PRESETS["province"], YEARS)) / 1000
    mu = lam * inc.avg_insured
    assert inc.injuries.sum() / mu.sum() == pytest.approx(1.0, abs=0.03)
    dispersion = ((inc.injuries - mu) ** 2).sum() / mu.sum()  # 1 for Poisson
    assert low <= dispersion <= high


def test_rate_multiplier_scales_contributions_only():
    base = synth.employer_years(20_000, seed=8)
    cut = synth.employer_years(20_000, seed=8, rate_multiplier=0.8)
    unchanged = [c for c in EXPECTED_DTYPES if c != "contributions"]
    pd.testing.assert_frame_equal(base[unchanged], cut[unchanged])
    assert np.allclose(cut.contributions, 0.8 * base.contributions, rtol=0, atol=0.01)
    ratio = (cut.payouts.sum() / cut.contributions.sum()) / (
        base.payouts.sum() / base.contributions.sum()
    )
    assert ratio == pytest.approx(1 / 0.8, rel=1e-3)  # a rate cut raises the ratio (Yantai 2020)


def test_payout_ratio_target_moves_the_ratio():
    lo = synth.employer_years(50_000, seed=4, payout_ratio_target=0.5)
    hi = synth.employer_years(50_000, seed=4, payout_ratio_target=1.0)
    ratio = lambda d: d.payouts.sum() / d.contributions.sum()  # noqa: E731
    assert ratio(lo) < ratio(hi)
    assert hi.injuries.sum() / lo.injuries.sum() == pytest.approx(2.0, rel=0.1)


def test_year_effect_scales_that_year_only():
    df = synth.employer_years(60_000, seed=6, entry_share=0.0, year_effects={2023: 0.5})
    per_year = df.groupby("year").injuries.sum()
    assert per_year[2023] / per_year[2022] == pytest.approx(0.5, abs=0.08)
    assert per_year[2024] / per_year[2022] == pytest.approx(1.0, abs=0.12)


def test_base_rates_can_be_a_sequence():
    rates = [0.001, 0.002, 0.0035, 0.0045, 0.0055, 0.0065, 0.008, 0.0095]  # a city at 50 %
    df = synth.employer_years(2_000, seed=1, base_rates=rates)
    expected = df.risk_class.map(dict(enumerate(rates, 1))) * df.current_grade.map(MULTIPLIERS)
    assert np.allclose(df.current_rate, expected, rtol=1e-12)


# ---- industry codes -----------------------------------------------------------------


def test_codes_by_class_partition_gbt4754_2011():
    codes_by_class = synth._codes_by_class()
    codes = [c for cls in range(1, 9) for c in codes_by_class[cls]]
    assert sorted(codes) == [f"{i:02d}" for i in range(1, 97)]
    for code, cls in CODE_ANCHORS.items():
        assert code in codes_by_class[cls]


# ---- parameter validation -----------------------------------------------------------


@pytest.mark.parametrize(
    ("mix", "needle"),
    [
        ({9: 1.0}, "key 9"),
        ({0: 0.5, 1: 0.5}, "key 0"),
        ({"2": 1.0}, "key '2'"),
        ({1: -0.1, 2: 1.1}, "-0.1"),
        ({1: float("nan"), 2: 1.0}, "nan"),
        ({1: "half", 2: 0.5}, "'half'"),
        ({1: 0.5, 2: 0.4}, "sum to 1"),
        ({}, "sum to 1"),
    ],
)
def test_invalid_class_mix_is_a_clear_error(mix, needle):
    with pytest.raises(ValueError, match="class_mix") as info:
        synth.employer_years(10, class_mix=mix)
    assert needle in str(info.value)
    assert isinstance(info.value, ParameterError)


@given(st.lists(st.floats(0, 1), min_size=8, max_size=8), st.floats(-1e-6, 1e-6))
def test_class_mix_sum_tolerance(weights, eps):
    total = sum(weights)
    if total == 0:
        return
    mix = {k: w / total for k, w in zip(range(1, 9), weights, strict=True)}
    biggest = max(mix, key=mix.get)
    mix[biggest] = max(0.0, mix[biggest] + eps)
    off = abs(sum(mix.values()) - 1.0)
    if off > 1e-9 * 1.01:
        with pytest.raises(ParameterError, match=r"sum to 1|in \[0, 1\]"):
            synth.SynthParams(class_mix=mix)
    elif off < 1e-9 * 0.99:
        assert synth.SynthParams(class_mix=mix).class_mix == mix


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"frailty_cv": -0.1}, ParameterError, "frailty_cv"),
        ({"entry_share": 1.5}, ParameterError, "entry_share"),
        ({"rate_multiplier": 0}, ParameterError, "rate_multiplier"),
        ({"base_rates": [0.01] * 7}, ParameterError, "8 rates"),
        ({"frailty_cvv": 0.5}, TypeError, "did you mean 'frailty_cv'"),
        ({"preset": "provnce"}, ParameterError, "did you mean 'province'"),
        ({"seed": -1}, ParameterError, "seed"),
        ({"years": (2024, 2023)}, ParameterError, "increasing"),
    ],
)
def test_invalid_parameters_are_named(kwargs, error, needle):
    with pytest.raises(error, match=needle):
        synth.employer_years(10, **kwargs)


def test_presets_are_immutable():
    p = synth.PRESETS["province"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.frailty_cv = 0.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        p.class_mix[1] = 0.5  # type: ignore[index]


# ---- claims -------------------------------------------------------------------------


def test_claims_reconcile_with_the_population(population, population_claims):
    assert len(population_claims) == population.injuries.sum()
    assert_claims_reconcile(population, population_claims)


def test_claim_payouts_rank_with_severity(population_claims):
    mean = population_claims.groupby("severity", observed=True).payout.mean()
    assert mean["death"] > mean["disability_1_4"] > mean["disability_7_10"] > mean["none"]


def test_payouts_are_split_by_severity_within_an_employer_year():
    # 300 employer-years, each with one death and one ungraded injury: the death (≈ 14.8
    # annual wages, docs/concepts/synthetic-data.md) should take the larger share almost always
    n = 300
    frame = pd.DataFrame(
        {
            "employer_id": [f"E{i:07d}" for i in range(n)],
            "year": 2023,
            "injuries": 2,
            "deaths": 1,
            "disability_1_4": 0,
            "disability_5_6": 0,
            "disability_7_10": 0,
            "occupational_disease": 0,
            "payouts": 1_000_000.0,
        }
    )
    cl = synth.claims(frame, seed=1)
    death = cl[cl.severity == "death"].set_index("employer_id").payout
    other = cl[cl.severity == "none"].set_index("employer_id").payout
    assert (death > other.reindex(death.index)).mean() >= 0.95
    assert (death + other.reindex(death.index) == 1_000_000.0).all()


@st.composite
def employer_year_frames(draw):
    n = draw(st.integers(0, 25))
    rows = []
    for i in range(n):
        injuries = draw(st.integers(0, 12))
        parts = [draw(st.integers(0, injuries)) for _ in range(4)]
        while sum(parts) > injuries:
            parts[parts.index(max(parts))] -= 1
        od = draw(st.integers(0, injuries))
        payout = draw(st.integers(0, 10**9)) / 100 if injuries else 0.0
        since = pd.Timestamp(draw(st.sampled_from(["2019-05-04", "2023-12-31", "2023-02-28"])))
        rows.append((f"X{i}", 2023, injuries, *parts, od, payout, since))
    return pd.DataFrame(
        rows,
        columns=[
            "employer_id",
            "year",
            "injuries",
            "deaths",
            "disability_1_4",
            "disability_5_6",
            "disability_7_10",
            "occupational_disease",
            "payouts",
            "insured_since",
        ],
    ).astype({"insured_since": "datetime64[ns]"})


@settings(max_examples=60, deadline=None)
@given(employer_year_frames(), st.integers(0, 1000))
def test_claims_reconcile_with_any_consistent_frame(frame, seed):
    cl = synth.claims(frame, seed=seed)
    assert_claims_reconcile(frame, cl)
    pd.testing.assert_frame_equal(cl, synth.claims(frame, seed=seed))


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda f: f.drop(columns="payouts"), "lacks columns"),
        (lambda f: f.assign(**dict.fromkeys(COUNT_COLUMNS, 0)), "payouts > 0 but no injuries"),
        (lambda f: f.assign(deaths=f.injuries + 1), "exceed injuries"),
        (lambda f: f.assign(occupational_disease=f.injuries + 1), "exceeds injuries"),
        (lambda f: f.assign(injuries=f.injuries + 0.5), "whole numbers"),
        (lambda f: f.assign(payouts=-1.0), "negative"),
    ],
)
def test_claims_reject_frames_that_cannot_reconcile(change, needle):
    frame = synth.employer_years(300, seed=2)
    frame = frame[frame.payouts > 0].reset_index(drop=True)
    with pytest.raises(SchemaError, match=needle):
        synth.claims(change(frame))


# ---- docs ---------------------------------------------------------------------------


def test_docstring_examples_run():
    result = doctest.testmod(synth, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10
    assert result.failed == 0
