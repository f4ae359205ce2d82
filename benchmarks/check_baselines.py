"""Check every baseline (and ``ratefloat.rerate`` once it exists) against hand-worked cases.

    python benchmarks/check_baselines.py

1. ``fixtures.CASES``: one employer per rule row, expected grade/multiplier/rate worked out
   by hand; run with and without the optional ``no_down_event`` column, from the frame and
   from Parquet.
2. A 3,000-employer random panel: every variant must agree with DuckDB on every employer.

Exits non-zero and prints the differing employers on any mismatch.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "2")

import pandas as pd  # noqa: E402

import fixtures  # noqa: E402
from baselines import ratefloat_rerate  # noqa: E402
from compare import mismatches  # noqa: E402
from variants import VARIANTS  # noqa: E402


def main() -> int:
    variants = [v for v in VARIANTS if v.kind != "floor"]
    if not ratefloat_rerate.available():
        print("ratefloat.rerate does not exist yet: checking the baselines only")
        variants = [v for v in variants if not v.name.startswith("ratefloat")]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for no_down in (True, False):
            frame = fixtures.case_frame(no_down)
            path = Path(tmp) / f"cases_{no_down}.parquet"
            frame.to_parquet(path)
            want = fixtures.expected(no_down)
            for v in variants:
                got = v.resolve()(source(v, frame, path))
                failures += report(f"cases (no_down_event column: {no_down})", v.name,
                                   mismatches(got, want))
        panel = fixtures.random_panel(3000, seed=1)
        path = Path(tmp) / "panel.parquet"
        panel.to_parquet(path)
        want = VARIANTS_BY_NAME["duckdb"].resolve()(panel)
        for v in variants:
            got = v.resolve()(source(v, panel, path))
            failures += report("random panel vs duckdb", v.name, mismatches(got, want))
    print("all baselines agree" if not failures else f"{failures} check(s) FAILED")
    return 1 if failures else 0


def source(variant, frame: pd.DataFrame, path: Path):  # noqa: ANN201 - frame or path
    """What ``variant`` is called with: the Parquet path, the frame, or its rows shuffled."""
    if variant.source == "parquet":
        return path
    if variant.source == "shuffled":
        return frame.sample(frac=1.0, random_state=1).reset_index(drop=True)
    return frame


def report(what: str, name: str, bad: pd.DataFrame) -> int:
    status = "ok" if bad.empty else f"FAILED on {len(bad)} employer(s)"
    print(f"{what:<38} {name:<20} {status}")
    if not bad.empty:
        print(bad.head(20).to_string())
    return int(not bad.empty)


VARIANTS_BY_NAME = {v.name: v for v in VARIANTS}

if __name__ == "__main__":
    sys.exit(main())
