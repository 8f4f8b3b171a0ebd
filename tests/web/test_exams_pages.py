"""Exam pages: intro and gate, take page (no key, works without JS), result and review, trainer setup, practice."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lawtrain.banks.models import QuestionVersion
from lawtrain.exams import attempts, availability
from lawtrain.exams.models import Answer, Attempt, AttemptQuestion, Exam, ExamOverride, PaperPregen
from lawtrain.timeutil import utcnow
from tests import factories
from tests.services.exams_helpers import exam_bank, exam_form_data, open_exam, right_response


@pytest.fixture
def bank(session):
    return exam_bank(session)


def start_page(client, exam) -> tuple[int, str]:
    r = client.post(f"/exams/{exam.id}/start")
    assert r.status_code == 302
    attempt_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
    return attempt_id, client.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)


def test_exam_list_and_intro(client, login_as, session, bank):
    user = login_as("staff")
    exam = open_exam(session, bank, user, instructions="请独立作答")
    assert exam.title in client.get("/exams/").get_data(as_text=True)
    html = client.get(f"/exams/{exam.id}").get_data(as_text=True)
    assert "开始考试" in html and "请独立作答" in html
    assert client.get(f"/exams/{open_exam(session, bank).id}").status_code == 404
    assert exam.title in client.get("/home/staff").get_data(as_text=True)


def test_intro_lists_exactly_what_the_gate_misses(client, login_as, session, bank, monkeypatch):
    user = login_as("staff")
    exam = open_exam(session, bank, user, gate={"minutes": {"安全生产法": 30}})
    monkeypatch.setattr(availability, "gate_status", lambda s, uid, gate: (False, ["《安全生产法》还需学习 30 分钟"]))
    html = client.get(f"/exams/{exam.id}").get_data(as_text=True)
    assert "《安全生产法》还需学习 30 分钟" in html and "开始考试" not in html
    r = client.post(f"/exams/{exam.id}/start", follow_redirects=True)
    assert "尚未满足培训要求" in r.get_data(as_text=True)
    assert session.scalar(select(Attempt)) is None


def test_take_page_shows_no_answer_key(client, login_as, session, bank):
    user = login_as("staff")
    exam = open_exam(session, bank, user)
    attempt_id, html = start_page(client, exam)
    assert 'data-remaining="' in html and "exam.js" in html and 'name="csrf-token"' in html
    rows = session.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt_id)).all()
    for row in rows:
        version = session.get(QuestionVersion, row.question_version_id)
        assert version.stem in html
        if version.explanation:
            assert version.explanation not in html
        if version.type == "fill_blank":
            for alternatives in version.answer:
                for alt in alternatives:  # a short key such as "30" may occur in a title: look where keys would go
                    assert (alt not in html) if len(alt) >= 4 else not re.search(rf"[\"'>]{re.escape(alt)}[\"'<]", html)
    assert "/result" not in html  # no result link while the attempt is live
    assert not re.search(r"is_correct|answer-key|data-answer=|data-correct|解析", html)
    assert " checked" not in html  # nothing pre-selected, so nothing hints at the key


def test_result_refused_while_live_then_review_after_submit(client, login_as, session, bank):
    user = login_as("staff")
    exam = open_exam(session, bank, user)
    attempt_id, _html = start_page(client, exam)
    assert client.get(f"/exams/attempts/{attempt_id}/result").status_code == 404
    client.post(f"/api/attempts/{attempt_id}/submit")
    html = client.get(f"/exams/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "考试结果" in html and "正确答案" in html and "解析单选" in html and "第二十一条" in html
    assert client.get(f"/exams/attempts/{attempt_id}").status_code == 302  # the take page now sends to the result


def test_score_only_review_hides_answers(client, login_as, session, bank):
    user = login_as("staff")
    exam = open_exam(session, bank, user, review="score_only")
    attempt_id, _html = start_page(client, exam)
    client.post(f"/api/attempts/{attempt_id}/submit")
    html = client.get(f"/exams/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "只公布成绩" in html and "解析单选" not in html


def test_no_javascript_fallback_saves_and_submits(client, login_as, session, bank):
    user = login_as("staff")
    exam = open_exam(session, bank, user)
    attempt_id, html = start_page(client, exam)
    assert f'action="/exams/attempts/{attempt_id}"' in html and 'value="submit"' in html
    rows = session.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt_id)
                           .order_by(AttemptQuestion.position)).all()
    form = {}
    for row in rows:
        qtype = session.get(QuestionVersion, row.question_version_id).type
        response = right_response(row, qtype)
        if qtype == "fill_blank":
            form[f"q{row.question_id}_0"] = response[0]
        else:
            form[f"q{row.question_id}"] = response
    r = client.post(f"/exams/attempts/{attempt_id}", data={**form, "action": "save"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/exams/attempts/{attempt_id}")
    assert len(session.scalars(select(Answer).where(Answer.attempt_id == attempt_id)).all()) == len(rows)
    page = client.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    assert page.count("checked") >= 5  # saved choices come back checked
    r = client.post(f"/exams/attempts/{attempt_id}", data={**form, "action": "submit"}, follow_redirects=True)
    assert "55" in r.get_data(as_text=True)
    attempt = session.get(Attempt, attempt_id)
    assert (attempt.status, attempt.score, attempt.passed) == ("submitted", 55.0, True)


def test_exam_form_refuses_a_window_that_closes_when_it_opens(client, login_as, session, bank):
    login_as("trainer")
    form = exam_form_data(title="时间倒置的考试", **{"rules-0-type": "single", "rules-0-count": "2",
                                                   "rules-0-points": "5"})
    form["closes_at"] = form["opens_at"]
    html = client.post("/exams/new", data=form).get_data(as_text=True)
    assert '<div id="closes_at-error" class="invalid-feedback d-block">结束时间必须晚于开始时间</div>' in html
    assert session.scalar(select(Exam)) is None


def test_trainer_creates_exam_sees_rule_check_and_publishes(client, login_as, session, bank):
    login_as("trainer")
    team = factories.make_department(session, path="区应急局/执法大队")
    staff = factories.make_user(session, department=team)
    form = exam_form_data(**{
        "title": "2025年安全生产法考试", "duration_minutes": "45", "attempts_allowed": "2",
        "multiple_scoring": "partial", "departments": [str(team.id)],
        "rules-0-type": "single", "rules-0-banks": [str(bank.id)], "rules-0-count": "5", "rules-0-points": "4",
        "rules-1-type": "multiple", "rules-1-count": "20", "rules-1-points": "2",
    })
    r = client.post("/exams/new", data=form, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "规则2需要20道多选题，题库只有4道" in html
    exam = session.scalar(select(Exam))
    assert exam.duration_minutes == 45 and exam.multiple_scoring == "partial"
    assert abs((exam.opens_at - (utcnow() - timedelta(hours=1))).total_seconds()) < 120  # stored as UTC
    r = client.post(f"/exams/{exam.id}/publish", follow_redirects=True)
    assert "规则2需要20道多选题" in r.get_data(as_text=True) and exam.status == "draft"
    form["rules-1-count"] = "3"
    html = client.post(f"/exams/{exam.id}/edit", data=form, follow_redirects=True).get_data(as_text=True)
    assert "共8题，总分26分" in html
    client.post(f"/exams/{exam.id}/publish")
    session.refresh(exam)
    assert exam.status == "published"
    assert client.post(f"/exams/{exam.id}/pregenerate").status_code == 302
    assert session.scalar(select(PaperPregen.user_id)) == staff.id
    r = client.post(f"/exams/{exam.id}/overrides", data={"person": staff.username, "extra_minutes": "20",
                                                         "reason": "视力障碍"})
    assert r.status_code == 302 and session.scalar(select(ExamOverride.extra_minutes)) == 20
    assert "2025年安全生产法考试" in client.get("/exams/manage").get_data(as_text=True)


def test_trainer_sees_attempt_details_and_regrades(client, login_as, session, bank):
    staff = factories.make_user(session)
    exam = open_exam(session, bank, staff)
    attempt, _ = attempts.start_attempt(session, exam, staff, utcnow())
    attempts.record_focus(session, attempt, "lost", utcnow())
    login_as("trainer")
    detail = client.get(f"/exams/{exam.id}/admin").get_data(as_text=True)
    assert staff.display_name in detail and "作答中" in detail
    html = client.get(f"/exams/manage/attempts/{attempt.id}").get_data(as_text=True)
    assert "离开考试页面" in html and "focus_lost" not in html and "1 次" in html
    attempts.submit_attempt(session, attempt, utcnow())
    response = client.post(f"/exams/{exam.id}/regrade")
    assert response.status_code == 302 and "/exams/regrades/" in response.headers["Location"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)  # a GET page: reloading regrades nothing
    assert "重新评分结果" in html and staff.display_name in html


def test_staff_cannot_reach_trainer_pages(client, login_as, session, bank):
    login_as("staff")
    exam = open_exam(session, bank)
    for url in ("/exams/manage", "/exams/new", f"/exams/{exam.id}/admin", f"/exams/{exam.id}/edit"):
        assert client.get(url).status_code == 403


def test_practice_and_wrong_book_pages(client, login_as, session, bank):
    login_as("staff")
    html = client.get("/exams/practice?go=1&law=安全生产法&order=sequential").get_data(as_text=True)
    qid = int(re.search(r'name="question_id" value="(\d+)"', html).group(1))
    r = client.post("/exams/practice/answer", data={"question_id": qid, f"q{qid}": "D", "mode": "law"})
    text = r.get_data(as_text=True)
    assert "回答错误" in text and "正确答案" in text
    stem = session.scalar(select(QuestionVersion.stem).where(QuestionVersion.question_id == qid))
    assert stem in client.get("/exams/wrong-book").get_data(as_text=True)
    r = client.post("/api/practice/answer", json={"question_id": qid, "response": ["A"]})
    assert r.get_json()["correct"] is True and r.get_json()["in_wrong_book"] is True


def test_practice_by_module_draws_only_the_questions_on_its_articles(client, login_as, session):
    bank = factories.make_bank(session, name="安全生产法题库")
    on_module = {factories.make_question(session, bank, stem=f"模块条文题{n}", basis=(("安全生产法", a),)).id
                 for n, a in enumerate((21, 22))}
    factories.make_question(session, bank, stem="其他条文题", basis=(("安全生产法", 90),))
    module = factories.make_course_module(session, articles=(21, 22), bank_names=["安全生产法题库"])
    login_as("staff")
    assert f"/exams/practice?go=1&amp;module={module.id}" in client.get(f"/courses/modules/{module.id}").get_data(
        as_text=True)
    seen = set()
    for i in range(3):  # sequential: walks the module's two questions and wraps around
        html = client.get(f"/exams/practice?go=1&module={module.id}&order=sequential&i={i}").get_data(as_text=True)
        assert f"第 {i % 2 + 1} / 2 题" in html and "其他条文题" not in html
        seen.add(int(re.search(r'name="question_id" value="(\d+)"', html).group(1)))
        assert f'name="module" value="{module.id}"' in html
    assert seen == on_module
    assert client.get("/exams/practice?go=1&module=999999&order=random").status_code == 404


def test_module_check_route_exists(client, login_as):
    login_as("staff")
    assert client.get("/exams/practice/module/999999/check").status_code == 404


def test_cli_close_overdue_and_pregenerate(runner, session, bank):
    staff = factories.make_user(session)
    exam = open_exam(session, bank, staff)
    attempt, _ = attempts.start_attempt(session, exam, staff, utcnow() - timedelta(hours=2))
    result = runner.invoke(args=["close-overdue"])
    assert result.exit_code == 0 and "1" in result.output
    session.refresh(attempt)
    assert attempt.status == "submitted" and attempt.finish_reason == "timeout"
    other = factories.make_user(session)
    exam2 = open_exam(session, bank, other)
    result = runner.invoke(args=["pregenerate-papers", str(exam2.id)])
    assert result.exit_code == 0 and "1" in result.output
    bad = runner.invoke(args=["pregenerate-papers", "999999"])
    assert bad.exit_code != 0


def test_a_burst_of_practice_answers_does_not_buy_study_time(client, login_as, session, bank):
    """120 answers in a few seconds once earned 10 minutes towards a training gate."""
    from sqlalchemy import func

    from lawtrain.courses.models import StudyTimeEntry
    from lawtrain.exams.practice import FIRST_ANSWER_SECONDS

    user = login_as("staff")
    html = client.get("/exams/practice?go=1&law=安全生产法&order=sequential").get_data(as_text=True)
    qid = int(re.search(r'name="question_id" value="(\d+)"', html).group(1))
    for _ in range(40):
        assert client.post("/api/practice/answer", json={"question_id": qid, "response": ["A"]}).status_code == 200
    credited = session.scalar(select(func.sum(StudyTimeEntry.seconds)).where(StudyTimeEntry.user_id == user.id))
    assert credited <= FIRST_ANSWER_SECONDS + 10  # the first read plus the seconds the burst really took
