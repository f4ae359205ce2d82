"""The result of a re-rating: rated and rejected employers, summaries and explanations."""

from __future__ import annotations

import ast
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .display import html_card, short_repr
from .engine import Evaluation
from .errors import ExpressionError
from .expr import Kind, parse_expression
from .rules.model import RuleTable, expression_names
from .schema import first_rows
from .window import WindowYears

__all__ = ["RerateResult", "Explanation", "build_reasons", "REASON_SEPARATOR"]

#: Separates the rule ids in the ``reasons`` column, in evaluation order.
REASON_SEPARATOR = " > "

#: Columns of ``rated`` that are neither indicators nor window totals.
_OUTCOME_COLUMNS = (
    "employer_id",
    "risk_class",
    "rated_class",
    "grade",
    "multiplier",
    "base_rate",
    "rate",
    "reasons",
    "table_id",
    "premium",
    "payroll",
    "premium_at_base",
    "current_grade",
    "current_rate",
)


def build_reasons(outcome: Evaluation) -> pd.Categorical:
    """The ``reasons`` column: rule ids that fired, joined in evaluation order.

    Each employer carries four small integer codes; they are combined into one code per
    distinct combination (hashing, no sort), and the text is built once per combination,
    not once per employer, and stored as a categorical.
    """
    columns = [
        outcome.eligibility_code.astype(np.int64),
        outcome.band_code.astype(np.int64),
        outcome.modifier_bits,
        outcome.flags,
    ]
    n = len(columns[0])
    if n == 0:
        return pd.Categorical([], categories=[])
    eligibility, band, modifiers, flags = columns
    if flags.max() < 2**31:
        # Eligibility and band codes take 16 bits each, the engine's flags the upper half.
        key = (eligibility + 1) | ((band + 1) << 16) | (flags << 32)
        combined, _ = pd.factorize(key)
        if modifiers.any():
            modifier_codes, distinct = pd.factorize(modifiers)
            combined, _ = pd.factorize(combined * len(distinct) + modifier_codes)
    else:
        combined = np.zeros(n, dtype=np.int64)
        for column in columns:
            codes, uniques = pd.factorize(column)
            combined, _ = pd.factorize(combined * len(uniques) + codes)
    labels = [
        REASON_SEPARATOR.join(outcome.catalogue.describe(*(int(c[row]) for c in columns)))
        for row in first_rows(combined)
    ]
    return pd.Categorical.from_codes(combined, categories=labels)


@dataclass(frozen=True)
class Explanation:
    """Why one employer got its grade: the inputs used and the rules that fired, in order.

    ``totals`` holds the window's totals the indicators were computed from (payouts,
    contributions, injuries, average insured); each rule of ``rules`` whose condition is
    an ``or`` (or an ``and``) lists its parts under ``"parts"`` with whether each held.
    """

    employer_id: str
    status: str  #: "rated" or "rejected"
    grade: int | None
    rate: float | None
    reasons: list[str]
    rules: list[dict[str, Any]]
    indicators: dict[str, float]
    rejection: dict[str, Any] | None = None
    totals: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"employer {self.employer_id}: {self.status}"]
        if self.rejection:
            lines.append(
                f"  rejected: {self.rejection['reason']} in column {self.rejection['column']!r} "
                f"(value {self.rejection['value']!r}, row {self.rejection['row']}): "
                f"{self.rejection['message']}"
            )
            return "\n".join(lines)
        lines.append(f"  grade {self.grade:+d}, rate {self.rate:.6g}")
        for name, value in self.totals.items():
            lines.append(f"  {name} = {value:,.6g}")
        for name, value in self.indicators.items():
            lines.append(f"  {name} = {value:.6g}")
        for rule in self.rules:
            cite = f"  [{rule['cite']}]" if rule.get("cite") else ""
            condition = f" when {rule['when']}" if rule.get("when") else ""
            lines.append(f"  → {rule['reason']}{condition}{cite}")
            for part in rule.get("parts", []):
                mark = "true " if part["holds"] else "false"
                values = ", ".join(f"{k} = {v:.6g}" for k, v in part.get("values", {}).items())
                lines.append(f"      {mark}  {part['text']}" + (f"   ({values})" if values else ""))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return short_repr(
            "Explanation",
            {
                "employer_id": self.employer_id,
                "status": self.status,
                "grade": self.grade,
                "reasons": self.reasons,
            },
        )

    def _repr_html_(self) -> str:
        facts: dict[str, Any] = {"status": self.status}
        if self.rejection:
            facts.update({k: self.rejection.get(k) for k in ("reason", "column", "message")})
            return html_card(f"Employer {self.employer_id}", facts)
        facts.update(grade=self.grade, rate=self.rate, **self.totals, **self.indicators)
        rules = pd.DataFrame(
            [
                {
                    "reason": r["reason"],
                    "when": r.get("when") or "",
                    "held": "; ".join(
                        f"{p['text']}: {'yes' if p['holds'] else 'no'}" for p in r.get("parts", [])
                    ),
                    "cite": r.get("cite") or "",
                }
                for r in self.rules
            ]
        )
        return html_card(f"Employer {self.employer_id}", facts, [("rules that fired", rules)])


@dataclass
class RerateResult:
    """Everything a re-rating produced.

    Attributes
    ----------
    rated:
        One row per rated employer, sorted by ``employer_id``: class, grade, multiplier,
        base and final rate, the indicators the table used, ``reasons`` and ``table_id``.
    rejects:
        One row per rejected employer (rows without an employer id: one each), with
        ``employer_id, reason, column, value, row, message``; ``row`` is the position of
        the offending input row.
    failure_cases:
        Every problem found, several per employer where there were several.
    table, table_hash:
        The rule table applied (numbers written as ``$name`` filled in with the parameter
        values) and the sha256 of the table's canonical content as written.
    as_of, window:
        The rating date and the experience years used.
    params:
        The parameter values applied.
    out_of_force:
        None when the table was in force on ``as_of``; otherwise why it was not (the run
        used it anyway with ``outside_effective_dates="allow"``). Also in the provenance
        as ``table_in_force``.
    warnings:
        Counts of things worth a look that did not stop any employer being rated:
        ``lookalike_ids``, the distinct employer ids equal to another one up to
        full-width forms, case and whitespace (they were rated as separate employers).
    """

    rated: pd.DataFrame
    rejects: pd.DataFrame
    failure_cases: pd.DataFrame
    table: RuleTable
    table_hash: str
    as_of: dt.date
    window: WindowYears
    params: dict[str, Any] = field(default_factory=dict)
    out_of_force: str | None = None
    warnings: dict[str, int] = field(default_factory=dict)
    #: The engine's inputs for the rated employers (arrays in ``rated`` order), kept for
    #: :meth:`explain` and :meth:`counterfactual`.
    inputs: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        for frame in (self.rated, self.rejects):
            frame.attrs.update(self.provenance())

    def provenance(self) -> dict[str, str]:
        """Audit fields: table id, version and hash, as_of, window, whether the table was in
        force on as_of, ratefloat version."""
        from ._version import __version__

        return {
            "table_id": self.table.id,
            "table_version": self.table.version,
            "table_hash": self.table_hash,
            "as_of": self.as_of.isoformat(),
            "window": str(self.window),
            "table_in_force": "yes" if self.out_of_force is None else f"no: {self.out_of_force}",
            "ratefloat_version": __version__,
        }

    def summary(self) -> pd.DataFrame:
        """Employers and premium by class and grade (premium where payroll was given).

        Columns: ``rated_class, grade, multiplier, employers`` and, with payroll,
        ``premium_at_base`` (payroll × base rate) and ``premium`` (payroll × new rate).
        """
        rated = self.rated
        group = rated.groupby(["rated_class", "grade"], observed=True)
        summary = group.agg(multiplier=("multiplier", "first"), employers=("employer_id", "size"))
        if "premium" in rated:
            summary["premium_at_base"] = group["premium_at_base"].sum().round(2)
            summary["premium"] = group["premium"].sum().round(2)
        return summary.reset_index()

    def counts(self) -> dict[str, int]:
        """Employers in, rated and rejected; reject counts by reason; warning counts
        (``warning_<name>``, see :attr:`warnings`)."""
        by_reason = self.rejects["reason"].value_counts().sort_index()
        return {
            "employers": len(self.rated) + len(self.rejects),
            "rated": len(self.rated),
            "rejected": len(self.rejects),
            **{f"rejected_{reason}": int(count) for reason, count in by_reason.items()},
            **{f"warning_{name}": int(count) for name, count in self.warnings.items()},
        }

    def explain(self, employer_id: str) -> Explanation:
        """The indicator values used and the rules that fired for one employer, in order."""
        employer_id = str(employer_id)
        rated = self.rated
        position = np.searchsorted(rated["employer_id"].to_numpy(dtype=object), employer_id)
        if position < len(rated) and rated["employer_id"].iat[position] == employer_id:
            row = rated.iloc[position]
            reasons = str(row["reasons"]).split(REASON_SEPARATOR)
            totals = {
                name: float(row[name]) for name in rated.columns if name.startswith("window_")
            }
            indicators = {
                name: float(row[name])
                for name in rated.columns
                if name not in _OUTCOME_COLUMNS and name not in totals
            }
            rules = [self._rule_detail(reason) for reason in reasons]
            for rule in rules:
                parts = self._parts_held(rule.get("when"), position)
                if parts:
                    rule["parts"] = parts
            return Explanation(
                employer_id,
                "rated",
                int(row["grade"]),
                float(row["rate"]),
                reasons,
                rules,
                indicators,
                totals=totals,
            )
        rejected = self.rejects[self.rejects["employer_id"] == employer_id]
        if len(rejected):
            first = rejected.iloc[0]
            return Explanation(employer_id, "rejected", None, None, [], [], {}, first.to_dict())
        raise KeyError(f"employer {employer_id!r} is not in this result")

    def counterfactual(self, employer_id: str) -> Any:
        """The smallest change in each indicator, and in payouts and injuries, that moves a
        rated employer one grade down or up, or why none can.

        Exact from the table's thresholds (see :mod:`ratefloat.counterfactual`).

        Returns
        -------
        ratefloat.counterfactual.Counterfactual
            ``.moves`` (variable, direction, current, value, change, grade, note) and
            ``.frame()``.
        """
        from .counterfactual import counterfactual

        return counterfactual(self, employer_id)

    def _parts_held(self, when: str | None, position: int) -> list[dict[str, Any]]:
        """For a condition joined by ``or``/``and``: each part and whether it held."""
        if not when or self.inputs is None:
            return []
        names = expression_names(self.table)
        try:
            tree = parse_expression(when, names).tree
        except ExpressionError:
            return []
        if not isinstance(tree, ast.BoolOp):
            return []
        n = len(self.rated)
        env = {
            key: value[position : position + 1]
            if isinstance(value, np.ndarray) and value.shape == (n,)
            else value
            for key, value in self.inputs.items()
        }
        parts = []
        for node in tree.values:
            text = ast.unparse(node)
            part = parse_expression(text, names, expect=Kind.BOOL)
            if all(name in env for name in part.names):
                held = np.asarray(part.evaluate(env)).ravel()
                values = {
                    name: np.asarray(env[name]).ravel()[0].item()
                    for name in part.names
                    if np.asarray(env[name]).size == 1
                }
                parts.append({"text": text, "holds": bool(held[0]), "values": values})
        return parts

    def _rule_detail(self, reason: str) -> dict[str, Any]:
        stage, _, rule_id = reason.partition(":")
        detail: dict[str, Any] = {"reason": reason}
        rules: list[Any] = []
        if stage == "eligibility":
            rules = list(self.table.eligibility)
        elif stage == "modifier":
            rules = list(self.table.modifiers)
        elif stage == "band":
            rules = list(self.table.bands)
            for band in self.table.bands:
                for row_id, row in zip(band.row_ids(), band.rows or [], strict=False):
                    if row_id == rule_id:
                        detail.update(
                            when=f"{band.indicator} in {row.interval}", cite=row.cite or band.cite
                        )
                        return detail
        for rule in rules:
            if rule.id == rule_id:
                detail.update(when=getattr(rule, "when", None), cite=rule.cite)
        if stage == "bound" and rule_id in ("min-rate", "max-rate"):
            detail.update(cite=self.table.bounds.cite)
        return detail

    def to_frame(self) -> pd.DataFrame:
        """Rated and rejected employers in one frame (``status`` column), for export."""
        rated = self.rated.assign(status="rated")
        rejects = self.rejects.assign(status="rejected")
        return pd.concat([rated, rejects], ignore_index=True, sort=False)

    def __repr__(self) -> str:
        return short_repr(
            "RerateResult",
            {
                "table": self.table.id,
                "as_of": self.as_of.isoformat(),
                "rated": len(self.rated),
                "rejected": len(self.rejects),
            },
        )

    def _repr_html_(self) -> str:
        facts = {**self.provenance(), **self.counts()}
        return html_card(
            "Re-rating",
            facts,
            [("by class and grade", self.summary()), ("rated", self.rated)],
        )
