"""Report pages over a known bureau: figures, drill-down, leader scoping, exports, the API, statement counts."""

from __future__ import annotations

import csv
import io
import re
from contextlib import contextmanager

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import event, select

from lawtrain.courses.models import AssignmentDepartment, TrainingAssignment
from lawtrain.extensions import db
from tests.factories import (
    CHAPTER_2,
    make_attempt,
    make_attempt_question,
    make_bank,
    make_department,
    make_exam,
    make_question,
    make_report_population,
    make_two_law_population,
    make_user,
    make_weak_population,
)


@pytest.fixture
def pop(session):
    return make_report_population(session)


@contextmanager
def count_statements():
    counter = {"n": 0}

    def before(*_args, **_kwargs):
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_completion_page_shows_figures_with_denominators(client, login_as, pop):
    login_as("admin")
    html = client.get(f"/reports/completion?exam_id={pop['exam'].id}").get_data(as_text=True)
    text = _text(html)
    assert "区应急局" in text and "执法大队" in text and "办公室" in text
    assert "38% (3/8)" in text  # 学习完成率: e1 z1 z3 completed the assignment due in the period
    assert "50% (4/8)" in text  # 参训 / 应参加
    assert "75% (6/8)" in text  # attempted / assigned
    assert "67% (4/6)" in text  # 合格率（按人）
    assert "71% (5/7)" in text  # 合格率（按人次）
    assert "80% (4/5)" in text and "75% (3/4)" in text  # 执法大队
    assert " 71 " in text and " 73 " in text and "71.5" in text  # scores without a trailing .0
    assert "合格率（按人）" in text and "合格率（按人次）" in text and "指标说明" in text
    # Drill-down links carry the filters.
    assert f'department_id={pop["team"].id}' in html and f'exam_id={pop["exam"].id}' in html
    assert "员工r1" in text  # the bureau's own staff member
    assert 'role="img"' in html and "style=" not in html.split("<main", 1)[1]


def test_drill_down_to_person(client, login_as, pop):
    login_as("trainer")
    html = client.get(f"/reports/completion?exam_id={pop['exam'].id}&department_id={pop['squad'].id}")
    text = _text(html.get_data(as_text=True))
    assert "一中队" in text and "员工z1" in text and "员工z2" in text and "员工z3" in text
    assert "67% (2/3)" in text  # attempted / assigned in the squad
    person = client.get(f"/reports/people/{pop['people']['z1'].id}")
    assert person.status_code == 200 and "2025年安全生产法考试" in person.get_data(as_text=True)


def test_leader_sees_only_their_subtree(client, login_as, pop):
    login_as(pop["leader2"])
    text = _text(client.get(f"/reports/completion?exam_id={pop['exam'].id}").get_data(as_text=True))
    assert "执法大队" in text and "一中队" in text and "办公室" not in text
    assert "80% (4/5)" in text
    assert client.get(f"/reports/completion?department_id={pop['office'].id}").status_code == 404
    assert client.get(f"/reports/completion?department_id={pop['root'].id}").status_code == 404
    assert client.get(f"/reports/people/{pop['people']['o1'].id}").status_code == 404
    assert client.get(f"/reports/people/{pop['people']['z1'].id}").status_code == 200
    api = client.get(f"/api/reports/completion?exam_id={pop['exam'].id}").get_json()
    assert [r["department_name"] for r in api["rows"]] == ["执法大队", "一中队"]
    assert api["rows"][0] == {**api["rows"][0], "assigned": 5, "attempted": 4, "passed": 3, "pass_rate": 75.0,
                              "completion_rate": 60.0, "average_score": 71.5}
    assert client.get(f"/api/reports/completion?department_id={pop['office'].id}").status_code == 404
    # Leader's dashboard: his subtree only.
    dash = _text(client.get("/reports/dashboard?year=2025").get_data(as_text=True))
    assert "一中队" in dash and "办公室" not in dash


def test_api_rows_for_admin_and_refusal_for_staff(client, login_as, pop):
    login_as("admin")
    data = client.get(f"/api/reports/completion?exam_id={pop['exam'].id}&department_id={pop['root'].id}").get_json()
    rows = {r["department_name"]: r for r in data["rows"]}
    assert set(rows) == {"区应急局", "执法大队", "办公室"}
    assert rows["区应急局"]["assigned"] == 8 and rows["区应急局"]["pass_rate"] == 66.7
    assert rows["办公室"] == {**rows["办公室"], "department_id": pop["office"].id, "assigned": 2, "attempted": 1,
                             "passed": 0, "completion_rate": 0.0, "pass_rate": 0.0, "average_score": 40.0}
    client.post("/auth/logout")
    login_as("staff")
    assert client.get("/api/reports/completion").status_code == 403
    assert client.get("/reports/dashboard").status_code == 403


def test_law_filter_through_the_page_and_the_api(client, login_as, session):
    pop = make_two_law_population(session)
    login_as("admin")
    fire = client.get("/api/reports/completion?year=2025&law=消防法").get_json()
    assert (fire["total"]["attempted"], fire["total"]["passed"], fire["total"]["certificates"]) == (3, 2, 3)
    assert fire["filters"] == {"year": 2025, "law": "消防法"}
    rows = {r["department_name"]: r for r in fire["rows"]}
    assert (rows["办公室"]["attempted"], rows["执法大队"]["attempted"]) == (2, 1)
    text = _text(client.get(f"/reports/completion?year=2025&law=安全生产法&department_id={pop['root'].id}")
                 .get_data(as_text=True))
    assert "法律：《安全生产法》" in text and "75% (6/8)" in text and "67% (4/6)" in text


def test_dashboard_charts_carry_the_numbers(client, login_as, pop):
    login_as("leader", department=pop["root"])  # a bureau leader sees all
    html = client.get("/reports/dashboard?year=2025").get_data(as_text=True)
    assert html.count("<svg") == 3 and html.count('role="img"') == 3
    assert ">60% (3/5)</text>" in html  # 执法大队 completion bar: e1 z1 z3 of five
    assert ">0% (0/2)</text>" in html  # 办公室
    assert "90-100：2" in html and "40-49：1" in html  # histogram description
    assert ">67% (4/6)</text>" in html  # June pass rate on the trend line
    assert "2 人逾期" in html  # e2 and z2 in 执法大队
    home = client.get("/home/leader").get_data(as_text=True)
    assert "培训考试概况" in home and "学习完成率" in home  # the leader's home panel (this calendar year)
    assert ">6月</text>" in html
    english = client.get("/reports/dashboard?year=2025&lang=en").get_data(as_text=True)
    assert ">Jun</text>" in english and "6月" not in english  # the trend's month labels follow the language


def test_exports_are_injection_safe(client, login_as, session, pop):
    for name, value in (("o1", "=HYPERLINK(\"http://x\",\"y\")"), ("o2", "+1"), ("z1", "-2"), ("z2", "@x"),
                        ("z3", "\tx")):
        pop["people"][name].display_name = value
    session.commit()
    login_as("admin")
    xlsx = client.get(f"/reports/completion/export.xlsx?exam_id={pop['exam'].id}")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(xlsx.data))
    people = wb["人员明细"]
    names = {people.cell(row=r, column=1).value for r in range(2, people.max_row + 1)}
    for bad in ("=HYPERLINK(\"http://x\",\"y\")", "+1", "-2", "@x", "\tx"):
        assert "'" + bad in names and bad not in names
    assert people.freeze_panes == "A2"
    assert wb["部门汇总"]["A2"].value == "区应急局"
    response = client.get(f"/reports/completion/export.csv?exam_id={pop['exam'].id}")
    assert response.data.startswith(b"\xef\xbb\xbf") and response.mimetype == "text/csv"
    _headers, rows = _csv_tables(response.data)["人员明细"]
    first = {r[0] for r in rows}
    assert "'+1" in first and "'@x" in first and "'=HYPERLINK(\"http://x\",\"y\")" in first and len(rows) == 8


def _csv_tables(data: bytes) -> dict[str, tuple[list[str], list[list[str]]]]:
    """A report CSV read back: {table title: (header, rows)}; tables are separated by a blank row."""
    assert data.startswith(b"\xef\xbb\xbf")
    tables, block = {}, []
    for row in [*csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")), []]:
        if row:
            block.append(row)
        elif block:
            (title,), headers, *rows = block
            tables[title], block = (headers, rows), []
    return tables


COMPLETION_HEADERS = ["应参加人数", "参训人数", "学习完成人数", "学习完成率", "学时（小时）", "参考人数", "参考率",
                      "参考人次", "合格人数", "合格率（按人）", "合格人次", "合格率（按人次）", "平均分", "中位分",
                      "颁发证书（张）", "逾期人数"]


def test_csv_exports_carry_every_table(client, login_as, pop):
    login_as("admin")
    dash = _csv_tables(client.get("/reports/dashboard/export.csv?year=2025").data)
    assert list(dash) == ["各部门情况（含下级部门）", "各月考试", "成绩分布", "说明"]
    assert dash["各部门情况（含下级部门）"] == (["部门", *COMPLETION_HEADERS], [
        ["区应急局", "8", "4", "3", "37.5%", "1.7", "6", "75.0%", "7", "4", "66.7%", "5", "71.4%", "71.0", "73.0",
         "2", "2"],
        ["区应急局/执法大队", "5", "4", "3", "60.0%", "1.7", "4", "80.0%", "5", "3", "75.0%", "4", "80.0%", "71.5",
         "73.0", "1", "2"],
        ["区应急局/办公室", "2", "0", "0", "0.0%", "0.0", "1", "50.0%", "1", "0", "0.0%", "0", "0.0%", "40.0", "40.0",
         "0", "0"]])
    months = dash["各月考试"][1]
    assert len(months) == 12 and months[2] == ["3月", "1", "1", "100.0%"] and months[0] == ["1月", "0", "0", ""]
    assert months[5] == ["6月", "6", "4", "66.7%"] and sum(int(m[1]) for m in months) == 7
    assert [int(n) for _band, n in dash["成绩分布"][1]] == [0, 0, 0, 0, 1, 1, 1, 0, 1, 2]
    notes = dash["说明"][1]
    assert ["合格率（按人）", "合格人数 ÷ 参考人数（每人按最好一次成绩）。"] in notes  # the glossary travels along

    annual = _csv_tables(client.get("/reports/annual/export.csv?year=2025").data)
    assert list(annual) == ["年度主要数据", "分法律统计", "说明"]
    assert dict(annual["年度主要数据"][1]) == {
        "应参加人数": "8", "参训人数": "4", "学习完成人数": "3", "学习完成率": "37.5%", "学时（小时）": "1.7",
        "完成学习模块（个）": "7", "组织考试（场）": "1", "参考人数": "6", "参考人次": "7", "合格人数": "4",
        "合格人次": "5", "合格率（按人）": "66.7%", "合格率（按人次）": "71.4%", "平均分": "71.0",
        "颁发证书（张）": "2"}
    headers, rows = annual["分法律统计"]
    assert headers[4:8] == ["参考人次", "合格人次", "合格率（按人次）", "颁发证书（张）"]
    assert rows == [["《安全生产法》", "4", "1.7", "7", "0", "0", "", "0", "0", ""]]  # its exam names no law

    completion = _csv_tables(client.get(f"/reports/completion/export.csv?exam_id={pop['exam'].id}").data)
    assert list(completion) == ["按部门汇总（含下级部门）", "人员明细", "说明"]
    departments = completion["按部门汇总（含下级部门）"][1]
    assert [r[0] for r in departments] == ["区应急局", "区应急局/执法大队", "区应急局/办公室"]
    assert departments[0][1:] == ["8", "4", "3", "37.5%", "1.7", "6", "75.0%", "7", "4", "66.7%", "5", "71.4%",
                                  "71.0", "73.0", "2", "2"]
    headers, people = completion["人员明细"]
    assert headers == ["姓名", "工号", "部门", *COMPLETION_HEADERS]
    people = {r[0]: r for r in people}
    # A person's rates are 100% or 0%, their average and median their best score (the PDF shows the same).
    assert people["员工e1"][3:] == ["1", "1", "1", "100.0%", "0.5", "1", "100.0%", "2", "1", "100.0%", "2",
                                   "100.0%", "80.0", "80.0", "1", "0"]
    assert len(people) == 8 and people["员工z3"][8] == "0" and people["员工z3"][15] == ""

    weak = _csv_tables(client.get("/reports/weak/export.csv?year=2025").data)
    assert list(weak) == ["正确率热力表", "明细", "说明"]
    assert weak["正确率热力表"][1] == [["区应急局"], ["区应急局/执法大队"], ["区应急局/办公室"]]
    assert weak["明细"] == (["部门", "法律", "条号", "条文", "作答次数", "答对次数", "涉及人数", "正确率",
                            "95% 区间下限（%）", "95% 区间上限（%）", "判定"], [])


def test_pdf_exports_name_the_departments(client, login_as, pop):
    login_as("admin")
    for url in (f"/reports/completion/export.pdf?exam_id={pop['exam'].id}", "/reports/dashboard/export.pdf?year=2025",
                "/reports/annual/export.pdf?year=2025", "/reports/weak/export.pdf?year=2025"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/pdf", url
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
        assert "第 1 页 / 共" in text, url
        if "weak" not in url and "annual" not in url:
            assert "执法大队" in text, url
    annual = "".join(p.extract_text() for p in PdfReader(io.BytesIO(
        client.get("/reports/annual/export.pdf?year=2025").data)).pages)
    assert "合格证书 2 张" in annual.replace("\n", "") and "指标说明" in annual


def test_every_report_exports_every_format(client, login_as, pop):
    login_as("trainer")
    for report in ("dashboard", "completion", "annual", "weak"):
        for fmt in ("xlsx", "csv", "pdf"):
            assert client.get(f"/reports/{report}/export.{fmt}?year=2025").status_code == 200, (report, fmt)
    assert client.get("/reports/nothing/export.pdf").status_code == 404
    assert client.get("/reports/completion/export.doc").status_code == 404
    assert client.get(f"/reports/exams/{pop['exam'].id}/items/export.xlsx").status_code == 200


def test_annual_page_paragraph(client, login_as, pop):
    login_as("leader", department=pop["root"])
    text = _text(client.get("/reports/annual?year=2025").get_data(as_text=True))
    assert "2025 年，区应急局应参加法治学习培训 8 人，参训 4 人，参训率 50%，累计学习 1.7 小时" in text
    assert "学习完成人数 3 人，学习完成率 38%" in text
    assert "参考 6 人、7 人次，合格 4 人、5 人次，合格率（按人）67%，合格率（按人次）71%，平均分 71 分" in text
    assert "颁发合格证书 2 张" in text
    assert "分法律统计中" in text and "各计一次" in text  # the per-law lines' footnote


def _bureau(session, name: str, staff: int):
    root = make_department(session, path=name)
    depts = [make_department(session, path=f"{name}/科室{i}") for i in range(3)]
    exam = make_exam(session, departments=[root])
    for i in range(staff):
        user = make_user(session, department=depts[i % 3])
        if i % 2:
            make_attempt(session, exam, user, score=50 + i % 50)
    return root, exam


@pytest.mark.parametrize("page", ["/reports/dashboard?department_id={dept}",
                                  "/reports/completion?exam_id={exam}&department_id={dept}",
                                  "/reports/completion?year=2025&department_id={dept}",
                                  "/api/reports/completion?exam_id={exam}&department_id={dept}",
                                  "/reports/weak?department_id={dept}",
                                  "/reports/weak?by=chapter&department_id={dept}"])
def test_statement_count_does_not_grow_with_people(client, login_as, session, page):
    small = _bureau(session, "小局", 10)
    large = _bureau(session, "大局", 60)
    login_as("admin")
    counts = []
    for root, exam in (small, large):
        url = page.format(exam=exam.id, dept=root.id)
        with count_statements() as counter:
            assert client.get(url).status_code == 200, url
        counts.append(counter["n"])
    assert counts[0] == counts[1], counts


def test_weak_articles_and_one_step_remedial_assignment(client, login_as, session, pop):
    question = make_question(session, make_bank(session), basis=(("安全生产法", 21),))
    for name, correct in (("e1", True), ("e2", False), ("z1", False), ("o1", True)):
        make_attempt_question(session, pop["attempts"][name], question, correct=correct)
    login_as("trainer")
    html = client.get("/reports/weak").get_data(as_text=True)
    text = _text(html)
    assert "《安全生产法》第二十一条" in text
    assert "33%" in text and "1/3，3 人" in text  # 执法大队 rolled up: e1 right, e2 and z1 wrong
    # Three answers prove nothing: 样本不足, no 薄弱, no remedial button.
    assert "样本不足" in text and "⚠ 薄弱" not in text and "/reports/weak/assign" not in html
    response = client.post("/reports/weak/assign", data={"department_id": pop["team"].id, "law": "安全生产法",
                                                          "article": 21})
    assert response.status_code == 302
    assignment = session.scalar(select(TrainingAssignment).where(TrainingAssignment.title.contains("第二十一条")))
    assert assignment is not None and assignment.title == "补学：《安全生产法》第二十一条（执法大队）"
    assert [m.module_id for m in assignment.module_links] == [pop["modules"][0].id]  # the module citing 21
    assert session.scalars(select(AssignmentDepartment.department_id)
                           .where(AssignmentDepartment.assignment_id == assignment.id)).all() == [pop["team"].id]
    # An article no module teaches: a clear message, nothing created.
    before = session.scalar(select(db.func.count(TrainingAssignment.id)))
    client.post("/reports/weak/assign", data={"department_id": pop["team"].id, "law": "安全生产法", "article": 99})
    assert session.scalar(select(db.func.count(TrainingAssignment.id))) == before
    assert "没有讲授" in client.get("/reports/weak").get_data(as_text=True)


def test_weak_articles_by_chapter_and_remedial_training_from_a_chapter(client, login_as, session):
    pop = make_weak_population(session)
    login_as("trainer")
    html = client.get(f"/reports/weak?by=chapter&department_id={pop['root'].id}").get_data(as_text=True)
    text = _text(html)
    assert f"《安全生产法》{CHAPTER_2}" in text and "《安全生产法》未分章条文" in text
    assert "4/7，" in text and "3/6，" in text  # the bureau and 执法大队 on 第二章
    assert "⚠ 薄弱" not in text  # 1-4 answers per person and cell: 样本不足, never 薄弱
    client.application.config.update(LAWTRAIN_WEAK_MIN_ANSWERS=1, LAWTRAIN_WEAK_MIN_PEOPLE=1,
                                     LAWTRAIN_WEAK_THRESHOLD=90)  # now 4/7 (upper bound 84%) is 薄弱
    html = client.get(f"/reports/weak?by=chapter&department_id={pop['root'].id}").get_data(as_text=True)
    assert 'aria-current="page" href="/reports/weak?by=chapter' in html  # the toggle shows where we are
    assert '<input type="hidden" name="by" value="chapter">' in html  # the filter form keeps the roll-up
    assert f'name="chapter" value="{CHAPTER_2}"' in html and 'name="article"' not in html
    assert "/reports/weak?by=article&amp;law=" in html  # a chapter heading leads to the law's articles
    response = client.post(f"/reports/weak/assign?return_department={pop['root'].id}&by=chapter",
                           data={"department_id": pop["team"].id, "law": "安全生产法", "chapter": CHAPTER_2})
    assert response.status_code == 302 and "by=chapter" in response.location
    assignment = session.scalar(select(TrainingAssignment).where(TrainingAssignment.title.contains(CHAPTER_2)))
    assert {m.module_id for m in assignment.module_links} == {m.id for m in pop["modules"]}
    before = session.scalar(select(db.func.count(TrainingAssignment.id)))
    for both_or_neither in ({"article": 21, "chapter": CHAPTER_2}, {}):  # a cell names exactly one
        client.post("/reports/weak/assign", data={"department_id": pop["team"].id, "law": "安全生产法",
                                                  **both_or_neither})
    assert session.scalar(select(db.func.count(TrainingAssignment.id))) == before
    by_article = _text(client.get("/reports/weak?by=article").get_data(as_text=True))
    assert "《安全生产法》第二十一条" in by_article and "3/5，" in by_article
    tables = _csv_tables(client.get("/reports/weak/export.csv?by=chapter").data)
    assert tables["明细"][0][2] == "章" and tables["明细"][1][0][:3] == ["区应急局", "安全生产法", CHAPTER_2]


def test_leader_cannot_assign_remedial_training(client, login_as, pop):
    login_as(pop["leader2"])
    assert client.post("/reports/weak/assign", data={"department_id": pop["team"].id, "law": "安全生产法",
                                                     "article": 21}).status_code == 403


def test_item_analysis_page_matches_the_hand_table(client, login_as, session):
    from lawtrain.exams.models import Answer, AttemptQuestion

    table = {1: (1, 1, 1, 1), 2: (1, 1, 1, 0), 3: (1, 1, 0, 1), 4: (1, 0, 1, 0), 5: (1, 0, 0, 0), 6: (0, 1, 0, 0)}
    bank = make_bank(session)
    questions = [make_question(session, bank, stem=f"第{i}题题干") for i in range(1, 5)]
    dept = make_department(session, path="区应急局")
    exam = make_exam(session, departments=[dept])
    for row in table.values():
        user = make_user(session, department=dept)
        attempt = make_attempt(session, exam, user, score=sum(row), max_score=4)
        for pos, (q, right) in enumerate(zip(questions, row, strict=True), start=1):
            session.add(AttemptQuestion(attempt_id=attempt.id, position=pos, question_id=q.id,
                                        question_version_id=q.current_version_id, option_order=[1, 0, 2, 3],
                                        points=1.0, score=float(right), is_correct=bool(right)))
            # Correct original answer is A, shown as "B" under this permutation; wrong ones chose shown "C".
            session.add(Answer(attempt_id=attempt.id, question_id=q.id, response=["B"] if right else ["C"]))
    session.commit()
    login_as("trainer")
    html = client.get(f"/reports/exams/{exam.id}/items").get_data(as_text=True)
    text = _text(html)
    assert "0.83" in text and "0.67" in text and "0.33" in text  # facility of items 1, 2, 4
    assert "0.42" in text  # KR-20 = 14/33
    assert "2.3" in text and "2.5" in text  # mean and median total
    assert "A✓:5" in text.replace(" ", "")  # item 1: five chose original A (shown as B)
    assert "C:1" in text.replace(" ", "")
    if "banks.edit_question" in client.application.view_functions:
        assert f"/questions/{questions[0].id}/edit" in html
    xlsx = load_workbook(io.BytesIO(client.get(f"/reports/exams/{exam.id}/items/export.xlsx").data))
    sheet = xlsx.worksheets[0]
    assert [round(sheet.cell(row=r, column=5).value, 2) for r in range(2, 6)] == [0.83, 0.67, 0.5, 0.33]
    assert sheet.cell(row=2, column=5).number_format == "0.00"
    assert "需要复核" not in text  # six takers: figures, no flags


YEAR_PAGES = ["/reports/dashboard", "/reports/annual", "/reports/completion", "/reports/weak",
              "/reports/dashboard/export.csv", "/reports/annual/export.csv", "/reports/completion/export.xlsx",
              "/reports/weak/export.pdf", "/api/reports/completion"]


@pytest.mark.parametrize("url", YEAR_PAGES)
def test_a_year_reports_cannot_cover_is_refused_in_chinese(client, login_as, url):
    login_as("trainer")
    for year in ("9999", "0", "-1", "abc", "1999", "2101", "99999999999"):
        response = client.get(f"{url}?year={year}")
        assert response.status_code == 400, (url, year)
        body = response.get_json()["detail"] if url.startswith("/api/") else response.get_data(as_text=True)
        assert "年度应在 2000–2100 之间" in body, (url, year)
    for year in ("2000", "2100", ""):
        assert client.get(f"{url}?year={year}").status_code == 200, (url, year)


def test_leader_sees_their_subtrees_counts_and_no_question_edit_links(client, login_as, session):
    pop = make_weak_population(session)
    make_exam(session, departments=[pop["root"]], title="未开考的考试")
    make_exam(session, departments=[pop["root"]], title="草稿考试", status="draft")
    exam, question = pop["exam"], pop["questions"]["q21"]
    edit_link = f"/banks/questions/{question.id}/edit"

    login_as(pop["leader2"])  # leads 执法大队: e1 (twice), e2, z1, z2 sat the exam
    text = _text(client.get("/reports/exams").get_data(as_text=True))
    assert "2025年安全生产法考试 已交卷 5 人次" in text and "未开考的考试 已交卷 0 人次" in text
    assert "草稿考试" not in text and "只计区应急局/执法大队（含下级部门）人员的答卷" in text
    items = client.get(f"/reports/exams/{exam.id}/items")
    assert items.status_code == 200 and "/edit" not in items.get_data(as_text=True)
    assert client.get(edit_link).status_code == 403  # which is why the page offers no link

    client.post("/auth/logout")
    login_as("trainer")
    text = _text(client.get("/reports/exams").get_data(as_text=True))
    assert "2025年安全生产法考试 已交卷 7 人次" in text and "人员的答卷" not in text
    assert edit_link in client.get(f"/reports/exams/{exam.id}/items").get_data(as_text=True)
