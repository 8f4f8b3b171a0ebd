"""The results of an online contest as a PDF (reportlab: values in, bytes out)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


def results_pdf(*, title: str, sections: Sequence[tuple[str, Sequence[str], Sequence[Sequence[object]]]],
                font: str, subtitle: str = "") -> bytes:
    """Title, then one table per section (heading, header row, rows)."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=title, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, invariant=1)
    h1 = ParagraphStyle("h1", fontName=font, fontSize=16, leading=22, spaceAfter=6)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12)
    story: list = [Paragraph(title, h1)]
    if subtitle:
        story.append(Paragraph(subtitle, body))
    for heading, header, rows in sections:
        story += [Spacer(1, 4 * mm), Paragraph(heading, h2)]
        data = [[Paragraph(str(c), body) for c in header]]
        data += [[Paragraph("" if c is None else str(c), body) for c in row] for row in rows]
        table = Table(data, repeatRows=1)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef"))]))
        story.append(table)
    doc.build(story)
    return out.getvalue()
