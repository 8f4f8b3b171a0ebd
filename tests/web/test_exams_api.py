"""The exam JSON API contract: start/resume, save with seq, 409 after the deadline, submit, isolation, no keys."""

from __future__ import annotations

import json
from datetime import timedelta
from unittest import mock

import pytest
from sqlalchemy import func, select

from lawtrain.banks.models import Question, QuestionVersion
from lawtrain.exams.models import Answer, Attempt, AttemptEvent, AttemptQuestion
from lawtrain.timeutil import utcnow
from tests import factories
from tests.conftest import csrf_token_from, login
from tests.services.exams_helpers import exam_bank

RULES = (("single", 3, 5.0), ("multiple", 2, 10.0), ("true_false", 2, 5.0), ("fill_blank", 1, 10.0))


@pytest.fixture
def exam_for(session):
    bank = exam_bank(session)

    def make(*users, **overrides):
        now = utcnow()
        fields = dict(opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1))
        fields.update(overrides)
        return factories.make_exam(session, bank=bank, rules=RULES, users=list(users), **fields)

    return make


def start(client, exam_id):
    r = client.post(f"/api/exams/{exam_id}/attempts")
    assert r.status_code == 200, r.data[:300]
    return r.get_json()


def put(client, attempt_id, qid, response, seq):
    return client.put(f"/api/attempts/{attempt_id}/answers/{qid}", json={"response": response, "seq": seq})


def test_exam_list_shows_status_and_attempts_left(client, login_as, exam_for):
    user = login_as("staff")
    exam = exam_for(user)
    exam_for()  # not assigned: not listed
    [row] = client.get("/api/exams").get_json()
    assert row["id"] == exam.id and row["status"] == "open" and row["attempts_left"] == 1
    assert row["locked_reasons"] == [] and row["duration_minutes"] == 30
    assert row["closes_at"].endswith("+00:00")


def test_start_returns_the_paper_without_any_key(client, login_as, exam_for, session):
    user = login_as("staff")
    exam = exam_for(user)
    data = start(client, exam.id)
    assert set(data) >= {"attempt_id", "status", "deadline", "remaining_seconds", "questions", "responses", "last_seq"}
    assert data["status"] == "in_progress" and data["responses"] == {} and data["last_seq"] == 0
    assert 1795 <= data["remaining_seconds"] <= 1800 and "+00:00" in data["deadline"]
    assert [q["type"] for q in data["questions"]] == ["single"] * 3 + ["multiple"] * 2 + ["true_false"] * 2 + [
        "fill_blank"]
    text = json.dumps(data, ensure_ascii=False)
    for forbidden in ("answer", "explanation", "解析", "is_correct", "score", "correct"):
        assert forbidden not in text
    for q in data["questions"]:
        assert set(q) >= {"id", "type", "stem", "options", "blanks", "points"}
        if q["type"] in ("single", "multiple"):
            assert [o["key"] for o in q["options"]] == ["A", "B", "C", "D"]
        else:
            assert q["options"] == []
        assert q["blanks"] == (1 if q["type"] == "fill_blank" else 0)
    # the displayed options follow this person's permutation
    row = session.scalar(select(AttemptQuestion).where(AttemptQuestion.attempt_id == data["attempt_id"],
                                                       AttemptQuestion.position == 1))
    version = session.get(QuestionVersion, row.question_version_id)
    assert [o["text"] for o in data["questions"][0]["options"]] == [version.options[i] for i in row.option_order]


def test_resume_returns_the_same_attempt_and_saved_answers(client, login_as, exam_for):
    user = login_as("staff")
    exam = exam_for(user)
    first = start(client, exam.id)
    qid = first["questions"][0]["id"]
    assert put(client, first["attempt_id"], qid, ["B"], 1).get_json() == {
        "saved": True, "seq": 1, "remaining_seconds": pytest.approx(1800, abs=10)}
    again = start(client, exam.id)
    assert again["attempt_id"] == first["attempt_id"]
    assert again["responses"] == {str(qid): ["B"]} and again["last_seq"] == 1
    assert [q["id"] for q in again["questions"]] == [q["id"] for q in first["questions"]]


def test_older_seq_never_overwrites_a_newer_one(client, login_as, exam_for, session):
    user = login_as("staff")
    data = start(client, exam_for(user).id)
    aid, qid = data["attempt_id"], data["questions"][3]["id"]
    assert put(client, aid, qid, ["A", "C"], 4).status_code == 200
    late = put(client, aid, qid, ["B"], 2)  # delayed retry of an older change
    assert late.status_code == 200 and late.get_json()["saved"] is False
    assert session.scalar(select(Answer.response).where(Answer.question_id == qid)) == ["A", "C"]


@pytest.mark.parametrize("body", [{"response": "A", "seq": 1}, {"response": ["A"]}, {"response": ["A"], "seq": "x"},
                                  {"response": [["A"]], "seq": 1}, {"response": ["A"], "seq": 0}, None])
def test_malformed_saves_are_400(client, login_as, exam_for, body):
    user = login_as("staff")
    data = start(client, exam_for(user).id)
    r = client.put(f"/api/attempts/{data['attempt_id']}/answers/{data['questions'][0]['id']}",
                   data=json.dumps(body), content_type="application/json")
    assert r.status_code == 400


def test_save_after_deadline_plus_grace_is_409_and_answers_unchanged(client, login_as, exam_for, session):
    user = login_as("staff")
    data = start(client, exam_for(user).id)
    aid, qid = data["attempt_id"], data["questions"][0]["id"]
    put(client, aid, qid, ["A"], 1)
    attempt = session.get(Attempt, aid)
    attempt.deadline_at = utcnow() - timedelta(seconds=30)  # inside the 60 s grace: still accepted
    session.commit()
    assert put(client, aid, qid, ["B"], 2).status_code == 200
    attempt.deadline_at = utcnow() - timedelta(seconds=61)
    session.commit()
    r = put(client, aid, qid, ["C"], 3)
    assert r.status_code == 409
    assert session.scalar(select(Answer.response).where(Answer.question_id == qid)) == ["B"]
    status = client.get(f"/api/attempts/{aid}").get_json()
    assert status["status"] == "submitted" and status["released"] is True and "score" in status
    assert session.get(Attempt, aid).submitted_at == attempt.deadline_at


def test_overdue_attempt_is_graded_at_next_access(client, login_as, exam_for, session):
    user = login_as("staff")
    data = start(client, exam_for(user).id)
    aid = data["attempt_id"]
    tf = [q for q in data["questions"] if q["type"] == "true_false"]
    for seq, q in enumerate(tf, start=1):
        put(client, aid, q["id"], ["true"], seq)  # the factory key for true/false is "true"
    attempt = session.get(Attempt, aid)
    attempt.deadline_at = utcnow() - timedelta(minutes=5)
    session.commit()
    status = client.get(f"/api/attempts/{aid}").get_json()
    assert status["status"] == "submitted" and status["score"] == 10.0 and status["max_score"] == 55.0
    assert status["passed"] is False and status["remaining_seconds"] == 0


def test_submit_is_idempotent(client, login_as, exam_for, session):
    user = login_as("staff")
    exam = exam_for(user)
    data = start(client, exam.id)
    first = client.post(f"/api/attempts/{data['attempt_id']}/submit").get_json()
    second = client.post(f"/api/attempts/{data['attempt_id']}/submit").get_json()
    assert first == second and first["status"] == "submitted" and first["released"] is True
    assert set(first) >= {"score", "max_score", "percent", "passed"}
    assert session.scalar(select(func.count(Attempt.id))) == 1
    assert client.get("/api/exams").get_json()[0]["status"] == "done"
    assert client.post(f"/api/exams/{exam.id}/attempts").status_code == 403
    assert put(client, data["attempt_id"], data["questions"][0]["id"], ["A"], 9).status_code == 409


def test_result_withheld_until_released(client, login_as, exam_for):
    user = login_as("staff")
    data = start(client, exam_for(user, release="manual").id)
    body = client.post(f"/api/attempts/{data['attempt_id']}/submit").get_json()
    assert body["status"] == "submitted" and body["released"] is False
    assert "score" not in body and "passed" not in body


def test_client_sent_scores_are_ignored(client, login_as, exam_for, session):
    user = login_as("staff")
    data = start(client, exam_for(user).id)
    q = data["questions"][0]
    r = client.put(f"/api/attempts/{data['attempt_id']}/answers/{q['id']}",
                   json={"response": ["A"], "seq": 1, "score": 100, "is_correct": True})
    assert r.status_code == 200
    body = client.post(f"/api/attempts/{data['attempt_id']}/submit").get_json()
    assert body["score"] <= 5.0


def test_staff_b_cannot_read_or_write_staff_a_attempt(app, client, login_as, exam_for, session):
    a = factories.make_user(session)
    b = factories.make_user(session)
    exam = exam_for(a, b)
    login(client, a.username)
    data = start(client, exam.id)
    aid, qid = data["attempt_id"], data["questions"][0]["id"]
    client.post("/auth/logout")
    login(client, b.username)
    assert client.get(f"/api/attempts/{aid}").status_code == 404
    assert put(client, aid, qid, ["A"], 5).status_code == 404
    assert client.post(f"/api/attempts/{aid}/submit").status_code == 404
    assert client.post(f"/api/attempts/{aid}/events", json={"kind": "focus_lost"}).status_code == 404
    assert client.get(f"/exams/attempts/{aid}").status_code == 404
    assert client.get(f"/exams/attempts/{aid}/result").status_code == 404
    assert client.post(f"/exams/attempts/{aid}", data={"action": "submit"}).status_code == 404
    assert session.scalar(select(func.count(Answer.id))) == 0
    assert session.get(Attempt, aid).status == "in_progress"


def test_question_not_on_paper_is_404(client, login_as, exam_for, session):
    user = login_as("staff")
    data = start(client, exam_for(user).id)
    on_paper = {q["id"] for q in data["questions"]}
    other = session.scalar(select(Question.id).where(Question.id.not_in(on_paper)))
    assert put(client, data["attempt_id"], other, ["A"], 1).status_code == 404


def test_unassigned_exam_is_404_and_anonymous_is_401(client, login_as, exam_for):
    exam = exam_for()
    assert client.get("/api/exams").status_code == 401
    login_as("staff")
    assert client.post(f"/api/exams/{exam.id}/attempts").status_code == 404


def test_focus_events_counted_and_logged(client, login_as, exam_for, session):
    user = login_as("staff")
    data = start(client, exam_for(user).id)
    aid = data["attempt_id"]
    assert client.post(f"/api/attempts/{aid}/events", json={"kind": "focus_lost"}).get_json()["tab_switches"] == 1
    assert client.post(f"/api/attempts/{aid}/events", json={"kind": "focus_back"}).status_code == 200
    assert client.post(f"/api/attempts/{aid}/events", json={"kind": "nope"}).status_code == 400
    kinds = session.scalars(select(AttemptEvent.kind).where(AttemptEvent.attempt_id == aid)).all()
    assert kinds == ["started", "focus_lost", "focus_back"]


def test_csrf_token_still_valid_two_hours_later(csrf_app, session):
    client = csrf_app.test_client()
    bank = exam_bank(session)
    user = factories.make_user(session)
    now = utcnow()
    exam = factories.make_exam(session, bank=bank, rules=RULES, users=[user], duration_minutes=180,
                               opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1))
    page = client.get("/auth/login")
    token = csrf_token_from(page.get_data(as_text=True))
    client.post("/auth/login", data={"username": user.username, "password": factories.PASSWORD, "csrf_token": token})
    page = client.get(f"/exams/{exam.id}")
    token = csrf_token_from(page.get_data(as_text=True))
    headers = {"X-CSRFToken": token}
    assert client.post(f"/api/exams/{exam.id}/attempts").status_code == 400  # no token: refused
    data = client.post(f"/api/exams/{exam.id}/attempts", headers=headers).get_json()
    later = __import__("time").time() + 2 * 3600 + 600
    with mock.patch("itsdangerous.timed.time.time", return_value=later):
        r = client.put(f"/api/attempts/{data['attempt_id']}/answers/{data['questions'][0]['id']}",
                       json={"response": ["A"], "seq": 1}, headers=headers)
        assert r.status_code == 200, r.data[:300]
        assert client.post(f"/api/attempts/{data['attempt_id']}/submit", headers=headers).status_code == 200


def test_an_overdue_attempt_is_shown_timed_out_when_a_trainer_opens_the_exam(app, client, login_as, exam_for,
                                                                             session):
    """"At the next access by anyone": the trainer's exam page must not list it as still in progress. The page
    is a GET, so it stores nothing; close-overdue (or the person's next write) stores the time-out."""
    user = login_as("staff")
    exam = exam_for(user)
    aid = start(client, exam.id)["attempt_id"]
    attempt = session.get(Attempt, aid)
    attempt.deadline_at = utcnow() - timedelta(minutes=5)
    session.commit()
    trainer = app.test_client()
    assert login(trainer, factories.make_user(session, roles=["trainer"]).username).status_code == 302
    page = trainer.get(f"/exams/{exam.id}/admin").get_data(as_text=True)
    assert "作答中 0" in page and "作答中 1" not in page
    session.refresh(attempt)
    assert attempt.status == "in_progress"  # nothing stored by the GET
    assert app.test_cli_runner().invoke(args=["close-overdue"]).output.startswith("已关闭 1 ")
    session.refresh(attempt)
    assert attempt.status == "submitted" and attempt.finish_reason == "timeout"
    assert attempt.submitted_at == attempt.deadline_at
