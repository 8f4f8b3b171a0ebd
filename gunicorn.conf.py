"""Production gunicorn settings (see docs/DEPLOY.md). Override with GUNICORN_* environment variables."""

import multiprocessing
import os

from lawtrain.config import default_worker_count

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each request is short (a save is a handful of SQL statements). SQLite: cores + 1 (one writer
# at a time; more workers starve the lock holder of CPU); PostgreSQL: 2 x cores + 1, and keep
# servers x workers x (LAWTRAIN_DB_POOL_SIZE + LAWTRAIN_DB_MAX_OVERFLOW) under max_connections (docs/DEPLOY.md).
workers = int(os.environ.get("GUNICORN_WORKERS",
                             default_worker_count(os.environ.get("DATABASE_URL"), multiprocessing.cpu_count())))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
# Connections waiting for a free worker: a start-of-exam burst of 1,000 people queues here (and in nginx).
backlog = int(os.environ.get("GUNICORN_BACKLOG", "2048"))
# Above SQLite's busy_timeout (30 s): a request queued on the write lock gets its answer instead of a
# killed worker and a reset connection.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 20
keepalive = 5  # gthread only; sync workers close each connection (nginx in front keeps clients alive)
max_requests = 20000
max_requests_jitter = 2000
# Worker heartbeat files on tmpfs: a busy disk (SQLite fsyncs) must not make the arbiter kill workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = os.environ.get("GUNICORN_ACCESSLOG")  # "-" for stdout
errorlog = "-"
# Import the application once in the arbiter: workers start (and restart after max_requests) in
# milliseconds and share the imported code. No database connection is opened at import; post_fork
# drops any pooled connection a worker might have inherited anyway.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"


def post_fork(server, worker):
    """Each worker opens its own database connections (a connection must never cross a fork)."""
    app = getattr(worker, "app", None)
    flask_app = getattr(app, "callable", None) if app is not None else None
    if flask_app is None or not hasattr(flask_app, "app_context"):
        return
    from lawtrain.extensions import db

    with flask_app.app_context():
        db.engine.dispose(close=False)
