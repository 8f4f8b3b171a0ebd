"""Journey — a live team contest in one run: the host console (desktop), two team pads (phones at 375×667:
one joins by the code on the projector, one signs in as a member) and the big screen at 1920×1080. A buzz race
with a false start, a risk question lost, a referee's override, the podium; the record shows it all."""

from __future__ import annotations

import random
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lawtrain.banks.models import Bank, QuestionVersion
from lawtrain.contests import live_services as svc
from lawtrain.contests.live_models import LiveContest, LiveItem
from tests.browser.helpers import check_page, make_staff
from tests.conftest import DEMO_PASSWORD, DESKTOP, PHONE, BrowserSession

pytestmark = pytest.mark.browser

SCREEN = {"width": 1920, "height": 1080}
TITLE = "浏览器测试现场竞赛"


def _make_contest(live_server) -> tuple[int, str, str]:
    """Two teams (紫队 joins by code, 绿队 has the signed-in member), a 抢答 round and a 风险 round."""
    with live_server.db_session() as s:
        make_staff(s, "livepadb", password=DEMO_PASSWORD, display_name="绿队队长")
        bank = s.scalar(select(Bank.id).where(Bank.name == "安全生产法"))
        # single-choice questions only, so the pads show lettered options
        from lawtrain.banks.models import Question

        picked = list(s.scalars(select(Question.id).where(Question.bank_id == bank, Question.type == "single",
                                                          Question.status == "active").order_by(Question.id).limit(3)))
        contest = svc.create_contest(s, title=TITLE, false_start_penalty=5, actor=None,
                                     now=svc_now(), rng=random.Random(3))
        svc.add_team(s, contest, name="紫队", department="执法大队", members=["李四"], rng=random.Random(4))
        svc.add_team(s, contest, name="绿队", department="应急指挥科", members=["livepadb"], rng=random.Random(5))
        svc.add_round(s, contest, type="buzz", title="抢答环节", points_right=10, points_wrong=5, seconds=60,
                      source={"question_ids": picked[:1]})
        svc.add_round(s, contest, type="risk", title="风险环节", points_right=0, points_wrong=0, seconds=60,
                      risk_values=(10, 20, 30), source={"question_ids": picked[1:3]})
        return contest.id, contest.teams[0].join_code, contest.screen_code


def svc_now():
    from lawtrain.timeutil import utcnow

    return utcnow()


def _key(live_server, contest_id: int) -> tuple[str, str]:
    """(right letter, a wrong letter) of the current question."""
    with live_server.db_session() as s:
        contest = s.get(LiveContest, contest_id)
        version = s.get(QuestionVersion, s.get(LiveItem, contest.current_item_id).version_id)
        right = str(version.answer[0]).upper()
        return right, next(c for c in "ABCD" if c != right)


def _option(pad, letter: str):
    return pad.page.get_by_role("button", name=re.compile(rf"^{letter}\. "))


def test_live_contest_console_two_pads_and_screen(browser, live_server):
    contest_id, code_a, screen_code = _make_contest(live_server)
    host = BrowserSession(browser, live_server, DESKTOP, "live-host")
    pad_a = BrowserSession(browser, live_server, PHONE, "live-pad-a")
    pad_b = BrowserSession(browser, live_server, PHONE, "live-pad-b")
    screen = BrowserSession(browser, live_server, SCREEN, "live-screen")
    try:
        # The trainer starts the contest from its set-up page and lands on the console.
        host.sign_in("trainer")
        host.goto(f"/contests/live/{contest_id}/")
        check_page(host)
        host.page.get_by_role("button", name="开始比赛").click()
        expect(host.page.get_by_role("heading", name=re.compile("主持台"))).to_be_visible()
        expect(host.page.locator("#c-phase")).to_have_text("准备中")
        check_page(host)

        # The projector opens the screen by its code; team A joins by its code, team B signs in.
        screen.goto(f"/contests/{contest_id}/screen?code={screen_code}")
        expect(screen.page.locator("#ls-round")).to_contain_text("抢答环节")
        pad_a.goto("/contests/live/join")
        pad_a.page.get_by_label("队伍代码").fill(code_a.lower())
        pad_a.page.get_by_role("button", name="加入").click()
        expect(pad_a.page.get_by_role("heading", name="紫队")).to_be_visible()
        pad_b.sign_in("livepadb")
        pad_b.goto("/contests/live/join")
        pad_b.page.get_by_role("link", name="打开答题器").click()
        expect(pad_b.page.get_by_role("heading", name="绿队")).to_be_visible()
        expect(pad_a.page.locator("#pad-link")).to_contain_text("延迟")
        expect(host.page.locator("#c-scores")).to_contain_text("往返")  # the pads reported their round-trip

        # Show the question: pads and screen show it, nobody sees the answer, the buzzers are off.
        right, wrong = _key(live_server, contest_id)
        host.page.get_by_role("button", name="显示题目").click()
        expect(screen.page.locator("#ls-options li")).to_have_count(4)
        expect(screen.page.locator(".ls-option.is-right")).to_have_count(0)
        expect(screen.page.locator("#ls-reveal")).to_be_hidden()
        expect(pad_a.page.locator("#pad-buzz")).to_have_text("未开放")
        expect(pad_a.page.locator("#pad-buzz")).to_have_attribute("aria-disabled", "true")
        check_page(pad_a)
        check_page(screen)

        # Team B jumps the gun: a false start the host sees (and the penalty on the board).
        # The button is off (aria-disabled, greyed, 未开放) but still takes a press: an early press is a foul.
        pad_b.page.locator("#pad-buzz").click(force=True)
        expect(pad_b.page.locator("#pad-buzz")).to_have_text("犯规：提前抢答")
        expect(host.page.locator("#c-fouls")).to_contain_text("绿队")
        expect(screen.page.locator("#ls-fouls")).to_contain_text("绿队")

        # Buzzing opens: team A buzzes first, answers on its pad, the host accepts its choice.
        host.page.get_by_role("button", name="开放抢答").click()
        expect(pad_a.page.locator("#pad-buzz")).to_have_text("抢答")
        pad_a.page.locator("#pad-buzz").click()
        expect(pad_a.page.locator("#pad-buzz")).to_have_text("已抢答 · 第1位")
        pad_b.screenshot("false-start")
        expect(screen.page.locator("#ls-buzzes li").first).to_contain_text("紫队")
        _option(pad_a, right).click()
        pad_a.page.get_by_role("button", name="提交答案").click()
        expect(pad_a.page.locator("#pad-result")).to_contain_text(f"已提交：{right}")
        host.page.get_by_role("button", name=f"采纳提交（{right}）").click()
        host.page.get_by_role("button", name="公布答案").click()
        expect(screen.page.locator(".ls-option.is-right")).to_have_count(1)
        expect(screen.page.locator("#ls-reveal")).to_contain_text("正确答案")
        expect(screen.page.locator("#ls-reveal")).to_contain_text("依据")
        expect(screen.page.locator(".team-c0 .ls-team-score")).to_have_text("10 分")
        expect(screen.page.locator(".team-c1 .ls-team-score")).to_have_text("-5 分")
        expect(pad_a.page.locator("#pad-result")).to_contain_text("✓ 答对 +10")
        screen.screenshot("reveal")

        # The risk question: team A stakes 30 and loses it.
        host.page.get_by_role("button", name="下一题").click()
        expect(pad_a.page.locator("#pad-stakes")).to_contain_text("请选择本题风险分值")
        pad_a.screenshot("stake")
        pad_a.page.get_by_role("button", name="30 分").click()
        expect(screen.page.locator("#ls-stake")).to_contain_text("紫队 选择 30 分")
        # A pad that drops and comes back resumes where the contest is.
        pad_a.page.reload()
        expect(pad_a.page.locator("#pad-stakes")).to_contain_text("已选择 30 分")
        expect(pad_a.page.locator("#pad-score")).to_have_text("10 分")
        host.page.get_by_role("button", name="显示题目").click()
        right, wrong = _key(live_server, contest_id)
        _option(pad_a, wrong).click()
        pad_a.page.get_by_role("button", name="提交答案").click()
        expect(pad_a.page.locator("#pad-result")).to_contain_text(f"已提交：{wrong}")
        expect(host.page.get_by_role("button", name=f"采纳提交（{wrong}）")).to_be_visible()
        host.screenshot("console")
        host.page.get_by_role("button", name=f"采纳提交（{wrong}）").click()
        expect(screen.page.locator(".team-c0 .ls-team-score")).to_have_text("-20 分")
        expect(pad_a.page.locator("#pad-score")).to_have_text("-20 分")

        # The referee gives team B its five points back, with a reason.
        host.page.get_by_label("队伍").select_option(label="绿队")
        host.page.get_by_label("调整分值（扣分填负数）").fill("5")
        host.page.get_by_label("原因").fill("抢答器误触，裁判组复议")
        host.page.get_by_role("button", name="调整", exact=True).click()
        expect(host.page.locator("#c-ok")).to_have_text("已调整分数")
        expect(pad_b.page.locator("#pad-score")).to_have_text("0 分")

        # The host ends the contest: the podium on the screen, the final rank on the pads.
        host.page.once("dialog", lambda d: d.accept())
        host.page.get_by_role("button", name="结束比赛").click()
        podium = screen.page.locator("#ls-podium")
        expect(podium).to_be_visible()
        expect(podium.locator(".ls-place-1")).to_contain_text("绿队")
        expect(podium.locator(".ls-place-2")).to_contain_text("紫队")
        expect(pad_b.page.locator("#pad-status")).to_contain_text("比赛结束 · 第1名")
        screen.screenshot("podium")
        check_page(screen)

        # The record shows the buzz order, the false start, the lost stake and the override.
        host.goto(f"/contests/live/{contest_id}/record")
        main = host.page.locator("main")
        expect(main).to_contain_text("抢答器误触，裁判组复议")
        expect(main).to_contain_text("犯规")
        expect(main).to_contain_text("风险分值 30")
        check_page(host)
        with host.page.expect_download() as download:
            host.page.get_by_role("link", name="导出 Excel").click()
        assert download.value.suggested_filename.endswith(".xlsx")
    finally:
        for bs in (host, pad_a, pad_b, screen):
            bs.close()
