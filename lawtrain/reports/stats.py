"""Item analysis (pure): facility, discrimination, point-biserial, distractors; mean, median, SD, KR-20.

Conventions (stated because textbooks differ):
- Scores are item fractions `score / max_score` (1/0 for right/wrong items); an examinee's total is the sum
  of the raw item scores and examinees are ranked by `total / max_total` (papers drawn at random differ).
- Discrimination index D = mean item fraction of the upper group - that of the lower group, the groups being
  the top and bottom 27 % (at least one person) of the examinees who saw the item, ranked by total; ties are
  broken by examinee id so the result is reproducible.
- Point-biserial: Pearson correlation of the item fraction with the rest-of-test score (total - item score),
  so the item does not correlate with itself. None when either variance is zero.
- Flags (too hard, too easy, low or negative discrimination) need at least `min_takers` examinees on the
  item (the glossary's ITEM_MIN_TAKERS, 20): on a handful of answers every one of them is noise. Each item
  carries the Wilson 95 % interval of its facility so a reader sees how sure the figure is.
- Standard deviation and the variance in KR-20 are population figures (divide by N), as in KR-20's
  derivation; KR-20 = k/(k-1) * (1 - sum(p*q) / variance of totals), only when every examinee answered the
  same k items (a fixed paper), else None.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lawtrain.reports.glossary import ITEM_MIN_TAKERS, WEAK_MIN_ANSWERS, WEAK_MIN_PEOPLE, WEAK_THRESHOLD

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
UPPER_LOWER_SHARE = 0.27
LOW_DISCRIMINATION = 0.2
HARD_FACILITY = 0.2
EASY_FACILITY = 0.9
BLANK = "—"

FLAG_NEGATIVE = "negative_discrimination"
FLAG_LOW = "low_discrimination"
FLAG_HARD = "too_hard"
FLAG_EASY = "too_easy"


@dataclass(frozen=True)
class ItemResponse:
    """One examinee's result on one item; `choices` are original option letters (empty: not answered)."""

    examinee: int
    item: int
    score: float
    max_score: float = 1.0
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemStats:
    item: int
    n: int
    facility: float
    discrimination: float | None
    point_biserial: float | None
    options: dict[str, int] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    interval: tuple[float, float] | None = None  # Wilson 95 % interval of the facility


@dataclass(frozen=True)
class ExamStats:
    n: int
    mean: float | None
    median: float | None
    sd: float | None
    kr20: float | None
    max_total: float
    items: tuple[ItemStats, ...] = ()

    @property
    def flagged(self) -> tuple[ItemStats, ...]:
        return tuple(i for i in self.items if i.flags)


def original_choices(response: Iterable[object] | None, option_order: Sequence[int] | None) -> tuple[str, ...]:
    """Delivered keys (what the person saw, after shuffling) -> original option letters, sorted."""
    out = []
    for key in response or ():
        text = str(key).strip().upper()
        if len(text) != 1 or text not in LETTERS:
            continue
        pos = LETTERS.index(text)
        if option_order:
            if pos >= len(option_order):
                continue
            pos = option_order[pos]
        out.append(LETTERS[pos])
    return tuple(sorted(set(out)))


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson correlation; None for fewer than two pairs or a zero variance."""
    n = len(xs)
    if n < 2 or n != len(ys):
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


def population_sd(values: Sequence[float]) -> float | None:
    return statistics.pstdev(values) if values else None


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def group_size(n: int) -> int:
    """Size of the upper and lower groups: 27 % of n, rounded, at least 1 (and at most half)."""
    if n < 2:
        return 0
    return max(1, min(n // 2, round(UPPER_LOWER_SHARE * n)))


def wilson(successes: float, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (successes / n), 95 % by default; None for n = 0.

    Unlike p ± z·SE it stays inside [0, 1] and is honest at small n: 0 of 1 gives (0, 0.79), not (0, 0)."""
    if n <= 0:
        return None
    p = min(max(successes / n, 0.0), 1.0)
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


CELL_INSUFFICIENT, CELL_WEAK, CELL_OK = "insufficient", "weak", "ok"


@dataclass(frozen=True)
class Evidence:
    """How much a weak-article cell needs before it is judged, and the rate it is judged against (percent)."""

    min_answers: int = WEAK_MIN_ANSWERS
    min_people: int = WEAK_MIN_PEOPLE
    threshold: float = WEAK_THRESHOLD


DEFAULT_EVIDENCE = Evidence()


def cell_status(correct: int, answered: int, people: int, evidence: Evidence = DEFAULT_EVIDENCE) -> str:
    """样本不足 below the evidence rule; 薄弱 only when even the Wilson 95 % upper bound is below the threshold."""
    if answered < evidence.min_answers or people < evidence.min_people:
        return CELL_INSUFFICIENT
    interval = wilson(correct, answered)
    return CELL_WEAK if interval and 100 * interval[1] < evidence.threshold else CELL_OK


def flags_for(facility: float, discrimination: float | None, n: int | None = None,
              min_takers: int = ITEM_MIN_TAKERS) -> tuple[str, ...]:
    """Review flags of an item; none below `min_takers` examinees (`n` None: the caller has checked)."""
    if n is not None and n < min_takers:
        return ()
    flags = []
    if discrimination is not None:
        if discrimination < 0:
            flags.append(FLAG_NEGATIVE)
        elif discrimination < LOW_DISCRIMINATION:
            flags.append(FLAG_LOW)
    if facility < HARD_FACILITY:
        flags.append(FLAG_HARD)
    elif facility > EASY_FACILITY:
        flags.append(FLAG_EASY)
    return tuple(flags)


def analyse(responses: Iterable[ItemResponse], option_counts: dict[int, int] | None = None,
            min_takers: int = ITEM_MIN_TAKERS) -> ExamStats:
    """Item and exam statistics from per-item results. `option_counts[item]` lists options A.. even if unchosen;
    items with fewer than `min_takers` examinees are not flagged."""
    by_examinee: dict[int, dict[int, ItemResponse]] = defaultdict(dict)
    for r in responses:
        by_examinee[r.examinee][r.item] = r
    if not by_examinee:
        return ExamStats(0, None, None, None, None, 0.0)
    totals = {e: sum(r.score for r in items.values()) for e, items in by_examinee.items()}
    maxima = {e: sum(r.max_score for r in items.values()) for e, items in by_examinee.items()}
    ratio = {e: (totals[e] / maxima[e] if maxima[e] else 0.0) for e in by_examinee}

    by_item: dict[int, list[ItemResponse]] = defaultdict(list)
    for items in by_examinee.values():
        for r in items.values():
            by_item[r.item].append(r)

    item_stats = []
    for item in sorted(by_item):
        rows = sorted(by_item[item], key=lambda r: (ratio[r.examinee], r.examinee))
        fractions = [(r.score / r.max_score if r.max_score else 0.0) for r in rows]
        n = len(rows)
        facility = sum(fractions) / n
        g = group_size(n)
        discrimination = (sum(fractions[-g:]) - sum(fractions[:g])) / g if g else None
        rest = [totals[r.examinee] - r.score for r in rows]
        pbis = pearson(fractions, rest)
        options = {LETTERS[i]: 0 for i in range((option_counts or {}).get(item, 0))}
        answered_any = False
        for r in rows:
            for c in r.choices:
                options[c] = options.get(c, 0) + 1
                answered_any = True
            if not r.choices:
                options[BLANK] = options.get(BLANK, 0) + 1
        if not answered_any and not (option_counts or {}).get(item):
            options = {}
        item_stats.append(ItemStats(item, n, facility, discrimination, pbis, options,
                                    flags_for(facility, discrimination, n, min_takers), wilson(facility * n, n)))

    values = list(totals.values())
    item_sets = {frozenset(items) for items in by_examinee.values()}
    return ExamStats(
        n=len(values), mean=sum(values) / len(values), median=median(values), sd=population_sd(values),
        kr20=_kr20(item_stats, values) if len(item_sets) == 1 else None,
        max_total=max(maxima.values()), items=tuple(item_stats),
    )


def _kr20(items: Sequence[ItemStats], totals: Sequence[float]) -> float | None:
    k = len(items)
    variance = statistics.pvariance(totals) if len(totals) > 1 else 0.0
    if k < 2 or variance <= 1e-12:
        return None
    pq = sum(i.facility * (1 - i.facility) for i in items)
    return k / (k - 1) * (1 - pq / variance)


def histogram(values: Iterable[float], width: int = 10, top: int = 100) -> list[int]:
    """Counts in bins [0,10), [10,20) … [90,100] (the last bin closed), for percent scores."""
    bins = [0] * (top // width)
    for v in values:
        index = min(int(max(v, 0) // width), len(bins) - 1)
        bins[index] += 1
    return bins
