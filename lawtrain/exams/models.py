"""Exams, their paper rules, attempts with frozen papers and saved answers, the wrong-answer book.

Table names are a contract: reports read them with SQL.

Attempt state machine: in_progress -> submitted, or in_progress -> expired -> submitted
(an overdue attempt is closed at its deadline and graded from its saved answers).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lawtrain.exams import save_triggers
from lawtrain.extensions import db
from lawtrain.timeutil import utcnow


class ExamStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class ExamKind(StrEnum):
    """An exam of its own, or the hidden exam a contest owns (not listed among exams)."""

    EXAM = "exam"
    CONTEST = "contest"


class AttemptStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    EXPIRED = "expired"
    SUBMITTED = "submitted"


class FinishReason(StrEnum):
    """Why an attempt finished."""

    SUBMITTED = "submitted"
    TIMEOUT = "timeout"
    TAB_LIMIT = "tab_limit"


class ResultRelease(StrEnum):
    IMMEDIATE = "immediate"
    AFTER_CLOSE = "after_close"
    MANUAL = "manual"


class ReviewMode(StrEnum):
    SCORE_ONLY = "score_only"
    FULL = "full"


class PaperMode(StrEnum):
    FIXED = "fixed"
    RULES = "rules"


class Counting(StrEnum):
    BEST = "best"
    LAST = "last"


class MultipleScoring(StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"
    PARTIAL = "partial"


class WrongBookSource(StrEnum):
    EXAM = "exam"
    PRACTICE = "practice"


class PracticeMode(StrEnum):
    LAW = "law"
    ARTICLE = "article"
    MODULE = "module"
    WRONG_BOOK = "wrong_book"
    CHECK = "check"


# The names the reports area reads (SQL over the attempts table); the enum members themselves.
IN_PROGRESS, EXPIRED, SUBMITTED = AttemptStatus.IN_PROGRESS, AttemptStatus.EXPIRED, AttemptStatus.SUBMITTED


def one_of(column: str, values: type[StrEnum]) -> CheckConstraint:
    """CHECK that a status column holds one of its enum's strings (named by the naming convention)."""
    return CheckConstraint(f"{column} IN ({', '.join(repr(str(v)) for v in values)})", name=f"{column}_valid")


class AttemptStateError(Exception):
    """A transition a state machine (exam or attempt) does not allow."""


class Exam(db.Model):
    """An exam; its status moves draft -> published -> archived (or draft -> archived) by its methods only."""

    __tablename__ = "exams"
    __table_args__ = (
        one_of("status", ExamStatus), one_of("paper_mode", PaperMode), one_of("release", ResultRelease),
        one_of("review", ReviewMode), one_of("counting", Counting), one_of("multiple_scoring", MultipleScoring),
        one_of("kind", ExamKind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(128))
    instructions: Mapped[str | None] = mapped_column(Text)
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    duration_minutes: Mapped[int] = mapped_column(default=60)
    attempts_allowed: Mapped[int] = mapped_column(default=1)
    counting: Mapped[str] = mapped_column(String(8), default="best")
    pass_percent: Mapped[float] = mapped_column(default=60.0)
    multiple_scoring: Mapped[str] = mapped_column(String(16), default="all_or_nothing")
    release: Mapped[str] = mapped_column(String(16), default="immediate")
    released_at: Mapped[datetime | None]
    review: Mapped[str] = mapped_column(String(16), default="full")
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    # {"modules": [module ids], "minutes": {"安全生产法": 30}}; {} = no gate.
    gate: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    paper_mode: Mapped[str] = mapped_column(String(8), default="rules")
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    kind: Mapped[str] = mapped_column(String(16), default="exam", server_default="exam")
    tab_switch_limit: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rules: Mapped[list[ExamRule]] = relationship(
        back_populates="exam", order_by="ExamRule.position", cascade="all, delete-orphan"
    )
    fixed_questions: Mapped[list[ExamFixedQuestion]] = relationship(
        back_populates="exam", order_by="ExamFixedQuestion.position", cascade="all, delete-orphan"
    )
    assignees: Mapped[list[ExamAssignee]] = relationship(back_populates="exam", cascade="all, delete-orphan")
    overrides: Mapped[list[ExamOverride]] = relationship(back_populates="exam", cascade="all, delete-orphan")

    @classmethod
    def draft(cls, **values: Any) -> Exam:
        """A new exam, in draft."""
        return cls(status=ExamStatus.DRAFT, **values)

    @property
    def can_publish(self) -> bool:
        return self.status == ExamStatus.DRAFT

    @property
    def can_archive(self) -> bool:
        return self.status != ExamStatus.ARCHIVED

    def publish(self) -> None:
        """draft -> published."""
        if not self.can_publish:
            raise AttemptStateError(f"cannot publish an exam in state {self.status}")
        self.status = ExamStatus.PUBLISHED

    def archive(self) -> None:
        """draft | published -> archived."""
        if not self.can_archive:
            raise AttemptStateError("exam already archived")
        self.status = ExamStatus.ARCHIVED


class ExamRule(db.Model):
    """One block of a rule-drawn paper: `count` questions of `type` from a pool, `points` each."""

    __tablename__ = "exam_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    banks: Mapped[list[int]] = mapped_column(JSON, default=list)  # bank ids; [] = every bank
    law_name: Mapped[str | None] = mapped_column(String(64))  # short name
    articles: Mapped[list[int]] = mapped_column(JSON, default=list)  # article numbers; [] = any
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)  # any of; [] = any
    difficulty_min: Mapped[int | None]
    difficulty_max: Mapped[int | None]
    type: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(default=1)
    points: Mapped[float] = mapped_column(default=1.0)

    exam: Mapped[Exam] = relationship(back_populates="rules")


class ExamFixedQuestion(db.Model):
    __tablename__ = "exam_fixed_questions"
    __table_args__ = (UniqueConstraint("exam_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    points: Mapped[float | None]  # None: the question version's own points

    exam: Mapped[Exam] = relationship(back_populates="fixed_questions")


class ExamAssignee(db.Model):
    """Who sits an exam: a department (with everything below it) or one person."""

    __tablename__ = "exam_assignees"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    exam: Mapped[Exam] = relationship(back_populates="assignees")


class ExamOverride(db.Model):
    """Per-person extra time and/or another window."""

    __tablename__ = "exam_overrides"
    __table_args__ = (UniqueConstraint("exam_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    extra_minutes: Mapped[int] = mapped_column(default=0)
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(255))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    exam: Mapped[Exam] = relationship(back_populates="overrides")


class Attempt(db.Model):
    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("exam_id", "user_id", "number"),
        # Covering index for report aggregation (per person and period, without touching the table).
        Index("ix_attempts_report", "user_id", "status", "submitted_at", "exam_id", "percent", "passed"),
        # One open attempt per person and exam, enforced by the database.
        one_of("status", AttemptStatus),
        CheckConstraint("finish_reason IS NULL OR finish_reason IN ('submitted', 'timeout', 'tab_limit')",
                        name="finish_reason_valid"),
        Index(
            "uq_attempts_one_open",
            "exam_id",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'in_progress'"),
            postgresql_where=text("status = 'in_progress'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default=IN_PROGRESS, index=True)
    seed: Mapped[int] = mapped_column(db.BigInteger, default=0)
    started_at: Mapped[datetime]
    deadline_at: Mapped[datetime] = mapped_column(index=True)
    submitted_at: Mapped[datetime | None]
    finish_reason: Mapped[str | None] = mapped_column(String(16))
    last_seq: Mapped[int] = mapped_column(default=0)
    score: Mapped[float | None]
    max_score: Mapped[float | None]
    percent: Mapped[float | None]
    passed: Mapped[bool | None] = mapped_column(Boolean)
    graded_at: Mapped[datetime | None]
    tab_switches: Mapped[int] = mapped_column(default=0)
    tab_away_seconds: Mapped[int] = mapped_column(default=0)
    focus_lost_at: Mapped[datetime | None]

    exam: Mapped[Exam] = relationship()
    questions: Mapped[list[AttemptQuestion]] = relationship(
        back_populates="attempt", order_by="AttemptQuestion.position", cascade="all, delete-orphan"
    )

    @classmethod
    def begin(cls, **values: Any) -> Attempt:
        """A new attempt, in progress."""
        return cls(status=AttemptStatus.IN_PROGRESS, last_seq=0, **values)

    @property
    def is_open(self) -> bool:
        return self.status == AttemptStatus.IN_PROGRESS

    def expire(self) -> None:
        """in_progress -> expired (the deadline passed; grading follows)."""
        if self.status != AttemptStatus.IN_PROGRESS:
            raise AttemptStateError(f"cannot expire an attempt in state {self.status}")
        self.status = AttemptStatus.EXPIRED

    def mark_submitted(self, at: datetime, reason: FinishReason) -> None:
        """in_progress|expired -> submitted."""
        if self.status == AttemptStatus.SUBMITTED:
            raise AttemptStateError("attempt already submitted")
        self.status = AttemptStatus.SUBMITTED
        self.submitted_at = at
        self.finish_reason = FinishReason(reason)

    def record_grade(self, score: float, max_score: float, percent: float, passed: bool, at: datetime) -> None:
        """Store the totals of a (re)grading; only a submitted attempt has grades."""
        if self.status != AttemptStatus.SUBMITTED:
            raise AttemptStateError(f"cannot grade an attempt in state {self.status}")
        self.score, self.max_score, self.percent, self.passed, self.graded_at = score, max_score, percent, passed, at


class AttemptQuestion(db.Model):
    """One question of an attempt's frozen paper: version, position, option permutation, points."""

    __tablename__ = "attempt_questions"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"), index=True)
    # option_order[i] = original option index shown at display position i.
    option_order: Mapped[list[int]] = mapped_column(JSON, default=list)
    points: Mapped[float] = mapped_column(default=1.0)
    score: Mapped[float | None]
    is_correct: Mapped[bool | None] = mapped_column(Boolean)
    is_voided: Mapped[bool] = mapped_column(default=False)
    # A case's sub-question: the version of the case (its text) shown above it; None for a question alone.
    case_version_id: Mapped[int | None] = mapped_column(ForeignKey("question_versions.id"), index=True)

    attempt: Mapped[Attempt] = relationship(back_populates="questions")


class Answer(db.Model):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    response: Mapped[list[Any]] = mapped_column(JSON, default=list)  # delivered keys / "true" / blank texts
    seq: Mapped[int] = mapped_column(default=0)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)


# Every stored answer logs its `saved` event through the database (exams.save_triggers; migration c22_save_path
# creates the same triggers on a migrated database).
for _dialect, _statements in (("sqlite", save_triggers.SQLITE), ("postgresql", save_triggers.POSTGRESQL)):
    for _sql in _statements:
        event.listen(Answer.__table__, "after_create", DDL(_sql.replace("%", "%%")).execute_if(dialect=_dialect))


class AttemptEvent(db.Model):
    """Append-only log: started, resumed, saved, focus_lost, focus_back, submitted, auto_closed, regraded…"""

    __tablename__ = "attempt_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PaperPregen(db.Model):
    """A paper drawn before the window opens, claimed by the person's first attempt."""

    __tablename__ = "paper_pregens"
    __table_args__ = (UniqueConstraint("exam_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    seed: Mapped[int] = mapped_column(db.BigInteger)
    # [{"question_id", "version_id", "option_order", "points"}] in paper order.
    paper: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class WrongBookEntry(db.Model):
    """A question a person got wrong; it leaves the book after correct answers on two different days."""

    __tablename__ = "wrong_book_entries"
    __table_args__ = (UniqueConstraint("user_id", "question_id"), one_of("source", WrongBookSource))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16), default="exam")  # exam | practice
    wrong_count: Mapped[int] = mapped_column(default=1)
    last_wrong_at: Mapped[datetime]
    # Local (Asia/Shanghai) dates of correct answers since the last wrong one, as ISO strings.
    correct_days: Mapped[list[str]] = mapped_column(JSON, default=list)
    cleared_at: Mapped[datetime | None] = mapped_column(index=True)

    @property
    def correct_day_count(self) -> int:
        return len(set(self.correct_days or []))


class PracticeAnswer(db.Model):
    """One practice answer (instant feedback); also feeds practice study time."""

    __tablename__ = "practice_answers"
    __table_args__ = (one_of("mode", PracticeMode),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    question_version_id: Mapped[int | None] = mapped_column(ForeignKey("question_versions.id"))
    mode: Mapped[str] = mapped_column(String(16), default="law")  # law | article | module | wrong_book | check
    response: Mapped[list[Any]] = mapped_column(JSON, default=list)
    is_correct: Mapped[bool] = mapped_column(default=False)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    local_day: Mapped[date | None]
