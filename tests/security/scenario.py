"""A small populated bureau for the adversarial suite (plain functions, no fixtures).

Two departments, a person in each with an exam attempt (one submitted with a certificate, one live),
a trainer, a leader of the second department and an admin. Everything an attacker could aim at has
an id here: attempts, answers, questions, certificates, users, departments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from lawtrain.exams import attempts
from lawtrain.exams.models import Attempt
from lawtrain.extensions import db
from lawtrain.timeutil import utcnow
from tests import factories
from tests.services.exams_helpers import exam_bank, paper, right_response

RULES = (("single", 3, 5.0), ("multiple", 2, 10.0), ("true_false", 2, 5.0), ("fill_blank", 1, 10.0))


@dataclass
class Bureau:
    dept_a: object
    dept_b: object
    alice: object  # staff in A: submitted attempt, certificate
    bob: object  # staff in B: live attempt
    trainer: object
    leader_b: object
    admin: object
    bank: object
    exam: object
    alice_attempt: Attempt
    bob_attempt: Attempt
    certificate: object
    extra: dict = field(default_factory=dict)


def build_bureau(session, *, release: str = "immediate") -> Bureau:
    now = utcnow()
    root = factories.make_department(session, path="区应急局")
    dept_a = factories.make_department(session, path="区应急局/执法大队")
    dept_b = factories.make_department(session, path="区应急局/办公室")
    alice = factories.make_user(session, roles=["staff"], department=dept_a, display_name="张爱丽")
    bob = factories.make_user(session, roles=["staff"], department=dept_b, display_name="李博")
    trainer = factories.make_user(session, roles=["trainer"], department=root, display_name="培训员")
    leader_b = factories.make_user(session, roles=["leader"], department=dept_b, display_name="办公室主任")
    admin = factories.make_user(session, roles=["admin"], department=root, display_name="管理员")
    bank = exam_bank(session)
    exam = factories.make_exam(session, bank=bank, rules=RULES, departments=[root], release=release,
                               opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1))
    alice_attempt, _ = attempts.start_attempt(session, exam, alice, now)
    for row in paper(session, alice_attempt):
        version_type = row_type(session, row)
        attempts.save_answer(session, alice_attempt, row.question_id, right_response(row, version_type), 1, now)
    attempts.submit_attempt(session, alice_attempt, now)
    bob_attempt, _ = attempts.start_attempt(session, exam, bob, now)
    first = paper(session, bob_attempt)[0]
    attempts.save_answer(session, bob_attempt, first.question_id, ["A"], 1, now)
    from lawtrain.certificates.models import Certificate

    certificate = session.scalar(select(Certificate).where(Certificate.attempt_id == alice_attempt.id))
    if certificate is None:  # passing issues one automatically when the certificates area listens
        certificate = factories.make_certificate(session, alice, exam, attempt=alice_attempt)
    return Bureau(dept_a, dept_b, alice, bob, trainer, leader_b, admin, bank, exam, alice_attempt, bob_attempt,
                  certificate)


def row_type(session, row) -> str:
    from lawtrain.banks.models import QuestionVersion

    return session.get(QuestionVersion, row.question_version_id).type


def table_counts() -> dict[str, int]:
    """Row count of every table (the "nothing changed" check)."""
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}
