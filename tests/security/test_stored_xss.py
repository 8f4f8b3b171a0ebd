"""Stored XSS: hostile markup in every kind of stored text, through every importer and form, is inert on every
page that shows it (escaped or removed), and harmless in PDFs and exports."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from lawtrain.banks.formats.detect import write_file
from lawtrain.banks.formats.records import Citation, QuestionRecord
from lawtrain.banks.models import Bank, Question, QuestionVersion
from lawtrain.exams import attempts
from lawtrain.timeutil import utcnow
from tests import factories
from tests.conftest import login
from tests.security.scenario import build_bureau, row_type
from tests.services.exams_helpers import paper

PAYLOADS = [
    '<script>alert("xss1")</script>',
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    '<a href="javascript:alert(4)">点我</a>',
    '<iframe srcdoc="<script>alert(5)</script>"></iframe>',
    '<div style="width:expression(alert(6))">样式</div>',
    '"><script>alert(7)</script>',
    "' onmouseover='alert(8)",
]
MIXED = "".join(PAYLOADS)


class _LiveMarkup(HTMLParser):
    """Collects anything in a page that a browser would run."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {k.lower(): (v or "") for k, v in attrs}
        if tag in ("iframe", "object", "embed", "frame"):
            self.problems.append(f"<{tag}>")
        if tag == "script" and not attrs.get("src", "").startswith("/static/"):
            self.problems.append(f"inline <script> {attrs}")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name == "srcdoc":
                self.problems.append(f"<{tag} srcdoc>")
            if name in ("href", "src", "action", "formaction", "xlink:href") and re.sub(
                    r"[\s\x00-\x1f]", "", value).lower().startswith(("javascript:", "vbscript:", "data:text")):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.problems.append(f"<{tag} style=…> (CSP forbids inline styles)")

    handle_startendtag = handle_starttag


def assert_inert(html: str, where: str) -> None:
    for raw in ("<script>alert", "<img src=x onerror", "<svg onload", "<iframe srcdoc", 'href="javascript:'):
        assert raw not in html, (where, raw)
    parser = _LiveMarkup()
    parser.feed(html)
    assert parser.problems == [], (where, parser.problems[:5])


def _get(client, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return r.get_data(as_text=True)


def _hostile_bureau(session):
    b = build_bureau(session)
    b.dept_a.name = "执法" + PAYLOADS[0]
    b.dept_b.name = "办公室" + PAYLOADS[1]
    b.alice.display_name = "爱丽" + PAYLOADS[2]
    b.bob.display_name = "李博" + PAYLOADS[6]
    b.exam.title = "考试" + PAYLOADS[3] + PAYLOADS[4]
    b.exam.instructions = PAYLOADS[5] + PAYLOADS[7]
    for row in paper(session, b.alice_attempt) + paper(session, b.bob_attempt):
        version = session.get(QuestionVersion, row.question_version_id)
        version.stem = version.stem + PAYLOADS[row.position % len(PAYLOADS)]
        version.explanation = "解析" + MIXED
        if version.type in ("single", "multiple"):
            version.options = [o + PAYLOADS[i % len(PAYLOADS)] for i, o in enumerate(version.options)]
    session.commit()
    # fill-in answers are free text typed by the taker
    fill = [r for r in paper(session, b.bob_attempt) if row_type(session, r) == "fill_blank"]
    for row in fill:
        attempts.save_answer(session, b.bob_attempt, row.question_id, [PAYLOADS[0][:400]], 5, utcnow())
    module = factories.make_course_module(session, body="## 标题\n\n" + "\n\n".join(PAYLOADS)
                                          + "\n\n[链接](javascript:alert(9)) <a href='javascript:alert(10)'>x</a>",
                                          title="模块" + PAYLOADS[1], is_open=True)
    return b, module


def test_hostile_text_is_inert_on_every_page_that_shows_it(app, session):
    b, module = _hostile_bureau(session)
    qid = paper(session, b.bob_attempt)[0].question_id
    pages = {
        b.bob: ["/home/staff", "/exams/", f"/exams/{b.exam.id}", f"/exams/attempts/{b.bob_attempt.id}",
                "/exams/wrong-book", f"/courses/modules/{module.id}", "/courses/", "/certificates/",
                "/exams/practice?mode=law&go=1&order=sequential"],
        b.alice: [f"/exams/attempts/{b.alice_attempt.id}/result", "/exams/wrong-book", "/certificates/",
                  f"/verify/{b.certificate.code}"],
        b.trainer: ["/banks/", f"/banks/{b.bank.id}", f"/banks/questions/{qid}/edit", "/banks/review",
                    "/exams/manage", f"/exams/{b.exam.id}/admin", f"/exams/manage/attempts/{b.alice_attempt.id}",
                    f"/exams/manage/attempts/{b.bob_attempt.id}", f"/exams/{b.exam.id}/edit",
                    f"/exams/{b.exam.id}/overrides", "/certificates/manage", f"/certificates/exams/{b.exam.id}",
                    "/reports/dashboard", "/reports/completion", "/reports/exams",
                    f"/reports/exams/{b.exam.id}/items", f"/reports/people/{b.alice.id}", "/reports/weak",
                    "/courses/manage", f"/courses/modules/{module.id}/edit", "/courses/ledger"],
        b.leader_b: ["/home/leader", "/reports/dashboard", "/reports/completion", f"/reports/people/{b.bob.id}"],
        b.admin: ["/admin/users", f"/admin/users/{b.alice.id}", "/admin/departments",
                  f"/admin/departments/{b.dept_a.id}", "/admin/audit", f"/certificates/{b.certificate.id}/revoke"],
    }
    checked = 0
    for user, urls in pages.items():
        client = app.test_client()
        assert login(client, user.username).status_code == 302
        for url in urls:
            assert_inert(_get(client, url), url)
            checked += 1
    assert checked >= 40
    # the payloads are really there (escaped), not silently dropped by the test set-up
    client = app.test_client()
    login(client, b.trainer.username)
    assert "&lt;script&gt;alert" in _get(client, f"/exams/manage/attempts/{b.bob_attempt.id}")


def test_the_json_api_carries_hostile_text_as_data_only(app, session):
    b, _module = _hostile_bureau(session)
    client = app.test_client()
    login(client, b.bob.username)
    r = client.post(f"/api/exams/{b.exam.id}/attempts")
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    stems = " ".join(q["stem"] + " ".join(o["text"] for o in q["options"]) for q in r.get_json()["questions"])
    assert "<script>alert" in stems  # the text is kept as data; the page's script inserts it as text
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "object-src 'none'" in csp


@pytest.mark.parametrize("html", [
    "<p>" + p + "</p>" for p in PAYLOADS[:6]] + ['<a href=" JaVa&#x09;ScRiPt:alert(1)">x</a>'])
def test_the_checker_itself_catches_live_markup(html):
    with pytest.raises(AssertionError):
        assert_inert(html, "self-test")


def _records() -> list[QuestionRecord]:
    cite = [Citation("安全生产法", 21)]
    return [
        QuestionRecord(type="single", stem="题干" + p, options=["甲" + p, "乙", "丙", "丁"], answer=["A"],
                       explanation="解析" + p, basis=cite, tags=["标签" + p[:10]])
        for p in PAYLOADS
    ] + [QuestionRecord(type="fill_blank", stem="填空____" + PAYLOADS[0], answer=[[PAYLOADS[1][:60]]],
                        explanation=MIXED, basis=cite)]


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx", "gift", "moodle_xml"])
def test_every_importer_stores_hostile_text_inert(app, session, fmt):
    trainer = factories.make_user(session, roles=["trainer"])
    client = app.test_client()
    login(client, trainer.username)
    data = write_file(fmt, _records(), bank_name="导入" + PAYLOADS[0])
    name = {"json": "x.json", "csv": "x.csv", "xlsx": "x.xlsx", "gift": "x.gift.txt", "moodle_xml": "x.xml"}[fmt]
    r = client.post("/banks/import", data={"bank_id": "0", "new_bank_name": "导入题库" + PAYLOADS[2], "fmt": "",
                                           "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    preview = client.get(r.headers["Location"])
    assert preview.status_code == 200
    assert_inert(preview.get_data(as_text=True), f"{fmt} preview")
    token = r.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    done = client.post(f"/banks/import/{token}")
    assert done.status_code == 302, done.get_data(as_text=True)[:500]
    assert_inert(_get(client, done.headers["Location"]), f"{fmt} done")
    bank = session.scalar(select(Bank).order_by(Bank.id.desc()))
    assert session.scalar(select(Question).where(Question.bank_id == bank.id)) is not None
    assert_inert(_get(client, f"/banks/{bank.id}"), f"{fmt} bank page")
    for q in session.scalars(select(Question).where(Question.bank_id == bank.id)):
        assert_inert(_get(client, f"/banks/questions/{q.id}/edit"), f"{fmt} edit {q.id}")


def test_the_question_form_stores_hostile_text_inert(app, session):
    trainer = factories.make_user(session, roles=["trainer"])
    bank = factories.make_bank(session)
    client = app.test_client()
    login(client, trainer.username)
    r = client.post(f"/banks/{bank.id}/questions/new", data={
        "type": "single", "stem": "题干" + MIXED, "options": "\n".join("选项" + p for p in PAYLOADS[:4]),
        "answer": "A", "explanation": MIXED, "points": "1", "difficulty": "", "basis": "安全生产法 第21条",
        "tags": "", "external_id": ""})
    assert r.status_code == 302, r.get_data(as_text=True)[:1000]
    q = session.scalar(select(Question).where(Question.bank_id == bank.id))
    assert_inert(_get(client, f"/banks/{bank.id}"), "bank page")
    assert_inert(_get(client, f"/banks/questions/{q.id}/edit"), "edit page")


def test_admin_forms_store_hostile_names_inert(app, session):
    admin = factories.make_user(session, roles=["admin"])
    client = app.test_client()
    login(client, admin.username)
    r = client.post("/admin/departments", data={"name": "部门" + PAYLOADS[0][:40], "parent_id": "0"})
    assert r.status_code in (200, 302)
    r = client.post("/admin/users/new", data={"username": "xss-user", "display_name": PAYLOADS[1][:60],
                                              "staff_no": "X1", "roles": ["staff"], "department_id": "0",
                                              "password": "Good-pass-123"})
    assert r.status_code == 200
    for url in ("/admin/users", "/admin/departments", "/admin/audit", "/admin/users?q=" + PAYLOADS[0]):
        assert_inert(_get(client, url), url)


def test_pdfs_with_hostile_names_render_and_carry_no_script_or_link(app, session):
    b, _module = _hostile_bureau(session)
    client = app.test_client()
    login(client, b.alice.username)
    r = client.get(f"/certificates/{b.certificate.id}.pdf")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    for marker in (b"/JavaScript", b"/JS ", b"/Launch", b"javascript:"):
        assert marker not in r.data
    login(client2 := app.test_client(), b.trainer.username)
    for url in ("/reports/completion/export.pdf", "/reports/dashboard/export.pdf",
                f"/reports/exams/{b.exam.id}/items/export.pdf"):
        r = client2.get(url)
        assert r.status_code == 200 and r.data.startswith(b"%PDF"), url
        assert b"/JavaScript" not in r.data and b"javascript:" not in r.data


def test_no_script_builds_markup_from_strings():
    """Question text reaches the page through textContent only: no innerHTML-style sinks in our JavaScript."""
    from pathlib import Path

    import lawtrain

    sinks = re.compile(r"\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(")
    js_dir = Path(lawtrain.__file__).parent / "static" / "js"
    offenders = [f"{p.name}:{n}" for p in sorted(js_dir.glob("*.js"))
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1) if sinks.search(line)]
    assert offenders == []


def test_every_kind_of_response_carries_the_browser_defences(app, session):
    """ASVS 3.4.3/3.4.4/3.4.5/3.4.6/3.4.8: CSP with object-src and base-uri 'none', nosniff, referrer policy,
    frame-ancestors, COOP; no-store on pages and JSON."""
    user = factories.make_user(session)
    client = app.test_client()
    login(client, user.username)
    for url in ("/auth/login", "/home/staff", "/api/me", "/api/exams", "/static/js/exam.js", "/nope", "/verify/x"):
        r = client.get(url)
        r.close()  # static files are streamed from disk
        csp = r.headers.get("Content-Security-Policy", "")
        assert "object-src 'none'" in csp and "base-uri 'none'" in csp and "frame-ancestors 'none'" in csp, url
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp, url
        assert r.headers.get("X-Content-Type-Options") == "nosniff", url
        assert r.headers.get("Referrer-Policy") == "same-origin", url
        assert r.headers.get("Cross-Origin-Opener-Policy") == "same-origin", url
        if r.mimetype in ("text/html", "application/json"):
            assert "no-store" in r.headers.get("Cache-Control", ""), url
    cookie = client.get_cookie("lawtrain_session", domain="lawtrain.test")
    assert cookie.http_only and cookie.same_site == "Lax"
