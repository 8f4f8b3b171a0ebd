"""One place for time: store naive UTC, show Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

LOCAL_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


def utcnow() -> datetime:
    """The current time as naive UTC (the form stored in the database)."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_local(dt: datetime | None) -> datetime | None:
    """Naive UTC -> aware Asia/Shanghai."""
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC).astimezone(LOCAL_TZ)


def from_local(dt: datetime) -> datetime:
    """A naive Asia/Shanghai wall-clock time (e.g. from a form) -> naive UTC."""
    return dt.replace(tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


def format_local(dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Render a stored UTC time the way people read it: 2025-01-16 09:30."""
    local = to_local(dt)
    return local.strftime(fmt) if local else ""


def iso_utc(dt: datetime | None) -> str | None:
    """ISO 8601 with an explicit UTC offset, for the JSON API."""
    return dt.replace(tzinfo=UTC).isoformat() if dt else None


def local_date(dt: datetime) -> date:
    """The Asia/Shanghai calendar date of a naive UTC instant (study days, due dates, certificates)."""
    return to_local(dt).date()
