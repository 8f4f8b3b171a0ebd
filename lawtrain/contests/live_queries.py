"""Read side of live contests: the lists, the state snapshot every viewer's state is cut from (cached per
state version, so 200 pads polling after one change build it once per worker), and the full record."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lawtrain.auth.models import User
from lawtrain.banks.models import QuestionVersion
from lawtrain.contests import live_rules as rules
from lawtrain.contests.live_models import (
    EntryKind,
    LiveBuzz,
    LiveContest,
    LiveItem,
    LiveMember,
    LivePhase,
    LiveScoreEntry,
    LiveStatus,
    LiveSubmission,
    LiveTeam,
)
from lawtrain.courses.models import Article, Law, LawRevision
from lawtrain.timeutil import iso_utc

_CACHE: OrderedDict[tuple[int, str, int], dict[str, Any]] = OrderedDict()
_CACHE_SIZE = 64


def forget_snapshots() -> None:
    """Drop the cached snapshots (tests: a fresh database reuses ids, codes and versions)."""
    _CACHE.clear()


def contests_select() -> Select:
    return select(LiveContest).order_by(LiveContest.id.desc())


def state_version(session: Session, contest_id: int) -> int | None:
    """The one cheap read a poll makes before anything else (the ETag)."""
    return session.scalar(select(LiveContest.state_version).where(LiveContest.id == contest_id))


def team_stamp(session: Session, team_id: int):
    """(contest_id, state_version) of a team's contest in one Core read: a pad's poll needs nothing else
    until the version changes."""
    return session.execute(select(LiveTeam.contest_id, LiveContest.state_version, LiveContest.screen_code)
                           .join(LiveContest, LiveContest.id == LiveTeam.contest_id)
                           .where(LiveTeam.id == team_id)).first()


def screen_stamp(session: Session, contest_id: int):
    """(state_version, screen_code) of a contest in one Core read (the screen's poll)."""
    return session.execute(select(LiveContest.state_version, LiveContest.screen_code)
                           .where(LiveContest.id == contest_id)).first()


def team_by_code(session: Session, code: str) -> LiveTeam | None:
    return session.scalar(select(LiveTeam).where(LiveTeam.join_code == rules.normalise_code(code)))


def contest_by_screen_code(session: Session, contest_id: int, code: str) -> LiveContest | None:
    contest = session.get(LiveContest, contest_id)
    if contest is None or not code or rules.normalise_code(code) != contest.screen_code:
        return None
    return contest


def teams_of_user(session: Session, user_id: int) -> list[LiveTeam]:
    """The teams a signed-in person is a member of, in contests not finished."""
    return list(session.scalars(
        select(LiveTeam).join(LiveMember).join(LiveContest)
        .where(LiveMember.user_id == user_id, LiveContest.status != LiveStatus.FINISHED)
        .order_by(LiveContest.id.desc())))


def entries(session: Session, contest_id: int, *, standing_only: bool = True) -> list[LiveScoreEntry]:
    stmt = select(LiveScoreEntry).where(LiveScoreEntry.contest_id == contest_id).order_by(LiveScoreEntry.id)
    if standing_only:
        stmt = stmt.where(LiveScoreEntry.undone_at.is_(None))
    return list(session.scalars(stmt))


def standings(session: Session, contest: LiveContest) -> list[rules.Standing]:
    return rules.standings([t.id for t in contest.teams],
                           [(e.team_id, e.points) for e in entries(session, contest.id)])


def article_texts(session: Session, basis: list[dict]) -> list[dict[str, Any]]:
    """The cited articles with their current text (label only when the law is not in the library)."""
    out = []
    for ref in basis or []:
        law, number = ref.get("law"), ref.get("article")
        row = session.execute(
            select(Article.label, Article.text).join(LawRevision).join(Law)
            .where(Law.short_name == law, LawRevision.is_current.is_(True), Article.number == number)).first()
        out.append({"law": law, "article": number, "label": row.label if row else None,
                    "text": row.text if row else None})
    return out


def _letter_options(version: QuestionVersion) -> list[list[str]]:
    if version.type == "true_false":
        return [["TRUE", "正确"], ["FALSE", "错误"]]
    return [[chr(ord("A") + i), text] for i, text in enumerate(version.options or [])]


def _item_block(session: Session, item: LiveItem) -> dict[str, Any]:
    version = session.get(QuestionVersion, item.version_id)
    answer = [str(a).upper() for a in version.answer or []]
    return {"id": item.id, "no": item.position, "count": len(item.round.items), "team_id": item.team_id,
            "type": version.type, "stem": version.stem, "options": _letter_options(version),
            "answer": answer, "explanation": version.explanation, "basis": article_texts(session, version.basis)}


def _buzz_rows(session: Session, item: LiveItem, opened_at: datetime | None,
               names: dict[int, str]) -> tuple[list, list]:
    rows = list(session.scalars(select(LiveBuzz).where(LiveBuzz.item_id == item.id)))
    by_id = {b.id: b for b in rows}
    plain = [rules.Buzz(b.id, b.team_id, b.arrived_at, b.is_false_start) for b in rows]

    def out(b: rules.Buzz, n: int) -> dict[str, Any]:
        after = None if opened_at is None else round((b.arrived_at - opened_at).total_seconds() * 1000, 1)
        return {"order": n, "team_id": b.team_id, "team": names.get(b.team_id), "after_ms": after,
                "rtt_ms": by_id[b.id].rtt_ms}

    return ([out(b, n) for n, b in enumerate(rules.buzz_order(plain), start=1)],
            [out(b, n) for n, b in enumerate(rules.false_starts(plain), start=1)])


def snapshot(session: Session, contest_id: int, stamp=None) -> dict[str, Any] | None:
    """Everything about the contest's current state (answer key included: cut it with rules.view_for).
    `stamp` (state_version, screen_code), when the caller has just read it, saves reading it again."""
    stamp = stamp or screen_stamp(session, contest_id)
    if stamp is None:
        return None
    version, code = stamp[0], stamp[1]
    key = (contest_id, code, version)  # the random screen code: a reused id is another contest
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    contest = session.get(LiveContest, contest_id)
    session.refresh(contest)
    snap = _build(session, contest)
    snap["version"] = version
    _CACHE[key] = snap
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return snap


def _build(session: Session, contest: LiveContest) -> dict[str, Any]:
    names = {t.id: t.name for t in contest.teams}
    table = standings(session, contest)
    by_team = {s.team_id: s for s in table}
    teams = [{"id": t.id, "name": t.name, "department": t.department, "color": (t.position - 1) % 8,
              "members": [m.name for m in t.members], "score": by_team[t.id].score, "rank": by_team[t.id].rank}
             for t in contest.teams]
    snap: dict[str, Any] = {
        "contest": {"id": contest.id, "title": contest.title, "status": contest.status},
        "phase": contest.phase, "phase_at": iso_utc(contest.phase_at), "teams": teams,
        "standings": [{"team_id": s.team_id, "score": s.score, "rank": s.rank} for s in table],
        "round": None, "item": None, "buzzes": [], "false_starts": [], "submissions": {}, "judgements": [],
        "penalty": contest.false_start_penalty, "codes": {t.id: t.join_code for t in contest.teams},
    }
    item = contest.current_item if contest.status == LiveStatus.RUNNING else None
    if item is not None:
        rnd = item.round
        snap["round"] = {"id": rnd.id, "position": rnd.position, "count": len(contest.rounds), "title": rnd.title,
                         "type": rnd.type, "points_right": rnd.points_right, "points_wrong": rnd.points_wrong,
                         "seconds": rnd.seconds, "risk_values": list(rnd.risk_values or [])}
        snap["item"] = _item_block(session, item)
        snap["buzzes"], snap["false_starts"] = _buzz_rows(session, item, item.buzz_opened_at, names)
        for sub in session.scalars(select(LiveSubmission).where(LiveSubmission.item_id == item.id)):
            snap["submissions"][sub.team_id] = {"stake": sub.stake, "choice": sub.choice}
        snap["judgements"] = [{"team_id": e.team_id, "team": names.get(e.team_id), "correct": e.is_correct,
                               "points": e.points} for e in entries(session, contest.id)
                              if e.item_id == item.id and e.kind == EntryKind.JUDGEMENT]
        snap["tiebreak"] = rules.needs_tiebreak(table)
    if contest.status == LiveStatus.FINISHED:
        snap["podium"] = [{"team_id": s.team_id, "team": names[s.team_id], "score": s.score, "rank": s.rank}
                          for s in table if s.rank <= rules.PLACES]
    return snap


def state_for(session: Session, contest_id: int, viewer: str, now: datetime, team_id: int | None = None,
              stamp=None) -> dict[str, Any] | None:
    """The state one viewer may see, with the clock's remaining milliseconds at `now`."""
    snap = snapshot(session, contest_id, stamp)
    if snap is None:
        return None
    state = rules.view_for(snap, viewer, team_id)
    seconds = (snap.get("round") or {}).get("seconds") or 0
    phase_at = datetime.fromisoformat(snap["phase_at"]).replace(tzinfo=None) if snap.get("phase_at") else None
    running = snap["phase"] in (LivePhase.SHOWN, LivePhase.BUZZING) and snap.get("item") is not None
    state["remaining_ms"] = rules.remaining_ms(phase_at, seconds, now) if running else None
    return state


def team_links(session: Session, contest_id: int) -> list[dict[str, Any]]:
    """The host's view of each team's pad connection (not cached: pads report it between state changes)."""
    return [{"team_id": t.id, "rtt_ms": t.last_rtt_ms, "seen_at": iso_utc(t.last_seen_at)}
            for t in session.scalars(select(LiveTeam).where(LiveTeam.contest_id == contest_id))]


# ------------------------------------------------------------------ after the contest


def record(session: Session, contest: LiveContest) -> dict[str, Any]:
    """The full record: every question played with its buzz order and times, submissions, judgements
    (undone ones marked), overrides and false starts, and the final standings."""
    names = {t.id: t.name for t in contest.teams}
    users = dict(session.execute(select(User.id, User.display_name)).all())
    all_entries = entries(session, contest.id, standing_only=False)
    rounds = []
    for rnd in contest.rounds:
        items = []
        for item in rnd.items:
            if item.shown_at is None:
                continue
            block = _item_block(session, item)
            buzzes, early = _buzz_rows(session, item, item.buzz_opened_at or item.shown_at, names)
            block.update(shown_at=item.shown_at, buzz_opened_at=item.buzz_opened_at, revealed_at=item.revealed_at,
                         buzzes=buzzes, false_starts=early,
                         team=names.get(item.team_id),
                         submissions=[{"team": names.get(s.team_id), "stake": s.stake, "choice": s.choice,
                                       "at": s.submitted_at}
                                      for s in session.scalars(select(LiveSubmission)
                                                               .where(LiveSubmission.item_id == item.id))],
                         entries=[_entry_row(e, names, users) for e in all_entries
                                  if e.item_id == item.id and e.kind != EntryKind.OVERRIDE])
            items.append(block)
        rounds.append({"round": rnd, "items": items})
    table = standings(session, contest)
    return {"contest": contest, "rounds": rounds,
            "overrides": [_entry_row(e, names, users) for e in all_entries if e.kind == EntryKind.OVERRIDE],
            "standings": [{"team": names[s.team_id], "team_id": s.team_id, "score": s.score, "rank": s.rank,
                           "members": [m.name for m in next(t for t in contest.teams if t.id == s.team_id).members]}
                          for s in table]}


def _entry_row(e: LiveScoreEntry, names: dict[int, str], users: dict[int, str]) -> dict[str, Any]:
    return {"kind": e.kind, "team": names.get(e.team_id), "points": e.points, "correct": e.is_correct,
            "choice": e.choice, "stake": e.stake, "reason": e.reason, "at": e.created_at,
            "actor": users.get(e.actor_id), "undone_at": e.undone_at, "undone_by": users.get(e.undone_by_id)}


def contests_of_user(session: Session, user_id: int) -> list[tuple[LiveContest, LiveTeam]]:
    """A person's finished live contests and the team they played in (their records show them)."""
    rows = session.execute(
        select(LiveContest, LiveTeam).join(LiveTeam, LiveTeam.contest_id == LiveContest.id).join(LiveMember)
        .where(LiveMember.user_id == user_id, LiveContest.status == LiveStatus.FINISHED)
        .order_by(LiveContest.finished_at.desc())).all()
    return [(c, t) for c, t in rows]
