"""Cases in a bank: the shipped case banks import; import -> export -> import keeps every case whole."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from lawtrain.banks import importing, services
from lawtrain.banks.formats.detect import parse_file
from lawtrain.banks.models import Question, QuestionStatus
from tests.factories import make_user

CASES = Path(__file__).resolve().parents[2] / "question_banks" / "work_safety_law" / "cases.json"


def _import(session, bank_name, data: bytes, filename: str, now, actor=None):
    result = parse_file(data, filename)
    bank = services.find_bank(session, bank_name) or services.build_bank(session, bank_name, owner=actor, now=now)
    return importing.import_records(session, bank, result, actor=actor, now=now)


def _shape(session, bank_id):
    """Each case: its text and its sub-questions' (id, type, stem, points), in order."""
    cases = session.scalars(select(Question).where(Question.bank_id == bank_id, Question.type == "case")
                            .order_by(Question.external_id)).all()
    return [(c.external_id, c.current_version.stem, c.current_version.points,
             [(q.external_id, q.type, q.current_version.stem, q.current_version.points, q.position)
              for q in sorted(c.items, key=lambda q: q.position)]) for c in cases]


def test_the_shipped_case_bank_imports_whole(session, now):
    report = _import(session, "安全生产法 案例分析", CASES.read_bytes(), "cases.json", now)
    document = json.loads(CASES.read_text(encoding="utf-8"))
    assert report.errors == [] and report.added == len(document["questions"])
    cases = session.scalars(select(Question).where(Question.type == "case")).all()
    assert len(cases) == len(document["questions"])
    first = next(c for c in cases if c.external_id == "WSL-CASE-01")
    assert [q.external_id for q in sorted(first.items, key=lambda q: q.position)] == [
        i["external_id"] for i in document["questions"][0]["items"]]
    assert first.current_version.points == 10
    assert {c.article_no for c in first.citations} >= {95, 114}  # the case cites what its sub-questions cite
    bank = services.find_bank(session, "安全生产法 案例分析")
    assert bank.law_name == "安全生产法"
    again = _import(session, "安全生产法 案例分析", CASES.read_bytes(), "cases.json", now)
    assert again.unchanged == len(document["questions"]) and again.added == again.updated == 0


def test_import_export_import_round_trip_json_and_xlsx(session, now):
    first = _import(session, "源", CASES.read_bytes(), "cases.json", now)
    source = services.find_bank(session, "源")
    for fmt, name in (("json", "bank.json"), ("xlsx", "bank.xlsx"), ("csv", "bank.csv")):
        exported = services.export_bank(session, source, fmt)
        copy = _import(session, f"副本{fmt}", exported, name, now)
        assert copy.errors == [], (fmt, [str(p) for p in copy.errors][:3])
        assert copy.added == first.added
        assert _shape(session, copy.bank_id) == _shape(session, source.id), fmt
        again = services.export_bank(session, services.find_bank(session, f"副本{fmt}"), fmt)
        if fmt == "json":
            assert json.loads(again)["questions"] == json.loads(exported)["questions"]


def test_a_changed_case_keeps_papers_versions_and_retires_dropped_sub_questions(session, now):
    document = json.loads(CASES.read_text(encoding="utf-8"))
    document["questions"] = document["questions"][:1]
    _import(session, "案例", json.dumps(document, ensure_ascii=False).encode(), "c.json", now)
    case = session.scalar(select(Question).where(Question.type == "case"))
    dropped = document["questions"][0]["items"].pop()
    document["questions"][0]["case_text"] += "\n\n补充：公司事后补办了培训。"
    report = _import(session, "案例", json.dumps(document, ensure_ascii=False).encode(), "c.json", now)
    assert report.updated == 1
    session.refresh(case)
    assert case.current_version.stem.endswith("补充：公司事后补办了培训。")
    gone = session.scalar(select(Question).where(Question.external_id == dropped["external_id"]))
    assert gone.status == QuestionStatus.RETIRED and gone.case_id == case.id


def test_a_broken_case_is_refused_with_the_sub_question_named(session, now):
    document = json.loads(CASES.read_text(encoding="utf-8"))
    document["questions"] = document["questions"][:2]
    document["questions"][1]["items"][1]["answer"] = ["Z"]
    document["questions"][0]["items"] = document["questions"][0]["items"][:1]
    report = _import(session, "坏", json.dumps(document, ensure_ascii=False).encode(), "c.json", make_user(session)
                     and now)
    messages = [str(p) for p in report.errors]
    assert any("第1题" in m and "2–6 道小题" in m for m in messages), messages
    assert any("第2题 第2小题" in m and "答案 \"Z\"" in m for m in messages), messages
    assert not report.stored and session.scalar(select(func.count()).select_from(Question)) == 0
