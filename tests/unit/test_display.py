"""One reading of numbers on every screen: percentages, scores, study time, article numbers."""

from __future__ import annotations

import pytest

from lawtrain import display


@pytest.mark.parametrize(("part", "whole", "expected"), [
    (2, 26, 8), (1, 8, 13), (1, 3, 33), (2, 2, 100), (0, 5, 0), (3, 0, 0), (1, 200, 1), (1, 201, 0),
])
def test_percent_rounds_half_up(part, whole, expected):
    assert display.percent(part, whole) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (30.0, "30"), (100.0, "100"), (4.5, "4.5"), (4.25, "4.25"), (0, "0"), (None, "—"), (79.333, "79.33"),
])
def test_score_text_has_no_trailing_zero(value, expected):
    assert display.score_text(value) == expected


@pytest.mark.parametrize(("seconds", "expected"), [
    (0, "0 分钟"), (None, "0 分钟"), (59, "0 分钟"), (2400, "40 分钟"), (3600, "1 小时"), (5400, "1.5 小时"),
    (45000, "12.5 小时"),
])
def test_study_time_reads_one_way(seconds, expected):
    assert display.study_time_text(seconds) == expected


@pytest.mark.parametrize(("number", "expected"), [(72, "第七十二条"), (10, "第十条"), (106, "第一百零六条"),
                                                  ("21", "第二十一条"), ("x", "第x条")])
def test_article_label_is_the_official_form(number, expected):
    assert display.article_label(number) == expected
