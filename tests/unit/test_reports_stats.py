"""Item statistics against tables worked out by hand."""

from __future__ import annotations

import math

import pytest

from lawtrain.reports import stats
from lawtrain.reports.stats import ItemResponse

# 6 examinees x 4 right/wrong items.      totals
TABLE = {  # examinee: (I1, I2, I3, I4)
    1: (1, 1, 1, 1),  # 4
    2: (1, 1, 1, 0),  # 3
    3: (1, 1, 0, 1),  # 3
    4: (1, 0, 1, 0),  # 2
    5: (1, 0, 0, 0),  # 1
    6: (0, 1, 0, 0),  # 1
}


def _responses(table):
    return [ItemResponse(e, item, float(v)) for e, row in table.items() for item, v in enumerate(row, start=1)]


@pytest.fixture(scope="module")
def result():
    return stats.analyse(_responses(TABLE))


def test_exam_figures(result):
    assert result.n == 6
    assert result.mean == pytest.approx(14 / 6)  # (4+3+3+2+1+1)/6
    assert result.median == 2.5  # 1 1 2 | 3 3 4
    # population variance: (25 + 4 + 4 + 1 + 16 + 16)/9/6 = 66/54 = 11/9
    assert result.sd == pytest.approx(math.sqrt(11 / 9))
    # KR-20 = 4/3 * (1 - (5+8+9+8)/36 / (11/9)) = 4/3 * 21/66 = 14/33
    assert result.kr20 == pytest.approx(14 / 33)
    assert result.max_total == 4


def test_facility(result):
    assert [i.facility for i in result.items] == pytest.approx([5 / 6, 4 / 6, 3 / 6, 2 / 6])


def test_discrimination_upper_lower_27_percent(result):
    # 27% of 6 = 1.62 -> 2 per group. Ranked (total, id): lower = 5, 6; upper = 3, 1.
    # I1: upper 1,1 lower 1,0 -> 1 - 0.5; I2: 1,1 vs 0,1; I3: 0,1 vs 0,0; I4: 1,1 vs 0,0
    assert [i.discrimination for i in result.items] == pytest.approx([0.5, 0.5, 0.5, 1.0])


def test_point_biserial_against_rest_of_test(result):
    # I4: x = 1 0 1 0 0 0, rest = 3 3 2 2 1 1 -> sxy = 1, sxx = 4/3, syy = 4 -> r = sqrt(3)/4
    assert result.items[3].point_biserial == pytest.approx(math.sqrt(3) / 4)
    # I1: x = 1 1 1 1 1 0, rest = 3 2 2 1 0 1 -> sxy = 1/2, sxx = 5/6, syy = 11/2 -> r = sqrt(3/55)
    assert result.items[0].point_biserial == pytest.approx(math.sqrt(3 / 55))


def test_no_flags_on_the_sound_table(result):
    assert result.flagged == ()


def test_negative_discrimination_and_extreme_facility_are_flagged():
    # Item 2 is answered right only by the two weakest; item 3 by everyone.
    table = {1: (1, 0, 1), 2: (1, 0, 1), 3: (1, 0, 1), 4: (0, 0, 1), 5: (0, 1, 1), 6: (0, 1, 1)}
    result = stats.analyse(_responses(table), min_takers=6)
    by_item = {i.item: i for i in result.items}
    # totals 2 2 2 1 2 2 -> ranked: 4 (1), then 1 2 3 5 6 (2). lower = 4, 1; upper = 5, 6.
    assert by_item[2].discrimination == pytest.approx(1.0 - 0.0)
    assert by_item[1].discrimination == pytest.approx(0.0 - 0.5)
    assert stats.FLAG_NEGATIVE in by_item[1].flags
    assert by_item[3].facility == 1.0 and stats.FLAG_EASY in by_item[3].flags
    assert by_item[3].point_biserial is None  # no variance
    # With the default evidence rule (20 takers), six answers flag nothing, whatever the figures say.
    assert stats.analyse(_responses(table)).flagged == ()


def test_flags_need_twenty_takers_and_every_item_shows_its_interval():
    wrong = [ItemResponse(e, 1, 0.0) for e in range(19)]
    assert stats.analyse(wrong).items[0].flags == ()
    assert stats.FLAG_HARD in stats.analyse([*wrong, ItemResponse(19, 1, 0.0)]).items[0].flags
    low, high = stats.analyse(wrong).items[0].interval
    assert low == 0.0 and high == pytest.approx(0.1682, abs=1e-4)


@pytest.mark.parametrize("successes, n, low, high", [
    (0, 1, 0.0, 0.7935), (1, 1, 0.2065, 1.0), (5, 10, 0.2366, 0.7634), (81, 263, 0.2553, 0.3662)])
def test_wilson_interval(successes, n, low, high):
    lo, hi = stats.wilson(successes, n)
    assert (lo, hi) == (pytest.approx(low, abs=1e-4), pytest.approx(high, abs=1e-4))
    assert stats.wilson(0, 0) is None


@pytest.mark.parametrize("facility, discrimination, flags", [
    (0.5, 0.35, ()),
    (0.5, 0.19, (stats.FLAG_LOW,)),
    (0.5, -0.1, (stats.FLAG_NEGATIVE,)),
    (0.15, 0.3, (stats.FLAG_HARD,)),
    (0.95, 0.3, (stats.FLAG_EASY,)),
    (0.95, None, (stats.FLAG_EASY,)),
])
def test_flag_rules(facility, discrimination, flags):
    assert stats.flags_for(facility, discrimination) == flags


def test_option_frequencies_map_shuffled_keys_back_to_original_letters():
    # Shown order [2, 0, 1, 3]: the person saw original C as "A". Choosing "A" means original C.
    assert stats.original_choices(["A"], [2, 0, 1, 3]) == ("C",)
    assert stats.original_choices(["b", "D"], [2, 0, 1, 3]) == ("A", "D")
    assert stats.original_choices(["true"], []) == ()
    responses = [ItemResponse(1, 9, 1.0, choices=("A",)), ItemResponse(2, 9, 0.0, choices=("C",)),
                 ItemResponse(3, 9, 0.0, choices=("C",)), ItemResponse(4, 9, 0.0)]
    result = stats.analyse(responses, {9: 4})
    assert result.items[0].options == {"A": 1, "B": 0, "C": 2, "D": 0, stats.BLANK: 1}


def test_partial_credit_and_random_papers():
    # Different items per person (random paper): KR-20 is not computed; facility uses score fractions.
    responses = [ItemResponse(1, 1, 2.0, 2.0), ItemResponse(1, 2, 1.0, 2.0),
                 ItemResponse(2, 1, 0.0, 2.0), ItemResponse(2, 3, 2.0, 2.0)]
    result = stats.analyse(responses)
    assert result.kr20 is None
    assert {i.item: i.facility for i in result.items} == {1: 0.5, 2: 0.5, 3: 1.0}
    assert stats.analyse([]).n == 0


def test_histogram_bins():
    assert stats.histogram([0, 9.9, 10, 59.5, 60, 99, 100]) == [2, 1, 0, 0, 0, 1, 1, 0, 0, 2]
