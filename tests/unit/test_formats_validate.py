"""validate_records messages, format detection/dispatch and the LawTrain JSON contract."""

from __future__ import annotations

import json

import pytest

from lawtrain.banks.formats import Citation, FormatError, Location, QuestionRecord
from lawtrain.banks.formats.detect import EXTENSIONS, FORMATS, WRITABLE, detect_format, parse_file, write_file
from lawtrain.banks.formats.lawtrain_json import parse_json, write_json
from lawtrain.banks.formats.validate import duplicate_key, validate_records


def rec(row: int, **fields) -> QuestionRecord:
    defaults = {"type": "single", "stem": f"问题{row}", "options": ["甲", "乙", "丙", "丁"], "answer": ["A"]}
    defaults.update(fields)
    return QuestionRecord(location=Location(file="题库.xlsx", sheet="题目", row=row), **defaults)


@pytest.mark.parametrize(
    ("fields", "message", "severity"),
    [
        ({"stem": ""}, "缺少题干", "error"),
        ({"answer": []}, "缺少答案", "error"),
        ({"answer": ["E"]}, '答案 "E" 不在选项 A–D 中', "error"),
        ({"options": ["甲"]}, "单选题至少需要两个选项（现有 1 个）", "error"),
        ({"answer": ["A", "B"]}, "单选题只能有一个答案", "error"),
        ({"type": "multiple", "answer": ["B"]}, '多选题只有一个正确答案 "B"', "warning"),
        ({"type": "true_false", "options": [], "answer": ["也许"]}, '判断题答案 "也许" 无法识别', "error"),
        ({"type": "fill_blank", "stem": "在____日内，于____处", "options": [], "answer": [["七日"]]},
         "题干有 2 个空，但答案有 1 组", "error"),
        ({"type": "fill_blank", "stem": "没有空", "options": [], "answer": [["七日"]]},
         "填空题题干中没有空位", "error"),
        ({"type": "论述题"}, "不支持的题型“论述题”", "error"),
        ({"type": ""}, "缺少题型", "error"),
    ],
)
def test_each_problem_is_named_precisely(fields, message, severity):
    problems = validate_records([rec(12, **fields)])
    assert any(message in p.message and p.severity == severity for p in problems), [str(p) for p in problems]
    assert all(str(p).startswith("题库.xlsx 工作表“题目” 第12行") for p in problems)


def test_answer_outside_options_reads_like_the_issue():
    [problem] = validate_records([rec(12, answer=["E"])])
    assert str(problem) == '题库.xlsx 工作表“题目” 第12行 “答案”列：答案 "E" 不在选项 A–D 中'


def test_valid_records_have_no_problems():
    records = [
        rec(2),
        rec(3, type="multiple", answer=["A", "C"]),
        rec(4, type="true_false", options=[], answer=["false"]),
        rec(5, type="fill_blank", options=[], stem="在____日内", answer=[["七日", "7日"]]),
    ]
    assert validate_records(records) == []


def test_duplicates_within_the_file_are_found_after_normalisation():
    first = rec(2, stem="生产经营单位的主要负责人，是谁？")
    second = rec(7, stem=" 生产经营单位的主要负责人是谁 ", options=["甲 ", "乙", "丙", "丁。"])
    problems = [str(p) for p in validate_records([first, second])]
    assert problems == ["题库.xlsx 工作表“题目” 第7行 “题干”列：与第2行（工作表“题目”）的题目重复"]
    assert duplicate_key(first) == duplicate_key(second)
    assert duplicate_key(first) != duplicate_key(rec(3, options=["甲", "乙", "丙", "戊"]))


def test_duplicate_external_ids_are_errors():
    problems = [str(p) for p in validate_records([rec(2, external_id="X-1"), rec(3, external_id="X-1")])]
    assert any("题目ID“X-1”与第2行（工作表“题目”）重复" in p for p in problems)


def test_detection_constants():
    assert FORMATS == ("xlsx", "csv", "gift", "aiken", "moodle_xml", "qti", "json")
    assert WRITABLE == ("xlsx", "csv", "gift", "moodle_xml", "json")
    assert set(EXTENSIONS) == set(FORMATS)


@pytest.mark.parametrize(
    ("data", "name", "fmt"),
    [
        (b'{"format": "lawtrain-bank"}', "x.txt", "json"),
        ("题型,题干,答案\n单选题,x,A\n".encode("gb18030"), "x.txt", "csv"),
        (b"Q?\nA. a\nB. b\nANSWER: A\n", "x.txt", "aiken"),
        (b"Q?{=a ~b}\n", "x.txt", "gift"),
        (b"<?xml version='1.0'?><quiz></quiz>", "x.dat", "moodle_xml"),
        (b"<assessmentItem/>", "x.dat", "qti"),
    ],
)
def test_detect_by_content(data, name, fmt):
    assert detect_format(data, name) == fmt


def test_detect_refuses_unknown_content_and_fmt_overrides():
    with pytest.raises(FormatError, match="无法识别"):
        detect_format("随便写的一段话".encode(), "notes.txt")
    with pytest.raises(FormatError, match="文件是空的"):
        detect_format(b"  ", "empty.csv")
    aiken = b"Q?\nA. a\nB. b\nANSWER: A\n"
    assert parse_file(aiken, "x.gift", "aiken").records[0].answer == ["A"]
    with pytest.raises(FormatError, match="不支持的格式"):
        parse_file(aiken, "x", "docx")


QUESTION = QuestionRecord(type="fill_blank", stem="应当在____日内报告", answer=[["七日", "7日"]], explanation="解析",
                          points=2.0, difficulty=3, basis=[Citation("安全生产法", 83)], tags=["事故报告"],
                          external_id="WSL-083-01")


def test_json_contract_exactly():
    data = write_json([QUESTION], bank_name="安全生产法", bank_description="说明")
    text = data.decode()
    assert text.startswith('{\n "format": "lawtrain-bank",\n "version": 1,')  # indent=1, ensure_ascii=False
    document = json.loads(text)
    assert document["bank"] == {"name": "安全生产法", "description": "说明"}
    assert document["questions"] == [{
        "external_id": "WSL-083-01", "type": "fill_blank", "stem": "应当在____日内报告", "options": [],
        "answer": [["七日", "7日"]], "explanation": "解析", "points": 2, "difficulty": 3,
        "basis": [{"law": "安全生产法", "article": 83}], "tags": ["事故报告"],
    }]
    result = parse_json(data, "bank.json")
    assert result.bank_name == "安全生产法" and result.records[0].answer == [["七日", "7日"]]
    assert write_file("json", result.records, bank_name="安全生产法", bank_description="说明") == data


@pytest.mark.parametrize(
    ("payload", "message"),
    [(b"{not json", "JSON 格式错误"), (b'{"format": "other"}', "lawtrain-bank"),
     (b'{"format": "lawtrain-bank", "version": 9, "questions": []}', "版本"),
     (b'{"format": "lawtrain-bank", "version": 1}', "questions")],
)
def test_json_errors(payload, message):
    with pytest.raises(FormatError, match=message):
        parse_json(payload, "x.json")


def test_json_bad_questions_are_problems_not_crashes():
    payload = {"format": "lawtrain-bank", "version": 1, "bank": {"name": "b"},
               "questions": ["oops", {"type": "single", "stem": "s", "options": ["a", "b"], "answer": ["A"],
                                      "difficulty": 9, "basis": [{"law": "x"}]}]}
    result = parse_json(json.dumps(payload).encode(), "x.json")
    assert len(result.records) == 1
    found = [str(p) for p in result.problems]
    assert "x.json 第1题：题目必须是 JSON 对象" in found
    assert any("第2题" in m and "难度“9”应为 1–5" in m for m in found)
    assert any("法律依据" in m for m in found)
