"""How the banks area's audit entries read: labels, the bank's and question's names, fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lawtrain.auth import audit
from lawtrain.banks.models import Bank, Question, QuestionVersion


def _bank_names(session, ids: list[int]) -> dict[int, str]:
    return dict(session.execute(select(Bank.id, Bank.name).where(Bank.id.in_(ids))).all())


def _question_names(session, ids: list[int]) -> dict[int, str]:
    rows = session.execute(
        select(Question.id, Bank.name, QuestionVersion.stem).join(Bank, Bank.id == Question.bank_id)
        .outerjoin(QuestionVersion, QuestionVersion.id == Question.current_version_id).where(Question.id.in_(ids)))
    out = {}
    for qid, bank, stem in rows:
        stem = (stem or "").strip()
        out[qid] = f"{bank} #{qid}：{stem[:24]}{'…' if len(stem) > 24 else ''}"
    return out


def describe() -> None:
    audit.describe(
        actions={"bank.import": _l("导入题库"), "question.create": _l("新建试题"), "question.update": _l("修改试题"),
                 "question.retire": _l("停用试题"), "question.void": _l("作废试题"),
                 "question.reviewed": _l("复核试题"), "question.recite": _l("改引法条")},
        targets={"bank": (_l("题库"), _bank_names), "question": (_l("试题"), _question_names)},
        details={"total": _l("总题数"), "added": _l("新增"), "unchanged": _l("未变"), "skipped": _l("跳过"),
                 "warnings": _l("提示"), "version": _l("版本"), "papers_follow": _l("已发试卷随之更新"),
                 "citations": _l("改引"), "law": _l("法律")},
    )
