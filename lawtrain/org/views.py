"""Administration: users, departments, bulk staff import, audit log (system administrators only)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from lawtrain import nav
from lawtrain.auth import audit as audit_log
from lawtrain.auth import services as auth
from lawtrain.auth.models import User
from lawtrain.auth.policy import ADMINS, roles_required
from lawtrain.auth.roles import ADMIN, ROLE_LABELS
from lawtrain.auth.sessions import client_ip
from lawtrain.extensions import db
from lawtrain.forms import choices
from lawtrain.org import services
from lawtrain.org.forms import (
    NO_DEPARTMENT,
    AuditFilterForm,
    DepartmentForm,
    StaffImportForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
)
from lawtrain.org.import_store import ImportStore
from lawtrain.org.models import Department
from lawtrain.org.staff_import import parse_staff_file
from lawtrain.spreadsheet import csv_bytes
from lawtrain.timeutil import from_local, utcnow

bp = Blueprint("org", __name__, url_prefix="/admin")
PER_PAGE = 30
_IMPORT_SESSION_KEY = "org_import_tokens"

ACTION_LABELS = audit_log.ACTION_LABELS  # every area adds its own (audit.describe)


def _user_names(session, ids: list[int]) -> dict[int, str]:
    rows = session.execute(select(User.id, User.display_name, User.username).where(User.id.in_(ids)))
    return {i: f"{name}（{login}）" for i, name, login in rows}


def _department_names(session, ids: list[int]) -> dict[int, str]:
    return dict(session.execute(select(Department.id, Department.name_path).where(Department.id.in_(ids))).all())


def _roles_text(value) -> str:
    return "、".join(str(ROLE_LABELS.get(r, r)) for r in value) if isinstance(value, list) else str(value)


audit_log.describe(
    actions={
        "login": _l("登录"), "logout": _l("退出"), "login_failed": _l("登录失败"), "login_throttled": _l("登录受限"),
        "password_changed": _l("修改密码"), "password_reset": _l("重置密码"), "user_created": _l("创建用户"),
        "user_changed": _l("修改用户"), "user_activated": _l("启用用户"), "user_deactivated": _l("停用用户"),
        "users_imported": _l("批量导入用户"), "department_created": _l("创建部门"),
        "department_changed": _l("修改部门"), "settings.changed": _l("修改系统设置"),
    },
    targets={"user": (_l("用户"), _user_names), "department": (_l("部门"), _department_names),
             "settings": (_l("系统设置"), None)},
    details={"roles": _l("角色"), "department": _l("部门"), "display_name": _l("姓名"), "staff_no": _l("工号"),
             "username": _l("登录名"), "before": _l("修改前"), "after": _l("修改后"), "count": _l("数量"),
             "created": _l("新建"), "updated": _l("更新"), "path": _l("部门"), "user": _l("人员"),
             "title": _l("标题"), "reason": _l("原因"), "why": _l("原因"), "org_name": _l("单位名称"),
             "cert_prefix": _l("证书编号前缀"), "base_url": _l("访问地址")},
    formatters={"roles": audit_log.change_text(_roles_text), "department": audit_log.change_text(),
                "display_name": audit_log.change_text(), "staff_no": audit_log.change_text()},
)


# ---------------------------------------------------------------- helpers

def _department_choices(first_label, exclude: Department | None = None) -> list:
    """The department tree for a <select>, indented by depth; `exclude` drops a subtree (moving)."""
    pairs = [(NO_DEPARTMENT, str(first_label))]
    for d in services.department_tree(db.session):
        if exclude is not None and d.id_path.startswith(exclude.id_path):
            continue
        pairs.append((d.id, "\u3000" * d.depth + ("└ " if d.depth else "") + d.name))
    return choices(pairs)


def _user_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def _form_error(form, error: auth.AuthError) -> None:
    """Attach a service's refusal to the field it is about (else to the form as a whole)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        form.form_errors.append(str(error))


def _store() -> ImportStore:
    return ImportStore(db.session)


def _own_token(token: str) -> str:
    """Only a token this admin's own session created (and the store checks the owner too)."""
    if token not in session.get(_IMPORT_SESSION_KEY, []):
        abort(404)
    return token


def _dept_id(value: int) -> int | None:
    return value if value and value != NO_DEPARTMENT else None


def counts_panel(db_session, user, now) -> dict:
    return {"counts": services.admin_counts(db_session)}


# ---------------------------------------------------------------- home

@bp.route("/")
@roles_required(*ADMINS)
def index():
    return render_template("org/index.html", counts=services.admin_counts(db.session))


# ---------------------------------------------------------------- users

@bp.route("/users")
@roles_required(*ADMINS)
def users():
    form = UserFilterForm(request.args)
    form.department.choices = _department_choices(_l("全部部门"))
    valid = form.validate()
    stmt = services.user_query(
        db.session, q=form.q.data or "" if valid else "",
        department_id=_dept_id(form.department.data) if valid else None,
        role=form.role.data or None if valid else None,
        active={"1": True, "0": False}.get(form.active.data) if valid else None,
    )
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    filters = {k: v for k, v in request.args.items() if k in ("q", "department", "role", "active") and v}
    return render_template("org/users.html", form=form, page=page, filters=filters)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(*ADMINS)
def create_user():
    form = UserCreateForm()
    form.department_id.choices = _department_choices(_l("（不属于任何部门）"))
    if form.validate_on_submit():
        try:
            user, initial = auth.create_user(
                db.session, actor=current_user, ip=client_ip(), now=utcnow(), username=form.username.data,
                display_name=form.display_name.data, staff_no=form.staff_no.data, roles=form.roles.data,
                department_id=_dept_id(form.department_id.data), password=form.password.data or None,
                must_change=form.must_change.data)
        except auth.AuthError as e:
            _form_error(form, e)
        else:
            shown = None if form.password.data else initial  # a chosen password is never echoed back
            return render_template("org/user_password.html", user=user, password=shown, created=True)
    return render_template("org/create_user.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_user(user_id: int):
    user = _user_or_404(user_id)
    form = UserEditForm(obj=user)
    form.department_id.choices = _department_choices(_l("（不属于任何部门）"))
    if request.method == "GET":
        form.department_id.data = user.department_id or NO_DEPARTMENT
    if form.validate_on_submit():
        try:
            auth.update_user(db.session, user, actor=current_user, ip=client_ip(), now=utcnow(),
                             display_name=form.display_name.data, staff_no=form.staff_no.data,
                             department_id=_dept_id(form.department_id.data), roles=form.roles.data)
        except auth.AuthError as e:
            _form_error(form, e)
        else:
            flash(_("已保存 %(name)s 的资料", name=user.display_name), "success")
            return redirect(url_for("org.edit_user", user_id=user.id))
    return render_template("org/edit_user.html", form=form, user=user)


def _set_active(user_id: int, active: bool):
    user = _user_or_404(user_id)
    try:
        auth.set_active(db.session, user, active, actor=current_user, ip=client_ip(), now=utcnow())
    except auth.AuthError as e:
        flash(str(e), "danger")
    else:
        flash(_("已启用账号 %(login)s", login=user.username) if active
              else _("已停用账号 %(login)s，其登录会话已全部结束", login=user.username), "success")
    return redirect(url_for("org.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@roles_required(*ADMINS)
def deactivate_user(user_id: int):
    return _set_active(user_id, False)


@bp.route("/users/<int:user_id>/activate", methods=["POST"])
@roles_required(*ADMINS)
def activate_user(user_id: int):
    return _set_active(user_id, True)


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@roles_required(*ADMINS)
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    initial = auth.reset_password(db.session, user, actor=current_user, ip=client_ip(), now=utcnow())
    return render_template("org/user_password.html", user=user, password=initial, created=False)


# ---------------------------------------------------------------- departments

@bp.route("/departments", methods=["GET", "POST"])
@roles_required(*ADMINS)
def departments():
    form = DepartmentForm()
    form.parent_id.choices = _department_choices(_l("（顶级部门）"))
    if form.validate_on_submit():
        try:
            dept = services.create_department(db.session, form.name.data, _dept_id(form.parent_id.data),
                                              actor=current_user, ip=client_ip(), now=utcnow())
        except services.OrgError as e:
            form.name.errors = [*form.name.errors, str(e)]
        else:
            flash(_("已创建部门 %(path)s", path=dept.name_path), "success")
            return redirect(url_for("org.departments"))
    tree = services.department_tree(db.session)
    direct = services.member_counts(db.session)
    return render_template("org/departments.html", form=form, tree=tree, direct=direct,
                           totals=services.subtree_totals(tree, direct))


@bp.route("/departments/<int:dept_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_department(dept_id: int):
    dept = db.session.get(Department, dept_id) or abort(404)
    form = DepartmentForm(obj=dept)
    form.parent_id.choices = _department_choices(_l("（顶级部门）"), exclude=dept)
    if request.method == "GET":
        form.parent_id.data = dept.parent_id or NO_DEPARTMENT
    if form.validate_on_submit():
        try:
            services.update_department(db.session, dept, form.name.data, _dept_id(form.parent_id.data),
                                       actor=current_user, ip=client_ip(), now=utcnow())
        except services.OrgError as e:
            form.name.errors = [*form.name.errors, str(e)]
        else:
            flash(_("已保存部门 %(path)s", path=dept.name_path), "success")
            return redirect(url_for("org.departments"))
    return render_template("org/edit_department.html", form=form, dept=dept,
                           members=services.member_counts(db.session).get(dept.id, 0))


# ---------------------------------------------------------------- bulk import

@bp.route("/import", methods=["GET", "POST"])
@roles_required(*ADMINS)
def import_staff():
    form = StaffImportForm()
    if not form.validate_on_submit():
        return render_template("org/import_staff.html", form=form)
    upload = form.file.data
    filename = upload.filename or ""
    rows, problems = parse_staff_file(upload.read(), filename)
    create_missing = form.create_missing_departments.data
    result, problems = _check_import(rows, problems, create_missing)
    token = None
    if not problems:
        token = _store().save_pending(rows, filename=filename, create_missing_departments=create_missing,
                                      user_id=current_user.id, now=utcnow())
        session[_IMPORT_SESSION_KEY] = [*session.get(_IMPORT_SESSION_KEY, [])[-4:], token]
    return _preview(rows, problems, result, token, filename)


def _preview(rows, problems, result, token, filename):
    by_line: dict[int, list] = {}
    for p in problems:
        by_line.setdefault(p.line, []).append(p)
    return render_template("org/import_preview.html", rows=rows, problems=problems, by_line=by_line,
                           result=result, token=token, filename=filename)


def _check_import(rows, problems, create_missing: bool):
    """A dry run: every problem in the file (shape and rules), or the plan."""
    try:
        result = services.import_staff(db.session, rows, create_missing_departments=create_missing, dry_run=True,
                                       actor=current_user, ip=client_ip(), now=utcnow())
    except services.StaffImportError as e:
        return None, problems + [p for p in e.problems if p.line or not problems]
    return (None if problems else result), problems


@bp.route("/import/<token>", methods=["POST"])
@roles_required(*ADMINS)
def confirm_import(token: str):
    store, now = _store(), utcnow()
    pending = store.load_pending(_own_token(token), user_id=current_user.id, now=now) or abort(404)
    try:
        result = services.import_staff(db.session, pending["rows"], dry_run=False, actor=current_user,
                                       create_missing_departments=pending["create_missing_departments"],
                                       ip=client_ip(), now=now)
    except services.StaffImportError as e:
        store.discard(token)
        return _preview(pending["rows"], e.problems, None, None, pending["filename"])
    store.save_result(token, [vars(a) for a in result.accounts], user_id=current_user.id, now=now)
    flash(_("已导入 %(n)s 个账号", n=len(result.accounts)), "success")
    return redirect(url_for("org.import_result", token=token))


@bp.route("/import/<token>/result")
@roles_required(*ADMINS)
def import_result(token: str):
    accounts = _store().load_result(_own_token(token), user_id=current_user.id, now=utcnow())
    if accounts is None:
        abort(404)
    return render_template("org/import_result.html", accounts=accounts, token=token)


@bp.route("/import/<token>/accounts.csv")
@roles_required(*ADMINS)
def import_accounts_csv(token: str):
    accounts = _store().load_result(_own_token(token), user_id=current_user.id, now=utcnow())
    if accounts is None:
        abort(404)
    header = [_("工号"), _("姓名"), _("部门"), _("登录名"), _("初始密码")]
    body = csv_bytes(header, ([a["staff_no"], a["display_name"], a["department"], a["username"],
                               a["initial_password"]] for a in accounts))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=imported-accounts.csv", "Cache-Control": "no-store"})


@bp.route("/import/<token>/discard", methods=["POST"])
@roles_required(*ADMINS)
def discard_import(token: str):
    _store().discard(_own_token(token))
    session[_IMPORT_SESSION_KEY] = [t for t in session.get(_IMPORT_SESSION_KEY, []) if t != token]
    flash(_("已清除本次导入的初始密码记录"), "info")
    return redirect(url_for("org.users"))


@bp.route("/import/template.csv")
@roles_required(*ADMINS)
def import_template():
    body = csv_bytes(["工号", "姓名", "部门", "角色", "登录名"], [
        ["S1001", "张三", "区应急局/执法大队", "学员", ""],
        ["S1002", "李四", "区应急局/政策法规科", "学员、培训管理员", "lisi"],
    ])
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=staff-import-template.csv"})


# ---------------------------------------------------------------- audit log

@bp.route("/audit")
@roles_required(*ADMINS)
def audit():
    form = AuditFilterForm(request.args)
    actions = services.audit_actions(db.session)
    form.action.choices = choices([("", _("全部操作"))] + [(a, str(ACTION_LABELS.get(a, a))) for a in actions])
    valid = form.validate()
    start, end = (form.start.data, form.end.data) if valid else (None, None)
    stmt = services.audit_events(
        action=form.action.data if valid else None, actor=form.actor.data if valid else None,
        since=from_local(datetime.combine(start, time())) if start else None,
        until=from_local(datetime.combine(end, time()) + timedelta(days=1)) if end else None)
    page = db.paginate(stmt, per_page=50, error_out=False)
    filters = {k: v for k, v in request.args.items() if k in ("action", "actor", "start", "end") and v}
    return render_template("org/audit.html", form=form, page=page, filters=filters, labels=ACTION_LABELS,
                           targets=audit_log.TARGET_KINDS, names=audit_log.target_names(db.session, page.items),
                           actors=_user_names(db.session, sorted({e.actor_id for e in page.items if e.actor_id})),
                           fields=audit_log.detail_fields)


nav.add_nav(_l("系统管理"), "org.index", ADMINS, order=90)
nav.add_home_panel("org/_home_panel.html", {ADMIN}, counts_panel, order=10)
