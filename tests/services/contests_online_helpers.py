"""Shared helpers for the online contest tests (plain functions, no fixtures)."""

from __future__ import annotations

from datetime import timedelta

from lawtrain.contests import online_services
from lawtrain.contests.online_rank import Tier
from tests.services.exams_helpers import exam_bank

RULES = [dict(type="single", banks=[], law_name=None, articles=[], tags=[], difficulty_min=None, difficulty_max=None,
              count=4, points=25.0)]


def contest_data(now, **overrides) -> online_services.ContestData:
    values = dict(title="安全生产月知识竞赛", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1),
                  duration_minutes=15, rules=[dict(r) for r in RULES],
                  tiers=[Tier("一等奖", count=1), Tier("二等奖", count=1), Tier("优秀奖", share=50)], min_score=50)
    values.update(overrides)
    return online_services.ContestData(**values)


def make_contest(session, trainer, now, *, publish=True, bank=True, **overrides):
    """A contest open from an hour before `now` (saved before it opened), published."""
    if bank:
        exam_bank(session, singles=6)
    data = contest_data(now, **overrides)
    before = data.opens_at - timedelta(hours=1)
    contest, _check = online_services.save_contest(session, None, data, actor=trainer, now=before)
    if publish:
        online_services.publish_contest(session, contest, actor=trainer, now=before)
    return contest


def sit(session, contest, user, start, *, right: int, minutes: float):
    """Enter at `start`, answer `right` of the 4 questions correctly, submit `minutes` later."""
    from lawtrain.exams import attempts
    from tests.services.exams_helpers import paper, right_response, wrong_response

    attempt, _ = online_services.enter_contest(session, contest, user, start)
    for seq, row in enumerate(paper(session, attempt), start=1):
        response = right_response(row, "single") if seq <= right else wrong_response(row, "single")
        attempts.save_answer(session, attempt, row.question_id, response, seq, start + timedelta(seconds=seq))
    return attempts.submit_attempt(session, attempt, start + timedelta(minutes=minutes))
