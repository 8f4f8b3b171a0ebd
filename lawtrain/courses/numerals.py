"""Chinese article numerals both ways: 一百零六 <-> 106, 第一百零六条 <-> 106 (pure)."""

from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_DIGITS = "零一二三四五六七八九"
_LABEL = re.compile(r"^\s*第\s*([零〇一二两三四五六七八九十百千]+|\d+)\s*条\s*$")


def cn_to_int(text: str) -> int:
    """Convert a Chinese numeral below 10 000 ("一百零六", "十一", "二十") to an int."""
    text = (text or "").strip()
    if not text:
        raise ValueError("空的中文数字")
    if text.isdigit():
        return int(text)
    total, digit, last_unit = 0, None, 10_000
    for ch in text:
        if ch in _DIGITS:
            if digit is not None and digit != 0:
                raise ValueError(f"无法识别的中文数字：{text}")
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            unit = _UNITS[ch]
            if unit >= last_unit:
                raise ValueError(f"无法识别的中文数字：{text}")
            if digit is None:
                if total or unit != 10:  # "十" alone at the start means 一十
                    raise ValueError(f"无法识别的中文数字：{text}")
                digit = 1
            total += digit * unit
            digit, last_unit = None, unit
        else:
            raise ValueError(f"无法识别的中文数字：{text}")
    if digit:
        total += digit
    if total <= 0:
        raise ValueError(f"无法识别的中文数字：{text}")
    return total


def int_to_cn(n: int) -> str:
    """Convert 1..9999 to the form used in statute labels: 10 -> 十, 110 -> 一百一十, 101 -> 一百零一."""
    if not isinstance(n, int) or not 0 < n < 10_000:
        raise ValueError(f"条号超出范围：{n}")
    if n < 20:
        return ("十" + (_CN_DIGITS[n - 10] if n > 10 else "")) if n >= 10 else _CN_DIGITS[n]
    parts: list[str] = []
    pending_zero = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // unit % 10
        if d == 0:
            if parts:
                pending_zero = True
            continue
        if pending_zero:
            parts.append("零")
            pending_zero = False
        parts.append(_CN_DIGITS[d] + name)
    return "".join(parts)


def article_label(n: int) -> str:
    """106 -> 第一百零六条."""
    return f"第{int_to_cn(n)}条"


def parse_article_label(label: str) -> int:
    """第一百零六条 -> 106; the Arabic form 第21条 is accepted too."""
    match = _LABEL.match(label or "")
    if match is None:
        raise ValueError(f"不是条号：{label}")
    return cn_to_int(match.group(1))
