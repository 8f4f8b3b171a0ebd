"""Bank use cases: import (validate + store, all or nothing), authoring, retiring, review, export.

Questions are versioned: content lives in QuestionVersion rows. A change to a version that an
exam paper holds (as the receivers of signals.version_usage report) adds a version; otherwise the
current version is edited in place. Papers keep the version they were drawn with, except after a
key correction (see `is_key_correction`), which they follow so that they can be regraded.
Question.type/difficulty and the citation and tag rows always mirror the current version.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lawtrain import signals
from lawtrain.auth import audit
from lawtrain.banks.formats.detect import write_file
from lawtrain.banks.formats.records import Citation, Location, Problem, QuestionRecord
from lawtrain.banks.formats.validate import validate_records
from lawtrain.banks.models import (
    Bank,
    BankKind,
    Question,
    QuestionCitation,
    QuestionStatus,
    QuestionTag,
    QuestionVersion,
)
from lawtrain.courses.models import Article, Law, LawRevision

DEFAULT_POINTS = 1.0

class BankError(Exception):
    """A bank rule was broken; the message is for people."""


class QuestionInvalid(BankError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("；".join(p.message for p in problems if p.severity == "error"))


# ------------------------------------------------------------------ conversions


def _norm(text: str) -> str:
    """Compare texts the way people read them: width-folded, case-folded, whitespace ignored."""
    return "".join(unicodedata.normalize("NFKC", text or "").split()).casefold()


def duplicate_key(stem: str, options: Iterable[str]) -> tuple[str, tuple[str, ...]]:
    """Normalised stem + options: two questions with the same key are duplicates."""
    return _norm(stem), tuple(_norm(o) for o in options)


def record_content(record: QuestionRecord) -> dict[str, Any]:
    """The version fields a record describes (what is stored and compared)."""
    basis, seen = [], set()
    for c in record.basis:
        key = (c.law.strip(), int(c.article))
        if key not in seen:
            seen.add(key)
            basis.append({"law": key[0], "article": key[1]})
    tags = list(dict.fromkeys(t.strip()[:64] for t in record.tags if t and t.strip()))
    return {
        "type": record.type,
        "stem": record.stem.strip(),
        "options": [o.strip() for o in record.options],
        "answer": list(record.answer),
        "explanation": (record.explanation or "").strip() or None,
        "points": float(record.points) if record.points is not None else DEFAULT_POINTS,
        "difficulty": record.difficulty,
        "basis": basis,
        "tags": tags,
    }


def version_content(version: QuestionVersion) -> dict[str, Any]:
    return {
        "type": version.type,
        "stem": version.stem,
        "options": list(version.options or []),
        "answer": list(version.answer or []),
        "explanation": version.explanation or None,
        "points": float(version.points),
        "difficulty": version.difficulty,
        "basis": [{"law": b["law"], "article": int(b["article"])} for b in version.basis or []],
        "tags": list(version.tags or []),
    }


@dataclass(frozen=True)
class VersionEntry:
    version: QuestionVersion
    changed: list[str]  # version_content keys that differ from the version before; [] for the first
    in_use: bool  # on at least one exam paper (so it can never change again)


def version_history(session: Session, question: Question) -> list[VersionEntry]:
    """Every version of a question, newest first, each with what changed since the one before."""
    versions = sorted(question.versions, key=lambda v: v.version_no)
    entries, previous = [], None
    for version in versions:
        content = version_content(version)
        changed = [] if previous is None else [k for k in content if content[k] != previous[k]]
        entries.append(VersionEntry(version, changed, version_in_use(session, version.id)))
        previous = content
    return entries[::-1]


def record_from_version(version: QuestionVersion, external_id: str | None = None) -> QuestionRecord:
    """A plain record of one stored version (what writers and previews consume)."""
    return QuestionRecord(
        type=version.type,
        stem=version.stem,
        options=list(version.options or []),
        answer=[list(a) if isinstance(a, list) else a for a in version.answer or []],
        explanation=version.explanation or "",
        points=float(version.points),
        difficulty=version.difficulty,
        basis=[Citation(b["law"], int(b["article"])) for b in version.basis or []],
        tags=list(version.tags or []),
        external_id=external_id,
    )


def question_to_record(question: Question) -> QuestionRecord:
    """The question's current version as a record, keeping its external ID."""
    return record_from_version(question.current_version, question.external_id)


# ------------------------------------------------------------------ versioning


def version_in_use(session: Session, version_id: int) -> bool:
    """Is this version on an exam paper (shown, or drawn in advance)? Asks the exams area through
    signals.version_usage; with nobody to answer, the version counts as used (a new version is the safe side)."""
    if not signals.version_usage.receivers:
        return True
    return any(signals.ask(signals.version_usage, session=session, version_id=version_id))


def is_key_correction(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Is `new` (version content) the old question with only its key corrected?

    Only then may papers drawn with the old version follow the new one: the person saw exactly this
    type, stem and options (the option permutation and the number of blanks stay valid), so regrading
    them on the new key is fair. Any other change of a used question leaves papers on the version they
    showed (issue: "attempts keep the version they showed"); the trainer voids the question instead."""
    shown = ("type", "stem", "options")
    if old["answer"] == new["answer"] or any(old[k] != new[k] for k in shown):
        return False
    return old["type"] != "fill_blank" or len(old["answer"]) == len(new["answer"])


def _notify_key_corrected(session, question_id, old_version_id, new_version_id, actor, now) -> list[int]:
    """Papers holding old_version_id follow the key correction (signals.answer_key_corrected); returns the ids
    of the audit entries the receivers recorded."""
    results = signals.ask(signals.answer_key_corrected, session=session, question_id=question_id,
                          old_version_id=old_version_id, new_version_id=new_version_id, actor=actor, now=now)
    return [r for r in results if r is not None]


def _sync_denormalised(question: Question, content: dict[str, Any]) -> None:
    """Mirror the current version onto the question row and its citation/tag rows (diff, not rebuild)."""
    question.type = content["type"]
    question.difficulty = content["difficulty"]
    wanted = {(b["law"][:64], b["article"]) for b in content["basis"]}
    for row in list(question.citations):
        if (row.law_name, row.article_no) not in wanted:
            question.citations.remove(row)
    have = {(row.law_name, row.article_no) for row in question.citations}
    for law, article in sorted(wanted - have):
        question.citations.append(QuestionCitation(law_name=law, article_no=article))
    tags = set(content["tags"])
    for row in list(question.tag_rows):
        if row.tag not in tags:
            question.tag_rows.remove(row)
    have_tags = {row.tag for row in question.tag_rows}
    for tag in [t for t in content["tags"] if t not in have_tags]:
        question.tag_rows.append(QuestionTag(tag=tag))


@dataclass(frozen=True)
class QuestionSaved:
    """What saving a question did, so the trainer can be told plainly what happened to exam papers."""

    changed: bool
    version_no: int | None = None
    new_version: bool = False  # the old version is on exam papers, so it was kept and a new one added
    papers_follow: bool = False  # a key correction: those papers now use the new version and were regraded
    regrade_event_ids: list[int] = field(default_factory=list)  # audit entries listing the regrade

    @property
    def papers_kept_old_version(self) -> bool:
        return self.new_version and not self.papers_follow


def apply_content(session: Session, question: Question, content: dict[str, Any], *, actor, now,
                  keep_history: bool = False) -> QuestionSaved:
    """Store content as the question's current version (a new one if papers hold the current one, or when
    `keep_history` asks for the change to stay visible in the version history)."""
    current = question.current_version
    if current is not None and version_content(current) == content:
        return QuestionSaved(False, current.version_no)
    old_content = version_content(current) if current is not None else None
    old_id = current.id if current is not None else None
    in_use = old_id is not None and version_in_use(session, old_id)
    if current is None or in_use or keep_history:
        version = QuestionVersion(
            question=question, version_no=(current.version_no + 1) if current else 1,
            created_at=now, created_by_id=getattr(actor, "id", None), **content,
        )
        session.add(version)
        question.current_version = version
    else:
        for key, value in content.items():
            setattr(current, key, value)
    _sync_denormalised(question, content)
    question.updated_at = now
    follow = in_use and is_key_correction(old_content, content)
    events: list[int] = []
    if follow:
        session.flush()
        events = _notify_key_corrected(session, question.id, old_id, question.current_version.id, actor, now)
    return QuestionSaved(True, question.current_version.version_no, in_use, follow, events)


def new_question(bank: Bank, external_id: str | None, content: dict[str, Any], *, actor, now) -> Question:
    actor_id = getattr(actor, "id", None)  # before the question exists: loading it may autoflush
    question = Question(bank=bank, external_id=external_id, status=QuestionStatus.ACTIVE, type=content["type"],
                        difficulty=content["difficulty"], created_at=now, updated_at=now)
    version = QuestionVersion(question=question, version_no=1, created_at=now, created_by_id=actor_id, **content)
    question.current_version = version
    _sync_denormalised(question, content)
    return question


# ------------------------------------------------------------------ what a bank holds


def current_articles(session: Session, law_names: Iterable[str]) -> dict[str, set[int]]:
    """Article numbers of each named law's current revision (laws not imported are absent)."""
    names = {n for n in law_names if n}
    if not names:
        return {}
    rows = session.execute(
        select(Law.short_name, Law.name, Article.number)
        .join(LawRevision, LawRevision.law_id == Law.id)
        .join(Article, Article.revision_id == LawRevision.id)
        .where(LawRevision.is_current.is_(True), (Law.short_name.in_(names)) | (Law.name.in_(names)))
    )
    found: dict[str, set[int]] = {}
    for short, full, number in rows:
        for name in (short, full):
            if name in names:
                found.setdefault(name, set()).add(number)
    return found


def article_warnings(record: QuestionRecord, articles: dict[str, set[int]]) -> list[Problem]:
    out = []
    for c in record.basis:
        known = articles.get(c.law)
        if known is not None and c.article not in known:
            out.append(Problem(replace(record.location, column=record.location.column or "法律依据"),
                               f"法律依据“{c.law} 第{c.article}条”在现行法律文本中不存在",
                               "warning"))
    return out


def bank_questions(session: Session, bank: Bank) -> list[Question]:
    if bank.id is None:
        return []
    return list(session.scalars(
        select(Question).where(Question.bank_id == bank.id)
        .options(selectinload(Question.current_version), selectinload(Question.citations),
                 selectinload(Question.tag_rows))
    ))


# ------------------------------------------------------------------ banks


def find_bank(session: Session, name: str) -> Bank | None:
    return session.scalar(select(Bank).where(Bank.name == name.strip()))


def build_bank(session: Session, name: str, *, owner, description: str | None = None,
               law_name: str | None = None, kind: str = BankKind.PRACTICE, now: datetime) -> Bank:
    """A new, not yet stored bank (import_records adds it when the import is stored)."""
    name = (name or "").strip()
    if not name:
        raise BankError("请填写题库名称")
    if len(name) > 128:
        raise BankError("题库名称不能超过 128 个字")
    if find_bank(session, name) is not None:
        raise BankError(f"题库“{name}”已存在")
    if kind not in tuple(BankKind):
        raise BankError("题库类型无效")
    return Bank(name=name, description=description, law_name=law_name, owner_id=getattr(owner, "id", None),
                kind=kind, created_at=now)


def set_bank_kind(session: Session, bank: Bank, kind: str, *, actor, now: datetime) -> bool:
    """Make a bank a practice bank (练习题库) or an exam bank (考试题库); returns whether it changed."""
    if kind not in tuple(BankKind):
        raise BankError("题库类型无效")
    if bank.kind == kind:
        return False
    bank.kind = kind
    audit.record(session, "bank.kind", actor=actor, target_type="bank", target_id=bank.id, now=now, kind=kind)
    session.commit()
    return True


# ------------------------------------------------------------------ authoring


def _check_record(session: Session, record: QuestionRecord) -> list[Problem]:
    problems = validate_records([record])
    if any(p.severity == "error" for p in problems):
        raise QuestionInvalid(problems)
    return problems + article_warnings(record, current_articles(session, {c.law for c in record.basis}))


def _ensure_not_duplicate(session: Session, bank: Bank, record: QuestionRecord, exclude_id: int | None) -> None:
    key = duplicate_key(record.stem, record.options)
    for q in bank_questions(session, bank):
        if q.id != exclude_id and q.current_version is not None and \
                duplicate_key(q.current_version.stem, q.current_version.options) == key:
            raise QuestionInvalid([Problem(Location(column="题干"),
                                           f"与题库中已有题目重复（题目 #{q.id}）")])


def create_question(session: Session, bank: Bank, record: QuestionRecord, *, actor, now: datetime) -> Question:
    """Add one question to a bank; raises QuestionInvalid with every problem."""
    _check_record(session, record)
    _ensure_not_duplicate(session, bank, record, None)
    if record.external_id and session.scalar(
            select(Question.id).where(Question.bank_id == bank.id, Question.external_id == record.external_id)):
        raise QuestionInvalid([Problem(Location(column="题目ID"),
                                       f"题目ID“{record.external_id}”已被本题库使用")])
    question = new_question(bank, record.external_id or None, record_content(record), actor=actor, now=now)
    session.add(question)
    session.flush()
    audit.record(session, "question.create", actor=actor, target_type="question", target_id=question.id, now=now)
    session.commit()
    return question


def update_question(session: Session, question: Question, record: QuestionRecord, *, actor,
                    now: datetime) -> QuestionSaved:
    """Save new content (a new version if the current one is on exam papers) and say what papers did."""
    _check_record(session, record)
    _ensure_not_duplicate(session, question.bank, record, question.id)
    if record.external_id and record.external_id != question.external_id:
        if session.scalar(select(Question.id).where(Question.bank_id == question.bank_id,
                                                    Question.external_id == record.external_id)):
            raise QuestionInvalid([Problem(Location(column="题目ID"),
                                           f"题目ID“{record.external_id}”已被本题库使用")])
        question.external_id = record.external_id
    saved = apply_content(session, question, record_content(record), actor=actor, now=now)
    if saved.changed and question.case is not None:  # the case is worth its sub-questions and cites their articles
        from lawtrain.banks.cases import refresh_case

        refresh_case(session, question.case, actor=actor, now=now)
    if saved.changed:
        audit.record(session, "question.update", actor=actor, target_type="question", target_id=question.id,
                     now=now, version=saved.version_no, papers_follow=saved.papers_follow)
    session.commit()
    return saved


def retire_questions(session: Session, bank: Bank, ids: Iterable[int], *, actor, now: datetime) -> int:
    """Retire the given questions of this bank (others are ignored); returns how many changed."""
    ids = {int(i) for i in ids}
    if not ids:
        return 0
    questions = session.scalars(select(Question).where(
        Question.bank_id == bank.id, Question.id.in_(ids), Question.status != QuestionStatus.RETIRED))
    count = 0
    for q in questions:
        q.status, q.updated_at = QuestionStatus.RETIRED, now
        count += 1
    if count:
        audit.record(session, "question.retire", actor=actor, target_type="bank", target_id=bank.id, now=now,
                     count=count)
    session.commit()
    return count


def withdraw_question(session: Session, question: Question, *, actor, now: datetime, reason: str = "") -> None:
    """Retire a faulty question with the reason (never commits: the exams area's void_question takes it out of
    every paper's scoring and commits)."""
    question.status, question.updated_at = QuestionStatus.RETIRED, now
    question.review_reason = reason or question.review_reason
    audit.record(session, "question.void", actor=actor, target_type="question", target_id=question.id, now=now,
                 reason=reason)


def mark_reviewed(session: Session, ids: Iterable[int], *, actor, now: datetime) -> int:
    """Clear the needs-review flag of these questions (they return to active)."""
    ids = {int(i) for i in ids}
    flagged = select(Question).where(Question.id.in_(ids), Question.status == QuestionStatus.NEEDS_REVIEW)
    questions = list(session.scalars(flagged)) if ids else []
    for q in questions:
        q.status, q.review_reason, q.updated_at = QuestionStatus.ACTIVE, None, now
    if questions:
        audit.record(session, "question.reviewed", actor=actor, target_type="question",
                     target_id=",".join(str(q.id) for q in questions)[:64], now=now, count=len(questions))
    session.commit()
    return len(questions)


# ------------------------------------------------------------------ law revisions


def flag_questions_for_revision(_sender, *, session: Session, law_name: str, articles: set[int], reason: str,
                                now: datetime) -> int:
    """Receiver of signals.law_revised: mark active questions citing the affected articles as needing review.

    Runs inside the caller's transaction (the courses service commits)."""
    if not articles:
        return 0
    questions = session.scalars(
        select(Question).where(
            Question.status == QuestionStatus.ACTIVE,
            Question.id.in_(select(QuestionCitation.question_id).where(
                QuestionCitation.law_name == law_name, QuestionCitation.article_no.in_(sorted(articles)))),
        )
    ).all()
    for q in questions:
        q.status, q.review_reason, q.updated_at = QuestionStatus.NEEDS_REVIEW, reason, now
    return len(questions)


def flag_older_numbering(session: Session, questions: list[Question], law_name: str, revision_date,
                         now: datetime) -> int:
    """Questions numbered against an older revision of `law_name` than the current one: flag those citing an
    article the current revision changed, removed or renumbered (all their citations of the law when the bank
    is more than one revision behind). Runs inside the caller's transaction."""
    revisions = sorted(session.scalars(select(LawRevision).join(Law).where(Law.short_name == law_name)),
                       key=lambda r: r.revision_date)
    current = next((r for r in revisions if r.is_current), None)
    if current is None or current.revision_date <= revision_date:
        return 0
    previous = [r for r in revisions if r.revision_date < current.revision_date]
    one_behind = bool(previous) and previous[-1].revision_date == revision_date
    affected = {c.old_number for c in current.changes if c.kind != "added"} if one_behind else None
    reason = (f"本题按《{law_name}》{revision_date.isoformat()} 版本的条号编写；"
              f"{current.revision_date.isoformat()} 修订后，所引条文已修改、删除或改号")
    count = 0
    for q in questions:
        cited = {c.article_no for c in q.citations if c.law_name == law_name}
        if q.status == QuestionStatus.ACTIVE and cited and (affected is None or cited & affected):
            q.status, q.review_reason, q.updated_at = QuestionStatus.NEEDS_REVIEW, reason, now
            count += 1
    return count


# ------------------------------------------------------------------ export


@dataclass(frozen=True)
class QuestionFilters:
    """What a question list or export is narrowed to (all optional)."""

    q: str = ""
    type: str = ""
    difficulty: int | None = None
    article: int | None = None
    law: str = ""
    tag: str = ""
    status: str = ""


def export_bank(session: Session, bank: Bank, fmt: str, filters: QuestionFilters | None = None) -> bytes:
    """The bank (or the filtered questions) written in one of the writable formats."""
    from lawtrain.banks.cases import case_to_record
    from lawtrain.banks.queries import question_select

    stmt = question_select(bank.id, filters or QuestionFilters(), sort="id").where(Question.case_id.is_(None)).options(
        selectinload(Question.current_version), selectinload(Question.items).selectinload(Question.current_version))
    records = [case_to_record(q) if q.is_case else question_to_record(q)
               for q in session.scalars(stmt) if q.current_version is not None]
    return write_file(fmt, records, bank_name=bank.name, bank_description=bank.description or "")
