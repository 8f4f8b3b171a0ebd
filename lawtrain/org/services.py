"""Department tree use cases and subtree scoping."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lawtrain.auth import audit
from lawtrain.auth.models import User
from lawtrain.auth.roles import ADMIN, LEADER
from lawtrain.org.models import Department


class OrgError(Exception):
    """A department use case refused; the message is shown to the person."""


PATH_SEPARATOR = "/"


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
        raise OrgError("部门名称不能为空，也不能包含“/”")
    exists = session.scalar(select(Department).where(Department.parent_id == (parent.id if parent else None),
                                                      Department.name == name))
    if exists is not None:
        raise OrgError(f"同一上级下已有部门“{name}”")
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
        raise OrgError("不能把部门移动到它自己或它的下级部门之下")
    name = (name or "").strip()
    if not name or "/" in name:
        raise OrgError("部门名称不能为空，也不能包含“/”")
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
        raise OrgError("部门路径为空")
    return parent


def subtree_ids(session: Session, dept: Department) -> Select:
    """A Select of the ids of `dept` and everything below it."""
    return select(Department.id).where(Department.id_path.startswith(dept.id_path))


def visible_root(user: User) -> Department | None:
    """The department subtree a user may see in reports: None means everything (admin, bureau leader)."""
    if user.has_role(ADMIN):
        return None
    if user.has_role(LEADER) and user.department is not None:
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
