"""Online knowledge contests (网络知识竞赛): a contest owns a hidden exam (kind "contest") whose papers, timing,
saving and grading are the exam engine's; the contest adds eligibility, tie-breaks, prize tiers, guests and
the prizes assigned when it closes.

Contest state machine: draft -> published -> closed (closed: prizes assigned, certificates issued).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lawtrain.exams.models import AttemptStateError, Exam, one_of
from lawtrain.extensions import db
from lawtrain.timeutil import utcnow

__all__ = ["ContestStatus", "TieBreak", "OnlineContest", "OnlineContestDepartment", "OnlineContestGuest",
           "OnlineContestUnit", "OnlineContestPrize", "OnlineContestEntry"]


class ContestStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


class TieBreak(StrEnum):
    """Equal scores are ordered by: time used then submission time, submission time only, or time used only."""

    TIME_THEN_SUBMITTED = "time_submitted"
    SUBMITTED = "submitted"
    TIME = "time"


class OnlineContest(db.Model):
    __tablename__ = "online_contests"
    __table_args__ = (one_of("status", ContestStatus), one_of("tie_break", TieBreak))

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"), unique=True)
    title: Mapped[str] = mapped_column(String(128))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=ContestStatus.DRAFT, index=True)
    all_staff: Mapped[bool] = mapped_column(default=True)
    allow_guests: Mapped[bool] = mapped_column(default=False)
    # Unguessable part of the guest link /contests/g/<token>.
    guest_token: Mapped[str] = mapped_column(String(32), unique=True)
    tie_break: Mapped[str] = mapped_column(String(16), default=TieBreak.TIME_THEN_SUBMITTED)
    # [{"prize": "一等奖", "count": 1} | {"prize": "二等奖", "share": 10.0}] best prize first.
    prize_tiers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    min_score: Mapped[float] = mapped_column(default=0.0)
    public_leaderboard: Mapped[bool] = mapped_column(default=True)
    participation_certificates: Mapped[bool] = mapped_column(default=False)
    results_published_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    guests_purged_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    exam: Mapped[Exam] = relationship()
    departments: Mapped[list[OnlineContestDepartment]] = relationship(
        back_populates="contest", cascade="all, delete-orphan")
    units: Mapped[list[OnlineContestUnit]] = relationship(
        back_populates="contest", cascade="all, delete-orphan", order_by="OnlineContestUnit.position")

    @property
    def opens_at(self) -> datetime | None:
        return self.exam.opens_at

    @property
    def closes_at(self) -> datetime | None:
        return self.exam.closes_at

    def publish(self) -> None:
        """draft -> published."""
        if self.status != ContestStatus.DRAFT:
            raise AttemptStateError(f"cannot publish a contest in state {self.status}")
        self.status = ContestStatus.PUBLISHED

    def close(self, at: datetime) -> None:
        """published -> closed."""
        if self.status != ContestStatus.PUBLISHED:
            raise AttemptStateError(f"cannot close a contest in state {self.status}")
        self.status = ContestStatus.CLOSED
        self.closed_at = at


class OnlineContestDepartment(db.Model):
    """A department (with everything below it) whose staff may enter; none and all_staff off = guests only."""

    __tablename__ = "online_contest_departments"
    __table_args__ = (UniqueConstraint("contest_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("online_contests.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)

    contest: Mapped[OnlineContest] = relationship(back_populates="departments")


class OnlineContestUnit(db.Model):
    """A unit (企业/街镇/社区) guests choose from, when the organiser uploaded a list."""

    __tablename__ = "online_contest_units"
    __table_args__ = (UniqueConstraint("contest_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("online_contests.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    position: Mapped[int] = mapped_column(default=0)

    contest: Mapped[OnlineContest] = relationship(back_populates="units")


class OnlineContestGuest(db.Model):
    """A guest entrant's registration: personal data seen by organisers only, purged after the contest."""

    __tablename__ = "online_contest_guests"
    __table_args__ = (UniqueConstraint("contest_id", "mobile"), UniqueConstraint("user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("online_contests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(128))
    mobile: Mapped[str] = mapped_column(String(32))  # after a purge: a placeholder unique per row
    ip: Mapped[str | None] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    purged_at: Mapped[datetime | None]


class OnlineContestPrize(db.Model):
    """A prize assigned when the contest closed (the final rank and the counting attempt, frozen)."""

    __tablename__ = "online_contest_prizes"
    __table_args__ = (UniqueConstraint("contest_id", "user_id"),
                      Index("ix_online_contest_prizes_rank", "contest_id", "rank"))

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("online_contests.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id", ondelete="SET NULL"))
    rank: Mapped[int]
    prize: Mapped[str] = mapped_column(String(16))
    score: Mapped[float]
    seconds: Mapped[int]


class OnlineContestEntry(db.Model):
    """An entrant's counting attempt, kept in step by the attempt-graded event: what the leaderboard and the
    department ranking read (an index in rank order, no per-row time arithmetic at 10,000 entrants)."""

    __tablename__ = "online_contest_entries"
    __table_args__ = (UniqueConstraint("contest_id", "user_id"),
                      Index("ix_online_contest_entries_rank", "contest_id", "score", "seconds", "submitted_at",
                            "attempt_id", "user_id", "department_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("online_contests.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))  # at entry; guests: None
    score: Mapped[float]
    seconds: Mapped[int]
    submitted_at: Mapped[datetime]
