"""Scoring (pure): one question, one paper, totals, percentage and pass/fail.

Responses arrive in the keys the person saw (display order); `option_order` maps them back to the
original option letters the answer key uses. Scores never come from the client.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SINGLE, MULTIPLE, TRUE_FALSE, FILL_BLANK = "single", "multiple", "true_false", "fill_blank"
ALL_OR_NOTHING, PARTIAL = "all_or_nothing", "partial"
LETTERS = "ABCDEFGHIJ"
_LETTER_INDEX = {c: i for i, c in enumerate(LETTERS)}
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Item:
    """One question of a paper as the grader sees it.

    key: original letters for choice types, ("true",)/("false",) for true/false, and for fill-in
    one tuple of *normalised* alternatives per blank (build it with `fill_key`).
    """

    type: str
    key: tuple
    points: float
    option_order: tuple[int, ...] = ()
    voided: bool = False


@dataclass(frozen=True, slots=True)
class ItemResult:
    score: float
    is_correct: bool | None  # None for a voided question


@dataclass(frozen=True, slots=True)
class PaperResult:
    score: float
    max_score: float
    percent: float
    passed: bool
    items: tuple[ItemResult, ...]


# ------------------------------------------------------------------ normalisation of fill-in text

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9}
_CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}


def cn_to_int(text: str) -> int | None:
    """Chinese numerals to an int ('一百一十四' -> 114, '十五' -> 15, '二〇二一' -> 2021); None if not one."""
    if not text or any(c not in _CN_DIGITS and c not in _CN_UNITS and c not in _CN_BIG for c in text):
        return None
    if all(c in _CN_DIGITS for c in text) and len(text) > 1:  # digit by digit: 二〇二一
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    total, section, digit = 0, 0, None
    for c in text:
        if c in _CN_DIGITS:
            digit = _CN_DIGITS[c]
        elif c in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[c]
            digit = None
        else:
            section += digit or 0
            total += (section or 1) * _CN_BIG[c]
            section, digit = 0, None
    return total + section + (digit or 0)


def _is_punct_or_space(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "PZ" or ch in "\t\r\n"


def normalise(text: object) -> str:
    """Full/half width folded (NFKC), case folded, spaces and punctuation removed."""
    s = unicodedata.normalize("NFKC", str(text or "")).casefold()
    return "".join(ch for ch in s if not _is_punct_or_space(ch))


def _as_number(norm: str) -> int | None:
    if norm.isdigit() and norm.isascii():
        return int(norm)
    return cn_to_int(norm)


def fill_key(answer: Sequence) -> tuple[tuple[str, ...], ...]:
    """A stored fill-in answer (one list of alternatives, or one string, per blank) -> normalised key."""
    key = []
    for blank in answer:
        alts = blank if isinstance(blank, list | tuple) else str(blank).split("|")
        key.append(tuple(dict.fromkeys(normalise(a) for a in alts if normalise(a))))
    return tuple(key)


def blank_matches(alternatives: tuple[str, ...], given: object) -> bool:
    """Does one blank's response match any listed alternative (numbers compared by value)?"""
    norm = normalise(given)
    if not norm:
        return False
    if norm in alternatives:
        return True
    value = _as_number(norm)
    if value is None:
        return False
    return any(_as_number(a) == value for a in alternatives)


# ------------------------------------------------------------------ grading

def to_original(response: Iterable, option_order: Sequence[int]) -> set[str]:
    """Delivered option keys -> the original letters they stand for (unknown keys kept as is)."""
    out = set()
    n = len(option_order)
    for k in response:
        k = str(k).strip().upper()
        i = _LETTER_INDEX.get(k)
        if n and i is not None and i < n:
            out.add(LETTERS[option_order[i]])
        else:
            out.add(k)
    return out


def grade_item(item: Item, response: Sequence | None, multiple_scoring: str = ALL_OR_NOTHING) -> ItemResult:
    """Score one question from one response (a list) under the exam's multiple-choice policy."""
    if item.voided:
        return ItemResult(0.0, None)
    if not response:
        return ItemResult(0.0, False)
    t = item.type
    if t == TRUE_FALSE:
        ok = len(response) == 1 and str(response[0]).strip().lower() == item.key[0]
        return ItemResult(item.points if ok else 0.0, ok)
    if t == SINGLE or t == MULTIPLE:
        chosen = to_original(response, item.option_order)
        key = set(item.key)
        if chosen == key:
            return ItemResult(item.points, True)
        if t == MULTIPLE and multiple_scoring == PARTIAL and chosen < key:
            return ItemResult(round(item.points * len(chosen) / len(key), 4), False)
        return ItemResult(0.0, False)
    if t == FILL_BLANK:
        blanks = item.key
        if not blanks:
            return ItemResult(0.0, False)
        hits = sum(1 for i, alts in enumerate(blanks) if i < len(response) and blank_matches(alts, response[i]))
        if hits == len(blanks):
            return ItemResult(item.points, True)
        return ItemResult(round(item.points * hits / len(blanks), 4), False)
    return ItemResult(0.0, False)


def grade_paper(
    items: Sequence[Item],
    responses: Sequence[Sequence | None],
    multiple_scoring: str = ALL_OR_NOTHING,
    pass_percent: float = 60.0,
) -> PaperResult:
    """Grade a whole paper; responses[i] answers items[i] (None = unanswered)."""
    results = []
    score = max_score = 0.0
    for item, response in zip(items, responses, strict=True):
        r = grade_item(item, response, multiple_scoring)
        results.append(r)
        if not item.voided:
            score += r.score
            max_score += item.points
    return totals(score, max_score, pass_percent, tuple(results))


def totals(score: float, max_score: float, pass_percent: float, items: tuple[ItemResult, ...] = ()) -> PaperResult:
    """Round the total, compute the percentage and pass/fail."""
    score = round(score, 2)
    percent = round(100.0 * score / max_score, 2) if max_score > 0 else 0.0
    return PaperResult(score, round(max_score, 2), percent, percent + _EPS >= pass_percent and max_score > 0, items)


def answer_key(qtype: str, answer: Sequence) -> tuple:
    """A stored answer as the grader's key: blanks normalised, true/false lower case, option letters upper case."""
    if qtype == FILL_BLANK:
        return fill_key(answer)
    return tuple(str(a).strip().lower() if qtype == TRUE_FALSE else str(a).strip().upper() for a in answer)


def correct_display_keys(item: Item) -> list[str]:
    """The right answer expressed in the keys this person saw (for the review page)."""
    if item.type not in (SINGLE, MULTIPLE):
        return list(item.key) if item.type == TRUE_FALSE else []
    if not item.option_order:
        return sorted(item.key)
    inverse = {orig: pos for pos, orig in enumerate(item.option_order)}
    return sorted(LETTERS[inverse[_LETTER_INDEX[k]]] for k in item.key if _LETTER_INDEX.get(k) in inverse)
