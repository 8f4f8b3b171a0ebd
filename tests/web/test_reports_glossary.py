"""One definition per figure: each glossary figure computed by hand from raw rows for a seeded bureau, and the
overview, completion report, annual summary, API and the xlsx, csv and PDF exports checked against it."""

from __future__ import annotations

import csv
import io
import re
import statistics
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from lawtrain.auth.models import User, UserRole
from lawtrain.certificates.models import Certificate
from lawtrain.courses.models import (
    AssignmentDepartment,
    AssignmentModule,
    AssignmentUser,
    StudyRecord,
    StudyTimeEntry,
    TrainingAssignment,
)
from lawtrain.exams.models import Attempt
from lawtrain.org.models import Department
from lawtrain.reports import glossary
from tests.factories import make_assignment, make_study_record, make_two_law_population

YEAR = 2025
START, END = datetime(YEAR - 1, 12, 31, 16), datetime(YEAR, 12, 31, 16)  # the local year as UTC instants


@pytest.fixture
def pop(session):
    pop = make_two_law_population(session)
    # An assignment due in the year that two of 办公室 had to finish: o1 did, o2 did not.
    m1, _m2 = pop["modules"]
    make_assignment(session, modules=[m1], users=[pop["people"]["o1"], pop["people"]["o2"]],
                    due_date=date(YEAR, 9, 30), title="办公室补学")
    make_study_record(session, pop["people"]["o1"], m1, completed_at=datetime(YEAR, 9, 1, 2))
    session.commit()
    return pop


def _by_hand(session) -> dict[str, float | int | None]:
    """Every figure of the glossary over the whole bureau for YEAR, from plain rows and Python only."""
    staff = {u.id: u for u in session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                               .where(UserRole.role == "staff", User.is_active_account.is_(True)))}
    paths = {d.id: d.id_path for d in session.scalars(select(Department))}
    seconds: dict[int, int] = {}
    for e in session.scalars(select(StudyTimeEntry)):
        if e.user_id in staff and date(YEAR, 1, 1) <= e.day <= date(YEAR, 12, 31):
            seconds[e.user_id] = seconds.get(e.user_id, 0) + e.seconds
    records = list(session.scalars(select(StudyRecord)))
    done_in_year = {r.user_id for r in records if r.completed_at and START <= r.completed_at < END}
    completed_modules = {(r.user_id, r.module_id) for r in records if r.completed_at}
    due: dict[int, list[set[int]]] = {}  # person -> the module sets of their assignments due in YEAR
    for a in session.scalars(select(TrainingAssignment)):
        if not (a.due_date and a.due_date.year == YEAR):
            continue
        modules = set(session.scalars(select(AssignmentModule.module_id).where(AssignmentModule.assignment_id == a.id)))
        people = set(session.scalars(select(AssignmentUser.user_id).where(AssignmentUser.assignment_id == a.id)))
        for dept_id in session.scalars(select(AssignmentDepartment.department_id)
                                       .where(AssignmentDepartment.assignment_id == a.id)):
            people |= {uid for uid, u in staff.items() if paths[u.department_id].startswith(paths[dept_id])}
        for uid in people & set(staff):
            due.setdefault(uid, []).append(modules)
    completed = [uid for uid, sets in due.items()
                 if all((uid, m) in completed_modules for modules in sets for m in modules)]
    attempts = [a for a in session.scalars(select(Attempt))
                if a.user_id in staff and a.status == "submitted" and START <= a.submitted_at < END]
    best: dict[int, float] = {}
    passed_people = set()
    for a in attempts:
        best[a.user_id] = max(best.get(a.user_id, 0.0), float(a.percent))
        if a.passed:
            passed_people.add(a.user_id)
    certificates = [c for c in session.scalars(select(Certificate))
                    if c.user_id in staff and c.revoked_at is None and START <= c.issued_at < END]
    return {
        "assigned": len(staff), "trained": len(set(seconds) | (done_in_year & set(staff))),
        "completed": len(completed), "seconds": sum(seconds.values()), "examinees": len(best),
        "sittings": len(attempts), "passed_people": len(passed_people),
        "passed_sittings": sum(1 for a in attempts if a.passed),
        "average": round(statistics.mean(best.values()), 1), "median": round(statistics.median(best.values()), 1),
        "certificates": len(certificates),
    }


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}% ({part}/{whole})"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _score(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def test_every_page_api_and_export_agrees_with_the_figures_worked_out_by_hand(client, login_as, session, pop):
    f = _by_hand(session)
    # The seeded bureau exercises every figure with distinct values (people differ from sittings, etc.).
    assert (f["assigned"], f["trained"], f["completed"], f["examinees"], f["sittings"]) == (8, 6, 4, 8, 10)
    assert (f["passed_people"], f["passed_sittings"], f["certificates"]) == (6, 7, 6)
    login_as("admin")
    rates = {"completion_rate": _pct(f["completed"], f["assigned"]),
             "participation_rate": _pct(f["examinees"], f["assigned"]),
             "pass_rate_people": _pct(f["passed_people"], f["examinees"]),
             "pass_rate_sittings": _pct(f["passed_sittings"], f["sittings"])}
    hours = glossary.hours_text(f["seconds"])
    for url in ("/reports/dashboard?year=2025", "/reports/completion?year=2025", "/reports/annual?year=2025"):
        text = _text(client.get(url).get_data(as_text=True))
        for key, value in rates.items():
            assert f"{glossary.BY_KEY[key].name}" in text and value in text, (url, key, value)
        assert hours in text and "指标说明" in text, url
        strip = text.split("应参加人数", 1)[1]
        for figure in ("assigned", "trained", "completed", "examinees"):
            assert f"{f[figure]} 人" in strip, (url, figure)
        assert f"每人最好成绩；中位分 {_score(f['median'])}" in text and _score(f["average"]) in text, url

    annual = _text(client.get("/reports/annual?year=2025").get_data(as_text=True))
    assert (f"参考 {f['examinees']} 人、{f['sittings']} 人次，合格 {f['passed_people']} 人、{f['passed_sittings']} 人次"
            in annual)
    assert f"学习完成人数 {f['completed']} 人" in annual and f"颁发合格证书 {f['certificates']} 张" in annual

    api = client.get("/api/reports/completion?year=2025").get_json()["total"]
    assert {k: api[k] for k in ("assigned", "trained", "studied", "attempted", "sittings", "passed",
                                "passed_sittings", "average_score", "median_score", "certificates")} == {
        "assigned": f["assigned"], "trained": f["trained"], "studied": f["completed"], "attempted": f["examinees"],
        "sittings": f["sittings"], "passed": f["passed_people"], "passed_sittings": f["passed_sittings"],
        "average_score": f["average"], "median_score": f["median"], "certificates": f["certificates"]}
    assert api["study_hours"] == round(f["seconds"] / 3600, 1)
    assert api["pass_rate"] == round(100 * f["passed_people"] / f["examinees"], 1)
    assert api["sitting_pass_rate"] == round(100 * f["passed_sittings"] / f["sittings"], 1)

    expected_row = [f["assigned"], f["trained"], f["completed"], f["completed"] / f["assigned"],
                    round(f["seconds"] / 3600, 1), f["examinees"], f["examinees"] / f["assigned"], f["sittings"],
                    f["passed_people"], f["passed_people"] / f["examinees"], f["passed_sittings"],
                    f["passed_sittings"] / f["sittings"], f["average"], f["median"], f["certificates"]]
    for report in ("dashboard", "completion"):
        wb = load_workbook(io.BytesIO(client.get(f"/reports/{report}/export.xlsx?year=2025").data))
        ws = wb.worksheets[0]
        total = [c.value for c in ws[2]][1:16]
        assert total == pytest.approx(expected_row), report
        formats = [c.number_format for c in ws[2]][1:16]
        assert formats[3] == formats[6] == formats[9] == formats[11] == "0.0%" and formats[0] == "0", report
        assert all(isinstance(v, int | float) for v in total), report  # numbers, not "40% (2/5)"
        notes = wb.worksheets[-1]
        cells = [c.value for row in notes.iter_rows() for c in row if c.value]
        assert "指标说明" in cells and "合格率（按人）" in cells and any("年度：2025" in str(c) for c in cells)

        rows = list(csv.reader(io.StringIO(client.get(f"/reports/{report}/export.csv?year=2025").data
                                           .decode("utf-8-sig"))))
        csv_total = rows[2][1:16]
        assert csv_total[:3] == [str(f["assigned"]), str(f["trained"]), str(f["completed"])], report
        assert csv_total[3] == f"{100 * f['completed'] / f['assigned']:.1f}%" and csv_total[7] == str(f["sittings"])

        pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(
            client.get(f"/reports/{report}/export.pdf?year=2025").data)).pages).replace("\n", "")
        for value in (rates["pass_rate_people"], rates["pass_rate_sittings"], rates["completion_rate"]):
            assert value in pdf, (report, value)
        assert "指标说明" in pdf and "合格率（按人次）" in pdf

    wb = load_workbook(io.BytesIO(client.get("/reports/annual/export.xlsx?year=2025").data))
    figures = {row[0].value: row[1].value for row in wb.worksheets[0].iter_rows(min_row=2)}
    assert figures["合格率（按人）"] == pytest.approx(f["passed_people"] / f["examinees"])
    assert figures["合格率（按人次）"] == pytest.approx(f["passed_sittings"] / f["sittings"])
    assert (figures["参考人数"], figures["参考人次"], figures["学习完成人数"]) == (
        f["examinees"], f["sittings"], f["completed"])
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(
        client.get("/reports/annual/export.pdf?year=2025").data)).pages).replace("\n", "")
    assert f"合格率（按人）{100 * f['passed_people'] / f['examinees']:.0f}%" in pdf


def test_completion_pdf_fills_every_person_column(client, login_as, session, pop):
    login_as("admin")
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(
        client.get("/reports/completion/export.pdf?year=2025").data)).pages).replace("\n", " ")
    e1 = pdf.split("员工e1", 1)[1].split("员工e2", 1)[0]
    # 学习完成率, 参考率, 合格率 and 中位分 are filled for a person: 100% (1/1) and their best score.
    assert e1.count("100% (1/1)") >= 3 and "80" in e1


def test_annual_text_as_word(client, login_as, session, pop):
    import docx

    login_as("leader", department=pop["root"])
    html = client.get("/reports/annual?year=2025").get_data(as_text=True)
    paragraph = _text(re.search(r'id="annual-paragraph">(.*?)</p>', html, re.S).group(1)).strip()
    response = client.get("/reports/annual/export.docx?year=2025")
    assert response.status_code == 200 and response.mimetype.endswith("wordprocessingml.document")
    texts = [p.text for p in docx.Document(io.BytesIO(response.data)).paragraphs]
    assert paragraph in texts and "0.0 小时" not in paragraph and "指标说明" in texts
    assert client.get("/reports/completion/export.docx?year=2025").status_code == 404
