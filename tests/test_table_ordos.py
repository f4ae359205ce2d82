"""Example tests of the built-in table ``cn-ordos-2015``, one per rule row of the source.

Source: Ordos' floating rule from 2015-10-01 (8-class; document number not seen), in the
one secondary source listed in ``source.urls`` of cn-ordos-2015 [S2]:

* class 1: in one year 4 cases graded 7–10, or 2 cases graded 1–6, or 1 death → 120 %;
  again within 3 years (2 / 1 / 1 death) → 150 %;
* classes 2–8 (item 二): ≥ 6 cases 7–10, or ≥ 3 cases 1–6, or ≥ 2 deaths, and fund use
  > 100 % of premiums → 150 % (item 一 is missing from the source);
* up-floated employers with 3 consecutive accident-free years return to base in year 4;
  base employers with 3 accident-free years → 80 %; 5 accident-free years plus a
  city-level safety award → 50 %.

Readings [I]: "again within 3 years" = still up-floated (current grade ≥ 1);
accident-free = no recognised injury in the year; the AND applies to the whole OR group;
down rules for classes 2–8 only; the 50 % rule from base or below; otherwise the grade is
kept. Base rates and grades: 人社部发〔2015〕71号 [S]: class 1 0.2 % (100/120/150 %), class 4
0.9 % (50/80/100/120/150 %).

The default employer is class 4 at the base grade, 100 insured, pays 10,000 yuan a year,
no cases, no award. As of 2025-01-01 the window is 2024 (y1); y2 … y5 = 2023 … 2020.
"""

from __future__ import annotations

import pytest

import ratefloat
from helpers import employer, rate_one, reasons

RULES = "cn-ordos-2015"
DEFAULTS = {
    "current_grade": 0,
    "disability_1_4": 0,
    "disability_5_6": 0,
    "disability_7_10": 0,
    "deaths": 0,
    "safety_award": False,
}
FIVE_YEARS = (2020, 2021, 2022, 2023, 2024)


def rate(years=(2024,), **values):
    return rate_one(employer("A", years=years, defaults=DEFAULTS, **values), rules=RULES)


def check(row, grade, rate_, expected_reasons):
    assert int(row["grade"]) == grade
    assert float(row["rate"]) == pytest.approx(rate_, abs=1e-9)
    assert reasons(row) == expected_reasons


CLASS_1_CASES = [
    pytest.param(
        {"injuries": 4, "disability_7_10": 4},
        1,
        0.0024,
        ["band:class-1-up"],
        id="4 cases 7-10 -> 120%",
    ),
    pytest.param(
        {"injuries": 3, "disability_7_10": 3},
        0,
        0.002,
        ["band:otherwise"],
        id="3 cases 7-10 -> base",
    ),
    pytest.param(
        {"injuries": 2, "disability_1_4": 1, "disability_5_6": 1},
        1,
        0.0024,
        ["band:class-1-up"],
        id="2 cases 1-6 -> 120%",
    ),
    pytest.param(
        {"injuries": 1, "disability_5_6": 1}, 0, 0.002, ["band:otherwise"], id="1 case 1-6 -> base"
    ),
    pytest.param(
        {"injuries": 1, "deaths": 1}, 1, 0.0024, ["band:class-1-up"], id="1 death -> 120%"
    ),
    pytest.param(
        {"current_grade": 1, "injuries": 2, "disability_7_10": 2},
        2,
        0.003,
        ["band:class-1-again"],
        id="again: 2 cases 7-10 -> 150%",
    ),
    pytest.param(
        {"current_grade": 1, "injuries": 1, "disability_1_4": 1},
        2,
        0.003,
        ["band:class-1-again"],
        id="again: 1 case 1-6 -> 150%",
    ),
    pytest.param(
        {"current_grade": 1, "injuries": 1, "deaths": 1},
        2,
        0.003,
        ["band:class-1-again"],
        id="again: 1 death -> 150%",
    ),
    pytest.param(
        {"current_grade": 1, "injuries": 1, "disability_7_10": 1},
        1,
        0.0024,
        ["band:otherwise"],
        id="again: 1 case 7-10 -> stays 120%",
    ),
]


@pytest.mark.parametrize(("values", "grade", "rate_", "expected"), CLASS_1_CASES)
def test_class_1_counts(values, grade, rate_, expected):
    """Class 1: 4 cases 7–10 / 2 cases 1–6 / 1 death in a year → 120 %; again (2 / 1 / 1)
    → 150 % (Ordos rule [S2]; "again" = still up-floated [I]). Base 0.2 %."""
    check(rate(risk_class=1, **values), grade, rate_, expected)


TOP = ["band:classes-2-8-top"]
CLASSES_2_8_CASES = [
    pytest.param(
        {"disability_7_10": 6, "payouts": 12_000}, 2, 0.0135, TOP, id="6 cases 7-10, 120%"
    ),
    pytest.param(
        {"disability_7_10": 6, "payouts": 10_000},
        0,
        0.009,
        ["band:otherwise"],
        id="6 cases 7-10, fund use exactly 100% (not >) -> base",
    ),
    pytest.param(
        {"disability_7_10": 5, "payouts": 12_000},
        0,
        0.009,
        ["band:otherwise"],
        id="5 cases -> base",
    ),
    pytest.param(
        {"disability_1_4": 2, "disability_5_6": 1, "payouts": 12_000},
        2,
        0.0135,
        TOP,
        id="3 cases 1-6, 120%",
    ),
    pytest.param({"deaths": 2, "payouts": 12_000}, 2, 0.0135, TOP, id="2 deaths, 120%"),
    pytest.param(
        {"deaths": 2, "payouts": 8_000}, 0, 0.009, ["band:otherwise"], id="2 deaths, 80% -> base"
    ),
    pytest.param(
        {"deaths": 1, "payouts": 50_000}, 0, 0.009, ["band:otherwise"], id="1 death, 500% -> base"
    ),
]


@pytest.mark.parametrize(("values", "grade", "rate_", "expected"), CLASSES_2_8_CASES)
def test_classes_2_8_counts_and_fund_use(values, grade, rate_, expected):
    """Classes 2–8, item (二): ≥ 6 cases 7–10 or ≥ 3 cases 1–6 or ≥ 2 deaths, AND fund use
    > 100 % → 150 % (Ordos rule [S2]; AND over the OR group [I]). Class 4, base 0.9 %; the
    missing item (一) leaves smaller counts at the current grade."""
    check(rate(injuries=6, **values), grade, rate_, expected)


FREE_CASES = [
    pytest.param(
        {"current_grade": 2, "injuries": [0, 1, 0, 0, 0]},
        0,
        0.009,
        ["band:free-3-return"],
        id="150%, 2022-24 accident-free -> base in year 4",
    ),
    pytest.param(
        {"current_grade": 1, "injuries": [0, 1, 0, 0, 0]},
        0,
        0.009,
        ["band:free-3-return"],
        id="120%, 2022-24 accident-free -> base",
    ),
    pytest.param(
        {"current_grade": 2, "injuries": [0, 0, 1, 0, 0]},
        2,
        0.0135,
        ["band:otherwise"],
        id="150%, only 2023-24 accident-free -> stays 150%",
    ),
    pytest.param(
        {"injuries": [0, 1, 0, 0, 0]},
        -1,
        0.0072,
        ["band:free-3-base"],
        id="base, 2022-24 accident-free -> 80%",
    ),
    pytest.param(
        {"injuries": [0, 0, 0, 0, 0], "safety_award": True},
        -2,
        0.0045,
        ["band:free-5-award"],
        id="base, 2020-24 accident-free + award -> 50%",
    ),
    pytest.param(
        {"injuries": [0, 0, 0, 0, 0]},
        -1,
        0.0072,
        ["band:free-3-base"],
        id="5 accident-free years, no award -> 80%",
    ),
    pytest.param(
        {"injuries": [1, 0, 0, 0, 0], "safety_award": True},
        -1,
        0.0072,
        ["band:free-3-base"],
        id="4 accident-free years + award -> 80%",
    ),
    pytest.param(
        {"current_grade": -1, "injuries": [0, 0, 0, 0, 0], "safety_award": True},
        -2,
        0.0045,
        ["band:free-5-award"],
        id="80%, 5 accident-free years + award -> 50%",
    ),
    pytest.param(
        {"current_grade": -1, "injuries": [0, 0, 0, 0, 0]},
        -1,
        0.0072,
        ["band:otherwise"],
        id="80%, 5 accident-free years, no award -> stays 80%",
    ),
    pytest.param(
        {"current_grade": 1, "injuries": [0, 0, 0, 0, 0], "safety_award": True},
        0,
        0.009,
        ["band:free-3-return"],
        id="120%, 5 accident-free years + award -> base (50% only from base) [I]",
    ),
]


@pytest.mark.parametrize(("values", "grade", "rate_", "expected"), FREE_CASES)
def test_accident_free_years(values, grade, rate_, expected):
    """3 accident-free years: up-floated → base, base → 80 %; 5 years + city safety award
    → 50 % (Ordos rule [S2]). Class 4, base 0.9 %; years 2020–2024."""
    check(rate(years=FIVE_YEARS, **values), grade, rate_, expected)


def test_class_1_has_no_down_grade():
    """Class 1 at base with 5 accident-free years and an award stays at base 0.2 %: its
    ladder has no down grade (71号 [S]; [I] for Ordos)."""
    row = rate(years=FIVE_YEARS, risk_class=1, safety_award=True)
    check(row, 0, 0.002, ["band:otherwise"])


def test_a_year_without_a_row_is_not_accident_free():
    """Accident-free years must be shown (Ordos rule [S2]; reading [I]): rows for
    2022 and 2024 only (2023 missing) → not 3 accident-free years → the base grade is
    kept."""
    check(rate(years=(2022, 2024)), 0, 0.009, ["band:otherwise"])


def test_safety_award_is_a_required_column():
    """The city-level safety award (Ordos rule [S2]) has no default: the agency supplies it."""
    assert "safety_award" in ratefloat.required_columns(RULES)
    assert "current_grade" in ratefloat.required_columns(RULES)


def test_award_at_city_level_or_above():
    """The full text reads "获得市级以上(含市级)安全生产奖" (shebaodata.com [S2]): a provincial or
    national award counts as well as a city one. The table's safety_award column says so
    (the old table asked for a city-level award only)."""
    spec = ratefloat.load_table(RULES).inputs["safety_award"]
    assert "市级以上(含市级)" in (spec.description or "")
    assert "provincial or national" in (spec.description or "")


@pytest.mark.parametrize(
    ("params", "grade", "expected"),
    [
        pytest.param({}, 0, ["band:otherwise"], id="3 accidents 7-10 < 4 -> base"),
        pytest.param(
            {"class_1_up_7_10": 3}, 1, ["band:class-1-up"], id="variant 3 accidents -> 120%"
        ),
    ],
)
def test_counts_are_parameters(params, grade, expected):
    """ "发生4起…7-10级" (以上, ≥) is the parameter class_1_up_7_10 (default 4): 3 accidents
    leave a class-1 employer at base; a variant with 3 raises it. Fails on the old table
    (no such parameter)."""
    rows = employer("A", years=(2024,), defaults=DEFAULTS, risk_class=1, disability_7_10=3)
    row = rate_one(rows, rules=RULES, params=params)
    assert int(row["grade"]) == grade
    assert reasons(row) == expected
