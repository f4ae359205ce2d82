"""Regenerate the bundled example extract (examples/extract.csv and the package copy).

Run: python examples/make_example_extract.py

A seeded synthetic population from ratefloat.synth (500 employers, 2021-2024), plus five
deliberately broken rows so that rejects can be seen in the README's first run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from ratefloat import synth

HERE = Path(__file__).parent
TARGET = HERE / "extract.csv"
PACKAGE_COPY = HERE.parent / "src" / "ratefloat" / "data" / "example_extract.csv"


def build() -> pd.DataFrame:
    frame = synth.employer_years(500, years=(2021, 2022, 2023, 2024), seed=2025)
    frame["insured_since"] = frame["insured_since"].dt.strftime("%Y-%m-%d")
    frame = frame.astype({"contributions": object, "avg_insured": object})
    ids = frame["employer_id"].drop_duplicates().tolist()
    broken = {
        ids[10]: ("payouts", -120.0),  # negative money
        ids[20]: ("avg_insured", None),  # empty required value
        ids[30]: ("risk_class", 9),  # a class the tables do not know
        ids[40]: ("contributions", "12,345.67"),  # not a number (thousands separator)
    }
    for employer_id, (column, value) in broken.items():
        row = frame.index[frame["employer_id"] == employer_id][-1]
        frame.loc[row, column] = value
    duplicate = frame[frame["employer_id"] == ids[50]].tail(1)
    return pd.concat([frame, duplicate], ignore_index=True)


def main() -> None:
    build().to_csv(TARGET, index=False, lineterminator="\n")
    shutil.copyfile(TARGET, PACKAGE_COPY)
    print(f"wrote {TARGET} and {PACKAGE_COPY}")


if __name__ == "__main__":
    main()
