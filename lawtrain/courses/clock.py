"""The per-person study clock: study credit is wall-clock time, whatever the number of pages or requests.

Every heartbeat (on any module) and every practice answer first locks the person's StudyClock row; the
seconds it may credit are those after the clock's mark, which it then moves to now. Nine module pages
heartbeating at once therefore share the same seconds (the most recent page gets them), and two
simultaneous requests cannot both be credited: the second waits for the first's lock and finds the mark
moved. PostgreSQL: SELECT ... FOR UPDATE; SQLite: write transactions are serialised (BEGIN IMMEDIATE).
Helpers of the study services: they never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lawtrain.courses.models import StudyClock


def lock_clock(session: Session, user_id: int) -> StudyClock:
    """The person's clock row, created when missing, locked until the transaction ends."""
    stmt = (select(StudyClock).where(StudyClock.user_id == user_id).with_for_update()
            .execution_options(populate_existing=True))
    clock = session.scalar(stmt)
    if clock is None:
        dialect = session.get_bind().dialect.name
        make = pg_insert if dialect == "postgresql" else sqlite_insert if dialect == "sqlite" else None
        if make is None:  # pragma: no cover - the project runs on SQLite and PostgreSQL only
            session.add(StudyClock(user_id=user_id))
            session.flush()
        else:  # two first requests at once: one inserts, the other waits on it and then locks the same row
            session.execute(make(StudyClock).values(user_id=user_id).on_conflict_do_nothing())
        clock = session.scalar(stmt)
    return clock


def reading_seconds(clock: StudyClock, credit: int, now: datetime) -> int:
    """Of `credit` seconds a page claims up to `now`, those the person's wall-clock has not credited yet;
    moves the clock's reading mark to now."""
    if clock.reading_until is not None:
        credit = min(credit, max(0, int((now - clock.reading_until).total_seconds())))
    if clock.reading_until is None or now > clock.reading_until:
        clock.reading_until = now
    return max(0, int(credit))


def practice_gap(clock: StudyClock, now: datetime) -> float | None:
    """Seconds since the person's previous credited practice answer (None: the first); moves the mark to now."""
    previous = clock.practice_at
    if previous is None or now > previous:
        clock.practice_at = now
    return None if previous is None else max(0.0, (now - previous).total_seconds())
