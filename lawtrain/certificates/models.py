"""Certificates (合格证书): one per person and exam, with a snapshot of what was certified at issue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lawtrain.auth.models import User
from lawtrain.exams.models import Exam
from lawtrain.extensions import db
from lawtrain.timeutil import utcnow

VALID, EXPIRED, REVOKED = "valid", "expired", "revoked"
STATUSES = (VALID, EXPIRED, REVOKED)


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("user_id", "exam_id"),
        UniqueConstraint("serial_year", "serial_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"), index=True)
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
    exam_title: Mapped[str] = mapped_column(String(128))
    laws: Mapped[list[Any]] = mapped_column(JSON, default=list)
    score: Mapped[float]
    max_score: Mapped[float]
    percent: Mapped[float]
    exam_date: Mapped[date]  # local (Asia/Shanghai) date the counting attempt was submitted

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    exam: Mapped[Exam] = relationship()

    def status_on(self, today: date) -> str:
        """valid / expired / revoked, on a local date."""
        if self.revoked_at is not None:
            return REVOKED
        if self.valid_until is not None and today > self.valid_until:
            return EXPIRED
        return VALID
