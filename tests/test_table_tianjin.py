"""Example tests of the built-in table ``cn-tianjin-2012``, one per rule row of the source.

Source: 津人社局发〔2012〕42号 《关于完善工伤保险浮动费率有关问题的通知》 (the pages listed in
``source.urls`` of cn-tianjin-2012; all rows [S] — seen in the source text):

* 工伤发生率 = registered injuries (excluding 老工伤) ÷ average insured contributors;
  denominators below 50 are taken as 50;
* the city average is published each first quarter (a required parameter here);
* own 发生率 "高于全市用人单位平均工伤发生率3倍以上" (≥ 3 × the city average: 以上 includes the
  number, 民法典 第一千二百五十九条): a 支缴率 result "down" → base; "base" → 120 %;
  "120 %" → 150 %;
* 支缴率 > 300 % in two consecutive adjustment years → floated as the next-higher class.

The 支缴率 → grade table was not retrieved: ``AGENCY`` supplies illustrative thresholds
(20 %, 50 %, 100 %, 150 %, from no source) and a city rate of 0.4 % (4 ‰). Base rates are
the national 人社部发〔2015〕71号 rates ([S]; [I] for Tianjin): class 4 0.9 %, class 5 1.1 %.

The default employer is class 4, 100 insured, pays 10,000 yuan a year; one-year window,
as of 2025-01-01 the year 2024 (history: 2023).
"""

from __future__ import annotations

import pytest

import ratefloat
from helpers import employer, extract, rate_one, reasons

RULES = "cn-tianjin-2012"
AGENCY = {
    "grade_50_max": 0.2,
    "grade_80_max": 0.5,
    "grade_120_above": 1.0,
    "grade_150_above": 1.5,
    "city_injury_rate": 0.004,
}


def rate(years=(2024,), params=AGENCY, **values):
    return rate_one(employer("A", years=years, **values), rules=RULES, params=params)


def check(row, grade, rate_, expected_reasons, rated_class=None):
    assert int(row["grade"]) == grade
    assert float(row["rate"]) == pytest.approx(rate_, abs=1e-9)
    assert reasons(row) == expected_reasons
    if rated_class is not None:
        assert int(row["rated_class"]) == rated_class


def test_missing_parameters_are_named():
    """The base table (not found in any copy of 42号) and the published city average (42号 [S])
    are left to the agency: rerate names all five."""
    with pytest.raises(ratefloat.ParameterError) as error:
        ratefloat.rerate(extract(employer("A", years=(2024,))), rules=RULES, as_of="2025-01-01")
    for name in AGENCY:
        assert name in str(error.value)


# --------------------------------------------------------------------------------------
# 工伤发生率 and its relation to the city average
# --------------------------------------------------------------------------------------


def test_injury_rate_denominator_below_50_is_50():
    """42号 [S] "denominators below 50 are taken as 50": 1 injury, 20 insured → 1/50 = 2 %
    (not 1/20 = 5 %); relative to the city's 0.4 % → 5 (not 12.5)."""
    row = rate(avg_insured=20.0, injuries=1, payouts=7_000)
    assert float(row["relative_injury_rate"]) == pytest.approx(5.0)


def test_the_floor_of_50_can_keep_an_employer_below_three_times():
    """42号 [S]: with a city rate of 1 %, 1 injury among 20 insured is 1/50 = 2 % = 2 × the
    city average (5 × without the floor of 50) → no adjustment: 支缴率 70 % → base 0.9 %."""
    row = rate(
        params={**AGENCY, "city_injury_rate": 0.01}, avg_insured=20.0, injuries=1, payouts=7_000
    )
    assert float(row["relative_injury_rate"]) == pytest.approx(2.0)
    check(row, 0, 0.009, ["band:otherwise"])


def test_relative_rate_uses_the_published_figure_not_the_batch():
    """The city average is the published figure (42号 [S] "published each Q1"): a batch
    whose own average differs does not change the comparison. Employer A: 2/100 = 2 %, ÷
    0.4 % = 5, whoever else is in the batch."""
    frame = extract(
        employer("A", years=(2024,), injuries=2, payouts=7_000),
        employer("B", years=(2024,), injuries=30, payouts=7_000),
    )
    rated = ratefloat.rerate(frame, rules=RULES, as_of="2025-01-01", params=AGENCY).rated
    assert list(rated["relative_injury_rate"]) == pytest.approx([5.0, 75.0])


# --------------------------------------------------------------------------------------
# The three adjustments of the 支缴率 result (own rate > 3 × city average)
# --------------------------------------------------------------------------------------

ADJUSTMENT_CASES = [
    pytest.param(
        {"payouts": 0, "injuries": 2},
        0,
        0.009,
        ["band:payout-50", "modifier:incidence-no-down"],
        id="down (50%) and 2% > 3 x 0.4% -> no down-float, base 0.9%",
    ),
    pytest.param(
        {"payouts": 3_000, "injuries": 2},
        0,
        0.009,
        ["band:payout-80", "modifier:incidence-no-down"],
        id="down (80%) and 2% > 3 x 0.4% -> no down-float, base 0.9%",
    ),
    pytest.param(
        {"payouts": 7_000, "injuries": 2},
        1,
        0.0108,
        ["band:otherwise", "modifier:incidence-up"],
        id="base and 2% > 3 x 0.4% -> 120% = 1.08%",
    ),
    pytest.param(
        {"payouts": 12_000, "injuries": 2},
        2,
        0.0135,
        ["band:payout-120", "modifier:incidence-up"],
        id="120% and 2% > 3 x 0.4% -> 150% = 1.35%",
    ),
    pytest.param(
        {"payouts": 20_000, "injuries": 2},
        2,
        0.0135,
        ["band:payout-150"],
        id="150% and 2% > 3 x 0.4% -> stays 150% (no rule above it)",
    ),
]


@pytest.mark.parametrize(("values", "grade", "rate_", "expected"), ADJUSTMENT_CASES)
def test_adjustments_above_three_times_the_city_average(values, grade, rate_, expected):
    """津人社局发〔2012〕42号 [S]: own 发生率 > 3 × the city average turns a 支缴率
    result of "down" into base, "base" into 120 %, "120 %" into 150 %. Class 4, 0.9 %."""
    check(rate(**values), grade, rate_, expected)


@pytest.mark.parametrize(
    ("payouts", "grade", "rate_", "expected"),
    [
        pytest.param(
            0,
            0,
            0.009,
            ["band:payout-50", "modifier:incidence-no-down"],
            id="down -> no down-float, base 0.9%",
        ),
        pytest.param(
            7_000, 1, 0.0108, ["band:otherwise", "modifier:incidence-up"], id="base -> 120%"
        ),
        pytest.param(
            12_000, 2, 0.0135, ["band:payout-120", "modifier:incidence-up"], id="120% -> 150%"
        ),
    ],
)
def test_exactly_three_times_counts(payouts, grade, rate_, expected):
    """42号 "凡工伤发生率高于全市用人单位平均工伤发生率3倍以上的用人单位" [S]: 以上 includes the
    number in Chinese legal usage (民法典 第一千二百五十九条), so 12 injuries among 1,000
    insured = 1.2 % = exactly 3 × 0.4 % is adjusted (the default). Fails on the old table,
    which read it as "> 3"."""
    row = rate(avg_insured=1_000.0, injuries=12, payouts=payouts)
    assert float(row["relative_injury_rate"]) == pytest.approx(3.0)
    check(row, grade, rate_, expected)


@pytest.mark.parametrize(
    ("payouts", "grade", "rate_", "expected"),
    [
        pytest.param(0, -2, 0.0045, ["band:payout-50"], id="down stays down: 50% = 0.45%"),
        pytest.param(7_000, 0, 0.009, ["band:otherwise"], id="base stays base"),
        pytest.param(12_000, 1, 0.0108, ["band:payout-120"], id="120% stays 120%"),
    ],
)
def test_exactly_three_times_excluded_when_read_strictly(payouts, grade, rate_, expected):
    """高于 alone would exclude the number: with incidence_multiple_inclusive=false exactly
    3 × the city average is not adjusted, while 3.1 × still is."""
    strict = {**AGENCY, "incidence_multiple_inclusive": False}
    row = rate(params=strict, avg_insured=1_000.0, injuries=12, payouts=payouts)
    check(row, grade, rate_, expected)
    above = rate(params=strict, avg_insured=1_000.0, injuries=13, payouts=7_000)
    check(above, 1, 0.0108, ["band:otherwise", "modifier:incidence-up"])


def test_incidence_multiple_is_a_parameter():
    """The "3倍" of 42号 [S] is the parameter incidence_multiple (default 3): at 2 × (8
    injuries among 1,000 = 0.8 % = 2 × 0.4 %) nothing happens by default; an analyst's
    variant with incidence_multiple=2 turns base into 120 %."""
    check(rate(avg_insured=1_000.0, injuries=8, payouts=7_000), 0, 0.009, ["band:otherwise"])
    variant = rate(
        params={**AGENCY, "incidence_multiple": 2}, avg_insured=1_000.0, injuries=8, payouts=7_000
    )
    check(variant, 1, 0.0108, ["band:otherwise", "modifier:incidence-up"])


# --------------------------------------------------------------------------------------
# Two consecutive years above 300 % → the next-higher class
# --------------------------------------------------------------------------------------


def test_two_years_above_300_percent_rate_as_the_next_class():
    """42号 [S]: 支缴率 > 300 % in 2023 and 2024 → floated as class 5 (base 1.1 %): the
    支缴率 result is 150 % → 1.1 % × 1.5 = 1.65 %."""
    row = rate(years=(2023, 2024), payouts=[35_000, 35_000])
    check(row, 2, 0.0165, ["band:payout-150", "modifier:two-years-over-300"], rated_class=5)


def test_one_year_above_300_percent_is_not_enough():
    """Two *consecutive* years (42号 [S]): 2023 at 200 %, 2024 at 350 % → class 4 stays,
    150 % of 0.9 % = 1.35 %."""
    row = rate(years=(2023, 2024), payouts=[20_000, 35_000])
    check(row, 2, 0.0135, ["band:payout-150"], rated_class=4)


def test_exactly_300_percent_is_not_above():
    """ "超过300%" (42号 [S]): 300 % in both years → no reclassification."""
    row = rate(years=(2023, 2024), payouts=[30_000, 30_000])
    check(row, 2, 0.0135, ["band:payout-150"], rated_class=4)


def test_an_earlier_pair_of_years_does_not_count():
    """The last two adjustment years (42号 [S]): 2022 and 2023 above 300 %, 2024 at 200 %
    → no reclassification as of 2025-01-01."""
    row = rate(years=(2022, 2023, 2024), payouts=[35_000, 35_000, 20_000])
    check(row, 2, 0.0135, ["band:payout-150"], rated_class=4)


def test_class_8_has_no_higher_class():
    """Class 8 (1.9 %) above 300 % twice: there is no class 9, so it stays class 8 at
    150 % = 2.85 % and the limit is named (42号 [S]; [I] for the top class)."""
    row = rate(years=(2023, 2024), risk_class=8, payouts=[35_000, 35_000])
    check(row, 2, 0.0285, ["band:payout-150", "bound:reclassify-limit"], rated_class=8)


@pytest.mark.parametrize(
    ("params", "payouts", "grade", "expected"),
    [
        pytest.param(AGENCY, 15_000, 1, ["band:payout-120"], id="150% is not > 150% -> 120%"),
        pytest.param(
            {**AGENCY, "up_inclusive": True}, 15_000, 2, ["band:payout-150"], id=">= 150%"
        ),
        pytest.param(AGENCY, 5_000, -1, ["band:payout-80"], id="50% <= 50% -> 80%"),
        pytest.param(
            {**AGENCY, "down_inclusive": False}, 5_000, 0, ["band:otherwise"], id="50% -> base"
        ),
    ],
)
def test_inclusive_side_of_the_agency_thresholds(params, payouts, grade, expected):
    """The agency's 支缴率 thresholds may be inclusive either way (Huainan 2011 "大于等于120%"
    → 150 %, kxbgw.cn/jiaofei/3041.html [S]): up_inclusive / down_inclusive choose. Fails
    on the old table (fixed ≤ / >)."""
    row = rate(params=params, payouts=payouts)
    assert int(row["grade"]) == grade
    assert reasons(row) == expected


def test_incidence_adjustment_follows_the_band_result_with_inclusive_thresholds():
    """With up_inclusive, 支缴率 exactly 100 % is a "120 %" result, which 42号 turns into
    150 % when the injury rate is 3 × the city average or more."""
    params = {**AGENCY, "up_inclusive": True}
    row = rate(params=params, payouts=10_000, injuries=2)
    check(row, 2, 0.0135, ["band:payout-120", "modifier:incidence-up"])
