"""Practice study time never outruns the clock: the gap since the previous answer, a fixed first read."""

from __future__ import annotations

import pytest

from lawtrain.exams.practice import FIRST_ANSWER_SECONDS, MAX_PRACTICE_SECONDS, practice_credit


@pytest.mark.parametrize("gap, credit", [
    (None, FIRST_ANSWER_SECONDS),  # first answer
    (0.0, 0), (0.02, 0), (4.9, 4), (45.0, 45), (float(MAX_PRACTICE_SECONDS), MAX_PRACTICE_SECONDS),
    (MAX_PRACTICE_SECONDS + 1.0, FIRST_ANSWER_SECONDS),  # back from a break: a new sitting
    (-3.0, 0),  # clocks of two workers a little apart
])
def test_practice_credit(gap, credit):
    assert practice_credit(gap) == credit


def test_a_burst_of_answers_earns_what_the_burst_lasted():
    gaps = [None] + [0.024] * 119  # 120 answers in under 3 s
    assert sum(practice_credit(g) for g in gaps) == FIRST_ANSWER_SECONDS
