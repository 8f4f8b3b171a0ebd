"""Pure rules of online contests: prize tiers, masked names, mobile numbers, the tie-break order."""

from __future__ import annotations

from datetime import datetime

import pytest

from lawtrain.contests.online_rank import (
    Tier,
    assign_prizes,
    mask_name,
    normalise_mobile,
    rank_key,
    tiers_from_json,
    tiers_to_json,
)


@pytest.mark.parametrize(("name", "masked"), [
    ("张小伟", "张*伟"), ("李四", "李*"), ("欧阳小明", "欧**明"), ("王", "王"), ("", "*"), (" 赵六 ", "赵*"),
])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(("text", "mobile"), [
    ("13800138000", "13800138000"), ("138 0013 8000", "13800138000"), ("+86 139-0013-9000", "13900139000"),
    ("12800138000", None), ("1380013800", None), ("138001380001", None), ("abc", None), ("", None),
])
def test_normalise_mobile(text, mobile):
    assert normalise_mobile(text) == mobile


@pytest.mark.parametrize(("scores", "tiers", "minimum", "prizes"), [
    ([100, 90, 80, 70], [Tier("一等奖", count=1), Tier("二等奖", count=2)], 0, ["一等奖", "二等奖", "二等奖", None]),
    ([100, 90, 80, 70], [Tier("一等奖", count=1), Tier("二等奖", count=2)], 85, ["一等奖", "二等奖", None, None]),
    # by share of 10 entrants: 10% -> 1, 25% -> 3 (rounded up)
    ([100] * 10, [Tier("一等奖", share=10), Tier("优秀奖", share=25)], 0, ["一等奖"] + ["优秀奖"] * 3 + [None] * 6),
    ([], [Tier("一等奖", count=3)], 0, []),
    ([50], [Tier("一等奖", count=3)], 0, ["一等奖"]),
    ([100, 90], [Tier("一等奖", count=0), Tier("二等奖", count=1)], 0, ["二等奖", None]),
])
def test_assign_prizes(scores, tiers, minimum, prizes):
    assert assign_prizes(scores, tiers, minimum) == prizes


def test_tiers_round_trip_json():
    tiers = [Tier("一等奖", count=1), Tier("优秀奖", share=12.5)]
    assert tiers_from_json(tiers_to_json(tiers)) == tiers


def test_rank_key_orders_by_score_then_the_configured_tie_break():
    t = datetime(2025, 6, 16, 1, 0)
    later = datetime(2025, 6, 16, 1, 5)
    fast_late = (90, 100, later, 2)
    slow_early = (90, 300, t, 1)
    best = (95, 900, later, 3)
    for tie_break, order in (("time_submitted", [best, fast_late, slow_early]),
                             ("time", [best, fast_late, slow_early]),
                             ("submitted", [best, slow_early, fast_late])):
        assert sorted([slow_early, fast_late, best], key=lambda e: rank_key(*e, tie_break)) == order
