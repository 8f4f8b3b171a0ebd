"""The staff roster parser and the shared spreadsheet helpers (pure, no app)."""

from __future__ import annotations

import ast
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from lawtrain.org.staff_import import ImportProblem, StaffRow, parse_staff_file, split_roles
from lawtrain.spreadsheet import SpreadsheetError, check_zip_budget, csv_bytes, safe_cell

GOOD_CSV = (
    "工号,姓名,部门,角色,登录名\n"
    "S1001,张三,区应急局/执法大队,学员,\n"
    "S1002,李四,区应急局／政策法规科,学员、培训管理员,LiSi\n"
    "S1003,王五,区应急局,,\n"
)


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_good_csv_gives_rows_with_defaults():
    rows, problems = parse_staff_file(GOOD_CSV.encode(), "名单.csv")
    assert problems == []
    assert rows[0] == StaffRow(line=2, staff_no="S1001", name="张三", department="区应急局/执法大队",
                               roles=("学员",), username="s1001", username_from_staff_no=True)
    assert rows[1].roles == ("学员", "培训管理员") and rows[1].username == "LiSi"
    assert rows[1].department == "区应急局／政策法规科"  # path normalised later by split_path
    assert rows[2].roles == ("学员",)  # empty role cell defaults to 学员


def test_csv_with_bom_and_gbk_encoding_read_the_same():
    utf8_rows, _ = parse_staff_file(GOOD_CSV.encode("utf-8-sig"), "a.csv")
    gbk_rows, problems = parse_staff_file(GOOD_CSV.encode("gb18030"), "a.csv")
    assert problems == []
    assert gbk_rows == utf8_rows
    assert gbk_rows[0].name == "张三"


def test_xlsx_with_header_aliases_and_numeric_staff_numbers():
    data = _xlsx([
        ["员工编号", "name", "Department", "Role", "用户名"],
        [1001, "赵六", "区应急局/执法大队", "leader; staff", None],
        [None, None, None, None, None],
        [1002, "钱七", "区应急局", "系统管理员", "qianqi"],
    ])
    rows, problems = parse_staff_file(data, "roster.xlsx")
    assert problems == []
    assert [(r.line, r.staff_no, r.username) for r in rows] == [(2, "1001", "1001"), (4, "1002", "qianqi")]
    assert rows[0].roles == ("leader", "staff")


def test_header_with_required_marks_is_recognised():
    rows, problems = parse_staff_file("工号*,姓名（必填）,部门\nA1,甲,区应急局\n".encode(), "x.csv")
    assert problems == [] and rows[0].name == "甲"


def test_missing_required_column_is_named():
    rows, problems = parse_staff_file("工号,名称\nA1,甲\n".encode(), "x.csv")
    assert rows == []
    text = str(problems[0])
    assert text.startswith("第1行") and "“姓名”" in text and "“部门”" in text


@pytest.mark.parametrize("data,name,expected", [
    (b"", "a.csv", "空"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "photo.png", "只支持"),
    (b"PK\x03\x04 this is not really a zip", "a.xlsx", "不是有效的 Excel"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", ".xls"),
    (b"\x00\x01\x02binary", "a.csv", "不是文本"),
])
def test_a_file_that_is_not_a_spreadsheet_is_refused_clearly(data, name, expected):
    rows, problems = parse_staff_file(data, name)
    assert rows == []
    assert len(problems) == 1 and problems[0].line == 0 and expected in problems[0].message


def test_zip_bomb_budget():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/huge.xml", b"0" * (51 * 1024 * 1024))
    data = out.getvalue()
    assert len(data) < 1024 * 1024  # small on disk ...
    with pytest.raises(SpreadsheetError, match="解压后过大"):
        check_zip_budget(data)  # ... refused before anything is unpacked
    rows, problems = parse_staff_file(data, "bomb.xlsx")
    assert rows == [] and "解压后过大" in problems[0].message

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for i in range(1000):
            zf.writestr(f"f{i}", b"")
    with pytest.raises(SpreadsheetError, match="条目过多"):
        check_zip_budget(out.getvalue())


def test_problem_text_names_row_and_column():
    problem = ImportProblem(5, "部门", "部门“区应急局/不存在科”不存在")
    assert str(problem) == "第5行 “部门”列：部门“区应急局/不存在科”不存在"
    assert str(ImportProblem(0, "", "文件是空的")) == "文件是空的"


def test_split_roles_accepts_every_separator():
    assert split_roles("学员、领导,培训管理员；admin;staff") == ("学员", "领导", "培训管理员", "admin", "staff")
    assert split_roles("  ") == ("学员",)


@pytest.mark.parametrize("value,expected", [
    ("=1+1", "'=1+1"), ("+86", "'+86"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("张三", "张三"), ("a=b", "a=b"), (5, 5), (None, None),
])
def test_safe_cell_neutralises_formulas(value, expected):
    assert safe_cell(value) == expected


def test_csv_bytes_has_bom_and_safe_cells():
    data = csv_bytes(["登录名", "密码"], [["=cmd|' /C calc'!A0", "abc"]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert "'=cmd" in data.decode("utf-8-sig")


def test_pure_modules_import_no_framework():
    root = Path(__file__).resolve().parents[2] / "lawtrain"
    for module in ("org/staff_import.py", "spreadsheet.py"):
        tree = ast.parse((root / module).read_text(encoding="utf-8"))
        names = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        names |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not {m for m in names if m and m.split(".")[0] in ("flask", "sqlalchemy", "flask_babel")}, module
        assert "lawtrain.extensions" not in names
