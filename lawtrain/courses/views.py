"""Pages of the courses area: the law library, modules and study, assignments, revision review, the ledger."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from lawtrain import nav
from lawtrain.auth.policy import TRAINERS, TRAINERS_AND_LEADERS, login_required, roles_required
from lawtrain.auth.roles import ADMIN, LEADER, STAFF, TRAINER
from lawtrain.courses import assignments as training_assignments
from lawtrain.courses import links, queries, services, study
from lawtrain.courses.forms import AssignmentForm, CourseUploadForm, LawUploadForm, ModuleForm
from lawtrain.courses.lawtext import LawTextError, parse_law_file, short_name_of
from lawtrain.courses.models import (
    MODULE_NEEDS_REVIEW,
    CourseModule,
    Law,
    LawRevision,
    TrainingAssignment,
)
from lawtrain.courses.modules import format_article_spec
from lawtrain.extensions import db
from lawtrain.forms import choices
from lawtrain.html import render_markdown
from lawtrain.org.models import Department
from lawtrain.org.services import department_tree, visible_root
from lawtrain.timeutil import local_date, utcnow

bp = Blueprint("courses", __name__, url_prefix="/courses")
# Article references anywhere (reviews, explanations, module text) link to the law library and the module.
bp.add_app_template_filter(links.link_articles, "link_articles")
bp.add_app_template_global(links.article_url, "article_url")
bp.add_app_template_global(links.module_for, "module_for")
bp.add_app_template_filter(links.highlight, "highlight")

CHANNEL_LABELS = {"reading": _l("课程学习"), "practice": _l("练习"), "exam": _l("考试")}


def _module(module_id: int) -> CourseModule:
    return db.session.get(CourseModule, module_id) or abort(404)


def _today() -> date:
    return local_date(utcnow())


def _is_staff_only() -> bool:
    return not current_user.has_role(TRAINER, LEADER, ADMIN)


def _report_root() -> Department | None:
    """The subtree a trainer (everything), admin (everything) or leader (their own) may see."""
    if current_user.has_role(TRAINER, ADMIN):
        return None
    return visible_root(current_user)


# ------------------------------------------------------------------ study


@bp.route("/")
@login_required
def index():
    groups, records = queries.progress_by_law(db.session, current_user)
    tasks = queries.my_assignments(db.session, current_user, _today())
    return render_template("courses/index.html", groups=groups, records=records, tasks=tasks)


@bp.route("/tasks")
@login_required
def tasks():
    return render_template("courses/tasks.html", tasks=queries.my_assignments(db.session, current_user, _today()))


@bp.route("/modules/<int:module_id>")
@login_required
def module(module_id: int):
    m = _module(module_id)
    record = queries.records_for(db.session, current_user.id, [m.id]).get(m.id)
    return render_template(
        "courses/module.html", m=m, record=record, body=links.link_articles_html(render_markdown(m.body), m.law_name),
        articles=queries.articles_for_module(db.session, m),
        credited=study.can_credit(db.session, current_user, m),
        minutes_left=study.required_minutes_left(record, m),
        has_check="exams.module_check" in current_app.view_functions,
        article_spec=format_article_spec(m.articles))


@bp.route("/modules/<int:module_id>/heartbeat", methods=["POST"])
@login_required
def heartbeat(module_id: int):
    """Reading-time heartbeat; the body is ignored: the server measures the time itself."""
    m = db.session.get(CourseModule, module_id)
    if m is None:
        return jsonify(error=_("模块不存在")), 404
    result = study.record_heartbeat(db.session, current_user, m, now=utcnow())
    return jsonify(dataclasses.asdict(result))


# ------------------------------------------------------------------ module authoring and review


@bp.route("/manage")
@roles_required(*TRAINERS)
def manage():
    return _manage_page(CourseUploadForm())


def _manage_page(upload: CourseUploadForm):
    modules = db.session.scalars(queries.modules_select()).all()
    return render_template("courses/manage.html", modules=modules, laws=queries.laws_with_counts(db.session),
                           upload=upload)


@bp.post("/manage/import")
@roles_required(*TRAINERS)
def course_import():
    """Upload module files (a .zip of law folders with modules/*.md) instead of running flask import-course."""
    form = CourseUploadForm()
    if form.validate_on_submit():
        try:
            report = services.import_course_archive(db.session, form.file.data.read(), now=utcnow(),
                                                    actor=current_user)
        except services.CourseError as e:
            form.file.errors.append(_("无法导入 %(name)s：%(why)s", name=form.file.data.filename, why=str(e)))
        else:
            flash(_("课程模块已导入：新建 %(c)d 个，更新 %(u)d 个。", c=len(report.created), u=len(report.updated)),
                  "success")
            return redirect(url_for("courses.manage"))
    return _manage_page(form), 400


def _law_choices() -> list[tuple[str, str]]:
    names = [law.short_name for law in db.session.scalars(select(Law).order_by(Law.id))]
    names += [n for n in db.session.scalars(select(CourseModule.law_name).distinct()) if n not in names]
    return choices([(n, n) for n in names])


@bp.route("/modules/new", methods=["GET", "POST"])
@bp.route("/modules/<int:module_id>/edit", methods=["GET", "POST"])
@roles_required(*TRAINERS)
def module_edit(module_id: int | None = None):
    m = _module(module_id) if module_id is not None else None
    form = ModuleForm(obj=m) if m is not None and request.method == "GET" else ModuleForm()
    form.law.choices = _law_choices()
    if m is not None and request.method == "GET":
        form.law.data, form.articles.data = m.law_name, format_article_spec(m.articles)
        form.objectives.data, form.key_points.data = "\n".join(m.objectives), "\n".join(m.key_points)
        form.banks.data = ", ".join(m.bank_names)
    preview = None
    if form.validate_on_submit():
        if form.preview.data:
            preview = render_markdown(form.body.data)
        else:
            data = services.ModuleData(
                title=form.title.data.strip(), law_name=form.law.data, articles=form.article_numbers(),
                estimated_minutes=form.estimated_minutes.data,
                min_study_minutes=form.min_study_minutes.data or form.estimated_minutes.data,
                objectives=form.objective_list(), key_points=form.key_point_list(), body=form.body.data,
                bank_names=form.bank_list(), is_open=form.is_open.data)
            try:
                m = services.save_module(db.session, m, data, actor=current_user, now=utcnow())
            except services.CourseError as e:
                form.articles.errors.append(str(e))
            else:
                flash(_("模块已保存"), "success")
                return redirect(url_for("courses.module", module_id=m.id))
    return render_template("courses/module_edit.html", form=form, m=m, preview=preview)


@bp.route("/modules/<int:module_id>/reviewed", methods=["POST"])
@roles_required(*TRAINERS)
def module_reviewed(module_id: int):
    m = _module(module_id)
    services.mark_module_reviewed(db.session, m, actor=current_user, now=utcnow())
    flash(_("已标记“%(title)s”为已复核", title=m.title), "success")
    return redirect(request.form.get("next") if request.form.get("next", "").startswith("/courses/")
                    else url_for("courses.review"))


@bp.route("/review")
@roles_required(*TRAINERS)
def review():
    modules = db.session.scalars(queries.modules_select().where(CourseModule.status == MODULE_NEEDS_REVIEW)).all()
    revisions = db.session.scalars(select(LawRevision).where(LawRevision.changes.any())
                                   .order_by(LawRevision.imported_at.desc())).all()
    return render_template("courses/review.html", modules=modules, revisions=revisions)


@bp.route("/revisions/<int:revision_id>")
@roles_required(*TRAINERS)
def revision(revision_id: int):
    rev = db.session.get(LawRevision, revision_id) or abort(404)
    flagged = db.session.scalars(queries.modules_select(rev.law.short_name)
                                 .where(CourseModule.status == MODULE_NEEDS_REVIEW)).all()
    kinds = {k: [c for c in rev.changes if c.kind == k] for k in ("changed", "removed", "renumbered", "added")}
    return render_template("courses/revision.html", rev=rev, kinds=kinds, flagged=flagged,
                           has_bank_review="banks.review" in current_app.view_functions)


# ------------------------------------------------------------------ law library


@bp.route("/laws")
@login_required
def laws():
    return render_template("courses/laws.html", laws=queries.laws_with_counts(db.session))


@bp.route("/laws/<int:law_id>")
@login_required
def law(law_id: int):
    law_ = db.session.get(Law, law_id) or abort(404)
    rev_id = request.args.get("rev", type=int)
    rev = next((r for r in law_.revisions if (r.id == rev_id if rev_id else r.is_current)), None)
    if rev is None:
        abort(404)
    return render_template("courses/law.html", law=law_, rev=rev, hl=(request.args.get("hl") or "").strip()[:100],
                           chapters=queries.articles_by_chapter(db.session, rev))


@bp.route("/laws/search")
@login_required
def article_search():
    q = (request.args.get("q") or "").strip()[:100]
    page = db.paginate(queries.article_search(q), per_page=30) if q else None
    return render_template("courses/article_search.html", q=q, page=page)


@bp.route("/laws/import", methods=["GET", "POST"])
@roles_required(*TRAINERS)
def law_import():
    form = LawUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            parsed = parse_law_file(upload.read(), upload.filename or "upload.txt")
            if form.name.data:
                parsed = dataclasses.replace(parsed, name=form.name.data.strip(),
                                             short_name=short_name_of(form.name.data))
            rev_date = form.revision_date.data or parsed.revision_date
            if rev_date is None:
                raise LawTextError(_("文本开头没有找到通过或修订日期，请填写修订日期"))
            report = services.import_law(db.session, parsed, revision_date=rev_date,
                                         effective_date=form.effective_date.data,
                                         source=form.source.data or upload.filename, actor=current_user,
                                         now=utcnow())
        except (LawTextError, services.CourseError) as e:
            form.file.errors.append(str(e))
        else:
            flash(_("已导入《%(law)s》%(date)s 版本，共 %(n)d 条", law=report.law.short_name,
                    date=rev_date.isoformat(), n=report.article_count), "success")
            if report.comparison is not None:
                return redirect(url_for("courses.revision", revision_id=report.revision.id))
            return redirect(url_for("courses.law", law_id=report.law.id))
    return render_template("courses/law_import.html", form=form)


# ------------------------------------------------------------------ assignments


@bp.route("/assignments")
@roles_required(*TRAINERS_AND_LEADERS)
def assignments():
    page = db.paginate(queries.assignments_select(_report_root()), per_page=20)
    return render_template("courses/assignments.html", page=page, today=_today())


@bp.route("/assignments/new", methods=["GET", "POST"])
@roles_required(*TRAINERS)
def assignment_new():
    form = AssignmentForm()
    modules = db.session.scalars(queries.modules_select()).all()
    form.modules.choices = choices([(m.id, m.title) for m in modules], [m.law_name for m in modules])
    form.law.choices = choices([("", "—")] + [(n, n) for n in dict.fromkeys(m.law_name for m in modules)])
    form.departments.choices = choices([(d.id, d.name_path) for d in department_tree(db.session)])
    if request.method == "GET":
        form.due_date.data = _today() + timedelta(days=30)
    if form.validate_on_submit():
        by_law = form.scope.data == "law"
        try:
            a = training_assignments.create_assignment(
                db.session, title=form.title.data, module_ids=[] if by_law else form.modules.data,
                law_name=form.law.data if by_law else None, department_ids=form.departments.data,
                user_ids=[], usernames=form.username_list(), due_date=form.due_date.data, note=form.note.data,
                actor=current_user, now=utcnow(), awards_certificate=form.awards_certificate.data)
        except services.CourseError as e:
            flash(str(e), "error")
        else:
            flash(_("学习任务已发布"), "success")
            return redirect(url_for("courses.assignment", assignment_id=a.id))
    return render_template("courses/assignment_new.html", form=form)


@bp.route("/assignments/<int:assignment_id>")
@roles_required(*TRAINERS_AND_LEADERS)
def assignment(assignment_id: int):
    a = db.session.get(TrainingAssignment, assignment_id) or abort(404)
    today = _today()
    people = queries.assignment_progress(db.session, a, today, root=_report_root())
    module_ids = training_assignments.assignment_module_ids(db.session, a)
    modules = db.session.scalars(select(CourseModule).where(CourseModule.id.in_(module_ids or [0]))
                                 .order_by(CourseModule.law_name, CourseModule.sort_order)).all()
    return render_template("courses/assignment.html", a=a, people=people, modules=modules, today=today,
                           done=sum(1 for p in people if p.total and p.done >= p.total))


# ------------------------------------------------------------------ ledger


def _ledger_scope(year: int):
    if _is_staff_only():
        return queries.ledger(db.session, year, user_id=current_user.id)
    return queries.ledger(db.session, year, root=_report_root(), everyone=True)


def _year() -> int:
    year = request.args.get("year", type=int) or _today().year
    return year if 2000 <= year <= 2100 else _today().year


@bp.route("/ledger")
@login_required
def ledger():
    year = _year()
    laws, rows = _ledger_scope(year)
    return render_template("courses/ledger.html", year=year, laws=laws, rows=rows, channels=CHANNEL_LABELS,
                           years=range(_today().year, _today().year - 5, -1))


@bp.route("/ledger.xlsx")
@login_required
def ledger_export():
    from lawtrain.courses.xlsx import ledger_workbook

    year = _year()
    laws, rows = _ledger_scope(year)
    header = [_("姓名"), _("登录名"), _("工号"), _("部门")]
    header += [f"{law} {CHANNEL_LABELS[c]}" for law in laws for c in CHANNEL_LABELS]
    header += [f"{CHANNEL_LABELS[c]}{_('合计')}" for c in CHANNEL_LABELS] + [_("总计（分钟）")]
    body = [[r.user.display_name, r.user.username, r.user.staff_no or "",
             r.user.department.name_path if r.user.department else ""]
            + [r.minutes.get((law, c), 0) for law in laws for c in CHANNEL_LABELS]
            + [r.channel_total(c) for c in CHANNEL_LABELS] + [r.total] for r in rows]
    data = ledger_workbook(title=_("%(year)d年学时台账", year=year), header=header, rows=body,
                           widths=[10, 12, 10, 28] + [14] * (len(header) - 4))
    filename = f"study-hours-{year}.xlsx"
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


# ------------------------------------------------------------------ navigation and home panels


def _staff_panel(session, user, now) -> dict:
    today = local_date(now)
    groups, records = queries.progress_by_law(session, user)
    next_module = next((m for g in groups for m in g.modules
                        if not (records.get(m.id) and records[m.id].completed_at)), None)
    return {"tasks": queries.my_assignments(session, user, today), "groups": groups, "next_module": next_module}


def _trainer_panel(session, user, now) -> dict:
    needs_review = session.scalars(queries.modules_select().where(CourseModule.status == MODULE_NEEDS_REVIEW)).all()
    recent = session.scalars(queries.assignments_select().limit(5)).all()
    return {"needs_review": needs_review, "assignments": recent, "today": local_date(now),
            "module_count": len(session.scalars(queries.modules_select()).all())}


nav.add_nav(_l("学习"), "courses.index", {STAFF}, order=10)
nav.add_nav(_l("课程"), "courses.manage", set(TRAINERS), order=20)
nav.add_nav(_l("学习任务"), "courses.assignments", set(TRAINERS_AND_LEADERS), order=22)
nav.add_nav(_l("法律法规库"), "courses.laws", {STAFF, TRAINER, LEADER, ADMIN}, order=25)
nav.add_nav(_l("学时台账"), "courses.ledger", {TRAINER, LEADER, ADMIN}, order=70)
nav.add_home_panel("courses/_home_panel.html", {STAFF}, _staff_panel, order=10)
nav.add_home_panel("courses/_trainer_panel.html", {TRAINER, ADMIN}, _trainer_panel, order=10)
