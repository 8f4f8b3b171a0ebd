"""Live contests under attack: the answer key never reaches a pad or the screen before the reveal; a pad
acts only for its own team; codes cannot be guessed at speed; writes need the page's CSRF token; what a
team types is text everywhere, and text in the exported record is never a formula."""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook

from lawtrain.banks.models import QuestionVersion
from lawtrain.contests import live_services as svc
from lawtrain.contests.live_models import LiveBuzz
from lawtrain.contests.live_play import CODE_MAX_UNKNOWN
from lawtrain.extensions import db
from tests.conftest import csrf_token_from
from tests.live_helpers import at, make_live_contest

SECRET_EXPLANATION = "解析"  # every helper question's explanation starts with it


def _joined(app, team):
    client = app.test_client()
    assert client.post("/contests/live/join", data={"code": team.join_code}).status_code == 302
    return client


def _raw_states(contest, pad, screen):
    team = contest.teams[0]
    raws = [pad.get(f"/contests/live/pad/{team.id}/state").get_data(as_text=True),
            screen.get(f"/contests/{contest.id}/screen/state?code={contest.screen_code}").get_data(as_text=True)]
    return [json.dumps(json.loads(raw), ensure_ascii=False) for raw in raws]  # Chinese as Chinese, to search


def test_no_key_explanation_or_article_before_the_reveal(app, session):
    contest = make_live_contest(session, rounds=("buzz", "risk"))
    pad, screen = _joined(app, contest.teams[0]), app.test_client()
    item = contest.current_item
    version = session.get(QuestionVersion, item.version_id)
    steps = [lambda: None, lambda: svc.show_question(session, contest, now=at(1)),
             lambda: svc.open_buzzing(session, contest, now=at(2)),
             lambda: svc.record_buzz(session, contest.teams[0], arrived_at=at(3), rtt_ms=5),
             lambda: svc.submit_choice(session, contest.teams[0], choice=["A"], now=at(4)),
             lambda: svc.judge(session, contest, team_id=None, correct=None, actor=None, now=at(5))]
    for step in steps:
        step()
        for raw in _raw_states(contest, pad, screen):
            state = json.loads(raw)
            assert "answer" not in state["item"] and "basis" not in state["item"]
            assert SECRET_EXPLANATION not in raw and version.explanation not in raw
            assert "安全生产法" not in raw  # the cited article is part of the reveal
    svc.reveal_answer(session, contest, now=at(6))
    pad_raw, screen_raw = _raw_states(contest, pad, screen)
    assert json.loads(screen_raw)["item"]["answer"] == ["A"] and version.explanation in screen_raw
    # The next question (a risk question, not yet shown): not even its text.
    svc.next_question(session, contest, actor=None, now=at(7))
    stem = session.get(QuestionVersion, contest.current_item.version_id).stem
    assert all(stem not in raw for raw in _raw_states(contest, pad, screen))


def test_a_pad_acts_only_for_its_own_team(app, session):
    contest = make_live_contest(session, rounds=("buzz",))
    mine, theirs = contest.teams[0], contest.teams[1]
    pad = _joined(app, mine)
    svc.show_question(session, contest, now=at(1))
    svc.open_buzzing(session, contest, now=at(2))
    for path in ("buzz", "choice", "stake", "ping"):
        body = {"choice": ["A"], "stake": 10}
        assert pad.post(f"/contests/live/pad/{theirs.id}/{path}", json=body).status_code == 403
    assert pad.get(f"/contests/live/pad/{theirs.id}/state").status_code == 403
    assert app.test_client().post(f"/contests/live/pad/{mine.id}/buzz", json={}).status_code == 403  # no grant
    assert session.query(LiveBuzz).count() == 0
    # Pads never reach the host's actions.
    assert pad.post(f"/contests/live/{contest.id}/console/judge", json={"verdict": "right"}).status_code == 302
    assert pad.get(f"/contests/live/{contest.id}/console/state").status_code == 302


def test_guessing_codes_is_throttled(app, session):
    contest = make_live_contest(session, start=False)
    guesser = app.test_client()
    for _ in range(CODE_MAX_UNKNOWN + 1):
        assert guesser.post("/contests/live/join", data={"code": "ZZZZZZ"}).status_code == 200
    assert guesser.post("/contests/live/join", data={"code": contest.teams[0].join_code}).status_code == 429
    assert guesser.get(f"/contests/{contest.id}/screen?code={contest.screen_code}").status_code == 429


def test_pad_and_console_writes_need_the_csrf_token(csrf_app):
    contest = make_live_contest(db.session, rounds=("buzz",))
    team = contest.teams[0]
    pad = csrf_app.test_client()
    page = pad.get("/contests/live/join").get_data(as_text=True)
    assert pad.post("/contests/live/join", data={"code": team.join_code}).status_code == 400  # no token
    assert pad.post("/contests/live/join", data={"code": team.join_code,
                                                 "csrf_token": csrf_token_from(page)}).status_code == 302
    svc.show_question(db.session, contest, now=at(1))
    svc.open_buzzing(db.session, contest, now=at(2))
    hostile = {"Origin": "https://evil.example"}
    assert pad.post(f"/contests/live/pad/{team.id}/buzz", json={}, headers=hostile).status_code == 400
    token = csrf_token_from(pad.get(f"/contests/live/pad/{team.id}").get_data(as_text=True))
    assert pad.post(f"/contests/live/pad/{team.id}/buzz", json={}, headers={"X-CSRFToken": token}).status_code == 200


def test_team_names_are_text_on_pages_and_never_formulas_in_the_export(client, session, login_as):
    contest = make_live_contest(session, teams=("<script>alert(1)</script>", "=HYPERLINK(\"http://x\",\"y\")"),
                                rounds=("buzz",))
    login_as("trainer")
    svc.show_question(session, contest, now=at(1))
    svc.override_score(session, contest, team_id=contest.teams[1].id, points=5, reason="+cmd|' /C calc'!A0",
                       actor=None, now=at(2))
    svc.next_question(session, contest, actor=None, now=at(3))
    page = client.get(f"/contests/live/{contest.id}/record").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    wb = load_workbook(io.BytesIO(client.get(f"/contests/live/{contest.id}/record.xlsx").data))
    texts = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@"))]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in texts and "'+cmd|' /C calc'!A0" in texts
    scores = [c.value for c in wb["名次"]["C"][1:]]
    assert all(isinstance(v, int) for v in scores)  # number cells, not text
