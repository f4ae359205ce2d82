"""The fairness check: two rated frames must agree employer by employer."""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = ["employer_id", "grade", "multiplier", "rate"]
RATE_ATOL = 1e-12


def mismatches(got: pd.DataFrame, want: pd.DataFrame) -> pd.DataFrame:
    """Employers whose grade or multiplier differ, whose rate differs by more than
    ``RATE_ATOL``, or that only one side rates. Empty means the two agree."""
    g = got[COLUMNS].assign(employer_id=got["employer_id"].astype(str))
    w = want[COLUMNS].assign(employer_id=want["employer_id"].astype(str))
    m = g.merge(w, on="employer_id", how="outer", suffixes=("", "_want"), indicator=True)
    bad = (
        (m["_merge"] != "both")
        | (m["grade"] != m["grade_want"])
        | (m["multiplier"] != m["multiplier_want"])
        | ~np.isclose(m["rate"], m["rate_want"], rtol=0, atol=RATE_ATOL)
    )
    return m[bad]
