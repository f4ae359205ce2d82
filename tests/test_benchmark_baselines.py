"""The benchmark races ``rerate()`` against hand-written versions of ``cn-jiangsu-2023``;
those versions must stay the same rule as the shipped table, or the race compares
different work (and its agreement check fails only when someone runs the benchmark).

Checked here with the baselines that need nothing beyond pandas: the hand-worked cases of
``benchmarks/fixtures.py`` and a random panel, row-wise pandas against ``rerate()``, in
sorted and shuffled row order. DuckDB and Polars are checked against the same cases by
``benchmarks/check_baselines.py``.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bench():  # noqa: ANN201 - a namespace of the benchmark modules
    """The benchmark modules, imported from ``benchmarks/`` and unloaded afterwards."""
    names = (
        "fixtures",
        "compare",
        "baselines",
        "baselines.rule",
        "baselines.pandas_rowwise",
        "baselines.ratefloat_rerate",
    )
    before = {name: sys.modules.pop(name, None) for name in names}
    sys.path.insert(0, str(BENCHMARKS))
    try:
        modules = {name: importlib.import_module(name) for name in names}
    finally:
        sys.path.remove(str(BENCHMARKS))
    yield type("Bench", (), {n.split(".")[-1]: m for n, m in modules.items()})
    for name, module in before.items():
        if module is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = module


@pytest.mark.parametrize("no_down_column", [True, False])
@pytest.mark.parametrize("shuffled", [False, True])
def test_hand_worked_cases(bench, no_down_column: bool, shuffled: bool) -> None:
    frame = bench.fixtures.case_frame(no_down_column)
    if shuffled:
        frame = frame.sample(frac=1.0, random_state=7).reset_index(drop=True)
    want = bench.fixtures.expected(no_down_column)
    for rate in (bench.ratefloat_rerate.rate, bench.pandas_rowwise.rate):
        bad = bench.compare.mismatches(rate(frame), want)
        assert bad.empty, f"{rate.__module__} disagrees with the hand-worked cases:\n{bad}"


def test_random_panel_rowwise_equals_rerate(bench) -> None:
    panel = bench.fixtures.random_panel(400, seed=3)
    panel = panel.sample(frac=1.0, random_state=3).reset_index(drop=True)
    got = bench.ratefloat_rerate.rate(panel)
    want = bench.pandas_rowwise.rate(panel)
    assert len(want) > 300
    bad = bench.compare.mismatches(got, want)
    assert bad.empty, f"rerate() and row-wise pandas differ:\n{bad}"
