"""Writing the spreadsheet template (xlsx and csv): one row per question, a case as its 案例分析题 row followed by its
sub-questions; every text cell protected against formula injection so that the reader gives back the same text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from lawtrain.banks.formats.common import (
    format_basis,
    format_number,
    join_fill_answer,
)
from lawtrain.banks.formats.records import (
    CASE,
    FALSE,
    FILL_BLANK,
    LETTERS,
    MULTIPLE,
    SINGLE,
    TRUE,
    TRUE_FALSE,
    TYPE_LABELS,
    QuestionRecord,
)
from lawtrain.banks.formats.spreadsheet import protect


def _option_count(records: list[QuestionRecord]) -> int:
    return max([4] + [len(r.options) for s in records for r in (s, *s.items) if r.type in (SINGLE, MULTIPLE)])


def header_row(option_count: int, cases: bool = False) -> list[str]:
    return (["题目ID", "题型", "题干"] + [f"选项{LETTERS[i]}" for i in range(option_count)]
            + ["答案", "解析", "分值", "难度", "法律依据", "知识点"] + (["案例"] if cases else []))


def rows_of(records: list[QuestionRecord], option_count: int) -> Iterator[list[Any]]:
    """Each record's row; with cases, a 案例 column: a case is its 案例分析题 row (题干 = case text) and then one row
    per sub-question, all naming the case (its 题目ID, or 案例1, 案例2 … when it has none)."""
    cases = any(r.type == CASE for r in records)
    for n, record in enumerate(records, start=1):
        if record.type != CASE:
            yield record_row(record, option_count) + ([""] if cases else [])
            continue
        key = record.external_id or f"案例{n}"
        head = replace(record, points=None, basis=[], options=[], answer=[], explanation="")
        yield record_row(head, option_count) + [protect(key)]
        for item in record.items:
            yield record_row(item, option_count) + [protect(key)]


def _answer_cell(record: QuestionRecord) -> str:
    if record.type == FILL_BLANK:
        return join_fill_answer(record.answer)
    if record.type == TRUE_FALSE:
        return {TRUE: "正确", FALSE: "错误"}.get(record.answer[0] if record.answer else "", "")
    return "".join(str(a) for a in record.answer)


def record_row(record: QuestionRecord, option_count: int) -> list[Any]:
    options = [protect(o, "option") for o in record.options[:option_count]]
    options += [""] * (option_count - len(options))
    return (
        [protect(record.external_id or ""), TYPE_LABELS.get(record.type, record.type), protect(record.stem, "stem")]
        + options
        + [
            protect(_answer_cell(record), "answer"),
            protect(record.explanation),
            record.points if record.points is not None else "",
            record.difficulty if record.difficulty is not None else "",
            protect(format_basis(record.basis)),
            protect(";".join(record.tags)),
        ]
    )


def write_csv(bank_meta: dict[str, Any] | None, records: list[QuestionRecord]) -> bytes:
    """UTF-8 with BOM (Excel in China opens it correctly), template columns, injection-safe cells."""
    count = _option_count(records)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header_row(count, any(r.type == CASE for r in records)))
    for row in rows_of(records, count):
        writer.writerow([format_number(v) if isinstance(v, float) else v for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(bank_meta: dict[str, Any] | None, records: list[QuestionRecord]) -> bytes:
    """The template layout in one sheet named 题目; every text cell is stored as text, never as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    workbook = Workbook(write_only=True)
    meta = bank_meta or {}
    workbook.properties.title = str(meta.get("name") or "")[:200]
    workbook.properties.description = str(meta.get("description") or "")[:1000]
    sheet = workbook.create_sheet("题目")
    count = _option_count(records)
    headers = header_row(count, any(r.type == CASE for r in records))
    bold = Font(bold=True)
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    sheet.freeze_panes = "A2"
    wrap = Alignment(wrap_text=True, vertical="top")
    for values in rows_of(records, count):
        row = []
        for value in values:
            if isinstance(value, str) and "\n" in value:
                cell = WriteOnlyCell(sheet, value=value)
                cell.alignment = wrap
                row.append(cell)
            else:
                row.append(value if value != "" else None)
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
