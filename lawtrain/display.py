"""How numbers read on every screen (pure): percentages, scores, study time and article numbers, one rule each."""

from __future__ import annotations

import math

from lawtrain.courses.numerals import int_to_cn


def percent(part: int | float | None, whole: int | float | None) -> int:
    """A whole percentage, rounded half up (2/26 -> 8, 1/8 -> 13); 0 without a denominator."""
    if not whole:
        return 0
    return int(math.floor(100 * (part or 0) / whole + 0.5))


def score_text(value: float | int | None) -> str:
    """A score without a trailing ".0" (30.0 -> "30", 4.5 -> "4.5", 4.25 -> "4.25"); "—" when there is none."""
    if value is None:
        return "—"
    return f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")


def study_time_text(seconds: int | float | None, hours_format: str = "%(n)s 小时",
                    minutes_format: str = "%(n)s 分钟") -> str:
    """Study time everywhere: minutes under an hour ("40 分钟", "0 分钟" for none), else hours with one
    decimal ("12.5 小时"); the formats are the (translated) units."""
    seconds = int(seconds or 0)
    if seconds < 3600:
        return minutes_format % {"n": max(0, seconds // 60)}
    return hours_format % {"n": f"{seconds / 3600:.1f}".removesuffix(".0")}


def article_label(number: int | str | None) -> str:
    """An article as the official text writes it: 72 -> 第七十二条 (anything unexpected as 第…条 unchanged)."""
    try:
        return f"第{int_to_cn(int(number))}条"
    except (TypeError, ValueError):
        return f"第{number}条"
