"""result.explain() and result.counterfactual(): checked by brute-force re-rating.

For payouts and injuries the counterfactual is re-rated through ``rerate()`` on an edited
extract: the grade must change at the value given and not one fen (one injury) short of
it. For indicators the engine is run on a dense grid between the employer's value and
the answer: no grid point may move the grade earlier.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ratefloat
from ratefloat.engine import evaluate

AS_OF = "2025-01-01"
TABLES = ["cn-jiangsu-2023", "cn-qingdao-2017", "cn-fuzhou-legacy"]


@pytest.fixture(scope="module")
def extract() -> pd.DataFrame:
    return ratefloat.load_example()


@pytest.fixture(scope="module", params=TABLES)
def result(request, extract):
    return ratefloat.rerate(extract, request.param, AS_OF, outside_effective_dates="allow")


def sample_ids(result, k=6):
    rated = result.rated
    picked = []
    for grade in sorted(rated["grade"].unique()):
        picked += rated.loc[rated["grade"] == grade, "employer_id"].head(k // 2 or 1).tolist()
    return picked


def rerated_grade(extract, result, employer_id, column, total):
    """The grade after setting the employer's window total of ``column`` to ``total``
    (the change put on its last row inside the window)."""
    window = extract["year"].between(result.window.first, result.window.last)
    mine = (extract["employer_id"] == employer_id) & window
    edited = extract.copy()
    rows = list(edited.index[mine])
    change = total - edited.loc[mine, column].sum()
    if change >= 0:
        edited.loc[rows[-1], column] += change
    else:  # take the decrease from the last rows first, never below zero
        for row in reversed(rows):
            taken = min(edited.loc[row, column], -change)
            edited.loc[row, column] = round(edited.loc[row, column] - taken, 2)
            change += taken
    rated = ratefloat.rerate(
        edited, result.table, AS_OF, params=result.params, outside_effective_dates="allow"
    ).rated
    return int(rated.loc[rated["employer_id"] == employer_id, "grade"].iat[0])


def test_window_totals_counterfactuals_match_rerating(extract, result):
    checked = 0
    for employer_id in sample_ids(result):
        cf = result.counterfactual(employer_id)
        for move in cf.moves:
            if move.variable not in ("payouts", "injuries") or move.value is None:
                continue
            step = 0.01 if move.variable == "payouts" else 1
            assert (
                rerated_grade(extract, result, employer_id, move.variable, move.value) == move.grade
            )
            assert (move.grade < cf.grade) == (move.direction == "down")
            # one fen (one injury) short of the answer, towards the current value
            short = round(move.value + (step if move.direction == "down" else -step), 2)
            if (move.direction == "down" and short > move.current) or (
                move.direction == "up" and short < move.current
            ):
                short = None
            if short is not None and abs(short - move.current) > 1e-9:
                assert rerated_grade(extract, result, employer_id, move.variable, short) == cf.grade
            checked += 1
    assert checked >= 2


def test_indicator_counterfactuals_are_the_nearest_change(result):
    inputs = result.inputs
    ids = result.rated["employer_id"].tolist()
    checked = 0
    for employer_id in sample_ids(result):
        position = ids.index(employer_id)
        row = {
            k: (
                v[position : position + 1]
                if isinstance(v, np.ndarray) and v.shape == (len(ids),)
                else v
            )
            for k, v in inputs.items()
        }
        cf = result.counterfactual(employer_id)
        for move in cf.moves:
            if move.variable in ("payouts", "injuries"):
                continue
            end = (
                move.value
                if move.value is not None
                else (0.0 if move.direction == "down" else move.current * 10 + 10)
            )
            grid = np.linspace(move.current, end, 4001)
            grid = grid[(grid != end) & (grid != move.current)]  # strictly between
            if move.value is None:
                grid = np.linspace(0, max(move.current, 0) * 10 + 10, 8001)
            env = {
                k: (np.repeat(v, len(grid)) if isinstance(v, np.ndarray) and v.shape == (1,) else v)
                for k, v in row.items()
            }
            env[move.variable] = grid
            if not len(grid):
                continue
            grades = evaluate(
                result.table, env, np.asarray(env["risk_class"]).astype(np.int16), result.as_of
            ).grade
            if move.value is None:
                # "none can": no value on a wide grid moves the grade that way
                beyond = grades < cf.grade if move.direction == "down" else grades > cf.grade
                assert not beyond.any(), (employer_id, move)
            else:
                assert (grades == cf.grade).all(), (employer_id, move)
                env[move.variable] = np.full(len(grid), move.value)
                reached = evaluate(
                    result.table, env, np.asarray(env["risk_class"]).astype(np.int16), result.as_of
                ).grade
                assert (reached == move.grade).all()
            checked += 1
    assert checked >= 4


def test_counterfactual_of_an_unknown_employer_says_so(result):
    with pytest.raises(KeyError, match="nobody"):
        result.counterfactual("nobody")


def test_explain_shows_window_totals_and_which_side_of_or_fired(extract):
    result = ratefloat.rerate(extract, "cn-jiangsu-2023", AS_OF)
    rated = result.rated
    # band "high": payout_ratio > 1.0 or injury_rate > 0.03
    only_payouts = rated[
        (rated["payout_ratio"] > 1.0)
        & (rated["injury_rate"] <= 0.03)
        & (rated["reasons"].astype(str).str.contains("band:high"))
    ]
    only_injuries = rated[
        (rated["payout_ratio"] <= 1.0)
        & (rated["injury_rate"] > 0.03)
        & (rated["reasons"].astype(str).str.contains("band:high"))
    ]
    assert len(only_payouts) and len(only_injuries)
    for frame, expected in ((only_payouts, [True, False]), (only_injuries, [False, True])):
        employer_id = frame["employer_id"].iat[0]
        explanation = result.explain(employer_id)
        high = next(r for r in explanation.rules if r["reason"] == "band:high")
        assert [p["holds"] for p in high["parts"]] == expected
        # 苏人社规〔2023〕2号: 支缴率超过100%或工伤发生率超过3%, as named parameters
        assert [p["text"] for p in high["parts"]] == [
            "payout_ratio > high_payout_above",
            "injury_rate > high_injury_above",
        ]
        assert high["parts"][0]["values"]["high_payout_above"] == 1.0
        assert high["parts"][1]["values"]["high_injury_above"] == 0.03
        row = rated.set_index("employer_id").loc[employer_id]
        assert high["parts"][0]["values"]["payout_ratio"] == row["payout_ratio"]
        window = extract[
            (extract["employer_id"] == employer_id)
            & extract["year"].between(result.window.first, result.window.last)
        ]
        assert explanation.totals["window_payouts"] == pytest.approx(window["payouts"].sum())
        assert explanation.totals["window_injuries"] == window["injuries"].sum()
        assert "window_payouts" not in explanation.indicators
        assert "true " in str(explanation) and "false" in str(explanation)


def test_moves_name_the_threshold_they_cross(extract):
    result = ratefloat.rerate(extract, "cn-jiangsu-2023", AS_OF)
    rated = result.rated
    employer_id = rated.loc[
        (rated["grade"] == 0) & (rated["payout_ratio"] == 0) & (rated["injury_rate"] == 0),
        "employer_id",
    ].iat[0]
    move = result.counterfactual(employer_id).move("payout_ratio", "up")
    # Jiangsu's "raised" band: payout_ratio > 0.5 (苏人社规〔2023〕2号)
    assert move.threshold == 0.5 and move.value == np.nextafter(0.5, np.inf)
    assert move.describe_value() == "just above 0.5"
    with pytest.raises(KeyError):
        result.counterfactual(employer_id).move("payout_ratio", "sideways")
