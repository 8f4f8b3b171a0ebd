"""A contest guest (企业/社区 entrant) reaches its own contest and its own paper, nothing else — aimed at real
objects: another contest, a staff member's attempt, an ordinary exam, other people's certificates and data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lawtrain.contests import online_services
from lawtrain.exams.models import Attempt
from lawtrain.timeutil import utcnow
from tests import factories
from tests.services.contests_online_helpers import make_contest


@pytest.fixture
def world(app, session):
    dept = factories.make_department(session, path="区应急局/执法大队")
    trainer = factories.make_user(session, roles=["trainer"], department=dept)
    staff = factories.make_user(session, department=dept, display_name="张小伟")
    with app.test_request_context():
        mine = make_contest(session, trainer, utcnow(), allow_guests=True)
        other = make_contest(session, trainer, utcnow(), bank=False, title="内部竞赛")
        staff_attempt, _ = online_services.enter_contest(session, other, staff, utcnow())
    exam = factories.make_exam(session, users=[staff], opens_at=utcnow() - timedelta(hours=1),
                               closes_at=utcnow() + timedelta(days=1))
    return mine, other, staff, staff_attempt, exam


def _register(client, contest, mobile="13700137000"):
    r = client.post(f"/contests/online/g/{contest.guest_token}", data={"name": "访客甲", "unit": "某公司",
                                                                        "mobile": mobile})
    assert r.status_code == 302


def test_a_guest_cannot_reach_another_contest_another_paper_or_any_staff_page(client, session, world):
    mine, other, staff, staff_attempt, exam = world
    _register(client, mine)
    before = session.scalar(select(func.count(Attempt.id)))
    for method, url, allowed in (
        ("GET", f"/contests/online/{other.id}", (404,)),
        ("POST", f"/contests/online/{other.id}/enter", (404,)),
        ("GET", f"/contests/online/{other.id}/leaderboard", (404,)),
        ("GET", f"/api/contests/{other.id}/leaderboard", (404,)),
        ("POST", f"/api/exams/{other.exam_id}/attempts", (404,)),
        ("POST", f"/api/exams/{exam.id}/attempts", (404,)),
        ("GET", f"/exams/attempts/{staff_attempt.id}", (404,)),
        ("GET", f"/api/attempts/{staff_attempt.id}", (404,)),
        ("GET", f"/contests/online/{mine.id}/admin", (403,)),
        ("GET", f"/contests/online/{mine.id}/guests.xlsx", (403,)),
        ("GET", f"/exams/{exam.id}", (403,)),
        ("GET", "/api/exams", (403,)),
        ("GET", "/api/me", (200,)),
        ("GET", "/api/certificates", (403,)),
        ("GET", "/reports/", (403,)),
        ("GET", "/auth/password", (403,)),
    ):
        r = client.open(url, method=method)
        assert r.status_code in allowed, (method, url, r.status_code)
        assert "张小伟" not in r.get_data(as_text=True)
    assert session.scalar(select(func.count(Attempt.id))) == before
    assert [c["id"] for c in client.get("/api/contests").get_json()] == [mine.id]
    assert client.post(f"/api/exams/{mine.exam_id}/attempts").status_code == 200


def test_a_guest_sees_masked_names_and_no_mobile_numbers(client, session, world):
    mine, *_rest = world
    _register(client, mine, "13700137001")
    client.post("/auth/logout")
    _register(client, mine, "13700137002")
    for url in (f"/contests/online/{mine.id}", f"/contests/online/{mine.id}/leaderboard"):
        body = client.get(url).get_data(as_text=True)
        assert "13700137001" not in body and "13700137002" not in body
