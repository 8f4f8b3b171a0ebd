"""The law library (laws, revisions, articles) and the training models."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
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

    law: Mapped[Law] = relationship(back_populates="revisions")
    articles: Mapped[list[Article]] = relationship(
        back_populates="revision", order_by="Article.number", cascade="all, delete-orphan"
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
