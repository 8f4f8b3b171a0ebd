"""Plain question records: what every parser produces and every writer consumes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

SINGLE, MULTIPLE, TRUE_FALSE, FILL_BLANK = "single", "multiple", "true_false", "fill_blank"
QUESTION_TYPES = (SINGLE, MULTIPLE, TRUE_FALSE, FILL_BLANK)
CASE = "case"  # 案例分析: a case text and 2–6 sub-questions of the four types above
MIN_CASE_ITEMS, MAX_CASE_ITEMS = 2, 6
LETTERS = "ABCDEFGH"
TYPE_LABELS = {SINGLE: "单选题", MULTIPLE: "多选题", TRUE_FALSE: "判断题", FILL_BLANK: "填空题", CASE: "案例分析题"}
TRUE, FALSE = "true", "false"
DEFAULT_DIFFICULTY = 3  # an unrated question counts as middling (1..5) when papers are balanced


class FormatError(Exception):
    """The file as a whole cannot be read (wrong format, corrupt, hostile, over budget).

    The message is plain Chinese and safe to show to the trainer. Row- or question-level trouble is
    never raised: it goes into :attr:`ParseResult.problems`.
    """


@dataclass(frozen=True)
class Citation:
    law: str  # short name, e.g. 安全生产法
    article: int


@dataclass(frozen=True)
class Location:
    """Where a record or problem comes from: file, sheet, row or line, column or field."""

    file: str = ""
    sheet: str | None = None
    row: int | None = None  # spreadsheet row (1-based, header is row 1)
    line: int | None = None  # text formats
    column: str | None = None
    index: int | None = None  # ordinal of the question in the file (formats without rows or lines)
    sub: int | None = None  # a case's sub-question (1-based) in formats where a case is one entry (JSON)

    def describe(self) -> str:
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append(f"工作表“{self.sheet}”")
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.line is not None:
            parts.append(f"第{self.line}行")
        if self.index is not None and self.row is None:
            parts.append(f"第{self.index}题")
        if self.sub is not None:
            parts.append(f"第{self.sub}小题")
        if self.column:
            parts.append(f"“{self.column}”列" if self.row is not None else f"字段“{self.column}”")
        return " ".join(parts)


@dataclass(frozen=True)
class Problem:
    """An error blocks the import; a warning does not."""

    location: Location
    message: str  # plain Chinese, e.g. 答案 "E" 不在选项 A–D 中
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        where = self.location.describe()
        return f"{where}：{self.message}" if where else self.message


@dataclass
class QuestionRecord:
    type: str
    stem: str
    options: list[str] = field(default_factory=list)
    # letters for choice types; ["true"]/["false"]; fill_blank: list of alternative lists per blank
    answer: list[Any] = field(default_factory=list)
    explanation: str = ""
    points: float | None = None
    difficulty: int | None = None  # 1..5
    basis: list[Citation] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    external_id: str | None = None
    title: str | None = None
    category: str | None = None
    location: Location = field(default_factory=Location)
    # type "case" only: the case text (Markdown) is `stem`; the sub-questions, in order, are `items`.
    items: list[QuestionRecord] = field(default_factory=list)

    @property
    def is_case(self) -> bool:
        return self.type == CASE

    @property
    def case_text(self) -> str:
        return self.stem if self.is_case else ""


def flatten_cases(records: list[QuestionRecord], *, note: str = "【案例】") -> list[QuestionRecord]:
    """Records for a format without cases: each case becomes its sub-questions, the case text prepended to
    every stem (`【案例】…` then `【问题】…`); other records pass through."""
    out: list[QuestionRecord] = []
    for record in records:
        if not record.is_case:
            out.append(record)
            continue
        for item in record.items:
            out.append(replace(item, stem=f"{note}{record.stem}\n\n【问题】{item.stem}",
                               tags=list(dict.fromkeys([*item.tags, "案例分析"]))))
    return out


def has_cases(records: list[QuestionRecord]) -> bool:
    return any(r.is_case for r in records)


class SortsProblems:
    """`errors` and `warnings` of anything with a `problems` list (a parse, an import plan)."""

    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


@dataclass
class ParseResult(SortsProblems):
    records: list[QuestionRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    bank_name: str | None = None
    bank_description: str | None = None
    # LawTrain JSON only: the law and the revision date the bank's citations are numbered against (a bank
    # written before the law's current revision is flagged for review on import).
    law_name: str | None = None
    law_revision: date | None = None
    notes: list[str] = field(default_factory=list)  # how the file was read, for the preview (not problems)
