"""Pure parser for staff roster files (.xlsx / .csv): 工号, 姓名, 部门, 角色, 登录名."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from lawtrain.spreadsheet import SpreadsheetError, read_table

MAX_ROWS = 5000

# Field -> the column title shown in messages, and every header spelling accepted for it.
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "staff_no": ("工号", ("工号", "员工编号", "员工号", "职工号", "staff_no", "staffno", "staff no", "staff number")),
    "name": ("姓名", ("姓名", "名字", "name", "display_name", "full name")),
    "department": ("部门", ("部门", "所属部门", "部门路径", "department", "dept")),
    "roles": ("角色", ("角色", "role", "roles")),
    "username": ("登录名", ("登录名", "用户名", "账号", "帐号", "username", "login", "user name")),
}
REQUIRED = ("staff_no", "name", "department")
ROLE_SEPARATORS = re.compile(r"[、,，;；/|\s]+")
DEFAULT_ROLE = "学员"


@dataclass(frozen=True)
class StaffRow:
    """One person from the file, as written (roles still raw labels; the service resolves them)."""

    line: int
    staff_no: str
    name: str
    department: str
    roles: tuple[str, ...]
    username: str
    username_from_staff_no: bool = False


@dataclass(frozen=True)
class ImportProblem:
    """What is wrong, where: line 0 / column "" means the whole file."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第{self.line}行 " if self.line else ""
        col = f"“{self.column}”列：" if self.column else ""
        return f"{where}{col}{self.message}"


def _header_key(text: str) -> str:
    """"工号（必填）*" -> "工号"; "Staff No" -> "staff_no" (NFKC turns full-width brackets ASCII)."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = re.sub(r"\([^)]*\)", "", text)
    return re.sub(r"[\s*:_-]+", "_", text).strip("_")


_ALIASES = {_header_key(alias): field for field, (_, aliases) in COLUMNS.items() for alias in aliases}


def column_title(field: str) -> str:
    return COLUMNS[field][0]


def split_roles(text: str) -> tuple[str, ...]:
    """"学员、领导" -> ("学员", "领导"); empty -> ("学员",)."""
    parts = tuple(p for p in ROLE_SEPARATORS.split(text or "") if p)
    return parts or (DEFAULT_ROLE,)


def parse_staff_file(data: bytes, filename: str) -> tuple[list[StaffRow], list[ImportProblem]]:
    """Read the roster; return the rows and the problems found in the file's shape (rules: the service)."""
    try:
        table = read_table(data, filename, max_rows=MAX_ROWS)
    except SpreadsheetError as e:
        return [], [ImportProblem(0, "", str(e))]
    if not table:
        return [], [ImportProblem(0, "", "文件中没有任何内容")]
    header_line, header = table[0]
    positions: dict[str, int] = {}
    problems: list[ImportProblem] = []
    for index, title in enumerate(header):
        field = _ALIASES.get(_header_key(title))
        if field is None:
            continue
        if field in positions:
            problems.append(ImportProblem(header_line, title, f"与第 {positions[field] + 1} 列重复"))
        else:
            positions[field] = index
    missing = [f for f in REQUIRED if f not in positions]
    if missing:
        expected = "；".join(f"“{column_title(f)}”（也可写作 {'、'.join(COLUMNS[f][1][1:3])}）" for f in missing)
        problems.append(ImportProblem(header_line, "", f"第一行应为表头，缺少列：{expected}"))
        return [], problems
    if len(table) == 1:
        problems.append(ImportProblem(0, "", "文件只有表头，没有人员数据"))
    rows = []
    for line, cells in table[1:]:
        def get(field: str, cells=cells) -> str:
            i = positions.get(field)
            return cells[i] if i is not None and i < len(cells) else ""

        staff_no, username = get("staff_no"), get("username")
        rows.append(StaffRow(
            line=line, staff_no=staff_no, name=get("name"), department=get("department"),
            roles=split_roles(get("roles")), username=username or staff_no.lower(),
            username_from_staff_no=not username,
        ))
    return rows, problems
