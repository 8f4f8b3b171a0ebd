"""Read-side queries of the banks area: bank summaries, question search, the review queue."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from lawtrain.banks.models import (
    QUESTION_TYPES,
    STATUS_NEEDS_REVIEW,
    STATUS_RETIRED,
    Bank,
    Question,
    QuestionCitation,
    QuestionTag,
    QuestionVersion,
)
from lawtrain.banks.services import QuestionFilters

# Columns a question list may be sorted by (anything else falls back to "id").
SORTS = {
    "id": Question.id.asc(),
    "-id": Question.id.desc(),
    "type": Question.type.asc(),
    "difficulty": Question.difficulty.asc(),
    "-difficulty": Question.difficulty.desc(),
    "updated": Question.updated_at.desc(),
    "status": Question.status.asc(),
}
MAX_SEARCH_LENGTH = 200


def question_select(bank_id: int | None, filters: QuestionFilters, sort: str = "id") -> Select:
    """Questions of a bank (or of all banks) narrowed by the filters, in an allow-listed order."""
    stmt = select(Question)
    if bank_id is not None:
        stmt = stmt.where(Question.bank_id == bank_id)
    if filters.q:
        needle = filters.q.strip()[:MAX_SEARCH_LENGTH]
        stmt = stmt.where(Question.current_version_id.in_(
            select(QuestionVersion.id).where(QuestionVersion.stem.contains(needle, autoescape=True))))
    if filters.type:
        stmt = stmt.where(Question.type == filters.type)
    if filters.difficulty is not None:
        stmt = stmt.where(Question.difficulty == filters.difficulty)
    if filters.status:
        stmt = stmt.where(Question.status == filters.status)
    if filters.article is not None or filters.law:
        cited = select(QuestionCitation.question_id)
        if filters.article is not None:
            cited = cited.where(QuestionCitation.article_no == filters.article)
        if filters.law:
            cited = cited.where(QuestionCitation.law_name == filters.law)
        stmt = stmt.where(Question.id.in_(cited))
    if filters.tag:
        stmt = stmt.where(Question.id.in_(select(QuestionTag.question_id).where(QuestionTag.tag == filters.tag)))
    order = SORTS.get(sort, SORTS["id"])
    return stmt.order_by(order, Question.id.asc()) if sort not in ("id", "-id") else stmt.order_by(order)


def question_page_options():
    """Loader options for showing a page of questions with their current content."""
    return (selectinload(Question.current_version), selectinload(Question.citations))


def bank_summaries(session: Session) -> list[dict]:
    """Every bank with counts of usable questions per type and difficulty, plus retired/needs-review counts."""
    banks = session.scalars(select(Bank).order_by(Bank.name)).all()
    rows = session.execute(
        select(Question.bank_id, Question.status, Question.type, Question.difficulty, func.count())
        .group_by(Question.bank_id, Question.status, Question.type, Question.difficulty)
    ).all()
    stats: dict[int, dict] = {
        b.id: {"bank": b, "total": 0, "types": dict.fromkeys(QUESTION_TYPES, 0), "difficulties": {},
               "retired": 0, "needs_review": 0}
        for b in banks
    }
    for bank_id, status, qtype, difficulty, n in rows:
        s = stats[bank_id]
        if status == STATUS_RETIRED:
            s["retired"] += n
            continue
        if status == STATUS_NEEDS_REVIEW:
            s["needs_review"] += n
        s["total"] += n
        s["types"][qtype] = s["types"].get(qtype, 0) + n
        key = difficulty or 0
        s["difficulties"][key] = s["difficulties"].get(key, 0) + n
    return [stats[b.id] for b in banks]


def bank_tags(session: Session, bank_id: int) -> list[str]:
    return list(session.scalars(
        select(QuestionTag.tag).join(Question, Question.id == QuestionTag.question_id)
        .where(Question.bank_id == bank_id).distinct().order_by(QuestionTag.tag)))


def bank_laws(session: Session, bank_id: int) -> list[str]:
    """The laws the bank's questions cite (a bank on one law may cite another, e.g. 行政处罚法 procedure)."""
    return list(session.scalars(
        select(QuestionCitation.law_name).join(Question, Question.id == QuestionCitation.question_id)
        .where(Question.bank_id == bank_id).distinct().order_by(QuestionCitation.law_name)))


def review_queue_select() -> Select:
    """Questions flagged by law revisions, oldest flag first."""
    return (select(Question).where(Question.status == STATUS_NEEDS_REVIEW)
            .order_by(Question.updated_at.asc(), Question.id.asc()))


def needs_review_count(session: Session, bank_id: int | None = None) -> int:
    """Questions flagged by law revisions, in one bank or in all."""
    stmt = select(func.count()).select_from(Question).where(Question.status == STATUS_NEEDS_REVIEW)
    return session.scalar(stmt if bank_id is None else stmt.where(Question.bank_id == bank_id))


def bank_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Bank))


def active_question_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Question).where(Question.status != STATUS_RETIRED))
