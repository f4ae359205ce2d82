"""Sweeps: one table under a grid of parameter values, on data prepared once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pandas as pd

from ..rules.loader import load_table
from ..rules.model import RuleTable
from .population import Population, grade_table
from .variants import BASE_RATE_SCALE, check_names, grid_points, with_base_rate_scale

__all__ = ["sweep"]


def sweep(
    extract: pd.DataFrame | Population,
    table: str | RuleTable | Mapping[str, Any],
    as_of: str | dt.date | pd.Timestamp | None = None,
    grid: Mapping[str, Sequence[Any]] | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    classification: Any = None,
    outside_effective_dates: Literal["refuse", "allow"] = "refuse",
) -> pd.DataFrame:
    """Rate ``table`` under every combination of ``grid`` and tabulate the outcome.

    The extract is validated and aggregated once; each variant re-evaluates only the
    indicators and the rules.

    Parameters
    ----------
    extract:
        Employer-year rows (or a :class:`~ratefloat.analysis.Population`).
    table:
        The rule table (id, path, dict or loaded table).
    as_of:
        The rating date (taken from the population when one is given).
    grid:
        ``{name: [value, ...]}``: parameters of the table, and ``"base_rate_scale"``
        (every base rate times the value). Every combination is one variant.
    params:
        Values of the other parameters (those without a default must be given).
    classification:
        As for :func:`ratefloat.rerate`.
    outside_effective_dates:
        ``"allow"`` rates tables outside their effective dates (what-ifs with past or
        future rules); default ``"refuse"``, as :func:`ratefloat.rerate`.

    Returns
    -------
    pandas.DataFrame
        One row per variant, rated class and grade: ``variant``, one column per grid name,
        ``rated_class, grade, employers, payroll, premium`` (annual, yuan; premiums rounded
        per employer, then summed). ``attrs`` records the table id and hash.

    Examples
    --------
    >>> import ratefloat
    >>> from ratefloat.analysis import sweep
    >>> frame = sweep(ratefloat.load_example(), "cn-jiangsu-2023", "2025-01-01",
    ...               grid={"base_rate_scale": [0.9, 1.0, 1.1]})
    >>> frame.groupby("variant")["employers"].sum().tolist()
    [495, 495, 495]
    """
    population = Population.of(
        extract,
        as_of,
        classification=classification,
        outside_effective_dates=outside_effective_dates,
    )
    table = load_table(table if not isinstance(table, Mapping) else dict(table))
    check_names(table, list(grid or {}))
    frames = []
    for number, point in enumerate(grid_points(grid or {})):
        variant = table
        if BASE_RATE_SCALE in point:
            variant = with_base_rate_scale(table, float(point[BASE_RATE_SCALE]))
        given = {**(params or {}), **{k: v for k, v in point.items() if k != BASE_RATE_SCALE}}
        frame = grade_table(population.outcome(variant, given))
        for name, value in reversed(point.items()):
            frame.insert(0, name, [value] * len(frame))
        frame.insert(0, "variant", number)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out.attrs.update(table_id=table.id, as_of=population.as_of.isoformat())
    return out
