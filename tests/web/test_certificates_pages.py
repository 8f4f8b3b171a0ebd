"""Certificate pages: my certificates, downloads, trainer lists and zip, revoke, the JSON list, verification."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

import pytest
from pypdf import PdfReader

from lawtrain.certificates import services
from lawtrain.certificates.views import mask_name
from tests import factories
from tests.conftest import login

SETTINGS = services.CertificateSettings(prefix="BSYJ", valid_years=3)


def issue(session, user, exam=None, *, score=88.0, when=datetime(2025, 6, 16, 1, 30), settings=SETTINGS):
    exam = exam or factories.make_exam(session, title="安全生产法 年度考试")
    attempt = factories.make_attempt(session, exam, user, score=score, submitted_at=when)
    return services.issue_for_attempt(session, attempt, settings, now=when)


@pytest.mark.parametrize("name,masked", [("张晓伟", "张*伟"), ("张伟", "张*"), ("欧阳娜娜", "欧**娜"), ("王", "*")])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_staff_list_and_download_their_own_certificate(client, session, login_as):
    user = login_as("staff", display_name="张晓伟")
    cert = issue(session, user)
    page = client.get("/certificates/").get_data(as_text=True)
    assert "我的证书" in page and cert.serial in page and "安全生产法 年度考试" in page
    assert f"/certificates/{cert.id}.pdf" in page
    response = client.get(f"/certificates/{cert.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    if "STSong" not in services.get_cjk_font(None):
        assert "张晓伟" in text and cert.serial in text
    home = client.get("/home/staff").get_data(as_text=True)
    assert "我的证书" in home


def test_a_revoked_certificate_is_not_downloadable_by_its_holder(client, session, login_as):
    user = login_as("staff")
    cert = issue(session, user)
    services.revoke_certificate(session, cert, "考试作弊", factories.make_user(session, roles=["admin"]),
                                datetime(2025, 7, 1, 2))
    response = client.get(f"/certificates/{cert.id}.pdf")
    assert response.status_code == 302
    page = client.get("/certificates/").get_data(as_text=True)
    assert "已撤销" in page and "考试作弊" in page and f"/certificates/{cert.id}.pdf" not in page


def test_another_staff_members_certificate_is_unreachable(client, session, login_as):
    other = factories.make_user(session)
    cert = issue(session, other)
    login_as("staff")
    assert client.get(f"/certificates/{cert.id}.pdf").status_code == 404
    assert cert.serial not in client.get("/certificates/").get_data(as_text=True)
    assert client.get("/api/certificates").get_json() == []


def test_api_lists_the_users_certificates(app, client, session, login_as):
    user = login_as("staff")
    cert = issue(session, user)
    data = client.get("/api/certificates").get_json()
    assert len(data) == 1
    item = data[0]
    assert item["serial"] == cert.serial and item["status"] == "valid"
    assert item["exam_title"] == "安全生产法 年度考试"
    assert item["pdf_url"] == f"/certificates/{cert.id}.pdf"
    assert item["verify_url"] == f"http://lawtrain.test/verify/{cert.code}"
    assert item["issued_at"].startswith("2025-06-16T01:30:00")
    assert client.get(item["pdf_url"]).status_code == 200
    app.config["LAWTRAIN_BASE_URL"] = "https://peixun.bsyj.gov.cn/"
    assert client.get("/api/certificates").get_json()[0]["verify_url"] == (
        f"https://peixun.bsyj.gov.cn/verify/{cert.code}")


def test_api_needs_sign_in(client):
    response = client.get("/api/certificates")
    assert response.status_code == 401 and response.is_json


def test_verify_page_for_a_valid_certificate(app, client, session, now):
    user = factories.make_user(session, display_name="张晓伟")
    cert = issue(session, user)
    page = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "有效" in page and "张*伟" in page and "张晓伟" not in page
    for expected in (cert.serial, "安全生产法 年度考试", "88 分", "上海市宝山区应急管理局", "2025-06-16", "2028-06-15"):
        assert expected in page, expected
    assert 'name="robots" content="noindex"' in page


def test_verify_page_for_an_expired_certificate(client, session):
    cert = issue(session, factories.make_user(session), when=datetime(2020, 1, 10, 2))
    assert cert.valid_until.isoformat() == "2023-01-09"
    page = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "已过期" in page and "2023-01-09" in page


def test_verify_page_for_a_revoked_certificate(client, session, now):
    admin = factories.make_user(session, roles=["admin"])
    cert = issue(session, factories.make_user(session))
    services.revoke_certificate(session, cert, "考试作弊", admin, datetime(2025, 7, 1, 2))
    page = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "已撤销" in page and "考试作弊" in page and "2025-07-01" in page


def test_unknown_code_says_so_and_guessing_is_throttled(app, client, session):
    response = client.get("/verify/not-a-real-code")
    assert response.status_code == 404
    assert "未找到该证书" in response.get_data(as_text=True)
    cert = issue(session, factories.make_user(session))
    for i in range(29):
        assert client.get(f"/verify/guess{i}").status_code == 404
    assert client.get(f"/verify/{cert.code}").status_code == 200  # real codes still answer below the limit
    response = client.get(f"/verify/{cert.code}")
    assert response.status_code == 200
    assert client.get("/verify/guess-30").status_code == 404
    response = client.get("/verify/guess-31")
    assert response.status_code == 429 and "过于频繁" in response.get_data(as_text=True)
    assert client.get(f"/verify/{cert.code}").status_code == 200  # a valid code is never blocked (issue 15)


def test_trainer_lists_and_zips_an_exams_certificates(client, session, login_as):
    exam = factories.make_exam(session, title="安全生产法 年度考试")
    people = [factories.make_user(session, display_name=n, staff_no=s) for n, s in (("李四", "S02"), ("王五", "S03"))]
    certs = [issue(session, p, exam) for p in people]
    login_as("trainer")
    page = client.get("/certificates/manage").get_data(as_text=True)
    assert "安全生产法 年度考试" in page and f"/certificates/exams/{exam.id}" in page
    page = client.get(f"/certificates/exams/{exam.id}").get_data(as_text=True)
    assert all(c.serial in page for c in certs) and "有效" in page
    with client.get(f"/certificates/exams/{exam.id}/zip") as response:  # closing it closes the spooled file
        assert response.status_code == 200 and response.mimetype == "application/zip"
        names = sorted(zipfile.ZipFile(io.BytesIO(response.data)).namelist())
    assert names == sorted(f"{c.staff_no}_{c.person_name}_{c.serial}.pdf" for c in certs)
    assert client.get(f"/certificates/{certs[0].id}.pdf").status_code == 200
    assert client.get("/certificates/exams/999999/zip").status_code == 404


def test_admin_revokes_with_a_reason(client, session, login_as):
    cert = issue(session, factories.make_user(session))
    login_as("admin")
    form = client.get(f"/certificates/{cert.id}/revoke").get_data(as_text=True)
    assert cert.serial in form and 'name="reason"' in form
    response = client.post(f"/certificates/{cert.id}/revoke", data={"reason": ""})
    assert response.status_code == 200 and "请填写撤销原因" in response.get_data(as_text=True)
    assert cert.revoked_at is None
    response = client.post(f"/certificates/{cert.id}/revoke", data={"reason": "证书信息有误"})
    assert response.status_code == 302
    session.refresh(cert)
    assert cert.revoke_reason == "证书信息有误"
    assert "已撤销" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_trainer_cannot_revoke(client, session, login_as):
    cert = issue(session, factories.make_user(session))
    login_as("trainer")
    assert client.post(f"/certificates/{cert.id}/revoke", data={"reason": "x"}).status_code == 403


def test_leaders_see_their_subtree_only(client, session):
    bureau = factories.make_department(session, path="区应急局")
    team = factories.make_department(session, path="区应急局/执法大队")
    office = factories.make_department(session, path="区应急局/办公室")
    exam = factories.make_exam(session, title="年度考试")
    inside = issue(session, factories.make_user(session, department=team, display_name="队员甲"), exam)
    outside = issue(session, factories.make_user(session, department=office, display_name="科员乙"), exam)
    leader = factories.make_user(session, roles=["leader"], department=team)
    assert login(client, leader.username).status_code == 302
    page = client.get(f"/certificates/exams/{exam.id}").get_data(as_text=True)
    assert inside.serial in page and outside.serial not in page
    assert client.get(f"/certificates/{inside.id}.pdf").status_code == 200
    assert client.get(f"/certificates/{outside.id}.pdf").status_code == 404
    assert re.search(r"年度考试", client.get("/certificates/manage").get_data(as_text=True))
    assert client.get(f"/certificates/exams/{exam.id}/zip").status_code == 403
    chief = factories.make_user(session, roles=["leader"], department=bureau)
    client2 = client.application.test_client()
    assert login(client2, chief.username).status_code == 302
    page = client2.get(f"/certificates/exams/{exam.id}").get_data(as_text=True)
    assert inside.serial in page and outside.serial in page


def test_navigation_entries(client, login_as):
    login_as("staff")
    assert 'href="/certificates/"' in client.get("/home/staff").get_data(as_text=True)
    client.post("/auth/logout")
    login_as("trainer")
    assert "证书管理" in client.get("/home/trainer").get_data(as_text=True)


def test_training_certificate_from_the_assignment_form_to_the_verify_page(client, session, login_as, now):
    from sqlalchemy import select

    from lawtrain.courses.models import TrainingAssignment
    from lawtrain.courses.study import record_module_check

    dept = factories.make_department(session, path="区应急局/执法大队")
    staff = factories.make_user(session, department=dept, display_name="张晓伟", staff_no="BS007")
    modules = [factories.make_course_module(session, min_minutes=0) for _ in range(2)]
    login_as("trainer")
    form = client.get("/courses/assignments/new").get_data(as_text=True)
    assert 'name="awards_certificate"' in form
    response = client.post("/courses/assignments/new", data={
        "title": "法治入门学习", "scope": "modules", "modules": [str(m.id) for m in modules],
        "departments": [str(dept.id)], "due_date": "2099-12-31", "awards_certificate": "y", "submit": "发布任务"})
    assert response.status_code == 302
    assignment = session.scalar(select(TrainingAssignment))
    assert assignment.awards_certificate
    assert "自动获得培训合格证书" in client.get(response.headers["Location"]).get_data(as_text=True)
    for m in modules:
        record_module_check(session, staff, m, passed=True, score=100.0, now=now)

    page = client.get("/certificates/manage").get_data(as_text=True)
    assert "培训合格证书" in page and f"/certificates/assignments/{assignment.id}" in page
    page = client.get(f"/certificates/assignments/{assignment.id}").get_data(as_text=True)
    assert "张晓伟" in page and "完成 2 个学习模块" in page and "学习情况" in page
    with client.get(f"/certificates/assignments/{assignment.id}/zip") as response:
        assert response.status_code == 200
        [name] = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert name.startswith("BS007_张晓伟_BSYJ-") and name.endswith(".pdf")
    client.post("/auth/logout")

    login_as(staff)
    [item] = client.get("/api/certificates").get_json()
    assert (item["kind"], item["assignment_id"], item["exam_id"], item["status"]) == (
        "training", assignment.id, None, "valid")
    assert item["modules"] == 2 and item["score"] is None and item["exam_title"] == "法治入门学习"
    assert client.get(item["pdf_url"]).mimetype == "application/pdf"
    mine = client.get("/certificates/").get_data(as_text=True)
    assert "法治入门学习" in mine and "完成 2 个学习模块" in mine
    client.post("/auth/logout")
    verify = client.get(item["verify_url"].split("localhost", 1)[-1]).get_data(as_text=True)
    assert "培训任务" in verify and "法治入门学习" in verify and "张*伟" in verify and "考试成绩" not in verify


def test_training_certificates_stay_in_the_leaders_subtree_and_revoke_back_to_their_list(client, session, login_as):
    from lawtrain.certificates.models import Certificate

    team = factories.make_department(session, path="区应急局/执法大队")
    office = factories.make_department(session, path="区应急局/办公室")
    module = factories.make_course_module(session, min_minutes=0)
    a = factories.make_assignment(session, modules=[module], departments=[team, office], awards_certificate=True)
    inside, outside = (factories.make_user(session, department=d) for d in (team, office))
    for person in (inside, outside):
        factories.make_study_record(session, person, module, completed_at=datetime(2025, 6, 1))
    services.issue_missing(session, SETTINGS, now=datetime(2025, 6, 2))
    certs = {c.user_id: c for c in session.query(Certificate).all()}
    login_as(factories.make_user(session, roles=["leader"], department=team))
    page = client.get(f"/certificates/assignments/{a.id}").get_data(as_text=True)
    assert certs[inside.id].serial in page and certs[outside.id].serial not in page
    assert client.get(f"/certificates/assignments/{a.id}/zip").status_code == 403
    assert client.get("/certificates/assignments/999999").status_code == 404
    client.post("/auth/logout")
    login_as("admin")
    response = client.post(f"/certificates/{certs[inside.id].id}/revoke", data={"reason": "信息有误"})
    assert response.headers["Location"].endswith(f"/certificates/assignments/{a.id}")


def test_bulk_zip_leaves_out_revoked_certificates_and_a_revoked_copy_is_stamped(client, session, login_as):
    exam = factories.make_exam(session, title="年度考试")
    kept, withdrawn = (issue(session, factories.make_user(session), exam) for _ in range(2))
    services.revoke_certificate(session, withdrawn, "信息有误", factories.make_user(session, roles=["admin"]),
                                datetime(2025, 7, 1))
    login_as("trainer")
    with client.get(f"/certificates/exams/{exam.id}/zip") as response:
        names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert [n for n in names if kept.serial in n] and not [n for n in names if withdrawn.serial in n]
    copy = client.get(f"/certificates/{withdrawn.id}.pdf")  # a trainer may still fetch it for the record
    assert copy.status_code == 200
    if "STSong" not in services.get_cjk_font(None):
        assert "已撤销" in PdfReader(io.BytesIO(copy.data)).pages[0].extract_text()
