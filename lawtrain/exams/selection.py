"""Paper assembly (pure): per-person papers from rules and a recorded seed, rule checks, paper summary.

Balance: for each rule the pool is split into difficulty strata and every paper takes the same
number of questions from each stratum (largest-remainder allocation, fixed for the rule), so
different people's papers have the same difficulty mix; only which questions differ.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from lawtrain.banks.formats.records import DEFAULT_DIFFICULTY

SINGLE, MULTIPLE, TRUE_FALSE, FILL_BLANK, CASE = "single", "multiple", "true_false", "fill_blank", "case"
CHOICE_TYPES = (SINGLE, MULTIPLE)
TYPE_LABELS = {SINGLE: "单选题", MULTIPLE: "多选题", TRUE_FALSE: "判断题", FILL_BLANK: "填空题", CASE: "案例分析题"}


@dataclass(frozen=True, slots=True)
class PoolQuestion:
    id: int
    version_id: int
    type: str
    difficulty: int | None = None
    option_count: int = 0
    points: float = 1.0
    # A case: its sub-questions in order (a case is drawn whole; its points are theirs). () for a question alone.
    items: tuple[PoolQuestion, ...] = ()

    @property
    def case_points(self) -> float:
        return float(sum(i.points for i in self.items))


@dataclass(frozen=True, slots=True)
class RuleSpec:
    type: str
    count: int
    points: float


@dataclass(frozen=True, slots=True)
class PaperItem:
    question_id: int
    version_id: int
    points: float
    option_order: tuple[int, ...] = ()
    case_version_id: int | None = None  # a case's sub-question: the case version (its text) shown above it


class SelectionError(Exception):
    """A rule cannot be satisfied from its pool."""


def _difficulty(q: PoolQuestion) -> int:
    return q.difficulty if q.difficulty is not None else DEFAULT_DIFFICULTY


def allocate(strata_sizes: dict[int, int], count: int) -> dict[int, int]:
    """Split `count` over strata proportionally to their sizes (largest remainder, capped by size).

    Deterministic: the same pool gives everybody the same mix.
    """
    total = sum(strata_sizes.values())
    if count > total:
        raise SelectionError(f"need {count}, pool has {total}")
    if total == 0:
        return {}
    quotas = {d: count * n / total for d, n in strata_sizes.items()}
    alloc = {d: min(int(q), strata_sizes[d]) for d, q in quotas.items()}
    left = count - sum(alloc.values())
    # Largest remainder first; ties go to the stratum nearest the middle difficulty, then the lower one.
    order = sorted(strata_sizes, key=lambda d: (-(quotas[d] - int(quotas[d])), abs(d - DEFAULT_DIFFICULTY), d))
    while left > 0:
        progressed = False
        for d in order:
            if left and alloc[d] < strata_sizes[d]:
                alloc[d] += 1
                left -= 1
                progressed = True
        if not progressed:  # pragma: no cover - guarded by the size check above
            raise SelectionError("pool exhausted")
    return alloc


def option_permutation(n: int, rng: random.Random, shuffle: bool) -> tuple[int, ...]:
    """Display position -> original option index."""
    order = list(range(n))
    if shuffle and n > 1:
        rng.shuffle(order)
    return tuple(order)


def draw_rule(rule: RuleSpec, pool: Sequence[PoolQuestion], rng: random.Random,
              exclude: set[int] | frozenset[int] = frozenset()) -> list[PoolQuestion]:
    """Draw `rule.count` questions of the rule's type, balanced by difficulty, none from `exclude`."""
    candidates = [q for q in pool if q.type == rule.type and q.id not in exclude]
    candidates.sort(key=lambda q: q.id)  # the draw depends on the seed only, not on query order
    strata: dict[int, list[PoolQuestion]] = {}
    for q in candidates:
        strata.setdefault(_difficulty(q), []).append(q)
    alloc = allocate({d: len(qs) for d, qs in sorted(strata.items())}, rule.count)
    chosen: list[PoolQuestion] = []
    for d in sorted(alloc):
        chosen.extend(rng.sample(strata[d], alloc[d]))
    return chosen


def draw_paper(
    rules: Sequence[tuple[RuleSpec, Sequence[PoolQuestion]]],
    seed: int,
    *,
    shuffle_questions: bool = True,
    shuffle_options: bool = True,
) -> list[PaperItem]:
    """A person's paper: rules in order, questions shuffled within each rule, options permuted."""
    rng = random.Random(seed)
    taken: set[int] = set()
    paper: list[PaperItem] = []
    for rule, pool in rules:
        picked = draw_rule(rule, pool, rng, taken)
        if shuffle_questions:
            rng.shuffle(picked)
        else:
            picked.sort(key=lambda q: q.id)
        for q in picked:
            taken.add(q.id)
            if q.type == CASE:
                paper.extend(case_items(q, rng, shuffle_options))
                continue
            perm = option_permutation(q.option_count, rng, shuffle_options) if q.type in CHOICE_TYPES else ()
            paper.append(PaperItem(q.id, q.version_id, rule.points, perm))
    return paper


def case_items(case: PoolQuestion, rng: random.Random, shuffle_options: bool) -> list[PaperItem]:
    """A case on a paper: its sub-questions in the case's order, each at its own points, options permuted."""
    return [PaperItem(i.id, i.version_id, i.points,
                      option_permutation(i.option_count, rng, shuffle_options) if i.type in CHOICE_TYPES else (),
                      case_version_id=case.version_id) for i in case.items]


def fixed_paper(
    questions: Sequence[tuple[PoolQuestion, float]],
    seed: int,
    *,
    shuffle_questions: bool = False,
    shuffle_options: bool = True,
) -> list[PaperItem]:
    """A fixed paper (the trainer's questions and points), optionally shuffled per person."""
    rng = random.Random(seed)
    items = list(questions)
    if shuffle_questions:
        rng.shuffle(items)
    paper: list[PaperItem] = []
    for q, points in items:
        if q.type == CASE:  # a case keeps its sub-questions together, in order, at their own points
            paper.extend(case_items(q, rng, shuffle_options))
        else:
            paper.append(PaperItem(q.id, q.version_id, points, option_permutation(q.option_count, rng, shuffle_options)
                                   if q.type in CHOICE_TYPES else ()))
    return paper


def check_rules(rules: Sequence[RuleSpec], pool_counts: Sequence[int]) -> list[str]:
    """Chinese messages for rules their pools cannot satisfy ('规则2需要20道多选题，题库只有14道')."""
    messages = []
    for n, (rule, available) in enumerate(zip(rules, pool_counts, strict=True), start=1):
        label = TYPE_LABELS.get(rule.type, rule.type)
        if rule.count <= 0:
            messages.append(f"规则{n}的题数必须大于0")
        elif rule.count > available:
            messages.append(f"规则{n}需要{rule.count}道{label}，题库只有{available}道")
        if rule.points <= 0 and rule.type != CASE:  # a case is worth its sub-questions' points
            messages.append(f"规则{n}的每题分值必须大于0")
    return messages


@dataclass(frozen=True, slots=True)
class PaperSummary:
    total_points: float
    question_count: int
    mean_difficulty: float | None


def summarise(rules: Sequence[RuleSpec], pool_difficulties: Sequence[Sequence[int | None]]) -> PaperSummary:
    """Total points and the expected mean difficulty of a paper drawn by these rules."""
    total = sum(r.count * r.points for r in rules)
    weighted = weight = 0.0
    for rule, diffs in zip(rules, pool_difficulties, strict=True):
        values = [d if d is not None else DEFAULT_DIFFICULTY for d in diffs]
        if values and rule.count > 0:
            weighted += rule.count * sum(values) / len(values)
            weight += rule.count
    return PaperSummary(round(total, 2), sum(r.count for r in rules), round(weighted / weight, 2) if weight else None)


def mean_difficulty(questions: Sequence[PoolQuestion]) -> float | None:
    if not questions:
        return None
    return sum(_difficulty(q) for q in questions) / len(questions)


USUAL_TOTALS = (100.0, 120.0, 150.0)


def paper_warnings(total_points: float, pass_percent: float | None) -> list[str]:
    """What looks wrong on a saved paper, as keys the page words: 'total' (not a usual 100/120/150 points),
    'pass_low' (a pass mark under 50%), 'pass_high' (over 90%). Saving goes ahead; the trainer is told."""
    warnings = []
    if total_points and round(total_points, 2) not in USUAL_TOTALS:
        warnings.append("total")
    if pass_percent is not None and pass_percent < 50:
        warnings.append("pass_low")
    elif pass_percent is not None and pass_percent > 90:
        warnings.append("pass_high")
    return warnings
