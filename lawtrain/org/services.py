"""Department tree use cases and subtree scoping."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lawtrain.auth import audit, names
from lawtrain.auth.models import User, UserRole
from lawtrain.auth.passwords import hash_generated_password, random_password
from lawtrain.auth.roles import ADMIN, LEADER, ROLE_ALIASES
from lawtrain.auth.services import AuthError, login_skeletons, normalize_login, set_roles, validate_login
from lawtrain.org.models import Department
from lawtrain.org.staff_import import ImportProblem, StaffRow


class OrgError(Exception):
    """A department use case refused; the message (translated when shown) is for the person."""


PATH_SEPARATOR = "/"
_BAD_NAME = _l("部门名称不能为空，也不能包含“/”")


def split_path(path: str) -> list[str]:
    """"区应急局/执法大队" -> ["区应急局", "执法大队"] (full-width slashes and spaces tolerated)."""
    path = (path or "").replace("／", "/").replace("\\", "/")
    return [p.strip() for p in path.split("/") if p.strip()]


def _refresh_paths(dept: Department) -> None:
    parent = dept.parent
    dept.id_path = (parent.id_path if parent else "/") + f"{dept.id}/"
    dept.name_path = (parent.name_path + PATH_SEPARATOR if parent else "") + dept.name
    for child in dept.children:
        _refresh_paths(child)


def add_department(session: Session, name: str, parent: Department | None) -> Department:
    """Add a department (flushed, not committed) with its materialised paths."""
    name = (name or "").strip()
    if not name or "/" in name:
        raise OrgError(_BAD_NAME)
    exists = session.scalar(select(Department).where(Department.parent_id == (parent.id if parent else None),
                                                      Department.name == name))
    if exists is not None:
        raise OrgError(_("同一上级下已有部门“%(name)s”", name=name))
    dept = Department(name=name[:64], parent=parent)
    session.add(dept)
    session.flush()
    _refresh_paths(dept)
    return dept


def create_department(session: Session, name: str, parent_id: int | None, *, actor: User, ip: str | None,
                      now: datetime) -> Department:
    parent = session.get(Department, parent_id) if parent_id else None
    dept = add_department(session, name, parent)
    audit.record(session, "department_created", actor=actor, target_type="department", target_id=dept.id,
                 ip=ip, now=now, path=dept.name_path)
    session.commit()
    return dept


def update_department(session: Session, dept: Department, name: str, parent_id: int | None, *, actor: User,
                      ip: str | None, now: datetime) -> None:
    """Rename or move a department; refuses to move it under itself."""
    parent = session.get(Department, parent_id) if parent_id else None
    if parent is not None and parent.id_path.startswith(dept.id_path):
        raise OrgError(_l("不能把部门移动到它自己或它的下级部门之下"))
    name = (name or "").strip()
    if not name or "/" in name:
        raise OrgError(_BAD_NAME)
    clash = session.scalar(select(Department.id).where(
        Department.parent_id == (parent.id if parent else None), Department.name == name[:64],
        Department.id != dept.id))
    if clash is not None:
        raise OrgError(_("同一上级下已有部门“%(name)s”", name=name))
    before = dept.name_path
    dept.name, dept.parent = name[:64], parent
    session.flush()
    _refresh_paths(dept)
    audit.record(session, "department_changed", actor=actor, target_type="department", target_id=dept.id,
                 ip=ip, now=now, before=before, after=dept.name_path)
    session.commit()


def find_by_path(session: Session, path: str) -> Department | None:
    return session.scalar(select(Department).where(Department.name_path == PATH_SEPARATOR.join(split_path(path))))


def ensure_path(session: Session, path: str) -> Department:
    """The department at `path`, creating missing levels (flushed, not committed)."""
    parent = None
    for name in split_path(path):
        dept = session.scalar(select(Department).where(
            Department.parent_id == (parent.id if parent else None), Department.name == name))
        parent = dept or add_department(session, name, parent)
    if parent is None:
        raise OrgError(_l("部门路径为空"))
    return parent


def subtree_ids(session: Session, dept: Department) -> Select:
    """A Select of the ids of `dept` and everything below it."""
    return select(Department.id).where(Department.id_path.startswith(dept.id_path))


def visible_root(user: User) -> Department | None:
    """The department subtree a user may see in reports: None means everything (admin, bureau leader).

    Someone in no department sees nobody: they get an unsaved placeholder department whose subtree is empty
    (None would mean everything)."""
    if user.has_role(ADMIN):
        return None
    if user.department is None:
        return Department(id=0, name="—", name_path="—", id_path="/0/", parent_id=0)
    if user.has_role(LEADER):
        return None if user.department.parent_id is None else user.department
    return user.department


def department_tree(session: Session, root: Department | None = None) -> list[Department]:
    """Departments in tree order (depth-first by materialised path)."""
    stmt = select(Department)
    if root is not None:
        stmt = stmt.where(Department.id_path.startswith(root.id_path))
    depts = list(session.scalars(stmt))
    by_parent: dict[int | None, list[Department]] = {}
    for d in depts:
        by_parent.setdefault(d.parent_id, []).append(d)
    ordered: list[Department] = []

    def walk(parent_id: int | None) -> None:
        for d in sorted(by_parent.get(parent_id, []), key=lambda d: (d.sort_order, d.id)):
            ordered.append(d)
            walk(d.id)

    walk(root.parent_id if root is not None else None)
    return [d for d in ordered if root is None or d.id_path.startswith(root.id_path)]


# ---------------------------------------------------------------- administration read side

def admin_counts(session: Session) -> dict[str, int]:
    """Figures for the admin home: users, active users, departments."""
    return {
        "users": session.scalar(select(func.count(User.id))) or 0,
        "active": session.scalar(select(func.count(User.id)).where(User.is_active_account.is_(True))) or 0,
        "departments": session.scalar(select(func.count(Department.id))) or 0,
    }


def member_counts(session: Session) -> dict[int, int]:
    """Department id -> number of users directly in it."""
    rows = session.execute(
        select(User.department_id, func.count(User.id)).where(User.department_id.is_not(None))
        .group_by(User.department_id)
    )
    return {dept_id: n for dept_id, n in rows}


def subtree_totals(depts: list[Department], direct: dict[int, int]) -> dict[int, int]:
    """Department id -> members in it and everything below it."""
    totals = dict.fromkeys((d.id for d in depts), 0)
    by_id = {d.id: d for d in depts}
    for dept_id, n in direct.items():
        for ancestor in (by_id[dept_id].id_path.strip("/").split("/") if dept_id in by_id else []):
            if int(ancestor) in totals:
                totals[int(ancestor)] += n
    return totals


def user_query(session: Session, *, q: str = "", department_id: int | None = None, role: str | None = None,
               active: bool | None = None) -> Select:
    """Users matching the admin's search and filters, by department then name, as a Select to paginate."""
    stmt = select(User).outerjoin(Department, User.department_id == Department.id)
    q = (q or "").strip()[:64]
    if q:
        # contains(autoescape=True) escapes % and _ so the text is matched literally; values are bound.
        stmt = stmt.where(or_(
            User.username.contains(normalize_login(q), autoescape=True),
            User.display_name.contains(q, autoescape=True),
            User.staff_no.icontains(q, autoescape=True),
        ))
    if department_id:
        dept = session.get(Department, department_id)
        stmt = stmt.where(User.department_id.in_(subtree_ids(session, dept))) if dept else stmt.where(false())
    if role:
        stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if active is not None:
        stmt = stmt.where(User.is_active_account.is_(active))
    return stmt.order_by(Department.name_path, User.staff_no, User.id)


def audit_events(*, action: str | None = None, actor: str | None = None, since: datetime | None = None,
                 until: datetime | None = None) -> Select:
    """Audit events for the log page (naive UTC bounds, `until` exclusive), newest first."""
    stmt = audit.audit_query(action or None, normalize_login(actor) if actor else None, since)
    if until is not None:
        stmt = stmt.where(audit.AuditEvent.at < until)
    return stmt


def audit_actions(session: Session) -> list[str]:
    return list(session.scalars(select(audit.AuditEvent.action).distinct().order_by(audit.AuditEvent.action)))


# ---------------------------------------------------------------- bulk staff import

class StaffImportError(OrgError):
    """The file has problems; nothing was written. `problems` lists every one of them."""

    def __init__(self, problems: list[ImportProblem]):
        super().__init__(_("共 %(n)d 处问题，未导入任何账号", n=len(problems)))
        self.problems = problems


@dataclass
class ImportedAccount:
    line: int
    username: str
    display_name: str
    staff_no: str
    department: str
    roles: tuple[str, ...]
    initial_password: str = ""


@dataclass
class ImportResult:
    accounts: list[ImportedAccount] = field(default_factory=list)
    new_departments: list[str] = field(default_factory=list)
    dry_run: bool = False


def _resolve_roles(labels: tuple[str, ...]) -> tuple[set[str], list[str]]:
    roles, unknown = set(), []
    for label in labels:
        role = ROLE_ALIASES.get(label) or ROLE_ALIASES.get(label.casefold())
        if role is None:
            unknown.append(label)
        else:
            roles.add(role)
    return roles, unknown


def _existing(session: Session, column, values: list[str]) -> dict[str, str]:
    """Which of `values` already exist in `column`, mapped to the owner's login (queried in chunks)."""
    found: dict[str, str] = {}
    for i in range(0, len(values), 500):
        chunk = values[i:i + 500]
        for value, login in session.execute(select(column, User.username).where(column.in_(chunk))):
            found[value] = login
    return found


def _department_problem(session: Session, path: str) -> str:
    """Why `path` names no department, with a suggestion when a longer path ends with it."""
    hint = session.scalar(select(Department.name_path).where(Department.name_path.endswith("/" + path,
                                                                                             autoescape=True)))
    if hint:
        return _("部门“%(path)s”不存在，是否应写作“%(hint)s”？", path=path, hint=hint)
    return _("部门“%(path)s”不存在；请先在“部门管理”中创建，或勾选“自动创建不存在的部门”", path=path)


def _check_rows(session: Session, rows: list[StaffRow], create_missing_departments: bool):
    """Every rule, checked in bulk; returns (problems, planned accounts with role sets, missing paths)."""
    problems: list[ImportProblem] = []
    planned: list[tuple[ImportedAccount, set[str]]] = []
    seen_staff: dict[str, int] = {}
    seen_login: dict[str, int] = {}
    known_paths: dict[str, bool] = {}
    missing_paths: list[str] = []
    taken_staff = _existing(session, User.staff_no, sorted({r.staff_no for r in rows if r.staff_no}))
    logins = sorted({normalize_login(r.username) for r in rows if r.username})
    taken_login = _existing(session, User.username, logins)
    skeletons = login_skeletons(session) if rows else {}
    seen_skeleton: dict[str, tuple[str, int]] = {}

    for row in rows:
        def bad(column: str, message: str, row=row) -> None:
            problems.append(ImportProblem(row.line, column, message))

        staff_no = row.staff_no
        reported = len(problems)
        if not staff_no:
            bad("工号", _("工号不能为空"))
        elif len(staff_no) > 32:
            bad("工号", _("工号过长（最多 32 个字符）"))
        elif staff_no in seen_staff:
            bad("工号", _("工号“%(no)s”与第%(line)d行重复", no=staff_no, line=seen_staff[staff_no]))
        elif staff_no in taken_staff:
            bad("工号", _("工号“%(no)s”已被账号“%(login)s”使用", no=staff_no, login=taken_staff[staff_no]))
        seen_staff.setdefault(staff_no, row.line)

        login_column = "工号" if row.username_from_staff_no else "登录名"
        login = normalize_login(row.username)
        # A login derived from a 工号 already reported would only repeat the same complaint.
        if row.username and not (row.username_from_staff_no and len(problems) > reported):
            try:
                login = validate_login(row.username)
            except AuthError as e:
                bad(login_column, _("“%(login)s”不能用作登录名：%(why)s", login=row.username, why=str(e)))
            else:
                if login in seen_login:
                    bad(login_column, _("登录名“%(login)s”与第%(line)d行重复", login=login, line=seen_login[login]))
                elif login in taken_login:
                    bad(login_column, _("登录名“%(login)s”已存在", login=login))
                elif (twin := names.lookalike_of(login, skeletons)) is not None:
                    bad(login_column, _("登录名“%(login)s”与已有账号“%(other)s”形近，容易混淆，请换一个",
                                        login=login, other=twin))
                elif seen_skeleton.get(names.skeleton(login), (login, 0))[0] != login:
                    other, line = seen_skeleton[names.skeleton(login)]
                    bad(login_column, _("登录名“%(login)s”与第%(line)d行的“%(other)s”形近，容易混淆",
                                        login=login, line=line, other=other))
                seen_login.setdefault(login, row.line)
                seen_skeleton.setdefault(names.skeleton(login), (login, row.line))

        if not row.name:
            bad("姓名", _("姓名不能为空"))
        elif len(row.name) > 64:
            bad("姓名", _("姓名过长（最多 64 个字符）"))

        roles, unknown = _resolve_roles(row.roles)
        if unknown:
            bad("角色", _("未知角色“%(roles)s”；可填：学员、培训管理员、领导、系统管理员", roles="、".join(unknown)))

        path = PATH_SEPARATOR.join(split_path(row.department))
        if not path:
            bad("部门", _("部门不能为空，请填写部门路径，如“区应急局/执法大队”"))
        elif any(len(part) > 64 for part in split_path(path)):
            bad("部门", _("部门名称过长（每级最多 64 个字符）"))
        else:
            if path not in known_paths:
                known_paths[path] = find_by_path(session, path) is not None
                if not known_paths[path] and create_missing_departments:
                    missing_paths.append(path)
            if not known_paths[path] and not create_missing_departments:
                bad("部门", _department_problem(session, path))
        planned.append((ImportedAccount(row.line, login, row.name, staff_no, path, tuple(sorted(roles))), roles))
    return problems, planned, missing_paths


def import_staff(session: Session, rows: list[StaffRow], *, create_missing_departments: bool, dry_run: bool,
                 actor: User | None, ip: str | None, now: datetime,
                 password_factory: Callable[[], str] = random_password) -> ImportResult:
    """Create every account in the roster, or none: any problem raises StaffImportError, nothing written.

    Imported accounts get random initial passwords and must change them at first sign-in.
    """
    if not rows:
        raise StaffImportError([ImportProblem(0, "", _("文件中没有人员数据"))])
    problems, planned, missing_paths = _check_rows(session, rows, create_missing_departments)
    if problems:  # checked before anything changed: nothing to undo
        raise StaffImportError(problems)
    result = ImportResult(accounts=[a for a, _ in planned], new_departments=missing_paths, dry_run=dry_run)
    if dry_run:
        return result
    for account in result.accounts:
        account.initial_password = password_factory()
    # Random initial passwords need no slow hash (see hash_generated_password); still use several cores.
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        hashes = list(pool.map(hash_generated_password, (a.initial_password for a in result.accounts)))
    try:
        departments = {path: ensure_path(session, path) for path in {a.department for a in result.accounts}}
        for (account, roles), pw_hash in zip(planned, hashes, strict=True):
            user = User(username=account.username, display_name=account.display_name, staff_no=account.staff_no,
                        department_id=departments[account.department].id, password_hash=pw_hash,
                        must_change_password=True, is_active_account=True, created_at=now)
            set_roles(user, roles)
            session.add(user)
        audit.record(session, "users_imported", actor=actor, target_type="user", ip=ip, now=now,
                     count=len(result.accounts), new_departments=missing_paths)
        session.commit()
    except (IntegrityError, OrgError, AuthError) as e:
        # Someone created a clashing account between the check and the commit.
        session.rollback()
        raise StaffImportError([ImportProblem(0, "", _("导入时发生冲突，未导入任何账号，请重新上传：%(why)s",
                                                        why=str(e)))]) from e
    return result
