"""The record of a live contest as a PDF (reportlab): standings, questions, buzz order, score entries.
Pure: rows in, bytes out; the CJK font name is an argument (certificates/fonts.py registers it)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from lawtrain.contests.live_export import (
    BUZZES_HEADER,
    ENTRIES_HEADER,
    QUESTIONS_HEADER,
    STANDINGS_HEADER,
    RecordRows,
)


def _table(header: list[str], rows: list[list[object]], style: ParagraphStyle, width: float) -> LongTable:
    def cell(v: object) -> Paragraph:
        return Paragraph(escape("" if v is None else str(v)), style)

    data = [[cell(h) for h in header]] + [[cell(v) for v in row] for row in rows]
    table = LongTable(data, colWidths=[width / len(header)] * len(header), repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DCE8FB")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def record_pdf(*, title: str, rows: RecordRows, font_name: str) -> bytes:
    out = io.BytesIO()
    page = landscape(A4)
    doc = SimpleDocTemplate(out, pagesize=page, leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm,
                            bottomMargin=12 * mm, title=title, invariant=1)
    h1 = ParagraphStyle("h1", fontName=font_name, fontSize=18, leading=24)
    h2 = ParagraphStyle("h2", fontName=font_name, fontSize=13, leading=18, spaceBefore=8)
    body = ParagraphStyle("body", fontName=font_name, fontSize=8, leading=11, wordWrap="CJK")
    width = page[0] - 24 * mm
    story = [Paragraph(escape(title) + " · 竞赛记录", h1), Spacer(1, 4 * mm)]
    for heading, header, data in (("名次", STANDINGS_HEADER, rows.standings),
                                  ("题目", QUESTIONS_HEADER, rows.questions),
                                  ("抢答顺序", BUZZES_HEADER, rows.buzzes),
                                  ("计分记录（含裁判调整与撤销）", ENTRIES_HEADER, rows.entries)):
        story += [Paragraph(heading, h2), _table(header, data, body, width)]
    doc.build(story)
    return out.getvalue()
