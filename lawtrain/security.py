"""Security headers on every response; integer URL ids bounded to the database's integer range."""

from __future__ import annotations

from flask import Flask, Response
from werkzeug.routing import IntegerConverter

# PostgreSQL INTEGER (and every id column) tops out here; a larger id in a URL can name nothing.
MAX_DB_INT = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` that does not match ids beyond MAX_DB_INT: 404, instead of an overflow in the database driver."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", MAX_DB_INT)
        super().__init__(map, *args, **kwargs)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntegerConverter  # before the blueprints add their rules

    @app.after_request
    def _headers(response: Response) -> Response:
        h = response.headers
        h.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if response.mimetype == "text/html" or response.mimetype == "application/json":
            h.setdefault("Cache-Control", "no-store")
        if "attachment" in h.get("Content-Disposition", ""):
            # exports and downloads carry keys or personal data: no browser or proxy may keep a copy
            # (send_file's own "no-cache" still lets a browser store it)
            h["Cache-Control"] = "private, no-store"
        return response
