"""The attempt event log (started, saved, submitted, regraded…): one INSERT per event, no ORM load."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from lawtrain.exams.models import AttemptEvent

_EVENT_INSERT = insert(AttemptEvent.__table__)  # Core, built once: the parameters are one row's values


def add_event(session: Session | Connection, attempt_id: int, kind: str, now: datetime, **detail: Any) -> None:
    """Append to an attempt's event log (never commits)."""
    session.execute(_EVENT_INSERT, {"attempt_id": attempt_id, "at": now, "kind": kind, "detail": detail})
