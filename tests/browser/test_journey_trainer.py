"""Journey 3 — the trainer downloads the import template, uploads a file with mistakes and sees each one named
by row and column, uploads the corrected file and imports it, builds an exam from rules (the rule check catches
a rule asking for more questions than the bank has), publishes it, and regrades after correcting a key."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from lawtrain.auth.models import User
from lawtrain.banks.models import Bank, Question
from lawtrain.exams import attempts, queries
from lawtrain.exams.models import Attempt, Exam
from lawtrain.exams.scoring import LETTERS
from lawtrain.timeutil import to_local, utcnow
from tests.browser.helpers import check_page, follow_menu, make_staff, save_reference

pytestmark = pytest.mark.browser

# (题目ID, 题型, 题干, options, 答案). J3-01 is imported with a wrong key (B); the truth is A.
QUESTIONS = [
    ("J3-01", "单选题", "生产经营单位的主要负责人是本单位安全生产的（ ）。",
     ["第一责任人", "直接责任人", "监督人", "协调人"], "B"),
    ("J3-02", "单选题", "安全生产工作坚持（ ）至上、生命至上。", ["人民", "效益", "速度", "规模"], "A"),
    ("J3-03", "单选题", "从业人员发现直接危及人身安全的紧急情况时，有权（ ）。",
     ["停止作业", "继续作业", "等待", "离职"], "A"),
    ("J3-04", "多选题", "安全生产工作坚持哪些方针？", ["安全第一", "预防为主", "综合治理", "效益优先"], "ABC"),
    ("J3-05", "判断题", "生产经营单位必须遵守安全生产法律法规。", [], "正确"),
    ("J3-06", "填空题", "安全生产工作应当以人为本，坚持人民至上、____至上。", [], "生命"),
]
MISTAKES = {"J3-02": "E", "J3-05": "也许"}  # an answer outside A–D, a true/false answer that is neither


def _workbook(header: list[str], mistakes: dict[str, str]) -> bytes:
    """A workbook in the downloaded template's layout (its own header row)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "题目"
    ws.append(header)
    col = {name: i for i, name in enumerate(header)}
    for ext_id, qtype, stem, options, answer in QUESTIONS:
        row = [None] * len(header)
        row[col["题目ID"]], row[col["题型"]], row[col["题干"]] = ext_id, qtype, stem
        for letter, text in zip("ABCD", options, strict=False):
            row[col[f"选项{letter}"]] = text
        row[col["答案"]] = mistakes.get(ext_id, answer)
        row[col["分值"]], row[col["难度"]], row[col["法律依据"]] = 1, 2, "《安全生产法》第五条"
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(page, bank_label: str, new_bank: str | None, data: bytes) -> None:
    page.get_by_label("导入到题库").select_option(label=bank_label)
    if new_bank:
        page.get_by_label("新题库名称").fill(new_bank)
    page.get_by_label("题库文件").set_input_files(files=[{
        "name": "questions.xlsx", "buffer": data,
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.get_by_role("button", name="上传并预览").click()
    page.get_by_role("heading", name="导入预览").wait_for()


def _fill_exam_form(page, *, title: str, people: str, bank_name: str, count: int) -> None:
    now = to_local(utcnow()).replace(tzinfo=None)
    page.get_by_label("考试名称").fill(title)
    page.get_by_label("开始时间（北京时间）").fill((now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("结束时间（北京时间）").fill((now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("答题时长（分钟）").fill("20")
    page.get_by_label("参加人员（登录名或工号，每行一个）").fill(people)
    page.get_by_label("规则1 题型").select_option(label="单选题")
    page.get_by_role("group", name="规则1 题库").get_by_label(bank_name, exact=True).check()
    page.get_by_label("规则1 题数").fill(str(count))
    page.get_by_label("规则1 每题分值").fill("10")


def _sit_with_true_keys(live_server, exam_id: int, username: str) -> int:
    """The staff member answers every question with the true key (A for J3-01) and submits; returns the attempt."""
    truth = {ext: ("A" if ext == "J3-01" else answer) for ext, _t, _s, _o, answer in QUESTIONS}
    with live_server.db_session() as s:
        exam, user = s.get(Exam, exam_id), s.scalar(select(User).where(User.username == username))
        now = utcnow()
        attempt, _resumed = attempts.start_attempt(s, exam, user, now)
        for seq, (row, version) in enumerate(queries.paper_rows(s, attempt), start=1):
            ext = s.get(Question, row.question_id).external_id
            order = row.option_order or list(range(len(version.options)))
            shown = [LETTERS[order.index(LETTERS.index(letter))] for letter in truth[ext]]
            attempts.save_answer(s, attempt, row.question_id, sorted(shown), seq, now)
        attempts.submit_attempt(s, attempt, now)
        return attempt.id


def test_trainer_imports_builds_publishes_and_regrades(browser_session, live_server):
    bs, page = browser_session, browser_session.page
    bank_name, exam_title, sitter = f"浏览器测试题库-{bs.tag}", f"浏览器测试考试-{bs.tag}", f"j3{bs.tag}"
    with live_server.db_session() as s:
        make_staff(s, sitter, password="Sitter2025ok")
    bs.sign_in("trainer")
    follow_menu(bs, "题库")
    check_page(bs)
    page.get_by_role("link", name="导入题目").first.click()
    page.get_by_role("heading", name="导入题目").wait_for()
    check_page(bs)

    # The template downloads and opens as a workbook with the columns and a sheet of instructions.
    with page.expect_download() as info:
        page.get_by_role("link", name="下载 Excel 模板").click()
    assert info.value.suggested_filename.endswith(".xlsx")
    template = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    header = [c.value for c in next(template["题目"].iter_rows(max_row=1))]
    assert {"题目ID", "题型", "题干", "选项A", "答案", "法律依据"} <= set(header)
    assert "说明" in template.sheetnames

    # Two mistakes: each is named with its row, its column and what is wrong; nothing is imported.
    _upload(page, "新建题库…", bank_name, _workbook(header, MISTAKES))
    summary = page.locator("#import-summary")
    assert "共 6 题，2 个错误" in summary.inner_text()
    assert page.get_by_role("button", name="确认导入").count() == 0
    errors = [t for t in page.locator(".preview-stem p").filter(has_text="错误：").all_inner_texts()]
    assert len(errors) == 2, errors
    assert "第3行" in errors[0] and "“答案”列" in errors[0] and "E" in errors[0], errors[0]
    assert "第6行" in errors[1] and "“答案”列" in errors[1], errors[1]
    check_page(bs)
    if not bs.is_phone:
        save_reference(bs, "desktop-import-preview")
    with live_server.db_session() as s:
        assert s.scalar(select(Bank).where(Bank.name == bank_name)) is None

    # The corrected file previews clean and imports.
    page.get_by_role("link", name="重新上传").click()
    _upload(page, "新建题库…", bank_name, _workbook(header, {}))
    assert "共 6 题，0 个错误" in page.locator("#import-summary").inner_text()
    check_page(bs)
    page.get_by_role("button", name="确认导入 6 题").click()
    page.get_by_role("heading", name="导入完成").wait_for()
    assert "6 题" in page.locator(".import-result").inner_text()
    check_page(bs)

    # The imported questions are in the bank's list, each with its stem, filterable by type.
    with live_server.db_session() as s:
        bank_id = s.scalar(select(Bank.id).where(Bank.name == bank_name))
    bs.goto(f"/banks/{bank_id}")
    listed = page.locator(".q-stem").all_inner_texts()
    assert sorted(listed) == sorted(stem for _id, _t, stem, _o, _a in QUESTIONS)
    bs.goto(f"/banks/{bank_id}?type=multiple")
    assert page.locator(".q-stem").all_inner_texts() == ["安全生产工作坚持哪些方针？"]
    check_page(bs)

    # An exam with a rule asking for more single-choice questions than the bank has: the check says so.
    bs.goto("/exams/new")
    check_page(bs)
    _fill_exam_form(page, title=exam_title, people=sitter, bank_name=bank_name, count=6)
    page.get_by_role("button", name="保存").click()
    page.get_by_role("heading", name=exam_title).wait_for()
    assert "规则1需要6道单选题，题库只有3道" in page.inner_text("main")
    check_page(bs)
    page.get_by_role("button", name="发布").click()
    assert "规则1需要6道单选题" in page.get_by_role("alert").first.inner_text()
    with live_server.db_session() as s:
        exam = s.scalar(select(Exam).where(Exam.title == exam_title))
        assert exam.status == "draft"
        exam_id = exam.id

    # Fixed (3 questions), saved without a warning, and published.
    page.get_by_role("link", name="编辑").first.click()
    page.get_by_label("规则1 题数").fill("3")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("考试已保存：共3题，总分30").wait_for()
    assert "抽题规则有问题" not in page.inner_text("main")
    page.get_by_role("button", name="发布").click()
    page.get_by_text("考试已发布。").wait_for()
    check_page(bs)

    # Someone sits it with the true keys; J3-01's wrong key costs them 10 points until it is corrected.
    attempt_id = _sit_with_true_keys(live_server, exam_id, sitter)
    with live_server.db_session() as s:
        assert s.get(Attempt, attempt_id).score == 20
        q1 = s.scalar(select(Question).join(Bank).where(Bank.name == bank_name, Question.external_id == "J3-01"))
        q1_id = q1.id
    bs.goto(f"/banks/questions/{q1_id}/edit")
    check_page(bs)
    page.get_by_label("答案", exact=True).fill("A")
    page.get_by_role("button", name="保存").click()
    # A key correction: the papers follow it, and the trainer sees every regraded attempt before → after.
    page.get_by_role("heading", name=f"更正题目 #{q1_id} 答案后的重新评分结果").wait_for()
    corrected = page.get_by_role("row").filter(has=page.get_by_role("link", name=f"测试{sitter[-6:]}"))
    assert "20" in corrected.inner_text() and "30" in corrected.inner_text()
    check_page(bs)
    with live_server.db_session() as s:
        assert s.get(Attempt, attempt_id).score == 30

    # A manual regrade lists the attempt with its corrected score.
    bs.goto(f"/exams/{exam_id}/admin")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="重新评分").click()
    page.get_by_role("heading", name="重新评分结果").wait_for()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=f"测试{sitter[-6:]}"))
    assert "30" in row.inner_text()
    check_page(bs)
