"""The law library (laws, revisions, articles) and the training models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lawtrain.extensions import db
from lawtrain.timeutil import utcnow


class Law(db.Model):
    __tablename__ = "laws"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)  # 中华人民共和国安全生产法
    short_name: Mapped[str] = mapped_column(String(64), unique=True)  # 安全生产法

    revisions: Mapped[list[LawRevision]] = relationship(
        back_populates="law", order_by="LawRevision.revision_date", cascade="all, delete-orphan"
    )


class LawRevision(db.Model):
    __tablename__ = "law_revisions"
    __table_args__ = (UniqueConstraint("law_id", "revision_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    law_id: Mapped[int] = mapped_column(ForeignKey("laws.id", ondelete="CASCADE"), index=True)
    revision_date: Mapped[date]
    effective_date: Mapped[date | None]
    source: Mapped[str | None] = mapped_column(String(255))
    preamble: Mapped[str | None] = mapped_column(Text)
    is_current: Mapped[bool] = mapped_column(default=True)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What the import marked as needing review: course modules, and items of other areas (questions).
    flagged_modules: Mapped[int] = mapped_column(default=0)
    flagged_other: Mapped[int] = mapped_column(default=0)

    law: Mapped[Law] = relationship(back_populates="revisions")
    articles: Mapped[list[Article]] = relationship(
        back_populates="revision", order_by="Article.number", cascade="all, delete-orphan"
    )
    changes: Mapped[list[RevisionChange]] = relationship(
        back_populates="revision", order_by="RevisionChange.id", cascade="all, delete-orphan"
    )


class Article(db.Model):
    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("revision_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("law_revisions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    label: Mapped[str] = mapped_column(String(32))  # 第一百一十四条
    chapter: Mapped[str | None] = mapped_column(String(128))
    section: Mapped[str | None] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)

    revision: Mapped[LawRevision] = relationship(back_populates="articles")


class RevisionChange(db.Model):
    """One article-level difference between a revision and the one before it."""

    __tablename__ = "revision_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("law_revisions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # added | removed | renumbered | changed
    old_number: Mapped[int | None]
    new_number: Mapped[int | None]
    old_text: Mapped[str | None] = mapped_column(Text)
    new_text: Mapped[str | None] = mapped_column(Text)
    diff: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[op, text], ...], op: equal | delete | insert
    diff_text: Mapped[str | None] = mapped_column(Text)

    revision: Mapped[LawRevision] = relationship(back_populates="changes")


MODULE_ACTIVE, MODULE_NEEDS_REVIEW = "active", "needs_review"


class CourseModule(db.Model):
    """A unit of study on one law, citing the articles it teaches."""

    __tablename__ = "course_modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)  # <law slug>/<file stem>
    law_name: Mapped[str] = mapped_column(String(64), index=True)  # short name, kept before the law is imported
    law_id: Mapped[int | None] = mapped_column(ForeignKey("laws.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    key_points: Mapped[list[str]] = mapped_column(JSON, default=list)
    body: Mapped[str] = mapped_column(Text, default="")
    articles: Mapped[list[int]] = mapped_column(JSON, default=list)
    estimated_minutes: Mapped[int] = mapped_column(default=15)
    min_study_minutes: Mapped[int] = mapped_column(default=15)
    bank_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Open modules credit study time to anyone; others only to people with an assignment covering them.
    is_open: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default=MODULE_ACTIVE, index=True)
    review_reason: Mapped[str | None] = mapped_column(Text)
    source_path: Mapped[str | None] = mapped_column(String(255))
    sort_order: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    law: Mapped[Law | None] = relationship()
    article_rows: Mapped[list[ModuleArticle]] = relationship(back_populates="module", cascade="all, delete-orphan")

    @property
    def needs_review(self) -> bool:
        return self.status == MODULE_NEEDS_REVIEW


class ModuleArticle(db.Model):
    """module_articles: which articles a module cites, for "who cites article N" queries."""

    __tablename__ = "module_articles"
    __table_args__ = (UniqueConstraint("module_id", "law_name", "article_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("course_modules.id", ondelete="CASCADE"), index=True)
    law_name: Mapped[str] = mapped_column(String(64))
    article_no: Mapped[int]

    module: Mapped[CourseModule] = relationship(back_populates="article_rows")


class StudyRecord(db.Model):
    """One person's progress on one module: server-measured seconds and the end-of-module check."""

    __tablename__ = "study_records"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("course_modules.id", ondelete="CASCADE"), index=True)
    seconds: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_heartbeat_at: Mapped[datetime | None]
    check_passed_at: Mapped[datetime | None]
    check_best_score: Mapped[float | None]
    check_attempts: Mapped[int] = mapped_column(default=0)
    completed_at: Mapped[datetime | None] = mapped_column(index=True)

    module: Mapped[CourseModule] = relationship()


class TrainingAssignment(db.Model):
    """学习任务: modules (or a whole law's course) for departments and/or people, with a due date."""

    __tablename__ = "training_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    law_name: Mapped[str | None] = mapped_column(String(64))  # set: every module of this law, now and later
    due_date: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(Text)
    # Completing every module earns a certificate (培训合格证书), as passing an exam does.
    awards_certificate: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    module_links: Mapped[list[AssignmentModule]] = relationship(back_populates="assignment",
                                                                 cascade="all, delete-orphan")
    department_links: Mapped[list[AssignmentDepartment]] = relationship(back_populates="assignment",
                                                                         cascade="all, delete-orphan")
    user_links: Mapped[list[AssignmentUser]] = relationship(back_populates="assignment",
                                                             cascade="all, delete-orphan")


class AssignmentModule(db.Model):
    __tablename__ = "assignment_modules"
    __table_args__ = (UniqueConstraint("assignment_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("training_assignments.id", ondelete="CASCADE"),
                                               index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("course_modules.id", ondelete="CASCADE"), index=True)

    assignment: Mapped[TrainingAssignment] = relationship(back_populates="module_links")
    module: Mapped[CourseModule] = relationship()


class AssignmentDepartment(db.Model):
    """A department and everything below it."""

    __tablename__ = "assignment_departments"
    __table_args__ = (UniqueConstraint("assignment_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("training_assignments.id", ondelete="CASCADE"),
                                               index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"), index=True)

    assignment: Mapped[TrainingAssignment] = relationship(back_populates="department_links")


class AssignmentUser(db.Model):
    __tablename__ = "assignment_users"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("training_assignments.id", ondelete="CASCADE"),
                                               index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    assignment: Mapped[TrainingAssignment] = relationship(back_populates="user_links")


STUDY_CHANNELS = ("reading", "practice", "exam")


class StudyTimeEntry(db.Model):
    """学时台账: seconds per person, law, channel and (Shanghai) day, one row per combination."""

    __tablename__ = "study_time_entries"
    __table_args__ = (UniqueConstraint("user_id", "law_name", "channel", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    law_name: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))  # reading | practice | exam
    day: Mapped[date] = mapped_column(index=True)
    seconds: Mapped[int] = mapped_column(default=0)


class StudyClock(db.Model):
    """One row per person: the wall-clock their study credit has reached. Every heartbeat (on any module) and
    every practice answer locks this row first, so parallel pages or simultaneous requests share the same
    seconds instead of each earning them (SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises writers)."""

    __tablename__ = "study_clocks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    reading_until: Mapped[datetime | None]  # reading credit is counted up to here
    practice_at: Mapped[datetime | None]  # the last practice answer credited
