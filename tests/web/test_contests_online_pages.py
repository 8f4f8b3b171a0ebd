"""Online contest pages and API through the test client: organiser form, entering through the exam API,
result and leaderboard (masked), guests by link, exports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lawtrain.contests.online_models import OnlineContest, OnlineContestGuest
from lawtrain.exams.models import Attempt
from lawtrain.timeutil import to_local, utcnow
from tests import factories
from tests.conftest import login
from tests.services.contests_online_helpers import make_contest
from tests.services.exams_helpers import exam_bank


@pytest.fixture
def bureau(session):
    root = factories.make_department(session, path="区应急局")
    team = factories.make_department(session, "执法大队", parent=root)
    trainer = factories.make_user(session, roles=["trainer"], department=root, display_name="培训员")
    return root, team, trainer


def _open_contest(app, session, trainer, **overrides):
    with app.test_request_context():
        return make_contest(session, trainer, utcnow(), **overrides)


def _sit_by_api(client, contest, right_all=True):
    r = client.post(f"/contests/online/{contest.id}/enter")
    assert r.status_code == 302 and "/exams/attempts/" in r.headers["Location"], r.data[:300]
    data = client.post(f"/api/exams/{contest.exam_id}/attempts").get_json()
    for seq, q in enumerate(data["questions"], start=1):
        client.put(f"/api/attempts/{data['attempt_id']}/answers/{q['id']}", json={"response": ["A"], "seq": seq})
    assert client.post(f"/api/attempts/{data['attempt_id']}/submit").status_code == 200
    return data["attempt_id"]


def test_organiser_creates_a_contest_with_the_rule_builder_and_publishes_it(client, session, login_as, bureau):
    exam_bank(session)
    login_as(bureau[2])
    form = _form(**{"tiers-1-prize": "优秀奖", "tiers-1-mode": "share", "tiers-1-amount": "20"})
    r = client.post("/contests/online/new", data=form)
    body = r.get_data(as_text=True)
    assert r.status_code == 302, [line for line in body.splitlines() if "invalid" in line or "alert" in line]
    contest = session.scalar(select(OnlineContest))
    assert contest.prize_tiers == [{"prize": "一等奖", "count": 1}, {"prize": "优秀奖", "share": 20.0}]
    assert [(r.type, r.count) for r in contest.exam.rules] == [("single", 3)]
    assert client.post(f"/contests/online/{contest.id}/publish").status_code == 302
    assert contest.status == "published"
    page = client.get(f"/contests/online/{contest.id}/edit").get_data(as_text=True)
    assert "规则已冻结" in page
    assert "宪法知识竞赛" not in client.get("/exams/manage").get_data(as_text=True)  # hidden from the exam list


def test_contest_form_refuses_a_window_that_closes_when_it_opens(client, session, login_as, bureau):
    exam_bank(session)
    login_as(bureau[2])
    form = _form()
    form["closes_at"] = form["opens_at"]
    body = client.post("/contests/online/new", data=form).get_data(as_text=True)
    assert '<div id="closes_at-error" class="invalid-feedback d-block">结束时间必须晚于开始时间</div>' in body
    assert session.scalar(select(OnlineContest)) is None


def test_staff_enter_see_rank_and_masked_board_and_the_api(app, client, session, bureau):
    root, team, trainer = bureau
    contest = _open_contest(app, session, trainer)
    a = factories.make_user(session, department=team, display_name="张小伟")
    b = factories.make_user(session, department=team, display_name="李四")
    for person in (a, b):
        login(client, person.username)
        _sit_by_api(client, contest)
        client.post("/auth/logout")
    login(client, a.username)
    [row] = client.get("/api/contests").get_json()
    assert row == row | {"id": contest.id, "status": "open", "exam_id": contest.exam_id}
    assert client.get("/api/exams").get_json() == []
    assert "暂定排名" in client.get(f"/contests/online/{contest.id}/result").get_data(as_text=True)
    board = client.get(f"/api/contests/{contest.id}/leaderboard?limit=5").get_json()["rows"]
    assert {r["name"] for r in board} == {"张*伟", "李*"} and [r["rank"] for r in board] == [1, 2]
    assert set(board[0]) == {"rank", "name", "unit", "score", "seconds"} and board[0]["unit"] == "执法大队"
    page = client.get(f"/contests/online/{contest.id}/leaderboard").get_data(as_text=True)
    assert "张*伟" in page and "张小伟" not in page.split('id="main"')[1]
    r = client.post(f"/contests/online/{contest.id}/enter", follow_redirects=True)
    assert "已参加过" in r.get_data(as_text=True)
    assert session.scalar(select(func.count(Attempt.id))) == 2
    client.post("/auth/logout")
    login(client, trainer.username)
    board = client.get(f"/api/contests/{contest.id}/leaderboard").get_json()["rows"]
    assert {r["name"] for r in board} == {"张小伟", "李四"}


def test_a_private_board_waits_for_the_end_and_outsiders_get_404(app, client, session, bureau):
    root, team, trainer = bureau
    other = factories.make_department(session, "外单位")
    contest = _open_contest(app, session, trainer, all_staff=False, department_ids=[team.id],
                            public_leaderboard=False)
    login(client, factories.make_user(session, department=team).username)
    assert client.get(f"/api/contests/{contest.id}/leaderboard").status_code == 403
    client.post("/auth/logout")
    login(client, factories.make_user(session, department=other).username)
    assert client.get(f"/contests/online/{contest.id}").status_code == 404
    assert client.get(f"/api/contests/{contest.id}/leaderboard").status_code == 404
    assert client.post(f"/api/exams/{contest.exam_id}/attempts").status_code == 404
    assert client.get("/api/contests").get_json() == []


def test_guest_registers_by_link_enters_and_organiser_closes_exports_and_purges(app, client, session, bureau):
    root, team, trainer = bureau
    contest = _open_contest(app, session, trainer, allow_guests=True, min_score=0)
    link = f"/contests/online/g/{contest.guest_token}"
    assert client.get(link).status_code == 200
    r = client.post(link, data={"name": "陈小红", "unit": "某化工公司", "mobile": "12345"})
    assert "手机号码" in r.get_data(as_text=True)
    r = client.post(link, data={"name": "陈小红", "unit": "某化工公司", "mobile": "13800138000"})
    assert r.status_code == 302
    _sit_by_api(client, contest)
    assert "/auth/password" not in client.get(f"/contests/online/{contest.id}").get_data(as_text=True)
    assert client.get("/exams/").status_code == 403
    assert client.get("/").status_code == 302
    client.post("/auth/logout")
    r = client.post(link, data={"name": "别人", "unit": "某化工公司", "mobile": "13800138000"})
    assert "已报名" in r.get_data(as_text=True)
    login(client, trainer.username)
    admin = client.get(f"/contests/online/{contest.id}/admin").get_data(as_text=True)
    assert "13800138000" in admin and contest.guest_token in admin
    assert client.get(f"/contests/online/{contest.id}/guest-qr.svg").data.startswith(b"<svg")
    assert client.post(f"/contests/online/{contest.id}/close").status_code == 302
    assert contest.status == "closed"
    assert client.get(f"/contests/online/{contest.id}/results.xlsx").data[:2] == b"PK"
    assert client.get(f"/contests/online/{contest.id}/results.pdf").data[:4] == b"%PDF"
    assert client.get(f"/contests/online/{contest.id}/guests.xlsx").data[:2] == b"PK"
    with client.get(f"/contests/online/{contest.id}/certificates.zip") as zipped:
        assert zipped.data[:2] == b"PK"
        assert "_%E8%8E%B7%E5%A5%96%E8%AF%81%E4%B9%A6.zip" in zipped.headers["Content-Disposition"]  # …_获奖证书.zip
    assert client.post(f"/contests/online/{contest.id}/publish-results").status_code == 302
    assert client.post(f"/contests/online/{contest.id}/purge-guests").status_code == 302
    assert session.scalar(select(OnlineContestGuest.name)) == "陈*红"


def test_guest_registration_is_throttled_per_address(app, client, session, bureau):
    app.config["CONTEST_GUEST_REGISTRATIONS_PER_HOUR"] = 2
    contest = _open_contest(app, session, bureau[2], allow_guests=True)
    link = f"/contests/online/g/{contest.guest_token}"
    for i in range(2):
        client.post(link, data={"name": f"访客{i}", "unit": "某公司", "mobile": f"1390013900{i}"})
        client.post("/auth/logout")
    r = client.post(link, data={"name": "访客9", "unit": "某公司", "mobile": "13900139009"})
    assert r.status_code == 429
    assert session.scalar(select(func.count(OnlineContestGuest.id))) == 2


def test_the_leader_dashboard_shows_contests_beside_exams(app, client, session, bureau):
    root, team, trainer = bureau
    contest = _open_contest(app, session, trainer)
    staff = factories.make_user(session, department=team)
    login(client, staff.username)
    _sit_by_api(client, contest)
    assert contest.title in client.get("/home/staff").get_data(as_text=True)
    client.post("/auth/logout")
    login(client, factories.make_user(session, roles=["leader"], department=root).username)
    page = client.get("/home/leader").get_data(as_text=True)
    assert contest.title in page and "100.0%" in page  # the one staff member of the bureau took part
    assert client.get(f"/contests/online/{contest.id}/leaderboard").status_code == 200


def _form(**extra) -> dict:
    local = to_local(utcnow()).replace(tzinfo=None)
    form = {"title": "宪法知识竞赛", "description": "说明", "duration_minutes": "10", "attempts_allowed": "1",
            "opens_at": (local - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (local + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"), "all_staff": "y",
            "tie_break": "time_submitted", "min_score": "60", "public_leaderboard": "y",
            "tiers-0-prize": "一等奖", "tiers-0-mode": "count", "tiers-0-amount": "1",
            "rules-0-type": "single", "rules-0-count": "3", "rules-0-points": "10"}
    form.update(extra)
    return form


def test_the_units_list_can_be_uploaded_and_guests_choose_from_it(client, session, login_as, bureau):
    import io

    exam_bank(session)
    login_as(bureau[2])
    upload = (io.BytesIO("罗店镇\n月浦镇\n".encode()), "units.csv")
    r = client.post("/contests/online/new", data=_form(allow_guests="y", units="友谊路街道", units_file=upload),
                    content_type="multipart/form-data")
    assert r.status_code == 302
    contest = session.scalar(select(OnlineContest))
    assert [u.name for u in contest.units] == ["友谊路街道", "罗店镇", "月浦镇"]
    client.post(f"/contests/online/{contest.id}/publish")
    client.post("/auth/logout")
    page = client.get(f"/contests/online/g/{contest.guest_token}").get_data(as_text=True)
    assert '<option value="月浦镇"' in page
    r = client.post(f"/contests/online/g/{contest.guest_token}",
                    data={"name": "访客", "unit": "别的单位", "mobile": "13700137000"})
    assert "请从名单中选择单位" in r.get_data(as_text=True)


def _posted(form) -> dict:
    """What the browser posts for a filled form (every field, flattened)."""
    def flat(fields):
        for f in fields:
            if f.type == "FieldList":
                yield from flat(f.entries)
            elif f.type == "FormField":
                yield from flat(f)
            elif f.type not in ("CSRFTokenField", "FileField"):
                yield f
    data = {}
    for f in flat(form):
        if f.type == "BooleanField":
            if f.data:
                data[f.name] = "y"
        elif f.type == "SelectMultipleField":
            data[f.name] = [str(v) for v in f.data or []]
        elif f.type == "DateTimeLocalField":
            data[f.name] = f.data.strftime("%Y-%m-%dT%H:%M") if f.data else ""
        elif f.data is not None:
            data[f.name] = str(f.data)
    return data


def test_an_open_contest_takes_a_later_end_and_a_corrected_title_but_not_new_rules(app, client, session, login_as,
                                                                                 bureau):
    from lawtrain.contests.online_forms import ContestForm, fill_form

    contest = _open_contest(app, session, bureau[2], allow_guests=True, units=["罗店镇"])
    login_as(bureau[2])
    with app.test_request_context():
        form = ContestForm(meta={"csrf": False})
        fill_form(form, contest)
        data = _posted(form)
    old_end = contest.closes_at
    data["title"] = "安全生产月知识竞赛（更正）"
    data["closes_at"] = to_local(old_end + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(f"/contests/online/{contest.id}/edit", data=data)
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    assert contest.title == "安全生产月知识竞赛（更正）" and contest.closes_at > old_end
    data["duration_minutes"] = "45"
    r = client.post(f"/contests/online/{contest.id}/edit", data=data)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "规则已冻结" in body and "答题时长" in body
    assert contest.exam.duration_minutes == 15
