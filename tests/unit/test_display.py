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


# ------------------------------------------------------------------ exams: trainers' phases, paper warnings


def test_exam_phase_from_status_and_window():
    from datetime import datetime

    from lawtrain.exams.timing import exam_phase

    now = datetime(2025, 6, 1, 12)
    day = datetime(2025, 6, 1)
    assert exam_phase("draft", None, None, now) == "draft"
    assert exam_phase("archived", day, day, now) == "archived"
    assert exam_phase("published", datetime(2025, 7, 1), None, now) == "upcoming"
    assert exam_phase("published", datetime(2025, 5, 1), datetime(2025, 7, 1), now) == "open"
    assert exam_phase("published", datetime(2025, 1, 1), datetime(2025, 2, 1), now) == "closed"


@pytest.mark.parametrize(("total", "pass_percent", "expected"), [
    (100, 60, []), (120.0, 60, []), (280, 60, ["total"]), (100, 30, ["pass_low"]), (100, 95, ["pass_high"]),
    (55, 100, ["total", "pass_high"]), (0, 60, []),
])
def test_paper_warnings(total, pass_percent, expected):
    from lawtrain.exams.selection import paper_warnings

    assert paper_warnings(total, pass_percent) == expected
