"""Hostile uploads through the web upload routes (bank import, staff import, law import): each is refused
quickly, with a Chinese message on a page that names the file, in bounded memory, and nothing is imported."""

from __future__ import annotations

import io
import os
import tracemalloc
import zipfile

import pytest

from lawtrain.banks.formats.detect import write_file
from lawtrain.banks.formats.records import Citation, QuestionRecord
from tests import factories
from tests.conftest import login
from tests.security.scenario import table_counts

MEMORY_LIMIT = 50 * 1024 * 1024


# ------------------------------------------------------------------ hostile files


def _xlsx(rows, far_cell: bool = False) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    if far_cell:
        ws["XFD1048576"] = "远处的单元格"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _add_entries(base: bytes, entries: dict[str, bytes], *, compress=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO(base)
    with zipfile.ZipFile(out, "a", compression=compress) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


def _bomb(base: bytes, megabytes: int = 120) -> bytes:
    """A valid file plus one entry that inflates to `megabytes` of zeros (about 0.1% of that on disk)."""
    out = io.BytesIO(base)
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("xl/media/bomb.bin", "w", force_zip64=True) as entry:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(megabytes):
                entry.write(chunk)
    return out.getvalue()


def _many_entries(base: bytes, n: int = 10_000) -> bytes:
    out = io.BytesIO(base)
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_STORED) as zf:
        for i in range(n):
            zf.writestr(f"xl/junk/{i}.xml", b"<a/>")
    return out.getvalue()


LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
          + b"]>\n")
XXE = b'<?xml version="1.0"?>\n<!DOCTYPE q [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def _moodle(body_entity: bytes, prolog: bytes) -> bytes:
    return prolog + (b'<quiz><question type="truefalse"><name><text>x</text></name><questiontext format="html">'
                     b"<text>" + body_entity + b'</text></questiontext><answer fraction="100"><text>true</text>'
                     b'</answer><answer fraction="0"><text>false</text></answer></question></quiz>')


def _docx(document_xml: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types/>')
        zf.writestr("word/document.xml", document_xml)
    return out.getvalue()


def _qti_zip_slip() -> bytes:
    item = (b'<?xml version="1.0"?><assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" '
            b'identifier="q1" title="x"><itemBody><p>x</p></itemBody></assessmentItem>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("imsmanifest.xml", b'<?xml version="1.0"?><manifest/>')
        zf.writestr("../../../../tmp/lawtrain_zip_slip.xml", item)
        zf.writestr("/etc/lawtrain_abs.xml", item)
    return out.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(2000)
ELF = b"\x7fELF\x02\x01\x01\x00" + os.urandom(4000)
ROSTER = [["工号", "姓名", "部门", "角色"], ["A001", "王五", "区应急局/执法大队", "学员"]]


def _bank_csv() -> bytes:
    rec = QuestionRecord(type="single", stem="题干", options=["甲", "乙"], answer=["A"],
                         basis=[Citation("安全生产法", 21)])
    return write_file("csv", [rec], bank_name="x")


def _bank_xlsx() -> bytes:
    rec = QuestionRecord(type="single", stem="题干", options=["甲", "乙"], answer=["A"],
                         basis=[Citation("安全生产法", 21)])
    return write_file("xlsx", [rec], bank_name="x")


def _sheet_with_dtd(base: bytes) -> bytes:
    """The same xlsx whose sheet XML carries a billion-laughs DTD."""
    src = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = LAUGHS + (data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data)
            zf.writestr(info.filename, data)
    return out.getvalue()


def bank_cases():
    base = _bank_xlsx()
    return {
        "zip bomb": ("bomb.xlsx", lambda: _bomb(base)),
        "far cell": ("far.xlsx", lambda: _xlsx([["题型", "题干", "选项A", "选项B", "答案", "法律依据"],
                                                 ["单选题", "题干", "甲", "乙", "A", "安全生产法第21条"]],
                                                far_cell=True)),
        "10000 entries": ("many.xlsx", lambda: _many_entries(base)),
        "billion laughs xml": ("laughs.xml", lambda: _moodle(b"&lol9;", LAUGHS)),
        "billion laughs in xlsx": ("laughs.xlsx", lambda: _sheet_with_dtd(base)),
        "external entity": ("xxe.xml", lambda: _moodle(b"&xxe;", XXE)),
        "zip slip": ("slip.zip", _qti_zip_slip),
        "png renamed": ("bank.xlsx", lambda: PNG),
        "elf renamed": ("bank.csv", lambda: ELF),
        "utf-16 csv": ("bank.csv", lambda: _bank_csv().decode("utf-8-sig").encode("utf-16-le")),
        "utf-32 csv": ("bank.csv", lambda: _bank_csv().decode("utf-8-sig").encode("utf-32")),
    }


def roster_cases():
    base = _xlsx(ROSTER)
    return {
        "zip bomb": ("roster.xlsx", lambda: _bomb(base)),
        "far cell": ("roster.xlsx", lambda: _xlsx(ROSTER, far_cell=True)),
        "10000 entries": ("roster.xlsx", lambda: _many_entries(base)),
        "billion laughs in xlsx": ("roster.xlsx", lambda: _sheet_with_dtd(base)),
        "zip slip": ("roster.xlsx", lambda: _add_entries(base, {"../../../../tmp/lawtrain_slip.txt": b"x"})),
        "png renamed": ("roster.xlsx", lambda: PNG),
        "elf renamed": ("roster.csv", lambda: ELF),
        "utf-16 csv": ("roster.csv", lambda: "工号,姓名,部门\nA1,王五,区应急局\n".encode("utf-16-le")),
        "utf-32 csv": ("roster.csv", lambda: "工号,姓名,部门\nA1,王五,区应急局\n".encode("utf-32")),
        "shift-jis csv": ("roster.csv", lambda: "社員番号,氏名,部署\nA1,山田,総務課\n".encode("shift_jis")),
    }


def law_cases():
    return {
        "zip bomb": ("law.docx", lambda: _bomb(_docx(b"<w:document/>"))),
        "10000 entries": ("law.docx", lambda: _many_entries(_docx(b"<w:document/>"))),
        "billion laughs": ("law.docx", lambda: _docx(LAUGHS + b"<w:document>&lol9;</w:document>")),
        "external entity": ("law.docx", lambda: _docx(XXE + b"<w:document>&xxe;</w:document>")),
        "png renamed": ("law.docx", lambda: PNG),
        "elf renamed": ("law.txt", lambda: ELF),
        "utf-16 text": ("law.txt", lambda: "中华人民共和国安全生产法\n第一条 为了加强安全生产工作".encode("utf-16-le")),
    }


# ------------------------------------------------------------------ posting them


def _send(client, url, form, filename, data):
    r = client.post(url, data={**form, "file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")
    r.request.environ["wsgi.input"].close()  # the test client spools big bodies to a temporary file
    return r


def _post(client, url, form, filename, data):
    """Post under tracemalloc: the peak shows nothing was unpacked or expanded in memory. (How long a refusal
    takes is a benchmark figure, `bench/hostile_files.py`, not a test assertion.)"""
    tracemalloc.start()
    try:
        r = _send(client, url, form, filename, data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return r, peak


def _assert_refused(r, peak, filename, before, case):
    text = r.get_data(as_text=True)
    assert r.status_code in (200, 400, 413), (case, r.status_code)
    assert peak < MEMORY_LIMIT, (case, f"{peak / 2**20:.0f} MB")
    assert filename in text, (case, "the page should name the file")
    assert "root:x:0:0" not in text and "lollollol" not in text, case
    assert table_counts() == before, case
    assert not os.path.exists("/tmp/lawtrain_zip_slip.xml") and not os.path.exists("/tmp/lawtrain_slip.txt")


def _signed_in(app, role):
    user = factories.make_user(factories_session(), roles=[role])
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    return client


def factories_session():
    from lawtrain.extensions import db

    return db.session


@pytest.mark.parametrize("case", list(bank_cases()))
def test_bank_import_refuses_hostile_files(app, session, case):
    filename, build = bank_cases()[case]
    data = build()
    client = _signed_in(app, "trainer")
    before = table_counts()
    r, peak = _post(client, "/banks/import", {"bank_id": "0", "new_bank_name": "攻击题库", "fmt": ""},
                             filename, data)
    if case == "far cell":  # the bank reader reads 40 columns and says so: the preview, no question stored yet
        assert r.status_code == 302 and peak < MEMORY_LIMIT
        assert "只读取前 40 列" in client.get(r.headers["Location"]).get_data(as_text=True)
        # only the pending upload is kept (in the database, for whichever server gets the confirm)
        assert table_counts() == {**before, "stored_files": before["stored_files"] + 1}
        return
    _assert_refused(r, peak, filename, before, case)
    assert "无法读取" in r.get_data(as_text=True)


@pytest.mark.parametrize("case", list(roster_cases()))
def test_staff_import_refuses_hostile_files(app, session, case):
    filename, build = roster_cases()[case]
    data = build()
    client = _signed_in(app, "admin")
    before = table_counts()
    r, peak = _post(client, "/admin/import", {}, filename, data)
    _assert_refused(r, peak, filename, before, case)
    assert 'action="/admin/import/' not in r.get_data(as_text=True)  # no confirm button: nothing to import


@pytest.mark.parametrize("case", list(law_cases()))
def test_law_import_refuses_hostile_files(app, session, case):
    filename, build = law_cases()[case]
    data = build()
    client = _signed_in(app, "trainer")
    before = table_counts()
    r, peak = _post(client, "/courses/laws/import", {"revision_date": "2021-06-10"}, filename, data)
    _assert_refused(r, peak, filename, before, case)


@pytest.mark.parametrize("url,role,form", [
    ("/banks/import", "trainer", {"bank_id": "0", "new_bank_name": "大文件", "fmt": ""}),
    ("/admin/import", "admin", {}),
    ("/courses/laws/import", "trainer", {}),
])
def test_a_file_over_the_size_limit_gets_the_413_page(app, session, url, role, form):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    client = _signed_in(app, role)
    before = table_counts()
    r = _send(client, url, form, "big.csv", b"a" * (2 * 1024 * 1024))
    assert r.status_code == 413
    text = r.get_data(as_text=True)
    assert "文件大小超过上限（1 MB）" in text and "<html" in text.lower()
    assert table_counts() == before
