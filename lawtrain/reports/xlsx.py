"""Report spreadsheets: xlsx (styled header, frozen, sized columns) and streamed UTF-8-BOM CSV; cells made safe."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from lawtrain.reports.documents import Document, Table
from lawtrain.spreadsheet import safe_cell

HEADER_FILL = PatternFill("solid", fgColor="DCE8FB")
HEADER_FONT = Font(bold=True)
_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _sheet_title(table: Table, index: int, used: set[str]) -> str:
    base = (table.sheet or table.title or f"Sheet{index}").translate(_BAD_SHEET_CHARS)[:28] or f"Sheet{index}"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:25]}-{n}", n + 1
    used.add(name)
    return name


def _text_cell(value: object) -> object:
    """Numbers stay numbers; text that would start a formula gets a leading quote (so it is stored as text)."""
    return safe_cell(value)


def workbook_bytes(document: Document) -> bytes:
    """One sheet per table, header styled and frozen, columns sized to their contents."""
    wb = Workbook(write_only=False)
    wb.remove(wb.active)
    used: set[str] = set()
    for i, table in enumerate(document.tables or [Table(document.title, [], [])], start=1):
        ws = wb.create_sheet(_sheet_title(table, i, used))
        ws.append([_text_cell(h) for h in table.headers])
        for cell in ws[1]:
            cell.fill, cell.font = HEADER_FILL, HEADER_FONT
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        for row in table.rows:
            ws.append([_text_cell(v) for v in row])
        for col, width in enumerate(table.column_widths(), start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_stream(table: Table) -> Iterator[bytes]:
    """The table as UTF-8 CSV with a BOM, yielded in chunks of rows (for a streamed response)."""
    yield "\ufeff".encode()
    yield _csv_lines([table.headers])
    chunk: list = []
    for row in table.rows:
        chunk.append(row)
        if len(chunk) >= 500:
            yield _csv_lines(chunk)
            chunk = []
    if chunk:
        yield _csv_lines(chunk)


def _csv_lines(rows: Iterable[Iterable[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return out.getvalue().encode("utf-8")
