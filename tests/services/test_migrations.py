"""The Alembic migrations build exactly the schema the models declare (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lawtrain import create_app
from lawtrain.cli import upgrade_database
from lawtrain.extensions import db
from tests.conftest import DATABASE_URI, TEST_CONFIG


def _diff_after_upgrade(uri: str) -> list:
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": uri})
    with app.app_context():
        upgrade_database()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        db.engine.dispose()
    return diff


def test_migrations_match_the_models_on_sqlite(tmp_path):
    assert _diff_after_upgrade(f"sqlite:///{tmp_path}/migrated.db") == []


def test_migrations_match_the_models_on_postgresql():
    if not DATABASE_URI.startswith("postgresql"):
        return  # covered when the suite runs against PostgreSQL (.ci/run does)
    url = make_url(DATABASE_URI)
    name = f"{url.database}_migr"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        assert _diff_after_upgrade(url.set(database=name).render_as_string(hide_password=False)) == []
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _upgrade_with_data(uri: str) -> None:
    """A database made by the previous head with exams, attempts, answers and book entries in it, upgraded to
    the status CHECKs: every row is kept, the one-open-attempt index still works, and a bad status is refused."""
    from datetime import timedelta

    from flask_migrate import upgrade
    from sqlalchemy import func, select
    from sqlalchemy.exc import IntegrityError

    from lawtrain.auth.models import User
    from lawtrain.exams import attempts as exam_attempts
    from lawtrain.exams.models import Answer, Attempt, AttemptQuestion, Exam, WrongBookEntry
    from lawtrain.timeutil import utcnow
    from tests import factories
    from tests.services.exams_helpers import exam_bank

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": uri})
    with app.app_context(), app.test_request_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="b60c00eb228a")
        s, now = db.session, utcnow()
        alice, bob = factories.make_user(s), factories.make_user(s)
        exam = factories.make_exam(s, bank=exam_bank(s, singles=3, multiples=0, tfs=0, fills=0),
                                   rules=(("single", 2, 5.0),), users=[alice, bob], attempts_allowed=2,
                                   closes_at=now + timedelta(days=1))
        done, _ = exam_attempts.start_attempt(s, exam, alice, now)
        exam_attempts.save_answer(s, done, s.scalars(select(AttemptQuestion.question_id)
                                                     .where(AttemptQuestion.attempt_id == done.id)).first(),
                                  ["A"], 1, now)
        exam_attempts.submit_attempt(s, done, now)
        live, _ = exam_attempts.start_attempt(s, exam, bob, now)
        counted = (Attempt, AttemptQuestion, Answer, WrongBookEntry)
        before = {m.__tablename__: s.scalar(select(func.count()).select_from(m)) for m in counted}
        ids = (done.id, live.id, exam.id, alice.id)
        s.commit()
        s.close()

        upgrade(directory=directory)

        after = {m.__tablename__: s.scalar(select(func.count()).select_from(m)) for m in counted}
        assert after == before and before["answers"] == 1 and before["attempts"] == 2
        done_id, live_id, exam_id, alice_id = ids
        assert s.get(Attempt, done_id).status == "submitted" and s.get(Attempt, live_id).status == "in_progress"
        second, resumed = exam_attempts.start_attempt(s, s.get(Exam, exam_id), s.get(User, alice_id), now)
        assert not resumed and second.id != done_id  # a second attempt is allowed
        s.add(Attempt(exam_id=exam_id, user_id=alice_id, number=9, status="in_progress", seed=0,
                      started_at=now, deadline_at=now))
        with pytest.raises(IntegrityError):  # still one open attempt per person and exam
            s.flush()
        s.rollback()
        with pytest.raises(IntegrityError):
            s.execute(text("UPDATE attempts SET status = 'paused' WHERE id = :id"), {"id": done_id})
        s.rollback()
        if db.engine.dialect.name == "sqlite":
            assert s.scalar(text("PRAGMA foreign_keys")) == 1
        s.close()
        db.engine.dispose()


def test_the_status_checks_upgrade_a_database_with_data_on_sqlite(tmp_path):
    _upgrade_with_data(f"sqlite:///{tmp_path}/with_data.db")


def test_the_status_checks_upgrade_a_database_with_data_on_postgresql():
    if not DATABASE_URI.startswith("postgresql"):
        return  # covered when the suite runs against PostgreSQL
    url = make_url(DATABASE_URI)
    name = f"{url.database}_data"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _upgrade_with_data(url.set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
