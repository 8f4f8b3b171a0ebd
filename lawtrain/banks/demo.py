"""Demo banks: every shipped question_banks/*/bank.json and */cases.json (case-analysis banks),
owned by the trainer account (idempotent). A bank numbered against a superseded revision (the 2007
突发事件应对法 one) arrives flagged for revision review.

Each current law's bank.json is split in two: a third of its questions of each type go into an exam bank
(考试题库, what the demo exams draw from) and the rest stay in the practice bank of the file's name (练习题库,
what practice and the module checks draw from). Practice shows keys after each answer; with one bank for
both, the visibility policy would (rightly) hide every question of a law with an open exam from practice.
Case-analysis banks stay practice banks."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from lawtrain.auth.models import User
from lawtrain.banks.formats.detect import parse_file
from lawtrain.banks.formats.records import ParseResult
from lawtrain.banks.importing import import_records
from lawtrain.banks.models import BankKind
from lawtrain.banks.queries import needs_review_count
from lawtrain.banks.services import build_bank, find_bank

EXAM_BANK_SUFFIX = "（考试题库）"
EXAM_SHARE = 3  # every third question of each type goes to the exam bank


def exam_bank_name(name: str) -> str:
    return f"{name}{EXAM_BANK_SUFFIX}"


def split_for_exams(result: ParseResult) -> tuple[ParseResult, ParseResult | None]:
    """(practice part, exam part) of a shipped bank; a bank for a superseded revision is not split."""
    if result.law_revision is not None:
        return result, None
    seen: dict[str, int] = {}
    practice, exam = [], []
    for record in result.records:
        n = seen[record.type] = seen.get(record.type, 0) + 1
        (exam if n % EXAM_SHARE == 0 else practice).append(record)
    return replace(result, records=practice), replace(result, records=exam)


def _import(session: Session, ctx, owner, name: str, result: ParseResult, kind: str, folder: str) -> None:
    bank = find_bank(session, name)
    if bank is None:  # a trainer's later choice of kind stands when the demo is seeded again
        bank = build_bank(session, name, owner=owner, description=result.bank_description, kind=kind, now=ctx.now)
    report = import_records(session, bank, result, actor=None, now=ctx.now)
    if report.errors:
        ctx.notes.append(f"题库 {folder} 未导入：{len(report.errors)} 个错误（{report.errors[0]}）")
    else:
        flagged = needs_review_count(session, report.bank_id)
        impact = f"；修订影响：{flagged} 题引用的条文已修改、改号或删除，待复核" if flagged else ""
        ctx.notes.append(f"题库 {name}：新增 {report.added}，更新 {report.updated}，"
                         f"未变 {report.unchanged}{impact}")


def seed_demo(session: Session, ctx) -> None:
    """Import each shipped bank into the bank named by its file (and a law bank's exam part into its exam
    bank); unchanged questions stay as they are."""
    found = ctx.banks_dir and ctx.banks_dir.is_dir()
    # Each law's questions, then its cases (a separate bank, "<law> 案例分析").
    files = sorted([*ctx.banks_dir.glob("*/bank.json"), *ctx.banks_dir.glob("*/cases.json")],
                   key=lambda p: (p.parent.name, p.name != "bank.json")) if found else []
    if not files:
        return
    owner = session.scalar(select(User).where(User.username == "trainer"))
    for path in files:
        result = parse_file(path.read_bytes(), path.name, "json")
        name = result.bank_name or path.parent.name
        practice, exam = split_for_exams(result) if path.name == "bank.json" else (result, None)
        _import(session, ctx, owner, name, practice, BankKind.PRACTICE, path.parent.name)
        if exam is not None and exam.records:
            _import(session, ctx, owner, exam_bank_name(name), exam, BankKind.EXAM, path.parent.name)
