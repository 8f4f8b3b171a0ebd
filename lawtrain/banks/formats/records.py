"""Plain question records: what every parser produces and every writer consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

SINGLE, MULTIPLE, TRUE_FALSE, FILL_BLANK = "single", "multiple", "true_false", "fill_blank"
QUESTION_TYPES = (SINGLE, MULTIPLE, TRUE_FALSE, FILL_BLANK)
LETTERS = "ABCDEFGH"
TYPE_LABELS = {SINGLE: "单选题", MULTIPLE: "多选题", TRUE_FALSE: "判断题", FILL_BLANK: "填空题"}
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
