"""Registration of the live-contest half of the contests area."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    from lawtrain.contests import live_demo, live_play, live_views  # noqa: F401 (live_play adds its routes)
    from lawtrain.demo import add_seeder

    app.register_blueprint(live_views.bp)
    add_seeder(app, live_demo.seed_demo)
