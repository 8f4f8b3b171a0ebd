"""Use cases of online contests: save (frozen once open), publish, enter, register a guest, close (prizes and
award certificates), publish results, purge guests' personal data.

Each function takes `session` first and `now` as an argument, checks before it changes anything and commits
once. Papers, timing, saving and grading are the exam engine's: a contest owns a hidden exam (kind "contest").
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, literal, select, update
from sqlalchemy.orm import Session

from lawtrain.auth import audit
from lawtrain.auth.models import User, UserRole
from lawtrain.auth.roles import GUEST
from lawtrain.certificates.awards import AwardSource, issue_award
from lawtrain.contests import online_queries as queries
from lawtrain.contests import online_rank
from lawtrain.contests.online_models import (
    ContestStatus,
    OnlineContest,
    OnlineContestDepartment,
    OnlineContestEntry,
    OnlineContestGuest,
    OnlineContestPrize,
    OnlineContestUnit,
)
from lawtrain.exams import attempts as exam_attempts
from lawtrain.exams.grading import finish
from lawtrain.exams.models import (
    Attempt,
    AttemptStatus,
    Exam,
    ExamAssignee,
    ExamKind,
    ExamRule,
    FinishReason,
    ResultRelease,
    ReviewMode,
)
from lawtrain.exams.papers import PaperCheck, check_paper
from lawtrain.org.models import Department
from lawtrain.timeutil import local_date


class ContestError(Exception):
    """A rule of online contests was broken; the message is for people."""


class ContestUnavailable(ContestError):
    """The person may not enter now (window, eligibility, attempts used)."""


@dataclass
class ContestData:
    """What the organiser's form produces (times in UTC)."""

    title: str
    opens_at: datetime
    closes_at: datetime
    description: str = ""
    duration_minutes: int = 20
    attempts_allowed: int = 1
    rules: list[dict] = field(default_factory=list)
    all_staff: bool = True
    department_ids: list[int] = field(default_factory=list)
    allow_guests: bool = False
    units: list[str] = field(default_factory=list)
    tie_break: str = "time_submitted"
    tiers: list[online_rank.Tier] = field(default_factory=list)
    min_score: float = 0.0
    public_leaderboard: bool = True
    participation_certificates: bool = False


# What may still change once a contest has opened: the texts, and the end of the window (later only).
_FROZEN_LABELS = {
    "opens_at": _l("开始时间"), "duration_minutes": _l("答题时长"), "attempts_allowed": _l("可作答次数"),
    "rules": _l("抽题规则"), "all_staff": _l("参赛范围"), "department_ids": _l("参赛部门"),
    "allow_guests": _l("社会参赛"), "tie_break": _l("同分排序"), "tiers": _l("奖项设置"), "min_score": _l("获奖最低分"),
    "units": _l("单位名单"), "public_leaderboard": _l("排行榜公开"), "participation_certificates": _l("参与证书"),
}


def _minute(dt: datetime | None) -> datetime | None:
    """Times as the form shows them (to the minute): an unchanged field is not a change."""
    return dt.replace(second=0, microsecond=0) if dt else None


def _current(contest: OnlineContest) -> dict:
    rules = [{k: getattr(r, k) for k in ("type", "banks", "law_name", "articles", "tags", "difficulty_min",
                                           "difficulty_max", "count", "points")} for r in contest.exam.rules]
    return {"opens_at": _minute(contest.opens_at), "duration_minutes": contest.exam.duration_minutes,
            "attempts_allowed": contest.exam.attempts_allowed, "rules": rules, "all_staff": contest.all_staff,
            "department_ids": sorted(d.department_id for d in contest.departments),
            "allow_guests": contest.allow_guests, "tie_break": contest.tie_break,
            "tiers": online_rank.tiers_to_json(online_rank.tiers_from_json(contest.prize_tiers)),
            "min_score": float(contest.min_score), "units": [u.name for u in contest.units],
            "public_leaderboard": contest.public_leaderboard,
            "participation_certificates": contest.participation_certificates}


def _wanted(data: ContestData) -> dict:
    return {"opens_at": _minute(data.opens_at), "duration_minutes": data.duration_minutes,
            "attempts_allowed": data.attempts_allowed, "rules": [dict(r) for r in data.rules],
            "all_staff": data.all_staff, "department_ids": sorted(set(data.department_ids)),
            "allow_guests": data.allow_guests, "tie_break": data.tie_break,
            "tiers": online_rank.tiers_to_json(data.tiers), "min_score": float(data.min_score),
            "units": list(dict.fromkeys(data.units)), "public_leaderboard": data.public_leaderboard,
            "participation_certificates": data.participation_certificates}


def frozen_changes(contest: OnlineContest, data: ContestData) -> list[str]:
    """The frozen settings this edit would change (labels), plus a shortened window."""
    now_, wanted = _current(contest), _wanted(data)
    changed = [str(_FROZEN_LABELS[k]) for k in _FROZEN_LABELS if now_[k] != wanted[k]]
    if contest.closes_at is not None and _minute(data.closes_at) < _minute(contest.closes_at):
        changed.append(_("结束时间只能延后"))
    return changed


def _roots(session: Session) -> list[int]:
    return list(session.scalars(select(Department.id).where(Department.parent_id.is_(None))))


def _apply(session: Session, contest: OnlineContest, data: ContestData) -> None:
    """Write the whole setup onto the contest and its hidden exam (a draft, or an unopened contest)."""
    exam = contest.exam
    exam.opens_at, exam.duration_minutes, exam.attempts_allowed = data.opens_at, data.duration_minutes, \
        data.attempts_allowed
    exam.rules = [ExamRule(position=i, **r) for i, r in enumerate(data.rules, start=1)]
    contest.all_staff, contest.allow_guests, contest.tie_break = data.all_staff, data.allow_guests, data.tie_break
    contest.prize_tiers = online_rank.tiers_to_json(data.tiers)
    contest.min_score, contest.public_leaderboard = data.min_score, data.public_leaderboard
    contest.participation_certificates = data.participation_certificates
    contest.departments = [OnlineContestDepartment(department_id=d) for d in dict.fromkeys(data.department_ids)]
    contest.units = [OnlineContestUnit(name=u, position=i) for i, u in enumerate(dict.fromkeys(data.units))]
    staff_depts = _roots(session) if data.all_staff else list(dict.fromkeys(data.department_ids))
    guests = [a for a in exam.assignees if a.user_id is not None]  # registered guests keep their entry
    exam.assignees = [ExamAssignee(department_id=d) for d in staff_depts] + guests


def save_contest(session: Session, contest: OnlineContest | None, data: ContestData, *, actor, now: datetime,
                 ip: str | None = None) -> tuple[OnlineContest, PaperCheck]:
    """Create or edit a contest. Once its window opened only the texts and a later end may change: anything
    else raises ContestError naming what is frozen, before anything is changed."""
    if data.closes_at <= data.opens_at:
        raise ContestError(_("结束时间必须晚于开始时间"))
    if not data.rules:
        raise ContestError(_("请至少填写一条抽题规则"))
    frozen = contest is not None and queries.is_frozen(contest, now)
    if frozen:
        changed = frozen_changes(contest, data)
        if changed:
            raise ContestError(_("竞赛已开始，规则已冻结，只能延长结束时间或修改文字：%(items)s",
                                 items="、".join(changed)))
    if contest is None:
        exam = Exam.draft(kind=ExamKind.CONTEST, title=data.title, created_by_id=getattr(actor, "id", None),
                          created_at=now, release=ResultRelease.IMMEDIATE, review=ReviewMode.SCORE_ONLY,
                          pass_percent=60.0, gate={})
        contest = OnlineContest(exam=exam, title=data.title, status=ContestStatus.DRAFT,
                                guest_token=secrets.token_urlsafe(12), created_by_id=getattr(actor, "id", None),
                                created_at=now)
        session.add(contest)
    contest.title = contest.exam.title = data.title
    contest.description = contest.exam.instructions = data.description
    if not (frozen and _minute(data.closes_at) == _minute(contest.exam.closes_at)):
        contest.exam.closes_at = data.closes_at
    if not frozen:
        _apply(session, contest, data)
    session.flush()
    check = check_paper(session, contest.exam)
    audit.record(session, "contest.save", actor=actor, target_type="online_contest", target_id=contest.id, ip=ip,
                 now=now, title=contest.title, frozen=frozen)
    session.commit()
    return contest, check


def publish_contest(session: Session, contest: OnlineContest, *, actor, now: datetime, ip: str | None = None) -> None:
    """draft -> published: the paper can be drawn and someone may enter."""
    if contest.status != ContestStatus.DRAFT:
        raise ContestError(_("只有草稿状态的竞赛可以发布"))
    check = check_paper(session, contest.exam)
    if check.messages:
        raise ContestError("；".join(check.messages))
    if not (contest.all_staff or contest.departments or contest.allow_guests):
        raise ContestError(_("请选择参赛范围：全体职工、部门或社会参赛者"))
    contest.publish()
    contest.exam.publish()
    audit.record(session, "contest.publish", actor=actor, target_type="online_contest", target_id=contest.id,
                 ip=ip, now=now)
    session.commit()


# ------------------------------------------------------------------ entering


def check_entry(session: Session, contest: OnlineContest, user: User, now: datetime) -> Attempt | None:
    """Why this person may not start a paper now (ContestUnavailable), else their open attempt (or None)."""
    if contest.status == ContestStatus.DRAFT or not queries.is_entrant(session, contest, user):
        raise ContestUnavailable(_("您不在本竞赛的参赛范围内"))
    mine = list(session.scalars(select(Attempt).where(Attempt.exam_id == contest.exam_id, Attempt.user_id == user.id)))
    open_attempt = next((a for a in mine if a.status == AttemptStatus.IN_PROGRESS), None)
    if open_attempt is not None:
        return open_attempt
    state = queries.window_state(contest, now)
    if state == "upcoming":
        raise ContestUnavailable(_("竞赛尚未开始"))
    if state != "open":
        raise ContestUnavailable(_("竞赛已结束"))
    if len(mine) >= contest.exam.attempts_allowed:
        raise ContestUnavailable(_("您已参加过本竞赛，不能再次答题"))
    return None


def enter_contest(session: Session, contest: OnlineContest, user: User, now: datetime, *,
                  ip: str | None = None) -> tuple[Attempt, bool]:
    """Start (or resume) this person's paper through the exam engine: (attempt, resumed). Refusals are
    ContestUnavailable with a message, and nothing is stored."""
    open_attempt = check_entry(session, contest, user, now)
    if open_attempt is not None:
        return open_attempt, True
    return exam_attempts.start_attempt(session, contest.exam, user, now, ip=ip)


# ------------------------------------------------------------------ guests


@dataclass(frozen=True)
class GuestData:
    name: str
    unit: str
    mobile: str


def register_guest(session: Session, contest: OnlineContest, data: GuestData, *, now: datetime,
                   ip: str | None = None) -> User:
    """A guest account that can reach this contest only; one registration per mobile number and contest. The
    same name and number later (attempts used up, or the contest over) is the guest coming back: their account,
    nothing stored."""
    if not contest.allow_guests or contest.status == ContestStatus.DRAFT:
        raise ContestUnavailable(_("本竞赛不接受社会报名"))
    mobile = online_rank.normalise_mobile(data.mobile)
    name, unit = data.name.strip(), data.unit.strip()
    if mobile is None:
        raise ContestError(_("请填写正确的11位手机号码"))
    taken = session.scalar(select(OnlineContestGuest).where(OnlineContestGuest.contest_id == contest.id,
                                                            OnlineContestGuest.mobile == mobile))
    if taken is not None:
        returning = _returning_guest(session, contest, taken, name, now)
        if returning is None:
            raise ContestError(_("该手机号已报名本竞赛，每个手机号只能参赛一次"))
        return returning
    if queries.window_state(contest, now) not in ("open", "upcoming"):
        raise ContestUnavailable(_("竞赛已结束"))
    if not name or not unit:
        raise ContestError(_("请填写姓名和单位"))
    if contest.units and unit not in {u.name for u in contest.units}:
        raise ContestError(_("请从名单中选择单位"))
    user = User(username=f"guest-{contest.id}-{secrets.token_hex(6)}", display_name=name[:64], password_hash=None,
                created_at=now)
    user.role_rows = [UserRole(role=GUEST)]
    session.add(user)
    session.flush()
    session.add(OnlineContestGuest(contest_id=contest.id, user_id=user.id, name=name[:64], unit=unit[:128],
                                   mobile=mobile, ip=ip, registered_at=now))
    session.add(ExamAssignee(exam_id=contest.exam_id, user_id=user.id))
    session.commit()
    return user


def _returning_guest(session: Session, contest: OnlineContest, guest: OnlineContestGuest, name: str,
                     now: datetime) -> User | None:
    """A registered guest back for the result and certificate (same name and number): once their attempts are
    used up or the window is over, so that nobody else can answer in their name. None: not them, or too soon."""
    if guest.purged_at is not None or guest.name != name:
        return None
    used = session.scalar(select(func.count(Attempt.id)).where(Attempt.exam_id == contest.exam_id,
                                                               Attempt.user_id == guest.user_id)) or 0
    if used < contest.exam.attempts_allowed and queries.window_state(contest, now) in ("open", "upcoming"):
        return None
    return session.get(User, guest.user_id)


def guest_contest(session: Session, user: User) -> OnlineContest | None:
    """The one contest a guest account belongs to."""
    return session.scalar(select(OnlineContest).join(OnlineContestGuest,
                                                     OnlineContestGuest.contest_id == OnlineContest.id)
                          .where(OnlineContestGuest.user_id == user.id))


def purge_guests(session: Session, contest: OnlineContest, *, actor, now: datetime, ip: str | None = None) -> int:
    """After the contest: names masked, mobile numbers and addresses erased, guest accounts disabled."""
    if contest.status != ContestStatus.CLOSED:
        raise ContestError(_("竞赛结束并评奖后才能清除社会参赛者的个人信息"))
    guests = list(session.scalars(select(OnlineContestGuest).where(OnlineContestGuest.contest_id == contest.id,
                                                                   OnlineContestGuest.purged_at.is_(None))))
    for g in guests:
        masked = online_rank.mask_name(g.name)
        g.name, g.mobile, g.ip, g.purged_at = masked, f"purged-{g.id}", None, now
        session.execute(update(User).where(User.id == g.user_id)
                        .values(display_name=masked, is_active_account=False))
    contest.guests_purged_at = now
    audit.record(session, "contest.purge_guests", actor=actor, target_type="online_contest", target_id=contest.id,
                 ip=ip, now=now, guests=len(guests))
    session.commit()
    return len(guests)


# ------------------------------------------------------------------ closing, prizes, results


def _finish_open_attempts(session: Session, contest: OnlineContest, now: datetime) -> None:
    """Papers still open when the organiser closes early are finished now, graded from their saved answers."""
    for attempt in session.scalars(select(Attempt).where(Attempt.exam_id == contest.exam_id,
                                                         Attempt.status.in_((AttemptStatus.IN_PROGRESS,
                                                                             AttemptStatus.EXPIRED)))
                                   .with_for_update()):
        finish(session, attempt, min(now, attempt.deadline_at), FinishReason.TIMEOUT, now)


def _rebuild_entries(session: Session, contest: OnlineContest) -> None:
    """The entries table recomputed from the attempts in two statements (the final word at close)."""
    session.execute(delete(OnlineContestEntry).where(OnlineContestEntry.contest_id == contest.id))
    source = queries.ranked_from_attempts(session, contest).subquery()
    session.execute(insert(OnlineContestEntry).from_select(
        ["contest_id", "attempt_id", "user_id", "department_id", "score", "seconds", "submitted_at"],
        select(literal(contest.id), source.c.attempt_id, source.c.user_id, source.c.department_id, source.c.score,
               source.c.seconds, source.c.submitted_at)))


def on_attempt_graded(_sender, *, session: Session, attempt: Attempt, previous_passed, now: datetime) -> None:
    """Receiver of signals.attempt_graded: keep the entrant's leaderboard entry in step (no commit)."""
    if attempt.exam.kind != ExamKind.CONTEST:
        return
    contest = session.scalar(select(OnlineContest).where(OnlineContest.exam_id == attempt.exam_id))
    if contest is None:
        return
    mine = session.scalars(select(Attempt).where(Attempt.exam_id == attempt.exam_id, Attempt.user_id == attempt.user_id,
                                                 Attempt.status == AttemptStatus.SUBMITTED)).all()

    def seconds(a: Attempt) -> int:
        return int(round((a.submitted_at - a.started_at).total_seconds()))

    best = min(mine, key=lambda a: online_rank.rank_key(float(a.score or 0), seconds(a), a.submitted_at, a.id,
                                                        contest.tie_break))
    entry = session.scalar(select(OnlineContestEntry).where(OnlineContestEntry.contest_id == contest.id,
                                                            OnlineContestEntry.user_id == attempt.user_id))
    if entry is None:
        entry = OnlineContestEntry(contest_id=contest.id, user_id=attempt.user_id,
                                   department_id=session.scalar(select(User.department_id)
                                                                .where(User.id == attempt.user_id)))
        session.add(entry)
    entry.attempt_id, entry.score, entry.seconds = best.id, float(best.score or 0), seconds(best)
    entry.submitted_at = best.submitted_at


def _assign_prizes(session: Session, contest: OnlineContest) -> list[dict]:
    """The final ranking (one statement) and its prizes, inserted in one executemany."""
    rows = session.execute(select(queries.ranked(session, contest)).order_by("rank")).all()
    prizes = online_rank.assign_prizes([float(r.score) for r in rows],
                                       online_rank.tiers_from_json(contest.prize_tiers), float(contest.min_score))
    values = [dict(contest_id=contest.id, user_id=r.user_id, attempt_id=r.attempt_id, rank=r.rank, prize=p,
                   score=float(r.score), seconds=int(r.seconds or 0))
              for r, p in zip(rows, prizes, strict=True) if p]
    if contest.participation_certificates:
        winners = {v["user_id"] for v in values}
        values += [dict(contest_id=contest.id, user_id=r.user_id, attempt_id=r.attempt_id, rank=r.rank,
                        prize=online_rank.PARTICIPATION, score=float(r.score), seconds=int(r.seconds or 0))
                   for r in rows if r.user_id not in winners]
    if values:
        session.execute(insert(OnlineContestPrize), values)
    return values


def _issue_certificates(session: Session, contest: OnlineContest, prizes: list[dict], *, actor, now: datetime) -> int:
    """Award certificates (获奖证书, and 参与证书 when the contest gives them) through the certificate engine."""
    awarded_on = local_date(now)
    for p in prizes:
        participation = p["prize"] == online_rank.PARTICIPATION
        issue_award(session, user_id=p["user_id"], source=AwardSource.ONLINE_CONTEST, source_id=contest.id,
                    title=contest.title, prize=p["prize"], rank=None if participation else p["rank"],
                    awarded_on=awarded_on, actor=actor, now=now)
    return len(prizes)


def close_contest(session: Session, contest: OnlineContest, *, actor, now: datetime, ip: str | None = None) -> int:
    """published -> closed: open papers finished, the window ended now if it was still running, prizes
    assigned by the tiers and award certificates issued. Returns the number of prizes."""
    # The organiser's button and the close-overdue job may race: the row lock makes the second see "closed"
    # (SQLite: a writing request already holds the database's write lock).
    session.refresh(contest, with_for_update=True)
    if contest.status != ContestStatus.PUBLISHED:
        raise ContestError(_("只有进行中的竞赛可以结束评奖"))
    _finish_open_attempts(session, contest, now)
    if contest.exam.closes_at is None or contest.exam.closes_at > now:
        contest.exam.closes_at = now
    session.flush()
    _rebuild_entries(session, contest)
    prizes = _assign_prizes(session, contest)
    contest.close(now)
    issued = _issue_certificates(session, contest, prizes, actor=actor, now=now)
    audit.record(session, "contest.close", actor=actor, target_type="online_contest", target_id=contest.id, ip=ip,
                 now=now, prizes=len(prizes), certificates=issued)
    session.commit()
    return len(prizes)


def close_overdue_contests(session: Session, now: datetime) -> list[OnlineContest]:
    """The `close-overdue` job's part: close every contest whose window (plus grace) is over."""
    closed = []
    for contest in queries.overdue_contests(session, now):
        close_contest(session, contest, actor=None, now=now)
        closed.append(contest)
    return closed


def publish_results(session: Session, contest: OnlineContest, *, actor, now: datetime, ip: str | None = None) -> None:
    """Show the results page (winners, departments, 优秀组织奖) to every entrant."""
    if contest.status != ContestStatus.CLOSED:
        raise ContestError(_("竞赛结束并评奖后才能公布结果"))
    contest.results_published_at = now
    audit.record(session, "contest.publish_results", actor=actor, target_type="online_contest",
                 target_id=contest.id, ip=ip, now=now)
    session.commit()
