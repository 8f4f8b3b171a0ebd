"""Sign-in, login-name normalisation, session revocation, throttling, next= handling."""

from __future__ import annotations

from sqlalchemy import func, select

from lawtrain.auth.audit import AuditEvent
from lawtrain.auth.services import AuthError, create_user, normalize_login, set_active
from tests.conftest import login
from tests.factories import PASSWORD, make_user


def test_login_names_are_normalised():
    assert normalize_login(" Admin ") == "admin"
    assert normalize_login("ＡＤＭＩＮ") == "admin"
    assert normalize_login("admin\u3000") == "admin"


def test_variant_login_name_cannot_become_second_account(session, now):
    make_user(session, username="admin", roles=["admin"])
    for variant in ("admin ", "ADMIN", "ａｄｍｉｎ", " Admin\u3000"):
        try:
            create_user(session, actor=None, now=now, username=variant, display_name="x", roles=["staff"])
        except AuthError as e:
            assert "已存在" in str(e)
        else:  # pragma: no cover - the assertion below explains the failure
            raise AssertionError(f"{variant!r} created a second account")


def test_variant_login_name_signs_in_to_the_same_account(client, session):
    make_user(session, username="zhangwei")
    response = login(client, "  ＺｈａｎｇＷｅｉ ")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_and_audited(client, session):
    make_user(session, username="liuyang")
    response = login(client, "liuyang", "wrong-password")
    assert response.status_code == 200
    assert "登录名或密码错误" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).where(AuditEvent.action == "login_failed")) == 1


def test_account_throttled_after_repeated_failures_even_with_right_password(client, session):
    make_user(session, username="target")
    for _ in range(5):
        login(client, "target", "nope-nope-1")
    response = login(client, "target", PASSWORD)
    assert response.status_code == 200
    assert "登录失败次数过多" in response.get_data(as_text=True)


def test_many_people_behind_one_address_all_sign_in(app, session):
    users = [make_user(session) for _ in range(30)]
    for user in users:
        client = app.test_client()
        login(client, user.username, "typo-password9")  # one typo each from the same NAT address
        assert login(client, user.username).status_code == 302


def test_logout_revokes_the_server_session_so_a_copied_cookie_fails(app, client, session):
    user = make_user(session)
    login(client, user.username)
    cookie = client.get_cookie("lawtrain_session", domain="lawtrain.test").value
    assert client.get("/home/staff").status_code == 200
    client.post("/auth/logout")
    thief = app.test_client()
    thief.set_cookie("lawtrain_session", cookie, domain="lawtrain.test")
    response = thief.get("/home/staff")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_deactivation_ends_open_sessions(app, client, session, now):
    admin = make_user(session, roles=["admin"])
    user = make_user(session)
    login(client, user.username)
    assert client.get("/home/staff").status_code == 200
    set_active(session, user, False, actor=admin, ip=None, now=now)
    assert client.get("/home/staff").status_code == 302
    assert login(app.test_client(), user.username).status_code == 200  # cannot sign in again


def test_login_rotates_the_session_cookie(client, session):
    user = make_user(session)
    client.get("/auth/login")
    before = client.get_cookie("lawtrain_session", domain="lawtrain.test")
    login(client, user.username)
    after = client.get_cookie("lawtrain_session", domain="lawtrain.test")
    assert before is None or before.value != after.value


def test_next_follows_only_local_paths(client, session):
    user = make_user(session)
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        response = client.post("/auth/login", data={"username": user.username, "password": PASSWORD, "next": evil})
        assert response.headers["Location"] in ("/", "http://lawtrain.test/"), evil
        client.post("/auth/logout")
    response = client.post("/auth/login", data={"username": user.username, "password": PASSWORD, "next": "/home/staff"})
    assert response.headers["Location"].endswith("/home/staff")


def test_first_login_forces_password_change(client, session):
    user = make_user(session, must_change_password=True)
    login(client, user.username)
    response = client.get("/home/staff")
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/password")
    response = client.post("/auth/password",
                           data={"current": PASSWORD, "new": "n3w-password", "confirm": "n3w-password"})
    assert response.status_code == 302
    assert client.get("/home/staff").status_code == 200


def test_each_role_lands_on_its_home(app, session):
    for role in ("staff", "trainer", "leader", "admin"):
        client = app.test_client()
        user = make_user(session, roles=[role])
        login(client, user.username)
        response = client.get("/")
        assert response.headers["Location"].endswith(f"/home/{role}")
        assert client.get(response.headers["Location"]).status_code == 200


def test_security_headers_on_every_response(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_csrf_required_on_login_post(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/auth/login", data={"username": "x", "password": "y"})
    assert response.status_code == 400


def test_english_locale(client):
    client.get("/lang/en")
    assert "Sign in" in client.get("/auth/login").get_data(as_text=True)
