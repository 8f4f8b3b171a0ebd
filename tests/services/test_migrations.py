"""The Alembic migrations build exactly the schema the models declare, and a database made by the first
release (the baseline revision, holding data) upgrades to today's schema with its data (SQLite, PostgreSQL)."""

from __future__ import annotations

import base64
import hashlib
import json
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import Date, DateTime, LargeBinary, MetaData, create_engine, select, text
from sqlalchemy.engine import make_url

from lawtrain import create_app
from lawtrain.cli import upgrade_database
from lawtrain.extensions import db
from lawtrain.storage import services as storage
from tests.conftest import DATABASE_URI, TEST_CONFIG

BASELINE_SHA256 = "86c661d2ddae836565066f9d7ef1555d7939b5ece4d6b01469115adb85e7595f"


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
    with _scratch_postgresql("migr") as uri:
        assert _diff_after_upgrade(uri) == []


@contextmanager
def _scratch_postgresql(suffix: str):
    """A fresh sibling of the test database, dropped afterwards."""
    url = make_url(DATABASE_URI)
    name = f"{url.database}_{suffix}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# ---------------------------------------------------------------- upgrades keep the data of earlier releases

BASELINE = "b60c00eb228a"  # the schema as first deployed (lawtrain/migrations/README): never edited
FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "baseline_b60c00eb228a.json"


def _typed(column, value):
    """A JSON value back in the column's Python type (datetimes and bytes were written as text)."""
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    if isinstance(column.type, LargeBinary):
        return base64.b64decode(value)
    return value


def _load_baseline_rows(conn, tables: dict[str, list[dict]]) -> None:
    """Insert the frozen rows, parents first; a nullable foreign key to a table not loaded yet (the
    questions <-> question_versions cycle) is written as NULL and filled in at the end."""
    meta = MetaData()
    meta.reflect(bind=conn)
    pending, loaded, patches = dict(tables), set(), []
    while pending:
        ready = [name for name in pending if all(
            fk.column.table.name in loaded or fk.column.table.name == name or fk.parent.nullable
            for fk in meta.tables[name].foreign_keys)]
        assert ready, f"cannot order {sorted(pending)}"
        for name in ready:
            table = meta.tables[name]
            deferred = {fk.parent.name for fk in table.foreign_keys
                        if fk.column.table.name not in loaded and fk.column.table.name != name}
            rows = [{k: (None if k in deferred else _typed(table.c[k], v)) for k, v in row.items()}
                    for row in pending.pop(name)]
            conn.execute(table.insert(), rows)
            patches += [(table, row["id"], {k: row[k] for k in deferred if row.get(k) is not None})
                        for row in (dict(r) for r in tables[name]) if deferred]
            loaded.add(name)
    for table, row_id, values in patches:
        if values:
            conn.execute(table.update().where(table.c.id == row_id).values(**values))
    if conn.dialect.name == "postgresql":  # explicit ids: move each sequence past them, as a real database has
        for name in tables:
            if "id" in meta.tables[name].c:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                  f"(SELECT max(id) FROM {name}))"))


def _upgrade_from_baseline(uri: str, seal: bytes | None = None) -> None:
    frozen = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert frozen["revision"] == BASELINE
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": uri})
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision=BASELINE)
        with db.engine.begin() as conn:
            _load_baseline_rows(conn, frozen["tables"])
        upgrade(directory=directory)  # what `flask db upgrade` does in the runbook

        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == _head(directory)
            for name, rows in frozen["tables"].items():
                assert conn.execute(text(f"SELECT count(*) FROM {name}")).scalar() == len(rows), name
        # The upgraded database works for today's code: the people, their results and certificates are there,
        # and new rows take fresh ids.
        from lawtrain.auth.models import User
        from lawtrain.banks.models import Question
        from lawtrain.certificates.models import Certificate
        from lawtrain.exams.models import Attempt

        s = db.session
        r1 = s.scalar(select(User).where(User.display_name == "员工r1"))
        assert r1 is not None and r1.has_role("staff") and r1.department.name == "区应急局"
        assert sorted(a.score for a in s.scalars(select(Attempt))) == [40, 50, 66, 70, 80, 90, 100]
        assert {c.person_name for c in s.scalars(select(Certificate))} == {"员工r1", "员工e1"}
        question = s.scalar(select(Question).where(Question.external_id == "BASE-0"))
        assert question.current_version.stem.startswith("基线题目0")
        later = datetime(2025, 7, 1)
        token = storage.keep(s, "bank_upload", b"after the upgrade", {}, owner_id=r1.id, now=later)
        assert storage.load(s, "bank_upload", token, owner_id=r1.id, now=later).data == b"after the upgrade"
        assert storage.load_named(s, "seal") == seal
        # The status CHECKs added on the way hold for the rows that came through the upgrade.
        from sqlalchemy.exc import IntegrityError

        with pytest.raises(IntegrityError):
            s.execute(text("UPDATE attempts SET status = 'paused'"))
        s.rollback()
        s.remove()
        db.engine.dispose()


def _head(directory: str) -> str:
    config = Config()
    config.set_main_option("script_location", directory)
    return ScriptDirectory.from_config(config).get_current_head()


def test_a_database_made_by_the_first_release_upgrades_with_its_data_on_sqlite(tmp_path, monkeypatch):
    # The first release kept an uploaded seal in the instance folder: the upgrade moves it into the database.
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "seal.png").write_bytes(b"\x89PNG the first release's seal")
    monkeypatch.setenv("LAWTRAIN_INSTANCE", str(tmp_path / "instance"))
    _upgrade_from_baseline(f"sqlite:///{tmp_path}/baseline.db", seal=b"\x89PNG the first release's seal")


def test_a_database_made_by_the_first_release_upgrades_with_its_data_on_postgresql():
    if not DATABASE_URI.startswith("postgresql"):
        return  # covered when the suite runs against PostgreSQL (.ci/run does)
    with _scratch_postgresql("base") as uri:
        _upgrade_from_baseline(uri)


def test_the_baseline_migration_is_never_edited():
    """The baseline's text is fixed: a database made by the first release must meet the same history."""
    text_ = (Path(__file__).resolve().parents[2] / "lawtrain" / "migrations" / "versions"
             / "b60c00eb228a_initial_schema.py").read_bytes()
    assert hashlib.sha256(text_).hexdigest() == BASELINE_SHA256
