"""Shared extension objects and the SQLAlchemy declarative base."""

from __future__ import annotations

import contextvars
import os

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
migrate = Migrate()

# Whether the next SQLite transaction should take the write lock up front.
# Requests that may write (POST/PUT/DELETE, CLI) begin with BEGIN IMMEDIATE, so they queue
# on the busy timeout instead of failing with "database is locked" on a lock upgrade.
sqlite_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "sqlite_write_intent", default=True
)


def end_read_transaction(session: Session) -> None:
    """End the current transaction (one that only read) without expiring what it loaded: the signed-in
    user stays usable while the next statement begins a fresh (write) transaction."""
    if not session.in_transaction():
        return
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def reads_from_here() -> None:
    """What is left of this request only reads: its next SQLite transaction need not take the write lock
    (called after a service has committed, before building a large response from the database)."""
    sqlite_write_intent.set(False)


# Set only while loading sample data (the demo): SQLite skips fsync for those transactions.
sqlite_bulk_load: contextvars.ContextVar[bool] = contextvars.ContextVar("sqlite_bulk_load", default=False)


def configure_sqlite(engine: Engine, busy_timeout_ms: int | None = None) -> None:
    """Durable, concurrent SQLite: WAL, synchronous=FULL, foreign keys, busy timeout.

    The busy timeout (default 30 s, env LAWTRAIN_SQLITE_BUSY_TIMEOUT_MS) is how long a write waits for the
    lock (a backup, a long import) before the request fails with 503 and the client retries."""
    if busy_timeout_ms is None:
        busy_timeout_ms = int(os.environ.get("LAWTRAIN_SQLITE_BUSY_TIMEOUT_MS", "30000"))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        synchronous = "OFF" if sqlite_bulk_load.get() else "FULL"
        if conn.info.get("synchronous", "FULL") != synchronous:  # may only change outside a transaction
            conn.connection.dbapi_connection.execute(f"PRAGMA synchronous={synchronous}")
            conn.info["synchronous"] = synchronous
        conn.exec_driver_sql("BEGIN IMMEDIATE" if sqlite_write_intent.get() else "BEGIN")
