"""Export in every writable format, the import-bank/export-bank commands, authoring services and the demo."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lawtrain.banks import importing, services
from lawtrain.banks.formats.detect import WRITABLE, parse_file
from lawtrain.banks.formats.records import Citation, ParseResult, QuestionRecord
from lawtrain.banks.models import Bank, Question, QuestionVersion
from tests.factories import make_bank, make_question, make_user


def records() -> list[QuestionRecord]:
    return [
        QuestionRecord(type="single", stem='含"引号"、=等号、~波浪号、{花括号}\n和换行 <b>HTML</b>',
                       options=["=开头", "+加号", "-减号", "@符号"], answer=["B"], explanation="解析 & 说明",
                       difficulty=3, basis=[Citation("安全生产法", 21)], tags=["职责"], external_id="X-1"),
        QuestionRecord(type="multiple", stem="下列哪些属于从业人员的权利？",
                       options=["知情权", "建议权", "拒绝违章指挥", "加班"], answer=["A", "B", "C"],
                       basis=[Citation("安全生产法", 53)], external_id="X-2"),
        QuestionRecord(type="true_false", stem="安全生产工作坚持中国共产党的领导。", answer=["true"],
                       basis=[Citation("安全生产法", 3)], external_id="X-3"),
        QuestionRecord(type="fill_blank", stem="生产经营单位的____是本单位安全生产第一责任人。",
                       answer=[["主要负责人"]], basis=[Citation("安全生产法", 5)], external_id="X-4"),
    ]


@pytest.fixture
def bank(session, now):
    trainer = make_user(session, roles=["trainer"])
    bank = services.build_bank(session, "导出测试题库", owner=trainer, now=now)
    report = importing.import_records(session, bank, ParseResult(records=records()), actor=trainer, now=now)
    assert report.stored, [str(p) for p in report.errors]
    return bank


@pytest.mark.parametrize("fmt", WRITABLE)
def test_export_parses_back_to_the_same_questions(session, bank, fmt):
    data = services.export_bank(session, bank, fmt)
    assert isinstance(data, bytes) and data
    result = parse_file(data, f"export.{fmt}", fmt)
    assert result.errors == []
    assert len(result.records) == 4
    assert [r.type for r in result.records] == ["single", "multiple", "true_false", "fill_blank"]
    assert result.records[0].stem.replace("\r\n", "\n") == records()[0].stem


def test_export_honours_filters(session, bank):
    data = services.export_bank(session, bank, "json", services.QuestionFilters(type="true_false"))
    assert [q["stem"] for q in json.loads(data)["questions"]] == ["安全生产工作坚持中国共产党的领导。"]


def test_import_bank_command_stores_and_counts(app, runner, session, tmp_path):
    path = tmp_path / "bank.json"
    path.write_text(json.dumps({"format": "lawtrain-bank", "version": 1, "bank": {"name": "x"}, "questions": [
        {"type": "true_false", "stem": f"判断题{i}", "answer": ["true"], "external_id": f"T{i}"} for i in range(3)
    ]}, ensure_ascii=False), encoding="utf-8")

    dry = runner.invoke(args=["import-bank", str(path), "--bank", "命令行题库", "--dry-run"])
    assert dry.exit_code == 0 and "新增 3 题" in dry.output
    assert session.scalar(select(func.count()).select_from(Bank)) == 0

    result = runner.invoke(args=["import-bank", str(path), "--bank", "命令行题库"])
    assert result.exit_code == 0, result.output
    assert "新增 3 题，更新 0 题" in result.output
    again = runner.invoke(args=["import-bank", str(path), "--bank", "命令行题库", "--format", "json"])
    assert "新增 0 题，更新 0 题，未变 3 题" in again.output
    assert session.scalar(select(func.count()).select_from(Question)) == 3


def test_import_bank_command_lists_every_error_and_stores_nothing(app, runner, session, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"format": "lawtrain-bank", "version": 1, "bank": {"name": "x"}, "questions": [
        {"type": "single", "stem": "好题", "options": ["甲", "乙"], "answer": ["A"]},
        {"type": "single", "stem": "答案越界", "options": ["甲", "乙"], "answer": ["E"]},
        {"type": "true_false", "stem": "判断", "answer": ["也许"]},
    ]}, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["import-bank", str(path), "--bank", "坏题库"])
    assert result.exit_code == 1
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("错误: ")]
    assert len(error_lines) >= 3  # two problems and the closing line
    assert "未导入任何题目" in error_lines[-1]
    assert session.scalar(select(func.count()).select_from(Question)) == 0


def test_import_bank_command_refuses_unreadable_files(app, runner, tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    result = runner.invoke(args=["import-bank", str(path), "--bank", "x"])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    missing = runner.invoke(args=["import-bank", str(tmp_path / "nope.csv"), "--bank", "x"])
    assert missing.exit_code == 1
    bad_format = runner.invoke(args=["import-bank", str(path), "--bank", "x", "--format", "docx"])
    assert bad_format.exit_code == 1 and "docx" in bad_format.stderr


def test_export_bank_command(app, runner, bank, tmp_path):
    out = runner.invoke(args=["export-bank", bank.name, "--format", "json"])
    assert out.exit_code == 0 and len(json.loads(out.output)["questions"]) == 4
    target = tmp_path / "b.xlsx"
    saved = runner.invoke(args=["export-bank", bank.name, "--format", "xlsx", "-o", str(target)])
    assert saved.exit_code == 0 and len(parse_file(target.read_bytes(), "b.xlsx").records) == 4
    unknown = runner.invoke(args=["export-bank", "没有这个题库", "--format", "json"])
    assert unknown.exit_code == 1 and unknown.stderr.strip().startswith("错误: 题库不存在")
    bad = runner.invoke(args=["export-bank", bank.name, "--format", "pdf"])
    assert bad.exit_code == 1 and len(bad.stderr.strip().splitlines()) == 1


def test_update_question_versions_only_when_in_use(session, now, monkeypatch):
    trainer = make_user(session, roles=["trainer"])
    bank = make_bank(session)
    q = make_question(session, bank, stem="原题干")
    edited = QuestionRecord(type="single", stem="新题干", options=["甲", "乙", "丙", "丁"], answer=["B"],
                            basis=[Citation("安全生产法", 22)])
    saved = services.update_question(session, q, edited, actor=trainer, now=now)
    assert (saved.changed, saved.new_version) == (True, False)
    assert (len(q.versions), q.current_version.stem, [c.article_no for c in q.citations]) == (1, "新题干", [22])

    monkeypatch.setattr(services, "version_in_use", lambda s, vid: True)
    edited.answer = ["C"]
    saved = services.update_question(session, q, edited, actor=trainer, now=now)
    assert (saved.changed, saved.new_version, saved.version_no) == (True, True, 2)
    assert [v.version_no for v in q.versions] == [1, 2] and q.versions[0].answer == ["B"]
    assert not services.update_question(session, q, edited, actor=trainer, now=now).changed


def test_create_question_rejects_invalid_and_duplicate(session, now):
    trainer = make_user(session, roles=["trainer"])
    bank = make_bank(session)
    make_question(session, bank, stem="已有题目", options=["甲", "乙"])
    with pytest.raises(services.QuestionInvalid) as bad:
        services.create_question(session, bank, QuestionRecord(type="single", stem="x", options=["甲", "乙"],
                                                               answer=["E"]), actor=trainer, now=now)
    assert "E" in str(bad.value)
    with pytest.raises(services.QuestionInvalid, match="重复"):
        services.create_question(session, bank, QuestionRecord(type="single", stem="已有题目 ", options=["甲", "乙"],
                                                               answer=["A"]), actor=trainer, now=now)
    q = services.create_question(session, bank, QuestionRecord(type="true_false", stem="新题", answer=["false"]),
                                 actor=trainer, now=now)
    assert q.id and q.current_version.version_no == 1


def test_retire_only_touches_the_banks_own_questions_and_withdraw_retires(session, now):
    trainer = make_user(session, roles=["trainer"])
    bank, other = make_bank(session), make_bank(session)
    mine, theirs = make_question(session, bank), make_question(session, other)
    assert services.retire_questions(session, bank, [mine.id, theirs.id], actor=trainer, now=now) == 1
    assert (mine.status, theirs.status) == ("retired", "active")

    services.withdraw_question(session, theirs, actor=trainer, now=now, reason="答案有误")
    assert (theirs.status, theirs.review_reason) == ("retired", "答案有误")


def test_demo_loads_banks_idempotently(session, now, tmp_path):
    from lawtrain.demo import DemoContext

    folder = tmp_path / "question_banks" / "work_safety_law"
    folder.mkdir(parents=True)
    (folder / "bank.json").write_text(json.dumps({"format": "lawtrain-bank", "version": 1,
                                                  "bank": {"name": "演示题库", "description": "d"}, "questions": [
        {"type": "true_false", "stem": f"题{i}", "answer": ["true"], "external_id": f"D{i}",
         "basis": [{"law": "安全生产法", "article": 3}]} for i in range(5)]}, ensure_ascii=False), encoding="utf-8")
    make_user(session, roles=["trainer"], username="trainer")
    from lawtrain.banks.demo import seed_demo

    ctx = DemoContext(password="x", now=now, rng=random.Random(1), laws_dir=None, banks_dir=folder.parent)
    seed_demo(session, ctx)
    seed_demo(session, ctx)
    banks = {b.name: b for b in session.scalars(select(Bank))}
    bank = banks["演示题库"]  # four for practice, every third of each type for the demo exams (issue 15)
    assert (bank.owner_id is not None, bank.kind) == (True, "practice")
    assert banks["演示题库（考试题库）"].kind == "exam"
    assert session.scalar(select(func.count()).select_from(QuestionVersion)) == 5
    assert ctx.notes[-2:] == ["题库 演示题库：新增 0，更新 0，未变 4",
                              "题库 演示题库（考试题库）：新增 0，更新 0，未变 1"]

    empty = DemoContext(password="x", now=now, rng=random.Random(1), laws_dir=None, banks_dir=Path(tmp_path / "no"))
    seed_demo(session, empty)
    assert empty.notes == []
