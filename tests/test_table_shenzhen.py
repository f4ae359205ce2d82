"""Example tests of the built-in table ``cn-shenzhen-2018``, one per rule row of the source.

Sources (the pages listed in ``source.urls`` of cn-shenzhen-2018):

* the table text (http://www.6065bob.com/changshi/359000.html) [S] (attribution to
  Shenzhen's 2018 办法 [I]): 支缴率 = 0 → −2 grades; (0, 50 %] → −1; (50 %, 100 %] →
  base; (100 %, 150 %] → +1; > 150 % → +2; class 1 in the down rows → base; a level-1
  standardisation certificate → a further 2 grades down;
* summaries of the 2018 办法 (cgcc.org.hk, toubaow.com) [S2]: class 1 three grades, no
  down-float; floor = the class-1 base; cycle every 2 years (a two-year window: as of
  2021-01-01 the years 2019 and 2020); "有效期5年" from 2018-03-01, so in force until
  2023-02-28;
* Shenzhen's base rates from 2016-07-01 (surgenepal.com/zhishi/news/page/137) [S2]: "一类至
  八类行业基准费率分别为0.14%、0.28%、0.49%、0.63%、0.66%、0.78%、0.96%、1.14%";
* Guangdong's 省级统筹工伤保险行业基准费率标准过渡办法 (附件2; fcym66.cn) [S]: Shenzhen
  base rates 2021-05-01 … 2022-06-30: 0.14 0.28 0.49 0.63 0.66 0.78 0.96 1.14 %; from
  2024-07-01: 0.2 0.4 0.6 0.8 0.9 1.0 1.2 1.4 %.

Grades as 人社部发〔2015〕71号 [S]: class 1 100/120/150 %, classes 2–8 50/80/100/120/150 %. The
default employer is class 4 (0.63 % from 2016-07-01), rated as of 2021-01-01, pays 10,000
yuan a year (20,000 over the window), no payouts, no certificate.
"""

from __future__ import annotations

import pytest

import ratefloat
from helpers import employer, extract, rate_one, reasons

RULES = "cn-shenzhen-2018"
AS_OF = "2021-01-01"
NO_CERTIFICATE = {"safety_level": 0}


def rate(as_of=AS_OF, years=(2019, 2020), **values):
    rows = employer("A", years=years, defaults=NO_CERTIFICATE, **values)
    return rate_one(rows, rules=RULES, as_of=as_of)


def check(row, grade, rate_, expected_reasons):
    assert int(row["grade"]) == grade
    assert float(row["rate"]) == pytest.approx(rate_, abs=1e-9)
    assert reasons(row) == expected_reasons


ROW_CASES = [
    pytest.param(
        [0, 0], -2, 0.00315, ["band:payout-zero"], id="payout 0 -> -2 = 50% of 0.63% = 0.315%"
    ),
    pytest.param([1, 0], -1, 0.00504, ["band:payout-le-50"], id="1/20,000 > 0 -> -1 = 0.504%"),
    pytest.param(
        [5_000, 5_000], -1, 0.00504, ["band:payout-le-50"], id="exactly 50% (incl.) -> -1 = 0.504%"
    ),
    pytest.param([5_001, 5_000], 0, 0.0063, ["band:payout-le-100"], id="50.005% -> base 0.63%"),
    pytest.param(
        [10_000, 10_000], 0, 0.0063, ["band:payout-le-100"], id="exactly 100% (incl.) -> base"
    ),
    pytest.param(
        [10_001, 10_000], 1, 0.00756, ["band:payout-le-150"], id="100.005% -> +1 = 0.756%"
    ),
    pytest.param(
        [15_000, 15_000], 1, 0.00756, ["band:payout-le-150"], id="exactly 150% (incl.) -> +1"
    ),
    pytest.param(
        [15_001, 15_000], 2, 0.00945, ["band:payout-over-150"], id="150.005% -> +2 = 0.945%"
    ),
]


@pytest.mark.parametrize(("payouts", "grade", "rate_", "expected"), ROW_CASES)
def test_payout_rows(payouts, grade, rate_, expected):
    """The five 支缴率 rows with their brackets (the table text [S]); class 4 at
    0.63 % (Shenzhen from 2016-07-01 [S2])."""
    check(rate(payouts=payouts), grade, rate_, expected)


@pytest.mark.parametrize(
    ("payouts", "grade", "rate_", "expected"),
    [
        pytest.param(
            [0, 0], 0, 0.0014, ["band:payout-zero", "modifier:class-1-no-down"], id="0 -> base"
        ),
        pytest.param(
            [2_000, 0],
            0,
            0.0014,
            ["band:payout-le-50", "modifier:class-1-no-down"],
            id="10% -> base",
        ),
        pytest.param([12_000, 12_000], 1, 0.00168, ["band:payout-le-150"], id="120% -> 120%"),
        pytest.param([20_000, 20_000], 2, 0.0021, ["band:payout-over-150"], id="200% -> 150%"),
    ],
)
def test_class_1_no_down_float(payouts, grade, rate_, expected):
    """Class 1 in the two down rows → base (the table text [S]; the 2018 summary [S2]); its
    up grades 120 %/150 % of 0.14 %."""
    check(rate(risk_class=1, payouts=payouts), grade, rate_, expected)


CERTIFICATE_CASES = [
    pytest.param(
        {"payouts": [7_000, 7_000]},
        -2,
        0.00315,
        ["band:payout-le-100", "modifier:level-1-certificate"],
        id="base band (70%) + level 1 -> two grades down, 50% = 0.315%",
    ),
    pytest.param(
        {"payouts": [12_000, 12_000]},
        -1,
        0.00504,
        ["band:payout-le-150", "modifier:level-1-certificate"],
        id="+1 (120%) + level 1 -> -1, 80% = 0.504%",
    ),
    pytest.param(
        {"payouts": [5_000, 0]},
        -2,
        0.00315,
        ["band:payout-le-50", "modifier:level-1-certificate", "bound:ladder-limit"],
        id="-1 (25%) + level 1 -> -3, held at the lowest grade 50%",
    ),
    pytest.param(
        {"payouts": [20_000, 20_000], "risk_class": 1},
        0,
        0.0014,
        ["band:payout-over-150", "modifier:level-1-certificate"],
        id="class 1 at 150% + level 1 -> base 0.14%",
    ),
    pytest.param(
        {"payouts": [12_000, 12_000], "risk_class": 1},
        0,
        0.0014,
        ["band:payout-le-150", "modifier:level-1-certificate", "modifier:class-1-no-down"],
        id="class 1 at 120% + level 1 -> not below base, 0.14%",
    ),
]


@pytest.mark.parametrize(("values", "grade", "rate_", "expected"), CERTIFICATE_CASES)
def test_level_1_certificate_two_further_grades_down(values, grade, rate_, expected):
    """A valid level-1 standardisation certificate → a further 2 grades down (the table
    text [S]); class 1 never below base ([S]); grades end at 50 % (71号 [S])."""
    check(rate(safety_level=1, **values), grade, rate_, expected)


@pytest.mark.parametrize("level", [2, 3])
def test_level_2_and_3_certificates_have_no_encoded_effect(level):
    """The level-2/3 row is truncated in the source (the table text is cut
    off there): no effect is encoded, so 70 % stays at base 0.63 %."""
    check(rate(safety_level=level, payouts=[7_000, 7_000]), 0, 0.0063, ["band:payout-le-100"])


def test_floor_at_the_class_1_base():
    """Floor = Shenzhen's class-1 base (the 2018 summary [S2]). With the real bases 50 % of class 2
    is 0.14 %, exactly the floor; with a class-3 base lowered to 0.25 % in a copy, 50 % is
    0.125 % < 0.14 % → raised to 0.14 %."""
    check(rate(risk_class=2), -2, 0.0014, ["band:payout-zero"])
    table = ratefloat.load_table(RULES).model_dump(mode="json", exclude_none=True)
    current = next(e for e in table["base_rates"] if e["effective_from"] == "2016-07-01")
    current["rates"]["3"] = 0.0025
    frame = extract(employer("A", years=(2019, 2020), risk_class=3, safety_level=0))
    row = ratefloat.rerate(frame, rules=table, as_of=AS_OF).rated.iloc[0]
    check(row, -2, 0.0014, ["band:payout-zero", "bound:min-rate"])


#: Shenzhen from 2016-07-01 [S2], and the same numbers in Guangdong's 附件2 for
#: 2021-05-01 … 2022-06-30 [S].
BASE_2016 = [0.0014, 0.0028, 0.0049, 0.0063, 0.0066, 0.0078, 0.0096, 0.0114]
BASE_2021 = BASE_2016
BASE_2024 = [0.002, 0.004, 0.006, 0.008, 0.009, 0.010, 0.012, 0.014]


@pytest.mark.parametrize(
    ("as_of", "years", "bases"),
    [
        pytest.param("2018-03-01", (2016, 2017), BASE_2016, id="first day in force"),
        pytest.param("2021-01-01", (2019, 2020), BASE_2016, id="2016-07-01..2021-04-30"),
        pytest.param("2022-03-01", (2020, 2021), BASE_2021, id="2021-05-01..2022-06-30"),
    ],
)
def test_base_rates_by_date(as_of, years, bases):
    """Shenzhen's base rates: its own from 2016-07-01 ("深圳从2016年7月1日起…0.14%…1.14%"
    [S2]) and the same numbers in Guangdong's 2021 transition (附件2 [S]); 支缴率 70 % →
    base. The first two cases fail on the old table (it charged 0.2 … 1.4 % before
    2021-05-01)."""
    for risk_class, base in enumerate(bases, start=1):
        row = rate(as_of, years, risk_class=risk_class, payouts=[7_000, 7_000])
        assert float(row["base_rate"]) == pytest.approx(base, abs=1e-12)
        check(row, 0, base, ["band:payout-le-100"])


def test_provincial_rates_after_the_rule_expired_only_when_allowed():
    """The 办法 was "有效期5年" from 2018-03-01 (cgcc.org.hk [S2]): as of 2023-03-01 the table
    is refused; allowed (a backtest), it charges the provincial rates from 2024-07-01
    (附件2 [S]) and says it was out of force. Fails on the old table (no end date)."""
    frame = extract(employer("A", years=(2023, 2024), safety_level=0, payouts=[7_000, 7_000]))
    with pytest.raises(ratefloat.ParameterError, match="2023-02-28"):
        ratefloat.rerate(frame, rules=RULES, as_of="2023-03-01")
    result = ratefloat.rerate(
        frame, rules=RULES, as_of="2025-01-01", outside_effective_dates="allow"
    )
    assert float(result.rated.iloc[0]["base_rate"]) == pytest.approx(BASE_2024[3], abs=1e-12)
    assert "2023-02-28" in result.out_of_force


def test_two_year_cycle_window():
    """Cycle every 2 years (the 2018 summary [S2]): as of 2021-01-01 the window is 2019–2020, so a
    2018 payout is ignored, and 支缴率 = (0 + 12,000) / 20,000 = 60 % → base."""
    row = rate(years=(2018, 2019, 2020), payouts=[50_000, 0, 12_000])
    assert float(row["payout_ratio"]) == pytest.approx(0.6)
    check(row, 0, 0.0063, ["band:payout-le-100"])


def test_unknown_transition_base_rates_are_not_silently_replaced():
    """Shenzhen's base rates for 2022-07-01 … 2024-06-30 come from a city transition plan
    that was not found (Guangdong 附件2 only names it). Rating as of 2022-09-01 (the table
    in force) must not silently charge the 2024-07-01 rates (0.8 % for class 4) — it should
    refuse (a ParameterError asking for the span's rates)."""
    frame = extract(employer("A", years=(2020, 2021), safety_level=0, payouts=[7_000, 7_000]))
    with pytest.raises(ratefloat.ParameterError, match="does not know the base rates"):
        ratefloat.rerate(frame, rules=RULES, as_of="2022-09-01")


@pytest.mark.parametrize(
    ("params", "grade", "expected"),
    [
        pytest.param({}, 0, ["band:payout-le-100"], id="70% -> base"),
        pytest.param({"payout_down_1_max": 0.8}, -1, ["band:payout-le-50"], id="variant 80%"),
        pytest.param({"payout_base_max": 0.6}, 1, ["band:payout-le-150"], id="variant 60%"),
    ],
)
def test_source_thresholds_are_parameters(params, grade, expected):
    """The rows "(0, 50 %] → −1; (50 %, 100 %] → base; (100 %, 150 %] → +1" (table text [S])
    state their ends as parameters with these defaults: 70 % is base, one grade down with
    payout_down_1_max=0.8, one up with payout_base_max=0.6."""
    rows = employer("A", years=(2019, 2020), defaults=NO_CERTIFICATE, payouts=[7_000, 7_000])
    row = rate_one(rows, rules=RULES, as_of=AS_OF, params=params)
    assert int(row["grade"]) == grade
    assert reasons(row) == expected


def test_joint_punishment_and_violations_are_stated_as_not_encoded():
    """From 2018-03-01 rates float on "上两个自然年度工伤保险支缴率、安全生产标准化达标情况、安全
    生产领域联合惩戒情况以及工伤保险违法情况" (surgenepal.com [S2]); no source read gives the
    effect of 联合惩戒 or 违法, so the table says they are not encoded rather than guessing."""
    notes = ratefloat.load_table(RULES).source.notes or ""
    assert "联合惩戒" in notes and "违法" in notes
    assert "NOT encoded" in notes
