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
    # A bureau that configured itself through the environment (docs/DEPLOY.md, first-run setup).
    "LAWTRAIN_ORG_NAME": "上海市宝山区应急管理局",
    "LAWTRAIN_CERT_PREFIX": "BSYJ",
}


class SharedContextClient(FlaskClient):
    """Requests run inside the test's app context (one db session, as the tests see it);
    forget the signed-in user cached on `g` so each request loads its own."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.pop("_login_user", None)
            g.pop("csrf_token", None)
            g.pop("org_settings", None)
            refresh_babel()
        return super().open(*args, **kwargs)


class OtherServerClient(FlaskClient):
    """The second server's client: the first server's last request is over when this one starts, so its
    transaction ends as a real request's teardown would end it (on SQLite it may hold the write lock)."""

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
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
    from lawtrain.exams import papers

    papers.forget_pools()  # ids start again at 1: a pool kept from the last test is not this test's
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
def in_request(app):
    """Services that build Chinese messages translate them per request (the locale selector reads it)."""
    with app.test_request_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def other_server(app, client, tmp_path, monkeypatch):
    """A second app server, as behind a load balancer: its own app instance and instance folder (nothing on
    disk is shared), the same database and SECRET_KEY. Its client carries the same browser's cookies as
    `client`, so a flow may start on one server and go on on the other."""
    monkeypatch.setenv("LAWTRAIN_INSTANCE", str(tmp_path / "server-b"))
    other = make_app()
    other.test_client_class = OtherServerClient
    other_client = other.test_client()
    other_client._cookies = client._cookies  # one browser: werkzeug keeps no public cookie-jar setter
    yield other_client
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


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


# ---------------------------------------------------------------- real-browser suite (tests/browser)

BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"]
AXE_JS = os.path.join(os.path.dirname(__file__), "browser", "assets", "axe.min.js")
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1366, "height": 768}
DEMO_PASSWORD = "lawtrain2025"


def _browser_database_uri() -> tuple[str, object]:
    """The live server's own database: a temp SQLite file, or a sibling PostgreSQL database."""
    if not DATABASE_URI.startswith("postgresql"):
        return f"sqlite:///{_TMP}/browser.db", None
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(DATABASE_URI)
    name = f"{url.database}_browser"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


class LiveServer:
    def __init__(self, app, url: str):
        self.app, self.url = app, url

    def __call__(self, path: str = "/") -> str:
        return self.url + path

    def db_session(self):
        """The live server's database session, for a journey's setup and its checks against the database."""
        from contextlib import contextmanager

        @contextmanager
        def scope():
            with self.app.app_context():
                try:
                    yield db.session
                finally:
                    db.session.remove()

        return scope()


@pytest.fixture(scope="session")
def live_server():
    """The app with demo data, served on loopback by a threaded WSGI server, CSRF on."""
    import threading

    from werkzeug.serving import make_server

    from lawtrain.cli import run_demo_seed

    uri, drop = _browser_database_uri()
    config = {k: v for k, v in TEST_CONFIG.items() if k != "SERVER_NAME"}
    config.update(SQLALCHEMY_DATABASE_URI=uri, WTF_CSRF_ENABLED=True, TESTING=False,
                  LAWTRAIN_SAVE_GRACE_SECONDS=5)
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        run_demo_seed(DEMO_PASSWORD)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    with app.app_context():
        db.engine.dispose()
    if drop:
        drop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(executable):
        # A newcomer without Debian's chromium still gets a green run of everything else; CI must not skip.
        if os.environ.get("LAWTRAIN_CI") == "1":
            pytest.fail(f"the browser suite needs {executable} (apt-get install chromium)")
        pytest.skip(f"browser journeys skipped: {executable} is not installed (apt-get install chromium)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        yield chromium
        chromium.close()


class BrowserSession:
    """A browser context on one viewport that records every request and can run axe."""

    def __init__(self, browser, live_server, viewport: dict, name: str):
        self.live_server, self.name = live_server, name
        self.is_phone = viewport["width"] < 500
        self.tag = "phone" if self.is_phone else "desktop"  # for per-viewport accounts and exams
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True,
                                           is_mobile=viewport["width"] < 500, has_touch=viewport["width"] < 500)
        self.context.set_default_timeout(10_000)
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        # axe-core is served as if same-origin, so the page's CSP (script-src 'self') allows it.
        self.context.route("**/__test__/axe.min.js", lambda route: route.fulfill(path=AXE_JS,
                                                                                content_type="text/javascript"))
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))

    def goto(self, path: str):
        return self.page.goto(self.live_server(path))

    def sign_in(self, username: str, password: str = DEMO_PASSWORD):
        self.goto("/auth/login")
        self.page.get_by_label("登录名").fill(username)
        self.page.get_by_label("密码").fill(password)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_load_state()

    def axe_violations(self, impacts=("serious", "critical")) -> list[dict]:
        self.page.add_script_tag(url=self.live_server("/__test__/axe.min.js"))
        result = self.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [
            {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:3]}
            for v in result["violations"] if v["impact"] in impacts
        ]

    def external_requests(self) -> list[str]:
        own = self.live_server.url
        return [u for u in self.requests if not (u.startswith(own) or u.startswith("data:") or u.startswith("blob:"))]

    def screenshot(self, label: str) -> None:
        out = os.path.join(os.path.dirname(__file__), os.pardir, "test-output", "screenshots")
        os.makedirs(out, exist_ok=True)
        self.page.screenshot(path=os.path.join(out, f"{self.name}-{label}.png"), full_page=True)

    def close(self):
        self.context.close()


@pytest.fixture(params=[PHONE, DESKTOP], ids=["phone", "desktop"])
def browser_session(request, browser, live_server):
    """One journey per viewport; on failure a screenshot lands in test-output/screenshots/."""
    bs = BrowserSession(browser, live_server, request.param, f"{request.node.name}")
    yield bs
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        bs.screenshot("failure")
    bs.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)
