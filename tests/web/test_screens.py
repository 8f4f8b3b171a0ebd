"""Issue 18: what each person reads on the screens around the exam (statuses, labels, wording, numbers)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from lawtrain.timeutil import utcnow
from tests import factories
from tests.services.exams_helpers import exam_bank, open_exam


@pytest.fixture
def bank(session):
    return exam_bank(session)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# ------------------------------------------------------------------ item 2: a paper left half-way


def test_a_paper_left_half_way_reads_in_progress_with_its_time_left(client, login_as, session, bank):
    user = login_as("staff")
    exam = open_exam(session, bank, user, duration_minutes=30)
    before = text_of(client.get(f"/exams/{exam.id}").get_data(as_text=True))
    assert "可参加" in before and "进行中" not in before
    assert client.post(f"/exams/{exam.id}/start").status_code == 302

    for path in ("/home/staff", "/exams/", f"/exams/{exam.id}"):
        page = text_of(client.get(path).get_data(as_text=True))
        assert re.search(r"进行中（剩余 (29:[0-5]\d|30:00)）", page), path
        assert "可参加" not in page, path
    intro = text_of(client.get(f"/exams/{exam.id}").get_data(as_text=True))
    assert "剩余作答次数 0 / 1" not in intro and "第1次作答进行中" in intro
    assert "计时仍在进行" in intro and "继续答题" in intro
    # the JSON API keeps its documented status values
    row = next(r for r in client.get("/api/exams").get_json() if r["id"] == exam.id)
    assert row["status"] == "open" and row["attempt_in_progress"]


# ------------------------------------------------------------------ item 10: wording and numbers


def test_scores_articles_and_percentages_read_one_way(client, login_as, session, bank):
    from lawtrain.courses.models import StudyRecord

    user = login_as("staff")
    exam = open_exam(session, bank, user)
    assert client.post(f"/exams/{exam.id}/start").status_code == 302
    attempt_id = int(client.get("/api/exams").get_json()[0]["attempt_in_progress"])
    client.post(f"/api/attempts/{attempt_id}/submit")
    result = text_of(client.get(f"/exams/attempts/{attempt_id}/result").get_data(as_text=True))
    assert "0 分 满分 55" in result and ".0 分" not in result and "/ 55.0" not in result
    assert "第二十一条" in result and "第21条" not in result
    assert "得分 0 / 5" in result  # a question's score, without trailing zeros

    # 2 of 3 modules: the study page and the task list both say 67% (one rounding rule), study time in minutes
    modules = [factories.make_course_module(session) for _ in range(3)]
    factories.make_assignment(session, modules=modules, users=[user], title="三模块任务")
    for m in modules[:2]:
        session.add(StudyRecord(user_id=user.id, module_id=m.id, seconds=300, completed_at=utcnow()))
    session.commit()
    study = text_of(client.get("/courses/").get_data(as_text=True))
    home = text_of(client.get("/home/staff").get_data(as_text=True))
    assert "总进度：已完成 2 / 3 个模块（67%），共学 10 分钟" in study
    assert "完成 2 / 3 个模块（67%）· 已学 10 分钟" in home


def test_wording_offline_banner_gate_reasons_and_phone_brand(client, login_as, session, bank):
    user = login_as("staff")
    module = factories.make_course_module(session, title="主要负责人职责")
    exam = open_exam(session, bank, user, gate={"modules": [module.id]})
    html = client.get("/exams/").get_data(as_text=True)
    listing = text_of(html)
    assert re.search("还需完成：\\s*学习模块“主要负责人职责”", listing) and "尚未完成" not in listing
    assert f'<a href="/courses/modules/{module.id}">学习模块“主要负责人职责”</a>' in html  # item 5: a link
    intro = client.get(f"/exams/{exam.id}").get_data(as_text=True)
    assert "恢复后自动上传" in intro and "自动提交" not in intro
    # the brand: "LawTrain" is the part hidden on phones, 法治培训考试 always shows
    brand = re.search(r'<a class="navbar-brand"[^>]*>(.*?)</a>', intro).group(1)
    assert re.sub(r'<span class="d-none d-sm-inline">[^<]*</span>', "", brand).strip() == "法治培训考试"


# ------------------------------------------------------------------ item 8: a trainer reads 考生答案; 部分正确


def test_partial_credit_reads_partly_right_and_the_trainer_reads_the_candidates_answer(client, login_as, session,
                                                                                       bank):
    from lawtrain.exams.models import AttemptQuestion
    from tests.services.exams_helpers import right_response

    user = login_as("staff")
    exam = open_exam(session, bank, user, multiple_scoring="partial")
    exam.rules[0].type, exam.rules[0].count, exam.rules[0].points = "multiple", 1, 6.0
    for rule in exam.rules[1:]:
        session.delete(rule)
    session.commit()
    assert client.post(f"/exams/{exam.id}/start").status_code == 302
    attempt_id = client.get("/api/exams").get_json()[0]["attempt_in_progress"]
    row = session.query(AttemptQuestion).filter_by(attempt_id=attempt_id).one()
    half = right_response(row, "multiple")[:1]
    assert client.put(f"/api/attempts/{attempt_id}/answers/{row.question_id}",
                      json={"response": half, "seq": 1}).status_code == 200
    client.post(f"/api/attempts/{attempt_id}/submit")
    mine = text_of(client.get(f"/exams/attempts/{attempt_id}/result").get_data(as_text=True))
    assert "得分 3 / 6" in mine and "部分正确" in mine and "✗ 错误" not in mine and "您的答案" in mine

    client.post("/auth/logout")
    login_as("trainer")
    seen = text_of(client.get(f"/exams/manage/attempts/{attempt_id}").get_data(as_text=True))
    assert "考生答案" in seen and "您的答案" not in seen and "部分正确" in seen


# ------------------------------------------------------------------ item 7: exam states, odd figures, 缺考名单


def test_trainers_read_exam_phases_from_the_window(client, login_as, session, bank):
    login_as("trainer")
    now = utcnow()
    closed = open_exam(session, bank, title="去年的考试", opens_at=now - timedelta(days=90),
                       closes_at=now - timedelta(days=60))
    running = open_exam(session, bank, title="正在考")
    later = open_exam(session, bank, title="下月考", opens_at=now + timedelta(days=30),
                      closes_at=now + timedelta(days=31))
    draft = open_exam(session, bank, title="新草稿", status="draft")
    archived = open_exam(session, bank, title="旧档案", status="archived")
    page = client.get("/exams/manage").get_data(as_text=True)
    for exam, word in ((closed, "已结束"), (running, "进行中"), (later, "未开始"), (draft, "草稿"),
                       (archived, "已归档")):
        row = re.search(rf"{exam.title}</a></td>\s*<td>([^<]*)</td>", page).group(1)
        assert row == word, (exam.title, row)
    assert "已发布" not in text_of(page)
    detail = text_of(client.get(f"/exams/{draft.id}/admin").get_data(as_text=True))
    assert "成绩 未公布（考试尚未发布）" in detail and "已公布" not in detail.replace("未公布", "")
    assert "已结束" in text_of(client.get(f"/exams/{closed.id}/admin").get_data(as_text=True))


def test_an_odd_total_or_pass_mark_is_pointed_out(client, login_as, session, bank):
    from tests.services.exams_helpers import exam_form_data

    login_as("trainer")
    form = exam_form_data(**{"title": "280分的卷子", "pass_percent": "30", "rules-0-type": "single",
                             "rules-0-banks": [str(bank.id)], "rules-0-count": "7", "rules-0-points": "40"})
    html = text_of(client.post("/exams/new", data=form, follow_redirects=True).get_data(as_text=True))
    assert "共7题，总分280分" in html
    assert "试卷总分为 280 分，通常为 100 分" in html and "及格线为 30%，低于 50%" in html
    form.update({"title": "百分卷", "pass_percent": "60", "rules-0-count": "10", "rules-0-points": "10"})
    html = text_of(client.post("/exams/new", data=form, follow_redirects=True).get_data(as_text=True))
    assert "总分100分" in html and "请核对" not in html


def test_absent_list_names_who_did_not_sit_and_exports_safely(client, login_as, session, bank):
    from io import BytesIO

    from openpyxl import load_workbook

    team = factories.make_department(session, path="区应急局/执法大队")
    sat = factories.make_user(session, department=team, display_name="已考")
    factories.make_user(session, department=team, display_name="=HYPERLINK(\"x\")")
    begun = factories.make_user(session, department=team, display_name="开了头")
    exam = open_exam(session, bank, departments=[team])
    factories.make_attempt(session, exam, sat)
    open_paper = factories.make_attempt(session, exam, begun)
    open_paper.status, open_paper.submitted_at, open_paper.score, open_paper.graded_at = "in_progress", None, None, None
    open_paper.deadline_at = utcnow() + timedelta(minutes=20)
    session.commit()
    login_as("trainer")
    page = text_of(client.get(f"/exams/{exam.id}/admin").get_data(as_text=True))
    assert "缺考名单 已安排但未交卷 2 人（共 3 人）" in page
    assert "开了头" in page and "作答中未交卷" in page
    r = client.get(f"/exams/{exam.id}/absent.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(BytesIO(r.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("序号", "登录名", "姓名", "部门", "情况")
    by_name = {row[2]: row for row in rows[1:]}
    assert set(by_name) == {"'=HYPERLINK(\"x\")", "开了头"}
    assert by_name["开了头"][0] in (1, 2) and isinstance(by_name["开了头"][0], int)  # a number cell
    assert by_name["开了头"][4] == "作答中未交卷" and by_name["'=HYPERLINK(\"x\")"][4] == "未参加"
    assert by_name["开了头"][3] == "区应急局/执法大队"
    client.post("/auth/logout")
    login_as("staff")
    assert client.get(f"/exams/{exam.id}/absent.xlsx").status_code in (403, 404)


# ------------------------------------------------------------------ item 6: what administrators read


def test_audit_log_reads_labels_names_and_fields(client, login_as, session, bank):
    from lawtrain.auth import audit

    admin = login_as("admin", display_name="王管理")
    trainer = factories.make_user(session, roles=["trainer"], display_name="李培训")
    exam = open_exam(session, bank, title="2025年安全生产法考试")
    question = factories.make_question(session, bank, stem="生产经营单位的主要负责人对本单位安全生产工作全面负责")
    audit.record(session, "exam.regrade", actor=trainer, target_type="exam", target_id=exam.id, why="答案更正",
                 attempts=3, pass_changes=1, changes=[{"attempt": 1, "before": 50.0, "after": 60.0}])
    audit.record(session, "bank.import", actor=trainer, target_type="bank", target_id=bank.id, total=20, added=18,
                 updated=2)
    audit.record(session, "question.void", actor=trainer, target_type="question", target_id=question.id,
                 reason="题干有误")
    audit.record(session, "user_changed", actor=admin, target_type="user", target_id=trainer.id,
                 roles=[["staff"], ["staff", "trainer"]])
    session.commit()
    html = client.get("/admin/audit").get_data(as_text=True)
    page = text_of(html)
    for raw in ("exam.regrade", "bank.import", "question.void", "user_changed", "question ", '{"', "&#34;",
                "trainer →", "pass_changes"):
        assert raw not in page, raw
    assert "重新评分" in page and "考试 2025年安全生产法考试" in page
    assert "原因 答案更正" in page and "答卷数 3" in page and "改分明细 1 条" in page
    assert "导入题库" in page and f"题库 {bank.name}" in page and "新增 18" in page
    assert "作废试题" in page and "生产经营单位的主要负责人对本单位安全生" in page
    assert f"李培训（{trainer.username}）" in page  # the operator by name, not login only
    assert "角色 学员 → 学员、培训管理员" in page


def test_attempt_events_are_labelled(client, login_as, session, bank):
    from lawtrain.exams.models import AttemptQuestion

    user = login_as("staff")
    exam = open_exam(session, bank, user)
    client.post(f"/exams/{exam.id}/start")
    attempt_id = client.get("/api/exams").get_json()[0]["attempt_in_progress"]
    row = session.query(AttemptQuestion).filter_by(attempt_id=attempt_id, position=2).one()
    client.put(f"/api/attempts/{attempt_id}/answers/{row.question_id}", json={"response": ["A"], "seq": 1})
    client.post(f"/api/attempts/{attempt_id}/submit")
    client.post("/auth/logout")
    login_as("trainer")
    page = text_of(client.get(f"/exams/manage/attempts/{attempt_id}").get_data(as_text=True))
    assert "开始作答" in page and "保存答案" in page and "交卷" in page
    assert "试题：第2题" in page and "保存序号：1" in page and "原因：本人提交" in page
    for raw in ("started", "saved", "submitted", "question_id", '{"', "&#34;"):
        assert raw not in page, raw


def test_trainers_upload_course_modules_instead_of_a_command(client, login_as, session):
    import io
    import zipfile
    from pathlib import Path

    from lawtrain.courses.models import CourseModule

    login_as("trainer")
    page = client.get("/courses/manage").get_data(as_text=True)
    assert "flask import-course" not in page and "上传并导入" in page
    source = Path(__file__).resolve().parents[2] / "question_banks" / "work_safety_law" / "modules"
    first = sorted(source.glob("*.md"))[0]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"work_safety_law/modules/{first.name}", first.read_bytes())
        zf.writestr("../evil.md", "x")  # never unpacked outside
        zf.writestr("work_safety_law/notes.txt", "ignored")
    r = client.post("/courses/manage/import", data={"file": (io.BytesIO(buf.getvalue()), "modules.zip")},
                    content_type="multipart/form-data", follow_redirects=True)
    assert "课程模块已导入：新建 1 个" in r.get_data(as_text=True)
    assert session.query(CourseModule).count() == 1
    r = client.post("/courses/manage/import", data={"file": (io.BytesIO(b"not a zip"), "modules.zip")},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "请上传 .zip 压缩包" in r.get_data(as_text=True)


# ------------------------------------------------------------------ items 4 and 5: cited articles, links


def test_article_references_link_to_the_library_and_the_module(client, login_as, session):
    login_as("staff")
    law = factories.make_law(session, articles=range(1, 30))
    module = factories.make_course_module(session, articles=(20, 21), title="主要负责人职责",
                                          body="主要负责人的职责见第二十一条，另见《安全生产法》第20条。")
    bank = factories.make_bank(session)
    q = factories.make_question(session, bank, basis=(("安全生产法", 21),),
                                explanation="依据《安全生产法》第二十一条。")
    anchor = f'href="/courses/laws/{law.id}#a21"'

    # practice: the verdict's explanation and cited article link to the article and the module
    html = client.post("/exams/practice/answer", data={"question_id": q.id, f"q{q.id}": "D", "mode": "law"}
                       ).get_data(as_text=True)
    assert html.count(anchor) >= 2 and f'href="/courses/modules/{module.id}"' in html
    assert "第二十一条" in html and "第21条" not in html
    # the wrong-answer book: the entry opens the question with its answer and explanation
    book = client.get("/exams/wrong-book").get_data(as_text=True)
    assert '<details class="wrong-entry">' in book and "正确答案" in book and anchor in book
    # the module: its text links the references, its cited articles show their first words and a marker
    page = client.get(f"/courses/modules/{module.id}").get_data(as_text=True)
    assert f'<a href="/courses/laws/{law.id}#a21">第二十一条</a>' in page
    assert f'<a href="/courses/laws/{law.id}#a20">《安全生产法》第20条</a>' in page
    assert page.count('class="art-preview"') == 2 and "在法律全文中查看" in page
    # the law page: the searched term is marked and there is a way back up
    law_page = client.get(f"/courses/laws/{law.id}?hl=……").get_data(as_text=True)
    assert '<mark class="hit">……</mark>' in law_page and "back-to-top" in law_page
    search = client.get("/courses/laws/search?q=……").get_data(as_text=True)
    assert '<mark class="hit">……</mark>' in search and "hl=" in search


def test_article_links_escape_text_and_skip_unknown_laws(app, session):
    from lawtrain.courses.links import link_articles, link_articles_html

    law = factories.make_law(session, articles=range(1, 30))
    with app.test_request_context():
        out = str(link_articles("<b>见</b>第二十一条、《不存在法》第3条", "安全生产法"))
        assert out == (f'&lt;b&gt;见&lt;/b&gt;<a href="/courses/laws/{law.id}#a21">第二十一条</a>、'
                       "《不存在法》第3条")
        assert str(link_articles("第二十一条")) == "第二十一条"  # no law known: left as text
        html = str(link_articles_html('<p>第一条</p><p><a href="/x">第二条</a></p>', "安全生产法"))
        assert html == f'<p><a href="/courses/laws/{law.id}#a1">第一条</a></p><p><a href="/x">第二条</a></p>'


# ------------------------------------------------------------------ item 11: small things that add up


def test_after_editing_a_question_the_trainer_returns_to_the_filtered_page(client, login_as, session, bank):
    from lawtrain.banks.models import Question

    login_as("trainer")
    from urllib.parse import quote

    listing = f"/banks/{bank.id}?type=single&page=2"
    back = quote(listing, safe="")
    page = client.get(f"/banks/{bank.id}?type=single").get_data(as_text=True)
    assert f"edit?back=/banks/{bank.id}?type%3Dsingle" in page  # the edit links carry the page they came from
    assert "安全生产法 第二十一条" in page and "第21条" not in page  # item 10: the official numbering
    question = session.query(Question).filter_by(bank_id=bank.id, type="single").first()
    form_page = client.get(f"/banks/questions/{question.id}/edit?back={back}")
    assert form_page.status_code == 200
    assert f'href="{listing.replace("&", "&amp;")}"' in form_page.get_data(as_text=True)  # 取消 goes back too
    v = question.current_version
    data = {"type": "single", "stem": v.stem + "（改）", "options": "\n".join(v.options), "answer": "A",
            "explanation": "", "points": "1", "difficulty": "2", "basis": "安全生产法 第21条", "tags": "",
            "external_id": ""}
    r = client.post(f"/banks/questions/{question.id}/edit?back={back}", data=data)
    assert r.status_code == 302 and r.headers["Location"].endswith(listing)
    data["stem"] += "再改"
    r = client.post(f"/banks/questions/{question.id}/edit?back=//evil.example/x", data=data)
    assert r.headers["Location"].endswith(f"/banks/{bank.id}")  # never elsewhere


def test_reupload_keeps_the_bank_seal_sits_under_admin_and_no_one_bar_chart(client, login_as, session, bank):
    import io

    login_as("trainer")
    bad = "题型,题干,选项A,选项B,答案\n单选题,题干,甲,乙,E\n".encode()
    r = client.post("/banks/import", data={"bank_id": str(bank.id), "new_bank_name": "", "fmt": "",
                                           "file": (io.BytesIO(bad), "x.csv")}, content_type="multipart/form-data")
    preview = client.get(r.headers["Location"]).get_data(as_text=True)
    assert f'href="/banks/import?bank_id={bank.id}">重新上传' in preview

    client.post("/auth/logout")
    login_as("admin")
    assert 'href="/certificates/seal"' in client.get("/admin/").get_data(as_text=True)
    seal = client.get("/certificates/seal").get_data(as_text=True)
    assert 'aria-label="系统管理"' in seal and 'href="/admin/audit"' in seal

    client.post("/auth/logout")
    pop = factories.make_report_population(session)
    login_as("admin")
    exam_id = pop["exam"].id
    whole = client.get(f"/reports/completion?exam_id={exam_id}").get_data(as_text=True)
    leaf = client.get(f"/reports/completion?exam_id={exam_id}&department_id={pop['squad'].id}").get_data(
        as_text=True)
    assert whole.count("<svg") == 1 and "<svg" not in leaf and "一中队" in leaf


# ------------------------------------------------------------------ item 9: checkbox lists, the law from the library


def test_exam_form_offers_checkboxes_and_a_law_list(client, login_as, session, bank):
    from lawtrain.exams.models import Exam
    from tests.services.exams_helpers import exam_form_data

    login_as("trainer")
    a = factories.make_department(session, path="区应急局/甲科")
    b = factories.make_department(session, path="区应急局/乙科")
    module = factories.make_course_module(session, title="门槛模块")
    page = client.get("/exams/new").get_data(as_text=True)
    for name, value in (("departments", a.id), ("departments", b.id), ("gate_modules", module.id),
                        ("rules-0-banks", bank.id)):
        assert f'type="checkbox" name="{name}"' in page and f'value="{value}"' in page, name
    assert "<select" not in re.search(r'<fieldset class="mb-3 checklist"[^>]*>.*?</fieldset>', page, re.S).group(0)
    assert "Ctrl" not in page
    law_select = re.search(r'<select[^>]*name="rules-0-law_name".*?</select>', page, re.S).group(0)
    assert '<option value="安全生产法">' in law_select  # the bank's law, chosen rather than typed
    assert "lt-depth-1" in page  # departments indented as a tree

    form = exam_form_data(**{"title": "两个科室", "departments": [str(a.id), str(b.id)],
                             "gate_modules": [str(module.id)], "rules-0-type": "single",
                             "rules-0-banks": [str(bank.id)], "rules-0-law_name": "安全生产法",
                             "rules-0-count": "2", "rules-0-points": "50"})
    assert client.post("/exams/new", data=form).status_code == 302
    exam = session.query(Exam).filter_by(title="两个科室").one()
    assert sorted(x.department_id for x in exam.assignees) == sorted([a.id, b.id])
    assert exam.gate["modules"] == [module.id] and exam.rules[0].law_name == "安全生产法"
    form.update({"title": "错字", "rules-0-law_name": "安全生产发"})
    html = client.post("/exams/new", data=form).get_data(as_text=True)
    assert session.query(Exam).filter_by(title="错字").count() == 0 and "is-invalid" in html


def test_a_paper_past_its_time_does_not_read_as_running(client, login_as, session, bank):
    from lawtrain.exams.models import Attempt

    user = login_as("staff")
    exam = open_exam(session, bank, user, duration_minutes=30)
    client.post(f"/exams/{exam.id}/start")
    attempt = session.query(Attempt).one()
    attempt.deadline_at = utcnow() - timedelta(seconds=1)
    session.commit()
    page = text_of(client.get(f"/exams/{exam.id}").get_data(as_text=True))
    assert "时间已到，系统将自动交卷" in page and "计时仍在进行" not in page and "剩余 0:00" not in page
