"""Journey 4 — a leader reads the dashboard (the charts are SVG and show the numbers the database holds),
drills down to a department and one person, and exports the report as Excel and PDF."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pypdf
import pytest
from sqlalchemy import select

from lawtrain.auth.models import User
from lawtrain.exams.models import Attempt, Exam, ExamKind
from lawtrain.org.models import Department
from lawtrain.timeutil import to_local, utcnow
from tests.browser.helpers import check_page, follow_menu, save_reference

pytestmark = pytest.mark.browser

DEPARTMENT = "执法大队"


def _expected_trend(live_server, year: int) -> dict[int, tuple[int, int]]:
    """(sittings, passed) per Shanghai month, counted straight from the attempts table (exams only: a contest's
    entries are not exam sittings)."""
    months = {m: [0, 0] for m in range(1, 13)}
    with live_server.db_session() as s:
        for submitted_at, passed in s.execute(select(Attempt.submitted_at, Attempt.passed).join(Exam)
                                              .where(Attempt.status == "submitted", Exam.kind == ExamKind.EXAM)):
            local = to_local(submitted_at)
            if local.year == year:
                months[local.month][0] += 1
                months[local.month][1] += bool(passed)
    return {m: (n, p) for m, (n, p) in months.items()}


def _expected_histogram(live_server, year: int) -> list[int]:
    """People per 10-point band of their best percent this year, counted straight from the attempts table
    (exams only)."""
    best: dict[int, float] = {}
    with live_server.db_session() as s:
        for user_id, submitted_at, percent in s.execute(
                select(Attempt.user_id, Attempt.submitted_at, Attempt.percent).join(Exam)
                .where(Attempt.status == "submitted", Exam.kind == ExamKind.EXAM)):
            if to_local(submitted_at).year == year and percent is not None:
                best[user_id] = max(best.get(user_id, 0.0), percent)
    bands = [0] * 10
    for percent in best.values():
        bands[min(int(percent // 10), 9)] += 1
    return bands


def _person_with_attempts(live_server) -> tuple[int, str, list[str]]:
    """Someone directly in the department who sat exams this year: id, name, exam titles."""
    year = to_local(utcnow()).year
    with live_server.db_session() as s:
        dept = s.scalar(select(Department).where(Department.name == DEPARTMENT))
        rows = s.execute(select(User.id, User.display_name, Exam.title, Attempt.submitted_at)
                         .join(Attempt, Attempt.user_id == User.id).join(Exam, Exam.id == Attempt.exam_id)
                         .where(User.department_id == dept.id, Attempt.status == "submitted",
                                Exam.kind == ExamKind.EXAM)
                         .order_by(User.username)).all()
    rows = [r for r in rows if to_local(r.submitted_at).year == year]
    assert rows, "the demo data has past exams in this department"
    uid, name = rows[0].id, rows[0].display_name
    return uid, name, sorted({r.title for r in rows if r.id == uid})


def test_leader_dashboard_drill_down_and_exports(browser_session, live_server):
    bs, page = browser_session, browser_session.page
    year = to_local(utcnow()).year
    bs.sign_in("leader")
    follow_menu(bs, "统计报表")
    page.get_by_role("heading", name=f"{year} 年培训考试概览").wait_for()
    check_page(bs)

    # Three charts, drawn as SVG images with a name and a description; the trend matches the database.
    charts = page.locator("svg.report-chart[role=img]")
    assert charts.count() == 3
    for i in range(3):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100
    trend = page.get_by_role("img", name=f"{year} 年各月合格率（按人次）")
    desc = trend.locator("desc").text_content()
    expected = _expected_trend(live_server, year)
    assert any(n for n, _p in expected.values())
    for month, (n, p) in expected.items():
        want = f"{month}月：{round(100 * p / n)}% ({p}/{n})" if n else f"{month}月：—"
        assert want in desc, (want, desc)
        if n:
            assert f"{round(100 * p / n)}% ({p}/{n})" in trend.text_content()
    scores = page.get_by_role("img", name="成绩分布（每人最好成绩，10 分一档）")
    assert scores.locator("rect").count() >= 10
    bands = _expected_histogram(live_server, year)
    assert sum(bands) > 0
    labels = [f"{lo}-{lo + 9}" for lo in range(0, 90, 10)] + ["90-100"]
    assert scores.locator("desc").text_content() == "；".join(f"{b}：{n}" for b, n in zip(labels, bands, strict=True))
    if not bs.is_phone:
        save_reference(bs, "desktop-dashboard")

    # Exports of the dashboard: a workbook whose monthly sheet has the same numbers, and a PDF.
    exports = page.get_by_role("group", name="导出")
    with page.expect_download() as info:
        exports.get_by_role("link", name="Excel 下载").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    monthly = {str(r[0]): (r[1], r[2]) for r in book["各月"].iter_rows(min_row=2, values_only=True) if r[0]}
    for month, (n, p) in expected.items():
        assert monthly[f"{month}月"] == (n, p), (month, monthly)
    with page.expect_download() as info:
        exports.get_by_role("link", name="PDF 下载").click()
    pdf = pypdf.PdfReader(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert len(pdf.pages) >= 1
    assert info.value.suggested_filename.endswith(".pdf")

    # Drill down: the department, then one person in it.
    page.get_by_role("table").get_by_role("link", name=DEPARTMENT).click()
    page.get_by_role("heading", name="学习考试完成情况").wait_for()
    crumbs = page.get_by_role("navigation", name="部门层级")
    assert crumbs.locator("[aria-current=page]").inner_text().strip() == DEPARTMENT
    check_page(bs)
    uid, name, titles = _person_with_attempts(live_server)
    page.get_by_role("link", name=name, exact=True).click()
    page.get_by_role("heading", name=name).wait_for()
    assert f"/reports/people/{uid}" in page.url
    records = page.inner_text("main")
    for title in titles:
        assert title in records
    check_page(bs)
