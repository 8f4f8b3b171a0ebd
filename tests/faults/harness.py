"""Fault-injection harness (plain helpers, no fixtures): a fresh database, a real gunicorn on loopback that the
test can SIGKILL, simulated exam takers over HTTP, a TCP proxy that can cut the database off, and the check
that every acknowledged answer is in the answers table afterwards.

"Acknowledged" means the server answered 2xx to a save. The check: for every (attempt, question), the stored
row has the highest acknowledged seq or a newer one, and, when it has exactly that seq, exactly that response.
"""

from __future__ import annotations

import json
import os
import random
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-output"
PASSWORD = "secret-pass-1"
SECRET_KEY = "fault-suite-secret"
RULES = (("single", 3, 5.0), ("multiple", 2, 10.0), ("true_false", 2, 5.0), ("fill_blank", 1, 10.0))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ databases


@dataclass
class Database:
    uri: str
    drop: Callable[[], None]
    folder: str

    @property
    def is_sqlite(self) -> bool:
        return self.uri.startswith("sqlite")


def fresh_database(kind: str, folder: str | None = None) -> Database:
    """A new empty database: a SQLite file in `folder` (a temp dir by default), or a PostgreSQL database
    next to the one DATABASE_URL names (created here, dropped by `drop`)."""
    folder = folder or tempfile.mkdtemp(prefix="lawtrain-faults-")
    if kind == "sqlite":
        return Database(f"sqlite:///{folder}/faults.db", lambda: None, folder)
    from sqlalchemy.engine import make_url

    url = make_url(os.environ["DATABASE_URL"])
    name = f"lt_faults_{os.getpid()}_{random.randrange(10**6)}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return Database(url.set(database=name).render_as_string(hide_password=False), drop, folder)


def backend() -> str:
    """The backend the suite runs on: PostgreSQL when DATABASE_URL points at one, else SQLite."""
    return "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"


@dataclass
class Seeded:
    exam_id: int
    usernames: list[str]
    duration_minutes: int


def seed(db: Database, takers: int, *, duration_minutes: int = 30) -> Seeded:
    """Schema, a bank with every question type, one exam assigned to a department of `takers` people."""
    from lawtrain.extensions import db as sa
    from lawtrain.sqlite_writes import sqlite_bulk_load
    from lawtrain.timeutil import utcnow
    from tests import factories
    from tests.conftest import make_app
    from tests.services.exams_helpers import exam_bank

    app = make_app(SQLALCHEMY_DATABASE_URI=db.uri)
    token = sqlite_bulk_load.set(True)  # sample data: no fsync per commit (the server under test has it on)
    with app.app_context():
        sa.create_all()
        session = sa.session
        dept = factories.make_department(session, path="区应急局/执法大队")
        people = [factories.make_user(session, department=dept, username=f"taker{i:03d}") for i in range(takers)]
        bank = exam_bank(session)
        now = utcnow()
        exam = factories.make_exam(session, bank=bank, rules=RULES, departments=[dept], title="故障演练考试",
                                   duration_minutes=duration_minutes, opens_at=now - timedelta(days=1),
                                   closes_at=now + timedelta(days=1))
        seeded = Seeded(exam.id, [p.username for p in people], duration_minutes)
        session.remove()
        sa.engine.dispose()
    sqlite_bulk_load.reset(token)
    return seeded


def stored_answers(uri: str) -> dict[tuple[int, int], tuple[int, list]]:
    engine = create_engine(uri)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT attempt_id, question_id, seq, response FROM answers")).all()
            dupes = conn.execute(text("SELECT COUNT(*) FROM (SELECT attempt_id, question_id FROM answers "
                                      "GROUP BY attempt_id, question_id HAVING COUNT(*) > 1) d")).scalar()
    finally:
        engine.dispose()
    assert dupes == 0, f"{dupes} duplicated answers"
    return {(r.attempt_id, r.question_id): (r.seq, r.response if isinstance(r.response, list)
                                            else json.loads(r.response)) for r in rows}


def check_acknowledged(uri: str, acks: list[tuple[int, int, int, list]]) -> tuple[int, int]:
    """(acknowledged, present). An acknowledged save is present when the table holds it (same seq, same
    response) or a newer save of the same question (a higher seq)."""
    stored = stored_answers(uri)
    present = 0
    for attempt_id, qid, seq, response in acks:
        row = stored.get((attempt_id, qid))
        if row is not None and (row[0] > seq or (row[0] == seq and row[1] == response)):
            present += 1
    return len(acks), present


def record_figures(name: str, **figures) -> None:
    OUT.mkdir(exist_ok=True)
    with open(OUT / "fault-figures.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps({"fault": name, "backend": backend(), "at": time.strftime("%Y-%m-%d %H:%M:%S"),
                            "pid": os.getpid(), **figures}, ensure_ascii=False) + "\n")


# ------------------------------------------------------------------ the server


class Server:
    """gunicorn with the production config on 127.0.0.1:<port>, in its own process group."""

    def __init__(self, db: Database, *, workers: int = 3, port: int | None = None, env: dict | None = None):
        self.db, self.workers, self.port = db, workers, port or free_port()
        self.extra_env = env or {}
        self.proc: subprocess.Popen | None = None
        self.workdir = tempfile.mkdtemp(prefix="lawtrain-faults-server-")  # never on the database's disk
        self.log_path = Path(self.workdir) / f"gunicorn-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> Server:
        env = {**os.environ, "DATABASE_URL": self.db.uri, "SECRET_KEY": SECRET_KEY, "LAWTRAIN_DEMO": "0",
               "LAWTRAIN_INSTANCE": os.path.join(self.workdir, "instance"), "LAWTRAIN_PASSWORD_PROFILE": "fast",
               "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": str(self.workers),
               "LAWTRAIN_SAVE_GRACE_SECONDS": "60", "LAWTRAIN_LOGIN_MAX_ADDRESS": "100000",
               "PYTHONWARNINGS": "ignore", **self.extra_env}
        env.pop("LAWTRAIN_RATELIMIT_STORAGE", None)
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self._log = log
        self.proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"],
                                     cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200 and len(self.worker_pids()) \
                        >= self.workers:
                    return self
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start: {self.log_tail()}")

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def kill_worker(self) -> int:
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_all(self) -> None:
        """SIGKILL the master and every worker at once (a power cut for the app, not for the database)."""
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None
            self._log.close()

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGINT)  # quick shutdown (SIGTERM waits for graceful_timeout)
            self.proc.wait(15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(5)
        self.proc = None
        self._log.close()

    def log_tail(self, n: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""


# ------------------------------------------------------------------ a simulated taker


@dataclass
class Taker:
    """One person at a browser: signs in, starts the exam, saves answers with increasing seq, retries."""

    base: str
    username: str
    client: httpx.Client = field(init=False)
    token: str = ""
    attempt: dict = field(default_factory=dict)
    seq: int = 0
    acks: list = field(default_factory=list)
    failures: dict = field(default_factory=dict)  # kind -> count
    conflict: bool = False

    def __post_init__(self):
        self.client = httpx.Client(base_url=self.base, timeout=httpx.Timeout(10.0, connect=3.0))

    def _fail(self, kind: str) -> None:
        self.failures[kind] = self.failures.get(kind, 0) + 1

    def _retrying(self, send: Callable[[], httpx.Response], until: float) -> httpx.Response | None:
        while time.monotonic() < until:
            try:
                r = send()
            except httpx.TransportError as e:
                self._fail(type(e).__name__)
            else:
                if r.status_code < 500:
                    return r
                self._fail(str(r.status_code))
            time.sleep(random.uniform(0.05, 0.25))
        return None

    def sign_in(self, until: float) -> None:
        def go():
            page = self.client.get("/auth/login")
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
            return self.client.post("/auth/login", data={"username": self.username, "password": PASSWORD,
                                                         "csrf_token": token})
        r = self._retrying(go, until)
        assert r is not None and r.status_code == 302, (self.username, r and r.status_code)
        home = self._retrying(lambda: self.client.get("/exams/"), until)
        self.token = re.search(r'name="csrf-token" content="([^"]+)"', home.text).group(1)

    def start(self, exam_id: int, until: float) -> dict:
        r = self._retrying(lambda: self.client.post(f"/api/exams/{exam_id}/attempts",
                                                    headers={"X-CSRFToken": self.token}), until)
        assert r is not None and r.status_code == 200, (self.username, r and r.text[:300])
        self.attempt = r.json()
        self.seq = max(self.seq, self.attempt["last_seq"])
        return self.attempt

    def answer_for(self, question: dict, rng: random.Random) -> list[str]:
        if question["type"] in ("single", "multiple"):
            keys = [o["key"] for o in question["options"]]
            return sorted(rng.sample(keys, 1 if question["type"] == "single" else 2))
        if question["type"] == "true_false":
            return [rng.choice(["true", "false"])]
        return [rng.choice(["三十", "四十", "30"])]

    def save(self, question: dict, response: list[str], until: float) -> int | None:
        """One save, retried with the same seq until acknowledged, refused (409) or out of time."""
        self.seq += 1
        seq, qid, aid = self.seq, question["id"], self.attempt["attempt_id"]
        r = self._retrying(lambda: self.client.put(f"/api/attempts/{aid}/answers/{qid}",
                                                   json={"response": response, "seq": seq},
                                                   headers={"X-CSRFToken": self.token}), until)
        if r is None:
            return None
        if r.status_code == 200:
            self.acks.append((aid, qid, seq, response))
        elif r.status_code == 409:
            self.conflict = True
        else:
            self._fail(str(r.status_code))
        return r.status_code

    def status(self) -> dict:
        return self.client.get(f"/api/attempts/{self.attempt['attempt_id']}").json()

    def close(self) -> None:
        self.client.close()


def run_takers(takers: list[Taker], body: Callable[[Taker], None]) -> None:
    errors: list[BaseException] = []

    def run(t: Taker):
        try:
            body(t)
        except BaseException as e:  # noqa: BLE001 - re-raised in the test thread
            errors.append(e)

    threads = [threading.Thread(target=run, args=(t,), daemon=True) for t in takers]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    if errors:
        raise errors[0]


def keep_answering(taker: Taker, until: float, *, rng: random.Random, pause: float = 0.02) -> None:
    """Answer questions in a loop, changing answers, until `until`."""
    questions = taker.attempt["questions"]
    while time.monotonic() < until and not taker.conflict:
        q = rng.choice(questions)
        taker.save(q, taker.answer_for(q, rng), until + 30)  # a save started in time may finish late
        time.sleep(pause)


# ------------------------------------------------------------------ a database link that can be cut


class CuttableProxy:
    """A TCP proxy in front of PostgreSQL. `cut()` drops every connection and refuses new ones (what the app
    sees while PostgreSQL restarts); `restore()` lets connections through again."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream, self.down = upstream, False
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket):
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 1.0)
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        raise OSError("closed")
                    (b if s is a else a).sendall(data)
        except (OSError, ValueError):  # closed under us by cut(): ValueError for a socket already at fd -1
            pass
        finally:
            for s in (a, b):
                try:
                    s.close()
                except OSError:
                    pass

    def cut(self):
        self.down = True
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for a, b in pairs:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass

    def restore(self):
        self.down = False

    def close(self):
        self.running = False
        self.cut()
        self.listener.close()
