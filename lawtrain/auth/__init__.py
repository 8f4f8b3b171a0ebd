"""Accounts, roles, sign-in, sessions, throttling, the access policy and the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Wire the area into the app: its blueprints."""
    from lawtrain.auth import views

    app.register_blueprint(views.bp)
