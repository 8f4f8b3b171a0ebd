"""Live team contests (现场知识竞赛): teams, ordered rounds, the frozen questions, buzzes and score entries.

Contest state machine: draft -> running -> finished (methods only). While running, the current question moves
through phases: ready -> shown -> (buzzing) -> revealed. Every change bumps `state_version`, which is the ETag
pads and the big screen poll with.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lawtrain.extensions import db
from lawtrain.timeutil import utcnow


class LiveStatus(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    FINISHED = "finished"


class LivePhase(StrEnum):
    READY = "ready"  # the question is chosen, not yet on the screen (risk stakes are chosen now)
    SHOWN = "shown"  # question and options on the screen and the pads
    BUZZING = "buzzing"  # buzzers open (抢答/加赛)
    REVEALED = "revealed"  # the answer and the cited article are shown


class RoundType(StrEnum):
    REQUIRED = "required"  # 必答: each team answers its own questions in turn
    BUZZ = "buzz"  # 抢答: first valid buzz answers
    RISK = "risk"  # 风险: the team stakes points before it sees the question
    TIEBREAK = "tiebreak"  # 加赛: buzzing, played only while placed teams are tied


class EntryKind(StrEnum):
    JUDGEMENT = "judgement"
    OVERRIDE = "override"
    FALSE_START = "false_start"


def _one_of(column: str, values: type[StrEnum]) -> CheckConstraint:
    return CheckConstraint(f"{column} IN ({', '.join(repr(str(v)) for v in values)})", name=f"{column}_valid")


class LiveStateError(Exception):
    """A transition the contest's state machine does not allow."""


class LiveContest(db.Model):
    __tablename__ = "live_contests"
    __table_args__ = (_one_of("status", LiveStatus), _one_of("phase", LivePhase))

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default=LiveStatus.DRAFT)
    screen_code: Mapped[str] = mapped_column(String(32), unique=True)
    false_start_penalty: Mapped[int] = mapped_column(default=0)
    state_version: Mapped[int] = mapped_column(default=1)
    phase: Mapped[str] = mapped_column(String(16), default=LivePhase.READY)
    phase_at: Mapped[datetime | None]
    current_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("live_items.id", use_alter=True, name="fk_live_contests_current_item", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    teams: Mapped[list[LiveTeam]] = relationship(back_populates="contest", order_by="LiveTeam.position",
                                                 cascade="all, delete-orphan")
    rounds: Mapped[list[LiveRound]] = relationship(back_populates="contest", order_by="LiveRound.position",
                                                   cascade="all, delete-orphan")
    current_item: Mapped[LiveItem | None] = relationship(foreign_keys=[current_item_id], post_update=True)

    def start(self, now: datetime) -> None:
        if self.status != LiveStatus.DRAFT:
            raise LiveStateError("contest already started")
        self.status, self.started_at = LiveStatus.RUNNING, now

    def finish(self, now: datetime) -> None:
        if self.status != LiveStatus.RUNNING:
            raise LiveStateError("contest not running")
        self.status, self.finished_at, self.current_item_id = LiveStatus.FINISHED, now, None

    def move_to(self, phase: LivePhase, now: datetime) -> None:
        if self.status != LiveStatus.RUNNING:
            raise LiveStateError("contest not running")
        self.phase, self.phase_at = phase, now


class LiveTeam(db.Model):
    __tablename__ = "live_teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("live_contests.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(64))
    department: Mapped[str | None] = mapped_column(String(128))
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    last_rtt_ms: Mapped[int | None]
    last_seen_at: Mapped[datetime | None]

    contest: Mapped[LiveContest] = relationship(back_populates="teams")
    members: Mapped[list[LiveMember]] = relationship(back_populates="team", order_by="LiveMember.id",
                                                     cascade="all, delete-orphan")


class LiveMember(db.Model):
    __tablename__ = "live_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("live_teams.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(64))

    team: Mapped[LiveTeam] = relationship(back_populates="members")


class LiveRound(db.Model):
    __tablename__ = "live_rounds"
    __table_args__ = (_one_of("type", RoundType),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("live_contests.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(64))
    points_right: Mapped[int] = mapped_column(default=10)
    points_wrong: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[int] = mapped_column(default=30)
    risk_values: Mapped[list[int]] = mapped_column(JSON, default=list)
    # {"count": 2, "bank_ids": [1], "law": "安全生产法", "type": "single"} drawn at start, or
    # {"question_ids": [4, 9, 12]} picked in advance.
    source: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    contest: Mapped[LiveContest] = relationship(back_populates="rounds")
    items: Mapped[list[LiveItem]] = relationship(back_populates="round", order_by="LiveItem.position",
                                                 cascade="all, delete-orphan")


class LiveItem(db.Model):
    """One question of a round, frozen at the start (the version shown is the version judged)."""

    __tablename__ = "live_items"
    __table_args__ = (UniqueConstraint("round_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("live_rounds.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("live_teams.id", ondelete="SET NULL"))  # 必答/风险
    shown_at: Mapped[datetime | None]
    buzz_opened_at: Mapped[datetime | None]
    revealed_at: Mapped[datetime | None]

    round: Mapped[LiveRound] = relationship(back_populates="items")


class LiveBuzz(db.Model):
    """A team's buzz on a question: one per team and question; the order is the server's arrival time."""

    __tablename__ = "live_buzzes"
    __table_args__ = (UniqueConstraint("item_id", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("live_items.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("live_teams.id", ondelete="CASCADE"))
    arrived_at: Mapped[datetime]
    is_false_start: Mapped[bool] = mapped_column(default=False)
    rtt_ms: Mapped[int | None]


class LiveSubmission(db.Model):
    """A team's choice (and, for 风险题, its stake) on a question, entered on its pad."""

    __tablename__ = "live_submissions"
    __table_args__ = (UniqueConstraint("item_id", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("live_items.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("live_teams.id", ondelete="CASCADE"))
    stake: Mapped[int | None]
    choice: Mapped[list[str] | None] = mapped_column(JSON)
    submitted_at: Mapped[datetime | None]


class LiveScoreEntry(db.Model):
    """Every change to a team's score: a judgement, a referee's override (with its reason), a false-start
    penalty. Undoing a judgement stamps `undone_at`; nothing is deleted (the record is the audit trail)."""

    __tablename__ = "live_score_entries"
    __table_args__ = (_one_of("kind", EntryKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("live_contests.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("live_teams.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("live_items.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(default=0)
    is_correct: Mapped[bool | None]
    choice: Mapped[list[str] | None] = mapped_column(JSON)
    stake: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
