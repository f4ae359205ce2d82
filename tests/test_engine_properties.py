"""Invariants of the engine, checked with hypothesis over random tables and populations.

The engine's invariants: nothing lost, deterministic (both decisions in ARCHITECTURE.md),
bounded, explained, monotone where the table says so; and the vectorised engine equals the
plain reference model exactly ("One reference, one fast path").
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

import ratefloat
from ratefloat.testing import AS_OF, assert_matches_reference, employer_years, rule_tables


@given(rule_tables(), employer_years())
def test_vectorised_engine_equals_reference_model(table, extract):
    assert_matches_reference(extract, table, AS_OF)


#: A rating date inside each built-in table's effective dates (Qingdao's ends 2023-12-31),
#: whose window lies in the generated years.
IN_FORCE = {"cn-jiangsu-2023": AS_OF, "cn-qingdao-2017": dt.date(2023, 12, 31)}


@given(st.sampled_from(sorted(IN_FORCE)), employer_years())
def test_builtin_tables_equal_reference_model(table_id, extract):
    assert_matches_reference(extract, table_id, IN_FORCE[table_id])


@given(rule_tables(), employer_years())
def test_nothing_lost(table, extract):
    result = ratefloat.rerate(extract, table, AS_OF)
    rated = list(result.rated["employer_id"])
    rejected = list(result.rejects["employer_id"])
    assert len(rated) == len(set(rated))
    assert len(rejected) == len(set(rejected))
    assert set(rated).isdisjoint(rejected)
    assert set(rated) | set(rejected) == set(extract["employer_id"])


@given(rule_tables(), employer_years(), st.randoms(use_true_random=False))
def test_same_output_for_any_row_order(table, extract, random):
    first = ratefloat.rerate(extract, table, AS_OF)
    order = list(range(len(extract)))
    random.shuffle(order)
    second = ratefloat.rerate(extract.iloc[order].reset_index(drop=True), table, AS_OF)
    pd.testing.assert_frame_equal(first.rated, second.rated)
    assert first.table_hash == second.table_hash
    assert first.rejects["employer_id"].tolist() == second.rejects["employer_id"].tolist()
    assert first.rejects["reason"].tolist() == second.rejects["reason"].tolist()


@given(rule_tables(), employer_years())
def test_grade_on_ladder_and_rate_within_bounds(table, extract):
    rated = ratefloat.rerate(extract, table, AS_OF).rated
    base_rates = table.base_rates_on(AS_OF)
    tolerance = 10.0**-table.rounding.rate_decimals

    def value(bound):
        return bound.value if bound.value is not None else base_rates[bound.class_base]

    rate_cuts = table.cuts_on(AS_OF, "rate")
    for row in rated.itertuples():
        ladder = table.ladders[table.classes[row.rated_class].ladder]
        assert ladder.lowest <= row.grade <= ladder.highest
        per_class = table.bounds.per_class.get(row.rated_class)
        lowest = (per_class and per_class.min_grade) or table.bounds.min_grade
        highest = (per_class and per_class.max_grade) or table.bounds.max_grade
        if lowest is not None and ladder.lowest <= lowest <= ladder.highest:
            assert row.grade >= lowest
        if highest is not None and ladder.lowest <= highest <= ladder.highest:
            assert row.grade <= highest
        floor = (per_class and per_class.min_rate) or table.bounds.min_rate
        cap = (per_class and per_class.max_rate) or table.bounds.max_rate
        cut_here = [c for c in rate_cuts if not c.classes or row.rated_class in c.classes]
        factor = 1.0
        for cut in cut_here:
            factor *= cut.factor
        if floor is not None:
            floors = [value(floor) * factor] + [value(c.min_rate) for c in cut_here if c.min_rate]
            assert row.rate >= min(floors) - tolerance
        if cap is not None:
            assert row.rate <= value(cap) + tolerance


@given(rule_tables(), employer_years())
def test_every_rated_row_is_explained(table, extract):
    result = ratefloat.rerate(extract, table, AS_OF)
    known = set(table.rule_ids()) | {
        "class-not-floated",
        "movement-limit",
        "ladder-limit",
        "min-rate",
        "max-rate",
        "reclassify-limit",
        "cut-floor",
        "grade-limit",
    }
    for reasons in result.rated["reasons"].astype(str):
        parts = reasons.split(" > ")
        assert parts and parts[0]
        assert parts[0].startswith(("eligibility:", "band:"))
        stages = ("eligibility:", "band:", "modifier:", "bound:", "cut:")
        assert all(part.startswith(stages) for part in parts)
        for part in parts:
            assert part.split(":", 1)[1] in known


@given(
    st.sampled_from(sorted(IN_FORCE)),
    employer_years(),
    st.floats(0.01, 1e6),
    st.integers(1, 3),
    st.randoms(use_true_random=False),
)
def test_more_payouts_or_injuries_never_lower_the_grade(table_id, extract, extra, injuries, random):
    table = ratefloat.load_table(table_id)
    assert set(table.monotone_in) == {"payouts", "injuries"}
    as_of = IN_FORCE[table_id]
    before = ratefloat.rerate(extract, table, as_of).rated.set_index("employer_id")["grade"]
    worse = extract.copy()
    chosen = random.sample(range(len(worse)), k=max(1, len(worse) // 2))
    worse.loc[chosen, "payouts"] += extra
    worse.loc[chosen, "injuries"] += injuries
    after = ratefloat.rerate(worse, table, as_of).rated.set_index("employer_id")["grade"]
    assert (after.loc[before.index] >= before).all()


def test_output_is_byte_identical_across_runs(tmp_path):
    extract = ratefloat.load_example()
    paths = []
    for run in range(2):
        result = ratefloat.rerate(extract, "cn-jiangsu-2023", "2025-01-01")
        path = tmp_path / f"run{run}.csv"
        result.rated.to_csv(path, index=False)
        paths.append(path)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert np.all(result.rated["table_id"] == "cn-jiangsu-2023")


@given(rule_tables(), employer_years(max_employers=40))
def test_blocks_and_threads_do_not_change_the_result(table, extract):
    """Large populations run in blocks (on two threads): tiny blocks must give the same."""
    import ratefloat.engine as engine
    import ratefloat.rounding as rounding
    import ratefloat.window as window

    whole = ratefloat.rerate(extract, table, AS_OF)
    saved = engine.BLOCK, rounding._BLOCK, window._BLOCK
    try:
        engine.BLOCK, rounding._BLOCK, window._BLOCK = 3, 5, 4
        blocked = ratefloat.rerate(extract, table, AS_OF)
    finally:
        engine.BLOCK, rounding._BLOCK, window._BLOCK = saved
    pd.testing.assert_frame_equal(blocked.rated, whole.rated)
    pd.testing.assert_frame_equal(blocked.rejects, whole.rejects)
