"""The English locale: a complete catalogue, and English page chrome for every role."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests import factories

PO = Path(__file__).resolve().parents[2] / "lawtrain" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdif]|%[sdif]|\{[a-z0-9_]*\}")

# Main pages of each area per role (GET, no arguments, little or no data in an empty database).
PAGES = {
    "staff": ["/home/staff", "/courses/", "/courses/tasks", "/courses/laws", "/exams/", "/exams/practice",
              "/exams/wrong-book", "/certificates/", "/auth/password"],
    "trainer": ["/home/trainer", "/courses/manage", "/courses/assignments", "/courses/assignments/new",
                "/courses/laws/import", "/courses/ledger", "/courses/review", "/exams/manage", "/exams/new",
                "/certificates/manage", "/banks/", "/banks/import", "/reports/dashboard"],
    "leader": ["/home/leader", "/reports/dashboard", "/courses/assignments", "/courses/ledger",
               "/certificates/manage"],
    "admin": ["/home/admin", "/admin/", "/admin/users", "/admin/users/new", "/admin/departments",
              "/admin/import", "/admin/audit"],
}


def _catalog():
    with PO.open("rb") as f:
        return read_po(f)


def _messages():
    return [m for m in _catalog() if m.id]


def _parts(html: str) -> dict[str, str]:
    """The page chrome: <title>, every <nav> and the <h1>, as text."""
    found = {
        "title": re.findall(r"<title>(.*?)</title>", html, re.S),
        "nav": re.findall(r"<nav\b.*?</nav>", html, re.S),
        "h1": re.findall(r"<h1\b.*?</h1>", html, re.S),
    }
    return {k: unescape(re.sub(r"<[^>]+>", " ", " ".join(v))) for k, v in found.items()}


def _main(html: str) -> str:
    """Everything the person reads in <main> (tags and attribute values dropped)."""
    main = re.search(r"<main\b.*?</main>", html, re.S).group(0)
    return unescape(re.sub(r"<[^>]+>", " ", main))


def _cjk(text: str) -> list[str]:
    return [text[max(0, m.start() - 10):m.end() + 10] for m in CJK.finditer(text)]


def _english(client):
    assert client.get("/lang/en").status_code == 302


# ---------------------------------------------------------------- the catalogue


def test_catalogue_is_substantial_and_every_message_has_english():
    messages = _messages()
    assert len(messages) > 900
    missing = [m.id for m in messages if not (m.string if isinstance(m.string, str) else all(m.string))]
    assert missing == []


def test_translations_are_english():
    chinese = [(m.id, m.string) for m in _messages() if CJK.search(m.string.replace("“", "").replace("”", ""))
               and not _quotes_chinese_example(m.id, m.string)]
    assert chinese == []


def _quotes_chinese_example(msgid: str, string: str) -> bool:
    """A few translations keep Chinese on purpose: examples of data the user must type in Chinese."""
    kept = re.findall(r"[\u4e00-\u9fff][^\sa-zA-Z,;()]*", string)
    return all(k.strip("“”（）() ;") in msgid for k in kept)


def test_placeholders_match():
    wrong = [(m.id, m.string) for m in _messages()
             if sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))]
    assert wrong == []


def test_the_compiled_catalogue_matches_the_po():
    with PO.with_suffix(".mo").open("rb") as f:
        compiled = {(m.context, m.id): m.string for m in read_mo(f) if m.id}
    assert {(m.context, m.id): m.string for m in _messages()} == compiled


# ---------------------------------------------------------------- locale selection


def test_default_locale_is_chinese(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "登录" in html and "Sign in" not in html


def test_query_parameter_switches_and_is_remembered(client):
    html = client.get("/auth/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "Sign in" in html
    assert '<html lang="en">' in client.get("/auth/login").get_data(as_text=True)
    client.get("/lang/zh")
    assert '<html lang="zh-CN">' in client.get("/auth/login").get_data(as_text=True)


def test_language_link_redirects_only_locally(client):
    response = client.get("/lang/en?next=/auth/login")
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/login")
    assert "//evil.example" not in client.get("/lang/en?next=//evil.example/").headers["Location"]


# ---------------------------------------------------------------- English pages


def test_login_page_is_entirely_english(client):
    html = client.get("/auth/login?lang=en").get_data(as_text=True)
    assert _cjk(_main(html)) == [] and all(_cjk(v) == [] for v in _parts(html).values())


def test_login_error_from_the_service_is_english(client, session):
    user = factories.make_user(session, display_name="Test User")
    _english(client)
    html = client.post("/auth/login", data={"username": user.username, "password": "wrong-pass1"}).get_data(
        as_text=True)
    assert "Wrong login name or password" in html
    assert _cjk(_main(html)) == []


def test_sign_in_prompt_is_english(client):
    _english(client)
    response = client.get("/courses/", follow_redirects=True)
    assert "Please sign in" in response.get_data(as_text=True)


def test_api_errors_are_english(client):
    _english(client)
    assert client.get("/api/me").get_json()["error"] == "Please sign in"


@pytest.mark.parametrize("role", list(PAGES))
def test_page_chrome_is_english_for_every_role(client, login_as, role):
    login_as(role, display_name="Test User")
    _english(client)
    for url in PAGES[role]:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert '<html lang="en">' in html, url
        for part, text in _parts(html).items():
            assert _cjk(text) == [], (url, part)


@pytest.mark.parametrize("role", list(PAGES))
def test_home_and_password_pages_are_entirely_english(client, login_as, role):
    login_as(role, display_name="Test User")
    _english(client)
    for url in (f"/home/{role}", "/auth/password"):
        html = client.get(url).get_data(as_text=True)
        assert _cjk(_main(html)) == [], url


def test_error_pages_are_english(client, login_as):
    login_as("staff", display_name="Test User")
    _english(client)
    html = client.get("/no-such-page").get_data(as_text=True)
    assert "Page not found" in html and _cjk(_main(html)) == []
    forbidden = client.get("/admin/users").get_data(as_text=True)
    assert "You do not have permission" in forbidden and _cjk(_main(forbidden)) == []


def test_admin_form_errors_are_english(client, login_as, session):
    login_as("admin", display_name="Test User")
    factories.make_user(session, username="taken")
    _english(client)
    html = client.post("/admin/users/new", data={"username": "taken", "display_name": "X", "roles": ["staff"],
                                                  "department_id": "0"}).get_data(as_text=True)
    assert "Login name “taken” already exists" in html


def test_study_status_texts_for_the_script_are_english(client, login_as, session):
    module = factories.make_course_module(session)
    login_as("staff", display_name="Test User")
    _english(client)
    html = client.get(f"/courses/modules/{module.id}").get_data(as_text=True)
    assert 'data-msg-done="Module completed"' in html
    assert 'data-msg-progress="{n} min studied, at least {req} min required"' in html
