"""Reports: dashboard, completion, item analysis, weak articles, exports."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Wire the area into the app: its blueprints."""
    from lawtrain.reports import views

    app.register_blueprint(views.bp)
