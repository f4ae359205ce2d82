"""Example tests of the built-in table ``cn-beijing-safety``, one per rule row of the source.

Source: 北京市安监局《关于进一步推进企业安全生产标准化建设若干激励政策》 (date not seen), in the
secondary source https://chemicalsafety.org.cn/article/o8eq1n9dvql4wv36 (``source.urls`` of
cn-beijing-safety; all rows [S2]; conditions: all staff insured and premiums
paid on time and in full):

=========================================================  ============================
level-1 standardisation                                    −20 %
level-2                                                    −15 %
level-3, or small/micro firm post-level compliance (岗位达标)   −10 %
already at the rate floor                                  no further cut
after a cut, 1 death                                       restore, then +20 %
after a cut, 2 deaths                                      restore, then +50 % (top cap)
after a cut, ≥ 3 deaths or the offender warning list       top grade
=========================================================  ============================

Beijing's 支缴率 thresholds were not found: every employer starts at the base grade (a
neutral base band). Readings [I]: "+20 %"/"+50 %" = one/two grades up from the restored
grade (120 %/150 % of the base rate here); the floor is 人社部发〔2015〕71号's class-1 base
rate ([S2]); base rates are 71号's ([S]): class 1 0.2 %, class 2 0.4 %, class 4 0.9 %.

The default employer is class 4, pays 10,000 yuan in 2024 (the window for as_of
2025-01-01), no arrears, all staff insured, no deaths, not on the warning list.
"""

from __future__ import annotations

import pytest

from helpers import employer, rate_one, reasons

RULES = "cn-beijing-safety"
CLEAN = {
    "safety_level": 0,
    "post_compliance": False,
    "arrears": False,
    "uninsured_staff": False,
    "deaths": 0,
    "warning_list": False,
}


def rate(**values):
    return rate_one(employer("A", years=(2024,), defaults=CLEAN, **values), rules=RULES)


def check(row, grade, rate_, expected_reasons):
    assert int(row["grade"]) == grade
    assert float(row["rate"]) == pytest.approx(rate_, abs=1e-9)
    assert reasons(row) == expected_reasons


INCENTIVE_CASES = [
    pytest.param({}, 0, 0.009, ["band:otherwise"], id="no level -> base 0.9%"),
    pytest.param(
        {"safety_level": 1},
        0,
        0.0072,
        ["band:otherwise", "modifier:level-1-minus-20"],
        id="level 1 -> 0.9% x 0.8 = 0.72%",
    ),
    pytest.param(
        {"safety_level": 2},
        0,
        0.00765,
        ["band:otherwise", "modifier:level-2-minus-15"],
        id="level 2 -> 0.9% x 0.85 = 0.765%",
    ),
    pytest.param(
        {"safety_level": 3},
        0,
        0.0081,
        ["band:otherwise", "modifier:level-3-minus-10"],
        id="level 3 -> 0.9% x 0.9 = 0.81%",
    ),
    pytest.param(
        {"post_compliance": True},
        0,
        0.0081,
        ["band:otherwise", "modifier:level-3-minus-10"],
        id="small/micro 岗位达标 -> 0.81%",
    ),
    pytest.param(
        {"safety_level": 1, "post_compliance": True},
        0,
        0.0072,
        ["band:otherwise", "modifier:level-1-minus-20"],
        id="level 1 and 岗位达标 -> only the level-1 cut, 0.72%",
    ),
]


@pytest.mark.parametrize(("values", "grade", "rate_", "expected"), INCENTIVE_CASES)
def test_standardisation_incentive(values, grade, rate_, expected):
    """Level 1 −20 %, level 2 −15 %, level 3 or 岗位达标 −10 % (Beijing incentive policy [S2]),
    on the neutral base band; class 4 base 0.9 % (71号 [S])."""
    check(rate(**values), grade, rate_, expected)


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({"arrears": True}, id="arrears: premiums not paid on time and in full"),
        pytest.param({"uninsured_staff": True}, id="not all staff insured"),
    ],
)
def test_conditions_of_the_incentive(values):
    """Conditions: all staff insured and premiums paid on time and in full (incentive policy [S2]):
    otherwise a level-1 employer keeps the base rate 0.9 %."""
    check(rate(safety_level=1, **values), 0, 0.009, ["band:otherwise"])


def test_at_the_floor_no_further_cut():
    """ "Already at the rate floor → no further cut" (incentive policy [S2]); floor = the
    class-1 base [I]: class 1 level 1 would be 0.2 % × 0.8 = 0.16 % → held at 0.2 %."""
    check(
        rate(risk_class=1, safety_level=1),
        0,
        0.002,
        ["band:otherwise", "modifier:level-1-minus-20", "bound:min-rate"],
    )


def test_cut_above_the_floor_stands():
    """Class 2 level 1: 0.4 % × 0.8 = 0.32 % > 0.2 % (incentive policy [S2]): the cut stands."""
    check(
        rate(risk_class=2, safety_level=1),
        0,
        0.0032,
        ["band:otherwise", "modifier:level-1-minus-20"],
    )


DEATH_CASES = [
    pytest.param(
        {"safety_level": 1, "deaths": 1},
        1,
        0.0108,
        ["band:otherwise", "modifier:death-1-up-20"],
        id="level 1, 1 death -> cut withdrawn, +20%: 1.08%",
    ),
    pytest.param(
        {"safety_level": 2, "deaths": 2},
        2,
        0.0135,
        ["band:otherwise", "modifier:deaths-2-up-50"],
        id="level 2, 2 deaths -> cut withdrawn, +50%: 1.35%",
    ),
    pytest.param(
        {"safety_level": 3, "deaths": 3},
        2,
        0.0135,
        ["band:otherwise", "modifier:deaths-3-or-warning-top"],
        id="level 3, 3 deaths -> top grade 150%: 1.35%",
    ),
    pytest.param(
        {"post_compliance": True, "deaths": 4},
        2,
        0.0135,
        ["band:otherwise", "modifier:deaths-3-or-warning-top"],
        id="岗位达标, 4 deaths -> top grade",
    ),
    pytest.param(
        {"safety_level": 1, "warning_list": True},
        2,
        0.0135,
        ["band:otherwise", "modifier:deaths-3-or-warning-top"],
        id="level 1, on the warning list, no death -> top grade",
    ),
    pytest.param(
        {"safety_level": 1, "deaths": 1, "warning_list": True},
        2,
        0.0135,
        ["band:otherwise", "modifier:deaths-3-or-warning-top"],
        id="level 1, 1 death and the warning list -> top grade, not +20%",
    ),
    pytest.param(
        {"risk_class": 1, "safety_level": 1, "deaths": 2},
        2,
        0.003,
        ["band:otherwise", "modifier:deaths-2-up-50"],
        id="class 1, level 1, 2 deaths -> 150% of 0.2% = 0.3%",
    ),
    pytest.param(
        {"deaths": 2},
        0,
        0.009,
        ["band:otherwise"],
        id="no level (no cut to withdraw), 2 deaths -> base 0.9% [I]",
    ),
]


@pytest.mark.parametrize(("values", "grade", "rate_", "expected"), DEATH_CASES)
def test_fatal_accident_after_a_cut(values, grade, rate_, expected):
    """After a cut: 1 death → restore, then +20 %; 2 deaths → restore, then +50 % (capped at
    the top grade); ≥ 3 deaths or the warning list → top grade (incentive policy [S2]);
    +20/+50 % read as one/two grades up [I]. Class 4, base 0.9 %."""
    check(rate(**values), grade, rate_, expected)


@pytest.mark.parametrize(
    ("params", "rate_"),
    [
        pytest.param({}, 0.0072, id="level 1: -20% of 0.9% = 0.72%"),
        pytest.param({"level_1_factor": 0.7}, 0.0063, id="variant -30% = 0.63%"),
    ],
)
def test_incentive_factors_are_parameters(params, rate_):
    """Level 1 → −20 % (the incentive policy [S2]) is the parameter level_1_factor (default
    0.8); a variant at 0.7 charges 0.63 %."""
    rows = employer("A", years=(2024,), defaults=CLEAN, safety_level=1)
    row = rate_one(rows, rules=RULES, params=params)
    check(row, 0, rate_, ["band:otherwise", "modifier:level-1-minus-20"])
