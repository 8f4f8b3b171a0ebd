"""Sign-in: username variants, brute-force throttling (shared across workers), a whole office behind one NAT
address, open redirects on `next`, and sessions that must die on logout, deactivation and password reset."""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from lawtrain.auth import services as auth
from lawtrain.auth.models import User
from lawtrain.auth.throttle import LoginThrottle, RedisStore
from lawtrain.timeutil import utcnow
from tests import factories
from tests.conftest import login

REDIS_URL = os.environ.get("LAWTRAIN_TEST_REDIS", "redis://127.0.0.1:6379/15")


def _redis_or_skip() -> RedisStore:
    store = RedisStore(REDIS_URL)
    try:
        store._redis.ping()
    except Exception:  # noqa: BLE001 - any failure means "no Redis here"
        pytest.skip(f"no Redis at {REDIS_URL}")
    return store


def _whoami(client):
    r = client.get("/api/me")
    return r.get_json()["username"] if r.status_code == 200 else None


VARIANTS = ["alice ", " alice", "ALICE", "Alice", "ａｌｉｃｅ", "ＡＬＩＣＥ", "alice\t", "\u3000alice"]


def test_username_variants_reach_only_the_one_account_they_normalise_to(app, session):
    alice = factories.make_user(session, username="alice")
    factories.make_user(session, username="alice1", password="other-pass-22")
    for variant in VARIANTS:
        client = app.test_client()
        assert login(client, variant).status_code == 302, repr(variant)
        assert _whoami(client) == alice.username
    for lookalike in ("alice1 ", "a lice", "alice\u200b", "аlice"):  # Cyrillic а, zero-width space
        client = app.test_client()
        r = login(client, lookalike)
        assert r.status_code == 200 and _whoami(client) is None, repr(lookalike)


@pytest.mark.parametrize("variant", VARIANTS + ["alice\u200b", "adm in"])
def test_no_second_account_can_be_created_under_a_variant(app, session, variant):
    factories.make_user(session, username="alice")
    with pytest.raises(auth.AuthError):
        auth.create_user(session, actor=None, now=utcnow(), username=variant, display_name="冒名", roles=["admin"])
    session.rollback()
    assert session.scalar(select(func.count(User.id))) == 1


def test_failures_lock_the_account_whatever_variant_is_typed(app, session):
    factories.make_user(session, username="carol")
    client = app.test_client()
    for variant in ["carol", "CAROL", "carol ", "ｃａｒｏｌ", "Carol"]:
        assert login(client, variant, "wrong-password-1").status_code == 200
    r = login(client, "carol")  # the right password, but the account is locked for the window
    assert r.status_code == 200 and "登录失败次数过多" in r.get_data(as_text=True)
    assert _whoami(client) is None


def test_failures_from_one_address_are_capped_across_accounts(app, session):
    """Spraying passwords over existing accounts from one address hits the address limit; unknown names do not
    count (they can never sign in), so random names from an exam hall's NAT address lock nobody out."""
    victim = factories.make_user(session)
    throttle = app.extensions["login_throttle"]
    for n in range(throttle.max_address * 2):
        throttle.failed(f"nobody{n}", "127.0.0.1", known=False)
    assert login(app.test_client(), victim.username).status_code == 302
    for n in range(throttle.max_address):  # a script spraying one password over many real names
        throttle.failed(f"spray{n}", "127.0.0.1", known=True)
    r = login(app.test_client(), victim.username)
    assert r.status_code == 200 and "登录失败次数过多" in r.get_data(as_text=True)


def test_two_hundred_staff_behind_one_address_all_sign_in(app, session):
    dept = factories.make_department(session, path="区应急局/执法大队")
    people = [factories.make_user(session, department=dept) for _ in range(200)]
    signed_in = 0
    for person in people:
        client = app.test_client()  # every request comes from 127.0.0.1: one NAT address
        if login(client, person.username).status_code == 302:
            signed_in += 1
    assert signed_in == 200


def test_a_few_typos_in_the_office_do_not_lock_out_everyone_else(app, session):
    people = [factories.make_user(session) for _ in range(30)]
    for person in people[:10]:  # ten people mistype once
        login(app.test_client(), person.username, "typo-password-1")
    assert all(login(app.test_client(), p.username).status_code == 302 for p in people)


def test_redis_counts_are_shared_between_workers():
    """Two workers = two LoginThrottle instances on one Redis: each sees the other's failures."""
    store_a, store_b = _redis_or_skip(), RedisStore(REDIS_URL)
    a, b = LoginThrottle(store_a, 5, 100, 60), LoginThrottle(store_b, 5, 100, 60)
    login_name, address = f"sec-{uuid.uuid4().hex}", f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    try:
        for i in range(5):
            (a if i % 2 else b).failed(login_name, address)
        assert a.is_blocked(login_name, address) and b.is_blocked(login_name, address)
        assert store_a.get(f"lt:acct:{login_name}") == 5 and store_b.get(f"lt:addr:{address}") == 5
        ttl = store_a._redis.ttl(f"lt:acct:{login_name}")
        assert 0 < ttl <= 60  # the window expires on its own
        b.succeeded(login_name, address)
        assert not a.is_blocked(login_name, address)
    finally:
        store_a._redis.delete(f"lt:acct:{login_name}", f"lt:addr:{address}", f"lt:acct-hold:{login_name}",
                              f"lt:pair:{address}:{login_name}", f"lt:hold:{address}:{login_name}")


def test_two_app_instances_on_one_redis_lock_the_account_together(app, session):
    _redis_or_skip()
    from tests.conftest import make_app

    username = factories.make_user(session, username=f"w{uuid.uuid4().hex[:10]}").username
    session.commit()  # SQLite: release this connection's transaction before the "workers" write
    worker_a = make_app(RATELIMIT_STORAGE_URI=REDIS_URL)
    worker_b = make_app(RATELIMIT_STORAGE_URI=REDIS_URL)
    store = worker_a.extensions["login_throttle"].store
    try:
        for i in range(5):
            worker = worker_a if i % 2 else worker_b
            assert login(worker.test_client(), username, "wrong-password-1").status_code == 200
        r = login(worker_a.test_client(), username)
        assert "登录失败次数过多" in r.get_data(as_text=True)
        r = login(worker_b.test_client(), username)
        assert "登录失败次数过多" in r.get_data(as_text=True)
    finally:
        store._redis.delete(f"lt:acct:{username}", "lt:addr:127.0.0.1", f"lt:acct-hold:{username}",
                            f"lt:pair:127.0.0.1:{username}", f"lt:hold:127.0.0.1:{username}")
        for worker in (worker_a, worker_b):
            with worker.app_context():
                from lawtrain.extensions import db

                db.engine.dispose()


def test_sign_in_still_works_when_redis_is_down(app, session):
    """Redis unreachable: counting falls back to this process (logged), sign-in never becomes a 500."""
    throttle = LoginThrottle(RedisStore("redis://127.0.0.1:1/0"), 3, 100, 60)
    user = factories.make_user(session)
    app.extensions["login_throttle"] = throttle
    client = app.test_client()
    for _ in range(5):
        assert login(client, user.username, "wrong-password-1").status_code == 200
    r = login(client, user.username)
    assert r.status_code == 200 and "登录失败次数过多" in r.get_data(as_text=True)
    other = factories.make_user(session)
    assert login(app.test_client(), other.username).status_code == 302


EVIL_NEXT = [
    "//evil.example", "https://evil.example/", "http:evil.example", "/\\evil.example", "\\\\evil.example",
    "/\t/evil.example", "/\n/evil.example", " //evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>", "evil.example", "///evil.example", "/%09/evil.example",
    "https:/evil.example", "\x00//evil.example", "%2F%2Fevil.example", "/\u3000/evil.example",
]


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_next_never_leaves_the_site(app, session, target):
    user = factories.make_user(session)
    client = app.test_client()
    r = client.post("/auth/login", data={"username": user.username, "password": factories.PASSWORD, "next": target})
    assert r.status_code == 302
    location = r.headers["Location"]
    parts = urlsplit(location)
    assert parts.netloc in ("", "lawtrain.test"), location
    assert parts.scheme in ("", "http", "https"), location
    assert parts.path.startswith("/") and parts.path[1:2] not in ("/", "\\"), location


def test_a_local_next_is_followed(app, session):
    user = factories.make_user(session)
    r = app.test_client().post("/auth/login", data={"username": user.username, "password": factories.PASSWORD,
                                                    "next": "/exams/?tab=1"})
    assert r.headers["Location"].endswith("/exams/?tab=1")


def _cookie(client) -> str:
    return client.get_cookie("lawtrain_session", domain="lawtrain.test").value


def test_a_session_cookie_is_dead_after_logout(app, session):
    user = factories.make_user(session)
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    stolen = _cookie(client)
    assert client.post("/auth/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("lawtrain_session", stolen, domain="lawtrain.test")
    assert thief.get("/api/me").status_code == 401
    assert thief.get("/home/staff").status_code == 302


@pytest.mark.parametrize("action", ["deactivate", "reset_password"])
def test_a_session_dies_when_the_account_is_deactivated_or_its_password_reset(app, session, action):
    user = factories.make_user(session)
    admin = factories.make_user(session, roles=["admin"])
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    assert _whoami(client) == user.username
    if action == "deactivate":
        auth.set_active(session, user, False, actor=admin, ip=None, now=utcnow())
    else:
        auth.reset_password(session, user, actor=admin, ip=None, now=utcnow())
    assert client.get("/api/me").status_code == 401
    assert client.put("/api/attempts/1/answers/1", json={"response": ["A"], "seq": 1}).status_code == 401
    if action == "deactivate":  # and cannot sign in again
        assert login(app.test_client(), user.username).status_code == 200


def test_signing_in_rotates_the_session(app, session):
    user = factories.make_user(session)
    client = app.test_client()
    client.get("/auth/login")
    client.set_cookie("lawtrain_session", "attacker-chosen", domain="lawtrain.test")
    assert login(client, user.username).status_code == 302
    assert _cookie(client) != "attacker-chosen"
    assert _whoami(client) == user.username


def test_changing_the_password_ends_every_other_session(app, session):
    user = factories.make_user(session)
    here, stolen = app.test_client(), app.test_client()
    assert login(here, user.username).status_code == 302 and login(stolen, user.username).status_code == 302
    r = here.post("/auth/password", data={"current": factories.PASSWORD, "new": "New-pass-2025",
                                          "confirm": "New-pass-2025"})
    assert r.status_code == 302
    assert _whoami(here) == user.username  # the browser that changed it stays signed in
    assert stolen.get("/api/me").status_code == 401  # any other (perhaps stolen) session is over
