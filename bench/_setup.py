"""Scratch databases and the in-process seeding of the benchmark: staff, a 5,000-question bank, exams."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta

from bench._common import log

PASSWORD = "Bench-pass-2025"
DEPARTMENT = "区应急局/基准测试大队"
PG_ADMIN_DSN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
# 50 questions, 75 points: the shape of the district's annual exam.
RULES = [
    {"type": "single", "count": 20, "points": 1.0, "law_name": "安全生产法"},
    {"type": "multiple", "count": 10, "points": 2.0, "law_name": "安全生产法"},
    {"type": "true_false", "count": 15, "points": 1.0, "law_name": "安全生产法"},
    {"type": "fill_blank", "count": 5, "points": 2.0, "law_name": "安全生产法"},
]


@dataclass
class Scratch:
    """A throw-away database (SQLite file in a temp dir, or a fresh PostgreSQL database) and instance dir."""

    kind: str
    url: str
    instance: str
    pg_name: str | None = None

    @classmethod
    def create(cls, kind: str) -> Scratch:
        instance = tempfile.mkdtemp(prefix=f"lawtrain-bench-{kind}-")
        if kind == "sqlite":
            return cls(kind, "sqlite:///" + os.path.join(instance, "lawtrain.db"), instance)
        import psycopg

        name = f"lt_bench_{os.getpid()}_{int(time.time())}"
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        return cls(kind, f"{base}/{name}", instance, name)

    @property
    def raw_dsn(self) -> str:
        """The psycopg DSN (PostgreSQL) or the file path (SQLite) for the database floor."""
        if self.kind == "sqlite":
            return self.url[len("sqlite:///"):]
        return self.url.replace("postgresql+psycopg://", "postgresql://", 1)

    def drop(self) -> None:
        if self.pg_name:
            import psycopg

            try:
                with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
            except Exception as e:  # noqa: BLE001 - cleanup must not hide the run's result
                log(f"could not drop {self.pg_name}: {e}")
        shutil.rmtree(self.instance, ignore_errors=True)


def make_app(scratch: Scratch, **overrides):
    """The application against the scratch database, with the fast password profile for seeding."""
    os.environ["LAWTRAIN_INSTANCE"] = scratch.instance
    from lawtrain import create_app

    config = {"SQLALCHEMY_DATABASE_URI": scratch.url, "PASSWORD_HASH_PROFILE": "fast", "SECRET_KEY": "bench-secret",
              "LAWTRAIN_DEMO": False}
    config.update(overrides)
    return create_app(config)


@dataclass
class Seeded:
    user_ids: list[int]
    usernames: list[str]
    probe_usernames: list[str]
    exams: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def _question_rows(n: int, bank_id: int, rng: random.Random, now):
    questions, versions, citations = [], [], []
    kinds = ("single", "multiple", "true_false", "fill_blank")
    for i in range(1, n + 1):
        kind = kinds[i % 4]
        article = rng.randint(1, 119)
        difficulty = rng.randint(1, 5)
        options: list[str] = []
        if kind in ("single", "multiple"):
            options = [f"选项{c}：生产经营单位应当{rng.random():.4f}" for c in "ABCD"]
            answer = ["B"] if kind == "single" else ["A", "C"]
            stem = f"第{i}题：根据《安全生产法》第{article}条，下列说法正确的是？"
        elif kind == "true_false":
            answer = [rng.choice(["true", "false"])]
            stem = f"第{i}题：《安全生产法》第{article}条规定生产经营单位应当建立全员安全生产责任制。"
        else:
            answer = [["一小时", "1小时"]]
            stem = f"第{i}题：事故发生后，事故现场有关人员应当在____内报告本单位负责人。"
        questions.append(dict(id=i, bank_id=bank_id, external_id=f"BENCH-{i:05d}", status="active", type=kind,
                              difficulty=difficulty, created_at=now, updated_at=now))
        versions.append(dict(id=i, question_id=i, version_no=1, type=kind, stem=stem, options=options, answer=answer,
                             explanation="见条文。", points=1.0, difficulty=difficulty,
                             basis=[{"law": "安全生产法", "article": article}], tags=["基准"], created_at=now))
        citations.append(dict(question_id=i, law_name="安全生产法", article_no=article))
    return questions, versions, citations


def seed(app, *, users: int, questions: int, probes: int = 20, rng: random.Random) -> Seeded:
    """Create the tables, staff, the bank and the exams (save, start with and without pre-generated papers)."""
    from sqlalchemy import insert, text, update

    from lawtrain.auth.models import User, UserRole
    from lawtrain.auth.passwords import _PROFILES
    from lawtrain.banks.models import Bank, Question, QuestionCitation, QuestionVersion
    from lawtrain.exams import authoring, papers
    from lawtrain.exams.models import Exam
    from lawtrain.extensions import db
    from lawtrain.org.services import ensure_path
    from lawtrain.timeutil import utcnow

    t0 = time.perf_counter()
    now = utcnow()
    with app.app_context():
        s = db.session
        db.create_all()
        dept = ensure_path(s, DEPARTMENT)
        s.commit()
        pw_hash = _PROFILES["fast"].hash(PASSWORD)
        trainer = User(username="bench-trainer", display_name="基准出题人", password_hash=pw_hash,
                       must_change_password=False, is_active_account=True)
        trainer.role_rows = [UserRole(role="trainer")]
        s.add(trainer)
        s.flush()
        usernames = [f"bench{i:05d}" for i in range(1, users + 1)]
        probe_names = [f"probe{i:03d}" for i in range(1, probes + 1)]
        rows = [dict(username=u, display_name=f"考生{u[-5:]}", staff_no=f"B{u[-5:]}", department_id=dept.id,
                     password_hash=pw_hash, must_change_password=False, is_active_account=True, created_at=now)
                for u in usernames]
        rows += [dict(username=u, display_name=f"探针{u[-3:]}", staff_no=f"P{u[-3:]}", department_id=None,
                      password_hash=pw_hash, must_change_password=False, is_active_account=True, created_at=now)
                 for u in probe_names]
        s.execute(insert(User), rows)
        ids = dict(s.execute(text("SELECT username, id FROM users")).tuples().all())
        s.execute(insert(UserRole), [dict(user_id=ids[u], role="staff") for u in usernames + probe_names])
        bank = Bank(name="基准题库（5000题）", law_name="安全生产法", owner_id=trainer.id, created_at=now)
        s.add(bank)
        s.flush()
        qrows, vrows, crows = _question_rows(questions, bank.id, rng, now)
        s.execute(insert(Question), qrows)
        s.execute(insert(QuestionVersion), vrows)
        s.execute(update(Question).values(current_version_id=Question.id).execution_options(synchronize_session=False))
        s.execute(insert(QuestionCitation), crows)
        if db.engine.dialect.name == "postgresql":
            for table in ("questions", "question_versions"):
                s.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT max(id) FROM {table}))"))
        s.commit()
        t_seed = time.perf_counter() - t0

        exams = {}
        closes = now + timedelta(minutes=50)  # duration 60 > window: every attempt shares this deadline
        for name in ("save", "start_nopregen", "start_pregen"):
            data = authoring.ExamData(title=f"基准考试：{name}", opens_at=now - timedelta(minutes=5), closes_at=closes,
                                     duration_minutes=60, attempts_allowed=1, release="immediate",
                                     department_ids=[dept.id], rules=[dict(r) for r in RULES])
            exam, check = authoring.save_exam(s, None, data, actor=trainer, now=now)
            if check.messages:
                raise RuntimeError(f"exam setup: {check.messages}")
            authoring.publish_exam(s, exam, actor=trainer, now=now)
            exams[name] = exam.id
        probe = authoring.ExamData(title="基准考试：probe", opens_at=now - timedelta(minutes=5), closes_at=closes,
                                  duration_minutes=60, attempts_allowed=1000, release="immediate",
                                  user_ids=[ids[u] for u in probe_names], rules=[dict(r) for r in RULES])
        exam, _check = authoring.save_exam(s, None, probe, actor=trainer, now=now)
        authoring.publish_exam(s, exam, actor=trainer, now=now)
        exams["probe"] = exam.id

        # The start_pregen exam's papers, by the service a trainer runs before a big exam (timed), and the
        # save exam's (setup for the save scenarios, not a measured figure).
        t1 = time.perf_counter()
        made = papers.pregenerate_papers(s, s.get(Exam, exams["start_pregen"]), rng=rng, now=utcnow())
        t_pregen = time.perf_counter() - t1
        papers.pregenerate_papers(s, s.get(Exam, exams["save"]), rng=rng, now=utcnow())
        log(f"seeded {users} staff, {questions} questions in {t_seed:.1f}s; pregenerate_papers: {made} papers "
            f"in {t_pregen:.1f}s")
        timings = {"seed_s": t_seed, "pregen_papers": made, "pregen_s": t_pregen}
        return Seeded([ids[u] for u in usernames], usernames, probe_names, exams, timings)

