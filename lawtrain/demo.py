"""Demo data: each area seeds its own part, in dependency order, idempotently."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module
from pathlib import Path

from sqlalchemy.orm import Session

from lawtrain.extensions import sqlite_bulk_load

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEMO_PASSWORD = "lawtrain2025"

# Areas seed in this order (each module defines seed_demo(session, ctx)).
DEMO_SEEDERS = (
    "lawtrain.org.demo",
    "lawtrain.courses.demo",
    "lawtrain.banks.demo",
    "lawtrain.exams.demo",
    "lawtrain.certificates.demo",
)
# The shipped content alone (`flask load-content`, for LAWTRAIN_DEMO=0): law texts, course modules, banks.
CONTENT_SEEDERS = ("lawtrain.courses.demo", "lawtrain.banks.demo")


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


def seed_demo(session: Session, ctx: DemoContext) -> DemoContext:
    """Run every area's seeder."""
    return _run_seeders(session, ctx, DEMO_SEEDERS)


def seed_content(session: Session, ctx: DemoContext) -> DemoContext:
    """Load the content the platform ships (laws, modules, banks) into a real bureau's database."""
    ctx.content_only = True
    return _run_seeders(session, ctx, CONTENT_SEEDERS)


def _run_seeders(session: Session, ctx: DemoContext, names: tuple[str, ...]) -> DemoContext:
    """Run seeders in order. On SQLite the many small commits skip fsync (the content is rebuilt on demand
    from the shipped files); the durable setting is restored afterwards."""
    session.commit()
    token = sqlite_bulk_load.set(True)
    try:
        for name in names:
            try:
                module = import_module(name)
            except ModuleNotFoundError as e:
                if e.name != name:
                    raise
                continue
            module.seed_demo(session, ctx)
    finally:
        session.commit()
        sqlite_bulk_load.reset(token)
    return ctx
