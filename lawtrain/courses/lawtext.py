"""Parse an official law text (Markdown, plain text or .docx) into chapters, sections and articles,
and compare two revisions article by article (pure)."""

from __future__ import annotations

import difflib
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date

from defusedxml import ElementTree

from lawtrain.courses.numerals import article_label, cn_to_int

_CN_NUM = r"[零〇一二两三四五六七八九十百千]+|\d+"
_ARTICLE = re.compile(rf"^第\s*({_CN_NUM})\s*条(?:[\s\u3000]+(.*)|$)")
_CHAPTER = re.compile(rf"^第\s*({_CN_NUM})\s*章(?:[\s\u3000]*(.*))?$")
_SECTION = re.compile(rf"^第\s*({_CN_NUM})\s*节(?:[\s\u3000]*(.*))?$")
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_COMMENT = re.compile(r"<!--.*?-->")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])[ \u3000]+(?=[\u4e00-\u9fff])")
PREFIX = "中华人民共和国"

DOCX_MAX_UNCOMPRESSED = 20 * 1024 * 1024
DOCX_MAX_ENTRIES = 500
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class LawTextError(ValueError):
    """The text cannot be read as a law; the message names the file and the line."""


@dataclass(frozen=True)
class ParsedArticle:
    number: int
    label: str
    chapter: str | None
    section: str | None
    text: str
    line: int = 0


@dataclass(frozen=True)
class ParsedChapter:
    title: str
    sections: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedLaw:
    name: str
    short_name: str
    dates: tuple[date, ...]
    preamble: str
    chapters: tuple[ParsedChapter, ...]
    articles: tuple[ParsedArticle, ...]
    filename: str = ""

    @property
    def revision_date(self) -> date | None:
        """The last date in the preamble: the latest adoption, amendment or revision."""
        return max(self.dates) if self.dates else None

    def article(self, number: int) -> ParsedArticle | None:
        return next((a for a in self.articles if a.number == number), None)


def short_name_of(name: str) -> str:
    """中华人民共和国安全生产法 -> 安全生产法."""
    name = name.strip()
    return name[len(PREFIX):] if name.startswith(PREFIX) and len(name) > len(PREFIX) else name


def _heading(kind: str, number: str, title: str | None) -> str:
    title = _CJK_GAP.sub("", (title or "").strip())
    return f"第{number}{kind} {title}".strip()


def _clean(line: str) -> str:
    return line.replace("\ufeff", "").strip().strip("\u3000").strip()


def parse_law_text(text: str, filename: str) -> ParsedLaw:
    """Split a law's text into articles; raise LawTextError naming `filename` and line on bad numbering."""
    text = _COMMENT.sub("", text or "")
    lines = text.splitlines()
    name: str | None = None
    preamble: list[str] = []
    chapters: list[list] = []  # [title, [sections]]
    articles: list[dict] = []
    chapter = section = None
    in_toc = False
    seen_first_chapter = False

    def where(lineno: int) -> str:
        return f"{filename} 第{lineno}行"

    for lineno, raw in enumerate(lines, start=1):
        line = _clean(raw)
        if not line:
            continue
        heading_level = len(line) - len(line.lstrip("#"))
        body = line.lstrip("#").strip()
        if heading_level == 1 and name is None and not articles:
            name = body
            continue
        if not articles and _CJK_GAP.sub("", body) in ("目录", "目 录"):
            in_toc = True
            continue
        m = _CHAPTER.match(body)
        if m:
            number = cn_to_int(m.group(1))
            if in_toc:
                if number == 1 and seen_first_chapter:
                    in_toc = False
                else:
                    seen_first_chapter = True
                    continue
            chapter, section = _heading("章", m.group(1), m.group(2)), None
            chapters.append([chapter, []])
            continue
        m = _SECTION.match(body)
        if m:
            if in_toc:
                continue
            section = _heading("节", m.group(1), m.group(2))
            if chapters:
                chapters[-1][1].append(section)
            continue
        if in_toc:
            continue
        m = _ARTICLE.match(body)
        if m:
            number = cn_to_int(m.group(1))
            _check_numbering(articles[-1]["number"] if articles else None, number, where(lineno))
            articles.append({"number": number, "chapter": chapter, "section": section, "line": lineno,
                             "paragraphs": [m.group(2).strip()] if m.group(2) else []})
            continue
        if articles:
            articles[-1]["paragraphs"].append(body)
        elif name is None and not chapters:
            name = body
        else:
            preamble.append(body)

    return _parsed_law(name, preamble, chapters, articles, filename)


def _check_numbering(previous: int | None, number: int, where: str) -> None:
    """Articles run 第一条, 第二条 … without gaps or repeats."""
    if number == (previous or 0) + 1:
        return
    if previous is None:
        raise LawTextError(f"{where}：第一个条文应为第一条，实际是{article_label(number)}")
    if number <= previous:
        raise LawTextError(f"{where}：条号重复或倒序，{article_label(previous)}之后出现{article_label(number)}")
    raise LawTextError(f"{where}：条号跳跃，{article_label(previous)}之后出现{article_label(number)}")


def _parsed_law(name: str | None, preamble: list[str], chapters: list[list], articles: list[dict],
                filename: str) -> ParsedLaw:
    """The parsed pieces checked (articles with text, a name) and assembled, with the dates of the preamble."""
    if not articles:
        raise LawTextError(f"{filename}：没有找到任何条文（应有以“第一条”开头的段落）")
    for a in articles:
        if not a["paragraphs"]:
            raise LawTextError(f"{filename} 第{a['line']}行：{article_label(a['number'])}没有正文")
    if not name:
        raise LawTextError(f"{filename} 第1行：没有找到法律名称")
    name = _CJK_GAP.sub("", name)
    preamble_text = "\n".join(preamble)
    dates = []
    for y, mo, d in _DATE.findall(preamble_text):
        try:
            dates.append(date(int(y), int(mo), int(d)))
        except ValueError:
            continue
    return ParsedLaw(
        name=name,
        short_name=short_name_of(name),
        dates=tuple(dates),
        preamble=preamble_text,
        chapters=tuple(ParsedChapter(t, tuple(s)) for t, s in chapters),
        articles=tuple(
            ParsedArticle(number=a["number"], label=article_label(a["number"]), chapter=a["chapter"],
                          section=a["section"], text="\n".join(a["paragraphs"]), line=a["line"])
            for a in articles
        ),
        filename=filename,
    )


def docx_to_text(data: bytes, filename: str) -> str:
    """The paragraphs of a .docx as lines of text (zip size budget checked, XML parsed safely)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) > DOCX_MAX_ENTRIES or sum(i.file_size for i in infos) > DOCX_MAX_UNCOMPRESSED:
                raise LawTextError(f"{filename}：Word 文件解压后过大，请另存为纯文本后导入")
            try:
                xml = zf.read("word/document.xml")
            except KeyError as e:
                raise LawTextError(f"{filename}：不是有效的 Word（.docx）文件，缺少正文") from e
    except (zipfile.BadZipFile, OSError) as e:
        raise LawTextError(f"{filename}：不是有效的 Word（.docx）文件") from e
    try:
        root = ElementTree.fromstring(xml)
    except Exception as e:  # defusedxml raises several kinds for hostile or broken XML
        raise LawTextError(f"{filename}：Word 文件正文无法解析") from e
    lines = []
    for p in root.iter(f"{_W}p"):
        parts = []
        for node in p.iter():
            if node.tag == f"{_W}t" and node.text:
                parts.append(node.text)
            elif node.tag == f"{_W}tab":
                parts.append(" ")
            elif node.tag == f"{_W}br":
                parts.append("\n")
        lines.append("".join(parts))
    return "\n".join(lines)


def decode_text(data: bytes, filename: str) -> str:
    """UTF-8 (with or without BOM), else GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LawTextError(f"{filename}：无法识别文件编码，请以 UTF-8 保存")


def parse_law_file(data: bytes, filename: str) -> ParsedLaw:
    """Parse uploaded bytes: .docx through its XML, anything else as text."""
    if filename.lower().endswith(".docx"):
        return parse_law_text(docx_to_text(data, filename), filename)
    if filename.lower().endswith(".doc"):
        raise LawTextError(f"{filename}：不支持旧版 .doc 文件，请另存为 .docx 或纯文本")
    return parse_law_text(decode_text(data, filename), filename)


# ------------------------------------------------------------------ revision comparison


@dataclass(frozen=True)
class ArticleChange:
    kind: str  # added | removed | renumbered | changed
    old_number: int | None
    new_number: int | None
    old_text: str | None = None
    new_text: str | None = None
    diff: tuple[tuple[str, str], ...] = ()  # (op, text) with op in equal | delete | insert
    diff_text: str = ""


@dataclass(frozen=True)
class Comparison:
    changes: tuple[ArticleChange, ...] = field(default_factory=tuple)

    def of_kind(self, kind: str) -> list[ArticleChange]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def affected_old_numbers(self) -> set[int]:
        """Old article numbers whose citations are now stale: changed, removed or renumbered."""
        return {c.old_number for c in self.changes if c.old_number is not None and c.kind != "added"}


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。；：\n])", text) if s.strip()]


def text_diff(old: str, new: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """A character-level diff as (op, text) segments, and a sentence-level unified diff for reading."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    segments: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("equal", old[i1:i2]))
        else:
            if i2 > i1:
                segments.append(("delete", old[i1:i2]))
            if j2 > j1:
                segments.append(("insert", new[j1:j2]))
    unified = "\n".join(difflib.unified_diff(_sentences(old), _sentences(new), "修订前", "修订后", lineterm="", n=1))
    return tuple(segments), unified


def compare_articles(old: dict[int, str], new: dict[int, str], *, threshold: float = 0.6) -> Comparison:
    """Compare two revisions given as {number: text}: identical text keeps its identity (renumbered when
    its number moved); leftovers pair by similarity (changed); the rest are added or removed."""
    old_left = dict(old)
    new_left = dict(new)
    changes: list[ArticleChange] = []
    for n, text in new.items():  # unchanged in place
        if n in old_left and _norm(old_left[n]) == _norm(text):
            del old_left[n], new_left[n]
    by_text: dict[str, list[int]] = {}
    for n, text in sorted(old_left.items()):
        by_text.setdefault(_norm(text), []).append(n)
    for n, text in sorted(new.items()):  # moved without a change
        if n in new_left and by_text.get(_norm(text)):
            o = by_text[_norm(text)].pop(0)
            del old_left[o], new_left[n]
            changes.append(ArticleChange("renumbered", o, n, old[o], text))
    candidates = []
    for n, text in new_left.items():
        for o, old_text in old_left.items():
            matcher = difflib.SequenceMatcher(None, old_text, text, autojunk=False)
            if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                continue
            ratio = matcher.ratio()
            if ratio >= threshold:
                candidates.append((-ratio, abs(n - o), o, n))
    for _, _, o, n in sorted(candidates):
        if o in old_left and n in new_left:
            segments, unified = text_diff(old_left[o], new_left[n])
            changes.append(ArticleChange("changed", o, n, old_left.pop(o), new_left.pop(n), segments, unified))
    changes += [ArticleChange("removed", o, None, t) for o, t in old_left.items()]
    changes += [ArticleChange("added", None, n, None, t) for n, t in new_left.items()]
    order = {"changed": 0, "removed": 1, "renumbered": 2, "added": 3}
    changes.sort(key=lambda c: (order[c.kind], c.old_number or c.new_number or 0))
    return Comparison(tuple(changes))


def containment(old: str, new: str) -> float:
    """Share of the old article's characters found, in order, in the new one (whitespace ignored). A provision
    folded into a longer article keeps a high score, where a symmetric ratio would drown it in the new text."""
    old_n, new_n = _norm(old), _norm(new)
    if not old_n or not new_n:
        return 0.0
    matcher = difflib.SequenceMatcher(None, old_n, new_n, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(old_n)


def propose_article(old_text: str, new_articles: dict[int, str], *, threshold: float = 0.5) -> tuple[int, float] | None:
    """The article of a new revision that most likely carries an old article's provision, with its score
    (0–1), or None when nothing reaches `threshold`. Ties go to the closer overall wording."""
    best: tuple[float, float, int] | None = None
    for number, text in new_articles.items():
        score = containment(old_text, text)
        if score < threshold or (best is not None and score < best[0]):
            continue
        ratio = difflib.SequenceMatcher(None, _norm(old_text), _norm(text), autojunk=False).ratio()
        if best is None or (score, ratio) > best[:2]:
            best = (score, ratio, number)
    return (best[2], round(best[0], 2)) if best else None
