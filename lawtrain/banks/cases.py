"""Cases (案例分析): a case question holding the case text, owning 2–6 ordered ordinary sub-questions.

A case is a Question of type "case" whose version's stem is the case text (Markdown); its version cites the
union of its sub-questions' articles (so law and article filters and revision reviews reach the case) and is
worth the sum of their points. Each sub-question is an ordinary Question with `case_id` and `position`,
versioned and cited on its own. The helpers at the top never commit (the import does); the authoring use cases
at the bottom (create_case, edit_case, add_sub_question, move_sub_question) commit once each.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lawtrain.auth import audit
from lawtrain.banks.formats.records import CASE, MAX_CASE_ITEMS, Location, Problem, QuestionRecord
from lawtrain.banks.formats.validate import validate_records
from lawtrain.banks.models import Bank, Question, QuestionStatus
from lawtrain.banks.services import (
    QuestionInvalid,
    apply_content,
    new_question,
    question_to_record,
    record_content,
    version_content,
)


def case_content(record: QuestionRecord) -> dict[str, Any]:
    """The case's own version fields: text, difficulty, tags, the sub-questions' articles and total points."""
    items = [record_content(item) for item in record.items]
    basis = list({(b["law"], b["article"]): b for c in items for b in c["basis"]}.values())
    return {
        "type": CASE,
        "stem": record.stem.strip(),
        "options": [],
        "answer": [],
        "explanation": None,
        "points": float(sum(c["points"] for c in items)),
        "difficulty": record.difficulty,
        "basis": basis,
        "tags": list(dict.fromkeys(t.strip()[:64] for t in record.tags if t and t.strip())),
    }


def active_items(case: Question) -> list[Question]:
    """A case's sub-questions on papers and in previews: the active ones, in order."""
    return [q for q in sorted(case.items, key=lambda q: q.position or 0)
            if q.status == QuestionStatus.ACTIVE and q.current_version is not None]


def case_unchanged(case: Question, record: QuestionRecord) -> bool:
    """The stored case says exactly what the record says (text, tags, every sub-question, in order)."""
    if case.current_version is None or version_content(case.current_version) != case_content(record):
        return False
    items = [q for q in sorted(case.items, key=lambda q: q.position or 0) if q.status != QuestionStatus.RETIRED]
    if len(items) != len(record.items):
        return False
    return all(q.current_version is not None and version_content(q.current_version) == record_content(r)
               and q.external_id == (r.external_id or q.external_id) for q, r in zip(items, record.items, strict=True))


def add_case(bank: Bank, record: QuestionRecord, *, actor, now: datetime) -> Question:
    """A new case with its sub-questions (added to the bank; the caller adds it to the session)."""
    case = new_question(bank, record.external_id, case_content(record), actor=actor, now=now)
    for position, item in enumerate(record.items, start=1):
        sub = new_question(bank, item.external_id, record_content(item), actor=actor, now=now)
        sub.case, sub.position = case, position
    return case


def update_case(session: Session, case: Question, record: QuestionRecord, *, actor, now: datetime) -> None:
    """Store a changed case: the text (a new version if papers hold it), sub-questions matched by 题目ID
    then by place, new ones added, the ones no longer in the case retired (papers keep what they showed)."""
    apply_content(session, case, case_content(record), actor=actor, now=now)
    old = sorted(case.items, key=lambda q: q.position or 0)
    by_external = {q.external_id: q for q in old if q.external_id}
    unmatched = [q for q in old if not q.external_id]
    kept: set[int] = set()
    for position, item in enumerate(record.items, start=1):
        target = by_external.get(item.external_id) if item.external_id else None
        if target is None and not item.external_id and unmatched:
            target = unmatched.pop(0)
        if target is None:
            target = new_question(case.bank, item.external_id, record_content(item), actor=actor, now=now)
            target.case = case
            session.add(target)
        else:
            apply_content(session, target, record_content(item), actor=actor, now=now)
            if target.status == QuestionStatus.RETIRED:
                target.status = QuestionStatus.ACTIVE
        target.position = position
        kept.add(id(target))
    for q in old:
        if id(q) not in kept and q.status != QuestionStatus.RETIRED:
            q.status, q.updated_at, q.position = QuestionStatus.RETIRED, now, None


def case_to_record(case: Question) -> QuestionRecord:
    """A case as a record (what writers and previews consume): its text and its current sub-questions."""
    record = question_to_record(case)
    record.points = None
    record.basis = []
    record.items = [question_to_record(q) for q in sorted(case.items, key=lambda q: q.position or 0)
                    if q.status != QuestionStatus.RETIRED and q.current_version is not None]
    return record


def load_cases(session: Session, ids: list[int]) -> dict[int, Question]:
    """Cases by id with their sub-questions and current versions loaded."""
    if not ids:
        return {}
    return {q.id: q for q in session.scalars(
        select(Question).where(Question.id.in_(ids))
        .options(selectinload(Question.current_version),
                 selectinload(Question.items).selectinload(Question.current_version)))}


# ------------------------------------------------------------------ authoring (use cases: each commits once)


def refresh_case(session: Session, case: Question, *, actor, now: datetime, text: str | None = None,
                  difficulty: int | None = None, tags: list[str] | None = None) -> None:
    """Store the case's own version again from its text and its current sub-questions (points, articles); no commit."""
    current = case.current_version
    items = [question_to_record(q) for q in sorted(case.items, key=lambda q: q.position or 0)
             if q.status != QuestionStatus.RETIRED and q.current_version is not None]
    record = QuestionRecord(type=CASE, stem=current.stem if text is None else text,
                            difficulty=current.difficulty if text is None else difficulty,
                            tags=list(current.tags or []) if tags is None else tags, items=items)
    apply_content(session, case, case_content(record), actor=actor, now=now)


def create_case(session: Session, bank: Bank, *, text: str, difficulty: int | None, tags: list[str],
                external_id: str | None, actor, now: datetime) -> Question:
    """A new case with its text and no sub-questions yet (it is drawn once it has two)."""
    _check_case_fields(session, bank, text, external_id, None)
    case = new_question(bank, external_id, case_content(QuestionRecord(type=CASE, stem=text, difficulty=difficulty,
                                                                       tags=tags)), actor=actor, now=now)
    session.add(case)
    session.flush()
    audit.record(session, "question.create", actor=actor, target_type="question", target_id=case.id, now=now)
    session.commit()
    return case


def edit_case(session: Session, case: Question, *, text: str, difficulty: int | None, tags: list[str],
              external_id: str | None, actor, now: datetime) -> None:
    """Save the case text, difficulty, tags and 题目ID (a new version when papers hold the current one)."""
    _check_case_fields(session, case.bank, text, external_id, case.id)
    case.external_id = external_id or case.external_id
    refresh_case(session, case, actor=actor, now=now, text=text, difficulty=difficulty, tags=tags)
    audit.record(session, "question.update", actor=actor, target_type="question", target_id=case.id, now=now)
    session.commit()


def add_sub_question(session: Session, case: Question, record: QuestionRecord, *, actor, now: datetime) -> Question:
    """Append an ordinary question to the case (2–6 in all); raises QuestionInvalid with every problem."""
    live = [q for q in case.items if q.status != QuestionStatus.RETIRED]
    if len(live) >= MAX_CASE_ITEMS:
        raise QuestionInvalid([Problem(Location(column="小题"), f"一个案例最多 {MAX_CASE_ITEMS} 道小题")])
    problems = validate_records([record])
    if record.type == CASE:
        problems.append(Problem(Location(column="题型"), "案例的小题不能再是案例分析题"))
    if any(p.severity == "error" for p in problems):
        raise QuestionInvalid(problems)
    if record.external_id and session.scalar(select(Question.id).where(
            Question.bank_id == case.bank_id, Question.external_id == record.external_id)):
        raise QuestionInvalid([Problem(Location(column="题目ID"), f"题目ID“{record.external_id}”已被本题库使用")])
    sub = new_question(case.bank, record.external_id, record_content(record), actor=actor, now=now)
    sub.case, sub.position = case, max([q.position or 0 for q in case.items] + [0]) + 1
    session.add(sub)
    session.flush()
    refresh_case(session, case, actor=actor, now=now)
    audit.record(session, "question.create", actor=actor, target_type="question", target_id=sub.id, now=now,
                 case=case.id)
    session.commit()
    return sub


def move_sub_question(session: Session, case: Question, sub_id: int, step: int, *, actor, now: datetime) -> bool:
    """Move a sub-question one place up (step -1) or down (+1); False when it is already at that end."""
    items = sorted([q for q in case.items if q.status != QuestionStatus.RETIRED], key=lambda q: q.position or 0)
    index = next((i for i, q in enumerate(items) if q.id == sub_id), None)
    if index is None or not 0 <= index + step < len(items):
        return False
    items[index], items[index + step] = items[index + step], items[index]
    for position, q in enumerate(items, start=1):
        q.position, q.updated_at = position, now
    case.updated_at = now
    audit.record(session, "case.reorder", actor=actor, target_type="question", target_id=case.id, now=now)
    session.commit()
    return True


def _check_case_fields(session: Session, bank: Bank, text: str, external_id: str | None, case_id: int | None) -> None:
    problems = []
    if not (text or "").strip():
        problems.append(Problem(Location(column="案情"), "请填写案情"))
    if external_id and session.scalar(select(Question.id).where(
            Question.bank_id == bank.id, Question.external_id == external_id, Question.id != (case_id or 0))):
        problems.append(Problem(Location(column="题目ID"), f"题目ID“{external_id}”已被本题库使用"))
    if problems:
        raise QuestionInvalid(problems)
