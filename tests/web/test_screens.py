"""Issue 18: what each person reads on the screens around the exam (statuses, labels, wording, numbers)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from lawtrain.timeutil import utcnow
from tests import factories
from tests.services.exams_helpers import exam_bank

RULES = (("single", 3, 5.0), ("multiple", 2, 10.0), ("true_false", 2, 5.0), ("fill_blank", 1, 10.0))


@pytest.fixture
def bank(session):
    return exam_bank(session)


def open_exam(session, bank, *users, **overrides):
    now = utcnow()
    fields = dict(opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1))
    fields.update(overrides)
    return factories.make_exam(session, bank=bank, rules=RULES, users=list(users), **fields)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# ------------------------------------------------------------------ item 2: a paper left half-way


def test_a_paper_left_half_way_reads_in_progress_with_its_time_left(client, login_as, session, bank):
    user = login_as("staff")
    exam = open_exam(session, bank, user, duration_minutes=30)
    before = text_of(client.get(f"/exams/{exam.id}").get_data(as_text=True))
    assert "可参加" in before and "进行中" not in before
    assert client.post(f"/exams/{exam.id}/start").status_code == 302

    for path in ("/home/staff", "/exams/", f"/exams/{exam.id}"):
        page = text_of(client.get(path).get_data(as_text=True))
        assert re.search(r"进行中（剩余 (29:[0-5]\d|30:00)）", page), path
        assert "可参加" not in page, path
    intro = text_of(client.get(f"/exams/{exam.id}").get_data(as_text=True))
    assert "剩余作答次数 0 / 1" not in intro and "第1次作答进行中" in intro
    assert "计时仍在进行" in intro and "继续答题" in intro
    # the JSON API keeps its documented status values
    row = next(r for r in client.get("/api/exams").get_json() if r["id"] == exam.id)
    assert row["status"] == "open" and row["attempt_in_progress"]
