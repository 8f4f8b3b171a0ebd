"""The spreadsheet template (xlsx and csv): the format trainers use most.

Reading accepts every header alias and quirk of formats README section 1. Writing produces the template
layout. Formula injection: a text cell that starts with ``= + - @`` tab, CR or ``'`` (and a stem that
starts like a question number, or an option that starts like a letter marker) is written with one
leading ``'``; the reader removes exactly that one ``'``, so export then import gives back the same text.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from lawtrain.banks.formats.common import (
    QUESTION_NUMBER,
    canonical_blanks,
    clean_text,
    decode_text,
    drop_question_number,
    nfkc,
    normalise_type,
    parse_basis,
    parse_difficulty,
    parse_letters,
    parse_points,
    split_fill_answer,
    split_tags,
    true_false_word,
)
from lawtrain.banks.formats.option_cells import (
    ANY_MARKER,
    OPTION_RULES,
    declared_separator,
    split_options_rule,
    strip_own_marker,
)
from lawtrain.banks.formats.records import (
    CASE,
    FILL_BLANK,
    LETTERS,
    MULTIPLE,
    SINGLE,
    TRUE_FALSE,
    FormatError,
    Location,
    ParseResult,
    Problem,
    QuestionRecord,
)
from lawtrain.banks.formats.safety import check_zip_budget

MAX_ROWS = 20_000
MAX_COLUMNS = 40
HEADER_SEARCH_ROWS = 10

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "type": ("题型", "试题类型", "题目类型", "类型", "type", "question_type", "questiontype"),
    "stem": ("题干", "题目", "题目内容", "试题", "试题内容", "问题", "stem", "question", "题目名称"),
    "options": ("选项", "题目选项", "options", "备选项", "备选答案"),
    "answer": ("答案", "正确答案", "题目答案", "answer", "参考答案", "标准答案"),
    "explanation": ("解析", "答案解析", "explanation", "试题解析", "题目解析"),
    "points": ("分值", "points", "分数", "score"),
    "difficulty": ("难度", "difficulty", "难易度", "难易程度"),
    "basis": ("法律依据", "依据", "出处", "basis", "法条依据", "法规依据"),
    "tags": ("知识点", "标签", "tags", "tag"),
    "external_id": ("题目id", "编号", "external_id", "externalid", "试题id", "试题编号", "题目编号"),
    # Cases: the 案例分析题 row (its 题干 is the case text) and the rows of its sub-questions name the same case.
    "case": ("案例", "案例编号", "所属案例", "案例id", "case", "case_id"),
}
_HEADER_LOOKUP = {alias: key for key, aliases in HEADER_ALIASES.items() for alias in aliases}
_OPTION_HEADER = re.compile(r"^(?:选项|option_?|)([a-h])$")
SHEET_TYPES = {"单选题": SINGLE, "多选题": MULTIPLE, "判断题": TRUE_FALSE, "填空题": FILL_BLANK}

_INJECTION = ("=", "+", "-", "@", "\t", "\r", "'")


# ---------------------------------------------------------------- protection (formula injection, exact round trip)
def needs_protect(text: str, kind: str = "text") -> bool:
    if text.startswith(_INJECTION):
        return True
    if kind == "stem" and QUESTION_NUMBER.match(text):
        return True
    return kind == "option" and bool(ANY_MARKER.match(text))


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in xlsx (XML 1.0) cells


def protect(text: str, kind: str = "text") -> str:
    text = _CONTROL_CHARS.sub("", text) if text else text
    return "'" + text if text and needs_protect(text, kind) else text


def unprotect(text: str, kind: str = "text") -> tuple[str, bool]:
    """Remove the one ``'`` the writer added. Returns (text, literal) — literal text skips clean-ups."""
    if text.startswith("'") and needs_protect(text[1:], kind):
        return text[1:], True
    return text, False


# ---------------------------------------------------------------- headers
def normalise_header(value: Any) -> str:
    text = nfkc(clean_text(value)).strip().strip("*").strip()
    text = re.split(r"[(\[【<]", text, maxsplit=1)[0]
    return re.sub(r"\s+", "", text).lower()


@dataclass
class _Header:
    columns: dict[str, int] = field(default_factory=dict)  # canonical key -> column index
    option_columns: dict[str, int] = field(default_factory=dict)  # letter -> column index
    names: dict[int, str] = field(default_factory=dict)  # column index -> header text as written
    extra: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    option_separator: str | None = None  # what the 选项 header says separates the options in its cells


def _read_header(values: list[Any]) -> _Header | None:
    header = _Header()
    for index, value in enumerate(values):
        raw = clean_text(value)
        if not raw:
            continue
        name = normalise_header(raw)
        header.names[index] = raw
        key = _HEADER_LOOKUP.get(name)
        option = _OPTION_HEADER.match(name)
        if key:
            if key in header.columns:
                header.duplicates.append(raw)
            else:
                header.columns[key] = index
                if key == "options":
                    header.option_separator = declared_separator(raw)
        elif option:
            letter = option.group(1).upper()
            if letter in header.option_columns:
                header.duplicates.append(raw)
            else:
                header.option_columns[letter] = index
        else:
            header.extra.append(raw)
    if "stem" in header.columns and ("answer" in header.columns or "type" in header.columns):
        return header
    return None


@dataclass
class _Sheet:
    name: str | None
    rows: Iterable[tuple[int, list[Any]]]
    default_type: str | None = None
    option_rules: dict[str, list[int]] = field(default_factory=dict)  # rule -> rows whose 选项 cell it split


def _location(filename: str, sheet: str | None, row: int, column: str | None = None) -> Location:
    return Location(file=filename, sheet=sheet, row=row, column=column)


def _row_to_record(
    values: list[Any], row: int, header: _Header, sheet: _Sheet, filename: str, problems: list[Problem]
) -> QuestionRecord | None:
    def cell(key: str) -> str:
        index = header.columns.get(key)
        return clean_text(values[index]) if index is not None and index < len(values) else ""

    def name(key: str, default: str) -> str:
        index = header.columns.get(key)
        return header.names.get(index, default) if index is not None else default

    def where(key: str, default: str) -> Location:
        return _location(filename, sheet.name, row, name(key, default))

    type_text, _ = unprotect(cell("type"))
    if type_text:
        qtype = normalise_type(type_text) or type_text
    else:
        qtype = sheet.default_type or ""

    stem, literal = unprotect(cell("stem"), "stem")
    if not literal:
        stem = drop_question_number(stem).strip()

    options: list[str] = []
    if header.option_columns:
        present: list[tuple[str, str]] = []
        for letter in LETTERS:
            index = header.option_columns.get(letter)
            value = clean_text(values[index]) if index is not None and index < len(values) else ""
            value, literal = unprotect(value, "option")
            if value and not literal:
                value = strip_own_marker(value, letter).strip()
            present.append((letter, value))
        last = max((i for i, (_, v) in enumerate(present) if v), default=-1)
        for letter, value in present[: last + 1]:
            if not value:
                problems.append(Problem(_location(filename, sheet.name, row, f"选项{letter}"),
                                        f"选项{letter}为空，但后面还有选项：请把选项连续填写"))
            options.append(value)
    if not any(options) and cell("options"):
        options, rule = split_options_rule(unprotect(cell("options"))[0], header.option_separator)
        sheet.option_rules.setdefault(rule, []).append(row)

    answer_text, _ = unprotect(cell("answer"), "answer")
    answer: list[Any] = []
    if qtype == TRUE_FALSE:
        if answer_text:
            value = true_false_word(answer_text)
            letters = parse_letters(answer_text) if value is None else None
            if value is None and letters and len(letters) == 1 and options:
                position = LETTERS.index(letters[0]) if letters[0] in LETTERS else len(options)
                if position < len(options):
                    value = true_false_word(options[position])
            answer = [value] if value else [answer_text]
        options = []  # true/false questions carry no options of their own
    elif qtype == FILL_BLANK:
        answer = split_fill_answer(answer_text) if answer_text else []
        stem = canonical_blanks(stem)
    elif answer_text:
        letters = parse_letters(answer_text)
        answer = letters if letters is not None else [answer_text]

    explanation, _ = unprotect(cell("explanation"))
    points = difficulty = None
    try:
        points = parse_points(unprotect(cell("points"))[0])
    except ValueError:
        problems.append(Problem(where("points", "分值"), f"分值“{cell('points')}”不是有效的数字"))
    try:
        difficulty = parse_difficulty(unprotect(cell("difficulty"))[0])
    except ValueError:
        problems.append(Problem(where("difficulty", "难度"),
                                f"难度“{cell('difficulty')}”无法识别（应为 易/中/难、简单/中等/困难 或 1–5）"))
    basis_text, _ = unprotect(cell("basis"))
    basis, unreadable = parse_basis(basis_text)
    for piece in unreadable:
        problems.append(Problem(where("basis", "法律依据"),
                                f"法律依据“{piece}”无法识别（示例：《安全生产法》第二十一条）", "warning"))
    tags = split_tags(unprotect(cell("tags"))[0])
    external_id = unprotect(cell("external_id"))[0] or None
    return QuestionRecord(
        type=qtype, stem=stem, options=options, answer=answer, explanation=explanation, points=points,
        difficulty=difficulty, basis=basis, tags=tags, external_id=external_id,
        location=_location(filename, sheet.name, row),
    )


def _parse_sheet(sheet: _Sheet, filename: str, result: ParseResult) -> bool:
    """Parse one sheet; False when no header row was found in it."""
    rows = iter(sheet.rows)
    header: _Header | None = None
    header_row = 0
    for row_number, values in rows:
        if row_number > HEADER_SEARCH_ROWS:
            break
        header = _read_header(values)
        if header:
            header_row = row_number
            break
    if header is None:
        return False
    if "type" not in header.columns and sheet.default_type is None:
        result.problems.append(Problem(_location(filename, sheet.name, header_row, "题型"),
                                       "缺少“题型”列（或把工作表命名为 单选题/多选题/判断题/填空题）"))
    if header.extra:
        result.problems.append(Problem(_location(filename, sheet.name, header_row),
                                       f"以下列无法识别，已忽略：{'、'.join(header.extra)}", "warning"))
    if header.duplicates:
        result.problems.append(Problem(_location(filename, sheet.name, header_row),
                                       f"以下列重复，只读取第一列：{'、'.join(header.duplicates)}", "warning"))
    keyed: list[tuple[QuestionRecord, str]] = []
    for row_number, values in rows:
        if not any(clean_text(v) for v in values):
            continue
        if row_number > MAX_ROWS + header_row:
            raise FormatError(f"工作表“{sheet.name or filename}”超过 {MAX_ROWS} 行的上限，请拆分成多个文件")
        record = _row_to_record(values, row_number, header, sheet, filename, result.problems)
        if record is not None:
            index = header.columns.get("case")
            key = unprotect(clean_text(values[index]))[0] if index is not None and index < len(values) else ""
            keyed.append((record, key))
    result.records.extend(_group_cases(keyed, header.names.get(header.columns.get("case", -1), "案例"),
                                       result.problems))
    _note_option_rules(sheet, header, filename, result)
    return True


def _group_cases(keyed: list[tuple[QuestionRecord, str]], column: str, problems: list[Problem]) -> list[QuestionRecord]:
    """Rows -> records, a case's rows becoming one case record. A case is a row of type 案例分析题 (its 题干 is the
    case text; its 案例 cell — or else its 题目ID — names the case) followed directly by the rows of its
    sub-questions, each with the same name in the 案例 column. Every broken group is reported on its row."""
    out: list[QuestionRecord] = []
    open_case: QuestionRecord | None = None
    open_key = ""
    seen: dict[str, int] = {}  # case name -> the row of its 案例分析题 line
    for record, key in keyed:
        row = record.location.row
        if record.type == CASE:
            key = key or (record.external_id or "")
            record.external_id = record.external_id or key or None
            if not key:
                problems.append(Problem(replace(record.location, column=column),
                                        f"案例分析题需要在“{column}”列（或“题目ID”列）填写案例编号，小题行填写同一编号"))
            elif key in seen:
                problems.append(Problem(replace(record.location, column=column),
                                        f"案例“{key}”已在第{seen[key]}行定义，案例编号不能重复"))
            else:
                seen[key] = row
            if record.options or record.answer:
                problems.append(Problem(replace(record.location, column="答案"),
                                        "案例分析题的行只写案情（题干），选项和答案写在其后各小题的行中"))
            out.append(record)
            open_case, open_key = record, key
            continue
        if not key:
            out.append(record)
            open_case, open_key = None, ""
            continue
        if open_case is not None and key == open_key:
            record.location = replace(record.location, sub=len(open_case.items) + 1)
            open_case.items.append(record)
            continue
        if key in seen:
            message = (f"案例“{key}”的小题应紧跟在它的案情行（第{seen[key]}行）和其他小题之后，"
                       "中间不能插入其他题目")
        else:
            message = (f"“{column}”列写的是“{key}”，但前面没有题型为“案例分析题”、编号为“{key}”的案情行"
                       "（请先写案情行，再紧接着写各小题）")
        problems.append(Problem(replace(record.location, column=column), message))
        out.append(record)
        open_case, open_key = None, ""
    return out


def _row_list(rows: list[int]) -> str:
    """[2, 3, 4, 7] -> 第2–4、7行."""
    spans: list[list[int]] = []
    for r in rows:
        if spans and r == spans[-1][1] + 1:
            spans[-1][1] = r
        else:
            spans.append([r, r])
    return "第" + "、".join(f"{a}" if a == b else f"{a}–{b}" for a, b in spans) + "行"


def _note_option_rules(sheet: _Sheet, header: _Header, filename: str, result: ParseResult) -> None:
    """Say in the preview how the 选项 cells were split, and by which rule each row."""
    if not sheet.option_rules:
        return
    where = Location(file=filename, sheet=sheet.name).describe()
    column = header.names.get(header.columns.get("options", -1), "选项")
    sep = (header.option_separator or "").replace("\n", "换行")
    parts = [f"{OPTION_RULES[rule].format(sep=sep)}（{_row_list(rows)}）"
             for rule, rows in sorted(sheet.option_rules.items(), key=lambda item: item[1][0])]
    declared = f"表头声明以“{sep}”分隔；" if sep and "declared" not in sheet.option_rules else ""
    result.notes.append(f"{where + ' ' if where else ''}“{column}”列的选项：{declared}{'；'.join(parts)}")


def _sheet_type(name: str) -> str | None:
    base = re.split(r"[(\[【（]", nfkc(name).strip(), maxsplit=1)[0].strip()
    return SHEET_TYPES.get(base)


# ---------------------------------------------------------------- readers
def parse_csv(data: bytes, filename: str = "") -> ParseResult:
    text = decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, values in enumerate(reader, start=1):
                if number > MAX_ROWS + HEADER_SEARCH_ROWS:
                    raise FormatError(f"文件超过 {MAX_ROWS} 行的上限，请拆分成多个文件")
                yield number, values[:MAX_COLUMNS]
        except csv.Error as exc:
            raise FormatError(f"CSV 文件格式错误：第{reader.line_num}行 {exc}") from exc

    result = ParseResult()
    if not _parse_sheet(_Sheet(name=None, rows=rows()), filename, result):
        raise FormatError("CSV 文件前 10 行中没有找到表头（至少需要“题干”和“答案”两列，可下载模板对照）")
    return result


def parse_xlsx(data: bytes, filename: str = "") -> ParseResult:
    check_zip_budget(data)
    import openpyxl  # local import: only this format needs it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except FormatError:
        raise
    except Exception as exc:  # openpyxl raises many types for corrupt/hostile files
        raise FormatError(f"无法打开 Excel 文件：文件已损坏、已加密或不是 .xlsx 格式（{type(exc).__name__}）") from exc
    result = ParseResult()
    matched = 0
    try:
        for worksheet in workbook.worksheets:
            declared_columns = worksheet.max_column or 0
            worksheet.reset_dimensions()

            def rows(ws: Any = worksheet) -> Iterator[tuple[int, list[Any]]]:
                cells = ws.iter_rows(max_row=MAX_ROWS + HEADER_SEARCH_ROWS + 1, max_col=MAX_COLUMNS, values_only=True)
                for number, values in enumerate(cells, start=1):
                    yield number, list(values)

            sheet = _Sheet(name=worksheet.title, rows=rows(), default_type=_sheet_type(worksheet.title))
            try:
                found = _parse_sheet(sheet, filename, result)
            except FormatError:
                raise
            except Exception as exc:
                raise FormatError(
                    f"读取工作表“{worksheet.title}”时出错：文件可能已损坏（{type(exc).__name__}）"
                ) from exc
            if found:
                matched += 1
                if declared_columns > MAX_COLUMNS:
                    result.problems.append(Problem(Location(file=filename, sheet=worksheet.title),
                                                   f"只读取前 {MAX_COLUMNS} 列，之后的列已忽略", "warning"))
    finally:
        workbook.close()
    if not matched:
        raise FormatError("没有找到包含表头的工作表（至少需要“题干”和“答案”两列，可下载模板对照）")
    return result
