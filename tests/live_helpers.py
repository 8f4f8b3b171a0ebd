"""Builders for live-contest tests: a contest with teams and rounds over a small bank, started or not."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from lawtrain.contests import live_queries
from lawtrain.contests import live_services as svc
from tests.factories import make_bank, make_question

T0 = datetime(2025, 6, 16, 1, 30)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def make_live_contest(session, *, teams=("一队", "二队", "三队", "四队"), rounds=("required", "buzz", "risk"),
                      per_round=1, penalty=0, start=True, members=None, seed=7, tiebreak=False):
    """A contest over a bank of single-choice questions (key A); rounds in the given order."""
    live_queries.forget_snapshots()  # the emptied database reuses ids, seeded codes and versions
    rng = random.Random(seed)
    bank = make_bank(session)
    for i in range(40):
        make_question(session, bank, stem=f"题干{i}", answer=["A"], explanation=f"解析{i}")
    contest = svc.create_contest(session, title="安全生产知识竞赛", false_start_penalty=penalty, actor=None,
                                 now=T0, rng=rng)
    for i, name in enumerate(teams):
        svc.add_team(session, contest, name=name, department=f"部门{i}", members=(members or {}).get(name, ()),
                     rng=rng)
    labels = {"required": "必答", "buzz": "抢答", "risk": "风险", "tiebreak": "加赛"}
    for kind in (*rounds, *(("tiebreak",) if tiebreak else ())):
        svc.add_round(session, contest, type=kind, title=labels[kind] + "环节", points_right=10, points_wrong=5,
                      seconds=20, risk_values=(10, 20, 30) if kind == "risk" else (),
                      source={"count": per_round, "bank_ids": [bank.id]})
    if start:
        svc.start_contest(session, contest, actor=None, now=T0, rng=rng)
    return contest
