"""Importing a bank file: plan what each record would do (add, update, unchanged, skip) with every problem,
then store all of it or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lawtrain.auth import audit
from lawtrain.banks.cases import add_case, case_unchanged, update_case
from lawtrain.banks.formats.records import Location, ParseResult, Problem, QuestionRecord, SortsProblems
from lawtrain.banks.formats.validate import validate_records
from lawtrain.banks.models import Bank, Question
from lawtrain.banks.services import (
    apply_content,
    article_warnings,
    bank_questions,
    current_articles,
    duplicate_key,
    flag_older_numbering,
    new_question,
    record_content,
    version_content,
)
from lawtrain.courses.models import Law


@dataclass
class ImportItem:
    """One record and what the import does with it: add, update, unchanged or skip (duplicate)."""

    record: QuestionRecord
    action: str = "add"
    problems: list[Problem] = field(default_factory=list)
    question_id: int | None = None

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


@dataclass
class ImportReport(SortsProblems):
    items: list[ImportItem] = field(default_factory=list)
    general: list[Problem] = field(default_factory=list)  # problems not tied to one question
    notes: list[str] = field(default_factory=list)  # how the file was read (e.g. which rule split options)
    stored: bool = False
    bank_id: int | None = None

    @property
    def problems(self) -> list[Problem]:
        return self.general + [p for item in self.items for p in item.problems]

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)

    @property
    def added(self) -> int:
        return self.count("add")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def skipped(self) -> int:
        return self.count("skip")

    def summary(self) -> dict[str, int]:
        return {"total": len(self.items), "added": self.added, "updated": self.updated,
                "unchanged": self.unchanged, "skipped": self.skipped,
                "errors": len(self.errors), "warnings": len(self.warnings)}


def _location_key(loc: Location) -> tuple | None:
    key = (loc.file or "", loc.sheet, loc.row, loc.line, getattr(loc, "index", None))
    return None if key[2:] == (None, None, None) else key


def _main_law(records: list[QuestionRecord]) -> str | None:
    counts: dict[str, int] = {}
    for r in records:
        for c in [c for sub in (r, *r.items) for c in sub.basis]:
            counts[c.law] = counts.get(c.law, 0) + 1
    return max(counts, key=counts.get) if counts else None


def plan_import(session: Session, bank: Bank, parse_result: ParseResult) -> ImportReport:
    """What importing the records would do, question by question, and every problem (reads only)."""
    records = parse_result.records
    report = ImportReport(items=[ImportItem(r) for r in records], bank_id=bank.id, notes=list(parse_result.notes))
    by_location: dict[tuple, ImportItem] = {}
    for item in report.items:
        key = _location_key(item.record.location)
        if key is not None:
            by_location.setdefault(key, item)
    for problem in list(parse_result.problems) + validate_records(records):
        item = by_location.get(_location_key(problem.location))
        (item.problems if item else report.general).append(problem)

    existing = bank_questions(session, bank)
    by_external = {q.external_id: q for q in existing if q.external_id}
    by_key = {duplicate_key(q.current_version.stem, q.current_version.options): q
              for q in existing if q.current_version is not None and q.case_id is None}
    articles = current_articles(session, {c.law for r in records for s in (r, *r.items) for c in s.basis})
    for item in report.items:
        record = item.record
        for sub in (record, *record.items):
            item.problems.extend(article_warnings(sub, articles))
        target = by_external.get(record.external_id) if record.external_id else None
        if target is not None and (target.type == "case") != record.is_case:
            item.problems.append(Problem(replace(record.location, column=record.location.column or "题目ID"),
                                         f"题目ID“{record.external_id}”在题库中已用于"
                                         f"{'案例分析题' if target.type == 'case' else '另一道题（非案例）'}"
                                         "，不能改变题型"))
            continue
        if target is not None:
            item.question_id = target.id
            current = target.current_version
            if record.is_case:
                same = case_unchanged(target, record)
            else:
                same = current is not None and version_content(current) == record_content(record)
            item.action = "unchanged" if same else "update"
            continue
        twin = by_key.get(duplicate_key(record.stem, record.options))
        if twin is not None:
            item.action, item.question_id = "skip", twin.id
            item.problems.append(Problem(replace(record.location, column=record.location.column or "题干"),
                                         f"与题库中已有题目重复（题目 #{twin.id}），将跳过", "warning"))
    return report


def _store_import(session: Session, bank: Bank, report: ImportReport, parse_result: ParseResult, *, actor,
                  now: datetime) -> None:
    """Store a planned import without errors: the bank if new, every added and updated question (flagged when
    the file declares an older revision of its law than the current one), the audit."""
    if bank.id is None:
        session.add(bank)
    if not bank.law_name:
        bank.law_name = _main_law([item.record for item in report.items])
    if bank.law_id is None and bank.law_name:
        bank.law_id = session.scalar(select(Law.id).where(Law.short_name == bank.law_name))
    getattr(actor, "id", None)  # load an expired actor now, not halfway through building questions
    touched: list[Question] = []
    with session.no_autoflush:
        for item in report.items:
            if item.record.is_case:
                if item.action == "update":
                    touched.append(session.get(Question, item.question_id))
                    update_case(session, touched[-1], item.record, actor=actor, now=now)
                elif item.action == "add":
                    touched.append(add_case(bank, item.record, actor=actor, now=now))
                    session.add(touched[-1])
                    touched.extend(touched[-1].items)
                continue
            content = record_content(item.record)
            if item.action == "update":
                touched.append(session.get(Question, item.question_id))
                apply_content(session, touched[-1], content, actor=actor, now=now)
            elif item.action == "add":
                touched.append(new_question(bank, item.record.external_id, content, actor=actor, now=now))
                session.add(touched[-1])
    session.flush()
    if parse_result.law_name and parse_result.law_revision:
        flag_older_numbering(session, touched, parse_result.law_name, parse_result.law_revision, now)
    report.stored, report.bank_id = True, bank.id
    if report.added or report.updated:
        audit.record(session, "bank.import", actor=actor, target_type="bank", target_id=bank.id, now=now,
                     **{k: v for k, v in report.summary().items() if k != "errors"})


def import_records(session: Session, bank: Bank, parse_result: ParseResult, *, actor, now: datetime,
                   dry_run: bool = False) -> ImportReport:
    """Validate records against the file and the bank; store all of them, or nothing if any error.

    `bank` may be new (not yet added to the session): it is added only when the import is stored.
    """
    report = plan_import(session, bank, parse_result)
    if report.errors or dry_run:
        return report
    _store_import(session, bank, report, parse_result, actor=actor, now=now)
    session.commit()
    return report
