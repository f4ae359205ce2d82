"""Small employers and credibility: how much of a surcharge is noise?

Two diagnostics of a table:

* :func:`surcharge_by_size`: employers that all have exactly the average true risk of
  their class (``synth`` with no frailty), drawn by Monte Carlo from ``synth``'s injury
  frequency and severity model; the share surcharged (and discounted) by size band is
  then pure noise, and it is typically largest for the smallest employers.
* :func:`injury_cost`: the annual premium cost of one more injury (with the class's mean
  payout per injury added to the payouts), by size band and current grade, from the
  prepared data: each employer re-rated with its window's injuries + 1.

A credibility-weighted indicator, Z · own + (1 − Z) · class, is written in the rule-table
language itself (see ``examples/credibility-table.yaml``): Z = n / (n + k) is an indicator
expression over ``avg_insured`` and ``years_observed``, and the class-relative injury
rate is an area-relative indicator grouped by ``risk_class``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .. import synth
from ..rerate import evaluate_rules, parse_as_of
from ..rules.loader import load_table
from ..rules.model import RuleTable
from ..window import window_years
from .comparison import size_bands
from .population import Population
from .premium import payroll_of_inputs, premium

__all__ = ["surcharge_by_size", "injury_cost", "CREDIBILITY_EXAMPLE"]

#: An illustrative rule table grading on a Bühlmann–Straub credibility-weighted injury
#: relativity (pass it as ``rules=``; copy it to make your own).
CREDIBILITY_EXAMPLE = Path(__file__).with_name("credibility-example.yaml")


def surcharge_by_size(
    table: str | RuleTable | Mapping[str, Any],
    as_of: str | dt.date | pd.Timestamp = "2025-01-01",
    *,
    employers: int = 50_000,
    seed: int = 0,
    params: Mapping[str, Any] | None = None,
    outside_effective_dates: Literal["refuse", "allow"] = "refuse",
    **synth_options: Any,
) -> pd.DataFrame:
    """Monte Carlo: P(surcharge) and P(discount) by size band for average-risk employers.

    Parameters
    ----------
    table:
        The rule table.
    as_of:
        The rating date; the synthetic panel covers the window and the previous window.
    employers, seed:
        Size and seed of the synthetic population (same seed, same answer).
    params:
        Values of the table's parameters.
    outside_effective_dates:
        ``"allow"`` rates tables outside their effective dates (what-ifs with past or
        future rules); default ``"refuse"``, as :func:`ratefloat.rerate`.
    **synth_options:
        Other options of :func:`ratefloat.synth.employer_years` (e.g. ``class_mix``).
        ``frailty_cv`` and ``size_elasticity`` are fixed at 0: every employer has its
        class's average true risk.

    Returns
    -------
    pandas.DataFrame
        size_band, employers, surcharged, p_surcharge, p_discount, and ``se`` (the Monte
        Carlo standard error of p_surcharge).
    """
    table = load_table(table if not isinstance(table, Mapping) else dict(table))
    as_of_date = parse_as_of(as_of)
    span = window_years(as_of_date, table.window)
    years = range(min(span.previous_first, span.first), span.last + 1)
    options = {**synth_options, "frailty_cv": 0.0, "size_elasticity": 0.0}
    panel = synth.employer_years(employers, years=years, seed=seed, **options)
    population = Population(panel, as_of_date, outside_effective_dates=outside_effective_dates)
    rated = population.rate(table, params).rated
    frame = pd.DataFrame(
        {
            "size_band": size_bands(rated["window_avg_insured"]),
            "up": rated["grade"].to_numpy() > 0,
            "down": rated["grade"].to_numpy() < 0,
        }
    )
    out = frame.groupby("size_band", observed=True).agg(
        employers=("up", "size"), surcharged=("up", "sum"), p_discount=("down", "mean")
    )
    out["p_surcharge"] = out["surcharged"] / out["employers"]
    out["se"] = np.sqrt(out["p_surcharge"] * (1 - out["p_surcharge"]) / out["employers"])
    return out.reset_index()[
        ["size_band", "employers", "surcharged", "p_surcharge", "p_discount", "se"]
    ]


def injury_cost(
    extract: pd.DataFrame | Population,
    table: str | RuleTable | Mapping[str, Any],
    as_of: str | dt.date | pd.Timestamp | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    outside_effective_dates: Literal["refuse", "allow"] = "refuse",
) -> pd.DataFrame:
    """The premium cost of one more injury in the window, by size band and grade.

    Each employer's window gets one more injury and the mean payout per injury of its
    class (over the batch); the table re-rates everyone on the prepared data.

    Returns
    -------
    pandas.DataFrame
        size_band, grade (before), employers, premium (mean annual premium before),
        extra_premium (mean annual increase), extra_share (increase ÷ premium),
        moved_up (share whose grade rises).
    """
    population = Population.of(extract, as_of, outside_effective_dates=outside_effective_dates)
    table = load_table(table if not isinstance(table, Mapping) else dict(table))
    prepared = population.prepared_for(table, params)
    before = evaluate_rules(prepared, table, params=params)
    current = dict(prepared.current)
    injuries = np.nan_to_num(np.asarray(current["injuries"], dtype=np.float64))
    payouts = np.nan_to_num(np.asarray(current["payouts"], dtype=np.float64))
    classes = np.nan_to_num(np.asarray(current["risk_class"], dtype=np.float64)).astype(np.int64)
    per_injury = np.bincount(classes, payouts) / np.maximum(np.bincount(classes, injuries), 1)
    current["injuries"] = current["injuries"] + 1
    current["payouts"] = current["payouts"] + per_injury[classes]
    after = evaluate_rules(dataclasses.replace(prepared, current=current), table, params=params)
    if not np.array_equal(before.rated, after.rated):
        raise RuntimeError("one more injury changed who can be rated")  # never: same rejects
    payroll, _ = payroll_of_inputs(before.env)
    decimals = table.rounding.money_decimals
    paid = premium(payroll, before.outcome.rate, decimals)
    extra = premium(payroll, after.outcome.rate, decimals) - paid
    frame = pd.DataFrame(
        {
            "size_band": size_bands(before.env["avg_insured"]),
            "grade": before.outcome.grade,
            "premium": paid,
            "extra_premium": extra,
            "moved_up": after.outcome.grade > before.outcome.grade,
        }
    )
    out = frame.groupby(["size_band", "grade"], observed=True).agg(
        employers=("premium", "size"),
        premium=("premium", "mean"),
        extra_premium=("extra_premium", "mean"),
        moved_up=("moved_up", "mean"),
    )
    out["extra_share"] = out["extra_premium"] / out["premium"]
    return out.reset_index()
