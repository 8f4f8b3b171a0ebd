"""Stored XSS in case texts (Markdown rendered to HTML): hostile markup imported in a case is inert in the bank
editor, the bank list, on the exam page and in the review."""

from __future__ import annotations

import json
from datetime import timedelta

from lawtrain.banks import importing, services
from lawtrain.banks.formats.detect import parse_file
from lawtrain.timeutil import utcnow
from tests import factories
from tests.conftest import login
from tests.security.test_stored_xss import MIXED, assert_inert


def _case_file() -> bytes:
    item = {"type": "single", "stem": "问" + MIXED, "options": ["甲" + MIXED, "乙"], "answer": ["A"],
            "explanation": MIXED, "points": 5, "basis": [{"law": "安全生产法", "article": 21}]}
    case = {"external_id": "X-1", "type": "case", "case_text": "案情 **加粗** [链接](javascript:alert(9))\n\n" + MIXED,
            "difficulty": 3, "tags": ["t"], "items": [item | {"external_id": "X-1-1"},
                                                     item | {"external_id": "X-1-2", "stem": "另一问" + MIXED}]}
    return json.dumps({"format": "lawtrain-bank", "version": 2, "bank": {"name": "恶意案例"}, "questions": [case]},
                      ensure_ascii=False).encode()


def test_hostile_case_text_is_inert_everywhere_it_is_shown(app, session):
    now = utcnow()
    bank = services.build_bank(session, "恶意案例", owner=None, now=now)
    report = importing.import_records(session, bank, parse_file(_case_file(), "x.json"), actor=None, now=now)
    assert report.errors == []
    bank = services.find_bank(session, "恶意案例")
    trainer = factories.make_user(session, roles=["trainer"])
    staff = factories.make_user(session)
    exam = factories.make_exam(session, bank=bank, rules=(("case", 1, 1.0),), users=[staff],
                               opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1))
    case_id = next(q.id for q in bank.questions if q.type == "case")

    client = app.test_client()
    login(client, trainer.username)
    for url in (f"/banks/{bank.id}", f"/banks/cases/{case_id}"):
        page = client.get(url).get_data(as_text=True)
        assert "<strong>加粗</strong>" in page
        assert_inert(page, url)

    client = app.test_client()
    login(client, staff.username)
    data = client.post(f"/api/exams/{exam.id}/attempts").get_json()
    page = client.get(f"/exams/attempts/{data['attempt_id']}").get_data(as_text=True)
    assert "<strong>加粗</strong>" in page
    assert_inert(page, "exam page")
    client.post(f"/api/attempts/{data['attempt_id']}/submit")
    assert_inert(client.get(f"/exams/attempts/{data['attempt_id']}/result").get_data(as_text=True), "review")
