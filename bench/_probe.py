"""In-process probes: SQL statements per request and a cProfile of the save and start paths."""

from __future__ import annotations

import cProfile
import io
import pstats
import re
import time
from contextlib import contextmanager

from bench._setup import PASSWORD, Scratch, make_app


@contextmanager
def statement_log(engine):
    """Collect every SQL statement the engine sends while the block runs."""
    from sqlalchemy import event

    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


@contextmanager
def lock_hold_log(engine):
    """Time each write transaction holds the write lock: from the statement that takes it to the end of the
    COMMIT (fsync included). SQLite: from BEGIN IMMEDIATE (the database's write lock; the flock queue is taken
    just before it); PostgreSQL: from the first statement that locks the attempt's row or writes."""
    from sqlalchemy import event

    holds: list[float] = []
    statements: list[float] = []  # the part before COMMIT: what the application does under the lock
    state: dict = {}
    sqlite = engine.dialect.name == "sqlite"

    def takes_lock(statement: str) -> bool:
        head = statement.lstrip()[:16].upper()
        if sqlite:
            return head.startswith("BEGIN IMMEDIATE")
        return head.startswith(("INSERT", "UPDATE", "DELETE")) or " FOR UPDATE" in statement \
            or " FOR NO KEY UPDATE" in statement

    def before(conn, cursor, statement, parameters, context, executemany):
        if "t0" not in state and takes_lock(statement):
            state["t0"] = time.perf_counter()

    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def ended(fn):
        def wrapper(dbapi_conn):
            if "t0" in state:
                statements.append(time.perf_counter() - state["t0"])
            try:
                fn(dbapi_conn)
            finally:
                t0 = state.pop("t0", None)
                if t0 is not None:
                    holds.append(time.perf_counter() - t0)
        return wrapper

    event.listen(engine, "before_cursor_execute", before)
    dialect.do_commit, dialect.do_rollback = ended(commit), ended(rollback)
    try:
        yield holds, statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
        dialect.do_commit, dialect.do_rollback = commit, rollback


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 3)


def _short(sql: str) -> str:
    sql = re.sub(r"SELECT .*? FROM", "SELECT … FROM", sql, count=1)
    return sql[:110]


def _login(client, username: str) -> None:
    r = client.post("/auth/login", data={"username": username, "password": PASSWORD})
    if r.status_code != 302:
        raise RuntimeError(f"probe login {username}: {r.status_code}")


def _top(stats: pstats.Stats, *, key: str, limit: int, only: str | None = None) -> list[str]:
    stream = io.StringIO()
    stats.stream = stream
    stats.sort_stats(key)
    rows = []
    for func, (_cc, nc, tt, ct, _callers) in sorted(stats.stats.items(),
                                                  key=lambda kv: kv[1][3 if key == "cumulative" else 2],
                                                  reverse=True):
        filename, line, name = func
        if only and only not in filename:
            continue
        short = filename.split("site-packages/")[-1].split("/work/main/")[-1]
        rows.append(f"{short}:{line}({name}) calls={nc} tottime={tt:.3f}s cumtime={ct:.3f}s")
        if len(rows) >= limit:
            break
    return rows


def probe(scratch: Scratch, exam_id: int, usernames: list[str], *, saves: int, starts: int,
          profile_path: str | None) -> dict:
    """Count statements of one save / one start / one /api/me and profile `saves` saves and `starts` starts."""
    app = make_app(scratch, WTF_CSRF_ENABLED=False)
    from lawtrain.extensions import db

    out: dict = {}
    with app.app_context():
        engine = db.engine
    client = app.test_client()
    _login(client, usernames[0])
    with app.app_context():
        with statement_log(engine) as stmts:
            r = client.get("/api/me")
        out["me_statements"] = len(stmts)
        with statement_log(engine) as stmts:
            r = client.post(f"/api/exams/{exam_id}/attempts")
        if r.status_code != 200:
            raise RuntimeError(f"probe start: {r.status_code} {r.get_data(as_text=True)[:200]}")
        body = r.get_json()
        out["start_statements"] = len(stmts)
        out["start_statement_list"] = [_short(s) for s in stmts]
        attempt, questions = body["attempt_id"], body["questions"]
        counts = []
        first_list = update_list = None
        for i in range(4):
            q = questions[i % 2]
            with statement_log(engine) as stmts:
                r = client.put(f"/api/attempts/{attempt}/answers/{q['id']}", json={"response": ["A"], "seq": i + 1})
            assert r.status_code == 200, r.get_data(as_text=True)
            counts.append(len(stmts))
            if i == 0:
                first_list = [_short(s) for s in stmts]
            if i == 3:
                update_list = [_short(s) for s in stmts]
        out["save_statements_first"] = counts[0]
        out["save_statements_update"] = counts[-1]
        out["save_statement_list"] = update_list
        out["save_statement_list_first"] = first_list

        # Lock hold per save and the save's own time, in process and unprofiled: `saves` updates on one attempt.
        seq0 = 10_000
        spent = []
        with lock_hold_log(engine) as (holds, before_commit):
            for i in range(saves):
                q = questions[i % len(questions)]
                t0 = time.perf_counter()
                r = client.put(f"/api/attempts/{attempt}/answers/{q['id']}", json={"response": ["C"], "seq": seq0 + i})
                spent.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    raise RuntimeError(f"probe save: {r.status_code}")
        out["lock_hold_ms_per_save"] = {"p50": _pct(holds, 0.5), "p90": _pct(holds, 0.9), "p99": _pct(holds, 0.99),
                                        "transactions": len(holds), "saves": saves,
                                        "before_commit_p50": _pct(before_commit, 0.5),
                                        "commit_p50": _pct([h - b for h, b in zip(holds, before_commit,
                                                                                   strict=False)], 0.5)}
        out["inprocess_save_ms"] = {"p50": _pct(spent, 0.5), "p90": _pct(spent, 0.9)}

        # Profile: `saves` saves on one attempt, then `starts` starts (no pre-generated paper) by other people.
        profiler = cProfile.Profile()
        t0 = time.perf_counter()
        profiler.enable()
        for i in range(saves):
            q = questions[i % len(questions)]
            client.put(f"/api/attempts/{attempt}/answers/{q['id']}", json={"response": ["B"], "seq": 20_000 + i})
        profiler.disable()
        out["inprocess_save_ms_under_cprofile"] = round((time.perf_counter() - t0) * 1000 / saves, 2)
        save_stats = pstats.Stats(profiler)
        out["save_profile_top"] = _top(save_stats, key="tottime", limit=12)
        out["save_profile_lawtrain"] = _top(save_stats, key="cumulative", limit=10, only="lawtrain/")

        profiler = cProfile.Profile()
        spent = 0.0
        for username in usernames[1:1 + starts]:
            c = app.test_client()
            _login(c, username)
            t0 = time.perf_counter()
            profiler.enable()
            c.post(f"/api/exams/{exam_id}/attempts")
            profiler.disable()
            spent += time.perf_counter() - t0
        out["inprocess_start_ms_under_cprofile"] = round(spent * 1000 / max(1, starts), 1)
        start_stats = pstats.Stats(profiler)
        out["start_profile_lawtrain"] = _top(start_stats, key="cumulative", limit=10, only="lawtrain/")
        out["start_profile_top"] = _top(start_stats, key="tottime", limit=10)
        # Lock hold per submit (the end burst's request), in process: the remaining probe users each start,
        # save 10 answers and submit.
        sub_holds, sub_before, sub_spent = [], [], []
        for username in usernames[1 + starts:]:
            c = app.test_client()
            _login(c, username)
            body = c.post(f"/api/exams/{exam_id}/attempts").get_json()
            for i, q in enumerate(body["questions"][:10], start=1):
                c.put(f"/api/attempts/{body['attempt_id']}/answers/{q['id']}", json={"response": ["A"], "seq": i})
            with lock_hold_log(engine) as (holds, before_commit):
                t0 = time.perf_counter()
                r = c.post(f"/api/attempts/{body['attempt_id']}/submit")
                sub_spent.append(time.perf_counter() - t0)
            if r.status_code != 200:
                raise RuntimeError(f"probe submit: {r.status_code}")
            sub_holds.append(sum(holds))
            sub_before.append(sum(before_commit))
        out["lock_hold_ms_per_submit"] = {"p50": _pct(sub_holds, 0.5), "max": _pct(sub_holds, 1.0),
                                          "before_commit_p50": _pct(sub_before, 0.5), "submits": len(sub_holds)}
        out["inprocess_submit_ms"] = {"p50": _pct(sub_spent, 0.5)}
        if profile_path:
            with open(profile_path, "w", encoding="utf-8") as f:
                for title, st in (("SAVE", save_stats), ("START (no pre-generated paper)", start_stats)):
                    f.write(f"==== {title}\n")
                    st.stream = f
                    st.sort_stats("cumulative").print_stats(40)
            out["profile_file"] = profile_path
    with app.app_context():
        db.engine.dispose()
    return out
