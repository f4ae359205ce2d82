"""The analyst walkthrough (examples/analyst_walkthrough.py) runs, and says what it shows."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[1]
FIGURES = [
    "grade-distribution",
    "transitions",
    "premium-by-class",
    "sweep",
    "sweep-grades",
    "lorenz",
]


def test_walkthrough_runs_and_its_story_holds(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("WALKTHROUGH_EMPLOYERS", "6000")
    monkeypatch.setenv("WALKTHROUGH_FIGURES", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    names = runpy.run_path(str(ROOT / "examples" / "analyst_walkthrough.py"))
    assert names["calibration"].converged
    assert abs(names["calibration"].residual) <= 0.001
    ginis = {k: v.gini.set_index("year")["gini"] for k, v in names["backtests"].items()}
    assert (ginis["truth"] > ginis["jiangsu"]).all()
    assert names["backtests"]["truth"].monotone
    assert set(names["comparison"].scenarios) == {"qingdao", "jiangsu"}
    # a later start of the +20 % band can only lower grades, hence income
    income = names["swept"].groupby("raised_payout_above")["premium"].sum()
    assert income.is_monotonic_decreasing and income.iloc[0] > income.iloc[-1]
    for figure in FIGURES:
        assert (tmp_path / f"{figure}.png").stat().st_size > 1000
