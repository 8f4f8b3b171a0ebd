"""Options written in one spreadsheet cell (选项: "A.甲 B.乙", "甲##乙", one per line): how they are split, and the
letter markers (A. （A） Ａ．) a cell may carry. Pure: text in, text out."""

from __future__ import annotations

import re

from lawtrain.banks.formats.common import nfkc
from lawtrain.banks.formats.records import LETTERS

# option labels inside one 选项 cell: A.  A、  A:  A：  A)  (A)  （A）  or "A " (letter then a space), optionally
# after ** or ## (also glued to the previous option: **A.甲**B.乙)
_MARKER = re.compile(
    r"(?:\*\*|##)?\s*[(（]\s*([A-H])\s*[)）]"  # (A) may stand anywhere
    r"|(?:^|(?<=[\s;；,，|*#]))(?:\*\*|##)?\s*([A-H])(?:\s*[.．、:：)）]|[ \t\u3000]+)"  # A. A、 A: A␣ after a break
)
_TRAILING_PREFIX = re.compile(r"\s*(?:\*\*|##)\s*$")
# a separator the 选项 header announces: 选项（用##分隔） 选项(以“|”隔开) 选项【按换行分开】
_DECLARED_SEPARATOR = re.compile(r"(?:用|以|按)\s*[“\"'「]?\s*(.+?)\s*[”\"'」]?\s*(?:分隔|隔开|分开|间隔)")
OPTION_RULES = {"declared": "按表头声明的分隔符“{sep}”拆分", "labels": "按选项字母（A. B. C. …）拆分",
                "lines": "按行拆分（每行一个选项）"}
_OWN_MARKER = r"^\s*(?:\*\*|##)?\s*(?:[(（]\s*{l}\s*[)）]|{l}\s*[.．、:：)）])\s*"
ANY_MARKER = re.compile(_OWN_MARKER.format(l="[A-Ha-h]"))


def declared_separator(header_text: str) -> str | None:
    """The separator a 选项 header announces in its note (选项（用##分隔） -> "##"; 按换行分隔 -> newline)."""
    match = _DECLARED_SEPARATOR.search(header_text)
    if not match:
        return None
    separator = match.group(1).strip()
    return "\n" if separator in ("换行", "回车", "换行符", "\\n") else separator or None


def _labelled_in_order(parts: list[str]) -> bool:
    letters = [m.group(0).strip(" *#(（)）.．、:：").upper() if (m := ANY_MARKER.match(p)) else "" for p in parts]
    return letters == list(LETTERS[: len(parts)])


def split_options_rule(text: str, separator: str | None = None) -> tuple[list[str], str]:
    """All options in one cell and the rule that split them: the separator the header declared when it splits the
    cell into options (all labelled A, B, … in order, or none labelled), else the option labels themselves (A–H
    followed by . ． 、 : ： ) or a space, in order), else one option per line."""
    text = nfkc_markers(text)
    if separator:
        parts = [p.strip() for p in text.split(separator) if p.strip()]
        if len(parts) >= 2 and (_labelled_in_order(parts) or not any(ANY_MARKER.match(p) for p in parts)):
            return [ANY_MARKER.sub("", p, count=1).strip() for p in parts], "declared"
    picked: list[re.Match[str]] = []
    for match in _MARKER.finditer(text):
        letter = match.group(1) or match.group(2)
        if len(picked) < len(LETTERS) and letter == LETTERS[len(picked)]:
            picked.append(match)
    if len(picked) >= 2:
        options = []
        for index, match in enumerate(picked):
            end = picked[index + 1].start() if index + 1 < len(picked) else len(text)
            options.append(_TRAILING_PREFIX.sub("", text[match.end():end]).strip().rstrip(";；,，|").strip())
        return options, "labels"
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return [ANY_MARKER.sub("", line, count=1).strip() for line in lines], "lines"


def split_options(text: str, separator: str | None = None) -> list[str]:
    """All options in one cell (see split_options_rule)."""
    return split_options_rule(text, separator)[0]


_FULL_WIDTH_LETTER = re.compile(r"[Ａ-Ｈ]")
_OWN_MARKERS = {letter: re.compile(_OWN_MARKER.format(l=letter)) for letter in LETTERS}


def nfkc_markers(text: str) -> str:
    """Fold full-width letters (Ａ．) used as markers, leaving the rest of the text untouched."""
    if not _FULL_WIDTH_LETTER.search(text):
        return text
    return _FULL_WIDTH_LETTER.sub(lambda m: nfkc(m.group(0)), text)


def strip_own_marker(text: str, letter: str) -> str:
    return _OWN_MARKERS[letter].sub("", nfkc_markers(text), count=1)
