"""Shared fixtures: app, client, session, login_as(role), now, rng.

The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL points at one.
The schema is created once per run; every test starts from empty tables.
"""

from __future__ import annotations

import os
import random
import re
import tempfile
from datetime import datetime

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from flask_babel import refresh as refresh_babel
from sqlalchemy import text

from lawtrain import create_app
from lawtrain.extensions import db
from tests import factories

_TMP = tempfile.mkdtemp(prefix="lawtrain-test-")
DATABASE_URI = os.environ.get("DATABASE_URL") or f"sqlite:///{_TMP}/test.db"
TEST_CONFIG = {
    "TESTING": True,
    "SQLALCHEMY_DATABASE_URI": DATABASE_URI,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,
    "PASSWORD_HASH_PROFILE": "fast",
    "LAWTRAIN_DEMO": False,
    "RATELIMIT_STORAGE_URI": "memory://",
    "SERVER_NAME": "lawtrain.test",
}


class SharedContextClient(FlaskClient):
    """Requests run inside the test's app context (one db session, as the tests see it);
    forget the signed-in user cached on `g` so each request loads its own."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.pop("_login_user", None)
            refresh_babel()
        return super().open(*args, **kwargs)


def make_app(**overrides):
    os.environ.setdefault("LAWTRAIN_INSTANCE", os.path.join(_TMP, "instance"))
    app = create_app({**TEST_CONFIG, **overrides})
    app.test_client_class = SharedContextClient
    return app


@pytest.fixture(scope="session")
def _schema():
    app = make_app()
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def _empty_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for t in tables:
            db.session.execute(t.delete())
    db.session.commit()


@pytest.fixture
def app(_schema):
    app = make_app()
    with app.app_context():
        yield app
        db.session.rollback()
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def csrf_app(_schema):
    """The app with CSRF protection on, as in production."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    return db.session


@pytest.fixture
def now() -> datetime:
    return datetime(2025, 6, 16, 1, 30)  # 09:30 in Shanghai


@pytest.fixture
def rng() -> random.Random:
    return random.Random(1234)


def login(client, username: str, password: str = factories.PASSWORD):
    return client.post("/auth/login", data={"username": username, "password": password})


@pytest.fixture
def login_as(app, client, session):
    """login_as("trainer") -> the signed-in user (created with the role on the fly)."""

    def _login(role_or_user, **overrides):
        user = role_or_user
        if isinstance(role_or_user, str):
            user = factories.make_user(session, roles=[role_or_user], **overrides)
        response = login(client, user.username)
        assert response.status_code == 302, response.data[:500]
        return user

    return _login


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', html
    )
    assert match, "no CSRF token on page"
    return match.group(1)
