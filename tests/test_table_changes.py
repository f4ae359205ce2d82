"""A changed table rates by its new rules, and its hash names what was evaluated.

However a :class:`RuleTable` is made or changed (constructor, ``model_copy(update=...)``,
:meth:`RuleTable.with_changes`, changes to its lists in place, a dict, a file), it is
validated and compiled from its current content, or refused.
"""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import ratefloat
from ratefloat import RuleTable, RuleTableError, load_table, table_hash
from ratefloat.testing import _condition, employer_years, rule_table_dicts
from test_rule_tables import minimal

AS_OF = "2025-01-01"


def rated(extract: pd.DataFrame, table: Any) -> pd.DataFrame:
    return ratefloat.rerate(extract, table, AS_OF).rated


def jiangsu_population() -> pd.DataFrame:
    """Employers whose 支缴率 lies between 0.5 and 0.6 (and one clearly above)."""
    rows = []
    for number, payouts in enumerate([5_500.0, 5_900.0, 6_500.0, 0.0]):
        for year in (2023, 2024):
            rows.append(
                {
                    "employer_id": f"E{number}",
                    "year": year,
                    "risk_class": 4,
                    "avg_insured": 1000.0,
                    "contributions": 10_000.0,
                    "payouts": payouts,
                    "injuries": 1,
                    "insured_since": "2010-01-01",
                }
            )
    return pd.DataFrame(rows)


def raised_to(table: RuleTable, threshold: float) -> list[Any]:
    return [
        band.model_copy(update={"when": f"payout_ratio > {threshold} or injury_rate > 0.01"})
        if band.id == "raised"
        else band
        for band in table.bands
    ]


def test_model_copy_with_a_changed_threshold_rates_by_the_new_threshold():
    """The reported case: Jiangsu's 50 % threshold moved to 60 % by model_copy.

    cn-jiangsu-2023 bands 'raised': 支缴率 over 50 % → +1 grade. Moved to 60 %, the
    employers at 55 % and 59 % stay at the base grade; the one at 65 % is still raised.
    Injury rate 1 ‰ (1 of 1000 insured) is below the 1 % test.
    """
    table = load_table("cn-jiangsu-2023")
    changed = table.model_copy(update={"bands": raised_to(table, 0.6)})
    grades = rated(jiangsu_population(), changed).set_index("employer_id")["grade"]
    before = rated(jiangsu_population(), table).set_index("employer_id")["grade"]
    assert before.loc[["E0", "E1", "E2"]].tolist() == [1, 1, 1]
    assert grades.loc[["E0", "E1", "E2"]].tolist() == [0, 0, 1]
    reloaded = load_table(load_table(changed).model_dump())  # in place: the checked table
    assert table_hash(changed) == table_hash(reloaded) != table_hash(table)
    pd.testing.assert_frame_equal(
        rated(jiangsu_population(), changed), rated(jiangsu_population(), reloaded)
    )


def test_with_changes_by_dotted_path_and_rule_id():
    table = load_table("cn-jiangsu-2023")
    original = table.bands[3].when
    changed = table.with_changes({"bands.raised.when": "payout_ratio > 0.6 or injury_rate > 0.01"})
    assert changed.expressions()["bands.raised"].text.startswith("payout_ratio > 0.6")
    grades = rated(jiangsu_population(), changed).set_index("employer_id")["grade"]
    assert grades.loc[["E0", "E1", "E2"]].tolist() == [0, 0, 1]
    assert table.bands[3].when == original and "0.6" not in original, "the original is unchanged"


def test_with_changes_merges_nested_dicts_and_reads_numeric_keys():
    table = load_table(minimal())
    changed = table.with_changes(
        {
            "window": {"years": 3},
            "classes.2.base_rate": 0.005,
            "ladders": {"five": {"grades": {"2": 1.6}}},
            "bands.payout.rows.1.interval": "(0.5, 1.2]",
            "bands.payout.rows.2": {"interval": "(1.2, inf)"},
        }
    )
    assert changed.window.years == 3 and changed.window.lag_years == table.window.lag_years
    assert changed.classes[2].base_rate == 0.005 and changed.classes[1].base_rate == 0.002
    assert changed.ladders["five"].grades == {-2: 0.5, -1: 0.8, 0: 1.0, 1: 1.2, 2: 1.6}
    assert [row.interval for row in changed.bands[0].rows] == [
        "[0, 0.5]",
        "(0.5, 1.2]",
        "(1.2, inf)",
    ]
    assert changed.bands[0].rows[2].grade == 1
    assert table_hash(changed) == table_hash(load_table(changed.model_dump(mode="json")))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"bands.paypout.when": "true"}, "did you mean 'payout'"),
        ({"bands.7.when": "true"}, "there is no item 7"),
        ({"bands.payout.rows.1.interval": "(0.6, 1.0]"}, "leave a gap"),
        ({"window.years": 99}, "window.years"),
        ({"ladders.five.grades.2": float("nan")}, "finite"),
        ({"windw": {"years": 2}}, "windw: unknown field"),
        ({"id.x": 1}, "holds a single value"),
    ],
)
def test_with_changes_refuses_what_is_wrong(changes, expected):
    with pytest.raises(RuleTableError) as error:
        load_table(minimal()).with_changes(changes)
    assert expected in str(error.value)


def test_model_copy_update_is_validated():
    table = load_table(minimal())
    with pytest.raises(RuleTableError) as error:
        table.model_copy(update={"window": {"years": 0}})
    assert "window.years" in str(error.value)
    with pytest.raises(RuleTableError, match="not a field"):
        table.model_copy(update={"bandz": []})
    band = table.bands[0]
    with pytest.raises(ValueError, match="does not end where"):
        band.model_copy(update={"rows": [{"interval": "[0, 0.4]", "grade": 0}]})


def test_plain_copies_keep_their_content_and_rating():
    table = load_table(minimal())
    for duplicate in (table.model_copy(), table.model_copy(deep=True), copy.deepcopy(table)):
        assert table_hash(duplicate) == table_hash(table)
        assert duplicate.expressions().keys() == table.expressions().keys()


@pytest.mark.parametrize(
    "assign",
    [
        lambda t: setattr(t, "bands", []),
        lambda t: setattr(t.window, "years", 3),
        lambda t: setattr(t.bands[0].rows[0], "grade", 2),
        lambda t: setattr(t.ladders["five"], "mode", "add"),
        lambda t: delattr(t, "bands"),
    ],
)
def test_assignment_is_refused_pointing_to_with_changes(assign):
    table = load_table(minimal())
    before = table_hash(table)
    with pytest.raises(RuleTableError, match="cannot be changed in place"):
        assign(table)
    assert table_hash(table) == before


def test_lists_changed_in_place_are_validated_again_or_refused():
    table = load_table(minimal()).model_copy(deep=True)
    table.eligibility.append(
        ratefloat.rules.model.EligibilityRule(id="new", when="insured_months < 12")
    )
    assert "eligibility.new" in table.expressions()
    extract = jiangsu_population()
    pd.testing.assert_frame_equal(
        rated(extract, table), rated(extract, load_table(table.model_dump()))
    )
    table.eligibility.append(table.eligibility[0])
    with pytest.raises(RuleTableError, match="used twice"):
        ratefloat.rerate(extract, table, AS_OF)


def test_dicts_changed_in_place_are_validated_again_or_refused():
    table = load_table(minimal()).model_copy(deep=True)
    table.ladders["five"].grades[2] = 0.9  # below grade 1's 1.2: no longer rising
    with pytest.raises(RuleTableError, match="rise with the grade"):
        table.expressions()


def test_a_builtin_changed_in_place_is_not_handed_out_again():
    table = load_table("cn-jiangsu-2023")
    original = table_hash(table)
    table.bands.reverse()
    try:
        fresh = load_table("cn-jiangsu-2023")
        assert fresh is not table and table_hash(fresh) == original
    finally:
        table.bands.reverse()


def test_a_table_built_without_validation_is_compiled_before_use():
    content = load_table(minimal()).model_dump()
    unchecked = RuleTable.model_construct(**content)
    pd.testing.assert_frame_equal(
        rated(jiangsu_population(), unchecked), rated(jiangsu_population(), load_table(content))
    )
    broken = RuleTable.model_construct(
        **{**content, "classes": {1: {"base_rate": 0.002, "ladder": "missing"}}}
    )
    with pytest.raises(RuleTableError, match="'missing' is not defined"):
        broken.expressions()


# -- property: a modified copy is the table its content describes ------------------------

_FIELDS = ["bands", "eligibility", "modifiers", "otherwise", "combine", "window", "bounds", "cuts"]


@st.composite
def changed_tables(draw: st.DrawFn) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """A random table as a dict, how to change it, and the change (as with_changes takes)."""
    content = draw(rule_table_dicts())
    how = draw(st.sampled_from(["model_copy", "dotted when", "in place"]))
    if how == "dotted when":
        rules = [
            (stage, index)
            for stage in ("eligibility", "bands", "modifiers")
            for index, rule in enumerate(content[stage])
            if "when" in rule
        ]
        if rules:
            stage, index = draw(st.sampled_from(rules))
            return content, how, {f"{stage}.{index}.when": draw(_condition())}
        how = "model_copy"
    other = draw(rule_table_dicts())
    field = draw(st.sampled_from(_FIELDS))
    return content, how, {field: copy.deepcopy(other.get(field, []))}


def _apply_to_dict(content: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The change made to the plain dict, by hand (what the table should then be)."""
    out = copy.deepcopy(content)
    for key, value in changes.items():
        node = out
        *parents, last = key.split(".")
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return out


@given(changed_tables(), employer_years(max_employers=8))
def test_a_changed_table_rates_like_the_same_table_loaded_from_its_content(case, extract):
    content, how, changes = case
    table = load_table(content)
    try:
        expected = load_table(_apply_to_dict(content, changes))
    except RuleTableError:
        expected = None
    try:
        if how == "model_copy":
            changed = table.model_copy(update=changes)
        elif how == "in place":
            changed = table.model_copy(deep=True)
            ((field, value),) = changes.items()
            current = getattr(changed, field)
            if not isinstance(current, list):
                event("in place: not a list")
                return  # only lists and dicts can change in place
            current[:] = value  # raw dicts in a list of models: validated on use
            changed.expressions()
        else:
            changed = table.with_changes(changes)  # a dotted path to one expression
    except RuleTableError:
        assert expected is None, "a valid change was refused"
        event(f"{how}: refused")
        return
    assert expected is not None, "an invalid change was accepted"
    event(f"{how}: rated")
    reloaded = load_table(load_table(changed).model_dump())  # in place: the checked table
    assert table_hash(changed) == table_hash(reloaded) == table_hash(expected)
    result = ratefloat.rerate(extract, changed, AS_OF)
    pd.testing.assert_frame_equal(result.rated, ratefloat.rerate(extract, reloaded, AS_OF).rated)
    pd.testing.assert_frame_equal(result.rated, ratefloat.rerate(extract, expected, AS_OF).rated)
    assert result.provenance()["table_hash"] == table_hash(expected)
