"""Issue rules: a pass of the counting attempt issues one certificate; regrades revoke, reinstate, rescore."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from lawtrain import signals
from lawtrain.auth.audit import AuditEvent
from lawtrain.banks import services as bank_services
from lawtrain.banks.models import Question
from lawtrain.certificates import queries, services
from lawtrain.certificates.fonts import get_cjk_font
from lawtrain.certificates.models import Certificate
from tests import factories
from tests.services.exams_helpers import exam_bank, right_response, sit, wrong_response

SETTINGS = services.CertificateSettings(prefix="BSYJ", valid_years=3)


pytestmark = pytest.mark.usefixtures("in_request")  # messages are translated per request


def cert_of(session, user, exam) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.user_id == user.id, Certificate.exam_id == exam.id))


def set_keys(session, trainer, key, now):
    """The trainer corrects every question's key in the banks UI (which regrades the attempts)."""
    for q in session.scalars(select(Question)).all():
        record = bank_services.question_to_record(q)
        record.answer = [key]
        bank_services.update_question(session, q, record, actor=trainer, now=now)


def test_the_listener_is_connected_when_the_app_registers_the_area(app):
    assert services.on_attempt_graded in signals.attempt_graded.receivers_for(None)


def test_passing_an_exam_issues_one_certificate_with_a_snapshot(session, now):
    dept = factories.make_department(session, path="区应急局/执法大队")
    bank = exam_bank(session, singles=4, multiples=0, tfs=0, fills=0)
    user = factories.make_user(session, department=dept, display_name="张晓伟", staff_no="BS001")
    exam = factories.make_exam(session, bank=bank, rules=(("single", 4, 25.0),), users=[user], title="安全生产法考试")
    attempt = sit(session, exam, user, now, right_response)
    assert attempt.passed is True
    cert = cert_of(session, user, exam)
    assert cert is not None and cert.attempt_id == attempt.id
    assert cert.serial == "BSYJ-2025-000001"
    assert (cert.person_name, cert.staff_no, cert.department_path) == ("张晓伟", "BS001", "区应急局/执法大队")
    assert (cert.exam_title, cert.laws, cert.score, cert.max_score, cert.percent) == (
        "安全生产法考试", ["安全生产法"], 100.0, 100.0, 100.0)
    assert cert.exam_date == date(2025, 6, 16)
    assert cert.valid_until == date(2028, 6, 15)
    assert len(cert.code) >= 16 and cert.code not in cert.serial
    assert cert.status_on(date(2025, 6, 16)) == "valid"
    assert cert.status_on(date(2028, 6, 16)) == "expired"
    issued = session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.issue")).all()
    assert [e.target_id for e in issued] == [str(cert.id)]


def test_a_fail_issues_nothing(session, now):
    bank = exam_bank(session, singles=4, multiples=0, tfs=0, fills=0)
    user = factories.make_user(session)
    exam = factories.make_exam(session, bank=bank, rules=(("single", 4, 25.0),), users=[user])
    attempt = sit(session, exam, user, now, wrong_response)
    assert attempt.passed is False
    assert cert_of(session, user, exam) is None


def test_one_certificate_per_person_and_exam_best_attempt_counts(session, now):
    bank = exam_bank(session, singles=4, multiples=0, tfs=0, fills=0)
    user = factories.make_user(session)
    exam = factories.make_exam(session, bank=bank, rules=(("single", 4, 25.0),), users=[user], attempts_allowed=3,
                               counting="best")

    def three_right(row, qtype):
        return right_response(row, qtype) if row.position <= 3 else wrong_response(row, qtype)

    first = sit(session, exam, user, now, three_right)
    assert first.score == 75.0
    second = sit(session, exam, user, now + timedelta(hours=1), right_response)
    third = sit(session, exam, user, now + timedelta(hours=2), wrong_response)
    assert (second.score, third.passed) == (100.0, False)
    certs = session.scalars(select(Certificate).where(Certificate.user_id == user.id)).all()
    assert len(certs) == 1
    assert (certs[0].attempt_id, certs[0].score, certs[0].revoked_at) == (second.id, 100.0, None)
    assert certs[0].serial.endswith("000001")


def test_last_attempt_counting_revokes_when_the_last_attempt_fails(session, now):
    exam = factories.make_exam(session, counting="last", attempts_allowed=2)
    user = factories.make_user(session)
    first = factories.make_attempt(session, exam, user, score=90, submitted_at=now)
    services.issue_for_attempt(session, first, SETTINGS, now=now)
    second = factories.make_attempt(session, exam, user, score=30, number=2, submitted_at=now + timedelta(days=1))
    services.on_attempt_graded(None, session=session, attempt=second, previous_passed=None,
                               now=now + timedelta(days=1))
    session.commit()
    cert = cert_of(session, user, exam)
    assert cert.revoked_at is not None and "最后一次" in cert.revoke_reason


def test_regrade_pass_to_fail_revokes_and_back_to_pass_reinstates(session, now):
    bank = exam_bank(session, singles=2, multiples=0, tfs=0, fills=0)
    user = factories.make_user(session)
    trainer = factories.make_user(session, roles=["trainer"])
    exam = factories.make_exam(session, bank=bank, rules=(("single", 2, 5.0),), users=[user])
    attempt = sit(session, exam, user, now, lambda row, t: ["ABCD"[row.option_order.index(0)]])
    cert = cert_of(session, user, exam)
    serial, code = cert.serial, cert.code

    set_keys(session, trainer, "C", now + timedelta(hours=1))  # the key was wrong: the person now fails
    session.refresh(attempt)
    session.refresh(cert)
    assert attempt.passed is False
    assert cert.revoked_at == now + timedelta(hours=1) and cert.revoke_reason == "重新评分后未通过"
    assert cert.is_auto_revoked

    set_keys(session, trainer, "A", now + timedelta(hours=2))  # corrected back: passes again
    session.refresh(cert)
    assert cert.revoked_at is None and cert.revoke_reason is None
    assert (cert.serial, cert.code) == (serial, code)  # the same certificate, not a new one
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("certificate.%"))
                              .order_by(AuditEvent.id)).all()
    assert actions == ["certificate.issue", "certificate.revoke", "certificate.reinstate"]


def test_regrade_that_changes_a_passing_score_updates_the_snapshot(session, now):
    exam = factories.make_exam(session)
    user = factories.make_user(session)
    attempt = factories.make_attempt(session, exam, user, score=70, submitted_at=now)
    cert = services.issue_for_attempt(session, attempt, SETTINGS, now=now)
    attempt.score, attempt.percent = 85.0, 85.0
    services.on_attempt_graded(None, session=session, attempt=attempt, previous_passed=True,
                               now=now + timedelta(days=2))
    session.commit()
    assert (cert.score, cert.percent, cert.revoked_at) == (85.0, 85.0, None)
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.rescore")) is not None


@pytest.fixture
def passed(session, now):
    """A passing attempt (70 of 100), its certificate, and an administrator."""
    attempt = factories.make_attempt(session, factories.make_exam(session), factories.make_user(session), score=70,
                                     submitted_at=now)
    return attempt, services.issue_for_attempt(session, attempt, SETTINGS, now=now), factories.make_user(
        session, roles=["admin"])


def test_admin_revocation_is_audited_and_survives_a_passing_regrade(session, now, passed):
    attempt, cert, admin = passed
    with pytest.raises(services.CertificateError):
        services.revoke_certificate(session, cert, "  ", admin, now)
    services.revoke_certificate(session, cert, "考试作弊", admin, now + timedelta(days=1), ip="10.0.0.9")
    assert (cert.revoke_reason, cert.revoked_by_id, cert.is_auto_revoked) == ("考试作弊", admin.id, False)
    with pytest.raises(services.CertificateError):
        services.revoke_certificate(session, cert, "again", admin, now)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.revoke"))
    assert (event.actor_id, event.ip, event.target_id) == (admin.id, "10.0.0.9", str(cert.id))
    services.on_attempt_graded(None, session=session, attempt=attempt, previous_passed=True,
                               now=now + timedelta(days=2))
    session.commit()
    assert cert.revoked_at is not None  # a regrade does not undo an administrator's decision


def test_an_admin_can_make_a_regrade_revocation_final(session, now, passed):
    attempt, cert, admin = passed
    attempt.score, attempt.percent, attempt.passed = 40.0, 40.0, False
    services.on_attempt_graded(None, session=session, attempt=attempt, previous_passed=True,
                               now=now + timedelta(days=1))
    session.commit()
    assert cert.is_auto_revoked and cert.revoke_reason == services.REGRADE_FAIL_REASON
    services.revoke_certificate(session, cert, "查实考试作弊", admin, now + timedelta(days=2))
    assert (cert.is_auto_revoked, cert.revoke_reason, cert.revoked_by_id) == (False, "查实考试作弊", admin.id)
    attempt.score, attempt.percent, attempt.passed = 90.0, 90.0, True
    services.on_attempt_graded(None, session=session, attempt=attempt, previous_passed=False,
                               now=now + timedelta(days=3))
    session.commit()
    assert cert.revoked_at is not None and cert.revoke_reason == "查实考试作弊"  # not reinstated


def test_a_serial_taken_meanwhile_makes_the_issue_take_the_next(session, now, monkeypatch):
    """Two issues racing for the same number: the unique constraint refuses the second, which retries."""
    exam = factories.make_exam(session)
    first, second = factories.make_user(session), factories.make_user(session)
    taken = services.issue_for_attempt(session, factories.make_attempt(session, exam, first, submitted_at=now),
                                       SETTINGS, now=now)
    real_next = services._next_serial
    stale = iter([(taken.serial, taken.serial_no)])  # what a concurrent transaction would still have read

    def next_serial(session, prefix, year):
        return next(stale, None) or real_next(session, prefix, year)

    monkeypatch.setattr(services, "_next_serial", next_serial)
    cert = services.issue_for_attempt(session, factories.make_attempt(session, exam, second, submitted_at=now),
                                      SETTINGS, now=now)
    assert cert.serial_no == taken.serial_no + 1 and cert.user_id == second.id
    assert session.scalar(select(func.count(Certificate.id))) == 2


def test_issue_for_attempt_is_idempotent_and_refuses_a_non_counting_attempt(session, now):
    exam = factories.make_exam(session, attempts_allowed=2)
    user = factories.make_user(session)
    low = factories.make_attempt(session, exam, user, score=65, submitted_at=now)
    high = factories.make_attempt(session, exam, user, score=95, number=2, submitted_at=now + timedelta(hours=1))
    with pytest.raises(services.CertificateError):
        services.issue_for_attempt(session, low, SETTINGS, now=now)
    a = services.issue_for_attempt(session, high, SETTINGS, now=now)
    b = services.issue_for_attempt(session, high, SETTINGS, now=now + timedelta(days=1))
    assert a.id == b.id and a.issued_at == now
    assert session.scalar(select(func.count(Certificate.id))) == 1
    assert queries.counting_attempt(session, exam, user.id).id == high.id


def test_serials_count_per_year_of_issue(session):
    exam = factories.make_exam(session)
    settings = services.CertificateSettings(prefix="TEST", valid_years=0)
    serials = []
    for when in (datetime(2025, 3, 1), datetime(2025, 12, 31, 15, 59), datetime(2025, 12, 31, 16, 0)):
        user = factories.make_user(session)
        attempt = factories.make_attempt(session, exam, user, score=80, submitted_at=when)
        cert = services.issue_for_attempt(session, attempt, settings, now=when)
        assert cert.valid_until is None
        serials.append(cert.serial)
    # 2025-12-31 16:00 UTC is already 2026-01-01 in Shanghai
    assert serials == ["TEST-2025-000001", "TEST-2025-000002", "TEST-2026-000001"]


def test_valid_until_handles_leap_days():
    assert services.valid_until_for(datetime(2024, 2, 29, 2), 3) == date(2027, 2, 27)
    assert services.valid_until_for(datetime(2025, 6, 16, 1), 0) is None


@pytest.mark.parametrize("raw,safe", [
    ('a\\b/c:d*e?f"g<h>i|j', "a_b_c_d_e_f_g_h_i_j"),
    ("张三. . ", "张三"),
    ("CON", "_CON"),
    ("", "证书"),
])
def test_safe_filename(raw, safe):
    assert services.safe_filename(raw) == safe


def test_zip_holds_one_pdf_per_certificate_named_for_windows(session, now):
    exam = factories.make_exam(session, title="安全生产法考试")
    people = [factories.make_user(session, display_name="王 五.", staff_no="S/01"),
              factories.make_user(session, display_name="李四", staff_no="S02")]
    for p in people:
        services.issue_for_attempt(session, factories.make_attempt(session, exam, p, score=90), SETTINGS, now=now)
    certs = session.scalars(queries.exam_certificates(exam.id)).all()
    options = services.RenderOptions("上海市宝山区应急管理局", "https://lt.example/", get_cjk_font(None))
    buf = io.BytesIO()
    assert services.write_zip(certs, buf, lambda c: services.certificate_pdf(c, options)) == 2
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        names = sorted(zf.namelist())
        serial = {c.staff_no: c.serial for c in certs}
        assert names == sorted([f"S_01_王 五._{serial['S/01']}.pdf", f"S02_李四_{serial['S02']}.pdf"])
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in zf.infolist())
        reader = PdfReader(io.BytesIO(zf.read(names[0])))
        assert len(reader.pages) == 1


def test_cli_zip_and_revoke(app, session, now, tmp_path):
    exam = factories.make_exam(session)
    user = factories.make_user(session, display_name="赵六", staff_no="S09")
    cert = services.issue_for_attempt(session, factories.make_attempt(session, exam, user, score=90), SETTINGS,
                                      now=now)
    runner = app.test_cli_runner()
    out = tmp_path / "certs.zip"
    result = runner.invoke(args=["certificates-zip", str(exam.id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert zipfile.ZipFile(out).namelist() == [f"S09_赵六_{cert.serial}.pdf"]
    result = runner.invoke(args=["certificates-zip", "999999", "-o", str(out)])
    assert result.exit_code != 0 and "不存在" in result.output

    result = runner.invoke(args=["revoke-certificate", cert.serial, "--reason", "信息有误"])
    assert result.exit_code == 0, result.output
    session.refresh(cert)
    assert cert.revoke_reason == "信息有误"
    result = runner.invoke(args=["revoke-certificate", cert.serial, "--reason", "再次"])
    assert result.exit_code != 0 and "已于" in result.output and "信息有误" in result.output
    result = runner.invoke(args=["revoke-certificate", "NOPE-1", "--reason", "x"])
    assert result.exit_code != 0 and "不存在" in result.output


def test_demo_seed_issues_missing_certificates_idempotently(session, now):
    from lawtrain.certificates.demo import seed_demo
    from lawtrain.demo import DemoContext

    exam = factories.make_exam(session)
    passed = factories.make_user(session)
    failed = factories.make_user(session)
    factories.make_attempt(session, exam, passed, score=80)  # graded without the listener
    factories.make_attempt(session, exam, failed, score=20)
    ctx = DemoContext(password="x", now=now, rng=None, laws_dir=None)
    seed_demo(session, ctx)
    seed_demo(session, ctx)
    certs = session.scalars(select(Certificate)).all()
    assert [c.user_id for c in certs] == [passed.id]
