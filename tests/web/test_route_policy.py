"""Every endpoint declares who may call it, and every role gets exactly that."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from lawtrain.auth.policy import AUTHENTICATED, PUBLIC, policy_of
from lawtrain.auth.roles import ALL_ROLES
from tests.conftest import login
from tests.factories import make_user

_ARG_VALUES = {"int": 999999, "default": "x", "string": "x", "path": "x"}


def _url(rule: Rule) -> str:
    values = {}
    for arg in rule.arguments:
        converter = type(rule._converters[arg]).__name__.lower()
        values[arg] = _ARG_VALUES["int"] if "integer" in converter else "x"
    return rule.build(values, append_unknown=False)[1]


def _routes(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, view, method


def test_every_endpoint_declares_a_policy(app):
    missing = [rule.endpoint for rule, view, _ in _routes(app) if rule.endpoint != "static" and policy_of(view) is None]
    assert missing == [], f"endpoints without an access policy: {missing}"


def _call(client, method, url):
    return client.open(url, method=method, data={}, headers={"Accept": "text/html"})


def test_anonymous_is_sent_to_login_or_refused(app, client):
    for rule, view, method in _routes(app):
        policy = policy_of(view)
        if rule.endpoint == "static" or policy == PUBLIC:
            continue
        response = _call(client, method, _url(rule))
        if rule.rule.startswith("/api/"):
            assert response.status_code == 401, (rule.rule, method, response.status_code)
        else:
            assert response.status_code == 302, (rule.rule, method, response.status_code)
            assert "/auth/login" in response.headers["Location"], rule.rule


@pytest.mark.parametrize("role", ALL_ROLES)
def test_each_role_gets_what_the_policy_says(app, session, role):
    user = make_user(session, roles=[role])
    checked = 0
    for rule, view, method in _routes(app):
        policy = policy_of(view)
        if rule.endpoint in ("static", "auth.logout", "auth.login"):
            continue
        client = app.test_client()
        assert login(client, user.username).status_code == 302
        response = _call(client, method, _url(rule))
        allowed = policy in (PUBLIC, AUTHENTICATED) or role in policy
        if allowed:
            assert response.status_code not in (401, 403), (role, rule.rule, method, response.status_code)
            assert response.status_code < 500, (role, rule.rule, method, response.status_code)
        else:
            assert response.status_code == 403, (role, rule.rule, method, response.status_code)
        checked += 1
    assert checked >= 5
