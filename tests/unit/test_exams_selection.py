"""Per-person papers: seeded, balanced, distinct; rule checks and summary."""

import ast
import statistics
from pathlib import Path

import pytest

from lawtrain.exams import selection
from lawtrain.exams.selection import PoolQuestion, RuleSpec, check_rules, draw_paper


def pool(type_, n, start=1, options=4):
    return [PoolQuestion(start + i, 1000 + start + i, type_, difficulty=1 + i % 5, option_count=options)
            for i in range(n)]


RULES = [(RuleSpec("single", 10, 2.0), pool("single", 60)), (RuleSpec("multiple", 5, 4.0), pool("multiple", 30, 100)),
         (RuleSpec("true_false", 5, 1.0), pool("true_false", 25, 200, options=0))]


def test_same_seed_same_paper_and_different_seed_differs():
    a = draw_paper(RULES, 42)
    assert a == draw_paper(RULES, 42)
    assert [i.question_id for i in a] != [i.question_id for i in draw_paper(RULES, 43)]
    assert len(a) == 20 and len({i.question_id for i in a}) == 20


def test_paper_follows_rule_types_points_and_permutations():
    paper = draw_paper(RULES, 7)
    assert [i.points for i in paper] == [2.0] * 10 + [4.0] * 5 + [1.0] * 5
    for item in paper[:15]:
        assert sorted(item.option_order) == [0, 1, 2, 3]
    assert all(i.option_order == () for i in paper[15:])
    assert any(i.option_order != (0, 1, 2, 3) for i in paper[:15])
    unshuffled = draw_paper(RULES, 7, shuffle_options=False)
    assert all(i.option_order == (0, 1, 2, 3) for i in unshuffled[:15])


def test_papers_are_balanced_by_difficulty():
    by_id = {q.id: q for _, qs in RULES for q in qs}
    means = []
    for seed in range(200):
        paper = draw_paper(RULES, seed)
        means.append(statistics.mean(selection._difficulty(by_id[i.question_id]) for i in paper))
    assert max(means) - min(means) < 1e-9  # identical difficulty mix for everyone
    assert len({tuple(i.question_id for i in draw_paper(RULES, s)) for s in range(50)}) == 50


def test_overlapping_pools_never_repeat_a_question():
    shared = pool("single", 12)
    paper = draw_paper([(RuleSpec("single", 6, 1), shared), (RuleSpec("single", 6, 1), shared)], 3)
    assert len({i.question_id for i in paper}) == 12


@pytest.mark.parametrize(
    "sizes, count, expected",
    [({1: 10, 3: 10}, 4, {1: 2, 3: 2}), ({1: 1, 3: 10}, 11, {1: 1, 3: 10}), ({2: 3, 3: 3, 4: 3}, 4, {2: 1, 3: 2, 4: 1}),
     ({5: 2}, 0, {5: 0})],
)
def test_allocate(sizes, count, expected):
    assert selection.allocate(sizes, count) == expected


def test_allocate_refuses_more_than_the_pool():
    with pytest.raises(selection.SelectionError):
        selection.allocate({1: 2}, 3)


def test_check_rules_messages():
    rules = [RuleSpec("single", 10, 1), RuleSpec("multiple", 20, 2), RuleSpec("true_false", 0, 1)]
    assert check_rules(rules, [30, 14, 5]) == ["规则2需要20道多选题，题库只有14道", "规则3的题数必须大于0"]


def test_summary_totals_and_expected_difficulty():
    s = selection.summarise([RuleSpec("single", 10, 2), RuleSpec("true_false", 10, 1)], [[1, 3], [4, 4, None]])
    assert (s.total_points, s.question_count) == (30, 20)
    assert s.mean_difficulty == pytest.approx((2 * 10 + (11 / 3) * 10) / 20, abs=0.01)


def test_fixed_paper_keeps_order_unless_shuffled():
    qs = [(q, 2.0) for q in pool("single", 5)]
    assert [i.question_id for i in selection.fixed_paper(qs, 1, shuffle_options=False)] == [1, 2, 3, 4, 5]
    assert sorted(i.question_id for i in selection.fixed_paper(qs, 1, shuffle_questions=True)) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("module", ["scoring", "selection", "timing"])
def test_pure_modules_import_no_framework(module):
    path = Path(__file__).resolve().parents[2] / "lawtrain" / "exams" / f"{module}.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not {n for n in names if n.split(".")[0] in ("flask", "sqlalchemy") or n.startswith("lawtrain.extensions")}
