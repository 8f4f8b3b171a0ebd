"""Deadlines, remaining time, the save grace, windows."""

from datetime import datetime, timedelta

import pytest

from lawtrain.exams import timing

T0 = datetime(2025, 6, 16, 1, 0)


@pytest.mark.parametrize(
    "duration, extra, closes_at, expected",
    [(30, 0, None, T0 + timedelta(minutes=30)), (30, 15, None, T0 + timedelta(minutes=45)),
     (30, 0, T0 + timedelta(minutes=10), T0 + timedelta(minutes=10)),
     (30, 20, T0 + timedelta(minutes=40), T0 + timedelta(minutes=40))],
)
def test_deadline_is_min_of_duration_and_close(duration, extra, closes_at, expected):
    assert timing.deadline_for(T0, duration, closes_at, extra) == expected


@pytest.mark.parametrize("offset, left", [(-10, 10), (0, 0), (5, 0), (-0.5, 0)])
def test_remaining_seconds(offset, left):
    assert timing.remaining_seconds(T0, T0 + timedelta(seconds=offset)) == left


@pytest.mark.parametrize("offset, grace, accepted", [(0, 60, True), (60, 60, True), (61, 60, False), (1, 0, False)])
def test_save_grace(offset, grace, accepted):
    now = T0 + timedelta(seconds=offset)
    assert timing.accepts_save(T0, now, grace) is accepted
    assert timing.is_overdue(T0, now, grace) is (not accepted)


@pytest.mark.parametrize(
    "opens, closes, now, state",
    [(T0, T0 + timedelta(hours=1), T0 - timedelta(seconds=1), "upcoming"),
     (T0, T0 + timedelta(hours=1), T0, "open"), (T0, T0 + timedelta(hours=1), T0 + timedelta(hours=1), "closed"),
     (None, None, T0, "open")],
)
def test_window_state(opens, closes, now, state):
    assert timing.window_state(opens, closes, now) == state
