"""Numbers a table states may be parameters (``$name``): interval ends, ladder values,
``by`` amounts and the window length.

An analyst varies any of them with ``params=`` without editing the table; the table is
checked with the values given (rows still tile the range, ladder values still rise, whole
grades for ``bump``), and the engine and the plain reference model read them each in their
own way. Example numbers are Qingdao's five-row table (青人社发〔2016〕24号 as summarised in
2018, [S2]; see tests/test_table_qingdao.py): 支缴率 ≤ 120 % with no new injury → 80 %.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratefloat
from helpers import QINGDAO_FLAGS, employer, extract
from ratefloat.testing import AS_OF, assert_matches_reference, employer_years, rule_table_dicts

QINGDAO_AS_OF = "2023-01-01"


def qingdao_with(**changes: Any) -> dict[str, Any]:
    """cn-qingdao-2017 as a dict, with the no-injury threshold and the top multiplier
    written as parameters (defaults: the source's 1.2 and 1.5)."""
    table = ratefloat.load_table("cn-qingdao-2017").model_dump(mode="json", exclude_none=True)
    table["parameters"]["no_injury_max"] = {
        "type": "number",
        "default": 1.2,
        "description": "支缴率≤120% → 80 % (2018 summary [S2])",
    }
    table["parameters"]["top_multiplier"] = {
        "type": "number",
        "default": 1.5,
        "description": "上浮至150% (2018 summary [S2])",
    }
    rows = table["bands"][0]["rows"]
    rows[0]["interval"] = "[0, $no_injury_max]"
    rows[1]["interval"] = "($no_injury_max, inf)"
    table["ladders"]["qingdao"]["grades"]["2"] = "$top_multiplier"
    for key, value in changes.items():
        table[key] = value
    return table


def one(payouts: float, injuries: int = 0, years=(2022,)) -> pd.DataFrame:
    rows = employer("A", years=years, defaults=QINGDAO_FLAGS, payouts=payouts, injuries=injuries)
    return extract(rows)


def test_defaults_rate_like_the_literal_table():
    """With the defaults (the source's numbers) the parameterised table rates 130 % and
    110 % exactly as cn-qingdao-2017 does."""
    for payouts in (11_000.0, 13_000.0, 12_000.0):
        literal = ratefloat.rerate(one(payouts), "cn-qingdao-2017", QINGDAO_AS_OF).rated
        lifted = ratefloat.rerate(one(payouts), qingdao_with(), QINGDAO_AS_OF).rated
        pd.testing.assert_frame_equal(
            literal.drop(columns="reasons"), lifted.drop(columns="reasons")
        )


def test_a_threshold_and_a_multiplier_vary_with_params():
    """130 % with no injury is base under the source's 120 %; with no_injury_max=1.5 it is
    80 % of class 4's 0.77 % = 0.616 %. An employer at 400 % with an injury pays 150 % of
    0.77 % = 1.155 %, and 1.6 × 0.77 % = 1.232 % with top_multiplier=1.6."""
    table = qingdao_with()
    base = ratefloat.rerate(one(13_000.0), table, QINGDAO_AS_OF).rated.iloc[0]
    assert float(base["rate"]) == pytest.approx(0.0077)
    varied = ratefloat.rerate(
        one(13_000.0), table, QINGDAO_AS_OF, params={"no_injury_max": 1.5}
    ).rated.iloc[0]
    assert float(varied["rate"]) == pytest.approx(0.00616)
    top = ratefloat.rerate(
        one(40_000.0, injuries=1), table, QINGDAO_AS_OF, params={"top_multiplier": 1.6}
    ).rated.iloc[0]
    assert float(top["rate"]) == pytest.approx(0.01232)
    assert_matches_reference(one(13_000.0), table, QINGDAO_AS_OF, {"no_injury_max": 1.5})


def test_the_result_records_the_table_as_written_and_the_values():
    """The hash names the table as written (with $name); the values are in result.params."""
    table = ratefloat.load_table(qingdao_with())
    result = ratefloat.rerate(one(0.0), table, QINGDAO_AS_OF, params={"no_injury_max": 1.0})
    assert result.table_hash == ratefloat.table_hash(table)
    assert result.params["no_injury_max"] == 1.0
    assert result.table.bands[0].rows[0].interval == "[0, 1.0]"
    assert result.explain("A").rules[0]["when"] == "payout_ratio in [0, 1.0]"


def test_the_window_length_is_a_parameter():
    """window.years: $years. Qingdao's 上年度 is one year (2022 alone: no injury, 0 % →
    80 %); with years=2 the 2021 injuries count and 支缴率 = 50,000 ÷ 20,000 = 250 % → 120 %."""
    table = qingdao_with()
    table["parameters"]["years"] = {"type": "number", "default": 1, "description": "上年度"}
    table["window"]["years"] = "$years"
    frame = extract(
        employer(
            "A",
            years=(2021, 2022),
            defaults=QINGDAO_FLAGS,
            payouts=[50_000.0, 0.0],
            injuries=[3, 0],
        )
    )
    assert int(ratefloat.rerate(frame, table, QINGDAO_AS_OF).rated.iloc[0]["grade"]) == -1
    two = ratefloat.rerate(frame, table, QINGDAO_AS_OF, params={"years": 2})
    assert int(two.rated.iloc[0]["grade"]) == 1
    assert str(two.window).startswith("2021")
    assert_matches_reference(frame, table, QINGDAO_AS_OF, {"years": 2})


def test_values_that_break_the_table_are_refused_naming_them():
    """A threshold above the next row's upper end would leave the rows overlapping, a
    ladder value below the one beneath it would not rise: ParameterError names the values."""
    table = qingdao_with()
    with pytest.raises(ratefloat.ParameterError, match=r"top_multiplier=1\.1.*rise"):
        ratefloat.rerate(one(0.0), table, QINGDAO_AS_OF, params={"top_multiplier": 1.1})
    table["bands"][1]["rows"][1]["interval"] = "($no_injury_max, 3.0]"
    table["bands"][1]["rows"][0]["interval"] = "[0, $no_injury_max]"
    with pytest.raises(ratefloat.ParameterError, match=r"no_injury_max=3\.5.*empty"):
        ratefloat.rerate(one(0.0), table, QINGDAO_AS_OF, params={"no_injury_max": 3.5})


def test_type_and_range_are_checked_with_the_parameter_errors():
    table = qingdao_with()
    table["parameters"]["top_multiplier"]["maximum"] = 3
    with pytest.raises(ratefloat.ParameterError, match="top_multiplier.*must be a number"):
        ratefloat.rerate(one(0.0), table, QINGDAO_AS_OF, params={"top_multiplier": "1.6"})
    with pytest.raises(ratefloat.ParameterError, match="top_multiplier.*above the maximum"):
        ratefloat.rerate(one(0.0), table, QINGDAO_AS_OF, params={"top_multiplier": 4})


def test_a_bump_takes_whole_grades():
    """cn-shenzhen-2018's certificate: "a further two grades down" [S] is bump by
    $certificate_grades (default -2)."""
    table = "cn-shenzhen-2018"
    assert ratefloat.load_table(table).modifiers[0].by == "$certificate_grades"
    frame = extract(employer("A", years=(2019, 2020), safety_level=1, payouts=[7_000, 7_000]))
    one_down = ratefloat.rerate(frame, table, "2021-01-01", params={"certificate_grades": -1})
    assert int(one_down.rated.iloc[0]["grade"]) == -1
    with pytest.raises(ratefloat.ParameterError, match="whole grades"):
        ratefloat.rerate(frame, table, "2021-01-01", params={"certificate_grades": -1.5})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"interval": "[0, $no_injury_mx]"}, "not declared; did you mean", id="typo"),
        pytest.param({"interval": "[0, $not_floated_classes]"}, "is a list", id="list param"),
    ],
)
def test_references_are_checked_on_load(change, message):
    table = qingdao_with()
    table["bands"][0]["rows"][0].update(change)
    with pytest.raises(ratefloat.RuleTableError, match=message):
        ratefloat.load_table(table)


def test_defaults_that_break_the_table_are_refused_on_load():
    table = qingdao_with()
    table["parameters"]["no_injury_max"]["default"] = -1
    with pytest.raises(ratefloat.RuleTableError, match="with the parameters' defaults"):
        ratefloat.load_table(table)


def test_a_reference_without_a_default_needs_a_value():
    table = qingdao_with()
    del table["parameters"]["no_injury_max"]["default"]
    ratefloat.load_table(table)  # valid: the value comes at rerate time
    with pytest.raises(ratefloat.ParameterError, match="no_injury_max"):
        ratefloat.rerate(one(0.0), table, QINGDAO_AS_OF)
    rated = ratefloat.rerate(one(0.0), table, QINGDAO_AS_OF, params={"no_injury_max": 1.2})
    assert int(rated.rated.iloc[0]["grade"]) == -1


# -- property: a table with its numbers lifted into parameters rates like the literal one --

_END = re.compile(r"-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?")


def _lift(table: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``table`` with every interval end, ladder value, ``by`` and the window length
    replaced by ``$pN``; returns the new table and the parameters' values."""
    lifted = {**table, "parameters": dict(table.get("parameters", {}))}
    values: dict[str, Any] = {}

    def param(value: float) -> str:
        name = f"p{len(values)}"
        values[name] = value
        lifted["parameters"][name] = {"type": "number", "default": value, "description": "x"}
        return f"${name}"

    bands = []
    for band in table.get("bands", []):
        band = dict(band)
        if band.get("rows"):
            band["rows"] = [
                {**row, "interval": _END.sub(lambda m: param(float(m.group())), row["interval"])}
                for row in band["rows"]
            ]
        bands.append(band)
    lifted["bands"] = bands
    lifted["ladders"] = {
        name: {
            **ladder,
            "grades": {g: (param(v) if g != 0 else v) for g, v in ladder["grades"].items()},
        }
        for name, ladder in table["ladders"].items()
    }
    lifted["modifiers"] = [
        {**m, "by": param(m["by"])} if "by" in m else m for m in table.get("modifiers", [])
    ]
    window = dict(table.get("window", {}))
    window["years"] = param(window.get("years", 1))
    lifted["window"] = window
    return lifted, values


@given(rule_table_dicts(), employer_years(), st.data())
def test_lifted_numbers_rate_like_the_literal_table(table, population, data):
    """For random valid tables: the table with its numbers as parameters (defaults = the
    numbers) rates exactly like the literal table, and the engine equals the reference
    model on it, with the defaults and with the values passed explicitly."""
    lifted, values = _lift(table)
    literal = ratefloat.rerate(population, table, AS_OF)
    as_params = ratefloat.rerate(population, lifted, AS_OF)
    pd.testing.assert_frame_equal(literal.rated, as_params.rated)
    pd.testing.assert_frame_equal(literal.rejects, as_params.rejects)
    explicit = values if data.draw(st.booleans()) else None
    assert_matches_reference(population, lifted, AS_OF, explicit)


@pytest.mark.parametrize("table_id", [info.id for info in ratefloat.list_tables()])
def test_builtin_parameters_say_where_their_number_comes_from(table_id):
    """Every parameter of a built-in table has an evidence tag and a description; every
    $name a built-in table writes names a number parameter with a default (the source's
    number) or one the agency must supply (tag param)."""
    table = ratefloat.load_table(table_id)
    for name, spec in table.parameters.items():
        assert spec.tag is not None, name
        assert len(spec.description) > 20, name
    for name in table.parameter_refs():
        spec = table.parameters[name]
        assert spec.type == "number"
        assert spec.default is not None or spec.tag == "param", name
