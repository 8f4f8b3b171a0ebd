"""Certificates (合格证书): one per person and exam (or training assignment that awards one), with a snapshot
of what was certified at issue."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lawtrain.auth.models import User
from lawtrain.courses.models import TrainingAssignment
from lawtrain.exams.models import Exam
from lawtrain.extensions import db
from lawtrain.timeutil import utcnow

VALID, EXPIRED, REVOKED = "valid", "expired", "revoked"
STATUSES = (VALID, EXPIRED, REVOKED)


class CertificateKind(StrEnum):
    """What earned a certificate: a passed exam, a completed training assignment, or a contest award."""

    EXAM = "exam"
    TRAINING = "training"
    AWARD = "award"


class AwardSource(StrEnum):
    """The kind of contest an award certificate (获奖证书) was won in; `award_source_id` is that contest's id.
    The contests area sits above certificates, so the link is by kind and id rather than a foreign key."""

    ONLINE_CONTEST = "online_contest"
    LIVE_CONTEST = "live_contest"


# Exactly one source per certificate (written with CASE so that SQLite and PostgreSQL read it alike).
ONE_SOURCE = ("(CASE WHEN exam_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN assignment_id IS NULL THEN 0 ELSE 1 END)"
              " + (CASE WHEN award_source_id IS NULL THEN 0 ELSE 1 END) = 1")
AWARD_SOURCE_VALID = ("award_source IS NULL OR award_source IN ("
                      + ", ".join(repr(str(s)) for s in AwardSource) + ")")


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("user_id", "exam_id"),
        UniqueConstraint("user_id", "assignment_id"),
        UniqueConstraint("user_id", "award_source", "award_source_id"),
        UniqueConstraint("serial_year", "serial_no"),
        # Earned by exactly one thing: a passed exam, a completed training assignment or a contest award.
        CheckConstraint(ONE_SOURCE, name="one_source"),
        CheckConstraint(AWARD_SOURCE_VALID, name="award_source_valid"),
        CheckConstraint("(award_source IS NULL) = (award_source_id IS NULL)", name="award_source_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    exam_id: Mapped[int | None] = mapped_column(ForeignKey("exams.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("training_assignments.id"), index=True)
    award_source: Mapped[str | None] = mapped_column(String(32))  # an AwardSource
    award_source_id: Mapped[int | None]
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id", ondelete="SET NULL"), index=True)
    # BSYJ-2025-000123: prefix, year of issue, per-year sequence (max + 1; the unique constraints settle races).
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    serial_year: Mapped[int]
    serial_no: Mapped[int]
    # What the QR code and the verify page use: random, unguessable, never derived from the id.
    code: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    valid_until: Mapped[date | None]  # last local day of validity; None = no expiry
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(String(255))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A revocation made by a regrade is lifted by a later regrade that passes again; an admin's is not.
    is_auto_revoked: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Snapshot, frozen at issue (a renamed department or exam does not change a certificate already held).
    person_name: Mapped[str] = mapped_column(String(64))
    staff_no: Mapped[str | None] = mapped_column(String(32))
    department_path: Mapped[str | None] = mapped_column(String(512))
    exam_title: Mapped[str] = mapped_column(String(200))  # the exam's or the training assignment's title
    laws: Mapped[list[Any]] = mapped_column(JSON, default=list)
    score: Mapped[float | None]  # exam certificates only
    max_score: Mapped[float | None]
    percent: Mapped[float | None]
    module_count: Mapped[int | None]  # training certificates only: modules completed
    study_minutes: Mapped[int | None]  # and the study time they took
    award_prize: Mapped[str | None] = mapped_column(String(32))  # award certificates only: 一等奖, 参与证书…
    award_rank: Mapped[int | None]  # and the place, when the contest ranks
    exam_date: Mapped[date]  # local (Asia/Shanghai) date the counting attempt was submitted / training completed

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    exam: Mapped[Exam | None] = relationship()
    assignment: Mapped[TrainingAssignment | None] = relationship()

    @property
    def kind(self) -> CertificateKind:
        if self.award_source is not None:
            return CertificateKind.AWARD
        return CertificateKind.TRAINING if self.assignment_id is not None else CertificateKind.EXAM

    @property
    def is_training(self) -> bool:
        """Earned by completing a training assignment rather than by passing an exam."""
        return self.assignment_id is not None

    @property
    def is_award(self) -> bool:
        """Won in a contest (获奖证书)."""
        return self.award_source is not None

    def status_on(self, today: date) -> str:
        """valid / expired / revoked, on a local date."""
        if self.revoked_at is not None:
            return REVOKED
        if self.valid_until is not None and today > self.valid_until:
            return EXPIRED
        return VALID
