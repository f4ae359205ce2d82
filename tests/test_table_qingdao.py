"""Example tests of the built-in table ``cn-qingdao-2017``, one per rule row of the source.

Source: 青人社发〔2016〕24号 《青岛市工伤保险费率管理办法》 with 青人社发〔2016〕70号 base rates.
No official text was found; the rows come from the pages listed in ``source.urls`` of
cn-qingdao-2017:

(a) news reports of the 2015 rule 《工伤保险浮动费率管理实施办法》
    (http://macsoso.com/html/2015/01/11249.html) [S2];
(b) the 2017 base rates of 青人社发〔2016〕70号 (https://wuxianyijin.org/news/uJ2TciNhJpNu7MOBxpKb.html)
    [S2];
(c) the 2018 summary (https://www.xiaoshebao.com/a/649647cc8066b684e503e225.html) [S2];
(d) an ordinance text, city not named
    (http://shebao.gerendangan.com/index.php/gongshangbaoxian/35406.html) [S], attributed to
    Qingdao's 2016 办法 by inference [I].

Every expected number below is worked out by hand from those texts:

* base rates from 2017-01-01 ((b) [S2]): class 1 … 8 = 0.2, 0.34, 0.6, 0.77, 0.94,
  1.1, 1.36, 1.62 %;
* grades ((a) [S2]): up two (120 %, 150 %), down only one (80 %);
* window: 上年度, one year ((d) [S]): for as_of 2023-01-01 the year 2022;
* in force 2017-01-01 … 2023-12-31: from 2024 Shandong's province-wide policy applies
  (鲁人社发〔2023〕18号, 鲁人社函〔2025〕5号), so every example rates as of 2023-01-01;
* 支缴率 = benefits paid for the employer's injuries in the year ÷ premiums actually paid
  ((d) [S]).

The five-row table ((a) [S2], repeated in (c)):

=================  ==================  ======
新工伤 in the year  支缴率               result
=================  ==================  ======
none               ≤ 120 %             80 %
none               > 120 %             base
yes                ≤ 120 %             base
yes                > 120 %, ≤ 300 %    120 %
yes                > 300 %             150 %
=================  ==================  ======

The default employer is class 4 (0.77 %), pays 10,000 yuan in 2022, 100 insured, no
payouts, no injuries, no arrears/fraud/concealment, insured since 2010.
"""

from __future__ import annotations

import json
import math

import pytest

import ratefloat
from helpers import QINGDAO_FLAGS, employer, extract, rate_one, reasons
from ratefloat.cli import main

RULES = "cn-qingdao-2017"


def qingdao(years=(2022,), **values):
    """Rows of one Qingdao employer "A" (flags default to false)."""
    return employer("A", years=years, defaults=QINGDAO_FLAGS, **values)


AS_OF = "2023-01-01"


def rate(rows, params=None, as_of=AS_OF):
    return rate_one(rows, rules=RULES, as_of=as_of, params=params)


def check(row, grade, multiplier, rate_, expected_reasons):
    assert int(row["grade"]) == grade
    assert float(row["multiplier"]) == pytest.approx(multiplier, abs=1e-12)
    assert float(row["rate"]) == pytest.approx(rate_, abs=1e-9)
    assert reasons(row) == expected_reasons


# --------------------------------------------------------------------------------------
# The five rows, class 4 (base 0.77 %: 80 % = 0.616 %, 120 % = 0.924 %, 150 % = 1.155 %)
# --------------------------------------------------------------------------------------

FIVE_ROW_CASES = [
    pytest.param(
        {"payouts": 0.0},
        -1,
        0.8,
        0.00616,
        ["band:no-injury-low"],
        id="no new injury, payout ratio 0 -> 80% = 0.616%",
    ),
    pytest.param(
        {"payouts": 12_000.0},
        -1,
        0.8,
        0.00616,
        ["band:no-injury-low"],
        id="no new injury, payout ratio 12,000/10,000 = exactly 120% (<=) -> 80%",
    ),
    pytest.param(
        {"payouts": 12_001.0},
        0,
        1.0,
        0.0077,
        ["band:no-injury-high"],
        id="no new injury, payout ratio 120.01% > 120% -> base 0.77%",
    ),
    pytest.param(
        {"payouts": 5_000.0, "injuries": 1},
        0,
        1.0,
        0.0077,
        ["band:injury-low"],
        id="new injury, payout ratio 50% -> base 0.77%",
    ),
    pytest.param(
        {"payouts": 12_000.0, "injuries": 1},
        0,
        1.0,
        0.0077,
        ["band:injury-low"],
        id="new injury, payout ratio exactly 120% (<=) -> base",
    ),
    pytest.param(
        {"payouts": 12_001.0, "injuries": 1},
        1,
        1.2,
        0.00924,
        ["band:injury-mid"],
        id="new injury, payout ratio 120.01% > 120% -> 120% = 0.924%",
    ),
    pytest.param(
        {"payouts": 20_000.0, "injuries": 2},
        1,
        1.2,
        0.00924,
        ["band:injury-mid"],
        id="new injuries, payout ratio 200% -> 120% = 0.924%",
    ),
    pytest.param(
        {"payouts": 30_000.0, "injuries": 1},
        1,
        1.2,
        0.00924,
        ["band:injury-mid"],
        id="new injury, payout ratio exactly 300% (<=) -> 120%",
    ),
    pytest.param(
        {"payouts": 30_001.0, "injuries": 1},
        2,
        1.5,
        0.01155,
        ["band:injury-high"],
        id="new injury, payout ratio 300.01% > 300% -> 150% = 1.155%",
    ),
    pytest.param(
        {"payouts": 50_000.0, "injuries": 3},
        2,
        1.5,
        0.01155,
        ["band:injury-high"],
        id="new injuries, payout ratio 500% -> 150% = 1.155%",
    ),
]


@pytest.mark.parametrize(("values", "grade", "multiplier", "rate_", "expected"), FIVE_ROW_CASES)
def test_five_rows(values, grade, multiplier, rate_, expected):
    """The five-row 新工伤 × 支缴率 table ((a) and (c) in the module docstring [S2]) with its
    boundaries: "≤ 120 %", "> 120 % and ≤ 300 %", "> 300 %"."""
    check(rate(qingdao(**values)), grade, multiplier, rate_, expected)


@pytest.mark.parametrize(
    ("risk_class", "base", "down", "top"),
    [
        pytest.param(3, 0.0060, 0.00480, 0.0090, id="class 3: 0.6% -> 0.48% / 0.9%"),
        pytest.param(4, 0.0077, 0.00616, 0.01155, id="class 4: 0.77% -> 0.616% / 1.155%"),
        pytest.param(5, 0.0094, 0.00752, 0.0141, id="class 5: 0.94% -> 0.752% / 1.41%"),
        pytest.param(6, 0.0110, 0.00880, 0.0165, id="class 6: 1.1% -> 0.88% / 1.65%"),
        pytest.param(7, 0.0136, 0.01088, 0.0204, id="class 7: 1.36% -> 1.088% / 2.04%"),
        pytest.param(8, 0.0162, 0.01296, 0.0243, id="class 8: 1.62% -> 1.296% / 2.43%"),
    ],
)
def test_rates_per_class(risk_class, base, down, top):
    """Qingdao 2017 base rates 0.2, 0.34, 0.6, 0.77, 0.94, 1.1, 1.36, 1.62 %
    (青人社发〔2016〕70号 [S2]) × 80 % / 100 % / 150 % (the 2015 rule [S2]);
    with the default parameter, classes 3–8 float."""
    at_base = rate(qingdao(risk_class=risk_class, payouts=15_000.0))
    assert float(at_base["base_rate"]) == pytest.approx(base, abs=1e-12)
    check(at_base, 0, 1.0, base, ["band:no-injury-high"])
    check(rate(qingdao(risk_class=risk_class)), -1, 0.8, down, ["band:no-injury-low"])
    high = rate(qingdao(risk_class=risk_class, payouts=40_000.0, injuries=1))
    check(high, 2, 1.5, top, ["band:injury-high"])


# --------------------------------------------------------------------------------------
# Who is not floated
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({}, id="no injury, payout ratio 0 (would be 80%)"),
        pytest.param(
            {"payouts": 40_000.0, "injuries": 2}, id="injuries, payout ratio 400% (would be 150%)"
        ),
    ],
)
def test_class_1_not_floated(values):
    """ "一类行业不实行费率浮动" (the 2015 rule [S2]): base 0.2 %."""
    row = rate(qingdao(risk_class=1, **values))
    check(row, 0, 1.0, 0.002, ["eligibility:not-floated-class"])


NOT_FLOATED_PARAM_CASES = [
    pytest.param(1, 0, 1.0, 0.002, ["eligibility:not-floated-class"], id="class 1 -> base 0.2%"),
    pytest.param(2, 0, 1.0, 0.0034, ["eligibility:not-floated-class"], id="class 2 -> base 0.34%"),
    pytest.param(3, -1, 0.8, 0.0048, ["band:no-injury-low"], id="class 3 still floats -> 0.48%"),
]


@pytest.mark.parametrize(
    ("risk_class", "grade", "multiplier", "rate_", "expected"), NOT_FLOATED_PARAM_CASES
)
def test_not_floated_classes_1_and_2(risk_class, grade, multiplier, rate_, expected):
    """第三条 "用人单位属于一类、二类行业的,按行业基准费率缴费,不实行费率浮动。用人单位属三类至
    八类行业的,实行费率浮动" (the 8-class-era ordinance text (d) [S], attributed to Qingdao
    2016 [I]; the 2018 summary (c) is silent on classes): the default. Employer with no new
    injury and 支缴率 0 (80 % where floated). Fails on the old default [1] (class 2 got 80 %)."""
    row = rate(qingdao(risk_class=risk_class))
    check(row, grade, multiplier, rate_, expected)


@pytest.mark.parametrize(
    ("risk_class", "base", "down", "top"),
    [pytest.param(2, 0.0034, 0.00272, 0.0051, id="class 2: 0.34% -> 0.272% / 0.51%")],
)
def test_class_2_floats_when_only_class_1_is_excluded(risk_class, base, down, top):
    """The 2015 (3-class era) rule floated "二、三类行业" (a) [S2]: params
    not_floated_classes=[1] floats class 2 at 0.34 % × 80 % / 100 % / 150 %."""
    params = {"not_floated_classes": [1]}
    at_base = rate(qingdao(risk_class=risk_class, payouts=15_000.0), params=params)
    check(at_base, 0, 1.0, base, ["band:no-injury-high"])
    check(
        rate(qingdao(risk_class=risk_class), params=params), -1, 0.8, down, ["band:no-injury-low"]
    )
    high = rate(qingdao(risk_class=risk_class, payouts=40_000.0, injuries=1), params=params)
    check(high, 2, 1.5, top, ["band:injury-high"])


def test_not_in_force_after_2023_and_refused_by_default():
    """Since 2024-01-01 Shandong runs one province-wide rate policy (鲁人社发〔2023〕18号) and
    鲁人社函〔2025〕5号 makes Qingdao apply the provincial base rates (−20 % in 2025): the
    table ends 2023-12-31 and a 2025 rating with it is refused, naming the dates."""
    with pytest.raises(ratefloat.ParameterError) as caught:
        rate(qingdao(years=(2024,)), as_of="2025-01-01")
    message = str(caught.value)
    for needle in ("cn-qingdao-2017", "2017-01-01", "2023-12-31", "2025-01-01"):
        assert needle in message


def test_out_of_force_allowed_and_recorded():
    """With outside_effective_dates="allow" (backtests) the table rates and the result
    records that it was used out of force."""
    result = ratefloat.rerate(
        extract(qingdao(years=(2024,))),
        rules=RULES,
        as_of="2025-01-01",
        outside_effective_dates="allow",
    )
    assert float(result.rated.iloc[0]["rate"]) == pytest.approx(0.00616, abs=1e-12)
    assert "2023-12-31" in result.out_of_force
    assert result.rated.attrs["table_in_force"].startswith("no: ")
    in_force = ratefloat.rerate(extract(qingdao()), rules=RULES, as_of=AS_OF)
    assert in_force.out_of_force is None
    assert in_force.rated.attrs["table_in_force"] == "yes"


NEW_EMPLOYER_CASES = [
    pytest.param(
        {"insured_since": "2022-03-01", "payouts": 40_000.0, "injuries": 2},
        0,
        ["eligibility:new-employer"],
        id="insured 2022-03-01 (10 months), payout ratio 400% -> base",
    ),
    pytest.param(
        {"insured_since": "2022-03-01"},
        0,
        ["eligibility:new-employer"],
        id="insured 2022-03-01 (10 months), no injury -> base, not 80%",
    ),
    pytest.param(
        {"insured_since": "2022-01-02"},
        0,
        ["eligibility:new-employer"],
        id="insured 2022-01-02 (one day short of a year) -> base",
    ),
    pytest.param(
        {"insured_since": "2022-01-01"},
        -1,
        ["band:no-injury-low"],
        id="insured 2022-01-01 (a full year) -> floated, 80%",
    ),
]


@pytest.mark.parametrize(("values", "grade", "expected"), NEW_EMPLOYER_CASES)
def test_new_employer_under_one_year(values, grade, expected):
    """ "Employers first insured last year with < 1 year of contributions: base rate"
    (the ordinance text [S]; 上年度新参保且缴费不满一年). Class 4: base 0.77 %, 80 % 0.616 %."""
    row = rate(qingdao(**values))
    check(row, grade, {0: 1.0, -1: 0.8}[grade], {0: 0.0077, -1: 0.00616}[grade], expected)


# --------------------------------------------------------------------------------------
# No down-float: arrears, fraud, concealment
# --------------------------------------------------------------------------------------

FLAGS = [
    pytest.param("arrears", id="arrears"),
    pytest.param("fraud", id="fraud"),
    pytest.param("concealment", id="concealment"),
]


@pytest.mark.parametrize("flag", FLAGS)
def test_flag_bars_the_down_float(flag):
    """Arrears, benefit fraud and under-reported payroll/headcount → no down-float
    (the 2018 summary [S2]). No new injury, 支缴率 0 would be 80 %; with the flag set in
    2022 → base 0.77 %."""
    row = rate(qingdao(**{flag: True}))
    check(row, 0, 1.0, 0.0077, ["band:no-injury-low", f"modifier:{flag}-no-down"])


@pytest.mark.parametrize("flag", FLAGS)
def test_flag_does_not_stop_an_up_float(flag):
    """The flags bar a *down*-float only (the 2018 summary [S2]): new injury, 支缴率
    200 % → 120 % = 0.924 % stands."""
    row = rate(qingdao(payouts=20_000.0, injuries=1, **{flag: True}))
    assert int(row["grade"]) == 1
    assert float(row["rate"]) == pytest.approx(0.00924, abs=1e-9)
    assert reasons(row)[0] == "band:injury-mid"


def test_flags_given_as_text():
    """Agency extracts carry flags as 是/否 or yes/no; 是 (arrears) bars the 80 %
    (the 2018 summary [S2])."""
    row = rate(qingdao(arrears="是", fraud="否", concealment="no"))
    check(row, 0, 1.0, 0.0077, ["band:no-injury-low", "modifier:arrears-no-down"])


# --------------------------------------------------------------------------------------
# Window and ratio edge cases
# --------------------------------------------------------------------------------------


def test_window_is_the_previous_year_only():
    """上年度 = one year (the ordinance text [S]): for 2023 rates only 2022 counts. 2021
    (3 injuries, 支缴率 500 %) and 2023 (same) are ignored; 2022 is clean → 80 %."""
    rows = qingdao(years=(2021, 2022, 2023), payouts=[50_000.0, 0.0, 50_000.0], injuries=[3, 0, 3])
    check(rate(rows), -1, 0.8, 0.00616, ["band:no-injury-low"])


def test_payouts_on_zero_contributions_with_injury_go_to_150_percent():
    """x/0 → +inf: a new injury and 5,000 yuan of benefits on no premium paid is a 支缴率
    above 300 % → 150 % (the 2015 rule [S2]): 0.77 % × 1.5 = 1.155 %."""
    row = rate(qingdao(contributions=0.0, payouts=5_000.0, injuries=1))
    assert math.isinf(float(row["payout_ratio"]))
    check(row, 2, 1.5, 0.01155, ["band:injury-high"])


def test_payouts_on_zero_contributions_without_injury_is_the_above_120_row():
    """x/0 → +inf with no new injury: 支缴率 > 120 % → base (the 2015 rule [S2]); the
    reason is that row, not the fallback."""
    row = rate(qingdao(contributions=0.0, payouts=5_000.0))
    assert math.isinf(float(row["payout_ratio"]))
    check(row, 0, 1.0, 0.0077, ["band:no-injury-high"])


def test_cli_refuses_out_of_force_and_allows_with_the_flag(tmp_path, capsys):
    """The command line: exit 78 (configuration) naming the dates; with
    --allow-outside-effective-dates it rates and the manifest says the table was not in
    force."""
    path = tmp_path / "extract.csv"
    extract(qingdao(years=(2024,))).to_csv(path, index=False)
    args = ["rerate", str(path), "--rules", RULES, "--as-of", "2025-01-01", "--quiet"]
    assert main([*args, "-o", str(tmp_path / "refused.csv")]) == 78
    assert "2023-12-31" in capsys.readouterr().err
    output = tmp_path / "rated.csv"
    assert main([*args, "-o", str(output), "--allow-outside-effective-dates"]) == 0
    manifest = json.loads((tmp_path / "rated.manifest.json").read_text(encoding="utf-8"))
    assert manifest["table_in_force"].startswith("no: ")


@pytest.mark.parametrize(
    ("params", "grade", "expected"),
    [
        pytest.param({}, 1, ["band:injury-mid"], id="250% with an injury -> 120%"),
        pytest.param({"payout_low_max": 3.0, "payout_high_max": 4.0}, 0, ["band:injury-low"]),
        pytest.param({"payout_high_max": 2.0}, 2, ["band:injury-high"], id="variant 200%"),
        pytest.param({"multiplier_up_1": 1.3}, 1, ["band:injury-mid"], id="variant 130%"),
    ],
)
def test_source_numbers_are_parameters(params, grade, expected):
    """第五条 "大于120%、小于等于300%…上浮至120%" [S]: 120 %, 300 % and the multipliers are
    parameters with the source's numbers as defaults (payout_low_max, payout_high_max,
    multiplier_up_1, …). 支缴率 25,000 ÷ 10,000 = 250 % with one injury, class 4 0.77 %."""
    row = rate(qingdao(payouts=25_000.0, injuries=1), params=params)
    assert int(row["grade"]) == grade
    assert reasons(row) == expected
    if "multiplier_up_1" in params:
        assert float(row["rate"]) == pytest.approx(0.0077 * 1.3, abs=1e-9)
