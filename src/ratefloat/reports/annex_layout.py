"""The annex table on paper: the seed's layout as CSV or XLSX.

The layout follows the annex of 鲁人社字〔2021〕73号 line by line::

    《…实施方案》重点行业企业基本情况表
    填报单位：…
    重点行业名称 | 企业户数 | … | 备注
    <one row per key industry>
    合计 | …
    填报人：…                    联系电话：…
    备注：(1) … (2) …          ← the definitions used and what was left out

Rates are shown with two decimals, rounded half up: 工伤保险参保率 as a percentage,
工伤事故发生率 in ‰ (per 1,000 insured persons). CSV is written UTF-8 with a byte-order
mark (see :mod:`ratefloat.reports.sheets`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..rounding import round_half_up
from .annex import ACCIDENT_RATE, COVERAGE, annex_columns
from .sheets import write_csv_rows

if TYPE_CHECKING:
    from .annex import KeyIndustryReport

__all__ = ["annex_rows", "write_annex"]


def _percent(value: float, unit: str, scale: int) -> str:
    if np.isnan(value):
        return ""
    return f"{float(round_half_up(value * scale, 2)):.2f}{unit}"


def annex_rows(
    report: KeyIndustryReport, *, unit: str = "", person: str = "", phone: str = ""
) -> list[list[object]]:
    """The annex as a grid of cells (text, whole numbers, formatted rates), top to bottom."""
    columns = annex_columns(report.year)
    width = len(columns)
    rows: list[list[object]] = [
        [report.industry_map.title] + [""] * (width - 1),
        [f"填报单位：{unit}"] + [""] * (width - 1),
        list(columns),
    ]
    for record in report.table.itertuples(index=False):
        cells: list[object] = []
        for name, value in zip(columns, record, strict=True):
            if name == COVERAGE:
                cells.append(_percent(value, "%", 100))
            elif name == ACCIDENT_RATE:
                cells.append(_percent(value, "‰", 1))
            elif isinstance(value, (int, np.integer)):
                cells.append(int(value))
            else:
                cells.append(value)
        rows.append(cells)
    signature = [""] * width
    signature[0], signature[5] = f"填报人：{person}", f"联系电话：{phone}"
    rows.append(signature)
    rows.append(["备注："] + [""] * (width - 1))
    for i, note in enumerate(report.notes, start=1):
        rows.append([f"（{i}）{note}"] + [""] * (width - 1))
    return rows


def write_annex(
    report: KeyIndustryReport,
    path: str | os.PathLike[str],
    *,
    unit: str = "",
    person: str = "",
    phone: str = "",
) -> Path:
    """Write the annex to ``.csv`` or ``.xlsx`` (needs the ``excel`` extra), atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    rows = annex_rows(report, unit=unit, person=person, phone=phone)
    if suffix == ".csv":
        return write_csv_rows(rows, path)
    if suffix == ".xlsx":
        return _write_xlsx(report, rows, path)
    raise ValueError(f"cannot write the annex to {str(path)!r}: use a .csv or .xlsx file")


def _write_xlsx(report: KeyIndustryReport, rows: list[list[object]], path: Path) -> Path:
    from .sheets import require_openpyxl, save_workbook

    openpyxl = require_openpyxl()
    from openpyxl.styles import Alignment, Border, Font, Side

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "重点行业企业基本情况表"
    columns = annex_columns(report.year)
    width = len(columns)
    header_row, first, last = 3, 4, 3 + len(report.table)
    coverage_col = columns.index(COVERAGE) + 1
    rate_col = columns.index(ACCIDENT_RATE) + 1
    thin = Side(style="thin")
    for r, cells in enumerate(rows, start=1):
        for c, value in enumerate(cells, start=1):
            cell = sheet.cell(row=r, column=c)
            if first <= r <= last and c == coverage_col:
                value_ = report.table.iat[r - first, c - 1]
                cell.value = None if np.isnan(value_) else float(value_)
                cell.number_format = "0.00%"
            elif first <= r <= last and c == rate_col:
                value_ = report.table.iat[r - first, c - 1]
                cell.value = None if np.isnan(value_) else float(value_)
                cell.number_format = '0.00"‰"'
            elif value != "":
                cell.value = value
            if header_row <= r <= last:
                cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    for c in range(1, width + 1):
        sheet.cell(row=header_row, column=c).font = Font(bold=True)
        sheet.cell(row=last, column=c).font = Font(bold=True)
        letter = openpyxl.utils.get_column_letter(c)
        sheet.column_dimensions[letter].width = 14 if c < width else 36
    for r in range(last + 3, len(rows) + 1):
        sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        sheet.cell(row=r, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    workbook.properties.title = report.industry_map.title
    workbook.properties.keywords = (
        f"year={report.year}; industry_map={report.industry_map.id}; "
        f"sha256={report.industry_map.hash}"
    )
    return save_workbook(workbook, path)
