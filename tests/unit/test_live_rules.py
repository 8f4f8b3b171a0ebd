"""Pure rules of live contests: buzz order by server arrival, false starts, points, standings, tie-breaks,
and what each viewer may see (the answer key never before the reveal)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from lawtrain.contests import live_rules as r

T = datetime(2025, 6, 16, 1, 30)


def ms(n: float) -> datetime:
    return T + timedelta(milliseconds=n)


def test_fifty_buzzes_within_100ms_are_ordered_exactly_by_arrival():
    rng = random.Random(5)
    arrivals = sorted(rng.sample(range(0, 100_000), 50))  # microseconds after opening
    buzzes = [r.Buzz(id=i + 1, team_id=i + 1, arrived_at=T + timedelta(microseconds=us))
              for i, us in enumerate(arrivals)]
    shuffled = buzzes[:]
    rng.shuffle(shuffled)  # rows inserted in a different order than they arrived (workers, the write lock)
    for i, b in enumerate(shuffled):  # and with ids in that insertion order
        shuffled[i] = r.Buzz(id=100 + i, team_id=b.team_id, arrived_at=b.arrived_at)
    assert [b.team_id for b in r.buzz_order(shuffled)] == [b.team_id for b in buzzes]


def test_same_instant_is_broken_by_row_id_and_false_starts_are_left_out():
    order = r.buzz_order([r.Buzz(7, 3, ms(5)), r.Buzz(6, 2, ms(5)), r.Buzz(5, 1, ms(-1), is_false_start=True)])
    assert [b.team_id for b in order] == [2, 3]
    assert [b.team_id for b in r.false_starts([r.Buzz(5, 1, ms(-1), True), r.Buzz(6, 2, ms(1))])] == [1]


@pytest.mark.parametrize(("phase", "opened", "arrived", "false"), [
    ("shown", None, ms(0), True),
    ("ready", None, ms(0), True),
    ("buzzing", ms(10), ms(9), True),
    ("buzzing", ms(10), ms(10), False),
    ("buzzing", ms(10), ms(500), False),
    ("buzzing", None, ms(0), True),
])
def test_false_start(phase, opened, arrived, false):
    assert r.is_false_start(phase, opened, arrived) is false


@pytest.mark.parametrize(("kind", "correct", "stake", "points"), [
    ("required", True, None, 10), ("required", False, None, -5),
    ("buzz", False, None, -5), ("risk", True, 30, 30), ("risk", False, 20, -20), ("tiebreak", True, None, 10),
])
def test_judgement_points(kind, correct, stake, points):
    assert r.judgement_points(round_type=kind, correct=correct, points_right=10, points_wrong=5, stake=stake) == points


@pytest.mark.parametrize(("answer", "choice", "ok"), [
    (["A"], ["a"], True), (["A", "C"], ["C", "A"], True), (["A", "C"], ["A"], False),
    (["true"], ["TRUE"], True), (["A"], [], False), (["A"], None, False),
])
def test_is_correct(answer, choice, ok):
    assert r.is_correct(answer, choice) is ok


def test_standings_use_competition_ranking_and_tie_breaks_matter_only_for_places():
    table = r.standings([1, 2, 3, 4], [(1, 10), (2, 30), (3, 10), (4, 5), (1, -0)])
    assert [(s.team_id, s.score, s.rank) for s in table] == [(2, 30, 1), (1, 10, 2), (3, 10, 2), (4, 5, 4)]
    assert r.needs_tiebreak(table)
    assert not r.needs_tiebreak(r.standings([1, 2, 3, 4, 5], [(1, 40), (2, 30), (3, 20)]))  # 4th and 5th tied
    assert r.needs_tiebreak(r.standings([1, 2], []))


def test_codes_rotation_clock_and_prizes():
    code = r.new_code(random.Random(1))
    assert len(code) == 6 and not set(code) & set("0O1IL")
    assert r.normalise_code(" ab-c2 ") == "ABC2"
    assert r.team_rotation([1, 2, 3], 2) == [1, 2, 3, 1, 2, 3]
    assert r.remaining_ms(T, 30, T + timedelta(seconds=12.5)) == 17500
    assert r.remaining_ms(T, 30, T + timedelta(seconds=99)) == 0
    assert r.remaining_ms(None, 30, T) is None
    assert [r.prize_for(n) for n in (1, 2, 3, 4)] == ["一等奖", "二等奖", "三等奖", None]


SNAP = {
    "phase": "shown", "teams": [],
    "item": {"id": 1, "stem": "题干", "options": [["A", "甲"]], "type": "single", "answer": ["A"],
             "explanation": "解析", "basis": [{"law": "安全生产法", "article": 21}]},
    "submissions": {1: {"stake": 20, "choice": ["B"]}, 2: {"stake": None, "choice": ["A"]}},
}


@pytest.mark.parametrize("viewer", ["screen", "pad"])
def test_no_answer_key_before_the_reveal(viewer):
    state = r.view_for(SNAP, viewer, team_id=1)
    assert state["item"]["stem"] == "题干"
    text = repr(state)
    assert "answer" not in state["item"] and "解析" not in text and "安全生产法" not in text
    if viewer == "pad":
        assert state["mine"] == {"stake": 20, "choice": ["B"]} and "submissions" not in state
    else:  # the screen: stakes and 已提交, never a team's choice
        assert state["submissions"] == {1: {"stake": 20, "submitted": True}, 2: {"stake": None, "submitted": True}}
        assert "['A']" not in text and "['B']" not in text


def test_the_host_sees_everything_and_the_reveal_opens_the_key():
    assert r.view_for(SNAP, "host")["item"]["answer"] == ["A"]
    revealed = r.view_for({**SNAP, "phase": "revealed"}, "screen")
    assert revealed["item"]["answer"] == ["A"] and revealed["item"]["basis"]
    assert revealed["submissions"][1]["choice"] == ["B"]


def test_a_question_not_yet_shown_keeps_its_text_off_the_screen():
    state = r.view_for({**SNAP, "phase": "ready"}, "screen")
    assert set(state["item"]) == {"id"}


def test_join_codes_reach_the_host_and_the_screen_before_the_start_only():
    snap = {**SNAP, "codes": {1: "ABCDEF"}, "contest": {"status": "draft"}}
    assert r.view_for(snap, "screen")["codes"] == {1: "ABCDEF"}
    assert "codes" not in r.view_for(snap, "pad", team_id=1)
    running = {**snap, "contest": {"status": "running"}}
    assert "codes" not in r.view_for(running, "screen") and r.view_for(running, "host")["codes"]
