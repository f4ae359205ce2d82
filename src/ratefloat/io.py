"""Reading extracts and writing results in the formats agencies use.

Extracts are read from CSV (any encoding, optionally gzip-compressed, or standard input),
Excel ``.xlsx``, a Parquet file or a Parquet dataset folder. Column names are mapped to the
vocabulary at read time: a site mapping first, then each column's Chinese name and aliases
(:data:`ratefloat.schema.COLUMNS`), so an export headed 单位编号, 年度, 平均参保人数 … is read as
``employer_id``, ``year``, ``avg_insured`` ….

Results are written as CSV (optionally gzip, optionally for Excel: BOM and neutralised
formulas), ``.xlsx`` or Parquet. :func:`write_frame` writes to a temporary file beside the
target and renames it; a run's set of files is committed together by
:class:`ratefloat.outputs.OutputSet`.

Parquet needs ``pyarrow`` (the ``ratefloat[parquet]`` extra), Excel needs ``openpyxl``
(the ``ratefloat[excel]`` extra).
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import secrets
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import pandas as pd

__all__ = [
    "read_extract",
    "read_column_mapping",
    "header_mapping",
    "write_frame",
    "write_json",
    "arrow_table",
    "atomic_write",
    "extract_batches",
    "extract_columns",
    "neutralise_formulas",
    "ExtractReadError",
    "EXTRACT_DTYPES",
    "READ_SUFFIXES",
    "WRITE_SUFFIXES",
    "STDIN",
]

#: Column types forced when reading CSV, so ids and codes keep their leading zeros.
EXTRACT_DTYPES = {"employer_id": str, "industry_code": str}
#: File name endings :func:`read_extract` understands (a folder is a Parquet dataset).
READ_SUFFIXES = (".csv", ".csv.gz", ".xlsx", ".parquet", ".pq")
#: File name endings :func:`write_frame` writes.
WRITE_SUFFIXES = (".csv", ".csv.gz", ".xlsx", ".parquet", ".pq")
#: The extract path that means standard input (CSV).
STDIN = "-"
#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_DECODE_CHUNK = 1 << 20


class ExtractReadError(ValueError):
    """An extract cannot be read; the message names the file and, for text, the line."""


def read_extract(
    path: str | Path,
    columns: Sequence[str] | None = None,
    *,
    encoding: str = "utf-8",
    mapping: Mapping[str, str] | None = None,
    stdin: IO[bytes] | None = None,
) -> pd.DataFrame:
    """Read an employer-year extract, with its columns named as in the vocabulary.

    Parameters
    ----------
    path
        A ``.csv`` / ``.csv.gz`` / ``.xlsx`` / ``.parquet`` file, a folder of Parquet files
        (a dataset), or ``"-"`` for CSV on standard input.
    columns
        Vocabulary names to read; the others are skipped (a Parquet file then reads a
        fraction of its bytes). A missing required one is reported by validation.
    encoding
        Text encoding of CSV input: ``utf-8`` (a byte-order mark is accepted),
        ``utf-8-sig``, ``gb18030``, ``gbk``, or any Python codec name.
    mapping
        Site column names → vocabulary names, applied before the built-in aliases.
    stdin
        The byte stream read for ``"-"`` (default: the process's standard input).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ExtractReadError
        An unknown suffix, text that is not in ``encoding`` (naming the line), or two
        columns that map to the same vocabulary name.
    """
    name = str(path)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ExtractReadError(f"unknown encoding {encoding!r} (try utf-8 or gb18030)") from None
    given = encoding
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        encoding = "utf-8-sig"  # tolerate the BOM Excel and Windows tools write
    if name == STDIN:
        data = (stdin or sys.stdin.buffer).read()
        _check_decodes(io.BytesIO(data), encoding, "standard input", given)
        return _read_csv(lambda: io.BytesIO(data), encoding, columns, mapping, name)
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"extract {name!r} does not exist")
    lower = path.name.lower()
    if path.is_dir() or lower.endswith((".parquet", ".pq")):
        return _read_parquet(path, columns, mapping)
    if lower.endswith((".csv", ".csv.gz")):

        def opener() -> IO[bytes]:
            return gzip.open(path, "rb") if lower.endswith(".gz") else open(path, "rb")  # noqa: SIM115

        with opener() as handle:
            try:
                _check_decodes(handle, encoding, name, given)
            except (gzip.BadGzipFile, EOFError) as exc:
                raise ExtractReadError(f"extract {name!r} is not a gzip file: {exc}") from None
        return _read_csv(opener, encoding, columns, mapping, name)
    if lower.endswith(".xlsx"):
        _require("openpyxl", "Excel files need openpyxl: pip install 'ratefloat[excel]'")
        header = pd.read_excel(path, nrows=0, engine="openpyxl").columns
        renames, usecols = _plan_columns(header, columns, mapping, name)
        frame = pd.read_excel(path, engine="openpyxl", usecols=usecols, dtype=_dtypes(renames))
        return frame.rename(columns=renames)
    raise ExtractReadError(
        f"cannot read {name!r}: use a {', '.join(READ_SUFFIXES)} file, a Parquet folder or -"
    )


def header_mapping(
    names: Sequence[str], mapping: Mapping[str, str] | None = None, origin: str = "the extract"
) -> dict[str, str]:
    """File column → vocabulary name, for the columns whose names are mapped.

    A name of ``mapping`` wins; otherwise a column whose name (trimmed, case-insensitive)
    is a vocabulary name, its Chinese name or one of its aliases takes the vocabulary
    name, in that order of preference. Raises :class:`ExtractReadError` if two columns
    match one name equally well.
    """
    from .schema import COLUMNS

    # Rank of a match: a site name first, then the vocabulary name, its Chinese name, an
    # alias. A column that matches less well than another one of the same target keeps
    # its own name (an export with 平均参保人数 and 年平均参保人数 uses the first).
    ranks: dict[str, tuple[int, str]] = {}
    for spec in COLUMNS:
        for rank, aliases in ((3, spec.aliases), (2, (spec.zh,)), (1, (spec.name,))):
            for alias in aliases:
                ranks[_fold(alias)] = min(ranks.get(_fold(alias), (9, "")), (rank, spec.name))
    for source, target in (mapping or {}).items():
        ranks[_fold(source)] = (0, target)
    best: dict[str, tuple[int, str]] = {}
    for name in names:
        rank, target = ranks.get(_fold(name), (1, str(name)))
        if target in best and best[target][0] == rank:
            raise ExtractReadError(
                f"{origin}: columns {best[target][1]!r} and {name!r} both mean {target!r}; "
                "drop one or map it to another name with --columns"
            )
        if target not in best or rank < best[target][0]:
            best[target] = (rank, str(name))
    chosen = {source for _, source in best.values()}
    for name in names:
        if name not in chosen and name in best:
            raise ExtractReadError(
                f"{origin}: column {name!r} and the column {best[name][1]!r} mapped to it "
                "would have one name; map one of them to another name with --columns"
            )
    return {source: target for target, (_, source) in best.items() if source != target}


def read_column_mapping(path: str | Path) -> dict[str, str]:
    """Read a site mapping (YAML or JSON): ``file column name: vocabulary name``.

    Raises
    ------
    ExtractReadError
        Naming the file, if it cannot be parsed or is not a mapping of names to names.
    """
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExtractReadError(f"column mapping {str(path)!r} does not exist") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ExtractReadError(f"column mapping {str(path)!r} cannot be parsed: {exc}") from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ExtractReadError(
            f"column mapping {str(path)!r} must map file column names to vocabulary names, "
            "one 'name in the file: vocabulary_name' per line"
        )
    return data


def write_frame(
    frame: pd.DataFrame,
    path: str | Path,
    metadata: Mapping[str, Any] | None = None,
    *,
    excel: bool = False,
    atomic: bool = True,
) -> Path:
    """Write ``frame`` in the format its suffix names; Parquet keeps ``metadata``.

    ``excel=True`` writes CSV for spreadsheet users: UTF-8 with a byte-order mark, and text
    cells that a spreadsheet would run as a formula (starting with ``= + - @``, tab or
    carriage return) prefixed with ``'``. ``.xlsx`` output always neutralises them.
    With ``atomic`` the file is written beside the target and renamed into place.
    """
    path = Path(path)
    write = _writer(frame, path, metadata, excel)
    if not atomic:
        write(str(path))
        return path
    return _atomic(path, write)


def arrow_table(frame: pd.DataFrame, metadata: Mapping[str, Any] | None = None) -> Any:
    """``frame`` as the Arrow table written to Parquet, ``metadata`` in its schema under
    ``ratefloat.<key>``. Each column is one chunk: Parquet pages are cut where chunks
    end, so the bytes written then depend on the values only, not on how the frame's
    columns were put together (one run, two halves, many partitions)."""
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False).combine_chunks()
    extra = {f"ratefloat.{k}".encode(): str(v).encode() for k, v in (metadata or {}).items()}
    return table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})


def atomic_write(path: str | Path, write: Callable[[str], Any]) -> Path:
    """Call ``write(temporary_path)`` beside ``path``, then rename it into place."""
    return _atomic(Path(path), write)


def extract_batches(
    path: str | Path,
    columns: Sequence[str] | None = None,
    *,
    batch_rows: int = 1 << 16,
    encoding: str = "utf-8",
    mapping: Mapping[str, str] | None = None,
) -> Callable[[], Iterator[Any]]:
    """The rows of an extract in batches, for extracts larger than memory.

    Returns a function that yields the batches, named as :func:`read_extract` names the
    columns: ``pyarrow.RecordBatch`` for Parquet (a file or a dataset folder; converted to
    pandas they equal :func:`read_extract`'s frame), pandas frames read with its options
    for ``.csv`` and ``.csv.gz``. Calling it again reads the file again.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ExtractReadError
        For Excel files and standard input, which cannot be read in batches.
    """
    name = str(path)
    path = Path(path)
    if name == STDIN or name.lower().endswith(".xlsx"):
        raise ExtractReadError(
            f"cannot read {name!r} in batches: give a .csv, .csv.gz or .parquet file or a "
            "Parquet folder"
        )
    if not path.exists():
        raise FileNotFoundError(f"extract {name!r} does not exist")
    lower = path.name.lower()
    if path.is_dir() or lower.endswith((".parquet", ".pq")):
        _require("pyarrow", "Parquet needs pyarrow: pip install 'ratefloat[parquet]' (or use CSV)")
        import pyarrow.dataset as ds
        import pyarrow.parquet as pq

        dataset = ds.dataset(path, format="parquet")
        renames, usecols = _plan_columns(dataset.schema.names, columns, mapping, name)
        chosen = None if usecols is None else [n for n in dataset.schema.names if usecols(n)]

        def parquet_batches() -> Iterator[Any]:
            # File by file in the dataset's order, without the dataset scanner's read-ahead
            # and without pre-buffering (its cache grew with the file: 0.9 GiB resident
            # after reading 29 M rows, 0.2 GiB without).
            for file in dataset.files:
                with pq.ParquetFile(file, pre_buffer=False) as handle:
                    for batch in handle.iter_batches(batch_size=batch_rows, columns=chosen):
                        yield batch.rename_columns([renames.get(n, n) for n in batch.schema.names])

        return parquet_batches
    if not lower.endswith((".csv", ".csv.gz")):
        raise ExtractReadError(f"cannot read {name!r}: use a .csv, .csv.gz or .parquet file")
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ExtractReadError(f"unknown encoding {encoding!r} (try utf-8 or gb18030)") from None
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        encoding = "utf-8-sig"

    def opener() -> IO[bytes]:
        return gzip.open(path, "rb") if lower.endswith(".gz") else open(path, "rb")  # noqa: SIM115

    with opener() as handle:
        header = pd.read_csv(handle, nrows=0, encoding=encoding).columns
    renames, usecols = _plan_columns(header, columns, mapping, name)

    def csv_batches() -> Iterator[pd.DataFrame]:
        with (
            opener() as handle,
            pd.read_csv(
                handle,
                chunksize=batch_rows,
                dtype=_dtypes(renames),
                keep_default_na=True,
                usecols=usecols,
                encoding=encoding,
            ) as chunks,
        ):
            for chunk in chunks:
                yield chunk.rename(columns=renames)

    return csv_batches


def extract_columns(
    names: Sequence[str],
    columns: Sequence[str] | None = None,
    mapping: Mapping[str, str] | None = None,
    origin: str = "the extract",
) -> tuple[dict[str, str], list[str], dict[str, type]]:
    """How :func:`read_extract` reads a file with columns ``names``: the renames to the
    vocabulary, the file's columns to read for the vocabulary ``columns`` (all without),
    and the text types forced on CSV columns, under the file's names."""
    renames, usecols = _plan_columns(names, columns, mapping, origin)
    return renames, [n for n in names if usecols is None or usecols(n)], _dtypes(renames)


def write_json(payload: dict[str, Any], path: str | Path) -> Path:
    """Write ``payload`` as indented UTF-8 JSON, atomically."""
    text = json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n"
    return _atomic(Path(path), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix ``'`` to text cells that a spreadsheet would evaluate (CSV injection)."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            text = column.astype("string")
            risky = text.str.startswith(FORMULA_TRIGGERS).fillna(False).to_numpy(bool)
            if risky.any():
                values = column.to_numpy(dtype=object, copy=True)
                values[risky] = ["'" + value for value in values[risky]]
                column = pd.Series(values, index=column.index, name=name)
            out[name] = column
    return out


def _writer(
    frame: pd.DataFrame, path: Path, metadata: Mapping[str, Any] | None, excel: bool
) -> Callable[[str], Any]:
    lower = path.name.lower()
    if lower.endswith((".csv", ".csv.gz")):
        data = neutralise_formulas(frame) if excel else frame
        options = {
            "index": False,
            "lineterminator": "\n",
            "encoding": "utf-8-sig" if excel else "utf-8",
        }
        if lower.endswith(".gz"):
            # mtime=0 keeps the bytes of two runs on the same input identical.
            return lambda tmp: _write_gzip_csv(data, tmp, options)
        return lambda tmp: data.to_csv(tmp, **options)
    if lower.endswith((".parquet", ".pq")):
        _require("pyarrow", "Parquet needs pyarrow: pip install 'ratefloat[parquet]' (or use CSV)")
        import pyarrow.parquet as pq

        table = arrow_table(frame, metadata)
        return lambda tmp: pq.write_table(table, tmp)
    if lower.endswith(".xlsx"):
        _require("openpyxl", "Excel files need openpyxl: pip install 'ratefloat[excel]'")
        data = neutralise_formulas(frame)
        return lambda tmp: data.to_excel(tmp, index=False, engine="openpyxl")
    raise ExtractReadError(f"cannot write {str(path)!r}: use a {', '.join(WRITE_SUFFIXES)} file")


def _write_gzip_csv(frame: pd.DataFrame, path: str, options: dict[str, Any]) -> None:
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as handle,
    ):
        frame.to_csv(handle, **options)


def _read_csv(
    opener: Callable[[], IO[bytes]],
    encoding: str,
    columns: Sequence[str] | None,
    mapping: Mapping[str, str] | None,
    name: str,
) -> pd.DataFrame:
    with opener() as handle:
        header = pd.read_csv(handle, nrows=0, encoding=encoding).columns
    renames, usecols = _plan_columns(header, columns, mapping, name)
    with opener() as handle:
        frame = pd.read_csv(
            handle,
            dtype=_dtypes(renames),
            keep_default_na=True,
            usecols=usecols,
            encoding=encoding,
        )
    return frame.rename(columns=renames)


def _read_parquet(
    path: Path, columns: Sequence[str] | None, mapping: Mapping[str, str] | None
) -> pd.DataFrame:
    _require("pyarrow", "Parquet needs pyarrow: pip install 'ratefloat[parquet]' (or use CSV)")
    import pyarrow.dataset as ds

    dataset = ds.dataset(path, format="parquet")
    renames, usecols = _plan_columns(dataset.schema.names, columns, mapping, str(path))
    chosen = None if usecols is None else [n for n in dataset.schema.names if usecols(n)]
    frame = dataset.to_table(columns=chosen).to_pandas()
    return frame.rename(columns=renames)


def _plan_columns(
    header: Sequence[Any],
    columns: Sequence[str] | None,
    mapping: Mapping[str, str] | None,
    name: str,
) -> tuple[dict[str, str], Callable[[Any], bool] | None]:
    renames = header_mapping([str(h) for h in header], mapping, f"extract {name!r}")
    if columns is None:
        return renames, None
    wanted = set(columns)
    return renames, lambda column: renames.get(str(column), str(column)) in wanted


def _dtypes(renames: Mapping[str, str]) -> dict[str, type]:
    """The forced text types, under the names the file uses."""
    inverse = {target: source for source, target in renames.items()}
    return {inverse.get(column, column): kind for column, kind in EXTRACT_DTYPES.items()}


def _check_decodes(handle: IO[bytes], encoding: str, name: str, given: str) -> None:
    """Decode the whole text once, so a wrong encoding fails naming the line, not later."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines_before = 0
    while True:
        block = handle.read(_DECODE_CHUNK)
        final = not block
        try:
            decoder.decode(block, final=final)
        except UnicodeDecodeError as exc:
            bad = exc.object[exc.start : exc.end]
            pending = exc.object[: exc.start]
            line = lines_before + pending.count(b"\n") + 1
            hint = "gb18030" if encoding.startswith("utf") else "utf-8"
            raise ExtractReadError(
                f"extract {name!r}, line {line}: bytes {bad!r} are not {given} text; "
                f"give the file's encoding with --encoding (e.g. --encoding {hint})"
            ) from None
        if final:
            return
        lines_before += block.count(b"\n")


def _fold(name: Any) -> str:
    return str(name).strip().casefold()


def _atomic(path: Path, write: Callable[[str], Any]) -> Path:
    temporary = _new_temporary(path)
    try:
        write(str(temporary))
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def _new_temporary(path: Path) -> Path:
    """An empty file beside ``path``, created ``0666`` less the umask (unlike ``mkstemp``)."""
    while True:
        candidate = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return candidate
        except FileExistsError:
            continue


def _require(module: str, message: str) -> None:
    try:
        __import__(module)
    except ImportError:
        raise ImportError(message) from None
