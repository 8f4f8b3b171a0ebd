"""Every state-changing route refuses a cross-site request that carries no CSRF token."""

from __future__ import annotations

from lawtrain.auth.policy import PUBLIC, policy_of
from lawtrain.extensions import db
from tests.conftest import csrf_token_from
from tests.factories import make_user
from tests.web.test_route_policy import _url

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _state_changing_routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & STATE_CHANGING):
            yield rule, method


def test_every_state_changing_route_requires_a_csrf_token(csrf_app):
    admin = make_user(db.session, roles=["staff", "trainer", "leader", "admin"])
    client = csrf_app.test_client()
    page = client.get("/auth/login")
    token = csrf_token_from(page.get_data(as_text=True))
    assert client.post("/auth/login", data={"username": admin.username, "password": "secret-pass-1",
                                            "csrf_token": token}).status_code == 302
    checked = []
    for rule, method in _state_changing_routes(csrf_app):
        if rule.endpoint == "auth.logout":
            continue
        response = client.open(_url(rule), method=method, data={"x": "1"},
                               headers={"Origin": "https://evil.example", "Accept": "application/json"})
        assert response.status_code == 400, (rule.rule, method, response.status_code)
        checked.append(rule.rule)
    assert "/auth/password" in checked


def test_a_signed_in_user_with_the_token_passes_the_csrf_check(csrf_app):
    user = make_user(db.session)
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    login_response = client.post("/auth/login", data={"username": user.username, "password": "secret-pass-1",
                                                      "csrf_token": token})
    assert login_response.status_code == 302
    token = csrf_token_from(client.get("/home/staff").get_data(as_text=True))
    response = client.post("/auth/logout", data={"csrf_token": token})
    assert response.status_code == 302


def test_login_post_without_token_is_refused(csrf_app):
    assert policy_of(csrf_app.view_functions["auth.login"]) == PUBLIC
    response = csrf_app.test_client().post("/auth/login", data={"username": "a", "password": "b"})
    assert response.status_code == 400
