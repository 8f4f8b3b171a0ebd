"""What revisions that rebuild SQLite tables (batch mode) share. Revisions import it, so it must never change
behaviour: a new need gets a new function."""

from __future__ import annotations


def sqlite_foreign_keys(bind, on: bool) -> None:
    """Switch SQLite's foreign keys off around table rebuilds (dropping a referenced table with them on would
    cascade into the referencing rows) and on again after. PRAGMA foreign_keys only takes effect between
    transactions: end this one, switch, begin the next."""
    raw = bind.connection.dbapi_connection
    raw.execute("COMMIT")
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    raw.execute("BEGIN IMMEDIATE")
