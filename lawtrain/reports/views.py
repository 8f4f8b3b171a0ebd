"""Pages of the reports area: dashboard, completion with drill-down, item analysis, weak articles, annual
summary, their xlsx/csv/PDF exports, and the completion JSON API."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from lawtrain import nav
from lawtrain.auth.models import User
from lawtrain.auth.policy import TRAINERS, TRAINERS_AND_LEADERS, roles_required
from lawtrain.auth.roles import ADMIN, LEADER, TRAINER
from lawtrain.certificates.fonts import get_cjk_font
from lawtrain.courses.models import TrainingAssignment
from lawtrain.exams.models import Exam
from lawtrain.extensions import db
from lawtrain.forms import choices
from lawtrain.org.models import Department
from lawtrain.org.services import visible_root
from lawtrain.reports import builders, charts, queries, services
from lawtrain.reports.documents import Document, number_text, percent_text
from lawtrain.reports.forms import YEAR_MESSAGE, RemedialForm, ReportFilterForm
from lawtrain.reports.glossary import hours
from lawtrain.reports.pdf import render_report
from lawtrain.reports.queries import ReportFilter
from lawtrain.reports.stats import Evidence
from lawtrain.reports.word import document_docx
from lawtrain.reports.xlsx import csv_stream, workbook_bytes
from lawtrain.settings.context import current as current_org_settings
from lawtrain.timeutil import format_local, local_date, utcnow

bp = Blueprint("reports", __name__)  # pages under /reports, the JSON API under /api/reports

REPORTS = ("dashboard", "completion", "annual", "weak")
FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8", "pdf": "application/pdf",
           "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
TABLE_FORMATS = ("xlsx", "csv", "pdf")  # every report; the annual text is offered as .docx too


def _home_panel(session, user, now):
    root = visible_root(user) if not user.has_role(ADMIN) else None
    today = local_date(now)
    dash = queries.completion_report(session, ReportFilter(year=today.year), root=root, today=today, now=now,
                                     people="none")
    return {"year": today.year, "total": dash.total, "node": dash.node}


nav.add_nav(_l("统计报表"), "reports.dashboard", {LEADER, ADMIN, TRAINER}, 70)
nav.add_home_panel("reports/_home_panel.html", {LEADER}, _home_panel, 10)


@bp.app_template_filter("rate")
def _rate_filter(row_or_part, whole: int | None = None) -> str:
    return percent_text(row_or_part, whole or 0)


@bp.context_processor
def _glossary():
    """Every report page shows the glossary of its figures and names them from it."""
    return {"glossary": builders.glossary_rows(), "term": builders.term, "hours_text": builders.hours_text,
            "number_text": number_text}


# ------------------------------------------------------------------ helpers


def _now_today():
    now = utcnow()
    return now, local_date(now)


def _root() -> Department | None:
    """The subtree the viewer may report on: trainers and admins everything; a leader their own subtree."""
    if current_user.has_role(TRAINER, ADMIN):
        return None
    return visible_root(current_user)


def _filter_form() -> tuple[ReportFilterForm, ReportFilter]:
    form = ReportFilterForm(request.args)
    form.validate()
    pick = {name: getattr(form, name).data if not getattr(form, name).errors else None
            for name in ("date_from", "date_to")}
    f = ReportFilter(year=_year(None), date_from=pick["date_from"], date_to=pick["date_to"],
                     law=(form.law.data or None), exam_id=form.exam_id.data or None,
                     assignment_id=form.assignment_id.data or None, department_id=_department_id())
    return form, f


def _year(default: int | None) -> int | None:
    """The ?year= of any report, page, export or API: `default` when absent, else a year reports cover.

    The one check every report reads its year through: another year is refused with a 400 that says which
    years are allowed, before a query could build an impossible date (year 9999 + 1) and fail with a 500.
    """
    raw = request.args.get("year", "").strip()
    if not raw:
        return default
    year = _int(raw)
    if year is None or not queries.is_report_year(year):
        abort(400, str(YEAR_MESSAGE))
    return year


def _department_id() -> int | None:
    """The ?department_id= drilled into; 404 when it lies outside the viewer's subtree."""
    dept_id = _int(request.args.get("department_id"))
    if dept_id and not queries.in_scope(db.session, _root(), department_id=dept_id):
        abort(404)
    return dept_id


def _this_year_unless_dated(f: ReportFilter, today: date) -> ReportFilter:
    """A completion report by year with no period covers this year: an all-time completion rate means little."""
    if f.mode == queries.MODE_YEAR and not (f.year or f.date_from or f.date_to):
        return replace(f, year=today.year)
    return f


def _int(value) -> int | None:
    """A positive integer that fits the database (ids, years), else None."""
    try:
        number = int(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and 0 < number < 2**31 else None


def _fill_choices(form: ReportFilterForm) -> None:
    c = queries.filter_choices(db.session)
    form.exam_id.choices = choices([("", _("全部考试"))] + [(str(i), t) for i, t in c["exams"]])
    form.assignment_id.choices = choices([("", _("不限"))] + [(str(i), t) for i, t in c["assignments"]])
    form.law.choices = choices([("", _("全部法律"))] + [(law, law) for law in c["laws"]])


def _subtitle(f: ReportFilter, node: Department | None) -> str:
    exam = db.session.get(Exam, f.exam_id) if f.exam_id else None
    assignment = db.session.get(TrainingAssignment, f.assignment_id) if f.assignment_id else None
    text = builders.filter_text(f, exam_title=exam.title if exam else None,
                                assignment_title=assignment.title if assignment else None,
                                node_path=node.name_path if node else _("全部部门"))
    return text + _("；生成时间 %(t)s", t=format_local(utcnow()))


def _exports(report: str, **values) -> dict[str, str]:
    """Download URLs of a report in each format, carrying the page's query string."""
    args = {k: v for k, v in request.args.to_dict().items() if k not in ("fmt", "report", "exam_id_path")}
    args.update(values)
    if report == "items":
        return {fmt: url_for("reports.items_export", fmt=fmt, **args) for fmt in TABLE_FORMATS}
    formats = (*TABLE_FORMATS, "docx") if report == "annual" else TABLE_FORMATS
    return {fmt: url_for("reports.export", report=report, fmt=fmt, **args) for fmt in formats}


def _download(document: Document, fmt: str) -> Response:
    filename = f"{document.filename}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
    if fmt == "csv":
        return Response(csv_stream(document), mimetype=FORMATS[fmt], headers=headers)
    if fmt == "xlsx":
        return Response(workbook_bytes(document), mimetype=FORMATS[fmt], headers=headers)
    if fmt == "docx":
        return Response(document_docx(document), mimetype=FORMATS[fmt], headers=headers)
    font = get_cjk_font(current_app.config.get("LAWTRAIN_CJK_FONT") or None)
    return Response(render_report(document, font_name=font, generated="LawTrain"), mimetype=FORMATS[fmt],
                    headers=headers)


# ------------------------------------------------------------------ pages


@bp.route("/reports/")
@roles_required(*TRAINERS_AND_LEADERS)
def index():
    return redirect(url_for("reports.dashboard"))


@bp.route("/reports/dashboard")
@roles_required(*TRAINERS_AND_LEADERS)
def dashboard():
    now, today = _now_today()
    dash = _dashboard(now, today)
    svgs = [(c.title, Markup(charts.to_svg(c))) for c in builders.dashboard_charts(dash)]
    return render_template("reports/dashboard.html", dash=dash, svgs=svgs, year=dash.year, this_year=today.year,
                           exports=_exports("dashboard", year=dash.year))


def _dashboard(now: datetime, today: date) -> queries.Dashboard:
    """The dashboard of ?year= (this year by default) and ?department_id=, within the viewer's scope."""
    return queries.dashboard(db.session, year=_year(today.year), root=_root(), today=today, now=now,
                             department_id=_department_id())


@bp.route("/reports/completion")
@roles_required(*TRAINERS_AND_LEADERS)
def completion():
    now, today = _now_today()
    form, f = _filter_form()
    f = _this_year_unless_dated(f, today)
    form.year.data = f.year
    _fill_choices(form)
    report = queries.completion_report(db.session, f, root=_root(), today=today, now=now)
    chart = builders.completion_chart(report)
    chart = (chart.title, Markup(charts.to_svg(chart))) if chart else None
    return render_template("reports/completion.html", form=form, f=f, report=report, chart=chart,
                           subtitle=_subtitle(f, report.node), exports=_exports("completion", **f.params()))


@bp.route("/reports/people/<int:user_id>")
@roles_required(*TRAINERS_AND_LEADERS)
def person(user_id: int):
    user = db.session.get(User, user_id)
    if user is None or not queries.in_scope(db.session, _root(), user_id=user_id):
        abort(404)
    _form, f = _filter_form()
    return render_template("reports/person.html", person=user, f=f,
                           attempts=queries.person_attempts(db.session, user_id, f),
                           study=queries.person_study(db.session, user_id))


@bp.route("/reports/exams")
@roles_required(*TRAINERS_AND_LEADERS)
def exams():
    root = _root()
    return render_template("reports/exams.html", exams=queries.exams_for_analysis(db.session, root=root), scope=root)


@bp.route("/reports/exams/<int:exam_id>/items")
@roles_required(*TRAINERS_AND_LEADERS)
def items(exam_id: int):
    exam = db.session.get(Exam, exam_id) or abort(404)
    result, info = queries.item_analysis(db.session, exam.id, root=_root())
    cases, case_info = queries.case_analysis(db.session, exam.id, root=_root())
    # Only trainers may edit questions: a leader would follow the link to a 403.
    edit = "banks.edit_question" if current_user.has_role(*TRAINERS) else None
    return render_template("reports/items.html", exam=exam, result=result, info=info, edit_endpoint=edit,
                           cases=cases, case_info=case_info,
                           exports=_exports("items", exam_id=exam.id), flag_text=builders.flag_text,
                           options_text=builders.options_text, interval_text=builders.interval_text,
                           note=builders.item_evidence_note())


@bp.route("/reports/weak")
@roles_required(*TRAINERS_AND_LEADERS)
def weak():
    form, f = _filter_form()
    _fill_choices(form)
    show_all = request.args.get("all") == "1"
    weak = queries.weak_articles(db.session, f, root=_root(), by=_weak_by(), limit=None if show_all else 20,
                                 evidence=_evidence())
    can_assign = current_user.has_role(*TRAINERS)
    return render_template("reports/weak.html", form=form, f=f, weak=weak, can_assign=can_assign,
                           remedial=RemedialForm(), heat_class=builders.heat_class, status_text=builders.status_text,
                           heading=builders.weak_heading, note=builders.weak_evidence_note(weak.evidence),
                           show_all=show_all, exports=_exports("weak", **f.params()))


def _evidence() -> Evidence:
    """The evidence a weak-article cell needs (LAWTRAIN_WEAK_MIN_ANSWERS / _MIN_PEOPLE / _THRESHOLD)."""
    config, default = current_app.config, Evidence()
    return Evidence(min_answers=config.get("LAWTRAIN_WEAK_MIN_ANSWERS", default.min_answers),
                    min_people=config.get("LAWTRAIN_WEAK_MIN_PEOPLE", default.min_people),
                    threshold=config.get("LAWTRAIN_WEAK_THRESHOLD", default.threshold))


def _weak_by() -> str:
    """?by=chapter rolls the weak-articles heat map up to chapters; anything else keeps articles."""
    by = request.args.get("by")
    return queries.WEAK_BY_CHAPTER if by == queries.WEAK_BY_CHAPTER else queries.WEAK_BY_ARTICLE


@bp.route("/reports/weak/assign", methods=["POST"])
@roles_required(*TRAINERS)
def weak_assign():
    form = RemedialForm()
    back = redirect(url_for("reports.weak", department_id=request.args.get("return_department"), by=_weak_by()))
    if not form.validate_on_submit():
        flash(_("请求不完整，请刷新页面后重试"), "error")
        return back
    try:
        assignment = services.assign_remedial_training(
            db.session, department_id=form.department_id.data, law=form.law.data, article=form.article.data,
            chapter=(form.chapter.data or "").strip() or None, due_date=form.due_date.data, actor=current_user,
            now=utcnow())
    except services.ReportError as e:
        flash(str(e), "error")
        return back
    flash(_("已布置学习任务“%(t)s”", t=assignment.title), "success")
    return back


@bp.route("/reports/annual")
@roles_required(*TRAINERS_AND_LEADERS)
def annual():
    now, today = _now_today()
    summary = _annual(now, today)
    doc = builders.annual_document(summary, _org(summary.node), "")
    return render_template("reports/annual.html", a=summary, year=summary.year, this_year=today.year,
                           paragraph=doc.paragraphs[0], doc=doc, exports=_exports("annual", year=summary.year))


def _annual(now: datetime, today: date) -> queries.Annual:
    """The annual summary of ?year= (this year by default) over the viewer's subtree."""
    return queries.annual(db.session, _year(today.year), root=_root(), today=today, now=now)


def _org(node: Department | None) -> str:
    return node.name if node is not None else (current_org_settings().org_name or _("本局"))


# ------------------------------------------------------------------ exports


def _document(report: str) -> Document:
    """The Document behind a report page, with the same filters and scope."""
    now, today = _now_today()
    if report == "dashboard":
        dash = _dashboard(now, today)
        return builders.dashboard_document(dash, _subtitle(ReportFilter(year=dash.year), dash.report.node))
    if report == "annual":
        a = _annual(now, today)
        return builders.annual_document(a, _org(a.node), _subtitle(ReportFilter(year=a.year), a.node))
    _form, f = _filter_form()
    if report == "weak":
        w = queries.weak_articles(db.session, f, root=_root(), by=_weak_by(), limit=None, evidence=_evidence())
        return builders.weak_document(w, _subtitle(f, w.node))
    f = _this_year_unless_dated(f, today)
    r = queries.completion_report(db.session, f, root=_root(), today=today, now=now, people="all")
    return builders.completion_document(r, _subtitle(f, r.node), r.people)


@bp.route("/reports/<report>/export.<fmt>")
@roles_required(*TRAINERS_AND_LEADERS)
def export(report: str, fmt: str):
    if report not in REPORTS or fmt not in FORMATS or (fmt == "docx" and report != "annual"):
        abort(404)
    return _download(_document(report), fmt)


@bp.route("/reports/exams/<int:exam_id>/items/export.<fmt>")
@roles_required(*TRAINERS_AND_LEADERS)
def items_export(exam_id: int, fmt: str):
    exam = db.session.get(Exam, exam_id)
    if exam is None or fmt not in TABLE_FORMATS:
        abort(404)
    result, info = queries.item_analysis(db.session, exam.id, root=_root())
    return _download(builders.items_document(exam.title, result, info, format_local(utcnow())), fmt)


# ------------------------------------------------------------------ API


@bp.route("/api/reports/completion")
@roles_required(*TRAINERS_AND_LEADERS)
def api_completion():
    """Per-department rows (the node and its children, each rolled up) as JSON, scoped like the page."""
    now, today = _now_today()
    _form, f = _filter_form()
    report = queries.completion_report(db.session, f, root=_root(), today=today, now=now, people="none")

    def row(r):
        return {"department_id": r.key, "department_name": r.name, "department_path": r.path,
                "assigned": r.assigned, "trained": r.trained, "studied": r.studied, "study_hours": hours(r.seconds),
                "attempted": r.attempted, "sittings": r.sittings, "passed": r.passed,
                "passed_sittings": r.passed_sittings, "completion_rate": r.completion_rate,
                "participation_rate": r.participation_rate, "pass_rate": r.pass_rate,
                "sitting_pass_rate": r.sitting_pass_rate, "average_score": r.average, "median_score": r.median,
                "certificates": r.certificates, "overdue": r.overdue}

    rows = ([report.total] if report.node is not None else []) + report.departments
    return jsonify(rows=[row(r) for r in rows], total=row(report.total),
                   department_id=report.node.id if report.node else None, filters=f.params(),
                   glossary=_api_glossary())


def _api_glossary() -> dict[str, dict[str, str]]:
    """API field -> the glossary's name and definition of the figure it carries."""
    rows = builders.glossary_rows(list(API_TERMS.values()))
    return {field: {"name": name, "definition": text} for field, (name, text) in zip(API_TERMS, rows, strict=True)}


# API field -> glossary key: each figure of /api/reports/completion is defined by the glossary.
API_TERMS = {"assigned": "assigned", "trained": "trained", "studied": "completed", "study_hours": "hours",
             "attempted": "examinees", "sittings": "sittings", "passed": "passed_people",
             "passed_sittings": "passed_sittings", "completion_rate": "completion_rate",
             "participation_rate": "participation_rate", "pass_rate": "pass_rate_people",
             "sitting_pass_rate": "pass_rate_sittings", "average_score": "average", "certificates": "certificates",
             "overdue": "overdue"}
