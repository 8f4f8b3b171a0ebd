"""Demo live contests: one set up with four teams, ready to start; one finished, with its full record
(false start, an override, a risk question lost). Idempotent: a contest already there is left alone."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lawtrain.auth.models import User
from lawtrain.banks.models import Bank, QuestionVersion
from lawtrain.contests import live_services as svc
from lawtrain.contests.live_models import LiveContest, LiveStatus, RoundType

READY_TITLE = "2025年安全生产法知识竞赛（决赛）"
FINISHED_TITLE = "2025年应急管理法治知识竞赛（初赛）"
TEAMS = (("安监一队", "安全生产监督管理科"), ("执法二队", "执法大队"), ("应急三队", "应急指挥科"),
         ("综合四队", "办公室"))


def _bank_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Bank.id).where(Bank.name.in_(["安全生产法", "突发事件应对法", "行政处罚法"]))))


def _setup(session: Session, ctx, title: str, rng: random.Random, now) -> LiveContest | None:
    if session.scalar(select(LiveContest.id).where(LiveContest.title == title)) is not None:
        return None
    banks = _bank_ids(session)
    if not banks:
        return None
    staff = list(session.scalars(select(User.username).where(User.username.like("staff%")).order_by(User.username)))
    contest = svc.create_contest(session, title=title, false_start_penalty=5, actor=None, now=now, rng=rng)
    for i, (name, dept) in enumerate(TEAMS):
        members = staff[i * 3:i * 3 + 3] or [f"{name}队员{n}" for n in (1, 2, 3)]
        svc.add_team(session, contest, name=name, department=dept, members=members, rng=rng)
    for kind, title_, count, right, wrong, risk in (
            (RoundType.REQUIRED, "个人必答", 1, 10, 0, ()), (RoundType.BUZZ, "抢答环节", 3, 10, 5, ()),
            (RoundType.RISK, "风险挑战", 1, 0, 0, (10, 20, 30)), (RoundType.TIEBREAK, "决胜加赛", 2, 10, 0, ())):
        svc.add_round(session, contest, type=kind, title=title_, points_right=right, points_wrong=wrong,
                      seconds=30 if kind != RoundType.BUZZ else 20, risk_values=risk,
                      source={"count": count, "bank_ids": banks})
    return contest


def _key(session: Session, contest: LiveContest) -> list[str]:
    return [str(a).upper() for a in session.get(QuestionVersion, contest.current_item.version_id).answer]


def _wrong(session: Session, contest: LiveContest) -> list[str]:
    version = session.get(QuestionVersion, contest.current_item.version_id)
    if version.type == "true_false":
        return ["FALSE" if str(version.answer[0]).lower() == "true" else "TRUE"]
    key = _key(session, contest)
    wrong = next((c for c in "ABCD" if c not in key), None)
    return [wrong] if wrong else key[:1]  # every option right (a multiple): one alone is wrong


def _play(session: Session, contest: LiveContest, start, rng: random.Random) -> None:
    """Play the contest through with the services, a few seconds per step, as a host would."""
    clock = [start]

    def tick(seconds: float = 4.0):
        clock[0] += timedelta(seconds=seconds)
        return clock[0]

    svc.start_contest(session, contest, actor=None, now=tick(), rng=rng)
    teams = contest.teams
    n = 0
    while contest.status == LiveStatus.RUNNING:
        item, n = contest.current_item, n + 1
        kind = item.round.type
        team = next((t for t in teams if t.id == item.team_id), None)
        if kind == RoundType.RISK:
            svc.choose_stake(session, team, stake=rng.choice(item.round.risk_values), now=tick())
        svc.show_question(session, contest, now=tick())
        if kind in (RoundType.BUZZ, RoundType.TIEBREAK):
            if n == 6:  # a false start, penalised
                svc.record_buzz(session, teams[3], arrived_at=tick(1.2), rtt_ms=48)
            svc.open_buzzing(session, contest, now=tick(2))
            opened = clock[0]
            order = rng.sample([t for t in teams if not (n == 6 and t is teams[3])], 3)
            for i, t in enumerate(order):
                after = timedelta(milliseconds=180 + 37 * i + rng.randint(0, 30))
                svc.record_buzz(session, t, arrived_at=opened + after,
                                rtt_ms=rng.randint(25, 90))
            team = order[0]
        right = rng.random() < (0.4 if kind == RoundType.RISK else 0.7)
        choice = _key(session, contest) if right else _wrong(session, contest)
        svc.submit_choice(session, team, choice=choice, now=tick(8))
        svc.judge(session, contest, team_id=team.id, correct=None, actor=None, now=tick())
        svc.reveal_answer(session, contest, now=tick())
        if n == 3:
            svc.override_score(session, contest, team_id=teams[1].id, points=5,
                               reason="必答题答案表述完整，裁判组复议加分",
                               actor=None, now=tick())
        svc.next_question(session, contest, actor=None, now=tick())


def seed_demo(session: Session, ctx) -> None:
    if ctx.content_only:
        return
    rng = random.Random(2021)
    ready = _setup(session, ctx, READY_TITLE, rng, ctx.now)
    if ready is not None:
        ctx.notes.append(f"现场竞赛：{READY_TITLE}（四支队伍，可直接开始；大屏幕代码 {ready.screen_code}）")
    start = ctx.now - timedelta(days=14)
    done = _setup(session, ctx, FINISHED_TITLE, rng, start)
    if done is not None:
        _play(session, done, start, rng)
        awarded = svc.award_certificates(session, done, actor=None, now=done.finished_at)
        ctx.notes.append(f"现场竞赛：{FINISHED_TITLE}（已结束，可查看竞赛记录；获奖证书 {awarded} 张）")
