"""The fictional new-city table ``examples/new-city-table.yaml``: a city needs no code.

An analyst's table written with the rule-table language only (see ``examples/README.md``):
a two-year window, a threshold table with explicit brackets, a two-dimensional condition
(支缴率 × 工伤发生率), a no-down flag, a certificate discount and a floor. The rules are
fictional (新人社规〔2024〕1号, invented for the example; tags there are the fictional
source's); the expected values below come from the table's own text and arithmetic:

* 第六条 (一), 工伤发生率 ≤ 1 %: 支缴率 [0, 20 %] → 50 %; (20 %, 50 %] → 80 %; (50 %, 100 %]
  → base; (100 %, 150 %] → 120 %; > 150 % → 150 %;
* 第六条 (二), 工伤发生率 > 1 %: [0, 50 %] → base; (50 %, 100 %] → 120 %; > 100 % → 150 %;
* 第七条 arrears or fraud → no down-float; 第八条 level-1 certificate → rate × 0.9;
  第九条 floor at the class-1 base 0.2 %; 第五条 not floated in the first two years.

The default employer is class 4 (0.9 %), 100 insured, pays 10,000 yuan in each of 2023 and
2024 (the window for as_of 2025-01-01: 20,000), no payouts, no injuries.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import ratefloat
from helpers import employer, extract, rate_one, reasons
from ratefloat.cli import main

TABLE = Path(__file__).resolve().parents[1] / "examples" / "new-city-table.yaml"
README = TABLE.parent / "README.md"
FLAGS = {"arrears": False, "fraud": False, "safety_level": 0}


def rate(**values):
    rows = employer("A", years=(2023, 2024), defaults=FLAGS, **values)
    return rate_one(rows, rules=str(TABLE), as_of="2025-01-01")


def check(row, grade, rate_, expected_reasons):
    assert int(row["grade"]) == grade
    assert float(row["rate"]) == pytest.approx(rate_, abs=1e-9)
    assert reasons(row) == expected_reasons


def test_table_loads_and_checks_without_code(capsys):
    """``ratefloat check-table examples/new-city-table.yaml`` (examples/README.md) accepts
    the table: it is valid as written, with no Python."""
    assert main(["check-table", str(TABLE)]) == 0
    assert "example-new-city-2025: valid" in capsys.readouterr().out
    table = ratefloat.load_table(TABLE)
    assert table.window.years == 2
    assert "check-table examples/new-city-table.yaml" in README.read_text(encoding="utf-8")


TWO_D_CASES = [
    pytest.param(
        {"payouts": [2_000, 2_000]}, -2, 0.0045, ["band:low-le-20"], id="20% (incl.) -> 50%"
    ),
    pytest.param({"payouts": [2_001, 2_000]}, -1, 0.0072, ["band:low-le-50"], id="20.005% -> 80%"),
    pytest.param({"payouts": [7_000, 7_000]}, 0, 0.009, ["band:low-le-100"], id="70% -> base"),
    pytest.param({"payouts": [12_000, 12_000]}, 1, 0.0108, ["band:low-le-150"], id="120% -> 120%"),
    pytest.param(
        {"payouts": [15_001, 15_000]}, 2, 0.0135, ["band:low-over-150"], id="150.005% -> 150%"
    ),
    pytest.param(
        {"payouts": [1_000, 1_000], "injuries": [1, 0]},
        -2,
        0.0045,
        ["band:low-le-20"],
        id="injury rate exactly 1% (<=) -> the low table, 10% -> 50%",
    ),
    pytest.param(
        {"payouts": [1_000, 1_000], "injuries": [1, 1]},
        0,
        0.009,
        ["band:high-le-50"],
        id="injury rate 2% -> the high table, 10% -> base",
    ),
    pytest.param(
        {"payouts": [7_000, 7_000], "injuries": [1, 1]},
        1,
        0.0108,
        ["band:high-le-100"],
        id="injury rate 2%, 70% -> 120%",
    ),
    pytest.param(
        {"payouts": [10_001, 10_000], "injuries": [1, 1]},
        2,
        0.0135,
        ["band:high-over-100"],
        id="injury rate 2%, 100.005% -> 150%",
    ),
]


@pytest.mark.parametrize(("values", "grade", "rate_", "expected"), TWO_D_CASES)
def test_two_dimensional_threshold_tables(values, grade, rate_, expected):
    """第六条 (一)/(二) of the fictional 办法: the 支缴率 table chosen by 工伤发生率 ≤ / > 1 %,
    with the brackets as written. Class 4, base 0.9 %."""
    check(rate(**values), grade, rate_, expected)


def test_no_down_flag():
    """第七条: arrears or fraud → no down-float: 10 % would give 50 %, the rate stays 0.9 %."""
    row = rate(payouts=[1_000, 1_000], arrears=[False, True])
    check(row, 0, 0.009, ["band:low-le-20", "modifier:arrears-or-fraud-no-down"])


def test_certificate_discount():
    """第八条: a level-1 certificate takes 10 % off: base 0.9 % × 0.9 = 0.81 %."""
    row = rate(payouts=[7_000, 7_000], safety_level=1)
    check(row, 0, 0.0081, ["band:low-le-100", "modifier:level-1-certificate"])


def test_floor_at_the_class_1_base():
    """第九条 with 第八条: class 2 at 50 % is 0.2 %; the certificate would take it to 0.18 %
    → held at the class-1 base 0.2 %."""
    row = rate(risk_class=2, safety_level=1)
    check(row, -2, 0.002, ["band:low-le-20", "modifier:level-1-certificate", "bound:min-rate"])


def test_class_1_no_down_and_new_employers():
    """第六条 class 1 never below base; 第五条 employers insured under two years not floated."""
    check(rate(risk_class=1), 0, 0.002, ["band:low-le-20", "modifier:class-1-no-down"])
    check(rate(insured_since="2023-06-01"), 0, 0.009, ["eligibility:new-employer"])


def test_rates_the_bundled_extract():
    """The README's run: the bundled example extract (2021–2024) as of 2025-01-01, every
    employer rated or rejected, every rated one explained."""
    frame = ratefloat.load_example()
    result = ratefloat.rerate(frame, rules=str(TABLE), as_of="2025-01-01")
    assert len(result.rated) + len(result.rejects) == frame["employer_id"].nunique()
    assert (result.rated["reasons"].astype(str).str.len() > 0).all()
    assert set(result.rated["table_id"]) == {"example-new-city-2025"}


def test_a_dict_copy_rates_the_same_as_the_file():
    """A table is data: the same table passed as a dict rates identically."""
    table = ratefloat.load_table(TABLE).model_dump(mode="json", exclude_none=True)
    frame = extract(employer("A", years=(2023, 2024), defaults=FLAGS, payouts=[3_000, 3_000]))
    from_dict = ratefloat.rerate(frame, rules=table, as_of="2025-01-01").rated
    from_file = ratefloat.rerate(frame, rules=str(TABLE), as_of="2025-01-01").rated
    assert list(from_dict["rate"]) == list(from_file["rate"]) == pytest.approx([0.0072])
