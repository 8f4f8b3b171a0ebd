"""An unexpected error shows the site's own 500 page (HTML or JSON for the API), never a traceback, and
the request's transaction is rolled back."""

from __future__ import annotations

from unittest import mock

import pytest


@pytest.fixture
def no_propagation(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    yield app
    app.config["PROPAGATE_EXCEPTIONS"] = None


def test_an_unexpected_error_renders_the_500_page(no_propagation, client, login_as):
    login_as("staff")
    with mock.patch("lawtrain.certificates.queries.user_certificates", side_effect=RuntimeError("boom secret")):
        page = client.get("/certificates/")
        api = client.get("/api/certificates")
    assert page.status_code == 500
    text = page.get_data(as_text=True)
    assert "服务器内部错误" in text and "Traceback" not in text and "boom secret" not in text
    assert api.status_code == 500 and api.get_json()["error"] == "服务器内部错误"
    assert "boom secret" not in api.get_data(as_text=True)
    assert client.get("/certificates/").status_code == 200  # the next request is served normally
