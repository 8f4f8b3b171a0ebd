"""Statuses are enums stored as today's strings; the database refuses any other string (CHECK constraints,
on SQLite and PostgreSQL alike); transitions happen only through the models' methods, which refuse a wrong
state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError

from lawtrain.banks.models import Question
from lawtrain.exams import attempts, authoring, errors
from lawtrain.exams.models import (
    Attempt,
    AttemptStateError,
    AttemptStatus,
    Exam,
    ExamStatus,
    FinishReason,
    PracticeAnswer,
    WrongBookEntry,
)
from tests import factories
from tests.services.exams_helpers import exam_bank

pytestmark = pytest.mark.usefixtures("in_request")


def _refused(session, statement) -> None:
    with pytest.raises(IntegrityError):
        session.execute(statement)
        session.flush()
    session.rollback()


def test_the_enums_store_the_strings_of_before():
    assert [str(s) for s in ExamStatus] == ["draft", "published", "archived"]
    assert [str(s) for s in AttemptStatus] == ["in_progress", "expired", "submitted"]
    assert [str(r) for r in FinishReason] == ["submitted", "timeout", "tab_limit"]


@pytest.mark.parametrize(("model", "column", "bad"), [
    (Exam, "status", "live"), (Exam, "paper_mode", "random"), (Exam, "release", "later"),
    (Exam, "review", "partial"), (Exam, "counting", "first"), (Exam, "multiple_scoring", "any"),
    (Attempt, "status", "paused"), (Attempt, "finish_reason", "crash"), (Question, "status", "deleted"),
    (WrongBookEntry, "source", "quiz"), (PracticeAnswer, "mode", "exam"),
])
def test_the_database_refuses_a_status_outside_its_enum(session, now, model, column, bad):
    user = factories.make_user(session)
    bank = exam_bank(session, singles=2, multiples=0, tfs=0, fills=0)
    exam = factories.make_exam(session, bank=bank, rules=(("single", 1, 5.0),), users=[user])
    attempt, _ = attempts.start_attempt(session, exam, user, now)
    attempts.submit_attempt(session, attempt, now + timedelta(minutes=1))  # a wrong answer: a book entry
    question = session.query(Question).first()
    session.add(PracticeAnswer(user_id=user.id, question_id=question.id, mode="law", response=[], answered_at=now))
    session.commit()
    assert session.query(WrongBookEntry).count() == 1
    _refused(session, update(model).values({column: bad}).execution_options(synchronize_session=False))
    # the same through plain SQL, as another program writing to the database would
    _refused(session, text(f"UPDATE {model.__tablename__} SET {column} = :bad").bindparams(bad=bad))


def test_transitions_refuse_a_wrong_state(session, now):
    exam = Exam.draft(title="t", created_at=now)
    exam.publish()
    with pytest.raises(AttemptStateError):
        exam.publish()
    exam.archive()
    assert exam.status == ExamStatus.ARCHIVED
    with pytest.raises(AttemptStateError):
        exam.archive()
    with pytest.raises(AttemptStateError):
        exam.publish()
    attempt = Attempt.begin(exam_id=1, user_id=1, seed=0, started_at=now, deadline_at=now)
    with pytest.raises(AttemptStateError):
        attempt.record_grade(1.0, 2.0, 50.0, False, now)  # only a submitted attempt has grades
    attempt.mark_submitted(now, FinishReason.SUBMITTED)
    with pytest.raises(AttemptStateError):
        attempt.expire()
    with pytest.raises(AttemptStateError):
        attempt.mark_submitted(now, FinishReason.TIMEOUT)


def test_publishing_twice_is_refused_before_anything_changes(session, now):
    user = factories.make_user(session)
    bank = exam_bank(session, singles=2, multiples=0, tfs=0, fills=0)
    exam = factories.make_exam(session, bank=bank, rules=(("single", 1, 5.0),), users=[user], status="draft")
    authoring.publish_exam(session, exam, actor=None, now=now)
    with pytest.raises(errors.ExamError, match="草稿"):
        authoring.publish_exam(session, exam, actor=None, now=now)
    authoring.archive_exam(session, exam, actor=None, now=now)
    with pytest.raises(errors.ExamError):
        authoring.archive_exam(session, exam, actor=None, now=now)
    assert session.get(Exam, exam.id).status == "archived"
