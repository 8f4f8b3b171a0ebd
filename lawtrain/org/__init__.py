"""Departments (a tree) and staff administration."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Wire the area into the app: its blueprints, CLI commands, demo seeder."""
    from lawtrain.demo import add_seeder
    from lawtrain.org import cli, demo, views

    app.register_blueprint(views.bp)
    cli.add_commands(app)
    add_seeder(app, demo.seed_demo)
