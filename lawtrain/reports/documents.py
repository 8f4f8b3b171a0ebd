"""A report as plain data (title, paragraphs, charts, tables) that the xlsx, csv and PDF writers share (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lawtrain.reports.charts import Chart


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
    if value is None:
        return "—"
    return f"{value:.{digits}f}"
