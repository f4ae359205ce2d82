"""Rule tables are validated when loaded, with messages an analyst can act on."""

from __future__ import annotations

import copy
import json

import pandas as pd
import pytest
import yaml

import ratefloat
from ratefloat import RuleTableError, load_table, table_hash


def minimal() -> dict:
    return {
        "id": "test-city",
        "name": "Test city",
        "jurisdiction": "test",
        "source": {"document": "测试〔2024〕1号"},
        "ladders": {"five": {"grades": {-2: 0.5, -1: 0.8, 0: 1.0, 1: 1.2, 2: 1.5}}},
        "classes": {
            1: {"base_rate": 0.002, "ladder": "five"},
            2: {"base_rate": 0.004, "ladder": "five"},
        },
        "bands": [
            {
                "id": "payout",
                "indicator": "payout_ratio",
                "rows": [
                    {"interval": "[0, 0.5]", "grade": -1},
                    {"interval": "(0.5, 1.0]", "grade": 0},
                    {"interval": "(1.0, inf)", "grade": 1},
                ],
            }
        ],
    }


def load_invalid(change) -> str:
    table = minimal()
    change(table)
    with pytest.raises(RuleTableError) as error:
        load_table(table)
    return str(error.value)


def test_minimal_table_loads():
    table = load_table(minimal())
    assert table.rule_ids() == [
        "payout:[0,0.5]",
        "payout:(0.5,1.0]",
        "payout:(1.0,inf)",
        "otherwise",
    ]


def test_gap_between_threshold_rows_is_named():
    def gap(t):
        t["bands"][0]["rows"][1]["interval"] = "(0.6, 1.0]"

    message = load_invalid(gap)
    assert "bands[0] (id 'payout')" in message
    assert "leave a gap: (0.5, 0.6) matches no row" in message


def test_boundary_left_out_by_both_rows_is_a_gap():
    def open_both(t):
        t["bands"][0]["rows"][0]["interval"] = "[0, 0.5)"

    assert "the value 0.5 matches no row" in load_invalid(open_both)


def test_overlap_between_threshold_rows_is_named():
    def overlap(t):
        t["bands"][0]["rows"][1]["interval"] = "[0.5, 1.0]"

    assert "overlap: both contain 0.5" in load_invalid(overlap)


def test_rows_must_cover_the_whole_range():
    def short(t):
        t["bands"][0]["rows"][2]["interval"] = "(1.0, 3.0]"

    assert "does not end where the indicator's range [0, inf) ends" in load_invalid(short)


def test_unknown_indicator_suggests_the_closest_name():
    def typo(t):
        t["bands"].append({"id": "deaths", "when": "death > 0", "grade": 2})

    message = load_invalid(typo)
    assert "bands 'deaths' (when): unknown name 'death'; did you mean 'deaths'?" in message


def test_unknown_threshold_indicator_is_named():
    def typo(t):
        t["bands"][0]["indicator"] = "payout_rate"

    assert "'payout_rate' is not a numeric indicator; did you mean 'payout_ratio'?" in load_invalid(
        typo
    )


def test_grade_off_every_ladder():
    def too_high(t):
        t["bands"][0]["rows"][2]["grade"] = 3

    assert "grade 3 is on no ladder (ladders span -2..2)" in load_invalid(too_high)


def test_rule_after_an_always_true_rule_is_unreachable():
    def unreachable(t):
        t["bands"] = [
            {"id": "always", "when": "true", "grade": 0},
            {"id": "never", "when": "injuries > 0", "grade": 1},
        ]

    assert "bands 'always' always matches, so 'never' can never fire" in load_invalid(unreachable)


def test_duplicate_rule_ids():
    def duplicate(t):
        t["modifiers"] = [
            {"id": "payout", "when": "arrears", "action": "no_down"},
        ]

    assert "rule id 'payout' is used twice" in load_invalid(duplicate)


def test_undefined_ladder_suggests():
    def missing(t):
        t["classes"][2]["ladder"] = "fiv"

    assert "classes.2: ladder 'fiv' is not defined; did you mean 'five'?" in load_invalid(missing)


def test_ladder_must_rise_and_contain_the_base():
    def falling(t):
        t["ladders"]["five"]["grades"] = {-1: 1.2, 0: 1.0, 1: 0.8}

    assert "values must rise with the grade" in load_invalid(falling)

    def no_base(t):
        t["ladders"]["five"]["grades"] = {1: 1.2, 2: 1.5}

    assert "needs grade 0" in load_invalid(no_base)


def test_unknown_field_is_reported_with_its_place():
    def extra(t):
        t["bands"][0]["threshold"] = 3

    message = load_invalid(extra)
    assert "bands[0] (id 'payout').threshold: unknown field" in message


def test_yaml_on_key_pitfall_is_explained(tmp_path):
    table = minimal()
    text = yaml.safe_dump(table, allow_unicode=True).replace("indicator:", "on:")
    path = tmp_path / "city.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleTableError) as error:
        load_table(path)
    assert str(path) in str(error.value)
    assert "YAML reads unquoted on/off/yes/no as booleans" in str(error.value)


def test_unknown_builtin_id_suggests():
    with pytest.raises(
        RuleTableError,
        match="no built-in rule table 'cn-jiangsu-2024'; did you mean 'cn-jiangsu-2023'",
    ):
        load_table("cn-jiangsu-2024")


def test_missing_file_is_named(tmp_path):
    with pytest.raises(RuleTableError, match="does not exist"):
        load_table(tmp_path / "nope.yaml")


def test_hash_depends_on_content_not_on_formatting(tmp_path):
    table = minimal()
    as_yaml = tmp_path / "t.yaml"
    as_json = tmp_path / "t.json"
    as_yaml.write_text(yaml.safe_dump(table, allow_unicode=True), encoding="utf-8")
    as_json.write_text(json.dumps(table, ensure_ascii=False, indent=4), encoding="utf-8")
    assert table_hash(load_table(as_yaml)) == table_hash(load_table(as_json))
    changed = copy.deepcopy(table)
    changed["bands"][0]["rows"][2]["grade"] = 2
    assert table_hash(load_table(changed)) != table_hash(load_table(table))


def test_result_carries_the_table_hash():
    extract = ratefloat.load_example()
    result = ratefloat.rerate(extract, "cn-jiangsu-2023", "2025-01-01")
    assert result.table_hash == table_hash(load_table("cn-jiangsu-2023"))
    assert result.rated.attrs["table_hash"] == result.table_hash


def test_json_schema_describes_the_table():
    schema = ratefloat.rule_table_json_schema()
    assert schema["title"] == "ratefloat rule table"
    assert {"id", "ladders", "classes", "bands", "modifiers", "bounds"} <= set(schema["properties"])
    assert "BandRule" in schema["$defs"]


def test_every_field_of_the_json_schema_has_a_description():
    """Editors show the descriptions as hover help while an analyst types a table."""
    schema = ratefloat.rule_table_json_schema()
    missing = [
        f"RuleTable.{name}"
        for name, spec in schema["properties"].items()
        if not spec.get("description")
    ]
    for model_name, definition in schema["$defs"].items():
        assert definition.get("description"), f"{model_name} has no description"
        for name, spec in definition.get("properties", {}).items():
            if not spec.get("description"):
                missing.append(f"{model_name}.{name}")
    assert not missing


def test_builtin_tables_list_their_sources():
    infos = {info.id: info for info in ratefloat.list_tables()}
    assert {"cn-jiangsu-2023", "cn-qingdao-2017"} <= set(infos)
    assert infos["cn-jiangsu-2023"].source == "苏人社规〔2023〕2号"
    for info in infos.values():
        table = load_table(info.id)
        assert table.source.urls, f"{info.id} cites no source"


def test_parameter_bounds_are_checked_on_load_and_on_use():
    def bad_default(t):
        t["parameters"] = {
            "cap": {"description": "cap", "default": 5.0, "minimum": 0.0, "maximum": 3.0}
        }

    assert "default 5.0 is above the maximum 3" in load_invalid(bad_default)

    table = minimal()
    table["parameters"] = {"cap": {"description": "upper 支缴率 bound", "minimum": 0.0}}
    table["bands"].insert(0, {"id": "over-cap", "when": "payout_ratio > cap", "grade": 2})
    extract = ratefloat.load_example()
    with pytest.raises(ratefloat.ParameterError, match="'cap' .* is below the minimum 0: got -1"):
        ratefloat.rerate(extract, table, "2025-01-01", params={"cap": -1})


def test_band_grade_is_readable_only_in_modifiers():
    def in_band(t):
        t["bands"].insert(0, {"id": "early", "when": "band_grade > 0", "grade": 1})

    assert "band_grade (the grade the bands gave) can be read only in modifiers" in load_invalid(
        in_band
    )

    table = minimal()
    # Tianjin-style: adjust the result of the bands, +1 only where the bands said base.
    table["modifiers"] = [
        {"id": "bump-base", "when": "band_grade == 0 and injuries > 0", "action": "bump", "by": 1}
    ]
    frame = pd.DataFrame(
        {
            "employer_id": ["base-injured", "base-clean", "up-injured"],
            "year": 2024,
            "risk_class": 2,
            "avg_insured": 10.0,
            "contributions": 1000.0,
            "payouts": [600.0, 600.0, 1500.0],  # 60 %, 60 %, 150 %
            "injuries": [1, 0, 1],
        }
    )
    grades = ratefloat.rerate(frame, table, "2025-01-01").rated.set_index("employer_id")["grade"]
    assert grades.to_dict() == {"base-clean": 0, "base-injured": 1, "up-injured": 1}


def test_unknown_base_rate_span_refuses_to_rate():
    table = minimal()
    table["base_rates"] = [
        {
            "effective_from": "2024-01-01",
            "effective_to": "2024-12-31",
            "note": "the transition plan was not published",
        },
    ]
    frame = pd.DataFrame(
        {
            "employer_id": ["a"],
            "year": [2023],
            "risk_class": [2],
            "avg_insured": [1.0],
            "contributions": [1.0],
            "payouts": [0.0],
            "injuries": [0],
        }
    )
    with pytest.raises(ratefloat.ParameterError, match="the transition plan was not published"):
        ratefloat.rerate(frame, table, "2024-06-01")
    assert (
        len(
            ratefloat.rerate(
                frame,
                table,
                "2025-01-01",
            ).rated
        )
        == 0
    )  # no 2024 row
