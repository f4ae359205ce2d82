"""Evaluate a rule table over a whole population at once.

Input: an environment of per-employer numpy arrays (indicators, aggregated columns,
parameters). Output: grade, rated class, multiplier, rate and the codes of the rules that
fired. The stages run in the order of :mod:`ratefloat.rules.model`::

    eligibility → bands → modifiers → movement → ladder → rate modifiers → bounds → rounding

Each stage is a handful of numpy operations over all employers; there is no loop over
employers, only over the (few) rules of the table.
"""

from __future__ import annotations

import datetime as dt
from collections import ChainMap
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from .rounding import round_half_up
from .rules.intervals import parse_interval
from .rules.model import BandRule, RuleTable

__all__ = ["Evaluation", "ReasonCatalogue", "evaluate", "FLAG_NAMES"]

#: Bits of :attr:`Evaluation.flags`: adjustments the engine made beyond the listed rules.
FLAG_NAMES: dict[int, str] = {
    1: "class-not-floated",
    2: "movement-limit",
    4: "ladder-limit",
    8: "min-rate",
    16: "max-rate",
    32: "reclassify-limit",
    64: "cut-floor",
    128: "grade-limit",
}
_NOT_FLOATED, _MOVEMENT, _LADDER, _MIN_RATE, _MAX_RATE, _RECLASSIFY, _CUT_FLOOR = (
    1,
    2,
    4,
    8,
    16,
    32,
    64,
)
_GRADE_LIMIT = 128
#: Cuts (阶段性降费) in force are recorded from this bit on, one bit per cut of the table.
_FIRST_CUT_BIT = 8
MAX_MODIFIERS = 62
MAX_CUTS = 48


@dataclass(frozen=True)
class ReasonCatalogue:
    """Rule ids by code, so each employer carries small integers instead of text."""

    eligibility: tuple[str, ...]
    bands: tuple[
        str, ...
    ]  #: every band reason id (rows of threshold tables expanded) + "otherwise"
    modifiers: tuple[str, ...]
    cuts: tuple[str, ...] = ()

    @classmethod
    def of(cls, table: RuleTable) -> ReasonCatalogue:
        bands: list[str] = []
        for band in table.bands:
            bands += band.row_ids() if band.rows else [band.id]
        bands.append("otherwise")
        return cls(
            tuple(r.id for r in table.eligibility),
            tuple(bands),
            tuple(m.id for m in table.modifiers),
            tuple(c.id for c in table.cuts),
        )

    def describe(self, eligibility: int, band: int, modifiers: int, flags: int) -> list[str]:
        """The reason ids of one combination of codes, in evaluation order."""
        reasons = []
        if eligibility >= 0:
            reasons.append(f"eligibility:{self.eligibility[eligibility]}")
        if flags & _NOT_FLOATED:
            reasons.append("eligibility:class-not-floated")
        if band >= 0:
            reasons.append(f"band:{self.bands[band]}")
        for index, name in enumerate(self.modifiers):
            if modifiers >> index & 1:
                reasons.append(f"modifier:{name}")
        for bit, name in FLAG_NAMES.items():
            if bit not in (_NOT_FLOATED, _CUT_FLOOR) and flags & bit:
                reasons.append(f"bound:{name}")
        for index, name in enumerate(self.cuts):
            if flags >> (_FIRST_CUT_BIT + index) & 1:
                reasons.append(f"cut:{name}")
        if flags & _CUT_FLOOR:
            reasons.append("bound:cut-floor")
        return reasons


@dataclass
class Evaluation:
    """Per-employer outcome arrays of one table evaluation."""

    grade: np.ndarray  #: int16 offset from base
    rated_class: np.ndarray  #: int16 class whose base rate and ladder applied
    multiplier: np.ndarray  #: ladder value of the grade (factor, or addend for add ladders)
    base_rate: np.ndarray
    rate: np.ndarray
    eligibility_code: np.ndarray  #: int16, -1 none
    band_code: np.ndarray  #: int16, -1 when eligibility fixed the grade
    modifier_bits: np.ndarray  #: int64 bit i = modifier i changed the outcome
    flags: np.ndarray  #: int64 bits of FLAG_NAMES
    catalogue: ReasonCatalogue


#: Employers evaluated per block: the block's temporaries (about 2 MiB each) stay in the
#: CPU cache and in the allocator's heap, instead of fresh memory pages per operation.
BLOCK = 1 << 18


def evaluate(
    table: RuleTable,
    env: Mapping[str, Any],
    risk_class: np.ndarray,
    as_of: dt.date,
    *,
    threads: int = 2,
) -> Evaluation:
    """Rate every employer of ``env`` under ``table`` as of ``as_of``.

    ``env`` holds per-employer arrays (all of one length) and parameter scalars; it must
    contain every name the table reads, plus ``current_grade`` when the table moves from
    the current grade and ``current_rate`` when a ladder is relative to the current rate.
    ``risk_class`` must hold only classes of the table.

    Employers are independent, so the population is evaluated in blocks of
    :data:`BLOCK`, on ``threads`` threads (numpy releases the GIL in its loops); the
    blocks are put back together in order, so the result does not depend on either.
    Numbers the table writes as ``$name`` take the parameter's value from ``env``.
    """
    refs = table.parameter_refs()
    if refs:
        table = table.with_parameters({name: env[name] for name in refs if name in env})
    n = len(risk_class)
    if n <= BLOCK:
        return _evaluate_block(table, env, risk_class, as_of)
    starts = range(0, n, BLOCK)

    def block(start: int) -> Evaluation:
        stop = min(start + BLOCK, n)
        sliced = {
            key: value[start:stop]
            if isinstance(value, np.ndarray) and value.shape == (n,)
            else value
            for key, value in env.items()
        }
        return _evaluate_block(table, sliced, risk_class[start:stop], as_of)

    # Each block's arrays are copied into the whole as soon as it is done (while the other
    # threads go on), then dropped: no concatenation of all the blocks at the end.
    whole: dict[str, np.ndarray] = {}
    catalogue = None
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        for start, part in zip(starts, pool.map(block, starts), strict=True):
            if catalogue is None:
                catalogue = part.catalogue
                whole = {f: np.empty(n, dtype=getattr(part, f).dtype) for f in _FIELDS}
            for f in _FIELDS:
                whole[f][start : start + BLOCK] = getattr(part, f)
            del part
    return Evaluation(**whole, catalogue=catalogue)


#: The per-employer arrays of an :class:`Evaluation`.
_FIELDS = (
    "grade",
    "rated_class",
    "multiplier",
    "base_rate",
    "rate",
    "eligibility_code",
    "band_code",
    "modifier_bits",
    "flags",
)


def _evaluate_block(
    table: RuleTable, env: Mapping[str, Any], risk_class: np.ndarray, as_of: dt.date
) -> Evaluation:
    """:func:`evaluate` on one block of employers."""
    expressions = table.expressions()
    n = len(risk_class)
    classes = _ClassArrays(table, as_of)
    cls = risk_class.astype(np.int16)
    catalogue = ReasonCatalogue.of(table)
    if len(table.modifiers) > MAX_MODIFIERS or len(table.cuts) > MAX_CUTS:
        raise ValueError(f"a table may list at most {MAX_MODIFIERS} modifiers and {MAX_CUTS} cuts")

    def condition(key: str) -> np.ndarray:
        value = expressions[key].evaluate(env)
        return np.broadcast_to(np.asarray(value, dtype=bool), (n,))

    flags = np.zeros(n, dtype=np.int64)
    grade = np.zeros(n, dtype=np.int64)
    current = env.get("current_grade")

    # eligibility: fixed outcomes, first match
    eligibility_code = np.full(n, -1, dtype=np.int16)
    fixed = np.zeros(n, dtype=bool)
    for index, rule in enumerate(table.eligibility):
        hit = condition(f"eligibility.{rule.id}") & ~fixed
        grade[hit] = _outcome(rule.outcome.grade, rule.outcome.step, current, hit)
        eligibility_code[hit] = index
        fixed |= hit
    not_floated = ~fixed & ~classes.floated[cls]
    flags[not_floated] |= _NOT_FLOATED
    grade[not_floated] = 0
    fixed |= not_floated

    # bands
    band_code = np.full(n, -1, dtype=np.int16)
    open_rows = ~fixed
    band_grade, band_code = _bands(table, env, expressions, open_rows, current, n)
    grade[open_rows] = band_grade[open_rows]

    # modifiers on the grade (rate modifiers are queued for after the ladder); they may
    # read band_grade, the grade as the bands (or eligibility) left it
    env = ChainMap({"band_grade": grade.astype(np.float64)}, env)
    modifier_bits = np.zeros(n, dtype=np.int64)
    rate_steps: list[tuple[np.ndarray, str, float, int]] = []
    for index, modifier in enumerate(table.modifiers):
        hit = condition(f"modifiers.{modifier.id}") & open_rows
        before_grade, before_class = grade.copy(), cls.copy()
        action = modifier.action
        if action == "no_down":
            grade = np.where(hit & (grade < 0), 0, grade)
        elif action == "no_up":
            grade = np.where(hit & (grade > 0), 0, grade)
        elif action == "bump":
            grade = np.where(hit, grade + int(modifier.by or 0), grade)
        elif action == "set_grade":
            grade = np.where(hit, int(modifier.grade or 0), grade)
        elif action == "top":
            grade = np.where(hit, classes.highest[cls], grade)
        elif action == "bottom":
            grade = np.where(hit, classes.lowest[cls], grade)
        elif action == "reclassify":
            target = cls + int(modifier.by or 0)
            clipped = np.clip(target, classes.numbers[0], classes.numbers[-1])
            flags[hit & (clipped != target)] |= _RECLASSIFY
            cls = np.where(hit, clipped, cls).astype(np.int16)
        else:
            rate_steps.append((hit, action, float(modifier.by or 0.0), index))
            continue
        changed = (grade != before_grade) | (cls != before_class)
        modifier_bits[changed] |= np.int64(1) << index

    # movement limits relative to the current grade
    if table.movement is not None:
        limited = grade.copy()
        if table.movement.max_step is not None and current is not None:
            k = table.movement.max_step
            limited = np.clip(limited, current - k, current + k).astype(np.int64)
        if table.movement.max_from_base is not None:
            k = table.movement.max_from_base
            limited = np.clip(limited, -k, k)
        moved = open_rows & (limited != grade)
        flags[moved] |= _MOVEMENT
        grade = np.where(open_rows, limited, grade)

    # grade bounds, then the ladder
    low, high = classes.grade_bounds(table)
    bounded = np.clip(grade, low[cls], high[cls])
    flags[bounded != grade] |= _GRADE_LIMIT
    grade = bounded
    on_ladder = np.clip(grade, classes.lowest[cls], classes.highest[cls])
    flags[on_ladder != grade] |= _LADDER
    grade = on_ladder
    value = classes.values[cls, grade - classes.offset]
    base = classes.base_rate[cls]
    mode = classes.mode[cls]
    rate = np.where(mode == 0, base * value, base + value)
    if (mode == 2).any():
        current_rate = np.asarray(env.get("current_rate", np.full(n, np.nan)), dtype=np.float64)
        rate = np.where(mode == 2, current_rate * value, rate)

    for hit, action, by, index in rate_steps:
        rate = np.where(hit, rate * by if action == "rate_factor" else rate + by, rate)
        modifier_bits[hit] |= np.int64(1) << index

    rate, flags = _apply_bounds(table, classes, cls, rate, flags)
    rate, flags = _apply_rate_cuts(table, classes, cls, rate, flags, as_of)
    rate = round_half_up(rate, table.rounding.rate_decimals)
    return Evaluation(
        grade=grade.astype(np.int16),
        rated_class=cls,
        multiplier=value,
        base_rate=base,
        rate=rate,
        eligibility_code=eligibility_code,
        band_code=band_code,
        modifier_bits=modifier_bits,
        flags=flags,
        catalogue=catalogue,
    )


def _outcome(grade: int | None, step: int | None, current: Any, mask: np.ndarray) -> Any:
    if grade is not None:
        return grade
    return np.asarray(current)[mask] + int(step or 0)


def _bands(
    table: RuleTable,
    env: Mapping[str, Any],
    expressions: Mapping[str, Any],
    open_rows: np.ndarray,
    current: Any,
    n: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Grade and band code of every employer; first match or the highest match."""
    take_max = table.combine == "max"
    grade = np.zeros(n, dtype=np.int64)
    code = np.full(n, -1, dtype=np.int16)
    matched = np.zeros(n, dtype=bool)
    position = 0
    current_grade = None if current is None else np.asarray(current)
    for band in table.bands:
        guard = open_rows
        if band.when is not None:
            guard = guard & np.asarray(expressions[f"bands.{band.id}"].evaluate(env), dtype=bool)
        if not take_max:
            guard = guard & ~matched
        if band.rows:
            row, hit = _interval_rows(band, np.asarray(env[band.indicator], dtype=np.float64))
            hit &= guard
            outcomes = [(r.grade, r.step) for r in band.rows]
            candidate, candidate_code = _row_outcomes(outcomes, row, current_grade, n)
            candidate_code += position
            position += len(band.rows)
        else:
            hit = guard
            candidate = _broadcast_outcome(band.grade, band.step, current_grade, n)
            candidate_code = np.full(n, position, dtype=np.int16)
            position += 1
        better = hit & (~matched | (candidate > grade)) if take_max else hit
        grade = np.where(better, candidate, grade)
        code = np.where(better, candidate_code, code)
        matched |= hit
    rest = open_rows & ~matched
    otherwise = _broadcast_outcome(table.otherwise.grade, table.otherwise.step, current_grade, n)
    grade = np.where(rest, otherwise, grade)
    code = np.where(rest, position, code).astype(np.int16)
    return grade, code


def _interval_rows(band: BandRule, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the row whose interval holds each value, and whether one does."""
    intervals = [parse_interval(row.interval) for row in band.rows or []]
    highs = np.array([i.high for i in intervals])
    # An infinite upper end holds +inf (see Interval): treat it as closed.
    closed_high = np.array([i.closed_high or np.isinf(i.high) for i in intervals])
    row = np.searchsorted(highs, values, side="left")
    inside = row < len(intervals)
    at_open_edge = np.zeros(len(values), dtype=bool)
    at_open_edge[inside] = (values[inside] == highs[row[inside]]) & ~closed_high[row[inside]]
    row = row + at_open_edge
    inside = row < len(intervals)
    domain = parse_interval(band.domain)
    above_low = values >= domain.low if domain.closed_low else values > domain.low
    hit = inside & above_low & ~np.isnan(values)
    return np.where(hit, row, 0), hit


def _row_outcomes(
    outcomes: list[tuple[int | None, int | None]], row: np.ndarray, current: Any, n: int
) -> tuple[np.ndarray, np.ndarray]:
    absolute = np.array([g if g is not None else 0 for g, _ in outcomes], dtype=np.int64)
    steps = np.array([s if s is not None else 0 for _, s in outcomes], dtype=np.int64)
    relative = np.array([s is not None for _, s in outcomes])
    grade = absolute[row]
    if relative.any():
        base = np.zeros(n, dtype=np.int64) if current is None else current.astype(np.int64)
        grade = np.where(relative[row], base + steps[row], grade)
    return grade, row.astype(np.int16)


def _broadcast_outcome(grade: int | None, step: int | None, current: Any, n: int) -> np.ndarray:
    if grade is not None:
        return np.full(n, grade, dtype=np.int64)
    base = np.zeros(n, dtype=np.int64) if current is None else current.astype(np.int64)
    return base + int(step or 0)


class _ClassArrays:
    """Per-class lookups indexed by class number (ladders as a dense class × grade table)."""

    def __init__(self, table: RuleTable, as_of: dt.date) -> None:
        self.numbers = sorted(table.classes)
        size = self.numbers[-1] + 1
        lowest_grade = min(ladder.lowest for ladder in table.ladders.values())
        highest_grade = max(ladder.highest for ladder in table.ladders.values())
        self.offset = lowest_grade
        self.values = np.full((size, highest_grade - lowest_grade + 1), np.nan)
        self.base_rate = np.full(size, np.nan)
        self.lowest = np.zeros(size, dtype=np.int64)
        self.highest = np.zeros(size, dtype=np.int64)
        self.mode = np.zeros(size, dtype=np.int8)
        self.floated = np.zeros(size, dtype=bool)
        modes = {"multiply": 0, "add": 1, "current": 2}
        self.base_rates_on = table.base_rates_on(as_of)
        for number, spec in table.classes.items():
            ladder = table.ladders[spec.ladder]
            for grade, value in ladder.grades.items():
                self.values[number, grade - lowest_grade] = value
            self.base_rate[number] = self.base_rates_on[number]
            self.lowest[number], self.highest[number] = ladder.lowest, ladder.highest
            self.mode[number] = modes[ladder.mode]
            self.floated[number] = spec.floated

    def grade_bounds(self, table: RuleTable) -> tuple[np.ndarray, np.ndarray]:
        """Lowest and highest grade allowed per class by the table's bounds."""
        size = len(self.base_rate)
        low = np.full(size, np.iinfo(np.int64).min // 2, dtype=np.int64)
        high = np.full(size, np.iinfo(np.int64).max // 2, dtype=np.int64)
        if table.bounds.min_grade is not None:
            low[:] = table.bounds.min_grade
        if table.bounds.max_grade is not None:
            high[:] = table.bounds.max_grade
        for number, per_class in table.bounds.per_class.items():
            if number < size and per_class.min_grade is not None:
                low[number] = per_class.min_grade
            if number < size and per_class.max_grade is not None:
                high[number] = per_class.max_grade
        return low, high

    def bound(self, table: RuleTable, bound: Any) -> float:
        """A bound's value; ``class_base`` is that class's base rate in force (after cuts)."""
        if bound.value is not None:
            return float(bound.value)
        return float(self.base_rates_on[bound.class_base])


def _apply_bounds(
    table: RuleTable, classes: _ClassArrays, cls: np.ndarray, rate: np.ndarray, flags: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    size = len(classes.base_rate)
    floor = np.full(size, -np.inf)
    cap = np.full(size, np.inf)
    bounds = table.bounds
    if bounds.min_rate is not None:
        floor[:] = classes.bound(table, bounds.min_rate)
    if bounds.max_rate is not None:
        cap[:] = classes.bound(table, bounds.max_rate)
    for number, per_class in bounds.per_class.items():
        if number >= size:
            continue
        if per_class.min_rate is not None:
            floor[number] = classes.bound(table, per_class.min_rate)
        if per_class.max_rate is not None:
            cap[number] = classes.bound(table, per_class.max_rate)
    low, high = floor[cls], cap[cls]
    raised = rate < low
    lowered = rate > high
    flags[raised] |= _MIN_RATE
    flags[lowered] |= _MAX_RATE
    return np.clip(rate, low, high), flags


def _apply_rate_cuts(
    table: RuleTable,
    classes: _ClassArrays,
    cls: np.ndarray,
    rate: np.ndarray,
    flags: np.ndarray,
    as_of: dt.date,
) -> tuple[np.ndarray, np.ndarray]:
    """Record the cuts in force; apply those on the floated rate, each with its own floor."""
    for index, cut in enumerate(table.cuts):
        if not cut.in_force(as_of):
            continue
        hit = np.isin(cls, cut.classes) if cut.classes else np.ones(len(cls), dtype=bool)
        flags[hit] |= np.int64(1) << (_FIRST_CUT_BIT + index)
        if cut.applies_to == "base":
            continue  # already in the base rate (RuleTable.base_rates_on)
        rate = np.where(hit, rate * cut.factor, rate)
        if cut.min_rate is not None:
            floor = classes.bound(table, cut.min_rate)
            raised = hit & (rate < floor)
            flags[raised] |= _CUT_FLOOR
            rate = np.where(raised, floor, rate)
    return rate, flags
