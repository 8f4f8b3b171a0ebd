"""Cases in the bank formats (pure): LawTrain JSON v2, the spreadsheet 案例 column with row-precise errors, the
formats without cases (case text prepended to each stem, and said so), and the drawer taking a case whole."""

from __future__ import annotations

import json
import random

from lawtrain.banks.formats.detect import CASES_FLATTENED_NOTE, parse_file, write_file
from lawtrain.banks.formats.lawtrain_json import parse_json, write_json
from lawtrain.banks.formats.records import CASE, Citation, QuestionRecord
from lawtrain.banks.formats.validate import validate_records
from lawtrain.exams import selection

CASE_TEXT = ("某化工企业在仓库内混存氧化剂和易燃液体，区应急管理局执法人员检查发现后当场责令改正。\n\n"
             "| 物品 | 数量 |\n|---|---|\n| 氧化剂 | 2吨 |")


def _case(n_items: int = 2, external_id: str = "C-1") -> QuestionRecord:
    items = [QuestionRecord(type="single", stem=f"小题{i}：本案应适用哪部法律？", options=["安全生产法", "刑法"],
                            answer=["A"], points=2, basis=[Citation("安全生产法", 39)],
                            external_id=f"{external_id}-{i}")
             for i in range(1, n_items + 1)]
    return QuestionRecord(type=CASE, stem=CASE_TEXT, difficulty=3, tags=["危险化学品"], external_id=external_id,
                          items=items)


def test_json_writes_version_2_only_with_cases_and_reads_it_back():
    plain = QuestionRecord(type="true_false", stem="判断：主要负责人全面负责。", answer=["true"])
    assert json.loads(write_json([plain], bank_name="b"))["version"] == 1
    document = json.loads(write_json([plain, _case()], bank_name="b"))
    assert document["version"] == 2
    case = document["questions"][1]
    assert set(case) == {"external_id", "type", "case_text", "difficulty", "tags", "items"}
    assert case["case_text"] == CASE_TEXT and [i["external_id"] for i in case["items"]] == ["C-1-1", "C-1-2"]
    parsed = parse_json(json.dumps(document, ensure_ascii=False).encode(), "b.json")
    assert parsed.problems == [] and validate_records(parsed.records) == []
    assert parsed.records[1].is_case and len(parsed.records[1].items) == 2 and parsed.records[1].stem == CASE_TEXT


def test_a_broken_case_is_reported_at_its_sub_question():
    bad = _case(1)
    document = json.loads(write_json([bad, _case(2, "C-2")], bank_name="b"))
    document["questions"][1]["items"][1]["answer"] = ["E"]
    parsed = parse_json(json.dumps(document, ensure_ascii=False).encode(), "b.json")
    messages = [str(p) for p in validate_records(parsed.records)]
    assert any(m.startswith("b.json 第1题") and "2–6 道小题（现有 1 道）" in m for m in messages), messages
    assert any("第2题 第2小题" in m and "答案 \"E\" 不在选项 A–B 中" in m for m in messages), messages


def test_sub_questions_share_the_files_ids_but_may_repeat_a_stem_of_another_case():
    one, two = _case(2, "C-1"), _case(2, "C-2")
    two.items[0].external_id = "C-1-1"
    messages = [str(p) for p in validate_records([one, two])]
    assert messages == ["字段“题目ID”：题目ID“C-1-1”与前面重复"]
    two.items[1].stem = two.items[0].stem
    assert "字段“题干”：与前面的题目重复" in [str(p) for p in validate_records([one, two])]


def _csv(rows: list[list[str]]) -> bytes:
    header = ["题目ID", "题型", "题干", "选项A", "选项B", "答案", "分值", "法律依据", "案例"]
    lines = [",".join(f'"{c}"' for c in r) for r in [header, *rows]]
    return "\n".join(lines).encode("utf-8")


CASE_ROW = ["C-1", "案例分析题", "某企业仓库混存危险化学品，执法人员检查发现。", "", "", "", "", "", "C-1"]


def _sub(n: int, key: str = "C-1") -> list[str]:
    return [f"{key}-{n}", "单选题", f"第{n}小题：适用哪部法律？", "安全生产法", "刑法", "A", "2",
            "《安全生产法》第三十九条", key]


def test_spreadsheet_groups_rows_under_their_case():
    plain = ["P-1", "判断题", "判断：这是一道普通题。", "", "", "对", "", "", ""]
    parsed = parse_file(_csv([CASE_ROW, _sub(1), _sub(2), plain]), "t.csv")
    assert parsed.problems == [] and validate_records(parsed.records) == []
    case, plain = parsed.records
    assert case.is_case and case.external_id == "C-1" and [i.external_id for i in case.items] == ["C-1-1", "C-1-2"]
    assert case.items[1].location.row == 4 and plain.type == "true_false"


def test_spreadsheet_broken_groups_name_the_row():
    plain = ["P-1", "判断题", "判断：插进来的普通题。", "", "", "对", "", "", ""]
    unnamed = ["", "案例分析题", "没有编号的案情", "", "", "", "", "", ""]
    rows = [_sub(1, "X-9"), CASE_ROW, _sub(1), plain, _sub(2), unnamed]
    parsed = parse_file(_csv(rows), "t.csv")
    messages = [str(p) for p in parsed.problems + validate_records(parsed.records)]
    assert any(m.startswith("t.csv 第2行") and "前面没有题型为“案例分析题”、编号为“X-9”" in m
               for m in messages), messages
    assert any(m.startswith("t.csv 第6行") and "应紧跟在它的案情行（第3行）" in m for m in messages), messages
    assert any(m.startswith("t.csv 第7行") and "需要在“案例”列" in m for m in messages), messages
    assert any(m.startswith("t.csv 第3行") and "2–6 道小题（现有 1 道）" in m for m in messages), messages


def test_spreadsheet_round_trip_keeps_cases():
    records = [QuestionRecord(type="single", stem="普通题", options=["甲", "乙"], answer=["A"]), _case(3)]
    for fmt, name in (("xlsx", "b.xlsx"), ("csv", "b.csv")):
        again = parse_file(write_file(fmt, records, bank_name="b"), name)
        assert again.problems == [], fmt
        assert again.records[1].is_case and again.records[1].stem == CASE_TEXT
        assert [i.stem for i in again.records[1].items] == [i.stem for i in records[1].items]


def test_formats_without_cases_prepend_the_case_text_and_say_so():
    records = [_case(2)]
    for fmt in ("gift", "moodle_xml"):
        text = write_file(fmt, records, bank_name="b", bank_description="说明").decode("utf-8")
        assert CASES_FLATTENED_NOTE in text, fmt
        again = parse_file(text.encode("utf-8"), "b.txt" if fmt == "gift" else "b.xml", fmt)
        assert len(again.records) == 2 and all(r.type == "single" for r in again.records)
        assert all(r.stem.startswith("【案例】某化工企业") and "【问题】小题" in r.stem for r in again.records), fmt


def test_a_rule_draws_cases_whole_and_the_case_is_worth_its_sub_questions():
    def case(cid: int, n: int) -> selection.PoolQuestion:
        return selection.PoolQuestion(cid, cid * 10, CASE, 3, items=tuple(
            selection.PoolQuestion(cid * 100 + i, cid * 1000 + i, "single", 3, 4, 2.0 + i) for i in range(n)))

    pool = [case(1, 2), case(2, 3), case(3, 4)]
    rule = selection.RuleSpec(CASE, 2, 0)
    assert selection.check_rules([rule], [len(pool)]) == []
    assert selection.check_rules([selection.RuleSpec(CASE, 4, 0)], [3]) == ["规则1需要4道案例分析题，题库只有3道"]
    for seed in range(20):
        paper = selection.draw_paper([(rule, pool)], seed)
        drawn = {p.case_version_id for p in paper}
        assert len(drawn) == 2
        for c in pool:
            on = [p for p in paper if p.case_version_id == c.version_id]
            if on:  # whole, in order, at the sub-questions' own points
                assert [p.question_id for p in on] == [i.id for i in c.items]
                assert [p.points for p in on] == [i.points for i in c.items]
    fixed = selection.fixed_paper([(pool[1], 99.0)], 1, shuffle_questions=True)
    assert [p.question_id for p in fixed] == [i.id for i in pool[1].items] and sum(p.points for p in fixed) == 9.0
    assert random  # the drawer's own RNG is seeded: the same seed gives the same paper
    assert selection.draw_paper([(rule, pool)], 7) == selection.draw_paper([(rule, pool)], 7)
