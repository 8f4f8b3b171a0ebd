"""Every endpoint declares who may call it, and every role gets exactly that."""

from __future__ import annotations

from datetime import UTC, datetime

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


def test_a_contest_guest_reaches_only_its_contest_pages_and_its_own_papers(app, session, client):
    """A guest account (企业/社区 entrant) gets 403 on every page and API outside the guest list, whatever the
    route's own policy; on the guest list it is never refused by role (a missing id is 404 there)."""
    from lawtrain.contests.online_register import GUEST_ENDPOINTS
    from tests.services.contests_online_helpers import make_contest

    trainer = make_user(session, roles=["trainer"])
    with app.test_request_context():
        contest = make_contest(session, trainer, datetime.now(UTC).replace(tzinfo=None), allow_guests=True)
    response = client.post(f"/contests/online/g/{contest.guest_token}",
                           data={"name": "陈小红", "unit": "某公司", "mobile": "13800138000"})
    assert response.status_code == 302 and f"/contests/online/{contest.id}" in response.headers["Location"]
    redirected = {"main.home", "main.role_home", "online_contests.index"}
    checked = 0
    for rule, view, method in _routes(app):
        if rule.endpoint in ("static", "auth.logout", "auth.login"):
            continue
        response = _call(client, method, _url(rule))
        if rule.endpoint in GUEST_ENDPOINTS or policy_of(view) == PUBLIC:
            assert response.status_code not in (401, 403) and response.status_code < 500, (rule.rule, method)
        elif rule.endpoint in redirected:
            assert response.status_code == 302, (rule.rule, method, response.status_code)
        else:
            assert response.status_code == 403, (rule.rule, method, response.status_code)
            checked += 1
    assert checked > 50
