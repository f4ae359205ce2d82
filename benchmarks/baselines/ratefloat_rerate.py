"""The contender: ``ratefloat.rerate()`` end to end, wrapped like the baselines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from . import rule

RULES = "cn-jiangsu-2023"


def rate(frame: pd.DataFrame | str | Path, as_of: dt.date | str = rule.AS_OF) -> pd.DataFrame:
    """``ratefloat.rerate(extract).rated`` with the baselines' columns (extract as given)."""
    import ratefloat

    result = ratefloat.rerate(frame, rules=RULES, as_of=rule.as_date(as_of).isoformat())
    return result.rated


def rate_parquet(path: str | Path, as_of: dt.date | str = rule.AS_OF) -> pd.DataFrame:
    """``pd.read_parquet`` then :func:`rate` (what a caller holding a file does)."""
    return rate(pd.read_parquet(path), as_of)


def available() -> bool:
    """Whether this checkout has ``ratefloat.rerate`` yet."""
    try:
        import ratefloat
    except ImportError:
        return False
    return hasattr(ratefloat, "rerate")
