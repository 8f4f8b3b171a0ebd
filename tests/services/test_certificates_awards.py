"""Award certificates (获奖证书): the certificate engine's door for contests — serials, idempotence, PDF, verify."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lawtrain.auth.audit import AuditEvent
from lawtrain.certificates import queries, services
from lawtrain.certificates.awards import AwardSource, issue_award, revoke_awards
from lawtrain.certificates.models import Certificate, CertificateKind
from tests import factories
from tests.conftest import login

pytestmark = pytest.mark.usefixtures("in_request")

NOW = datetime(2026, 6, 20, 8, 0)  # 16:00 in Shanghai
CONTEST_ID = 7


def award(session, user, *, prize="一等奖", rank=1, source=AwardSource.ONLINE_CONTEST, source_id=CONTEST_ID):
    return issue_award(session, user_id=user.id, source=source, source_id=source_id, title="安全生产月知识竞赛",
                       prize=prize, rank=rank, awarded_on=date(2026, 6, 20), actor=None, now=NOW)


def test_a_prize_becomes_a_certificate_with_the_next_serial(session):
    winner, second = factories.make_user(session, display_name="张晓伟"), factories.make_user(session)
    first = award(session, winner)
    other = award(session, second, prize="二等奖", rank=2)
    assert first.kind == CertificateKind.AWARD and first.is_award and not first.is_training
    assert (first.award_source, first.award_source_id, first.exam_id, first.assignment_id) == (
        "online_contest", CONTEST_ID, None, None)
    assert (first.exam_title, first.award_prize, first.award_rank) == ("安全生产月知识竞赛", "一等奖", 1)
    assert first.person_name == "张晓伟" and first.exam_date == date(2026, 6, 20)
    assert other.serial_no == first.serial_no + 1 and other.code != first.code
    assert services.achievement_text(first) == "一等奖（第 1 名）"
    assert session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "certificate.issue")) == 2


def test_issuing_twice_keeps_one_certificate_and_follows_a_corrected_place(session):
    user = factories.make_user(session)
    cert = award(session, user, prize="二等奖", rank=3)
    again = award(session, user, prize="二等奖", rank=3)
    assert again.id == cert.id
    corrected = award(session, user, prize="一等奖", rank=2)
    assert corrected.id == cert.id and (corrected.award_prize, corrected.award_rank) == ("一等奖", 2)
    assert session.scalar(select(func.count(Certificate.id))) == 1
    # the same person in another contest, or the same id of the other kind of contest, is another certificate
    assert award(session, user, source_id=CONTEST_ID + 1).id != cert.id
    assert award(session, user, source=AwardSource.LIVE_CONTEST).id != cert.id
    assert session.scalar(select(func.count(Certificate.id))) == 3


def test_revoking_a_contests_awards_and_reinstating_by_a_new_close(session):
    a, b = factories.make_user(session), factories.make_user(session)
    award(session, a)
    award(session, b, prize="参与证书", rank=None)
    award(session, b, source_id=CONTEST_ID + 1)  # another contest: untouched
    assert revoke_awards(session, source=AwardSource.ONLINE_CONTEST, source_id=CONTEST_ID, reason="竞赛结果更正",
                         actor=None, now=NOW) == 2
    listed = session.scalars(queries.award_certificates("online_contest", CONTEST_ID)).all()
    assert [c.user_id for c in listed] == [a.id, b.id]  # placed first, the unplaced after
    assert all(c.revoked_at is not None for c in listed)
    assert session.scalars(queries.not_revoked(queries.award_certificates("online_contest", CONTEST_ID))).all() == []
    assert award(session, a).revoked_at is None  # the corrected close issues it again


def test_a_certificate_still_has_exactly_one_source(session):
    user = factories.make_user(session)
    exam = factories.make_exam(session)
    base = dict(user_id=user.id, serial_year=2026, person_name="x", exam_title="t", exam_date=NOW.date())
    bad = ({"exam_id": exam.id, "award_source": "online_contest", "award_source_id": 1},
           {"award_source": "online_contest"},  # a kind without a contest
           {"award_source": "quiz_night", "award_source_id": 1})  # no such kind
    for n, source in enumerate(bad):
        with pytest.raises(IntegrityError):
            with session.begin_nested():
                session.add(Certificate(serial=f"S-{n}", serial_no=n, code=f"c{n}", **base, **source))
    assert session.scalar(select(func.count(Certificate.id))) == 0


def test_the_award_pdf_names_the_contest_prize_and_place(session):
    user = factories.make_user(session, display_name="王五")
    cert = award(session, user, prize="三等奖", rank=9)
    options = services.RenderOptions(org_name="上海市宝山区应急管理局", base_url="http://lawtrain.local",
                                     font_name=services.get_cjk_font(None))
    flat = "".join(PdfReader(io.BytesIO(services.certificate_pdf(cert, options))).pages[0].extract_text().split())
    needles = ("获奖证书", "王五", "安全生产月知识竞赛", "荣获三等奖（第9名）", "竞赛名称", "颁奖日期", cert.serial)
    for needle in needles:
        assert needle in flat, needle
    assert "合格证书" not in flat and "考试成绩" not in flat


def test_verify_page_and_api_show_an_award(app, client, session):
    user = factories.make_user(session, username="winner01", display_name="赵六")
    cert = award(session, user)
    session.commit()
    page = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "获奖情况" in page and "一等奖（第 1 名）" in page and "竞赛名称" in page
    login(client, "winner01")
    [row] = client.get("/api/certificates").get_json()
    assert (row["kind"], row["award_source"], row["award_source_id"], row["prize"], row["rank"]) == (
        "award", "online_contest", CONTEST_ID, "一等奖", 1)
    assert row["exam_id"] is None and row["score"] is None
    mine = client.get("/certificates/").get_data(as_text=True)
    assert "获奖情况" in mine and "安全生产月知识竞赛" in mine
