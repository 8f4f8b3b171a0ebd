"""The wrong-answer book: a question answered wrongly goes (back) in; right answers on two days take it out.

Helpers of the exam and practice use cases: they never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, insert, select, update
from sqlalchemy.orm import Session

from lawtrain.exams.models import WrongBookEntry, WrongBookSource
from lawtrain.timeutil import local_date


def record_wrong(session: Session, user_id: int, question_id: int, now: datetime, *,
                 source: WrongBookSource) -> WrongBookEntry:
    """Put (back) a question into a person's wrong-answer book."""
    record_wrong_many(session, user_id, [question_id], now, source=source)
    return session.scalar(select(WrongBookEntry).where(WrongBookEntry.user_id == user_id,
                                                       WrongBookEntry.question_id == question_id))


def record_wrong_many(session: Session, user_id: int, question_ids: Sequence[int], now: datetime, *,
                      source: WrongBookSource) -> None:
    """Put (back) several questions into a person's book: one statement for the entries already there and one
    for the new ones, whatever the count (a failed exam has dozens)."""
    if not question_ids:
        return
    ids = list(dict.fromkeys(question_ids))
    mine = and_(WrongBookEntry.user_id == user_id, WrongBookEntry.question_id.in_(ids))
    present = set(session.scalars(select(WrongBookEntry.question_id).where(mine)))
    if present:
        session.execute(update(WrongBookEntry).where(mine).values(
            wrong_count=WrongBookEntry.wrong_count + 1, last_wrong_at=now, correct_days=[], cleared_at=None,
        ).execution_options(synchronize_session="fetch"))
    new = [dict(user_id=user_id, question_id=q, source=source, wrong_count=1, last_wrong_at=now, correct_days=[])
           for q in ids if q not in present]
    if new:
        session.execute(insert(WrongBookEntry), new)


def record_right(session: Session, user_id: int, question_id: int, now: datetime) -> WrongBookEntry | None:
    """A correct answer to a question in the book; the second distinct local day clears it."""
    entry = session.scalar(select(WrongBookEntry).where(WrongBookEntry.user_id == user_id,
                                                        WrongBookEntry.question_id == question_id,
                                                        WrongBookEntry.cleared_at.is_(None)))
    if entry is None:
        return None
    days = sorted(set(entry.correct_days or []) | {local_date(now).isoformat()})
    entry.correct_days = days
    if len(days) >= 2:
        entry.cleared_at = now
    return entry
