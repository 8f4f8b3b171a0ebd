"""Every role signs in on a phone and a desktop and lands on its own home page, accessibly."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

HOMES = {"staff01": "/home/staff", "trainer": "/home/trainer", "leader": "/home/leader", "admin": "/home/admin"}


@pytest.mark.parametrize("username", list(HOMES))
def test_sign_in_lands_on_role_home(browser_session, username):
    bs = browser_session
    bs.goto("/")
    assert "/auth/login" in bs.page.url
    assert bs.axe_violations() == []
    bs.sign_in(username)
    assert bs.page.url.endswith(HOMES[username])
    assert bs.axe_violations() == []
    assert bs.external_requests() == []
    assert not [e for e in bs.console_errors if "Content Security Policy" in e]


def test_wrong_password_message_is_tied_to_the_field(browser_session):
    bs = browser_session
    bs.sign_in("staff02", "wrong-password-1")
    error = bs.page.locator("#password-error")
    assert "登录名或密码错误" in error.inner_text()
    assert bs.page.get_by_label("密码").get_attribute("aria-describedby") == "password-error"
