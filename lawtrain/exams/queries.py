"""Read side of exams: what the exam page receives, graded papers and reviews, trainer lists, regrade reports.

Below the services: nothing here writes or calls a service. A GET that meets an overdue attempt reads it
through `as_seen`, which shows it timed out and graded without storing anything.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, Text, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from lawtrain.auth.audit import AuditEvent
from lawtrain.auth.models import User
from lawtrain.banks import queries as bank_queries
from lawtrain.banks.models import Question, QuestionStatus, QuestionVersion
from lawtrain.banks.services import QuestionFilters
from lawtrain.exams import scoring, timing
from lawtrain.exams.availability import grace_seconds, result_visible
from lawtrain.exams.availability import hidden_question_ids as hidden_question_ids
from lawtrain.exams.models import (
    Answer,
    Attempt,
    AttemptEvent,
    AttemptQuestion,
    AttemptStatus,
    Exam,
    ExamFixedQuestion,
    ExamKind,
    FinishReason,
    PaperPregen,
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


# ------------------------------------------------------------------ papers as stored, graded in memory


@dataclass(frozen=True)
class GradedQuestion:
    row: AttemptQuestion
    version: QuestionVersion
    response: list | None
    item: scoring.Item


def paper_rows(session: Session, attempt: Attempt) -> list[tuple[AttemptQuestion, QuestionVersion]]:
    return list(session.execute(
        select(AttemptQuestion, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
        .where(AttemptQuestion.attempt_id == attempt.id).order_by(AttemptQuestion.position)
    ).tuples())


def saved_responses(session: Session, attempt_id: int) -> dict[int, list]:
    return dict(session.execute(select(Answer.question_id, Answer.response).where(Answer.attempt_id == attempt_id))
                .tuples().all())


def scoring_item(version: QuestionVersion, points: float, option_order=(), voided: bool = False) -> scoring.Item:
    """A question version as the grader sees it (exam papers and practice alike)."""
    return scoring.Item(version.type, scoring.answer_key(version.type, version.answer or []), float(points),
                        tuple(option_order or ()), bool(voided))


def graded_paper(session: Session, attempt: Attempt) -> list[GradedQuestion]:
    responses = saved_responses(session, attempt.id)
    return [GradedQuestion(row, version, responses.get(row.question_id),
                           scoring_item(version, row.points, row.option_order, row.is_voided))
            for row, version in paper_rows(session, attempt)]


def grade(session: Session, attempt: Attempt) -> tuple[list[GradedQuestion], scoring.PaperResult]:
    """Score the attempt's paper from its saved answers; the caller decides whether to store the result."""
    exam = attempt.exam
    paper = graded_paper(session, attempt)
    result = scoring.grade_paper([g.item for g in paper], [g.response for g in paper],
                                 exam.multiple_scoring, exam.pass_percent)
    return paper, result


@dataclass(frozen=True)
class PreparedGrade:
    """An attempt graded before the write lock (a submit's read phase), with the stamp of what it read."""
    paper: list[GradedQuestion]
    result: scoring.PaperResult
    stamp: tuple


def grading_stamp(session: Session, attempt_id: int) -> tuple:
    """What a grade depends on that can change while an attempt is open, in one statement: per question on the
    paper its version, voided flag and points, and the seq of its saved answer (a seq only grows, so an equal
    stamp means the same responses)."""
    return tuple(tuple(r) for r in session.execute(
        select(AttemptQuestion.question_id, AttemptQuestion.question_version_id, AttemptQuestion.is_voided,
               AttemptQuestion.points, Answer.seq)
        .outerjoin(Answer, and_(Answer.attempt_id == AttemptQuestion.attempt_id,
                                Answer.question_id == AttemptQuestion.question_id))
        .where(AttemptQuestion.attempt_id == attempt_id).order_by(AttemptQuestion.question_id)))


def prepare_grade(session: Session, attempt: Attempt) -> PreparedGrade:
    """Grade without writing, for a submit to store under its lock if grading_stamp is unchanged by then. The
    stamp is read first: a save landing in between makes the stamps differ (graded again under the lock),
    never a stale grade pass for a fresh one."""
    stamp = grading_stamp(session, attempt.id)
    paper, result = grade(session, attempt)
    return PreparedGrade(paper, result, stamp)


def as_seen(session: Session, attempt: Attempt, now: datetime) -> Attempt:
    """The attempt as a reader should see it now. An open attempt past its deadline and grace is shown the way
    the next write path (a submit, a refused save, `close-overdue`) will store it: finished at its deadline as a
    time-out, graded from its saved answers. The values are set on the loaded objects as if read from the
    database, so nothing becomes dirty and nothing is written."""
    if attempt.status == AttemptStatus.SUBMITTED or not timing.is_overdue(attempt.deadline_at, now, grace_seconds()):
        return attempt
    paper, result = grade(session, attempt)
    for g, r in zip(paper, result.items, strict=True):
        set_committed_value(g.row, "score", r.score)
        set_committed_value(g.row, "is_correct", r.is_correct)
    for name, value in (("status", AttemptStatus.SUBMITTED), ("submitted_at", attempt.deadline_at),
                        ("finish_reason", FinishReason.TIMEOUT), ("score", result.score),
                        ("max_score", result.max_score), ("percent", result.percent), ("passed", result.passed),
                        ("graded_at", now)):
        set_committed_value(attempt, name, value)
    return attempt


def unused_pregens(session: Session, key: str, value: int) -> list[PaperPregen]:
    """Pre-generated papers nobody has started yet with an item whose `key` ("question_id" or "version_id")
    is `value`. The paper is JSON, so SQL only narrows by its text (alike on SQLite and PostgreSQL) and the
    exact match is made here."""
    candidates = session.scalars(select(PaperPregen).where(
        PaperPregen.used_at.is_(None), cast(PaperPregen.paper, Text).contains(str(value))).order_by(PaperPregen.id))
    return [p for p in candidates if any(item.get(key) == value for item in p.paper or [])]


def version_on_paper(session: Session, version_id: int) -> bool:
    """Does an attempt hold this question version, or a pre-generated paper not yet started? Either way it must
    not change in place: what the paper shows and its option permutation were fixed when it was drawn. A case's
    version counts too: a paper shows its text above the sub-questions."""
    on_attempt = session.scalar(select(AttemptQuestion.id).where(or_(
        AttemptQuestion.question_version_id == version_id, AttemptQuestion.case_version_id == version_id))
                                .limit(1)) is not None
    return on_attempt or bool(unused_pregens(session, "version_id", version_id)
                              or unused_pregens(session, "case_version_id", version_id))


def paper_is_frozen(session: Session, exam: Exam) -> bool:
    """Has anyone started this exam? Then its paper setup (mode, rules, fixed list) can no longer change."""
    return session.scalar(select(Attempt.id).where(Attempt.exam_id == exam.id).limit(1)) is not None


# ------------------------------------------------------------------ cases on papers


def paper_cases(session: Session, rows: list[tuple[AttemptQuestion, Any]]) -> dict[int, dict[str, Any]]:
    """The cases a paper shows, by case version id, in paper order: {"id" (the case question), "number" (1, 2…
    on this paper), "text" (Markdown), "items" (the sub-questions' question ids, in order), "points"}."""
    ids = list(dict.fromkeys(row.case_version_id for row, _v in rows if row.case_version_id))
    if not ids:
        return {}
    versions = {v.id: v for v in session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(ids)))}
    cases = {vid: {"id": versions[vid].question_id, "number": n, "text": versions[vid].stem, "items": [],
                   "points": 0.0} for n, vid in enumerate(ids, start=1)}
    for row, _v in rows:
        if row.case_version_id:
            cases[row.case_version_id]["items"].append(row.question_id)
            cases[row.case_version_id]["points"] += row.points
    return cases


def case_of(cases: dict[int, dict[str, Any]], row: AttemptQuestion) -> dict[str, Any] | None:
    """Where a sub-question sits in its case, for the API and the pages: {"id", "number", "item", "items"}."""
    case = cases.get(row.case_version_id) if row.case_version_id else None
    if case is None:
        return None
    return {"id": case["id"], "number": case["number"], "item": case["items"].index(row.question_id) + 1,
            "items": len(case["items"])}


def question_cases(session: Session, question_ids) -> dict[int, dict[str, Any]]:
    """The current case of each sub-question among `question_ids` (wrong-answer book, practice, module checks):
    {question id: {"id", "text", "item", "items"}}; questions alone are absent."""
    ids = list(set(question_ids))
    if not ids:
        return {}
    rows = session.execute(select(Question.id, Question.case_id, Question.position)
                           .where(Question.id.in_(ids), Question.case_id.is_not(None))).all()
    if not rows:
        return {}
    case_ids = {r.case_id for r in rows}
    texts = dict(session.execute(select(Question.id, QuestionVersion.stem)
                                 .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
                                 .where(Question.id.in_(case_ids))).tuples().all())
    counts = dict(session.execute(select(Question.case_id, func.count(Question.id))
                                  .where(Question.case_id.in_(case_ids), Question.status == QuestionStatus.ACTIVE)
                                  .group_by(Question.case_id)).tuples().all())
    return {r.id: {"id": r.case_id, "text": texts.get(r.case_id, ""), "item": r.position,
                   "items": counts.get(r.case_id, 0)} for r in rows}


# ------------------------------------------------------------------ what the exam page receives


def delivery(session: Session, attempt: Attempt, now: datetime) -> dict[str, Any]:
    """The start/resume payload: questions in order, saved responses, last seq. Never a key or a score.
    A case's sub-questions are ordinary questions with a "case" field; the case texts are in "cases"."""
    questions = []
    rows = paper_rows(session, attempt)
    cases = paper_cases(session, rows)
    for row, version in rows:
        question = {
            "id": row.question_id,
            "position": row.position,
            "type": version.type,
            "stem": version.stem,
            "options": delivered_options(version, row.option_order),
            "blanks": len(version.answer or []) if version.type == scoring.FILL_BLANK else 0,
            "points": row.points,
        }
        if row.case_version_id:
            question["case"] = case_of(cases, row)
        questions.append(question)
    return {
        "attempt_id": attempt.id,
        "exam_id": attempt.exam_id,
        "title": attempt.exam.title,
        "status": attempt.status,
        "deadline": iso_utc(attempt.deadline_at),
        "remaining_seconds": timing.remaining_seconds(attempt.deadline_at, now),
        "questions": questions,
        "cases": [{"id": c["id"], "number": c["number"], "text": c["text"], "questions": c["items"],
                   "points": c["points"]} for c in cases.values()],
        "responses": {str(k): v for k, v in saved_responses(session, attempt.id).items()},
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
        "released": result_visible(attempt, now),
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
    case: dict[str, Any] | None = None  # a sub-question: {"id", "number", "item", "items", "text"} of its case


def answer_text(version: QuestionVersion) -> str:
    """The right answer in words for true/false and fill-in ("" for choice types: their keys say it)."""
    if version.type == scoring.TRUE_FALSE:
        return _("正确") if (version.answer or [""])[0] == "true" else _("错误")
    if version.type == scoring.FILL_BLANK:
        return "；".join(" / ".join(b) if isinstance(b, list) else str(b) for b in version.answer or [])
    return ""


def review_items(session: Session, attempt: Attempt) -> list[ReviewItem]:
    """Each question with the person's answer, the right answer (in their keys), score and explanation."""
    items = []
    paper = graded_paper(session, attempt)
    cases = paper_cases(session, [(g.row, g.version) for g in paper])
    for g in paper:
        case = case_of(cases, g.row)
        if case is not None:
            case["text"] = cases[g.row.case_version_id]["text"]
        items.append(ReviewItem(
            g.row.position, g.version, delivered_options(g.version, g.row.option_order), g.response,
            scoring.correct_display_keys(g.item), answer_text(g.version), g.row.score, g.row.points,
            g.row.is_correct, g.row.is_voided, case,
        ))
    return items


def exams_select(status: str | None = None) -> Select:
    """Trainer list of exams, newest first."""
    stmt = select(Exam).where(Exam.kind == ExamKind.EXAM).order_by(Exam.created_at.desc(), Exam.id.desc())
    if status:
        stmt = stmt.where(Exam.status == status)
    return stmt


def submitted_counts(session: Session, exam_ids: list[int]) -> dict[int, int]:
    """Submitted attempts per exam, for a page of exams."""
    if not exam_ids:
        return {}
    rows = session.execute(select(Attempt.exam_id, func.count(Attempt.id))
                           .where(Attempt.exam_id.in_(exam_ids), Attempt.status == AttemptStatus.SUBMITTED)
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


def exam_stats(session: Session, exam_id: int, now: datetime) -> dict[str, Any]:
    """Submitted, passed, mean percent and live attempts. An open attempt past its deadline and grace counts as
    handed in (timed out), not as live, though its grade is stored only when it is closed."""
    row = session.execute(
        select(func.count(Attempt.id), func.avg(Attempt.percent),
               func.sum(case((Attempt.passed.is_(True), 1), else_=0)))
        .where(Attempt.exam_id == exam_id, Attempt.status == AttemptStatus.SUBMITTED)
    ).one()
    overdue = Attempt.deadline_at < timing.overdue_cutoff(now, grace_seconds())
    open_rows = dict(session.execute(
        select(overdue, func.count(Attempt.id))
        .where(Attempt.exam_id == exam_id, Attempt.status.in_((AttemptStatus.IN_PROGRESS, AttemptStatus.EXPIRED)))
        .group_by(overdue)).tuples().all())
    return {"submitted": (row[0] or 0) + open_rows.get(True, 0),
            "mean_percent": round(row[1], 1) if row[1] is not None else None,
            "passed": int(row[2] or 0), "in_progress": open_rows.get(False, 0)}


def wrong_book_select(user_id: int, now: datetime | None = None, *, withheld: Collection[int] = ()) -> Select:
    """A person's open wrong-answer book entries with the current question version, most recent first.

    With `now`, questions of live or unreleased papers are left out (they would tell right from wrong early);
    `withheld` (exams.visibility) leaves out every question the person may still meet on a paper."""
    stmt = (select(WrongBookEntry, QuestionVersion)
            .join(Question, Question.id == WrongBookEntry.question_id)
            .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
            .where(WrongBookEntry.user_id == user_id, WrongBookEntry.cleared_at.is_(None))
            .order_by(WrongBookEntry.last_wrong_at.desc()))
    if now is not None:
        stmt = stmt.where(WrongBookEntry.question_id.not_in(hidden_question_ids(user_id, now)))
    if withheld:
        stmt = stmt.where(WrongBookEntry.question_id.not_in(list(withheld)))
    return stmt


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
    filters = QuestionFilters(q=filters.q, type=filters.type, article=filters.article,
                              status=QuestionStatus.ACTIVE)
    rows = session.scalars(bank_queries.question_select(bank_id, filters).options(
        *bank_queries.question_page_options()).limit(PICK_LIMIT + 1)).all()
    return list(rows[:PICK_LIMIT]), len(rows) > PICK_LIMIT


# ------------------------------------------------------------------ regrade and voiding


@dataclass(frozen=True)
class RegradeRow:
    """One attempt before and after a regrade (what the trainer is shown and the audit entry keeps)."""

    attempt_id: int
    user_name: str
    before_score: float | None
    after_score: float | None
    before_passed: bool | None
    after_passed: bool | None
    exam_id: int | None = None
    exam_title: str = ""
    before_max: float | None = None
    after_max: float | None = None

    @property
    def pass_changed(self) -> bool:
        return self.before_passed != self.after_passed

    @property
    def score_changed(self) -> bool:
        return (self.before_score, self.before_max) != (self.after_score, self.after_max)

    @property
    def certificate_effect(self) -> str | None:
        """What the certificates listener does about a pass/fail change: "revoke", "issue" or None."""
        if not self.pass_changed:
            return None
        return "issue" if self.after_passed else "revoke"


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
    return QuestionUsage(counts.get(AttemptStatus.SUBMITTED, 0),
                         sum(n for s, n in counts.items() if s != AttemptStatus.SUBMITTED),
                         len(unused_pregens(session, "question_id", question_id)), voided is not None)


@dataclass(frozen=True)
class RegradeReport:
    """One regrade as the trainer reviews it: why it ran, what it touched, every attempt before/after."""

    event: AuditEvent
    why: str | None  # manual | key_changed | voided (None: an entry older than the reason)
    exam: Exam | None  # a manual regrade of one exam
    question: Question | None  # a key correction or a voided question
    rows: list[RegradeRow]
    in_progress: int = 0
    pregenerated: int = 0

    @property
    def pass_changes(self) -> int:
        return sum(r.pass_changed for r in self.rows)


def regrade_report(session: Session, event_id: int) -> RegradeReport | None:
    """A regrade as its audit entry recorded it (grading.record_regrade), with today's names of the
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
        rows.append(RegradeRow(
            c["attempt"], person.display_name if person else "", c.get("before"), c.get("after"),
            c.get("passed_before"), c.get("passed_after"), person.exam_id if person else None,
            person.title if person else "", c.get("max_before"), c.get("max_after")))
    target = int(event.target_id) if (event.target_id or "").isdigit() else None
    return RegradeReport(
        event, detail.get("why") or ("manual" if event.target_type == "exam" else None),
        session.get(Exam, target) if target is not None and event.target_type == "exam" else None,
        session.get(Question, target) if target is not None and event.target_type == "question" else None,
        rows, int(detail.get("in_progress") or 0), int(detail.get("pregenerated") or 0))


def rule_law_names(session: Session, keep: list[str | None] = ()) -> list[str]:
    """What a rule's 法律 is chosen from: the law library, then the banks' laws, then any name in use (`keep`)."""
    from lawtrain.banks.models import Bank
    from lawtrain.courses.models import Law

    names = list(session.scalars(select(Law.short_name).order_by(Law.id)))
    names += [n for n in session.scalars(select(Bank.law_name).where(Bank.law_name.is_not(None)).distinct()
                                         .order_by(Bank.law_name)) if n not in names]
    return names + [n for n in dict.fromkeys(keep) if n and n not in names]
