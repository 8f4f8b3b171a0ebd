"""Journey — a staff member answers a case-analysis question (案例分析) on a phone (375×667): the case text stays
reachable above every sub-question (collapsible, scrolling in its own box), the network drops mid-case and the
answers wait on the device, come back online, submit, and the review shows the case with its sub-questions.
On a desktop (every question on one page) the case text opens above the first sub-question, the others fold it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lawtrain.auth.models import User
from lawtrain.banks.models import Bank
from lawtrain.exams.models import Attempt, AttemptQuestion, Exam, ExamAssignee, ExamRule
from lawtrain.timeutil import utcnow
from tests.browser.helpers import (
    check_page,
    enter_answer,
    go_to_question,
    make_staff,
    paper_keys,
    save_reference,
    saved_answers,
    wait_until,
)

pytestmark = pytest.mark.browser

PASSWORD = "CaseReader2025ok"
def _title(tag: str) -> str:
    return f"以案释法 随堂测验（{'手机' if tag == 'phone' else '电脑'}）"


def _make_case_exam(session, username: str, title: str) -> int:
    """Two single-choice questions, then one case drawn whole from the shipped case bank."""
    existing = session.scalar(select(Exam).where(Exam.title == title))
    if existing is not None:
        return existing.id
    plain = session.scalar(select(Bank).where(Bank.name == "安全生产法"))
    cases = session.scalar(select(Bank).where(Bank.name == "安全生产法 案例分析"))
    user = session.scalar(select(User).where(User.username == username))
    now = utcnow()
    exam = Exam(title=title, instructions="浏览器测试：含一道案例分析题。", opens_at=now - timedelta(hours=1),
                closes_at=now + timedelta(days=2), duration_minutes=20, attempts_allowed=1, counting="best",
                pass_percent=60.0, multiple_scoring="partial", release="immediate", review="full",
                shuffle_questions=False, shuffle_options=True, gate={}, paper_mode="rules", status="published",
                created_at=now)
    exam.rules = [ExamRule(position=1, banks=[plain.id], type="single", count=2, points=5.0),
                  ExamRule(position=2, banks=[cases.id], type="case", count=1, points=10.0)]
    exam.assignees = [ExamAssignee(user_id=user.id)]
    session.add(exam)
    session.commit()
    return exam.id


def _pending(page, attempt_id: int) -> dict:
    """The answers the page keeps on the device until the server has them."""
    return page.evaluate("id => (JSON.parse(localStorage.getItem('lawtrain-attempt-' + id)) || {}).pending || {}",
                         attempt_id)


def _submit_for_full_marks(page, live_server, attempt_id: int) -> None:
    """Hand the paper in, land on the result, and find it stored as submitted with all 20 points."""
    page.get_by_role("button", name="提交试卷").click()
    page.get_by_role("button", name="确认提交").click()
    page.wait_for_url(re.compile(rf"/exams/attempts/{attempt_id}/result$"), timeout=20_000)
    with live_server.db_session() as s:
        attempt = s.get(Attempt, attempt_id)
        assert attempt.status == "submitted" and attempt.score == attempt.max_score == 20.0


def _desktop(bs, live_server, attempt_id: int, keys) -> None:
    """A desktop shows every question: the case text is open above the first sub-question and one click away
    above the others; answered and submitted, it scores in full."""
    page = bs.page
    expect(page.locator(f"#q-{keys[2][0]} .case-text")).to_be_visible()
    later = page.locator(f"#q-{keys[3][0]}")
    expect(later.locator(".case-text")).to_be_hidden()
    later.locator(".case-summary").click()
    expect(later.locator(".case-text")).to_be_visible()
    check_page(bs)
    for qid, qtype, values in keys:
        enter_answer(page, qid, qtype, values)
    page.locator(".exam-title").click()  # leave the last blank
    wait_until(lambda: len(saved_answers(live_server, attempt_id)) == len(keys), timeout=15.0)
    _submit_for_full_marks(page, live_server, attempt_id)
    assert page.locator(".review-item .case-box").count() == len(keys) - 2


def _in_viewport(locator) -> bool:
    return locator.evaluate("e => { const r = e.getBoundingClientRect();"
                            " return r.bottom > 0 && r.top < window.innerHeight && r.height > 0; }")


def test_staff_answers_a_case_on_a_phone_offline_mid_case_and_submits(browser_session, live_server):
    bs, page = browser_session, browser_session.page
    username = "jcase" + bs.tag
    with live_server.db_session() as s:
        make_staff(s, username, password=PASSWORD)
        exam_id = _make_case_exam(s, username, _title(bs.tag))
    bs.sign_in(username, PASSWORD)
    page.get_by_role("region", name="我的考试").get_by_role("link", name=_title(bs.tag)).click()
    page.get_by_role("button", name="开始考试").click()
    page.wait_for_url(re.compile(r"/exams/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])
    with live_server.db_session() as s:
        keys = paper_keys(s, attempt_id)
        in_case = {r.question_id for r in s.scalars(select(AttemptQuestion).where(
            AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.case_version_id.is_not(None)))}
    assert exam_id and len(keys) == 2 + len(in_case) and 2 <= len(in_case) <= 6
    case_numbers = [n for n, (qid, _t, _k) in enumerate(keys, start=1) if qid in in_case]
    assert case_numbers == list(range(3, 3 + len(in_case)))  # drawn whole, together, in the case's order
    if not bs.is_phone:
        _desktop(bs, live_server, attempt_id, keys)
        return

    # The plain questions, online.
    for n, (qid, qtype, values) in enumerate(keys[:2], start=1):
        go_to_question(page, n)
        enter_answer(page, qid, qtype, values)

    # The first sub-question: the case text is above it, open, in view, and the options stay reachable.
    first_qid, first_type, first_values = keys[2]
    go_to_question(page, 3)
    section = page.locator(f"#q-{first_qid}")
    case_text = section.locator(".case-text")
    expect(case_text).to_be_visible()
    assert len(case_text.inner_text()) > 100
    box = case_text.bounding_box()
    assert box["height"] <= 667 * 0.4 + 1  # the case never fills the screen: the question stays below it
    check_page(bs)
    save_reference(bs, "phone-case")
    enter_answer(page, first_qid, first_type, first_values)
    section.locator(".q-head").click()  # leaving a blank fires its change (a save) now, not after going offline
    expected = first_values if first_type == "fill_blank" else sorted(first_values)
    # every box ticked is saved
    wait_until(lambda: saved_answers(live_server, attempt_id).get(first_qid) == expected, timeout=15.0)
    wait_until(lambda: not _pending(page, attempt_id), timeout=15.0)  # and the page has heard back

    # Offline mid-case: the remaining sub-questions are answered with the case text still at hand.
    bs.context.set_offline(True)
    for n, (qid, qtype, values) in enumerate(keys[3:], start=4):
        go_to_question(page, n)
        sub = page.locator(f"#q-{qid}")
        expect(sub.locator(".case-text")).to_be_visible()
        sub.locator(".case-summary").click()  # it folds away for more room …
        expect(sub.locator(".case-text")).to_be_hidden()
        sub.locator(".case-summary").click()  # … and comes back
        expect(sub.locator(".case-text")).to_be_visible()
        enter_answer(page, qid, qtype, values)
        assert _in_viewport(sub.locator(".q-head"))
    page.get_by_role("alert").filter(has_text="网络中断").wait_for()
    pending = _pending(page, attempt_id)
    assert {int(q) for q in pending} == {qid for qid, _t, _k in keys[3:]}, (pending, keys)  # one per sub-question
    assert set(saved_answers(live_server, attempt_id)) == {qid for qid, _t, _k in keys[:3]}

    # Back online: every sub-question's answer reaches the server; then the paper is handed in.
    bs.context.set_offline(False)
    wait_until(lambda: len(saved_answers(live_server, attempt_id)) == len(keys), timeout=15.0)
    page.locator("#net-banner").wait_for(state="hidden")
    _submit_for_full_marks(page, live_server, attempt_id)
    # The review shows the case above its sub-questions.
    expect(page.locator(".review-item .case-text").first).to_be_visible()
    assert page.locator(".review-item .case-box").count() == len(in_case)
    check_page(bs)
