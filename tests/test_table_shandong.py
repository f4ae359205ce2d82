"""Example tests of the built-in table ``cn-shandong-2024``, one per rule of the sources.

Sources (the pages listed in ``source.urls`` of cn-shandong-2024): 鲁人社发〔2023〕18号 ([S]:
from 2024-01-01 province-wide base rates 0.2, 0.4, 0.7, 0.9, 1.1, 1.3, 1.6, 1.9 %);
鲁人社函〔2025〕5号 ([S]: 2025 base rates −20 %, i.e. 0.16 … 1.52 % [I, arithmetic]);
《山东省工伤保险费率浮动管理办法(征求意见稿)》 of August 2024 (hrss.shandong.gov.cn [S]:
exists, thresholds not retrievable → required parameters). Grades and the floor follow
人社部发〔2015〕71号 [I for Shandong].

Arithmetic of the 2025 base rates (× 0.8): 0.2 → 0.16, 0.4 → 0.32, 0.7 → 0.56, 0.9 → 0.72,
1.1 → 0.88, 1.3 → 1.04, 1.6 → 1.28, 1.9 → 1.52 %.

``AGENCY`` holds illustrative thresholds (20 %, 50 %, 100 %, 150 %) standing in for the
ones the agency must supply; they are from no source. The default employer is class 4,
pays 10,000 yuan a year, no payouts; the window is the one year before as_of [I].
"""

from __future__ import annotations

import pytest

import ratefloat
from helpers import employer, extract, rate_one, reasons

RULES = "cn-shandong-2024"
AGENCY = {"grade_50_max": 0.2, "grade_80_max": 0.5, "grade_120_above": 1.0, "grade_150_above": 1.5}
REQUIRED = ["grade_50_max", "grade_80_max", "grade_120_above", "grade_150_above"]


def rate(as_of, year, **values):
    rows = employer("A", years=(year,), **values)
    return rate_one(rows, rules=RULES, as_of=as_of, params=AGENCY)


def check(row, grade, base_rate, rate_, expected_reasons):
    assert int(row["grade"]) == grade
    assert float(row["base_rate"]) == pytest.approx(base_rate, abs=1e-12)
    assert float(row["rate"]) == pytest.approx(rate_, abs=1e-9)
    assert reasons(row) == expected_reasons


def test_description_says_the_agency_must_supply_the_thresholds():
    """The 2024 draft 办法 [S]: the floating articles were not retrievable; the table says so
    and leaves every threshold to the agency (confidence template)."""
    table = ratefloat.load_table(RULES)
    assert table.confidence == "template"
    assert "agency MUST supply" in (table.description or "")
    for name in REQUIRED:
        assert table.parameters[name].default is None
        assert "NOT PUBLIC" in table.parameters[name].description


def test_missing_thresholds_raise_parameter_error_listing_them():
    """The 2024 draft 办法 [S]: thresholds unknown → rerate refuses to guess and lists every one."""
    with pytest.raises(ratefloat.ParameterError) as error:
        ratefloat.rerate(extract(employer("A", years=(2024,))), rules=RULES, as_of="2025-03-01")
    message = str(error.value)
    for name in REQUIRED:
        assert name in message
    assert "NOT PUBLIC" in message


CLASSES = [1, 2, 3, 4, 5, 6, 7, 8]
BASE_2024 = [0.002, 0.004, 0.007, 0.009, 0.011, 0.013, 0.016, 0.019]
BASE_2025 = [0.0016, 0.0032, 0.0056, 0.0072, 0.0088, 0.0104, 0.0128, 0.0152]


@pytest.mark.parametrize(
    ("risk_class", "base_rate"),
    [
        pytest.param(c, b, id=f"class {c} = {b * 100:.2f}%")
        for c, b in zip(CLASSES, BASE_2025, strict=True)
    ],
)
def test_2025_base_rates_are_cut_by_20_percent(risk_class, base_rate):
    """鲁人社函〔2025〕5号 [S]: 2025 base rates −20 %, 0.16 … 1.52 % [I, arithmetic].
    As of 2025-03-01, 支缴率 70 % (base band) pays the cut base rate."""
    row = rate("2025-03-01", 2024, risk_class=risk_class, payouts=7_000)
    check(row, 0, base_rate, base_rate, ["band:otherwise", "cut:lu-2025-cut"])


@pytest.mark.parametrize(
    ("risk_class", "base_rate"),
    [
        pytest.param(c, b, id=f"class {c} = {b * 100:.1f}%")
        for c, b in zip(CLASSES, BASE_2024, strict=True)
    ],
)
def test_2024_base_rates_have_no_cut(risk_class, base_rate):
    """鲁人社发〔2023〕18号 [S]: from 2024-01-01 base rates 0.2 … 1.9 %; as of
    2024-06-01 the 2025 cut is not yet in force."""
    row = rate("2024-06-01", 2023, risk_class=risk_class, payouts=7_000)
    check(row, 0, base_rate, base_rate, ["band:otherwise"])


def test_cut_ends_with_2025():
    """The cut is for 2025 (鲁人社函〔2025〕5号 [S]): as of 2026-01-01 class 4 is back at 0.9 %."""
    row = rate("2026-01-01", 2025, payouts=7_000)
    check(row, 0, 0.009, 0.009, ["band:otherwise"])


def test_cut_applies_on_its_last_day():
    """In force 2025-01-01 … 2025-12-31 (5号 [S], "2025"): as of 2025-12-31 class 4 0.72 %."""
    row = rate("2025-12-31", 2024, payouts=7_000)
    check(row, 0, 0.0072, 0.0072, ["band:otherwise", "cut:lu-2025-cut"])


GRADE_CASES = [
    pytest.param(0, -2, 0.0036, ["band:payout-50"], id="payout 0 -> 50% of 0.72% = 0.36%"),
    pytest.param(3_000, -1, 0.00576, ["band:payout-80"], id="30% -> 80% of 0.72% = 0.576%"),
    pytest.param(12_000, 1, 0.00864, ["band:payout-120"], id="120% -> 120% of 0.72% = 0.864%"),
    pytest.param(20_000, 2, 0.0108, ["band:payout-150"], id="200% -> 150% of 0.72% = 1.08%"),
]


@pytest.mark.parametrize(("payouts", "grade", "rate_", "expected"), GRADE_CASES)
def test_grades_apply_to_the_cut_base(payouts, grade, rate_, expected):
    """Grades (71号 [S]; [I] for Shandong) at the agency's thresholds [param], on the
    2025 base cut by 20 % (鲁人社函〔2025〕5号 [S]): class 4 base 0.72 %."""
    row = rate("2025-03-01", 2024, payouts=payouts)
    check(row, grade, 0.0072, rate_, [*expected, "cut:lu-2025-cut"])


def test_class_1_not_floated_down():
    """Class 1 has no down grade (71号 [S]; [I] for Shandong): 2025 base 0.16 %."""
    row = rate("2025-03-01", 2024, risk_class=1, payouts=0)
    check(row, 0, 0.0016, 0.0016, ["band:payout-50", "modifier:class-1-no-down", "cut:lu-2025-cut"])


def test_floor_is_the_cut_class_1_base():
    """Floor at the class-1 base in force (71号 [S2]; [I] for Shandong): in 2025 class
    2 at 50 % is 0.32 % × 0.5 = 0.16 %, exactly the cut class-1 base, so it does not bind."""
    row = rate("2025-03-01", 2024, risk_class=2, payouts=0)
    check(row, -2, 0.0032, 0.0016, ["band:payout-50", "cut:lu-2025-cut"])


# --------------------------------------------------------------------------------------
# 工伤发生率 thresholds (the seed) and the inclusive side of each threshold
# --------------------------------------------------------------------------------------

#: Illustrative injury-rate thresholds (from no source): ≤ 0.5 % and ≤ 1 % for the down
#: grades, > 2 % and > 3 % for the up grades.
INJURY = {
    **AGENCY,
    "use_injury_rate": True,
    "injury_50_max": 0.005,
    "injury_80_max": 0.01,
    "injury_120_above": 0.02,
    "injury_150_above": 0.03,
}


def rated(params, **values):
    rows = employer("A", years=(2024,), **values)
    return rate_one(rows, rules=RULES, as_of="2025-03-01", params=params)


@pytest.mark.parametrize(
    ("values", "grade", "rate_", "expected"),
    [
        pytest.param(
            {"payouts": 0, "injuries": 4},
            2,
            0.0108,
            ["band:payout-150", "cut:lu-2025-cut"],
            id="4 % > 3 % -> 150%",
        ),
        pytest.param(
            {"payouts": 0, "injuries": 3},
            1,
            0.00864,
            ["band:payout-120", "cut:lu-2025-cut"],
            id="3 % -> 120%",
        ),
        pytest.param(
            {"payouts": 0, "injuries": 1},
            -1,
            0.00576,
            ["band:payout-80", "cut:lu-2025-cut"],
            id="1 % -> 80%",
        ),
        pytest.param(
            {"payouts": 0, "injuries": 0},
            -2,
            0.0036,
            ["band:payout-50", "cut:lu-2025-cut"],
            id="0 -> 50%",
        ),
    ],
)
def test_injury_rate_thresholds_from_the_seed(values, grade, rate_, expected):
    """鲁人社字〔2021〕73号 三(六) [S]: "根据用人单位工伤发生率、工伤保险支缴率等因素对用人单位
    费率实施浮动". With use_injury_rate (illustrative thresholds), 100 insured, 支缴率 0:
    4 injuries (4 %) → 150 %, 3 (3 %, not above 3 %) → 120 %, 1 (1 %, above the 0.5 % of
    50 %) → 80 %, none → 50 %; 2025 class-4 base 0.72 %. Fails on the old table (no such
    parameters)."""
    check(rated(INJURY, **values), grade, 0.0072, rate_, expected)


def test_injury_rate_is_not_read_by_default():
    """Without use_injury_rate the 支缴率 alone decides: 4 injuries, 支缴率 0 → 50 %."""
    check(
        rated(AGENCY, payouts=0, injuries=4),
        -2,
        0.0072,
        0.0036,
        ["band:payout-50", "cut:lu-2025-cut"],
    )


@pytest.mark.parametrize(
    ("params", "payouts", "grade", "expected"),
    [
        pytest.param(
            AGENCY,
            15_000,
            1,
            ["band:payout-120", "cut:lu-2025-cut"],
            id="150% is not > 150% -> 120%",
        ),
        pytest.param(
            {**AGENCY, "up_inclusive": True},
            15_000,
            2,
            ["band:payout-150", "cut:lu-2025-cut"],
            id=">= 150% -> 150%",
        ),
        pytest.param(
            AGENCY, 2_000, -2, ["band:payout-50", "cut:lu-2025-cut"], id="20% <= 20% -> 50%"
        ),
        pytest.param(
            {**AGENCY, "down_inclusive": False},
            2_000,
            -1,
            ["band:payout-80", "cut:lu-2025-cut"],
            id="20% -> 80%",
        ),
    ],
)
def test_inclusive_side_of_the_thresholds(params, payouts, grade, expected):
    """Rules differ on which side a threshold belongs to: Huainan 2011 "大于等于120%" → 150 %
    (kxbgw.cn/jiaofei/3041.html [S]) against Jiangsu "超过100%". up_inclusive=true makes an
    up threshold itself float up; down_inclusive=false keeps a down threshold itself at the
    next grade up. Fails on the old table (fixed ≤ / >)."""
    row = rated(params, payouts=payouts)
    assert int(row["grade"]) == grade
    assert reasons(row) == expected
