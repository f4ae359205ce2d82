"""The variants the runner races, by name; each is resolved lazily in its own process.

``source`` is what the timed call receives: the pandas frame already in memory (``frame``),
the same frame with its rows in random order (``shuffled``: exports are rarely sorted by
employer), or the Parquet path (``parquet``: the engine reads the file inside the timed
region). ``kind`` says how its
output is checked: ``rated`` (compared with ratefloat on every employer), ``sampled``
(run on a sample of employers, compared on those, time extrapolated linearly) or ``floor``
(no output to check).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    name: str
    label: str
    target: str  # "module:function" under baselines/
    source: str = "frame"  # "frame" | "shuffled" | "parquet"
    kind: str = "rated"  # "rated" | "sampled" | "floor"

    def resolve(self) -> Callable:
        module, func = self.target.split(":")
        return getattr(importlib.import_module(f"baselines.{module}"), func)


VARIANTS = [
    Variant("ratefloat", "ratefloat.rerate()", "ratefloat_rerate:rate"),
    Variant("duckdb", "DuckDB SQL on the pandas frame", "duckdb_sql:rate"),
    Variant("polars", "Polars lazy (pl.from_pandas)", "polars_lazy:rate"),
    Variant("pandas_rowwise", "pandas groupby.apply + apply(axis=1)", "pandas_rowwise:rate",
            kind="sampled"),
    Variant("numpy_floor", "numpy floor: one .sum() per input column", "numpy_floor:floor",
            kind="floor"),
    Variant("ratefloat_shuffled", "ratefloat.rerate(), rows shuffled", "ratefloat_rerate:rate",
            source="shuffled"),
    Variant("duckdb_shuffled", "DuckDB SQL, rows shuffled", "duckdb_sql:rate",
            source="shuffled"),
    Variant("polars_shuffled", "Polars lazy, rows shuffled", "polars_lazy:rate",
            source="shuffled"),
    Variant("ratefloat_parquet", "pd.read_parquet + ratefloat.rerate()",
            "ratefloat_rerate:rate_parquet", source="parquet"),
    Variant("duckdb_parquet", "DuckDB SQL on read_parquet", "duckdb_sql:rate_parquet",
            source="parquet"),
    Variant("polars_parquet", "Polars lazy on scan_parquet", "polars_lazy:rate_parquet",
            source="parquet"),
]
BY_NAME = {v.name: v for v in VARIANTS}
