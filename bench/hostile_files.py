"""Benchmark: how long the upload routes take to refuse each hostile file of the security suite.

Run: ``python bench/hostile_files.py [--smoke]`` — one JSON line per upload route, no assertions. The files are
the ones `tests/security/test_hostile_files.py` proves are refused (zip bombs, billion laughs, XXE, a cell at
XFD1048576, 10,000 zip entries, renamed binaries, odd encodings); here only the time is measured, through
the Flask test client against a scratch SQLite database, signed in with the role each route needs.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lawtrain import create_app  # noqa: E402
from tests import factories  # noqa: E402
from tests.security import test_hostile_files as hostile  # noqa: E402

ROUTES = {
    "bank_import": ("/banks/import", "trainer", {"bank_id": "0", "new_bank_name": "攻击题库", "fmt": ""},
                    hostile.bank_cases),
    "staff_import": ("/admin/import", "admin", {}, hostile.roster_cases),
    "law_import": ("/courses/laws/import", "trainer", {"revision_date": "2021-06-10"}, hostile.law_cases),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one case per route")
    parser.add_argument("--quick", action="store_true", help="the same as a full run (it takes seconds)")
    args = parser.parse_args()
    instance = tempfile.mkdtemp(prefix="lawtrain-bench-hostile-")
    os.environ["LAWTRAIN_INSTANCE"] = instance
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/bench.db", "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_PROFILE": "fast", "LAWTRAIN_DEMO": False,
                      "SECRET_KEY": "bench"})
    from lawtrain.extensions import db

    with app.app_context():
        db.create_all()
        users = {role: factories.make_user(db.session, roles=[role]).username for role in ("trainer", "admin")}
        db.session.commit()
    # Requests outside that app context: each gets its own, as under a real server (g is per context).
    for figure, (url, role, form, cases) in ROUTES.items():
        client = app.test_client()
        signed_in = client.post("/auth/login", data={"username": users[role], "password": factories.PASSWORD})
        if signed_in.status_code != 302:
            raise SystemExit(f"could not sign in as {role}: {signed_in.status_code}")
        timings, statuses = {}, set()
        for name, (filename, build) in list(cases().items())[: 1 if args.smoke else None]:
            data = build()
            started = time.perf_counter()
            r = client.post(url, data={**form, "file": (io.BytesIO(data), filename)},
                            content_type="multipart/form-data")
            timings[name] = round((time.perf_counter() - started) * 1000, 1)
            statuses.add(r.status_code)
            r.request.environ["wsgi.input"].close()
        print(json.dumps({"figure": f"hostile_upload_refusal_{figure}", "route": f"POST {url}",
                          "files": len(timings), "median_ms": round(statistics.median(timings.values()), 1),
                          "max_ms": max(timings.values()), "statuses": sorted(statuses), "ms_each": timings},
                         ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
