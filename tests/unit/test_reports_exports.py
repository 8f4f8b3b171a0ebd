"""Charts (SVG and PDF from one scene), the report PDF, xlsx and CSV writers, without an app."""

from __future__ import annotations

import ast
import csv
import io
import re
from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader

from lawtrain.certificates.fonts import get_cjk_font
from lawtrain.reports import charts
from lawtrain.reports.documents import Document, Table, percent_text
from lawtrain.reports.pdf import chart_drawing, render_report
from lawtrain.reports.xlsx import csv_stream, workbook_bytes

INJECTIONS = ["=HYPERLINK(\"http://evil\",\"x\")", "+1", "-2", "@x", "\tx", "\rx"]


def _bars():
    return charts.bar_chart(id="c1", title="各部门学习完成率", labels=["执法大队", "办公室"], values=[80.0, 30.0],
                            value_labels=["80% (4/5)", "30% (3/10)"], axis_label="完成率（%）", max_value=100,
                            highlight_below=60)


def test_svg_is_accessible_and_carries_the_numbers():
    svg = charts.to_svg(_bars())
    assert svg.startswith("<svg") and 'role="img"' in svg and 'aria-labelledby="c1-title c1-desc"' in svg
    assert "<title id=\"c1-title\">各部门学习完成率</title>" in svg
    assert "执法大队 80% (4/5)" in svg  # the description reads the figures out
    assert re.search(r">80% \(4/5\)</text>", svg) and re.search(r">30% \(3/10\)</text>", svg)
    assert ">完成率（%）</text>" in svg  # axis label
    assert "style=" not in svg
    assert f'fill="{charts.WARN}"' in svg  # the bar below 60% is marked


def test_column_and_line_charts_write_each_value():
    hist = charts.to_svg(charts.column_chart(id="h", title="成绩分布", labels=["0-9", "10-19"], values=[3, 12],
                                             x_label="分数段", y_label="人数"))
    assert ">3</text>" in hist and ">12</text>" in hist and ">分数段</text>" in hist and "rotate(-90" in hist
    line = charts.to_svg(charts.line_chart(id="t", title="合格率", labels=["1月", "2月", "3月"],
                                           values=[50.0, None, 75.0], value_labels=["50% (1/2)", "", "75% (3/4)"]))
    assert ">50% (1/2)</text>" in line and ">75% (3/4)</text>" in line and "<polyline" not in line  # gap: no run


def test_same_scene_draws_in_the_pdf():
    chart = _bars()
    drawing = chart_drawing(chart, get_cjk_font(None), 500)
    texts = [getattr(s, "text", None) for s in drawing.contents]
    assert "80% (4/5)" in texts and "执法大队" in texts


def test_pdf_has_cjk_text_charts_repeated_headers_and_page_numbers():
    rows = [[f"员工{i}", "区应急局/执法大队", i] for i in range(120)]
    doc = Document("学习考试完成情况", "范围：区应急局", ["共应参加 120 人"], [_bars()],
                   [Table("人员明细", ["姓名", "部门", "序号"], rows)])
    pdf = render_report(doc, font_name=get_cjk_font(None))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 3
    first, last = reader.pages[0].extract_text(), reader.pages[-1].extract_text()
    assert "学习考试完成情况" in first and "执法大队" in first and "80% (4/5)" in first
    assert f"第 1 页 / 共 {len(reader.pages)} 页" in first
    assert f"第 {len(reader.pages)} 页 / 共 {len(reader.pages)} 页" in last
    assert "姓名" in reader.pages[1].extract_text()  # header repeated on the next page
    assert "员工119" in last


def test_long_table_uses_the_fast_grid_and_repeats_headers():
    rows = [[f"员工{i}", "区应急局/执法大队/一中队", i, "合格"] for i in range(900)]
    pdf = render_report(Document("明细", tables=[Table("人员", ["姓名", "部门", "序号", "结果"], rows)]),
                        font_name=get_cjk_font(None))
    reader = PdfReader(io.BytesIO(pdf))
    assert all("姓名" in p.extract_text() for p in reader.pages)
    assert "员工899" in reader.pages[-1].extract_text()


def test_xlsx_styles_freezes_and_keeps_injections_as_text():
    table = Table("人员", ["姓名", "分数"], [[v, 1] for v in INJECTIONS] + [["正常", 88.5]], sheet="人员明细")
    wb = load_workbook(io.BytesIO(workbook_bytes(Document("t", tables=[table]))))
    ws = wb["人员明细"]
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold and ws["A1"].fill.fgColor.rgb.endswith("DCE8FB")
    assert ws.column_dimensions["A"].width >= 6
    values = [ws.cell(row=r, column=1).value for r in range(2, 2 + len(INJECTIONS))]
    # (The stdlib XML writer stores a carriage return as a newline, lxml keeps it; the leading quote is what matters.)
    assert [v.replace("\r", "\n") for v in values] == ["'" + v.replace("\r", "\n") for v in INJECTIONS]
    assert all(ws.cell(row=r, column=1).data_type == "s" for r in range(2, 2 + len(INJECTIONS)))
    assert ws.cell(row=2 + len(INJECTIONS), column=2).value == 88.5  # numbers stay numbers


def test_csv_stream_has_bom_and_quoted_injections():
    table = Table("人员", ["姓名", "分数"], [[v, 1] for v in INJECTIONS] + [[f"员工{i}", i] for i in range(1200)])
    chunks = list(csv_stream(Document("t", tables=[table])))
    assert len(chunks) > 3  # streamed in pieces
    data = b"".join(chunks)
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\xef\xbb\xbf") == 1
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[:2] == [["人员"], ["姓名", "分数"]]
    assert [r[0] for r in rows[2:2 + len(INJECTIONS)]] == ["'" + v for v in INJECTIONS]
    assert rows[-1] == ["员工1199", "1199"] and len(rows) == 2 + len(INJECTIONS) + 1200


def test_csv_stream_stacks_every_table_under_its_title():
    doc = Document("年度", tables=[Table("=汇总", ["项目", "数值"], [["参训人数", 4], ["合格率", None]]),
                                   Table("空表", ["甲"], []),
                                   Table("分法律", ["法律", "人数"], [["《安全生产法》", 4], ["-消防法", 1]])])
    data = b"".join(csv_stream(doc, chunk_rows=1))
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\xef\xbb\xbf") == 1
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))) == [
        ["'=汇总"], ["项目", "数值"], ["参训人数", "4"], ["合格率", ""], [],
        ["空表"], ["甲"], [],
        ["分法律"], ["法律", "人数"], ["《安全生产法》", "4"], ["'-消防法", "1"]]
    assert b"".join(csv_stream(Document("无表"))) == b"\xef\xbb\xbf"


def test_percent_text_carries_the_denominator():
    assert percent_text(172, 200) == "86% (172/200)"
    assert percent_text(0, 0) == "—"


def test_report_writers_are_pure():
    root = Path(__file__).resolve().parents[2] / "lawtrain" / "reports"
    for name in ("pdf.py", "documents.py", "xlsx.py", "charts.py", "stats.py"):
        tree = ast.parse((root / name).read_text(encoding="utf-8"))
        mods = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        mods |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not {m for m in mods if m.split(".")[0] in ("flask", "sqlalchemy", "flask_sqlalchemy")}, name
        assert "lawtrain.extensions" not in mods, name
