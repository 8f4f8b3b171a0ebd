"""Training pages: study, heartbeat, law library, upload, revision review, assignments, ledger, module editing."""

import io
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from lawtrain.courses.lawtext import parse_law_text
from lawtrain.courses.models import CourseModule, LawRevision, StudyRecord, TrainingAssignment
from lawtrain.courses.services import import_law
from lawtrain.courses.study import add_study_time
from tests.conftest import login
from tests.factories import make_assignment, make_course_module, make_department, make_user

LAWS = Path(__file__).resolve().parents[2] / "question_banks" / "laws"


def _import_work_safety(session, now):
    path = LAWS / "work-safety-law.md"
    parsed = parse_law_text(path.read_text(encoding="utf-8"), path.name)
    return import_law(session, parsed, revision_date=date(2021, 6, 10), actor=None, now=now)


def test_staff_studies_an_assigned_module(client, session, login_as, now):
    _import_work_safety(session, now)
    staff = login_as("staff")
    module = make_course_module(session, title="主要负责人职责", articles=[21, 22],
                                body="## 职责\n\n<script>x()</script>**重点**")
    make_assignment(session, modules=[module], users=[staff], title="年度任务", due_date=date(2099, 1, 1))
    html = client.get(f"/courses/modules/{module.id}").get_data(as_text=True)
    assert "主要负责人职责" in html and "<strong>重点</strong>" in html and "<script>x()" not in html
    assert "第二十一条" in html and "生产经营单位的主要负责人对本单位安全生产工作负有下列职责" in html
    assert 'data-credited="1"' in html and "js/courses.js" in html
    first = client.post(f"/courses/modules/{module.id}/heartbeat", json={"seconds": 9999}).get_json()
    again = client.post(f"/courses/modules/{module.id}/heartbeat", json={"seconds": 9999}).get_json()
    assert (first["status"], first["credited"]) == ("started", 0)
    assert (again["status"], again["credited"], again["seconds"]) == ("too_fast", 0, 0)
    tasks = client.get("/courses/tasks").get_data(as_text=True)
    assert "年度任务" in tasks and "完成 0 / 1 个模块" in tasks
    assert "我的学习" in client.get("/home/staff").get_data(as_text=True)
    assert client.post("/courses/modules/999999/heartbeat").status_code == 404


def test_unassigned_module_says_time_does_not_count(client, session, login_as):
    login_as("staff")
    module = make_course_module(session)
    html = client.get(f"/courses/modules/{module.id}").get_data(as_text=True)
    assert 'data-credited="0"' in html and "学习时长不计入学时" in html
    assert client.post(f"/courses/modules/{module.id}/heartbeat").get_json()["status"] == "not_assigned"


def test_law_library_and_search(client, session, login_as, now):
    report = _import_work_safety(session, now)
    login_as("staff")
    assert "中华人民共和国安全生产法" in client.get("/courses/laws").get_data(as_text=True)
    law_page = client.get(f"/courses/laws/{report.law.id}").get_data(as_text=True)
    assert "第二章 生产经营单位的安全生产保障" in law_page and 'id="a119"' in law_page
    found = client.get("/courses/laws/search", query_string={"q": "第二十一条"}).get_data(as_text=True)
    assert "《安全生产法》第二十一条" in found
    by_text = client.get("/courses/laws/search", query_string={"q": "双重预防"}).get_data(as_text=True)
    assert "第二十一条" in by_text and "第四条" in by_text


def test_trainer_uploads_a_revision_and_reviews_the_flagged_module(client, session, login_as, now):
    _import_work_safety(session, now)
    trainer = login_as("trainer")
    flagged = make_course_module(session, title="受影响的模块", articles=[21])
    text = (LAWS / "work-safety-law.md").read_text(encoding="utf-8").replace(
        "（七）及时、如实报告生产安全事故。", "（七）及时、如实、完整报告生产安全事故。")
    response = client.post("/courses/laws/import", data={
        "file": (io.BytesIO(text.encode("utf-8")), "work-safety-law-2025.md"), "revision_date": "2025-03-01"},
        content_type="multipart/form-data")
    assert response.status_code == 302 and "/courses/revisions/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "修改 1 条" in page and "<ins>完整、</ins>" in page.replace("<ins>、完整</ins>", "<ins>完整、</ins>")
    assert "受影响的模块" in page
    assert session.get(CourseModule, flagged.id).status == "needs_review"
    assert "受影响的模块" in client.get("/courses/review").get_data(as_text=True)
    done = client.post(f"/courses/modules/{flagged.id}/reviewed")
    assert done.status_code == 302
    assert session.get(CourseModule, flagged.id).status == "active"
    assert trainer.id == session.scalar(select(LawRevision.imported_by_id).where(LawRevision.is_current.is_(True)))


def test_upload_with_a_gap_shows_file_and_line(client, session, login_as):
    login_as("trainer")
    text = "某某法\n\n（2020年1月1日通过）\n\n第一条 甲。\n\n第三条 乙。\n"
    response = client.post("/courses/laws/import", data={"file": (io.BytesIO(text.encode()), "bad.txt")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "bad.txt 第7行：条号跳跃，第一条之后出现第三条" in html
    assert session.scalar(select(LawRevision)) is None


def test_staff_cannot_reach_trainer_pages(client, login_as):
    login_as("staff")
    for url in ("/courses/manage", "/courses/review", "/courses/laws/import", "/courses/assignments/new",
                "/courses/modules/new"):
        assert client.get(url).status_code == 403, url


def test_trainer_creates_and_previews_a_module(client, session, login_as):
    login_as("trainer")
    make_course_module(session, law_name="安全生产法")  # gives the law choice
    form = {"title": "新模块", "law": "安全生产法", "articles": "1-3, 5", "estimated_minutes": "10",
            "objectives": "目标一\n目标二", "key_points": "- 要点", "banks": "安全生产法",
            "body": "## 标题\n\n<img src=x onerror=alert(1)>正文"}
    preview = client.post("/courses/modules/new", data={**form, "preview": "预览"}).get_data(as_text=True)
    assert "<h2>标题</h2>" in preview and '<img src="x">正文' in preview and "onerror=alert(1)>" not in preview
    assert session.scalar(select(CourseModule).where(CourseModule.title == "新模块")) is None
    response = client.post("/courses/modules/new", data={**form, "submit": "保存"})
    assert response.status_code == 302
    module = session.scalar(select(CourseModule).where(CourseModule.title == "新模块"))
    assert module.articles == [1, 2, 3, 5] and module.min_study_minutes == 10
    assert module.objectives == ["目标一", "目标二"] and module.key_points == ["要点"]
    assert {r.article_no for r in module.article_rows} == {1, 2, 3, 5}
    bad = client.post(f"/courses/modules/{module.id}/edit", data={**form, "articles": "abc", "submit": "保存"})
    assert "条号格式应如" in bad.get_data(as_text=True)


def test_trainer_assigns_a_department_and_sees_progress(client, session, login_as, now):
    dept = make_department(session, path="区应急局/执法大队")
    staff = make_user(session, department=dept, display_name="张三")
    module = make_course_module(session)
    login_as("trainer")
    response = client.post("/courses/assignments/new", data={
        "title": "执法大队学习", "scope": "modules", "modules": [str(module.id)], "departments": [str(dept.id)],
        "due_date": "2099-12-31", "submit": "发布任务"})
    assert response.status_code == 302
    assignment = session.scalar(select(TrainingAssignment))
    session.add(StudyRecord(user_id=staff.id, module_id=module.id, seconds=900, completed_at=now))
    session.commit()
    page = client.get(f"/courses/assignments/{assignment.id}").get_data(as_text=True)
    assert "张三" in page and "1/1（100%）" in page and "完成率 100%（1/1）" in page
    assert "执法大队学习" in client.get("/courses/assignments").get_data(as_text=True)


def test_ledger_scoping_and_export(client, session, login_as, now):
    other = make_user(session, display_name="=HYPERLINK(1)")
    add_study_time(session, other.id, "安全生产法", "reading", 1200, now)
    session.commit()
    staff = login_as("staff")
    add_study_time(session, staff.id, "安全生产法", "practice", 600, now)
    session.commit()
    own = client.get("/courses/ledger?year=2025").get_data(as_text=True)
    assert staff.display_name in own and "=HYPERLINK" not in own
    client.post("/auth/logout")
    login_as("trainer")
    everyone = client.get("/courses/ledger?year=2025").get_data(as_text=True)
    assert "=HYPERLINK(1)" in everyone
    export = client.get("/courses/ledger.xlsx?year=2025")
    assert export.status_code == 200 and "spreadsheetml" in export.mimetype
    ws = load_workbook(io.BytesIO(export.data)).active
    assert ws.freeze_panes == "A2" and ws["A1"].value == "姓名"
    names = [row[0] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(1)" in names
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "'=HYPERLINK(1)")
    assert row[header.index("安全生产法 课程学习")] == 20


def test_a_leader_lists_only_assignments_reaching_their_subtree(client, session):
    bureau = make_department(session, path="区应急局")
    team = make_department(session, path="区应急局/执法大队")
    squad = make_department(session, path="区应急局/执法大队/一中队")
    office = make_department(session, path="区应急局/办公室")
    module = make_course_module(session)
    office_person = make_user(session, department=office)
    squad_person = make_user(session, department=squad)
    make_assignment(session, modules=[module], departments=[bureau], title="全局学习")  # above: reaches the team
    make_assignment(session, modules=[module], departments=[squad], title="一中队学习")  # below
    make_assignment(session, modules=[module], users=[squad_person], title="点名学习")  # a person inside
    make_assignment(session, modules=[module], departments=[office], users=[office_person], title="办公室学习")
    leader = make_user(session, roles=["leader"], department=team)
    assert login(client, leader.username).status_code == 302
    page = client.get("/courses/assignments").get_data(as_text=True)
    assert all(t in page for t in ("全局学习", "一中队学习", "点名学习")) and "办公室学习" not in page


def test_study_page_shows_overall_progress_and_the_bank_a_module_feeds(client, session, login_as, now):
    staff = login_as("staff")
    safety = [make_course_module(session, bank_names=["安全生产法题库"]) for _ in range(3)]
    penalty = make_course_module(session, law_name="行政处罚法", bank_names=["行政处罚法"])
    make_assignment(session, modules=[*safety, penalty], users=[staff])
    for module in (safety[0], penalty):
        session.add(StudyRecord(user_id=staff.id, module_id=module.id, seconds=600, completed_at=now))
    session.commit()
    page = client.get("/courses/").get_data(as_text=True)
    assert "总进度：已完成 2 / 4 个模块（50%），共学 20 分钟" in page
    assert "对应题库：安全生产法题库" in client.get(f"/courses/modules/{safety[1].id}").get_data(as_text=True)
