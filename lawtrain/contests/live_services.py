"""Use cases of a live contest: set-up (teams, rounds), running it (show, buzz, judge, reveal, next),
the referee's overrides and undo, and awards. Each commits once; `now`/`rng` are arguments."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lawtrain.auth import audit
from lawtrain.auth.models import User
from lawtrain.banks.models import Question, QuestionVersion
from lawtrain.banks.queries import pool_conditions
from lawtrain.contests import live_rules as rules
from lawtrain.contests.live_models import (
    EntryKind,
    LiveBuzz,
    LiveContest,
    LiveItem,
    LiveMember,
    LivePhase,
    LiveRound,
    LiveScoreEntry,
    LiveStatus,
    LiveSubmission,
    LiveTeam,
    RoundType,
)
from lawtrain.i18n import translate as _

MAX_TEAMS = 60  # a stage holds far fewer; a preliminary round in a hall may seat many
MAX_MEMBERS = 10


class LiveError(Exception):
    """A rule of the contest refuses the action; the message is shown to the person."""


# ------------------------------------------------------------------ helpers (never commit)


def bump(session: Session, contest: LiveContest) -> None:
    """Tell every pad and the screen that the state changed (their ETag no longer matches)."""
    session.execute(update(LiveContest).where(LiveContest.id == contest.id)
                    .values(state_version=LiveContest.state_version + 1))


def _unique_code(session: Session, rng: random.Random, column, length: int) -> str:
    while True:
        code = rules.new_code(rng, length)
        if session.scalar(select(column).where(column == code)) is None:
            return code


def _draft(contest: LiveContest) -> None:
    if contest.status != LiveStatus.DRAFT:
        raise LiveError(_("竞赛已开始，不能再修改设置"))


def _running(contest: LiveContest) -> None:
    if contest.status != LiveStatus.RUNNING:
        raise LiveError(_("竞赛未在进行中"))


def _item(contest: LiveContest) -> LiveItem:
    _running(contest)
    if contest.current_item is None:
        raise LiveError(_("当前没有题目"))
    return contest.current_item


def _is_buzz_round(item: LiveItem) -> bool:
    return item.round.type in (RoundType.BUZZ, RoundType.TIEBREAK)


# ------------------------------------------------------------------ set-up


def create_contest(session: Session, *, title: str, false_start_penalty: int, actor: User | None,
                   now: datetime, rng: random.Random) -> LiveContest:
    """A draft contest with its screen code."""
    contest = LiveContest(title=title.strip(), false_start_penalty=max(0, false_start_penalty),
                          screen_code=_unique_code(session, rng, LiveContest.screen_code, rules.SCREEN_CODE_LENGTH),
                          created_by_id=getattr(actor, "id", None), created_at=now)
    session.add(contest)
    session.commit()
    return contest


def update_contest(session: Session, contest: LiveContest, *, title: str, false_start_penalty: int) -> None:
    _draft(contest)
    contest.title, contest.false_start_penalty = title.strip(), max(0, false_start_penalty)
    session.commit()


def _member_rows(session: Session, lines: Sequence[str]) -> list[LiveMember]:
    """Each line is a login name or staff number of an active account (linked), else a typed name."""
    members = []
    for raw in lines:
        text = raw.strip()
        if not text:
            continue
        user = session.scalar(select(User).where(or_(User.username == text, User.staff_no == text),
                                                 User.is_active_account.is_(True)))
        members.append(LiveMember(user_id=user.id if user else None, name=user.display_name if user else text[:64]))
    return members


def add_team(session: Session, contest: LiveContest, *, name: str, department: str | None,
             members: Sequence[str], rng: random.Random) -> LiveTeam:
    """A team with its join code; members from the staff list (login name or staff number) or typed names."""
    _draft(contest)
    if len(contest.teams) >= MAX_TEAMS:
        raise LiveError(_("最多 %(n)s 支队伍", n=MAX_TEAMS))
    if any(t.name == name.strip() for t in contest.teams):
        raise LiveError(_("已有同名队伍：%(name)s", name=name.strip()))
    rows = _member_rows(session, members)
    if len(rows) > MAX_MEMBERS:
        raise LiveError(_("每队最多 %(n)s 名队员", n=MAX_MEMBERS))
    team = LiveTeam(name=name.strip(), department=(department or "").strip() or None,
                    position=len(contest.teams) + 1, members=rows,
                    join_code=_unique_code(session, rng, LiveTeam.join_code, rules.JOIN_CODE_LENGTH))
    contest.teams.append(team)
    session.commit()
    return team


def _remove_positioned(session: Session, contest: LiveContest, items: list, item) -> None:
    """Take a team or round out of a draft contest's running order and number the rest 1…n again."""
    _draft(contest)
    items.remove(item)
    for i, x in enumerate(items, start=1):
        x.position = i
    session.commit()


def remove_team(session: Session, team: LiveTeam) -> None:
    _remove_positioned(session, team.contest, team.contest.teams, team)


def add_round(session: Session, contest: LiveContest, *, type: str, title: str, points_right: int,
              points_wrong: int, seconds: int, risk_values: Sequence[int] = (),
              source: dict[str, Any]) -> LiveRound:
    """A round at the end of the running order. source: {"count", "bank_ids", "law", "type"} or
    {"question_ids"}; for 必答/风险 the count is per team."""
    _draft(contest)
    if type == RoundType.RISK and not risk_values:
        raise LiveError(_("风险题需要填写可选分值，例如 10/20/30"))
    if not source.get("question_ids") and int(source.get("count") or 0) < 1:
        raise LiveError(_("请填写题数，或挑选题目"))
    rnd = LiveRound(type=RoundType(type), title=title.strip(), points_right=points_right,
                    points_wrong=abs(points_wrong), seconds=seconds, position=len(contest.rounds) + 1,
                    risk_values=sorted({abs(int(v)) for v in risk_values if int(v)}), source=dict(source))
    contest.rounds.append(rnd)
    session.commit()
    return rnd


def remove_round(session: Session, rnd: LiveRound) -> None:
    _remove_positioned(session, rnd.contest, rnd.contest.rounds, rnd)


def _round_questions(session: Session, rnd: LiveRound, n_teams: int, rng: random.Random) -> list[Question]:
    source = rnd.source or {}
    if source.get("question_ids"):
        ids = [int(i) for i in source["question_ids"]]
        found = {q.id: q for q in session.scalars(select(Question).where(Question.id.in_(ids)))}
        missing = [i for i in ids if i not in found or found[i].current_version_id is None]
        if missing:
            raise LiveError(_("第 %(n)s 轮：挑选的题目不存在：%(ids)s", n=rnd.position,
                              ids="、".join(map(str, missing))))
        return [found[i] for i in ids]
    count = int(source.get("count") or 0)
    if rnd.type in (RoundType.REQUIRED, RoundType.RISK):
        count *= n_teams
    conds = pool_conditions(type=source.get("type") or None, bank_ids=source.get("bank_ids") or (),
                            law=source.get("law") or None)
    conds.append(Question.type.in_(rules.CHOICE_TYPES))
    pool = list(session.scalars(select(Question).where(*conds).order_by(Question.id)))
    if len(pool) < count:
        raise LiveError(_("第 %(n)s 轮需要 %(need)s 道题，题库中符合条件的只有 %(have)s 道",
                          n=rnd.position, need=count, have=len(pool)))
    return rng.sample(pool, count)


def start_contest(session: Session, contest: LiveContest, *, actor: User | None, now: datetime,
                  rng: random.Random) -> None:
    """Draw every round's questions (frozen versions), and put the first question up as ready."""
    _draft(contest)
    if len(contest.teams) < 2:
        raise LiveError(_("至少需要两支队伍"))
    if not contest.rounds:
        raise LiveError(_("至少需要一轮比赛"))
    team_ids = [t.id for t in contest.teams]
    for rnd in contest.rounds:
        questions = _round_questions(session, rnd, len(team_ids), rng)
        turns: list[int | None] = [None] * len(questions)
        if rnd.type in (RoundType.REQUIRED, RoundType.RISK):
            turns = [team_ids[i % len(team_ids)] for i in range(len(questions))]
        rnd.items = [LiveItem(position=i, question_id=q.id, version_id=q.current_version_id, team_id=t)
                     for i, (q, t) in enumerate(zip(questions, turns, strict=True), start=1)]
    session.flush()
    contest.start(now)
    contest.current_item = contest.rounds[0].items[0]
    contest.move_to(LivePhase.READY, now)
    audit.record(session, "live_contest.start", actor=actor, target_type="live_contest", target_id=contest.id, now=now)
    bump(session, contest)
    session.commit()


# ------------------------------------------------------------------ running: host


def show_question(session: Session, contest: LiveContest, *, now: datetime) -> None:
    item = _item(contest)
    if contest.phase != LivePhase.READY:
        raise LiveError(_("题目已经显示"))
    if item.round.type == RoundType.RISK and item.team_id is not None:
        sub = _submission(session, item, item.team_id)
        if sub is None or sub.stake is None:
            raise LiveError(_("请先等待答题队伍选择风险分值"))
    contest.move_to(LivePhase.SHOWN, now)
    item.shown_at = now
    bump(session, contest)
    session.commit()


def open_buzzing(session: Session, contest: LiveContest, *, now: datetime) -> None:
    item = _item(contest)
    if not _is_buzz_round(item):
        raise LiveError(_("本轮不是抢答题"))
    if contest.phase != LivePhase.SHOWN:
        raise LiveError(_("请先显示题目"))
    contest.move_to(LivePhase.BUZZING, now)
    item.buzz_opened_at = now
    bump(session, contest)
    session.commit()


def reveal_answer(session: Session, contest: LiveContest, *, now: datetime) -> None:
    item = _item(contest)
    if contest.phase == LivePhase.READY:
        raise LiveError(_("请先显示题目"))
    if contest.phase == LivePhase.REVEALED:
        raise LiveError(_("答案已经公布"))
    contest.move_to(LivePhase.REVEALED, now)
    item.revealed_at = now
    bump(session, contest)
    session.commit()


def _entries(session: Session, contest_id: int):
    return session.scalars(select(LiveScoreEntry).where(LiveScoreEntry.contest_id == contest_id,
                                                        LiveScoreEntry.undone_at.is_(None)))


def current_standings(session: Session, contest: LiveContest) -> list[rules.Standing]:
    entries = [(e.team_id, e.points) for e in _entries(session, contest.id)]
    return rules.standings([t.id for t in contest.teams], entries)


def _following(contest: LiveContest, item: LiveItem | None) -> LiveItem | None:
    """The question after `item` in the running order (the first question when item is None)."""
    seen = item is None
    for rnd in contest.rounds:
        for it in rnd.items:
            if seen:
                return it
            seen = it.id == item.id
    return None


def next_question(session: Session, contest: LiveContest, *, actor: User | None, now: datetime) -> bool:
    """Move on; a 加赛 round is skipped unless placed teams are tied; past the last question the contest
    finishes (the podium). Returns True when it finished."""
    item = _item(contest)
    table = current_standings(session, contest)
    nxt = _following(contest, item)
    while nxt is not None and nxt.round.type == RoundType.TIEBREAK and not rules.needs_tiebreak(table):
        nxt = _following(contest, nxt.round.items[-1])
    if nxt is None:
        contest.finish(now)
        audit.record(session, "live_contest.finish", actor=actor, target_type="live_contest",
                     target_id=contest.id, now=now)
    else:
        contest.current_item = nxt
        contest.move_to(LivePhase.READY, now)
    bump(session, contest)
    session.commit()
    return nxt is None


def finish_contest(session: Session, contest: LiveContest, *, actor: User | None, now: datetime) -> None:
    """End the contest now (the remaining questions are not played)."""
    _running(contest)
    contest.finish(now)
    audit.record(session, "live_contest.finish", actor=actor, target_type="live_contest", target_id=contest.id,
                 now=now, early=True)
    bump(session, contest)
    session.commit()


def _submission(session: Session, item: LiveItem, team_id: int) -> LiveSubmission | None:
    return session.scalar(select(LiveSubmission).where(LiveSubmission.item_id == item.id,
                                                       LiveSubmission.team_id == team_id))


def _buzz_order(session: Session, item: LiveItem) -> list[rules.Buzz]:
    rows = session.scalars(select(LiveBuzz).where(LiveBuzz.item_id == item.id))
    return rules.buzz_order(rules.Buzz(b.id, b.team_id, b.arrived_at, b.is_false_start) for b in rows)


def judge(session: Session, contest: LiveContest, *, team_id: int | None, correct: bool | None,
          actor: User | None, now: datetime) -> LiveScoreEntry:
    """Judge a team's answer: right/wrong as the host says, or (correct=None) by the team's submitted choice.
    The team defaults to the question's own team (必答/风险) or the first valid buzz (抢答/加赛)."""
    item = _item(contest)
    if contest.phase == LivePhase.READY:
        raise LiveError(_("请先显示题目"))
    if team_id is None:
        if item.team_id is not None:
            team_id = item.team_id
        else:
            order = _buzz_order(session, item)
            if not order:
                raise LiveError(_("还没有队伍抢答"))
            judged = {e.team_id for e in _entries(session, contest.id)
                      if e.item_id == item.id and e.kind == EntryKind.JUDGEMENT}
            team_id = next((b.team_id for b in order if b.team_id not in judged), None)
            if team_id is None:
                raise LiveError(_("抢答的队伍都已评判"))
    if team_id not in {t.id for t in contest.teams}:
        raise LiveError(_("没有这支队伍"))
    if any(e.item_id == item.id and e.team_id == team_id and e.kind == EntryKind.JUDGEMENT
           for e in _entries(session, contest.id)):
        raise LiveError(_("这支队伍本题已评判；如需更改请先撤销"))
    sub = _submission(session, item, team_id)
    version = session.get(QuestionVersion, item.version_id)
    if correct is None:
        if sub is None or not sub.choice:
            raise LiveError(_("该队伍没有提交答案"))
        correct = rules.is_correct(version.answer, sub.choice)
    rnd = item.round
    stake = sub.stake if sub is not None and rnd.type == RoundType.RISK else None
    if rnd.type == RoundType.RISK and stake is None:
        stake = min(rnd.risk_values) if rnd.risk_values else None
    points = rules.judgement_points(round_type=rnd.type, correct=correct, points_right=rnd.points_right,
                                    points_wrong=rnd.points_wrong, stake=stake)
    entry = LiveScoreEntry(contest_id=contest.id, team_id=team_id, item_id=item.id, kind=EntryKind.JUDGEMENT,
                           points=points, is_correct=correct, choice=sub.choice if sub else None, stake=stake,
                           actor_id=getattr(actor, "id", None), created_at=now)
    session.add(entry)
    bump(session, contest)
    session.commit()
    return entry


def undo_judgement(session: Session, contest: LiveContest, *, actor: User | None, now: datetime) -> LiveScoreEntry:
    """Undo the last judgement still standing (recorded, not deleted)."""
    _running(contest)
    last = session.scalar(select(LiveScoreEntry).where(
        LiveScoreEntry.contest_id == contest.id, LiveScoreEntry.kind == EntryKind.JUDGEMENT,
        LiveScoreEntry.undone_at.is_(None)).order_by(LiveScoreEntry.id.desc()).limit(1))
    if last is None:
        raise LiveError(_("没有可以撤销的评判"))
    last.undone_at, last.undone_by_id = now, getattr(actor, "id", None)
    audit.record(session, "live_contest.undo", actor=actor, target_type="live_contest", target_id=contest.id,
                 now=now, team_id=last.team_id, points=last.points)
    bump(session, contest)
    session.commit()
    return last


def override_score(session: Session, contest: LiveContest, *, team_id: int, points: int, reason: str,
                   actor: User | None, now: datetime) -> LiveScoreEntry:
    """The referee adjusts a team's score, with a reason (kept in the record and the audit log)."""
    if contest.status == LiveStatus.DRAFT:
        raise LiveError(_("竞赛未在进行中"))
    if team_id not in {t.id for t in contest.teams}:
        raise LiveError(_("没有这支队伍"))
    if not reason.strip():
        raise LiveError(_("请填写调整原因"))
    if points == 0:
        raise LiveError(_("调整分值不能为 0"))
    entry = LiveScoreEntry(contest_id=contest.id, team_id=team_id, item_id=contest.current_item_id,
                           kind=EntryKind.OVERRIDE, points=points, reason=reason.strip()[:500],
                           actor_id=getattr(actor, "id", None), created_at=now)
    session.add(entry)
    audit.record(session, "live_contest.override", actor=actor, target_type="live_contest", target_id=contest.id,
                 now=now, team_id=team_id, points=points, reason=reason.strip()[:500])
    bump(session, contest)
    session.commit()
    return entry


# ------------------------------------------------------------------ running: pads


def record_buzz(session: Session, team: LiveTeam, *, arrived_at: datetime, rtt_ms: int | None) -> LiveBuzz:
    """A team's buzz, stamped with the moment the server received it. Before buzzing opens it is a false
    start (with the contest's penalty, if any). One buzz per team and question; a repeat returns the first."""
    contest = team.contest
    item = _item(contest)
    if contest.phase not in (LivePhase.SHOWN, LivePhase.BUZZING) or not _is_buzz_round(item):
        raise LiveError(_("现在不能抢答"))
    existing = session.scalar(select(LiveBuzz).where(LiveBuzz.item_id == item.id, LiveBuzz.team_id == team.id))
    if existing is not None:
        return existing
    false = rules.is_false_start(contest.phase, item.buzz_opened_at, arrived_at)
    buzz = LiveBuzz(item_id=item.id, team_id=team.id, arrived_at=arrived_at, is_false_start=false,
                    rtt_ms=_clamp_rtt(rtt_ms))
    session.add(buzz)
    if false and contest.false_start_penalty:
        session.add(LiveScoreEntry(contest_id=contest.id, team_id=team.id, item_id=item.id,
                                   kind=EntryKind.FALSE_START, points=-contest.false_start_penalty,
                                   created_at=arrived_at, reason=_("抢答犯规")))
    bump(session, contest)
    try:
        session.commit()
    except IntegrityError:  # the same team's second pad, a moment apart: the first buzz stands
        session.rollback()
        return session.scalar(select(LiveBuzz).where(LiveBuzz.item_id == item.id, LiveBuzz.team_id == team.id))
    return buzz


def _clamp_rtt(rtt_ms: int | None) -> int | None:
    return None if rtt_ms is None else max(0, min(int(rtt_ms), 600_000))


def _own_turn(team: LiveTeam) -> LiveItem:
    contest = team.contest
    item = _item(contest)
    if item.team_id is not None and item.team_id != team.id:
        raise LiveError(_("这道题由其他队伍作答"))
    return item


def choose_stake(session: Session, team: LiveTeam, *, stake: int, now: datetime) -> LiveSubmission:
    """The answering team picks its stake on a 风险题, before the question is shown."""
    item = _own_turn(team)
    contest = team.contest
    if item.round.type != RoundType.RISK:
        raise LiveError(_("本轮不是风险题"))
    if contest.phase != LivePhase.READY:
        raise LiveError(_("题目已显示，不能再更改分值"))
    if stake not in item.round.risk_values:
        raise LiveError(_("请选择给定的分值"))
    sub = _submission(session, item, team.id) or LiveSubmission(item_id=item.id, team_id=team.id)
    sub.stake = stake
    session.add(sub)
    bump(session, contest)
    session.commit()
    return sub


def submit_choice(session: Session, team: LiveTeam, *, choice: Sequence[str], now: datetime) -> LiveSubmission:
    """The team's answer, entered on its pad while the question is shown (抢答: only after buzzing first
    among the teams not yet judged)."""
    item = _own_turn(team)
    contest = team.contest
    if contest.phase not in (LivePhase.SHOWN, LivePhase.BUZZING):
        raise LiveError(_("现在不能提交答案"))
    if _is_buzz_round(item):
        order = [b.team_id for b in _buzz_order(session, item)]
        if team.id not in order:
            raise LiveError(_("抢到题后才能作答"))
    version_options = _option_letters(session, item)
    letters = sorted({str(c).strip().upper() for c in choice if str(c).strip()})
    if not letters or any(c not in version_options for c in letters):
        raise LiveError(_("请选择一个选项"))
    sub = _submission(session, item, team.id) or LiveSubmission(item_id=item.id, team_id=team.id)
    if sub.choice:
        raise LiveError(_("本题已提交"))
    sub.choice, sub.submitted_at = letters, now
    session.add(sub)
    bump(session, contest)
    session.commit()
    return sub


def _option_letters(session: Session, item: LiveItem) -> set[str]:
    version = session.get(QuestionVersion, item.version_id)
    if version.type == "true_false":
        return {"TRUE", "FALSE"}
    return {chr(ord("A") + i) for i in range(len(version.options or []))}


def ping_team(session: Session, team: LiveTeam, *, rtt_ms: int | None, now: datetime) -> None:
    """A pad reports its measured round-trip (the host sees a bad connection). No state change."""
    team.last_rtt_ms, team.last_seen_at = _clamp_rtt(rtt_ms), now
    session.commit()


# ------------------------------------------------------------------ after the contest


def award_certificates(session: Session, contest: LiveContest, *, actor: User | None, now: datetime) -> int:
    """Award certificates (获奖证书) to the members of the placed teams who are on the staff list, through the
    certificate engine (idempotent: a second run after a correction updates prizes, issues none twice)."""
    from lawtrain.certificates.awards import AwardSource, issue_award
    from lawtrain.timeutil import local_date

    if contest.status != LiveStatus.FINISHED:
        raise LiveError(_("比赛结束后才能颁发证书"))
    by_team = {t.id: t for t in contest.teams}
    issued = 0
    for standing in current_standings(session, contest):
        prize = rules.prize_for(standing.rank)
        if prize is None:
            continue
        for member in by_team[standing.team_id].members:
            if member.user_id is None:
                continue
            issue_award(session, user_id=member.user_id, source=AwardSource.LIVE_CONTEST, source_id=contest.id,
                        title=contest.title, prize=prize, rank=standing.rank,
                        awarded_on=local_date(contest.finished_at or now), actor=actor, now=now)
            issued += 1
    if not issued:
        raise LiveError(_("获奖队伍中没有在册人员，无法颁发证书"))
    audit.record(session, "live_contest.awards", actor=actor, target_type="live_contest", target_id=contest.id,
                 now=now, certificates=issued)
    session.commit()
    return issued
