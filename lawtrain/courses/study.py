"""Study use cases: heartbeats credit study time (one clock per person), module checks complete modules."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lawtrain import signals
from lawtrain.auth.models import User
from lawtrain.courses import clock
from lawtrain.courses.assignments import assignment_module_ids, assignments_for_user
from lawtrain.courses.models import (
    STUDY_CHANNELS,
    CourseModule,
    StudyRecord,
    StudyTimeEntry,
)
from lawtrain.timeutil import local_date

HEARTBEAT_MIN_INTERVAL = 10  # seconds: faster heartbeats credit nothing
HEARTBEAT_MAX_CREDIT = 20  # seconds credited per heartbeat at most
# Beats come every 15 s while the page is visible and the reader active; a longer silence means the page was
# hidden or the reader away, so the beat after it only restarts the clock.
HEARTBEAT_MAX_GAP = 45


def add_study_time(session: Session, user_id: int, law_short_name: str, channel: str, seconds: int,
                   now: datetime) -> None:
    """Add seconds to the ledger row of (person, law, channel, Shanghai day). No commit: the caller commits."""
    if channel not in STUDY_CHANNELS:
        raise ValueError(f"unknown study channel: {channel}")
    seconds = int(seconds)
    if seconds <= 0:
        return
    day = local_date(now)
    entry = session.scalar(select(StudyTimeEntry).where(
        StudyTimeEntry.user_id == user_id, StudyTimeEntry.law_name == law_short_name,
        StudyTimeEntry.channel == channel, StudyTimeEntry.day == day))
    if entry is None:
        session.add(StudyTimeEntry(user_id=user_id, law_name=law_short_name, channel=channel, day=day,
                                   seconds=seconds))
    else:
        entry.seconds += seconds


def study_record(session: Session, user: User, module: CourseModule, now: datetime) -> StudyRecord:
    """The person's record for the module, added (not committed) when missing."""
    record = session.scalar(select(StudyRecord).where(StudyRecord.user_id == user.id,
                                                      StudyRecord.module_id == module.id))
    if record is None:
        record = StudyRecord(user_id=user.id, module_id=module.id, seconds=0, started_at=now, check_attempts=0)
        record.module = module
        session.add(record)
    return record


def _maybe_complete(session: Session, record: StudyRecord, module: CourseModule, now: datetime) -> None:
    """Complete the module once both its check is passed and its study time reached; tell the listeners."""
    if (record.completed_at is None and record.check_passed_at is not None
            and record.seconds >= module.min_study_minutes * 60):
        record.completed_at = now
        session.flush()
        signals.module_completed.send(None, session=session, user_id=record.user_id, module_id=module.id, now=now)


def can_credit(session: Session, user: User, module: CourseModule) -> bool:
    """Study time counts on open modules and on modules one of the person's assignments covers."""
    if module.is_open:
        return True
    return any(module.id in assignment_module_ids(session, a) for a in assignments_for_user(session, user))


@dataclass(frozen=True)
class HeartbeatResult:
    credited: int
    seconds: int
    required: int
    complete: bool
    status: str  # started | credited | too_fast | complete | not_assigned


def record_heartbeat(session: Session, user: User, module: CourseModule, *, now: datetime) -> HeartbeatResult:
    """Credit reading time measured on the server: min(elapsed since the last heartbeat, 20 s); nothing when
    heartbeats come faster than every 10 s or after a silence over 45 s (hidden or away: the clock restarts),
    when the module is complete, or when it is not the person's."""
    required = module.min_study_minutes * 60
    if not can_credit(session, user, module):
        record = session.scalar(select(StudyRecord).where(StudyRecord.user_id == user.id,
                                                          StudyRecord.module_id == module.id))
        return HeartbeatResult(0, record.seconds if record else 0, required, False, "not_assigned")
    study_clock = clock.lock_clock(session, user.id)  # first: simultaneous heartbeats queue here
    record = session.scalar(select(StudyRecord).where(StudyRecord.user_id == user.id,
                                                      StudyRecord.module_id == module.id)
                            .execution_options(populate_existing=True)) or study_record(session, user, module, now)
    if record.completed_at is not None:
        return HeartbeatResult(0, record.seconds, required, True, "complete")
    last = record.last_heartbeat_at
    if last is not None and (now - last) < timedelta(seconds=HEARTBEAT_MIN_INTERVAL):
        return HeartbeatResult(0, record.seconds, required, False, "too_fast")
    gap = None if last is None else (now - last).total_seconds()
    credit = 0 if gap is None or gap > HEARTBEAT_MAX_GAP else int(min(gap, HEARTBEAT_MAX_CREDIT))
    # Per person, not per page: seconds another page has already been credited for are not counted again.
    credit = clock.reading_seconds(study_clock, credit, now)
    record.last_heartbeat_at = now
    record.seconds += credit
    add_study_time(session, user.id, module.law_name, "reading", credit, now)
    _maybe_complete(session, record, module, now)
    session.commit()
    return HeartbeatResult(credit, record.seconds, required, record.completed_at is not None,
                           "credited" if credit else "started")


def record_module_check(session: Session, user: User, module: CourseModule, *, passed: bool, score: float,
                        now: datetime) -> StudyRecord:
    """Store an end-of-module check result; the module completes once the study time is also reached (never
    commits: the module check use case, exams.practice.grade_module_check, does)."""
    record = study_record(session, user, module, now)
    record.check_attempts = (record.check_attempts or 0) + 1
    record.check_best_score = max(score, record.check_best_score or 0.0)
    if passed and record.check_passed_at is None:
        record.check_passed_at = now
    _maybe_complete(session, record, module, now)
    return record


def module_check_pool(session: Session, module: CourseModule) -> tuple[list[str], str, list[int]]:
    """Where the end-of-module check draws from: bank names, the law's short name, the cited articles."""
    return list(module.bank_names or []), module.law_name, list(module.articles or [])


def required_minutes_left(record: StudyRecord | None, module: CourseModule) -> int:
    seconds = record.seconds if record else 0
    return max(0, math.ceil((module.min_study_minutes * 60 - seconds) / 60))
