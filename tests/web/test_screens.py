"""Issue 18: what each person reads on the screens around the exam (statuses, labels, wording, numbers)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from lawtrain.timeutil import utcnow
from tests import factories
from tests.services.exams_helpers import exam_bank

RULES = (("single", 3, 5.0), ("multiple", 2, 10.0), ("true_false", 2, 5.0), ("fill_blank", 1, 10.0))


@pytest.fixture
def bank(session):
    return exam_bank(session)


def open_exam(session, bank, *users, **overrides):
    now = utcnow()
    fields = dict(opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1))
    fields.update(overrides)
    return factories.make_exam(session, bank=bank, rules=RULES, users=list(users), **fields)


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
    listing = text_of(client.get("/exams/").get_data(as_text=True))
    assert "还需完成：学习模块“主要负责人职责”" in listing and "尚未完成" not in listing
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
