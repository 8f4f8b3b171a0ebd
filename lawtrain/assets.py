"""Version-stamped static URLs: url_for("static", filename=f) gives /static/f?v=<hash of the file's bytes>,
so nginx may let browsers cache static files for a year and an upgrade is never served stale JS or CSS
(a changed file has a new URL). Files a stylesheet names relatively (fonts) carry no stamp and are
revalidated instead (deploy/nginx.conf)."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import Flask
from werkzeug.security import safe_join


@lru_cache(maxsize=1024)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    """Ten hex digits of the file's SHA-256 (keyed on mtime and size, so an edited file is hashed again)."""
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:10]


def stamp(static_folder: str, filename: str) -> str | None:
    path = safe_join(static_folder, filename)
    try:
        st = os.stat(path) if path else None
    except OSError:
        return None
    return _digest(path, st.st_mtime_ns, st.st_size) if st else None


def init_app(app: Flask) -> None:
    @app.url_defaults
    def _static_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and app.static_folder:
            version = stamp(app.static_folder, values.get("filename") or "")
            if version:
                values["v"] = version
