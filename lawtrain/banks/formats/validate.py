"""Content checks on parsed records (pure). Parsers report format-level problems; the bank service adds
database checks (duplicates against the bank, articles that do not exist in the law)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from lawtrain.banks.formats.common import count_blanks, letter_range
from lawtrain.banks.formats.records import (
    CASE,
    FALSE,
    FILL_BLANK,
    LETTERS,
    MAX_CASE_ITEMS,
    MIN_CASE_ITEMS,
    MULTIPLE,
    QUESTION_TYPES,
    SINGLE,
    TRUE,
    TRUE_FALSE,
    TYPE_LABELS,
    Location,
    Problem,
    QuestionRecord,
)

_STRIP = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise_for_duplicates(text: str) -> str:
    """NFKC, lower case, no whitespace or punctuation."""
    return _STRIP.sub("", unicodedata.normalize("NFKC", text or "").lower())


def duplicate_key(record: QuestionRecord) -> str:
    """Normalised stem + options: two records with the same key are the same question."""
    parts = [normalise_for_duplicates(record.stem)] + sorted(normalise_for_duplicates(o) for o in record.options)
    return "\x1f".join(parts)


def _describe(location: Location) -> str:
    if location.sub is not None:
        return _describe(replace(location, sub=None)) + f"第{location.sub}小题"
    if location.row is not None:
        return f"第{location.row}行" + (f"（工作表“{location.sheet}”）" if location.sheet else "")
    if location.line is not None:
        return f"第{location.line}行"
    if location.index is not None:
        return f"第{location.index}题"
    return "前面"


def validate_case(record: QuestionRecord) -> list[Problem]:
    """A case: a case text and 2–6 sub-questions, each a valid question of the four ordinary types."""
    problems: list[Problem] = []
    if not record.stem.strip():
        problems.append(Problem(replace(record.location, column=record.location.column or "案情"), "缺少案情"))
    if not MIN_CASE_ITEMS <= len(record.items) <= MAX_CASE_ITEMS:
        problems.append(Problem(replace(record.location, column=record.location.column or "小题"),
                                f"案例分析题应有 {MIN_CASE_ITEMS}–{MAX_CASE_ITEMS} 道小题"
                                f"（现有 {len(record.items)} 道）"))
    if record.difficulty is not None and not 1 <= record.difficulty <= 5:
        problems.append(Problem(replace(record.location, column="难度"), f"难度应为 1–5（现为 {record.difficulty}）"))
    for item in record.items:
        if item.type == CASE:
            problems.append(Problem(replace(item.location, column="题型"), "案例的小题不能再是案例分析题"))
        else:
            problems.extend(validate_record(item))
    return problems


def validate_record(record: QuestionRecord) -> list[Problem]:
    if record.type == CASE:
        return validate_case(record)
    problems: list[Problem] = []

    def error(column: str, message: str, severity: str = "error") -> None:
        problems.append(Problem(replace(record.location, column=column), message, severity))

    if not record.type:
        error("题型", "缺少题型（单选题、多选题、判断题或填空题）")
        return problems
    if record.type not in QUESTION_TYPES:
        error("题型", f"不支持的题型“{record.type}”（支持：单选题、多选题、判断题、填空题）")
        return problems
    if not record.stem.strip():
        error("题干", "缺少题干")
    answers = [a for a in record.answer if a not in ("", [], None)]
    if record.type in (SINGLE, MULTIPLE):
        options = record.options
        if len([o for o in options if o.strip()]) < 2:
            present = len([o for o in options if o.strip()])
            error("选项", f"{TYPE_LABELS[record.type]}至少需要两个选项（现有 {present} 个）")
        if len(options) > len(LETTERS):
            error("选项", f"选项最多 {len(LETTERS)} 个（现有 {len(options)} 个）")
        if not answers:
            error("答案", "缺少答案")
        for answer in answers:
            if not (isinstance(answer, str) and len(answer) == 1 and answer in LETTERS[: len(options)]):
                error("答案", f"答案 \"{answer}\" 不在选项 {letter_range(len(options))} 中")
        if record.type == SINGLE and len(answers) > 1:
            error("答案", f"单选题只能有一个答案（现为 {''.join(map(str, answers))}），如有多个正确答案请改为多选题")
        if record.type == MULTIPLE and len(answers) == 1:
            error("答案", f"多选题只有一个正确答案 \"{answers[0]}\"，请确认是否应为单选题", "warning")
        normalised = [normalise_for_duplicates(o) for o in options if o.strip()]
        if len(set(normalised)) < len(normalised):
            error("选项", "有重复的选项", "warning")
    elif record.type == TRUE_FALSE:
        if not answers:
            error("答案", "缺少答案")
        elif len(answers) != 1 or answers[0] not in (TRUE, FALSE):
            error("答案", f"判断题答案 \"{''.join(map(str, answers))}\" 无法识别（应为 正确/错误、对/错、√/×、T/F）")
    elif record.type == FILL_BLANK:
        groups = [g for g in record.answer if isinstance(g, list)]
        if not groups or not any(groups):
            error("答案", "缺少答案")
        else:
            empty = [str(i) for i, g in enumerate(groups, start=1) if not g]
            if empty:
                error("答案", f"第{'、'.join(empty)}个空缺少答案")
            blanks = count_blanks(record.stem)
            if blanks == 0:
                error("题干", "填空题题干中没有空位（用 ____ 或 （ ） 标出）")
            elif blanks != len(groups):
                error("答案", f"题干有 {blanks} 个空，但答案有 {len(groups)} 组（多个空之间用 | 分隔）")
    if record.points is not None and record.points <= 0:
        error("分值", f"分值应大于 0（现为 {record.points:g}）")
    if record.difficulty is not None and not 1 <= record.difficulty <= 5:
        error("难度", f"难度应为 1–5（现为 {record.difficulty}）")
    return problems


def validate_records(records: list[QuestionRecord]) -> list[Problem]:
    """Every content problem in ``records``, in order; duplicates within the file are errors."""
    problems: list[Problem] = []
    seen: dict[str, QuestionRecord] = {}
    seen_ids: dict[str, QuestionRecord] = {}
    for record in records:
        problems.extend(validate_record(record))
        if record.type == CASE:  # sub-questions share the file's 题目IDs; the same stem may recur in another case
            problems.extend(_duplicates(record.items, {}, seen_ids))
            problems.extend(_duplicates([record], {}, seen_ids))
            continue
        problems.extend(_duplicates([record], seen, seen_ids))
    return problems


def _duplicates(records: list[QuestionRecord], seen: dict[str, QuestionRecord],
                seen_ids: dict[str, QuestionRecord]) -> list[Problem]:
    problems: list[Problem] = []
    for record in records:
        if record.stem.strip():
            key = f"{record.type}\x1e{duplicate_key(record)}"
            first = seen.get(key)
            if first is not None:
                problems.append(Problem(replace(record.location, column="题干"),
                                        f"与{_describe(first.location)}的题目重复"))
            else:
                seen[key] = record
        if record.external_id:
            first = seen_ids.get(record.external_id)
            if first is not None:
                problems.append(Problem(replace(record.location, column="题目ID"),
                                        f"题目ID“{record.external_id}”与{_describe(first.location)}重复"))
            else:
                seen_ids[record.external_id] = record
    return problems
