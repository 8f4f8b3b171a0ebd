"""Production gunicorn settings (see docs/DEPLOY.md). Override with GUNICORN_* environment variables."""

import importlib.util
import multiprocessing
import os

# Loaded by path, not `import lawtrain...`: a module the arbiter imports stays cached in every worker it forks,
# and a reload (HUP) must let new workers import the upgraded code.
_spec = importlib.util.spec_from_file_location(
    "_lawtrain_workers", os.path.join(os.path.dirname(os.path.abspath(__file__)), "lawtrain", "workers.py"))
_workers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_workers)
default_worker_count = _workers.default_worker_count

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each request is short (a save is a handful of SQL statements). SQLite: cores + 1 (one writer
# at a time; more workers starve the lock holder of CPU); PostgreSQL: 2 x cores + 1, and keep
# servers x workers x (LAWTRAIN_DB_POOL_SIZE + LAWTRAIN_DB_MAX_OVERFLOW) under max_connections (docs/DEPLOY.md).
workers = int(os.environ.get("GUNICORN_WORKERS",
                             default_worker_count(os.environ.get("DATABASE_URL"), multiprocessing.cpu_count())))
os.environ.setdefault("LAWTRAIN_WORKERS", str(workers))  # the app warns when workers would not share throttles
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
errorlog = os.environ.get("GUNICORN_ERRORLOG", "-")
# No gunicornc control socket: it defaults to one path per user (~/.gunicorn/gunicorn.ctl), which two app
# servers on one host would share, and systemd's ProtectSystem keeps that home read-only anyway.
control_socket_disable = True
# Import the application once in the master: workers start (and restart after max_requests or a crash) in
# milliseconds and share the imported code. Consequence: a HUP (`systemctl reload`) re-reads this file but
# keeps the old code — an upgrade RESTARTS gunicorn (`systemctl restart lawtrain`, docs/DEPLOY.md "Upgrade").
# GUNICORN_PRELOAD=0 makes each worker import the app itself, so a HUP then loads new code without a restart
# (slower worker starts; the master never imports lawtrain, see the loader above).
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"
# Access log: "-" (stdout, i.e. the journal under systemd) or a file path (rotate it: deploy/logrotate).
# The client address is nginx's X-Forwarded-For (the gunicorn peer is always the proxy).
accesslog = os.environ.get("GUNICORN_ACCESSLOG")
access_log_format = '%({x-forwarded-for}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'


def post_fork(server, worker):
    """Each worker opens its own database connections (a connection must never cross a fork)."""
    app = getattr(worker, "app", None)
    flask_app = getattr(app, "callable", None) if app is not None else None
    if flask_app is None or not hasattr(flask_app, "app_context"):
        return
    from lawtrain.extensions import db

    with flask_app.app_context():
        db.engine.dispose(close=False)
