"""The training gate, end to end on the real database (no stub): an exam that requires a module and study
minutes refuses to start with exactly what is missing, then starts once the person has done it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lawtrain.courses.study import add_study_time, record_module_check
from lawtrain.exams import attempts, availability, errors
from tests import factories
from tests.services.exams_helpers import exam_bank

pytestmark = pytest.mark.usefixtures("in_request")


def test_gate_refuses_with_what_is_missing_then_opens(session, now):
    user = factories.make_user(session)
    module = factories.make_course_module(session, title="主要负责人的安全生产职责", min_minutes=0)
    factories.make_assignment(session, modules=[module], users=[user])
    bank = exam_bank(session, singles=3, multiples=0, tfs=0, fills=0)
    exam = factories.make_exam(session, bank=bank, rules=(("single", 2, 5.0),), users=[user])
    exam.gate = {"modules": [module.id], "minutes": {"安全生产法": 20}}
    session.commit()

    status = availability.exam_status(session, exam, user, now)
    assert status.status == "locked"
    assert status.locked_reasons == ["学习模块“主要负责人的安全生产职责”", "安全生产法 学习时长还差 20 分钟"]
    with pytest.raises(errors.ExamUnavailable) as refused:
        attempts.start_attempt(session, exam, user, now)
    assert "尚未满足培训要求" in str(refused.value)
    assert refused.value.reasons == status.locked_reasons

    record_module_check(session, user, module, passed=True, score=100.0, now=now)  # module done
    add_study_time(session, user.id, "安全生产法", "reading", 19 * 60 + 1, now)
    add_study_time(session, user.id, "安全生产法", "exam", 3600, now)  # time in exams does not count
    session.commit()
    assert availability.exam_status(session, exam, user, now).locked_reasons == ["安全生产法 学习时长还差 1 分钟"]

    add_study_time(session, user.id, "安全生产法", "practice", 59, now + timedelta(minutes=1))
    session.commit()
    assert availability.exam_status(session, exam, user, now).status == "open"
    attempt, resumed = attempts.start_attempt(session, exam, user, now)
    assert attempt.id and not resumed


def test_a_gate_that_cannot_be_checked_keeps_the_exam_locked(session, now, monkeypatch):
    user = factories.make_user(session)
    bank = exam_bank(session, singles=3, multiples=0, tfs=0, fills=0)
    exam = factories.make_exam(session, bank=bank, rules=(("single", 2, 5.0),), users=[user])
    exam.gate = {"modules": [1], "minutes": {"安全生产法": 20}}
    session.commit()

    def unreadable(*_args):
        raise RuntimeError("the training records cannot be read")

    monkeypatch.setattr(availability, "check_gate", unreadable)
    status = availability.exam_status(session, exam, user, now)
    assert status.status == "locked" and status.locked_reasons == ["培训要求暂时无法核对，请联系培训管理员"]
    with pytest.raises(errors.ExamUnavailable):
        attempts.start_attempt(session, exam, user, now)
    exam.gate = {}  # no gate: nothing to check, open as before
    session.commit()
    assert availability.exam_status(session, exam, user, now).status == "open"
