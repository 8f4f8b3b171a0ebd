"""The live-contest demo: one contest ready to start with four teams, one finished with its record."""

from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy import select

from lawtrain.contests import live_demo, live_queries
from lawtrain.contests.live_models import LiveContest, LiveStatus
from lawtrain.demo import DemoContext
from tests.factories import make_bank, make_question, make_user


def test_demo_seeds_a_ready_and_a_finished_contest_once(session):
    bank = make_bank(session, name="安全生产法")
    for i in range(30):
        make_question(session, bank, type="true_false" if i % 3 == 0 else "single",
                      answer=["true"] if i % 3 == 0 else ["B"])
    for n in range(1, 13):
        make_user(session, username=f"staff{n:02d}")
    ctx = DemoContext(password="x", now=datetime(2025, 6, 16, 1, 30), rng=random.Random(1), laws_dir=None)
    live_demo.seed_demo(session, ctx)
    live_demo.seed_demo(session, ctx)
    ready, done = (session.scalar(select(LiveContest).where(LiveContest.title == t))
                   for t in (live_demo.READY_TITLE, live_demo.FINISHED_TITLE))
    assert session.query(LiveContest).count() == 2
    assert ready.status == LiveStatus.DRAFT and len(ready.teams) == 4 and len(ready.rounds) == 4
    assert all(m.user_id for t in ready.teams for m in t.members)
    assert done.status == LiveStatus.FINISHED
    record = live_queries.record(session, done)
    assert record["overrides"] and any(it["false_starts"] for r in record["rounds"] for it in r["items"])
    assert any(e["stake"] for r in record["rounds"] for it in r["items"] for e in it["entries"])
    assert [s["rank"] for s in record["standings"]][0] == 1
    from lawtrain.certificates.models import Certificate

    prizes = {c.award_prize for c in session.query(Certificate).filter(Certificate.award_source_id == done.id)}
    assert "一等奖" in prizes and prizes <= {"一等奖", "二等奖", "三等奖"}
