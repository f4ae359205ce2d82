"""Regenerate the inputs of the report examples (examples/reports/).

Run: python examples/make_report_inputs.py

A seeded synthetic key-industry population from ratefloat.synth (300 insured employers,
2020-2022), and from it

* ``extract.csv``: the insured extract (employer_id, year, industry_code, avg_insured);
* ``register.csv``: one row per employer and year with its 从业人数 — the insured
  headcount plus uninsured workers — and 60 employers that are not insured at all;
* ``accidents.csv``: one row per injured person (the synthetic claims); injuries of one
  employer on one day are one accident, so some accident ids repeat.

Two rows are broken on purpose, to show the rejects: a 从业人数 written as text in the
register and an accident of an employer the register does not know.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ratefloat import synth

HERE = Path(__file__).parent / "reports"
YEARS = (2020, 2021, 2022)


def build() -> dict[str, pd.DataFrame]:
    panel = synth.employer_years(300, years=YEARS, seed=2021, preset="key_industry")
    rng = np.random.default_rng(2021)
    extract = panel[["employer_id", "year", "industry_code", "avg_insured"]].copy()
    extract["avg_insured"] = extract["avg_insured"].round(1)

    insured = panel[["employer_id", "year", "industry_code", "avg_insured"]]
    uninsured_share = rng.uniform(0.0, 0.3, size=len(insured))
    employees = np.ceil(insured["avg_insured"].round(0) * (1 + uninsured_share)).astype(int)
    register = insured[["employer_id", "year", "industry_code"]].assign(employees=employees)
    codes = insured["industry_code"].drop_duplicates().sort_values().to_numpy()
    extra = pd.DataFrame(
        {
            "employer_id": [f"U{i:04d}" for i in range(1, 61)],
            "industry_code": rng.choice(codes, size=60),
            "employees": rng.integers(3, 80, size=60),
        }
    )
    extra = pd.concat([extra.assign(year=y) for y in YEARS], ignore_index=True)
    register = pd.concat([register, extra], ignore_index=True)
    register = register.sort_values(["year", "employer_id"], kind="stable")
    register = register[["employer_id", "year", "industry_code", "employees"]]
    register = register.astype({"employees": object})
    register.loc[(register.employer_id == "U0001") & (register.year == 2020), "employees"] = "约50"

    claims = synth.claims(panel, seed=2021)
    day = claims["accident_date"].dt.strftime("%Y-%m-%d")
    key = claims["employer_id"] + "/" + day
    accident_number = pd.factorize(key)[0] + 1
    accidents = pd.DataFrame(
        {
            "accident_id": [f"A{n:05d}" for n in accident_number],
            "employer_id": claims["employer_id"],
            "accident_date": day,
        }
    )
    stray = pd.DataFrame(
        {"accident_id": ["A99999"], "employer_id": ["E9999999"], "accident_date": ["2020-06-01"]}
    )
    accidents = pd.concat([accidents, stray], ignore_index=True)
    return {"extract": extract, "register": register, "accidents": accidents}


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for name, frame in build().items():
        path = HERE / f"{name}.csv"
        frame.to_csv(path, index=False, lineterminator="\n")
        print(f"wrote {path} ({len(frame)} rows)")


if __name__ == "__main__":
    main()
