"""No answer key, explanation, score or result link reaches a person before submission and release.

Every response the taker's browser can ask for during a live attempt (exam page, its inline data, the
whole API, the home page, the practice and wrong-book pages) is searched for each question's key and
explanation; the result page of a live attempt refuses.
"""

from __future__ import annotations

import json
import re

import pytest

from lawtrain.banks.models import QuestionVersion
from lawtrain.extensions import db
from tests.conftest import login
from tests.security.scenario import build_bureau
from tests.services.exams_helpers import paper, right_response

RESULT_WORDS = ("得分率", "及格线", '"score"', '"percent"', '"passed"', "/result", "解析")


def _keys_and_explanations(session, attempt) -> list[str]:
    """Strings that only a key or an explanation contains (fill-in answers, explanations)."""
    out = []
    for row in paper(session, attempt):
        version = session.get(QuestionVersion, row.question_version_id)
        if version.explanation:
            out.append(version.explanation)
        if version.type == "fill_blank":
            out.extend(str(a) for blank in version.answer for a in (blank if isinstance(blank, list) else [blank])
                       if not str(a).isdigit())  # digits also occur in times and ids
    return out


def _json_keys(obj) -> set[str]:
    if isinstance(obj, dict):
        return set(obj) | {k for v in obj.values() for k in _json_keys(v)}
    if isinstance(obj, list):
        return {k for v in obj for k in _json_keys(v)}
    return set()


FORBIDDEN_JSON_KEYS = {"answer", "answers_key", "correct", "correct_keys", "is_correct", "explanation", "score",
                       "percent", "passed", "max_score"}


def _live_responses(client, b) -> dict[str, str]:
    aid, eid = b.bob_attempt.id, b.exam.id
    qid = paper(db.session, b.bob_attempt)[0].question_id
    responses = {
        "take page": client.get(f"/exams/attempts/{aid}"),
        "api status": client.get(f"/api/attempts/{aid}"),
        "api resume": client.post(f"/api/exams/{eid}/attempts"),
        "api save": client.put(f"/api/attempts/{aid}/answers/{qid}", json={"response": ["B"], "seq": 2}),
        "api exams": client.get("/api/exams"),
        "api focus": client.post(f"/api/attempts/{aid}/events", json={"kind": "focus_lost"}),
        "exam list": client.get("/exams/"),
        "exam intro": client.get(f"/exams/{eid}"),
        "home": client.get("/home/staff"),
        "wrong book": client.get("/exams/wrong-book"),
        "api me": client.get("/api/me"),
    }
    for name, r in responses.items():
        assert r.status_code == 200, (name, r.status_code)
    return {name: r.get_data(as_text=True) for name, r in responses.items()}


def test_nothing_the_taker_can_fetch_during_the_exam_reveals_a_key(app, session):
    b = build_bureau(session)
    client = app.test_client()
    assert login(client, b.bob.username).status_code == 302
    secrets = _keys_and_explanations(session, b.bob_attempt)
    assert secrets
    for name, text in _live_responses(client, b).items():
        for secret in secrets:
            assert secret not in text, (name, secret)
        if text.lstrip().startswith(("{", "[")):
            assert not (_json_keys(json.loads(text)) & FORBIDDEN_JSON_KEYS), name
        else:
            assert f"/exams/attempts/{b.bob_attempt.id}/result" not in text, name
    # the inline data of the exam page carries the paper, never a key
    page = client.get(f"/exams/attempts/{b.bob_attempt.id}").get_data(as_text=True)
    for blob in re.findall(r"data-[a-z-]+='([^']*)'|data-[a-z-]+=\"(\{[^\"]*)\"", page):
        text = "".join(blob)
        assert not any(s in text for s in secrets)
    assert client.get(f"/exams/attempts/{b.bob_attempt.id}/result").status_code == 404


def test_practice_refuses_feedback_on_questions_of_the_live_paper(app, session):
    """Otherwise a second tab asks practice mode for each exam question's key (and explanation)."""
    b = build_bureau(session)
    client = app.test_client()
    assert login(client, b.bob.username).status_code == 302
    for row in paper(session, b.bob_attempt):
        r = client.post("/api/practice/answer", json={"question_id": row.question_id, "response": ["A"]})
        assert r.status_code == 404, (row.question_id, r.status_code, r.data[:200])
        r = client.post("/exams/practice/answer", data={"question_id": row.question_id, f"q{row.question_id}": "A"})
        assert r.status_code == 404
    # a practice bank's question no paper of Bob's can draw still practises normally
    from tests import factories
    other = factories.make_question(session, factories.make_bank(session, law_name=None)).id
    r = client.post("/api/practice/answer", json={"question_id": other, "response": ["A"]})
    assert r.status_code == 200 and "answer" in r.get_json()


@pytest.mark.parametrize("release", ["manual", "after_close"])
def test_before_release_a_submitted_attempt_shows_no_score_and_no_right_or_wrong(app, session, release):
    b = build_bureau(session, release=release)
    client = app.test_client()
    assert login(client, b.bob.username).status_code == 302
    rows = paper(session, b.bob_attempt)
    # answer everything wrong on purpose, then submit
    for seq, row in enumerate(rows, start=2):
        client.put(f"/api/attempts/{b.bob_attempt.id}/answers/{row.question_id}", json={"response": ["Z"],
                                                                                      "seq": seq})
    submitted = client.post(f"/api/attempts/{b.bob_attempt.id}/submit")
    assert submitted.status_code == 200
    for name, r in {"submit": submitted, "status": client.get(f"/api/attempts/{b.bob_attempt.id}"),
                    "result": client.get(f"/exams/attempts/{b.bob_attempt.id}/result"),
                    "wrong book": client.get("/exams/wrong-book"), "home": client.get("/home/staff"),
                    "exams": client.get("/exams/"), "certs": client.get("/api/certificates")}.items():
        assert r.status_code == 200, name
        text = r.get_data(as_text=True)
        if name in ("submit", "status"):
            data = r.get_json()
            assert data["released"] is False and not (set(data) & FORBIDDEN_JSON_KEYS), name
        assert "得分率" not in text and "解析" not in text, name
        for row in rows:  # the wrong book would tell which answers were wrong
            stem = session.get(QuestionVersion, row.question_version_id).stem
            if name == "wrong book":
                assert stem not in text, "wrong book lists questions of an unreleased exam"
    # practising those questions would give the key and tell right from wrong: refused until release
    r = client.post("/api/practice/answer", json={"question_id": rows[0].question_id, "response": ["A"]})
    assert r.status_code == 404


def test_after_release_the_result_and_review_appear(app, session, now):
    b = build_bureau(session, release="manual")
    client = app.test_client()
    assert login(client, b.alice.username).status_code == 302
    assert client.get(f"/api/attempts/{b.alice_attempt.id}").get_json()["released"] is False
    from lawtrain.exams import authoring
    from lawtrain.timeutil import utcnow

    authoring.release_results(session, b.exam, actor=b.trainer, now=utcnow())
    data = client.get(f"/api/attempts/{b.alice_attempt.id}").get_json()
    assert data["released"] is True and data["score"] == data["max_score"]
    row = paper(session, b.alice_attempt)[0]
    assert right_response(row, "single")  # helper sanity
    assert "得分率" in client.get(f"/exams/attempts/{b.alice_attempt.id}/result").get_data(as_text=True)
