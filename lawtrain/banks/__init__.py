"""Question banks: authoring, import from every format, export."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Wire the area into the app: its blueprints, CLI commands, demo seeder, event listeners."""
    from lawtrain import signals
    from lawtrain.banks import audit_labels, cli, demo, services, views
    from lawtrain.demo import add_seeder

    app.register_blueprint(views.bp)
    cli.add_commands(app)
    add_seeder(app, demo.seed_demo, ships_content=True)
    signals.law_revised.connect(services.flag_questions_for_revision)
    audit_labels.describe()  # how its audit entries read on the log page
