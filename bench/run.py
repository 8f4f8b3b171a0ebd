"""LawTrain benchmarks: the app under gunicorn on loopback, driven by an asyncio load generator.

    python bench/run.py [--quick] [--smoke] [--db sqlite|postgres|both]

Prints one JSON line per figure on stdout (progress goes to stderr). Each figure carries the floors
measured in the same run. No assertions on figures: the exit status is non-zero only when the
harness itself breaks. See docs/PERFORMANCE.md for the figures of a full run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _load as load  # noqa: E402
from bench._common import LINES, ROOT, emit, log, machine, ratio  # noqa: E402
from bench._floors import database_floor  # noqa: E402
from bench._grading import grading  # noqa: E402
from bench._probe import probe  # noqa: E402
from bench._server import Gunicorn, default_workers  # noqa: E402
from bench._setup import PASSWORD, Scratch, make_app, seed  # noqa: E402

# The exam page's autosave rhythm, read from lawtrain/static/js/exam.js: no timer — every `change` of an answer
# (a click on a radio or a checkbox) queues one PUT at once, a blank 800 ms after typing pauses, and a page
# sends its saves one at a time (one in flight). On the bench paper (20 single, 10 multiple, 15 true/false,
# 5 fill-in) that is one save per single, true/false and blank, and ~2.5 per multiple choice (one per box
# ticked): 65 saves per 50 questions = 1.3 saves per question. The pace is the person's: we count a brisk 10 s
# per question (a 50-question paper in 8 min; the exams allow 30-60 min), so one person ~ 0.13 saves/s.
SAVES_PER_QUESTION = (20 * 1 + 10 * 2.5 + 15 * 1 + 5 * 1) / 50
SECONDS_PER_QUESTION = 10
SAVES_PER_PERSON_PER_S = SAVES_PER_QUESTION / SECONDS_PER_QUESTION
PEOPLE_P99_MS = 100
GOALS = {
    "save_per_s": 1000, "save_vs_framework": 0.5, "open_loop_p99_ms": 100, "start_burst_s": 15,
    "end_burst_s": 30, "grading_attempts_per_s": 10000,
}


@dataclass(frozen=True)
class Sizes:
    mode: str
    users: int  # takers in the start and end bursts
    questions: int
    concurrency: int  # takers saving at saturation
    saturation_s: float
    warmup_s: float
    open_rate: float
    open_s: float
    end_saves: int  # answers each burst taker saves before submitting
    grading: int
    floor_s: float
    sweep: tuple[int, ...] = ()
    sweep_s: float = 3.0
    ladder: tuple[int, ...] = (25, 50, 100, 150, 200, 300, 400, 500, 600, 800, 1000, 1200, 1500)
    ladder_s: float = 8.0
    other_scripts_budget_s: float = 0.0  # 0 = no limit
    max_requests: int = 200_000
    extra: dict = field(default_factory=dict)


FULL = Sizes("full", 1000, 5000, 200, 15, 3, 300, 20, 5, 10_000, 10, (1, 2, 5, 10, 25, 50, 100, 200), 4)
QUICK = Sizes("quick", 200, 5000, 200, 5, 1.5, 300, 5, 2, 2_000, 3, (5, 50, 200), 2, other_scripts_budget_s=170,
              ladder_s=4.0)
SMOKE = Sizes("smoke", 20, 1000, 20, 1, 0.3, 50, 1, 2, 200, 1, (), 1, max_requests=5_000, ladder=(50, 100),
              ladder_s=1.0)


# ------------------------------------------------------------------ one database


async def scenarios(server: Gunicorn, seeded, kind: str, sizes: Sizes, scratch: Scratch, probe_info: dict,
                    sweep: bool) -> dict:
    """Every HTTP scenario against one running server; returns the numbers the comparison needs."""
    out: dict = {}
    pool = load.Pool(server.base_url, password=PASSWORD)
    try:
        takers, login_s = await pool.login_many(seeded.usernames[:sizes.users])
        emit("login", db=kind, takers=len(takers), seconds=round(login_s, 2),
             logins_per_s=round(len(takers) / login_s, 1), requests_each=3,
             note="GET form + POST credentials (Argon2id 'fast' profile) + GET home page for the rotated CSRF token")
        savers = takers[:sizes.concurrency]

        # Framework floor: a trivial authenticated JSON read at the same concurrency.
        fw = await load.closed_loop(savers, load.me, duration=sizes.saturation_s, warmup=sizes.warmup_s,
                                    max_requests=sizes.max_requests)
        emit("framework_floor", db=kind, endpoint="GET /api/me", sql_statements=probe_info.get("me_statements"),
             workers=server.workers, **fw)
        out["framework_per_s"] = fw["rate_per_s"]

        # Database floor: raw single-row upserts, same durability, one process per gunicorn worker.
        dbf = await asyncio.to_thread(database_floor, kind, scratch.raw_dsn, processes=server.workers,
                                      seconds=sizes.floor_s)
        emit("database_floor", db=kind, **dbf)
        if kind == "sqlite" and sizes.mode != "smoke":  # information: the same disk without an fsync per commit
            normal = await asyncio.to_thread(database_floor, kind, scratch.raw_dsn, processes=server.workers,
                                             seconds=min(sizes.floor_s, 3), synchronous="NORMAL")
            emit("database_floor_sqlite_synchronous_normal", db=kind, **normal,
                 note="information only; the application runs synchronous=FULL")
        out["database_per_s"] = dbf["rate_per_s"]

        for _try in range(3):  # setup, not measured: retry the few a busy server may drop
            pending = [t for t in savers if t.attempt_id is None]
            if not pending:
                break
            statuses = await load.bounded(pending, lambda t: load.start(t, seeded.exams["save"]), concurrency=50)
            log(f"save exam started: {dict(statuses)}")
        if any(t.attempt_id is None for t in savers):
            raise RuntimeError("could not start the save exam for every taker")

        sat = await load.closed_loop(savers, load.save, duration=sizes.saturation_s, warmup=sizes.warmup_s,
                                     max_requests=sizes.max_requests)
        emit("answer_save", db=kind, endpoint="PUT /api/attempts/<id>/answers/<qid>", **sat,
             framework_floor_per_s=out["framework_per_s"], database_floor_per_s=out["database_per_s"],
             ratio_to_framework=ratio(sat["rate_per_s"], out["framework_per_s"]),
             ratio_to_database=ratio(sat["rate_per_s"], out["database_per_s"]),
             sql_statements_per_save=probe_info.get("save_statements_update"),
             sql_statements_first_save=probe_info.get("save_statements_first"),
             goal=f">= {GOALS['save_per_s']}/s and >= {GOALS['save_vs_framework']} of the framework floor")
        out["save"] = sat

        ol = await load.open_loop(savers, load.save, rate=sizes.open_rate, duration=sizes.open_s)
        emit("answer_save_open_loop", db=kind, **ol, framework_floor_per_s=out["framework_per_s"],
             database_floor_per_s=out["database_per_s"], goal=f"p99 < {GOALS['open_loop_p99_ms']} ms at 300/s")
        out["open_loop"] = ol

        # People per server: offered save rates rising until p99 reaches PEOPLE_P99_MS (or a save fails or is
        # not sent); the last rate under it, at the exam page's rhythm, is how many can sit at once.
        steps, held = [], 0.0
        for rate in sizes.ladder:
            r = await load.open_loop(savers, load.save, rate=rate, duration=sizes.ladder_s)
            ok = r["errors"] == 0 and r["not_sent_over_in_flight_cap"] == 0 and (r["p99_ms"] or 1e9) < PEOPLE_P99_MS
            steps.append({"offered_per_s": rate, "achieved_per_s": r["achieved_per_s"], "p50_ms": r["p50_ms"],
                          "p99_ms": r["p99_ms"], "errors": r["errors"], "under_p99_goal": ok})
            if not ok:
                break
            held = rate
        people = int(held / SAVES_PER_PERSON_PER_S)
        emit("people_per_server", db=kind, people=people, saves_per_s_at_p99_under_100ms=held, ladder=steps,
             saves_per_person_per_s=round(SAVES_PER_PERSON_PER_S, 3), saves_per_question=SAVES_PER_QUESTION,
             seconds_per_question=SECONDS_PER_QUESTION, workers=server.workers,
             note=(f"highest offered save rate (steps of {sizes.ladder_s:.0f} s) with p99 < {PEOPLE_P99_MS} ms, no "
                   "error, none unsent, divided by one person's saves/s at the exam page's rhythm (exam.js: a PUT "
                   "per answer change, one in flight); the load generator shares the two cores"))
        out["people"] = {"people": people, "saves_per_s": held}

        if sweep:
            curve = []
            for c in sizes.sweep:
                r = await load.closed_loop(savers[:c], load.save, duration=sizes.sweep_s, warmup=0.5,
                                           max_requests=sizes.max_requests)
                curve.append({"concurrency": c, "rate_per_s": r["rate_per_s"], "p99_ms": r["p99_ms"],
                              "errors": r["errors"]})
            emit("save_concurrency_sweep", db=kind, curve=curve, database_floor_per_s=out["database_per_s"])
            out["sweep"] = curve

        for name, exam_key in (("start_burst_no_pregen", "start_nopregen"), ("start_burst_pregen", "start_pregen")):
            b = await load.burst(takers, lambda t, e=seeded.exams[exam_key]: load.start(t, e))
            emit(name, db=kind, questions_per_paper=50, pool=sizes.questions, **b,
                 framework_floor_per_s=out["framework_per_s"], database_floor_per_s=out["database_per_s"],
                 pregenerated=exam_key == "start_pregen",
                 pregen_setup_s=round(seeded.timings["pregen_s"], 2) if exam_key == "start_pregen" else None,
                 goal=f"all {sizes.users} papers within {GOALS['start_burst_s']} s, no errors")
            out[name] = b

        # End burst: every taker who has a paper of the pre-generated exam saves answers, then all submit
        # at once (takers whose start failed above are left out and counted).
        sitting = [t for t in takers if t.attempt_id is not None and t.questions]
        for i in range(sizes.end_saves):
            st = await load.bounded(sitting, lambda t, i=i: load.save(t, index=i), concurrency=sizes.concurrency)
            if st.get(200, 0) != len(sitting):
                log(f"end-burst saves round {i}: {dict(st)}")
        eb = await load.burst(sitting, load.submit)
        eb["left_out_without_paper"] = len(takers) - len(sitting)
        out["end_burst"] = eb
        out["acked"] = {k: v for t in takers for k, v in t.acked.items()}
        out["end_attempts"] = [t.attempt_id for t in sitting]
        out["server_tracebacks"] = server.error_count()
    finally:
        await pool.close()
    return out


def verify_and_regrade(scratch: Scratch, seeded, result: dict) -> dict:
    """After the run, in process: acknowledged saves vs the answers table, graded count, regrade rate."""
    from sqlalchemy import select

    from lawtrain.auth.models import User
    from lawtrain.exams import grading, queries
    from lawtrain.exams.models import Answer, Attempt, Exam
    from lawtrain.extensions import db
    from lawtrain.timeutil import utcnow

    app = make_app(scratch)
    with app.app_context():
        s = db.session
        stored = {(a, q): seq for a, q, seq in s.execute(select(Answer.attempt_id, Answer.question_id, Answer.seq))}
        lost = sum(1 for key, seq in result["acked"].items() if stored.get(key, -1) < seq)
        ids = result["end_attempts"]
        graded = s.scalar(select(db.func.count(Attempt.id)).where(
            Attempt.id.in_(ids), Attempt.status == "submitted", Attempt.graded_at.is_not(None)))
        exam = s.get(Exam, seeded.exams["start_pregen"])
        trainer = s.scalar(select(User).where(User.username == "bench-trainer"))
        t0 = time.perf_counter()
        event_id = grading.regrade_exam(s, exam, actor=trainer, now=utcnow())
        regrade_s = time.perf_counter() - t0
        rows = queries.regrade_report(s, event_id).rows
        db.engine.dispose()
    return {"acked_saves": len(result["acked"]), "lost": lost, "graded": graded,
            "regraded": len(rows), "regrade_s": regrade_s}


def run_database(kind: str, sizes: Sizes, workers: int, *, sweep: bool) -> dict:
    scratch = Scratch.create(kind)
    try:
        t0 = time.perf_counter()
        app = make_app(scratch)
        seeded = seed(app, users=sizes.users, questions=sizes.questions, rng=random.Random(2025))
        with app.app_context():
            from lawtrain.extensions import db

            db.engine.dispose()
        emit("setup", db=kind, staff=sizes.users, questions=sizes.questions, exams_questions=50,
             seed_s=round(seeded.timings["seed_s"], 2), password_profile="fast")
        t = seeded.timings
        emit("pregenerate_papers", db=kind, papers=t["pregen_papers"], seconds=round(t["pregen_s"], 2),
             papers_per_s=round(t["pregen_papers"] / max(t["pregen_s"], 1e-9), 1),
             note="lawtrain.exams.papers.pregenerate_papers for the start_pregen exam (pools read once)")

        profile_path = os.path.join(scratch.instance, "..", f"lawtrain-bench-profile-{kind}.txt")
        profile_path = os.path.abspath(profile_path)
        info = probe(scratch, seeded.exams["probe"], seeded.probe_usernames,
                     saves=20 if sizes.mode == "smoke" else 300, starts=1 if sizes.mode == "smoke" else 5,
                     profile_path=profile_path)
        emit("sql_statements", db=kind, per_me=info["me_statements"], per_save=info["save_statements_update"],
             per_first_save=info["save_statements_first"], per_start=info["start_statements"],
             save_statements=info["save_statement_list"], start_statements=info["start_statement_list"])
        emit("lock_hold", db=kind, lock_hold_ms_per_save=info["lock_hold_ms_per_save"],
             inprocess_save_ms=info["inprocess_save_ms"],
             lock_hold_ms_per_submit=info.get("lock_hold_ms_per_submit"),
             inprocess_submit_ms=info.get("inprocess_submit_ms"),
             note=("in process, unprofiled, one save after another: SQLite from BEGIN IMMEDIATE to the end of "
                   "COMMIT; PostgreSQL from the first statement that locks the attempt or writes to the end of "
                   "COMMIT"))
        emit("profile", db=kind, save_ms_under_cprofile=info["inprocess_save_ms_under_cprofile"],
             start_ms_under_cprofile=info["inprocess_start_ms_under_cprofile"],
             save_top_tottime=info["save_profile_top"], save_lawtrain_cumulative=info["save_profile_lawtrain"],
             start_lawtrain_cumulative=info["start_profile_lawtrain"], start_top_tottime=info["start_profile_top"],
             file=info.get("profile_file"))

        with Gunicorn(scratch.url, scratch.instance, workers=workers) as server:
            result = asyncio.run(scenarios(server, seeded, kind, sizes, scratch, info, sweep))
            result["lock_hold"] = info["lock_hold_ms_per_save"]
            result["redis"] = bool(server.redis)
        check = verify_and_regrade(scratch, seeded, result)
        eb = result["end_burst"]
        emit("end_burst", db=kind, **eb, graded=check["graded"], acked_saves=check["acked_saves"],
             answers_lost=check["lost"], server_tracebacks=result["server_tracebacks"],
             framework_floor_per_s=result["framework_per_s"], database_floor_per_s=result["database_per_s"],
             goal=f"all {sizes.users} graded within {GOALS['end_burst_s']} s, 0 lost")
        emit("regrade_service", db=kind, attempts=check["regraded"], seconds=round(check["regrade_s"], 2),
             attempts_per_s=round(check["regraded"] / max(check["regrade_s"], 1e-9), 1),
             note="grading.regrade_exam in process: load, grade and store every submitted attempt of one exam")
        result["check"] = check
        result["setup_s"] = time.perf_counter() - t0
        return result
    finally:
        scratch.drop()


# ------------------------------------------------------------------ comparison and other scripts


def crossover(results: dict) -> dict:
    """Where PostgreSQL should take over from SQLite, from the two concurrency sweeps."""
    s, p = results["sqlite"].get("sweep") or [], results["postgres"].get("sweep") or []
    ceiling = max((c["rate_per_s"] or 0 for c in s), default=0)
    saturates_at = next((c["concurrency"] for c in s if (c["rate_per_s"] or 0) >= 0.9 * ceiling), None)
    pg_wins_at = next((a["concurrency"] for a, b in zip(s, p, strict=False)
                       if (b["rate_per_s"] or 0) > (a["rate_per_s"] or 0)), None)
    return {
        "sqlite_ceiling_saves_per_s": ceiling,
        "sqlite_saturates_at_concurrency": saturates_at,
        "postgres_faster_from_concurrency": pg_wins_at,
        "sqlite_people": results["sqlite"].get("people", {}).get("people"),
        "postgres_people": results["postgres"].get("people", {}).get("people"),
        "note": ("people = the people_per_server figure (p99 save < 100 ms at the exam page's rhythm); "
                 "above that, or with more than one app server, use PostgreSQL"),
    }


def compare(results: dict) -> None:
    rows = {}
    for kind, r in results.items():
        rows[kind] = {
            "save_per_s": r["save"]["rate_per_s"], "save_p99_ms": r["save"]["p99_ms"],
            "open_loop_p99_ms": r["open_loop"]["p99_ms"], "framework_floor_per_s": r["framework_per_s"],
            "database_floor_per_s": r["database_per_s"],
            "start_no_pregen_s": r["start_burst_no_pregen"]["all_done_s"],
            "start_pregen_s": r["start_burst_pregen"]["all_done_s"], "end_burst_s": r["end_burst"]["all_done_s"],
            "answers_lost": r["check"]["lost"], "people": r.get("people", {}).get("people"),
            "lock_hold_ms_p50": (r.get("lock_hold") or {}).get("p50"),
        }
    emit("sqlite_vs_postgresql", **rows, crossover=crossover(results) if len(results) == 2 else None)


def other_scripts(sizes: Sizes, deadline: float | None) -> None:
    """Run the other areas' benchmark scripts and forward their JSON lines."""
    for name in ("certificates", "reports", "bank_import", "hostile_files"):
        path = ROOT / "bench" / f"{name}.py"
        figure = f"{name}_script"
        if not path.exists():
            emit(figure, skipped=f"bench/{name}.py not present")
            continue
        source = path.read_text(encoding="utf-8")
        args = [sys.executable, str(path)]
        if sizes.mode == "smoke":
            if "--smoke" not in source:
                emit(figure, skipped="smoke run: the script has no --smoke mode")
                continue
            args.append("--smoke")
        elif sizes.mode == "quick" and "--quick" in source:
            args.append("--quick")
        timeout = None
        if deadline is not None:
            timeout = deadline - time.monotonic()
            if timeout < 5:
                emit(figure, skipped="no time left in the --quick budget")
                continue
        try:
            proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            emit(figure, skipped=f"did not finish within the {timeout:.0f} s left in the --quick budget")
            continue
        forwarded = 0
        for line in proc.stdout.splitlines():
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if isinstance(data, dict):
                data.setdefault("figure", name)
                data["source"] = f"bench/{name}.py"
                LINES.append(data)
                print(json.dumps(data, ensure_ascii=False), flush=True)
                forwarded += 1
        if proc.returncode != 0 or not forwarded:
            emit(figure, skipped=f"exit {proc.returncode}: {(proc.stderr or '').strip()[-300:]}")


def goals(results: dict, grade: dict) -> None:
    s = results.get("sqlite")
    if not s:
        return
    checks = {
        "save_per_s>=1000": (s["save"]["rate_per_s"] or 0) >= GOALS["save_per_s"],
        "save>=0.5_framework": (ratio(s["save"]["rate_per_s"], s["framework_per_s"]) or 0)
        >= GOALS["save_vs_framework"],
        "open_loop_p99<100ms": (s["open_loop"]["p99_ms"] or 1e9) < GOALS["open_loop_p99_ms"]
        and s["open_loop"]["errors"] == 0,
        "start_burst_pregen<15s_no_errors": s["start_burst_pregen"]["all_done_s"] < GOALS["start_burst_s"]
        and s["start_burst_pregen"]["errors"] == 0,
        "start_burst_no_pregen<15s_no_errors": s["start_burst_no_pregen"]["all_done_s"] < GOALS["start_burst_s"]
        and s["start_burst_no_pregen"]["errors"] == 0,
        "end_burst<30s_0_lost": s["end_burst"]["all_done_s"] < GOALS["end_burst_s"] and s["check"]["lost"] == 0
        and s["end_burst"]["errors"] == 0,
        "grading>=10000/s": grade["attempts_per_s"] >= GOALS["grading_attempts_per_s"],
    }
    emit("goals_sqlite", met=[k for k, v in checks.items() if v], missed=[k for k, v in checks.items() if not v])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller run, under 3 minutes")
    parser.add_argument("--smoke", action="store_true", help="tiny run that only proves the harness works (CI)")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("GUNICORN_WORKERS", "0")) or None,
                        help="gunicorn workers (default: the production default for each database)")
    parser.add_argument("--exams-only", action="store_true",
                        help="skip the other areas' scripts (certificates, reports, imports)")
    parser.add_argument("--json-out", help="also write every line to this file (JSON lines)")
    args = parser.parse_args(argv)
    # A CI timeout sends SIGTERM: unwind through the finally blocks (gunicorn stopped, scratch database dropped).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sizes = SMOKE if args.smoke else QUICK if args.quick else FULL
    started = time.monotonic()
    deadline = started + sizes.other_scripts_budget_s if sizes.other_scripts_budget_s else None

    workers = args.workers or {kind: default_workers(kind) for kind in ("sqlite", "postgres")}
    emit("machine", mode=sizes.mode, gunicorn_workers=workers, **machine())
    grade = grading(sizes.grading)
    emit("grading", **grade, goal=f">= {GOALS['grading_attempts_per_s']} attempts/s")

    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results, failed = {}, []
    try:
        for kind in kinds:
            log(f"== {kind}")
            try:
                results[kind] = run_database(kind, sizes, args.workers or default_workers(kind),
                                             sweep=args.db == "both" or sizes.mode == "full")
            except Exception as e:  # noqa: BLE001 - report it, go on with the other database
                failed.append(kind)
                emit(f"run_{kind}", error=f"{type(e).__name__}: {str(e)[-1500:]}")
        if len(results) == 2:
            compare(results)
        if not args.exams_only:
            other_scripts(sizes, deadline)
        goals(results, grade)
        emit("done", seconds=round(time.monotonic() - started, 1), failed=failed)
    finally:
        if args.json_out:
            with open(args.json_out, "w", encoding="utf-8") as f:
                for line in LINES:
                    f.write(json.dumps(line, ensure_ascii=False) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
