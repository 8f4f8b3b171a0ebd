"""gunicorn worker count per database. Standard library only: gunicorn.conf.py loads this file by path, so
the gunicorn arbiter never imports the lawtrain package (a reload must give new workers the new code)."""

from __future__ import annotations


def default_worker_count(database_url: str | None, cores: int) -> int:
    """gunicorn sync workers for this machine and database.

    SQLite lets one writer in at a time: with more workers than cores + 1, the worker holding the write lock
    waits for a CPU behind the others and every save queues behind it (bench figures in docs/PERFORMANCE.md:
    3 workers save about 1.5x as fast as 5 on two cores). PostgreSQL has no such lock: 2 x cores + 1."""
    if not database_url or database_url.startswith("sqlite"):
        return cores + 1
    return cores * 2 + 1
