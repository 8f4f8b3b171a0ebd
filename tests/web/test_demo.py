"""The demo a newcomer gets (issue contracts): the open annual exam every staff member can sit through the
JSON API, the gated exam, past results with certificates, and the training certificates of the induction."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lawtrain.certificates.models import Certificate
from lawtrain.demo import DemoContext, seed_demo
from lawtrain.exams.demo import GATED_EXAM, OPEN_EXAM
from lawtrain.timeutil import utcnow
from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo(app, session):
    ctx = DemoContext(password="demo-pass-2025", now=utcnow(), rng=random.Random(7),
                      laws_dir=ROOT / "question_banks" / "laws", banks_dir=ROOT / "question_banks")
    return seed_demo(session, ctx)


def _exams(client) -> dict[str, dict]:
    return {e["title"]: e for e in client.get("/api/exams").get_json()}


def test_demo_staff_can_sit_the_open_exam_and_the_past_results_hold_certificates(app, session, demo):
    for login_name in ("staff01", "staff17", "staff30"):  # one with past results and training, two without
        _sits_the_open_exam(app, login_name)
    _has_both_kinds_of_certificate(session)


def _sits_the_open_exam(app, login_name):
    client = app.test_client()
    assert login(client, login_name, "demo-pass-2025").status_code == 302
    exams = _exams(client)
    open_exam = exams[OPEN_EXAM]
    assert (open_exam["status"], open_exam["attempts_left"]) == ("open", 1)
    assert exams[GATED_EXAM]["status"] == "locked"
    token = client.get("/exams/").get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    started = client.post(f"/api/exams/{open_exam['id']}/attempts", headers={"X-CSRFToken": token})
    assert started.status_code in (200, 201)
    body = started.get_json()
    assert len(body["questions"]) == 20
    assert 30 * 60 - 5 <= body["remaining_seconds"] <= 30 * 60
    assert {q["type"] for q in body["questions"]} == {"single", "multiple", "true_false", "fill_blank"}


def _has_both_kinds_of_certificate(session):
    exam_certs = session.scalar(select(func.count(Certificate.id)).where(Certificate.exam_id.is_not(None)))
    training = session.scalars(select(Certificate).where(Certificate.assignment_id.is_not(None))).all()
    assert exam_certs >= 5
    assert sorted(c.user.username for c in training) == ["staff01", "staff08"]
    assert all(c.module_count == 2 and c.revoked_at is None for c in training)
