"""IDOR and privilege escalation: other people's objects do not exist for you; other roles' actions are 403.

Every route is called with *real* ids of objects that belong to someone else (the route-policy test
uses an id that does not exist; this one aims at live data), and afterwards the row counts of every
table and the attacked rows themselves are unchanged.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lawtrain.auth.models import User
from lawtrain.auth.policy import AUTHENTICATED, PUBLIC, policy_of
from lawtrain.banks.models import QuestionVersion
from lawtrain.exams.models import Answer, Attempt
from lawtrain.extensions import db
from tests import factories
from tests.conftest import login
from tests.security.scenario import build_bureau, table_counts
from tests.services.exams_helpers import paper


# What staff must never read in a response that is about someone else.
def _secrets_of(b) -> list[str]:
    return [b.alice.display_name, b.certificate.serial, b.certificate.code]


def _ids(b) -> dict[str, int]:
    """Real ids of objects the attacker (bob, staff in B) does not own."""
    qid = paper(db.session, b.alice_attempt)[0].question_id
    return {"user_id": b.alice.id, "attempt_id": b.alice_attempt.id, "question_id": qid, "cert_id": b.certificate.id,
            "exam_id": b.exam.id, "bank_id": b.bank.id, "dept_id": b.dept_a.id}


def _build(app, rule, ids: dict[str, int]) -> str | None:
    values = {}
    for arg in rule.arguments:
        if arg in ids:
            values[arg] = ids[arg]
        elif arg in ("fmt",):
            values[arg] = "xlsx"
        elif arg == "report":
            values[arg] = "completion"
        elif arg == "role":
            values[arg] = "admin"
        else:
            return None  # module_id, token…: covered by the route-policy test with a missing id
    return rule.build(values, append_unknown=False)[1]


def _snapshot(b) -> dict:
    alice = db.session.get(User, b.alice.id)
    db.session.refresh(alice)
    attempt = db.session.get(Attempt, b.alice_attempt.id)
    db.session.refresh(attempt)
    answers = sorted((a.question_id, tuple(a.response), a.seq) for a in db.session.scalars(
        select(Answer).where(Answer.attempt_id.in_([b.alice_attempt.id, b.bob_attempt.id]))))
    versions = sorted((v.id, v.stem, tuple(v.answer)) for v in db.session.scalars(select(QuestionVersion)))
    return {"counts": table_counts(), "alice": (alice.password_hash, alice.display_name, sorted(alice.roles),
                                                 alice.is_active_account, alice.department_id),
            "attempt": (attempt.status, attempt.score, attempt.last_seq), "answers": answers, "versions": versions}


@pytest.mark.parametrize("attacker", ["bob", "leader_b", "trainer"])
def test_no_role_reaches_a_route_its_policy_excludes_even_with_real_ids(app, session, attacker):
    b = build_bureau(session)
    user = getattr(b, attacker)
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    before = _snapshot(b)
    tried = 0
    for rule in app.url_map.iter_rules():
        policy = policy_of(app.view_functions[rule.endpoint])
        if rule.endpoint == "static" or policy in (PUBLIC, AUTHENTICATED) or user.roles & set(policy):
            continue
        url = _build(app, rule, _ids(b))
        if url is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            body = {"roles": "admin", "display_name": "x", "username": "evil", "password": "Evil-pass-123",
                    "reason": "x", "name": "x", "stem": "x"}
            response = client.open(url, method=method, data=body)
            assert response.status_code == 403, (attacker, method, url, response.status_code)
            text = response.get_data(as_text=True)
            assert not any(s in text for s in _secrets_of(b)), (method, url)
            tried += 1
    assert tried >= (10 if attacker == "trainer" else 20)
    assert _snapshot(b) == before


STAFF_OWN_ROUTES = [
    ("GET", "/api/attempts/{attempt_id}", None),
    ("PUT", "/api/attempts/{attempt_id}/answers/{question_id}", {"response": ["B"], "seq": 99}),
    ("POST", "/api/attempts/{attempt_id}/submit", {}),
    ("POST", "/api/attempts/{attempt_id}/events", {"kind": "focus_lost"}),
    ("GET", "/exams/attempts/{attempt_id}", None),
    ("POST", "/exams/attempts/{attempt_id}", {"action": "submit"}),
    ("GET", "/exams/attempts/{attempt_id}/result", None),
    ("GET", "/certificates/{cert_id}.pdf", None),
]


@pytest.mark.parametrize("method,template,body", STAFF_OWN_ROUTES)
def test_staff_cannot_reach_another_persons_attempt_or_certificate(app, session, method, template, body):
    b = build_bureau(session)
    client = app.test_client()
    assert login(client, b.bob.username).status_code == 302
    before = _snapshot(b)
    # alice's objects, then every sequential id around them that is not bob's own
    ids = _ids(b)
    targets = [ids]
    own_attempts = {b.bob_attempt.id}
    for guess in range(1, ids["attempt_id"] + 4):
        if guess not in own_attempts:
            targets.append({**ids, "attempt_id": guess, "cert_id": guess})
    for t in targets:
        url = template.format(**t)
        kwargs = {"json": body} if url.startswith("/api/") and body is not None else {"data": body or {}}
        response = client.open(url, method=method, **kwargs)
        assert response.status_code == 404, (method, url, response.status_code)
        text = response.get_data(as_text=True)
        assert not any(s in text for s in _secrets_of(b)), url
        assert "score" not in text
    assert _snapshot(b) == before


def test_a_leader_sees_only_their_own_departments_people(app, session):
    b = build_bureau(session)
    client = app.test_client()
    assert login(client, b.leader_b.username).status_code == 302
    before = _snapshot(b)
    assert client.get(f"/reports/people/{b.alice.id}").status_code == 404  # alice is in A, not B
    assert client.get(f"/certificates/{b.certificate.id}.pdf").status_code == 404
    assert client.get(f"/reports/people/{b.bob.id}").status_code == 200  # bob is theirs
    own_list = client.get("/api/certificates").get_json()
    assert own_list == []
    assert _snapshot(b) == before


def test_staff_cannot_create_an_admin_or_change_anyone_elses_password(app, session):
    b = build_bureau(session)
    client = app.test_client()
    assert login(client, b.bob.username).status_code == 302
    before = _snapshot(b)
    new_admin = {"username": "evil-admin", "display_name": "坏人", "roles": ["admin"], "password": "Evil-pass-123",
                 "department_id": "0", "must_change": ""}
    assert client.post("/admin/users/new", data=new_admin).status_code == 403
    assert client.post(f"/admin/users/{b.alice.id}/reset-password").status_code == 403
    assert client.post(f"/admin/users/{b.bob.id}", data={"display_name": "李博", "roles": ["admin"],
                                                          "department_id": "0"}).status_code == 403
    assert client.post(f"/admin/users/{b.alice.id}/deactivate").status_code == 403
    # the own-password form changes only the signed-in person's password, whatever is posted
    r = client.post("/auth/password", data={"current": "wrong-one-1", "new": "Other-pass-123", "confirm":
                                            "Other-pass-123", "user_id": b.alice.id, "username": b.alice.username})
    assert r.status_code == 200
    assert session.scalar(select(User).where(User.username == "evil-admin")) is None
    assert "admin" not in db.session.get(User, b.bob.id).roles
    assert _snapshot(b) == before
    assert client.get("/home/admin").status_code in (403, 404)
    me = client.get("/api/me").get_json()
    assert "password_hash" not in str(me) and "admin" not in me.get("roles", [])


def test_a_trainer_cannot_create_an_admin_either(app, session):
    b = build_bureau(session)
    client = app.test_client()
    assert login(client, b.trainer.username).status_code == 302
    r = client.post("/admin/users/new", data={"username": "evil2", "display_name": "x", "roles": ["admin"],
                                              "department_id": "0"})
    assert r.status_code == 403
    assert session.scalar(select(User).where(User.username == "evil2")) is None


def test_verify_page_reveals_only_a_masked_name_and_unknown_codes_are_404(app, session, client):
    b = build_bureau(session)
    r = client.get(f"/verify/{b.certificate.code}")
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    assert b.alice.display_name not in text and b.alice.staff_no not in text
    for guess in ("code00000001", "x" * 40, b.certificate.code[:-1] + "0", b.certificate.serial):
        r = client.get(f"/verify/{guess}")
        assert r.status_code in (404, 200) and b.alice.display_name not in r.get_data(as_text=True)


def test_a_leaders_exports_stay_inside_their_department(app, session):
    b = build_bureau(session)
    client = app.test_client()
    assert login(client, b.leader_b.username).status_code == 302
    for url in (f"/reports/completion/export.csv?department_id={b.dept_a.id}",
                f"/reports/completion/export.xlsx?department_id={b.dept_a.id}",
                f"/api/reports/completion?department_id={b.dept_a.id}",
                f"/reports/completion?department_id={b.dept_a.id}"):
        assert client.get(url).status_code == 404, url
    own = client.get("/reports/completion/export.csv").data.decode("utf-8-sig")
    assert b.bob.display_name in own or "办公室" in own
    assert b.alice.display_name not in own


def test_a_leader_in_no_department_sees_nobody(app, session):
    """No department must not read as "the whole bureau" (that is what a bureau-level leader sees)."""
    b = build_bureau(session)
    drifter = factories.make_user(session, roles=["leader"], department=None)
    client = app.test_client()
    assert login(client, drifter.username).status_code == 302
    before = _snapshot(b)
    assert client.get(f"/certificates/{b.certificate.id}.pdf").status_code == 404
    assert client.get(f"/reports/people/{b.alice.id}").status_code == 404
    for url in (f"/certificates/exams/{b.exam.id}", "/certificates/manage", "/reports/dashboard",
                "/reports/completion", "/reports/weak", "/reports/completion/export.csv", "/courses/assignments"):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True) if not url.endswith(".csv") else response.data.decode("utf-8-sig")
        assert b.certificate.serial not in text and b.alice.display_name not in text, url
        assert b.bob.display_name not in text, url
    assert _snapshot(b) == before
