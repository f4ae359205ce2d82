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
    text: Mapping[str, Callable[[Any], str]] | None = None,
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
        Column → how a value is written in CSV (e.g. rates as percentages); other floats
        are written with 6 significant digits.
    number_formats:
        Column → Excel number format of its cells in XLSX (values stay numbers there).
    """
    import numpy as np

    path = Path(path)
    suffix = path.suffix.lower()
    header = [str(c) for c in frame.columns]
    text = text or {}
    records = list(frame.itertuples(index=False))
    lead = [[title]] if title else []
    tail = [[line] for line in footer]
    if suffix == ".csv":
        rows: list[list[object]] = [*lead, header]
        for record in records:
            rows.append(
                [
                    text[h](v)
                    if h in text
                    else ("" if np.isnan(v) else f"{v:.6g}")
                    if isinstance(v, float)
                    else v
                    for h, v in zip(header, record, strict=True)
                ]
            )
        return write_csv_rows([*rows, *tail], path)
    if suffix == ".xlsx":
        openpyxl = require_openpyxl()
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = sheet_name
        for line in [*lead, header]:
            sheet.append(line)
        first = sheet.max_row + 1
        for record in records:
            sheet.append(
                [
                    None
                    if isinstance(v, float) and np.isnan(v)
                    else v.item()
                    if isinstance(v, np.generic)
                    else v
                    for v in record
                ]
            )
        for c, h in enumerate(header, start=1):
            if number_formats and h in number_formats:
                for r in range(first, first + len(records)):
                    sheet.cell(row=r, column=c).number_format = number_formats[h]
        for line in tail:
            sheet.append(line)
        return save_workbook(workbook, path)
    raise ValueError(f"cannot write {str(path)!r}: use a .csv or .xlsx file")
