"""Hostile files are refused or sanitised; the format package stays pure."""

from __future__ import annotations

import ast
import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from lawtrain.banks.formats import FormatError
from lawtrain.banks.formats.detect import detect_format, parse_file
from lawtrain.banks.formats.safety import check_zip_budget, safe_extract_names
from lawtrain.html import html_to_text, sanitize_html

PACKAGE = Path(__file__).resolve().parents[2] / "lawtrain" / "banks" / "formats"
FORBIDDEN = ("flask", "sqlalchemy", "flask_sqlalchemy", "lawtrain.extensions")


def test_format_modules_never_import_flask_sqlalchemy_or_extensions():
    modules = sorted(PACKAGE.glob("*.py")) + [PACKAGE.parents[1] / "html.py"]
    assert len(modules) >= 10
    for path in modules:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            for name in names:
                assert not any(name == f or name.startswith(f + ".") for f in FORBIDDEN), f"{path.name} imports {name}"


def _bomb(size: int = 200 * 1024 * 1024, name: str = "xl/worksheets/sheet1.xml") -> bytes:
    """A real zip whose one entry inflates to ``size`` bytes of zeros (about 200 KB on disk)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(name, "w", force_zip64=True) as handle:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(size // len(chunk)):
                handle.write(chunk)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return _bomb()


@pytest.mark.parametrize("filename", ["bomb.xlsx", "bomb.zip"])
def test_zip_bomb_is_refused_without_decompressing(bomb, filename):
    assert len(bomb) < 1024 * 1024
    tracemalloc.start()
    with pytest.raises(FormatError, match="压缩炸弹|上限"):
        parse_file(bomb, filename, "xlsx" if filename.endswith("xlsx") else "qti")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * 1024 * 1024


def test_suspicious_compression_ratio_is_refused_even_under_the_total_budget():
    data = _bomb(size=20 * 1024 * 1024)
    with pytest.raises(FormatError, match="压缩比异常"):
        check_zip_budget(data)


def test_zip_with_ten_thousand_entries_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(10_000):
            archive.writestr(f"items/{index}.xml", "")
    with pytest.raises(FormatError, match="10000 个条目"):
        parse_file(buffer.getvalue(), "many.zip")


def test_xlsx_claiming_a_cell_at_xfd1048576_is_read_without_a_huge_grid():
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["题型", "题干", "选项A", "选项B", "答案"])
    sheet.append(["单选题", "问题", "甲", "乙", "A"])
    sheet["XFD1048576"] = "far away"
    buffer = io.BytesIO()
    workbook.save(buffer)
    tracemalloc.start()
    result = parse_file(buffer.getvalue(), "far.xlsx")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [r.stem for r in result.records] == ["问题"]
    assert any("列已忽略" in p.message for p in result.warnings)
    assert peak < 50 * 1024 * 1024


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<quiz><question type="truefalse"><questiontext><text>&lol3;</text></questiontext></question></quiz>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<quiz><question type="truefalse"><questiontext><text>&xxe;</text></questiontext></question></quiz>"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_entities_and_dtds_are_refused(payload):
    with pytest.raises(FormatError, match="DTD 或实体"):
        parse_file(payload, "quiz.xml")
    qti = payload.replace(b"quiz", b"assessmentItem")
    with pytest.raises(FormatError, match="DTD 或实体"):
        parse_file(qti, "item.xml", "qti")


def test_entity_inside_an_xlsx_is_refused():
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["题型", "题干", "答案"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/workbook.xml":
                content = EXTERNAL_ENTITY
            target.writestr(info, content)
    with pytest.raises(FormatError):
        parse_file(out.getvalue(), "evil.xlsx")


def test_zip_slip_paths_are_refused():
    with pytest.raises(FormatError, match="不安全的路径"):
        safe_extract_names(["items/ok.xml", "../../etc/cron.d/evil.xml"])
    with pytest.raises(FormatError, match="不安全的路径"):
        safe_extract_names(["/etc/passwd"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", "<manifest/>")
        archive.writestr("../../../tmp/evil.xml", "<assessmentItem/>")
    with pytest.raises(FormatError, match="不安全的路径"):
        parse_file(buffer.getvalue(), "package.zip")


def test_manifest_href_outside_the_package_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", '<manifest><resources><resource href="../../etc/passwd.xml"/>'
                                            '<resource href="ok.xml"/></resources></manifest>')
        archive.writestr("ok.xml", QTI_ITEM.format(prompt="安全吗？"))
    result = parse_file(buffer.getvalue(), "package.zip")
    assert len(result.records) == 1
    assert any("压缩包外" in p.message for p in result.errors)


def test_renamed_binary_is_refused_with_a_clear_message():
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    with pytest.raises(FormatError, match="PNG 图片"):
        detect_format(png, "questions.xlsx")
    with pytest.raises(FormatError, match="PNG 图片"):
        parse_file(png, "questions.xlsx")
    with pytest.raises(FormatError, match="不是有效的 zip/xlsx"):
        parse_file(b"just text", "questions.xlsx", "xlsx")
    with pytest.raises(FormatError, match="旧版 Office"):
        parse_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls")


SCRIPT = ('<p onclick="steal()">安全<script>alert(1)</script><img src="x.png" onerror="alert(2)">'
          '<a href="javascript:alert(3)">点我</a><iframe src="https://evil.example"></iframe></p>')


def _assert_clean(text: str) -> None:
    lowered = text.lower()
    assert "<script" not in lowered and "onerror" not in lowered and "javascript:" not in lowered
    assert "alert" not in lowered and "<iframe" not in lowered


def test_sanitizer_allow_list():
    cleaned = sanitize_html(SCRIPT + '<img src="javascript:alert(4)"><img src="data:image/png;base64,AA" alt="图">')
    _assert_clean(cleaned)
    assert 'src="x.png"' in cleaned and "data:image/png" in cleaned
    assert html_to_text("<p>第一行<br>第二行</p><p>&lt;b&gt; &amp;</p>") == "第一行\n第二行\n<b> &"


def test_script_laden_moodle_xml_is_sanitised():
    xml = f"""<quiz><question type="multichoice"><name><text>x</text></name>
      <questiontext format="html"><text><![CDATA[{SCRIPT}]]></text></questiontext>
      <single>true</single>
      <answer fraction="100" format="html"><text><![CDATA[<b onmouseover="alert(5)">对</b>]]></text></answer>
      <answer fraction="0" format="html"><text><![CDATA[<script>alert(6)</script>错]]></text></answer>
    </question></quiz>""".encode()
    record = parse_file(xml, "evil.xml").records[0]
    for text in [record.stem, *record.options]:
        _assert_clean(text)
    assert record.stem == "安全点我" and record.options == ["对", "错"]


QTI_ITEM = """<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p2" identifier="q" title="t">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">
    <correctResponse><value>A</value></correctResponse></responseDeclaration>
  <itemBody><choiceInteraction responseIdentifier="RESPONSE" maxChoices="1"><prompt>{prompt}</prompt>
    <simpleChoice identifier="A">甲</simpleChoice><simpleChoice identifier="B">乙</simpleChoice>
  </choiceInteraction></itemBody></assessmentItem>"""


def test_script_laden_qti_is_sanitised():
    prompt = '<p>题目<img src="x" onerror="alert(1)"/><a href="javascript:alert(2)">链接</a></p>'
    record = parse_file(QTI_ITEM.format(prompt=prompt).encode(), "item.xml").records[0]
    _assert_clean(record.stem)
    assert record.stem == "题目链接" and record.answer == ["A"]


def test_script_laden_gift_html_is_sanitised():
    gift = ("::evil::[html]<script>alert(1)</script><b onclick\\=\"x()\">安全</b>第一"
            "{=对 ~<img src\\=x onerror\\=alert(2)>错}")
    record = parse_file(gift.encode(), "evil.gift").records[0]
    for text in [record.stem, *record.options]:
        _assert_clean(text)
    assert record.stem == "安全第一" and record.answer == ["A"]
