"""Report spreadsheets: xlsx (styled header, frozen, sized columns) and streamed UTF-8-BOM CSV; cells made safe."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from lawtrain.reports.documents import Document, Table
from lawtrain.spreadsheet import csv_text, safe_cell

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


def csv_stream(document: Document, chunk_rows: int = 500) -> Iterator[bytes]:
    """Every table of the document as one UTF-8 CSV with a BOM, yielded in chunks of rows (a streamed response).

    A CSV has one sheet, so the tables stack: each under a row holding its title, then its header, with a
    blank row between tables, so that a summary and its detail (or a headline and its breakdown) travel together.
    """
    yield "\ufeff".encode()
    for i, table in enumerate(document.tables):
        yield _csv_lines([*([[]] if i else []), [table.title], table.headers])
        for start in range(0, len(table.rows), chunk_rows):
            yield _csv_lines(table.rows[start:start + chunk_rows])


def _csv_lines(rows: Iterable[Iterable[object]]) -> bytes:
    return csv_text(rows).encode("utf-8")
