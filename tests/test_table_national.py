"""Example tests of the built-in template ``cn-national-2015``, one per rule of the source.

Source: 人社部发〔2015〕71号 《关于调整工伤保险费率政策的通知》 (2015-07-22): sections 一 and 二
in a full-text repost, section 三 only in secondary sources (the pages listed in
``source.urls`` of cn-national-2015). Evidence tags: [S] seen in the source text, [S2]
secondary source, [I] inference or arithmetic.

* base rates (71号 一 [S]): classes 1 … 8 = 0.2, 0.4, 0.7, 0.9, 1.1, 1.3, 1.6, 1.9 %;
* grades (71号 二 [S]): class 1 100/120/150 %; classes 2–8 50/80/100/120/150 %;
* step per decision (71号 三 [S2]): "每次可上下浮动一档或两档" — a parameter;
* floor (71号 三 [S2]): not below the area's class-1 base rate;
* thresholds: not in 71号 — required parameters the agency supplies.

The thresholds below (``AGENCY``) are illustrative values an agency might supply (20 %,
50 %, 100 %, 150 %), not from any source; the expected grades follow from them and the
rule "≤ the down thresholds, > the up thresholds" the template states. The default
employer (``tests/helpers.py``) is class 4 (0.9 %), pays 10,000 yuan in 2024 (the one-year
window for as_of 2025-01-01), no payouts.

This file also holds the smoke test of every built-in table on a synthetic population.
"""

from __future__ import annotations

import numpy as np
import pytest

import ratefloat
from helpers import NATIONAL_BASE_RATES, employer, extract, rate_one, reasons
from ratefloat import synth
from ratefloat.testing import assert_matches_reference

RULES = "cn-national-2015"
AS_OF = "2025-01-01"
#: Tables not in force on AS_OF, rated on a day they were (with known base rates) whose
#: window lies in the population's years.
IN_FORCE_AS_OF = {"cn-qingdao-2017": "2023-01-01", "cn-shenzhen-2018": "2022-01-01"}
AGENCY = {
    "grade_50_max": 0.2,
    "grade_80_max": 0.5,
    "grade_120_above": 1.0,
    "grade_150_above": 1.5,
    "one_grade_per_float": False,
}
ONE_GRADE = {**AGENCY, "one_grade_per_float": True}
REQUIRED = [
    "grade_50_max",
    "grade_80_max",
    "grade_120_above",
    "grade_150_above",
    "one_grade_per_float",
]


def rate(params=AGENCY, **values):
    values.setdefault("current_grade", 0)
    return rate_one(employer("A", years=(2024,), **values), rules=RULES, params=params)


def check(row, grade, rate_, expected_reasons):
    assert int(row["grade"]) == grade
    assert float(row["rate"]) == pytest.approx(rate_, abs=1e-9)
    assert reasons(row) == expected_reasons


# --------------------------------------------------------------------------------------
# Loading and the required parameters
# --------------------------------------------------------------------------------------


def test_template_loads_with_national_classes_and_ladders():
    """71号 一 and 二 [S]: eight classes with bases 0.2 … 1.9 %, class 1 three
    grades, classes 2–8 five grades; confidence is template (the agency completes it)."""
    table = ratefloat.load_table(RULES)
    assert table.confidence == "template"
    assert {n: c.base_rate for n, c in table.classes.items()} == {
        1: 0.002,
        2: 0.004,
        3: 0.007,
        4: 0.009,
        5: 0.011,
        6: 0.013,
        7: 0.016,
        8: 0.019,
    }
    assert table.ladders[table.classes[1].ladder].grades == {0: 1.0, 1: 1.2, 2: 1.5}
    for number in range(2, 9):
        ladder = table.ladders[table.classes[number].ladder]
        assert ladder.grades == {-2: 0.5, -1: 0.8, 0: 1.0, 1: 1.2, 2: 1.5}
    assert table.movement is not None and table.movement.max_step == 2
    assert "agency must supply" in (table.description or "")
    info = {i.id: i for i in ratefloat.list_tables()}[RULES]
    assert list(info.parameters_required) == REQUIRED


def test_rerate_without_thresholds_names_them():
    """71号 leaves the thresholds to each pooling area (71号 一 [S]): without
    them rerate raises ParameterError naming every one."""
    with pytest.raises(ratefloat.ParameterError) as error:
        ratefloat.rerate(
            extract(employer("A", years=(2024,), current_grade=0)), rules=RULES, as_of=AS_OF
        )
    for name in REQUIRED:
        assert name in str(error.value)


def test_rerate_with_some_thresholds_names_the_rest():
    """Only the missing parameters are listed (71号 sets no thresholds: [param])."""
    given = {k: v for k, v in AGENCY.items() if k != "grade_150_above"}
    with pytest.raises(ratefloat.ParameterError, match="grade_150_above") as error:
        ratefloat.rerate(
            extract(employer("A", years=(2024,), current_grade=0)),
            rules=RULES,
            as_of=AS_OF,
            params=given,
        )
    assert "grade_50_max:" not in str(error.value)


# --------------------------------------------------------------------------------------
# The grades, with the agency's thresholds, class 4 (0.9 %), current grade base
# --------------------------------------------------------------------------------------

GRADE_CASES = [
    pytest.param(0, -2, 0.0045, ["band:payout-50"], id="payout 0 -> 50% = 0.45%"),
    pytest.param(2_000, -2, 0.0045, ["band:payout-50"], id="payout exactly 20% (<=) -> 50%"),
    pytest.param(2_001, -1, 0.0072, ["band:payout-80"], id="payout 20.01% -> 80% = 0.72%"),
    pytest.param(5_000, -1, 0.0072, ["band:payout-80"], id="payout exactly 50% (<=) -> 80%"),
    pytest.param(7_000, 0, 0.009, ["band:otherwise"], id="payout 70% -> base 0.9%"),
    pytest.param(10_000, 0, 0.009, ["band:otherwise"], id="payout exactly 100% (not >) -> base"),
    pytest.param(12_000, 1, 0.0108, ["band:payout-120"], id="payout 120% -> 120% = 1.08%"),
    pytest.param(15_000, 1, 0.0108, ["band:payout-120"], id="payout exactly 150% -> 120%"),
    pytest.param(20_000, 2, 0.0135, ["band:payout-150"], id="payout 200% -> 150% = 1.35%"),
]


@pytest.mark.parametrize(("payouts", "grade", "rate_", "expected"), GRADE_CASES)
def test_grades_from_the_agency_thresholds(payouts, grade, rate_, expected):
    """Grades 50/80/100/120/150 % of classes 2–8 (71号 二 [S]) at the
    agency's thresholds [param]; class 4 base 0.9 % [S]."""
    check(rate(payouts=payouts), grade, rate_, expected)


@pytest.mark.parametrize(
    ("risk_class", "base_rate"),
    NATIONAL_BASE_RATES,
)
def test_base_rate_per_class(risk_class, base_rate):
    """National base rates 0.2 … 1.9 % (71号 一 [S]); 支缴率 70 % → base."""
    row = rate(risk_class=risk_class, payouts=7_000)
    assert float(row["base_rate"]) == pytest.approx(base_rate, abs=1e-12)
    check(row, 0, base_rate, ["band:otherwise"])


# --------------------------------------------------------------------------------------
# Class 1 and the floor
# --------------------------------------------------------------------------------------


def test_class_1_is_not_floated_down():
    """Class 1 has only 100/120/150 % (71号 二 [S]): 支缴率 0 → base 0.2 %."""
    row = rate(risk_class=1, payouts=0)
    check(row, 0, 0.002, ["band:payout-50", "modifier:class-1-no-down"])


def test_class_1_up_to_150():
    """Class 1 at 150 % (71号 二 [S]): 0.2 % × 1.5 = 0.3 %."""
    check(rate(risk_class=1, payouts=20_000), 2, 0.003, ["band:payout-150"])


def test_class_2_at_50_percent_equals_the_floor():
    """Floor at the class-1 base (71号 三 [S2]): class 2 at 50 % is
    0.4 % × 0.5 = 0.2 %, exactly the floor, so the floor does not bind."""
    check(rate(risk_class=2, payouts=0), -2, 0.002, ["band:payout-50"])


def test_floor_binds_under_a_lower_local_base():
    """Each area sets its own base (71号 一 [S]); with a local class-2 base of 0.34 %
    (Qingdao's, 青人社发〔2016〕70号 [S2]) 50 % is 0.17 % < 0.2 % → raised to the class-1
    base 0.2 % [S2]."""
    table = ratefloat.load_table(RULES).model_dump(mode="json", exclude_none=True)
    table["classes"]["2"]["base_rate"] = 0.0034
    frame = extract(employer("A", years=(2024,), risk_class=2, current_grade=0))
    row = ratefloat.rerate(frame, rules=table, as_of=AS_OF, params=AGENCY).rated.iloc[0]
    check(row, -2, 0.002, ["band:payout-50", "bound:min-rate"])


# --------------------------------------------------------------------------------------
# The step per decision: "每次可上下浮动一档或两档" (71号 三 [S2])
# --------------------------------------------------------------------------------------

STEP_CASES = [
    pytest.param(
        AGENCY,
        -2,
        20_000,
        0,
        0.009,
        ["band:payout-150", "bound:movement-limit"],
        id="two grades: from 50% toward 150% -> at most +2 -> base",
    ),
    pytest.param(
        AGENCY,
        2,
        0,
        0,
        0.009,
        ["band:payout-50", "bound:movement-limit"],
        id="two grades: from 150% toward 50% -> at most -2 -> base",
    ),
    pytest.param(
        AGENCY,
        -1,
        20_000,
        1,
        0.0108,
        ["band:payout-150", "bound:movement-limit"],
        id="two grades: from 80% toward 150% -> 120%",
    ),
    pytest.param(
        ONE_GRADE,
        0,
        20_000,
        1,
        0.0108,
        ["band:one-grade-up"],
        id="one grade: from base toward 150% -> 120%",
    ),
    pytest.param(
        ONE_GRADE,
        0,
        0,
        -1,
        0.0072,
        ["band:one-grade-down"],
        id="one grade: from base toward 50% -> 80%",
    ),
    pytest.param(
        ONE_GRADE,
        -2,
        20_000,
        -1,
        0.0072,
        ["band:one-grade-up"],
        id="one grade: from 50% toward 150% -> 80%",
    ),
    pytest.param(
        ONE_GRADE,
        2,
        7_000,
        1,
        0.0108,
        ["band:one-grade-down"],
        id="one grade: from 150% toward base -> 120%",
    ),
    pytest.param(
        ONE_GRADE,
        1,
        12_000,
        1,
        0.0108,
        ["band:payout-120"],
        id="one grade: already at the target 120% -> stays",
    ),
    pytest.param(
        ONE_GRADE,
        0,
        7_000,
        0,
        0.009,
        ["band:otherwise"],
        id="one grade: already at the target base -> stays",
    ),
]


@pytest.mark.parametrize(("params", "current", "payouts", "grade", "rate_", "expected"), STEP_CASES)
def test_step_per_decision(params, current, payouts, grade, rate_, expected):
    """71号 三 [S2]: each float moves one or two grades from the current
    grade; the agency chooses with one_grade_per_float. Class 4, base 0.9 %."""
    check(rate(params, payouts=payouts, current_grade=current), grade, rate_, expected)


def test_class_1_one_grade_down_stops_at_base():
    """Class 1 one grade from 150 % toward 50 % → 120 % (71号 二 [S], 三 [S2]): 0.2 % × 1.2."""
    row = rate(ONE_GRADE, risk_class=1, payouts=0, current_grade=2)
    check(row, 1, 0.0024, ["band:one-grade-down"])
    row = rate(ONE_GRADE, risk_class=1, payouts=0, current_grade=0)
    check(row, 0, 0.002, ["band:one-grade-down", "modifier:class-1-no-down"])


# --------------------------------------------------------------------------------------
# Every built-in table on a synthetic population
# --------------------------------------------------------------------------------------

#: Parameters for the built-in tables that require them (illustrative agency values).
BUILTIN_PARAMS = {
    "cn-national-2015": AGENCY,
    "cn-shandong-2024": {k: v for k, v in AGENCY.items() if k != "one_grade_per_float"},
    "cn-tianjin-2012": {
        **{k: v for k, v in AGENCY.items() if k != "one_grade_per_float"},
        "city_injury_rate": 0.004,
    },
    "cn-chongqing-legacy": {"ge_200_at_130": True},
}


def _fill_params(table):
    """Given parameters, plus neutral values for a table this file does not know yet."""
    params = dict(BUILTIN_PARAMS.get(table.id, {}))
    for name, spec in table.parameters.items():
        if spec.default is None and name not in params:
            params[name] = {"number": 1.0, "bool": False, "list": []}[spec.type]
    return params


def _fill_columns(frame, table):
    """Add table-specific input columns the synthetic population lacks (all false / 0)."""
    frame = frame.copy()
    for name in ratefloat.required_columns(table):
        if name not in frame.columns:
            kind = table.inputs[name].kind if name in table.inputs else "number"
            frame[name] = False if kind == "flag" else 0
    return frame


@pytest.fixture(scope="module")
def population():
    return synth.employer_years(300, years=(2020, 2021, 2022, 2023, 2024), seed=1)


@pytest.mark.parametrize("table_id", [info.id for info in ratefloat.list_tables()])
def test_every_builtin_table_rates_a_synthetic_population(table_id, population):
    """Every built-in table (sources and tags [S]…[I] in each table's own test file)
    loads, rates 300 synthetic employers over 2020–2024, explains every rated employer,
    and loses none: rated + rejected = employers. On the first 40 employers the vectorised engine
    of a class the table knows equals the plain reference model (grade, class, multiplier,
    rate, reasons)."""
    table = ratefloat.load_table(table_id)
    params = _fill_params(table)
    frame = _fill_columns(population, table)
    as_of = IN_FORCE_AS_OF.get(table_id, AS_OF)
    result = ratefloat.rerate(frame, rules=table_id, as_of=as_of, params=params)
    employers = frame["employer_id"].nunique()
    assert len(result.rated) + len(result.rejects) == employers
    assert len(result.rated) > 0
    assert not set(result.rated["employer_id"]) & set(result.rejects["employer_id"])
    assert (result.rated["reasons"].astype(str).str.len() > 0).all()
    assert np.isfinite(result.rated["rate"].to_numpy(dtype=float)).all()
    # The reference model takes a valid extract: employers of classes the table knows.
    known = frame[frame["risk_class"].isin(list(table.classes))]
    first = known["employer_id"].drop_duplicates().head(40)
    subset = known[known["employer_id"].isin(first)].reset_index(drop=True)
    assert_matches_reference(subset, table_id, as_of, params)


def test_required_parameters_are_the_ones_this_file_supplies():
    """The smoke test supplies real (illustrative) values for every built-in table with
    required parameters (thresholds not in 71号, Shandong's 办法 or Tianjin's 42号; Chongqing's
    truncated row: [param])."""
    needing = {info.id for info in ratefloat.list_tables() if info.parameters_required} & set(
        BUILTIN_PARAMS
    )
    assert needing == set(BUILTIN_PARAMS)


@pytest.mark.parametrize(
    ("params", "payouts", "current", "grade"),
    [
        pytest.param(AGENCY, 15_000, 0, 1, id="150% is not > 150% -> 120%"),
        pytest.param({**AGENCY, "up_inclusive": True}, 15_000, 0, 2, id=">= 150% -> 150%"),
        pytest.param(AGENCY, 2_000, 0, -2, id="20% <= 20% -> 50%"),
        pytest.param({**AGENCY, "down_inclusive": False}, 2_000, 0, -1, id="20% -> 80%"),
        pytest.param(
            {**ONE_GRADE, "up_inclusive": True}, 15_000, 1, 2, id="one grade: 120% -> 150%"
        ),
        pytest.param(ONE_GRADE, 15_000, 2, 1, id="one grade: 150% -> 120% (not >)"),
        pytest.param(
            {**ONE_GRADE, "down_inclusive": False}, 5_000, 0, 0, id="one grade: 50% stays"
        ),
    ],
)
def test_inclusive_side_of_the_thresholds(params, payouts, current, grade):
    """71号 leaves the thresholds to the pooling area, and rules differ on which side each
    belongs to (Huainan 2011 "大于等于120%" → 150 %, kxbgw.cn/jiaofei/3041.html [S]; Qingdao
    "支缴率小于等于120%"): up_inclusive / down_inclusive choose, for the target grade and for
    the one-grade move alike. Fails on the old table (fixed ≤ / >)."""
    row = rate(params=params, payouts=payouts, current_grade=current)
    assert int(row["grade"]) == grade
