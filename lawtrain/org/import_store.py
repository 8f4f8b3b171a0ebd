"""Pending bulk imports kept on disk between preview and confirm, and their results until downloaded.

Each import gets an unguessable token (32 random bytes) and a JSON file readable only by the server
process; a file answers only to the admin who uploaded it and only for `TTL`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lawtrain.org.staff_import import StaffRow

TTL = timedelta(hours=1)
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{40,64}$")


class ImportStore:
    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)

    def _path(self, token: str, kind: str) -> Path | None:
        if not _TOKEN_RE.match(token or ""):
            return None
        return self.directory / f"{token}.{kind}.json"

    def _write(self, path: Path, payload: dict) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, ensure_ascii=False)
        os.replace(tmp, path)

    def _read(self, token: str, kind: str, user_id: int, now: datetime) -> dict | None:
        path = self._path(token, kind)
        if path is None or not path.is_file():
            return None
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if payload.get("user_id") != user_id or now - datetime.fromisoformat(payload["saved_at"]) > TTL:
            return None
        return payload

    def save_pending(self, rows: list[StaffRow], *, filename: str, create_missing_departments: bool,
                     user_id: int, now: datetime) -> str:
        """Keep parsed rows for the confirm step; returns the token."""
        self.sweep(now)
        token = secrets.token_urlsafe(32)
        self._write(self._path(token, "pending"), {
            "user_id": user_id, "saved_at": now.isoformat(), "filename": filename,
            "create_missing_departments": create_missing_departments, "rows": [asdict(r) for r in rows],
        })
        return token

    def load_pending(self, token: str, *, user_id: int, now: datetime) -> dict | None:
        payload = self._read(token, "pending", user_id, now)
        if payload is not None:
            payload["rows"] = [StaffRow(**{**r, "roles": tuple(r["roles"])}) for r in payload["rows"]]
        return payload

    def save_result(self, token: str, accounts: list[dict], *, user_id: int, now: datetime) -> None:
        """Replace the pending rows by the created accounts (with initial passwords) for the result page."""
        self._write(self._path(token, "result"),
                    {"user_id": user_id, "saved_at": now.isoformat(), "accounts": accounts})
        self.discard(token, "pending")

    def load_result(self, token: str, *, user_id: int, now: datetime) -> list[dict] | None:
        payload = self._read(token, "result", user_id, now)
        return None if payload is None else payload["accounts"]

    def discard(self, token: str, kind: str | None = None) -> None:
        for k in (kind,) if kind else ("pending", "result"):
            path = self._path(token, k)
            if path is not None:
                path.unlink(missing_ok=True)

    def sweep(self, now: datetime) -> None:
        """Delete files older than TTL (initial passwords must not linger on disk)."""
        if not self.directory.is_dir():
            return
        cutoff = (now - TTL).replace(tzinfo=UTC).timestamp()
        for path in self.directory.glob("*.json"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
            except OSError:
                continue
