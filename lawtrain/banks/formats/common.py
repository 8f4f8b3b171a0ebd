"""Helpers shared by the format parsers and writers: text decoding, answers, blanks, citations."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from lawtrain.banks.formats.records import (
    CASE,
    FALSE,
    FILL_BLANK,
    LETTERS,
    MULTIPLE,
    SINGLE,
    TRUE,
    TRUE_FALSE,
    Citation,
    FormatError,
)
from lawtrain.courses import numerals

# ---------------------------------------------------------------- numerals (courses.numerals, as bank files write them)


def cn_to_int(text: str) -> int:
    """``二十一`` / ``21`` / ``一百零三`` (full-width digits too) -> int; ValueError otherwise."""
    text = unicodedata.normalize("NFKC", text).strip()
    if text.isdigit():
        return int(text)
    return numerals.cn_to_int(text)


def int_to_cn(number: int) -> str:
    """21 -> 二十一, 103 -> 一百零三, 110 -> 一百一十 (as law articles are numbered); Arabic when out of range."""
    return numerals.int_to_cn(number) if 0 < number < 10000 else str(number)


# ---------------------------------------------------------------- decoding
def decode_text(data: bytes) -> str:
    """UTF-8 with or without BOM, else GB18030 (what Excel in China saves); newlines normalised to \\n."""
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="replace")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError as exc:
                raise FormatError("文件编码无法识别：请另存为 UTF-8 或 GB18030（GBK）编码的文本后再上传") from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def clean_text(text: object) -> str:
    """Cell or element text -> stripped str with \\n line breaks."""
    if text is None:
        return ""
    if type(text) is str:  # fast path: most cells
        return (text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text).strip()
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    return str(text).replace("\r\n", "\n").replace("\r", "\n").strip()


# ---------------------------------------------------------------- question numbers, blanks
QUESTION_NUMBER = re.compile(r"^\s*(?:第\s*)?\d{1,5}\s*(?:[.．、:：)）]|题[.．、:：]?)\s*(?=\S)")
BLANK = re.compile(r"_{2,}|＿{2,}|（\s*）|\(\s*\)")
CANONICAL_BLANK = "____"


def drop_question_number(stem: str) -> str:
    return QUESTION_NUMBER.sub("", stem, count=1)


def count_blanks(stem: str) -> int:
    return len(BLANK.findall(stem))


def canonical_blanks(stem: str) -> str:
    """Fill-in stems store every blank as ``____`` whatever the source wrote (``______``, ``（ ）``)."""
    return BLANK.sub(CANONICAL_BLANK, stem)


# ---------------------------------------------------------------- answers
_TRUE_WORDS = {"正确", "对", "√", "✓", "✔", "t", "true", "是", "y", "yes", "1", "对的", "正确的", "true."}
_FALSE_WORDS = {"错误", "错", "×", "✗", "✘", "x", "f", "false", "否", "n", "no", "0", "错的", "不正确"}


def true_false_word(text: str) -> str | None:
    """Any accepted spelling of true/false -> "true"/"false"; None if it is not one."""
    word = nfkc(text).strip().strip("。.").lower()
    if word in _TRUE_WORDS:
        return TRUE
    if word in _FALSE_WORDS:
        return FALSE
    return None


_LETTER_SEPARATORS = re.compile(r"[\s,，;；、/|]+")


def parse_letters(text: str) -> list[str] | None:
    """``B`` / ``ACD`` / ``A,C,D`` / ``A;C;D`` / ``A、C、D`` -> ["A","C","D"]; None when not letters."""
    compact = _LETTER_SEPARATORS.sub("", nfkc(text).upper())
    if not compact or not compact.isalpha() or not compact.isascii():
        return None
    letters: list[str] = []
    for char in compact:
        if char not in letters:
            letters.append(char)
    return sorted(letters)


def letter_range(count: int) -> str:
    """4 -> "A–D" (for messages)."""
    if count <= 0:
        return "（无）"
    return "A" if count == 1 else f"A–{LETTERS[min(count, len(LETTERS)) - 1]}"


def split_fill_answer(text: str) -> list[list[str]]:
    """``七日;7日|三十日`` -> [["七日","7日"],["三十日"]] (| between blanks, ; or ； between alternatives)."""
    groups: list[list[str]] = []
    for blank in re.split(r"[|｜]", text):
        alternatives = [alt.strip() for alt in re.split(r"[;；]", blank) if alt.strip()]
        groups.append(alternatives)
    while groups and not groups[-1]:
        groups.pop()
    return groups


def join_fill_answer(groups: list[list[str]]) -> str:
    return "|".join(";".join(group) for group in groups)


# ---------------------------------------------------------------- types, difficulty
_TYPE_ALIASES = {
    SINGLE: ("单选题", "单选", "单项选择题", "单项选择", "单选择题", "single", "single_choice",
             "singlechoice", "radio"),
    MULTIPLE: ("多选题", "多选", "多项选择题", "多项选择", "不定项选择题", "不定项", "multiple", "multiple_choice",
               "multiplechoice", "multi", "checkbox"),
    TRUE_FALSE: ("判断题", "判断", "是非题", "是非", "对错题", "true_false", "truefalse", "tf", "judge", "boolean"),
    FILL_BLANK: ("填空题", "填空", "fill_blank", "fillblank", "fill", "blank", "fill_in_blank", "cloze"),
    CASE: ("案例分析题", "案例分析", "案例题", "材料题", "材料分析题", "case"),
}
_TYPE_LOOKUP = {alias: key for key, aliases in _TYPE_ALIASES.items() for alias in aliases}


def normalise_type(text: str) -> str | None:
    """Any accepted spelling of a question type -> internal key; None if unknown."""
    key = re.sub(r"[\s\-]+", "_", nfkc(text).strip().lower()).strip("_")
    return _TYPE_LOOKUP.get(key) or _TYPE_LOOKUP.get(key.replace("_", ""))


# 1 = easiest .. 5 = hardest. The three-level words map to 2/3/4 so that 1 and 5 stay for extremes.
_DIFFICULTY_WORDS = {
    "很易": 1, "非常简单": 1, "很简单": 1, "较易": 2, "易": 2, "容易": 2, "简单": 2,
    "中": 3, "中等": 3, "一般": 3, "适中": 3, "较难": 4, "难": 4, "困难": 4, "很难": 5, "非常困难": 5, "极难": 5,
    "easy": 2, "medium": 3, "hard": 4,
}


def parse_difficulty(text: object) -> int | None:
    """易/中/难, 简单/中等/困难 or 1–5 -> 1..5. Raises ValueError on anything else; None for empty."""
    if text is None or text == "":
        return None
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        word = nfkc(str(text)).strip().lower()
        if not word:
            return None
        if word in _DIFFICULTY_WORDS:
            return _DIFFICULTY_WORDS[word]
        value = float(word)
    if value != int(value) or not 1 <= value <= 5:
        raise ValueError(str(text))
    return int(value)


def parse_points(text: object) -> float | None:
    if text is None or text == "":
        return None
    value = float(nfkc(str(text)).strip()) if not isinstance(text, (int, float)) else float(text)
    if value < 0 or value != value or value > 1000:
        raise ValueError(str(text))
    return value


def format_number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# ---------------------------------------------------------------- legal basis
_ARTICLE = r"第?\s*([0-9一二三四五六七八九十百千零〇两]+)\s*条"
_CITATION = re.compile(
    r"(?P<law>《[^》]+》|[^\s《》;；,，、第0-9]+?(?:法|条例|规定|办法|细则))?\s*"
    r"(?P<first>第\s*[0-9一二三四五六七八九十百千零〇两]+\s*条)"
    r"(?:\s*第[0-9一二三四五六七八九十百千零〇两]+\s*[款项])*"
    r"(?:\s*(?:至|到|-|—|～|~)\s*(?P<last>第?\s*[0-9一二三四五六七八九十百千零〇两]+\s*条))?"
)
MAX_RANGE = 60


def short_law_name(name: str) -> str:
    name = name.strip().strip("《》").strip()
    if name.startswith("中华人民共和国"):
        name = name[len("中华人民共和国"):]
    return name


def parse_basis(text: str) -> tuple[list[Citation], list[str]]:
    """``《安全生产法》第二十一条；安全生产法 第21条至第23条`` -> citations, plus the pieces not understood."""
    if not text:
        return [], []
    citations, unreadable = _parse_basis_cached(text)
    return list(citations), list(unreadable)


@lru_cache(maxsize=4096)
def _parse_basis_cached(text: str) -> tuple[tuple[Citation, ...], tuple[str, ...]]:
    citations: list[Citation] = []
    unreadable: list[str] = []
    for piece in re.split(r"[;；\n]+", text or ""):
        piece = piece.strip()
        if not piece:
            continue
        law = ""
        found = False
        for match in _CITATION.finditer(piece):
            if match.group("law"):
                law = short_law_name(match.group("law"))
            if not law:
                continue
            first = cn_to_int(re.search(_ARTICLE, match.group("first")).group(1))
            last = first
            if match.group("last"):
                last = cn_to_int(re.search(r"([0-9一二三四五六七八九十百千零〇两]+)", match.group("last")).group(1))
            if last < first or last - first > MAX_RANGE:
                last = first
            for number in range(first, last + 1):
                citation = Citation(law=law, article=number)
                if citation not in citations:
                    citations.append(citation)
            found = True
        if not found:
            unreadable.append(piece)
    return tuple(citations), tuple(unreadable)


def format_basis(citations: list[Citation]) -> str:
    return "；".join(f"《{c.law}》第{int_to_cn(c.article)}条" for c in citations)


def split_tags(text: str) -> list[str]:
    tags: list[str] = []
    for tag in re.split(r"[;；,，\n]+", text or ""):
        tag = tag.strip()
        if tag and tag not in tags:
            tags.append(tag)
    return tags
