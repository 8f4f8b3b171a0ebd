"""SQLite writers in line: the write intent of a request, BEGIN IMMEDIATE, and a queue of writers on an flock.

SQLite has one writer at a time. A request reads first (the signed-in user), then says it will write
(`begin_writing`); the write transaction takes the lock up front and queues on the WriterQueue.
"""

from __future__ import annotations

import contextvars
import fcntl
import os
import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

# Whether the next SQLite transaction should take the write lock up front (BEGIN IMMEDIATE, queued on the
# WriterQueue) rather than read (BEGIN). A write transaction must start that way: a read transaction that
# later writes fails with "database is locked" if another writer committed meanwhile. Requests read first
# (the signed-in user) and then turn writing (create_app's hooks, begin_writing); the CLI always writes.
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


def begins_writing_itself(view):
    """Mark a hot view that reads first and calls `begin_writing` right before its service writes, so the
    SQLite write lock covers the writes only (the default for a POST/PUT is to take it after the user load)."""
    view.begins_writing_itself = True
    return view


def begin_writing(session: Session) -> None:
    """From here on this request writes: end the read transaction (keeping what it loaded); on SQLite the
    next statement takes the write lock."""
    if session.get_bind().dialect.name == "sqlite":
        end_read_transaction(session)
    sqlite_write_intent.set(True)


def reads_from_here() -> None:
    """What is left of this request only reads: its next SQLite transaction need not take the write lock
    (called after a service has committed, before building a large response from the database)."""
    sqlite_write_intent.set(False)


# Set only while loading sample data (the demo): SQLite skips fsync for those transactions.
sqlite_bulk_load: contextvars.ContextVar[bool] = contextvars.ContextVar("sqlite_bulk_load", default=False)


class WriterQueue:
    """Writers of one SQLite file, from every worker process and thread, wait in line on an flock.

    SQLite's own busy handler makes a blocked writer sleep and poll (1, 2, 5, 10 … 100 ms), so under a burst
    the write lock sits idle between writers and throughput collapses. A blocking flock on a file next to the
    database is queued by the kernel and hands over the moment it is released. Each connection opens its own
    descriptor (flock excludes descriptors, so threads of one process queue too); the lock is taken just
    before BEGIN IMMEDIATE and released just after COMMIT or ROLLBACK. A writer outside the application (a
    backup, the sqlite3 shell) does not take it and is still waited for by the busy timeout."""

    def __init__(self, path: str):
        self.path = path
        self._fds: dict[int, int] = {}  # id(sqlite3 connection) -> its descriptor of the lock file
        self._held: dict[int, int] = {}  # id(sqlite3 connection) holding the lock -> the holding thread

    @staticmethod
    def _key(conn) -> int:
        """The sqlite3 connection's id, whether given it or the pool's proxy around it."""
        return id(getattr(conn, "dbapi_connection", conn))

    def open(self, conn) -> None:
        self._fds[self._key(conn)] = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)

    def close(self, conn) -> None:
        self.release(conn)
        fd = self._fds.pop(self._key(conn), None)
        if fd is not None:
            os.close(fd)

    def acquire(self, conn) -> None:
        key, thread = self._key(conn), threading.get_ident()
        if key not in self._fds or key in self._held:
            return
        if thread in self._held.values():  # a second connection of this thread: never wait on ourselves
            return  # (SQLite's busy timeout then decides, as without the queue)
        fcntl.flock(self._fds[key], fcntl.LOCK_EX)
        self._held[key] = thread

    def release(self, conn) -> None:
        key = self._key(conn)
        if self._held.pop(key, None) is not None:
            fcntl.flock(self._fds[key], fcntl.LOCK_UN)


def configure_sqlite(engine: Engine, busy_timeout_ms: int | None = None) -> None:
    """Durable, concurrent SQLite: WAL, synchronous=FULL, foreign keys, busy timeout, queued writers.

    The busy timeout (default 30 s, env LAWTRAIN_SQLITE_BUSY_TIMEOUT_MS) is how long a write waits for the
    lock (a backup, a long import) before the request fails with 503 and the client retries."""
    if busy_timeout_ms is None:
        busy_timeout_ms = int(os.environ.get("LAWTRAIN_SQLITE_BUSY_TIMEOUT_MS", "30000"))
    database = engine.url.database
    queue = WriterQueue(database + ".writers") if database and database != ":memory:" else None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.close()
        if queue:
            queue.open(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        dbapi_conn = conn.connection.dbapi_connection
        synchronous = "OFF" if sqlite_bulk_load.get() else "FULL"
        if conn.info.get("synchronous", "FULL") != synchronous:  # may only change outside a transaction
            dbapi_conn.execute(f"PRAGMA synchronous={synchronous}")
            conn.info["synchronous"] = synchronous
        if not sqlite_write_intent.get():
            conn.exec_driver_sql("BEGIN")
            return
        if queue:
            queue.acquire(dbapi_conn)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            if queue:
                queue.release(dbapi_conn)
            raise

    if queue:
        @event.listens_for(engine, "close")
        def _on_close(dbapi_conn, _record):
            queue.close(dbapi_conn)

        # Release right after the transaction really ends (the engine's commit/rollback events fire before).
        dialect = engine.dialect
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_conn):
            try:
                commit(dbapi_conn)
            finally:
                queue.release(dbapi_conn)

        def do_rollback(dbapi_conn):
            try:
                rollback(dbapi_conn)
            finally:
                queue.release(dbapi_conn)

        dialect.do_commit, dialect.do_rollback = do_commit, do_rollback
