"""Benchmark: the reports over 5,000 staff in 40 departments and 100,000 attempts.

Run: ``python bench/reports.py`` (scratch SQLite) or ``python bench/reports.py --db postgres``
(``--url postgresql+psycopg://postgres@127.0.0.1:5432/lt_bench``; the database is created if missing).
Builds the population with bulk inserts, then times pages through the Flask test client (server time) and the
5,000-row PDF, printing one JSON line per figure with the SQL statements each page ran.
Targets (issue 7): dashboard and completion report < 0.5 s; the 5,000-row PDF < 5 s. The weak-articles map
and the item analysis are timed for the record over the marked papers of exam 1 (about 100,000 answers).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, insert, text  # noqa: E402

STAFF, DEPARTMENTS, ATTEMPTS, EXAMS = 5_000, 40, 100_000, 20
QUESTIONS, PAPER, CHAPTERS, ARTICLES = 100, 20, 7, 119  # exam 1's attempts get marked papers (weak, items)
# The covering index declared on Attempt in lawtrain/exams/models.py (and created by the initial migration):
# the per-person attempt aggregation reads it alone. `--without-index` drops it to show what it buys.
REPORT_INDEX = "ix_attempts_report"


def _emit(**values) -> None:
    print(json.dumps(values, ensure_ascii=False), flush=True)


def build(session, rng: random.Random) -> dict:
    """Departments (bureau -> 7 大队/科室 -> squads), staff, exams, attempts, study rows, certificates."""
    from lawtrain.auth.models import User, UserRole
    from lawtrain.certificates.models import Certificate
    from lawtrain.courses.models import (
        AssignmentDepartment,
        AssignmentModule,
        CourseModule,
        StudyRecord,
        StudyTimeEntry,
        TrainingAssignment,
    )
    from lawtrain.exams.models import Attempt, Exam, ExamAssignee
    from lawtrain.org.models import Department

    depts = [{"id": 1, "name": "区应急局", "parent_id": None, "id_path": "/1/", "name_path": "区应急局"}]
    for i in range(2, 9):
        depts.append({"id": i, "name": f"业务科室{i - 1}", "parent_id": 1, "id_path": f"/1/{i}/",
                      "name_path": f"区应急局/业务科室{i - 1}"})
    for i in range(9, DEPARTMENTS + 1):
        parent = depts[2 + (i % 7) - 1]
        depts.append({"id": i, "name": f"中队{i}", "parent_id": parent["id"], "id_path": f"{parent['id_path']}{i}/",
                      "name_path": f"{parent['name_path']}/中队{i}"})
    session.execute(insert(Department), depts)
    users = [{"id": n, "username": f"s{n:05d}", "display_name": f"员工{n}", "staff_no": f"S{n:05d}",
              "department_id": 1 + n % DEPARTMENTS, "password_hash": "x", "is_active_account": True,
              "must_change_password": False, "created_at": datetime(2025, 1, 1)} for n in range(1, STAFF + 1)]
    session.execute(insert(User), users)
    session.execute(insert(UserRole), [{"user_id": n, "role": "staff"} for n in range(1, STAFF + 1)])
    exams = [{"id": e, "title": f"考试{e}", "status": "published", "pass_percent": 60.0, "gate": {},
              "opens_at": datetime(2025, 1, 1), "closes_at": datetime(2026, 1, 1), "created_at": datetime(2025, 1, 1),
              "duration_minutes": 60, "attempts_allowed": 10, "counting": "best", "multiple_scoring": "all_or_nothing",
              "release": "immediate", "review": "full", "shuffle_questions": True, "shuffle_options": True,
              "paper_mode": "rules"} for e in range(1, EXAMS + 1)]
    session.execute(insert(Exam), exams)
    session.execute(insert(ExamAssignee), [{"exam_id": e, "department_id": 1} for e in range(1, EXAMS + 1)])
    rows, numbers, attempt_exams = [], {}, []
    start = datetime(2025, 1, 1)
    for i in range(ATTEMPTS):
        user, exam = rng.randint(1, STAFF), rng.randint(1, EXAMS)
        attempt_exams.append(exam)  # attempts are inserted in order into an empty table: id = i + 1
        number = numbers[(exam, user)] = numbers.get((exam, user), 0) + 1
        at = start + timedelta(minutes=rng.randint(0, 60 * 24 * 360))
        percent = round(min(100.0, max(0.0, rng.gauss(72, 15))), 1)
        rows.append({"exam_id": exam, "user_id": user, "number": number, "status": "submitted", "seed": i,
                     "started_at": at - timedelta(minutes=30), "deadline_at": at + timedelta(minutes=30),
                     "submitted_at": at, "finish_reason": "submitted", "last_seq": 0, "score": percent,
                     "max_score": 100.0, "percent": percent, "passed": percent >= 60, "graded_at": at,
                     "tab_switches": 0, "tab_away_seconds": 0})
        if len(rows) == 10_000:
            session.execute(insert(Attempt), rows)
            rows = []
    if rows:
        session.execute(insert(Attempt), rows)
    modules = [{"id": m, "key": f"bench/{m}", "law_name": "安全生产法", "title": f"模块{m}", "objectives": [],
                "key_points": [], "body": "", "articles": [m], "estimated_minutes": 15, "min_study_minutes": 15,
                "bank_names": [], "is_open": False, "status": "active", "sort_order": m,
                "created_at": start, "updated_at": start} for m in range(1, 9)]
    session.execute(insert(CourseModule), modules)
    session.execute(insert(TrainingAssignment), [{"id": 1, "title": "全员学习", "due_date": date(2025, 6, 30),
                                                  "created_at": start}])
    session.execute(insert(AssignmentModule), [{"assignment_id": 1, "module_id": m} for m in range(1, 9)])
    session.execute(insert(AssignmentDepartment), [{"assignment_id": 1, "department_id": 1}])
    study = []
    for n in range(1, STAFF + 1):
        for m in range(1, rng.randint(0, 8) + 1):
            study.append({"user_id": n, "module_id": m, "seconds": 900, "started_at": start, "check_attempts": 1,
                          "completed_at": start + timedelta(days=rng.randint(0, 300))})
    session.execute(insert(StudyRecord), study)
    session.execute(insert(StudyTimeEntry), [{"user_id": n, "law_name": "安全生产法", "channel": "reading",
                                              "day": date(2025, 3, 1), "seconds": 900 * rng.randint(1, 8)}
                                             for n in range(1, STAFF + 1)])
    marked = _marked_papers(session, rng, [i + 1 for i, exam in enumerate(attempt_exams) if exam == 1])
    certs = [{"user_id": n, "exam_id": 1, "serial": f"B-{n}", "serial_year": 2025, "serial_no": n, "code": f"c{n}",
              "issued_at": datetime(2025, 6, 1), "person_name": f"员工{n}", "exam_title": "考试1", "laws": [],
              "score": 90.0, "max_score": 100.0, "percent": 90.0, "exam_date": date(2025, 6, 1),
              "is_auto_revoked": False, "updated_at": datetime(2025, 6, 1)} for n in range(1, STAFF + 1, 3)]
    session.execute(insert(Certificate), certs)
    admin = {"id": STAFF + 1, "username": "benchadmin", "display_name": "管理员", "password_hash": "x",
             "is_active_account": True, "must_change_password": False, "created_at": start}
    session.execute(insert(User), [admin])
    session.execute(insert(UserRole), [{"user_id": STAFF + 1, "role": "admin"}])
    if session.get_bind().dialect.name == "postgresql":
        for table in ("departments", "users", "exams", "training_assignments"):
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT max(id) FROM {table}))"))
        session.execute(text("ANALYZE"))
    else:
        session.execute(text("ANALYZE"))
    session.commit()
    return {"staff": STAFF, "departments": DEPARTMENTS, "attempts": ATTEMPTS, "study_records": len(study),
            "attempt_questions": marked}


def _marked_papers(session, rng: random.Random, attempt_ids: list[int]) -> int:
    """The law library (安全生产法 in chapters), a bank of cited questions, and a marked paper of PAPER questions
    for each given attempt, so that the weak-articles map and the item analysis have rows to aggregate."""
    from lawtrain.banks.models import Bank, Question, QuestionCitation, QuestionVersion
    from lawtrain.courses.models import Article, Law, LawRevision
    from lawtrain.exams.models import AttemptQuestion

    session.execute(insert(Law), [{"id": 1, "name": "中华人民共和国安全生产法", "short_name": "安全生产法"}])
    session.execute(insert(LawRevision), [{"id": 1, "law_id": 1, "revision_date": date(2021, 6, 10),
                                           "is_current": True, "flagged_modules": 0, "flagged_other": 0}])
    per_chapter = -(-ARTICLES // CHAPTERS)
    session.execute(insert(Article), [{"revision_id": 1, "number": n, "label": f"第{n}条", "text": "……",
                                       "chapter": f"第{(n - 1) // per_chapter + 1}章"} for n in range(1, ARTICLES + 1)])
    session.execute(insert(Bank), [{"id": 1, "name": "安全生产法题库", "law_name": "安全生产法"}])
    session.execute(insert(Question), [{"id": q, "bank_id": 1, "status": "active", "type": "single"}
                                       for q in range(1, QUESTIONS + 1)])
    session.execute(insert(QuestionVersion), [
        {"id": q, "question_id": q, "version_no": 1, "type": "single", "stem": f"题干{q}",
         "options": ["甲", "乙", "丙", "丁"], "answer": ["A"], "points": 1.0, "basis": [], "tags": []}
        for q in range(1, QUESTIONS + 1)])
    session.execute(text("UPDATE questions SET current_version_id = id"))
    # Each question cites one article; every fifth cites the next one too.
    cites = [{"question_id": q, "law_name": "安全生产法", "article_no": (q + k) % ARTICLES + 1}
             for q in range(1, QUESTIONS + 1) for k in ((0, 1) if q % 5 == 0 else (0,))]
    session.execute(insert(QuestionCitation), cites)
    ease = {q: rng.uniform(0.3, 0.95) for q in range(1, QUESTIONS + 1)}
    rows, total = [], 0
    for attempt_id in attempt_ids:
        for position, q in enumerate(rng.sample(range(1, QUESTIONS + 1), PAPER), start=1):
            right = rng.random() < ease[q]
            rows.append({"attempt_id": attempt_id, "position": position, "question_id": q, "question_version_id": q,
                         "option_order": [0, 1, 2, 3], "points": 1.0, "score": 1.0 if right else 0.0,
                         "is_correct": right, "is_voided": False})
        if len(rows) >= 10_000:
            session.execute(insert(AttemptQuestion), rows)
            total, rows = total + len(rows), []
    if rows:
        session.execute(insert(AttemptQuestion), rows)
    return total + len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/lt_bench")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--without-index", action="store_true",
                        help=f"also time with the covering index {REPORT_INDEX} dropped, to see what it buys")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="lawtrain-bench-reports-")
    uri = f"sqlite:///{tmp}/bench.db" if args.db == "sqlite" else args.url
    if args.db == "postgres":
        _ensure_pg_database(uri)
    os.environ.setdefault("LAWTRAIN_INSTANCE", os.path.join(tmp, "instance"))

    from flask_login import login_user

    from lawtrain import create_app
    from lawtrain.auth.models import User
    from lawtrain.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "TESTING": True, "LAWTRAIN_DEMO": False, "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        t0 = time.perf_counter()
        sizes = build(db.session, random.Random(7))
        _emit(figure="build", db=args.db, seconds=round(time.perf_counter() - t0, 2), **sizes)
        admin_id = STAFF + 1

    statements = {"n": 0}
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: statements.__setitem__("n",
                                                                                             statements["n"] + 1))

    @app.before_request
    def _bench_login():  # the bench signs in without a password round-trip
        login_user(db.session.get(User, admin_id))

    client = app.test_client()
    _time_pages(app, client, statements, args, label=f"as modelled (with {REPORT_INDEX})")
    if args.without_index:
        with app.app_context():
            db.session.execute(text(f"DROP INDEX {REPORT_INDEX}"))
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        _time_pages(app, client, statements, args, label=f"without {REPORT_INDEX}")


def _time_pages(app, client, statements, args, *, label: str) -> None:
    pages = {
        "dashboard": "/reports/dashboard?year=2025",
        "completion (year, bureau)": "/reports/completion?year=2025",
        "completion (exam)": "/reports/completion?exam_id=1",
        "completion (assignment)": "/reports/completion?assignment_id=1",
        "completion (department drill-down)": "/reports/completion?year=2025&department_id=2",
        "api completion": "/api/reports/completion?exam_id=1",
        "annual": "/reports/annual?year=2025",
        "weak articles (by article)": "/reports/weak?year=2025",
        "weak articles (by chapter)": "/reports/weak?year=2025&by=chapter",
        "item analysis: exam list": "/reports/exams",
        "item analysis (exam 1, marked papers)": "/reports/exams/1/items",
    }
    targets = {"dashboard": 0.5, "completion": 0.5, "api completion": 0.5}  # issue 7; the others are for the record
    for name, url in pages.items():
        times, counts = [], []
        for _ in range(args.repeat):
            statements["n"] = 0
            t0 = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t0)
            counts.append(statements["n"])
            assert response.status_code == 200, (url, response.status_code)
        _emit(figure="page", db=args.db, indexes=label, page=name, url=url, best_seconds=round(min(times), 3),
              worst_seconds=round(max(times), 3), sql_statements=counts[-1],
              target_seconds=next((t for prefix, t in targets.items() if name.startswith(prefix)), None))
    for name, url in {"completion pdf (5,000 people)": "/reports/completion/export.pdf?year=2025",
                      "completion csv (streamed)": "/reports/completion/export.csv?year=2025",
                      "completion xlsx": "/reports/completion/export.xlsx?year=2025"}.items():
        t0 = time.perf_counter()
        response = client.get(url)
        size = len(response.get_data())
        _emit(figure="export", db=args.db, indexes=label, export=name, seconds=round(time.perf_counter() - t0, 2),
              bytes=size, target_seconds=5.0 if "pdf" in name else None)
    t0 = time.perf_counter()
    with app.app_context():
        from lawtrain.certificates.fonts import get_cjk_font
        from lawtrain.extensions import db
        from lawtrain.reports import builders, queries
        from lawtrain.reports.pdf import render_report

        report = queries.completion_report(db.session, queries.ReportFilter(year=2025), root=None,
                                           today=date(2025, 12, 1), now=datetime(2025, 12, 1), people="all")
        t1 = time.perf_counter()
        doc = builders.completion_document(report, "bench", report.people)
        pdf = render_report(doc, font_name=get_cjk_font(None))
    _emit(figure="pdf render only", db=args.db, indexes=label, people=len(report.people),
          query_seconds=round(t1 - t0, 2), render_seconds=round(time.perf_counter() - t1, 2), bytes=len(pdf),
          target_seconds=5.0)


def _ensure_pg_database(uri: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(uri)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}):
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


if __name__ == "__main__":
    main()
