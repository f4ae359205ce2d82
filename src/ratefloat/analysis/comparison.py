"""Comparison of scenarios: the same employers rated under several tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..display import html_card, short_repr
from ..errors import ParameterError
from ..result import RerateResult
from ..rules.model import RuleTable
from .population import Population
from .premium import PAYROLL_BASIS, payroll_of_rated, premium

__all__ = ["compare", "Comparison", "SIZE_BANDS", "size_bands"]

#: Size bands by average insured headcount over the window (upper bounds inclusive).
SIZE_BANDS = ((9, "1–9"), (49, "10–49"), (299, "50–299"), (np.inf, "300+"))


def compare(
    extract: pd.DataFrame | Population,
    tables: Mapping[str, str | RuleTable | Mapping[str, Any]],
    as_of: str | dt.date | pd.Timestamp | None = None,
    *,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    classification: Any = None,
    outside_effective_dates: Literal["refuse", "allow"] = "refuse",
) -> Comparison:
    """Rate one extract under several tables (scenarios) and compare the outcomes.

    Tables that read the same columns over the same window share one validation and
    aggregation of the extract.

    Parameters
    ----------
    extract:
        Employer-year rows (or a :class:`~ratefloat.analysis.Population`).
    tables:
        ``{scenario name: table}`` in the order to report; the first is the reference.
    as_of:
        The rating date.
    params:
        ``{scenario name: {parameter: value}}`` for scenarios whose table needs them.
    classification:
        As for :func:`ratefloat.rerate`.
    outside_effective_dates:
        ``"allow"`` rates tables outside their effective dates (what-ifs with past or
        future rules); default ``"refuse"``, as :func:`ratefloat.rerate`.

    Returns
    -------
    Comparison

    Examples
    --------
    >>> import ratefloat
    >>> from ratefloat.analysis import compare
    >>> comparison = compare(ratefloat.load_example(),
    ...                      {"jiangsu": "cn-jiangsu-2023", "qingdao": "cn-qingdao-2017"},
    ...                      "2025-01-01")
    >>> comparison.scenarios
    ['jiangsu', 'qingdao']
    """
    if len(tables) < 1:
        raise ParameterError("compare needs at least one scenario: {'name': table}")
    population = Population.of(
        extract,
        as_of,
        classification=classification,
        outside_effective_dates=outside_effective_dates,
    )
    unknown = set(params or {}) - set(tables)
    if unknown:
        raise ParameterError(f"params for unknown scenarios {sorted(unknown)}; have {list(tables)}")
    results = {
        name: population.rate(table, (params or {}).get(name)) for name, table in tables.items()
    }
    return Comparison(results, population)


class Comparison:
    """Several scenarios over the same employers.

    Attributes
    ----------
    results:
        ``{scenario: RerateResult}``.
    scenarios:
        The scenario names, the reference first.
    """

    def __init__(self, results: Mapping[str, RerateResult], population: Population) -> None:
        self.results = dict(results)
        self.scenarios = list(results)
        self._population = population
        self._wide: pd.DataFrame | None = None

    # -- the joined frame -------------------------------------------------------------
    def employers(self) -> pd.DataFrame:
        """One row per employer rated in every scenario: grade, rate, premium and reasons
        per scenario (``grade_<scenario>`` …), with class, payroll and window totals."""
        if self._wide is None:
            first = self.results[self.scenarios[0]].rated
            common = [c for c in first if c.startswith("window_")]
            base = first[["employer_id", "risk_class", *common]].copy()
            payroll, self.payroll_basis = payroll_of_rated(first)
            base["payroll"] = payroll
            base["premium_at_base"] = (
                first["premium_at_base"].to_numpy()
                if "premium_at_base" in first
                else premium(payroll, first["base_rate"].to_numpy())
            )
            base["size_band"] = size_bands(first["window_avg_insured"])
            wide = base
            for name in self.scenarios:
                rated = self.results[name].rated
                pay, _ = payroll_of_rated(rated)
                part = pd.DataFrame(
                    {
                        "employer_id": rated["employer_id"],
                        f"grade_{name}": rated["grade"],
                        f"rate_{name}": rated["rate"],
                        f"premium_{name}": _premium(rated, pay),
                        f"reasons_{name}": rated["reasons"].astype(str),
                    }
                )
                wide = wide.merge(part, on="employer_id", how="inner", validate="1:1")
            self._wide = wide
        return self._wide

    @property
    def basis(self) -> str:
        """How premium was computed (payroll column, or how payroll was estimated)."""
        self.employers()
        return PAYROLL_BASIS[self.payroll_basis]

    # -- views ------------------------------------------------------------------------
    def grades(self) -> pd.DataFrame:
        """Share of employers and of payroll per grade, per scenario (tidy)."""
        wide = self.employers()
        rows = []
        for name in self.scenarios:
            group = wide.groupby(f"grade_{name}")
            part = pd.DataFrame(
                {"employers": group.size(), "payroll": group["payroll"].sum()}
            ).reset_index(names="grade")
            part["employer_share"] = part["employers"] / part["employers"].sum()
            part["payroll_share"] = part["payroll"] / part["payroll"].sum()
            part.insert(0, "scenario", name)
            rows.append(part)
        return pd.concat(rows, ignore_index=True)

    def transitions(self, a: str, b: str, *, share: bool = False) -> pd.DataFrame:
        """Grade under ``a`` (rows) against grade under ``b`` (columns): employer counts,
        or with ``share=True`` each row's shares (where the employers of a grade go)."""
        self._check(a, b)
        wide = self.employers()
        matrix = pd.crosstab(wide[f"grade_{a}"], wide[f"grade_{b}"])
        matrix.index.name, matrix.columns.name = f"grade {a}", f"grade {b}"
        if share:
            return matrix.div(matrix.sum(axis=1), axis=0)
        return matrix

    def premium(self, by: str | None = None) -> pd.DataFrame:
        """Annual income before floating (payroll × base rate) and under each scenario.

        ``by``: None (total), ``"class"``, ``"size"`` (average insured bands),
        ``"industry"`` (the first two digits of ``industry_code``: the GB/T 4754 major
        group), or any column of the extract (e.g. a region code; its last value per
        employer). Premium is rate × annual payroll; see :attr:`basis` for how payroll
        was obtained.
        """
        wide = self.employers()
        keys = self._group_keys(by)
        money = ["premium_at_base", *[f"premium_{n}" for n in self.scenarios]]
        if keys is None:
            table = wide[money].sum().to_frame().T
            table.insert(0, "employers", len(wide))
        else:
            group = wide.assign(_key=keys).groupby("_key", observed=True)
            table = group[money].sum()
            table.insert(0, "employers", group.size())
            table.index.name = {"class": "risk_class", "size": "size_band"}.get(by or "", by)
        reference = f"premium_{self.scenarios[0]}"
        for name in self.scenarios:
            table[f"change_{name}"] = table[f"premium_{name}"] / table["premium_at_base"] - 1
        if len(self.scenarios) > 1:
            for name in self.scenarios[1:]:
                table[f"{name}_vs_{self.scenarios[0]}"] = (
                    table[f"premium_{name}"] / table[reference] - 1
                )
        return table.round({c: 2 for c in money})

    def movers(self, n: int = 20, a: str | None = None, b: str | None = None) -> pd.DataFrame:
        """The ``n`` employers whose rate changes most from ``a`` to ``b`` (default: the
        first two scenarios), with grades, rates and the reasons on both sides."""
        a = a or self.scenarios[0]
        b = b or (self.scenarios[1] if len(self.scenarios) > 1 else self.scenarios[0])
        self._check(a, b)
        wide = self.employers()
        change = wide[f"rate_{b}"] - wide[f"rate_{a}"]
        order = np.argsort(-np.abs(change.to_numpy()), kind="stable")[:n]
        indicators = [
            c for c in self.results[a].rated.columns if c in self.results[a].table.all_indicators
        ]
        cols = ["employer_id", "risk_class", *[c for c in wide if c.startswith("window_")]]
        picked = wide.iloc[order][
            [*cols, f"grade_{a}", f"grade_{b}", f"rate_{a}", f"rate_{b}"]
            + [f"reasons_{a}", f"reasons_{b}"]
        ].copy()
        picked.insert(len(cols) + 4, "rate_change", change.iloc[order].to_numpy())
        first = self.results[a].rated.set_index("employer_id")
        for name in indicators:
            picked[name] = first.loc[picked["employer_id"], name].to_numpy()
        return picked.reset_index(drop=True)

    # -- display ----------------------------------------------------------------------
    def __repr__(self) -> str:
        return short_repr(
            "Comparison",
            {"scenarios": self.scenarios, "employers": len(self.employers())},
        )

    def _repr_html_(self) -> str:
        facts = {
            name: f"{result.table.id} ({result.table_hash[:12]})"
            for name, result in self.results.items()
        }
        facts["employers rated in all"] = f"{len(self.employers()):,}"
        facts["premium basis"] = self.basis
        return html_card("Comparison", facts, [("premium", self.premium(by="class"))])

    # -- helpers ----------------------------------------------------------------------
    def _check(self, *names: str) -> None:
        for name in names:
            if name not in self.results:
                raise KeyError(f"no scenario {name!r}; scenarios: {self.scenarios}")

    def _group_keys(self, by: str | None) -> Any:
        wide = self.employers()
        if by is None:
            return None
        if by == "class":
            return wide["risk_class"].to_numpy()
        if by == "size":
            return wide["size_band"]
        column = "industry_code" if by == "industry" else by
        extract = self._population.extract
        if column not in extract:
            raise ParameterError(
                f"premium(by={by!r}): the extract has no column {column!r}; "
                "use 'class', 'size', 'industry' or a column of the extract"
            )
        last = extract.drop_duplicates("employer_id", keep="last").set_index("employer_id")
        values = last[column].reindex(wide["employer_id"].to_numpy())
        if by == "industry":
            values = values.astype(str).str.strip().str[:2]
        return values.to_numpy()


def _premium(rated: pd.DataFrame, payroll: np.ndarray) -> np.ndarray:
    if "premium" in rated:
        return rated["premium"].to_numpy()
    return premium(payroll, rated["rate"].to_numpy())


def size_bands(avg_insured: Any) -> pd.Categorical:
    """The size band (:data:`SIZE_BANDS`) of each average insured headcount."""
    insured = np.asarray(avg_insured, dtype=np.float64)
    edges = [-np.inf, *[upper + 0.5 for upper, _ in SIZE_BANDS[:-1]], np.inf]
    labels = [label for _, label in SIZE_BANDS]
    codes = np.clip(np.searchsorted(edges, insured, side="right") - 1, 0, len(labels) - 1)
    return pd.Categorical.from_codes(codes, labels, ordered=True)
