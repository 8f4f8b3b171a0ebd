"""Revision impact on a bank: which flagged questions cite articles a law's current revision changed,
renumbered or removed, the old and new text side by side with a proposed new article, and re-citing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lawtrain.auth import audit
from lawtrain.banks.models import Bank, Question, QuestionStatus
from lawtrain.banks.services import BankError, QuestionSaved, apply_content, version_content
from lawtrain.courses.lawtext import containment, propose_article
from lawtrain.courses.models import Article, Law, LawRevision, RevisionChange
from lawtrain.courses.numerals import article_label


@dataclass(frozen=True)
class StaleCitation:
    """One citation of a flagged question, read against the law's current revision."""

    law: str
    old_number: int
    kind: str  # changed | renumbered | removed (RevisionChange.kind)
    old_text: str
    revision_date: str  # the current revision, YYYY-MM-DD
    law_id: int = 0
    revision_id: int = 0
    old_revision_id: int | None = None  # the revision before the current one, where old_number lives
    proposed: int | None = None  # article of the current revision that carries the provision
    proposed_text: str = ""
    score: float | None = None  # share of the old text found in the proposed article (0–1)

    @property
    def old_label(self) -> str:
        return article_label(self.old_number)

    @property
    def proposed_label(self) -> str:
        return article_label(self.proposed) if self.proposed else ""


@dataclass
class ImpactItem:
    question: Question
    citations: list[StaleCitation] = field(default_factory=list)


@dataclass
class _LawState:
    revision: LawRevision
    articles: dict[int, str]
    changes: dict[int, RevisionChange]
    previous_id: int | None


def _law_state(session: Session, law_name: str, cache: dict[str, _LawState | None]) -> _LawState | None:
    if law_name not in cache:
        revision = session.scalar(select(LawRevision).join(Law).where(
            Law.short_name == law_name, LawRevision.is_current.is_(True)))
        cache[law_name] = None if revision is None else _LawState(
            revision,
            dict(session.execute(select(Article.number, Article.text).where(Article.revision_id == revision.id)).all()),
            {c.old_number: c for c in session.scalars(select(RevisionChange).where(
                RevisionChange.revision_id == revision.id, RevisionChange.old_number.is_not(None)))},
            max(((r.revision_date, r.id) for r in revision.law.revisions if r.revision_date < revision.revision_date),
                default=(None, None))[1])
    return cache[law_name]


def _stale(state: _LawState, law: str, number: int) -> StaleCitation | None:
    change = state.changes.get(number)
    if change is None or change.kind == "added":
        return None
    proposed, score = change.new_number, None
    if proposed is None:
        proposed, score = propose_article(change.old_text or "", state.articles) or (None, None)
    elif change.old_text:
        score = round(containment(change.old_text, state.articles.get(proposed, "")), 2)
    return StaleCitation(law=law, old_number=number, kind=change.kind, old_text=change.old_text or "",
                         revision_date=state.revision.revision_date.isoformat(), law_id=state.revision.law_id,
                         revision_id=state.revision.id, old_revision_id=state.previous_id, proposed=proposed,
                         proposed_text=state.articles.get(proposed, "") if proposed else "", score=score)


def flagged_select(bank_id: int):
    """The bank's questions waiting for review, oldest first."""
    return (select(Question).where(Question.bank_id == bank_id, Question.status == QuestionStatus.NEEDS_REVIEW)
            .options(selectinload(Question.current_version), selectinload(Question.citations))
            .order_by(Question.id))


def revision_impact(session: Session, bank: Bank) -> list[ImpactItem]:
    """Each flagged question of the bank with its citations that the current revisions made stale."""
    cache: dict[str, _LawState | None] = {}
    items = []
    for question in session.scalars(flagged_select(bank.id)):
        item = ImpactItem(question)
        for row in sorted(question.citations, key=lambda c: (c.law_name, c.article_no)):
            state = _law_state(session, row.law_name, cache)
            stale = _stale(state, row.law_name, row.article_no) if state else None
            if stale is not None:
                item.citations.append(stale)
        items.append(item)
    return items


def recite_question(session: Session, question: Question, mapping: dict[tuple[str, int], int], *, actor,
                    now: datetime) -> QuestionSaved:
    """Point the question's citations at articles of the current revision ({(law, old): new}), as a new
    version (so the history shows the change), and clear its review flag."""
    if question.status != QuestionStatus.NEEDS_REVIEW:
        raise BankError(f"题目 #{question.id} 不在待复核状态，无需改引")
    cache: dict[str, _LawState | None] = {}
    for (law, _old), new in mapping.items():
        state = _law_state(session, law, cache)
        if state is None or new not in state.articles:
            raise BankError(f"《{law}》现行文本中没有{article_label(new)}，请核对条号")
    content = version_content(question.current_version)
    cited = {(b["law"], b["article"]) for b in content["basis"]}
    if not set(mapping) <= cited:
        raise BankError(f"题目 #{question.id} 没有引用这些条文，请刷新页面后重试")
    basis, seen = [], set()
    for b in content["basis"]:
        key = (b["law"], mapping.get((b["law"], b["article"]), b["article"]))
        if key not in seen:
            seen.add(key)
            basis.append({"law": key[0], "article": key[1]})
    saved = apply_content(session, question, {**content, "basis": basis}, actor=actor, now=now, keep_history=True)
    question.status, question.review_reason, question.updated_at = QuestionStatus.ACTIVE, None, now
    audit.record(session, "question.recite", actor=actor, target_type="question", target_id=question.id, now=now,
                 citations={f"{law} {old}": new for (law, old), new in mapping.items()})
    session.commit()
    return saved
