"""Grading throughput of the pure scoring function (lawtrain.exams.scoring), no database."""

from __future__ import annotations

import random
import time

from lawtrain.exams import scoring

SHAPE = (("single", 20, 1.0), ("multiple", 10, 2.0), ("true_false", 15, 1.0), ("fill_blank", 5, 2.0))


def _paper(rng: random.Random) -> tuple[list[scoring.Item], list[list[str] | None]]:
    items, responses = [], []
    for kind, count, points in SHAPE:
        for _ in range(count):
            if kind in ("single", "multiple"):
                order = list(range(4))
                rng.shuffle(order)
                key = ("B",) if kind == "single" else ("A", "C")
                item = scoring.Item(kind, key, points, tuple(order))
                items.append(item)
                right = scoring.correct_display_keys(item)
                responses.append(right if rng.random() < 0.7 else rng.choice([["A"], ["A", "C"], ["C", "D"], None]))
            elif kind == "true_false":
                key = rng.choice(["true", "false"])
                items.append(scoring.Item(kind, (key,), points))
                responses.append([key] if rng.random() < 0.7 else rng.choice([["true"], ["false"], None]))
            else:
                items.append(scoring.Item(kind, scoring.fill_key([["一小时", "1小时"]]), points))
                responses.append(rng.choice([["一小时"], ["1 小时"], ["１小时"], ["两小时"], None]))
    return items, responses


def grading(attempts: int, seed: int = 10) -> dict:
    """Grade `attempts` papers of 50 questions, then regrade them all after a key change (one item voided)."""
    rng = random.Random(seed)
    papers = [_paper(rng) for _ in range(attempts)]
    t0 = time.perf_counter()
    passed = 0
    for items, responses in papers:
        passed += scoring.grade_paper(items, responses, scoring.PARTIAL, 60.0).passed
    graded_s = time.perf_counter() - t0
    # Regrade: the same attempts with question 3 voided and question 7's key corrected.
    regraded = []
    for items, responses in papers:
        items = list(items)
        items[2] = scoring.Item(items[2].type, items[2].key, items[2].points, items[2].option_order, voided=True)
        items[6] = scoring.Item(items[6].type, ("C",), items[6].points, items[6].option_order)
        regraded.append((items, responses))
    t1 = time.perf_counter()
    changed = 0
    for items, responses in regraded:
        changed += scoring.grade_paper(items, responses, scoring.PARTIAL, 60.0).passed
    regrade_s = time.perf_counter() - t1
    return {
        "attempts": attempts,
        "questions_per_attempt": 50,
        "attempts_per_s": round(attempts / graded_s),
        "questions_per_s": round(attempts * 50 / graded_s),
        "regrade_attempts_per_s": round(attempts / regrade_s),
        "seconds": round(graded_s, 3),
        "pass_rate": round(passed / attempts, 3),
    }
