"""Journey 2 — a staff member sits an exam: every question type, flags and navigates, loses the network and
keeps answering, reconnects (the answers reach the server), reloads (answers and server-timed countdown
survive), sees the 5- and 1-minute warnings, runs out of time while still typing (auto-submitted with the last
text), reads the result and review, the wrong-answer book, downloads the certificate and opens its verify page.
Also: time running out while offline (answers sent in the grace, or reported as too late), and the same exam
finished with the keyboard alone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lawtrain.certificates.models import Certificate
from lawtrain.exams.models import Attempt
from lawtrain.timeutil import utcnow
from tests.browser.helpers import (
    check_page,
    enter_answer,
    go_to_question,
    make_exam,
    make_staff,
    paper_keys,
    save_reference,
    saved_answers,
    wait_until,
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


def _countdown_seconds(page) -> int:
    minutes, seconds = page.locator("#countdown").inner_text().split(":")[-2:]
    return int(minutes) * 60 + int(seconds)


def _set_remaining(live_server, attempt_id: int, seconds: float) -> None:
    """Move the attempt's start and deadline so that `seconds` remain on the server (negative: overdue)."""
    with live_server.db_session() as s:
        attempt = s.get(Attempt, attempt_id)
        shift = attempt.deadline_at - (utcnow() + timedelta(seconds=seconds))
        attempt.started_at -= shift
        attempt.deadline_at -= shift
        s.commit()


def _api(bs, method: str, path: str):
    """A JSON API call in the page's own session (cookie and CSRF token), as the exam page makes it."""
    token = bs.page.locator('meta[name="csrf-token"]').get_attribute("content")
    response = bs.context.request.fetch(bs.live_server(path), method=method, headers={"X-CSRFToken": token})
    assert response.ok, (path, response.status, response.text())
    return response.json()


def _server_responses(bs, exam_id: int, attempt_id: int) -> dict[int, list]:
    """The saved answers as the resume API returns them to a page or another device."""
    data = _api(bs, "POST", f"/api/exams/{exam_id}/attempts")
    assert data["attempt_id"] == attempt_id and data["resumed"] is True
    return {int(q): r for q, r in data["responses"].items()}


def _pending_on_device(page, attempt_id: int) -> dict:
    """The answers the page keeps in localStorage until the server has them."""
    return page.evaluate("id => (JSON.parse(localStorage.getItem('lawtrain-attempt-' + id)) || {}).pending || {}",
                         attempt_id)


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
        go_to_question(page, n)
        enter_answer(page, qid, qtype, values)
    flag = page.locator(f"#q-{answers[1][0]} .flag-btn")  # its label turns into 已标记（点此取消）
    go_to_question(page, 2)
    unflagged_colour = flag.evaluate("b => getComputedStyle(b).backgroundColor")
    flag.click()
    assert flag.get_attribute("aria-pressed") == "true" and "已标记" in flag.inner_text()
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
    wait_until(lambda: len(saved_answers(live_server, attempt_id)) == half)
    if bs.is_phone:
        page.evaluate("window.scrollTo(0, 0)")
        save_reference(bs, "phone-exam")

    # Offline: keep answering; the banner says the answers are kept on this device.
    bs.context.set_offline(True)
    for n, (qid, qtype, values) in enumerate(answers[half:], start=half + 1):
        go_to_question(page, n)
        enter_answer(page, qid, qtype, values)
    page.get_by_role("alert").filter(has_text="网络中断").wait_for()
    assert len(saved_answers(live_server, attempt_id)) == half
    expect(page.locator("#progress")).to_have_text(f"已答 {len(answers)} / {len(answers)}")

    # Back online: everything reaches the server (read back through the resume API) and the banner goes.
    bs.context.set_offline(False)
    saved = wait_until(lambda: (lambda a: a if len(a) == len(answers) else None)(
        _server_responses(bs, exam_id, attempt_id)), timeout=15)
    for qid, qtype, values in answers:
        expected = values if qtype == "fill_blank" else sorted(values)
        assert saved[qid] == expected, (qid, qtype, saved[qid], expected)
    page.locator("#net-banner").wait_for(state="hidden")
    status = _api(bs, "GET", f"/api/attempts/{attempt_id}")
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

    # The fill-in blank gets an interim text (saved), to be replaced in the very last second below; if that last
    # text were lost the score would differ from the expected 70.
    fill_n, (fill_qid, _t, fill_values) = next((n, a) for n, a in enumerate(answers, start=1) if a[1] == "fill_blank")
    right = next(k for qid, _t, k in keys if qid == fill_qid)
    interim = wrong_inputs("fill_blank", right) if fill_values == right else right
    go_to_question(page, fill_n)
    enter_answer(page, fill_qid, "fill_blank", interim)
    wait_until(lambda: saved_answers(live_server, attempt_id).get(fill_qid) == interim)

    # The warnings: with 5 min 3 s left on the server the page warns at 5:00 and the warning goes after 10 s;
    # the 1-minute warning stays. The page's clock is run ahead; its countdown started from the server's seconds.
    _set_remaining(live_server, attempt_id, 303)
    page.clock.install()
    page.reload()
    warning = page.locator("#time-warning")
    expect(warning).to_be_hidden()
    page.clock.run_for(5_000)
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("5 分钟")
    check_page(bs)
    page.clock.run_for(10_000)
    expect(warning).to_be_hidden()
    page.clock.run_for(235_000)
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("1 分钟")
    assert 0 < _countdown_seconds(page) <= 60

    # Time runs out while the blank is still being typed in. The page's clock is paused and stepped: the last
    # keystroke comes 0.5 s before 0:00, so the 0.8 s pause before a typed answer is saved has not ended.
    # The submit at 0:00 must save that text first.
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 1)
    _set_remaining(live_server, attempt_id, 4)
    page.reload()
    left = _countdown_seconds(page)
    assert 0 < left <= 5
    go_to_question(page, fill_n)
    page.clock.run_for((left - 1) * 1000 + 500)
    expect(page.locator("#countdown")).to_have_text("0:01")
    enter_answer(page, fill_qid, "fill_blank", fill_values)
    page.clock.run_for(600)  # the 0:00 tick, not yet the end of the typing pause
    page.wait_for_url(re.compile(rf"/exams/attempts/{attempt_id}/result$"), timeout=20_000)
    page.clock.resume()
    with live_server.db_session() as s:
        attempt = s.get(Attempt, attempt_id)
        deadline = attempt.deadline_at
        assert attempt.status == "submitted" and attempt.submitted_at <= deadline
        assert attempt.finish_reason == "timeout"  # the page's own submit at 0:00 counts as time running out
        score, max_score = attempt.score, attempt.max_score
    assert saved_answers(live_server, attempt_id)[fill_qid] == fill_values
    result = _api(bs, "GET", f"/api/attempts/{attempt_id}")
    assert result["status"] == "submitted" and result["released"] and result["score"] == score

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


def _start(bs, exam_id: int) -> int:
    """Open an exam's page, start it, and return the attempt id."""
    bs.goto(f"/exams/{exam_id}")
    bs.page.get_by_role("button", name="开始考试").click()
    bs.page.wait_for_url(re.compile(r"/exams/attempts/\d+$"))
    return int(bs.page.url.rsplit("/", 1)[1])


def _answer_offline(bs, attempt_id: int, picks: list[int]) -> list[tuple[int, str, list[str]]]:
    """Go offline and answer the questions at the given paper positions (1-based) rightly; returns them."""
    with bs.live_server.db_session() as s:
        keys = paper_keys(s, attempt_id)
    bs.context.set_offline(True)
    for n in picks:
        qid, qtype, values = keys[n - 1]
        go_to_question(bs.page, n)
        enter_answer(bs.page, qid, qtype, values)
    bs.page.get_by_role("alert").filter(has_text="网络中断").wait_for()
    return [keys[n - 1] for n in picks]


def test_time_runs_out_offline_answers_sent_in_the_grace_or_reported_late(browser_session, live_server):
    """Offline at 0:00 the page keeps every answer and retries saves and the submit; back within the grace (5 s
    here) they all count. Back after the grace the server refuses them: the page says how many and which."""
    bs, page = browser_session, browser_session.page
    username = f"j2late{bs.tag}"
    with live_server.db_session() as s:
        make_staff(s, username, password=PASSWORD)
        in_grace = make_exam(s, f"浏览器测试·断网交卷（{bs.tag}）", [username], duration_minutes=10)
        too_late = make_exam(s, f"浏览器测试·超时送达（{bs.tag}）", [username], duration_minutes=10)
    bs.sign_in(username, PASSWORD)
    page.clock.install()  # the countdown is run ahead to 0:00 instead of waiting ten minutes

    # Back within the grace: the answers typed offline are saved, then the attempt is submitted as timed out.
    attempt_id = _start(bs, in_grace)
    sent = _answer_offline(bs, attempt_id, [1, 2])
    _set_remaining(live_server, attempt_id, 3)  # the page's 0:00 comes first: a submit within 5 s is a time-out
    page.clock.run_for(_countdown_seconds(page) * 1000)
    page.locator("#time-warning").filter(has_text="时间到").wait_for()
    assert page.locator("#net-banner").is_visible()
    assert set(_pending_on_device(page, attempt_id)) == {str(qid) for qid, _t, _v in sent}
    assert saved_answers(live_server, attempt_id) == {}
    bs.context.set_offline(False)
    page.wait_for_url(re.compile(rf"/exams/attempts/{attempt_id}/result$"))
    expected = {qid: (v if t == "fill_blank" else sorted(v)) for qid, t, v in sent}
    assert saved_answers(live_server, attempt_id) == expected
    result = _api(bs, "GET", f"/api/attempts/{attempt_id}")
    assert result["status"] == "submitted" and result["score"] == 20
    with live_server.db_session() as s:
        assert s.get(Attempt, attempt_id).finish_reason == "timeout"

    # Back after the grace: the server closed the attempt from what it held; the page names the late answers.
    attempt_id = _start(bs, too_late)
    _answer_offline(bs, attempt_id, [2, 3])
    _set_remaining(live_server, attempt_id, -60)
    bs.context.set_offline(False)
    warning = page.locator("#time-warning")
    expect(warning).to_contain_text("2 个答案在考试结束后才送达，没有计入成绩（第 2、3 题）")
    assert page.evaluate("id => localStorage.getItem('lawtrain-attempt-' + id)", attempt_id) is None
    assert saved_answers(live_server, attempt_id) == {}
    check_page(bs)
    page.get_by_role("button", name="查看结果").click()
    page.wait_for_url(re.compile(rf"/exams/attempts/{attempt_id}/result$"))
    with live_server.db_session() as s:
        attempt = s.get(Attempt, attempt_id)
        assert attempt.status == "submitted" and attempt.finish_reason == "timeout" and attempt.score == 0


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
        wait_until(lambda: len(saved_answers(live_server, attempt_id)) == len(keys))
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
