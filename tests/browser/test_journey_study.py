"""Journey 1 — a new staff member: first sign-in changes the initial password, sees the tasks, studies a
module (reading time is only counted while the page is visible), passes its check, and the gated exam opens."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from lawtrain.banks.models import Question
from lawtrain.courses.demo import assignment_title
from lawtrain.courses.models import CourseModule, StudyRecord
from lawtrain.courses.study import add_study_time
from lawtrain.exams.demo import GATED_EXAM
from lawtrain.exams.models import Exam
from lawtrain.timeutil import utcnow
from tests.browser.helpers import check_page, enter_answer, key_inputs, make_staff, save_reference

pytestmark = pytest.mark.browser

INITIAL = "Start2025init"
NEW = "Mine2025better"


def _setup(live_server, username: str) -> dict:
    """A staff member who must change the password, one of the two gate modules done, and the other read long
    enough but its check not yet passed."""
    with live_server.db_session() as s:
        exam = s.scalar(select(Exam).where(Exam.title == GATED_EXAM))
        gate_ids = list(exam.gate["modules"])
        assert len(gate_ids) == 2, exam.gate
        user_id = make_staff(s, username, password=INITIAL, must_change=True)
        done, todo = (s.get(CourseModule, i) for i in gate_ids)
        past = utcnow() - timedelta(hours=2)
        for module, finished in ((done, True), (todo, False)):
            seconds = module.min_study_minutes * 60
            s.add(StudyRecord(user_id=user_id, module_id=module.id, seconds=seconds, started_at=past,
                              last_heartbeat_at=past, check_attempts=1 if finished else 0,
                              check_passed_at=past if finished else None,
                              check_best_score=100.0 if finished else None, completed_at=past if finished else None))
            add_study_time(s, user_id, module.law_name, "reading", seconds, past)
        s.commit()
        return {"exam_id": exam.id, "module_id": todo.id, "module_title": todo.title, "user_id": user_id}


def _heartbeats(bs) -> int:
    return sum(1 for u in bs.requests if u.endswith("/heartbeat"))


def _study_record(live_server, user_id: int, module_id: int) -> tuple[int, object]:
    """(seconds credited, time of the last counted heartbeat) of the person's study record for the module."""
    with live_server.db_session() as s:
        record = s.scalar(select(StudyRecord).where(StudyRecord.user_id == user_id,
                                                    StudyRecord.module_id == module_id))
        return record.seconds, record.last_heartbeat_at


def _set_visibility(page, state: str) -> None:
    page.evaluate("""state => {
        Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => state});
        Object.defineProperty(document, 'hidden', {configurable: true, get: () => state === 'hidden'});
        document.dispatchEvent(new Event('visibilitychange'));
    }""", state)


def test_staff_studies_a_module_and_unlocks_the_gated_exam(browser_session, live_server):
    bs, page = browser_session, browser_session.page
    username = f"j1{bs.tag}"
    info = _setup(live_server, username)

    # First sign-in: the initial password must be changed before anything else.
    bs.sign_in(username, INITIAL)
    assert page.url.endswith("/auth/password")
    page.get_by_role("status").filter(has_text="首次登录").wait_for()
    check_page(bs)
    page.get_by_label("当前密码").fill(INITIAL)
    page.get_by_label("新密码", exact=True).fill(NEW)
    page.get_by_label("确认新密码").fill(NEW)
    page.get_by_role("button", name="修改密码").click()
    page.wait_for_url("**/home/staff")
    assert "密码已修改" in page.inner_text("body")
    check_page(bs)

    # The tasks: one gate module is done already.
    panel = page.get_by_role("region", name="我的学习")
    assert assignment_title(utcnow()) in panel.inner_text()  # the demo task, for this year
    bs.goto("/courses/tasks")
    assert "完成 1 / " in page.inner_text("main")
    check_page(bs)

    # The module page sends a heartbeat at once and every 15 s while visible; none while hidden.
    page.clock.install()

    def is_beat(response) -> bool:
        return response.url.endswith(f"/modules/{info['module_id']}/heartbeat") and response.request.method == "POST"

    with page.expect_response(is_beat):
        bs.goto(f"/courses/modules/{info['module_id']}")
    page.get_by_role("heading", name=info["module_title"]).wait_for()
    page.locator("#study-status").filter(has_text="学习时长已达到").wait_for()
    check_page(bs)
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 0.5)  # from now on its timers fire only when run
    seconds, last_beat = _study_record(live_server, info["user_id"], info["module_id"])
    _set_visibility(page, "hidden")
    before = _heartbeats(bs)
    page.clock.run_for(60_000)
    page.wait_for_timeout(300)
    assert _heartbeats(bs) == before, "a hidden page must not send heartbeats"
    assert _study_record(live_server, info["user_id"], info["module_id"])[0] == seconds

    # Visible again: the next heartbeat is credited. The server measures the time itself and credits nothing
    # for beats closer than 10 s, so real time must pass since the last counted one.
    _set_visibility(page, "visible")
    time.sleep(max(0.0, (last_beat + timedelta(seconds=10.5) - utcnow()).total_seconds()))
    with page.expect_response(is_beat) as beat:
        page.clock.run_for(15_000)
    assert beat.value.json()["status"] == "credited"
    grown = _study_record(live_server, info["user_id"], info["module_id"])[0] - seconds
    assert 10 <= grown <= 20, grown
    page.clock.resume()  # axe, on the pages to come, needs running timers

    # The end-of-module check, answered with the keys read from the database.
    page.get_by_role("link", name="开始小测").click()
    page.get_by_role("heading", name="单元测验").wait_for()
    check_page(bs)
    qids = [int(v) for v in page.locator("input[name=question_ids]").evaluate_all("els => els.map(e => e.value)")]
    assert qids
    with live_server.db_session() as s:
        keys = {q: (s.get(Question, q).current_version.type, s.get(Question, q).current_version.answer) for q in qids}
    for qid, (qtype, answer) in keys.items():
        enter_answer(page, qid, qtype, key_inputs(qtype, answer))
    page.get_by_role("button", name="提交测验").click()
    page.get_by_role("status").filter(has_text="测验通过").wait_for()
    check_page(bs)

    bs.goto(f"/courses/modules/{info['module_id']}")
    assert "本模块已完成" in page.locator("#study-status").inner_text()
    with live_server.db_session() as s:
        record = s.scalar(select(StudyRecord).where(StudyRecord.user_id == info["user_id"],
                                                    StudyRecord.module_id == info["module_id"]))
        assert record.completed_at is not None and record.check_passed_at is not None

    # The gated exam is now open to this person.
    bs.goto("/exams/")
    card = page.locator("article").filter(has=page.get_by_role("link", name=GATED_EXAM))
    assert "可参加" in card.inner_text()
    card.get_by_role("link", name=GATED_EXAM).click()
    page.get_by_role("button", name="开始考试").wait_for()
    check_page(bs)
    if bs.is_phone:
        bs.goto("/home/staff")
        save_reference(bs, "phone-home")
