"""Shared steps of the browser journeys: accounts made through the services, page checks, the key of a question."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from sqlalchemy import select

from lawtrain.auth.models import User
from lawtrain.auth.services import build_user
from lawtrain.exams.models import Answer
from lawtrain.org.services import ensure_path

STAFF_DEPARTMENT = "区应急局/应急指挥科"
REFERENCE_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def make_staff(session, username: str, *, password: str, must_change: bool = False,
               department: str = STAFF_DEPARTMENT, display_name: str | None = None) -> int:
    """A staff account in a bureau department (so the demo assignment and exams cover it); returns its id."""
    existing = session.scalar(select(User).where(User.username == username))
    if existing is not None:
        return existing.id
    dept = ensure_path(session, department)
    user, _initial = build_user(session, username=username, display_name=display_name or f"测试{username[-6:]}",
                                roles=["staff"], department_id=dept.id, password=password, must_change=must_change)
    session.commit()
    return user.id


def check_page(bs) -> None:
    """Every journey page: no serious/critical axe violation, nothing fetched from another origin, nothing
    the Content Security Policy had to block."""
    violations = bs.axe_violations()
    assert violations == [], f"{bs.page.url}: {violations}"
    assert bs.external_requests() == []
    assert not [e for e in bs.console_errors if "Content Security Policy" in e]


def key_inputs(qtype: str, answer: list, shown: dict[str, str] | None = None) -> list[str]:
    """What to enter for the right answer: option letters as shown, 'true'/'false', or one text per blank.
    `shown` maps an original option letter to the letter the page shows (exam papers shuffle options)."""
    if qtype == "fill_blank":
        return [(b[0] if isinstance(b, list) else str(b)) for b in answer]
    if qtype == "true_false":
        return [str(answer[0]).lower()]
    return sorted((shown or {}).get(str(a).upper(), str(a).upper()) for a in answer)


def enter_answer(page, qid: int, qtype: str, values: list[str]) -> None:
    """Answer one rendered question (exams/_macros.html question_inputs) through its labelled inputs."""
    if qtype == "fill_blank":
        for i, text in enumerate(values):
            page.locator(f"#q{qid}_{i}").fill(text)
        return
    for value in values:
        page.locator(f"#q{qid}-{value}").check()


def save_reference(bs, name: str) -> None:
    """Refresh a README screenshot (docs/screenshots/<name>.png) when LAWTRAIN_UPDATE_SCREENSHOTS=1."""
    if os.environ.get("LAWTRAIN_UPDATE_SCREENSHOTS") != "1":
        return
    REFERENCE_DIR.mkdir(parents=True, exist_ok=True)
    bs.page.screenshot(path=str(REFERENCE_DIR / f"{name}.png"), animations="disabled", caret="hide")


def follow_menu(bs, label: str) -> None:
    """Follow a main-navigation entry; on a phone, open the collapsed menu first."""
    nav = bs.page.get_by_role("navigation", name="主导航")
    if bs.is_phone:
        nav.get_by_role("button", name="展开菜单").click()
    link = nav.get_by_role("link", name=label, exact=True)
    link.wait_for(state="visible")  # the collapsed menu has opened
    with bs.page.expect_navigation():  # a click that lands mid-animation must not pass unnoticed
        link.click()
    bs.page.wait_for_load_state()


# (type, count, points) of the short exams the journeys sit: every question type, 80 points
SHORT_PAPER = (("single", 3, 10.0), ("multiple", 2, 10.0), ("true_false", 2, 10.0), ("fill_blank", 1, 10.0))


def make_exam(session, title: str, usernames: list[str], *, duration_minutes: int = 3,
              bank_name: str = "安全生产法") -> int:
    """A published exam for the named people only, drawn from a shipped bank; returns its id."""
    from datetime import timedelta

    from lawtrain.banks.models import Bank
    from lawtrain.exams.models import Exam, ExamAssignee, ExamRule
    from lawtrain.timeutil import utcnow

    existing = session.scalar(select(Exam).where(Exam.title == title))
    if existing is not None:
        return existing.id
    bank = session.scalar(select(Bank).where(Bank.name == bank_name))
    users = session.scalars(select(User).where(User.username.in_(usernames))).all()
    now = utcnow()
    exam = Exam(title=title, instructions="浏览器测试考试。", opens_at=now - timedelta(hours=1),
                closes_at=now + timedelta(days=2), duration_minutes=duration_minutes, attempts_allowed=1,
                counting="best", pass_percent=60.0, multiple_scoring="all_or_nothing", release="immediate",
                review="full", shuffle_questions=True, shuffle_options=True, gate={}, paper_mode="rules",
                status="published", created_at=now)
    exam.rules = [ExamRule(position=i, banks=[bank.id], type=t, count=n, points=p)
                  for i, (t, n, p) in enumerate(SHORT_PAPER, start=1)]
    exam.assignees = [ExamAssignee(user_id=u.id) for u in users]
    session.add(exam)
    session.commit()
    return exam.id


def paper_keys(session, attempt_id: int) -> list[tuple[int, str, list[str]]]:
    """(question id, type, the right inputs as this person sees them) for each question, in paper order."""
    from lawtrain.exams import queries
    from lawtrain.exams.models import Attempt
    from lawtrain.exams.scoring import LETTERS

    attempt = session.get(Attempt, attempt_id)
    rows = []
    for row, version in queries.paper_rows(session, attempt):
        order = row.option_order or list(range(len(version.options or [])))
        shown = {LETTERS[orig]: LETTERS[pos] for pos, orig in enumerate(order)}
        rows.append((row.question_id, version.type, key_inputs(version.type, version.answer or [], shown)))
    return rows


def wrong_inputs(qtype: str, right: list[str]) -> list[str]:
    """A wrong answer for a question whose right inputs are `right` (choice questions with 4 options)."""
    if qtype == "true_false":
        return ["false" if right == ["true"] else "true"]
    if qtype == "fill_blank":
        return ["不知道" for _ in right]
    return [next(k for k in "ABCD" if k not in right)]


def saved_answers(live_server, attempt_id: int) -> dict[int, list]:
    """What the server has stored for the attempt: question id -> response."""
    with live_server.db_session() as s:
        return {a.question_id: a.response for a in s.scalars(select(Answer).where(Answer.attempt_id == attempt_id))}


def wait_until(predicate, timeout: float = 10.0):
    """Poll the predicate until it returns something truthy (returned), failing after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def go_to_question(page, n: int) -> None:
    """The navigator: on a phone it shows one question, on a desktop it scrolls to it."""
    page.get_by_role("navigation", name="题目导航").get_by_role("link", name=re.compile(f"^第{n}题")).click()
