"""Bulk staff import: all or nothing, checked against the database; department tree edits."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lawtrain.auth.audit import AuditEvent
from lawtrain.auth.models import User
from lawtrain.auth.passwords import verify_password
from lawtrain.org.models import Department
from lawtrain.org.services import (
    OrgError,
    StaffImportError,
    admin_counts,
    find_by_path,
    import_staff,
    update_department,
    user_query,
)
from lawtrain.org.staff_import import parse_staff_file
from tests.factories import make_department, make_user


def _users(session) -> int:
    return session.scalar(select(func.count(User.id)))


def _csv(*lines: str) -> list:
    rows, problems = parse_staff_file(("工号,姓名,部门,角色,登录名\n" + "\n".join(lines) + "\n").encode(), "f.csv")
    assert problems == []
    return rows


def _import(session, rows, now, **kw):
    kw.setdefault("create_missing_departments", False)
    kw.setdefault("dry_run", False)
    return import_staff(session, rows, actor=None, ip="10.0.0.1", now=now, **kw)


def test_good_file_creates_accounts_that_must_change_password(session, now):
    make_department(session, path="区应急局/执法大队")
    rows = _csv("S1,张三,区应急局/执法大队,学员,", "S2,李四,区应急局/执法大队,领导、培训管理员,lisi")
    result = _import(session, rows, now)
    assert [a.username for a in result.accounts] == ["s1", "lisi"]
    lisi = session.scalar(select(User).where(User.username == "lisi"))
    assert lisi.roles == {"leader", "trainer"} and lisi.must_change_password and lisi.staff_no == "S2"
    assert lisi.department.name_path == "区应急局/执法大队"
    assert verify_password(lisi.password_hash, result.accounts[1].initial_password)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "users_imported"))
    assert '"count": 2' in event.detail and event.ip == "10.0.0.1"


def test_one_bad_row_among_ten_leaves_the_user_count_unchanged(session, now):
    make_department(session, path="区应急局/执法大队")
    make_user(session, username="someone")
    before = _users(session)
    lines = [f"S{i},人员{i},区应急局/执法大队,学员," for i in range(1, 10)]
    lines.insert(6, "S99,坏行,区应急局/执法大队,处长,")  # an unknown role
    with pytest.raises(StaffImportError) as exc:
        _import(session, _csv(*lines), now)
    assert [str(p) for p in exc.value.problems] == [
        "第8行 “角色”列：未知角色“处长”；可填：学员、培训管理员、领导、系统管理员"]
    assert _users(session) == before
    assert session.scalar(select(func.count(AuditEvent.id))) == 0


def test_missing_department_reported_unless_creation_allowed(session, now):
    make_department(session, path="区应急局/执法大队")
    rows = _csv("S1,张三,区应急局/不存在科,学员,", "S2,李四,执法大队,学员,")
    with pytest.raises(StaffImportError) as exc:
        _import(session, rows, now)
    texts = [str(p) for p in exc.value.problems]
    assert texts[0].startswith("第2行 “部门”列：部门“区应急局/不存在科”不存在")
    assert "是否应写作“区应急局/执法大队”" in texts[1]
    assert find_by_path(session, "区应急局/不存在科") is None

    rows = _csv("S1,张三,区应急局/不存在科,学员,", "S2,李四,区应急局/新科/一组,学员,")
    result = _import(session, rows, now, create_missing_departments=True)
    assert result.new_departments == ["区应急局/不存在科", "区应急局/新科/一组"]
    assert find_by_path(session, "区应急局/新科/一组").users[0].display_name == "李四"


def test_duplicates_in_file_and_against_existing_users(session, now):
    make_department(session, path="区应急局")
    make_user(session, username="taken", staff_no="E1")
    rows = _csv("E1,甲,区应急局,,", "A2,乙,区应急局,,TAKEN", "A3,丙,区应急局,,", "A3,丁,区应急局,,x3",
                "A5,戊,区应急局,,ａ３", "A6,,区应急局,,", "A7,庚,,,", "A8,辛,区应急局,,bad name!")
    with pytest.raises(StaffImportError) as exc:
        _import(session, rows, now)
    texts = [str(p) for p in exc.value.problems]
    assert "第2行 “工号”列：工号“E1”已被账号“taken”使用" in texts
    assert "第3行 “登录名”列：登录名“taken”已存在" in texts
    assert "第5行 “工号”列：工号“A3”与第4行重复" in texts
    assert "第6行 “登录名”列：登录名“a3”与第4行重复" in texts  # full-width variant of a3
    assert "第7行 “姓名”列：姓名不能为空" in texts
    assert any(t.startswith("第8行 “部门”列：部门不能为空") for t in texts)
    assert any(t.startswith("第9行 “登录名”列：“bad name!”不能用作登录名") for t in texts)
    assert _users(session) == 1


def test_dry_run_writes_nothing(session, now):
    rows = _csv("S1,张三,区应急局/新科,学员,")
    result = _import(session, rows, now, dry_run=True, create_missing_departments=True)
    assert result.dry_run and result.new_departments == ["区应急局/新科"]
    assert result.accounts[0].initial_password == ""
    assert _users(session) == 0 and session.scalar(select(func.count(Department.id))) == 0


def test_department_cannot_move_under_itself_or_clash(session, now):
    admin = make_user(session, roles=["admin"])
    top = make_department(session, path="区应急局/执法大队/一中队")
    bureau, team = find_by_path(session, "区应急局"), find_by_path(session, "区应急局/执法大队")
    with pytest.raises(OrgError, match="不能把部门移动到它自己"):
        update_department(session, team, "执法大队", top.id, actor=admin, ip=None, now=now)
    session.rollback()
    make_department(session, path="区应急局/办公室")
    with pytest.raises(OrgError, match="已有部门"):
        update_department(session, team, "办公室", bureau.id, actor=admin, ip=None, now=now)
    session.rollback()
    update_department(session, top, "一中队", bureau.id, actor=admin, ip=None, now=now)
    assert top.name_path == "区应急局/一中队"


@pytest.mark.parametrize("q", ["%", "_", "' OR 1=1 --", ".*", "x" * 5000, "\\", "[a-z]"])
def test_user_search_is_literal(app, session, q):
    make_user(session, display_name="张三")
    stmt = user_query(session, q=q)
    assert session.scalars(stmt).all() == []


def test_user_search_and_filters(session):
    dept = make_department(session, path="区应急局/执法大队")
    sub = make_department(session, path="区应急局/执法大队/一中队")
    a = make_user(session, display_name="张三丰", username="zhangsf", staff_no="Z100", department=sub)
    b = make_user(session, roles=["leader"], display_name="李四", department=dept, is_active_account=False)
    make_user(session, display_name="王五")
    assert session.scalars(user_query(session, q="三丰")).all() == [a]
    assert session.scalars(user_query(session, q="ZHANGSF")).all() == [a]
    assert session.scalars(user_query(session, q="z100")).all() == [a]
    assert set(session.scalars(user_query(session, department_id=dept.id))) == {a, b}
    assert session.scalars(user_query(session, role="leader")).all() == [b]
    assert session.scalars(user_query(session, active=False)).all() == [b]
    assert admin_counts(session) == {"users": 3, "active": 2, "departments": 3}
