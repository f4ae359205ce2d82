# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # An analyst's walkthrough: Jiangsu-style or Qingdao-style rules for a province?
#
# A synthetic province shaped like Shandong (the national class mix and base rates,
# 2019–2024) is rated under two cities' rules: Qingdao's (in force, say) and Jiangsu's
# (the proposal). We **compare** them, **sweep** a threshold, **calibrate** the proposal to
# be revenue-neutral, **backtest** both against the following year's injuries (the
# synthetic data knows each employer's true risk), and ask what would move one employer
# (**counterfactual**). Every number comes from `ratefloat.analysis`; pandas is used only
# to display.
#
# Open it as a notebook with `jupytext --to notebook examples/analyst_walkthrough.py`, or
# run it as a script. `WALKTHROUGH_EMPLOYERS` sets the population size (default 20,000),
# `WALKTHROUGH_FIGURES` a folder to save the figures in.

# %%
import os
from pathlib import Path

import matplotlib

if "WALKTHROUGH_FIGURES" in os.environ or not os.environ.get("DISPLAY"):
    matplotlib.use("Agg")

import ratefloat
from ratefloat import synth
from ratefloat.analysis import (
    CREDIBILITY_EXAMPLE,
    backtest,
    calibrate,
    compare,
    injury_cost,
    plot,
    surcharge_by_size,
    sweep,
)

EMPLOYERS = int(os.environ.get("WALKTHROUGH_EMPLOYERS", "20000"))
FIGURES = Path(os.environ["WALKTHROUGH_FIGURES"]) if "WALKTHROUGH_FIGURES" in os.environ else None
AS_OF = "2025-01-01"


def show(ax, name):
    """Save a figure for the docs when asked to; a notebook displays it anyway."""
    if FIGURES is not None:
        FIGURES.mkdir(parents=True, exist_ok=True)
        ax.figure.savefig(FIGURES / f"{name}.png", dpi=72, bbox_inches="tight")
    return ax


# %% [markdown]
# ## 1. A Shandong-like province
#
# `synth.employer_years` draws employer-years from a frequency–severity model; with
# `true_risk=True` it also returns each employer's true relative risk, which a real
# extract never has, so that the backtest below can be checked against the truth.

# %%
province = synth.employer_years(EMPLOYERS, years=range(2019, 2025), seed=2025, true_risk=True)
extract = province.drop(columns=["true_risk", "true_frequency"])
print(f"{extract['employer_id'].nunique():,} employers, {len(extract):,} employer-years")

# %% [markdown]
# ## 2. Compare: what would Jiangsu-style rules do here?
#
# Qingdao's table was in force until 2023-12-31 (Shandong has rated province-wide since
# 2024), so rating with it as of 2025 is a what-if, and says so: `outside_effective_dates=
# "allow"` (each result records it in its provenance).

# %%
scenarios = {"qingdao": "cn-qingdao-2017", "jiangsu": "cn-jiangsu-2023"}
comparison = compare(extract, scenarios, AS_OF, outside_effective_dates="allow")
comparison.grades()

# %%
comparison.transitions("qingdao", "jiangsu")

# %%
comparison.premium(by="class")

# %%
print(comparison.basis)
comparison.premium(by="size")

# %%
comparison.movers(5)

# %%
show(plot.grade_distribution(comparison), "grade-distribution")
show(plot.transition_heatmap(comparison, "qingdao", "jiangsu"), "transitions")
show(plot.premium_by_class(comparison), "premium-by-class")

# %% [markdown]
# ## 3. Sweep: where should the +20 % band start?
#
# Jiangsu's numbers are named parameters with the 办法's values as defaults: the +20 % band
# starts above a payout ratio of `raised_payout_above` = 0.5. The extract is validated and
# aggregated once; each grid point re-runs only the rules.

# %%
grid = {"raised_payout_above": [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]}
swept = sweep(extract, "cn-jiangsu-2023", AS_OF, grid=grid)
swept.groupby("raised_payout_above")[["employers", "premium"]].sum()

# %%
show(plot.sweep_curve(swept, "raised_payout_above"), "sweep")
show(plot.sweep_curve(swept, "raised_payout_above", y="grades"), "sweep-grades")

# %% [markdown]
# The base rates themselves sweep the same way (`"base_rate_scale"`: every base rate times
# the value).

# %%
scaled = sweep(extract, "cn-jiangsu-2023", AS_OF, grid={"base_rate_scale": [0.9, 1.0, 1.1]})
scaled.groupby("base_rate_scale")["premium"].sum()

# %% [markdown]
# ## 4. Calibrate: Jiangsu-style rules without raising income
#
# Revenue-neutral means the floated income equals what the employers would pay at the
# base rates. The calibrated table is a new table with its own hash.

# %%
calibration = calibrate(extract, "cn-jiangsu-2023", AS_OF, target="revenue-neutral")
print(calibration)
assert calibration.converged
calibrated = calibration.table

# %% [markdown]
# ## 5. Backtest: do higher grades go to riskier employers?
#
# Each table rates on the years before t and is scored on year t's injuries. A table
# that grades on the true risk shows what is achievable; the credibility-weighted example
# table (`ratefloat.analysis.CREDIBILITY_EXAMPLE`) shows a rule that surcharges small employers
# less on noise.

# %%
credibility_table = CREDIBILITY_EXAMPLE
truth = ratefloat.load_table("cn-jiangsu-2023").with_changes(
    {
        "id": "sees-the-truth",
        "inputs": {"true_risk": {"kind": "measure", "aggregate": "mean"}},
        "bands": [
            {"id": "top", "when": "true_risk > 1.6", "grade": 2},
            {"id": "high", "when": "true_risk > 1.15", "grade": 1},
            {"id": "bottom", "when": "true_risk < 0.45", "grade": -2},
            {"id": "low", "when": "true_risk < 0.8", "grade": -1},
        ],
        "modifiers": [],
    }
)
years = [2023, 2024]
backtests = {
    "truth": backtest(province, truth, years, bootstraps=100),
    "qingdao": backtest(extract, "cn-qingdao-2017", years, bootstraps=100),
    "jiangsu": backtest(extract, "cn-jiangsu-2023", years, bootstraps=100),
    "credibility": backtest(extract, credibility_table, years, bootstraps=100),
}
for name, result in backtests.items():
    print(f"{name:12s} {result.verdict}")
{name: result.gini.round(3) for name, result in backtests.items()}

# %%
show(plot.lorenz_curve(backtests["jiangsu"]), "lorenz")

# %% [markdown]
# ## 6. Small employers
#
# Employers that all have exactly their class's average risk: any surcharge is noise.

# %%
noise = {
    name: surcharge_by_size(table, AS_OF, employers=EMPLOYERS, seed=1)
    for name, table in [("jiangsu", "cn-jiangsu-2023"), ("credibility", credibility_table)]
}
noise["jiangsu"].merge(noise["credibility"], on="size_band", suffixes=("_jiangsu", "_credibility"))

# %%
injury_cost(extract, "cn-jiangsu-2023", AS_OF).head(10)

# %% [markdown]
# ## 7. Counterfactual: what would move one employer?

# %%
jiangsu = comparison.results["jiangsu"]
mover = comparison.movers(1)["employer_id"].iat[0]
print(jiangsu.explain(mover))
print(jiangsu.counterfactual(mover))
