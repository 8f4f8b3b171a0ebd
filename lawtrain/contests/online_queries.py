"""Read side of online contests: the ranking in SQL (one statement whatever the entrants), the department
ranking (three statements), the contests a person may see, the guests list. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Integer, Select, cast, func, select
from sqlalchemy.orm import Session

from lawtrain.auth.models import User, UserRole
from lawtrain.auth.roles import STAFF
from lawtrain.certificates import queries as cert_queries
from lawtrain.certificates.models import AwardSource, Certificate
from lawtrain.contests import online_rank
from lawtrain.contests.online_models import (
    ContestStatus,
    OnlineContest,
    OnlineContestEntry,
    OnlineContestGuest,
    OnlineContestPrize,
)
from lawtrain.exams import timing
from lawtrain.exams.availability import assigned_exam_ids, grace_seconds
from lawtrain.exams.models import Attempt, AttemptStatus, Exam, ExamAssignee
from lawtrain.org.models import Department

EXCELLENT_ORGANISERS = 3  # 优秀组织奖: the units with the highest turnout


def window_state(contest: OnlineContest, now: datetime) -> str:
    """draft | upcoming | open | ended (window over, not closed yet) | closed."""
    if contest.status == ContestStatus.DRAFT:
        return "draft"
    if contest.status == ContestStatus.CLOSED:
        return "closed"
    state = timing.window_state(contest.opens_at, contest.closes_at, now)
    return {"upcoming": "upcoming", "open": "open"}.get(state, "ended")


def is_frozen(contest: OnlineContest, now: datetime) -> bool:
    """Published and its window opened: only the end may move later and the texts be corrected."""
    return contest.status != ContestStatus.DRAFT and contest.opens_at is not None and now >= contest.opens_at


def _seconds(dialect: str):
    """Time used in whole seconds, in SQL."""
    if dialect == "postgresql":
        return cast(func.round(func.extract("epoch", Attempt.submitted_at - Attempt.started_at)), Integer)
    return cast(func.round((func.julianday(Attempt.submitted_at) - func.julianday(Attempt.started_at)) * 86400),
                Integer)


def ranked_from_attempts(session: Session, contest: OnlineContest):
    """The entries as the attempts give them (the counting attempt per person, by the contest's order):
    attempt_id, user_id, department_id, score, seconds, submitted_at. Rebuilds the entries table at close."""
    secs = _seconds(session.get_bind().dialect.name)
    score = func.coalesce(Attempt.score, 0.0)
    keys = {"seconds": secs, "submitted": Attempt.submitted_at}
    order = [score.desc(), *(keys[k] for k in online_rank.tie_break_keys(contest.tie_break)), Attempt.id]
    per_user = (select(Attempt.id.label("attempt_id"), Attempt.user_id, User.department_id, score.label("score"),
                       secs.label("seconds"), Attempt.submitted_at,
                       func.row_number().over(partition_by=Attempt.user_id, order_by=order).label("n"))
                .join(User, User.id == Attempt.user_id)
                .where(Attempt.exam_id == contest.exam_id, Attempt.status == AttemptStatus.SUBMITTED)
                .subquery("per_user"))
    return select(per_user.c.attempt_id, per_user.c.user_id, per_user.c.department_id, per_user.c.score,
                  per_user.c.seconds, per_user.c.submitted_at).where(per_user.c.n == 1)


def ranked(session: Session, contest: OnlineContest):
    """A subquery of the entrants in final order: attempt_id, user_id, department_id, score, seconds,
    submitted_at, rank (1, 2, 3… — the tie-break makes ranks unique). Reads the entries table only."""
    e = OnlineContestEntry
    keys = {"seconds": e.seconds, "submitted": e.submitted_at}
    order = [e.score.desc(), *(keys[k] for k in online_rank.tie_break_keys(contest.tie_break)), e.attempt_id]
    return (select(e.attempt_id, e.user_id, e.department_id, e.score, e.seconds, e.submitted_at,
                   func.row_number().over(order_by=order).label("rank"))
            .where(e.contest_id == contest.id).subquery("ranked"))


def leaderboard_select(session: Session, contest: OnlineContest) -> Select:
    """The individual leaderboard in rank order: rank, user_id, name, unit, score, seconds, submitted_at,
    prize, is_guest. One statement; page it with .limit()."""
    r = ranked(session, contest)
    return (select(r.c.rank, r.c.user_id, r.c.attempt_id, User.display_name.label("name"),
                   func.coalesce(OnlineContestGuest.unit, Department.name).label("unit"),
                   r.c.score, r.c.seconds, r.c.submitted_at, OnlineContestPrize.prize,
                   (OnlineContestGuest.id.is_not(None)).label("is_guest"))
            .join(User, User.id == r.c.user_id)
            .outerjoin(Department, Department.id == User.department_id)
            .outerjoin(OnlineContestGuest, OnlineContestGuest.user_id == r.c.user_id)
            .outerjoin(OnlineContestPrize, (OnlineContestPrize.contest_id == contest.id)
                       & (OnlineContestPrize.user_id == r.c.user_id))
            .order_by(r.c.rank))


def leaderboard(session: Session, contest: OnlineContest, *, limit: int, masked: bool) -> list[dict]:
    """The first `limit` rows as plain dicts, names masked unless the reader organises the contest."""
    rows = session.execute(leaderboard_select(session, contest).limit(limit)).all()
    return [{"rank": r.rank, "name": online_rank.mask_name(r.name) if masked else r.name, "unit": r.unit or "",
             "score": float(r.score), "seconds": int(r.seconds or 0), "prize": r.prize, "user_id": r.user_id,
             "submitted_at": r.submitted_at} for r in rows]


def my_standing(session: Session, contest: OnlineContest, user_id: int):
    """This person's rank row (rank, score, seconds, prize…), or None before they submitted."""
    sub = leaderboard_select(session, contest).subquery()
    return session.execute(select(sub).where(sub.c.user_id == user_id)).first()


def entrant_count(session: Session, contest: OnlineContest) -> int:
    return session.scalar(select(func.count(OnlineContestEntry.id))
                          .where(OnlineContestEntry.contest_id == contest.id)) or 0


# ------------------------------------------------------------------ departments


@dataclass
class DepartmentRow:
    id: int
    name: str
    name_path: str
    depth: int
    eligible: int = 0
    entrants: int = 0
    score_sum: float = 0.0
    winners: int = 0
    excellent: bool = False
    children: list[int] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.entrants / self.eligible if self.eligible else 0.0

    @property
    def average(self) -> float:
        return self.score_sum / self.entrants if self.entrants else 0.0


def eligible_department_ids(contest: OnlineContest, departments: list) -> set[int]:
    """Departments whose staff may enter: all, or the chosen ones with everything below them."""
    if contest.all_staff:
        return {d.id for d in departments}
    chosen = {d.department_id for d in contest.departments}
    paths = [d.id_path for d in departments if d.id in chosen]
    return {d.id for d in departments if any(d.id_path.startswith(p) for p in paths)}


def department_ranking(session: Session, contest: OnlineContest) -> list[DepartmentRow]:
    """Every department with its subtree's eligible staff, entrants, average score and prize winners; three
    statements whatever the entrants (departments; staff per department; entrants per department), rolled up
    the tree in Python over the departments only. Sorted by participation rate, then average."""
    departments = session.execute(select(Department.id, Department.name, Department.name_path,
                                         Department.id_path)).all()
    eligible_ids = eligible_department_ids(contest, departments)
    staff = dict(session.execute(
        select(User.department_id, func.count(User.id))
        .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role == STAFF))
        .where(User.is_active_account.is_(True), User.department_id.is_not(None))
        .group_by(User.department_id)).tuples().all())
    e = OnlineContestEntry
    entered = session.execute(
        select(e.department_id, func.count(e.user_id), func.sum(e.score), func.count(OnlineContestPrize.id))
        .outerjoin(OnlineContestPrize, (OnlineContestPrize.contest_id == contest.id)
                   & (OnlineContestPrize.user_id == e.user_id))
        .where(e.contest_id == contest.id, e.department_id.is_not(None)).group_by(e.department_id)).all()
    rows = {d.id: DepartmentRow(d.id, d.name, d.name_path, d.id_path.count("/") - 2) for d in departments}
    chains = {d.id: [int(p) for p in d.id_path.strip("/").split("/") if p] or [d.id] for d in departments}
    for dept_id, n in staff.items():
        if dept_id in eligible_ids:
            for a in chains.get(dept_id, ()):
                if a in rows:
                    rows[a].eligible += n
    for dept_id, n, total, winners in entered:
        for a in chains.get(dept_id, ()):
            if a in rows:
                rows[a].entrants += n
                rows[a].score_sum += float(total or 0)
                rows[a].winners += winners
    shown = [row for row in rows.values() if row.eligible or row.entrants]
    return sorted(shown, key=lambda x: (-x.rate, -x.average, x.name_path))


def unit_ranking(rows: list[DepartmentRow]) -> list[DepartmentRow]:
    """The units ranked against each other: the level below a single root (else the roots), turnout first;
    the best EXCELLENT_ORGANISERS with entrants are marked for the 优秀组织奖."""
    level = 1 if sum(1 for r in rows if r.depth == 0) == 1 and any(r.depth == 1 for r in rows) else 0
    units = [r for r in rows if r.depth == level]
    for r in [u for u in units if u.entrants][:EXCELLENT_ORGANISERS]:
        r.excellent = True
    return units


# ------------------------------------------------------------------ contests for people


def contests_for_user(session: Session, user: User) -> list[OnlineContest]:
    """Published or closed contests this person may enter (their exam is assigned to them), soonest first."""
    return list(session.scalars(
        select(OnlineContest).join(Exam, Exam.id == OnlineContest.exam_id)
        .where(OnlineContest.status != ContestStatus.DRAFT,
               OnlineContest.exam_id.in_(assigned_exam_ids(user, any_role=True)))
        .order_by(Exam.closes_at.desc(), OnlineContest.id.desc())))


def is_entrant(session: Session, contest: OnlineContest, user: User) -> bool:
    """May this person enter (assigned to the contest's exam directly, as a guest, or by department)?"""
    return session.scalar(assigned_exam_ids(user, any_role=True).where(ExamAssignee.exam_id == contest.exam_id)
                          .limit(1)) is not None


def contests_select() -> Select:
    """The organisers' list, newest first."""
    return select(OnlineContest).order_by(OnlineContest.created_at.desc(), OnlineContest.id.desc())


def guests_select(contest_id: int) -> Select:
    return (select(OnlineContestGuest).where(OnlineContestGuest.contest_id == contest_id)
            .order_by(OnlineContestGuest.registered_at, OnlineContestGuest.id))


def overdue_contests(session: Session, now: datetime) -> list[OnlineContest]:
    """Published contests whose window (plus the save grace) is over: the close job closes them."""
    cutoff = timing.overdue_cutoff(now, grace_seconds())
    return list(session.scalars(select(OnlineContest).join(Exam, Exam.id == OnlineContest.exam_id)
                                .where(OnlineContest.status == ContestStatus.PUBLISHED, Exam.closes_at < cutoff)
                                .order_by(OnlineContest.id)))


def prizes_select(contest_id: int) -> Select:
    return (select(OnlineContestPrize, User).join(User, User.id == OnlineContestPrize.user_id)
            .where(OnlineContestPrize.contest_id == contest_id).order_by(OnlineContestPrize.rank))


def award_certificates(contest_id: int) -> Select:
    """The contest's award certificates, best place first (the certificate engine's query)."""
    return cert_queries.award_certificates(AwardSource.ONLINE_CONTEST, contest_id)


def my_certificate(session: Session, contest_id: int, user_id: int):
    return session.scalar(award_certificates(contest_id).where(Certificate.user_id == user_id).limit(1))
