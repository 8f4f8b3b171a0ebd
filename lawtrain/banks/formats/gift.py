"""GIFT (Moodle's plain-text format): parse and write.

LawTrain imports multiple choice (one right answer -> 单选, several weighted right answers -> 多选),
true/false, short answer and missing-word (-> 填空). Matching, numerical, essay and description
items are named in the problems (file, line, title, why) and not imported.

The writer adds a ``// lawtrain: {json}`` comment above each question carrying what GIFT cannot
express (external ID, points, difficulty, legal basis, tags, the answers of every blank), so that
export then import gives back the same questions. Moodle ignores the comment.
"""

from __future__ import annotations

import json
import re
from typing import Any

from lawtrain.banks.formats.common import CANONICAL_BLANK, canonical_blanks, count_blanks, decode_text
from lawtrain.banks.formats.records import (
    FALSE,
    FILL_BLANK,
    LETTERS,
    MULTIPLE,
    SINGLE,
    TRUE,
    TRUE_FALSE,
    Citation,
    Location,
    ParseResult,
    Problem,
    QuestionRecord,
)
from lawtrain.html import html_to_text

META_PREFIX = "// lawtrain:"
# escapes are swapped for private-use placeholders before the structure is parsed
_ESCAPES = [("\\\\", "\ue000", "\\"), ("\\~", "\ue001", "~"), ("\\=", "\ue002", "="), ("\\#", "\ue003", "#"),
            ("\\{", "\ue004", "{"), ("\\}", "\ue005", "}"), ("\\:", "\ue006", ":"), ("\\n", "\ue007", "\n")]
_FORMAT = re.compile(r"^\s*\[(html|plain|markdown|moodle)\]", re.IGNORECASE)
_WEIGHT = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")


def _hide_escapes(text: str) -> str:
    for escaped, placeholder, _ in _ESCAPES:
        text = text.replace(escaped, placeholder)
    return text


def _restore(text: str) -> str:
    for _, placeholder, literal in _ESCAPES:
        text = text.replace(placeholder, literal)
    return text


def escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in "~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def _plain(text: str, html: bool) -> str:
    text = _restore(text)
    return html_to_text(text) if html else text.strip()


def _blocks(text: str) -> list[tuple[int, list[tuple[int, str]]]]:
    """Split into blank-line-separated blocks of (line number, line)."""
    blocks: list[tuple[int, list[tuple[int, str]]]] = []
    current: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            current.append((number, line))
        elif current:
            blocks.append((current[0][0], current))
            current = []
    if current:
        blocks.append((current[0][0], current))
    return blocks


def _find_braces(text: str) -> tuple[int, int] | None:
    start = text.find("{")
    end = text.rfind("}")
    if start == -1 or end == -1 or end < start:
        return None
    return start, end


def _tokens(inner: str) -> list[tuple[str, float | None, str, str]]:
    """``=right#fb ~%50%half`` -> [(marker, weight, text, feedback)]."""
    tokens = []
    for piece in re.split(r"(?=[=~])", inner):
        piece = piece.strip()
        if not piece or piece[0] not in "=~":
            continue
        marker, body = piece[0], piece[1:]
        weight = None
        match = _WEIGHT.match(body)
        if match:
            weight = float(match.group(1))
            body = body[match.end():]
        text, _, feedback = body.partition("#")
        text = _FORMAT.sub("", text, count=1)
        tokens.append((marker, weight, text, feedback))
    return tokens


def _apply_meta(record: QuestionRecord, meta: dict[str, Any]) -> None:
    record.external_id = str(meta["external_id"]) if meta.get("external_id") else record.external_id
    if isinstance(meta.get("points"), (int, float)):
        record.points = float(meta["points"])
    if isinstance(meta.get("difficulty"), int):
        record.difficulty = meta["difficulty"]
    basis = meta.get("basis")
    if isinstance(basis, list):
        record.basis = [Citation(str(b[0]), int(b[1])) for b in basis if isinstance(b, list) and len(b) == 2]
    if isinstance(meta.get("tags"), list):
        record.tags = [str(t) for t in meta["tags"]]
    if record.type == FILL_BLANK and isinstance(meta.get("answer"), list):
        record.answer = [[str(a) for a in group] for group in meta["answer"] if isinstance(group, list)]


def _unsupported(problems: list[Problem], location: Location, title: str | None, why: str) -> None:
    name = f"“{title[:40]}”" if title else ""
    problems.append(Problem(location, f"题目{name}{why}，LawTrain 不支持，未导入", "warning"))


def _parse_question(
    raw: str, location: Location, category: str | None, meta: dict[str, Any], problems: list[Problem]
) -> QuestionRecord | None:
    text = _hide_escapes(raw.strip())
    title = None
    match = re.match(r"^::(.*?)::", text, re.DOTALL)
    if match:
        title = _restore(match.group(1)).strip()
        text = text[match.end():]
    html = False
    match = _FORMAT.match(text)
    if match:
        html = match.group(1).lower() in ("html", "moodle")
        text = text[match.end():]
    braces = _find_braces(text)
    if title is None:  # name the question by its opening words in messages
        title = re.sub(r"\s+", " ", _restore(text.split("{", 1)[0])).strip()[:30] or None
        named_by_text = True
    else:
        named_by_text = False
    if braces is None:
        _unsupported(problems, location, title, "没有答案部分 {…}（是说明文字）")
        return None
    start, end = braces
    before, inner, after = text[:start], text[start + 1:end], text[end + 1:]
    if not inner.strip():
        _unsupported(problems, location, title, "是问答题（{} 为空）")
        return None
    if inner.lstrip().startswith("#"):
        _unsupported(problems, location, title, "是数值题（{#…}）")
        return None
    inner, _, general = inner.partition("####")
    explanation = _plain(general, html)
    word = inner.split("#", 1)[0].strip().upper()
    true_false = word in ("T", "TRUE", "F", "FALSE")
    tokens = [] if true_false else _tokens(inner)
    if tokens and all(t[0] == "=" for t in tokens) and all("->" in t[2] for t in tokens):
        _unsupported(problems, location, title, "是配对题（->）")
        return None
    if after.strip() and not true_false:  # missing-word: the answer sits inside the sentence
        stem_raw = before + CANONICAL_BLANK + after
    else:
        stem_raw = before + after
    stem = _plain(stem_raw, html)

    record = QuestionRecord(type=SINGLE, stem=stem, explanation=explanation,
                            title=None if named_by_text else title, category=category,
                            location=location)
    if true_false:
        record.type = TRUE_FALSE
        record.answer = [TRUE if word.startswith("T") else FALSE]
    elif not tokens:
        _unsupported(problems, location, title, f"的答案“{_restore(inner).strip()[:40]}”无法识别")
        return None
    elif all(t[0] == "=" for t in tokens):
        _as_fill_in(record, tokens, html, location, title, problems)
    else:
        _as_choice(record, tokens, html, location, title, problems)
    if meta:
        _apply_meta(record, meta)
    return record


def _as_fill_in(record: QuestionRecord, tokens: list, html: bool, location: Location, title: str | None,
                problems: list[Problem]) -> None:
    """Only "=" answers: a missing-word (fill-in) question; partial-credit answers are dropped with a warning."""
    alternatives = []
    dropped = []
    for _, weight, answer_text, _ in tokens:
        answer_text = _plain(answer_text, html)
        if weight is None or weight >= 100:
            if answer_text and answer_text != "*":
                alternatives.append(answer_text)
        else:
            dropped.append(answer_text)
    if dropped:
        problems.append(Problem(location, f"题目“{title}”的部分得分答案"
                                          f"（{'、'.join(dropped)}）不被 LawTrain 支持，已忽略", "warning"))
    record.type = FILL_BLANK
    if count_blanks(record.stem) == 0:
        record.stem = record.stem + CANONICAL_BLANK
    record.stem = canonical_blanks(record.stem)
    record.answer = [alternatives]


def _as_choice(record: QuestionRecord, tokens: list, html: bool, location: Location, title: str | None,
               problems: list[Problem]) -> None:
    """"=" right and "~" wrong options: single or multiple choice (positive weights count as right without "=")."""
    record.options = [_plain(t[2], html) for t in tokens]
    equals = [i for i, t in enumerate(tokens) if t[0] == "="]
    weighted = [i for i, t in enumerate(tokens) if t[0] == "~" and t[1] is not None and t[1] > 0]
    if equals:
        correct = equals
        if weighted:
            problems.append(Problem(location, f"题目“{title}”的部分得分选项按错误选项处理", "warning"))
    else:
        correct = weighted
    if len(record.options) > len(LETTERS):
        problems.append(Problem(location, f"题目“{title}”有 {len(record.options)} 个选项，最多支持 8 个"))
    record.type = MULTIPLE if len(correct) > 1 else SINGLE
    if not equals and len(correct) == 1:
        record.type = SINGLE
    record.answer = [LETTERS[i] for i in correct if i < len(LETTERS)]


def parse_gift(data: bytes, filename: str = "") -> ParseResult:
    text = decode_text(data).lstrip("\ufeff")
    result = ParseResult()
    category: str | None = None
    for _first_line, lines in _blocks(text):
        meta: dict[str, Any] = {}
        body: list[tuple[int, str]] = []
        for number, line in lines:
            stripped = line.strip()
            if stripped.startswith(META_PREFIX):
                try:
                    loaded = json.loads(stripped[len(META_PREFIX):])
                    meta = loaded if isinstance(loaded, dict) else {}
                except json.JSONDecodeError:
                    result.problems.append(Problem(Location(file=filename, line=number),
                                                   "lawtrain 注释不是有效的 JSON，已忽略", "warning"))
            elif stripped.startswith("//"):
                continue
            elif stripped.startswith("$CATEGORY:"):
                category = stripped[len("$CATEGORY:"):].strip()
            else:
                body.append((number, line))
        if not body:
            continue
        location = Location(file=filename, line=body[0][0])
        raw = "\n".join(line for _, line in body)
        try:
            record = _parse_question(raw, location, category, meta, result.problems)
        except (ValueError, TypeError, KeyError, IndexError) as exc:  # defensive: never fail the whole file
            result.problems.append(Problem(location, f"无法解析这道题（{type(exc).__name__}）"))
            record = None
        if record is not None:
            result.records.append(record)
    return result


def _meta(record: QuestionRecord) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if record.external_id:
        meta["external_id"] = record.external_id
    if record.points is not None:
        meta["points"] = int(record.points) if float(record.points).is_integer() else record.points
    if record.difficulty is not None:
        meta["difficulty"] = record.difficulty
    if record.basis:
        meta["basis"] = [[c.law, c.article] for c in record.basis]
    if record.tags:
        meta["tags"] = list(record.tags)
    if record.type == FILL_BLANK and len(record.answer) != 1:
        meta["answer"] = record.answer
    return meta


def _answer_text(text: str) -> str:
    """Escape an option; a leading [format] tag or %weight% in the text itself is shielded by [plain]."""
    shield = "[plain]" if _FORMAT.match(text) or text.startswith("%") else ""
    return shield + escape(text)


def _weight(count: int) -> str:
    return f"{100 / count:.5f}".rstrip("0").rstrip(".")


def write_gift(records: list[QuestionRecord], *, bank_name: str, bank_description: str = "") -> bytes:
    out: list[str] = [f"// LawTrain 题库：{bank_name}".replace("\n", " ")]
    if bank_description:
        out.append("// " + bank_description.replace("\n", " "))
    out.append("")
    for number, record in enumerate(records, start=1):
        meta = _meta(record)
        if meta:
            out.append(META_PREFIX + " " + json.dumps(meta, ensure_ascii=False))
        title = escape(record.external_id or f"Q{number}")
        lines = [f"::{title}::[plain]{escape(record.stem)}{{"]
        if record.type == TRUE_FALSE:
            lines = [lines[0] + ("TRUE" if record.answer and record.answer[0] == TRUE else "FALSE")]
        elif record.type == FILL_BLANK:
            first = record.answer[0] if record.answer else []
            lines += [f"\t={_answer_text(alt)}" for alt in first]
        elif record.type == MULTIPLE:
            correct = [a for a in record.answer if a in LETTERS]
            for index, option in enumerate(record.options):
                weight = _weight(len(correct)) if LETTERS[index] in correct else "-100"
                lines.append(f"\t~%{weight}%{_answer_text(option)}")
        else:
            for index, option in enumerate(record.options):
                marker = "=" if LETTERS[index] in record.answer else "~"
                lines.append(f"\t{marker}{_answer_text(option)}")
        if record.explanation:
            lines.append(f"\t####{escape(record.explanation)}")
        lines.append("}")
        out.extend(lines)
        out.append("")
    return "\n".join(out).encode("utf-8")
