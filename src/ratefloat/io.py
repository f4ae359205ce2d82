"""Reading extracts and writing results (CSV or Parquet), atomically.

Parquet needs ``pyarrow`` (the ``ratefloat[parquet]`` extra). Outputs are written to a
temporary file beside the target and renamed into place, so a failed run never leaves a
half-written file where the next job would read it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "read_extract",
    "write_frame",
    "write_json",
    "csv_options",
    "arrow_table",
    "atomic_write",
    "EXTRACT_DTYPES",
]

#: Column types forced when reading CSV, so ids and codes keep their leading zeros.
EXTRACT_DTYPES = {"employer_id": str, "industry_code": str}


def read_extract(path: str | Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read an employer-year extract from ``.csv`` or ``.parquet``.

    With ``columns``, only those of them that the file has are read (a Parquet file then
    reads a fraction of its bytes); a missing required one is reported by validation.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the suffix is neither ``.csv`` nor ``.parquet``/``.pq``.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"extract {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    wanted = None if columns is None else set(columns)
    if suffix == ".csv":
        return pd.read_csv(path, **csv_options(columns))
    if suffix in (".parquet", ".pq"):
        _require_pyarrow()
        import pyarrow.parquet as pq

        present = pq.read_schema(path).names
        chosen = None if wanted is None else [name for name in present if name in wanted]
        return pd.read_parquet(path, columns=chosen)
    raise ValueError(f"cannot read {str(path)!r}: use a .csv or .parquet file")


def csv_options(columns: Sequence[str] | None = None) -> dict[str, Any]:
    """The ``pandas.read_csv`` options extracts are read with (whole or in chunks)."""
    wanted = None if columns is None else set(columns)
    usecols = None if wanted is None else (lambda name: name in wanted)
    return {"dtype": EXTRACT_DTYPES, "keep_default_na": True, "usecols": usecols}


def arrow_table(frame: pd.DataFrame, metadata: dict[str, str] | None = None) -> Any:
    """``frame`` as the Arrow table written to Parquet, with ``metadata`` in its schema."""
    _require_pyarrow()
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    extra = {f"ratefloat.{k}".encode(): str(v).encode() for k, v in (metadata or {}).items()}
    return table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})


def write_frame(
    frame: pd.DataFrame, path: str | Path, metadata: dict[str, str] | None = None
) -> Path:
    """Write ``frame`` to ``.csv`` or ``.parquet`` atomically; Parquet keeps ``metadata``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _atomic(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        table = arrow_table(frame, metadata)
        return _atomic(path, lambda tmp: pq.write_table(table, tmp))
    raise ValueError(f"cannot write {str(path)!r}: use a .csv or .parquet file")


def write_json(payload: dict[str, Any], path: str | Path) -> Path:
    """Write ``payload`` as indented UTF-8 JSON, atomically."""
    text = json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n"
    return _atomic(Path(path), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def atomic_write(path: str | Path, write: Callable[[str], Any]) -> Path:
    """Call ``write(temporary_path)``, then rename the file to ``path`` (removed on error)."""
    return _atomic(Path(path), write)


def _atomic(path: Path, write: Callable[[str], Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ImportError(
            "Parquet needs pyarrow: pip install 'ratefloat[parquet]' (or use CSV)"
        ) from None
