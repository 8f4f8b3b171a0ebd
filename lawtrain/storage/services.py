"""Keep, load and forget stored files. A file answers only to its kind, its owner and before it expires."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lawtrain.storage.models import StoredFile

PENDING_TTL = timedelta(hours=1)
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass(frozen=True)
class Kept:
    """A stored file as its reader sees it."""

    token: str
    data: bytes
    meta: dict


def _insert(session: Session, kind: str, token: str, data: bytes, meta: dict | None, *,
            owner_id: int | None, now: datetime, ttl: timedelta | None) -> None:
    session.add(StoredFile(kind=kind, token=token, owner_id=owner_id, created_at=now,
                           expires_at=None if ttl is None else now + ttl,
                           meta=json.dumps(meta or {}, ensure_ascii=False), data=data))


def keep(session: Session, kind: str, data: bytes, meta: dict | None = None, *, owner_id: int | None,
         now: datetime, ttl: timedelta | None = PENDING_TTL) -> str:
    """Store a file for a later request (on any app server); returns its unguessable token. Expired files
    of every kind are swept in the same transaction (initial passwords must not linger)."""
    sweep(session, now)
    token = secrets.token_urlsafe(32)
    _insert(session, kind, token, data, meta, owner_id=owner_id, now=now, ttl=ttl)
    session.commit()
    return token


def load(session: Session, kind: str, token: str | None, *, owner_id: int | None, now: datetime) -> Kept | None:
    """The file behind a token, or None (malformed, unknown, another kind or owner's, or expired)."""
    if not token or not _TOKEN_RE.match(token):
        return None
    row = session.scalar(select(StoredFile).where(StoredFile.token == token, StoredFile.kind == kind))
    if row is None or row.owner_id != owner_id or (row.expires_at is not None and row.expires_at <= now):
        return None
    return Kept(token=row.token, data=row.data, meta=json.loads(row.meta or "{}"))


def forget(session: Session, kind: str, token: str) -> None:
    """Delete a file inside the caller's transaction (the caller commits, with the work the file was for)."""
    session.execute(delete(StoredFile).where(StoredFile.token == token, StoredFile.kind == kind))


def discard(session: Session, kind: str, token: str) -> None:
    """Delete a file now (a user abandoned the flow it was kept for)."""
    forget(session, kind, token)
    session.commit()


def replace_pending(session: Session, kind: str, token: str, new_kind: str, data: bytes, meta: dict | None, *,
                    owner_id: int | None, now: datetime, ttl: timedelta | None = PENDING_TTL) -> None:
    """Swap a file for its successor under the same token, inside the caller's transaction."""
    forget(session, kind, token)
    session.flush()
    _insert(session, new_kind, token, data, meta, owner_id=owner_id, now=now, ttl=ttl)


def sweep(session: Session, now: datetime) -> int:
    """Delete expired files, inside the caller's transaction; returns how many."""
    result = session.execute(delete(StoredFile).where(StoredFile.expires_at.is_not(None),
                                                      StoredFile.expires_at <= now))
    return result.rowcount or 0


def purge_expired(session: Session, now: datetime) -> int:
    """Delete expired files now (the cron job: initial passwords do not wait for the next upload)."""
    count = sweep(session, now)
    session.commit()
    return count


# ------------------------------------------------------------------ named, permanent files (the seal)


def named_token(kind: str) -> str:
    """The fixed token of a one-of-a-kind file ("seal" -> "named-seal-000000000000")."""
    return f"named-{kind}".ljust(24, "0")


def load_named(session: Session, kind: str) -> bytes | None:
    return session.scalar(select(StoredFile.data).where(StoredFile.token == named_token(kind),
                                                        StoredFile.kind == kind))


def put_named(session: Session, kind: str, data: bytes, *, now: datetime) -> None:
    """Replace the one file of this kind, inside the caller's transaction."""
    forget(session, kind, named_token(kind))
    session.flush()
    _insert(session, kind, named_token(kind), data, None, owner_id=None, now=now, ttl=None)
