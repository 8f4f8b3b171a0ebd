"""A fixed paper as the trainer types it (pure): one question reference per line, optionally its points.

A line is `SAFE-021`, `123`, `#123` or any of them followed by points (`SAFE-021 2`, `123，1.5`, `#7	2分`):
separators are spaces, tabs (a column pasted from a spreadsheet) and commas, full-width or not. Whether a
reference names a usable question is the service's business; this module only reads the text.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

POINTS_MIN, POINTS_MAX = 0.5, 100.0  # the same bounds as a rule's points per question
BAD_FORMAT, BAD_POINTS = "format", "points"

_SEPARATORS = re.compile(r"[\s,，、;；]+")
_QUESTION_ID = re.compile(r"#?(\d{1,18})")


@dataclass(frozen=True, slots=True)
class PaperLine:
    """One non-blank line: its number as the trainer sees it, the reference and the points it names."""

    line_no: int
    ref: str
    points: float | None = None  # None: the default points (or the question's own)
    problem: str | None = None  # BAD_FORMAT | BAD_POINTS
    raw_points: str = ""  # the points as typed, for the message when they are wrong


def parse_points(text: str) -> float:
    """'2', '1.5', '２分' -> a float within POINTS_MIN..POINTS_MAX; ValueError otherwise."""
    value = float(unicodedata.normalize("NFKC", text).strip().removesuffix("分").strip())
    if not (math.isfinite(value) and POINTS_MIN <= value <= POINTS_MAX):
        raise ValueError(text)
    return value


def parse_paper(text: str | None) -> list[PaperLine]:
    """The lines of a fixed paper in order; blank lines are skipped but keep the numbering the trainer sees."""
    lines = []
    for line_no, line in enumerate((text or "").splitlines(), start=1):
        tokens = [t for t in _SEPARATORS.split(line.strip()) if t]
        if not tokens:
            continue
        if len(tokens) > 2:
            lines.append(PaperLine(line_no, tokens[0], problem=BAD_FORMAT))
            continue
        if len(tokens) == 1:
            lines.append(PaperLine(line_no, tokens[0]))
            continue
        try:
            lines.append(PaperLine(line_no, tokens[0], parse_points(tokens[1])))
        except ValueError:
            lines.append(PaperLine(line_no, tokens[0], problem=BAD_POINTS, raw_points=tokens[1]))
    return lines


def question_id_of(ref: str) -> int | None:
    """The question id a reference spells ('123' or '#123'), if it spells one."""
    m = _QUESTION_ID.fullmatch(unicodedata.normalize("NFKC", ref))
    return int(m.group(1)) if m else None


def names_id_only(ref: str) -> bool:
    """'#123' names a question id and nothing else; a bare '123' may also be a bank's own 题目ID."""
    return unicodedata.normalize("NFKC", ref).startswith("#")


def stands_alone(external_id: str) -> bool:
    """Can a bank's 题目ID be written on a line as it is? Only if it reads back as itself: one token that
    does not look like a question id."""
    tokens = _SEPARATORS.split(external_id.strip())
    return len(tokens) == 1 and tokens[0] == external_id and question_id_of(external_id) is None \
        and not names_id_only(external_id)


def format_paper(rows: Sequence[tuple[str, float | None]]) -> tuple[str, float | None]:
    """(reference, points) rows back to text for editing, and the default points: when every row has the
    same points they go to the default field once instead of on every line."""
    points = {p for _ref, p in rows}
    shared = points.pop() if len(points) == 1 else None
    lines = [ref if p is None or p == shared else f"{ref} {_number(p)}" for ref, p in rows]
    return "\n".join(lines), shared


def append_refs(text: str | None, refs: Iterable[str]) -> str:
    """The paper text with more references added at the end, one per line."""
    kept = (text or "").rstrip()
    added = "\n".join(refs)
    return f"{kept}\n{added}" if kept and added else kept or added


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
