"""Issue 18 — the screens around the exam, on a phone and a desktop: home progress bars, a paper left
half-way, practice on a phone, a module's cited articles, article links, checkbox pickers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lawtrain.courses.demo import induction_title
from lawtrain.courses.models import AssignmentModule, CourseModule, StudyRecord, TrainingAssignment
from lawtrain.timeutil import to_local, utcnow
from tests.browser.helpers import check_page, make_exam, make_staff

pytestmark = pytest.mark.browser

PASSWORD = "Screens2025ok"


def _staff_half_through_induction(live_server, username: str) -> int:
    """A staff member who completed one of the two induction modules; returns the user id."""
    with live_server.db_session() as s:
        user_id = make_staff(s, username, password=PASSWORD)
        now = utcnow()
        assignment = s.scalar(select(TrainingAssignment).where(TrainingAssignment.title == induction_title(now)))
        first = s.scalar(select(AssignmentModule.module_id).where(AssignmentModule.assignment_id == assignment.id)
                         .order_by(AssignmentModule.module_id))
        if s.scalar(select(StudyRecord).where(StudyRecord.user_id == user_id, StudyRecord.module_id == first)) is None:
            module = s.get(CourseModule, first)
            past = now - timedelta(hours=1)
            s.add(StudyRecord(user_id=user_id, module_id=module.id, seconds=module.min_study_minutes * 60,
                              started_at=past, last_heartbeat_at=past, check_attempts=1, check_passed_at=past,
                              check_best_score=100.0, completed_at=past))
            s.commit()
        return user_id


def test_home_progress_bars_are_drawn_and_a_paper_left_half_way_reads_in_progress(browser_session, live_server):
    bs, page = browser_session, browser_session.page
    username = f"scr1{bs.tag}"
    _staff_half_through_induction(live_server, username)
    with live_server.db_session() as s:
        exam_id = make_exam(s, f"半途考试{bs.tag}", [username], duration_minutes=20)
    bs.sign_in(username, PASSWORD)
    page.goto(live_server("/home/staff"))

    # Item 1: a bar at 50% is drawn half-way across its track (the width classes are loaded on the home page).
    bar = page.locator(".progress[aria-valuenow='50'] .progress-bar").first
    bar.wait_for()
    track = page.locator(".progress[aria-valuenow='50']").first.bounding_box()["width"]
    filled = bar.bounding_box()["width"]
    assert 0.4 * track < filled < 0.6 * track, (filled, track)
    check_page(bs)

    # Item 2: start the exam, leave it, and every page says 进行中 with the time left.
    page.goto(live_server(f"/exams/{exam_id}"))
    page.get_by_role("button", name="开始考试").click()
    page.wait_for_url("**/exams/attempts/*")
    page.goto(live_server("/home/staff"))
    panel = page.get_by_role("region", name="我的考试")
    item = panel.get_by_role("listitem").filter(has_text=f"半途考试{bs.tag}")
    assert "进行中（剩余 " in item.inner_text() and "可参加" not in item.inner_text()
    item.get_by_role("link").click()
    page.wait_for_url(f"**/exams/{exam_id}")
    body = page.locator("main").inner_text()
    assert "进行中（剩余 " in body and "计时仍在进行" in body and "剩余作答次数\n0 / 1" not in body
    check_page(bs)
    page.get_by_role("button", name="继续答题").click()
    page.wait_for_url("**/exams/attempts/*")


def _in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] < height


def test_practice_shows_the_question_first_and_the_verdict_in_view(browser_session, live_server):
    bs, page = browser_session, browser_session.page
    username = f"scr3{bs.tag}"
    with live_server.db_session() as s:
        make_staff(s, username, password=PASSWORD)
    bs.sign_in(username, PASSWORD)
    page.goto(live_server("/exams/practice?go=1&mode=law&law=安全生产法&order=sequential"))
    stem = page.locator(".question .stem")
    assert _in_viewport(page, stem), stem.bounding_box()  # not ~600 px down under the filters
    assert not page.get_by_label("法律").is_visible()  # the filters are folded away
    counter = page.locator(".question h2").inner_text()
    assert "第 1 / " in counter
    check_page(bs)

    first = page.locator(".question input").first
    if first.get_attribute("type") == "text":
        first.fill("不知道")
    else:
        first.check()
    page.get_by_role("button", name="提交答案").click()
    page.wait_for_load_state()
    feedback = page.locator("#feedback")
    feedback.wait_for()
    # the browser scrolls to the #feedback fragment once the page has loaded
    page.wait_for_function("() => { const r = document.getElementById('feedback').getBoundingClientRect();"
                           " return r.top >= 0 && r.top < innerHeight; }", timeout=5_000)
    assert "正确答案" in feedback.inner_text()
    assert page.locator(".question h2").inner_text() == counter  # the counter is kept
    check_page(bs)

    # The filters open with one tap and still work.
    page.locator(".practice-filters > summary").click()
    page.get_by_label("法律").wait_for(state="visible")


def test_cited_articles_open_in_place_and_references_lead_to_the_law(browser_session, live_server):
    bs, page = browser_session, browser_session.page
    username = f"scr4{bs.tag}"
    with live_server.db_session() as s:
        make_staff(s, username, password=PASSWORD)
        module = s.scalar(select(CourseModule).where(CourseModule.law_name == "安全生产法")
                          .order_by(CourseModule.sort_order))
        module_id = module.id
    bs.sign_in(username, PASSWORD)
    page.goto(live_server(f"/courses/modules/{module_id}"))

    # Item 4: each cited article shows its first words and a marker, and opens in place.
    articles = page.locator("details.article-text")
    assert articles.count() > 1
    first = articles.first
    preview = first.locator(".art-preview").inner_text()
    assert len(preview) > 5
    marker = first.locator("summary").evaluate("s => getComputedStyle(s, '::before').content")
    assert "▸" in marker
    first.locator("summary").click()
    link = first.get_by_role("link", name="在法律全文中查看")
    link.wait_for(state="visible")
    check_page(bs)

    # Item 5: the reference leads to the article on the law page, which offers a way back up.
    label = first.locator(".art-label").inner_text()
    link.click()
    page.wait_for_load_state()
    assert "/courses/laws/" in page.url and "#a" in page.url
    target = page.locator(page.url[page.url.index("#"):])
    assert label in target.inner_text() and _in_viewport(page, target)
    back = page.locator(".back-to-top")
    assert back.is_visible()
    back.click()
    page.wait_for_timeout(200)
    toc = page.get_by_role("navigation", name="章节目录")
    assert _in_viewport(page, toc)
    check_page(bs)

    # Search marks the term, and so does the law page it leads to.
    page.goto(live_server("/courses/laws/search?q=应急预案"))
    assert page.locator("mark.hit").count() > 0
    page.locator(".list-group-item a").first.click()
    page.wait_for_load_state()
    assert page.locator("mark.hit").first.is_visible()
    check_page(bs)


def test_a_reload_returns_to_the_question_being_read_and_the_flag_says_what_it_does(browser_session, live_server):
    bs, page = browser_session, browser_session.page
    username = f"scr11{bs.tag}"
    with live_server.db_session() as s:
        make_staff(s, username, password=PASSWORD)
        exam_id = make_exam(s, f"重载考试{bs.tag}", [username], duration_minutes=20)
    bs.sign_in(username, PASSWORD)
    page.goto(live_server(f"/exams/{exam_id}"))
    page.get_by_role("button", name="开始考试").click()
    page.wait_for_url("**/exams/attempts/*")
    third = page.locator(".question").nth(2)
    if bs.is_phone:
        page.get_by_role("button", name="下一题").click()
        page.get_by_role("button", name="下一题").click()
    else:
        third.locator("input").first.focus()
    third.wait_for(state="visible")
    flag = third.locator(".flag-btn")
    assert "标记本题" in flag.inner_text()
    flag.click()
    assert "已标记（点此取消）" in flag.inner_text() and flag.get_attribute("aria-pressed") == "true"

    page.reload()
    page.wait_for_load_state()
    third = page.locator(".question").nth(2)
    assert third.is_visible()
    if bs.is_phone:  # one question per screen: the third one is the one shown
        assert page.locator("#pager-pos").inner_text().startswith("3 /")
        assert not page.locator(".question").first.is_visible()
    else:  # all on one page: scrolled back to the third one
        assert _in_viewport(page, third.locator(".stem"))
    assert "已标记（点此取消）" in third.locator(".flag-btn").inner_text()
    check_page(bs)


def test_exam_form_picks_several_departments_with_plain_taps(browser_session, live_server):
    from lawtrain.exams.models import Exam

    bs, page = browser_session, browser_session.page
    title = f"勾选部门考试{bs.tag}"
    bs.sign_in("trainer")
    page.goto(live_server("/exams/new"))
    departments = page.get_by_role("group", name="参加部门（含下级部门）")
    search = departments.get_by_role("searchbox")
    boxes = departments.locator("input[type=checkbox]")
    first, second = boxes.nth(1), boxes.nth(2)
    first.check()
    second.check()  # a second plain tap keeps the first
    assert first.is_checked() and second.is_checked()
    assert "已选 2 项" in departments.locator(".checklist-count").inner_text()
    # The filter narrows the list without losing the choices.
    label = departments.locator(".form-check").nth(2).get_attribute("data-text")
    search.fill(label.split("/")[-1])
    assert departments.locator(".form-check:visible").count() < departments.locator(".form-check").count()
    search.fill("")
    check_page(bs)

    page.get_by_label("考试名称").fill(title)
    now = to_local(utcnow()).replace(tzinfo=None)
    page.get_by_label("开始时间（北京时间）").fill((now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("结束时间（北京时间）").fill((now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"))
    law = page.locator("select[name='rules-0-law_name']")
    assert "安全生产法" in law.locator("option").all_inner_texts()
    page.locator("select[name='rules-0-type']").select_option("single")
    law.select_option("安全生产法")
    page.locator("input[name='rules-0-count']").fill("2")
    page.locator("input[name='rules-0-points']").fill("50")
    type_box = page.locator("select[name='rules-0-type']").bounding_box()
    assert type_box["width"] >= 100  # 单选题 readable, not cut off
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_url("**/exams/*/admin")
    with live_server.db_session() as s:
        exam = s.scalar(select(Exam).where(Exam.title == title))
        assert exam is not None and len([a for a in exam.assignees if a.department_id]) == 2
