"""Live contests through the test client: set-up pages, the console's actions, pads joining by code with
ETag polling, the screen by its code, the record and its exports."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from lawtrain.contests.live_models import LiveContest
from tests.factories import make_bank, make_question, make_user
from tests.live_helpers import make_live_contest


def test_trainer_sets_up_and_starts_a_contest(client, session, login_as):
    login_as("trainer")
    bank = make_bank(session, name="竞赛题库")
    for _ in range(10):
        make_question(session, bank)
    make_user(session, username="zhao", display_name="赵六")
    response = client.post("/contests/live/", data={"title": "决赛", "false_start_penalty": "5"})
    contest = session.query(LiveContest).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/contests/live/{contest.id}/")
    for name in ("安监一队", "执法二队"):
        assert client.post(f"/contests/live/{contest.id}/teams",
                           data={"name": name, "department": "执法大队", "members": "zhao\n王五"}).status_code == 302
    response = client.post(f"/contests/live/{contest.id}/rounds", data={
        "type": "risk", "title": "风险题", "points_right": "10", "points_wrong": "0", "seconds": "30",
        "risk_values": "", "bank_ids": [str(bank.id)], "law": "", "question_type": "", "count": "1"})
    assert response.status_code == 400 and "风险题需要填写可选分值" in response.get_data(as_text=True)
    assert client.post(f"/contests/live/{contest.id}/rounds", data={
        "type": "buzz", "title": "抢答环节", "points_right": "10", "points_wrong": "5", "seconds": "20",
        "bank_ids": [str(bank.id)], "law": "", "question_type": "", "count": "3"}).status_code == 302
    page = client.get(f"/contests/live/{contest.id}/").get_data(as_text=True)
    assert "安监一队" in page and "赵六（在册）" in page and "抢答环节" in page and contest.teams[0].join_code in page
    assert client.post(f"/contests/live/{contest.id}/start").headers["Location"].endswith("/console")
    assert contest.status == "running" and len(contest.rounds[0].items) == 3
    assert "主持台" in client.get(f"/contests/live/{contest.id}/console").get_data(as_text=True)


def _act(client, contest, action, **body):
    return client.post(f"/contests/live/{contest.id}/console/{action}", json=body)


def test_console_pads_and_screen_play_a_buzz_question(app, client, session, login_as):
    contest = make_live_contest(session, rounds=("buzz",), penalty=5)
    login_as("trainer")
    pad_a, pad_b, screen = app.test_client(), app.test_client(), app.test_client()
    a, b = contest.teams[0], contest.teams[1]
    assert pad_a.post("/contests/live/join", data={"code": a.join_code.lower()}).headers["Location"].endswith(
        f"/contests/live/pad/{a.id}")
    pad_b.post("/contests/live/join", data={"code": b.join_code})
    assert pad_a.get(f"/contests/live/pad/{b.id}/state").status_code == 403  # not its team
    first = pad_a.get(f"/contests/live/pad/{a.id}/state")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and pad_a.get(f"/contests/live/pad/{a.id}/state",
                                                  headers={"If-None-Match": etag}).status_code == 304
    assert screen.get(f"/contests/{contest.id}/screen?code=WRONG").status_code == 404
    screen_url = f"/contests/{contest.id}/screen/state?code={contest.screen_code}"
    assert _act(client, contest, "show").get_json() == {"ok": True}
    assert pad_a.get(f"/contests/live/pad/{a.id}/state", headers={"If-None-Match": etag}).status_code == 200
    assert pad_b.post(f"/contests/live/pad/{b.id}/buzz", json={"rtt": 50}).get_json()["false_start"] is True
    _act(client, contest, "open")
    assert pad_a.post(f"/contests/live/pad/{a.id}/buzz", json={"rtt": 40}).get_json()["false_start"] is False
    shown = screen.get(screen_url).get_json()
    assert [x["team"] for x in shown["buzzes"]] == [a.name] and shown["false_starts"][0]["team"] == b.name
    assert "answer" not in shown["item"]
    assert pad_a.post(f"/contests/live/pad/{a.id}/choice", json={"choice": ["A"]}).get_json() == {"ok": True}
    assert _act(client, contest, "judge", verdict="accept").get_json() == {"ok": True}
    _act(client, contest, "override", team_id=b.id, points=3, reason="观众提示，补回")
    assert _act(client, contest, "override", team_id=b.id, points=3, reason="").status_code == 409
    _act(client, contest, "reveal")
    shown = screen.get(screen_url).get_json()
    assert shown["item"]["answer"] == ["A"]
    assert {t["name"]: t["score"] for t in shown["teams"]}[a.name] == 10
    assert {t["name"]: t["score"] for t in shown["teams"]}[b.name] == -2
    assert _act(client, contest, "next").get_json() == {"ok": True}
    finished = screen.get(screen_url).get_json()
    assert finished["podium"][0]["team"] == a.name
    record = client.get(f"/contests/live/{contest.id}/record").get_data(as_text=True)
    assert "观众提示，补回" in record and "犯规" in record
    wb = load_workbook(io.BytesIO(client.get(f"/contests/live/{contest.id}/record.xlsx").data))
    assert [c.value for c in wb["名次"][2]][:3] == [1, a.name, 10]
    pdf = client.get(f"/contests/live/{contest.id}/record.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # No team member is on the staff list here: nothing to award, and the page says why.
    awarded = client.post(f"/contests/live/{contest.id}/awards", follow_redirects=True).get_data(as_text=True)
    assert "获奖队伍中没有在册人员" in awarded


def test_a_signed_in_member_opens_the_pad_without_a_code(client, session, login_as):
    user = make_user(session, username="qian", display_name="钱七")
    contest = make_live_contest(session, members={"一队": ["qian"]}, start=False)
    login_as(user)
    assert "一队" in client.get("/contests/live/join").get_data(as_text=True)
    assert client.get(f"/contests/live/pad/{contest.teams[0].id}").status_code == 200
    assert client.get(f"/contests/live/pad/{contest.teams[1].id}").status_code == 403
    assert "打开答题器" in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_trainer_removes_teams_and_rounds_only_while_draft(client, session, login_as):
    login_as("trainer")
    contest = make_live_contest(session, teams=("甲队", "乙队", "丙队"), rounds=("required", "buzz"), start=False)
    other = make_live_contest(session, teams=("丁队",), rounds=("buzz",), start=False)
    first_team, first_round = contest.teams[0], contest.rounds[0]
    assert client.post(f"/contests/live/{contest.id}/teams/{other.teams[0].id}/delete").status_code == 404
    assert client.post(f"/contests/live/{contest.id}/rounds/{other.rounds[0].id}/delete").status_code == 404
    response = client.post(f"/contests/live/{contest.id}/teams/{first_team.id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/contests/live/{contest.id}/#teams")
    response = client.post(f"/contests/live/{contest.id}/rounds/{first_round.id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/contests/live/{contest.id}/#rounds")
    session.expire_all()
    assert [(t.name, t.position) for t in contest.teams] == [("乙队", 1), ("丙队", 2)]
    assert [(r.title, r.position) for r in contest.rounds] == [("抢答环节", 1)]
    assert client.post(f"/contests/live/{contest.id}/start").status_code == 302
    team = contest.teams[0]
    response = client.post(f"/contests/live/{contest.id}/teams/{team.id}/delete", follow_redirects=True)
    assert "竞赛已开始，不能再修改设置" in response.get_data(as_text=True)
    session.expire_all()
    assert len(contest.teams) == 2 and team in contest.teams
