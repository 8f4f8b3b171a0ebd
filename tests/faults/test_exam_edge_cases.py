"""Saves out of order, duplicated or after submit; two browsers on one attempt; a deadline that passes with
nobody connected. The newest seq wins, a submitted attempt never changes, one consistent result."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lawtrain.exams import attempts
from lawtrain.exams.models import Answer, Attempt, AttemptEvent
from lawtrain.extensions import db
from lawtrain.timeutil import utcnow
from tests import factories
from tests.conftest import login
from tests.security.scenario import RULES, row_type
from tests.services.exams_helpers import exam_bank, paper, right_response, wrong_response

pytestmark = pytest.mark.faults


def _exam(session, user, **overrides):
    now = utcnow()
    fields = dict(opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1))
    fields.update(overrides)
    return factories.make_exam(session, bank=exam_bank(session), rules=RULES, users=[user], **fields)


def _answer(attempt_id, qid):
    db.session.expire_all()
    return db.session.scalar(select(Answer).where(Answer.attempt_id == attempt_id, Answer.question_id == qid))


def test_out_of_order_and_duplicated_saves_keep_the_newest(app, client, login_as, session):
    user = login_as("staff")
    exam = _exam(session, user)
    data = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    aid, qid = data["attempt_id"], data["questions"][0]["id"]
    url = f"/api/attempts/{aid}/answers/{qid}"
    # what a flaky network delivers: 3, 1, 2, 3 again (a retry), 5, 4, 5 again
    arrivals = [(3, ["C"]), (1, ["A"]), (2, ["B"]), (3, ["C"]), (5, ["E"]), (4, ["D"]), (5, ["E"])]
    saved = []
    for seq, response in arrivals:
        r = client.put(url, json={"response": response, "seq": seq})
        assert r.status_code == 200
        saved.append(r.get_json()["saved"])
    assert saved == [True, False, False, False, True, False, False]
    row = _answer(aid, qid)
    assert (row.seq, row.response) == (5, ["E"])
    assert db.session.get(Attempt, aid).last_seq == 5
    events = db.session.scalars(select(AttemptEvent).where(AttemptEvent.attempt_id == aid,
                                                           AttemptEvent.kind == "saved")).all()
    assert len(events) == 2  # only the saves that changed something are logged


def test_after_submit_nothing_changes(app, client, login_as, session):
    user = login_as("staff")
    exam = _exam(session, user)
    data = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    aid = data["attempt_id"]
    q = data["questions"]
    assert client.put(f"/api/attempts/{aid}/answers/{q[0]['id']}", json={"response": ["A"], "seq": 1}
                      ).status_code == 200
    result = client.post(f"/api/attempts/{aid}/submit").get_json()
    attempt = db.session.get(Attempt, aid)
    frozen = (attempt.score, attempt.submitted_at, attempt.last_seq)
    for seq, question in enumerate(q, start=50):  # late saves arriving after the submit, with newer seqs
        r = client.put(f"/api/attempts/{aid}/answers/{question['id']}", json={"response": ["B"], "seq": seq})
        assert r.status_code == 409 and r.get_json()["attempt_status"] == "submitted"
    r = client.post(f"/exams/attempts/{aid}", data={f"q{q[0]['id']}": "B", "action": "submit"})
    assert r.status_code == 302
    assert client.post(f"/api/attempts/{aid}/events", json={"kind": "focus_lost"}).status_code == 409
    assert client.post(f"/api/attempts/{aid}/submit").get_json() == result
    db.session.expire_all()
    attempt = db.session.get(Attempt, aid)
    assert (attempt.score, attempt.submitted_at, attempt.last_seq) == frozen
    assert _answer(aid, q[0]["id"]).response == ["A"]
    assert {a.question_id for a in db.session.scalars(select(Answer).where(Answer.attempt_id == aid))} == {q[0]["id"]}


def test_two_browsers_on_one_attempt_give_one_consistent_result(app, session):
    user = factories.make_user(session)
    exam = _exam(session, user)
    phone, desktop = app.test_client(), app.test_client()
    phone.environ_base.update(REMOTE_ADDR="10.1.0.7", HTTP_USER_AGENT="Phone")
    desktop.environ_base.update(REMOTE_ADDR="10.2.0.9", HTTP_USER_AGENT="Desktop")
    assert login(phone, user.username).status_code == 302 and login(desktop, user.username).status_code == 302
    first = phone.post(f"/api/exams/{exam.id}/attempts").get_json()
    second = desktop.post(f"/api/exams/{exam.id}/attempts").get_json()
    assert second["attempt_id"] == first["attempt_id"] and second["resumed"] is True
    assert second["deadline"] == first["deadline"]
    aid = first["attempt_id"]
    rows = paper(session, db.session.get(Attempt, aid))
    # the phone answers everything wrong, the desktop then corrects every answer with newer seqs
    phone_seq = desktop_seq = 0
    for row in rows:
        phone_seq += 1
        assert phone.put(f"/api/attempts/{aid}/answers/{row.question_id}", json={
            "response": wrong_response(row, row_type(session, row)), "seq": phone_seq}).status_code == 200
    desktop_seq = desktop.post(f"/api/exams/{exam.id}/attempts").get_json()["last_seq"]
    for row in rows:
        desktop_seq += 1
        r = desktop.put(f"/api/attempts/{aid}/answers/{row.question_id}", json={
            "response": right_response(row, row_type(session, row)), "seq": desktop_seq})
        assert r.get_json()["saved"] is True
    # a stale save from the phone (an old seq) arrives late and changes nothing
    r = phone.put(f"/api/attempts/{aid}/answers/{rows[0].question_id}", json={"response": ["D"], "seq": 2})
    assert r.get_json()["saved"] is False
    # both press submit
    a = phone.post(f"/api/attempts/{aid}/submit").get_json()
    b = desktop.post(f"/api/attempts/{aid}/submit").get_json()
    assert a == b and a["score"] == a["max_score"] and a["passed"] is True
    assert desktop.put(f"/api/attempts/{aid}/answers/{rows[0].question_id}",
                       json={"response": ["D"], "seq": 999}).status_code == 409
    events = db.session.scalars(select(AttemptEvent).where(AttemptEvent.attempt_id == aid)
                                .order_by(AttemptEvent.id)).all()
    kinds = [e.kind for e in events]
    assert kinds.count("submitted") == 1 and kinds.count("started") == 1 and kinds.count("resumed") >= 1
    ips = {e.detail.get("ip") for e in events if e.kind in ("started", "resumed")}
    assert ips == {"10.1.0.7", "10.2.0.9"}  # the log shows both browsers
    assert kinds.count("saved") == 2 * len(rows)
    trainer = factories.make_user(session, roles=["trainer"])
    staff_view = app.test_client()
    login(staff_view, trainer.username)
    page = staff_view.get(f"/exams/manage/attempts/{aid}").get_data(as_text=True)
    assert "10.1.0.7" in page and "10.2.0.9" in page


def test_a_deadline_that_passes_with_nobody_connected_is_closed_and_graded(app, session, runner):
    alice, bob = factories.make_user(session), factories.make_user(session)
    exam = _exam(session, alice, duration_minutes=30)
    exam.assignees.append(type(exam.assignees[0])(user_id=bob.id))
    session.commit()
    long_ago = utcnow() - timedelta(minutes=45)  # 30 minutes + grace are over
    started = {}
    for person in (alice, bob):
        attempt, _ = attempts.start_attempt(session, exam, person, long_ago)
        rows = paper(session, attempt)
        for i, row in enumerate(rows, start=1):  # everything right except the first question
            make = wrong_response if i == 1 else right_response
            attempts.save_answer(session, attempt, row.question_id, make(row, row_type(session, row)), i,
                                 long_ago + timedelta(minutes=1))
        started[person.username] = attempt
    # nobody comes back; cron runs the sweep
    result = runner.invoke(args=["close-overdue"])
    assert result.exit_code == 0 and result.output.startswith("已关闭 2 ")
    for attempt in started.values():
        db.session.refresh(attempt)
        assert attempt.status == "submitted" and attempt.finish_reason == "timeout"
        assert attempt.submitted_at == attempt.deadline_at
        first = paper(session, attempt)[0]
        assert attempt.score == attempt.max_score - first.points
    assert runner.invoke(args=["close-overdue"]).output.startswith("已关闭 0")


def test_an_overdue_attempt_is_closed_on_the_next_access(app, client, session):
    user = factories.make_user(session)
    exam = _exam(session, user, duration_minutes=30)
    attempt, _ = attempts.start_attempt(session, exam, user, utcnow() - timedelta(minutes=40))
    row = paper(session, attempt)[0]
    attempts.save_answer(session, attempt, row.question_id, right_response(row, row_type(session, row)), 1,
                         utcnow() - timedelta(minutes=35))
    login(client, user.username)
    late = client.put(f"/api/attempts/{attempt.id}/answers/{row.question_id}", json={"response": ["B"], "seq": 2})
    assert late.status_code == 409
    status = client.get(f"/api/attempts/{attempt.id}").get_json()
    assert status["status"] == "submitted" and status["remaining_seconds"] == 0
    assert status["score"] == row.points
    assert client.get(f"/exams/attempts/{attempt.id}").status_code == 302  # to the result page
