"""Who may sit which exam, and when: assignment, windows and overrides, the training gate, release of results.

Read side only: nothing here writes. The attempt services and the queries build on it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from lawtrain.auth.models import User, UserRole
from lawtrain.auth.roles import STAFF
from lawtrain.courses.gate import check_gate
from lawtrain.exams import timing
from lawtrain.exams.errors import ExamNotFound
from lawtrain.exams.models import (
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    Exam,
    ExamAssignee,
    ExamKind,
    ExamOverride,
    ExamStatus,
    ResultRelease,
)
from lawtrain.org.models import Department

log = logging.getLogger(__name__)


def grace_seconds() -> int:
    """LAWTRAIN_SAVE_GRACE_SECONDS (default 60): how long after the deadline saves in flight are accepted."""
    if has_app_context():
        return int(current_app.config.get("LAWTRAIN_SAVE_GRACE_SECONDS", timing.DEFAULT_GRACE_SECONDS))
    return timing.DEFAULT_GRACE_SECONDS


def is_released(exam: Exam, now: datetime) -> bool:
    """May results be shown? immediate; after the window closes; or when a trainer released them."""
    if exam.released_at is not None and exam.released_at <= now:
        return True
    if exam.release == ResultRelease.IMMEDIATE:
        return True
    if exam.release == ResultRelease.AFTER_CLOSE:
        return exam.closes_at is not None and now >= exam.closes_at
    return False


def result_visible(attempt: Attempt, now: datetime) -> bool:
    return attempt.status == AttemptStatus.SUBMITTED and is_released(attempt.exam, now)


def hidden_question_ids(user_id: int, now: datetime) -> Select:
    """Ids of questions on this person's papers whose results they may not see yet: a live attempt, or a
    submitted one before release. Practice feedback and the wrong-answer book must not reveal them."""
    released = or_(and_(Exam.released_at.is_not(None), Exam.released_at <= now),
                   Exam.release == ResultRelease.IMMEDIATE,
                   and_(Exam.release == ResultRelease.AFTER_CLOSE, Exam.closes_at.is_not(None), Exam.closes_at <= now))
    return (select(AttemptQuestion.question_id)
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
            .join(Exam, Exam.id == Attempt.exam_id)
            .where(Attempt.user_id == user_id, or_(Attempt.status != AttemptStatus.SUBMITTED, ~released)))


def _department_chain(user: User) -> list[int]:
    dept = user.department
    if dept is None:
        return []
    return [int(p) for p in (dept.id_path or "").strip("/").split("/") if p] or [dept.id]


def assigned_exam_ids(user: User, *, any_role: bool = False) -> Select:
    """A Select of ids of exams assigned to this person: by name, or through a department above them when they
    hold the staff role (trainers, leaders and administrators in a department, who can see keys elsewhere, sit
    an exam only when a trainer adds them by name — as training assignments do). `any_role`: everyone in the
    departments (the knowledge contests' entrants)."""
    chain = _department_chain(user)
    cond = ExamAssignee.user_id == user.id
    if chain and (any_role or user.has_role(STAFF)):
        cond = or_(cond, ExamAssignee.department_id.in_(chain))
    return select(ExamAssignee.exam_id).where(cond)


def is_assigned(session: Session, exam: Exam, user: User) -> bool:
    return session.scalar(assigned_exam_ids(user).where(ExamAssignee.exam_id == exam.id).limit(1)) is not None


def assigned_users(session: Session, exam: Exam) -> list[User]:
    """Active accounts assigned to the exam directly or through a department subtree."""
    rows = session.execute(select(ExamAssignee.user_id, ExamAssignee.department_id)
                           .where(ExamAssignee.exam_id == exam.id)).all()
    user_ids = [r.user_id for r in rows if r.user_id]
    dept_ids = [r.department_id for r in rows if r.department_id]
    conds = []
    if user_ids:
        conds.append(User.id.in_(user_ids))
    if dept_ids:
        paths = session.scalars(select(Department.id_path).where(Department.id.in_(dept_ids))).all()
        sub = select(Department.id).where(or_(*[Department.id_path.startswith(p) for p in paths]))
        conds.append(and_(User.department_id.in_(sub),
                          User.id.in_(select(UserRole.user_id).where(UserRole.role == STAFF))))
    if not conds:
        return []
    return list(session.scalars(select(User).where(or_(*conds), User.is_active_account.is_(True)).order_by(User.id)))


def absentees(session: Session, exam: Exam) -> list[tuple[User, bool]]:
    """缺考名单: the people assigned who have not handed in a paper, as (person, has an unfinished attempt)."""
    rows = session.execute(select(Attempt.user_id, Attempt.status).where(Attempt.exam_id == exam.id)).all()
    submitted = {uid for uid, status in rows if status == AttemptStatus.SUBMITTED}
    started = {uid for uid, _status in rows}
    return [(u, u.id in started) for u in assigned_users(session, exam) if u.id not in submitted]


def resolve_people(session: Session, tokens: Iterable[str]) -> tuple[list[int], list[str]]:
    """Login names or staff numbers -> (user ids, the tokens nobody matched)."""
    tokens = [t for t in dict.fromkeys(tokens) if t]
    if not tokens:
        return [], []
    rows = session.execute(select(User.id, User.username, User.staff_no)
                           .where(or_(User.username.in_(tokens), User.staff_no.in_(tokens)))).all()
    found = {r.username: r.id for r in rows} | {r.staff_no: r.id for r in rows if r.staff_no}
    return list(dict.fromkeys(found[t] for t in tokens if t in found)), [t for t in tokens if t not in found]


def get_override(session: Session, exam_id: int, user_id: int) -> ExamOverride | None:
    return session.scalar(select(ExamOverride).where(ExamOverride.exam_id == exam_id, ExamOverride.user_id == user_id))


def window_for(exam: Exam, override: ExamOverride | None) -> tuple[datetime | None, datetime | None]:
    """The person's window: an override's own dates replace the exam's."""
    opens, closes = exam.opens_at, exam.closes_at
    if override is not None:
        opens = override.opens_at or opens
        closes = override.closes_at or closes
    return opens, closes


def gate_status(session: Session, user_id: int, gate: dict | None) -> tuple[bool, list[str]]:
    """The training gate: (ok, what is missing). A gate that cannot be checked keeps the exam locked."""
    gate = gate or {}
    if not (gate.get("modules") or gate.get("minutes")):
        return True, []
    try:
        result = check_gate(session, user_id, gate)
    except Exception:  # a malformed gate or a failed read: locked, never silently open
        log.exception("training gate could not be checked for user %s", user_id)
        return False, [_("培训要求暂时无法核对，请联系培训管理员")]
    return bool(result.ok), list(result.missing)


# ------------------------------------------------------------------ what a person may sit


@dataclass
class ExamStanding:
    """How one exam stands for one person: open, locked (gate), done, upcoming or closed."""

    exam: Exam
    status: str  # locked | open | done | upcoming | closed
    locked_reasons: list[str]
    attempts_left: int
    opens_at: datetime | None
    closes_at: datetime | None
    open_attempt_id: int | None = None
    last_attempt: Attempt | None = None
    attempts: list[Attempt] = field(default_factory=list)
    extra_minutes: int = 0  # the person's override
    remaining_seconds: int | None = None  # the clock of the paper left half-way

    @property
    def shown_status(self) -> str:
        """The status a person reads: in_progress while a paper is left half-way (`status` is the API's)."""
        return "in_progress" if self.open_attempt_id else self.status

    @property
    def open_attempt(self) -> Attempt | None:
        return next((a for a in self.attempts if a.id == self.open_attempt_id), None)


def exam_status(session: Session, exam: Exam, user: User, now: datetime) -> ExamStanding:
    """How this exam stands for this person now."""
    attempts = list(session.scalars(
        select(Attempt).where(Attempt.exam_id == exam.id, Attempt.user_id == user.id).order_by(Attempt.number)))
    override = get_override(session, exam.id, user.id)
    opens, closes = window_for(exam, override)
    left = max(0, exam.attempts_allowed - len(attempts))
    open_attempt = next((a for a in attempts if a.status == AttemptStatus.IN_PROGRESS), None)
    st = ExamStanding(exam, "open", [], left, opens, closes, open_attempt.id if open_attempt else None,
                      attempts[-1] if attempts else None, attempts, override.extra_minutes if override else 0)
    if open_attempt is not None:
        st.remaining_seconds = timing.remaining_seconds(open_attempt.deadline_at, now)
        return st
    if left == 0:
        st.status = "done"
        return st
    window = timing.window_state(opens, closes, now)
    if window != "open":
        st.status = window
        return st
    ok, missing = gate_status(session, user.id, exam.gate)
    if not ok:
        st.status, st.locked_reasons = "locked", missing
    return st


def exams_for_user(session: Session, user: User, now: datetime) -> list[ExamStanding]:
    """Published exams assigned to this person, soonest closing first."""
    exams = session.scalars(
        select(Exam).where(Exam.status == ExamStatus.PUBLISHED, Exam.kind == ExamKind.EXAM,
                           Exam.id.in_(assigned_exam_ids(user)))
        .order_by(Exam.closes_at.is_(None), Exam.closes_at, Exam.id)
    ).all()
    return [exam_status(session, e, user, now) for e in exams]


def visible_exam(session: Session, exam_id: int, user: User) -> Exam:
    """A published exam assigned to this person, else ExamNotFound."""
    exam = session.get(Exam, exam_id)
    if exam is None or exam.status != ExamStatus.PUBLISHED or not is_assigned(session, exam, user):
        raise ExamNotFound(_("考试不存在"))
    return exam
