"""CSRF on the JSON exam API: a save or submit without the page's X-CSRFToken header (or with someone else's)
is refused and changes nothing; with the page's token it goes through."""

from __future__ import annotations

from sqlalchemy import select

from lawtrain.exams.models import Answer, Attempt
from lawtrain.extensions import db
from tests.conftest import csrf_token_from
from tests.security.scenario import build_bureau, table_counts
from tests.services.exams_helpers import paper


def _signed_in(app, user):
    client = app.test_client()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    r = client.post("/auth/login", data={"username": user.username, "password": "secret-pass-1", "csrf_token": token})
    assert r.status_code == 302
    return client


def test_api_writes_need_the_pages_csrf_header(csrf_app):
    b = build_bureau(db.session)
    client = _signed_in(csrf_app, b.bob)
    other = _signed_in(csrf_app, b.alice)
    aid = b.bob_attempt.id
    qid = paper(db.session, b.bob_attempt)[1].question_id
    page = client.get(f"/exams/attempts/{aid}").get_data(as_text=True)
    token = csrf_token_from(page)
    foreign = csrf_token_from(other.get("/home/staff").get_data(as_text=True))
    before = table_counts()
    hostile = {"Origin": "https://evil.example", "Content-Type": "application/json"}
    for headers in ({}, {"X-CSRFToken": ""}, {"X-CSRFToken": "forged"}, {"X-CSRFToken": foreign}):
        body = '{"response": ["B"], "seq": 5}'
        assert client.put(f"/api/attempts/{aid}/answers/{qid}", data=body, headers={**hostile, **headers}
                          ).status_code == 400
        assert client.post(f"/api/attempts/{aid}/submit", headers={**hostile, **headers}).status_code == 400
        assert client.post(f"/api/exams/{b.exam.id}/attempts", headers={**hostile, **headers}).status_code == 400
        assert client.post(f"/api/attempts/{aid}/events", data='{"kind": "focus_lost"}',
                           headers={**hostile, **headers}).status_code == 400
        # a form post in place of JSON (what a cross-site <form> can send) is refused the same way
        assert client.post(f"/exams/attempts/{aid}", data={"action": "submit"}).status_code == 400
    assert table_counts() == before
    assert db.session.scalar(select(Attempt.status).where(Attempt.id == aid)) == "in_progress"
    ok = client.put(f"/api/attempts/{aid}/answers/{qid}", json={"response": ["B"], "seq": 5},
                    headers={"X-CSRFToken": token})
    assert ok.status_code == 200, ok.data[:200]
    stored = db.session.scalar(select(Answer).where(Answer.attempt_id == aid, Answer.question_id == qid))
    assert stored.response == ["B"] and stored.seq == 5


def test_a_get_cannot_change_an_answer(csrf_app):
    b = build_bureau(db.session)
    client = _signed_in(csrf_app, b.bob)
    aid = b.bob_attempt.id
    qid = paper(db.session, b.bob_attempt)[1].question_id
    before = table_counts()
    for method in ("GET", "HEAD", "OPTIONS"):
        r = client.open(f"/api/attempts/{aid}/answers/{qid}?response=B&seq=9", method=method)
        assert r.status_code in (200, 405), (method, r.status_code)
    assert client.get(f"/api/attempts/{aid}/submit").status_code == 405
    assert table_counts() == before
