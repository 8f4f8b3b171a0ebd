"""Trainers' pages of the exams area: exam setup, publish, overrides, papers, release, attempts, regrade,
voiding a question (on the exams blueprint)."""

from __future__ import annotations

import io
import random
from datetime import datetime

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lawtrain.auth.models import User
from lawtrain.auth.policy import TRAINERS, roles_required
from lawtrain.auth.sessions import client_ip
from lawtrain.banks.models import Bank, Question
from lawtrain.banks.services import QuestionFilters
from lawtrain.courses.xlsx import ledger_workbook
from lawtrain.display import score_text
from lawtrain.exams import audit_labels, authoring, availability, errors, forms, grading, papers, queries
from lawtrain.exams.models import Attempt, AttemptQuestion, Exam
from lawtrain.exams.views import _exam, _module_choices, bp, paper_warning_texts
from lawtrain.extensions import db
from lawtrain.org.models import Department
from lawtrain.timeutil import from_local, to_local, utcnow


@bp.get("/manage")
@roles_required(*TRAINERS)
def manage():
    page = db.paginate(queries.exams_select(request.args.get("status") or None), per_page=30, error_out=False)
    return render_template("exams/manage.html", page=page,
                           submitted=queries.submitted_counts(db.session, [e.id for e in page.items]))


def _exam_form(exam: Exam | None) -> forms.ExamForm:
    form = forms.ExamForm(obj=None)
    if exam is not None and request.method == "GET":
        _fill_form(form, exam)
    banks = db.session.execute(select(Bank.id, Bank.name).order_by(Bank.name)).all()
    laws = _law_choices(exam)
    for row in form.rules:
        row.form.banks.choices = forms.choices((b.id, b.name) for b in banks)
        row.form.law_name.choices = laws
    form.pick_bank.choices = forms.choices([(0, _("请选择题库"))] + [(b.id, b.name) for b in banks])
    form.departments.choices = forms.choices((d.id, d.name_path) for d in db.session.scalars(
        select(Department).order_by(Department.name_path)))
    form.gate_modules.choices = _module_choices()
    return form


def _law_choices(exam: Exam | None) -> list:
    """A rule's 法律: chosen from the law library and the banks' laws (free text let a typo match nothing)."""
    names = queries.rule_law_names(db.session, [r.law_name for r in (exam.rules if exam else [])])
    return forms.choices([("", _("不限法律"))] + [(n, n) for n in names])


def _fill_form(form: forms.ExamForm, exam: Exam) -> None:
    for name in ("title", "instructions", "duration_minutes", "attempts_allowed", "counting", "pass_percent",
                 "multiple_scoring", "release", "review", "shuffle_questions", "shuffle_options", "tab_switch_limit"):
        getattr(form, name).data = getattr(exam, name)
    form.opens_at.data = to_local(exam.opens_at).replace(tzinfo=None) if exam.opens_at else None
    form.closes_at.data = to_local(exam.closes_at).replace(tzinfo=None) if exam.closes_at else None
    form.departments.data = [a.department_id for a in exam.assignees if a.department_id]
    users = [db.session.get(User, a.user_id) for a in exam.assignees if a.user_id]
    form.people.data = "\n".join(u.username for u in users if u)
    gate = exam.gate or {}
    form.gate_modules.data = list(gate.get("modules") or [])
    form.gate_minutes.data = "\n".join(f"{k}={v}" for k, v in (gate.get("minutes") or {}).items())
    forms.fill_rule_rows(form, exam.rules)
    form.paper_mode.data = exam.paper_mode
    form.fixed_questions.data, form.fixed_points.data = papers.fixed_paper_text(db.session, exam)


def _exam_data(form: forms.ExamForm, people: list[int]) -> authoring.ExamData:
    rules = forms.rule_rows_data(form)
    gate = {k: v for k, v in (("modules", list(form.gate_modules.data or [])),
                              ("minutes", forms.parse_minutes(form.gate_minutes.data))) if v}
    return authoring.ExamData(
        title=form.title.data.strip(), instructions=form.instructions.data or "",
        opens_at=from_local(form.opens_at.data), closes_at=from_local(form.closes_at.data),
        duration_minutes=form.duration_minutes.data, attempts_allowed=form.attempts_allowed.data,
        counting=form.counting.data, pass_percent=float(form.pass_percent.data),
        multiple_scoring=form.multiple_scoring.data, release=form.release.data, review=form.review.data,
        shuffle_questions=form.shuffle_questions.data, shuffle_options=form.shuffle_options.data,
        tab_switch_limit=form.tab_switch_limit.data, gate=gate, department_ids=list(form.departments.data or []),
        user_ids=people, paper_mode=form.paper_mode.data, rules=rules, fixed_paper=form.fixed_questions.data or "",
        fixed_points=float(form.fixed_points.data) if form.fixed_points.data is not None else None)


def _save_exam(exam: Exam | None):
    """The exam form. Its "显示题目" and "加入试卷" buttons only redraw it with the question picker (the
    unsaved form travels along, so the picker works on a new exam too); "保存" saves."""
    form = _exam_form(exam)
    picker = None
    if request.method == "POST" and request.form.get("action") in ("browse", "add"):
        picker = _picker(form)
    elif form.validate_on_submit():
        people, unknown = availability.resolve_people(db.session, forms.split_list(form.people.data))
        if unknown:
            form.people.errors = [_("找不到这些人员：%(names)s", names="、".join(unknown[:20]))]
        else:
            try:
                saved, check = authoring.save_exam(db.session, exam, _exam_data(form, people), actor=current_user,
                                                  now=utcnow(), ip=client_ip())
            except errors.FixedPaperError as e:
                form.fixed_questions.errors = e.messages
            except errors.ExamError as e:
                flash(str(e), "error")
            else:
                for message in check.messages + paper_warning_texts(check.total_points, saved.pass_percent):
                    flash(message, "warning")
                flash(_("考试已保存：共%(n)s题，总分%(p)s分。", n=check.question_count,
                        p=score_text(check.total_points)), "success")
                return redirect(url_for("exams.detail", exam_id=saved.id))
    return render_template("exams/edit.html", form=form, exam=exam, picker=picker,
                           frozen=exam is not None and queries.paper_is_frozen(db.session, exam))


def _picker(form: forms.ExamForm) -> dict:
    """The "从题库选题" panel: "加入试卷" appends the ticked questions to the list; then the chosen bank's
    active questions, marked when already on the paper, and what is wrong with the list so far."""
    if request.form.get("action") == "add":
        form.fixed_questions.data, added = papers.add_to_fixed_paper(db.session, form.fixed_questions.data,
                                                                       form.picked.data or [])
        form.paper_mode.data = "fixed"
        flash(_("已加入%(n)s道试题，保存考试后生效。", n=added), "info")
    paper = papers.resolve_fixed_paper(db.session, form.fixed_questions.data)
    form.fixed_questions.errors = paper.messages
    filters = QuestionFilters(q=(form.pick_text.data or "").strip(), type=form.pick_type.data or "",
                              article=form.pick_article.data if form.pick_article.validate(form) else None)
    rows, more = queries.pickable_questions(db.session, form.pick_bank.data, filters)
    return {"rows": rows, "more": more, "on_paper": {item.question_id for item in paper.items}}


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*TRAINERS)
def new():
    return _save_exam(None)


@bp.route("/<int:exam_id>/edit", methods=["GET", "POST"])
@roles_required(*TRAINERS)
def edit(exam_id: int):
    return _save_exam(_exam(exam_id))


@bp.get("/<int:exam_id>/admin")
@roles_required(*TRAINERS)
def detail(exam_id: int):
    exam, now = _exam(exam_id), utcnow()
    page = db.paginate(queries.attempts_select(exam.id), per_page=50, error_out=False)
    for attempt in page.items:  # nobody sees an overdue attempt as still open (close-overdue stores it)
        queries.as_seen(db.session, attempt, now)
    check = papers.check_paper(db.session, exam)
    return render_template("exams/detail.html", exam=exam, check=check,
                           warnings=paper_warning_texts(check.total_points, exam.pass_percent),
                           absent=availability.absentees(db.session, exam),
                           fixed=db.session.execute(queries.fixed_paper_select(exam.id)).all(),
                           stats=queries.exam_stats(db.session, exam.id, now), page=page,
                           people=queries.people_by_id(db.session, [a.user_id for a in page.items]),
                           assigned=len(availability.assigned_users(db.session, exam)),
                           released=availability.is_released(exam, now))


@bp.get("/<int:exam_id>/absent.xlsx")
@roles_required(*TRAINERS)
def absent_export(exam_id: int):
    """缺考名单 as an .xlsx: the people assigned who have not handed in a paper."""
    exam = _exam(exam_id)
    rows = [[n, u.username, u.display_name, u.department.name_path if u.department else "",
             _("作答中未交卷") if started else _("未参加")]
            for n, (u, started) in enumerate(availability.absentees(db.session, exam), start=1)]
    data = ledger_workbook(title=_("缺考名单"), header=[_("序号"), _("登录名"), _("姓名"), _("部门"), _("情况")],
                           rows=rows, widths=[8, 16, 14, 36, 16])
    return send_file(io.BytesIO(data), as_attachment=True, download_name=f"{exam.title}-{_('缺考名单')}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _trainer_action(exam_id: int, action, done: str):
    exam = _exam(exam_id)
    try:
        action(exam)
    except errors.ExamError as e:
        flash(str(e), "error")
    else:
        flash(done, "success")
    return redirect(url_for("exams.detail", exam_id=exam.id))


@bp.post("/<int:exam_id>/publish")
@roles_required(*TRAINERS)
def publish(exam_id: int):
    return _trainer_action(exam_id, lambda e: authoring.publish_exam(
        db.session, e, actor=current_user, now=utcnow(), ip=client_ip()), _("考试已发布。"))


@bp.post("/<int:exam_id>/archive")
@roles_required(*TRAINERS)
def archive(exam_id: int):
    return _trainer_action(exam_id, lambda e: authoring.archive_exam(
        db.session, e, actor=current_user, now=utcnow(), ip=client_ip()), _("考试已归档。"))


@bp.post("/<int:exam_id>/release")
@roles_required(*TRAINERS)
def release(exam_id: int):
    return _trainer_action(exam_id, lambda e: authoring.release_results(
        db.session, e, actor=current_user, now=utcnow(), ip=client_ip()), _("成绩已公布。"))


@bp.post("/<int:exam_id>/pregenerate")
@roles_required(*TRAINERS)
def pregenerate(exam_id: int):
    made: list[int] = []
    response = _trainer_action(exam_id, lambda e: made.append(papers.pregenerate_papers(
        db.session, e, rng=random.Random(), now=utcnow())), _("试卷已预生成。"))
    if made:
        flash(_("本次新生成%(n)s份试卷。", n=made[0]), "info")
    return response


@bp.post("/<int:exam_id>/regrade")
@roles_required(*TRAINERS)
def regrade(exam_id: int):
    exam = _exam(exam_id)
    event_id = grading.regrade_exam(db.session, exam, actor=current_user, now=utcnow(), ip=client_ip())
    return redirect(url_for("exams.regrade_result", event_id=event_id))


@bp.get("/regrades/<int:event_id>")
@roles_required(*TRAINERS)
def regrade_result(event_id: int):
    """The before/after list of one regrade (manual, after a key correction or a voided question), read
    back from its audit entry, so it can be reloaded and linked to without regrading again."""
    report = queries.regrade_report(db.session, event_id) or abort(404)
    return render_template("exams/regrade_result.html", report=report)


@bp.route("/questions/<int:question_id>/void", methods=["GET", "POST"])
@roles_required(*TRAINERS)
def void_question(question_id: int):
    """GET: what voiding would do to papers (the confirmation step). POST: void, then show the regrade."""
    question = db.session.get(Question, question_id)
    if question is None or question.current_version is None:
        abort(404)
    form = forms.VoidQuestionForm()
    if form.validate_on_submit():
        event_id = grading.void_question(db.session, question, actor=current_user, now=utcnow(),
                                         reason=(form.reason.data or "").strip())
        flash(_("题目 #%(id)s 已作废。", id=question.id), "success")
        if event_id is not None:
            return redirect(url_for("exams.regrade_result", event_id=event_id))
        return redirect(url_for("banks.bank", bank_id=question.bank_id))
    return render_template("exams/void_question.html", question=question, form=form,
                           usage=queries.question_usage(db.session, question.id))


@bp.route("/<int:exam_id>/overrides", methods=["GET", "POST"])
@roles_required(*TRAINERS)
def overrides(exam_id: int):
    exam = _exam(exam_id)
    form = forms.OverrideForm()
    if form.validate_on_submit():
        ids, _unknown = availability.resolve_people(db.session, [form.person.data.strip()])
        if not ids:
            form.person.errors = [_("找不到该人员")]
        else:
            try:
                authoring.set_override(db.session, exam, db.session.get(User, ids[0]),
                                      extra_minutes=form.extra_minutes.data or 0, opens_at=_utc(form.opens_at.data),
                                      closes_at=_utc(form.closes_at.data), reason=form.reason.data,
                                      actor=current_user, now=utcnow(), ip=client_ip())
                flash(_("已为该人员设置个别安排。"), "success")
                return redirect(url_for("exams.overrides", exam_id=exam.id))
            except errors.ExamError as e:
                flash(str(e), "error")
    ids = [o.user_id for o in exam.overrides]
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    return render_template("exams/overrides.html", exam=exam, form=form, people=people)


def _utc(local: datetime | None) -> datetime | None:
    return from_local(local) if local else None


@bp.get("/manage/attempts/<int:attempt_id>")
@roles_required(*TRAINERS)
def attempt_detail(attempt_id: int):
    attempt = queries.as_seen(db.session, db.session.get(Attempt, attempt_id) or abort(404), utcnow())
    return render_template("exams/attempt_detail.html", attempt=attempt, exam=attempt.exam,
                           person=db.session.get(User, attempt.user_id),
                           events=queries.attempt_events(db.session, attempt.id),
                           event_labels=audit_labels.EVENT_LABELS, event_fields=audit_labels.event_fields,
                           positions=dict(db.session.execute(
                               select(AttemptQuestion.question_id, AttemptQuestion.position)
                               .where(AttemptQuestion.attempt_id == attempt.id)).all()),
                           items=queries.review_items(db.session, attempt))
