"""Re-rating a large in-memory extract as two employer ranges on two threads: same result.

:func:`ratefloat.rerate` hands a large extract here. Its rows are split at one employer
id (the median of a sample of ids), so each employer's rows fall in one half whatever the
order of the rows; each half runs the single-run pipeline on its own thread (numpy and
Arrow release the GIL for most of the work), with the batch's area sums when the table
has area figures (:func:`ratefloat.rerate.collect_area_sums`, a first pass as in
:mod:`ratefloat.partitioned`). The halves' rated frames, each sorted by id, concatenate
into the sorted frame of one run; rejects and failure cases keep the input row numbers.

It applies to ids stored as Arrow text whose every value starts and ends with a printable
ASCII character (the raw text is then the normal id: nothing to strip) and to numpy
integer ids; other extracts, small ones, and runs that raise an error are rated in one
piece, so errors and their messages are the single run's.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from .errors import RateFloatError
from .fixed_width import PRINTABLE_ASCII
from .ids import count_lookalike_ids
from .indicators import AreaSums
from .partitioned import _Rejects, _Run, add_all_area_sums, with_input_rows
from .rerate import collect_area_sums, evaluate_prepared, needs_area_totals, prepare_part
from .result import RerateResult
from .schema import arrow_text

__all__ = ["MIN_ROWS", "rerate_in_halves", "split_by_employer"]

#: Extracts with fewer rows are rated in one piece: the split and the threads cost more
#: than they save.
MIN_ROWS = 1 << 18
#: Ids sampled to choose the split.
SAMPLE = 1 << 12


@dataclass(frozen=True)
class Half:
    """One employer range: its rows (a view when the extract is sorted by id) and their
    positions in the whole extract."""

    frame: pd.DataFrame
    rows: np.ndarray


def rerate_in_halves(
    extract: pd.DataFrame,
    rules: Any,
    as_of: Any,
    params: Mapping[str, Any] | None,
    classification: Any,
    outside_effective_dates: str,
    min_rows: int = MIN_ROWS,
) -> RerateResult | None:
    """:func:`ratefloat.rerate` on two threads, or None where it does not apply (then the
    caller rates the extract in one piece): fewer than ``min_rows`` rows, ids of another
    kind, or an error."""
    if len(extract) < min_rows or "employer_id" not in extract.columns:
        return None
    try:
        run = _Run.of(rules, as_of, params, classification, outside_effective_dates)
        read = [n for n in run.columns() if n != "industry_code" or classification is not None]
        halves = split_by_employer(extract, read)
        if halves is None:
            return None
        with ThreadPoolExecutor(max_workers=2) as pool:
            totals: dict[str, AreaSums] | None = None
            if needs_area_totals(run.table):
                sums = pool.map(lambda half: _area_sums(run, half.frame), halves)
                totals = add_all_area_sums(sums)
            rated = list(pool.map(lambda half: _rate(run, half, totals), halves))
    except RateFloatError:
        return None  # the single run raises it again, about the whole extract
    return _combine(run, rated)


def split_by_employer(extract: pd.DataFrame, columns: list[str]) -> list[Half] | None:
    """The extract's rows in two employer ranges, or None if the ids are not of a kind
    whose raw values order and group as their normal text."""
    ids = extract["employer_id"]
    if not isinstance(ids, pd.Series):  # a duplicated column: the single run says so
        return None
    keys = _text_keys(ids)
    if keys is None:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(keys)
    sample = pc.unique(keys.take(pa.array(np.arange(0, n, max(1, n // SAMPLE)))))
    if len(sample) < 2:
        return None
    pivot = sample.take(pc.sort_indices(sample))[len(sample) // 2]  # above the smallest
    upper = pc.greater_equal(keys, pivot).to_numpy(zero_copy_only=False)
    lower_rows = n - int(np.count_nonzero(upper))
    if lower_rows in (0, n):
        return None
    if not upper[:lower_rows].any():  # sorted by id: two views
        bounds = [(0, lower_rows), (lower_rows, n)]
        return [Half(extract.iloc[a:b], np.arange(a, b)) for a, b in bounds]
    read = [name for name in extract.columns if name in set(columns) | {"employer_id"}]
    narrow = extract[read] if len(read) < len(extract.columns) else extract
    positions = [np.flatnonzero(~upper), np.flatnonzero(upper)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        frames = pool.map(lambda rows: narrow.iloc[rows].reset_index(drop=True), positions)
        return [Half(frame, rows) for frame, rows in zip(frames, positions, strict=True)]


def _text_keys(ids: pd.Series) -> Any:
    """The ids as Arrow text when that is their normal text (see the module docs), else
    None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(ids.dtype, np.dtype) and ids.dtype.kind in "iu":
        return pc.cast(pa.array(ids.to_numpy()), pa.string())
    chunked = arrow_text(ids.array)
    if chunked is None:
        return None
    if not all(_ends_printable(chunk) for chunk in chunked.chunks):
        return None
    return chunked


def _ends_printable(text: Any) -> bool:
    """Whether every value of an Arrow string array starts and ends with a printable ASCII
    character: none is empty (a missing id) and none has whitespace to strip."""
    import pyarrow as pa

    if not len(text):
        return True
    large = pa.types.is_large_string(text.type)
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64 if large else np.int32)
    offsets = offsets[text.offset : text.offset + len(text) + 1]
    if (np.diff(offsets) <= 0).any():
        return False
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)
    ends = np.concatenate((data[offsets[:-1]], data[offsets[1:] - 1]))
    low, high = PRINTABLE_ASCII
    return not ((ends < low) | (ends > high)).any()


def _area_sums(run: _Run, frame: pd.DataFrame) -> dict[str, AreaSums]:
    return collect_area_sums(frame, run.table, run.as_of, run.params, run.classification)


@dataclass(frozen=True)
class _Rated:
    result: RerateResult
    employer_ids: Any  #: the half's distinct ids (rated and rejected), as Arrow text


def _rate(run: _Run, half: Half, totals: dict[str, AreaSums] | None) -> _Rated:
    prepared = prepare_part(half.frame, run.table, run.as_of, run.params, run.classification)
    result = evaluate_prepared(prepared, params=run.params, area_totals=totals)
    return _Rated(with_input_rows(result, half.rows), _arrow_ids(prepared.validated))


def _arrow_ids(validated: Any) -> Any:
    import pyarrow as pa

    if validated.employer_ids_arrow is not None:
        return validated.employer_ids_arrow
    return pa.array(validated.employer_ids, type=pa.string())


def _combine(run: _Run, halves: list[_Rated]) -> RerateResult:
    """One result from the halves' results, as the single run builds it. The halves'
    columns are released as they are joined, so the output is never held twice."""
    import pyarrow as pa

    gathered = _Rejects()
    for half in halves:
        gathered.add(half.result)
    # Look-alike ids may sit in different halves: count them over all ids at once.
    everyone = pa.concat_arrays([half.employer_ids.cast(pa.large_string()) for half in halves])
    results = [half.result for half in halves]
    del halves
    with ThreadPoolExecutor(max_workers=1) as aside:
        lookalikes = aside.submit(count_lookalike_ids, None, everyone)
        rated = _join_rated([result.rated for result in results])
        inputs = _join_inputs([result.inputs or {} for result in results])
        gathered.warnings["lookalike_ids"] = lookalikes.result()
    result = run.result(rated, gathered)
    in_row_order = result.failure_cases.sort_values("row", kind="stable")
    return replace(result, failure_cases=in_row_order.reset_index(drop=True), inputs=inputs)


def _join_rated(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The halves' rated frames one after the other; ``reasons`` categories in order of
    first appearance."""
    filled = [frame for frame in frames if len(frame)]
    if len(filled) <= 1:  # an empty half's columns may have other dtypes: not joined
        return (filled or frames)[0].reset_index(drop=True)
    names = list(filled[0].columns)
    parts = {name: [frame.pop(name) for frame in filled] for name in names}

    def join(name: str, columns: list[pd.Series]) -> Any:
        if name == "reasons":
            return pd.api.types.union_categoricals(columns)
        return pd.concat(columns, ignore_index=True)

    return pd.DataFrame(_join_on_threads(parts, join), copy=False)


def _join_inputs(inputs: list[dict[str, Any]]) -> dict[str, Any]:
    """The engine inputs of the halves' rated employers, in rated order."""
    order = list(inputs[0])
    out: dict[str, Any] = {}
    parts: dict[str, list[np.ndarray]] = {}
    for name, value in list(inputs[0].items()):
        if isinstance(value, np.ndarray):
            arrays = [half.pop(name) for half in inputs]
            parts[name] = [array for array in arrays if len(array)] or arrays[:1]
        else:  # parameters and batch figures: the same in every half
            out[name] = value

    def join(name: str, arrays: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(arrays) if len(arrays) > 1 else arrays[0]

    joined = _join_on_threads(parts, join)
    out.update(joined)
    return {name: out[name] for name in order}


def _join_on_threads(parts: dict[str, list[Any]], join: Any) -> dict[str, Any]:
    """``join(name, pieces)`` for every name, on two threads (the copies release the GIL);
    each name's pieces are dropped as soon as they are joined, so the halves and the
    whole are not all held at once."""
    names = list(parts)

    def one(name: str) -> Any:
        return join(name, parts.pop(name))

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(names, pool.map(one, names), strict=True))
