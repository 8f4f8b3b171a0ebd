"""Pending bulk imports kept between preview and confirm, and their results until downloaded.

They live in the database (lawtrain.storage), so the confirm may reach any app server. Each import gets an
unguessable token; it answers only to the admin who uploaded it and only for an hour (initial passwords in
a result are swept with every expired file).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime

from sqlalchemy.orm import Session

from lawtrain.org.staff_import import StaffRow
from lawtrain.storage import services as storage

PENDING, RESULT = "staff_import", "staff_import_result"


def _json(payload) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


class ImportStore:
    def __init__(self, session: Session):
        self.session = session

    def save_pending(self, rows: list[StaffRow], *, filename: str, create_missing_departments: bool,
                     user_id: int, now: datetime) -> str:
        """Keep parsed rows for the confirm step; returns the token."""
        return storage.keep(self.session, PENDING, _json([asdict(r) for r in rows]),
                            {"filename": filename, "create_missing_departments": create_missing_departments},
                            owner_id=user_id, now=now)

    def load_pending(self, token: str, *, user_id: int, now: datetime) -> dict | None:
        kept = storage.load(self.session, PENDING, token, owner_id=user_id, now=now)
        if kept is None:
            return None
        rows = [StaffRow(**{**r, "roles": tuple(r["roles"])}) for r in json.loads(kept.data)]
        return {**kept.meta, "rows": rows}

    def save_result(self, token: str, accounts: list[dict], *, user_id: int, now: datetime) -> None:
        """Replace the pending rows by the created accounts (with initial passwords) for the result page."""
        storage.replace_pending(self.session, PENDING, token, RESULT, _json(accounts), None,
                                owner_id=user_id, now=now)
        self.session.commit()

    def load_result(self, token: str, *, user_id: int, now: datetime) -> list[dict] | None:
        kept = storage.load(self.session, RESULT, token, owner_id=user_id, now=now)
        return None if kept is None else json.loads(kept.data)

    def discard(self, token: str) -> None:
        storage.forget(self.session, PENDING, token)
        storage.discard(self.session, RESULT, token)
