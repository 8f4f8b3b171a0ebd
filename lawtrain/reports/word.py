"""Report text as a Word file (python-docx; pure: a Document in, bytes out), for pasting into a bureau's report.

Only the prose travels: title, the paragraphs, the tables as plain Word tables, the notes and the glossary.
Body text is 仿宋 at 三号-ish size as official documents set it; Word falls back where the font is missing.
"""

from __future__ import annotations

import io

import docx
from docx.oxml.ns import qn
from docx.shared import Pt

from lawtrain.reports.documents import Document

BODY_FONT, TITLE_FONT = "仿宋", "黑体"


def _set_font(run_or_style, name: str, size: float) -> None:
    """Latin and East-Asian font both, so Chinese text does not fall back to the Latin face."""
    run_or_style.font.name = name
    run_or_style.font.size = Pt(size)
    r_pr = run_or_style.element.get_or_add_rPr()
    r_pr.get_or_add_rFonts().set(qn("w:eastAsia"), name)


def document_docx(document: Document) -> bytes:
    """The document's title, subtitle, paragraphs, tables, notes and glossary as a .docx."""
    out = docx.Document()
    _set_font(out.styles["Normal"], BODY_FONT, 14)
    title = out.add_paragraph()
    _set_font(title.add_run(document.title), TITLE_FONT, 18)
    if document.subtitle:
        _set_font(out.add_paragraph().add_run(document.subtitle), BODY_FONT, 10.5)
    for text in document.paragraphs:
        paragraph = out.add_paragraph(text)
        paragraph.paragraph_format.first_line_indent = Pt(28)  # two characters, as official text is set
    for table in document.tables:
        _set_font(out.add_paragraph().add_run(table.title), TITLE_FONT, 14)
        grid = out.add_table(rows=1, cols=len(table.headers))
        grid.style = "Table Grid"
        for cell, header in zip(grid.rows[0].cells, table.headers, strict=True):
            cell.text = str(header)
        for row in table.rows:
            for cell, value in zip(grid.add_row().cells, row, strict=False):
                cell.text = "" if value is None else str(value)
    for note in document.notes:
        _set_font(out.add_paragraph().add_run(note), BODY_FONT, 10.5)
    if document.glossary:
        _set_font(out.add_paragraph().add_run(document.glossary_title or "指标说明"), TITLE_FONT, 12)
        for name, definition in document.glossary:
            _set_font(out.add_paragraph().add_run(f"{name}：{definition}"), BODY_FONT, 10.5)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()
