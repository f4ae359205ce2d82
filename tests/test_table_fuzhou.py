"""Example tests of the built-in table ``cn-fuzhou-legacy``, one per rule row of the source.

Source: Fuzhou's floating rule (3-class era; document number not seen), in the one
secondary source listed in ``source.urls`` of cn-fuzhou-legacy [S2]:

* each move ±1 grade, cumulatively at most 2 grades from base;
* up if over the last two years fund spending > 70 % of premiums **and** assessed disabled
  workers (incl. occupational disease and deaths, excl. 老工伤) average "4.5 ‰以上" of the
  insured per year;
* down if spending < 40 % **and** "2 ‰以下"; else unchanged;
* 以上/以下 read as inclusive [I].

Stand-ins [I] (劳社部发〔2003〕29号 [S2], http://www.kcuv.cn/gongshangbaoxian/921352):
class 2 base 1.0 %, grades 50/80/100/120/150 %, class 1 not floated. Disabled workers =
assessed disabilities of grades 1–10 plus deaths [I]; per year = the window's count ÷
years observed ÷ mean insured [I].

The default employer is class 2 at the base grade, 1,000 insured, pays 10,000 yuan a year
in 2023 and 2024 (the two-year window for as_of 2025-01-01: 20,000), no cases. With
1,000 insured over two years, n disabled workers in the window are n/2 ‰ a year.
"""

from __future__ import annotations

import pytest

from helpers import employer, rate_one, reasons

RULES = "cn-fuzhou-legacy"
DEFAULTS = {
    "risk_class": 2,
    "avg_insured": 1_000.0,
    "current_grade": 0,
    "disability_1_4": 0,
    "disability_5_6": 0,
    "disability_7_10": 0,
    "deaths": 0,
}


def rate(years=(2023, 2024), **values):
    return rate_one(employer("A", years=years, defaults=DEFAULTS, **values), rules=RULES)


def check(row, grade, rate_, expected_reasons):
    assert int(row["grade"]) == grade
    assert float(row["rate"]) == pytest.approx(rate_, abs=1e-9)
    assert reasons(row) == expected_reasons


CONDITION_CASES = [
    pytest.param(
        {"payouts": [7_500, 7_500], "disability_7_10": [5, 4]},
        1,
        0.012,
        ["band:up"],
        id="spending 75% and 9 disabled = 4.5 permille/yr (incl.) -> up one: 1.2%",
    ),
    pytest.param(
        {"payouts": [7_000, 7_000], "disability_7_10": [5, 5]},
        0,
        0.01,
        ["band:otherwise"],
        id="spending exactly 70% (not >) -> unchanged",
    ),
    pytest.param(
        {"payouts": [7_500, 7_500], "disability_7_10": [4, 4]},
        0,
        0.01,
        ["band:otherwise"],
        id="spending 75% but 4.0 permille/yr (< 4.5) -> unchanged",
    ),
    pytest.param(
        {"payouts": [20_000, 0], "deaths": [5, 4]},
        1,
        0.012,
        ["band:up"],
        id="deaths count: 9 deaths = 4.5 permille/yr, spending 100% -> up",
    ),
    pytest.param(
        {
            "payouts": [15_000, 0],
            "disability_1_4": [1, 1],
            "disability_5_6": [2, 2],
            "deaths": [1, 2],
        },
        1,
        0.012,
        ["band:up"],
        id="grades 1-10 and deaths summed: 2+4+3 = 9 -> up",
    ),
    pytest.param(
        {"payouts": [3_000, 3_000], "disability_7_10": [2, 2]},
        -1,
        0.008,
        ["band:down"],
        id="spending 30% and 4 disabled = 2 permille/yr (incl.) -> down one: 0.8%",
    ),
    pytest.param(
        {"payouts": [4_000, 4_000]},
        0,
        0.01,
        ["band:otherwise"],
        id="spending exactly 40% (not <) -> unchanged",
    ),
    pytest.param(
        {"payouts": [3_000, 3_000], "disability_7_10": [3, 2]},
        0,
        0.01,
        ["band:otherwise"],
        id="spending 30% but 2.5 permille/yr (> 2) -> unchanged",
    ),
    pytest.param(
        {"payouts": [0, 0], "disability_7_10": [5, 5]},
        0,
        0.01,
        ["band:otherwise"],
        id="spending 0 but 5 permille/yr -> neither condition pair -> unchanged",
    ),
]


@pytest.mark.parametrize(("values", "grade", "rate_", "expected"), CONDITION_CASES)
def test_up_and_down_conditions(values, grade, rate_, expected):
    """Up: spending > 70 % AND disabled ≥ 4.5 ‰ a year; down: < 40 % AND ≤ 2 ‰; else
    unchanged (Fuzhou rule [S2]; inclusivity [I]). Class 2, base 1.0 %."""
    check(rate(**values), grade, rate_, expected)


UP = {"payouts": [7_500, 7_500], "disability_7_10": [5, 5]}
DOWN = {"payouts": [1_000, 1_000]}

MOVEMENT_CASES = [
    pytest.param(-1, UP, 0, 0.01, ["band:up"], id="80% and up -> one grade, base"),
    pytest.param(1, UP, 2, 0.015, ["band:up"], id="120% and up -> 150%"),
    pytest.param(
        2,
        UP,
        2,
        0.015,
        ["band:up", "bound:movement-limit"],
        id="150% and up -> stays (2 from base)",
    ),
    pytest.param(1, DOWN, 0, 0.01, ["band:down"], id="120% and down -> one grade, base"),
    pytest.param(-1, DOWN, -2, 0.005, ["band:down"], id="80% and down -> 50%"),
    pytest.param(
        -2, DOWN, -2, 0.005, ["band:down", "bound:movement-limit"], id="50% and down -> stays"
    ),
    pytest.param(
        1, {"payouts": [5_000, 5_000]}, 1, 0.012, ["band:otherwise"], id="120%, 50% -> unchanged"
    ),
]


@pytest.mark.parametrize(("current", "values", "grade", "rate_", "expected"), MOVEMENT_CASES)
def test_one_grade_per_move_two_from_base(current, values, grade, rate_, expected):
    """Each move ±1 grade, cumulatively at most 2 grades from base (Fuzhou rule [S2]), from the
    employer's current grade. Class 2, base 1.0 %."""
    check(rate(current_grade=current, **values), grade, rate_, expected)


def test_two_year_window():
    """ "Over the last two years" (Fuzhou rule [S2]): as of 2025-01-01 the window is 2023–2024; a
    2022 payout is ignored: spending (0 + 15,000)/20,000 = 75 %, 9 disabled = 4.5 ‰ → up."""
    row = rate(years=(2022, 2023, 2024), payouts=[90_000, 0, 15_000], disability_7_10=[0, 4, 5])
    check(row, 1, 0.012, ["band:up"])


def test_yearly_average_over_the_years_observed():
    """ "Average per year" (Fuzhou rule [S2]) over the years the employer has rows [I]: only 2024
    in the window, 5 disabled among 1,000 insured = 5 ‰, spending 80 % → up."""
    row = rate(years=(2024,), payouts=8_000, disability_7_10=5)
    check(row, 1, 0.012, ["band:up"])


def test_class_1_not_floated():
    """Class 1 not floated (劳社部发〔2003〕29号 [S2]; [I] for Fuzhou): base 0.5 %."""
    row = rate(risk_class=1, **UP)
    check(row, 0, 0.005, ["eligibility:class-not-floated"])


@pytest.mark.parametrize(
    ("params", "grade", "expected"),
    [
        pytest.param({}, 0, ["band:otherwise"], id="4.0 permille/yr < 4.5 -> unchanged"),
        pytest.param({"up_disabled_min": 4.0}, 1, ["band:up"], id="variant 4.0 -> up one"),
    ],
)
def test_source_thresholds_are_parameters(params, grade, expected):
    """Spending > 70 % and disabled workers "4.5 ‰以上" (ydliyang.com [S2]) are parameters with
    these defaults: 75 % and 4.0 ‰ a year stay unchanged; up_disabled_min=4.0 moves up."""
    rows = employer(
        "A",
        years=(2023, 2024),
        defaults=DEFAULTS,
        payouts=[7_500, 7_500],
        disability_7_10=[4, 4],
    )
    row = rate_one(rows, rules=RULES, params=params)
    assert int(row["grade"]) == grade
    assert reasons(row) == expected
