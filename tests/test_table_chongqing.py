"""Example tests of the built-in table ``cn-chongqing-legacy``, one per rule row of the source.

Source: Chongqing's older 《工伤保险浮动费率暂行管理办法》 (3-class era; document number not
seen), in the secondary source http://www.kcuv.cn/gongshangbaoxian/949817 (``source.urls``
of cn-chongqing-legacy; all [S2]): classes 2–3 only; the new rate is the previous
year's rate times a factor chosen by 支缴率:

================  ===========  ======
支缴率             new rate      tag
================  ===========  ======
= 0               × 50 %       [S2]
≤ 10 %            × 80 %       [S2]
(10 %, 110 %)     unchanged    [I] (not stated)
[110 %, 120 %)    × 110 %      [S2]
[120 %, 150 %)    × 120 %      [S2]
[150 %, 200 %)    × 130 %      [S2]
≥ 200 %           truncated    parameter ge_200_at_130
================  ===========  ======

Arrears → no down-float; rate cap 7 %; floors class 2 0.6 %, class 3 2.0 % [S2]. Class 1
is not floated; its rate is the stand-in base 0.5 % (劳社部发〔2003〕29号 [S2]; [I]
for Chongqing).

The default employer is class 2, paid 1.4 % last year (current_rate 0.014), pays
10,000 yuan in 2024 (the window for as_of 2025-01-01), no arrears.
"""

from __future__ import annotations

import pytest

import ratefloat
from helpers import employer, extract, rate_one, reasons

RULES = "cn-chongqing-legacy"
DEFAULTS = {"risk_class": 2, "current_rate": 0.014, "arrears": False}
AT_130 = {"ge_200_at_130": True}
KEEP = {"ge_200_at_130": False}


def rate(params=AT_130, **values):
    rows = employer("A", years=(2024,), defaults=DEFAULTS, **values)
    return rate_one(rows, rules=RULES, params=params)


def check(row, grade, rate_, expected_reasons):
    assert int(row["grade"]) == grade
    assert float(row["rate"]) == pytest.approx(rate_, abs=1e-9)
    assert reasons(row) == expected_reasons


ROW_CASES = [
    pytest.param(0, -2, 0.007, ["band:zero"], id="0 -> 1.4% x 50% = 0.7%"),
    pytest.param(1, -1, 0.0112, ["band:le-10"], id="0.01% -> x 80% = 1.12%"),
    pytest.param(1_000, -1, 0.0112, ["band:le-10"], id="exactly 10% (<=) -> x 80%"),
    pytest.param(1_001, 0, 0.014, ["band:unchanged-gap"], id="10.01% -> unchanged 1.4% [I]"),
    pytest.param(10_999, 0, 0.014, ["band:unchanged-gap"], id="109.99% -> unchanged [I]"),
    pytest.param(11_000, 1, 0.0154, ["band:from-110"], id="exactly 110% -> x 110% = 1.54%"),
    pytest.param(11_999, 1, 0.0154, ["band:from-110"], id="119.99% -> x 110%"),
    pytest.param(12_000, 2, 0.0168, ["band:from-120"], id="exactly 120% -> x 120% = 1.68%"),
    pytest.param(15_000, 3, 0.0182, ["band:from-150"], id="exactly 150% -> x 130% = 1.82%"),
    pytest.param(19_999, 3, 0.0182, ["band:from-150"], id="199.99% -> x 130%"),
]


@pytest.mark.parametrize(("payouts", "grade", "rate_", "expected"), ROW_CASES)
def test_factor_on_last_years_rate(payouts, grade, rate_, expected):
    """New rate = previous year's rate × factor by 支缴率 (Chongqing 暂行管理办法 [S2]; the
    (10 %, 110 %) gap read as unchanged [I]). Class 2, previous rate 1.4 %."""
    check(rate(payouts=payouts), grade, rate_, expected)


def test_at_or_above_200_percent_at_130_when_the_agency_says_so():
    """≥ 200 % is truncated (the factor is cut off in the source; the choice is
    [param]): with ge_200_at_130 = true the agency applies × 1.3, the highest factor
    given: 1.4 % × 1.3 = 1.82 %."""
    check(
        rate(AT_130, payouts=20_000),
        3,
        0.0182,
        ["band:ge-200-truncated", "modifier:ge-200-as-130"],
    )


def test_at_or_above_200_percent_kept_for_review_otherwise():
    """With ge_200_at_130 = false the previous rate is kept (× 1.0) and the reason names
    the truncated row (cut off in the source; [param]), so the agency reviews
    these employers."""
    check(rate(KEEP, payouts=30_000), 0, 0.014, ["band:ge-200-truncated"])


def test_the_truncated_row_needs_the_agencys_choice():
    """The ≥ 200 % factor is unknown (cut off in the source; [param]): rerate refuses to run
    without the agency's choice."""
    with pytest.raises(ratefloat.ParameterError, match="ge_200_at_130"):
        ratefloat.rerate(
            extract(employer("A", years=(2024,), defaults=DEFAULTS)),
            rules=RULES,
            as_of="2025-01-01",
        )


def test_arrears_bar_a_down_float():
    """Arrears → no down-float (暂行管理办法 [S2]): 支缴率 0 would give × 50 %, the rate
    stays 1.4 %."""
    check(rate(payouts=0, arrears=True), 0, 0.014, ["band:zero", "modifier:arrears-no-down"])


def test_arrears_do_not_stop_an_up_float():
    """The bar is on down-floats only (暂行管理办法 [S2]): 120 % → × 120 % = 1.68 %."""
    check(rate(payouts=12_000, arrears=True), 2, 0.0168, ["band:from-120"])


BOUND_CASES = [
    pytest.param(
        {"risk_class": 3, "current_rate": 0.06, "payouts": 15_000},
        0.07,
        ["band:from-150", "bound:max-rate"],
        id="class 3, 6% x 130% = 7.8% -> cap 7%",
    ),
    pytest.param(
        {"risk_class": 3, "current_rate": 0.05, "payouts": 15_000},
        0.065,
        ["band:from-150"],
        id="class 3, 5% x 130% = 6.5% (below the cap)",
    ),
    pytest.param(
        {"current_rate": 0.01, "payouts": 0},
        0.006,
        ["band:zero", "bound:min-rate"],
        id="class 2, 1% x 50% = 0.5% -> floor 0.6%",
    ),
    pytest.param(
        {"risk_class": 3, "current_rate": 0.03, "payouts": 0},
        0.02,
        ["band:zero", "bound:min-rate"],
        id="class 3, 3% x 50% = 1.5% -> floor 2.0%",
    ),
    pytest.param(
        {"risk_class": 3, "current_rate": 0.03, "payouts": 500},
        0.024,
        ["band:le-10"],
        id="class 3, 3% x 80% = 2.4% (above the floor)",
    ),
]


@pytest.mark.parametrize(("values", "rate_", "expected"), BOUND_CASES)
def test_cap_and_class_floors(values, rate_, expected):
    """Rate cap 7 %; floors class 2 0.6 %, class 3 2.0 % (暂行管理办法 [S2])."""
    row = rate(**values)
    assert float(row["rate"]) == pytest.approx(rate_, abs=1e-9)
    assert reasons(row) == expected


def test_class_1_is_not_floated():
    """Classes 2–3 only (暂行管理办法 [S2]): class 1 pays its base rate (stand-in 0.5 %, 29号 [S2],
    [I] for Chongqing) whatever its 支缴率 or previous rate."""
    row = rate(risk_class=1, current_rate=0.004, payouts=0)
    check(row, 0, 0.005, ["eligibility:class-not-floated"])


def test_previous_rate_is_required():
    """The rule multiplies the previous year's rate (暂行管理办法 [S2]): nothing is rated on a
    guess — an extract without the current_rate column is refused (SchemaError naming it),
    and an employer with an empty current_rate is rejected (MISSING_VALUE)."""
    no_column = extract(employer("A", years=(2024,), risk_class=2, arrears=False))
    with pytest.raises(ratefloat.SchemaError, match="current_rate"):
        ratefloat.rerate(no_column, rules=RULES, as_of="2025-01-01", params=AT_130)
    empty = extract(employer("A", years=(2024,), defaults=DEFAULTS, current_rate=float("nan")))
    result = ratefloat.rerate(empty, rules=RULES, as_of="2025-01-01", params=AT_130)
    assert result.rated.empty
    assert list(result.rejects["reason"]) == ["MISSING_VALUE"]
    assert list(result.rejects["column"]) == ["current_rate"]


def test_class_3_at_the_stand_in_base_cannot_float_down():
    """Recheck of the floors (暂行管理办法 [S2]): the class-3 floor 2.0 % equals the stand-in
    class-3 base (national 3-class 2.0 % [I]), so a class-3 employer that paid 2.0 % and had
    no payouts gets 2.0 % × 50 % = 1.0 %, floored back to 2.0 % (the table's notes flag it)."""
    row = rate(risk_class=3, current_rate=0.02, payouts=0)
    check(row, -2, 0.02, ["band:zero", "bound:min-rate"])
    table = ratefloat.load_table(RULES)
    assert table.classes[3].base_rate == table.bounds.per_class[3].min_rate.value
    assert "cannot float down" in (table.source.notes or "")


@pytest.mark.parametrize(
    ("params", "payouts", "grade", "rate_", "expected"),
    [
        pytest.param(AT_130, 5_000, 0, 0.014, ["band:unchanged-gap"], id="50% -> unchanged"),
        pytest.param(
            {**AT_130, "up_1_from": 0.5},
            5_000,
            1,
            0.0154,
            ["band:from-110"],
            id="variant: from 50% -> x 110%",
        ),
        pytest.param(
            {**AT_130, "factor_up_1": 1.05},
            11_000,
            1,
            0.0147,
            ["band:from-110"],
            id="variant: 110% -> x 105% = 1.47%",
        ),
    ],
)
def test_the_gap_and_the_factors_are_parameters(params, payouts, grade, rate_, expected):
    """The unchanged gap (10 %, 110 %) is not stated by the source [I]: its ends and every
    factor are parameters with the source's numbers as defaults ("[110 %, 120 %) → × 110 %"
    [S2]), so an analyst can try another reading. Fails on the old table (no such
    parameters)."""
    check(rate(params=params, payouts=payouts), grade, rate_, expected)
