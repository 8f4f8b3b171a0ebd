"""Read-side queries of the banks area: bank summaries, question search, the review queue."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from lawtrain.banks.formats.records import DEFAULT_DIFFICULTY
from lawtrain.banks.models import (
    CASE,
    QUESTION_TYPES,
    Bank,
    Question,
    QuestionCitation,
    QuestionStatus,
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


def citing(law: str | None = None, articles: Sequence[int] = ()) -> Select:
    """Ids of questions citing the law (any law when None) and, when given, one of the articles."""
    cited = select(QuestionCitation.question_id)
    if law:
        cited = cited.where(QuestionCitation.law_name == law)
    if articles:
        cited = cited.where(QuestionCitation.article_no.in_(list(articles)))
    return cited


def pool_conditions(*, type: str | None = None, bank_ids: Sequence[int] = (), bank_names: Sequence[str] = (),
                    law: str | None = None, articles: Sequence[int] = (), tags: Sequence[str] = (),
                    difficulty_min: int | None = None, difficulty_max: int | None = None,
                    sub_questions: bool = False, bank_kind: str | None = None,
                    active_only: bool = True) -> list:
    """The one question-pool filter that exam rules, practice sets and module checks share: active questions
    of the banks, citing the law's articles (a law alone also takes in the questions of its own banks), with
    one of the tags, within the difficulty range (unrated counts as the default difficulty); with `bank_kind`,
    of banks of that kind only (practice and module checks: 练习题库).

    Cases: type "case" pools whole cases. Any other pool holds no case; a case's sub-questions join it only
    with `sub_questions` (practice and module checks, which show each with its case) — an exam rule draws a
    case whole or not at all."""
    conds = [Question.status == QuestionStatus.ACTIVE] if active_only else []
    if bank_kind:
        conds.append(Question.bank_id.in_(select(Bank.id).where(Bank.kind == bank_kind)))
    if type:
        conds.append(Question.type == type)
    if type != CASE:
        conds.append(Question.type != CASE)
    if not sub_questions or type == CASE:
        conds.append(Question.case_id.is_(None))
    if bank_ids:
        conds.append(Question.bank_id.in_(list(bank_ids)))
    if bank_names:
        conds.append(Question.bank_id.in_(select(Bank.id).where(Bank.name.in_(list(bank_names)))))
    if law and not articles:
        conds.append(or_(Question.id.in_(citing(law)),
                         Question.bank_id.in_(select(Bank.id).where(Bank.law_name == law))))
    elif law or articles:
        conds.append(Question.id.in_(citing(law, articles)))
    if tags:
        conds.append(Question.id.in_(select(QuestionTag.question_id).where(QuestionTag.tag.in_(list(tags)))))
    rated = func.coalesce(Question.difficulty, DEFAULT_DIFFICULTY)
    if difficulty_min is not None:
        conds.append(rated >= difficulty_min)
    if difficulty_max is not None:
        conds.append(rated <= difficulty_max)
    return conds


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
    if filters.article is not None or filters.law:  # here a law means the questions citing it
        stmt = stmt.where(Question.id.in_(citing(filters.law or None,
                                                 [filters.article] if filters.article is not None else ())))
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
        if status == QuestionStatus.RETIRED:
            s["retired"] += n
            continue
        if status == QuestionStatus.NEEDS_REVIEW:
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
    return (select(Question).where(Question.status == QuestionStatus.NEEDS_REVIEW)
            .order_by(Question.updated_at.asc(), Question.id.asc()))


def needs_review_count(session: Session, bank_id: int | None = None) -> int:
    """Questions flagged by law revisions, in one bank or in all."""
    stmt = select(func.count()).select_from(Question).where(Question.status == QuestionStatus.NEEDS_REVIEW)
    return session.scalar(stmt if bank_id is None else stmt.where(Question.bank_id == bank_id))


def bank_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Bank))


def active_question_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Question).where(Question.status != QuestionStatus.RETIRED))
