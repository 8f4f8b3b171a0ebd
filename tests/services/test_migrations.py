"""The Alembic migrations build exactly the schema the models declare (on SQLite and PostgreSQL)."""

from __future__ import annotations

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
