"""Home pages per role, language switch and health check."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Wire the area into the app: its blueprints."""
    from lawtrain.main import views

    app.register_blueprint(views.bp)
