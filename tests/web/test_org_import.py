"""Bulk staff import through the browser flow (upload -> preview -> confirm -> result) and the CLI."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from sqlalchemy import func, select

from lawtrain.auth.audit import AuditEvent
from lawtrain.auth.models import User
from lawtrain.org.models import Department
from tests.conftest import login
from tests.factories import make_department, make_user

HEADER = "工号,姓名,部门,角色,登录名\n"


def _users(session) -> int:
    return session.scalar(select(func.count(User.id)))


def _upload(client, data: bytes, name: str, create_departments: bool = False):
    form = {"file": (io.BytesIO(data), name)}
    if create_departments:
        form["create_missing_departments"] = "y"
    return client.post("/admin/import", data=form, content_type="multipart/form-data")


def _token(html: str) -> str:
    return re.search(r'action="/admin/import/([A-Za-z0-9_-]+)"', html).group(1)


def test_upload_page_offers_file_input_and_checkbox(client, login_as):
    login_as("admin")
    html = client.get("/admin/import").get_data(as_text=True)
    assert 'accept=".xlsx,.csv"' in html and "自动创建不存在的部门" in html and 'type="file"' in html


def test_preview_shows_errors_inline_and_offers_no_confirm(client, session, login_as):
    login_as("admin")
    make_department(session, path="区应急局/执法大队")
    csv = HEADER + "S1,张三,区应急局/执法大队,,\nS2,李四,区应急局/不存在科,,\nS1,王五,区应急局/执法大队,处长,\n"
    before = _users(session)
    html = _upload(client, csv.encode("gb18030"), "名单.csv").get_data(as_text=True)
    assert "发现 3 处问题，未导入任何账号" in html  # the login derived from the duplicate 工号 is not repeated
    assert "第3行 “部门”列：部门“区应急局/不存在科”不存在" in html
    assert "第4行 “工号”列：工号“S1”与第2行重复" in html
    assert "第4行 “角色”列：未知角色“处长”" in html
    assert 'class="table-danger"' in html and "✓ 可导入" in html  # row 2 is fine, the others marked
    assert 'action="/admin/import/' not in html  # no confirm button
    assert _users(session) == before


def test_confirm_imports_and_result_offers_passwords_and_safe_csv(app, client, session, login_as):
    admin = login_as("admin")
    wb = Workbook()
    ws = wb.active
    ws.append(["员工编号", "name", "部门", "role", "用户名"])
    ws.append(["S1", "张三", "区应急局/新科", "学员", None])
    ws.append(["S2", "@李四", "区应急局/新科", "培训管理员、领导", "lisi"])  # a formula-looking name
    out = io.BytesIO()
    wb.save(out)
    html = _upload(client, out.getvalue(), "roster.xlsx", create_departments=True).get_data(as_text=True)
    assert "检查通过：将创建 2 个账号" in html and "将新建部门：区应急局/新科" in html
    assert _users(session) == 1  # preview writes nothing
    token = _token(html)

    response = client.post(f"/admin/import/{token}")
    assert response.status_code == 302
    assert _users(session) == 3
    lisi = session.scalar(select(User).where(User.username == "lisi"))
    assert lisi.must_change_password and lisi.roles == {"trainer", "leader"}
    assert lisi.department.name_path == "区应急局/新科"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "users_imported"))
    assert event.actor_id == admin.id and '"count": 2' in event.detail

    result = client.get(response.headers["Location"]).get_data(as_text=True)
    passwords = re.findall(r'<code class="user-select-all">([^<]+)</code>', result)
    assert len(passwords) == 2
    assert login(app.test_client(), "s1", passwords[0]).status_code == 302

    csv = client.get(f"/admin/import/{token}/accounts.csv")
    assert csv.headers["Content-Type"].startswith("text/csv") and csv.headers["Cache-Control"] == "private, no-store"
    text = csv.data.decode("utf-8-sig")
    assert "'@李四" in text and passwords[1] in text

    # A second confirm of the same token cannot import again.
    assert client.post(f"/admin/import/{token}").status_code == 404
    assert _users(session) == 3

    # Another admin cannot read this admin's result; clearing removes it.
    other = app.test_client()
    login(other, make_user(session, roles=["admin"]).username)
    assert other.get(f"/admin/import/{token}/result").status_code == 404
    assert client.post(f"/admin/import/{token}/discard").status_code == 302
    assert client.get(f"/admin/import/{token}/result").status_code == 404


def test_confirm_rechecks_and_imports_nothing_when_the_database_changed(client, session, login_as):
    login_as("admin")
    make_department(session, path="区应急局")
    html = _upload(client, (HEADER + "S1,张三,区应急局,,\nS2,李四,区应急局,,\n").encode(), "a.csv"
                   ).get_data(as_text=True)
    token = _token(html)
    make_user(session, username="s2")  # someone took the login meanwhile
    before = _users(session)
    html = client.post(f"/admin/import/{token}").get_data(as_text=True)
    assert "第3行 “工号”列：登录名“s2”已存在" in html
    assert _users(session) == before


def test_not_a_spreadsheet_is_refused(client, login_as):
    login_as("admin")
    html = _upload(client, b"PK\x03\x04garbage", "a.xlsx").get_data(as_text=True)
    assert "文件不是有效的 Excel" in html
    html = _upload(client, b"hello", "a.pdf").get_data(as_text=True)
    assert "只支持 .xlsx 和 .csv 文件" in html


def test_tokens_are_bound_to_the_uploading_admins_session(app, client, session, login_as):
    login_as("admin")
    make_department(session, path="区应急局")
    token = _token(_upload(client, (HEADER + "S1,张三,区应急局,,\n").encode(), "a.csv").get_data(as_text=True))
    assert len(token) >= 40
    other = app.test_client()
    login(other, make_user(session, roles=["admin"]).username)
    assert other.post(f"/admin/import/{token}").status_code == 404
    assert _users(session) == 2


def test_staff_cannot_import(client, login_as):
    login_as("staff")
    assert _upload(client, (HEADER + "S1,张三,区应急局,,\n").encode(), "a.csv").status_code == 403


# ---------------------------------------------------------------- CLI

def test_cli_dry_run_writes_nothing(runner, session, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes((HEADER + "S1,张三,区应急局/执法大队,,\n").encode("gb18030"))
    result = runner.invoke(args=["import-users", str(path), "--dry-run", "--create-departments"])
    assert result.exit_code == 0, result.output
    assert "将创建 1 个账号" in result.output and "区应急局/执法大队" in result.output
    assert _users(session) == 0 and session.scalar(select(func.count(Department.id))) == 0


def test_cli_imports_and_prints_initial_passwords(runner, session, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes((HEADER + "S1,张三,区应急局/执法大队,,\nS2,李四,区应急局,领导,\n").encode("utf-8-sig"))
    result = runner.invoke(args=["import-users", str(path), "--create-departments"])
    assert result.exit_code == 0, result.output
    assert "已导入 2 个账号" in result.output
    line = next(x for x in result.output.splitlines() if x.strip().startswith("s1"))
    assert len(line.split("\t")[-1]) == 10
    assert _users(session) == 2


def test_cli_prints_every_problem_and_exits_1(runner, session, tmp_path):
    make_department(session, path="区应急局")
    path = tmp_path / "roster.csv"
    path.write_bytes((HEADER + "S1,张三,区应急局/不存在科,,\nS2,,区应急局,,\nS3,王五,区应急局,,\n").encode())
    result = runner.invoke(args=["import-users", str(path)])
    assert result.exit_code == 1
    assert "第2行 “部门”列：部门“区应急局/不存在科”不存在" in result.stderr
    assert "第3行 “姓名”列：姓名不能为空" in result.stderr
    assert _users(session) == 0

    result = runner.invoke(args=["import-users", str(tmp_path / "missing.csv")])
    assert result.exit_code == 1 and "无法读取文件" in result.stderr
