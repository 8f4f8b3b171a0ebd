"""Certificates: issue rules, PDF, verification."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Wire the area into the app: its blueprints, CLI commands, demo seeder, event listeners."""
    from lawtrain import signals
    from lawtrain.certificates import audit_labels, cli, demo, services, views
    from lawtrain.demo import add_seeder

    app.register_blueprint(views.bp)
    cli.add_commands(app)
    add_seeder(app, demo.seed_demo)
    signals.attempt_graded.connect(services.on_attempt_graded)
    signals.results_released.connect(services.on_results_released)
    signals.module_completed.connect(services.on_module_completed)
    signals.assignment_created.connect(services.on_assignment_created)
    audit_labels.describe()  # how its audit entries read on the log page
