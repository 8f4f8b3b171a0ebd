"""Two app servers behind one load balancer: a flow begun on one goes on on the other (pending imports,
uploads, the seal and the organisation settings live in the database, not on a server's disk)."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from lawtrain.auth.models import User
from lawtrain.banks.models import Question
from tests import factories
from tests.conftest import login
from tests.web.test_certificates_seal import _images_in, _png

BANK_CSV = ("题型,题干,A,B,C,D,答案,解析,依据,编号\n"
            "单选题,生产经营单位的主要负责人是本单位安全生产的什么人？,第一责任人,协助人,监督人,旁观者,A,,"
            "安全生产法 第5条,X-1\n"
            "判断题,从业人员有权拒绝违章指挥。,,,,,对,,安全生产法 第54条,X-2\n").encode()
STAFF_CSV = "工号,姓名,部门,角色,登录名\nS9001,王五,区应急局,学员,wangwu\nS9002,赵六,区应急局,学员,\n".encode()


def test_a_bank_uploaded_on_one_server_is_previewed_and_confirmed_on_the_other(client, other_server, session,
                                                                               login_as):
    login_as("trainer")
    r = client.post("/banks/import", data={"bank_id": "0", "new_bank_name": "两台服务器题库", "fmt": "",
                                           "file": (io.BytesIO(BANK_CSV), "题库.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    preview = r.headers["Location"]
    page = other_server.get(preview)
    assert page.status_code == 200 and "生产经营单位的主要负责人" in page.get_data(as_text=True)
    assert other_server.post(preview).status_code == 302
    assert session.scalar(select(func.count(Question.id))) == 2
    assert client.get(preview).status_code == 404  # used up, on every server


def test_a_staff_import_previewed_on_one_server_is_confirmed_on_the_other(client, other_server, session, login_as):
    factories.make_department(session, path="区应急局")
    login_as("admin")
    page = client.post("/admin/import", data={"file": (io.BytesIO(STAFF_CSV), "名单.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    token = re.search(r'action="/admin/import/([A-Za-z0-9_-]+)"', page).group(1)
    r = other_server.post(f"/admin/import/{token}")
    assert r.status_code == 302
    assert session.scalar(select(User).where(User.username == "wangwu")) is not None
    result = client.get(r.headers["Location"])  # the initial passwords, shown by the first server
    assert result.status_code == 200 and "wangwu" in result.get_data(as_text=True)
    assert "wangwu" in other_server.get(f"/admin/import/{token}/accounts.csv").get_data(as_text=True)


def test_the_seal_uploaded_on_one_server_is_printed_by_the_other(client, other_server, session):
    admin = factories.make_user(session, roles=["admin"])
    staff = factories.make_user(session)
    cert = factories.make_certificate(session, staff, factories.make_exam(session, users=[staff]))
    assert login(client, admin.username).status_code == 302
    assert client.post("/certificates/seal", data={"file": (io.BytesIO(_png()), "印章.png")},
                       content_type="multipart/form-data").status_code == 302
    pdf = other_server.get(f"/certificates/{cert.id}.pdf")
    assert pdf.status_code == 200 and _images_in(pdf.data) == 1


def test_organisation_settings_saved_on_one_server_apply_on_the_other(client, other_server, login_as):
    login_as("admin")
    r = client.post("/settings/", data={"org_name": "某某区应急管理局", "cert_prefix": "mmyj", "base_url": ""})
    assert r.status_code == 302
    page = other_server.get("/settings/").get_data(as_text=True)
    assert "某某区应急管理局" in page and 'value="MMYJ"' in page
