"""Grading: finishing an attempt, regrading (by hand, after a key correction), and voiding a question.

`finish` is the helper the attempt use cases call (never commits); `regrade_exam` and `void_question` are use
cases (commit once); `follow_key_correction` runs inside the banks service that corrected the key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lawtrain import signals
from lawtrain.auth import audit
from lawtrain.auth.models import User
from lawtrain.banks import services as bank_services
from lawtrain.banks.models import Question, QuestionVersion
from lawtrain.courses.study import add_study_time
from lawtrain.exams import queries
from lawtrain.exams.log import add_event
from lawtrain.exams.models import Attempt, AttemptQuestion, AttemptStatus, Exam, FinishReason, WrongBookSource
from lawtrain.exams.queries import GradedQuestion, RegradeRow
from lawtrain.exams.wrong_book import record_wrong_many


def _store_grades(session: Session, attempt: Attempt, now: datetime,
                  prepared: queries.PreparedGrade | None = None) -> list[GradedQuestion]:
    """Score every question from the saved answers and set the attempt's totals. `prepared`: the grade read
    before the lock, used when what it read is still what is stored (else graded again here)."""
    if prepared is not None and prepared.stamp == queries.grading_stamp(session, attempt.id):
        paper, result = prepared.paper, prepared.result
    else:
        for g in prepared.paper if prepared is not None else ():
            session.expire(g.row)  # read again as stored now, not as the read phase saw it
        paper, result = queries.grade(session, attempt)
    for g, r in zip(paper, result.items, strict=True):
        g.row.score, g.row.is_correct = r.score, r.is_correct
    attempt.record_grade(result.score, result.max_score, result.percent, result.passed, now)
    return paper


def finish(session: Session, attempt: Attempt, at: datetime, reason: FinishReason, now: datetime,
           prepared: queries.PreparedGrade | None = None) -> None:
    """Grade a claimed attempt and record the finish, study time, wrong book; tell the listeners."""
    if attempt.status == AttemptStatus.IN_PROGRESS and reason == FinishReason.TIMEOUT:
        attempt.expire()
    attempt.mark_submitted(at, reason)
    previous = attempt.passed
    paper = _store_grades(session, attempt, now, prepared)
    add_event(session, attempt.id, "auto_closed" if reason == FinishReason.TIMEOUT else "submitted", now,
              reason=reason, score=attempt.score, max_score=attempt.max_score)
    record_wrong_many(session, attempt.user_id, [g.row.question_id for g in paper if g.row.is_correct is False], at,
                      source=WrongBookSource.EXAM)
    _add_exam_study_time(session, attempt, paper, at, now)
    session.flush()
    signals.attempt_graded.send(None, session=session, attempt=attempt, previous_passed=previous, now=now)


def law_of(version: QuestionVersion) -> str | None:
    """The first law a question version cites (its study time is credited to that law)."""
    for basis in version.basis or []:
        if isinstance(basis, dict) and basis.get("law"):
            return str(basis["law"])
    return None


def _add_exam_study_time(session: Session, attempt: Attempt, paper: list[GradedQuestion], at: datetime,
                         now: datetime) -> None:
    seconds = max(0, int((at - attempt.started_at).total_seconds()))
    laws = [law for law in (law_of(g.version) for g in paper) if law]
    if not seconds or not laws:
        return
    counts: dict[str, int] = defaultdict(int)
    for law in laws:
        counts[law] += 1
    for law, n in counts.items():
        add_study_time(session, attempt.user_id, law, "exam", seconds * n // len(laws), now)


# ------------------------------------------------------------------ regrade


def _regrade(session: Session, attempts: Iterable[Attempt], now: datetime, *, why: str) -> list[RegradeRow]:
    rows = []
    for attempt in attempts:
        before = (attempt.score, attempt.max_score, attempt.passed)
        _store_grades(session, attempt, now)
        add_event(session, attempt.id, "regraded", now, why=why, before=before[0], after=attempt.score)
        session.flush()
        signals.attempt_graded.send(None, session=session, attempt=attempt, previous_passed=before[2], now=now)
        user = session.get(User, attempt.user_id)
        rows.append(RegradeRow(attempt.id, user.display_name if user else "", before[0], attempt.score,
                               before[2], attempt.passed, attempt.exam_id, attempt.exam.title,
                               before[1], attempt.max_score))
    return rows


def record_regrade(session: Session, rows: list[RegradeRow], *, why: str, actor, now: datetime,
                   target_type: str, target_id: int, ip: str | None = None, **counts: int) -> int:
    """The audit entry of one regrade, with every attempt's before/after: the record the trainer's result
    page reads back (queries.regrade_report). Returns its id."""
    event = audit.record(
        session, "exam.regrade", actor=actor, target_type=target_type, target_id=target_id, ip=ip, now=now,
        why=why, attempts=len(rows), pass_changes=sum(r.pass_changed for r in rows), **counts,
        changes=[{"attempt": r.attempt_id, "before": r.before_score, "after": r.after_score,
                  "max_before": r.before_max, "max_after": r.after_max,
                  "passed_before": r.before_passed, "passed_after": r.after_passed} for r in rows])
    session.flush()
    return event.id


def regrade_exam(session: Session, exam: Exam, *, actor, now: datetime, ip: str | None = None) -> int:
    """Regrade every submitted attempt of an exam with the current keys; returns the audit entry's id."""
    attempts = session.scalars(select(Attempt).where(Attempt.exam_id == exam.id,
                                                     Attempt.status == AttemptStatus.SUBMITTED)
                               .order_by(Attempt.id)).all()
    rows = _regrade(session, attempts, now, why="manual")
    event_id = record_regrade(session, rows, why="manual", actor=actor, now=now, target_type="exam",
                              target_id=exam.id, ip=ip)
    session.commit()
    return event_id


def _check_key_correction(session: Session, old_version_id: int, new_version_id: int) -> None:
    """Papers may follow only a version that shows what the old one showed: otherwise their option
    permutation (or their blanks) would no longer fit, and people would be graded on a question they never saw."""
    old, new = session.get(QuestionVersion, old_version_id), session.get(QuestionVersion, new_version_id)
    if old is None or new is None or not bank_services.is_key_correction(
            bank_services.version_content(old), bank_services.version_content(new)):
        raise ValueError(f"version {new_version_id} is not a key correction of version {old_version_id}")


def _take_out(session: Session, question_id: int) -> tuple[list[AttemptQuestion], list]:
    """Every paper holding the question stops scoring it; unseen pre-generated papers lose it."""
    rows = session.scalars(select(AttemptQuestion).where(AttemptQuestion.question_id == question_id)).all()
    pregens = queries.unused_pregens(session, "question_id", question_id)
    for row in rows:
        row.is_voided = True
    for pregen in pregens:
        pregen.paper = [item for item in pregen.paper if item["question_id"] != question_id]
    return rows, pregens


def _follow(session: Session, question_id: int, old_version_id: int, new_version_id: int):
    """Papers holding the old version (attempts and unseen pre-generated papers) take the corrected one."""
    _check_key_correction(session, old_version_id, new_version_id)
    rows = session.scalars(select(AttemptQuestion).where(AttemptQuestion.question_id == question_id,
                                                         AttemptQuestion.question_version_id == old_version_id)).all()
    pregens = queries.unused_pregens(session, "version_id", old_version_id)
    for row in rows:
        row.question_version_id = new_version_id
    for pregen in pregens:
        pregen.paper = [{**item, "version_id": new_version_id} if item["version_id"] == old_version_id else item
                        for item in pregen.paper]
    return rows, pregens


def _regrade_question(session: Session, question_id: int, old_version_id: int | None, new_version_id: int | None,
                      actor, now: datetime) -> int | None:
    """Papers holding the question follow a key correction (or, when new_version_id is None, take the question
    out of their scoring) and the submitted attempts among them are regraded. Returns the id of the audit entry
    listing before/after; None when no paper holds the question.

    Attempts in progress and pre-generated papers follow too, so they are graded on the corrected key (or
    without the voided question) when submitted; what they display does not change (a key correction shows
    the same), except that a pre-generated paper nobody has seen loses a voided question."""
    voided = new_version_id is None
    rows, pregens = (_take_out(session, question_id) if voided
                     else _follow(session, question_id, old_version_id, new_version_id))
    if not rows and not pregens:
        return None
    session.flush()
    attempt_ids = sorted({r.attempt_id for r in rows})
    attempts = session.scalars(select(Attempt).where(Attempt.id.in_(attempt_ids),
                                                     Attempt.status == AttemptStatus.SUBMITTED)
                               .order_by(Attempt.id)).all() if attempt_ids else []
    why = "voided" if voided else "key_changed"
    result = _regrade(session, attempts, now, why=why)
    return record_regrade(session, result, why=why, actor=actor, now=now, target_type="question",
                          target_id=question_id, question=question_id,
                          in_progress=len(attempt_ids) - len(attempts), pregenerated=len(pregens))


def follow_key_correction(_sender, *, session: Session, question_id: int, old_version_id: int,
                          new_version_id: int, actor, now: datetime) -> int | None:
    """Receiver of signals.answer_key_corrected (the banks service commits)."""
    return _regrade_question(session, question_id, old_version_id, new_version_id, actor, now)


def on_version_usage(_sender, *, session: Session, version_id: int) -> bool:
    """Receiver of signals.version_usage: is this version on a paper?"""
    return queries.version_on_paper(session, version_id)


def void_question(session: Session, question: Question, *, actor, now: datetime, reason: str = "") -> int | None:
    """Withdraw a faulty question: the banks area retires it, then every paper holding it stops scoring it and
    the submitted attempts are regraded. Returns the id of the audit entry listing that regrade (None: no
    paper held it)."""
    old_version_id = question.current_version_id
    bank_services.withdraw_question(session, question, actor=actor, now=now, reason=reason)
    event_id = _regrade_question(session, question.id, old_version_id, None, actor, now)
    session.commit()
    return event_id
