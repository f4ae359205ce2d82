"""Re-rating on a Dask cluster: employer ranges by Dask's shuffle, the same pipeline on each.

::

    import dask.dataframe as dd
    from ratefloat import distributed

    extract = dd.read_parquet("extract/*.parquet")
    result = distributed.rerate(extract, rules="cn-jiangsu-2023", as_of="2025-01-01")

The rows get their input row number and their employer id as text, then
``set_index`` (Dask's sort-based shuffle, with its own spilling) gathers each employer's
rows into one partition, partitions in id order. Each partition is rated by the
single-machine pipeline on a worker; tables with area figures computed over the batch get
a first pass whose exact sums are added on the client. The result equals
:func:`ratefloat.rerate` on the computed frame (see :mod:`ratefloat.partitioned`, which
this module shares its passes and its writers with).

Needs the ``ratefloat[dask]`` extra (``dask[dataframe]`` and ``distributed``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import ParameterError, SchemaError
from .io import write_frame
from .partitioned import (
    ROW,
    PartitionedRun,
    _concat_rated,
    _Rejects,
    _Run,
    _write_rated,
    add_all_area_sums,
    employer_keys,
    parse_memory,
    partitions_for,
)
from .result import RerateResult
from .rules.model import RuleTable

__all__ = ["rerate", "rerate_to_files"]

#: The employer id as text, the index Dask sorts the rows by.
KEY = "__ratefloat_key__"


def rerate(
    extract: Any,
    rules: str | RuleTable | Mapping[str, Any] = "cn-jiangsu-2023",
    as_of: Any = None,
    *,
    params: Mapping[str, Any] | None = None,
    classification: str | Any | None = None,
    partitions: int | None = None,
    outside_effective_dates: str = "refuse",
) -> RerateResult:
    """:func:`ratefloat.rerate` of a Dask DataFrame, on the current Dask scheduler.

    Parameters
    ----------
    extract:
        A ``dask.dataframe.DataFrame`` of employer-year rows, in any order.
    rules, as_of, params, classification, outside_effective_dates:
        As for :func:`ratefloat.rerate`.
    partitions:
        Employer ranges to rate (default: the extract's number of partitions).

    Returns
    -------
    RerateResult
        Equal to ``ratefloat.rerate(extract.compute(), ...)``: the same ``rated`` and
        ``rejects`` (``failure_cases`` holds the same rows, grouped by range). It is
        gathered on the client; for results larger than its memory use
        :func:`rerate_to_files`.
    """
    import dask

    run = _Run.of(rules, as_of, params, classification, outside_effective_dates)
    parts = _ranges(extract, run, partitions)
    totals = _totals(run, parts, lambda tasks: dask.compute(*tasks))
    results = dask.compute(*[dask.delayed(_rate)(run, part, totals) for part in parts])
    gathered = _Rejects()
    for result in results:
        gathered.add(result)
    return run.result(_concat_rated([result.rated for result in results]), gathered)


def rerate_to_files(
    extract: str | Path,
    rated_path: str | Path,
    rejects_path: str | Path,
    rules: str | RuleTable | Mapping[str, Any] = "cn-jiangsu-2023",
    as_of: Any = None,
    *,
    params: Mapping[str, Any] | None = None,
    classification: str | Any | None = None,
    partitions: int | None = None,
    workers: int | None = None,
    memory_limit: str | int | None = None,
    scheduler: str | None = None,
    encoding: str = "utf-8",
    mapping: Mapping[str, str] | None = None,
    outside_effective_dates: str = "refuse",
) -> PartitionedRun:
    """Re-rate a Parquet or CSV extract on a Dask cluster and write the rated and rejected
    employers, byte-identical to an in-memory run's files.

    Rated ranges are gathered in id order, one at a time, and streamed to the file.

    Parameters
    ----------
    extract:
        A ``.parquet``, ``.csv`` or ``.csv.gz`` file, or a folder of Parquet files, that
        every worker can read.
    rated_path, rejects_path:
        The outputs (``.csv`` or ``.parquet``).
    rules, as_of, params, classification, outside_effective_dates:
        As for :func:`ratefloat.rerate`.
    partitions:
        Employer ranges (default: enough for each to fit a worker's memory).
    workers, memory_limit:
        The local cluster's workers and the memory they share (``"2GiB"``: each gets its
        part). Ignored with ``scheduler``.
    scheduler:
        The address of a running scheduler (``tcp://host:8786``); without it a local
        cluster of ``workers`` processes is started and stopped.
    encoding, mapping:
        As for :func:`ratefloat.io.read_extract`.
    """
    import dask
    from distributed import Client, LocalCluster

    run = _Run.of(rules, as_of, params, classification, outside_effective_dates)
    with contextlib.ExitStack() as stack:
        if scheduler:
            client = stack.enter_context(Client(scheduler))
        else:
            count = workers or 2
            limit = None if memory_limit is None else parse_memory(memory_limit) // count
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=count,
                    threads_per_worker=1,
                    memory_limit=limit or "auto",
                    dashboard_address=None,
                )
            )
            client = stack.enter_context(Client(cluster))
        with dask.config.set({"dataframe.convert-string": False}):
            frame = _read(Path(extract), run.columns(), encoding, mapping)
        per_worker = _worker_memory(client)
        input_rows = int(frame.map_partitions(len).sum().compute())
        if partitions is None and per_worker:
            partitions = max(frame.npartitions, partitions_for(input_rows, per_worker))
        parts = _ranges(frame, run, partitions)
        totals = _totals(run, parts, lambda tasks: client.gather(client.compute(list(tasks))))
        futures = client.compute([dask.delayed(_rate)(run, part, totals) for part in parts])
        categories: dict[str, None] = {}
        for names in client.gather([client.submit(_categories, f) for f in futures]):
            categories.update(dict.fromkeys(names))
        gathered = _Rejects()
        template: list[pd.DataFrame] = []

        def frames() -> Iterator[pd.DataFrame]:
            for future in futures:
                result = future.result()
                future.release()
                gathered.add(result)
                template[:] = template or [result.rated.iloc[0:0]]
                rated = result.rated
                if len(rated):
                    yield rated.assign(
                        reasons=rated["reasons"].cat.set_categories(list(categories))
                    )

        count = _write_rated(frames(), lambda: template[0], rated_path, run.provenance())
        result = run.result(template[0] if template else pd.DataFrame(), gathered)
        write_frame(result.rejects, rejects_path, result.provenance())
        return PartitionedRun(count, len(parts), input_rows, result)


def _read(path: Path, columns: list[str], encoding: str, mapping: Any) -> Any:
    """The extract as a dask DataFrame, its columns chosen and named as
    :func:`ratefloat.io.read_extract` would."""
    import dask.dataframe as dd

    from .io import ExtractReadError, extract_columns

    if not path.exists():
        raise FileNotFoundError(f"extract {str(path)!r} does not exist")
    lower = path.name.lower()
    if lower.endswith((".csv", ".csv.gz")):
        if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
            encoding = "utf-8-sig"
        header = pd.read_csv(path, nrows=0, encoding=encoding).columns
        renames, chosen, dtypes = extract_columns(list(header), columns, mapping, str(path))
        frame = dd.read_csv(
            path,
            dtype=dtypes,
            keep_default_na=True,
            usecols=chosen,
            encoding=encoding,
            blocksize=None if lower.endswith(".gz") else "64MB",
        )
    elif path.is_dir() or lower.endswith((".parquet", ".pq")):
        import pyarrow.dataset as ds

        names = ds.dataset(path, format="parquet").schema.names
        renames, chosen, _ = extract_columns(names, columns, mapping, str(path))
        # One partition per row group: a whole file in one task would not fit a worker.
        frame = dd.read_parquet(path, columns=chosen, split_row_groups=True)
    else:
        raise ExtractReadError(
            f"cannot read {str(path)!r} on Dask: give a .csv, .csv.gz or .parquet file or a "
            "Parquet folder"
        )
    return frame.rename(columns=renames) if renames else frame


def _worker_memory(client: Any) -> int | None:
    limits = [w.get("memory_limit") for w in client.scheduler_info()["workers"].values()]
    return min(limits) if limits and all(limits) else None


def _ranges(extract: Any, run: _Run, partitions: int | None) -> list[Any]:
    """Delayed (frame, row numbers) of each employer range, ranges in id order."""
    import dask
    import dask.dataframe as dd

    if not isinstance(extract, dd.DataFrame):
        raise SchemaError(
            f"distributed.rerate takes a dask DataFrame, got {type(extract).__name__}; "
            "use ratefloat.rerate for a pandas DataFrame"
        )
    if "employer_id" not in extract.columns:
        raise SchemaError("the extract is missing the column employer_id")
    if partitions is not None and (not isinstance(partitions, int) or partitions < 1):
        raise ParameterError(f"partitions must be a positive integer, got {partitions!r}")
    pieces = extract.to_delayed()
    lengths = dask.compute(*[dask.delayed(len)(piece) for piece in pieces])
    offsets = np.concatenate(([0], np.cumsum(lengths)))[:-1]
    numbered = [
        dask.delayed(_numbered)(piece, int(offset))
        for piece, offset in zip(pieces, offsets, strict=True)
    ]
    meta = _numbered(extract._meta, 0)
    frame = dd.from_delayed(numbered, meta=meta, verify_meta=False)
    # The task-based shuffle: the peer-to-peer one needed more than 1 GiB per worker for
    # partitions of a million rows, and its workers were killed.
    ordered = frame.set_index(
        KEY, npartitions=partitions or extract.npartitions, shuffle_method="tasks"
    )
    return [dask.delayed(_in_input_order)(piece) for piece in ordered.to_delayed()]


def _numbered(frame: pd.DataFrame, offset: int) -> pd.DataFrame:
    import pyarrow.compute as pc

    # Rows without an id sort under "" (they are rejected one by one, in any range).
    keys = pc.fill_null(employer_keys(frame["employer_id"]), "").to_numpy(zero_copy_only=False)
    return frame.assign(
        **{
            ROW: np.arange(offset, offset + len(frame), dtype=np.int64),
            KEY: pd.array(keys, dtype="string[pyarrow]"),
        }
    )


def _in_input_order(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    frame = frame.sort_values(ROW, kind="stable").reset_index(drop=True)
    rows = frame.pop(ROW).to_numpy(dtype=np.int64)
    return frame, rows


def _totals(run: _Run, parts: list[Any], compute: Any) -> dict | None:
    import dask

    from .rerate import needs_area_totals

    if not needs_area_totals(run.table):
        return None
    sums = compute([dask.delayed(_area_sums)(run, part) for part in parts])
    return add_all_area_sums(sums)


def _area_sums(run: _Run, part: tuple[pd.DataFrame, np.ndarray]) -> dict:
    frame, _ = part
    return run.area_sums(frame) if len(frame) else {}


def _rate(run: _Run, part: tuple[pd.DataFrame, np.ndarray], totals: dict | None) -> RerateResult:
    return run.rate_part(*part, totals)


def _categories(result: RerateResult) -> list[str]:
    return list(result.rated["reasons"].cat.categories)
