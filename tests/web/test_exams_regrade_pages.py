"""Trainer pages for regrading: voiding a question (confirmation, then the before/after list) and the list
shown after a key correction in the question editor."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lawtrain.auth.audit import AuditEvent
from lawtrain.banks.models import Question
from tests import factories
from tests.services.exams_helpers import exam_bank, right_response, sit, wrong_response
from tests.web.test_banks_authoring import text_of


@pytest.fixture
def sat(session, now):
    """Two people sat a two-question exam (5 points each, pass at 60 %). On the first question `fails`
    chose the fourth option and `passes` the first (the key "A"); both were right on the second."""
    bank = exam_bank(session, singles=2, multiples=0, tfs=0, fills=0)
    fails, passes = factories.make_user(session, display_name="张一"), factories.make_user(session, display_name="李二")
    exam = factories.make_exam(session, bank=bank, rules=(("single", 2, 5.0),), users=[fails, passes])
    first = session.scalars(select(Question).order_by(Question.id)).first()
    sit(session, exam, fails, now, lambda row, t: (wrong_response if row.question_id == first.id
                                                   else right_response)(row, t))
    sit(session, exam, passes, now, right_response)
    return exam, first, fails, passes


def edit_form(version, **changes) -> dict[str, str]:
    """The question editor's fields as they stand for `version`, with `changes`."""
    data = {"type": version.type, "stem": version.stem, "options": "\n".join(version.options),
            "answer": "".join(version.answer), "explanation": version.explanation or "",
            "points": str(int(version.points)), "difficulty": str(version.difficulty or ""),
            "basis": "；".join(f"{b['law']} 第{b['article']}条" for b in version.basis), "tags": ""}
    return data | changes


def row_of(page: str, name: str) -> str:
    return re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{name}.*?</tr>", page).group(0)


def test_void_asks_first_then_lists_every_regraded_attempt(client, login_as, session, sat):
    exam, first, fails, passes = sat
    login_as("trainer")
    assert "作废此题" in text_of(client.get(f"/banks/questions/{first.id}/edit"))

    confirm = text_of(client.get(f"/exams/questions/{first.id}/void"))
    assert "已交卷的 2 份答卷会立即重新评分。" in confirm
    assert "得分和满分都去掉这道题的分值" in confirm and "作废不能撤销" in confirm
    session.refresh(first)
    assert first.status == "active"  # looking at the confirmation changed nothing
    assert session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "exam.regrade")) == 0

    response = client.post(f"/exams/questions/{first.id}/void", data={"reason": "答案有误"})
    assert response.status_code == 302 and "/exams/regrades/" in response.headers["Location"]
    page = text_of(client.get(response.headers["Location"]))
    assert f"作废题目 #{first.id} 后的重新评分结果" in page
    assert "共重新评分 2 份答卷，其中 1 人及格情况发生变化。" in page
    flipped, kept = row_of(page, "张一"), row_of(page, "李二")
    assert 'class="table-warning"' in flipped and "5 / 10" in flipped and "5 / 5" in flipped
    assert "不及格" in flipped and "及格情况改变" in flipped and "如计入成绩，发放或恢复证书" in flipped
    assert exam.title in flipped
    assert "table-warning" not in kept and "10 / 10" in kept and "分数改变" in kept
    session.refresh(first)
    assert (first.status, first.review_reason) == ("retired", "答案有误")


def test_key_correction_in_the_editor_goes_on_to_the_before_after_list(client, login_as, session, sat):
    exam, first, fails, passes = sat
    login_as("trainer")
    editor = text_of(client.get(f"/banks/questions/{first.id}/edit"))
    assert "只改正答案（题型、题干和选项都不变）时" in editor

    response = client.post(f"/banks/questions/{first.id}/edit", data=edit_form(first.current_version, answer="D"))

    assert response.status_code == 302 and "/exams/regrades/" in response.headers["Location"]
    page = text_of(client.get(response.headers["Location"]))
    assert f"更正题目 #{first.id} 答案后的重新评分结果" in page and "已交卷的答卷已重新评分" in page
    assert "共重新评分 2 份答卷，其中 2 人及格情况发生变化。" in page
    gained, lost = row_of(page, "张一"), row_of(page, "李二")
    assert "5 / 10" in gained and "10 / 10" in gained and "如计入成绩，发放或恢复证书" in gained
    assert "10 / 10" in lost and "5 / 10" in lost and "如计入成绩，证书撤销" in lost
    assert all('class="table-warning"' in row and "及格情况改变" in row for row in (gained, lost))


def test_other_edits_of_a_used_question_say_drawn_papers_keep_the_old_version(client, login_as, session, sat):
    exam, first, fails, passes = sat
    login_as("trainer")
    version = first.current_version
    response = client.post(f"/banks/questions/{first.id}/edit", data=edit_form(
        version, options="\n".join([*version.options, "第五个选项"]), answer="E"), follow_redirects=True)
    page = text_of(response)
    assert f"题目 #{first.id} 的版本" in page
    assert "已抽到这道题的试卷（包括作答中和预生成的）仍使用原版本和原答案，不会重新评分。" in page
    assert "如果原来的答案有误，请作废此题。" in page and f"/exams/questions/{first.id}/void" in page
    assert session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "exam.regrade")) == 0
