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
_CONTENT = "lawtrain.content_seeders"  # the subset that loads the shipped content (`flask load-content`)


@dataclass
class DemoContext:
    password: str
    now: datetime
    rng: random.Random
    laws_dir: Path | None
    banks_dir: Path = REPO_ROOT / "question_banks"
    content_only: bool = False  # seeders add no demo accounts, assignments, exams or progress
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # (login, name, role label)
    notes: list[str] = field(default_factory=list)


SHIPPED_LAWS_DIR = REPO_ROOT / "question_banks" / "laws"


def default_laws_dir(configured: str | None) -> Path | None:
    """The configured folder of official law texts (LAWTRAIN_LAWS_DIR), else the library shipped in the repo."""
    for candidate in (configured, SHIPPED_LAWS_DIR):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


def add_seeder(app: Flask, seeder: Callable[[Session, DemoContext], None], *, ships_content: bool = False) -> None:
    """An area's register(app) adds its demo seeder; seeders run in the order the areas register. A seeder that
    loads shipped content (laws, modules, banks) also runs for `flask load-content`, with ctx.content_only set."""
    app.extensions.setdefault(_SEEDERS, []).append(seeder)
    if ships_content:
        app.extensions.setdefault(_CONTENT, []).append(seeder)


def seed_demo(session: Session, ctx: DemoContext) -> DemoContext:
    """Run every area's seeder (in the current app)."""
    return _run_seeders(session, ctx, current_app.extensions.get(_SEEDERS, []))


def seed_content(session: Session, ctx: DemoContext) -> DemoContext:
    """Load the content the platform ships (laws, modules, banks) into a real bureau's database."""
    ctx.content_only = True
    return _run_seeders(session, ctx, current_app.extensions.get(_CONTENT, []))


def _run_seeders(session: Session, ctx: DemoContext, seeders: list) -> DemoContext:
    """Run seeders in order. On SQLite the many small commits skip fsync (the content is rebuilt on demand
    from the shipped files); the durable setting is restored afterwards."""
    session.commit()
    token = sqlite_bulk_load.set(True)
    try:
        for seeder in seeders:
            seeder(session, ctx)
    finally:
        session.commit()
        sqlite_bulk_load.reset(token)
    return ctx
