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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..io import _atomic

__all__ = ["write_csv_rows", "require_openpyxl", "save_workbook", "FIXED_TIME"]

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
