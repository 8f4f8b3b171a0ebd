"""Regrade after a key correction or a voided question; the wrong-answer book; practice; module checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lawtrain.auth.audit import AuditEvent
from lawtrain.banks import services as bank_services
from lawtrain.banks.models import Question
from lawtrain.exams import events, practice, services
from lawtrain.exams.models import AttemptEvent, PracticeAnswer, WrongBookEntry
from tests import factories
from tests.services.exams_helpers import exam_bank, paper, right_response, wrong_response

pytestmark = pytest.mark.usefixtures("in_request")  # messages are translated per request


def sit(session, exam, user, now, answer_for):
    attempt, _ = services.start_attempt(session, exam, user, now)
    qtypes = {q.id: q.type for q in session.scalars(select(Question))}
    for seq, row in enumerate(paper(session, attempt), start=1):
        services.save_answer(session, attempt, row.question_id, answer_for(row, qtypes[row.question_id]), seq, now)
    return services.submit_attempt(session, attempt, now + timedelta(minutes=5))


def test_key_correction_regrades_and_flips_pass_fail(session, now):
    bank = exam_bank(session, singles=2, multiples=0, tfs=0, fills=0)
    user = factories.make_user(session)
    trainer = factories.make_user(session, roles=["trainer"])
    exam = factories.make_exam(session, bank=bank, rules=(("single", 2, 5.0),), users=[user], pass_percent=60)
    # the person picks the *third* original option on both questions: wrong under the current key
    attempt = sit(session, exam, user, now, lambda row, t: [("ABCD")[row.option_order.index(2)]])
    assert (attempt.score, attempt.passed) == (0.0, False)
    seen = []
    events.ATTEMPT_GRADED_LISTENERS.append(lambda s, a, *, previous_passed, now: seen.append((previous_passed,
                                                                                              a.passed)))
    try:
        for q in session.scalars(select(Question)).all():  # the trainer corrects both keys to C in the banks UI
            record = bank_services.question_to_record(q)
            record.answer = ["C"]
            bank_services.update_question(session, q, record, actor=trainer, now=now + timedelta(hours=1))
    finally:
        events.ATTEMPT_GRADED_LISTENERS.pop()
    session.refresh(attempt)
    assert (attempt.score, attempt.percent, attempt.passed) == (10.0, 100.0, True)
    assert seen[-1] == (False, True)
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "exam.regrade")) is not None
    kinds = session.scalars(select(AttemptEvent.kind).where(AttemptEvent.attempt_id == attempt.id)).all()
    assert "regraded" in kinds


def test_voiding_a_question_removes_it_from_score_and_max(session, now):
    bank = exam_bank(session, singles=2, multiples=0, tfs=0, fills=0)
    user = factories.make_user(session)
    trainer = factories.make_user(session, roles=["trainer"])
    exam = factories.make_exam(session, bank=bank, rules=(("single", 2, 5.0),), users=[user])
    rows_first = []

    def answer(row, t):  # right on the first question, wrong on the second
        rows_first.append(row.question_id)
        return right_response(row, t) if len(rows_first) == 1 else wrong_response(row, t)

    attempt = sit(session, exam, user, now, answer)
    assert (attempt.score, attempt.passed) == (5.0, False)
    bank_services.void_question(session, session.get(Question, rows_first[1]), actor=trainer, now=now, reason="错题")
    session.refresh(attempt)
    assert (attempt.score, attempt.max_score, attempt.percent, attempt.passed) == (5.0, 5.0, 100.0, True)


def test_manual_regrade_exam_reports_before_after(session, now):
    bank = exam_bank(session, singles=2, multiples=0, tfs=0, fills=0)
    user = factories.make_user(session)
    trainer = factories.make_user(session, roles=["trainer"])
    exam = factories.make_exam(session, bank=bank, rules=(("single", 2, 5.0),), users=[user])
    sit(session, exam, user, now, right_response)
    exam.pass_percent = 100.0
    session.commit()
    [row] = services.regrade_exam(session, exam, actor=trainer, now=now)
    assert (row.before_score, row.after_score, row.pass_changed) == (10.0, 10.0, False)
    exam.multiple_scoring = "partial"
    session.commit()
    assert services.regrade_exam(session, exam, actor=trainer, now=now)[0].after_passed is True


def test_exam_wrong_answers_fill_the_book(session, now):
    bank = exam_bank(session, singles=3, multiples=0, tfs=0, fills=0)
    user = factories.make_user(session)
    exam = factories.make_exam(session, bank=bank, rules=(("single", 3, 1.0),), users=[user])
    sit(session, exam, user, now, wrong_response)
    assert len(session.scalars(select(WrongBookEntry).where(WrongBookEntry.user_id == user.id)).all()) == 3


def test_wrong_book_question_leaves_after_two_right_answers_on_different_days(session, now):
    exam_bank(session, singles=1, multiples=0, tfs=0, fills=0)
    user = factories.make_user(session)
    qid = session.scalar(select(Question.id))
    first = practice.answer_question(session, user, qid, ["B"], "law", now)
    assert not first["correct"] and first["in_wrong_book"] and first["answer"] == "A"
    same_day = practice.answer_question(session, user, qid, ["A"], "wrong_book", now + timedelta(hours=1))
    again_same_day = practice.answer_question(session, user, qid, ["A"], "wrong_book", now + timedelta(hours=2))
    assert same_day["in_wrong_book"] and again_same_day["in_wrong_book"] and again_same_day["correct_days"] == 1
    next_day = practice.answer_question(session, user, qid, ["A"], "wrong_book", now + timedelta(days=1))
    assert next_day["left_wrong_book"] and not next_day["in_wrong_book"]
    # a wrong answer after a right one resets the count
    practice.answer_question(session, user, qid, ["C"], "law", now + timedelta(days=2))
    practice.answer_question(session, user, qid, ["A"], "law", now + timedelta(days=3))
    entry = session.scalar(select(WrongBookEntry))
    assert entry.cleared_at is None and entry.correct_day_count == 1 and entry.wrong_count == 2
    assert len(session.scalars(select(PracticeAnswer)).all()) == 6


def test_practice_pool_by_law_and_article(session):
    bank = exam_bank(session, singles=2, multiples=0, tfs=0, fills=0)
    other = factories.make_question(session, bank, basis=(("安全生产法", 94),))
    assert list(session.scalars(practice.pool_select(law="安全生产法", articles=[94]))) == [other.id]
    assert len(list(session.scalars(practice.pool_select(law="安全生产法")))) == 3


def test_day_boundary_is_shanghai_local(session, now):
    exam_bank(session, singles=1, multiples=0, tfs=0, fills=0)
    user = factories.make_user(session)
    qid = session.scalar(select(Question.id))
    practice.answer_question(session, user, qid, ["B"], "law", now)
    late = now.replace(hour=15, minute=0)  # 23:00 Shanghai
    after_midnight = now.replace(hour=16, minute=30)  # 00:30 next day in Shanghai, same UTC date
    practice.answer_question(session, user, qid, ["A"], "law", late)
    result = practice.answer_question(session, user, qid, ["A"], "law", after_midnight)
    assert result["left_wrong_book"]
