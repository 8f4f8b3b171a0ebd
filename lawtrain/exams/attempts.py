"""Sitting an exam: start (or resume), save answers, submit, close overdue attempts, tab-switch tracking.

Each public function is one use case: it takes `session` first and `now` as an argument, checks before it
changes anything, commits once at the end and raises the domain exceptions of `exams.errors`.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from lawtrain import signals
from lawtrain.auth.models import User
from lawtrain.exams import papers, timing
from lawtrain.exams.availability import exam_status, grace_seconds
from lawtrain.exams.errors import AttemptClosed, EventTooLate, ExamUnavailable, NotOnPaper
from lawtrain.exams.grading import finish
from lawtrain.exams.log import add_event
from lawtrain.exams.models import (
    Answer,
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    Exam,
    FinishReason,
    PaperPregen,
    ResultRelease,
)
from lawtrain.exams.queries import PreparedGrade

MAX_RESPONSE_ITEMS = 20
MAX_RESPONSE_TEXT = 500
TIMER_SKEW_SECONDS = 5  # how early a page's own countdown may reach 0:00 against the server's clock
_OPEN = (AttemptStatus.IN_PROGRESS, AttemptStatus.EXPIRED)


# ------------------------------------------------------------------ start


def start_attempt(session: Session, exam: Exam, user: User, now: datetime, *, seed: int | None = None,
                  ip: str | None = None, drawer: papers.PaperDrawer | None = None) -> tuple[Attempt, bool]:
    """Start an attempt or resume the open one: (attempt, resumed). `drawer`: the exam's pools read
    beforehand (papers.drawer_for_start), so that they are not read while holding the write lock.

    Two tabs starting at once yield one attempt: the partial unique index refuses the second
    INSERT and the loser returns the winner's attempt.
    """
    _close_overdue(session, now, exam_id=exam.id, user_id=user.id)
    status = exam_status(session, exam, user, now)
    if status.open_attempt is not None:
        add_event(session, status.open_attempt.id, "resumed", now, ip=ip)
        session.commit()
        return status.open_attempt, True
    if status.status != "open":
        messages = {"done": _("您已用完本场考试的作答次数"), "upcoming": _("考试尚未开始"),
                    "closed": _("考试已结束"), "locked": _("尚未满足培训要求，暂不能参加考试")}
        raise ExamUnavailable(messages[status.status], status.locked_reasons)

    pregen = session.scalar(select(PaperPregen).where(PaperPregen.exam_id == exam.id, PaperPregen.user_id == user.id,
                                                      PaperPregen.used_at.is_(None)))
    if pregen is not None:
        seed, paper = pregen.seed, papers.paper_from_json(pregen.paper)
        pregen.used_at = now
    else:
        seed = seed if seed is not None else random.SystemRandom().getrandbits(48)
        paper = (drawer or papers.paper_drawer(session, exam))(seed)
    attempt = Attempt.begin(exam_id=exam.id, user_id=user.id, number=len(status.attempts) + 1, seed=seed,
                            started_at=now, deadline_at=timing.deadline_for(now, exam.duration_minutes,
                                                                            status.closes_at, status.extra_minutes))
    session.add(attempt)
    try:
        session.flush()
        session.execute(insert(AttemptQuestion), [  # one executemany, not 50 ORM INSERTs
            dict(attempt_id=attempt.id, position=i, question_id=p.question_id, question_version_id=p.version_id,
                 option_order=list(p.option_order), points=p.points, case_version_id=p.case_version_id)
            for i, p in enumerate(paper, start=1)
        ])
    except IntegrityError:
        session.rollback()
        winner = session.scalar(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.user_id == user.id,
                                                      Attempt.status == AttemptStatus.IN_PROGRESS))
        if winner is None:
            raise
        return winner, True
    add_event(session, attempt.id, "started", now, ip=ip, questions=len(paper), pregenerated=pregen is not None)
    session.commit()
    return attempt, False


# ------------------------------------------------------------------ save


def validate_response(response: object) -> list[str]:
    """Shape of a response: a short list of short strings (ValueError otherwise)."""
    if not isinstance(response, list) or len(response) > MAX_RESPONSE_ITEMS:
        raise ValueError("response must be a list")
    out = []
    for item in response:
        if not isinstance(item, str | int | float) or isinstance(item, bool) or len(str(item)) > MAX_RESPONSE_TEXT:
            raise ValueError("response items must be short strings")
        out.append(str(item))
    return out


@dataclass(frozen=True)
class SaveResult:
    saved: bool  # False: a newer save for this question was already stored
    seq: int
    remaining_seconds: int


def _locked_status(session: Session, attempt: Attempt) -> str:
    """The attempt's status read under its row lock (PostgreSQL: FOR UPDATE; SQLite: the write transaction
    already holds the database lock). A save that raced a submit either lands before the grading, or sees
    `submitted` and is refused: never acknowledged after the grading read the answers."""
    status = session.connection().execute(_save_statements(session).status, {"attempt_id": attempt.id}).scalar()
    set_committed_value(attempt, "status", status)  # the loaded object in step, without marking it dirty
    return status


def _refusal(session: Session, attempt: Attempt, now: datetime) -> AttemptClosed | None:
    """Why a save must be refused (None: it may go ahead). A save refused for lateness is a write path: the
    overdue attempt is closed and graded here, and the service commits that before answering 409."""
    if _locked_status(session, attempt) != AttemptStatus.IN_PROGRESS:
        return AttemptClosed(_("本次考试已结束，答案不能再修改"))
    if not timing.accepts_save(attempt.deadline_at, now, grace_seconds()):
        _close_overdue(session, now, exam_id=attempt.exam_id, user_id=attempt.user_id)
        return AttemptClosed(_("考试时间已到，答案不能再修改"))
    return None


def save_answer(session: Session, attempt: Attempt, question_id: int, response: list[str], seq: int,
                now: datetime) -> SaveResult:
    """Store one answer if the attempt is open and this save is newer than the stored one.

    One statement under the write lock: an upsert that proves, by what it selects, that the attempt is in
    progress and inside deadline + grace (PostgreSQL: its row locked against a submit), that the question is
    on its paper and that the seq is newer, and returns the row it wrote. The database's trigger
    (exams.save_triggers) logs the `saved` event and raises last_seq in the same transaction. Only when it
    wrote nothing does Python ask why: closed or late (refused; a late save closes the overdue attempt), not
    on the paper (404), or a stale seq (acknowledged as not saved).
    """
    sql = _save_statements(session)
    conn = session.connection()  # Core statements straight on the connection: nothing of the ORM to flush
    key = {"attempt_id": attempt.id, "question_id": question_id}
    stored = conn.execute(sql.upsert, key | {"response": response, "seq": seq, "saved_at": now,
                                             "cutoff": timing.overdue_cutoff(now, grace_seconds())}).first()
    if stored is None:  # the rare path: closed, late, not ours, or a stale seq
        refusal = _refusal(session, attempt, now)
        if refusal is not None:
            session.commit()
            raise refusal
        if conn.execute(sql.on_paper, key).first() is None:
            raise NotOnPaper(_("这道题不在您的试卷上"))
    remaining = timing.remaining_seconds(attempt.deadline_at, now)  # before commit expires `attempt`
    session.commit()
    return SaveResult(stored is not None, seq, remaining)


def save_all(session: Session, attempt: Attempt, responses: dict[int, list[str]], now: datetime) -> int:
    """The no-JavaScript form: store every changed answer of the paper in one transaction; returns how many."""
    refusal = _refusal(session, attempt, now)
    if refusal is not None:
        session.commit()
        raise refusal
    on_paper = set(session.scalars(select(AttemptQuestion.question_id).where(AttemptQuestion.attempt_id == attempt.id)))
    stored = {a.question_id: a for a in session.scalars(select(Answer).where(Answer.attempt_id == attempt.id))}
    seq, changed = attempt.last_seq, 0
    for qid, response in responses.items():
        old = stored.get(qid)
        if qid not in on_paper or (old.response if old else []) == response:
            continue
        seq += 1
        changed += 1
        if old is None:
            session.add(Answer(attempt_id=attempt.id, question_id=qid, response=response, seq=seq, saved_at=now))
        else:
            old.response, old.seq, old.saved_at = response, seq, now
    if changed:  # each stored answer logs its own `saved` event (exams.save_triggers)
        attempt.last_seq = seq
    session.commit()
    return changed


@dataclass(frozen=True)
class _SaveStatements:
    status: Select
    upsert: Any
    on_paper: Select


@functools.cache
def _save_statements_for(dialect: str) -> _SaveStatements:
    """The save path's statements, built once per process: building a statement costs more CPU than
    running it on SQLite, and a save is the request an exam sends most."""
    on_this_paper = and_(AttemptQuestion.attempt_id == bindparam("attempt_id"),
                         AttemptQuestion.question_id == bindparam("question_id"))
    # Written out as SQL text: SQLAlchemy compiles an INSERT … ON CONFLICT construct again on every execution
    # (no compiled-cache hit), ~0.3 ms of CPU inside the write lock; a text() statement is compiled once.
    # INSERT … SELECT FROM attempt_questions JOIN attempts: no row when the question is not on the paper, the
    # attempt is not in progress or deadline + grace has passed; ON CONFLICT DO UPDATE … WHERE answers.seq <
    # excluded.seq: a late, out-of-order save changes nothing; RETURNING the row written.
    # PostgreSQL: FOR NO KEY UPDATE OF a is the attempt's row lock, as a submit takes it (FOR UPDATE): a save
    # waits for a submit in progress and then sees `submitted` (the WHERE is re-checked on the new row), or a
    # submit waits for the save's commit and grades with it. NO KEY UPDATE, not SHARE: the trigger then updates
    # last_seq on that row, and two saves of one attempt upgrading shared locks would deadlock.
    postgresql = dialect == "postgresql"
    upsert = text(f"""
        INSERT INTO answers (attempt_id, question_id, response, seq, saved_at)
        SELECT aq.attempt_id, aq.question_id, {"CAST(:response AS JSON)" if postgresql else ":response"}, :seq,
               :saved_at
        FROM attempt_questions AS aq JOIN attempts AS a ON a.id = aq.attempt_id
        WHERE aq.attempt_id = :attempt_id AND aq.question_id = :question_id
          AND a.status = '{AttemptStatus.IN_PROGRESS}' AND a.deadline_at >= :cutoff
        {"FOR NO KEY UPDATE OF a" if postgresql else ""}
        ON CONFLICT (attempt_id, question_id) DO UPDATE
          SET response = excluded.response, seq = excluded.seq, saved_at = excluded.saved_at
          WHERE answers.seq < excluded.seq
        RETURNING answers.id, answers.seq""").bindparams(
        bindparam("response", type_=Answer.response.type), bindparam("seq", type_=Answer.seq.type),
        bindparam("saved_at", type_=Answer.saved_at.type), bindparam("cutoff", type_=Attempt.deadline_at.type),
        bindparam("attempt_id", type_=Attempt.id.type),
        bindparam("question_id", type_=AttemptQuestion.question_id.type))
    attempt = Attempt.id == bindparam("attempt_id")
    return _SaveStatements(
        status=select(Attempt.status).where(attempt).with_for_update(),
        upsert=upsert,
        on_paper=select(AttemptQuestion.id).where(on_this_paper),
    )


def _save_statements(session: Session) -> _SaveStatements:
    return _save_statements_for(session.get_bind().dialect.name)


# ------------------------------------------------------------------ submit and close


def submit_attempt(session: Session, attempt: Attempt, now: datetime, *, time_up: bool = False,
                   prepared: PreparedGrade | None = None) -> Attempt:
    """Submit and grade; idempotent: a second call (double click, second tab, retry) changes nothing.

    `prepared` (queries.prepare_grade, read before the write lock): stored as it is when the paper and the
    saved answers are still what it graded, checked under the attempt's lock; otherwise graded again here.

    Past the deadline (inside the grace) the time ran out: finished at the deadline, reason "timeout". So too
    when the page says its countdown reached 0:00 (`time_up`) up to TIMER_SKEW_SECONDS before the server's
    deadline: finished then, as a time-out, not as a paper handed in."""
    session.refresh(attempt, with_for_update=True)  # serialise concurrent submits of one attempt
    if attempt.status == AttemptStatus.SUBMITTED:
        session.commit()
        return attempt
    if now >= attempt.deadline_at:
        finish(session, attempt, attempt.deadline_at, FinishReason.TIMEOUT, now, prepared)
    elif time_up and (attempt.deadline_at - now).total_seconds() <= TIMER_SKEW_SECONDS:
        finish(session, attempt, now, FinishReason.TIMEOUT, now, prepared)
    else:
        finish(session, attempt, now, FinishReason.SUBMITTED, now, prepared)
    session.commit()
    return attempt


def _close_overdue(session: Session, now: datetime, *, exam_id: int | None = None,
                   user_id: int | None = None) -> int:
    """Close and grade every open attempt past deadline + grace, finished at its deadline (never commits)."""
    stmt = select(Attempt).where(Attempt.status.in_(_OPEN),
                                 Attempt.deadline_at < timing.overdue_cutoff(now, grace_seconds()))
    if exam_id is not None:
        stmt = stmt.where(Attempt.exam_id == exam_id)
    if user_id is not None:
        stmt = stmt.where(Attempt.user_id == user_id)
    # populate_existing: an attempt a reader was shown as timed out (queries.as_seen) is reloaded as stored
    attempts = session.scalars(stmt.order_by(Attempt.id).with_for_update(skip_locked=True)
                               .execution_options(populate_existing=True)).all()
    for attempt in attempts:
        finish(session, attempt, attempt.deadline_at, FinishReason.TIMEOUT, now)
    return len(attempts)


def _release_due(session: Session, now: datetime) -> None:
    """Exams whose results are due after the close and whose window has closed: mark them released (at the
    close) and tell the listeners, so certificates are issued then and not at grading (never commits)."""
    due = session.scalars(select(Exam).where(Exam.release == ResultRelease.AFTER_CLOSE, Exam.released_at.is_(None),
                                             Exam.closes_at.is_not(None), Exam.closes_at <= now)).all()
    for exam in due:
        exam.released_at = exam.closes_at
        session.flush()
        signals.results_released.send(None, session=session, exam=exam, now=now)


def close_overdue(session: Session, now: datetime, *, exam_id: int | None = None) -> int:
    """The `close-overdue` job: close and grade every overdue attempt (of one exam), then release the results
    due after a close; returns how many attempts it closed."""
    n = _close_overdue(session, now, exam_id=exam_id)
    _release_due(session, now)
    session.commit()
    return n


# ------------------------------------------------------------------ focus


def record_focus(session: Session, attempt: Attempt, kind: str, now: datetime) -> Attempt:
    """Tab switches: 'lost' counts one, 'back' adds the time away; a limit may auto-submit."""
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise AttemptClosed(_("本次考试已结束"))
    if now > attempt.deadline_at:  # it could only rewrite the record; saves in flight are still taken (grace)
        raise EventTooLate(_("考试时间已到，切屏记录不再更改"))
    if kind not in ("lost", "back"):
        raise ValueError(kind)
    if kind == "lost":
        if attempt.focus_lost_at is None:
            attempt.tab_switches += 1
            attempt.focus_lost_at = now
        add_event(session, attempt.id, "focus_lost", now, count=attempt.tab_switches)
    else:
        away = int((now - attempt.focus_lost_at).total_seconds()) if attempt.focus_lost_at else 0
        attempt.tab_away_seconds += max(0, away)
        attempt.focus_lost_at = None
        add_event(session, attempt.id, "focus_back", now, away_seconds=away)
    limit = attempt.exam.tab_switch_limit
    if limit and attempt.tab_switches >= limit:
        finish(session, attempt, min(now, attempt.deadline_at), FinishReason.TAB_LIMIT, now)
    session.commit()
    return attempt
