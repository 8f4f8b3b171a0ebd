"""Contests: online knowledge contests (online_*) and live team contests (live_*), built on the exam engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register(app: Flask) -> None:
    """Wire each half of the area into the app."""
    from lawtrain.contests import audit_labels, live, online_register

    online_register.register(app)
    live.register(app)
    audit_labels.describe()  # how its audit entries read on the log page
