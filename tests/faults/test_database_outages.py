"""The database goes away during saves: SQLite locked by a long backup, PostgreSQL restarting (its connections
cut), the disk full. Saves answer 503 (never a false 2xx), clients retry, and afterwards nothing acknowledged
is lost and nothing is duplicated."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time

import pytest
from sqlalchemy.engine import make_url

from tests.faults.harness import (
    Server,
    Taker,
    backend,
    check_acknowledged,
    fresh_database,
    keep_answering,
    record_figures,
    run_takers,
    seed,
)

pytestmark = pytest.mark.faults
TAKERS = 10


def _start_takers(server, seeded, n=TAKERS) -> list[Taker]:
    takers = [Taker(server.url, name) for name in seeded.usernames[:n]]
    until = time.monotonic() + 60
    run_takers(takers, lambda t: (t.sign_in(until), t.start(seeded.exam_id, until)))
    return takers


def _through_the_outage(takers, seconds: float, outage) -> dict:
    """Takers answer for `seconds` while `outage()` runs in a thread; afterwards each saves once more."""
    fault = threading.Thread(target=outage, daemon=True)
    fault.start()
    until = time.monotonic() + seconds
    run_takers(takers, lambda t: keep_answering(t, until, rng=random.Random(t.username), pause=0.05))
    fault.join(60)
    final = time.monotonic() + 30
    run_takers(takers, lambda t: t.save(t.attempt["questions"][-1], ["false"] if t.attempt["questions"][-1]["type"]
                                        == "true_false" else ["A"], final))
    failures: dict[str, int] = {}
    for t in takers:
        for kind, n in t.failures.items():
            failures[kind] = failures.get(kind, 0) + n
    return failures


def _assert_outcome(db, takers, failures, name, **extra):
    acks = [a for t in takers for a in t.acks]
    acknowledged, present = check_acknowledged(db.uri, acks)
    record_figures(name, takers=len(takers), acknowledged=acknowledged, present=present,
                   answered_503=failures.get("503", 0), answered_500=failures.get("500", 0), **extra)
    assert failures.get("503", 0) > 0, failures  # the outage was seen, and seen as 503
    assert failures.get("500", 0) == 0, failures  # never an unexplained error
    assert present == acknowledged and acknowledged > 0
    # everyone's last save went through once the database was back
    assert all(t.acks and t.acks[-1][1] == t.attempt["questions"][-1]["id"] for t in takers)


@pytest.mark.skipif(backend() != "sqlite", reason="SQLite locking")
def test_sqlite_locked_by_a_long_backup():
    """An exclusive transaction (what a careless backup holds) outlasts the busy timeout: 503, then recovery."""
    db = fresh_database("sqlite")
    seeded = seed(db, TAKERS)
    server = Server(db, workers=2, env={"LAWTRAIN_SQLITE_BUSY_TIMEOUT_MS": "1000"}).start()
    try:
        takers = _start_takers(server, seeded)
        path = make_url(db.uri).database

        def backup_lock():
            time.sleep(1.0)
            conn = sqlite3.connect(path, isolation_level=None, timeout=30)
            conn.execute("BEGIN EXCLUSIVE")
            time.sleep(20.0)  # a long backup: 20 times the busy timeout
            conn.execute("COMMIT")
            conn.close()

        failures = _through_the_outage(takers, 23.0, backup_lock)
        _assert_outcome(db, takers, failures, "SQLite locked 20 s (busy timeout 1 s)", lock_seconds=20)
        # a 503 from a save is JSON that says to retry
        for t in takers:
            t.close()
    finally:
        server.stop()
        db.drop()


def test_a_save_during_a_lock_is_a_json_503_with_retry_after():
    if backend() != "sqlite":
        pytest.skip("SQLite locking")
    db = fresh_database("sqlite")
    seeded = seed(db, 1)
    server = Server(db, workers=1, env={"LAWTRAIN_SQLITE_BUSY_TIMEOUT_MS": "300"}).start()
    try:
        [taker] = _start_takers(server, seeded, 1)
        conn = sqlite3.connect(make_url(db.uri).database, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        q = taker.attempt["questions"][0]
        r = taker.client.put(f"/api/attempts/{taker.attempt['attempt_id']}/answers/{q['id']}",
                             json={"response": ["A"], "seq": 1}, headers={"X-CSRFToken": taker.token})
        page = taker.client.get("/exams/", headers={"Accept": "text/html"})
        conn.execute("COMMIT")
        conn.close()
        assert r.status_code == 503 and r.headers["Retry-After"] == "5"
        assert r.json()["status"] == 503 and "服务暂时不可用" in r.json()["error"]
        assert page.status_code == 200  # reads go on during a backup (WAL)
        r = taker.client.put(f"/api/attempts/{taker.attempt['attempt_id']}/answers/{q['id']}",
                             json={"response": ["A"], "seq": 1}, headers={"X-CSRFToken": taker.token})
        assert r.status_code == 200
        taker.close()
    finally:
        server.stop()
        db.drop()


@pytest.mark.skipif(backend() != "postgresql", reason="PostgreSQL connection loss")
def test_postgresql_connections_cut_as_in_a_restart():
    """Every connection to PostgreSQL dropped and refused for 20 s (through a proxy: the machine's own
    PostgreSQL keeps serving the other suites)."""
    from tests.faults.harness import CuttableProxy

    db = fresh_database("postgresql")
    seeded = seed(db, TAKERS)
    url = make_url(db.uri)
    proxy = CuttableProxy((url.host or "127.0.0.1", url.port or 5432))
    proxied = type(db)(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
                       db.drop, db.folder)
    server = Server(proxied, workers=2).start()
    try:
        takers = _start_takers(server, seeded)

        def restart():
            time.sleep(1.5)
            proxy.cut()
            time.sleep(20.0)
            proxy.restore()

        failures = _through_the_outage(takers, 24.0, restart)
        _assert_outcome(db, takers, failures, "PostgreSQL connections cut 20 s", outage_seconds=20)
        for t in takers:
            t.close()
    finally:
        server.stop()
        proxy.close()
        db.drop()


def _pg_running() -> bool:
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0


@pytest.mark.skipif(backend() != "postgresql" or os.environ.get("LAWTRAIN_FAULTS_PG_RESTART") != "1",
                    reason="restarts the machine's PostgreSQL: opt in with LAWTRAIN_FAULTS_PG_RESTART=1")
def test_postgresql_really_restarted():
    cluster = sorted(os.listdir("/etc/postgresql"))[-1]
    db = fresh_database("postgresql")
    seeded = seed(db, TAKERS)
    server = Server(db, workers=2).start()
    try:
        takers = _start_takers(server, seeded)

        def restart():
            time.sleep(1.5)
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart", "-m", "fast"],
                           check=True, timeout=60)

        failures = _through_the_outage(takers, 10.0, restart)
        _assert_outcome(db, takers, failures, "PostgreSQL restarted (pg_ctlcluster)")
        for t in takers:
            t.close()
    finally:
        if not _pg_running():
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "start"], timeout=60)
            for _ in range(30):
                if _pg_running():
                    break
                time.sleep(1)
        server.stop()
        db.drop()


def _mount_tmpfs(size: str) -> str | None:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return None
    folder = tempfile.mkdtemp(prefix="lt_full_")
    ok = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", folder],
                        capture_output=True).returncode == 0
    if not ok:
        os.rmdir(folder)
        return None
    return folder


@pytest.mark.skipif(backend() != "sqlite", reason="disk full is simulated for the SQLite file")
def test_disk_full_during_saves():
    """The database's disk fills up (a 24 MB tmpfs: room for the WAL to reach its checkpoint size): saves fail
    loudly (503), none is falsely acknowledged, and once space is freed saves succeed again."""
    folder = _mount_tmpfs("24M")
    if folder is None:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    filler = os.path.join(folder, "filler.bin")
    server = None
    try:
        db = fresh_database("sqlite", folder)
        seeded = seed(db, TAKERS)
        server = Server(db, workers=2).start()
        takers = _start_takers(server, seeded)

        def fill_disk():
            time.sleep(1.0)
            fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                while True:
                    os.write(fd, b"\0" * 65536)
            except OSError:  # ENOSPC: the disk is full now
                pass
            finally:
                os.close(fd)
            time.sleep(4.0)
            os.remove(filler)

        failures = _through_the_outage(takers, 8.0, fill_disk)
        _assert_outcome(db, takers, failures, "disk full 4 s (tmpfs)")
        for t in takers:
            t.close()
    finally:
        if server is not None:
            server.stop()
        if os.path.exists(filler):
            os.remove(filler)
        subprocess.run(["umount", "-l", folder], capture_output=True)
        os.rmdir(folder)
