"""Training certificates: completing every module of an assignment that awards one issues it, once."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lawtrain.auth.audit import AuditEvent
from lawtrain.certificates import services
from lawtrain.certificates.models import Certificate
from lawtrain.courses.assignments import create_assignment
from lawtrain.courses.study import record_heartbeat, record_module_check
from tests import factories

pytestmark = pytest.mark.usefixtures("in_request")

NOW = datetime(2025, 9, 1, 2, 0)  # 10:00 in Shanghai


def study(session, user, module, start: datetime, minutes: int) -> None:
    """Read the module for `minutes` (heartbeats every 20 s) and pass its check."""
    for s in range(0, minutes * 60 + 1, 20):
        record_heartbeat(session, user, module, now=start + timedelta(seconds=s))
    record_module_check(session, user, module, passed=True, score=100.0,
                        now=start + timedelta(minutes=minutes, seconds=5))


def training_certs(session, user=None):
    stmt = select(Certificate).where(Certificate.assignment_id.is_not(None))
    if user is not None:
        stmt = stmt.where(Certificate.user_id == user.id)
    return session.scalars(stmt).all()


@pytest.fixture
def course(session):
    dept = factories.make_department(session, "执法大队")
    m1 = factories.make_course_module(session, min_minutes=1)
    m2 = factories.make_course_module(session, law_name="行政处罚法", min_minutes=1)
    return dept, m1, m2


def test_completing_the_last_module_issues_the_certificate(session, course):
    dept, m1, m2 = course
    user = factories.make_user(session, department=dept, display_name="张晓伟")
    assignment = factories.make_assignment(session, modules=[m1, m2], departments=[dept], awards_certificate=True,
                                           title="新任职人员法治入门")
    study(session, user, m1, NOW, 1)
    assert training_certs(session) == []  # one of two modules: nothing yet
    study(session, user, m2, NOW + timedelta(days=2), 2)
    [cert] = training_certs(session)
    assert (cert.user_id, cert.assignment_id, cert.exam_id, cert.attempt_id) == (user.id, assignment.id, None, None)
    assert cert.exam_title == "新任职人员法治入门" and cert.is_training
    assert cert.laws == ["安全生产法", "行政处罚法"]
    assert (cert.module_count, cert.study_minutes) == (2, 3)
    assert cert.score is None and cert.person_name == "张晓伟"
    assert cert.exam_date == date(2025, 9, 3)  # the day the last module completed (Shanghai)
    assert cert.serial.startswith("BSYJ-2025-") and len(cert.code) >= 16
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.issue"))
    assert event.target_id == str(cert.id)
    detail = json.loads(event.detail)
    assert (detail["assignment_id"], detail["modules"]) == (assignment.id, 2)
    # more study afterwards (a re-read, another check) issues nothing more
    record_module_check(session, user, m2, passed=True, score=100.0, now=NOW + timedelta(days=5))
    assert len(training_certs(session)) == 1


def test_no_certificate_unless_the_assignment_awards_one_or_covers_the_person(session, course):
    dept, m1, m2 = course
    other = factories.make_department(session, "办公室")
    inside, outside = factories.make_user(session, department=dept), factories.make_user(session, department=other)
    factories.make_assignment(session, modules=[m1], departments=[dept])  # no certificate configured
    factories.make_assignment(session, modules=[m2], departments=[dept], awards_certificate=True)
    study(session, inside, m1, NOW, 1)
    assert training_certs(session) == []
    factories.make_assignment(session, modules=[m2], users=[outside])  # m2 is open to `outside` without a cert
    study(session, outside, m2, NOW, 1)
    assert training_certs(session) == []  # completed, but the certificate-awarding assignment is not theirs
    study(session, inside, m2, NOW + timedelta(hours=1), 1)  # later: one person reads one page at a time
    assert [c.user_id for c in training_certs(session)] == [inside.id]


def test_whole_law_assignment_counts_every_module_of_the_law(session):
    user = factories.make_user(session)
    mods = [factories.make_course_module(session, law_name="突发事件应对法", min_minutes=0) for _ in range(3)]
    factories.make_course_module(session, law_name="安全生产法", min_minutes=0)  # another law: not needed
    factories.make_assignment(session, law_name="突发事件应对法", users=[user], awards_certificate=True)
    for m in mods[:2]:
        record_module_check(session, user, m, passed=True, score=90.0, now=NOW)
    assert training_certs(session) == []
    record_module_check(session, user, mods[2], passed=True, score=90.0, now=NOW)
    assert [c.module_count for c in training_certs(session, user)] == [3]


def test_people_already_done_get_it_when_the_assignment_is_created(session, course, now):
    dept, m1, m2 = course
    done, half = factories.make_user(session, department=dept), factories.make_user(session, department=dept)
    for m in (m1, m2):
        factories.make_study_record(session, done, m, seconds=600, completed_at=NOW)
    factories.make_study_record(session, half, m1, seconds=600, completed_at=NOW)
    trainer = factories.make_user(session, roles=("trainer",))
    a = create_assignment(session, title="入门", module_ids=[m1.id, m2.id], law_name=None, department_ids=[dept.id],
                          user_ids=[], due_date=None, note=None, actor=trainer, now=now, awards_certificate=True)
    assert [(c.user_id, c.study_minutes) for c in training_certs(session)] == [(done.id, 20)]
    assert a.awards_certificate


def test_issue_missing_catches_completions_recorded_before_the_certificate_existed(session, course):
    dept, m1, m2 = course
    user = factories.make_user(session, department=dept)
    a = factories.make_assignment(session, modules=[m1, m2], users=[user], awards_certificate=True)
    for m in (m1, m2):
        factories.make_study_record(session, user, m, completed_at=NOW)  # written directly: no listener ran
    assert services.issue_missing(session, services.CertificateSettings(), now=NOW) == 1
    assert services.issue_missing(session, services.CertificateSettings(), now=NOW) == 0
    assert [c.assignment_id for c in training_certs(session)] == [a.id]


def test_training_certificate_pdf_states_what_was_studied(session, course):
    dept, m1, m2 = course
    user = factories.make_user(session, department=dept, display_name="李四")
    factories.make_assignment(session, modules=[m1, m2], users=[user], awards_certificate=True, title="年度专题学习")
    study(session, user, m1, NOW, 1)
    study(session, user, m2, NOW + timedelta(hours=1), 1)
    [cert] = training_certs(session)
    options = services.RenderOptions(org_name="上海市宝山区应急管理局", base_url="http://lawtrain.local",
                                     font_name=services.get_cjk_font(None))
    text = PdfReader(io.BytesIO(services.certificate_pdf(cert, options))).pages[0].extract_text()
    flat = "".join(text.split())
    for needle in ("李四", "年度专题学习", "培训任务", "完成2个学习模块", cert.serial, "完成日期"):
        assert needle in flat, needle
    assert "考试成绩" not in flat


def test_a_certificate_has_exactly_one_source(session, course):
    dept, m1, _m2 = course
    user = factories.make_user(session, department=dept)
    exam = factories.make_exam(session)
    a = factories.make_assignment(session, modules=[m1], users=[user])
    base = dict(user_id=user.id, serial_year=2025, code="c", person_name="x", exam_title="t", exam_date=NOW.date())
    for n, source in enumerate(({}, {"exam_id": exam.id, "assignment_id": a.id})):
        with pytest.raises(IntegrityError):
            with session.begin_nested():
                session.add(Certificate(serial=f"S-{n}", serial_no=n, **base, **source))
    assert session.scalar(select(func.count(Certificate.id))) == 0
