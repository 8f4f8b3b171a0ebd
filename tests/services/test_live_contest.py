"""Live contests on a real database: set-up, the running flow, fair buzzing, judging, overrides and undo."""

from __future__ import annotations

import random

import pytest

from lawtrain.auth.audit import AuditEvent
from lawtrain.contests import live_queries as q
from lawtrain.contests import live_services as svc
from lawtrain.contests.live_models import LivePhase, LiveStatus
from tests.factories import make_bank, make_question, make_user
from tests.live_helpers import at, make_live_contest


def _scores(session, contest):
    return {s.team_id: s.score for s in q.standings(session, contest)}


def test_setup_links_staff_members_and_keeps_typed_names(session):
    user = make_user(session, username="zhang", display_name="张三")
    contest = make_live_contest(session, teams=("一队", "二队"), members={"一队": ["zhang", "李四"]}, start=False)
    team = contest.teams[0]
    assert [(m.user_id, m.name) for m in team.members] == [(user.id, "张三"), (None, "李四")]
    assert len(team.join_code) == 6 and team.join_code != contest.teams[1].join_code
    assert contest.status == LiveStatus.DRAFT


def test_start_draws_questions_per_team_for_required_rounds(session):
    contest = make_live_contest(session, per_round=2)
    required, buzz, risk = contest.rounds
    assert len(required.items) == 8 and len(buzz.items) == 2 and len(risk.items) == 8
    assert [i.team_id for i in required.items[:5]] == [t.id for t in contest.teams] + [contest.teams[0].id]
    assert all(i.team_id is None for i in buzz.items)
    assert contest.current_item_id == required.items[0].id and contest.phase == LivePhase.READY
    with pytest.raises(svc.LiveError):
        svc.add_team(session, contest, name="五队", department=None, members=(), rng=random.Random(1))


def test_start_refuses_a_pool_too_small(session):
    contest = make_live_contest(session, start=False, per_round=20)
    with pytest.raises(svc.LiveError, match="题库中符合条件的只有"):
        svc.start_contest(session, contest, actor=None, now=at(0), rng=random.Random(1))
    assert contest.status == LiveStatus.DRAFT


def test_picked_questions_are_used_in_order(session):
    bank = make_bank(session)
    qs = [make_question(session, bank) for _ in range(3)]
    contest = make_live_contest(session, teams=("甲", "乙"), rounds=(), start=False)
    svc.add_round(session, contest, type="buzz", title="抢答", points_right=10, points_wrong=0, seconds=20,
                  source={"question_ids": [qs[2].id, qs[0].id]})
    svc.start_contest(session, contest, actor=None, now=at(0), rng=random.Random(1))
    assert [i.question_id for i in contest.rounds[0].items] == [qs[2].id, qs[0].id]


def test_required_question_accepts_the_teams_submitted_choice(session):
    contest = make_live_contest(session)
    first = contest.teams[0]
    svc.show_question(session, contest, now=at(1))
    with pytest.raises(svc.LiveError):
        svc.submit_choice(session, contest.teams[1], choice=["A"], now=at(2))  # not its turn
    svc.submit_choice(session, first, choice=["a"], now=at(3))
    svc.judge(session, contest, team_id=None, correct=None, actor=None, now=at(4))
    assert _scores(session, contest)[first.id] == 10
    with pytest.raises(svc.LiveError, match="已评判"):
        svc.judge(session, contest, team_id=None, correct=False, actor=None, now=at(5))


def _to_buzz_round(session, contest):
    for _ in contest.rounds[0].items:
        svc.next_question(session, contest, actor=None, now=at(1))
    assert contest.current_item.round.type == "buzz"


def test_buzz_order_is_server_arrival_and_early_buzz_is_a_false_start(session):
    contest = make_live_contest(session, penalty=5)
    _to_buzz_round(session, contest)
    a, b, c, d = contest.teams
    svc.show_question(session, contest, now=at(10))
    early = svc.record_buzz(session, d, arrived_at=at(10.5), rtt_ms=40)
    assert early.is_false_start
    svc.open_buzzing(session, contest, now=at(11))
    svc.record_buzz(session, c, arrived_at=at(11.020), rtt_ms=30)
    svc.record_buzz(session, a, arrived_at=at(11.010), rtt_ms=90)  # committed later, arrived earlier
    again = svc.record_buzz(session, d, arrived_at=at(11.001), rtt_ms=30)
    assert again.is_false_start  # one buzz per team and question: the false start stands
    state = q.state_for(session, contest.id, "host", at(12))
    assert [x["team_id"] for x in state["buzzes"]] == [a.id, c.id]
    assert state["buzzes"][0]["after_ms"] == 10.0
    assert [x["team_id"] for x in state["false_starts"]] == [d.id]
    assert _scores(session, contest)[d.id] == -5
    # Judging with no team named takes the first buzz, then the next one not yet judged.
    svc.judge(session, contest, team_id=None, correct=False, actor=None, now=at(13))
    svc.judge(session, contest, team_id=None, correct=True, actor=None, now=at(14))
    scores = _scores(session, contest)
    assert (scores[a.id], scores[c.id], scores[b.id]) == (-5, 10, 0)


def test_risk_question_lost_costs_the_stake(session):
    contest = make_live_contest(session, rounds=("risk",))
    team = contest.teams[0]
    with pytest.raises(svc.LiveError, match="风险分值"):
        svc.show_question(session, contest, now=at(1))
    with pytest.raises(svc.LiveError):
        svc.choose_stake(session, team, stake=25, now=at(1))
    svc.choose_stake(session, team, stake=30, now=at(1))
    svc.show_question(session, contest, now=at(2))
    with pytest.raises(svc.LiveError):
        svc.choose_stake(session, team, stake=10, now=at(3))
    svc.submit_choice(session, team, choice=["B"], now=at(4))
    svc.judge(session, contest, team_id=None, correct=None, actor=None, now=at(5))
    assert _scores(session, contest)[team.id] == -30


def test_override_needs_a_reason_and_undo_keeps_the_record(session):
    trainer = make_user(session, roles=["trainer"])
    contest = make_live_contest(session)
    team = contest.teams[0]
    svc.show_question(session, contest, now=at(1))
    svc.judge(session, contest, team_id=team.id, correct=True, actor=trainer, now=at(2))
    with pytest.raises(svc.LiveError):
        svc.override_score(session, contest, team_id=team.id, points=5, reason=" ", actor=trainer, now=at(3))
    svc.override_score(session, contest, team_id=team.id, points=-3, reason="提示观众", actor=trainer, now=at(3))
    undone = svc.undo_judgement(session, contest, actor=trainer, now=at(4))
    assert undone.undone_at == at(4)
    assert _scores(session, contest)[team.id] == -3
    with pytest.raises(svc.LiveError, match="没有可以撤销"):
        svc.undo_judgement(session, contest, actor=trainer, now=at(5))
    svc.judge(session, contest, team_id=team.id, correct=False, actor=trainer, now=at(6))  # judged again after undo
    assert _scores(session, contest)[team.id] == -8
    actions = {e.action for e in session.query(AuditEvent).all()}
    assert {"live_contest.override", "live_contest.undo"} <= actions
    record = q.record(session, contest)
    entries = record["rounds"][0]["items"][0]["entries"]
    assert [(e["points"], e["undone_at"] is not None) for e in entries] == [(10, True), (-5, False)]
    assert record["overrides"][0]["reason"] == "提示观众"


def test_state_changes_bump_the_version_and_hide_the_key_until_reveal(session):
    contest = make_live_contest(session, rounds=("buzz",))
    v0 = q.state_version(session, contest.id)
    assert "stem" not in q.state_for(session, contest.id, "screen", at(0))["item"]
    svc.show_question(session, contest, now=at(1))
    assert q.state_version(session, contest.id) == v0 + 1
    for viewer in ("screen", "pad"):
        state = q.state_for(session, contest.id, viewer, at(2), contest.teams[0].id)
        assert state["item"]["stem"] and "answer" not in state["item"] and "basis" not in state["item"]
        assert state["remaining_ms"] == 19000
    assert q.state_for(session, contest.id, "host", at(2))["item"]["answer"] == ["A"]
    svc.reveal_answer(session, contest, now=at(3))
    assert q.state_for(session, contest.id, "screen", at(3))["item"]["answer"] == ["A"]


def test_tiebreak_round_is_played_only_when_placed_teams_tie(session):
    contest = make_live_contest(session, teams=("甲", "乙"), rounds=("buzz",), tiebreak=True)
    svc.show_question(session, contest, now=at(1))
    assert svc.next_question(session, contest, actor=None, now=at(2)) is False  # 0:0, a tie: 加赛
    assert contest.current_item.round.type == "tiebreak"
    svc.show_question(session, contest, now=at(3))
    svc.judge(session, contest, team_id=contest.teams[1].id, correct=True, actor=None, now=at(4))
    assert svc.next_question(session, contest, actor=None, now=at(5)) is True
    assert contest.status == LiveStatus.FINISHED
    snap = q.snapshot(session, contest.id)
    assert [p["team"] for p in snap["podium"]] == ["乙", "甲"]


def test_no_tie_skips_the_tiebreak(session):
    contest = make_live_contest(session, teams=("甲", "乙"), rounds=("buzz",), tiebreak=True)
    svc.show_question(session, contest, now=at(1))
    svc.judge(session, contest, team_id=contest.teams[0].id, correct=True, actor=None, now=at(2))
    assert svc.next_question(session, contest, actor=None, now=at(3)) is True


def test_placed_teams_staff_members_get_award_certificates_once(session):
    from lawtrain.certificates.models import Certificate

    users = [make_user(session, username=f"m{i}") for i in range(4)]
    contest = make_live_contest(session, teams=("甲", "乙", "丙", "丁"), rounds=("buzz",),
                                members={"甲": ["m0", "临时队员"], "乙": ["m1"], "丙": ["m2"], "丁": ["m3"]})
    with pytest.raises(svc.LiveError, match="比赛结束后"):
        svc.award_certificates(session, contest, actor=None, now=at(0))
    svc.show_question(session, contest, now=at(1))
    for team, points in zip(contest.teams, (30, 20, 10, -5), strict=True):
        svc.override_score(session, contest, team_id=team.id, points=points, reason="测试", actor=None, now=at(2))
    svc.next_question(session, contest, actor=None, now=at(3))
    assert svc.award_certificates(session, contest, actor=None, now=at(4)) == 3
    assert svc.award_certificates(session, contest, actor=None, now=at(5)) == 3  # idempotent
    certs = session.query(Certificate).order_by(Certificate.award_rank).all()
    assert [(c.user_id, c.award_prize, c.award_rank) for c in certs] == [
        (users[0].id, "一等奖", 1), (users[1].id, "二等奖", 2), (users[2].id, "三等奖", 3)]
    assert all(c.exam_title == "安全生产知识竞赛" for c in certs)
