"""What a deployment relies on: the proxy-hop setting (client address in the audit log), /healthz, and
version-stamped static URLs."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select

from lawtrain.assets import stamp
from lawtrain.auth.audit import AuditEvent
from lawtrain.proxy import proxy_hops
from tests import factories
from tests.conftest import make_app

BEHIND_NGINX = {"REMOTE_ADDR": "127.0.0.1"}
FORWARDED = {"X-Forwarded-For": "10.20.30.40", "X-Forwarded-Proto": "https"}


@pytest.mark.parametrize(("env", "hops"), [
    ({}, 0), ({"LAWTRAIN_PROXY_HOPS": "1"}, 1), ({"LAWTRAIN_PROXY_HOPS": "2"}, 2),
    ({"LAWTRAIN_PROXY_FIX": "1"}, 1),  # the older name still works
    ({"LAWTRAIN_PROXY_HOPS": "0", "LAWTRAIN_PROXY_FIX": "1"}, 0),  # the documented setting wins
])
def test_one_setting_names_the_proxy_hops(env, hops):
    assert proxy_hops(env) == hops


@pytest.mark.parametrize("bad", ["yes", "-1", "9"])
def test_a_proxy_setting_that_means_nothing_stops_the_start(bad):
    with pytest.raises(ValueError, match="LAWTRAIN_PROXY_HOPS"):
        proxy_hops({"LAWTRAIN_PROXY_HOPS": bad})


def _sign_in_through_nginx(app, session):
    user = factories.make_user(session, roles=["staff"])
    user_id, username = user.id, user.username
    session.commit()  # the test's reads end here: on SQLite the other app's request may take the write lock
    r = app.test_client().post("/auth/login", data={"username": username, "password": factories.PASSWORD},
                               headers=FORWARDED, environ_base=BEHIND_NGINX)
    assert r.status_code == 302
    return session.scalars(select(AuditEvent.ip).where(AuditEvent.actor_id == user_id)).all()


def test_behind_one_proxy_the_audit_log_records_the_client_address(app, session):
    behind_nginx = make_app(LAWTRAIN_PROXY_HOPS=1)
    try:
        assert _sign_in_through_nginx(behind_nginx, session) == ["10.20.30.40"]
    finally:
        _dispose(behind_nginx)


def _dispose(other_app) -> None:
    """Close the connections of an app made inside a test (the suite fails on a connection left open)."""
    from lawtrain.extensions import db

    with other_app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_forwarding_proxy_without_the_setting_is_logged_once(app, session, caplog):
    with caplog.at_level(logging.WARNING):
        ips = _sign_in_through_nginx(app, session)
        app.test_client().get("/auth/login", headers=FORWARDED, environ_base=BEHIND_NGINX)
    warnings = [r.getMessage() for r in caplog.records if "LAWTRAIN_PROXY_HOPS" in r.getMessage()]
    assert len(warnings) == 1 and "127.0.0.1" in warnings[0]
    assert "10.20.30.40" not in ips


def test_healthz_reports_the_database(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json["status"] == "ok" and r.json["database"] == "ok"


def test_healthz_says_503_when_the_database_is_unreachable():
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none")
    r = app.test_client().get("/healthz")
    _dispose(app)
    assert r.status_code == 503 and r.json == {"status": "error", "database": "unreachable"}


def test_healthz_says_503_when_the_schema_is_behind_the_code(tmp_path):
    from sqlalchemy import text

    from lawtrain.cli import upgrade_database
    from lawtrain.extensions import db

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/old.db")
    with app.app_context():
        upgrade_database()
        assert app.test_client().get("/healthz").status_code == 200
        db.session.remove()  # that request is over (the tests' client shares the app context)
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'b60c00eb228a'"))
        r = app.test_client().get("/healthz")
        db.engine.dispose()
    assert r.status_code == 503 and r.json["schema"] == "b60c00eb228a"


def test_a_changed_file_gets_a_new_version(tmp_path):
    (tmp_path / "app.js").write_text("one();")
    before = stamp(str(tmp_path), "app.js")
    (tmp_path / "app.js").write_text("two(); // a release later")
    assert before != stamp(str(tmp_path), "app.js")
    assert stamp(str(tmp_path), "../etc/passwd") is None


def test_static_urls_carry_a_version_of_the_file(app, client):
    page = client.get("/auth/login").get_data(as_text=True)
    stamps = re.findall(r'/static/[^"?]+\.(?:css|js)\?v=([0-9a-f]{10})"', page)
    assert stamps, "no version-stamped static URL on the sign-in page"
    with app.test_request_context():
        from flask import url_for

        first = url_for("static", filename="css/app.css")
        assert re.search(r"\?v=[0-9a-f]{10}$", first)
        assert url_for("static", filename="no/such/file.js").endswith("no/such/file.js")  # nothing to stamp
