"""Exam time rules (pure): deadlines, remaining seconds, the save grace, window states."""

from __future__ import annotations

from datetime import datetime, timedelta

DEFAULT_GRACE_SECONDS = 60


def deadline_for(
    started_at: datetime, duration_minutes: int, closes_at: datetime | None, extra_minutes: int = 0
) -> datetime:
    """Deadline = min(start + duration + extra time, window close)."""
    deadline = started_at + timedelta(minutes=duration_minutes + (extra_minutes or 0))
    if closes_at is not None and closes_at < deadline:
        deadline = closes_at
    return deadline


def remaining_seconds(deadline: datetime, now: datetime) -> int:
    """Whole seconds left before the deadline (never negative)."""
    return max(0, int((deadline - now).total_seconds()))


def accepts_save(deadline: datetime, now: datetime, grace_seconds: int = DEFAULT_GRACE_SECONDS) -> bool:
    """Saves in flight are accepted until the deadline plus a short grace."""
    return now <= deadline + timedelta(seconds=grace_seconds)


def is_overdue(deadline: datetime, now: datetime, grace_seconds: int = DEFAULT_GRACE_SECONDS) -> bool:
    """An attempt is closed by the server once deadline + grace has passed."""
    return not accepts_save(deadline, now, grace_seconds)


def overdue_cutoff(now: datetime, grace_seconds: int = DEFAULT_GRACE_SECONDS) -> datetime:
    """Attempts with a deadline before this instant are overdue."""
    return now - timedelta(seconds=grace_seconds)


def window_state(opens_at: datetime | None, closes_at: datetime | None, now: datetime) -> str:
    """'upcoming', 'open' or 'closed' for an exam window (None = unbounded on that side)."""
    if opens_at is not None and now < opens_at:
        return "upcoming"
    if closes_at is not None and now >= closes_at:
        return "closed"
    return "open"


def exam_phase(status: str, opens_at: datetime | None, closes_at: datetime | None, now: datetime) -> str:
    """How an exam stands for its trainers: 'draft', 'archived', or for a published one its window's
    'upcoming' / 'open' / 'closed' (草稿 / 已归档 / 未开始 / 进行中 / 已结束)."""
    if status in ("draft", "archived"):
        return status
    return window_state(opens_at, closes_at, now)
