"""The bundled example extract, for the README, the docs and notebooks."""

from __future__ import annotations

from importlib import resources

import pandas as pd

__all__ = ["load_example", "EXAMPLE_FILE"]

#: Name of the bundled synthetic extract (employer-year rows, 2021-2024).
EXAMPLE_FILE = "example_extract.csv"


def load_example() -> pd.DataFrame:
    """The bundled synthetic employer-year extract (500 employers, 2021–2024).

    It is made by :mod:`ratefloat.synth` (seeded, see ``examples/make_example_extract.py``)
    and has every column of the vocabulary, plus five deliberately broken rows (a negative
    payout, an empty headcount, an unknown class, a number with a thousands separator, a
    duplicate year) so that rejects can be seen.

    Examples
    --------
    >>> extract = load_example()
    >>> extract["employer_id"].nunique()
    500
    """
    path = resources.files("ratefloat.data").joinpath(EXAMPLE_FILE)
    with path.open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype={"employer_id": str, "industry_code": str})
