"""Writing report grids: CSV for Excel users and byte-reproducible XLSX.

Reports are forms people open in Excel, so CSV is written UTF-8 with a byte-order mark
(Excel misreads Chinese without it). openpyxl (the ``excel`` extra) stamps the save time
into the workbook properties and into every zip entry, so two saves of one workbook
differ; :func:`save_workbook` fixes both stamps, so the same input gives the same bytes,
as every ratefloat output does. Both write atomically.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..io import _atomic

__all__ = ["write_table", "write_csv_rows", "require_openpyxl", "save_workbook", "FIXED_TIME"]

#: The time written into workbooks and their zip entries (the zip format's epoch).
FIXED_TIME = dt.datetime(1980, 1, 1)


def require_openpyxl() -> Any:
    """The ``openpyxl`` module, or an ImportError that says how to install it."""
    try:
        import openpyxl
    except ImportError:
        raise ImportError(
            "writing .xlsx needs openpyxl: pip install 'ratefloat[excel]' (or write .csv)"
        ) from None
    return openpyxl


def save_workbook(workbook: Any, path: Path) -> Path:
    """Save ``workbook`` to ``path`` atomically, with fixed timestamps."""
    from openpyxl.writer.excel import ExcelWriter

    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    workbook.properties.creator = "ratefloat"
    buffer = io.BytesIO()
    ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    fixed = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(entry))
    data = fixed.getvalue()
    return _atomic(Path(path), lambda tmp: Path(tmp).write_bytes(data))


def write_csv_rows(rows: Sequence[Sequence[object]], path: Path) -> Path:
    """Write a grid of cells as UTF-8 CSV with a byte-order mark, ``\\n`` line ends."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    data = buffer.getvalue().encode("utf-8-sig")
    return _atomic(Path(path), lambda tmp: Path(tmp).write_bytes(data))


def write_table(
    frame: Any,
    path: Path,
    *,
    title: str | None = None,
    footer: Sequence[str] = (),
    text: Mapping[str, Callable[[Any], Any]] | None = None,
    number_formats: Mapping[str, str] | None = None,
    sheet_name: str = "Sheet1",
) -> Path:
    """Write a DataFrame as a titled table: ``.csv`` (BOM) or ``.xlsx``, atomically.

    Parameters
    ----------
    frame:
        The table; its column names are the header row.
    title, footer:
        A line above the header and lines below the last row (e.g. provenance).
    text:
        Column → a function from the column's values (an array) to their text in CSV
        (e.g. rates as percentages); other floats are written with 6 significant digits.
    number_formats:
        Column → Excel number format of its cells in XLSX (values stay numbers there).
    """

    path = Path(path)
    suffix = path.suffix.lower()
    header = [str(c) for c in frame.columns]
    text = text or {}
    lead = [[title]] if title else []
    tail = [[line] for line in footer]
    if suffix == ".csv":
        cells = [
            text[h](frame[h].to_numpy()) if h in text else _plain(frame[h].to_numpy())
            for h in header
        ]
        rows: list[Sequence[object]] = [*lead, header, *zip(*cells, strict=True)]
        return write_csv_rows([*rows, *tail], path)
    if suffix == ".xlsx":
        openpyxl = require_openpyxl()
        from openpyxl.cell import WriteOnlyCell

        workbook = openpyxl.Workbook(write_only=True)  # streams rows: 100k rows in seconds
        sheet = workbook.create_sheet(sheet_name)
        for line in [*lead, header]:
            sheet.append(line)
        formats = number_formats or {}
        columns = []
        for h in header:
            values = frame[h].to_numpy()
            cells: list[Any] = (
                [None if v != v else v for v in values.tolist()]
                if values.dtype.kind == "f"
                else values.tolist()
            )
            if h in formats:
                cells = [_formatted(sheet, WriteOnlyCell, v, formats[h]) for v in cells]
            columns.append(cells)
        for row in zip(*columns, strict=True):
            sheet.append(row)
        for line in tail:
            sheet.append(line)
        return save_workbook(workbook, path)
    raise ValueError(f"cannot write {str(path)!r}: use a .csv or .xlsx file")


def _plain(values: Any) -> Any:
    """CSV cells of a column: floats with 6 significant digits (NaN empty), others as is."""
    if values.dtype.kind != "f":
        return values
    return [("" if v != v else f"{v:.6g}") for v in values.tolist()]


def _formatted(sheet: Any, cell_type: Any, value: Any, number_format: str) -> Any:
    cell = cell_type(sheet, value=value)
    cell.number_format = number_format
    return cell
