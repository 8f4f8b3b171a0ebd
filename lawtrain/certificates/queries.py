"""Read side of certificates: the attempt that counts, lists for staff, trainers and leaders."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from lawtrain.auth.models import User
from lawtrain.banks.models import Bank, QuestionCitation
from lawtrain.certificates.models import Certificate
from lawtrain.courses.models import CourseModule, StudyRecord, TrainingAssignment
from lawtrain.exams.models import SUBMITTED, Attempt, AttemptQuestion, Exam, ExamFixedQuestion


def counting_attempt(session: Session, exam: Exam, user_id: int) -> Attempt | None:
    """The graded, submitted attempt that counts under the exam's rule: best score (earliest on a tie) or last."""
    stmt = select(Attempt).where(Attempt.exam_id == exam.id, Attempt.user_id == user_id,
                                 Attempt.status == SUBMITTED, Attempt.score.is_not(None))
    if exam.counting == "last":
        stmt = stmt.order_by(Attempt.submitted_at.desc(), Attempt.number.desc(), Attempt.id.desc())
    else:
        stmt = stmt.order_by(Attempt.percent.desc(), Attempt.score.desc(), Attempt.submitted_at, Attempt.id)
    return session.scalars(stmt.limit(1)).first()


def laws_covered(session: Session, exam: Exam, attempt: Attempt | None = None) -> list[str]:
    """Short names of the laws an exam covers: its rules' laws and banks, its fixed questions' citations;
    when those name none, the citations of the questions on the attempt's paper."""
    names: list[str] = [r.law_name for r in exam.rules if r.law_name]
    bank_ids = sorted({b for r in exam.rules for b in (r.banks or [])})
    if bank_ids:
        names += session.scalars(select(Bank.law_name).where(Bank.id.in_(bank_ids), Bank.law_name.is_not(None))
                                 .order_by(Bank.id)).all()
    fixed = select(ExamFixedQuestion.question_id).where(ExamFixedQuestion.exam_id == exam.id)
    names += _citations(session, fixed)
    if not names and attempt is not None:
        names += _citations(session, select(AttemptQuestion.question_id)
                            .where(AttemptQuestion.attempt_id == attempt.id))
    return list(dict.fromkeys(n for n in names if n))


@dataclass(frozen=True)
class TrainingCompletion:
    """A person's completed modules of an assignment: how many, the study time, when the last one completed."""

    done: int
    seconds: int
    completed_at: datetime | None


def training_completions(session: Session, user_ids: Iterable[int], module_ids: list[int]
                         ) -> dict[int, TrainingCompletion]:
    """user_id -> completion over `module_ids`, aggregated in SQL (people with nothing completed are absent)."""
    user_ids = list(user_ids)
    if not user_ids or not module_ids:
        return {}
    rows = session.execute(
        select(StudyRecord.user_id, func.count(), func.coalesce(func.sum(StudyRecord.seconds), 0),
               func.max(StudyRecord.completed_at))
        .where(StudyRecord.user_id.in_(user_ids), StudyRecord.module_id.in_(module_ids),
               StudyRecord.completed_at.is_not(None))
        .group_by(StudyRecord.user_id))
    return {uid: TrainingCompletion(int(done), int(seconds), last) for uid, done, seconds, last in rows}


def module_laws(session: Session, module_ids: list[int]) -> list[str]:
    """The laws a set of modules teaches, in course order."""
    names = session.scalars(select(CourseModule.law_name).where(CourseModule.id.in_(module_ids or [0]))
                            .order_by(CourseModule.sort_order, CourseModule.id))
    return list(dict.fromkeys(n for n in names if n))


def _citations(session: Session, question_ids: Select) -> list[str]:
    rows = session.execute(select(QuestionCitation.law_name, func.count())
                           .where(QuestionCitation.question_id.in_(question_ids))
                           .group_by(QuestionCitation.law_name)
                           .order_by(func.count().desc(), QuestionCitation.law_name)).all()
    return [name for name, _n in rows]


def user_certificates(user_id: int) -> Select:
    """A person's certificates, newest first."""
    return (select(Certificate).where(Certificate.user_id == user_id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc()))


def _certificates_where(condition, department_ids: Select | None) -> Select:
    """Certificates matching `condition`, by department and staff number; `department_ids` limits them to a
    subtree."""
    stmt = (select(Certificate).join(User, User.id == Certificate.user_id).where(condition)
            .order_by(Certificate.department_path, Certificate.staff_no, Certificate.id))
    if department_ids is not None:
        stmt = stmt.where(User.department_id.in_(department_ids))
    return stmt


def exam_certificates(exam_id: int, department_ids: Select | None = None) -> Select:
    return _certificates_where(Certificate.exam_id == exam_id, department_ids)


def assignment_certificates(assignment_id: int, department_ids: Select | None = None) -> Select:
    return _certificates_where(Certificate.assignment_id == assignment_id, department_ids)


def award_certificates(source: str, source_id: int, department_ids: Select | None = None) -> Select:
    """One contest's award certificates (for its list and zip), best place first."""
    stmt = _certificates_where((Certificate.award_source == source) & (Certificate.award_source_id == source_id),
                               department_ids)
    return stmt.order_by(None).order_by(Certificate.award_rank.is_(None), Certificate.award_rank, Certificate.id)


def not_revoked(certs: Select) -> Select:
    """What goes into a bulk download: a revoked certificate is never handed out again in a batch."""
    return certs.where(Certificate.revoked_at.is_(None))


def _sources_with_certificates(source, link, department_ids: Select | None) -> Select:
    """(source, certificates, revoked) rows for the exams or assignments (`source`, joined on `link`) that have
    certificates (in a subtree), newest first."""
    stmt = (select(source, func.count(Certificate.id),
                   func.sum(case((Certificate.revoked_at.is_not(None), 1), else_=0)))
            .join(Certificate, link == source.id))
    if department_ids is not None:
        stmt = stmt.join(User, User.id == Certificate.user_id).where(User.department_id.in_(department_ids))
    return stmt.group_by(source.id).order_by(source.created_at.desc(), source.id.desc())


def exams_with_certificates(department_ids: Select | None = None) -> Select:
    return _sources_with_certificates(Exam, Certificate.exam_id, department_ids)


def assignments_with_certificates(department_ids: Select | None = None) -> Select:
    return _sources_with_certificates(TrainingAssignment, Certificate.assignment_id, department_ids)


def by_code(session: Session, code: str) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.code == code)) if code else None


def by_serial(session: Session, serial: str) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.serial == serial.strip()))
