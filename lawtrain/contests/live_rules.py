"""Pure rules of a live contest: buzz order, points, standings, tie-breaks, codes, and what each screen may see.

No flask, no sqlalchemy: plain values in, plain values out (tests/unit/test_live_rules.py).
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Codes people type from the projector: no 0/O, 1/I/L.
CODE_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "0O1IL")
JOIN_CODE_LENGTH = 6
SCREEN_CODE_LENGTH = 10
PLACES = 3  # teams placed (一等奖, 二等奖, 三等奖)
PRIZES = {1: "一等奖", 2: "二等奖", 3: "三等奖"}
CHOICE_TYPES = ("single", "multiple", "true_false")


def new_code(rng: random.Random, length: int = JOIN_CODE_LENGTH) -> str:
    """A code from the unambiguous alphabet."""
    return "".join(rng.choice(CODE_ALPHABET) for _ in range(length))


def normalise_code(text: str) -> str:
    """What a person typed, as stored: upper case, no spaces or dashes."""
    return "".join(c for c in (text or "").upper() if c.isalnum())[:32]


@dataclass(frozen=True)
class Buzz:
    id: int
    team_id: int
    arrived_at: datetime
    is_false_start: bool = False


def buzz_order(buzzes: Iterable[Buzz]) -> list[Buzz]:
    """The valid buzzes in the order the server received them (arrival time, then the row id for a tie);
    false starts are not in the order."""
    return sorted((b for b in buzzes if not b.is_false_start), key=lambda b: (b.arrived_at, b.id))


def false_starts(buzzes: Iterable[Buzz]) -> list[Buzz]:
    return sorted((b for b in buzzes if b.is_false_start), key=lambda b: (b.arrived_at, b.id))


def is_false_start(phase: str, opened_at: datetime | None, arrived_at: datetime) -> bool:
    """A buzz is valid only while buzzing is open and not before the moment it opened."""
    return phase != "buzzing" or opened_at is None or arrived_at < opened_at


def is_correct(answer: Sequence[str], choice: Sequence[str] | None) -> bool:
    """A choice question is right when the set of letters (or true/false) matches the key exactly."""
    if not choice:
        return False
    return sorted(str(c).strip().upper() for c in choice) == sorted(str(a).strip().upper() for a in answer)


def judgement_points(*, round_type: str, correct: bool, points_right: int, points_wrong: int,
                     stake: int | None = None) -> int:
    """Points a judgement adds: a risk question wins or loses its stake; others win points_right or lose
    points_wrong."""
    if round_type == "risk" and stake is not None:
        return stake if correct else -stake
    return points_right if correct else -abs(points_wrong)


@dataclass(frozen=True)
class Standing:
    team_id: int
    score: int
    rank: int


def standings(team_ids: Sequence[int], entries: Iterable[tuple[int, int]]) -> list[Standing]:
    """Teams by score (highest first), competition ranking (1, 1, 3); equal scores keep the set-up order."""
    totals = {t: 0 for t in team_ids}
    for team_id, points in entries:
        if team_id in totals:
            totals[team_id] += points
    ordered = sorted(team_ids, key=lambda t: (-totals[t], team_ids.index(t)))
    out: list[Standing] = []
    for i, team_id in enumerate(ordered):
        rank = out[-1].rank if out and out[-1].score == totals[team_id] else i + 1
        out.append(Standing(team_id, totals[team_id], rank))
    return out


def needs_tiebreak(table: Sequence[Standing], places: int = PLACES) -> bool:
    """A tie matters when two teams share a rank that is a placing (or the line just past the placings)."""
    ranks = [s.rank for s in table]
    return any(ranks.count(r) > 1 for r in set(ranks) if r <= places)


def team_rotation(team_ids: Sequence[int], per_team: int) -> list[int]:
    """Who answers each question of a 必答/风险 round: every team in turn, per_team times."""
    return [t for _ in range(per_team) for t in team_ids]


def remaining_ms(started_at: datetime | None, seconds: int, now: datetime) -> int | None:
    """Milliseconds left on a question's clock (None: no clock running)."""
    if started_at is None or seconds <= 0:
        return None
    left = seconds * 1000 - int((now - started_at).total_seconds() * 1000)
    return max(0, left)


def prize_for(rank: int) -> str | None:
    return PRIZES.get(rank)


# ---------------------------------------------------------------- what each viewer may see

_HOST_ONLY = ("answer", "explanation", "basis")


def view_for(snapshot: dict[str, Any], viewer: str, team_id: int | None = None) -> dict[str, Any]:
    """The state one viewer may see. The host sees everything; the screen and pads see the answer key,
    explanation and cited article only after the reveal, and a pad sees only its own team's submission."""
    state = {k: v for k, v in snapshot.items() if k not in ("item", "submissions", "codes")}
    if viewer == "host" or (viewer == "screen" and (snapshot.get("contest") or {}).get("status") == "draft"):
        state["codes"] = snapshot.get("codes") or {}  # the projector shows the join codes before the start
    item = snapshot.get("item")
    revealed = snapshot.get("phase") == "revealed"
    if item is not None:
        item = dict(item)
        if viewer != "host" and not revealed:
            for key in _HOST_ONLY:
                item.pop(key, None)
        if viewer != "host" and snapshot.get("phase") == "ready":
            # Not yet shown: the screen and pads learn only which round and whose turn.
            for key in ("stem", "options", "type"):
                item.pop(key, None)
        state["item"] = item
    submissions = snapshot.get("submissions") or {}
    if viewer == "host":
        state["submissions"] = submissions
    elif viewer == "pad":
        state["team_id"] = team_id
        state["mine"] = submissions.get(team_id) or submissions.get(str(team_id)) or {}
        if not revealed:
            state["mine"] = {k: v for k, v in state["mine"].items() if k != "correct"}
    elif revealed:
        state["submissions"] = {t: {k: v for k, v in s.items() if k in ("choice", "stake")}
                                for t, s in submissions.items()}
    else:  # before the reveal the screen shows a stake (the hall sees what is at risk) and 已提交, never a choice
        state["submissions"] = {t: {"stake": s.get("stake"), "submitted": bool(s.get("choice"))}
                                for t, s in submissions.items()}
    state["viewer"] = viewer
    return state
