"""Training assignments: who must study which modules, and creating them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lawtrain import signals
from lawtrain.auth import audit
from lawtrain.auth.models import User, UserRole
from lawtrain.auth.roles import STAFF
from lawtrain.courses.models import (
    AssignmentDepartment,
    AssignmentModule,
    AssignmentUser,
    CourseModule,
    TrainingAssignment,
)
from lawtrain.courses.services import CourseError
from lawtrain.i18n import translate as _
from lawtrain.org.models import Department
from lawtrain.timeutil import local_date


def _ancestor_ids(dept: Department | None) -> list[int]:
    if dept is None:
        return []
    return [int(p) for p in dept.id_path.strip("/").split("/") if p]


def assignments_for_user(session: Session, user: User) -> list[TrainingAssignment]:
    """Assignments naming the person or a department they belong to (at any level above)."""
    ancestors = _ancestor_ids(user.department)
    conditions = [TrainingAssignment.id.in_(select(AssignmentUser.assignment_id)
                                            .where(AssignmentUser.user_id == user.id))]
    if ancestors and user.has_role(STAFF):
        conditions.append(TrainingAssignment.id.in_(select(AssignmentDepartment.assignment_id)
                                                    .where(AssignmentDepartment.department_id.in_(ancestors))))
    return list(session.scalars(select(TrainingAssignment).where(or_(*conditions))
                                .order_by(TrainingAssignment.due_date.is_(None), TrainingAssignment.due_date,
                                          TrainingAssignment.id)))


def assignment_module_ids(session: Session, assignment: TrainingAssignment) -> list[int]:
    """The modules an assignment covers: its listed modules, or every module of its law."""
    if assignment.law_name:
        return list(session.scalars(select(CourseModule.id).where(CourseModule.law_name == assignment.law_name)
                                    .order_by(CourseModule.sort_order, CourseModule.id)))
    return [link.module_id for link in assignment.module_links]


def assigned_user_ids(session: Session, assignment: TrainingAssignment) -> set[int]:
    """Everyone the assignment covers: named people, plus active staff in the named departments' subtrees."""
    ids = {link.user_id for link in assignment.user_links}
    dept_ids = [link.department_id for link in assignment.department_links]
    if dept_ids:
        paths = list(session.scalars(select(Department.id_path).where(Department.id.in_(dept_ids))))
        if paths:
            stmt = (select(User.id).join(Department, User.department_id == Department.id)
                    .where(User.is_active_account.is_(True),
                           User.id.in_(select(UserRole.user_id).where(UserRole.role == STAFF)),
                           or_(*[Department.id_path.startswith(p) for p in paths])))
            ids.update(session.scalars(stmt))
    return ids


def create_assignment(session: Session, *, title: str, module_ids: list[int], law_name: str | None,
                      department_ids: list[int], user_ids: list[int], due_date: date | None, note: str | None,
                      actor: User | None, now: datetime, usernames: list[str] | tuple[str, ...] = (),
                      awards_certificate: bool = False) -> TrainingAssignment:
    """Assign modules (or a whole law's course) to departments and/or people (ids, logins or staff numbers)."""
    title = (title or "").strip()
    user_ids = list(user_ids)
    if usernames:
        wanted = {u.strip().casefold(): u for u in usernames if u.strip()}
        found = session.execute(select(User.id, User.username, User.staff_no).where(
            or_(User.username.in_(list(wanted)), User.staff_no.in_(list(wanted.values()))))).all()
        known = {n for _id, name, no in found for n in (name, (no or "").casefold()) if n}
        unknown = [orig for key, orig in wanted.items() if key not in known]
        if unknown:
            raise CourseError(_("找不到这些人员：%(names)s", names="、".join(unknown[:10])))
        user_ids += [row[0] for row in found]
    if not title:
        raise CourseError(_("请填写任务名称"))
    if not law_name and not module_ids:
        raise CourseError(_("请选择要学习的模块，或选择整部法律"))
    if not department_ids and not user_ids:
        raise CourseError(_("请选择参加学习的部门或人员"))
    if due_date is not None and due_date < local_date(now):
        raise CourseError(_("截止日期不能早于今天"))
    found = set(session.scalars(select(CourseModule.id).where(CourseModule.id.in_(module_ids or [0]))))
    if set(module_ids) - found:
        raise CourseError(_("所选模块不存在，请刷新页面后重试"))
    assignment = TrainingAssignment(title=title[:200], law_name=law_name or None, due_date=due_date,
                                    note=(note or "").strip() or None, created_by_id=getattr(actor, "id", None),
                                    created_at=now, awards_certificate=awards_certificate)
    assignment.module_links = [AssignmentModule(module_id=m) for m in dict.fromkeys(module_ids)]
    assignment.department_links = [AssignmentDepartment(department_id=d) for d in dict.fromkeys(department_ids)]
    assignment.user_links = [AssignmentUser(user_id=u) for u in dict.fromkeys(user_ids)]
    session.add(assignment)
    session.flush()
    audit.record(session, "assignment.created", actor=actor, target_type="training_assignment",
                 target_id=assignment.id, now=now, title=assignment.title,
                 awards_certificate=assignment.awards_certificate)
    signals.assignment_created.send(None, session=session, assignment=assignment, now=now)
    session.commit()
    return assignment
