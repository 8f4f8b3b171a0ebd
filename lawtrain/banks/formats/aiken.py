"""Aiken (Moodle): single-choice questions only. Question on one line, options ``A.`` or ``A)`` on their
own lines, ``ANSWER: X`` last. Malformed questions are named (line and why), as Moodle's own importer does."""

from __future__ import annotations

import re

from lawtrain.banks.formats.common import decode_text
from lawtrain.banks.formats.records import LETTERS, SINGLE, Location, ParseResult, Problem, QuestionRecord

_OPTION = re.compile(r"^([A-Z])\s*[.)．）]\s*(.*)$")
_ANSWER = re.compile(r"^ANSWER\s*[:：]\s*(.*)$", re.IGNORECASE)


def parse_aiken(data: bytes, filename: str = "") -> ParseResult:
    text = decode_text(data).lstrip("\ufeff")
    result = ParseResult()
    stem_line = 0
    stem: list[str] = []
    options: list[str] = []

    def fail(line: int, why: str) -> None:
        preview = "".join(stem)[:30]
        name = f"“{preview}”" if preview else ""
        result.problems.append(Problem(Location(file=filename, line=line), f"题目{name}{why}，未导入"))

    def reset() -> None:
        nonlocal stem, options, stem_line
        stem, options, stem_line = [], [], 0

    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            if stem and not options:
                continue  # Moodle allows nothing here, but a blank line inside the question text is harmless
            if options:
                fail(stem_line, "缺少“ANSWER: 字母”行")
                reset()
            continue
        answer = _ANSWER.match(line)
        option = _OPTION.match(line)
        if answer:
            letter = answer.group(1).strip().upper()
            if not stem:
                fail(number, "缺少题干")
            elif len(options) < 2:
                fail(stem_line, f"只有 {len(options)} 个选项，至少需要两个")
            elif len(letter) != 1 or letter not in LETTERS[: len(options)]:
                fail(number, f"答案 \"{answer.group(1).strip()}\" 不在选项 A–{LETTERS[len(options) - 1]} 中")
            else:
                result.records.append(QuestionRecord(
                    type=SINGLE, stem="\n".join(stem), options=list(options), answer=[letter],
                    location=Location(file=filename, line=stem_line),
                ))
            reset()
        elif option and stem:
            expected = LETTERS[len(options)] if len(options) < len(LETTERS) else None
            if option.group(1) != expected:
                fail(number, f"选项字母应为 {expected or '（最多 8 个选项）'}，实际为 {option.group(1)}")
                reset()
                continue
            options.append(option.group(2).strip())
        elif options:
            fail(stem_line, "选项之后缺少“ANSWER: 字母”行")
            reset()
            stem, stem_line = [line], number
        else:
            if not stem:
                stem_line = number
            stem.append(line)
    if stem or options:
        fail(stem_line, "缺少“ANSWER: 字母”行")
    return result
