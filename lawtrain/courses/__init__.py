"""Laws, articles, course modules, study records and the training gate."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Wire the area into the app: its blueprints, CLI commands, demo seeder."""
    from lawtrain.courses import audit_labels, cli, demo, views
    from lawtrain.demo import add_seeder

    app.register_blueprint(views.bp)
    cli.add_commands(app)
    add_seeder(app, demo.seed_demo, ships_content=True)
    audit_labels.describe()  # how its audit entries read on the log page
