"""The areas of the application, in dependency order: the one list a new area is added to.

Each area is a package `lawtrain.<area>` with a `register(app)` (blueprints, CLI commands, demo seeder,
event listeners); its tables live in `models.py` (and, for auth, `audit.py`).
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

AREAS = ("main", "auth", "storage", "settings", "org", "courses", "banks", "exams", "certificates", "contests",
         "reports")
_MODEL_MODULES = ("models", "audit")
_PACKAGE = Path(__file__).resolve().parent


def import_models() -> None:
    """Import every area's model modules, so that the metadata (and Alembic) sees all tables."""
    for area in AREAS:
        for name in _MODEL_MODULES:
            if (_PACKAGE / area / f"{name}.py").is_file():
                import_module(f"lawtrain.{area}.{name}")


def register_all(app) -> None:
    """Call every area's register(app), lower areas first (their listeners are then connected before use)."""
    for area in AREAS:
        import_module(f"lawtrain.{area}").register(app)
