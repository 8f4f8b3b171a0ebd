"""Lock hold per answer save and per submit, in process — the figure a loaded, shared machine moves least.

    python bench/lock_hold.py [--db sqlite|postgres] [--saves 300] [--rounds 3]

A scratch database (the production settings, as bench/run.py), one probe run per round (bench/_probe.py:
statement counts, `saves` saves one after another on one attempt, 14 people who start, save 10 answers and
submit), one JSON line per round and a summary with the best (lowest) median of the rounds: the machine's
other load only ever adds to a hold. To compare two commits, run this in each worktree alternately.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import emit  # noqa: E402
from bench._probe import probe  # noqa: E402
from bench._setup import Scratch, make_app, seed  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    scratch = Scratch.create(args.db)
    try:
        app = make_app(scratch)
        seeded = seed(app, users=20, questions=1000, rng=random.Random(2025), probes=20 * args.rounds)
        with app.app_context():
            from lawtrain.extensions import db

            db.engine.dispose()
        rounds = []
        for i in range(args.rounds):
            names = seeded.probe_usernames[20 * i:20 * (i + 1)]
            info = probe(scratch, seeded.exams["probe"], names, saves=args.saves, starts=1, profile_path=None)
            rounds.append(info)
            emit("lock_hold_round", db=args.db, round=i + 1, save=info["lock_hold_ms_per_save"],
                 submit=info.get("lock_hold_ms_per_submit"), inprocess_save_ms=info["inprocess_save_ms"],
                 inprocess_submit_ms=info.get("inprocess_submit_ms"),
                 statements_per_save=info["save_statements_update"])

        def best(key, field):
            values = [r[key][field] for r in rounds if r.get(key) and r[key].get(field) is not None]
            return min(values) if values else None

        emit("lock_hold_best", db=args.db, rounds=args.rounds,
             save_p50_ms=best("lock_hold_ms_per_save", "p50"),
             save_before_commit_p50_ms=best("lock_hold_ms_per_save", "before_commit_p50"),
             save_commit_p50_ms=best("lock_hold_ms_per_save", "commit_p50"),
             submit_p50_ms=best("lock_hold_ms_per_submit", "p50"),
             submit_before_commit_p50_ms=best("lock_hold_ms_per_submit", "before_commit_p50"),
             inprocess_save_p50_ms=best("inprocess_save_ms", "p50"),
             inprocess_submit_p50_ms=best("inprocess_submit_ms", "p50"),
             statements_per_save=rounds[0]["save_statements_update"],
             statements_per_first_save=rounds[0]["save_statements_first"])
    finally:
        scratch.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
