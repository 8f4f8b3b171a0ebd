"""Journey 2 — a staff member sits an exam: every question type, flags and navigates, loses the network and
keeps answering, reconnects (the answers reach the server), reloads (answers and server-timed countdown
survive), runs out of time (auto-submitted), reads the result and review, the wrong-answer book, downloads
the certificate and opens its verify page. Also the same exam finished with the keyboard alone."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lawtrain.certificates.models import Certificate
from lawtrain.exams.models import Answer, Attempt
from lawtrain.timeutil import utcnow
from tests.browser.helpers import (
    check_page,
    enter_answer,
    make_exam,
    make_staff,
    paper_keys,
    save_reference,
    wrong_inputs,
)
from tests.conftest import DESKTOP, BrowserSession

pytestmark = pytest.mark.browser

PASSWORD = "Examinee2025ok"


def _setup(live_server, tag: str) -> tuple[str, str, int]:
    username, title = f"j2{tag}", f"安全生产法 随堂测验（{'手机' if tag == 'phone' else '电脑'}）"
    with live_server.db_session() as s:
        make_staff(s, username, password=PASSWORD)
        exam_id = make_exam(s, title, [username], duration_minutes=10)
    return username, title, exam_id


def _saved(live_server, attempt_id: int) -> dict[int, list]:
    with live_server.db_session() as s:
        return {a.question_id: a.response for a in s.scalars(select(Answer).where(Answer.attempt_id == attempt_id))}


def _wait_until(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def _go_to_question(page, n: int) -> None:
    """The navigator: on a phone it shows one question, on a desktop it scrolls to it."""
    page.get_by_role("navigation", name="题目导航").get_by_role("link", name=re.compile(f"^第{n}题")).click()


def _countdown_seconds(page) -> int:
    minutes, seconds = page.locator("#countdown").inner_text().split(":")[-2:]
    return int(minutes) * 60 + int(seconds)


def test_staff_sits_an_exam_offline_reload_timeout_result_certificate(browser_session, live_server):
    bs, page = browser_session, browser_session.page
    username, title, exam_id = _setup(live_server, bs.tag)
    bs.sign_in(username, PASSWORD)
    page.get_by_role("region", name="我的考试").get_by_role("link", name=title).click()
    check_page(bs)
    page.get_by_role("button", name="开始考试").click()
    page.wait_for_url(re.compile(r"/exams/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])
    check_page(bs)
    with live_server.db_session() as s:
        keys = paper_keys(s, attempt_id)
    assert {t for _q, t, _k in keys} == {"single", "multiple", "true_false", "fill_blank"}
    # The first question is answered wrongly on purpose (it goes to the wrong-answer book), the rest rightly.
    answers = [(qid, t, wrong_inputs(t, k) if i == 0 else k) for i, (qid, t, k) in enumerate(keys)]

    # Online: the first half, with a flag on question 2 and navigation back and forth.
    half = len(answers) // 2
    for n, (qid, qtype, values) in enumerate(answers[:half], start=1):
        _go_to_question(page, n)
        enter_answer(page, qid, qtype, values)
    flag = page.locator(f"#q-{answers[1][0]}").get_by_role("button", name="标记本题")
    _go_to_question(page, 2)
    unflagged_colour = flag.evaluate("b => getComputedStyle(b).backgroundColor")
    flag.click()
    assert flag.get_attribute("aria-pressed") == "true"
    # it looks pressed too (once Bootstrap's colour transition has run)
    flag.page.wait_for_function("([b, c]) => getComputedStyle(b).backgroundColor !== c",
                                arg=[flag.element_handle(), unflagged_colour], timeout=3_000)
    nav = page.get_by_role("navigation", name="题目导航")
    assert nav.get_by_role("link", name=re.compile("^第2题 已答 已标记")).count() == 1
    if bs.is_phone:
        page.get_by_role("button", name="下一题").click()
        assert page.locator(f"#q-{answers[2][0]}").is_visible()
        page.get_by_role("button", name="上一题").click()
        assert page.locator(f"#q-{answers[1][0]}").is_visible()
        assert not page.locator(f"#q-{answers[2][0]}").is_visible()
    _wait_until(lambda: len(_saved(live_server, attempt_id)) == half)
    if bs.is_phone:
        page.evaluate("window.scrollTo(0, 0)")
        save_reference(bs, "phone-exam")

    # Offline: keep answering; the banner says the answers are kept on this device.
    bs.context.set_offline(True)
    for n, (qid, qtype, values) in enumerate(answers[half:], start=half + 1):
        _go_to_question(page, n)
        enter_answer(page, qid, qtype, values)
    page.get_by_role("alert").filter(has_text="网络中断").wait_for()
    assert len(_saved(live_server, attempt_id)) == half
    expect(page.locator("#progress")).to_have_text(f"已答 {len(answers)} / {len(answers)}")

    # Back online: everything reaches the server and the banner goes.
    bs.context.set_offline(False)
    saved = _wait_until(lambda: (lambda a: a if len(a) == len(answers) else None)(_saved(live_server, attempt_id)),
                        timeout=15)
    for qid, qtype, values in answers:
        expected = values if qtype == "fill_blank" else sorted(values)
        assert saved[qid] == expected, (qid, qtype, saved[qid], expected)
    page.locator("#net-banner").wait_for(state="hidden")
    status = bs.context.request.get(bs.live_server(f"/api/attempts/{attempt_id}")).json()  # the page's session
    assert status["status"] == "in_progress" and status["remaining_seconds"] > 0
    check_page(bs)

    # Reload: the answers are still there and the countdown continues from the server's clock.
    page.reload()
    for qid, qtype, values in answers:
        if qtype == "fill_blank":
            assert page.locator(f"#q{qid}_0").input_value() == values[0]
        else:
            for v in values:
                assert page.locator(f"#q{qid}-{v}").is_checked()
    with live_server.db_session() as s:
        remaining = (s.get(Attempt, attempt_id).deadline_at - utcnow()).total_seconds()
    assert abs(_countdown_seconds(page) - remaining) <= 3
    assert nav.get_by_role("link", name=re.compile("^第2题 已答 已标记")).count() == 1  # flags stay on the device

    # Time runs out: move the attempt's start back so that 4 s remain on the server, then wait.
    with live_server.db_session() as s:
        attempt = s.get(Attempt, attempt_id)
        shift = attempt.deadline_at - (utcnow() + timedelta(seconds=4))
        attempt.started_at -= shift
        attempt.deadline_at -= shift
        s.commit()
        deadline = attempt.deadline_at
    page.reload()
    assert _countdown_seconds(page) <= 5
    page.wait_for_url(re.compile(rf"/exams/attempts/{attempt_id}/result$"), timeout=20_000)
    with live_server.db_session() as s:
        attempt = s.get(Attempt, attempt_id)
        assert attempt.status == "submitted" and attempt.submitted_at <= deadline
        assert attempt.finish_reason == "timeout"  # the page's own submit at 0:00 counts as time running out
        score, max_score = attempt.score, attempt.max_score

    # The result and the review (this exam releases at once, with the answers).
    assert page.locator("#score").inner_text().startswith(f"{score:g}")
    assert max_score == 80 and score == 70
    main = page.inner_text("main")
    assert "及格" in main and "正确答案" in main and "时间到自动交卷" in main
    check_page(bs)

    # The wrong-answer book holds the question answered wrongly.
    page.get_by_role("link", name="错题本").click()
    page.get_by_role("heading", name="错题本").wait_for()
    with live_server.db_session() as s:
        from lawtrain.banks.models import Question

        stem = s.get(Question, answers[0][0]).current_version.stem
    assert stem[:20] in page.inner_text("main")
    check_page(bs)

    # The certificate: a PDF, and a public verify page that confirms it.
    bs.goto("/certificates/")
    card = page.locator("article").filter(has_text=title)
    with page.expect_download() as info:
        card.get_by_role("link", name="下载证书（PDF）").click()
    with open(info.value.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"
    with live_server.db_session() as s:
        code = s.scalar(select(Certificate.code).where(Certificate.attempt_id == attempt_id))
    card.get_by_role("link", name="查看核验页").click()
    page.wait_for_url(f"**/verify/{code}")
    assert "有效" in page.inner_text("main")
    check_page(bs)
    assert bs.external_requests() == []


def _tab_to(page, target, limit: int = 150) -> None:
    """Press Tab until `target` (a CSS selector or a locator) has the focus."""
    locator = page.locator(target) if isinstance(target, str) else target
    for _ in range(limit):
        if locator.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


@pytest.mark.parametrize("viewport", [DESKTOP], ids=["desktop"])
def test_exam_completed_with_the_keyboard_only(browser, live_server, viewport):
    bs = BrowserSession(browser, live_server, viewport, "keyboard-exam")
    page = bs.page
    username, title = "j2keys", "浏览器测试·键盘考试"
    with live_server.db_session() as s:
        make_staff(s, username, password=PASSWORD)
        make_exam(s, title, [username], duration_minutes=10)
    try:
        bs.goto("/auth/login")
        _tab_to(page, "#username")
        page.keyboard.type(username)
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url("**/home/staff")
        _tab_to(page, page.get_by_role("link", name=title))
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        _tab_to(page, page.get_by_role("button", name="开始考试"))
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/exams/attempts/\d+$"))
        attempt_id = int(page.url.rsplit("/", 1)[1])
        with live_server.db_session() as s:
            keys = paper_keys(s, attempt_id)
        for qid, qtype, values in keys:
            if qtype == "fill_blank":
                _tab_to(page, f"#q{qid}_0")
                page.keyboard.type(values[0])
            elif qtype == "multiple":
                for v in values:
                    _tab_to(page, f"#q{qid}-{v}")
                    page.keyboard.press("Space")
            else:  # a radio group: Tab enters at its first option, the arrow keys choose within it
                first = "true" if qtype == "true_false" else "A"
                _tab_to(page, f"#q{qid}-{first}")
                page.keyboard.press("Space")
                target = ["true", "false"].index(values[0]) if qtype == "true_false" else "ABCDEFGH".index(values[0])
                for _ in range(target):
                    page.keyboard.press("ArrowDown")
            assert page.evaluate("() => document.activeElement.closest('.question') !== null")
        # flag one question with Space
        _tab_to(page, f"#q-{keys[0][0]} .flag-btn")
        page.keyboard.press("Space")
        assert page.locator(f"#q-{keys[0][0]} .flag-btn").get_attribute("aria-pressed") == "true"
        _wait_until(lambda: len(_saved(live_server, attempt_id)) == len(keys))
        _tab_to(page, "#submit-btn")
        page.keyboard.press("Enter")
        page.get_by_role("dialog").wait_for()
        assert "所有题目均已作答" in page.get_by_role("dialog").inner_text()
        _tab_to(page, "#confirm-ok")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(rf"/exams/attempts/{attempt_id}/result$"))
        assert page.locator("#score").inner_text().startswith("80")
        check_page(bs)
    finally:
        bs.close()
