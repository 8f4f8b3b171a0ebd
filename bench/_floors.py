"""The database floor: raw single-row upserts, one transaction each, from as many processes as app workers."""

from __future__ import annotations

import multiprocessing
import random
import time

TABLE = "bench_floor"
SQLITE_DDL = (f"CREATE TABLE IF NOT EXISTS {TABLE} (id INTEGER PRIMARY KEY, attempt_id INTEGER NOT NULL, "
              "question_id INTEGER NOT NULL, response TEXT NOT NULL, seq INTEGER NOT NULL, saved_at TEXT NOT NULL, "
              "UNIQUE (attempt_id, question_id))")
PG_DDL = (f"CREATE TABLE IF NOT EXISTS {TABLE} (id SERIAL PRIMARY KEY, attempt_id INTEGER NOT NULL, "
          "question_id INTEGER NOT NULL, response JSON NOT NULL, seq INTEGER NOT NULL, saved_at TIMESTAMP NOT NULL, "
          "UNIQUE (attempt_id, question_id))")
UPSERT = (f"INSERT INTO {TABLE} (attempt_id, question_id, response, seq, saved_at) VALUES ({{p}}, {{p}}, {{p}}, {{p}}, "
          "{now}) ON CONFLICT (attempt_id, question_id) DO UPDATE SET response = excluded.response, "
          f"seq = excluded.seq, saved_at = excluded.saved_at WHERE {TABLE}.seq < excluded.seq")


def _sqlite_worker(path: str, go, seconds: float, seed: int, out, synchronous: str = "FULL") -> None:
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    # The same settings the application uses (lawtrain.sqlite_writes.configure_sqlite).
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA busy_timeout=30000")
    sql = UPSERT.format(p="?", now="datetime('now')")
    _loop(lambda params: (conn.execute("BEGIN IMMEDIATE"), conn.execute(sql, params), conn.execute("COMMIT")),
          go, seconds, seed, out)
    conn.close()


def _pg_worker(dsn: str, go, seconds: float, seed: int, out, synchronous: str = "") -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:  # autocommit: one transaction (one WAL flush) per row
        sql = UPSERT.format(p="%s", now="now()")
        _loop(lambda params: conn.execute(sql, params), go, seconds, seed, out)


def _loop(run, go, seconds: float, seed: int, out) -> None:
    rng = random.Random(seed)
    out.put("ready")
    go.wait()
    stop_at = time.time() + seconds
    n, lat, seq = 0, [], 0
    while time.time() < stop_at:
        seq += 1
        params = (rng.randrange(200), rng.randrange(50), '["A","C"]', seq * 1000 + seed)
        t = time.perf_counter()
        run(params)
        lat.append(time.perf_counter() - t)
        n += 1
    out.put((n, lat))


def database_floor(kind: str, dsn: str, *, processes: int, seconds: float, synchronous: str = "FULL") -> dict:
    """Upserts per second (and their latency) with `processes` writers for `seconds`."""
    from bench._common import latency_ms

    if kind == "sqlite":
        import sqlite3

        with sqlite3.connect(dsn, isolation_level=None) as c:
            c.execute(SQLITE_DDL)
        worker = _sqlite_worker
    else:
        import psycopg

        with psycopg.connect(dsn, autocommit=True) as c:
            c.execute(PG_DDL)
        worker = _pg_worker
    ctx = multiprocessing.get_context("fork")  # spawn would re-import run.py and the app in each writer
    out, go = ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=worker, args=(dsn, go, seconds, i + 1, out, synchronous)) for i in range(processes)]
    for p in procs:
        p.start()
    for _ in procs:  # every process has imported and connected before the clock starts
        if out.get(timeout=120) != "ready":
            raise RuntimeError("database floor worker did not start")
    go.set()
    results = [out.get(timeout=seconds + 60) for _ in procs]
    for p in procs:
        p.join(timeout=10)
    total = sum(n for n, _ in results)
    lat = [x for _, ls in results for x in ls]
    if kind == "sqlite":
        import sqlite3

        with sqlite3.connect(dsn, isolation_level=None) as c:
            c.execute(f"DROP TABLE {TABLE}")
    else:
        import psycopg

        with psycopg.connect(dsn, autocommit=True) as c:
            c.execute(f"DROP TABLE {TABLE}")
    durability = (f"WAL, synchronous={synchronous}, BEGIN IMMEDIATE per row" if kind == "sqlite"
                  else "synchronous_commit=on (default), autocommit per row")
    return {"processes": processes, "seconds": seconds, "upserts": total,
            "rate_per_s": round(total / seconds, 1), "durability": durability, **latency_ms(lat)}
