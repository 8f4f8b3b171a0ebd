"""The append-only audit log of security-relevant and administrative events."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lawtrain.extensions import db
from lawtrain.i18n import translate
from lawtrain.timeutil import utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_name: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)


def record(
    session: Session,
    action: str,
    *,
    actor=None,
    target_type: str | None = None,
    target_id: object = None,
    ip: str | None = None,
    now: datetime | None = None,
    **detail: object,
) -> AuditEvent:
    """Add an audit event to the caller's transaction (the caller commits)."""
    event = AuditEvent(
        at=now or utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", None),
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        ip=ip,
        detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
    )
    session.add(event)
    return event


def audit_query(action: str | None = None, actor: str | None = None, since: datetime | None = None):
    """Filtered audit events, newest first, as a Select for pagination."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if actor:
        stmt = stmt.where(AuditEvent.actor_name == actor)
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    return stmt


# ---------------------------------------------------------------- how the log page words events
# Each area describes its own actions, targets and detail fields (no area below knows one above): the page shows
# labels and names, never an action key, "question 402" or JSON.

ACTION_LABELS: dict[str, object] = {}
DETAIL_LABELS: dict[str, object] = {}
FORMATTERS: dict[str, Callable[[object], str]] = {}
TARGET_KINDS: dict[str, tuple[object, Callable[[Session, list[int]], dict[int, str]] | None]] = {}


def describe(*, actions: dict | None = None, details: dict | None = None, targets: dict | None = None,
             formatters: dict | None = None) -> None:
    """Register how events read: actions {key: label}, detail fields {name: label}, targets {target_type:
    (label, namer(session, ids) -> {id: name})}, formatters {detail name: value -> text}."""
    ACTION_LABELS.update(actions or {})
    DETAIL_LABELS.update(details or {})
    TARGET_KINDS.update(targets or {})
    FORMATTERS.update(formatters or {})


def target_names(session: Session, events) -> dict[tuple[str, str], str]:
    """(target_type, target_id) -> the target's name (an exam's title, a person's name), one query per kind."""
    wanted: dict[str, set[int]] = {}
    for e in events:
        if e.target_type in TARGET_KINDS and e.target_id and e.target_id.isdigit():
            wanted.setdefault(e.target_type, set()).add(int(e.target_id))
    out: dict[tuple[str, str], str] = {}
    for kind, ids in wanted.items():
        namer = TARGET_KINDS[kind][1]
        if namer is not None:
            out.update({(kind, str(i)): name for i, name in namer(session, sorted(ids)).items()})
    return out


def value_text(value: object) -> str:
    """A detail value as people read it: lists joined, nested records counted, no JSON."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return translate("是") if value else translate("否")
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, dict):
        return "；".join(f"{DETAIL_LABELS.get(k, k)}：{value_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            return translate("%(n)s 条", n=len(value))
        return "、".join(value_text(v) for v in value)
    return str(value)


def change_text(inner: Callable[[object], str] = value_text) -> Callable[[object], str]:
    """A formatter for a [before, after] pair: "before → after"."""
    def fmt(value: object) -> str:
        if isinstance(value, list) and len(value) == 2:
            return f"{inner(value[0])} → {inner(value[1])}"
        return inner(value)
    return fmt


def detail_fields(detail: str | dict | None) -> list[tuple[str, str]]:
    """An event's details as (label, value) fields, in the order recorded."""
    if not detail:
        return []
    if isinstance(detail, str):
        try:
            detail = json.loads(detail)
        except ValueError:
            return [(translate("详情"), detail)]
    if not isinstance(detail, dict):
        return [(translate("详情"), value_text(detail))]
    return [(str(DETAIL_LABELS.get(k, k)), FORMATTERS.get(k, value_text)(v)) for k, v in detail.items()]
