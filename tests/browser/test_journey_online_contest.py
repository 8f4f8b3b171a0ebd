"""Journey — an online knowledge contest on a phone: a staff member enters from the contest page and answers on
the exam page; a guest (企业/社区) registers through the contest's link, answers and can reach nothing else; the
organiser closes the contest; the winners see their rank and download their award certificates (the guest
coming back on another phone with the same name and number)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from lawtrain.timeutil import utcnow
from tests.browser.helpers import check_page, enter_answer, make_staff, paper_keys, wrong_inputs
from tests.conftest import DEMO_PASSWORD, PHONE, BrowserSession

pytestmark = pytest.mark.browser

PASSWORD = "Contestant2025ok"
TITLE = "浏览器测试·应急知识网络竞赛"


def _make_contest(live_server) -> tuple[int, str]:
    from sqlalchemy import select

    from lawtrain.auth.models import User
    from lawtrain.banks.models import Bank
    from lawtrain.contests import online_services
    from lawtrain.contests.online_rank import Tier

    with live_server.app.test_request_context(), live_server.db_session() as s:
        bank = s.scalar(select(Bank).where(Bank.name == "安全生产法"))
        trainer = s.scalar(select(User).where(User.username == "trainer"))
        now = utcnow()
        rules = [dict(type=t, banks=[bank.id], law_name=None, articles=[], tags=[], difficulty_min=None,
                      difficulty_max=None, count=n, points=10.0) for t, n in (("single", 3), ("true_false", 2))]
        data = online_services.ContestData(
            title=TITLE, opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(days=1), duration_minutes=10,
            rules=rules, allow_guests=True, units=["罗店镇", "友谊路街道"], min_score=0,
            tiers=[Tier("一等奖", count=1), Tier("二等奖", count=1)])
        contest, _check = online_services.save_contest(s, None, data, actor=trainer, now=now - timedelta(minutes=10))
        online_services.publish_contest(s, contest, actor=trainer, now=now - timedelta(minutes=10))
        return contest.id, contest.guest_token


def _sit(bs, live_server, contest_id: int, *, wrong: int) -> int:
    page = bs.page
    page.get_by_role("button", name="开始答题").click()
    page.wait_for_url(re.compile(r"/exams/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])
    with live_server.db_session() as s:
        keys = paper_keys(s, attempt_id)
    for i, (qid, qtype, values) in enumerate(keys):
        page.get_by_role("navigation", name="题目导航").get_by_role("link", name=re.compile(f"^第{i + 1}题")).click()
        enter_answer(page, qid, qtype, wrong_inputs(qtype, values) if i < wrong else values)
    page.locator("#submit-btn").click()
    page.get_by_role("dialog").wait_for()
    page.locator("#confirm-ok").click()
    page.wait_for_url(re.compile(rf"/contests/online/{contest_id}/result$"))
    return attempt_id


def test_staff_and_guest_enter_on_a_phone_organiser_closes_winners_get_certificates(browser, live_server):
    contest_id, token = _make_contest(live_server)
    with live_server.db_session() as s:
        make_staff(s, "contest_phone", password=PASSWORD, display_name="张小伟")

    staff = BrowserSession(browser, live_server, PHONE, "contest-staff")
    guest = BrowserSession(browser, live_server, PHONE, "contest-guest")
    organiser = BrowserSession(browser, live_server, PHONE, "contest-organiser")
    try:
        # A staff member: the contest page (rules, prizes, time left), the exam page, the result with a rank.
        staff.sign_in("contest_phone", PASSWORD)
        staff.goto(f"/contests/online/{contest_id}")
        assert "距截止还有" in staff.page.locator("#time-left").inner_text()
        assert "用时少者在前" in staff.page.locator("#tie-break").inner_text()
        check_page(staff)
        _sit(staff, live_server, contest_id, wrong=0)
        assert staff.page.locator("#score").inner_text().startswith("50")
        assert "第 1 名" in staff.page.locator("#rank").inner_text()
        assert "暂定排名" in staff.page.locator("#rank").inner_text()
        check_page(staff)

        # A guest: registers by the link (a wrong number first), answers, sees a masked board, nothing else.
        guest.goto(f"/contests/online/g/{token}")
        guest.page.get_by_label("姓名").fill("陈小红")
        guest.page.get_by_label("单位（企业/街镇/社区）").select_option("罗店镇")
        guest.page.get_by_label("手机号码").fill("1380013")
        guest.page.get_by_role("button", name="报名并进入竞赛").click()
        assert "11位手机号码" in guest.page.locator("main").inner_text()
        guest.page.get_by_label("姓名").fill("陈小红")
        guest.page.get_by_label("手机号码").fill("138 0013 8000")
        guest.page.get_by_role("button", name="报名并进入竞赛").click()
        guest.page.wait_for_url(re.compile(rf"/contests/online/{contest_id}$"))
        check_page(guest)
        _sit(guest, live_server, contest_id, wrong=2)
        assert "第 2 名" in guest.page.locator("#rank").inner_text()
        guest.goto(f"/contests/online/{contest_id}/leaderboard")
        board = guest.page.locator("#leaderboard").inner_text()
        assert "张*伟" in board and "罗店镇" in board and "张小伟" not in board
        assert guest.goto("/exams/").status == 403
        assert guest.goto("/certificates/").status == 403

        # The organiser closes the contest: prizes by the tiers, award certificates issued.
        organiser.sign_in("trainer", DEMO_PASSWORD)
        organiser.goto(f"/contests/online/{contest_id}/admin")
        assert "13800138000" in organiser.page.locator("#guests").inner_text()
        organiser.page.get_by_role("button", name="结束竞赛并评奖").click()
        organiser.page.wait_for_load_state()
        assert "已结束" in organiser.page.locator("#contest-state").inner_text()
        certs = organiser.page.locator("#certificates").inner_text()
        assert "一等奖" in certs and "二等奖" in certs
        check_page(organiser)

        # The guest comes back days later on another phone: the same name and number lead to their result.
        guest.close()
        guest = BrowserSession(browser, live_server, PHONE, "contest-guest-back")
        guest.goto(f"/contests/online/g/{token}")
        guest.page.get_by_label("姓名").fill("陈小红")
        guest.page.get_by_label("手机号码").fill("13800138000")
        guest.page.get_by_role("button", name="进入竞赛").click()
        guest.page.wait_for_url(re.compile(rf"/contests/online/{contest_id}$"))
        check_page(guest)

        # The winners: final rank, and their certificate.
        for bs, prize in ((staff, "一等奖"), (guest, "二等奖")):
            bs.goto(f"/contests/online/{contest_id}/result")
            assert "暂定排名" not in bs.page.locator("#rank").inner_text()
            assert bs.page.locator("#prize").inner_text() == prize
            with bs.page.expect_download() as download:
                bs.page.locator("#my-certificate").click()
            assert download.value.suggested_filename.endswith(".pdf")
    finally:
        for bs in (staff, guest, organiser):
            bs.close()
