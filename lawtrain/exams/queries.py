"""Read side of exams: what the exam page receives, result reviews, trainer lists."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from lawtrain.auth.audit import AuditEvent
from lawtrain.auth.models import User
from lawtrain.banks import queries as bank_queries
from lawtrain.banks.models import STATUS_ACTIVE, Question, QuestionVersion
from lawtrain.banks.services import QuestionFilters
from lawtrain.exams import scoring, services, timing
from lawtrain.exams.models import (
    SUBMITTED,
    Attempt,
    AttemptEvent,
    AttemptQuestion,
    Exam,
    ExamFixedQuestion,
    WrongBookEntry,
)
from lawtrain.timeutil import iso_utc

LETTERS = scoring.LETTERS
PICK_LIMIT = 100  # questions the "从题库选题" panel lists at once (a bank holds about 200)


def delivered_options(version: QuestionVersion, option_order: list[int]) -> list[dict[str, str]]:
    """Options in this person's display order with the keys they see (A, B, C…)."""
    if version.type not in (scoring.SINGLE, scoring.MULTIPLE):
        return []
    options = version.options or []
    order = option_order or list(range(len(options)))
    return [{"key": LETTERS[pos], "text": options[orig]} for pos, orig in enumerate(order) if orig < len(options)]


def delivery(session: Session, attempt: Attempt, now: datetime) -> dict[str, Any]:
    """The start/resume payload: questions in order, saved responses, last seq. Never a key or a score."""
    questions = []
    for row, version in services.paper_rows(session, attempt):
        questions.append({
            "id": row.question_id,
            "position": row.position,
            "type": version.type,
            "stem": version.stem,
            "options": delivered_options(version, row.option_order),
            "blanks": len(version.answer or []) if version.type == scoring.FILL_BLANK else 0,
            "points": row.points,
        })
    return {
        "attempt_id": attempt.id,
        "exam_id": attempt.exam_id,
        "title": attempt.exam.title,
        "status": attempt.status,
        "deadline": iso_utc(attempt.deadline_at),
        "remaining_seconds": timing.remaining_seconds(attempt.deadline_at, now),
        "questions": questions,
        "responses": {str(k): v for k, v in services.saved_responses(session, attempt.id).items()},
        "last_seq": attempt.last_seq,
    }


def result_payload(attempt: Attempt, now: datetime) -> dict[str, Any]:
    """Status, time left and, once submitted and released, the result."""
    data: dict[str, Any] = {
        "attempt_id": attempt.id,
        "status": attempt.status,
        "deadline": iso_utc(attempt.deadline_at),
        "remaining_seconds": timing.remaining_seconds(attempt.deadline_at, now) if attempt.is_open else 0,
        "submitted_at": iso_utc(attempt.submitted_at),
        "released": services.result_visible(attempt, now),
    }
    if data["released"]:
        data.update(score=attempt.score, max_score=attempt.max_score, percent=attempt.percent, passed=attempt.passed)
    return data


@dataclass
class ReviewItem:
    position: int
    version: QuestionVersion
    options: list[dict[str, str]]
    response: list | None
    correct_keys: list[str]
    correct_text: str
    score: float | None
    points: float
    is_correct: bool | None
    is_voided: bool


def _answer_text(version: QuestionVersion) -> str:
    if version.type == scoring.TRUE_FALSE:
        return _("正确") if (version.answer or [""])[0] == "true" else _("错误")
    if version.type == scoring.FILL_BLANK:
        return "；".join(" / ".join(b) if isinstance(b, list) else str(b) for b in version.answer or [])
    return ""


def review_items(session: Session, attempt: Attempt) -> list[ReviewItem]:
    """Each question with the person's answer, the right answer (in their keys), score and explanation."""
    items = []
    for g in services.graded_paper(session, attempt):
        items.append(ReviewItem(
            g.row.position, g.version, delivered_options(g.version, g.row.option_order), g.response,
            scoring.correct_display_keys(g.item), _answer_text(g.version), g.row.score, g.row.points,
            g.row.is_correct, g.row.is_voided,
        ))
    return items


def exams_select(status: str | None = None) -> Select:
    """Trainer list of exams, newest first."""
    stmt = select(Exam).order_by(Exam.created_at.desc(), Exam.id.desc())
    if status:
        stmt = stmt.where(Exam.status == status)
    return stmt


def submitted_counts(session: Session, exam_ids: list[int]) -> dict[int, int]:
    """Submitted attempts per exam, for a page of exams."""
    if not exam_ids:
        return {}
    rows = session.execute(select(Attempt.exam_id, func.count(Attempt.id))
                           .where(Attempt.exam_id.in_(exam_ids), Attempt.status == "submitted")
                           .group_by(Attempt.exam_id)).all()
    return {exam_id: n for exam_id, n in rows}


def attempts_select(exam_id: int) -> Select:
    """An exam's attempts, newest first."""
    return (select(Attempt).where(Attempt.exam_id == exam_id)
            .order_by(Attempt.started_at.desc(), Attempt.id.desc()))


def people_by_id(session: Session, ids) -> dict[int, User]:
    ids = list(set(ids))
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


def attempt_events(session: Session, attempt_id: int) -> list[AttemptEvent]:
    return list(session.scalars(select(AttemptEvent).where(AttemptEvent.attempt_id == attempt_id)
                                .order_by(AttemptEvent.at, AttemptEvent.id)))


def exam_stats(session: Session, exam_id: int) -> dict[str, Any]:
    row = session.execute(
        select(func.count(Attempt.id), func.avg(Attempt.percent),
               func.sum(case((Attempt.passed.is_(True), 1), else_=0)))
        .where(Attempt.exam_id == exam_id, Attempt.status == "submitted")
    ).one()
    in_progress = session.scalar(select(func.count(Attempt.id)).where(Attempt.exam_id == exam_id,
                                                                       Attempt.status == "in_progress"))
    return {"submitted": row[0] or 0, "mean_percent": round(row[1], 1) if row[1] is not None else None,
            "passed": int(row[2] or 0), "in_progress": in_progress or 0}


def wrong_book_select(user_id: int, now: datetime | None = None) -> Select:
    """A person's open wrong-answer book entries with the current question version, most recent first.

    With `now`, questions of live or unreleased papers are left out (they would tell right from wrong early)."""
    stmt = (select(WrongBookEntry, QuestionVersion)
            .join(Question, Question.id == WrongBookEntry.question_id)
            .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
            .where(WrongBookEntry.user_id == user_id, WrongBookEntry.cleared_at.is_(None))
            .order_by(WrongBookEntry.last_wrong_at.desc()))
    if now is not None:
        stmt = stmt.where(WrongBookEntry.question_id.not_in(services.hidden_question_ids(user_id, now)))
    return stmt


def paper_question_count(session: Session, attempt_id: int) -> int:
    return session.scalar(select(func.count(AttemptQuestion.id)).where(AttemptQuestion.attempt_id == attempt_id)) or 0


def fixed_paper_select(exam_id: int) -> Select:
    """A fixed paper's questions in order: (position, points set on the paper, question, current version)."""
    return (select(ExamFixedQuestion.position, ExamFixedQuestion.points, Question, QuestionVersion)
            .join(Question, Question.id == ExamFixedQuestion.question_id)
            .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
            .where(ExamFixedQuestion.exam_id == exam_id).order_by(ExamFixedQuestion.position))


def pickable_questions(session: Session, bank_id: int | None, filters: QuestionFilters) -> tuple[list[Question], bool]:
    """A bank's active questions for the "从题库选题" panel, narrowed like the bank's own list: (the first
    PICK_LIMIT, whether there are more)."""
    if not bank_id:
        return [], False
    filters = QuestionFilters(q=filters.q, type=filters.type, article=filters.article, status=STATUS_ACTIVE)
    rows = session.scalars(bank_queries.question_select(bank_id, filters).options(
        *bank_queries.question_page_options()).limit(PICK_LIMIT + 1)).all()
    return list(rows[:PICK_LIMIT]), len(rows) > PICK_LIMIT


# ------------------------------------------------------------------ regrade and voiding


@dataclass(frozen=True)
class QuestionUsage:
    """The papers a question is on, for the trainer deciding whether to void it."""

    submitted: int  # submitted attempts: regraded at once
    in_progress: int  # live attempts: graded without the question when submitted
    pregenerated: int  # pre-generated papers nobody has started: the question is taken out
    already_voided: bool


def question_usage(session: Session, question_id: int) -> QuestionUsage:
    counts = dict(session.execute(
        select(Attempt.status, func.count(Attempt.id))
        .join(AttemptQuestion, AttemptQuestion.attempt_id == Attempt.id)
        .where(AttemptQuestion.question_id == question_id).group_by(Attempt.status)).tuples().all())
    voided = session.scalar(select(AttemptQuestion.id).where(AttemptQuestion.question_id == question_id,
                                                             AttemptQuestion.is_voided.is_(True)).limit(1))
    return QuestionUsage(counts.get(SUBMITTED, 0), sum(n for s, n in counts.items() if s != SUBMITTED),
                         len(services.unused_pregens(session, "question_id", question_id)), voided is not None)


@dataclass(frozen=True)
class RegradeReport:
    """One regrade as the trainer reviews it: why it ran, what it touched, every attempt before/after."""

    event: AuditEvent
    why: str | None  # manual | key_changed | voided (None: an entry older than the reason)
    exam: Exam | None  # a manual regrade of one exam
    question: Question | None  # a key correction or a voided question
    rows: list[services.RegradeRow]
    in_progress: int = 0
    pregenerated: int = 0

    @property
    def pass_changes(self) -> int:
        return sum(r.pass_changed for r in self.rows)


def regrade_report(session: Session, event_id: int) -> RegradeReport | None:
    """A regrade as its audit entry recorded it (services._record_regrade), with today's names of the
    people and exams; None when the entry is not a regrade."""
    event = session.get(AuditEvent, event_id)
    if event is None or event.action != "exam.regrade":
        return None
    detail = json.loads(event.detail or "{}")
    changes = detail.get("changes") or []
    ids = [c["attempt"] for c in changes]
    who = {r.id: r for r in session.execute(
        select(Attempt.id, User.display_name, Exam.id.label("exam_id"), Exam.title)
        .join(User, User.id == Attempt.user_id).join(Exam, Exam.id == Attempt.exam_id)
        .where(Attempt.id.in_(ids)))} if ids else {}
    rows = []
    for c in changes:
        person = who.get(c["attempt"])
        rows.append(services.RegradeRow(
            c["attempt"], person.display_name if person else "", c.get("before"), c.get("after"),
            c.get("passed_before"), c.get("passed_after"), person.exam_id if person else None,
            person.title if person else "", c.get("max_before"), c.get("max_after")))
    target = int(event.target_id) if (event.target_id or "").isdigit() else None
    return RegradeReport(
        event, detail.get("why") or ("manual" if event.target_type == "exam" else None),
        session.get(Exam, target) if target is not None and event.target_type == "exam" else None,
        session.get(Question, target) if target is not None and event.target_type == "question" else None,
        rows, int(detail.get("in_progress") or 0), int(detail.get("pregenerated") or 0))
