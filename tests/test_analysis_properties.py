"""Invariants of the analysis layer over random tables and populations (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import assume, given
from hypothesis import strategies as st

import ratefloat
from ratefloat.analysis import Population
from ratefloat.analysis.variants import with_base_rate_scale
from ratefloat.engine import evaluate
from ratefloat.rerate import parse_as_of
from ratefloat.testing import AS_OF, employer_years, rule_tables


@given(rule_tables(), employer_years(), st.floats(0.5, 1.5))
def test_variants_on_one_preparation_equal_fresh_reratings(table, extract, scale):
    assume(max(table.base_rates_on(parse_as_of(AS_OF)).values()) * scale < 1)
    population = Population(extract, AS_OF)
    scaled = with_base_rate_scale(table, scale)
    first = population.rate(table)
    second = population.rate(scaled)
    assert population.preparations == 1
    pd.testing.assert_frame_equal(first.rated, ratefloat.rerate(extract, table, AS_OF).rated)
    pd.testing.assert_frame_equal(second.rated, ratefloat.rerate(extract, scaled, AS_OF).rated)
    pd.testing.assert_frame_equal(second.rejects, ratefloat.rerate(extract, scaled, AS_OF).rejects)


@given(rule_tables(), employer_years(), st.data())
def test_counterfactual_values_reach_the_grade_they_promise(table, extract, data):
    result = ratefloat.rerate(extract, table, AS_OF)
    assume(len(result.rated))
    employer = data.draw(st.sampled_from(sorted(result.rated["employer_id"])))
    position = int(np.flatnonzero(result.rated["employer_id"].to_numpy() == employer)[0])
    cf = result.counterfactual(employer)
    inputs = result.inputs
    n = len(result.rated)
    row = {
        k: (v[position : position + 1] if isinstance(v, np.ndarray) and v.shape == (n,) else v)
        for k, v in inputs.items()
    }
    for move in cf.moves:
        if move.value is None or move.variable in ("payouts", "injuries"):
            continue
        env = dict(row)
        env[move.variable] = np.array([move.value])
        grade = evaluate(
            table, env, np.asarray(env["risk_class"]).astype(np.int16), result.as_of
        ).grade[0]
        assert grade == move.grade
        assert (grade < cf.grade) if move.direction == "down" else (grade > cf.grade)
