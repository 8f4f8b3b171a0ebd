"""The spreadsheet template: header aliases and quirks, writers, the downloadable template."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from lawtrain.banks.formats import Citation, FormatError, QuestionRecord
from lawtrain.banks.formats.detect import detect_format, parse_file, write_file
from lawtrain.banks.formats.option_cells import declared_separator, split_options
from lawtrain.banks.formats.spreadsheet import parse_csv, parse_xlsx
from lawtrain.banks.formats.spreadsheet_writer import write_csv, write_xlsx
from lawtrain.banks.formats.template import build_template_xlsx
from lawtrain.banks.formats.validate import validate_records

QUIRKY_CSV = """试题类型(判断题、单选题、多选题),题目,选项,正确答案 ,答案解析,难度,出处,标签,题目ID,备注
单选题,"12. 生产经营单位的主要负责人是本单位安全生产（ ）责任人。","**A.第一 ##B、直接 (C)监督 D：间接",A  ,第五条,易,《中华人民共和国安全生产法》第五条,负责人;职责,WSL-005-01,内部
多选,"13、安全生产工作坚持哪些方针？","A.安全第一
B.预防为主
C.综合治理
D.效益优先","A、B、C",,3,安全生产法 第3条,,,
判断题,从业人员有依法获得安全生产保障的权利。,,√,,,《安全生产法》第六条,,,
判断,主要负责人只对安全生产工作部分负责。,"A.正确 B.错误",B,,困难,,,,
是非题,应急管理部门负责安全生产监督管理。,,T,,,,,,
填空题,"事故发生后应当在____日内报告，并于（ ）日内处理",,七日;7日|三十日,,中,《突发事件应对法》第二十一条至第二十三条；《安全生产法》第八十三条,,,
,,,,,,,,,
简答题,什么是安全？,,安全,,,,,,
单选题,答案越界的题,A.甲 B.乙 C.丙 D.丁,E,,,,,,
"""  # noqa: E501


def test_csv_quirks_utf8_and_gb18030_give_the_same_records():
    utf8 = parse_csv(QUIRKY_CSV.encode("utf-8-sig"), "题库.csv")
    gbk = parse_csv(QUIRKY_CSV.encode("gb18030"), "题库.csv")
    plain = parse_csv(QUIRKY_CSV.encode("utf-8"), "题库.csv")
    assert [r.stem for r in utf8.records] == [r.stem for r in gbk.records] == [r.stem for r in plain.records]
    records = utf8.records
    assert [r.type for r in records] == ["single", "multiple", "true_false", "true_false", "true_false", "fill_blank",
                                         "简答题", "single"]
    single, multiple, tf1, tf2, tf3, fill = records[:6]
    assert single.stem == "生产经营单位的主要负责人是本单位安全生产（ ）责任人。"
    assert single.options == ["第一", "直接", "监督", "间接"] and single.answer == ["A"]
    assert single.difficulty == 2 and single.tags == ["负责人", "职责"] and single.external_id == "WSL-005-01"
    assert single.basis == [Citation("安全生产法", 5)] and single.explanation == "第五条"
    assert multiple.stem == "安全生产工作坚持哪些方针？" and multiple.options[3] == "效益优先"
    assert multiple.answer == ["A", "B", "C"] and multiple.basis == [Citation("安全生产法", 3)]
    assert (tf1.answer, tf2.answer, tf3.answer) == (["true"], ["false"], ["true"])
    assert tf2.difficulty == 4 and tf2.options == []
    assert fill.stem == "事故发生后应当在____日内报告，并于____日内处理"
    assert fill.answer == [["七日", "7日"], ["三十日"]]
    assert fill.basis == [Citation("突发事件应对法", 21), Citation("突发事件应对法", 22),
                          Citation("突发事件应对法", 23), Citation("安全生产法", 83)]
    assert [r.location.row for r in records] == [2, 3, 4, 5, 6, 7, 9, 10]
    warnings = [str(p) for p in utf8.warnings]
    assert warnings == ["题库.csv 第1行：以下列无法识别，已忽略：备注"]
    problems = [str(p) for p in validate_records(records)]
    assert "题库.csv 第9行 “题型”列：不支持的题型“简答题”（支持：单选题、多选题、判断题、填空题）" in problems
    assert '题库.csv 第10行 “答案”列：答案 "E" 不在选项 A–D 中' in problems
    assert len(problems) == 2


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [("ACD", ["A", "C", "D"]), ("A,C,D", ["A", "C", "D"]), ("A;C;D", ["A", "C", "D"]), ("A、C、D", ["A", "C", "D"]),
     ("ｃａ", ["A", "C"]), (" B ", ["B"])],
)
def test_answer_spellings(spelling, expected):
    data = f'题型,题干,A,B,C,D,答案\n多选题,问题,甲,乙,丙,丁,"{spelling}"\n'.encode()
    assert parse_csv(data, "a.csv").records[0].answer == expected


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [("正确", "true"), ("错误", "false"), ("对", "true"), ("错", "false"), ("√", "true"), ("×", "false"),
     ("T", "true"), ("F", "false"), ("true", "true"), ("FALSE", "false"), ("是", "true"), ("否", "false")],
)
def test_true_false_spellings(spelling, expected):
    data = f"题型,题干,答案\n判断题,说法,{spelling}\n".encode()
    assert parse_csv(data, "a.csv").records[0].answer == [expected]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("A.甲 B.乙 C.丙", ["甲", "乙", "丙"]), ("A、甲\nB、乙", ["甲", "乙"]), ("(A)甲(B)乙", ["甲", "乙"]),
     ("A:甲 B：乙", ["甲", "乙"]), ("**A.甲 **B.乙", ["甲", "乙"]), ("##A.甲 ##B.乙", ["甲", "乙"]),
     ("甲\n乙\n丙", ["甲", "乙", "丙"]), ("A.U.S.A B.中国", ["U.S.A", "中国"])],
)
def test_options_in_one_cell(cell, expected):
    assert split_options(cell) == expected


def test_xlsx_several_sheets_named_by_type_and_header_notes():
    workbook = Workbook()
    single = workbook.active
    single.title = "单选题"
    single.append(["题目", "选项A", "选项B", "选项C", "答案"])
    single.append(["1、第一题", "甲", "乙", "丙", "C"])
    judge = workbook.create_sheet("判断题")
    judge.append(["说明：本表为判断题"])
    judge.append(["题干 ", " 答案(对/错)"])
    judge.append(["说法一", "对"])
    judge.append([])
    judge.append(["说法二", "错"])
    notes = workbook.create_sheet("说明")
    notes.append(["这里是说明文字"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = parse_xlsx(buffer.getvalue(), "分表.xlsx")
    assert [(r.type, r.stem, r.answer, r.location.sheet, r.location.row) for r in result.records] == [
        ("single", "第一题", ["C"], "单选题", 2),
        ("true_false", "说法一", ["true"], "判断题", 3),
        ("true_false", "说法二", ["false"], "判断题", 5),
    ]
    assert not result.problems


def test_missing_header_is_a_format_error():
    with pytest.raises(FormatError, match="表头"):
        parse_csv(b"a,b,c\n1,2,3\n", "x.csv")


def test_gap_in_option_columns_is_named():
    result = parse_csv("题型,题干,选项A,选项B,选项C,答案\n单选题,问题,甲,,丙,A\n".encode(), "x.csv")
    assert [str(p) for p in result.errors] == ["x.csv 第2行 “选项B”列：选项B为空，但后面还有选项：请把选项连续填写"]


def test_bad_difficulty_points_and_basis_are_reported():
    data = "题型,题干,A,B,答案,分值,难度,法律依据\n单选题,问题,甲,乙,A,很多,超难,见某某规定\n".encode()
    result = parse_csv(data, "x.csv")
    found = [str(p) for p in result.problems]
    assert "x.csv 第2行 “分值”列：分值“很多”不是有效的数字" in found
    assert any("难度“超难”无法识别" in m for m in found)
    assert any("法律依据“见某某规定”无法识别" in m for m in found)


INJECTION = QuestionRecord(type="single", stem="=HYPERLINK(\"http://evil\")",
                           options=["+1", "-1", "@SUM(A1)", "'quoted"],
                           answer=["A"], explanation="=1+1", tags=["-x"], external_id="=ID")


def test_csv_writer_is_formula_injection_safe_and_round_trips():
    data = write_csv({"name": "b"}, [INJECTION])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    for cell in rows[1]:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    back = parse_csv(data, "x.csv").records[0]
    assert (back.stem, back.options, back.explanation, back.tags, back.external_id) == (
        INJECTION.stem, INJECTION.options, INJECTION.explanation, INJECTION.tags, INJECTION.external_id)


def test_xlsx_writer_never_writes_formulas_and_round_trips():
    data = write_xlsx({"name": "b"}, [INJECTION])
    sheet = load_workbook(io.BytesIO(data)).active
    for cell in sheet[2]:
        assert cell.data_type != "f"
        assert not (isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")))
    back = parse_xlsx(data, "x.xlsx").records[0]
    assert (back.stem, back.options, back.explanation) == (INJECTION.stem, INJECTION.options, INJECTION.explanation)


def test_template_has_dropdown_examples_and_instructions():
    data = build_template_xlsx()
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["题目", "说明"]
    sheet = workbook["题目"]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["题目ID", "题型", "题干"] and "法律依据" in headers
    validations = sheet.data_validations.dataValidation
    dropdown = next(v for v in validations if v.type == "list")
    assert dropdown.formula1 == '"单选题,多选题,判断题,填空题,案例分析题"' and "B2" in str(dropdown.sqref)
    explained = {row[0].value for row in workbook["说明"].iter_rows(min_row=2)}
    assert {"题型", "题干", "选项A…选项H", "答案", "解析", "分值", "难度", "法律依据", "知识点", "题目ID"} <= explained
    result = parse_file(data, "模板.xlsx")
    assert detect_format(data, "模板.xlsx") == "xlsx"
    assert [r.type for r in result.records] == ["single", "multiple", "true_false", "fill_blank", "case"]
    assert not result.problems and not validate_records(result.records)
    assert all(r.basis and r.basis[0].law == "安全生产法" for r in result.records[:4] + result.records[4].items)
    assert "案例" in headers and "案例" in explained and len(result.records[4].items) == 2


def test_write_file_names_unwritable_formats():
    with pytest.raises(FormatError, match="不能导出"):
        write_file("aiken", [], bank_name="x")


@pytest.mark.parametrize(
    ("header", "cell", "expected", "rule"),
    [
        # the header announces ## and the cells do use it
        ("选项（用##分隔）", "A.甲##B.乙##C.丙", ["甲", "乙", "丙"], "declared"),
        ("选项（用##分隔）", "甲##乙", ["甲", "乙"], "declared"),
        # the header says ## but the cells use **A.…**B.…
        ("选项（用##分隔）", "**A.甲**B.乙**C.丙", ["甲", "乙", "丙"], "labels"),
        # labels with full-width colons and two spaces between options
        ("选项(以|隔开)", "A：安全第一  B：预防为主  C：综合治理", ["安全第一", "预防为主", "综合治理"], "labels"),
        # one option per line, labelled or not
        ("选项（用##分隔）", "A、甲\nB、乙\nC、丙", ["甲", "乙", "丙"], "labels"),
        ("选项（用##分隔）", "甲\n乙\n丙", ["甲", "乙", "丙"], "lines"),
        ("选项【按换行分隔】", "甲\n乙", ["甲", "乙"], "declared"),
        # a label followed by a space, and ) or ．
        ("选项", "A 甲 B 乙 C 丙 D 丁", ["甲", "乙", "丙", "丁"], "labels"),
        ("选项", "A)甲 B)乙", ["甲", "乙"], "labels"),
        ("选项", "Ａ．甲 Ｂ．乙", ["甲", "乙"], "labels"),
    ],
)
def test_one_cell_options_fall_back_from_the_declared_separator_to_labels_then_lines(header, cell, expected, rule):
    data = f'题型,题干,{header},答案\n单选题,问题,"{cell}",A\n'.encode()
    result = parse_csv(data, "a.csv")
    assert result.records[0].options == expected
    labels = {"declared": "按表头声明的分隔符", "labels": "按选项字母", "lines": "按行拆分"}
    assert len(result.notes) == 1 and labels[rule] in result.notes[0] and "第2行" in result.notes[0]


def test_the_preview_note_names_each_rule_with_its_rows_and_a_broken_cell_stays_a_row_error():
    rows = ['单选题,问题一,"A.甲##B.乙",A', '单选题,问题二,"**A.甲**B.乙",A', '单选题,问题三,"**A.甲**B.乙",B',
            '单选题,问题四,只有一个选项,A']
    result = parse_csv(("题型,题干,选项（用##分隔）,答案\n" + "\n".join(rows) + "\n").encode(), "a.csv")
    assert result.notes == ["a.csv “选项（用##分隔）”列的选项：按表头声明的分隔符“##”拆分（第2行）；"
                            "按选项字母（A. B. C. …）拆分（第3–4行）；按行拆分（每行一个选项）（第5行）"]
    errors = [str(p) for p in validate_records(result.records) if p.severity == "error"]
    assert len(errors) == 1 and errors[0].startswith("a.csv 第5行")


def test_declared_separator_is_read_from_the_header_note():
    assert declared_separator("选项（用##分隔）") == "##"
    assert declared_separator("选项(以“|”隔开)") == "|"
    assert declared_separator("选项【按换行分隔】") == "\n"
    assert declared_separator("选项") is None
