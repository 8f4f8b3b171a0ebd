"""Contests: online contests (online_*) and live team contests (live_*)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Wire the area into the app: each half registers its own blueprints, CLI commands and demo seeder."""
    from lawtrain.contests import live

    live.register(app)
