"""The reference model decides outcomes with its own code, so the equality property can fail.

It may share the table model and the loader with the engine, nothing that decides an
outcome: a wrong bracket, a wrong parameter value or a wrong window on the engine
side must make :func:`ratefloat.testing.assert_matches_reference` fail.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import math
from pathlib import Path

import pandas as pd
import pytest

import ratefloat.engine
import ratefloat.reference
from ratefloat import load_table
from ratefloat.rules import intervals
from ratefloat.testing import AS_OF, assert_matches_reference
from test_rule_tables import minimal

#: The module (the package's ``rerate`` attribute is the function of that name).
RERATE = importlib.import_module("ratefloat.rerate")
#: What the reference may import from ratefloat: errors, the table model and loader, and
#: the column vocabulary (which aggregate a column has).
ALLOWED = {"errors", "rules.loader", "rules.model", "schema"}


def test_reference_imports_nothing_that_decides_an_outcome():
    tree = ast.parse(Path(ratefloat.reference.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
    }
    assert imported <= ALLOWED, f"the reference borrows {sorted(imported - ALLOWED)}"


def on_the_edges() -> pd.DataFrame:
    """Employers whose 支缴率 is exactly 0.5 and exactly 1.0 (the minimal table's edges)."""
    rows = []
    for number, payouts in enumerate([5_000.0, 10_000.0, 7_000.0]):
        rows.append(
            {
                "employer_id": f"E{number}",
                "year": 2024,
                "risk_class": 2,
                "avg_insured": 100.0,
                "contributions": 10_000.0,
                "payouts": payouts,
                "injuries": 0,
                "insured_since": "2010-01-01",
            }
        )
    return pd.DataFrame(rows)


def test_engine_and_reference_agree_on_the_edges():
    assert_matches_reference(on_the_edges(), load_table(minimal()), AS_OF)


def test_a_wrong_bracket_in_the_shared_interval_parser_is_caught(monkeypatch):
    """Brackets read wrongly where the engine reads them must not go unseen.

    Every inner edge is given to the other side (``[0, 0.5]``, ``(0.5, 1.0]`` read as
    ``[0, 0.5)``, ``[0.5, 1.0)``; still a partition) in the interval type the engine's
    parser builds; a reference that borrowed that parser would read the same and agree.
    """
    table = load_table(minimal())
    original = intervals.Interval

    def flipped(low, high, closed_low, closed_high):
        inner_low, inner_high = low > 0 and math.isfinite(low), math.isfinite(high)
        return original(low, high, closed_low ^ inner_low, closed_high ^ inner_high)

    monkeypatch.setattr(intervals, "Interval", flipped)
    assert not intervals.parse_interval("[0, 0.5]").closed_high
    assert intervals.parse_interval("(0.5, 1.0]").closed_low
    with pytest.raises(AssertionError, match="E0|E1"):
        assert_matches_reference(on_the_edges(), table, AS_OF)


def test_a_wrong_parameter_value_in_rerate_is_caught(monkeypatch):
    table = minimal()
    table["parameters"] = {"limit": {"description": "d", "default": 0.6}}
    table["bands"][0]["when"] = "payout_ratio < limit"
    resolve = RERATE.resolve_params

    def off_by_a_little(rules, params):
        return {name: value + 0.2 for name, value in resolve(rules, params).items()}

    assert_matches_reference(on_the_edges(), load_table(table), AS_OF)
    monkeypatch.setattr(RERATE, "resolve_params", off_by_a_little)
    with pytest.raises(AssertionError):
        assert_matches_reference(on_the_edges(), load_table(table), AS_OF)


def test_a_wrong_previous_window_in_rerate_is_caught(monkeypatch):
    table = minimal()
    table["eligibility"] = [{"id": "claims-last-window", "when": "prev_payouts > 0"}]
    extract = on_the_edges()
    earlier = extract.assign(year=2023, payouts=[0.0, 0.0, 1.0])
    extract = pd.concat([extract, earlier], ignore_index=True)
    assert_matches_reference(extract, load_table(table), AS_OF)
    window_years = RERATE.window_years

    def one_year_early(as_of, window):
        span = window_years(as_of, window)
        return dataclasses.replace(
            span, previous_first=span.previous_first - 1, previous_last=span.previous_last - 1
        )

    monkeypatch.setattr(RERATE, "window_years", one_year_early)
    with pytest.raises(AssertionError, match="E2"):
        assert_matches_reference(extract, load_table(table), AS_OF)
