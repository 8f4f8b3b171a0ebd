"""Demo data: each area seeds its own part, in dependency order, idempotently."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy.orm import Session

from lawtrain.sqlite_writes import sqlite_bulk_load

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEMO_PASSWORD = "lawtrain2025"

_SEEDERS = "lawtrain.demo_seeders"  # app.extensions key: the areas' seeders, in registration order


@dataclass
class DemoContext:
    password: str
    now: datetime
    rng: random.Random
    laws_dir: Path | None
    banks_dir: Path = REPO_ROOT / "question_banks"
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # (login, name, role label)
    notes: list[str] = field(default_factory=list)


def default_laws_dir(configured: str | None) -> Path | None:
    """The configured folder of official law texts, else ../shared/laws beside the checkout."""
    for candidate in (configured, REPO_ROOT.parent / "shared" / "laws"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


def add_seeder(app: Flask, seeder: Callable[[Session, DemoContext], None]) -> None:
    """An area's register(app) adds its demo seeder; seeders run in the order the areas register."""
    app.extensions.setdefault(_SEEDERS, []).append(seeder)


def seed_demo(session: Session, ctx: DemoContext) -> DemoContext:
    """Run every area's seeder (in the current app). On SQLite the demo's many small commits skip fsync (it is
    sample data, rebuilt on demand); the durable setting is restored afterwards."""
    session.commit()
    token = sqlite_bulk_load.set(True)
    try:
        for seeder in current_app.extensions.get(_SEEDERS, []):
            seeder(session, ctx)
    finally:
        session.commit()
        sqlite_bulk_load.reset(token)
    return ctx
