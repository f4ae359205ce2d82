"""Plots, drawn headless: each must show the numbers of the object it plots."""

from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import ratefloat  # noqa: E402
from ratefloat import synth  # noqa: E402
from ratefloat.analysis import (  # noqa: E402
    backtest,
    compare,
    plot,  # noqa: E402
    sweep,
)

AS_OF = "2025-01-01"


@pytest.fixture(scope="module")
def comparison():
    return compare(
        ratefloat.load_example(),
        {"jiangsu": "cn-jiangsu-2023", "qingdao": "cn-qingdao-2017"},
        AS_OF,
        outside_effective_dates="allow",
    )


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_grade_distribution_bars_are_the_shares(comparison):
    ax = plot.grade_distribution(comparison)
    grades = comparison.grades()
    heights = sorted(round(p.get_height(), 12) for p in ax.patches if p.get_height() > 0)
    assert heights == sorted(round(v, 12) for v in grades["employer_share"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["jiangsu", "qingdao"]
    result = comparison.results["jiangsu"]
    ax = plot.grade_distribution(result, weight="payroll")
    payroll = result.rated.groupby("grade")["payroll"].sum()
    np.testing.assert_allclose([p.get_height() for p in ax.patches], payroll / payroll.sum())
    with pytest.raises(ValueError, match="weight"):
        plot.grade_distribution(comparison, weight="premium")


def test_transition_heatmap_annotates_the_counts(comparison):
    ax = plot.transition_heatmap(comparison, "jiangsu", "qingdao")
    counts = comparison.transitions("jiangsu", "qingdao")
    texts = [t.get_text() for t in ax.texts]
    assert texts == [f"{v:,}" for v in counts.to_numpy().ravel()]
    image = ax.images[0].get_array()
    np.testing.assert_allclose(image.sum(axis=1), 1.0)


def test_premium_by_class_bars(comparison):
    ax = plot.premium_by_class(comparison)
    table = comparison.premium(by="class")
    heights = [p.get_height() for p in ax.patches]
    assert len(heights) == 3 * len(table)
    np.testing.assert_allclose(
        sum(heights),
        table[["premium_at_base", "premium_jiangsu", "premium_qingdao"]].to_numpy().sum(),
    )


def test_sweep_curve_plots_the_totals():
    frame = sweep(
        ratefloat.load_example(),
        "cn-jiangsu-2023",
        AS_OF,
        grid={"base_rate_scale": [0.8, 1.0, 1.2]},
    )
    ax = plot.sweep_curve(frame, "base_rate_scale")
    x, y = ax.lines[0].get_data()
    assert list(x) == [0.8, 1.0, 1.2]
    np.testing.assert_allclose(y, frame.groupby("base_rate_scale")["premium"].sum())
    ax = plot.sweep_curve(frame, "base_rate_scale", y="grades")
    assert len(ax.lines) == frame["grade"].nunique()
    with pytest.raises(KeyError, match="threshold"):
        plot.sweep_curve(frame, "threshold")


def test_lorenz_curve_draws_each_year_and_the_diagonal():
    panel = synth.employer_years(3_000, years=range(2021, 2025), seed=2)
    result = backtest(panel, "cn-jiangsu-2023", [2023, 2024], bootstraps=20)
    ax = plot.lorenz_curve(result)
    assert len(ax.lines) == 3
    for line, (_, curve) in zip(ax.lines, result.lorenz.groupby("year"), strict=False):
        np.testing.assert_allclose(line.get_ydata(), curve["injury_share"])
    assert list(ax.lines[-1].get_xdata()) == [0, 1]
    ax = plot.lorenz_curve(result, year=2024)
    assert len(ax.lines) == 2
