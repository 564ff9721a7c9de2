"""A table as a file to attach: CSV, or an xlsx workbook whose cells all stay text."""

from __future__ import annotations

import io
from typing import Literal

from openpyxl import Workbook

from cards.reply import File, Table
from cards.tables import printable, table_csv

__all__ = ["XLSX_MEDIA_TYPE", "ExportKind", "table_file"]

ExportKind = Literal["csv", "xlsx"]
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_file(table: Table, filename: str, kind: ExportKind, *, sheet: str = "Rows") -> File:
    """Every row of the table; CPU work for large tables, so callers run it in a thread."""
    if kind == "csv":
        return table_csv(table, filename)
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(table.columns)
    for row in table.rows:
        worksheet.append(tuple(map(printable, row)))
        for cell in worksheet[worksheet.max_row]:
            cell.data_type = "s"  # a name like "=HYPERLINK(…)" stays text, never a formula
    worksheet.auto_filter.ref = worksheet.dimensions
    worksheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    return File(filename, XLSX_MEDIA_TYPE, output.getvalue())
