"""Exams: scheduling, per-person papers, timed delivery, scoring, review and practice."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Wire the area into the app: its blueprints, CLI commands, demo seeder, event listeners."""
    from lawtrain import signals
    from lawtrain.demo import add_seeder
    from lawtrain.exams import api, cli, demo, grading, manage_views, views  # noqa: F401 (manage_views: routes)
    from lawtrain.exams import audit_labels as audit_labels

    app.register_blueprint(views.bp)  # with manage_views' routes (the trainers' pages) on it
    app.register_blueprint(api.bp)
    cli.add_commands(app)
    add_seeder(app, demo.seed_demo)
    signals.answer_key_corrected.connect(grading.follow_key_correction)
    signals.version_usage.connect(grading.on_version_usage)
    audit_labels.describe()  # how its audit entries read on the log page
