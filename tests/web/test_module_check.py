"""The end-of-module check: drawn on the server, graded on exactly what was drawn, recorded with the module."""

from __future__ import annotations

import re

from sqlalchemy import select

from lawtrain.courses.models import StudyRecord
from tests import factories


def _setup(session, n=8):
    bank = factories.make_bank(session, name="安全生产法题库")
    keys = {}
    for i in range(n):
        q = factories.make_question(session, bank, stem=f"小测题{i}", basis=(("安全生产法", 21),))
        keys[q.id] = "A"
    module = factories.make_course_module(session, articles=(21,), bank_names=["安全生产法题库"], min_minutes=0)
    return module, keys


def _drawn(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'name="question_ids" value="(\d+)"', html)]


def test_the_check_grades_the_drawn_questions_and_completes_the_module(client, session, login_as):
    module, keys = _setup(session)
    user = login_as("staff")
    factories.make_assignment(session, modules=[module], users=[user])
    html = client.get(f"/exams/practice/module/{module.id}/check").get_data(as_text=True)
    drawn = _drawn(html)
    assert len(drawn) == 5 and set(drawn) <= set(keys)
    answers = {f"q{q}": "A" for q in drawn[:3]} | {f"q{q}": "B" for q in drawn[3:]}  # 3 of 5 right: 60 %
    text = client.post(f"/exams/practice/module/{module.id}/check", data=answers).get_data(as_text=True)
    assert "测验通过" in text and "得分率 60%" in text
    record = session.scalar(select(StudyRecord).where(StudyRecord.user_id == user.id))
    assert record.check_passed_at is not None and record.completed_at is not None
    # the same draw cannot be graded twice
    again = client.post(f"/exams/practice/module/{module.id}/check", data=answers)
    assert again.status_code == 302


def test_answering_other_questions_than_those_drawn_earns_nothing(client, session, login_as):
    module, keys = _setup(session)
    user = login_as("staff")
    drawn = _drawn(client.get(f"/exams/practice/module/{module.id}/check").get_data(as_text=True))
    chosen = [q for q in keys if q not in drawn][:3]
    forged = {"question_ids": chosen} | {f"q{q}": "A" for q in chosen} | {f"q{drawn[0]}": "A"}
    text = client.post(f"/exams/practice/module/{module.id}/check", data=forged).get_data(as_text=True)
    assert "未通过" in text and "得分率 20%" in text  # only the one drawn question answered counts, 1 of 5
    record = session.scalar(select(StudyRecord).where(StudyRecord.user_id == user.id))
    assert record.check_passed_at is None


def test_a_check_never_shown_cannot_be_submitted(client, session, login_as):
    module, keys = _setup(session)
    login_as("staff")
    response = client.post(f"/exams/practice/module/{module.id}/check",
                           data={"question_ids": list(keys)[:5]} | {f"q{q}": "A" for q in keys})
    assert response.status_code == 302
    assert "已失效" in client.get(response.headers["Location"]).get_data(as_text=True)
