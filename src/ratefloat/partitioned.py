"""Re-rating an extract larger than memory: one employer range at a time, same result.

The rows are split by employer id into *ranges* (partition ``k`` holds the ids between two
boundaries), so an employer's rows meet in one partition whatever the order of the file,
and the partitions' outputs, each sorted by id, concatenate into the sorted output of one
in-memory run::

    pass 0  stream the file in batches; sample the ids; boundaries at the sample's quantiles
            stream it again; each row goes to the spill file of its range, with its row number
    pass 1  (tables with area figures computed over the batch only) the exact area sums of
            every partition, added: the batch's totals
    pass 2  rate each partition with :func:`ratefloat.rerate`'s pipeline and those totals;
            rows keep their input row numbers in the rejects
    write   rated employers partition after partition, in row groups of the same size as
            one write of the whole frame, so the files are byte-identical to it

Two partitions are rated at once, on two threads, and only they are in memory; rejects
(one row per rejected employer) are held until the end. The number of partitions follows
from a memory limit.
"""

from __future__ import annotations

import contextlib
import math
import pickle
import re
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import ParameterError, empty_rejects
from .indicators import AreaSums, add_area_sums
from .io import arrow_table, atomic_write, extract_batches, write_frame
from .rerate import (
    check_in_force,
    collect_area_sums,
    columns_read,
    needs_area_totals,
    parse_as_of,
    rate_with_totals,
    resolve_params,
)
from .result import RerateResult
from .rules.loader import load_table
from .rules.model import RuleTable

__all__ = [
    "rerate_partitioned",
    "rerate_to_files",
    "PartitionedRun",
    "parse_memory",
    "partitions_for",
    "BYTES_PER_ROW",
]

#: Memory of a partition's run per input row: about 370 bytes measured on synthetic
#: 3-year extracts (string ids, the columns of cn-jiangsu-2023) for one partition, more
#: over many (the allocators' fragmentation) and for wider tables; it sizes the partitions.
BYTES_PER_ROW = 1000
#: Memory a run needs besides its partition: the interpreter, numpy, pandas and pyarrow.
BASELINE_BYTES = 400 * 2**20
#: Employer ranges rated at once, on as many threads.
RANGES_AT_ONCE = 2
#: Rows read from the file at a time.
BATCH_ROWS = 1 << 16
#: The row number column carried through the spill files.
ROW = "__ratefloat_row__"
#: Rows per row group of a Parquet output: pyarrow's default for one write_table call.
ROW_GROUP = 1024 * 1024

_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9}
_UNITS |= {"gb": 10**9, "t": 10**12, "tb": 10**12, "kib": 2**10, "mib": 2**20}
_UNITS |= {"gib": 2**30, "tib": 2**40}


def parse_memory(text: str | int) -> int:
    """Bytes in a memory size such as ``"2GiB"``, ``"1.5 GB"``, ``"800MiB"`` or ``1 << 30``.

    Raises
    ------
    ParameterError
        If the text is not a positive size with a known unit.
    """
    if isinstance(text, int) and not isinstance(text, bool):
        value, unit = float(text), ""
    else:
        match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*", str(text))
        if match is None or match.group(2).lower() not in _UNITS:
            raise ParameterError(
                f"memory limit {text!r} is not a size like '2GiB', '1.5GB' or '800MiB'"
            )
        value, unit = float(match.group(1)), match.group(2).lower()
    size = int(value * _UNITS[unit])
    if size <= 0:
        raise ParameterError(f"memory limit {text!r} must be positive")
    return size


def partitions_for(rows: int, memory_limit: int) -> int:
    """How many employer ranges keep the runs of :data:`RANGES_AT_ONCE` partitions at once
    within ``memory_limit`` bytes."""
    budget = memory_limit - BASELINE_BYTES
    if budget < 64 * 2**20:
        raise ParameterError(
            f"a memory limit of {memory_limit / 2**20:.0f} MiB leaves no room to rate: "
            f"allow at least {(BASELINE_BYTES + 64 * 2**20) / 2**20:.0f} MiB"
        )
    return max(1, math.ceil(rows * BYTES_PER_ROW * RANGES_AT_ONCE / budget))


# -- the public entry points -----------------------------------------------------------


def rerate_partitioned(
    extract: pd.DataFrame | str | Path,
    rules: str | RuleTable | Mapping[str, Any] = "cn-jiangsu-2023",
    as_of: Any = None,
    *,
    params: Mapping[str, Any] | None = None,
    classification: str | Any | None = None,
    partitions: int | None = None,
    memory_limit: str | int | None = None,
    spill_dir: str | Path | None = None,
    encoding: str = "utf-8",
    mapping: Mapping[str, str] | None = None,
    outside_effective_dates: str = "refuse",
) -> RerateResult:
    """:func:`ratefloat.rerate`, computed one employer range at a time.

    The result equals ``rerate(extract, ...)``: the same ``rated`` and ``rejects`` frames
    (``failure_cases`` holds the same rows, grouped by partition). Use it when the run's
    working memory, not the result, is what does not fit; for results larger than memory
    write them with :func:`rerate_to_files`.

    Parameters
    ----------
    extract:
        A DataFrame, or the path of a ``.parquet`` or ``.csv`` extract (read in batches;
        only the columns the table uses).
    rules, as_of, params, classification, outside_effective_dates:
        As for :func:`ratefloat.rerate`.
    partitions:
        The number of employer ranges. By default it follows from ``memory_limit``
        (one partition without a limit).
    memory_limit:
        The memory a partition's run may use, e.g. ``"2GiB"``.
    spill_dir:
        Where the partition files of a file extract go (a temporary directory by default;
        removed afterwards).
    encoding, mapping:
        As for :func:`ratefloat.io.read_extract`: the text encoding of a CSV extract and
        site column names → vocabulary names.
    """
    run = _Run.of(rules, as_of, params, classification, outside_effective_dates)
    read = {"encoding": encoding, "mapping": mapping}
    with _partitioned(extract, run, partitions, memory_limit, spill_dir, read) as parts:
        rated: list[pd.DataFrame] = []
        gathered = _Rejects()
        for result in run.rate(parts):
            rated.append(result.rated)
            gathered.add(result)
    return run.result(_concat_rated(rated), gathered)


@dataclass
class PartitionedRun:
    """What :func:`rerate_to_files` did: counts and provenance, as for a
    :class:`~ratefloat.RerateResult`, without the rated frame (it is in the file)."""

    rated_count: int
    partitions: int
    input_rows: int
    result: RerateResult  #: the rejects and provenance; ``rated`` is empty

    def provenance(self) -> dict[str, str]:
        """As :meth:`ratefloat.RerateResult.provenance`."""
        return self.result.provenance()

    def counts(self) -> dict[str, int]:
        """As :meth:`ratefloat.RerateResult.counts`, with the rated employers counted."""
        counts = self.result.counts()
        counts["rated"] = self.rated_count
        counts["employers"] = self.rated_count + counts["rejected"]
        return counts


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
    memory_limit: str | int | None = None,
    spill_dir: str | Path | None = None,
    encoding: str = "utf-8",
    mapping: Mapping[str, str] | None = None,
    outside_effective_dates: str = "refuse",
) -> PartitionedRun:
    """Re-rate a file extract with bounded memory and write the rated and rejected employers.

    The files are byte-identical to writing ``rerate(read_extract(extract), ...)`` with
    :func:`ratefloat.io.write_frame` (and the provenance as metadata); see
    :func:`rerate_partitioned` for the parameters. Rated employers are spilled to disk per
    partition and written at the end, so memory holds the partitions being rated only.
    """
    run = _Run.of(rules, as_of, params, classification, outside_effective_dates)
    read = {"encoding": encoding, "mapping": mapping}
    with _partitioned(extract, run, partitions, memory_limit, spill_dir, read) as parts:
        rated_files = _PickleSpill(parts.directory / "rated", len(parts))
        categories: dict[str, None] = {}
        gathered = _Rejects()
        template = None
        for index, result in enumerate(run.rate(parts)):
            frame = result.rated
            template = frame.iloc[0:0] if template is None else template
            categories.update(dict.fromkeys(frame["reasons"].cat.categories))
            if len(frame):
                rated_files.add(index, frame)
            gathered.add(result)
            del result, frame
        rated_files.close()
        result = run.result(template if template is not None else pd.DataFrame(), gathered)
        frames = (
            frame.assign(reasons=frame["reasons"].cat.set_categories(list(categories)))
            for frame in rated_files.frames()
        )
        count = _write_rated(frames, lambda: result.rated, rated_path, result.provenance())
        write_frame(result.rejects, rejects_path, result.provenance())
        return PartitionedRun(count, len(parts), parts.input_rows, result)


# -- a run: the table, the date, the parameters, and the two passes --------------------


@dataclass(frozen=True)
class _Run:
    table: RuleTable
    as_of: Any
    params: Mapping[str, Any]
    classification: Any
    hash: str
    window: Any
    out_of_force: str | None = None

    @classmethod
    def of(
        cls,
        rules: Any,
        as_of: Any,
        params: Any,
        classification: Any,
        outside_effective_dates: str = "refuse",
    ) -> _Run:
        from .rules.loader import table_hash
        from .window import window_years

        table = load_table(rules if not isinstance(rules, Mapping) else dict(rules))
        date = parse_as_of(as_of)
        out_of_force = check_in_force(table, date, outside_effective_dates)
        values = resolve_params(table, params)
        filled = table.with_parameters(values)  # the window may be a $parameter
        return cls(
            table,
            date,
            values,
            classification,
            table_hash(table),
            window_years(date, filled.window),
            out_of_force,
        )

    def result(self, rated: pd.DataFrame, rejects: _Rejects) -> RerateResult:
        return RerateResult(
            rated=rated,
            rejects=rejects.frame(),
            failure_cases=rejects.failure_cases(),
            table=self.table.with_parameters(dict(self.params)),
            table_hash=self.hash,
            as_of=self.as_of,
            window=self.window,
            params=dict(self.params),
            warnings=dict(rejects.warnings),
            out_of_force=self.out_of_force,
        )

    def provenance(self) -> dict[str, str]:
        return self.result(pd.DataFrame(), _Rejects()).provenance()

    def columns(self) -> list[str]:
        return columns_read(self.table)

    def rate(self, parts: _Partitions) -> Iterator[RerateResult]:
        """Each partition's result, in id order, with input row numbers of the whole file."""
        filled = [index for index in range(len(parts)) if parts.size(index)] or [0]
        totals: dict[str, AreaSums] | None = None
        if needs_area_totals(self.table):
            totals = add_all_area_sums(self.area_sums(parts.frame(index)[0]) for index in filled)
        at_once = min(RANGES_AT_ONCE, len(filled))
        if at_once < 2:
            for index in filled:
                yield self.rate_part(*parts.frame(index), totals)
                release_memory()
            return
        # Ranges are rated on threads (numpy and Arrow release the GIL for most of the
        # work), at most ``at_once`` in flight, and handed on in order.
        with ThreadPoolExecutor(max_workers=at_once) as pool:
            pending: deque[Future[RerateResult]] = deque()
            for index in filled:
                pending.append(pool.submit(self.load_and_rate, parts, index, totals))
                if len(pending) == at_once:
                    yield pending.popleft().result()
                    release_memory()
            while pending:
                yield pending.popleft().result()
                release_memory()

    def load_and_rate(
        self, parts: _Partitions, index: int, totals: dict[str, AreaSums] | None
    ) -> RerateResult:
        return self.rate_part(*parts.frame(index), totals)

    def area_sums(self, frame: pd.DataFrame) -> dict[str, AreaSums]:
        """Pass 1 over one partition."""
        return collect_area_sums(frame, self.table, self.as_of, self.params, self.classification)

    def rate_part(
        self, frame: pd.DataFrame, rows: np.ndarray, totals: dict[str, AreaSums] | None
    ) -> RerateResult:
        """Pass 2 over one partition: ``rows`` are its rows' numbers in the whole input."""
        result = rate_with_totals(
            frame, self.table, self.as_of, self.params, self.classification, totals
        )
        return with_input_rows(result, rows)


def with_input_rows(result: RerateResult, rows: np.ndarray) -> RerateResult:
    """``result`` of one part of a batch with the row numbers of its rejects and failure
    cases turned into input row numbers (``rows``: the part's rows' numbers)."""
    for failures in (result.rejects, result.failure_cases):
        failures["row"] = rows[failures["row"].to_numpy(dtype=np.int64)]
    return result


def release_memory() -> None:
    """Hand the memory freed by a partition back to the system: Arrow's pool and glibc's
    heap keep it otherwise, and the resident size would creep up partition by partition."""
    import ctypes

    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def add_all_area_sums(parts: Iterable[dict[str, AreaSums]]) -> dict[str, AreaSums]:
    """The batch's area sums per scope: the partitions' sums added."""
    totals: dict[str, AreaSums] = {}
    for sums in parts:
        for label, part in sums.items():
            totals[label] = add_area_sums(totals.get(label, {}), part)
    return totals


class _Rejects:
    """Rejected employers of the partitions in id order; rows without an id go last."""

    def __init__(self) -> None:
        self.with_id: list[pd.DataFrame] = []
        self.without_id: list[pd.DataFrame] = []
        self.failures: list[pd.DataFrame] = []
        #: The partitions' warning counts, added (look-alike ids in different ranges are
        #: not counted: each range counts its own).
        self.warnings: dict[str, int] = {}

    def add(self, result: RerateResult) -> None:
        rejects = result.rejects
        no_id = rejects["employer_id"].isna().to_numpy()
        self.with_id.append(rejects[~no_id])
        self.without_id.append(rejects[no_id])
        self.failures.append(result.failure_cases)
        for name, count in result.warnings.items():
            self.warnings[name] = self.warnings.get(name, 0) + int(count)

    def frame(self) -> pd.DataFrame:
        if not self.with_id:
            return empty_rejects()
        without = _concat(self.without_id).sort_values("row", kind="stable")
        return _concat([_concat(self.with_id), without])

    def failure_cases(self) -> pd.DataFrame:
        return _concat(self.failures) if self.failures else empty_rejects()


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    filled = [frame for frame in frames if len(frame)]
    if not filled:
        return frames[0].iloc[0:0].reset_index(drop=True)
    return (
        pd.concat(filled, ignore_index=True)
        if len(filled) > 1
        else filled[0].reset_index(drop=True)
    )


def _concat_rated(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Rated frames of consecutive id ranges as one, ``reasons`` categories in order of
    first appearance (as one run builds them)."""
    filled = [frame for frame in frames if len(frame)]
    if len(filled) <= 1:
        return (filled or frames)[0].reset_index(drop=True)
    reasons = pd.api.types.union_categoricals([frame["reasons"] for frame in filled])
    combined = pd.concat(filled, ignore_index=True)
    combined["reasons"] = reasons
    return combined


def _write_rated(
    frames: Iterator[pd.DataFrame],
    empty: Callable[[], pd.DataFrame],
    path: str | Path,
    metadata: dict,
) -> int:
    """Write consecutive rated frames as one file; returns the number of rows written.
    ``empty()`` is the empty rated frame, written when there are no frames."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise ValueError(f"cannot write {str(path)!r}: use a .csv or .parquet file")
    count = 0

    def write_csv(temporary: str) -> None:
        nonlocal count
        for frame in _nonempty(frames, empty):
            header = count == 0
            frame.to_csv(
                temporary,
                index=False,
                lineterminator="\n",
                header=header,
                mode="w" if header else "a",
            )
            count += len(frame)

    def write_parquet(temporary: str) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        nonlocal count
        writer = None
        pending: list[Any] = []
        waiting = 0
        for frame in _nonempty(frames, empty):
            table = arrow_table(frame, metadata)
            if writer is None:
                writer = pq.ParquetWriter(temporary, table.schema)
            pending.append(table)
            waiting += len(table)
            count += len(table)
            if waiting >= ROW_GROUP:
                # Whole row groups now, as one write of everything would cut them.
                joined = pa.concat_tables(pending)
                cut = waiting - waiting % ROW_GROUP
                whole_groups = joined.slice(0, cut).combine_chunks()  # see io.arrow_table
                writer.write_table(whole_groups, row_group_size=ROW_GROUP)
                # A copy of the rest: a slice would keep every table written so far alive.
                rest = joined.slice(cut)
                pending = [rest.take(pa.array(np.arange(len(rest))))]
                waiting -= cut
                del joined, rest, whole_groups
        if writer is not None:
            if waiting or count == 0:
                rest = pa.concat_tables(pending).combine_chunks()
                writer.write_table(rest, row_group_size=ROW_GROUP)
            writer.close()

    atomic_write(path, write_csv if suffix == ".csv" else write_parquet)
    return count


def _nonempty(
    frames: Iterator[pd.DataFrame], empty: Callable[[], pd.DataFrame]
) -> Iterator[pd.DataFrame]:
    """The frames, or the empty frame once when there are none (the file gets its header)."""
    any_frame = False
    for frame in frames:
        any_frame = True
        yield frame
    if not any_frame:
        yield empty()


# -- partitions ------------------------------------------------------------------------


class _Partitions:
    """Employer ranges of an extract: ``frame(k)`` is partition k's rows in input order and
    their input row numbers."""

    directory: Path
    input_rows: int

    def __len__(self) -> int:  # pragma: no cover - interface
        raise NotImplementedError

    def frame(self, index: int) -> tuple[pd.DataFrame, np.ndarray]:  # pragma: no cover
        raise NotImplementedError

    def size(self, index: int) -> int:  # pragma: no cover
        """Rows in partition ``index``."""
        raise NotImplementedError


class _FramePartitions(_Partitions):
    def __init__(self, extract: pd.DataFrame, count: int, directory: Path) -> None:
        keys = employer_keys(extract["employer_id"])
        bucket = bucket_of(keys, boundaries(_distinct_sorted(keys), count))
        order = np.argsort(bucket, kind="stable")
        edges = np.searchsorted(bucket[order], np.arange(count + 1))
        self.rows = [order[edges[k] : edges[k + 1]] for k in range(count)]
        self.extract = extract
        self.directory = directory
        self.input_rows = len(extract)

    def __len__(self) -> int:
        return len(self.rows)

    def size(self, index: int) -> int:
        return len(self.rows[index])

    def frame(self, index: int) -> tuple[pd.DataFrame, np.ndarray]:
        rows = self.rows[index]
        return self.extract.iloc[rows].reset_index(drop=True), rows


class _FilePartitions(_Partitions):
    """A file extract spilled into one file per employer range."""

    def __init__(
        self,
        path: Path,
        columns: list[str],
        count: int | None,
        limit: int | None,
        directory: Path,
        read: Mapping[str, Any],
    ) -> None:
        self.directory = directory
        reader = extract_batches(path, columns, batch_rows=BATCH_ROWS, **read)
        ids = extract_batches(path, ["employer_id"], batch_rows=BATCH_ROWS, **read)
        sample, self.input_rows = _sample_keys(ids)
        if count is None:
            count = 1 if limit is None else partitions_for(self.input_rows, limit)
        bounds = boundaries(_distinct_sorted(sample), count)
        arrow = path.is_dir() or path.suffix.lower() in (".parquet", ".pq")
        spill = _ArrowSpill if arrow else _PickleSpill
        self.spill = spill(directory / "input", len(bounds) + 1)
        offset = 0
        for batch, buckets in _with_ranges(reader(), bounds):
            self.spill.split(batch, buckets, offset)
            offset += len(buckets)
        self.spill.close()

    def __len__(self) -> int:
        return self.spill.count

    def size(self, index: int) -> int:
        return self.spill.sizes[index]

    def frame(self, index: int) -> tuple[pd.DataFrame, np.ndarray]:
        frame = self.spill.read(index)
        rows = frame.pop(ROW).to_numpy(dtype=np.int64)
        return frame, rows


class _partitioned:
    """Context manager: the partitions of a DataFrame or file, spill files removed after."""

    def __init__(
        self,
        extract: pd.DataFrame | str | Path,
        run: _Run,
        partitions: int | None,
        memory_limit: str | int | None,
        spill_dir: str | Path | None,
        read: Mapping[str, Any] | None = None,
    ) -> None:
        if partitions is not None and (not isinstance(partitions, int) or partitions < 1):
            raise ParameterError(f"partitions must be a positive integer, got {partitions!r}")
        self.args = (extract, run, partitions, memory_limit, spill_dir, read or {})

    def __enter__(self) -> _Partitions:
        extract, run, partitions, memory_limit, spill_dir, read = self.args
        limit = None if memory_limit is None else parse_memory(memory_limit)
        self.directory = Path(tempfile.mkdtemp(prefix="ratefloat-", dir=spill_dir))
        try:
            if isinstance(extract, pd.DataFrame):
                if partitions is None:
                    partitions = 1 if limit is None else partitions_for(len(extract), limit)
                return _FramePartitions(extract, partitions, self.directory)
            path = Path(extract)
            return _FilePartitions(path, run.columns(), partitions, limit, self.directory, read)
        except BaseException:
            shutil.rmtree(self.directory, ignore_errors=True)
            raise

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


# -- employer keys and ranges ----------------------------------------------------------


def employer_keys(ids: pd.Series) -> Any:
    """Each row's employer id as Arrow text, null where missing or invalid: the normal
    text :func:`ratefloat.rerate` groups and sorts by (see :mod:`ratefloat.ids`)."""
    import pyarrow as pa

    from .ids import normalise_employer_ids

    values = ids.array if isinstance(ids.dtype, pd.api.extensions.ExtensionDtype) else ids
    normal = normalise_employer_ids(np.asarray(values) if values is ids else values)
    return pa.array(normal.text, type=pa.string())


def _batch_keys(batch: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    from .ids import WHITESPACE

    column = batch.column(batch.schema.get_field_index("employer_id"))
    kind = column.type
    if pa.types.is_dictionary(kind):
        column, kind = column.dictionary_decode(), kind.value_type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        # Blank ids become "": they are rejected row by row, in whatever range.
        return pc.utf8_trim(column.cast(pa.string()), characters=WHITESPACE)
    if pa.types.is_integer(kind):
        return column.cast(pa.string())
    return employer_keys(column.to_pandas())


def _distinct_sorted(keys: Any) -> Any:
    import pyarrow.compute as pc

    distinct = pc.unique(keys).drop_null()
    return distinct.take(pc.sort_indices(distinct))


def boundaries(sorted_keys: Any, count: int) -> Any:
    """``count - 1`` ids splitting ``sorted_keys`` (distinct, sorted) into equal ranges."""
    import pyarrow as pa

    n = len(sorted_keys)
    count = max(1, min(count, n))
    cuts = sorted({(n * k) // count for k in range(1, count)})
    return sorted_keys.take(pa.array(cuts, type=pa.int64()))


def bucket_of(keys: Any, bounds: Any) -> np.ndarray:
    """Each key's range: how many boundaries are ≤ it (a binary search in Arrow, so ids
    are never turned into Python strings). Missing ids go to range 0."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(keys)
    low = np.zeros(n, dtype=np.int64)
    high = np.full(n, len(bounds), dtype=np.int64)
    while (open_ := low < high).any():
        middle = (low + high) // 2
        probe = bounds.take(pa.array(np.minimum(middle, max(len(bounds) - 1, 0))))
        above = pc.fill_null(pc.greater_equal(keys, probe), False).to_numpy(zero_copy_only=False)
        low = np.where(open_ & above, middle + 1, low)
        high = np.where(open_ & ~above, middle, high)
    return low


# -- reading and spilling files --------------------------------------------------------


def _keys(batch: Any) -> Any:
    """The employer ids of a batch (an Arrow record batch or a pandas chunk) as text."""
    from .errors import SchemaError

    names = batch.columns if isinstance(batch, pd.DataFrame) else batch.schema.names
    if "employer_id" not in names:
        raise SchemaError("the extract is missing the column employer_id")
    if isinstance(batch, pd.DataFrame):
        return employer_keys(batch["employer_id"])
    return _batch_keys(batch)


def _with_ranges(batches: Iterator[Any], bounds: Any) -> Iterator[tuple[Any, np.ndarray]]:
    """Each batch with the range of each of its rows, in order; the ranges of the next
    batches are computed on other threads while the caller writes this one."""
    with ThreadPoolExecutor(max_workers=RANGES_AT_ONCE) as pool:
        pending: deque[tuple[Any, Future[np.ndarray]]] = deque()
        for batch in batches:
            pending.append((batch, pool.submit(lambda b: bucket_of(_keys(b), bounds), batch)))
            if len(pending) > RANGES_AT_ONCE:
                batch, ranges = pending.popleft()
                yield batch, ranges.result()
        while pending:
            batch, ranges = pending.popleft()
            yield batch, ranges.result()


def _sample_keys(reader: Callable[[], Iterator[Any]], size: int = 1 << 17) -> tuple[Any, int]:
    """Every ``stride``-th id of the file (the stride doubles to keep about ``size`` of
    them, so the sample stays spread evenly), and the file's number of rows."""
    import pyarrow as pa

    kept: list[Any] = []
    positions: list[np.ndarray] = []
    stride, rows = 1, 0
    for batch in reader():
        keys = _keys(batch)
        chosen = np.arange(-rows % stride, len(keys), stride)
        kept.append(keys.take(pa.array(chosen)))
        positions.append(chosen + rows)
        rows += len(keys)
        if sum(len(k) for k in kept) > 2 * size:
            stride *= 2
            merged, where = pa.concat_arrays(kept), np.concatenate(positions)
            keep = where % stride == 0
            kept, positions = [merged.filter(pa.array(keep))], [where[keep]]
    sample = pa.concat_arrays(kept) if kept else pa.array([], type=pa.string())
    return sample.drop_null(), rows


def _split_positions(buckets: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(buckets, kind="stable")
    return order, np.searchsorted(buckets[order], np.arange(count + 1))


class _ArrowSpill:
    """One Arrow IPC file per partition, read back as ``pandas.read_parquet`` converts."""

    def __init__(self, directory: Path, count: int) -> None:
        directory.mkdir(parents=True)
        self.directory = directory
        self.count = count
        self.writers: list[Any] = [None] * count
        self.sizes = [0] * count
        self.schema: Any = None

    def path(self, index: int) -> Path:
        return self.directory / f"{index:05d}.arrow"

    def split(self, batch: Any, buckets: np.ndarray, offset: int) -> None:
        import pyarrow as pa

        rows = pa.array(np.arange(offset, offset + len(buckets), dtype=np.int64))
        batch = pa.RecordBatch.from_arrays(
            [*batch.columns, rows], schema=batch.schema.append(pa.field(ROW, pa.int64()))
        )
        self.schema = batch.schema
        order, edges = _split_positions(buckets, self.count)
        ordered = batch.take(pa.array(order))
        for index in range(self.count):
            piece = ordered.slice(edges[index], edges[index + 1] - edges[index])
            self.sizes[index] += len(piece)
            if len(piece):
                if self.writers[index] is None:
                    self.writers[index] = pa.ipc.new_file(str(self.path(index)), piece.schema)
                self.writers[index].write_batch(piece)

    def close(self) -> None:
        for writer in self.writers:
            if writer is not None:
                writer.close()

    def read(self, index: int) -> pd.DataFrame:
        if self.writers[index] is None:
            import pyarrow as pa

            if self.schema is None:  # an empty file: read its columns
                return pd.DataFrame({ROW: np.array([], dtype=np.int64)})
            return pa.Table.from_batches([], schema=self.schema).to_pandas()
        return pd.read_feather(self.path(index))


class _PickleSpill:
    """One file of pickled pandas pieces per partition (a CSV's chunks keep their types;
    pieces combine as ``pandas.concat`` combines them)."""

    def __init__(self, directory: Path, count: int) -> None:
        directory.mkdir(parents=True)
        self.directory = directory
        self.count = count
        self.used = [False] * count
        self.sizes = [0] * count
        self.template: pd.DataFrame | None = None

    def path(self, index: int) -> Path:
        return self.directory / f"{index:05d}.pickle"

    def add(self, index: int, frame: pd.DataFrame) -> None:
        with open(self.path(index), "ab") as handle:
            pickle.dump(frame, handle, protocol=pickle.HIGHEST_PROTOCOL)
        self.used[index] = True
        self.sizes[index] += len(frame)

    def split(self, frame: pd.DataFrame, buckets: np.ndarray, offset: int) -> None:
        frame[ROW] = np.arange(offset, offset + len(frame), dtype=np.int64)
        self.template = frame.iloc[0:0] if self.template is None else self.template
        order, edges = _split_positions(buckets, self.count)
        for index in range(self.count):
            if edges[index + 1] > edges[index]:
                self.add(index, frame.iloc[order[edges[index] : edges[index + 1]]])

    def close(self) -> None:
        pass

    def pieces(self, index: int) -> Iterator[pd.DataFrame]:
        if not self.used[index]:
            return
        with open(self.path(index), "rb") as handle:
            while True:
                try:
                    yield pickle.load(handle)
                except EOFError:
                    return

    def read(self, index: int) -> pd.DataFrame:
        pieces = list(self.pieces(index))
        if not pieces:
            if self.template is not None:
                return self.template
            return pd.DataFrame({ROW: np.array([], dtype=np.int64)})
        return pd.concat(pieces, ignore_index=True) if len(pieces) > 1 else pieces[0]

    def frames(self) -> Iterator[pd.DataFrame]:
        for index in range(self.count):
            if self.used[index]:
                yield self.read(index)
