"""Scoring rules, table-driven."""


import pytest

from lawtrain.exams import scoring
from lawtrain.exams.scoring import Item, cn_to_int, fill_key, grade_item, grade_paper, normalise

IDENTITY4 = (0, 1, 2, 3)
REVERSED4 = (3, 2, 1, 0)  # display A = original D, ...


@pytest.mark.parametrize(
    "item, response, policy, score, correct",
    [
        # single: exact, through the permutation
        (Item("single", ("B",), 2.0, IDENTITY4), ["B"], "all_or_nothing", 2.0, True),
        (Item("single", ("B",), 2.0, IDENTITY4), ["C"], "all_or_nothing", 0.0, False),
        (Item("single", ("B",), 2.0, REVERSED4), ["C"], "all_or_nothing", 2.0, True),  # shown C = original B
        (Item("single", ("B",), 2.0, REVERSED4), ["B"], "all_or_nothing", 0.0, False),
        (Item("single", ("B",), 2.0, IDENTITY4), ["b"], "all_or_nothing", 2.0, True),
        (Item("single", ("B",), 2.0, IDENTITY4), ["B", "C"], "all_or_nothing", 0.0, False),
        (Item("single", ("B",), 2.0, IDENTITY4), [], "all_or_nothing", 0.0, False),
        (Item("single", ("B",), 2.0, IDENTITY4), None, "all_or_nothing", 0.0, False),
        # true/false
        (Item("true_false", ("true",), 1.0), ["true"], "all_or_nothing", 1.0, True),
        (Item("true_false", ("true",), 1.0), ["false"], "all_or_nothing", 0.0, False),
        (Item("true_false", ("false",), 1.0), ["FALSE"], "all_or_nothing", 1.0, True),
        (Item("true_false", ("false",), 1.0), ["false", "true"], "all_or_nothing", 0.0, False),
        # multiple, all or nothing
        (Item("multiple", ("A", "C"), 4.0, IDENTITY4), ["C", "A"], "all_or_nothing", 4.0, True),
        (Item("multiple", ("A", "C"), 4.0, IDENTITY4), ["A"], "all_or_nothing", 0.0, False),
        (Item("multiple", ("A", "C"), 4.0, IDENTITY4), ["A", "B", "C"], "all_or_nothing", 0.0, False),
        # multiple, partial: subset scores its fraction, any wrong choice scores zero
        (Item("multiple", ("A", "B", "C", "D"), 4.0, IDENTITY4), ["A"], "partial", 1.0, False),
        (Item("multiple", ("A", "C"), 4.0, IDENTITY4), ["A"], "partial", 2.0, False),
        (Item("multiple", ("A", "C"), 4.0, IDENTITY4), ["A", "C"], "partial", 4.0, True),
        (Item("multiple", ("A", "C"), 4.0, IDENTITY4), ["A", "B"], "partial", 0.0, False),
        (Item("multiple", ("A", "C"), 4.0, REVERSED4), ["D"], "partial", 2.0, False),  # shown D = original A
        (Item("multiple", ("A", "B", "C"), 3.0, IDENTITY4), ["A", "B"], "partial", 2.0, False),
        # fill-in: widths, spaces, punctuation, alternatives, numerals
        (Item("fill_blank", fill_key([["生产经营单位"]]), 2.0), ["生产经营单位"], "all_or_nothing", 2.0, True),
        (Item("fill_blank", fill_key([["生产经营单位"]]), 2.0), [" 生产 经营单位。"], "all_or_nothing", 2.0, True),
        (Item("fill_blank", fill_key([["ABC"]]), 2.0), ["ａｂｃ"], "all_or_nothing", 2.0, True),
        (Item("fill_blank", fill_key([["安全第一", "安全 第一"]]), 2.0), ["安全第一，"], "all_or_nothing", 2.0, True),
        (Item("fill_blank", fill_key([["主要负责人", "负责人"]]), 2.0), ["负责人"], "all_or_nothing", 2.0, True),
        (Item("fill_blank", fill_key(["主要负责人|第一责任人"]), 2.0), ["第一责任人"], "all_or_nothing", 2.0, True),
        (Item("fill_blank", fill_key([["30"]]), 2.0), ["三十"], "all_or_nothing", 2.0, True),
        (Item("fill_blank", fill_key([["三十"]]), 2.0), ["30"], "all_or_nothing", 2.0, True),
        (Item("fill_blank", fill_key([["30"]]), 2.0), ["３０"], "all_or_nothing", 2.0, True),
        (Item("fill_blank", fill_key([["30"]]), 2.0), ["31"], "all_or_nothing", 0.0, False),
        (Item("fill_blank", fill_key([["安全"], ["15"]]), 2.0), ["安全", "十五"], "all_or_nothing", 2.0, True),
        (Item("fill_blank", fill_key([["安全"], ["15"]]), 2.0), ["安全", "十六"], "all_or_nothing", 1.0, False),
        (Item("fill_blank", fill_key([["安全"], ["15"]]), 2.0), ["安全"], "all_or_nothing", 1.0, False),
        (Item("fill_blank", fill_key([["安全"]]), 2.0), [""], "all_or_nothing", 0.0, False),
        # voided
        (Item("single", ("A",), 2.0, IDENTITY4, voided=True), ["A"], "all_or_nothing", 0.0, None),
    ],
)
def test_grade_item(item, response, policy, score, correct):
    result = grade_item(item, response, policy)
    assert result.score == pytest.approx(score)
    assert result.is_correct is correct


@pytest.mark.parametrize(
    "text, value",
    [("十", 10), ("十五", 15), ("三十", 30), ("一百一十四", 114), ("一百零五", 105), ("两千", 2000),
     ("三万五千", 35000), ("二〇二一", 2021), ("零", 0), ("九十九", 99), ("安全", None), ("", None)],
)
def test_cn_to_int(text, value):
    assert cn_to_int(text) == value


@pytest.mark.parametrize(
    "raw, norm", [("Ａ Ｂ", "ab"), ("安全，第一！", "安全第一"), ("  x\ty\n", "xy"), ("（一）", "一"), (None, "")]
)
def test_normalise(raw, norm):
    assert normalise(raw) == norm


@pytest.mark.parametrize(
    "score_parts, max_parts, pass_percent, percent, passed",
    [((6.0,), (10.0,), 60, 60.0, True), ((5.99,), (10.0,), 60, 59.9, False), ((0.0,), (0.0,), 60, 0.0, False),
     ((10.0,), (10.0,), 100, 100.0, True), ((1.0,), (3.0,), 33.33, 33.33, True)],
)
def test_totals(score_parts, max_parts, pass_percent, percent, passed):
    result = scoring.totals(sum(score_parts), sum(max_parts), pass_percent)
    assert result.percent == percent
    assert result.passed is passed


def test_grade_paper_excludes_voided_from_max():
    items = [Item("single", ("A",), 2.0, IDENTITY4), Item("single", ("B",), 2.0, IDENTITY4, voided=True),
             Item("true_false", ("true",), 1.0)]
    result = grade_paper(items, [["A"], ["B"], ["false"]], pass_percent=60)
    assert (result.score, result.max_score, result.percent, result.passed) == (2.0, 3.0, 66.67, True)
    assert [r.is_correct for r in result.items] == [True, None, False]


def test_correct_display_keys_follow_the_permutation():
    assert scoring.correct_display_keys(Item("multiple", ("A", "B"), 1.0, REVERSED4)) == ["C", "D"]
    assert scoring.correct_display_keys(Item("single", ("C",), 1.0, (2, 0, 1, 3))) == ["A"]
