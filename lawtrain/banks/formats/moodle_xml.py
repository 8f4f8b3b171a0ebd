"""Moodle XML: parse (defusedxml, no DTD/entities) and write.

Imported: ``multichoice`` (single or multiple), ``truefalse``, ``shortanswer``; ``category`` pseudo-questions
set the category. Every other type (essay, matching, numerical, cloze, description, …) is named and not
imported. Question HTML is sanitised and reduced to plain text (LawTrain stems are plain text); images are
not imported (a warning says so). The writer stores plain text (``format="plain_text"``), tags and
``idnumber`` natively, and what Moodle has no field for (difficulty, legal basis, the answers of extra
blanks) in a ``<lawtrain>`` JSON element that Moodle ignores.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET  # writing only; parsing goes through safety.parse_xml (defusedxml)
from typing import Any

from lawtrain.banks.formats.common import CANONICAL_BLANK, canonical_blanks, count_blanks, format_number
from lawtrain.banks.formats.gift import _apply_meta, _meta
from lawtrain.banks.formats.records import (
    FALSE,
    FILL_BLANK,
    LETTERS,
    MULTIPLE,
    SINGLE,
    TRUE,
    TRUE_FALSE,
    FormatError,
    Location,
    ParseResult,
    Problem,
    QuestionRecord,
)
from lawtrain.banks.formats.safety import parse_xml
from lawtrain.html import count_images, html_to_text

_HTML_FORMATS = {"html", "moodle_auto_format", "1", "0"}
_TYPE_NAMES = {
    "essay": "问答题（essay）", "matching": "配对题（matching）", "numerical": "数值题（numerical）",
    "cloze": "完形填空（cloze）", "multianswer": "完形填空（cloze）", "description": "说明文字（description）",
    "calculated": "计算题（calculated）", "calculatedsimple": "计算题（calculated）", "ddwtos": "拖放题",
    "gapselect": "选词填空（gapselect）", "randomsamatch": "随机配对题",
}


def _text_of(element: Any, path: str, default_format: str = "html") -> tuple[str, int]:
    """(plain text, number of images) of ``path/text`` honouring the element's format attribute."""
    node = element.find(path)
    if node is None:
        return "", 0
    text_node = node.find("text")
    raw = (text_node.text if text_node is not None else node.text) or ""
    fmt = (node.get("format") or default_format).lower()
    if fmt in _HTML_FORMATS:
        return html_to_text(raw), count_images(raw)
    return raw.replace("\r\n", "\n").strip(), 0


def _fraction(answer: Any) -> float:
    try:
        return float(answer.get("fraction") or 0)
    except ValueError:
        return 0.0


def _answers(question: Any) -> list[tuple[float, str]]:
    out = []
    for answer in question.findall("answer"):
        fmt = (answer.get("format") or "html").lower()
        text_node = answer.find("text")
        raw = (text_node.text if text_node is not None else answer.text) or ""
        text = html_to_text(raw) if fmt in _HTML_FORMATS else raw.replace("\r\n", "\n").strip()
        out.append((_fraction(answer), text))
    return out


def _record(question: Any, qtype: str, location: Location, category: str | None,
            problems: list[Problem]) -> QuestionRecord | None:
    name, _ = _text_of(question, "name", "plain_text")
    stem, images = _text_of(question, "questiontext")
    explanation, _ = _text_of(question, "generalfeedback")
    label = f"“{name}”" if name else ""
    if images:
        problems.append(Problem(location, f"题目{label}中的 {images} 张图片未导入（只导入文字）", "warning"))
    record = QuestionRecord(type=SINGLE, stem=stem, explanation=explanation, title=name or None,
                            category=category, location=location)
    answers = _answers(question)
    if qtype == "multichoice":
        single = (question.findtext("single") or "true").strip().lower() in ("true", "1")
        record.options = [text for _, text in answers]
        if single:
            best = max((f for f, _ in answers), default=0)
            correct = [i for i, (f, _) in enumerate(answers) if f > 0 and f == best]
            partial = [text for f, text in answers if 0 < f < best]
            record.type = SINGLE
        else:
            correct = [i for i, (f, _) in enumerate(answers) if f > 0]
            partial = []
            record.type = MULTIPLE
        if partial:
            problems.append(Problem(location, f"题目{label}的部分得分选项按错误选项处理", "warning"))
        record.answer = [LETTERS[i] for i in correct if i < len(LETTERS)]
    elif qtype == "truefalse":
        record.type = TRUE_FALSE
        right = [text.strip().lower() for f, text in answers if f >= 100]
        if right and right[0] in (TRUE, FALSE):
            record.answer = [right[0]]
        elif right:
            record.answer = [right[0]]
    elif qtype == "shortanswer":
        record.type = FILL_BLANK
        alternatives = [text for f, text in answers if f >= 100 and text and text != "*"]
        dropped = [text for f, text in answers if f < 100 and text]
        if dropped:
            problems.append(Problem(location,
                                    f"题目{label}的部分得分答案（{'、'.join(dropped)}）不被 LawTrain 支持，已忽略",
                                    "warning"))
        if count_blanks(record.stem) == 0:
            record.stem = record.stem + CANONICAL_BLANK
        record.stem = canonical_blanks(record.stem)
        record.answer = [alternatives]
    grade = question.findtext("defaultgrade")
    if grade and grade.strip():
        try:
            record.points = float(grade)
        except ValueError:
            problems.append(Problem(location, f"题目{label}的分值“{grade.strip()}”不是数字", "warning"))
    record.external_id = (question.findtext("idnumber") or "").strip() or None
    record.tags = [t.strip() for t in (node.text or "" for node in question.findall("tags/tag/text")) if t.strip()]
    extension = question.findtext("lawtrain")
    if extension:
        try:
            meta = json.loads(extension)
            if isinstance(meta, dict):
                _apply_meta(record, meta)
        except (json.JSONDecodeError, TypeError, ValueError):
            problems.append(Problem(location, f"题目{label}的 lawtrain 扩展信息无法读取，已忽略", "warning"))
    return record


def parse_moodle_xml(data: bytes, filename: str = "") -> ParseResult:
    root = parse_xml(data, what="Moodle XML 文件")
    if root.tag != "quiz":
        raise FormatError(f"不是 Moodle XML：根元素应为 <quiz>，实际为 <{root.tag}>")
    result = ParseResult()
    category: str | None = None
    index = 0
    for question in root.findall("question"):
        qtype = (question.get("type") or "").strip().lower()
        if qtype == "category":
            category = (question.findtext("category/text") or "").strip() or None
            continue
        index += 1
        location = Location(file=filename, index=index)
        if qtype not in ("multichoice", "truefalse", "shortanswer"):
            name = (question.findtext("name/text") or "").strip()
            label = f"“{name}”" if name else ""
            kind = _TYPE_NAMES.get(qtype, f"“{qtype}”类型")
            result.problems.append(Problem(location, f"题目{label}是{kind}，LawTrain 不支持，未导入", "warning"))
            continue
        record = _record(question, qtype, location, category, result.problems)
        if record is not None:
            result.records.append(record)
    return result


def _text_element(parent: ET.Element, tag: str, text: str, fmt: str | None = "plain_text") -> ET.Element:
    node = ET.SubElement(parent, tag)
    if fmt:
        node.set("format", fmt)
    ET.SubElement(node, "text").text = text
    return node


def write_moodle_xml(records: list[QuestionRecord], *, bank_name: str, bank_description: str = "") -> bytes:
    quiz = ET.Element("quiz")
    category = ET.SubElement(quiz, "question", type="category")
    _text_element(category, "category", f"$course$/LawTrain/{bank_name.replace('/', '／')}", None)
    _text_element(category, "info", bank_description)
    for number, record in enumerate(records, start=1):
        moodle_type = {SINGLE: "multichoice", MULTIPLE: "multichoice", TRUE_FALSE: "truefalse",
                       FILL_BLANK: "shortanswer"}.get(record.type, "description")
        question = ET.SubElement(quiz, "question", type=moodle_type)
        _text_element(question, "name", record.external_id or f"Q{number}", None)
        _text_element(question, "questiontext", record.stem)
        _text_element(question, "generalfeedback", record.explanation)
        if record.points is not None:
            ET.SubElement(question, "defaultgrade").text = format_number(record.points)
        ET.SubElement(question, "idnumber").text = record.external_id or ""
        if record.type in (SINGLE, MULTIPLE):
            ET.SubElement(question, "single").text = "true" if record.type == SINGLE else "false"
            ET.SubElement(question, "shuffleanswers").text = "false"
            ET.SubElement(question, "answernumbering").text = "ABCD"
            correct = [a for a in record.answer if a in LETTERS]
            for index, option in enumerate(record.options):
                fraction = "0"
                if LETTERS[index] in correct:
                    fraction = "100" if record.type == SINGLE else f"{100 / len(correct):.5f}".rstrip("0").rstrip(".")
                answer = _text_element(question, "answer", option)
                answer.set("fraction", fraction)
        elif record.type == TRUE_FALSE:
            right = record.answer[0] if record.answer else TRUE
            for value in (TRUE, FALSE):
                answer = _text_element(question, "answer", value, "moodle_auto_format")
                answer.set("fraction", "100" if value == right else "0")
        elif record.type == FILL_BLANK:
            ET.SubElement(question, "usecase").text = "0"
            for alternative in record.answer[0] if record.answer else []:
                answer = _text_element(question, "answer", alternative)
                answer.set("fraction", "100")
        if record.tags:
            tags = ET.SubElement(question, "tags")
            for tag in record.tags:
                ET.SubElement(ET.SubElement(tags, "tag"), "text").text = tag
        meta = {k: v for k, v in _meta(record).items() if k in ("difficulty", "basis", "answer")}
        if meta:
            ET.SubElement(question, "lawtrain").text = json.dumps(meta, ensure_ascii=False)
    ET.indent(quiz, space="  ")
    body = ET.tostring(quiz, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")
