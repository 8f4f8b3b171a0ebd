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
from sqlalchemy import Select, and_, bindparam, case, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from lawtrain.auth.models import User
from lawtrain.exams import papers, timing
from lawtrain.exams.availability import exam_status, grace_seconds
from lawtrain.exams.errors import AttemptClosed, ExamUnavailable, NotOnPaper
from lawtrain.exams.grading import finish
from lawtrain.exams.log import add_event
from lawtrain.exams.models import Answer, Attempt, AttemptQuestion, AttemptStatus, Exam, FinishReason, PaperPregen

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

    The same few statements whatever the paper size: the status under the row lock, one upsert that
    writes only a question on this paper and only over an older seq, the attempt's last_seq, the event.
    """
    refusal = _refusal(session, attempt, now)
    if refusal is not None:
        session.commit()
        raise refusal
    sql = _save_statements(session)
    conn = session.connection()  # Core statements straight on the connection: nothing of the ORM to flush
    key = {"attempt_id": attempt.id, "question_id": question_id}
    stored = conn.execute(sql.upsert, key | {"response": response, "seq": seq, "saved_at": now}).first() is not None
    if not stored and conn.execute(sql.on_paper, key).first() is None:  # the rare path: a stale seq, or not ours
        raise NotOnPaper(_("这道题不在您的试卷上"))
    if stored:
        conn.execute(sql.last_seq, {"attempt_id": attempt.id, "seq": seq})
        add_event(conn, attempt.id, "saved", now, question_id=question_id, seq=seq)
    remaining = timing.remaining_seconds(attempt.deadline_at, now)  # before commit expires `attempt`
    session.commit()
    return SaveResult(stored, seq, remaining)


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
    if changed:
        attempt.last_seq = seq
        add_event(session, attempt.id, "saved", now, form=True, answers=changed)
    session.commit()
    return changed


@dataclass(frozen=True)
class _SaveStatements:
    status: Select
    upsert: Any
    on_paper: Select
    last_seq: Any


@functools.cache
def _save_statements_for(dialect: str) -> _SaveStatements:
    """The save path's statements, built once per process: building a statement costs more CPU than
    running it on SQLite, and a save is the request an exam sends most."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    on_this_paper = and_(AttemptQuestion.attempt_id == bindparam("attempt_id"),
                         AttemptQuestion.question_id == bindparam("question_id"))
    # INSERT … SELECT FROM attempt_questions (no row when the question is not on the paper) … ON CONFLICT DO
    # UPDATE … WHERE answers.seq < excluded.seq (a late, out-of-order save changes nothing).
    source = select(AttemptQuestion.attempt_id, AttemptQuestion.question_id,
                    bindparam("response", type_=Answer.response.type), bindparam("seq", type_=Answer.seq.type),
                    bindparam("saved_at", type_=Answer.saved_at.type)).where(on_this_paper)
    answers = Answer.__table__  # Core, not the ORM entity: parameters are bound values, not rows to insert
    upsert = dialect_insert(answers).from_select(["attempt_id", "question_id", "response", "seq", "saved_at"], source)
    upsert = upsert.on_conflict_do_update(
        index_elements=["attempt_id", "question_id"],
        set_={"response": upsert.excluded.response, "seq": upsert.excluded.seq,
              "saved_at": upsert.excluded.saved_at},
        where=answers.c.seq < upsert.excluded.seq,
    ).returning(answers.c.id)  # a row back when it was written
    attempt = Attempt.id == bindparam("attempt_id")
    return _SaveStatements(
        status=select(Attempt.status).where(attempt).with_for_update(),
        upsert=upsert,
        on_paper=select(AttemptQuestion.id).where(on_this_paper),
        last_seq=update(Attempt).where(attempt)
        .values(last_seq=case((Attempt.last_seq < bindparam("seq"), bindparam("seq")), else_=Attempt.last_seq))
        .execution_options(synchronize_session=False),
    )


def _save_statements(session: Session) -> _SaveStatements:
    return _save_statements_for(session.get_bind().dialect.name)


# ------------------------------------------------------------------ submit and close


def submit_attempt(session: Session, attempt: Attempt, now: datetime, *, time_up: bool = False) -> Attempt:
    """Submit and grade; idempotent: a second call (double click, second tab, retry) changes nothing.

    Past the deadline (inside the grace) the time ran out: finished at the deadline, reason "timeout". So too
    when the page says its countdown reached 0:00 (`time_up`) up to TIMER_SKEW_SECONDS before the server's
    deadline: finished then, as a time-out, not as a paper handed in."""
    session.refresh(attempt, with_for_update=True)  # serialise concurrent submits of one attempt
    if attempt.status == AttemptStatus.SUBMITTED:
        session.commit()
        return attempt
    if now >= attempt.deadline_at:
        finish(session, attempt, attempt.deadline_at, FinishReason.TIMEOUT, now)
    elif time_up and (attempt.deadline_at - now).total_seconds() <= TIMER_SKEW_SECONDS:
        finish(session, attempt, now, FinishReason.TIMEOUT, now)
    else:
        finish(session, attempt, now, FinishReason.SUBMITTED, now)
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


def close_overdue(session: Session, now: datetime, *, exam_id: int | None = None) -> int:
    """The `close-overdue` job: close and grade every overdue attempt (of one exam); returns how many."""
    n = _close_overdue(session, now, exam_id=exam_id)
    session.commit()
    return n


# ------------------------------------------------------------------ focus


def record_focus(session: Session, attempt: Attempt, kind: str, now: datetime) -> Attempt:
    """Tab switches: 'lost' counts one, 'back' adds the time away; a limit may auto-submit."""
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise AttemptClosed(_("本次考试已结束"))
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
