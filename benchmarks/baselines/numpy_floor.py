"""The memory-bandwidth floor: one numpy pass over every input column the rule reads.

No logic at all: each column's underlying buffer is reduced once with ``.sum()``. Numeric and
datetime columns are summed as their numpy arrays (datetimes viewed as int64); an
Arrow-backed string column (the pandas 3 default for ``employer_id``) is summed as its raw
offsets and character buffers viewed as unsigned integers. Any rating engine has to read at
least these bytes, so this is the time no implementation can beat.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import rule


def floor(frame: pd.DataFrame) -> float:
    """Read every byte of the rule's input columns once; returns a meaningless checksum."""
    total = 0.0
    for name in rule.INPUT_COLUMNS + rule.OPTIONAL_COLUMNS:
        if name in frame.columns:
            total += float(_column_sum(frame[name]))
    return total


def floor_bytes(frame: pd.DataFrame) -> int:
    """How many bytes :func:`floor` reads (for a GB/s figure)."""
    return sum(
        sum(b.nbytes for b in _buffers(frame[c]))
        for c in rule.INPUT_COLUMNS + rule.OPTIONAL_COLUMNS
        if c in frame.columns
    )


def _column_sum(col: pd.Series) -> float:
    return sum(float(b.sum(dtype=np.float64 if b.dtype.kind == "f" else np.uint64))
               for b in _buffers(col))


def _buffers(col: pd.Series) -> list[np.ndarray]:
    """The column's memory as flat numpy arrays (views, no copies)."""
    if hasattr(col.array, "__arrow_array__"):  # Arrow-backed: offsets + characters
        out = []
        for chunk in col.array.__arrow_array__().chunks:
            for buf in chunk.buffers()[1:]:
                if buf is not None:
                    out.append(np.frombuffer(buf, dtype=np.uint64, count=buf.size // 8))
        return out
    values = col.to_numpy()
    if values.dtype == object:
        raise TypeError(f"column {col.name!r} holds Python objects: no single numpy pass")
    if values.dtype.kind == "M":
        values = values.view(np.int64)
    if values.dtype == np.bool_:
        values = values.view(np.uint8)
    return [values]
