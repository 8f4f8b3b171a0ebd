"""Report PDFs with reportlab (pure: a Document in, bytes out): CJK text, charts, long tables, page numbers."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.graphics.shapes import Circle, Drawing, PolyLine, Rect, String
from reportlab.graphics.shapes import Line as RLLine
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lawtrain.reports import charts
from lawtrain.reports.documents import Document
from lawtrain.reports.documents import Table as DocTable

ROWS_PER_CHUNK = 300  # long tables are laid out in chunks: splitting one 5,000-row Table is quadratic
FAST_TABLE_ROWS = 400  # above this, tables are drawn by GridTable (one text object per page, no per-cell wrap)


def chart_drawing(chart: charts.Chart, font_name: str, max_width: float) -> Drawing:
    """The chart's shapes replayed with reportlab graphics (y flipped: PDF's origin is bottom-left)."""
    scale = min(1.0, max_width / chart.width)
    d = Drawing(chart.width * scale, chart.height * scale)
    h = chart.height

    def y(v: float) -> float:
        return (h - v) * scale

    for s in chart.shapes:
        if isinstance(s, charts.Rect):
            d.add(Rect(s.x * scale, y(s.y + s.h), s.w * scale, s.h * scale, fillColor=colors.HexColor(s.fill),
                       strokeColor=None))
        elif isinstance(s, charts.Line):
            d.add(RLLine(s.x1 * scale, y(s.y1), s.x2 * scale, y(s.y2), strokeColor=colors.HexColor(s.stroke),
                         strokeWidth=s.width * scale))
        elif isinstance(s, charts.PolyLine):
            pts = [c for x, yy in s.points for c in (x * scale, y(yy))]
            d.add(PolyLine(pts, strokeColor=colors.HexColor(s.stroke), strokeWidth=s.width * scale))
        elif isinstance(s, charts.Dot):
            d.add(Circle(s.x * scale, y(s.y), s.r * scale, fillColor=colors.HexColor(s.fill), strokeColor=None))
        elif isinstance(s, charts.Text):
            anchor = {"start": "start", "middle": "middle", "end": "end"}[s.anchor]
            if s.rotate:
                from reportlab.graphics.shapes import Group

                g = Group(String(0, 0, s.text, fontName=font_name, fontSize=s.size * scale,
                                 fillColor=colors.HexColor(s.fill), textAnchor=anchor))
                g.translate(s.x * scale, y(s.y))
                g.rotate(-s.rotate)
                d.add(g)
            else:
                d.add(String(s.x * scale, y(s.y), s.text, fontName=font_name, fontSize=s.size * scale,
                             fillColor=colors.HexColor(s.fill), textAnchor=anchor))
    return d


def _numbered_canvas(font_name: str, footer: str):
    class NumberedCanvas(rl_canvas.Canvas):
        """Buffers pages so each can say "第 n 页 / 共 N 页"."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 (reportlab API)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                width, _h = self._pagesize
                self.setFont(font_name, 9)
                self.setFillColor(colors.HexColor("#5c636a"))
                self.drawCentredString(width / 2, 10 * mm, f"第 {self._pageNumber} 页 / 共 {total} 页")
                if footer:
                    self.drawString(15 * mm, 10 * mm, footer)
                super().showPage()
            super().save()

    return NumberedCanvas


def _table_flowables(table: DocTable, font_name: str, width: float, styles: dict) -> list:
    widths = table.column_widths()
    total = sum(widths) or 1
    col_widths = [width * w / total for w in widths]
    cell = styles["cell"]
    head = [Paragraph(_escape(h), styles["head"]) for h in table.headers]
    out = [Paragraph(_escape(table.title), styles["h2"])] if table.title else []
    rows = list(table.rows)
    if len(rows) > FAST_TABLE_ROWS:
        out.append(GridTable(table.headers, rows, col_widths, font_name))
        return out
    if not rows:
        rows_chunks: list[Sequence] = [[]]
    else:
        rows_chunks = [rows[i:i + ROWS_PER_CHUNK] for i in range(0, len(rows), ROWS_PER_CHUNK)]
    style = TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font_name),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e7f1ff")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#adb5bd")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f8f9fa")]),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ])
    for chunk in rows_chunks:
        # Long texts wrap (Paragraph); short cells stay plain strings, which lays out much faster.
        body = [[Paragraph(_escape(v), cell) if isinstance(v, str) and len(v) > 14 else _plain(v) for v in row]
                for row in chunk]
        t = Table([head, *body], colWidths=col_widths, repeatRows=1)
        t.setStyle(style)
        out.append(t)
    return out


class GridTable(Flowable):
    """A plain grid for long tables: fixed row height, header repeated on every page, one text object per
    page (reportlab's Table draws each cell separately, too slow for 5,000 rows in 5 s). Cells too wide
    for their column are shortened with "…"."""

    def __init__(self, headers: Sequence[str], rows: Sequence[Sequence[object]], col_widths: Sequence[float],
                 font_name: str, size: float = 8.0):
        super().__init__()
        self.headers, self.rows, self.col_widths = list(headers), rows, list(col_widths)
        self.font_name, self.size = font_name, size
        self.row_h = size * 1.75
        self.head_h = self.row_h * 1.3

    def wrap(self, avail_width, avail_height):
        self.width = sum(self.col_widths)
        self.height = self.head_h + self.row_h * len(self.rows)
        return self.width, self.height

    def split(self, avail_width, avail_height):
        n = int((avail_height - self.head_h) // self.row_h)
        if n <= 0 or n >= len(self.rows):
            return [] if n <= 0 else [self]
        return [GridTable(self.headers, self.rows[:n], self.col_widths, self.font_name, self.size),
                GridTable(self.headers, self.rows[n:], self.col_widths, self.font_name, self.size)]

    def _fit(self, value: object, width: float) -> str:
        text = "" if value is None else str(value)
        limit = width - 4
        used, out = 0.0, []
        for ch in text:
            w = self.size if ord(ch) > 0x2E80 else self.size * 0.56
            if used + w > limit:
                return "".join(out[:-1]) + "…"
            used += w
            out.append(ch)
        return text

    def draw(self):
        c = self.canv
        width, height = sum(self.col_widths), self.height
        c.saveState()
        c.setFillColor(colors.HexColor("#e7f1ff"))
        c.rect(0, height - self.head_h, width, self.head_h, stroke=0, fill=1)
        c.setFillColor(colors.HexColor("#f8f9fa"))
        for i in range(1, len(self.rows), 2):
            c.rect(0, height - self.head_h - self.row_h * (i + 1), width, self.row_h, stroke=0, fill=1)
        c.setStrokeColor(colors.HexColor("#adb5bd"))
        c.setLineWidth(0.4)
        xs = [0.0]
        for w in self.col_widths:
            xs.append(xs[-1] + w)
        ys = [height, height - self.head_h] + [height - self.head_h - self.row_h * (i + 1)
                                               for i in range(len(self.rows))]
        c.grid(xs, ys)
        baseline = (self.row_h - self.size) / 2 + 1.5
        cells = [(xs[col] + 2, height - self.head_h + baseline + 1, self._fit(h, self.col_widths[col]))
                 for col, h in enumerate(self.headers)]
        for r, row in enumerate(self.rows):
            y = height - self.head_h - self.row_h * (r + 1) + baseline
            cells.extend((xs[col] + 2, y, self._fit(value, self.col_widths[col]))
                         for col, value in enumerate(row[: len(self.col_widths)]))
        self._draw_texts(cells)
        c.restoreState()


    def _draw_texts(self, cells: list[tuple[float, float, str]]) -> None:
        """All cell texts in one BT/ET block. For an embedded TrueType font the operators are written
        directly (textOut measures every string and formats six numbers per move: 3x slower)."""
        c = self.canv
        font = pdfmetrics.getFont(self.font_name)
        c.setFillColor(colors.black)
        if not getattr(font, "_dynamicFont", False):
            text = c.beginText()
            text.setFont(self.font_name, self.size)
            for x, y, value in cells:
                text.setTextOrigin(x, y)
                text.textOut(value)
            c.drawText(text)
            return
        doc, escape, code = c._doc, c._escape, ["BT"]
        current = None
        for x, y, value in cells:
            if not value:
                continue
            code.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm")
            for subset, chunk in font.splitString(value, doc):
                if subset != current:
                    code.append(f"{font.getSubsetInternalName(subset, doc)} {self.size:g} Tf")
                    current = subset
                code.append(f"({escape(chunk)}) Tj")
        code.append("ET")
        c._code.append("\n".join(code))


def _plain(value: object) -> str:
    return "" if value is None else str(value)


def _escape(value: object) -> str:
    return str("" if value is None else value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_report(document: Document, *, font_name: str, generated: str = "", wide: bool | None = None) -> bytes:
    """The document as a PDF: title, subtitle, paragraphs, charts, then tables split with repeated headers."""
    many_columns = any(len(t.headers) > 8 for t in document.tables)
    pagesize = landscape(A4) if (wide if wide is not None else many_columns) else A4
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=pagesize, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=18 * mm, title=document.title, author="LawTrain", invariant=1)
    styles = {
        "h1": ParagraphStyle("h1", fontName=font_name, fontSize=16, leading=22, spaceAfter=4),
        "sub": ParagraphStyle("sub", fontName=font_name, fontSize=9.5, leading=14,
                              textColor=colors.HexColor("#5c636a"), spaceAfter=6),
        "p": ParagraphStyle("p", fontName=font_name, fontSize=10.5, leading=17, spaceAfter=6, wordWrap="CJK"),
        "h2": ParagraphStyle("h2", fontName=font_name, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4),
        "head": ParagraphStyle("head", fontName=font_name, fontSize=8.5, leading=11, wordWrap="CJK"),
        "cell": ParagraphStyle("cell", fontName=font_name, fontSize=8.5, leading=11, wordWrap="CJK"),
    }
    story: list = [Paragraph(_escape(document.title), styles["h1"])]
    if document.subtitle:
        story.append(Paragraph(_escape(document.subtitle), styles["sub"]))
    for p in document.paragraphs:
        story.append(Paragraph(_escape(p), styles["p"]))
    width = doc.width
    for chart in document.charts:
        story.append(KeepTogether([Paragraph(_escape(chart.title), styles["h2"]),
                                   chart_drawing(chart, font_name, width)]))
    for table in document.tables:
        story.append(Spacer(1, 4))
        story.extend(_table_flowables(table, font_name, width, styles))
    for note in document.notes:
        story.append(Paragraph(_escape(note), styles["sub"]))
    if document.glossary:
        story.append(Paragraph(_escape(document.glossary_title or "指标说明"), styles["h2"]))
        for name, definition in document.glossary:
            story.append(Paragraph(f"{_escape(name)}：{_escape(definition)}", styles["sub"]))
    doc.build(story, canvasmaker=_numbered_canvas(font_name, generated))
    return buf.getvalue()
