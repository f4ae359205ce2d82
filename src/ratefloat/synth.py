"""Reproducible synthetic employer populations for examples, tests and benchmarks.

The generator draws a Shandong-like population of insured employers from published
aggregates (Shandong's 2018 economic census, 人社部发〔2015〕71号 base rates, the benefit
schedule of 《工伤保险条例》, national fund statistics) plus flagged assumptions, and lands on
published sanity targets: a system payout ratio of 0.6-0.9 (national fund expenditure ÷
revenue 0.59 in 2008 and 0.61 in 2011, China Statistical Yearbook), a payroll-weighted base
rate about 0.7 % (the national average after 71号 ≈ 0.75 %), almost no claims at low-risk
employers. Every parameter, its source and whether it is published, derived or an
assumption: ``docs/concepts/synthetic-data.md``. Everything is vectorised numpy: no Python
loop per employer.

Public API
----------
:func:`employer_years`
    One row per employer-year with the extract's column vocabulary
    (``ratefloat.schema.COLUMNS``).
:func:`claims`
    Claim-level rows that reconcile exactly with an employer-year frame.
:class:`SynthParams`, :data:`PRESETS`
    Every model parameter, with its source; ``"province"`` and ``"key_industry"`` presets.
:func:`expected_severity`, :func:`injury_frequency`
    The model's true per-class severity and frequency (published, as in
    ``insurance-datasets``, so that estimators can be checked against the truth).

Model in one paragraph
----------------------
Each employer gets a risk class (class mix), a 2-digit GB/T 4754-2011 industry code of that
class, a lognormal headcount and wage, a Gamma frailty (mean 1) and a current grade that is
mildly correlated with the frailty (agencies have already floated bad risks up). Each year,
injuries are Poisson with mean ``λ_class / 1000 × avg_insured × exposure × frailty``; each
injury is a death, a disability of grade 1-10 or an ungraded injury, and costs the fund a
number of annual wages following the statutory benefit schedule. ``λ_class`` is calibrated
analytically so that the expected system payout ratio equals ``payout_ratio_target`` when
``rate_multiplier`` is 1 (see :func:`injury_frequency`).

Random streams
--------------
One :class:`numpy.random.SeedSequence` per call is split into independent child streams
(class, size, wage, entry, frailty, grade, ...). Changing a parameter that does not enter a
stream leaves that stream's draws unchanged: e.g. ``rate_multiplier`` changes contributions
only, never injuries or payouts.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ratefloat.claims import EMPLOYER_YEAR_CLAIM_COLUMNS
from ratefloat.errors import ParameterError, SchemaError

__all__ = [
    "SynthParams",
    "PRESETS",
    "EMPLOYER_YEAR_COLUMNS",
    "CLAIM_COLUMNS",
    "SEVERITIES",
    "employer_years",
    "claims",
    "expected_severity",
    "injury_frequency",
]

CLASSES = tuple(range(1, 9))
GRADES = (-2, -1, 0, 1, 2)

#: Claim severity categories, least to most severe (an ordered pandas Categorical).
SEVERITIES = ("none", "disability_7_10", "disability_5_6", "disability_1_4", "death")

#: Columns of :func:`employer_years` and their dtypes, in order.
EMPLOYER_YEAR_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "employer_id": "object",
        "year": "int16",
        "risk_class": "int8",
        "industry_code": "object",
        "insured_since": "datetime64[ns]",
        "avg_insured": "float64",
        "payroll": "float64",
        "contributions": "float64",
        "injuries": "int32",
        "deaths": "int32",
        "disability_1_4": "int32",
        "disability_5_6": "int32",
        "disability_7_10": "int32",
        "occupational_disease": "int32",
        "payouts": "float64",
        "arrears": "bool",
        "fraud": "bool",
        "concealment": "bool",
        "safety_level": "int8",
        "current_grade": "int8",
        "current_rate": "float64",
    }
)

#: Columns of :func:`claims` and their dtypes, in order.
CLAIM_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "claim_id": "object",
        "employer_id": "object",
        "year": "int16",
        "accident_date": "datetime64[ns]",
        "severity": "category",
        "occupational_disease": "bool",
        "payout": "float64",
    }
)


@functools.cache
def _codes_by_class() -> Mapping[int, tuple[str, ...]]:
    """Risk class → its GB/T 4754-2011 大类 codes, from the built-in classification
    ``cn-mohrss-2015`` (annex of 人社部发〔2015〕71号), so the two never disagree."""
    from .classification import load_classification

    by_class: dict[int, list[str]] = {}
    for code, risk_class in sorted(load_classification("cn-mohrss-2015").classes.items()):
        by_class.setdefault(risk_class, []).append(code)
    return MappingProxyType({k: tuple(v) for k, v in sorted(by_class.items())})


def _frozen(d: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(dict(d))


def _default(d: Mapping[Any, Any]) -> Any:
    return field(default_factory=lambda: _frozen(d))


# --------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------

# Class mix by employer count [assumption derived from census structure]: industry 17.7 % of
# Shandong legal entities (4th economic census, end-2018), mining 0.7 % of industrial units,
# construction ≈ 6.6 % of enterprises (national census); transport and the manufacturing
# split are assumed (docs/concepts/synthetic-data.md). The shares 12/60.7/4.5/9.3/7.2/6.2/
# 0.04/0.08 % add up to 100.02 %; class 2 (the largest) is trimmed to 60.68 % so that the
# mix sums to 1.
_PROVINCE_MIX = {1: 0.12, 2: 0.6068, 3: 0.045, 4: 0.093, 5: 0.072, 6: 0.062, 7: 0.0004, 8: 0.0008}
# Key-industry preset: mining, chemicals, metallurgy, building materials, construction,
# transport and machinery only (classes 4-8) [assumption].
_KEY_INDUSTRY_MIX = {4: 0.35, 5: 0.25, 6: 0.30, 7: 0.04, 8: 0.06}


@dataclass(frozen=True)
class SynthParams:
    """All parameters of the synthetic population, each with its source.

    Per-class parameters are mappings ``{risk_class: value}`` over classes 1-8; classes left
    out of ``class_mix`` get share 0. Instances are immutable and validated on creation;
    derive variants with :func:`dataclasses.replace` or the keyword arguments of
    :func:`employer_years`. Sources and assumptions of every value, in more detail:
    ``docs/concepts/synthetic-data.md``. Tags: [published], [derived] (arithmetic on
    published figures), [assumption] (chosen for ratefloat, not published).

    Examples
    --------
    >>> import dataclasses
    >>> p = dataclasses.replace(PRESETS["province"], frailty_cv=0.0)
    >>> p.frailty_cv, p.base_rates[8]
    (0.0, 0.019)
    >>> SynthParams(class_mix={1: 0.5, 9: 0.5})
    Traceback (most recent call last):
    ...
    ratefloat.errors.ParameterError: class_mix: key 9 is not a risk class; use 1..8
    """

    # -- population ------------------------------------------------------------------
    #: employer share per risk class [assumption from the Shandong 2018 census structure].
    class_mix: Mapping[int, float] = _default(_PROVINCE_MIX)
    #: share of employers first insured during the panel [assumption]; they start at grade 0
    #: (first rate = class base rate, 人社部发〔2015〕71号 [S2]).
    entry_share: float = 0.1
    #: years insured before the panel, incumbents: truncated exponential [assumption].
    incumbent_age_mean_years: float = 8.0
    incumbent_age_max_years: float = 25.0

    # -- size and wage ---------------------------------------------------------------
    #: mean insured headcount per class: manufacturing 29 and mining 254 (Shandong 2018
    #: census), construction 48 (national census) [derived]; services 15, construction/
    #: transport ≈ 40 [assumption]. With the class mix these give worker shares
    #: 8.8/44.3/6.3/13.0/14.0/12.1/0.5/1.0 % [derived].
    size_mean: Mapping[int, float] = _default(
        {1: 15.0, 2: 15.0, 3: 29.0, 4: 29.0, 5: 40.0, 6: 40.0, 7: 254.0, 8: 254.0}
    )
    #: lognormal σ of headcount [assumption; a fit to the US SUSB 2019 size bins gives σ
    #: 1.5 with a heavier tail, derived].
    size_sigma: float = 1.8
    #: year-to-year lognormal noise of avg_insured around the employer's size [assumption].
    size_noise_sigma: float = 0.1
    #: optional size effect λ ∝ size^-b (direction from NCCI: lost-time claim frequency
    #: falls with employer size; magnitude [assumption]); 0 = off.
    size_elasticity: float = 0.0
    #: employer annual wage: lognormal median and σ [assumption; NBS 2023 average wages
    #: 68,340 (private) … 120,698 (non-private), production workers 75,463 yuan].
    wage_median: float = 75_000.0
    wage_sigma: float = 0.35
    #: annual wage growth over the panel [assumption; 2022→2023 non-private +5.8 %, NBS].
    wage_growth: float = 0.0

    # -- premium ---------------------------------------------------------------------
    #: national base rates 0.2 … 1.9 % (人社部发〔2015〕71号) [published].
    base_rates: Mapping[int, float] = _default(
        {1: 0.002, 2: 0.004, 3: 0.007, 4: 0.009, 5: 0.011, 6: 0.013, 7: 0.016, 8: 0.019}
    )
    #: multiplier applied to what is collected, e.g. a local discount 0.5-0.8 (Shenzhen 2016,
    #: a Liaoning city 2022 at 50 %, Yantai 2020 −20 %) or a stress test (after cuts, payout
    #: ratios above 1 were published: Yantai 2020, Wuxi 2021). Not calibrated away.
    rate_multiplier: float = 1.0
    #: grade (offset from base) → multiplier, 人社部发〔2015〕71号 ladder [published].
    grade_multipliers: Mapping[int, float] = _default({-2: 0.5, -1: 0.8, 0: 1.0, 1: 1.2, 2: 1.5})
    #: current-grade shares of incumbents [assumption]. Class 1 has no down-float
    #: (71号): its would-be negative grades sit at 0.
    grade_shares: Mapping[int, float] = _default({-2: 0.04, -1: 0.20, 0: 0.60, 1: 0.10, 2: 0.06})
    #: rank correlation between frailty and current grade [assumption].
    grade_risk_correlation: float = 0.3

    # -- frequency -------------------------------------------------------------------
    #: system payout ratio the frequencies are calibrated to: inside the published band
    #: 0.6-0.9 (national 0.59 in 2008, 0.61 in 2011; Shandong 0.65, 0.71) [derived].
    payout_ratio_target: float = 0.75
    #: coefficient of variation of the Gamma frailty, i.e. negative binomial [assumption].
    frailty_cv: float = 0.7
    #: year → factor on the frequency, e.g. {2020: 0.8} (Yantai reported fewer injuries in
    #: H1 2020 as plants idled; the factor is an assumption). Not calibrated away.
    year_effects: Mapping[int, float] = _default({})
    #: share of injuries that are occupational disease [assumption: no published figure;
    #: higher for mining (pneumoconiosis) and chemicals].
    occupational_disease_share: Mapping[int, float] = _default(
        {1: 0.005, 2: 0.005, 3: 0.02, 4: 0.02, 5: 0.02, 6: 0.04, 7: 0.05, 8: 0.10}
    )

    # -- severity (units of the employer's annual wage W) ------------------------------
    #: P(fatal) per injury by class [assumption, anchored on EU ESAW 2021 ≈ 860 non-fatal
    #: accidents per fatal one and on mining having the highest fatal incidence].
    fatal_share: Mapping[int, float] = _default(
        {1: 0.001, 2: 0.001, 3: 0.001, 4: 0.002, 5: 0.003, 6: 0.005, 7: 0.010, 8: 0.015}
    )
    #: P(disability grade | non-fatal) [assumption].
    graded_share: float = 0.55
    #: disability grade mix 1..10 [assumption].
    grade_mix: Mapping[int, float] = _default(
        {1: 0.004, 2: 0.006, 3: 0.01, 4: 0.02, 5: 0.03}
        | {6: 0.05, 7: 0.10, 8: 0.13, 9: 0.25, 10: 0.40}
    )
    #: medical + wage replacement: lognormal medians (W) and σ [assumption].
    medical_median_ungraded: float = 0.1
    medical_median_graded: float = 0.2
    medical_sigma: float = 1.0
    #: 一次性伤残补助金, months of own wage, grades 1..10 (工伤保险条例 Art. 35-37) [published].
    lump_sum_months: Mapping[int, float] = _default(
        {1: 27, 2: 25, 3: 23, 4: 21, 5: 18, 6: 16, 7: 13, 8: 11, 9: 9, 10: 7}
    )
    #: 伤残津贴 grades 1-4 as a share of wage, paid by the fund (条例 Art. 35) [published] …
    disability_allowance: Mapping[int, float] = _default({1: 0.90, 2: 0.85, 3: 0.80, 4: 0.75})
    #: … valued with an annuity factor in years [assumption].
    allowance_annuity_years: float = 12.0
    #: 一次性工伤医疗补助金 grades 5-10, months of wage, paid with a probability (set by
    #: each province; values [assumption]). Set in months of the local average wage; the
    #: claimant's wage W stands in for it here.
    medical_subsidy_months: Mapping[int, float] = _default(
        {5: 18, 6: 16, 7: 12, 8: 10, 9: 8, 10: 6}
    )
    medical_subsidy_prob: float = 0.5
    #: 一次性工亡补助金 = 20 × urban disposable income (条例 Art. 39) = 948,240 yuan for
    #: 2022 deaths ≈ 8.3 × the 2022 non-private average wage 114,029 yuan [derived].
    fatal_lump_sum_wages: float = 8.3
    #: funeral grant, months (条例 Art. 39) [published] and survivors' pension 0.4 W × 15
    #: years [assumption].
    funeral_months: float = 6.0
    survivor_pension_share: float = 0.4
    survivor_years: float = 15.0

    # -- flags -----------------------------------------------------------------------
    #: per employer-year probabilities of the window flags [assumption].
    arrears_prob: float = 0.02
    fraud_prob: float = 0.001
    concealment_prob: float = 0.003
    #: safety standardisation level shares (0 = none, 1 = 一级 highest … 3 = 三级) for
    #: classes 3-8 and for classes 1-2 [assumption: certificates are an industrial thing].
    safety_level_shares: Mapping[int, float] = _default({0: 0.80, 1: 0.01, 2: 0.04, 3: 0.15})
    safety_level_shares_low_risk: Mapping[int, float] = _default(
        {0: 0.97, 1: 0.0, 2: 0.005, 3: 0.025}
    )

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Mapping):
                object.__setattr__(self, f.name, _frozen(value))
            elif not _is_number(value):
                raise ParameterError(f"{f.name}: expected a finite number, got {value!r}")
        _check_shares("class_mix", self.class_mix, CLASSES)
        _check_shares("grade_shares", self.grade_shares, GRADES)
        _check_shares("grade_mix", self.grade_mix, range(1, 11))
        _check_shares("safety_level_shares", self.safety_level_shares, range(4))
        _check_shares("safety_level_shares_low_risk", self.safety_level_shares_low_risk, range(4))
        for name in ("size_mean", "base_rates"):
            _check_per_key(name, getattr(self, name), CLASSES, low=0.0, open_low=True)
        for name in ("fatal_share", "occupational_disease_share"):
            _check_per_key(name, getattr(self, name), CLASSES, low=0.0, high=1.0)
        _check_per_key("grade_multipliers", self.grade_multipliers, GRADES, 0.0, open_low=True)
        _check_per_key("lump_sum_months", self.lump_sum_months, range(1, 11), low=0.0)
        _check_per_key("disability_allowance", self.disability_allowance, range(1, 5), low=0.0)
        _check_per_key("medical_subsidy_months", self.medical_subsidy_months, range(5, 11), 0.0)
        for key, value in self.year_effects.items():
            if isinstance(key, bool) or not isinstance(key, (int, np.integer)):
                raise ParameterError(f"year_effects: key {key!r} is not a year (int)")
            if not _is_number(value) or value < 0:
                raise ParameterError(f"year_effects[{key}]: expected a factor >= 0, got {value!r}")
        probs = (
            "entry_share",
            "graded_share",
            "medical_subsidy_prob",
            "arrears_prob",
            "fraud_prob",
            "concealment_prob",
        )
        for name in probs:
            _check_range(name, getattr(self, name), 0.0, 1.0)
        _check_range("grade_risk_correlation", self.grade_risk_correlation, -1.0, 1.0)
        positive = (
            "rate_multiplier",
            "payout_ratio_target",
            "wage_median",
            "medical_median_ungraded",
            "medical_median_graded",
            "incumbent_age_mean_years",
            "incumbent_age_max_years",
        )
        for name in positive:
            _check_range(name, getattr(self, name), 0.0, math.inf, open_low=True)
        nonneg = (
            "frailty_cv",
            "size_sigma",
            "size_noise_sigma",
            "size_elasticity",
            "wage_sigma",
            "medical_sigma",
            "allowance_annuity_years",
            "fatal_lump_sum_wages",
            "funeral_months",
            "survivor_pension_share",
            "survivor_years",
        )
        for name in nonneg:
            _check_range(name, getattr(self, name), 0.0, math.inf)
        _check_range("wage_growth", self.wage_growth, -0.5, 1.0)


def _is_number(v: object) -> bool:
    return (
        not isinstance(v, bool)
        and isinstance(v, (int, float, np.integer, np.floating))
        and math.isfinite(float(v))
    )


def _check_range(name: str, v: float, low: float, high: float, *, open_low: bool = False) -> None:
    bad_low = v <= low if open_low else v < low
    if bad_low or v > high:
        lo = "(" if open_low else "["
        raise ParameterError(f"{name}: expected a value in {lo}{low}, {high}], got {v!r}")


def _check_keys(name: str, d: Mapping[Any, Any], allowed: Sequence[int] | range) -> None:
    allowed = tuple(allowed)
    for key in d:
        if isinstance(key, bool) or not isinstance(key, (int, np.integer)) or key not in allowed:
            what = "risk class" if allowed == CLASSES else "valid key"
            raise ParameterError(
                f"{name}: key {key!r} is not a {what}; use {allowed[0]}..{allowed[-1]}"
            )


def _check_shares(name: str, d: Mapping[Any, Any], allowed: Sequence[int] | range) -> None:
    _check_keys(name, d, allowed)
    for key, value in d.items():
        if not _is_number(value) or value < 0 or value > 1:
            raise ParameterError(f"{name}[{key}]: share must be a number in [0, 1], got {value!r}")
    total = math.fsum(float(v) for v in d.values())
    if abs(total - 1.0) > 1e-9:
        raise ParameterError(f"{name}: shares must sum to 1 (within 1e-9), they sum to {total!r}")


def _check_per_key(
    name: str,
    d: Mapping[Any, Any],
    required: Sequence[int] | range,
    low: float,
    high: float = math.inf,
    *,
    open_low: bool = False,
) -> None:
    _check_keys(name, d, required)
    missing = [k for k in required if k not in d]
    if missing:
        raise ParameterError(f"{name}: missing keys {missing}")
    for key, value in d.items():
        if not _is_number(value):
            raise ParameterError(f"{name}[{key}]: expected a number, got {value!r}")
        _check_range(f"{name}[{key}]", float(value), low, high, open_low=open_low)


#: Named parameter sets. ``"province"``: Shandong-like, all industries.
#: ``"key_industry"``: key industries only (mining, chemicals, metallurgy, building
#: materials, construction, transport, machinery), classes 4-8.
PRESETS: Mapping[str, SynthParams] = MappingProxyType(
    {
        "province": SynthParams(),
        "key_industry": SynthParams(class_mix=_KEY_INDUSTRY_MIX),
    }
)


def _resolve_params(
    preset: str, params: SynthParams | None, explicit: Mapping[str, Any]
) -> SynthParams:
    if params is None:
        if preset not in PRESETS:
            hint = difflib.get_close_matches(str(preset), list(PRESETS), n=1)
            extra = f"; did you mean {hint[0]!r}?" if hint else ""
            raise ParameterError(
                f"preset: unknown preset {preset!r}{extra} (known: {list(PRESETS)})"
            )
        params = PRESETS[preset]
    elif not isinstance(params, SynthParams):
        raise ParameterError(f"params: expected a SynthParams, got {type(params).__name__}")
    names = {f.name for f in dataclasses.fields(SynthParams)}
    changes = {}
    for key, value in explicit.items():
        if key not in names:
            hint = difflib.get_close_matches(key, sorted(names), n=1)
            extra = f"; did you mean {hint[0]!r}?" if hint else ""
            raise TypeError(f"unknown synthetic-population parameter {key!r}{extra}")
        if value is not None:
            if key == "base_rates" and not isinstance(value, Mapping):
                value = _rates_from_sequence(value)
            changes[key] = value
    return dataclasses.replace(params, **changes) if changes else params


def _rates_from_sequence(value: Any) -> dict[int, float]:
    seq = list(value)
    if len(seq) != 8:
        raise ParameterError(f"base_rates: expected 8 rates (classes 1..8), got {len(seq)}")
    return {k: v for k, v in zip(CLASSES, seq, strict=True)}


def _per_class(d: Mapping[int, float]) -> np.ndarray:
    """Per-class mapping → float array indexed by class (index 0 unused)."""
    out = np.zeros(9)
    for k, v in d.items():
        out[int(k)] = float(v)
    return out


# --------------------------------------------------------------------------------------
# Calibration
# --------------------------------------------------------------------------------------


def _grade_dist(p: SynthParams) -> tuple[np.ndarray, np.ndarray]:
    """Share of incumbents per grade (-2..2) for class 1 and for classes 2-8."""
    shares = np.array([p.grade_shares.get(g, 0.0) for g in GRADES], dtype=float)
    class1 = shares.copy()
    class1[2] += class1[:2].sum()
    class1[:2] = 0.0
    return class1, shares


def expected_severity(params: SynthParams | None = None) -> pd.Series:
    """Expected fund cost per recognised injury, in annual wages of the claimant, by class.

    Parameters
    ----------
    params : SynthParams, optional
        Model parameters; default ``PRESETS["province"]``.

    Returns
    -------
    pandas.Series
        ``E[S_k]`` indexed by risk class 1-8 (1.13 … 1.32 with the default parameters).

    Examples
    --------
    >>> s = expected_severity()
    >>> [round(float(s[k]), 2) for k in (1, 4, 8)]
    [1.13, 1.14, 1.32]
    """
    p = PRESETS["province"] if params is None else params
    grades = np.arange(1, 11)
    mix = np.array([p.grade_mix.get(g, 0.0) for g in grades])
    return pd.Series(
        [
            _mean_cost_fatal(p) * pf + (1 - pf) * _mean_cost_nonfatal(p, mix)
            for pf in (p.fatal_share[k] for k in CLASSES)
        ],
        index=pd.Index(CLASSES, name="risk_class"),
        name="expected_severity",
    )


def _mean_cost_fatal(p: SynthParams) -> float:
    return (
        p.fatal_lump_sum_wages
        + p.funeral_months / 12.0
        + p.survivor_pension_share * p.survivor_years
    )


def _mean_cost_nonfatal(p: SynthParams, mix: np.ndarray) -> float:
    lognorm = math.exp(p.medical_sigma**2 / 2)
    graded = p.medical_median_graded * lognorm + sum(
        mix[g - 1] * _fixed_cost_of_grade(p, g) for g in range(1, 11)
    )
    graded += p.medical_subsidy_prob * sum(
        mix[g - 1] * p.medical_subsidy_months.get(g, 0.0) / 12.0 for g in range(1, 11)
    )
    ungraded = p.medical_median_ungraded * lognorm
    return p.graded_share * graded + (1 - p.graded_share) * ungraded


def _fixed_cost_of_grade(p: SynthParams, g: int) -> float:
    """Lump sum + capitalised allowance of disability grade g (no random parts)."""
    return (
        p.lump_sum_months.get(g, 0.0) / 12.0
        + p.disability_allowance.get(g, 0.0) * p.allowance_annuity_years
    )


def injury_frequency(
    params: SynthParams | None = None, years: Sequence[int] = (2022, 2023, 2024)
) -> pd.Series:
    """True injury frequency λ per 1,000 insured per year, by class (the calibration).

    ``λ_k = payout_ratio_target × base_rate_k × E[m_k] / E[S_k] × 1000``, where ``E[S_k]``
    is :func:`expected_severity` and ``E[m_k]`` the contribution-weighted mean multiplier of
    the current grades (entrants sit at grade 0). With it the expected payouts over expected
    contributions equal ``payout_ratio_target`` in every class at ``rate_multiplier = 1``.
    ``rate_multiplier``, ``year_effects`` and rounding are deliberately not calibrated away:
    a 20 % rate cut raises the payout ratio by 25 %.

    Parameters
    ----------
    params : SynthParams, optional
        Model parameters; default ``PRESETS["province"]``.
    years : sequence of int
        Panel years (they weight entrants' exposure and wage growth).

    Returns
    -------
    pandas.Series
        λ per 1,000 insured, indexed by risk class 1-8: about 1.3, 2.7, 4.7, 5.9, 7.2,
        8.3, 9.6, 10.8 with the default parameters and E[m] = 1.

    Examples
    --------
    >>> lam = injury_frequency()
    >>> bool(lam.is_monotonic_increasing), bool(1.0 < lam[1] < 1.6), bool(9.5 < lam[8] < 12)
    (True, True, True)
    """
    p = PRESETS["province"] if params is None else params
    years = _check_years(years)
    growth = (1.0 + p.wage_growth) ** (years - years[0])
    w_inc = growth.sum()
    # an entrant enters in a uniform panel year, half-way through it on average
    j = len(years)
    w_ent = sum(0.5 * growth[i] + growth[i + 1 :].sum() for i in range(j)) / j
    e = p.entry_share
    class1, others = _grade_dist(p)
    mult = np.array([p.grade_multipliers[g] for g in GRADES])
    m_inc = np.where(np.arange(9) == 1, class1 @ mult, others @ mult)
    m_bar = ((1 - e) * w_inc * m_inc + e * w_ent * 1.0) / ((1 - e) * w_inc + e * w_ent)
    sev = expected_severity(p).to_numpy()
    base = _per_class(p.base_rates)
    lam = p.payout_ratio_target * base[1:] * m_bar[1:] / sev * 1000.0
    return pd.Series(lam, index=pd.Index(CLASSES, name="risk_class"), name="injury_frequency")


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def _check_years(years: Sequence[int]) -> np.ndarray:
    try:
        seq = list(years)
    except TypeError:
        raise ParameterError(f"years: expected a sequence of ints, got {years!r}") from None
    if not seq:
        raise ParameterError("years: give at least one year")
    for y in seq:
        if isinstance(y, bool) or not isinstance(y, (int, np.integer)) or not 1900 <= y <= 2200:
            raise ParameterError(f"years: {y!r} is not a year between 1900 and 2200")
    arr = np.asarray(seq, dtype=np.int64)
    if np.any(np.diff(arr) <= 0):
        raise ParameterError(f"years: must be strictly increasing, got {seq}")
    return arr


def _round_fen(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Round non-negative yuan amounts half up to the fen (0.01 yuan)."""
    out = np.multiply(x, 100.0, out=out)
    out += 0.5
    np.floor(out, out=out)
    out /= 100.0
    return out


def _categorical(rng: np.random.Generator, cum: np.ndarray, n: int) -> np.ndarray:
    """Index drawn from cumulative shares ``cum`` (last = 1); zero-share bins never drawn."""
    return _pick(cum, rng.random(n))


def _pick(cum: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Bin of each uniform ``u`` under cumulative shares ``cum``; zero-share bins never hit."""
    idx = np.searchsorted(cum, u, side="right")
    last = int(np.flatnonzero(np.diff(np.concatenate(([0.0], cum))) > 0)[-1])
    return np.minimum(idx, last)


def _cum(shares: np.ndarray) -> np.ndarray:
    c = np.cumsum(shares, dtype=float)
    return c / c[-1]


def _ids(prefix: str, n: int, min_width: int, numbers: np.ndarray | None = None) -> np.ndarray:
    """``prefix`` + zero-padded 1..n (or ``numbers``), wide enough for n, as Python str."""
    width = max(min_width, len(str(n)))
    numbers = np.arange(1, n + 1) if numbers is None else numbers
    if len(numbers) == 0:  # np.strings.zfill fails on empty input (numpy 2.4)
        return np.empty(0, dtype=object)
    digits = np.strings.zfill(numbers.astype(str), width)
    return np.strings.add(prefix, digits).astype(object)


def _group_rank(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Rank (0-based) of each element by ``key`` within its ``group`` (groups contiguous-free)."""
    order = np.lexsort((key, group))
    g_sorted = group[order]
    starts = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - first
    return rank


_DAY = np.timedelta64(1, "D")


def _year_starts(years: np.ndarray) -> np.ndarray:
    return (years - 1970).astype("datetime64[Y]").astype("datetime64[D]")


# --------------------------------------------------------------------------------------
# Severity (shared by employer_years and claims)
# --------------------------------------------------------------------------------------

_SEV_NONE, _SEV_7_10, _SEV_5_6, _SEV_1_4, _SEV_DEATH = range(5)


def _band_of_grade(grade: np.ndarray) -> np.ndarray:
    """Disability grade 1-10 (0 = none) → severity code."""
    lut = np.array([_SEV_NONE] + [_SEV_1_4] * 4 + [_SEV_5_6] * 2 + [_SEV_7_10] * 4, np.int8)
    return lut[grade]


def _claim_cost(
    rng: np.random.Generator, severity: np.ndarray, grade: np.ndarray, p: SynthParams
) -> np.ndarray:
    """Fund cost of each claim in annual wages, given its severity code and grade (0-10)."""
    n = len(severity)
    death = severity == _SEV_DEATH
    graded = grade > 0
    lump = np.array([0.0] + [_fixed_cost_of_grade(p, g) for g in range(1, 11)])
    subsidy = np.array([0.0] + [p.medical_subsidy_months.get(g, 0.0) / 12 for g in range(1, 11)])
    median = np.where(graded, p.medical_median_graded, p.medical_median_ungraded)
    medical = median * np.exp(p.medical_sigma * rng.standard_normal(n))
    paid_subsidy = rng.random(n) < p.medical_subsidy_prob
    cost = medical + lump[grade] + subsidy[grade] * paid_subsidy
    return np.where(death, _mean_cost_fatal(p), cost)


# --------------------------------------------------------------------------------------
# employer_years
# --------------------------------------------------------------------------------------

_STREAMS = (
    "class",
    "industry",
    "size",
    "wage",
    "entry",
    "frailty",
    "grade",
    "safety",
    "noise",
    "flags",
    "injuries",
    "severity",
)


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed: expected a non-negative int, got {seed!r}")
    return int(seed)


def employer_years(
    n_employers: int,
    years: Sequence[int] = (2022, 2023, 2024),
    *,
    seed: int = 0,
    preset: str = "province",
    params: SynthParams | None = None,
    class_mix: Mapping[int, float] | None = None,
    base_rates: Mapping[int, float] | Sequence[float] | None = None,
    rate_multiplier: float | None = None,
    payout_ratio_target: float | None = None,
    frailty_cv: float | None = None,
    entry_share: float | None = None,
    true_risk: bool = False,
    **overrides: Any,
) -> pd.DataFrame:
    """Draw a synthetic panel of employer-years.

    Parameters
    ----------
    n_employers : int
        Number of employers (≥ 0). Ids are ``"E"`` + zero-padded 1..n (width ≥ 7).
    years : sequence of int
        Strictly increasing panel years. Incumbents have a row in every year; entrants from
        their entry year on.
    seed : int
        Seed of the random streams. Same arguments → identical frame.
    preset : {"province", "key_industry"}
        Parameter set of :data:`PRESETS` to start from.
    params : SynthParams, optional
        A full parameter set to start from instead of ``preset``.
    class_mix : dict, optional
        ``{risk_class: share}``; shares ≥ 0 summing to 1 (within 1e-9). Default: preset
        (province 12/60.68/4.5/9.3/7.2/6.2/0.04/0.08 %).
    base_rates : dict or sequence of 8 floats, optional
        Base rate per class. Default: national 0.2 … 1.9 %.
    rate_multiplier : float, optional
        Factor on what is collected (default 1.0). Frequencies are *not* recalibrated, so
        the payout ratio scales with ``1 / rate_multiplier``.
    payout_ratio_target : float, optional
        Expected system payout ratio at ``rate_multiplier = 1`` (default 0.75).
    frailty_cv : float, optional
        Coefficient of variation of the employer frailty (default 0.7; 0 = plain Poisson).
    entry_share : float, optional
        Share of employers first insured during the panel (default 0.1).
    true_risk : bool
        Add the known truth behind the draws: ``true_risk`` (the employer's injury
        frequency relative to its class's, frailty × size effect; 1 = an average employer
        of its class) and ``true_frequency`` (expected injuries per insured per year,
        before year effects). The other columns are the same with or without them.
    **overrides
        Any other :class:`SynthParams` field, e.g. ``size_sigma=1.5`` or
        ``year_effects={2022: 0.8}``. ``None`` values mean "keep the preset's value".

    Returns
    -------
    pandas.DataFrame
        One row per employer-year, sorted by ``employer_id`` then ``year``, RangeIndex, with
        the columns and dtypes of :data:`EMPLOYER_YEAR_COLUMNS`. String columns
        (``employer_id``, ``industry_code``) are ``object`` dtype on purpose: a column
        of 3 M ids takes 0.07 s as ``object`` against 0.3-0.95 s as pandas' ``str``
        dtype (measured, pandas 3.1). Convert with ``.astype("str")`` if you need it.

    Notes
    -----
    - ``avg_insured`` is the average headcount over the months insured (floor 1);
      ``payroll``, ``contributions`` and the injury exposure of an entrant's first year are
      pro rata to the part of the year insured.
    - ``contributions = payroll × base_rate × multiplier(current_grade) × rate_multiplier``,
      rounded half up to the fen; ``current_rate = base_rate × multiplier(current_grade)``.
    - Grade, class, industry code, safety level, wage and frailty are constant per employer.
    - ``payouts`` is the fund cost of the year's injuries (capitalised allowances and
      survivors' pensions included in the year of the injury), summed per claim in fen.

    Examples
    --------
    >>> df = employer_years(1_000, seed=7)
    >>> df.columns[:5].tolist()
    ['employer_id', 'year', 'risk_class', 'industry_code', 'insured_since']
    >>> df.employer_id.iloc[0], str(df.year.dtype), df.employer_id.is_unique
    ('E0000001', 'int16', False)
    >>> counts = df[["deaths", "disability_1_4", "disability_5_6", "disability_7_10"]]
    >>> bool((counts.sum(axis=1) <= df.injuries).all())
    True
    >>> df.equals(employer_years(1_000, seed=7))
    True
    """
    if isinstance(n_employers, bool) or not isinstance(n_employers, (int, np.integer)):
        raise ParameterError(f"n_employers: expected an int, got {n_employers!r}")
    if n_employers < 0:
        raise ParameterError(f"n_employers: must be >= 0, got {n_employers}")
    seed = _check_seed(seed)
    yrs = _check_years(years)
    explicit = dict(
        class_mix=class_mix,
        base_rates=base_rates,
        rate_multiplier=rate_multiplier,
        payout_ratio_target=payout_ratio_target,
        frailty_cv=frailty_cv,
        entry_share=entry_share,
    )
    p = _resolve_params(preset, params, explicit | overrides)
    return _generate(int(n_employers), yrs, seed, p, with_truth=bool(true_risk))


def _generate(
    n: int, years: np.ndarray, seed: int, p: SynthParams, *, with_truth: bool = False
) -> pd.DataFrame:
    children = np.random.SeedSequence(seed).spawn(len(_STREAMS))
    rng = {name: np.random.default_rng(c) for name, c in zip(_STREAMS, children, strict=True)}
    j = len(years)
    starts = _year_starts(years)
    days_in_year = (_year_starts(years + 1) - starts).astype(np.int64)

    # ---- per employer -------------------------------------------------------------
    mix = np.array([p.class_mix.get(k, 0.0) for k in CLASSES])
    cls = (_categorical(rng["class"], _cum(mix), n) + 1).astype(np.int8)

    codes_by_class = _codes_by_class()
    codes_flat = np.array([c for k in CLASSES for c in codes_by_class[k]], dtype=object)
    n_codes = np.array([0] + [len(codes_by_class[k]) for k in CLASSES])
    offset = np.concatenate(([0, 0], np.cumsum(n_codes[1:])[:-1]))
    pick = (rng["industry"].random(n) * n_codes[cls]).astype(np.int64)
    industry = codes_flat[offset[cls] + pick]

    size_mean = _per_class(p.size_mean)
    mu = np.log(size_mean[1:]) - p.size_sigma**2 / 2
    raw_size = np.exp(np.r_[0.0, mu][cls] + p.size_sigma * rng["size"].standard_normal(n))
    size = np.maximum(1.0, np.rint(raw_size))
    if p.size_elasticity:
        b = p.size_elasticity
        norm = np.exp(b * mu + p.size_sigma**2 * (1 - (1 - b) ** 2) / 2)  # E[s]/E[s^(1-b)]
        size_effect = raw_size ** (-b) * np.r_[1.0, norm][cls]
    else:
        size_effect = None

    wage = p.wage_median * np.exp(p.wage_sigma * rng["wage"].standard_normal(n))

    r_entry = rng["entry"]
    entrant = r_entry.random(n) < p.entry_share
    entry_idx = np.where(entrant, r_entry.integers(0, j, n), 0)
    day_off = (r_entry.random(n) * days_in_year[entry_idx]).astype(np.int64)
    mean_age, max_age = p.incumbent_age_mean_years, p.incumbent_age_max_years
    age_years = -mean_age * np.log1p(-r_entry.random(n) * -np.expm1(-max_age / mean_age))
    age_days = np.maximum(1, np.ceil(age_years * 365.25)).astype(np.int64)
    insured_since = np.where(
        entrant, starts[entry_idx] + day_off * _DAY, starts[0] - age_days * _DAY
    )

    if p.frailty_cv > 1e-6:  # below that the frailty is 1 to the precision that matters
        k = 1.0 / p.frailty_cv**2
        frailty = rng["frailty"].gamma(k, 1.0 / k, n)
    else:
        frailty = np.ones(n)

    grade = _draw_grades(rng["grade"], frailty, cls, entrant, p)
    mult = np.array([p.grade_multipliers[g] for g in GRADES])[grade + 2]
    current_rate = np.round(_per_class(p.base_rates)[cls] * mult, 10)

    u_safety = rng["safety"].random(n)
    safety = np.where(
        cls >= 3,
        _pick(_cum(_shares(p.safety_level_shares, range(4))), u_safety),
        _pick(_cum(_shares(p.safety_level_shares_low_risk, range(4))), u_safety),
    ).astype(np.int8)

    # ---- per employer-year (in-place arithmetic keeps the peak memory down) ---------
    n_rows_e = j - entry_idx
    emp = np.repeat(np.arange(n), n_rows_e)
    rows = len(emp)
    first_row = np.cumsum(n_rows_e) - n_rows_e
    yidx = np.arange(rows)
    yidx -= np.repeat(first_row - entry_idx, n_rows_e)
    exposure = np.ones(rows)
    exposure[first_row[entrant]] = 1.0 - day_off[entrant] / days_in_year[entry_idx[entrant]]

    s = p.size_noise_sigma
    avg_insured = rng["noise"].standard_normal(rows)
    avg_insured *= s
    avg_insured -= s * s / 2
    np.exp(avg_insured, out=avg_insured)
    avg_insured *= size[emp]
    np.round(avg_insured, 2, out=avg_insured)
    np.maximum(avg_insured, 1.0, out=avg_insured)

    growth = (1.0 + p.wage_growth) ** (years - years[0])
    payroll = wage[emp]
    if p.wage_growth:
        payroll *= growth[yidx]
    payroll *= avg_insured
    payroll *= exposure
    _round_fen(payroll, out=payroll)
    contributions = current_rate[emp]
    contributions *= payroll
    contributions *= p.rate_multiplier
    _round_fen(contributions, out=contributions)

    lam = np.r_[0.0, injury_frequency(p, years).to_numpy()] / 1000.0
    year_factor = np.array([float(p.year_effects.get(int(y), 1.0)) for y in years])
    mean = lam[cls[emp]]
    mean *= avg_insured
    mean *= exposure
    mean *= frailty[emp]
    if np.any(year_factor != 1.0):
        mean *= year_factor[yidx]
    if size_effect is not None:
        mean *= size_effect[emp]
    injuries = rng["injuries"].poisson(mean).astype(np.int32)
    del mean, exposure

    # ---- claims (internal; claims() re-draws them from the counts) ----------------------
    r_sev = rng["severity"]
    row_c = np.repeat(np.arange(rows), injuries)
    emp_c = emp[row_c]
    cls_c = cls[emp_c]
    nc = len(row_c)
    death = r_sev.random(nc) < _per_class(p.fatal_share)[cls_c]
    graded = ~death & (r_sev.random(nc) < p.graded_share)
    gmix = _shares(p.grade_mix, range(1, 11))
    dgrade = np.where(graded, _categorical(r_sev, _cum(gmix), nc) + 1, 0)
    sev = np.where(death, _SEV_DEATH, _band_of_grade(dgrade))
    cost_w = _claim_cost(r_sev, sev, dgrade, p)
    fen = np.floor(cost_w * wage[emp_c] * growth[yidx[row_c]] * 100.0 + 0.5)
    od = r_sev.random(nc) < _per_class(p.occupational_disease_share)[cls_c]
    counts = {}
    for code in (_SEV_DEATH, _SEV_1_4, _SEV_5_6, _SEV_7_10):
        counts[code] = np.zeros(rows, dtype=np.int32)
        np.add.at(counts[code], row_c[sev == code], 1)
    od_count = np.zeros(rows, dtype=np.int32)
    np.add.at(od_count, row_c[od], 1)
    payouts = np.zeros(rows)
    np.add.at(payouts, row_c, fen)
    payouts /= 100.0

    r_flags = rng["flags"]
    ids = _ids("E", n, 7)

    cols: dict[str, Any] = {
        "employer_id": pd.Series(ids[emp], dtype=object, copy=False),
        "year": years.astype(np.int16)[yidx],
        "risk_class": cls[emp],
        "industry_code": pd.Series(industry[emp], dtype=object, copy=False),
        "insured_since": insured_since.astype("datetime64[ns]")[emp],
        "avg_insured": avg_insured,
        "payroll": payroll,
        "contributions": contributions,
        "injuries": injuries,
        "deaths": counts[_SEV_DEATH],
        "disability_1_4": counts[_SEV_1_4],
        "disability_5_6": counts[_SEV_5_6],
        "disability_7_10": counts[_SEV_7_10],
        "occupational_disease": od_count,
        "payouts": payouts,
        "arrears": r_flags.random(rows, dtype=np.float32) < p.arrears_prob,
        "fraud": r_flags.random(rows, dtype=np.float32) < p.fraud_prob,
        "concealment": r_flags.random(rows, dtype=np.float32) < p.concealment_prob,
        "safety_level": safety[emp],
        "current_grade": grade[emp],
        "current_rate": current_rate[emp],
    }
    if with_truth:
        relative = frailty if size_effect is None else frailty * size_effect
        cols["true_risk"] = relative[emp]
        cols["true_frequency"] = (lam[cls] * relative)[emp]
    return pd.DataFrame(cols, copy=False)


def _shares(d: Mapping[int, float], keys: range | Sequence[int]) -> np.ndarray:
    return np.array([float(d.get(k, 0.0)) for k in keys])


def _draw_grades(
    rng: np.random.Generator,
    frailty: np.ndarray,
    cls: np.ndarray,
    entrant: np.ndarray,
    p: SynthParams,
) -> np.ndarray:
    """Current grade per employer: incumbents by rank of a latent score, entrants at 0.

    The latent score is ``ρ × z(log frailty) + √(1-ρ²) × ε``; incumbents are ranked on it
    and cut at the cumulative ``grade_shares``, so the shares hold exactly (up to rounding)
    and riskier employers tend to sit higher. Class 1 has no down-float (71号).
    """
    n = len(frailty)
    rho = p.grade_risk_correlation
    eps = rng.standard_normal(n)
    inc = np.flatnonzero(~entrant)
    grade = np.zeros(n, dtype=np.int8)
    if len(inc) == 0:
        return grade
    lf = np.log(frailty[inc])
    sd = lf.std()
    z = (lf - lf.mean()) / sd if sd > 0 else np.zeros(len(inc))
    latent = rho * z + math.sqrt(1.0 - rho * rho) * eps[inc]
    # the employer of rank r (0-based) gets the grade whose cumulative share first exceeds
    # (r + 0.5) / m; the rank thresholds are found by partition, O(m) instead of a sort
    m = len(inc)
    cum = _cum(_shares(p.grade_shares, GRADES))[:-1]
    kth = np.ceil(cum * m - 0.5).astype(np.int64)
    inside = kth < m
    thresholds = np.full(len(kth), np.inf)
    if inside.any():
        thresholds[inside] = np.partition(latent, kth[inside])[kth[inside]]
    g = np.searchsorted(thresholds, latent, side="right") - 2
    g = np.where(cls[inc] == 1, np.maximum(g, 0), g)
    grade[inc] = g
    return grade


# --------------------------------------------------------------------------------------
# claims
# --------------------------------------------------------------------------------------

_CLAIM_INPUT = EMPLOYER_YEAR_CLAIM_COLUMNS


def claims(
    employer_years_frame: pd.DataFrame,
    *,
    seed: int = 0,
    params: SynthParams | None = None,
) -> pd.DataFrame:
    """Claim-level rows that reconcile exactly with an employer-year frame.

    Works on any frame with the columns ``employer_id, year, injuries, deaths,
    disability_1_4, disability_5_6, disability_7_10, occupational_disease, payouts``
    (``insured_since`` optional), not only on frames from :func:`employer_years`.

    Per employer-year: the number of claims equals ``injuries``; the severity counts equal
    the count columns (the rest are ``"none"``); ``occupational_disease`` claims are a
    random subset; a disability grade is drawn within each band from ``grade_mix``, a
    cost is drawn from the severity model, and ``payouts`` is split over the claims in
    proportion to those costs, to the fen, with the largest-remainder method — so the claim
    payouts add up to ``payouts`` exactly. Accident dates are uniform over the insured part
    of the year. (The split is a fresh draw: it is not the internal draw that produced
    ``payouts`` in :func:`employer_years`.)

    Parameters
    ----------
    employer_years_frame : pandas.DataFrame
        Employer-year rows, e.g. from :func:`employer_years`.
    seed : int
        Seed; same frame and seed → identical claims.
    params : SynthParams, optional
        Severity parameters (grade mix, cost model); default ``PRESETS["province"]``.

    Returns
    -------
    pandas.DataFrame
        Columns and dtypes of :data:`CLAIM_COLUMNS`; ``severity`` is an ordered categorical
        over :data:`SEVERITIES`. Sorted by the frame's row order, then accident date;
        ``claim_id`` is ``"C"`` + zero-padded 1..n (width ≥ 8).

    Raises
    ------
    SchemaError
        A required column is missing, or counts/payouts cannot be reconciled (negative or
        fractional counts, severities above ``injuries``, payouts without injuries).

    Examples
    --------
    >>> ey = employer_years(2_000, seed=3)
    >>> cl = claims(ey, seed=3)
    >>> bool(len(cl) == ey.injuries.sum())
    True
    >>> bool(round(cl.payout.sum(), 2) == round(ey.payouts.sum(), 2))
    True
    >>> cl.severity.cat.categories.tolist()[-1]
    'death'
    """
    p = PRESETS["province"] if params is None else params
    if not isinstance(p, SynthParams):
        raise ParameterError(f"params: expected a SynthParams, got {type(p).__name__}")
    seed = _check_seed(seed)
    f = employer_years_frame
    missing = [c for c in _CLAIM_INPUT if c not in f.columns]
    if missing:
        raise SchemaError(f"claims: the employer-year frame lacks columns {missing}")
    counts = {c: _int_column(f, c) for c in _CLAIM_INPUT[2:8]}
    inj = counts["injuries"]
    sev_sum = counts["deaths"] + counts["disability_1_4"]
    sev_sum = sev_sum + counts["disability_5_6"] + counts["disability_7_10"]
    _require(f, sev_sum <= inj, "deaths + disability counts exceed injuries")
    _require(f, counts["occupational_disease"] <= inj, "occupational_disease exceeds injuries")
    payouts = np.asarray(f["payouts"], dtype=float)
    _require(f, np.isfinite(payouts) & (payouts >= 0), "payouts is missing or negative")
    total_fen = np.floor(payouts * 100.0 + 0.5).astype(np.int64)
    _require(f, (total_fen == 0) | (inj > 0), "payouts > 0 but no injuries")

    rs = np.random.default_rng(np.random.SeedSequence([seed, 0xC1A1]))
    rows = len(f)
    row_c = np.repeat(np.arange(rows), inj)
    nc = len(row_c)
    # severity code by position within the row: deaths first, then 1-4, 5-6, 7-10, none
    pos = np.arange(nc) - np.repeat(np.cumsum(inj) - inj, inj)
    cut = np.zeros(nc, dtype=np.int64)
    conditions = []
    for c in ("deaths", "disability_1_4", "disability_5_6", "disability_7_10"):
        cut += counts[c][row_c]
        conditions.append(pos < cut)
    sev = np.select(conditions, [_SEV_DEATH, _SEV_1_4, _SEV_5_6, _SEV_7_10], _SEV_NONE).astype(
        np.int8
    )
    gmix = _shares(p.grade_mix, range(1, 11))
    dgrade = np.zeros(nc, dtype=np.int64)
    for band, grades in ((_SEV_1_4, (1, 2, 3, 4)), (_SEV_5_6, (5, 6)), (_SEV_7_10, (7, 8, 9, 10))):
        sel = np.flatnonzero(sev == band)
        w = gmix[np.array(grades) - 1]
        w = w if w.sum() > 0 else np.ones(len(grades))
        dgrade[sel] = np.array(grades)[_categorical(rs, _cum(w), len(sel))]
    cost = _claim_cost(rs, sev, dgrade, p)
    cost = np.maximum(cost, 1e-12)

    # split each row's payouts over its claims by cost, to the fen (largest remainder)
    row_cost = np.bincount(row_c, weights=cost, minlength=rows)
    exact = total_fen[row_c] * (cost / row_cost[row_c]) if nc else np.zeros(0)
    fen = np.floor(exact).astype(np.int64)
    short = total_fen - np.bincount(row_c, weights=fen, minlength=rows).astype(np.int64)
    rank = _group_rank(row_c, -(exact - fen))
    fen += rank < short[row_c]

    od_rank = _group_rank(row_c, rs.random(nc))
    od = od_rank < counts["occupational_disease"][row_c]

    # accident dates: uniform over the insured part of the row's year (per claim only)
    year = _int_column(f, "year")[row_c]
    y0 = _year_starts(year)
    y1 = _year_starts(year + 1)
    lo = y0
    if "insured_since" in f.columns:
        since = pd.to_datetime(f["insured_since"]).to_numpy()[row_c].astype("datetime64[D]")
        lo = np.where(~np.isnat(since) & (since > y0) & (since < y1), since, y0)
    span = (y1 - lo).astype(np.int64)
    acc = lo + (rs.random(nc) * span).astype(np.int64) * _DAY

    order = np.lexsort((acc, row_c))
    ids = np.asarray(f["employer_id"], dtype=object)
    out = {
        "claim_id": pd.Series(_ids("C", nc, 8), dtype=object, copy=False),
        "employer_id": pd.Series(ids[row_c[order]], dtype=object, copy=False),
        "year": year[order].astype(np.int16),
        "accident_date": acc[order].astype("datetime64[ns]"),
        "severity": pd.Categorical.from_codes(
            sev[order], categories=list(SEVERITIES), ordered=True
        ),
        "occupational_disease": od[order],
        "payout": fen[order] / 100.0,
    }
    return pd.DataFrame(out, copy=False)


def _int_column(f: pd.DataFrame, name: str) -> np.ndarray:
    col = f[name]
    try:
        values = np.asarray(col, dtype=float)
    except (TypeError, ValueError):
        raise SchemaError(f"claims: column {name!r} is not numeric") from None
    bad = ~np.isfinite(values) | (values < 0) | (values != np.floor(values))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SchemaError(
            f"claims: column {name!r} must hold non-negative whole numbers; "
            f"row {i} has {col.iloc[i]!r}"
        )
    return values.astype(np.int64)


def _require(f: pd.DataFrame, ok: np.ndarray, what: str) -> None:
    if not np.all(ok):
        i = int(np.flatnonzero(~np.asarray(ok))[0])
        who = f["employer_id"].iloc[i]
        raise SchemaError(f"claims: cannot reconcile row {i} (employer {who!r}): {what}")
