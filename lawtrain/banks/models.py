"""Banks and versioned questions.

A Question is the stable identity; its content lives in QuestionVersion rows. Editing a question
that an attempt has used adds a version, so an attempt always shows what the person saw.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lawtrain.extensions import db
from lawtrain.timeutil import utcnow

QUESTION_TYPES = ("single", "multiple", "true_false", "fill_blank")
CASE = "case"  # a case (案例分析): its version holds the case text; its sub-questions point at it by case_id
MIN_CASE_ITEMS, MAX_CASE_ITEMS = 2, 6


class QuestionStatus(StrEnum):
    ACTIVE = "active"
    NEEDS_REVIEW = "needs_review"  # a law revision changed an article it cites
    RETIRED = "retired"


QUESTION_STATUSES = tuple(QuestionStatus)


class BankKind(StrEnum):
    """What a bank is for: practice banks feed practice and module checks (keys shown after each answer);
    exam banks feed exam papers only, so practice can never reveal their keys."""

    PRACTICE = "practice"  # 练习题库
    EXAM = "exam"  # 考试题库


class Bank(db.Model):
    __tablename__ = "banks"
    __table_args__ = (CheckConstraint("kind IN ('practice', 'exam')", name="kind_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    law_id: Mapped[int | None] = mapped_column(ForeignKey("laws.id"), index=True)
    law_name: Mapped[str | None] = mapped_column(String(64))  # short name, kept even before the law is imported
    description: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), default=BankKind.PRACTICE, server_default=BankKind.PRACTICE.value)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    questions: Mapped[list[Question]] = relationship(back_populates="bank", cascade="all, delete-orphan")


class Question(db.Model):
    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("bank_id", "external_id"),
        CheckConstraint("status IN ('active', 'needs_review', 'retired')", name="status_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=QuestionStatus.ACTIVE, index=True)
    review_reason: Mapped[str | None] = mapped_column(Text)
    # Denormalised from the current version for pool filters (exam rules, search).
    type: Mapped[str] = mapped_column(String(16), index=True)
    difficulty: Mapped[int | None] = mapped_column(index=True)
    # A sub-question of a case: the case question it belongs to and its place there (None: a question alone).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"), index=True)
    position: Mapped[int | None]
    current_version_id: Mapped[int | None] = mapped_column(
        # SET NULL: the questions <-> versions cycle must not block deleting rows or dropping tables.
        ForeignKey("question_versions.id", use_alter=True, name="fk_questions_current_version", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    bank: Mapped[Bank] = relationship(back_populates="questions")
    current_version: Mapped[QuestionVersion | None] = relationship(foreign_keys=[current_version_id], post_update=True)
    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question", foreign_keys="QuestionVersion.question_id", order_by="QuestionVersion.version_no",
        cascade="all, delete-orphan",
    )
    citations: Mapped[list[QuestionCitation]] = relationship(back_populates="question", cascade="all, delete-orphan")
    tag_rows: Mapped[list[QuestionTag]] = relationship(back_populates="question", cascade="all, delete-orphan")
    case: Mapped[Question | None] = relationship(back_populates="items", remote_side=[id])
    items: Mapped[list[Question]] = relationship(back_populates="case", order_by="Question.position")

    @property
    def is_case(self) -> bool:
        return self.type == CASE


class QuestionVersion(db.Model):
    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "version_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    version_no: Mapped[int] = mapped_column(default=1)
    type: Mapped[str] = mapped_column(String(16))
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Letters for choice types; ["true"]/["false"]; fill_blank: one list of alternatives per blank.
    answer: Mapped[list[Any]] = mapped_column(JSON)
    explanation: Mapped[str | None] = mapped_column(Text)
    points: Mapped[float] = mapped_column(default=1.0)
    difficulty: Mapped[int | None]
    basis: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{"law": "安全生产法", "article": 21}]
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    question: Mapped[Question] = relationship(back_populates="versions", foreign_keys=[question_id])


class QuestionCitation(db.Model):
    """One article a question's current version cites: what revision impact and article filters use."""

    __tablename__ = "question_citations"
    __table_args__ = (UniqueConstraint("question_id", "law_name", "article_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    law_name: Mapped[str] = mapped_column(String(64), index=True)  # short name
    article_no: Mapped[int] = mapped_column(index=True)

    question: Mapped[Question] = relationship(back_populates="citations")


class QuestionTag(db.Model):
    __tablename__ = "question_tags"
    __table_args__ = (UniqueConstraint("question_id", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    tag: Mapped[str] = mapped_column(String(64), index=True)

    question: Mapped[Question] = relationship(back_populates="tag_rows")
