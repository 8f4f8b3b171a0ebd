"""Demo banks: every shipped question_banks/*/bank.json and */cases.json (case-analysis banks),
owned by the trainer account (idempotent). A bank numbered against a superseded revision (the 2007
突发事件应对法 one) arrives flagged for revision review."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lawtrain.auth.models import User
from lawtrain.banks.formats.detect import parse_file
from lawtrain.banks.importing import import_records
from lawtrain.banks.queries import needs_review_count
from lawtrain.banks.services import build_bank, find_bank


def seed_demo(session: Session, ctx) -> None:
    """Import each shipped bank into the bank named by its file; unchanged questions stay as they are."""
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
        bank = find_bank(session, name) or build_bank(session, name, owner=owner,
                                                        description=result.bank_description, now=ctx.now)
        report = import_records(session, bank, result, actor=None, now=ctx.now)
        if report.errors:
            ctx.notes.append(f"题库 {path.parent.name} 未导入：{len(report.errors)} 个错误（{report.errors[0]}）")
        else:
            flagged = needs_review_count(session, report.bank_id)
            impact = f"；修订影响：{flagged} 题引用的条文已修改、改号或删除，待复核" if flagged else ""
            ctx.notes.append(f"题库 {name}：新增 {report.added}，更新 {report.updated}，"
                             f"未变 {report.unchanged}{impact}")
