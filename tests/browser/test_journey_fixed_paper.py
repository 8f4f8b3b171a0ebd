"""Journey — the trainer builds a fixed paper: switches the exam form to 固定试卷 (the rule table gives way to
the question list and the picker), picks questions from a bank, adds one by its 题目ID with its own points,
saves, and sees the paper on the exam page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lawtrain.exams.models import Exam
from lawtrain.timeutil import to_local, utcnow
from tests.browser.helpers import check_page, make_staff

pytestmark = pytest.mark.browser


def test_trainer_builds_a_fixed_paper_with_the_picker(browser_session, live_server):
    bs, page = browser_session, browser_session.page
    title, sitter = f"固定试卷考试-{bs.tag}", f"fx{bs.tag}"
    with live_server.db_session() as s:
        make_staff(s, sitter, password="Sitter2025ok")
    bs.sign_in("trainer")
    bs.goto("/exams/new")
    rules, fixed = page.locator("[data-paper-mode=rules]"), page.locator("#fixed-paper")
    assert rules.is_visible() and not fixed.is_visible()
    page.get_by_label("固定试卷（每人同一套题）").check()
    assert fixed.is_visible() and not rules.is_visible()
    check_page(bs)

    now = to_local(utcnow()).replace(tzinfo=None)
    page.get_by_label("考试名称").fill(title)
    page.get_by_label("开始时间（北京时间）").fill((now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("结束时间（北京时间）").fill((now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("参加人员（登录名或工号，每行一个）").fill(sitter)
    picker = page.locator("#picker")
    picker.get_by_label("题库").select_option(label="安全生产法")
    picker.get_by_label("题型").select_option(label="判断题")
    picker.get_by_role("button", name="显示题目").click()
    page.locator(".pick-table").wait_for()
    check_page(bs)
    boxes = page.locator(".pick-table input[name=picked]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    picker.get_by_role("button", name="加入试卷").click()
    page.get_by_text("已加入2道试题").wait_for()
    assert page.get_by_label("考试名称").input_value() == title  # the unsaved form came back whole
    questions = page.get_by_label("试题（每行一道）")
    assert len(questions.input_value().split()) == 2
    questions.fill(questions.input_value() + "\nWSL-001-01 5")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("heading", name=title).wait_for()
    assert "考试已保存：共3题" in page.inner_text("main") and "WSL-001-01" in page.inner_text("main")
    check_page(bs)
    with live_server.db_session() as s:
        exam = s.scalar(select(Exam).where(Exam.title == title))
        assert exam.paper_mode == "fixed" and [f.points for f in exam.fixed_questions][-1] == 5.0
