"""Run the application under gunicorn on loopback with the production settings, and always stop it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from bench._common import ROOT, log


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_url() -> str | None:
    """Redis db 14 for the login throttle counters when a local Redis answers, else None (memory)."""
    try:
        import redis

        client = redis.Redis.from_url("redis://127.0.0.1:6379/14", socket_timeout=1)
        client.ping()
        client.flushdb()
        return "redis://127.0.0.1:6379/14"
    except Exception:  # noqa: BLE001 - any failure means "no Redis"
        return None


def default_workers(kind: str) -> int:
    """The production default (gunicorn.conf.py) for this database."""
    from lawtrain.config import default_worker_count

    return default_worker_count("sqlite://" if kind == "sqlite" else "postgresql://", os.cpu_count() or 1)


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py app:app` in its own process group; use as a context manager."""

    def __init__(self, database_url: str, instance: str, *, workers: int, threads: int = 1):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.threads = threads
        self.redis = redis_url()
        self.env = dict(os.environ)
        self.env.update(
            DATABASE_URL=database_url,
            SECRET_KEY="bench-secret",
            LAWTRAIN_INSTANCE=instance,
            LAWTRAIN_DEMO="0",
            LAWTRAIN_LOGIN_MAX_ADDRESS="1000000",
            LAWTRAIN_PASSWORD_PROFILE="fast",
            GUNICORN_BIND=f"127.0.0.1:{self.port}",
            GUNICORN_WORKERS=str(workers),
            GUNICORN_THREADS=str(threads),
            PYTHONUNBUFFERED="1",
        )
        self.env.pop("GUNICORN_ACCESSLOG", None)
        if self.redis:
            self.env["LAWTRAIN_RATELIMIT_STORAGE"] = self.redis
        self.proc: subprocess.Popen | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)

    def __enter__(self) -> Gunicorn:
        cmd = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "app:app"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        log(f"gunicorn up on {self.base_url} ({self.workers} workers x {self.threads} threads)")
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not answer /healthz within 60 s: " + self.log_tail())

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        pgid = os.getpgid(self.proc.pid)
        os.killpg(pgid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=25)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.proc.wait(timeout=5)

    def log_tail(self, lines: int = 30) -> str:
        try:
            with open(self._log.name, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def error_count(self) -> int:
        """Tracebacks gunicorn logged (500s inside the app) during the run."""
        try:
            with open(self._log.name, encoding="utf-8", errors="replace") as f:
                return sum(1 for line in f if line.startswith("Traceback"))
        except OSError:
            return 0
