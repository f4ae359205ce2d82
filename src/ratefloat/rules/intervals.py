"""Threshold intervals such as ``(0.5, 1.0]`` with explicit boundary inclusivity.

Floating-rate notices state bands as "支缴率 50 %–100 %（含）"; whether each end is included
differs from place to place, so a rule table writes every interval with its brackets and
validation checks that consecutive rows leave no gap and do not overlap.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = ["Interval", "parse_interval", "check_partition"]

_NUMBER = r"[-+]?(?:inf|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
_PATTERN = re.compile(rf"^\s*([\[(])\s*({_NUMBER})\s*,\s*({_NUMBER})\s*([\])])\s*$")


@dataclass(frozen=True, order=True)
class Interval:
    """A real interval; ``closed_low``/``closed_high`` say whether each end belongs to it.

    An upper end of ``inf`` is written open (``(1.5, inf)``) but holds +inf itself, the
    value of a ratio whose denominator is zero.
    """

    low: float
    high: float
    closed_low: bool
    closed_high: bool

    def __str__(self) -> str:
        left = "[" if self.closed_low else "("
        right = "]" if self.closed_high else ")"
        return f"{left}{_fmt(self.low)}, {_fmt(self.high)}{right}"

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the interval (NaN never does)."""
        if math.isnan(value):
            return False
        above = value >= self.low if self.closed_low else value > self.low
        # An infinite upper end takes +inf in: a positive amount over a zero denominator
        # (payouts with no premium paid) lies above every threshold.
        closed_high = self.closed_high or math.isinf(self.high)
        below = value <= self.high if closed_high else value < self.high
        return above and below


def parse_interval(text: str) -> Interval:
    """Parse ``"(0.5, 1.0]"``, ``"[0, 0]"`` or ``"(1.5, inf)"``.

    Raises
    ------
    ValueError
        If the text is not an interval, the ends are reversed, or an infinite end is
        closed.
    """
    match = _PATTERN.match(str(text))
    if not match:
        raise ValueError(
            f"{text!r} is not an interval; write it like '(0.5, 1.0]', '[0, 0]' or '(1.5, inf)'"
        )
    left, low_text, high_text, right = match.groups()
    low, high = float(low_text), float(high_text)
    interval = Interval(low, high, left == "[", right == "]")
    if low > high or (low == high and not (interval.closed_low and interval.closed_high)):
        raise ValueError(f"{text!r} is empty: its lower end must be below its upper end")
    if (math.isinf(low) and interval.closed_low) or (math.isinf(high) and interval.closed_high):
        raise ValueError(f"{text!r}: an infinite end must be open, e.g. '(1.5, inf)'")
    return interval


def check_partition(
    intervals: list[Interval], domain: Interval, labels: list[str] | None = None
) -> list[str]:
    """Problems that keep ``intervals`` (in order) from tiling ``domain`` exactly.

    Returns a list of messages (empty when the rows cover the domain with no gap and no
    overlap). ``labels`` name the rows in messages (default ``row 1``, ``row 2``, ...).
    """
    labels = labels or [f"row {i + 1}" for i in range(len(intervals))]
    problems: list[str] = []
    if not intervals:
        return ["there are no rows"]
    first, last = intervals[0], intervals[-1]
    if first.low != domain.low or first.closed_low != domain.closed_low:
        problems.append(
            f"{labels[0]} {first} does not start where the indicator's range {domain} starts"
        )
    if last.high != domain.high or last.closed_high != domain.closed_high:
        problems.append(
            f"{labels[-1]} {last} does not end where the indicator's range {domain} ends"
        )
    for i in range(len(intervals) - 1):
        a, b = intervals[i], intervals[i + 1]
        where = f"{labels[i]} {a} and {labels[i + 1]} {b}"
        if b.low < a.high or (b.low == a.high and a.closed_high and b.closed_low):
            shared = _fmt(b.low) if b.low == a.high else f"{_fmt(b.low)}..{_fmt(a.high)}"
            problems.append(f"{where} overlap: both contain {shared}")
        elif b.low > a.high or (not a.closed_high and not b.closed_low):
            gap = (
                f"({_fmt(a.high)}, {_fmt(b.low)})" if b.low > a.high else f"the value {_fmt(b.low)}"
            )
            problems.append(f"{where} leave a gap: {gap} matches no row")
    return problems


def _fmt(value: float) -> str:
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:g}"
