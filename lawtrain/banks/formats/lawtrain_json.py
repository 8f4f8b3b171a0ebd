"""LawTrain JSON (formats README section 6): full fidelity, used for export, round trips and shipped banks."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any

from lawtrain.banks.formats.common import canonical_blanks, clean_text, decode_text
from lawtrain.banks.formats.records import (
    CASE,
    FILL_BLANK,
    Citation,
    FormatError,
    Location,
    ParseResult,
    Problem,
    QuestionRecord,
)

FORMAT_NAME = "lawtrain-bank"
VERSION = 2  # 2 adds cases (type "case"); a file without cases is still written as version 1
VERSIONS = (1, 2)


def case_to_dict(record: QuestionRecord) -> dict[str, Any]:
    """A case: its text, difficulty, tags and sub-questions (each an ordinary question)."""
    return {"external_id": record.external_id, "type": CASE, "case_text": record.stem,
            "difficulty": record.difficulty, "tags": list(record.tags),
            "items": [record_to_dict(item) for item in record.items]}


def record_to_dict(record: QuestionRecord) -> dict[str, Any]:
    if record.type == CASE:
        return case_to_dict(record)
    points: Any = record.points
    if isinstance(points, float) and points.is_integer():
        points = int(points)
    return {
        "external_id": record.external_id,
        "type": record.type,
        "stem": record.stem,
        "options": list(record.options),
        "answer": [list(group) for group in record.answer] if record.type == FILL_BLANK else list(record.answer),
        "explanation": record.explanation,
        "points": points,
        "difficulty": record.difficulty,
        "basis": [{"law": c.law, "article": c.article} for c in record.basis],
        "tags": list(record.tags),
    }


def write_json(records: list[QuestionRecord], *, bank_name: str, bank_description: str = "") -> bytes:
    document = {
        "format": FORMAT_NAME,
        "version": VERSION if any(r.type == CASE for r in records) else 1,
        "bank": {"name": bank_name, "description": bank_description},
        "questions": [record_to_dict(record) for record in records],
    }
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _text(value: Any) -> str:
    return clean_text(value) if isinstance(value, (str, int, float)) else ""


def _difficulty(item: dict, location: Location, problems: list[Problem]) -> int | None:
    """The item's difficulty 1–5, None when absent; anything else is a problem (and None)."""
    difficulty = item.get("difficulty")
    try:
        difficulty = int(difficulty) if difficulty not in (None, "") else None
        if difficulty is not None and not 1 <= difficulty <= 5:
            raise ValueError
    except (TypeError, ValueError):
        problems.append(Problem(location, f"难度“{difficulty}”应为 1–5"))
        difficulty = None
    return difficulty


def _case(item: dict, location: Location, problems: list[Problem]) -> QuestionRecord:
    """A case: case_text, difficulty, tags and its items (each parsed as an ordinary question)."""
    difficulty = _difficulty(item, location, problems)
    tags_raw = item.get("tags") or []
    items_raw = item.get("items")
    if not isinstance(items_raw, list):
        problems.append(Problem(replace(location, column="items"), "案例分析题缺少小题列表 items"))
        items_raw = []
    items = []
    for n, sub in enumerate(items_raw, start=1):
        record = _question(sub, replace(location, sub=n), problems, in_case=True)
        if record is not None:
            items.append(record)
    return QuestionRecord(
        type=CASE, stem=_text(item.get("case_text")), difficulty=difficulty,
        tags=[_text(t) for t in tags_raw if _text(t)] if isinstance(tags_raw, list) else [],
        external_id=_text(item.get("external_id")) or None, location=location, items=items,
    )


def _question(item: Any, location: Location, problems: list[Problem], in_case: bool = False) -> QuestionRecord | None:
    if not isinstance(item, dict):
        problems.append(Problem(location, "题目必须是 JSON 对象"))
        return None
    qtype = _text(item.get("type"))
    if qtype == CASE and not in_case:
        return _case(item, location, problems)
    answer_raw = item.get("answer") or []
    if not isinstance(answer_raw, list):
        answer_raw = [answer_raw]
    if qtype == FILL_BLANK:
        answer: list[Any] = []
        for group in answer_raw:
            group_list = group if isinstance(group, list) else [group]
            answer.append([_text(alt) for alt in group_list if _text(alt)])
    else:
        answer = [_text(a) for a in answer_raw if _text(a)]
    options_raw = item.get("options") or []
    options = [_text(o) for o in options_raw] if isinstance(options_raw, list) else []
    basis: list[Citation] = []
    for citation in item.get("basis") or []:
        try:
            basis.append(Citation(law=_text(citation["law"]), article=int(citation["article"])))
        except (KeyError, TypeError, ValueError):
            problems.append(Problem(replace(location, column="basis"),
                                    f"法律依据 {json.dumps(citation, ensure_ascii=False)[:80]} 无法识别", "warning"))
    points = item.get("points")
    try:
        points = float(points) if points not in (None, "") else None
    except (TypeError, ValueError):
        problems.append(Problem(location, f"分值“{points}”不是数字"))
        points = None
    difficulty = _difficulty(item, location, problems)
    stem = _text(item.get("stem"))
    external_id = _text(item.get("external_id")) or None
    tags_raw = item.get("tags") or []
    return QuestionRecord(
        type=qtype,
        stem=canonical_blanks(stem) if qtype == FILL_BLANK else stem,
        options=options,
        answer=answer,
        explanation=_text(item.get("explanation")),
        points=points,
        difficulty=difficulty,
        basis=basis,
        tags=[_text(t) for t in tags_raw if _text(t)] if isinstance(tags_raw, list) else [],
        external_id=external_id,
        location=location,
    )


def _revision_date(value, result: ParseResult) -> date | None:
    """bank.law_revision: the YYYY-MM-DD revision of bank.law that the citations are numbered against."""
    try:
        revision = date.fromisoformat(_text(value))
    except ValueError:
        result.problems.append(Problem(Location(column="bank.law_revision"),
                                       f"law_revision 应为 YYYY-MM-DD 格式的日期，收到“{_text(value)}”"))
        return None
    if not result.law_name:
        result.problems.append(Problem(Location(column="bank.law"), "写了 law_revision 就要写 law（法律简称）"))
    return revision


def parse_json(data: bytes, filename: str = "") -> ParseResult:
    text = decode_text(data)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(f"JSON 格式错误：第{exc.lineno}行第{exc.colno}列附近 {exc.msg}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise FormatError('不是 LawTrain 题库 JSON：缺少 "format": "lawtrain-bank"')
    if document.get("version") not in VERSIONS:
        raise FormatError(f"不支持的 LawTrain JSON 版本“{document.get('version')}”（支持 1、2）")
    questions = document.get("questions")
    if not isinstance(questions, list):
        raise FormatError('LawTrain JSON 缺少 "questions" 列表')
    bank = document.get("bank") if isinstance(document.get("bank"), dict) else {}
    result = ParseResult(bank_name=_text(bank.get("name")) or None, bank_description=_text(bank.get("description")),
                         law_name=_text(bank.get("law")) or None)
    if bank.get("law_revision"):
        result.law_revision = _revision_date(bank.get("law_revision"), result)
    for index, item in enumerate(questions, start=1):
        record = _question(item, Location(file=filename, index=index), result.problems)
        if record is not None:
            result.records.append(record)
    return result
