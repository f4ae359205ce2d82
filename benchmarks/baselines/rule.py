"""The constants of the ``cn-jiangsu-2023`` rule, shared by every baseline.

Only numbers live here; each baseline writes the logic out itself in its own idiom:

1. window = the two calendar years before ``as_of``'s year, previous window = the two before;
2. per employer: sums of injuries, payouts, contributions and the mean of ``avg_insured`` over
   the window rows present; ``risk_class`` from the latest window row, ``insured_since`` the
   earliest over the window rows; an employer with no window row is not rated;
3. ``payout_ratio = payouts / contributions``, ``injury_rate = injuries / avg_insured``
   (0/0 -> 0, x/0 -> +inf; previous-window ratios NaN when there is no previous row);
4. grade, first match wins: months insured, counted to 3 months before ``as_of`` (the end of
   the indicator window), < 24 -> 0; both ratios 0 in both windows -> -2;
   both 0 -> -1; payout_ratio > 1.0 or injury_rate > 0.03 -> +2; payout_ratio > 0.5 or
   injury_rate > 0.01 -> +1; otherwise 0;
5. class 1, or ``no_down_event`` on any window row, never goes down (grade < 0 -> 0);
6. ``rate = round_half_up(max(base_rate[class] * multiplier[grade], 0.002), 6)``.
"""

from __future__ import annotations

import datetime as dt

AS_OF = dt.date(2025, 1, 1)
OUTPUT_COLUMNS = ["employer_id", "grade", "multiplier", "rate"]

MIN_INSURED_MONTHS = 24
#: The months of ``MIN_INSURED_MONTHS`` are counted to this many months before ``as_of``
#: (the table's ``new_employer_months_before_as_of``).
MONTHS_COUNTED_BEFORE_AS_OF = 3
PAYOUT_RATIO_UP2, INJURY_RATE_UP2 = 1.0, 0.03
PAYOUT_RATIO_UP1, INJURY_RATE_UP1 = 0.5, 0.01

MULTIPLIER = {-2: 0.5, -1: 0.8, 0: 1.0, 1: 1.2, 2: 1.5}
BASE_RATE = {1: 0.002, 2: 0.004, 3: 0.007, 4: 0.009, 5: 0.011, 6: 0.013, 7: 0.016, 8: 0.019}
RATE_FLOOR = 0.002
RATE_DECIMALS = 6

#: The columns of the input the rule reads (``no_down_event`` is optional).
INPUT_COLUMNS = [
    "employer_id",
    "year",
    "risk_class",
    "insured_since",
    "avg_insured",
    "contributions",
    "payouts",
    "injuries",
]
OPTIONAL_COLUMNS = ["no_down_event"]


def as_date(as_of: dt.date | str) -> dt.date:
    """Accept ``"2025-01-01"`` or a ``date``."""
    return as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of)


def windows(as_of: dt.date | str = AS_OF) -> tuple[tuple[int, int], tuple[int, int]]:
    """``((first, last) year of the window, (first, last) year of the previous window)``."""
    y = as_date(as_of).year
    return (y - 2, y - 1), (y - 4, y - 3)
