"""Hostile and broken rule tables are refused on load with ratefloat's own error.

Every table here must end in :class:`RuleTableError` (or its subclass
:class:`ExpressionError`) naming the problem, never in a Python or numpy exception, a
hang or a table that rates with non-finite numbers; the command line answers each with
exit code 78 (configuration error).
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import event, given, note
from hypothesis import strategies as st

import ratefloat
from ratefloat import RuleTableError, list_tables, load_table
from ratefloat.cli import main
from ratefloat.rules.loader import MAX_TABLE_BYTES, MAX_TABLE_DEPTH
from ratefloat.rules.model import MAX_GRADE, MAX_NUMBER
from test_rule_tables import minimal

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "extract.csv"
BUILT_INS = [info.id for info in list_tables()]


def refused(table: dict[str, Any]) -> str:
    with pytest.raises(RuleTableError) as error:
        load_table(table)
    return str(error.value)


def modifier(action: str, by: Any) -> dict[str, Any]:
    return {"id": "m", "when": "injuries > 0", "action": action, "by": by}


# -- numbers: non-finite and out of range --------------------------------------------

NON_FINITE = [math.nan, math.inf, -math.inf]


@pytest.mark.parametrize("value", NON_FINITE)
def test_non_finite_ladder_value_is_refused(value):
    table = minimal()
    table["ladders"]["five"]["grades"][2] = value
    message = refused(table)
    assert "ladders.five.grades.2" in message and "finite" in message


@pytest.mark.parametrize("value", NON_FINITE)
@pytest.mark.parametrize("action", ["rate_factor", "rate_add", "bump", "reclassify"])
def test_non_finite_modifier_amount_is_refused(action, value):
    table = minimal()
    table["modifiers"] = [modifier(action, value)]
    message = refused(table)
    assert "modifiers[0] (id 'm').by" in message and "finite" in message


@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity"])
def test_non_finite_numbers_written_as_text_are_refused(value):
    table = minimal()
    table["classes"][1]["base_rate"] = value
    assert "classes.1.base_rate" in refused(table)


@pytest.mark.parametrize(
    ("place", "value"),
    [
        (("bounds", "min_grade"), 10**30),
        (("bounds", "max_grade"), -(10**400)),
        (("bounds", "max_rate"), 1e300),
        (("bounds", "per_class"), {1: {"min_grade": -(10**6)}}),
        (("otherwise",), {"grade": 10**20}),
        (("movement",), {"max_step": 10**9}),
        (("rounding",), {"rate_decimals": 10**30}),
        (("window",), {"years": 10**30}),
        (("indicators",), {"x": {"expr": "injuries", "scale": 1e300}}),
        (("indicators",), {"x": {"expr": "injuries", "zero_over_zero": 10**400}}),
        (("parameters",), {"p": {"description": "d", "default": 1e300}}),
        (("parameters",), {"p": {"description": "d", "type": "list", "default": [1, 1e200]}}),
        (("parameters",), {"p": {"description": "d", "minimum": -math.inf}}),
    ],
)
def test_numbers_beyond_a_sane_range_are_refused(place, value):
    table = minimal()
    node = table
    for key in place[:-1]:
        node = node.setdefault(key, {})
    node[place[-1]] = value
    message = refused(table)
    assert place[0] in message
    assert len(message) < 2000, "the message must not spell out a huge number"


@pytest.mark.parametrize(
    ("action", "by"), [("bump", math.inf), ("bump", 1e300), ("bump", 51), ("reclassify", -(10**9))]
)
def test_grade_moves_beyond_the_grade_range_are_refused(action, by):
    table = minimal()
    table["modifiers"] = [modifier(action, by)]
    message = refused(table)
    assert "by" in message


def test_the_grade_range_admits_what_tables_need():
    table = minimal()
    table["modifiers"] = [modifier("bump", MAX_GRADE)]
    table["bounds"] = {"min_grade": -MAX_GRADE, "max_rate": MAX_NUMBER / 10}
    assert load_table(table).modifiers[0].by == MAX_GRADE


def test_far_ladder_grade_is_refused_without_building_the_range():
    table = minimal()
    table["ladders"]["five"]["grades"] = {0: 1.0, 10**30: 2.0}
    assert "within" in refused(table)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 1e300])
def test_hostile_parameter_values_feeding_a_ladder_are_refused(value):
    table = minimal()
    table["parameters"] = {"up": {"description": "the +1 multiplier", "default": 1.2}}
    table["ladders"]["five"]["grades"][1] = "$up"
    loaded = load_table(table)
    extract = pd.read_csv(EXAMPLE, dtype={"employer_id": str})
    with pytest.raises(ratefloat.ParameterError) as error:
        ratefloat.rerate(extract, loaded, "2025-01-01", params={"up": value})
    assert "up" in str(error.value) and len(str(error.value)) < 2000


# -- expressions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "literal", ["9" * 400, "1e400", "1" + "0" * 16, "-1e999", "[1, 2, 1e309]", "0.5e16"]
)
def test_huge_literals_in_expressions_are_refused(literal):
    table = minimal()
    where = f"risk_class in {literal}" if literal.startswith("[") else f"injuries > {literal}"
    table["eligibility"] = [{"id": "huge", "when": where}]
    message = refused(table)
    assert "eligibility 'huge'" in message and "out of range" in message
    assert "9" * 50 not in message, "a 400-digit literal is not quoted back"


# -- files -----------------------------------------------------------------------------


def nested(depth: int, kind: str) -> str:
    if kind == "yaml-flow":
        return "id: x\nbands: " + "[" * depth + "]" * depth + "\n"
    if kind == "yaml-block":
        return "".join("  " * i + "- \n" for i in range(min(depth, 2000))) + "x: 1\n"
    return '{"id": "x", "bands": ' + "[" * depth + "]" * depth + "}"


def hostile_files(tmp_path: Path) -> dict[str, Path]:
    """One file (or path) per kind of hostile table source; the name says what it is."""
    paths: dict[str, Path] = {}
    deep_yaml = tmp_path / "deep.yaml"
    deep_yaml.write_text(nested(50_000, "yaml-flow"))
    paths["50,000-deep YAML"] = deep_yaml
    deep_json = tmp_path / "deep.json"
    deep_json.write_text(nested(50_000, "json"))
    paths["50,000-deep JSON"] = deep_json
    deep_dict = tmp_path / "deep-mapping.json"
    deep_dict.write_text('{"id": "x", "source": ' + '{"a": ' * 50_000 + "1" + "}" * 50_001)
    paths["50,000-deep JSON objects"] = deep_dict
    shallow_but_deep = tmp_path / "forty-deep.yaml"
    shallow_but_deep.write_text(nested(MAX_TABLE_DEPTH + 8, "yaml-flow"))
    paths["deeper than the limit"] = shallow_but_deep
    directory = tmp_path / "folder.yaml"
    directory.mkdir()
    paths["a directory"] = directory
    paths["a directory without suffix"] = tmp_path
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.yaml"
        os.mkfifo(fifo)
        paths["a FIFO"] = fifo
    if Path("/dev/zero").exists():
        zero = tmp_path / "zero.yaml"
        zero.symlink_to("/dev/zero")
        paths["/dev/zero"] = zero
        paths["/dev/zero itself"] = Path("/dev/zero")
    big = tmp_path / "big.yaml"
    big.write_text("id: x\nnotes: '" + "x" * (MAX_TABLE_BYTES + 10) + "'\n")
    paths["larger than the limit"] = big
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(bytes(range(256)) * 4)
    paths["binary"] = binary
    passwd = tmp_path / "passwd"
    passwd.write_text(
        "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    )
    link = tmp_path / "linked.yaml"
    link.symlink_to(passwd)
    paths["symlink to a non-table text file"] = link
    secrets = tmp_path / "settings.yaml"
    secrets.write_text("database_password: hunter2-SECRET\nhost: db.internal\nport: 5432\n")
    paths["another program's YAML"] = secrets
    listing = tmp_path / "list.json"
    listing.write_text('["hunter2-SECRET", 1, 2]')
    paths["a JSON list"] = listing
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    paths["an empty file"] = empty
    table = minimal()
    duplicate_top = tmp_path / "duplicate-top.yaml"
    text = yaml.safe_dump(table, allow_unicode=True)
    duplicate_top.write_text(text + "bands: []\n")
    paths["duplicate top-level key (YAML)"] = duplicate_top
    duplicate_nested = tmp_path / "duplicate-nested.yaml"
    duplicate_nested.write_text(text.replace("  document:", "  document: a\n  document:", 1))
    paths["duplicate nested key (YAML)"] = duplicate_nested
    duplicate_json = tmp_path / "duplicate.json"
    body = json.dumps(table, ensure_ascii=False)
    duplicate_json.write_text(body[:-1] + ', "bands": []}')
    paths["duplicate key (JSON)"] = duplicate_json
    tagged = tmp_path / "tagged.yaml"
    tagged.write_text("id: !!python/object/apply:os.system ['echo hacked']\n")
    paths["a python tag"] = tagged
    bomb = tmp_path / "bomb.yaml"
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    bomb.write_text("\n".join(lines) + "\n")
    paths["an alias bomb"] = bomb
    return paths


HOSTILE_FILE_KINDS = [
    "50,000-deep YAML",
    "50,000-deep JSON",
    "50,000-deep JSON objects",
    "deeper than the limit",
    "a directory",
    "a directory without suffix",
    "a FIFO",
    "/dev/zero",
    "/dev/zero itself",
    "larger than the limit",
    "binary",
    "symlink to a non-table text file",
    "another program's YAML",
    "a JSON list",
    "an empty file",
    "duplicate top-level key (YAML)",
    "duplicate nested key (YAML)",
    "duplicate key (JSON)",
    "a python tag",
    "an alias bomb",
]

#: What the message must say for each kind (a fragment, lower case).
EXPECTED_WORDS = {
    "50,000-deep YAML": "nested",
    "50,000-deep JSON": "nested",
    "50,000-deep JSON objects": "nested",
    "deeper than the limit": "nested",
    "a directory": "directory",
    "a directory without suffix": "directory",
    "a FIFO": "not a regular file",
    "/dev/zero": "not a regular file",
    "/dev/zero itself": "not a regular file",
    "larger than the limit": "limited to",
    "binary": "not utf-8",
    "symlink to a non-table text file": "not a rule table",
    "another program's YAML": "not a rule table",
    "a JSON list": "not a rule table",
    "an empty file": "not a rule table",
    "duplicate top-level key (YAML)": "duplicate key 'bands'",
    "duplicate nested key (YAML)": "duplicate key 'document'",
    "duplicate key (JSON)": "duplicate key 'bands'",
    "a python tag": "cannot parse",
    "an alias bomb": "not a rule table",
}


@pytest.fixture
def hostile(tmp_path):
    return hostile_files(tmp_path)


@pytest.mark.parametrize("kind", HOSTILE_FILE_KINDS)
def test_hostile_file_is_refused_naming_the_problem(hostile, kind):
    if kind not in hostile:
        pytest.skip(f"{kind} cannot be made on this system")
    with pytest.raises(RuleTableError) as error:
        load_table(hostile[kind])
    message = str(error.value)
    assert EXPECTED_WORDS[kind] in message.lower(), message
    assert "SECRET" not in message and "root:x" not in message, "file content was echoed"
    assert len(message) < 1000


@pytest.mark.parametrize("kind", HOSTILE_FILE_KINDS)
@pytest.mark.parametrize("command", ["check-table", "rerate"])
def test_cli_exits_78_for_every_hostile_table(hostile, kind, command, capsys):
    if kind not in hostile:
        pytest.skip(f"{kind} cannot be made on this system")
    table = str(hostile[kind])
    if command == "check-table":
        argv = ["check-table", table]
    else:
        argv = ["rerate", str(EXAMPLE), "--rules", table, "--as-of", "2025-01-01", "--quiet"]
    assert main(argv) == 78
    err = capsys.readouterr().err
    assert "Traceback" not in err and "SECRET" not in err


def test_a_table_file_under_the_limit_still_loads(tmp_path):
    table = minimal()
    table["description"] = "x" * (MAX_TABLE_BYTES // 2)
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump(table, allow_unicode=True))
    assert load_table(path).id == "test-city"


def test_yaml_merge_keys_are_not_duplicates(tmp_path):
    text = yaml.safe_dump(minimal(), allow_unicode=True)
    text = text.replace("source:\n", "defaults: &src {document: base}\nsource:\n  <<: *src\n")
    text = text.replace("defaults: &src {document: base}\n", "")
    path = tmp_path / "merge.yaml"
    path.write_text("x: &src {title: base}\n" + text.replace("<<: *src", "<<: *src\n  title: own"))
    with pytest.raises(RuleTableError) as error:  # x is unknown, nothing is duplicated
        load_table(path)
    assert "duplicate" not in str(error.value) and "x: unknown field" in str(error.value)


def test_parse_errors_give_line_and_column_without_quoting_the_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\nname: [unclosed SECRET\n")
    with pytest.raises(RuleTableError) as error:
        load_table(path)
    assert re.search(r"line \d+, column \d+", str(error.value))
    assert "SECRET" not in str(error.value)


def test_a_dict_nested_too_deep_is_refused_without_recursion():
    table = minimal()
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(50_000):
        node["a"] = {}
        node = node["a"]
    table["source"] = deep
    assert "nested" in refused(table)


# -- random mutations of the built-in tables --------------------------------------------

EXTREMES = [
    math.nan,
    math.inf,
    -math.inf,
    1e300,
    -1e300,
    10**30,
    -(10**400),
    0,
    -1,
    0.0,
    1e-300,
    True,
    None,
    "",
    "x" * 3000,
    "inf",
    "nan",
    "(0, inf)",
    "[0, nan]",
    "payout_ratio > " + "9" * 400,
    "__import__('os')",
    [],
    {},
    [[[[[[]]]]]],
]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in ``node`` (a table's content), down to 12 levels."""
    out = [prefix] if prefix else []
    if len(prefix) >= 12:
        return out
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*prefix, index))
    return out


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


@st.composite
def mutated_tables(draw: st.DrawFn) -> dict[str, Any]:
    """A built-in table as a dict, with one to four hostile changes.

    Half the tables get only small numbers in place of their own (most of those still
    load, and must then rate every employer with a finite rate).
    """
    table_id = draw(st.sampled_from(BUILT_INS))
    content = load_table(table_id).model_dump(mode="json")
    gentle = draw(st.booleans())
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(content)
        if gentle:
            paths = [p for p in paths if _is_plain_number(_at(content, p))] or paths
        path = draw(st.sampled_from(paths))
        parent = content
        for key in path[:-1]:
            parent = parent[key]
        how = (
            "nudge"
            if gentle
            else draw(
                st.sampled_from(["value", "number", "delete", "deep", "wrong type", "key", "nudge"])
            )
        )
        current = parent[path[-1]]
        if how == "nudge" and _is_plain_number(current):
            if isinstance(current, int) and abs(current) < 10**6:
                parent[path[-1]] = current + draw(st.integers(-1, 1))
            elif isinstance(current, float) and abs(current) < 1e6:
                parent[path[-1]] = current * draw(st.sampled_from([0.5, 0.9, 1.1, 1.5, -1.0]))
            else:
                parent[path[-1]] = draw(st.one_of(st.integers(-3, 3), st.floats(-2, 2)))
        elif how == "delete":
            del parent[path[-1]]
        elif how == "deep":
            parent[path[-1]] = _deep(draw(st.sampled_from([5, MAX_TABLE_DEPTH, 200])))
        elif how == "number":
            parent[path[-1]] = draw(
                st.one_of(
                    st.floats(),
                    st.integers(-(10**40), 10**40),
                    st.sampled_from([MAX_GRADE + 1, -MAX_GRADE - 1, MAX_NUMBER * 2]),
                )
            )
        elif how == "wrong type":
            current = parent[path[-1]]
            parent[path[-1]] = (
                str(current) if not isinstance(current, str) else draw(st.sampled_from(EXTREMES))
            )
        elif how == "key" and isinstance(parent, dict):
            parent[draw(st.sampled_from([10**30, "", "x" * 200, -1]))] = parent.pop(path[-1])
        else:
            parent[path[-1]] = copy.deepcopy(draw(st.sampled_from(EXTREMES)))
        note(f"{table_id}: {how} at {path}")
    return content


#: A small population of every built-in table's columns (flags false, counts zero).
_POPULATION = pd.read_csv(EXAMPLE, dtype={"employer_id": str})


@given(mutated_tables())
def test_mutated_builtin_tables_are_refused_or_rate_finitely(content):
    try:
        table = load_table(content)
    except RuleTableError as error:
        message = str(error)
        assert message and len(message) < 20_000
        event("refused")
        return
    try:
        result = ratefloat.rerate(_POPULATION, table, "2025-01-01")
    except (ratefloat.ParameterError, ratefloat.SchemaError):
        event("loaded, needs a parameter or column")
        return  # a required parameter or column the mutation made necessary
    event("loaded and rated")
    rates = result.rated["rate"].to_numpy(dtype=float)
    assert np.isfinite(rates).all(), "a table that loads must rate with finite numbers"
    assert set(result.rated["employer_id"]) | set(result.rejects["employer_id"]) == set(
        _POPULATION["employer_id"]
    )


@given(st.sampled_from(BUILT_INS), st.sampled_from(["yaml", "json"]), st.data())
def test_duplicating_any_key_of_a_builtin_file_is_refused(table_id, form, data):
    """Any mapping key written twice, at any depth, is refused (never last-one-wins)."""
    content = load_table(table_id).model_dump(mode="json")
    mappings = [p for p in _paths(content) if isinstance(_at(content, p), dict) and _at(content, p)]
    path = data.draw(st.sampled_from([(), *mappings]))
    target = _at(content, path)
    key = data.draw(st.sampled_from(sorted(map(str, target))))
    marker = "DUPLICATE-MARKER"
    target[key + marker] = target[key]
    text = (
        json.dumps(content, ensure_ascii=False)
        if form == "json"
        else yaml.safe_dump(content, allow_unicode=True, width=10_000)
    )
    quoted = json.dumps(key + marker) if form == "json" else None
    if quoted is None:
        quoted = next(
            (
                candidate
                for candidate in (key + marker, f"'{key}{marker}'", f'"{key}{marker}"')
                if candidate + ":" in text
            ),
            None,
        )
    if quoted is None or text.count(quoted) != 1:
        return  # the key was written in a form this test cannot rename safely
    original = json.dumps(key) if form == "json" else quoted.replace(marker, "")
    text = text.replace(quoted, original)
    with pytest.raises(RuleTableError) as error:
        ratefloat.rules.loader.validate_table(
            ratefloat.rules.loader._read(text.encode(), f"t.{form}"), "t"
        )
    assert "duplicate key" in str(error.value)


def _is_plain_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _at(content: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        content = content[key]
    return content
