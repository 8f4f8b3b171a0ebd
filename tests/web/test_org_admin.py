"""Administration pages through the client: users, departments, audit log, access."""

from __future__ import annotations

import re

from sqlalchemy import select

from lawtrain.auth.audit import AuditEvent
from lawtrain.auth.models import User
from lawtrain.extensions import db
from lawtrain.org.services import find_by_path
from tests.conftest import csrf_token_from, login
from tests.factories import PASSWORD, make_department, make_user


def test_admin_creates_a_user_and_sees_the_initial_password_once(client, session, login_as):
    login_as("admin")
    dept = make_department(session, path="区应急局/执法大队")
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert "\u3000└ 执法大队" in page  # the tree, indented
    response = client.post("/admin/users/new", data={
        "username": "ZhangWei", "display_name": "张伟", "staff_no": "S0100", "department_id": dept.id,
        "roles": ["staff", "trainer"], "must_change": "y"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    user = session.scalar(select(User).where(User.username == "zhangwei"))
    assert user.roles == {"staff", "trainer"} and user.department_id == dept.id and user.must_change_password
    assert "初始密码只显示这一次" in html
    password = html.split('id="initial-password">')[1].split("<")[0]
    assert login(client.application.test_client(), "zhangwei", password).status_code == 302
    # The user's own page never shows it again.
    assert password not in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "user_created")) is not None


def test_create_user_errors_are_shown_on_the_field(client, session, login_as):
    login_as("admin")
    make_user(session, username="taken")
    html = client.post("/admin/users/new", data={"username": "TAKEN", "display_name": "x", "department_id": 0,
                                                 "roles": ["staff"]}).get_data(as_text=True)
    assert "登录名“taken”已存在" in html and 'id="username-error"' in html
    html = client.post("/admin/users/new", data={"username": "newbie", "display_name": "x",
                                                 "department_id": 0}).get_data(as_text=True)
    assert "请至少选择一个角色" in html


def test_edit_moves_user_between_departments_and_changes_roles(client, session, login_as):
    login_as("admin")
    a = make_department(session, path="区应急局/办公室")
    b = make_department(session, path="区应急局/执法大队")
    user = make_user(session, department=a)
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="staff"', page) and not re.search(r'<input checked[^>]*"leader"', page)
    assert re.search(rf'<option selected value="{a.id}">', page)
    response = client.post(f"/admin/users/{user.id}", data={
        "display_name": "新名字", "staff_no": "X9", "department_id": b.id, "roles": ["leader"]})
    assert response.status_code == 302
    session.refresh(user)
    assert (user.display_name, user.staff_no, user.department_id, user.roles) == ("新名字", "X9", b.id, {"leader"})
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user_changed"))
    assert "department" in event.detail and "roles" in event.detail


def test_deactivate_ends_the_users_session_and_activate_restores(app, client, session, login_as):
    login_as("admin")
    user = make_user(session)
    theirs = app.test_client()
    login(theirs, user.username)
    assert theirs.get("/home/staff").status_code == 200
    assert client.post(f"/admin/users/{user.id}/deactivate").status_code == 302
    response = theirs.get("/home/staff")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert login(app.test_client(), user.username).status_code == 200  # refused
    client.post(f"/admin/users/{user.id}/activate")
    assert login(app.test_client(), user.username).status_code == 302


def test_admin_cannot_deactivate_themselves(client, session, login_as):
    admin = login_as("admin")
    response = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "不能停用自己的账号" in response.get_data(as_text=True)
    session.refresh(admin)
    assert admin.is_active_account


def test_reset_password_shows_new_password_and_revokes_sessions(app, client, session, login_as):
    login_as("admin")
    user = make_user(session)
    theirs = app.test_client()
    login(theirs, user.username)
    html = client.post(f"/admin/users/{user.id}/reset-password").get_data(as_text=True)
    password = html.split('id="initial-password">')[1].split("<")[0]
    assert theirs.get("/home/staff").status_code == 302
    assert login(app.test_client(), user.username, PASSWORD).status_code == 200
    assert login(app.test_client(), user.username, password).status_code == 302


def test_staff_trainer_leader_are_refused(app, session):
    victim = make_user(session)
    for role in ("staff", "trainer", "leader"):
        client = app.test_client()
        login(client, make_user(session, roles=[role]).username)
        response = client.post("/admin/users/new", data={"username": "evil", "display_name": "x",
                                                         "roles": ["admin"], "department_id": 0})
        assert response.status_code == 403, role
        assert client.post(f"/admin/users/{victim.id}/reset-password").status_code == 403
        assert client.get("/admin/audit").status_code == 403
    assert session.scalar(select(User).where(User.username == "evil")) is None


def test_user_list_search_is_safe_and_paginated(client, session, login_as):
    login_as("admin")
    for i in range(35):
        make_user(session, display_name=f"成员{i:02d}")
    html = client.get("/admin/users").get_data(as_text=True)
    assert "共 36 人" in html and "page=2" in html
    for q in ("%", "' OR 1=1 --", "(" * 200, "x" * 10000):
        response = client.get("/admin/users", query_string={"q": q})
        assert response.status_code == 200
    assert "共 1 人" in client.get("/admin/users", query_string={"q": "成员07"}).get_data(as_text=True)
    assert client.get("/admin/users", query_string={"page": "9999", "department": "abc"}).status_code == 200


def test_departments_tree_create_rename_move(client, session, login_as):
    login_as("admin")
    bureau = make_department(session, path="区应急局")
    team = make_department(session, path="区应急局/执法大队")
    make_user(session, department=team)
    html = client.get("/admin/departments").get_data(as_text=True)
    assert "dept-depth-1" in html and "1 人" in html
    assert client.post("/admin/departments", data={"name": "一中队", "parent_id": team.id}).status_code == 302
    squad = find_by_path(session, "区应急局/执法大队/一中队")
    assert squad is not None
    html = client.post(f"/admin/departments/{team.id}", data={"name": "执法大队", "parent_id": squad.id}
                       ).get_data(as_text=True)
    assert "不是有效的选择" in html and find_by_path(session, "区应急局/执法大队") is not None  # subtree not offered
    response = client.post(f"/admin/departments/{squad.id}", data={"name": "一中队（新）", "parent_id": bureau.id})
    assert response.status_code == 302
    assert find_by_path(session, "区应急局/一中队（新）") is not None
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"department_created", "department_changed"} <= actions


def test_audit_log_filters(client, session, login_as, now):
    admin = login_as("admin")
    make_user(session, username="bob")
    client.post("/auth/logout")
    login(client, "bob", "wrong-password-1")
    login(client, admin.username)
    html = client.get("/admin/audit", query_string={"action": "login_failed"}).get_data(as_text=True)
    assert "登录失败" in html and "共 1 条" in html
    html = client.get("/admin/audit", query_string={"actor": admin.username.upper()}).get_data(as_text=True)
    assert "共 3 条" in html  # login, logout, login by the admin; the login name matched case-insensitively
    html = client.get("/admin/audit", query_string={"start": "2000-01-01", "end": "2000-01-02"}).get_data(as_text=True)
    assert "共 0 条" in html
    assert client.get("/admin/audit", query_string={"start": "not-a-date"}).status_code == 200


def test_admin_home_and_home_panel(client, session, login_as):
    login_as("admin")
    make_user(session, is_active_account=False)
    html = client.get("/admin/").get_data(as_text=True)
    assert "用户总数" in html and "/admin/users" in html and "/admin/import" in html and "/admin/audit" in html
    html = client.get("/home/admin").get_data(as_text=True)
    assert "admin-panel-title" in html and "批量导入" in html


def test_csrf_is_required_for_admin_posts(csrf_app):
    session = db.session
    client = csrf_app.test_client()
    admin = make_user(session, roles=["admin"])
    page = client.get("/auth/login").get_data(as_text=True)
    client.post("/auth/login", data={"username": admin.username, "password": PASSWORD,
                                     "csrf_token": csrf_token_from(page)})
    user = make_user(session)
    assert client.post(f"/admin/users/{user.id}/deactivate").status_code == 400
    token = csrf_token_from(client.get(f"/admin/users/{user.id}").get_data(as_text=True))
    assert client.post(f"/admin/users/{user.id}/deactivate", data={"csrf_token": token}).status_code == 302
