"""The certificate PDF (合格证书): keyword values in, PDF bytes out; A4 landscape, reproducible."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from itertools import groupby

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

PAGE_W, PAGE_H = landscape(A4)
RED = HexColor("#8b1a1a")
GOLD = HexColor("#b08d3c")
INK = HexColor("#1f1f1f")
GREY = HexColor("#555555")
PALE = Color(0.99, 0.97, 0.92)

TITLE = "合格证书"
QR_SIZE = 84.0
ISSUER_WIDTH = 250.0  # the issuer's name above the seal, between the serial block and the QR code
# The detail rows under the certifying sentence: an exam certificate's, a training certificate's, an award's.
EXAM_LABELS = ("考试名称", "涉及法律", "考试成绩", "考试日期")
TRAINING_LABELS = ("培训任务", "涉及法律", "学习情况", "完成日期")
AWARD_LABELS = ("竞赛名称", "涉及法律", "获奖情况", "颁奖日期")
# By certificate kind (lawtrain.certificates.models.CertificateKind's values; this module stays pure).
TITLES = {"exam": TITLE, "training": TITLE, "award": "获奖证书"}
LABELS = {"exam": EXAM_LABELS, "training": TRAINING_LABELS, "award": AWARD_LABELS}
QR_MASK_PATTERN = 2
WHITE = HexColor("#ffffff")
BLACK = HexColor("#000000")
NO_LINE_START = set("，。、；：？！）」》”’")
NO_LINE_END = set("（「《“‘")


def cn_date(d: date) -> str:
    """2025-06-16 -> 2025年6月16日."""
    return f"{d.year}年{d.month}月{d.day}日"


def qr_widget(verify_url: str) -> QrCodeWidget:
    """reportlab's QR widget for `verify_url` (error correction M, a 2-module quiet zone)."""
    return QrCodeWidget(verify_url, barLevel="M", barBorder=2, barWidth=QR_SIZE, barHeight=QR_SIZE)


def qr_rects(modules: Sequence[Sequence[bool]]) -> list[tuple[int, int, int, int]]:
    """Dark modules as (col, row, width, height) rectangles: runs in a row, stacked while rows repeat them."""
    open_runs: dict[tuple[int, int], int] = {}  # (col, width) -> first row
    rects: list[tuple[int, int, int, int]] = []
    for r, row in enumerate([*modules, []]):
        runs, col = set(), 0
        for dark, run in groupby(row):
            count = len(list(run))
            if dark:
                runs.add((col, count))
            col += count
        for key in [k for k in open_runs if k not in runs]:
            first = open_runs.pop(key)
            rects.append((key[0], first, key[1], r - first))
        for key in runs:
            open_runs.setdefault(key, r)
    return sorted(rects, key=lambda t: (t[1], t[0]))


def draw_qr(c: Canvas, widget: QrCodeWidget, x: float, y: float, size: float = QR_SIZE) -> None:
    """Draw the widget's code as one filled path on a module grid.

    The widget's own draw() picks the mask pattern by scoring all eight (about 35 ms in pure Python) and
    emits a shape per run; any mask is valid QR, so a fixed one keeps a certificate near 10 ms.
    """
    qr = widget.qr
    if qr.version is None:
        qr.version = qr.calculate_version()
    qr.makeImpl(False, QR_MASK_PATTERN)
    n = qr.getModuleCount()
    border = int(widget.barBorder)
    c.saveState()
    c.setFillColor(WHITE)
    c.rect(x, y, size, size, stroke=0, fill=1)
    # one unit = one module, row 0 at the top
    c.translate(x, y + size)
    c.scale(size / (n + 2 * border), -size / (n + 2 * border))
    c.setFillColor(BLACK)
    # integer module coordinates written directly: reportlab's float formatting is the slow part here
    c.addLiteral("\n".join(f"{col + border} {row + border} {w} {h} re" for col, row, w, h in qr_rects(qr.modules))
                 + "\nf")
    c.restoreState()


def _tokens(text: str) -> list[str]:
    """Chinese characters one by one; runs of Latin letters and digits stay whole."""
    tokens: list[str] = []
    word = ""
    for ch in text:
        if ch.isascii() and not ch.isspace():
            word += ch
            continue
        if word:
            tokens.append(word)
            word = ""
        tokens.append(ch)
    if word:
        tokens.append(word)
    return tokens


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break text into lines no wider than `width` (Chinese breaks anywhere, never before closing punctuation)."""
    lines: list[str] = []
    line, line_w = "", 0.0
    for token in _tokens(text):
        w = stringWidth(token, font, size)
        if line and line_w + w > width and token not in NO_LINE_START:
            carry = ""
            if len(line) > 1 and line[-1] in NO_LINE_END:  # an opening bracket moves down with its word
                line, carry = line[:-1], line[-1]
            lines.append(line.rstrip())
            line, line_w = carry, stringWidth(carry, font, size) if carry else 0.0
            if token.isspace():
                continue
        while w > width and len(token) > 1:  # a Latin run longer than a line: cut it
            cut = len(token) - 1
            while cut > 1 and stringWidth(token[:cut], font, size) > width:
                cut -= 1
            lines.append(token[:cut])
            token = token[cut:]
            w = stringWidth(token, font, size)
        line, line_w = line + token, line_w + w
    if line:
        lines.append(line)
    return lines


def _fit(text: str, font: str, size: float, width: float, minimum: float) -> float:
    """The largest font size <= size (not below minimum) at which `text` fits in `width`."""
    while size > minimum and stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _centre(c: Canvas, text: str, y: float, font: str, size: float, x: float = PAGE_W / 2,
            char_space: float = 0, render_mode: int = 0) -> None:
    width = stringWidth(text, font, size) + char_space * max(len(text) - 1, 0)
    c.saveState()  # character spacing and render mode must not leak into later text
    t = c.beginText(x - width / 2, y)
    t.setFont(font, size)
    t.setCharSpace(char_space)
    t.setTextRenderMode(render_mode)
    t.textOut(text)
    c.drawText(t)
    c.restoreState()


def _frame(c: Canvas) -> None:
    c.setFillColor(PALE)
    c.rect(0, 0, PAGE_W, PAGE_H, stroke=0, fill=1)
    c.setStrokeColor(RED)
    c.setLineWidth(4)
    c.rect(22, 22, PAGE_W - 44, PAGE_H - 44)
    c.setStrokeColor(GOLD)
    c.setLineWidth(1.2)
    c.rect(31, 31, PAGE_W - 62, PAGE_H - 62)
    c.setLineWidth(0.5)
    c.rect(35, 35, PAGE_W - 70, PAGE_H - 70)
    # corner ornaments: small gold squares set diagonally
    c.setFillColor(GOLD)
    for x, y in ((35, 35), (PAGE_W - 35, 35), (35, PAGE_H - 35), (PAGE_W - 35, PAGE_H - 35)):
        c.saveState()
        c.translate(x, y)
        c.rotate(45)
        c.rect(-5, -5, 10, 10, stroke=0, fill=1)
        c.restoreState()


def render_certificate(
    *,
    org_name: str,
    title: str = TITLE,
    person_name: str,
    department: str,
    staff_no: str,
    exam_title: str,
    laws: Sequence[str],
    score_text: str,
    exam_date: date,
    serial: str,
    issued_on: date,
    valid_until: date | None,
    verify_url: str,
    seal_png: bytes | None = None,
    font_name: str,
    kind: str = "exam",
    void_note: str | None = None,
) -> bytes:
    """One certificate as PDF bytes (A4 landscape). Same inputs give byte-identical output.

    An exam certificate names the exam, its score and date; a training one (`kind="training"`) names the
    training assignment in `exam_title`, what was studied in `score_text` and the completion date; an award
    (`kind="award"`) names the contest in `exam_title`, the prize and place in `score_text` and the award date.
    `void_note` (e.g. 已撤销) is stamped across a revoked certificate's copy."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(PAGE_W, PAGE_H), invariant=1, pageCompression=1)
    c.setTitle(f"{title} {serial} {person_name}")
    c.setAuthor(org_name)
    c.setSubject(exam_title)
    c.setCreator("LawTrain")
    c.setKeywords([serial])
    _frame(c)
    _heading(c, org_name, title, font_name)
    who = f"{person_name} 同志（工号：{staff_no or '—'}，{department or '—'}）于{cn_date(exam_date)}"
    y = _body(c, who, exam_title, kind, score_text, font_name)
    law_text = "、".join(f"《{law}》" if not law.startswith("《") else law for law in laws) or "—"
    _details(c, y, LABELS[kind],
             (exam_title, law_text, score_text, cn_date(exam_date)), font_name)
    _bottom_band(c, org_name=org_name, serial=serial, issued_on=issued_on, valid_until=valid_until,
                 verify_url=verify_url, seal_png=seal_png, f=font_name)
    if void_note:
        _void_stamp(c, void_note, font_name)
    c.showPage()
    c.save()
    return buf.getvalue()


_LEFT, _RIGHT = 110, PAGE_W - 110  # the text block's margins


def _heading(c: Canvas, org_name: str, title: str, f: str) -> None:
    """Organisation, title (drawn filled and stroked for weight), a rule with a dot."""
    c.setFillColor(INK)
    _centre(c, org_name, PAGE_H - 96, f, _fit(org_name, f, 20, PAGE_W - 200, 12))
    c.setFillColor(RED)
    c.setStrokeColor(RED)
    c.setLineWidth(0.9)
    # render mode 2 (fill, then stroke): a heavier title without a bold face
    _centre(c, title, PAGE_H - 160, f, 46, char_space=18, render_mode=2)
    c.setStrokeColor(GOLD)
    c.setLineWidth(1)
    c.line(PAGE_W / 2 - 150, PAGE_H - 180, PAGE_W / 2 - 20, PAGE_H - 180)
    c.line(PAGE_W / 2 + 20, PAGE_H - 180, PAGE_W / 2 + 150, PAGE_H - 180)
    c.setFillColor(GOLD)
    c.circle(PAGE_W / 2, PAGE_H - 180, 3, stroke=0, fill=1)


def _body(c: Canvas, who: str, exam_title: str, kind: str, achievement: str, f: str) -> float:
    """The body sentence; returns where the next block starts."""
    c.setFillColor(INK)
    y = PAGE_H - 222
    size, lines = _body_lines(who, exam_title, kind, achievement, f, _RIGHT - _LEFT)
    for line in lines:
        c.setFont(f, size)
        c.drawString(_LEFT, y, line)
        y -= size * 1.75
    return y


def _details(c: Canvas, y: float, labels: Sequence[str], values: Sequence[str], f: str) -> None:
    """Label / value rows; a value takes two lines at most, so every row stays above the bottom band."""
    y -= 6
    label_x, value_x = _LEFT + 34, _LEFT + 34 + 80
    for label, value in zip(labels, values, strict=True):
        c.setFillColor(GREY)
        c.setFont(f, 13)
        c.drawString(label_x, y, label)
        c.setFillColor(INK)
        value_lines = wrap(value, f, 13, _RIGHT - value_x)
        if len(value_lines) > 2:
            value_lines = [value_lines[0], value_lines[1][:-1] + "…"]
        for i, line in enumerate(value_lines):
            c.drawString(value_x, y - i * 19, line)
        y -= 19 * len(value_lines) + 6


def _bottom_band(c: Canvas, *, org_name: str, serial: str, issued_on: date, valid_until: date | None,
                 verify_url: str, seal_png: bytes | None, f: str) -> None:
    """Serial and validity (left), issuer and date with the seal (centre right), the QR code (right)."""
    base = 62
    c.setFillColor(INK)
    c.setFont(f, 11)
    c.drawString(_LEFT, base + 44, f"证书编号：{serial}")
    c.drawString(_LEFT, base + 26, f"发证日期：{cn_date(issued_on)}")
    c.drawString(_LEFT, base + 8, f"有效期至：{cn_date(valid_until) if valid_until else '长期有效'}")

    qr_x, qr_y = PAGE_W - 60 - QR_SIZE, base - 4
    issuer_x = qr_x - 150
    if seal_png:
        seal = ImageReader(io.BytesIO(seal_png))
        c.drawImage(seal, issuer_x - 58, base + 2, width=116, height=116, mask="auto",
                    preserveAspectRatio=True, anchor="c")
    c.setFillColor(INK)
    issuer_size = _fit(org_name, f, 14, ISSUER_WIDTH, 9)
    issuer_lines = wrap(org_name, f, issuer_size, ISSUER_WIDTH)[:2]  # a name too long at 9 pt takes two lines
    for i, line in enumerate(issuer_lines):
        _centre(c, line, base + 62 + 12 * (len(issuer_lines) - 1 - 2 * i), f, issuer_size, x=issuer_x)
    _centre(c, cn_date(issued_on), base + 40 - (6 if len(issuer_lines) > 1 else 0), f, 13, x=issuer_x)

    draw_qr(c, qr_widget(verify_url), qr_x, qr_y)
    c.setFillColor(GREY)
    _centre(c, "扫码核验", qr_y - 10, f, 8.5, x=qr_x + QR_SIZE / 2)
    c.setFont(f, 7.5)
    c.drawCentredString(PAGE_W / 2, 42, f"核验网址：{verify_url}")


def _body_lines(who: str, subject: str, kind: str, achievement: str, font: str,
                width: float) -> tuple[float, list[str]]:
    """The certifying sentence at 17 pt in up to 3 lines, else 15 pt in up to 4; a subject too long even then
    is shortened with an ellipsis, so the sentence always ends with its closing words (特发此证)."""
    def sentence(title: str) -> str:
        if kind == "training":
            return f"\u3000\u3000{who}完成培训任务“{title}”规定的全部学习内容，考核合格，特发此证。"
        if kind == "award":
            return f"\u3000\u3000{who}参加“{title}”，荣获{achievement}，特发此证。"
        return f"\u3000\u3000{who}参加“{title}”，成绩合格，特发此证。"

    for size, most in ((17, 3), (15, 4)):
        lines = wrap(sentence(subject), font, size, width)
        if len(lines) <= most:
            return size, lines
    title = subject
    while len(title) > 1 and len(wrap(sentence(title + "…"), font, 15, width)) > 4:
        title = title[:-1]
    return 15, wrap(sentence(title + "…"), font, 15, width)


def _void_stamp(c: Canvas, note: str, font: str) -> None:
    """A revoked certificate downloaded for the record: a large diagonal mark across the page."""
    c.saveState()
    c.setFillColor(RED, alpha=0.28)
    c.translate(PAGE_W / 2, PAGE_H / 2)
    c.rotate(24)
    _centre(c, note, -20, font, 96, x=0)
    c.restoreState()
