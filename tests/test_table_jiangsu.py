"""Example tests of the built-in table ``cn-jiangsu-2023``, one per rule row of the source.

Source: 苏人社规〔2023〕2号 《江苏省工伤保险费率管理办法(修订版)》 (2023-11-22): the rule text
opening and two implementing notices under 苏人社函〔2024〕450号 (the pages listed in
``source.urls`` of cn-jiangsu-2023), with the national ladders and base rates of
人社部发〔2015〕71号 (``source.urls`` of cn-national-2015). Evidence tags: [S] seen in the
source text, [I] inference or arithmetic.

Every expected number below is worked out by hand from those texts:

* base rates (71号 [S], restated by 苏人社规〔2023〕2号 [S]): class 1 … 8 = 0.2, 0.4, 0.7, 0.9,
  1.1, 1.3, 1.6, 1.9 % of payroll;
* grades (71号 [S]): class 1 100/120/150 %; classes 2–8 50/80/100/120/150 %;
* window (苏人社规〔2023〕2号 and the 450号 notices [S]): 2-year cycle; for new rates from
  2025-01-01 the indicators cover the two assessment years before, 2023 and 2024 (the
  table labels the 24 months by assessment year); the previous cycle is 2021 and 2022;
* 支缴率 = benefits paid ÷ premiums actually paid, over the window;
  工伤发生率 = recognised injuries ÷ average insured headcount.

The default employer (``tests/helpers.py``) is class 4 (0.9 %), 100 insured, pays 10,000
yuan a year (20,000 over the window), no payouts, no injuries, insured since 2010.
"""

from __future__ import annotations

import math

import pytest

import ratefloat
from helpers import NATIONAL_BASE_RATES, employer, extract, rate_one, reasons

RULES = "cn-jiangsu-2023"
AS_OF = "2025-01-01"
CURRENT = (2023, 2024)
FOUR_YEARS = (2021, 2022, 2023, 2024)


def check(row, grade, multiplier, rate, expected_reasons):
    assert int(row["grade"]) == grade
    assert float(row["multiplier"]) == pytest.approx(multiplier, abs=1e-12)
    assert float(row["rate"]) == pytest.approx(rate, abs=1e-9)
    assert reasons(row) == expected_reasons


# --------------------------------------------------------------------------------------
# The band rows (浮动档次), class 4 (base 0.9 %)
# --------------------------------------------------------------------------------------

BAND_CASES = [
    pytest.param(
        {"years": FOUR_YEARS, "payouts": [3_000, 0, 0, 0], "injuries": [1, 0, 0, 0]},
        -1,
        0.8,
        0.0072,
        ["band:zero-cycle"],
        id="zero-cycle: payout ratio and injury rate 0 in 2023-24 (2021 injury) -> 80% = 0.72%",
    ),
    pytest.param(
        {"years": FOUR_YEARS},
        -2,
        0.5,
        0.0045,
        ["band:zero-two-cycles"],
        id="zero-two-cycles: both zero in 2021-22 and 2023-24 -> 50% = 0.45%",
    ),
    pytest.param(
        {"payouts": [12_000, 12_000], "injuries": [1, 0]},
        2,
        1.5,
        0.0135,
        ["band:high"],
        id="high by payout ratio: 24,000/20,000 = 120% > 100% (injury rate 1%) -> 150% = 1.35%",
    ),
    pytest.param(
        {"payouts": [500, 500], "injuries": [2, 2]},
        2,
        1.5,
        0.0135,
        ["band:high"],
        id="high by injury rate: 4/100 = 4% > 3% (payout ratio 5%) -> 150% = 1.35%",
    ),
    pytest.param(
        {"avg_insured": 400.0, "payouts": [6_000, 6_000], "injuries": [1, 1]},
        1,
        1.2,
        0.0108,
        ["band:raised"],
        id="raised by payout ratio (worked example): 60%, injury rate 2/400 = 0.5% -> 120% = 1.08%",
    ),
    pytest.param(
        {"payouts": [1_000, 1_000], "injuries": [1, 1]},
        1,
        1.2,
        0.0108,
        ["band:raised"],
        id="raised by injury rate: 2/100 = 2% in (1%, 3%] (payout ratio 10%) -> 120% = 1.08%",
    ),
    pytest.param(
        {"avg_insured": 200.0, "payouts": [3_000, 3_000], "injuries": [0, 1]},
        0,
        1.0,
        0.009,
        ["band:otherwise"],
        id="otherwise: payout ratio 30%, injury rate 1/200 = 0.5% -> base 0.9%",
    ),
]


@pytest.mark.parametrize(("values", "grade", "multiplier", "rate", "expected"), BAND_CASES)
def test_band_rows(values, grade, multiplier, rate, expected):
    """苏人社规〔2023〕2号 floating table (source.urls of cn-jiangsu-2023).

    Rows [S]: both zero → 80 %; both zero two consecutive cycles → 50 %; 支缴率 (50 %, 100 %]
    or 发生率 (1 %, 3 %] → 120 %; 支缴率 > 100 % or 发生率 > 3 % → 150 %; anything else →
    base [I]. Worked example [I]: class 4, 支缴率 60 %, 发生率 0.5 % → 120 % → 1.08 %.
    """
    row = rate_one(employer("A", **values))
    check(row, grade, multiplier, rate, expected)


BOUNDARY_CASES = [
    pytest.param(
        {"payouts": [5_000, 5_000]},
        0,
        1.0,
        0.009,
        ["band:otherwise"],
        id="payout ratio 10,000/20,000 = exactly 50% (50% excluded) -> base",
    ),
    pytest.param(
        {"payouts": [5_001, 5_000]},
        1,
        1.2,
        0.0108,
        ["band:raised"],
        id="payout ratio 10,001/20,000 = 50.005%, just above 50% -> 120%",
    ),
    pytest.param(
        {"payouts": [10_000, 10_000]},
        1,
        1.2,
        0.0108,
        ["band:raised"],
        id="payout ratio 20,000/20,000 = exactly 100% (100% included) -> 120%",
    ),
    pytest.param(
        {"payouts": [10_001, 10_000]},
        2,
        1.5,
        0.0135,
        ["band:high"],
        id="payout ratio 20,001/20,000 = 100.005%, just above 100% -> 150%",
    ),
    pytest.param(
        {"payouts": [1_000, 1_000], "injuries": [1, 0]},
        0,
        1.0,
        0.009,
        ["band:otherwise"],
        id="injury rate 1/100 = exactly 1% (1% excluded) -> base",
    ),
    pytest.param(
        {"avg_insured": 99.0, "payouts": [1_000, 1_000], "injuries": [1, 0]},
        1,
        1.2,
        0.0108,
        ["band:raised"],
        id="injury rate 1/99 = 1.01%, just above 1% -> 120%",
    ),
    pytest.param(
        {"payouts": [1_000, 1_000], "injuries": [2, 1]},
        1,
        1.2,
        0.0108,
        ["band:raised"],
        id="injury rate 3/100 = exactly 3% (3% included) -> 120%",
    ),
    pytest.param(
        {"avg_insured": 99.0, "payouts": [1_000, 1_000], "injuries": [2, 1]},
        2,
        1.5,
        0.0135,
        ["band:high"],
        id="injury rate 3/99 = 3.03%, just above 3% -> 150%",
    ),
]


@pytest.mark.parametrize(("values", "grade", "multiplier", "rate", "expected"), BOUNDARY_CASES)
def test_band_boundaries(values, grade, multiplier, rate, expected):
    """Boundary inclusivity stated in 苏人社规〔2023〕2号 (the 苏人社函〔2024〕450号 notices) [S].

    "支缴率在50%(不含)至100%(含)之间或工伤发生率在1%(不含)至3%(含)之间的，上浮20%";
    "支缴率超过100%或工伤发生率超过3%的，上浮50%". Class 4, base 0.9 %.
    """
    row = rate_one(employer("A", **values))
    check(row, grade, multiplier, rate, expected)


@pytest.mark.parametrize(
    ("risk_class", "base_rate"),
    NATIONAL_BASE_RATES,
)
def test_base_rate_per_class(risk_class, base_rate):
    """Base rates 0.2, 0.4, 0.7, 0.9, 1.1, 1.3, 1.6, 1.9 % (人社部发〔2015〕71号 [S],
    restated by 苏人社规〔2023〕2号 [S]). An employer in the base band
    (支缴率 30 %, 发生率 0) pays exactly the base rate."""
    row = rate_one(employer("A", risk_class=risk_class, payouts=[3_000, 3_000]))
    assert float(row["base_rate"]) == pytest.approx(base_rate, abs=1e-12)
    check(row, 0, 1.0, base_rate, ["band:otherwise"])


# --------------------------------------------------------------------------------------
# Class 1 and the floor
# --------------------------------------------------------------------------------------

CLASS_1_CASES = [
    pytest.param(
        {"years": CURRENT},
        0,
        1.0,
        0.002,
        ["band:zero-cycle", "modifier:class-1-no-down"],
        id="zero-cycle would be 80% -> class 1 stays at base 0.2%",
    ),
    pytest.param(
        {"years": FOUR_YEARS},
        0,
        1.0,
        0.002,
        ["band:zero-two-cycles", "modifier:class-1-no-down"],
        id="zero-two-cycles would be 50% -> class 1 stays at base 0.2%",
    ),
    pytest.param(
        {"payouts": [6_000, 6_000]},
        1,
        1.2,
        0.0024,
        ["band:raised"],
        id="payout ratio 60% -> 120% of 0.2% = 0.24%",
    ),
    pytest.param(
        {"payouts": [12_000, 12_000]},
        2,
        1.5,
        0.003,
        ["band:high"],
        id="payout ratio 120% -> 150% of 0.2% = 0.3%",
    ),
]


@pytest.mark.parametrize(("values", "grade", "multiplier", "rate", "expected"), CLASS_1_CASES)
def test_class_1_never_below_base(values, grade, multiplier, rate, expected):
    """Class 1 never below base (苏人社规〔2023〕2号 [S]); class-1 ladder
    100/120/150 % (人社部发〔2015〕71号 [S])."""
    row = rate_one(employer("A", risk_class=1, **values))
    check(row, grade, multiplier, rate, expected)


def test_class_2_at_50_percent_is_exactly_the_class_1_floor():
    """Classes 2–8 are floored at the class-1 base rate (苏人社规〔2023〕2号
    [S]). Class 2 at 50 % is 0.4 % × 0.5 = 0.2 %, exactly the class-1 base: the grade
    stands, the rate is 0.2 %, and the floor does not bind (so it is not a reason)."""
    row = rate_one(employer("A", years=FOUR_YEARS, risk_class=2))
    check(row, -2, 0.5, 0.002, ["band:zero-two-cycles"])


def test_class_2_at_80_percent_is_above_the_floor():
    """Class 2 at 80 %: 0.4 % × 0.8 = 0.32 % > 0.2 % (苏人社规〔2023〕2号 [S],
    人社部发〔2015〕71号 [S])."""
    row = rate_one(employer("A", risk_class=2))
    check(row, -1, 0.8, 0.0032, ["band:zero-cycle"])


def test_floor_binds_when_a_class_base_is_lower():
    """The class-1 floor (苏人社规〔2023〕2号 "二至八类浮动后费率不低于一类行业基准费率",
    [S]) with a lower local class-2 base of 0.34 % (Qingdao's, 青人社发〔2016〕70号 [S2]):
    50 % of 0.34 % = 0.17 % < 0.2 % → the rate is raised to 0.2 % and the bound is named."""
    table = ratefloat.load_table(RULES).model_dump(mode="json", exclude_none=True)
    table["classes"]["2"]["base_rate"] = 0.0034
    result = ratefloat.rerate(
        extract(employer("A", years=FOUR_YEARS, risk_class=2)), rules=table, as_of=AS_OF
    )
    row = result.rated.iloc[0]
    assert float(row["rate"]) == pytest.approx(0.002, abs=1e-9)
    assert reasons(row) == ["band:zero-two-cycles", "bound:min-rate"]


# --------------------------------------------------------------------------------------
# No down-float events, new employers
# --------------------------------------------------------------------------------------

NO_DOWN_CASES = [
    pytest.param(
        {"years": CURRENT, "no_down_event": [False, True]},
        0,
        1.0,
        0.009,
        ["band:zero-cycle", "modifier:no-down-event"],
        id="zero-cycle (80%) with an event in 2024 -> base 0.9%",
    ),
    pytest.param(
        {"years": FOUR_YEARS, "no_down_event": [False, False, True, False]},
        0,
        1.0,
        0.009,
        ["band:zero-two-cycles", "modifier:no-down-event"],
        id="zero-two-cycles (50%) with an event in 2023 -> base 0.9%",
    ),
    pytest.param(
        {
            "years": FOUR_YEARS,
            "payouts": [3_000, 0, 0, 0],
            "injuries": [1, 0, 0, 0],
            "no_down_event": [False, True, False, False],
        },
        -1,
        0.8,
        0.0072,
        ["band:zero-cycle"],
        id="event only in 2022, the previous cycle [I] -> down-float stands, 80%",
    ),
]


@pytest.mark.parametrize(("values", "grade", "multiplier", "rate", "expected"), NO_DOWN_CASES)
def test_no_down_event(values, grade, multiplier, rate, expected):
    """ "Meets a down condition but had certain events in the cycle → no down-float"
    (苏人社规〔2023〕2号 [S]; the list of events is truncated, so the agency
    sets the flag ``no_down_event``). Class 4, base 0.9 %."""
    row = rate_one(employer("A", **values))
    check(row, grade, multiplier, rate, expected)


def test_no_down_event_does_not_stop_an_up_float():
    """The event bars a *down*-float only (苏人社规〔2023〕2号 [S]): 支缴率 120 % → 150 %."""
    row = rate_one(employer("A", payouts=[12_000, 12_000], no_down_event=[True, True]))
    assert int(row["grade"]) == 2
    assert float(row["rate"]) == pytest.approx(0.0135, abs=1e-9)
    assert reasons(row)[0] == "band:high"


NEW_EMPLOYER_CASES = [
    pytest.param(
        {"insured_since": "2023-03-01", "payouts": [12_000, 12_000]},
        0,
        ["eligibility:new-employer"],
        id="first insured 2023-03-01 (19 months to 2024-09-30), payout ratio 120% -> base",
    ),
    pytest.param(
        {"insured_since": "2023-03-01"},
        0,
        ["eligibility:new-employer"],
        id="first insured 2023-03-01 (19 months), both zero -> not floated, base",
    ),
    pytest.param(
        {"insured_since": "2023-01-01"},
        0,
        ["eligibility:new-employer"],
        id="first insured 2023-01-01 (21 months to the window's end) -> not floated",
    ),
    pytest.param(
        {"insured_since": "2022-10-02"},
        0,
        ["eligibility:new-employer"],
        id="first insured 2022-10-02 (one day short of 2 years at the window's end)",
    ),
    pytest.param(
        {"insured_since": "2022-10-01"},
        -1,
        ["band:zero-cycle"],
        id="first insured 2022-10-01 (2 years at the window's end) -> floated, 80%",
    ),
]


@pytest.mark.parametrize(("values", "grade", "expected"), NEW_EMPLOYER_CASES)
def test_new_employer_under_two_years(values, grade, expected):
    """ "首次参保且缴费不满2年的用人单位不实行费率浮动" (苏人社规〔2023〕2号 第五条 [S]). The
    text does not say to which date the two years run; the table counts them to the end of
    the indicator window, 2024-09-30 this round (3 months before the 2025-01-01 rates; the
    450号 notices [S]) [I]. Class 4, base 0.9 %. The 2023-01-01 case fails on the old table,
    which counted to as_of."""
    row = rate_one(employer("A", **values))
    rate = {0: 0.009, -1: 0.0072}[grade]
    check(row, grade, {0: 1.0, -1: 0.8}[grade], rate, expected)


@pytest.mark.parametrize(
    ("insured_since", "grade"),
    [
        pytest.param("2023-01-02", 0, id="2023-01-02 (one day short of 2 years to as_of)"),
        pytest.param("2023-01-01", -1, id="2023-01-01 (2 years to as_of) -> floated"),
    ],
)
def test_new_employer_counted_to_as_of(insured_since, grade):
    """The other reading: new_employer_months_before_as_of=0 counts the two years to as_of
    (2025-01-01)."""
    params = {"new_employer_months_before_as_of": 0}
    row = rate_one(employer("A", insured_since=insured_since), params=params)
    assert int(row["grade"]) == grade


def test_not_first_insured_with_one_year_of_rows_is_floated_on_that_year():
    """ "Not first insured, < 2 years: indicators computed over the months actually
    contributed" (苏人社规〔2023〕2号 [S]). Insured since 2010, one row (2024): 支缴率
    6,000/10,000 = 60 % → 120 % → 1.08 %."""
    row = rate_one(employer("A", years=(2024,), payouts=6_000))
    assert float(row["payout_ratio"]) == pytest.approx(0.6)
    check(row, 1, 1.2, 0.0108, ["band:raised"])


# --------------------------------------------------------------------------------------
# Window semantics
# --------------------------------------------------------------------------------------

WINDOW_CASES = [
    pytest.param(
        {"years": (2022, 2023, 2024), "payouts": [50_000, 0, 0], "injuries": [5, 0, 0]},
        -1,
        ["band:zero-cycle"],
        id="2022 is outside the 2023-24 window -> zero-cycle; 2022 spoils the previous cycle",
    ),
    pytest.param(
        {"years": (2023, 2024, 2025), "payouts": [0, 0, 50_000], "injuries": [0, 0, 5]},
        -1,
        ["band:zero-cycle"],
        id="2025 is after the window -> ignored, zero-cycle",
    ),
    pytest.param(
        {"years": (2020, 2021, 2022, 2023, 2024), "payouts": [50_000, 0, 0, 0, 0]},
        -2,
        ["band:zero-two-cycles"],
        id="previous cycle is 2021-22: a 2020 payout does not count -> 50%",
    ),
    pytest.param(
        {"years": FOUR_YEARS, "payouts": [50_000, 0, 0, 0]},
        -1,
        ["band:zero-cycle"],
        id="2021 payout is in the previous cycle -> only 80%",
    ),
    pytest.param(
        {"years": CURRENT},
        -1,
        ["band:zero-cycle"],
        id="no previous-cycle rows -> cannot be two consecutive zero cycles, 80%",
    ),
]


@pytest.mark.parametrize(("values", "grade", "expected"), WINDOW_CASES)
def test_window_years(values, grade, expected):
    """Cycle 2 years, window 24 months; new rates from 2025-01-01 use the cycle just before
    (苏人社规〔2023〕2号 and the 450号 notices [S]), labelled by assessment year as 2023 +
    2024; the previous cycle is 2021 + 2022. "两个浮动周期连续" needs both cycles to be zero [S]."""
    row = rate_one(employer("A", **values))
    check(row, grade, {-1: 0.8, -2: 0.5}[grade], {-1: 0.0072, -2: 0.0045}[grade], expected)


def test_window_moves_with_as_of():
    """With as_of 2026-12-31 (the table's last day in force) the cycle is 2024 + 2025 and the
    previous one 2022 + 2023 (苏人社规〔2023〕2号 [S], same 2-year cycle). 2021 (payouts) is
    outside both → 50 %."""
    rows = employer("A", years=(2021, 2022, 2023, 2024, 2025), payouts=[50_000, 0, 0, 0, 0])
    row = rate_one(rows, as_of="2026-12-31")
    check(row, -2, 0.5, 0.0045, ["band:zero-two-cycles"])


def test_payout_ratio_is_the_ratio_of_window_sums():
    """支缴率 = benefits paid ÷ premiums paid, over the cycle (苏人社规〔2023〕2号 [S]):
    (10,000 + 3,000) / (10,000 + 30,000) = 32.5 % → base. The mean of the yearly ratios
    would be (100 % + 10 %) / 2 = 55 % → 120 %, which is not the rule."""
    row = rate_one(employer("A", contributions=[10_000, 30_000], payouts=[10_000, 3_000]))
    assert float(row["payout_ratio"]) == pytest.approx(0.325)
    check(row, 0, 1.0, 0.009, ["band:otherwise"])


def test_injury_rate_divides_by_the_mean_insured_headcount():
    """工伤发生率 = injuries ÷ average insured headcount (the copies of
    苏人社规〔2023〕2号 read do not define it; Wuxi's 2012 rule says "monthly-average
    insured headcount" [S], http://www.kxbgw.cn/jiaofei/4783.html). avg_insured 100 and
    300 → mean 200; injuries 1 + 3 = 4 → 2 % → 120 % → 1.08 %. Dividing by the sum (400) or
    averaging the yearly rates (1 % and 1 %) would give 1 % → base."""
    row = rate_one(
        employer("A", avg_insured=[100.0, 300.0], injuries=[1, 3], payouts=[1_000, 1_000])
    )
    assert float(row["injury_rate"]) == pytest.approx(0.02)
    check(row, 1, 1.2, 0.0108, ["band:raised"])


def test_zero_over_zero_is_zero():
    """0/0 → 0 (no source states a zero handling; this is ratefloat's
    convention): no premium, no payout, no headcount, no injury is no experience → both
    indicators 0 → 80 %."""
    row = rate_one(employer("A", contributions=0.0, avg_insured=0.0))
    assert float(row["payout_ratio"]) == 0.0
    assert float(row["injury_rate"]) == 0.0
    check(row, -1, 0.8, 0.0072, ["band:zero-cycle"])


def test_payouts_on_zero_contributions_go_to_the_top_grade():
    """x/0 → +inf: 5,000 yuan of benefits on no premium paid is a 支缴率 above any
    threshold → "支缴率超过100%" → 150 % (苏人社规〔2023〕2号 [S])."""
    row = rate_one(employer("A", contributions=0.0, payouts=[5_000, 0], injuries=[1, 0]))
    assert math.isinf(float(row["payout_ratio"]))
    check(row, 2, 1.5, 0.0135, ["band:high"])


def test_injuries_on_zero_headcount_go_to_the_top_grade():
    """x/0 → +inf for 工伤发生率 too: 1 injury, average insured 0 → "发生率超过3%" → 150 %
    (苏人社规〔2023〕2号 [S]); 支缴率 is 5 %."""
    row = rate_one(employer("A", avg_insured=0.0, payouts=[1_000, 0], injuries=[1, 0]))
    assert math.isinf(float(row["injury_rate"]))
    check(row, 2, 1.5, 0.0135, ["band:high"])


def test_worked_example_explained():
    """A worked example [I, arithmetic on 苏人社规〔2023〕2号] (class 4, 支缴率 60 %,
    发生率 0.5 % → 120 % → 1.08 %), rated among other employers, is explained by the 120 %
    row and its citation."""
    frame = extract(
        employer("A", years=FOUR_YEARS),
        employer("B", avg_insured=400.0, payouts=[6_000, 6_000], injuries=[1, 1]),
        employer("C", payouts=[12_000, 12_000]),
    )
    result = ratefloat.rerate(frame, rules=RULES, as_of=AS_OF)
    assert list(result.rated["employer_id"]) == ["A", "B", "C"]
    assert list(result.rated["grade"]) == [-2, 1, 2]
    explanation = result.explain("B")
    assert explanation.grade == 1
    assert explanation.rate == pytest.approx(0.0108)
    assert explanation.reasons == ["band:raised"]
    assert "上浮20%" in explanation.rules[0]["cite"]
