"""IMS QTI 2.x items (``choiceInteraction``, ``textEntryInteraction``): single XML files and zipped content
packages with ``imsmanifest.xml``.

Packages are budget-checked and path-checked before anything is read (see :mod:`safety`); entries are read
into memory, never written to disk. Other interactions (extended text, gap match, matching, …) and
QTI 1.2 files are named in the problems and not imported.
"""

from __future__ import annotations

import html
import posixpath
from typing import Any

from lawtrain.banks.formats.common import CANONICAL_BLANK, canonical_blanks, true_false_word
from lawtrain.banks.formats.records import (
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
from lawtrain.banks.formats.safety import parse_xml, read_zip
from lawtrain.html import html_to_text

SUPPORTED = {"choiceInteraction", "textEntryInteraction"}
_INTERACTION_NAMES = {
    "extendedTextInteraction": "问答题（extendedTextInteraction）",
    "gapMatchInteraction": "选词填空（gapMatchInteraction）",
    "matchInteraction": "配对题（matchInteraction）",
    "associateInteraction": "关联题（associateInteraction）",
    "orderInteraction": "排序题（orderInteraction）",
    "inlineChoiceInteraction": "下拉选择（inlineChoiceInteraction）",
    "hotspotInteraction": "热区题（hotspotInteraction）",
    "uploadInteraction": "上传题（uploadInteraction）",
    "sliderInteraction": "滑块题（sliderInteraction）",
}
_QTI1 = "QTI 1.2（questestinterop）格式不受支持：请在原系统中导出为 QTI 2.1/2.2、Moodle XML 或 Excel 模板"


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _to_html(element: Any, replace: dict[str, str] | None = None) -> str:
    """Serialise the content of ``element`` as namespace-free HTML; interactions are swapped via ``replace``."""
    parts: list[str] = [html.escape(element.text or "", quote=False)]
    for child in element:
        name = _local(child.tag)
        if replace is not None and name in replace:
            parts.append(replace[name] if replace[name] != "@prompt" else _prompt_html(child))
        elif name in ("prompt", "simpleChoice", "modalFeedback", "feedbackBlock", "feedbackInline",
                      "rubricBlock", "templateBlock"):
            pass
        else:
            attrs = "".join(
                f' {_local(k)}="{html.escape(v)}"' for k, v in child.attrib.items() if _local(k) in ("src", "alt")
            )
            parts.append(f"<{name}{attrs}>{_to_html(child, replace)}</{name}>")
        parts.append(html.escape(child.tail or "", quote=False))
    return "".join(parts)


def _prompt_html(interaction: Any) -> str:
    for child in interaction:
        if _local(child.tag) == "prompt":
            return f"<p>{_to_html(child)}</p>"
    return ""


def _find_all(element: Any, name: str) -> list[Any]:
    return [node for node in element.iter() if _local(node.tag) == name]


def _responses(item: Any) -> dict[str, dict[str, Any]]:
    declared: dict[str, dict[str, Any]] = {}
    for declaration in _find_all(item, "responseDeclaration"):
        correct: list[str] = []
        for block in _find_all(declaration, "correctResponse"):
            correct += [(value.text or "").strip() for value in block if _local(value.tag) == "value"]
        mapping = []
        for entry in _find_all(declaration, "mapEntry"):
            try:
                mapping.append((entry.get("mapKey") or "", float(entry.get("mappedValue") or 0)))
            except ValueError:
                continue
        declared[declaration.get("identifier") or ""] = {
            "cardinality": declaration.get("cardinality") or "single", "correct": correct, "mapping": mapping,
        }
    return declared


def _parse_item(item: Any, location: Location, problems: list[Problem]) -> QuestionRecord | None:
    title = (item.get("title") or item.get("identifier") or "").strip()
    label = f"“{title}”" if title else ""
    body = next(iter(_find_all(item, "itemBody")), None)
    if body is None:
        problems.append(Problem(location, f"题目{label}缺少 itemBody，未导入"))
        return None
    interactions = [node for node in body.iter() if _local(node.tag).endswith("Interaction")]
    kinds = {_local(node.tag) for node in interactions}
    unsupported = kinds - SUPPORTED
    if not interactions:
        problems.append(Problem(location, f"题目{label}没有作答区域（interaction），未导入", "warning"))
        return None
    if unsupported:
        names = "、".join(_INTERACTION_NAMES.get(k, k) for k in sorted(unsupported))
        problems.append(Problem(location, f"题目{label}是{names}，LawTrain 不支持，未导入", "warning"))
        return None
    declared = _responses(item)
    choices = [node for node in interactions if _local(node.tag) == "choiceInteraction"]
    entries = [node for node in interactions if _local(node.tag) == "textEntryInteraction"]
    if choices and entries or len(choices) > 1:
        problems.append(Problem(location, f"题目{label}包含多个不同的作答区域，LawTrain 不支持，未导入", "warning"))
        return None
    record = QuestionRecord(type=SINGLE, stem="", title=title or None, location=location)
    if choices:
        interaction = choices[0]
        record.stem = html_to_text(_to_html(body, {"choiceInteraction": "@prompt"}))
        simple = [node for node in interaction.iter() if _local(node.tag) == "simpleChoice"]
        identifiers = [node.get("identifier") or "" for node in simple]
        record.options = [html_to_text(_to_html(node)) for node in simple]
        response = declared.get(interaction.get("responseIdentifier") or "", {})
        correct = [value for value in response.get("correct", []) if value in identifiers]
        missing = [value for value in response.get("correct", []) if value not in identifiers]
        if missing:
            problems.append(Problem(location, f"题目{label}的正确答案“{'、'.join(missing)}”不在选项中"))
        words = [true_false_word(option) for option in record.options]
        if response.get("cardinality") == "multiple":
            record.type = MULTIPLE
            record.answer = [LETTERS[identifiers.index(v)] for v in correct if identifiers.index(v) < len(LETTERS)]
        elif len(simple) == 2 and all(words) and set(words) == {"true", "false"}:
            record.type = TRUE_FALSE
            record.answer = [words[identifiers.index(v)] for v in correct[:1]]
            record.options = []
        else:
            record.answer = [LETTERS[identifiers.index(v)] for v in correct if identifiers.index(v) < len(LETTERS)]
        record.answer = sorted(record.answer) if record.type == MULTIPLE else record.answer
        return record
    record.type = FILL_BLANK
    record.stem = canonical_blanks(html_to_text(_to_html(body, {"textEntryInteraction": CANONICAL_BLANK})))
    for interaction in entries:
        response = declared.get(interaction.get("responseIdentifier") or "", {})
        alternatives = [v for v in response.get("correct", []) if v]
        mapping = response.get("mapping", [])
        if mapping:
            best = max(value for _, value in mapping)
            for key, value in mapping:
                if value == best and value > 0 and key and key not in alternatives:
                    alternatives.append(key)
        record.answer.append(alternatives)
    return record


def _parse_document(content: bytes, location: Location, result: ParseResult, *, in_package: bool) -> None:
    root = parse_xml(content, what=f"QTI 文件“{location.file}”")
    name = _local(root.tag)
    if name == "assessmentItem":
        record = _parse_item(root, location, result.problems)
        if record is not None:
            result.records.append(record)
    elif name == "questestinterop":
        count = len(_find_all(root, "item"))
        result.problems.append(Problem(location, f"{_QTI1}（其中 {count} 道题未导入）"))
    elif name in ("assessmentTest", "manifest") or in_package:
        if not in_package:
            raise FormatError("这是 QTI 测试或清单文件，不含题目本身：请上传整个 QTI 压缩包（.zip）")
    else:
        raise FormatError(f"不是 QTI 2.x 题目文件：根元素为 <{name}>")


def parse_qti(data: bytes, filename: str = "") -> ParseResult:
    result = ParseResult()
    if not data.startswith(b"PK"):
        _parse_document(data, Location(file=filename), result, in_package=False)
        return result
    files = read_zip(data)
    manifest_name = next((n for n in sorted(files, key=len) if posixpath.basename(n).lower() == "imsmanifest.xml"),
                         None)
    targets: list[str] = []
    if manifest_name:
        manifest = parse_xml(files[manifest_name], what="imsmanifest.xml")
        base = posixpath.dirname(manifest_name)
        for node in manifest.iter():
            if _local(node.tag) not in ("resource", "file"):
                continue
            href = node.get("href")
            if not href or not href.lower().endswith(".xml"):
                continue
            resolved = posixpath.normpath(posixpath.join(base, href.replace("\\", "/")))
            if resolved.startswith(("../", "/")) or resolved == "..":
                result.problems.append(Problem(Location(file=filename), f"清单中的路径“{href}”指向压缩包外，已拒绝"))
                continue
            if resolved not in targets:
                targets.append(resolved)
    else:
        targets = sorted(n for n in files if n.lower().endswith(".xml"))
    if not targets:
        raise FormatError("QTI 压缩包中没有找到题目文件")
    for target in targets:
        location = Location(file=f"{filename}/{target}" if filename else target)
        if target not in files:
            result.problems.append(Problem(location, "清单中列出的文件在压缩包中不存在"))
            continue
        _parse_document(files[target], location, result, in_package=True)
    return result
