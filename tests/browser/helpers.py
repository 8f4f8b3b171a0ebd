"""Shared steps of the browser journeys: accounts made through the services, page checks, the key of a question."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select

from lawtrain.auth.models import User
from lawtrain.auth.services import build_user
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
    """Every journey page: no serious/critical axe violation, nothing fetched from another origin."""
    violations = bs.axe_violations()
    assert violations == [], f"{bs.page.url}: {violations}"
    assert bs.external_requests() == []


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
    link.click()
    bs.page.wait_for_load_state()
