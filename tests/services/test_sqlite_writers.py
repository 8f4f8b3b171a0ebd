"""SQLite writers queue on the writer lock (kernel-woken, in order) and never wait on themselves."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from lawtrain.config import default_worker_count
from lawtrain.sqlite_writes import configure_sqlite, sqlite_write_intent


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path}/w.db", connect_args={"check_same_thread": False})
    configure_sqlite(engine, busy_timeout_ms=300)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
    yield engine
    engine.dispose()


def test_a_second_writer_waits_for_the_first_to_commit_and_then_goes_straight_in(engine):
    order: list[str] = []
    first_inside = threading.Event()

    def first():
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (who) VALUES ('first')"))
            first_inside.set()
            time.sleep(0.6)  # twice the busy timeout: SQLite alone would give the second writer "locked"
            order.append("first commits")

    def second():
        first_inside.wait(5)
        with engine.begin() as conn:
            order.append("second begins")
            conn.execute(text("INSERT INTO t (who) VALUES ('second')"))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert order == ["first commits", "second begins"]
    with engine.connect() as conn:
        assert [r.who for r in conn.execute(text("SELECT who FROM t ORDER BY id"))] == ["first", "second"]


def test_a_second_connection_of_the_same_thread_does_not_wait_on_itself(engine):
    with engine.connect() as holder:
        holder.execute(text("INSERT INTO t (who) VALUES ('held')"))  # BEGIN IMMEDIATE: the lock is ours
        with engine.connect() as other, pytest.raises(OperationalError, match="locked"):
            other.execute(text("INSERT INTO t (who) VALUES ('other')"))  # the busy timeout decides, no hang
        holder.rollback()


def test_reads_do_not_queue_behind_a_writer(engine):
    with engine.connect() as writer:
        writer.execute(text("INSERT INTO t (who) VALUES ('pending')"))
        token = sqlite_write_intent.set(False)
        try:
            with engine.connect() as reader:
                assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0  # WAL: the last commit
        finally:
            sqlite_write_intent.reset(token)
        writer.commit()


def test_workers_per_database():
    assert default_worker_count(None, 2) == 3 and default_worker_count("sqlite:///x.db", 4) == 5
    assert default_worker_count("postgresql+psycopg://db/lawtrain", 2) == 5
