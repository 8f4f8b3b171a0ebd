"""Demo online contests: one finished (results, prizes, certificates), one open now for staff and guests."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lawtrain.auth.models import User, UserRole
from lawtrain.auth.roles import STAFF
from lawtrain.contests import online_services
from lawtrain.contests.online_models import OnlineContest
from lawtrain.contests.online_rank import Tier
from lawtrain.exams import demo as exam_demo
from lawtrain.exams.models import ExamRule

PAST = "2026年“安全生产月”应急管理知识竞赛"
OPEN = "“宪法宣传周”法治知识网络竞赛"
TIERS = [Tier("一等奖", count=1), Tier("二等奖", count=2), Tier("三等奖", count=3), Tier("优秀奖", share=20)]
UNITS = ["宝山区某化工有限公司", "友谊路街道", "罗店镇", "月浦镇社区"]


def _rules(session: Session, bank) -> list[dict]:
    rules = [r for r in exam_demo._rules(session, bank)]  # noqa: SLF001 (the demo exams' own paper)
    return [dict(type=r.type, banks=list(r.banks), law_name=None, articles=[], tags=[], difficulty_min=None,
                 difficulty_max=None, count=r.count, points=r.points) for r in rules if isinstance(r, ExamRule)]


def _data(title: str, rules: list[dict], opens, closes, **extra) -> online_services.ContestData:
    return online_services.ContestData(
        title=title, opens_at=opens, closes_at=closes, duration_minutes=30, rules=rules, tiers=TIERS, min_score=60,
        description="每人随机抽取20题，限时30分钟，只能参赛一次。得分高者排名在前；同分时用时少者在前，用时相同则先交卷者在前。",
        **extra)


def seed_demo(session: Session, ctx) -> None:
    if ctx.content_only:
        return
    exists = set(session.scalars(select(OnlineContest.title)))
    bank = exam_demo._bank(session, "安全生产法")  # noqa: SLF001
    trainer = session.scalar(select(User).where(User.username == "trainer"))
    if bank is None or trainer is None:
        ctx.notes.append("竞赛：未找到“安全生产法”题库或培训管理员，未创建演示竞赛")
        return
    rules = _rules(session, bank)
    staff = list(session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                 .where(UserRole.role == STAFF).order_by(User.username)))
    if PAST not in exists:
        closes = ctx.now - timedelta(days=10)
        opens = closes - timedelta(days=7)
        before = opens - timedelta(days=1)
        contest, _check = online_services.save_contest(session, None, _data(PAST, rules, opens, closes),
                                                       actor=trainer, now=before)
        online_services.publish_contest(session, contest, actor=trainer, now=before)
        n = exam_demo._sit_past_exam(session, ctx, contest.exam, staff[:30])  # noqa: SLF001
        online_services.close_contest(session, contest, actor=trainer, now=closes + timedelta(hours=1))
        online_services.publish_results(session, contest, actor=trainer, now=closes + timedelta(hours=2))
        ctx.notes.append(f"竞赛（已结束）：{PAST}，{n}人参赛，已评奖并公布结果")
    contest = session.scalar(select(OnlineContest).where(OnlineContest.title == OPEN))
    if contest is None:
        contest, _check = online_services.save_contest(
            session, None, _data(OPEN, rules, ctx.now - timedelta(hours=1), ctx.now + timedelta(days=14),
                                 allow_guests=True, units=UNITS), actor=trainer, now=ctx.now - timedelta(hours=2))
        online_services.publish_contest(session, contest, actor=trainer, now=ctx.now - timedelta(hours=2))
        ctx.notes.append(f"竞赛（进行中）：{OPEN}，全体职工可参赛")
    ctx.notes.append(f"竞赛：社会参赛者报名链接（站点地址之后）/contests/online/g/{contest.guest_token}")
