"""The certificate PDF: text, embedded CJK font, fallback font, reproducibility, a QR code that scans."""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
from datetime import date

import pytest
from pypdf import PdfReader

from lawtrain.certificates import fonts, pdf

WQY = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
VERIFY_URL = "https://lawtrain.bsyj.local/verify/Xq3k9vLm2PaZbT1w"


def values(**overrides):
    v = dict(org_name="上海市宝山区应急管理局", title="合格证书", person_name="张晓伟", department="区应急局 执法大队",
             staff_no="BS2023017", exam_title="2025年度 安全生产法 执法人员考试", laws=["安全生产法", "突发事件应对法"],
             score_text="86 分（满分 100 分）", exam_date=date(2025, 6, 16), serial="BSYJ-2025-000123",
             issued_on=date(2025, 6, 16), valid_until=date(2028, 6, 15), verify_url=VERIFY_URL, seal_png=None,
             font_name=fonts.get_cjk_font(None))
    v.update(overrides)
    return v


def _fonts(reader: PdfReader) -> list[dict]:
    out = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            out.append(font)
            for desc in font.get("/DescendantFonts", []):
                out.append(desc.get_object())
    return out


def test_text_is_extractable_with_name_exam_and_serial():
    if not os.path.exists(WQY):
        pytest.skip("needs fonts-wqy-zenhei for extractable Chinese text")
    reader = PdfReader(io.BytesIO(pdf.render_certificate(**values())))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for expected in ("张晓伟", "2025年度 安全生产法 执法人员考试", "BSYJ-2025-000123", "合格证书",
                     "上海市宝山区应急管理局", "《安全生产法》", "86 分", "2028年6月15日"):
        assert expected in text, expected
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    assert round(float(box.width)) == 842
    assert reader.metadata.title == "合格证书 BSYJ-2025-000123 张晓伟"
    assert reader.metadata.author == "上海市宝山区应急管理局"


@pytest.mark.skipif(not os.path.exists(WQY), reason="CI installs fonts-wqy-zenhei")
def test_a_truetype_cjk_font_is_embedded_as_a_subset():
    reader = PdfReader(io.BytesIO(pdf.render_certificate(**values())))
    embedded = [f for f in _fonts(reader) if "/FontDescriptor" in f and "/FontFile2" in f["/FontDescriptor"]]
    assert embedded, "no embedded TrueType font program"
    name = str(embedded[0]["/BaseFont"]).lstrip("/")
    prefix, _, rest = name.partition("+")
    assert len(prefix) == 6 and prefix.isupper() and rest  # ABCDEF+WenQuanYi...


def test_same_inputs_give_identical_bytes():
    assert pdf.render_certificate(**values()) == pdf.render_certificate(**values())
    assert pdf.render_certificate(**values()) != pdf.render_certificate(**values(serial="BSYJ-2025-000124"))


def test_missing_fonts_fall_back_to_stsong_with_a_log_line(monkeypatch, caplog):
    monkeypatch.setattr(fonts, "CANDIDATES", [("/nonexistent/fonts/nothing.ttc", 0)])
    with caplog.at_level(logging.WARNING, logger="lawtrain.certificates.fonts"):
        name = fonts.get_cjk_font("/nonexistent/custom-font.ttf")
    assert name == fonts.FALLBACK_FONT == "STSong-Light"
    messages = [r.getMessage() for r in caplog.records]
    assert any("/nonexistent/custom-font.ttf" in m for m in messages)
    assert any("STSong-Light" in m and "No Chinese TrueType font" in m for m in messages)
    data = pdf.render_certificate(**values(font_name=name))
    reader = PdfReader(io.BytesIO(data))
    assert any(str(f.get("/BaseFont", "")).startswith("/STSong-Light") for f in _fonts(reader))
    # the second call is served from the cache: no new warning
    caplog.clear()
    assert fonts.get_cjk_font("/nonexistent/custom-font.ttf") == "STSong-Light"
    assert caplog.records == []


@pytest.mark.skipif(not os.path.exists(WQY), reason="needs fonts-wqy-zenhei")
def test_configured_font_path_is_used_and_registered_once(monkeypatch):
    first = fonts.get_cjk_font(WQY)
    assert first != "STSong-Light"
    assert fonts.get_cjk_font(WQY) == first
    monkeypatch.setattr(fonts, "CANDIDATES", [])
    assert fonts.get_cjk_font(WQY) == first  # same file, same registered font


def test_qr_widget_encodes_the_verify_url():
    widget = pdf.qr_widget(VERIFY_URL)
    assert widget.value == VERIFY_URL


@pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("zbarimg")), reason="needs poppler-utils and zbar")
def test_rendered_qr_code_scans_to_the_verify_url(tmp_path):
    path = tmp_path / "cert.pdf"
    path.write_bytes(pdf.render_certificate(**values()))
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(path), str(tmp_path / "cert")], check=True)
    result = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "cert.png")], capture_output=True, text=True)
    assert result.stdout.strip() == VERIFY_URL


def test_qr_rects_cover_exactly_the_dark_modules():
    widget = pdf.qr_widget(VERIFY_URL)
    widget.qr.version = widget.qr.calculate_version()
    widget.qr.makeImpl(False, pdf.QR_MASK_PATTERN)
    modules = widget.qr.modules
    painted = set()
    for col, row, w, h in pdf.qr_rects(modules):
        cells = {(row + i, col + j) for i in range(h) for j in range(w)}
        assert not cells & painted  # no overlaps
        painted |= cells
    dark = {(r, c) for r, line in enumerate(modules) for c, v in enumerate(line) if v}
    assert painted == dark


@pytest.fixture
def song():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return lambda text: pdfmetrics.stringWidth(text, "STSong-Light", 10)


@pytest.mark.parametrize("text,width,expected_lines", [
    ("一二三四五六", "一" * 10, ["一二三四五六"]),
    ("一二三四五六", "一" * 3, ["一二三", "四五六"]),
    ("一二三，四五", "一" * 3, ["一二三，", "四五"]),  # no line starts with closing punctuation
    ("编号BSYJ2025好", "BSYJ2025", ["编号", "BSYJ2025", "好"]),  # a Latin run stays whole when it fits
])
def test_wrap(song, text, width, expected_lines):
    assert pdf.wrap(text, "STSong-Light", 10, song(width)) == expected_lines


def test_seal_image_is_drawn():
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (120, 120), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse((4, 4, 116, 116), outline=(200, 0, 0, 255), width=6)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    reader = PdfReader(io.BytesIO(pdf.render_certificate(**values(seal_png=buf.getvalue()))))
    assert reader.pages[0]["/Resources"].get("/XObject"), "seal image missing"
    assert not PdfReader(io.BytesIO(pdf.render_certificate(**values()))).pages[0]["/Resources"].get("/XObject")


@pytest.mark.skipif(os.environ.get("LAWTRAIN_CI") != "1", reason="CI only: .ci/run sets LAWTRAIN_CI=1")
def test_ci_has_what_the_skippable_certificate_checks_need():
    """In CI the font-embedding and QR-scanning checks above must run, not skip: .ci/run installs their tools."""
    assert os.path.exists(WQY), "fonts-wqy-zenhei"
    assert shutil.which("pdftoppm") and shutil.which("zbarimg"), "poppler-utils and zbar-tools"


def test_a_revoked_copy_is_stamped_and_a_long_title_still_ends_the_sentence():
    font = fonts.get_cjk_font(None)
    if "STSong" in font:
        pytest.skip("needs fonts-wqy-zenhei for extractable Chinese text")
    long_title = "安全生产法与行政处罚法综合执法人员岗位资格专项考试" * 8
    text = PdfReader(io.BytesIO(pdf.render_certificate(**values(exam_title=long_title, void_note="已撤销",
                                                                font_name=font)))).pages[0].extract_text()
    flat = "".join(text.split())
    assert "已撤销" in flat
    body = flat[flat.index("同志"):flat.index("考试名称")]
    assert body.endswith("，成绩合格，特发此证。") and "…" in body


def test_an_issuer_too_long_for_one_line_takes_two():
    font = fonts.get_cjk_font(None)
    name = "上海市宝山区应急管理局安全生产执法监督与应急救援综合协调指挥中心办公室"
    assert len(pdf.wrap(name, font, 9, pdf.ISSUER_WIDTH)) == 2
    assert pdf.render_certificate(**values(org_name=name, font_name=font))  # draws without error
