"""Course module files: YAML front matter + Markdown body -> ModuleRecord (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from lawtrain.courses.numerals import cn_to_int, parse_article_label

_FRONT = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.S)
_RANGE = re.compile(r"^(\S+?)\s*[-–—~～至到]\s*(\S+)$")
_ORDER = re.compile(r"^(\d+)")
MAX_MINUTES = 600


class ModuleFormatError(ValueError):
    """A module file cannot be read; the message names the file and the field."""


@dataclass(frozen=True)
class ModuleRecord:
    key: str
    law_name: str
    title: str
    objectives: tuple[str, ...]
    key_points: tuple[str, ...]
    articles: tuple[int, ...]
    minutes: int
    min_minutes: int
    banks: tuple[str, ...]
    body: str
    source_path: str
    sort_order: int = 0
    is_open: bool = False


def _article_number(token: str) -> int:
    token = token.strip()
    if token.isdigit():
        return int(token)
    if token.startswith("第"):
        return parse_article_label(token if token.endswith("条") else token + "条")
    return cn_to_int(token.removesuffix("条"))


def parse_article_spec(spec: object) -> tuple[int, ...]:
    """"1-20, 24" / [1, "3-5"] / "第二十一条" -> sorted unique article numbers; ValueError if unreadable."""
    if spec is None or spec == "":
        return ()
    items = spec if isinstance(spec, list) else [spec]
    numbers: set[int] = set()
    for item in items:
        if isinstance(item, bool):
            raise ValueError(f"无法识别的条号：{item}")
        if isinstance(item, int):
            parts = [str(item)]
        else:
            joined = re.sub(r"\s*([-–—~～至到])\s*", r"\1", str(item).strip())
            parts = [p for p in re.split(r"[,，、;；\s]+", joined) if p.strip()]
        for part in parts:
            try:
                m = _RANGE.match(part)
                if m:
                    lo, hi = _article_number(m.group(1)), _article_number(m.group(2))
                    if lo > hi:
                        raise ValueError
                    numbers.update(range(lo, hi + 1))
                else:
                    numbers.add(_article_number(part))
            except ValueError as e:
                raise ValueError(f"无法识别的条号：{part}") from e
    if any(n <= 0 for n in numbers):
        raise ValueError("条号必须是正整数")
    return tuple(sorted(numbers))


def format_article_spec(numbers: list[int] | tuple[int, ...]) -> str:
    """(1, 2, 3, 5) -> "1-3, 5"."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(f"{a}-{b}" if b > a else str(a) for a, b in runs)


def _text_list(value: object, field: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise ModuleFormatError(f"{where}：“{field}”应为文字列表")
    return tuple(str(v).strip() for v in value if str(v).strip())


def _minutes(value: object, field: str, where: str, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_MINUTES:
        raise ModuleFormatError(f"{where}：“{field}”应为 1 到 {MAX_MINUTES} 之间的整数（分钟）")
    return value


def parse_module(text: str, *, source_path: str, law_slug: str, stem: str) -> ModuleRecord:
    """Parse one module file; raise ModuleFormatError naming `source_path`."""
    match = _FRONT.match(text or "")
    if match is None:
        raise ModuleFormatError(f"{source_path} 第1行：缺少以“---”包围的文件头（front matter）")
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f" 第{mark.line + 2}行" if mark is not None else ""
        raise ModuleFormatError(f"{source_path}{line}：文件头不是有效的 YAML") from e
    if not isinstance(meta, dict):
        raise ModuleFormatError(f"{source_path}：文件头应为“键: 值”形式")
    title = str(meta.get("title") or "").strip()
    law = str(meta.get("law") or "").strip()
    if not title:
        raise ModuleFormatError(f"{source_path}：缺少 title（模块标题）")
    if not law:
        raise ModuleFormatError(f"{source_path}：缺少 law（所属法律）")
    try:
        articles = parse_article_spec(meta.get("articles"))
    except ValueError as e:
        raise ModuleFormatError(f"{source_path}：articles 字段{e}") from e
    if not articles:
        raise ModuleFormatError(f"{source_path}：缺少 articles（模块讲解的条文）")
    minutes = _minutes(meta.get("minutes"), "minutes", source_path, 15)
    min_minutes = _minutes(meta.get("min_minutes", meta.get("min_study_minutes")), "min_minutes", source_path,
                           minutes)
    banks = _text_list(meta.get("banks", meta.get("bank")), "banks", source_path)
    order = meta.get("order")
    if order is None:
        m = _ORDER.match(stem)
        order = int(m.group(1)) if m else 0
    if isinstance(order, bool) or not isinstance(order, int):
        raise ModuleFormatError(f"{source_path}：order 应为整数")
    body = match.group(2).strip()
    if not body:
        raise ModuleFormatError(f"{source_path}：正文为空")
    return ModuleRecord(
        key=f"{law_slug}/{stem}"[:128],
        law_name=law,
        title=title[:200],
        objectives=_text_list(meta.get("objectives"), "objectives", source_path),
        key_points=_text_list(meta.get("key_points"), "key_points", source_path),
        articles=articles,
        minutes=minutes,
        min_minutes=min_minutes,
        banks=banks,
        body=body,
        source_path=source_path,
        sort_order=order,
        is_open=bool(meta.get("open", False)),
    )
