"""The browser is not trusted: posted scores and "correct" flags, replayed submits, saves to questions not on
the paper or to someone else's attempt, and malformed saves are ignored or refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lawtrain.exams.models import Answer, Attempt, AttemptEvent
from lawtrain.extensions import db
from tests.conftest import login
from tests.security.scenario import build_bureau, row_type, table_counts
from tests.services.exams_helpers import paper, wrong_response


def _signed_in(app, user):
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    return client


def _answers(attempt_id: int) -> list[tuple]:
    return sorted((a.question_id, tuple(a.response), a.seq) for a in db.session.scalars(
        select(Answer).where(Answer.attempt_id == attempt_id)))


def test_posted_scores_and_correct_flags_are_ignored(app, session):
    b = build_bureau(session)
    client = _signed_in(app, b.bob)
    rows = paper(session, b.bob_attempt)
    for seq, row in enumerate(rows, start=2):
        body = {"response": wrong_response(row, row_type(session, row)), "seq": seq, "score": 100, "correct": True,
                "is_correct": True, "points": 999, "question_id": rows[0].question_id}
        r = client.put(f"/api/attempts/{b.bob_attempt.id}/answers/{row.question_id}", json=body)
        assert r.status_code == 200 and set(r.get_json()) == {"saved", "seq", "remaining_seconds"}
    r = client.post(f"/api/attempts/{b.bob_attempt.id}/submit",
                    json={"score": 100, "max_score": 100, "passed": True, "percent": 100})
    assert r.status_code == 200
    attempt = db.session.get(Attempt, b.bob_attempt.id)
    db.session.refresh(attempt)
    assert attempt.score == 0 and attempt.passed is False
    assert r.get_json()["score"] == 0 and r.get_json()["passed"] is False


def test_a_replayed_submit_changes_nothing(app, session):
    b = build_bureau(session)
    client = _signed_in(app, b.bob)
    first = client.post(f"/api/attempts/{b.bob_attempt.id}/submit").get_json()
    before = table_counts()
    attempt = db.session.get(Attempt, b.bob_attempt.id)
    db.session.refresh(attempt)
    stamp = (attempt.submitted_at, attempt.score, attempt.graded_at)
    for _ in range(3):
        again = client.post(f"/api/attempts/{b.bob_attempt.id}/submit")
        assert again.status_code == 200 and again.get_json() == first
        assert client.post(f"/exams/attempts/{b.bob_attempt.id}", data={"action": "submit"}).status_code == 302
    db.session.refresh(attempt)
    assert (attempt.submitted_at, attempt.score, attempt.graded_at) == stamp
    assert table_counts() == before
    kinds = db.session.scalars(select(AttemptEvent.kind).where(AttemptEvent.attempt_id == attempt.id)).all()
    assert kinds.count("submitted") == 1


def test_saves_to_questions_not_on_the_paper_are_refused(app, session):
    b = build_bureau(session)
    client = _signed_in(app, b.bob)
    on_paper = {r.question_id for r in paper(session, b.bob_attempt)}
    before = _answers(b.bob_attempt.id)
    not_on_paper = [q for q in range(1, 40) if q not in on_paper] + [0, 2**31 - 1]
    for qid in not_on_paper:
        r = client.put(f"/api/attempts/{b.bob_attempt.id}/answers/{qid}", json={"response": ["A"], "seq": 50})
        assert r.status_code == 404, qid
    assert _answers(b.bob_attempt.id) == before
    # the no-JavaScript form quietly drops fields for questions that are not on the paper
    r = client.post(f"/exams/attempts/{b.bob_attempt.id}", data={f"q{q}": "A" for q in not_on_paper[:10]})
    assert r.status_code == 302
    assert {qid for qid, _r, _s in _answers(b.bob_attempt.id)} <= on_paper


def test_saves_to_another_persons_attempt_are_refused(app, session):
    b = build_bureau(session)
    # alice's attempt is submitted; give carol a live one and let bob aim at it
    from lawtrain.exams import attempts
    from lawtrain.timeutil import utcnow
    from tests import factories

    carol = factories.make_user(session, roles=["staff"], department=b.dept_b)
    carol_attempt, _ = attempts.start_attempt(session, b.exam, carol, utcnow())
    client = _signed_in(app, b.bob)
    for row in paper(session, carol_attempt):
        r = client.put(f"/api/attempts/{carol_attempt.id}/answers/{row.question_id}",
                       json={"response": ["A"], "seq": 1})
        assert r.status_code == 404
    assert client.post(f"/api/attempts/{carol_attempt.id}/submit").status_code == 404
    assert _answers(carol_attempt.id) == []
    db.session.refresh(carol_attempt)
    assert carol_attempt.status == "in_progress"


BAD_BODIES = [
    None, [], "x", {"response": ["A"]}, {"seq": 3}, {"response": "A", "seq": 3}, {"response": ["A"], "seq": True},
    {"response": ["A"], "seq": 0}, {"response": ["A"], "seq": -5}, {"response": ["A"], "seq": "3; DROP TABLE x"},
    {"response": ["A"], "seq": 2**31}, {"response": ["A"], "seq": 2**63}, {"response": ["A"], "seq": 10**30},
    {"response": ["A"], "seq": 1e300}, {"response": ["A"], "seq": float("nan")},
    {"response": ["A"], "seq": float("inf")},
    {"response": [{"$gt": ""}], "seq": 3}, {"response": [["A"]], "seq": 3}, {"response": ["A" * 10_000], "seq": 3},
    {"response": ["A"] * 1000, "seq": 3}, {"response": [None], "seq": 3}, {"response": [True], "seq": 3},
]


@pytest.mark.parametrize("body", BAD_BODIES, ids=[str(i) for i in range(len(BAD_BODIES))])
def test_malformed_saves_are_400_and_store_nothing(app, session, body):
    b = build_bureau(session)
    client = _signed_in(app, b.bob)
    qid = paper(session, b.bob_attempt)[1].question_id
    before = _answers(b.bob_attempt.id)
    import json

    r = client.put(f"/api/attempts/{b.bob_attempt.id}/answers/{qid}",
                   data=json.dumps(body, allow_nan=True), content_type="application/json")
    assert r.status_code == 400, (body, r.status_code, r.data[:200])
    assert r.is_json and r.get_json()["error"]
    assert _answers(b.bob_attempt.id) == before


def test_a_huge_id_in_the_url_is_a_plain_404(app, session):
    b = build_bureau(session)
    client = _signed_in(app, b.bob)
    for aid in (2**31, 2**63, 10**30):
        assert client.get(f"/api/attempts/{aid}").status_code == 404
        assert client.put(f"/api/attempts/{aid}/answers/1", json={"response": ["A"], "seq": 1}).status_code == 404
        assert client.get(f"/certificates/{aid}.pdf").status_code == 404
        assert client.get(f"/exams/{aid}").status_code == 404
    assert db.session.scalar(select(func.count(Answer.id))) == len(_answers(b.bob_attempt.id)) + len(
        _answers(b.alice_attempt.id))
