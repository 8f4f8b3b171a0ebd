"""A report as plain data (title, paragraphs, charts, tables) that the xlsx, csv and PDF writers share (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lawtrain.reports.charts import Chart


@dataclass(frozen=True)
class Ratio:
    """A rate cell: a number (part / whole) in spreadsheets, "86% (172/200)" where people read it."""

    part: int
    whole: int

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None

    def __str__(self) -> str:
        return percent_text(self.part, self.whole)


@dataclass(frozen=True)
class Number:
    """A score, hours or other decimal cell: a number with `digits` decimals; "—" when there is none."""

    value: float | None
    digits: int = 1

    def __str__(self) -> str:
        return number_text(self.value, self.digits)


@dataclass(frozen=True)
class Table:
    """A titled table; `widths` are column widths in characters (xlsx) and relative widths (PDF)."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[object]]
    widths: Sequence[int] = ()
    sheet: str = ""

    def column_widths(self) -> list[int]:
        if self.widths:
            return list(self.widths)
        out = [max(6, min(40, _text_width(h) + 2)) for h in self.headers]
        for row in self.rows[:200]:
            for i, v in enumerate(row[: len(out)]):
                out[i] = max(out[i], min(40, _text_width(v) + 2))
        return out


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str = ""
    paragraphs: Sequence[str] = ()
    charts: Sequence[Chart] = ()
    tables: Sequence[Table] = ()
    filename: str = "report"
    notes: Sequence[str] = field(default_factory=tuple)
    glossary: Sequence[tuple[str, str]] = ()  # (figure, definition): the 指标说明 every export carries
    glossary_title: str = ""  # "指标说明", translated
    notes_title: str = ""  # "说明", translated


def _text_width(value: object) -> int:
    """Display width in Latin characters: a Chinese character counts as two."""
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def percent_text(part: int, whole: int) -> str:
    """完成率 style: "86% (172/200)"; "—" when there is no denominator."""
    if not whole:
        return "—"
    return f"{100 * part / whole:.0f}% ({part}/{whole})"


def number_text(value: float | None, digits: int = 1) -> str:
    """A score without a trailing ".0" (UI rule): 79.3, 80; "—" when there is none."""
    if value is None:
        return "—"
    text = f"{value:.{digits}f}"
    whole, _dot, decimals = text.partition(".")
    return whole if decimals and not decimals.strip("0") else text


def plain_value(value: object) -> object:
    """A cell for CSV: rates as "85.7%", decimals as numbers, None empty; anything else unchanged."""
    if isinstance(value, Ratio):
        return "" if value.value is None else f"{100 * value.value:.1f}%"
    if isinstance(value, Number):
        return "" if value.value is None else round(value.value, value.digits)
    return value
