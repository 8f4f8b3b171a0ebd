"""Report spreadsheets: xlsx (styled header, frozen, sized columns, number cells with number formats, a notes
sheet with the glossary and the filters) and streamed UTF-8-BOM CSV; cells made safe."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from lawtrain.reports.documents import Document, Number, Ratio, Table, plain_value
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


PERCENT_FORMAT, INTEGER_FORMAT = "0.0%", "0"


def _cell(value: object) -> tuple[object, str | None]:
    """(value, number format): rates and decimals become numbers with a format, counts integers; text that
    would start a formula gets a leading quote (so it is stored as text)."""
    if isinstance(value, Ratio):
        return value.value, PERCENT_FORMAT
    if isinstance(value, Number):
        return (None if value.value is None else round(value.value, value.digits),
                "0" if value.digits == 0 else "0." + "0" * value.digits)
    if isinstance(value, bool):
        return safe_cell(str(value)), None
    if isinstance(value, int):
        return value, INTEGER_FORMAT
    return safe_cell(value), None


def _append(ws, row) -> None:
    cells = [_cell(v) for v in row]
    ws.append([v for v, _f in cells])
    for cell, (_v, number_format) in zip(ws[ws.max_row], cells, strict=False):
        if number_format:
            cell.number_format = number_format


def _notes_sheet(wb: Workbook, document: Document, title: str) -> None:
    """说明: the report's title and filters, its notes, and the glossary of the figures it shows."""
    ws = wb.create_sheet(title)
    ws.append([safe_cell(document.title)])
    ws["A1"].font = HEADER_FONT
    if document.subtitle:
        ws.append([safe_cell(document.subtitle)])
    for note in document.notes:
        ws.append([safe_cell(note)])
    if document.glossary:
        ws.append([])
        ws.append([safe_cell(document.glossary_title or "指标说明")])
        ws.cell(row=ws.max_row, column=1).font = HEADER_FONT
        for name, definition in document.glossary:
            ws.append([safe_cell(name), safe_cell(definition)])
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 90


def workbook_bytes(document: Document) -> bytes:
    """One sheet per table, header styled and frozen, columns sized to their contents."""
    wb = Workbook(write_only=False)
    wb.remove(wb.active)
    used: set[str] = set()
    for i, table in enumerate(document.tables or [Table(document.title, [], [])], start=1):
        ws = wb.create_sheet(_sheet_title(table, i, used))
        ws.append([safe_cell(h) for h in table.headers])
        for cell in ws[1]:
            cell.fill, cell.font = HEADER_FILL, HEADER_FONT
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        for row in table.rows:
            _append(ws, row)
        for col, width in enumerate(table.column_widths(), start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
        ws.freeze_panes = "A2"
    if document.notes or document.glossary or document.subtitle:
        _notes_sheet(wb, document, _sheet_title(Table(document.notes_title or "说明", [], []), 0, used))
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
            yield _csv_lines([[plain_value(v) for v in row] for row in table.rows[start:start + chunk_rows]])
    notes = [[document.subtitle]] if document.subtitle else []
    notes += [[note] for note in document.notes]
    if document.glossary:
        notes += [[document.glossary_title or "指标说明"], *([n, d] for n, d in document.glossary)]
    if notes:
        yield _csv_lines([[], [document.notes_title or "说明"], *notes])


def _csv_lines(rows: Iterable[Iterable[object]]) -> bytes:
    return csv_text(rows).encode("utf-8")
