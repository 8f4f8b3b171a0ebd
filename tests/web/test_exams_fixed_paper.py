"""Trainers build fixed papers through the exam form (typed list or the question picker); staff get exactly
those questions."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from lawtrain.exams.models import Exam, ExamFixedQuestion
from lawtrain.timeutil import utcnow
from tests import factories
from tests.services.exams_helpers import exam_form_data

FIXED_CHECKED = re.compile(r'<input checked[^>]*name="paper_mode"[^>]*value="fixed"')


@pytest.fixture
def qs(session):
    bank = factories.make_bank(session, name="安全生产法题库")
    return [factories.make_question(session, bank, type=t, external_id=f"SAFE-02{i}", stem=f"固定试卷题干{i}",
                                    difficulty=i)
            for i, t in enumerate(("single", "multiple", "true_false", "single"), start=1)]


def exam_form(papers: str, **overrides) -> dict:
    return exam_form_data(**{"title": "固定试卷考试", "shuffle_questions": "", "paper_mode": "fixed",
                             "fixed_questions": papers, "fixed_points": "", "action": "save", **overrides})


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_trainer_builds_a_fixed_paper_and_staff_get_exactly_it(client, login_as, session, qs):
    trainer = login_as("trainer")
    staff = factories.make_user(session)
    form = exam_form(f"SAFE-023 4\n#{qs[0].id}\n{qs[1].id} 2.5", fixed_points="3", people=staff.username)
    html = text_of(client.post("/exams/new", data=form, follow_redirects=True))
    assert "共3题，总分9.5分" in html and "固定试卷" in html
    exam = session.scalar(select(Exam))
    assert exam.paper_mode == "fixed"
    for q in qs[:3]:
        assert q.current_version.stem in html  # the detail page lists the paper
    assert qs[3].current_version.stem not in html
    edit = text_of(client.get(f"/exams/{exam.id}/edit"))
    assert FIXED_CHECKED.search(edit)
    assert "\nSAFE-023 4\nSAFE-021 3\nSAFE-022 2.5</textarea>" in edit
    client.post(f"/exams/{exam.id}/publish")
    assert session.get(Exam, exam.id).status == "published"

    client.post("/auth/logout")
    login_as(staff)
    r = client.post(f"/api/exams/{exam.id}/attempts")
    assert r.status_code == 200, r.data[:300]
    questions = r.get_json()["questions"]
    assert [(q["id"], q["points"]) for q in questions] == [(qs[2].id, 4.0), (qs[0].id, 3.0), (qs[1].id, 2.5)]
    assert trainer.id != staff.id


def test_wrong_references_are_named_by_line_and_nothing_is_saved(client, login_as, session, qs):
    login_as("trainer")
    qs[1].status = "retired"
    session.commit()
    form = exam_form("SAFE-021\nSAFE-999\nSAFE-022\nSAFE-021\nSAFE-023 abc")
    r = client.post("/exams/new", data=form)
    assert r.status_code == 200
    html = text_of(r)
    for message in ('第2行：找不到试题 "SAFE-999"', '第3行：试题 "SAFE-022" 已停用',
                    '第4行：试题 "SAFE-021" 与第1行重复', '第5行：分值 "abc" 无效'):
        assert message in html
    assert "SAFE-021\nSAFE-999" in html  # the list comes back as typed
    assert session.scalar(select(func.count(Exam.id))) == 0
    html = text_of(client.post("/exams/new", data=exam_form("")))
    assert "固定试卷还没有题目" in html and session.scalar(select(func.count(Exam.id))) == 0


def test_each_mode_checks_only_its_own_fields(client, login_as, session, qs):
    login_as("trainer")
    half_rule = {"rules-0-type": "single", "rules-0-count": "", "fixed_points": ""}
    r = client.post("/exams/new", data=exam_form("SAFE-021", **half_rule), follow_redirects=True)
    assert "共1题" in text_of(r) and "请填写题数" not in text_of(r)
    r = client.post("/exams/new", data=exam_form("SAFE-999", paper_mode="rules", fixed_points="abc", **{
        "rules-0-type": "single", "rules-0-count": "2", "rules-0-points": "5"}), follow_redirects=True)
    html = text_of(r)
    assert "共2题，总分10分" in html and "SAFE-999" not in html
    assert session.scalar(select(func.count(ExamFixedQuestion.id))) == 1  # only the first exam's list


def test_the_picker_lists_a_bank_and_adds_the_ticked_questions(client, login_as, session, qs):
    login_as("trainer")
    bank_id = qs[0].bank_id
    qs[3].status = "retired"
    session.commit()
    form = exam_form("SAFE-021 2", paper_mode="rules", action="browse", pick_bank=str(bank_id), pick_type="")
    html = text_of(client.post("/exams/new", data=form))
    assert "固定试卷题干2" in html and "固定试卷题干4" not in html  # active questions only
    assert re.search(rf'value="{qs[0].id}"[^>]*checked disabled', html) and "已在试卷中" in html
    assert session.scalar(select(func.count(Exam.id))) == 0
    form.update(action="add", picked=[str(qs[0].id), str(qs[2].id)])
    html = text_of(client.post("/exams/new", data=form))
    assert "\nSAFE-021 2\nSAFE-023</textarea>" in html and "已加入1道试题" in html
    assert FIXED_CHECKED.search(html)
    html = text_of(client.post("/exams/new", data=exam_form("SAFE-021\n", action="browse", pick_bank=str(bank_id),
                                                            pick_type="true_false")))
    assert "固定试卷题干3" in html and "固定试卷题干1" not in html
    assert session.scalar(select(func.count(Exam.id))) == 0


def test_a_started_exam_keeps_its_paper_and_says_so(client, login_as, session, qs):
    login_as("trainer")
    staff = factories.make_user(session)
    client.post("/exams/new", data=exam_form("SAFE-021", people=staff.username))
    exam = session.scalar(select(Exam))
    client.post(f"/exams/{exam.id}/publish")
    from lawtrain.exams import attempts

    attempts.start_attempt(session, exam, staff, utcnow())
    assert "不能再修改" in text_of(client.get(f"/exams/{exam.id}/edit"))
    client.post(f"/exams/{exam.id}/edit", data=exam_form("SAFE-999", title="改名", people=staff.username))
    session.refresh(exam)
    assert exam.title == "改名" and [f.question_id for f in exam.fixed_questions] == [qs[0].id]


def test_messages_are_english_in_english(client, login_as, session, qs):
    login_as("trainer")
    client.get("/lang/en")
    html = text_of(client.post("/exams/new", data=exam_form("SAFE-999")))
    assert 'Line 1: no question "SAFE-999"' in html
    assert "Fixed paper" in html and "Pick from a bank" in html
