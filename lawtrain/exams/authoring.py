"""Trainer use cases on an exam: create or edit it (rules or a fixed paper, assignees), publish, archive,
release results, and per-person overrides."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from lawtrain import signals
from lawtrain.auth import audit
from lawtrain.auth.models import User
from lawtrain.exams import timing
from lawtrain.exams.availability import get_override, window_for
from lawtrain.exams.errors import ExamError, FixedPaperError, PaperError
from lawtrain.exams.log import add_event
from lawtrain.exams.models import (
    Attempt,
    AttemptStatus,
    Exam,
    ExamAssignee,
    ExamFixedQuestion,
    ExamOverride,
    ExamRule,
    PaperMode,
)
from lawtrain.exams.papers import FixedItem, PaperCheck, check_paper, resolve_fixed_paper
from lawtrain.exams.queries import paper_is_frozen


@dataclass
class ExamData:
    """What the trainer's form produces (values already converted to UTC)."""

    title: str
    instructions: str = ""
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    duration_minutes: int = 60
    attempts_allowed: int = 1
    counting: str = "best"
    pass_percent: float = 60.0
    multiple_scoring: str = "all_or_nothing"
    release: str = "immediate"
    review: str = "full"
    shuffle_questions: bool = True
    shuffle_options: bool = True
    tab_switch_limit: int | None = None
    paper_mode: str = "rules"
    gate: dict = field(default_factory=dict)
    department_ids: list[int] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)
    rules: list[dict] = field(default_factory=list)
    # A fixed paper as typed: one question per line (id, #id or 题目ID), optionally followed by its points;
    # lines without points get `fixed_points`, or the question's own points when that is None too.
    fixed_paper: str = ""
    fixed_points: float | None = None


SCALAR_FIELDS = ("title", "instructions", "opens_at", "closes_at", "duration_minutes", "attempts_allowed", "counting",
                 "pass_percent", "multiple_scoring", "release", "review", "shuffle_questions", "shuffle_options",
                 "tab_switch_limit", "paper_mode", "gate")


def _fixed_items(session: Session, data: ExamData) -> list[FixedItem]:
    """The fixed paper's questions; FixedPaperError names every wrong line."""
    paper = resolve_fixed_paper(session, data.fixed_paper, data.fixed_points)
    if paper.messages or not paper.items:
        raise FixedPaperError(paper.messages or [_("固定试卷还没有题目")])
    return paper.items


def save_exam(session: Session, exam: Exam | None, data: ExamData, *, actor, now: datetime,
              ip: str | None = None) -> tuple[Exam, PaperCheck]:
    """Create or update an exam with its assignees and its paper (rules or a fixed list); returns the paper
    check to show. Raises FixedPaperError, naming every wrong line, before anything is changed."""
    if data.opens_at and data.closes_at and data.closes_at <= data.opens_at:
        raise ExamError(_("结束时间必须晚于开始时间"))
    # Papers already drawn stay as they are: once someone has started, the paper setup can no longer change.
    frozen = exam is not None and paper_is_frozen(session, exam)
    # only the chosen kind of paper is checked and kept
    fixed = _fixed_items(session, data) if not frozen and data.paper_mode == PaperMode.FIXED else []
    if exam is None:
        exam = Exam.draft(created_by_id=getattr(actor, "id", None), created_at=now)
        session.add(exam)
    for name in SCALAR_FIELDS:
        if not (frozen and name == "paper_mode"):
            setattr(exam, name, getattr(data, name))
    exam.assignees = ([ExamAssignee(department_id=d) for d in dict.fromkeys(data.department_ids)]
                      + [ExamAssignee(user_id=u) for u in dict.fromkeys(data.user_ids)])
    if not frozen:
        rules = data.rules if data.paper_mode == PaperMode.RULES else []
        exam.rules = [ExamRule(position=i, **r) for i, r in enumerate(rules, start=1)]
        exam.fixed_questions = [ExamFixedQuestion(question_id=item.question_id, position=i, points=item.points)
                                for i, item in enumerate(fixed, start=1)]
    session.flush()
    check = check_paper(session, exam)
    audit.record(session, "exam.save", actor=actor, target_type="exam", target_id=exam.id, ip=ip, now=now,
                 title=exam.title)
    session.commit()
    return exam, check


def publish_exam(session: Session, exam: Exam, *, actor, now: datetime, ip: str | None = None) -> None:
    """Publish a draft exam whose paper can be drawn and that has someone to sit it."""
    check = check_paper(session, exam)
    if check.messages:
        raise PaperError(check.messages)
    if not exam.assignees:
        raise ExamError(_("请先选择参加考试的部门或人员"))
    if not exam.can_publish:
        raise ExamError(_("只有草稿状态的考试可以发布"))
    exam.publish()
    audit.record(session, "exam.publish", actor=actor, target_type="exam", target_id=exam.id, ip=ip, now=now)
    session.commit()


def archive_exam(session: Session, exam: Exam, *, actor, now: datetime, ip: str | None = None) -> None:
    if not exam.can_archive:
        raise ExamError(_("考试已归档"))
    exam.archive()
    audit.record(session, "exam.archive", actor=actor, target_type="exam", target_id=exam.id, ip=ip, now=now)
    session.commit()


def release_results(session: Session, exam: Exam, *, actor, now: datetime, ip: str | None = None) -> None:
    """Release the results: only now do scores, reviews and certificates exist for the sitters."""
    exam.released_at = now
    audit.record(session, "exam.release", actor=actor, target_type="exam", target_id=exam.id, ip=ip, now=now)
    session.flush()
    signals.results_released.send(None, session=session, exam=exam, now=now)
    session.commit()


def set_override(session: Session, exam: Exam, user: User, *, extra_minutes: int, opens_at: datetime | None,
                 closes_at: datetime | None, reason: str | None, actor, now: datetime,
                 ip: str | None = None) -> ExamOverride:
    """Grant one person extra time and/or another window; an open attempt's deadline follows."""
    if extra_minutes < 0:
        raise ExamError(_("延长时间不能为负数"))
    if opens_at and closes_at and closes_at <= opens_at:
        raise ExamError(_("结束时间必须晚于开始时间"))
    override = get_override(session, exam.id, user.id)
    if override is None:
        override = ExamOverride(exam_id=exam.id, user_id=user.id, created_at=now,
                                created_by_id=getattr(actor, "id", None))
        session.add(override)
    override.extra_minutes, override.opens_at, override.closes_at, override.reason = (
        extra_minutes, opens_at, closes_at, reason)
    open_attempt = session.scalar(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.user_id == user.id,
                                                        Attempt.status == AttemptStatus.IN_PROGRESS))
    if open_attempt is not None:
        _o, closes = window_for(exam, override)
        open_attempt.deadline_at = timing.deadline_for(open_attempt.started_at, exam.duration_minutes, closes,
                                                       extra_minutes)
        add_event(session, open_attempt.id, "override_granted", now, extra_minutes=extra_minutes)
    audit.record(session, "exam.override", actor=actor, target_type="exam", target_id=exam.id, ip=ip, now=now,
                 user=user.username, extra_minutes=extra_minutes)
    session.commit()
    return override
