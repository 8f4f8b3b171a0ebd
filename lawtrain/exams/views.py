"""Pages of the exams area: staff (exam list, intro, take, result, wrong book, practice, module check)
and trainers (exam setup, publish, overrides, papers, release, attempts, regrade, voiding a question)."""

from __future__ import annotations

import random
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from lawtrain import nav
from lawtrain.auth.models import User
from lawtrain.auth.policy import TRAINERS, login_required, roles_required
from lawtrain.auth.roles import STAFF
from lawtrain.auth.sessions import client_ip
from lawtrain.banks import services as bank_services
from lawtrain.banks.models import Bank, Question
from lawtrain.banks.services import QuestionFilters
from lawtrain.exams import forms, practice, queries, services
from lawtrain.exams.models import Attempt, Exam
from lawtrain.extensions import db
from lawtrain.org.models import Department
from lawtrain.timeutil import from_local, to_local, utcnow

bp = Blueprint("exams", __name__, url_prefix="/exams")

STATUS_LABELS = {"open": _l("可参加"), "locked": _l("未满足培训要求"), "done": _l("已完成"),
                 "upcoming": _l("未开始"), "closed": _l("已结束")}
TYPE_LABELS = {"single": _l("单选题"), "multiple": _l("多选题"), "true_false": _l("判断题"), "fill_blank": _l("填空题")}


def _home_panel(session, user, now):
    return {"exams": services.exams_for_user(session, user, now)[:5], "labels": STATUS_LABELS}


def _trainer_panel(session, user, now):
    exams = session.scalars(queries.exams_select().limit(5)).all()
    return {"exams": exams, "submitted": queries.submitted_counts(session, [e.id for e in exams])}


nav.add_nav(_l("考试"), "exams.index", {STAFF}, 30)
nav.add_nav(_l("练习"), "exams.practice_home", {STAFF}, 35)
nav.add_nav(_l("考试管理"), "exams.manage", set(TRAINERS), 40)
nav.add_home_panel("exams/_home_panel.html", {STAFF}, _home_panel, 20)
nav.add_home_panel("exams/_trainer_panel.html", set(TRAINERS), _trainer_panel, 30)


@bp.app_context_processor
def _labels():
    return {"exam_status_labels": STATUS_LABELS, "question_type_labels": TYPE_LABELS}


# ------------------------------------------------------------------ authorisation helpers


def _own_attempt(attempt_id: int) -> Attempt:
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


def _visible_exam(exam_id: int) -> Exam:
    try:
        return services.visible_exam(db.session, exam_id, current_user)
    except services.ExamNotFound:
        abort(404)


def _exam(exam_id: int) -> Exam:
    return db.session.get(Exam, exam_id) or abort(404)


# ------------------------------------------------------------------ staff


@bp.get("/")
@login_required
def index():
    return render_template("exams/index.html", rows=services.exams_for_user(db.session, current_user, utcnow()))


@bp.get("/<int:exam_id>")
@login_required
def intro(exam_id: int):
    exam = _visible_exam(exam_id)
    now = utcnow()
    status = services.exam_status(db.session, exam, current_user, now)
    return render_template("exams/intro.html", exam=exam, st=status, now=now)


@bp.post("/<int:exam_id>/start")
@login_required
def start(exam_id: int):
    exam = _visible_exam(exam_id)
    try:
        attempt, _resumed = services.start_attempt(db.session, exam, current_user, utcnow(), ip=client_ip())
    except services.ExamUnavailable as e:
        flash(_("%(msg)s：%(reasons)s", msg=str(e), reasons=_("；").join(e.reasons)) if e.reasons else str(e), "error")
        return redirect(url_for("exams.intro", exam_id=exam.id))
    except services.PaperError as e:
        flash(_("试卷无法生成，请联系培训管理员：%(msg)s", msg=str(e)), "error")
        return redirect(url_for("exams.intro", exam_id=exam.id))
    return redirect(url_for("exams.take", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>")
@login_required
def take(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    now = utcnow()
    services.refresh_attempt(db.session, attempt, now)
    if not attempt.is_open:
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    return render_template("exams/take.html", attempt=attempt, exam=attempt.exam,
                           data=queries.delivery(db.session, attempt, now),
                           grace=services.grace_seconds())


def _form_responses(data: dict) -> dict[int, list[str]]:
    """Responses from the plain form: q<id> (radio/checkboxes) and q<id>_<n> (blanks)."""
    out = {}
    for q in data["questions"]:
        name = f"q{q['id']}"
        if q["type"] == "fill_blank":
            out[q["id"]] = [request.form.get(f"{name}_{i}", "").strip()[:services.MAX_RESPONSE_TEXT]
                            for i in range(q["blanks"])]
            if not any(out[q["id"]]):
                out[q["id"]] = []
        else:
            out[q["id"]] = sorted(request.form.getlist(name))[:services.MAX_RESPONSE_ITEMS]
    return out


@bp.post("/attempts/<int:attempt_id>")
@login_required
def take_form(attempt_id: int):
    """The no-JavaScript fallback: save every answer, and submit when asked."""
    attempt = _own_attempt(attempt_id)
    now = utcnow()
    try:
        services.save_all(db.session, attempt, _form_responses(queries.delivery(db.session, attempt, now)), now)
    except services.AttemptClosed as e:
        flash(str(e), "error")
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    if request.form.get("action") == "submit":
        services.submit_attempt(db.session, attempt, now)
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    flash(_("答案已保存。"), "success")
    return redirect(url_for("exams.take", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    now = utcnow()
    services.refresh_attempt(db.session, attempt, now)
    if attempt.status != "submitted":
        abort(404)  # no result (or link to one) while the attempt is live
    released = services.result_visible(attempt, now)
    items = queries.review_items(db.session, attempt) if released and attempt.exam.review == "full" else []
    return render_template("exams/result.html", attempt=attempt, exam=attempt.exam, released=released, items=items)


@bp.get("/wrong-book")
@login_required
def wrong_book():
    rows = db.session.execute(queries.wrong_book_select(current_user.id, utcnow()).limit(200)).all()
    return render_template("exams/wrong_book.html", rows=rows)


def _law_choices() -> list[tuple[str, str]]:
    names = db.session.scalars(select(Bank.law_name).where(Bank.law_name.is_not(None)).distinct()
                               .order_by(Bank.law_name)).all()
    return forms.choices([("", _("全部法律"))] + [(n, n) for n in names])


def _practice_form(data) -> forms.PracticeSetupForm:
    form = forms.PracticeSetupForm(data)
    form.law.choices = _law_choices()
    form.module.choices = forms.choices([("", _("不限模块"))]) + _module_choices()
    return form


def _practice_ids(form: forms.PracticeSetupForm, mode: str) -> list[int]:
    """The practice set: a module's questions when one is chosen, else by law and articles (or the wrong book)."""
    if mode != "wrong_book" and (form.module.data or "").isdigit():
        return practice.module_check_pool(db.session, _module_or_404(int(form.module.data)))
    return list(db.session.scalars(practice.pool_select(
        law=form.law.data or None, articles=forms.parse_ranges(form.articles.data),
        user_id=current_user.id, wrong_book=mode == "wrong_book")))


@bp.get("/practice")
@login_required
def practice_home():
    form = _practice_form(request.args)
    mode = request.args.get("mode", "law")
    question = None
    ids: list[int] = []
    index = request.args.get("i", 0, type=int)
    if request.args.get("go") and form.validate():
        ids = _practice_ids(form, mode)
        qid = practice.pick(ids, order=form.order.data, index=index, rng=random.Random())
        if qid is not None:
            _q, version = practice.question_view(db.session, qid)
            question = practice.public_question(version, qid)
    return render_template("exams/practice.html", form=form, question=question, mode=mode, index=index,
                           total=len(ids), feedback=None)


@bp.post("/practice/answer")
@login_required
def practice_answer():
    qid = request.form.get("question_id", type=int) or abort(404)
    response = _practice_response(qid)
    try:
        feedback = practice.answer_question(db.session, current_user, qid, response,
                                            request.form.get("mode", "law"), utcnow())
        _q, version = practice.question_view(db.session, qid)
    except practice.PracticeError:
        abort(404)
    form = _practice_form(request.form)
    return render_template("exams/practice.html", form=form, question=practice.public_question(version, qid),
                           mode=request.form.get("mode", "law"), index=request.form.get("i", 0, type=int),
                           total=0, feedback=feedback)


def _practice_response(qid: int) -> list[str]:
    name = f"q{qid}"
    blanks = [request.form.get(f"{name}_{i}", "").strip() for i in range(10) if f"{name}_{i}" in request.form]
    return (blanks if any(blanks) else []) if blanks else sorted(request.form.getlist(name))[:20]


def _module_or_404(module_id: int):
    try:
        from lawtrain.courses.models import CourseModule
    except ImportError:
        abort(404)
    return db.session.get(CourseModule, module_id) or abort(404)


_DRAWN_CHECKS = "module_checks"  # session key: module id -> the question ids drawn for this person's check


@bp.route("/practice/module/<int:module_id>/check", methods=["GET", "POST"])
@login_required
def module_check(module_id: int):
    module = _module_or_404(module_id)
    drawn = dict(session.get(_DRAWN_CHECKS) or {})
    if request.method == "GET":
        ids = practice.draw_module_check(db.session, module, random.Random(), user_id=current_user.id,
                                         now=utcnow())
        session[_DRAWN_CHECKS] = {**dict(list(drawn.items())[-4:]), str(module.id): ids}
        questions = [practice.public_question(practice.question_view(db.session, q)[1], q) for q in ids]
        return render_template("exams/module_check.html", module=module, questions=questions, outcome=None)
    ids = drawn.pop(str(module.id), [])
    answers = {q: _practice_response(q) for q in ids}
    try:
        outcome = practice.grade_module_check(db.session, current_user, module, answers, utcnow(), drawn_ids=ids)
    except practice.PracticeError as e:
        flash(str(e), "error")
        return redirect(url_for("exams.module_check", module_id=module_id))
    session[_DRAWN_CHECKS] = drawn  # one grading per draw: "再测一次" draws afresh
    questions = [practice.public_question(practice.question_view(db.session, q)[1], q) for q in outcome.feedback]
    return render_template("exams/module_check.html", module=module, questions=questions, outcome=outcome)


# ------------------------------------------------------------------ trainers


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
    for row in form.rules:
        row.form.banks.choices = forms.choices((b.id, b.name) for b in banks)
    form.pick_bank.choices = forms.choices([(0, _("请选择题库"))] + [(b.id, b.name) for b in banks])
    form.departments.choices = forms.choices((d.id, d.name_path) for d in db.session.scalars(
        select(Department).order_by(Department.name_path)))
    form.gate_modules.choices = _module_choices()
    return form


def _module_choices() -> list[tuple[int, str]]:
    try:
        from lawtrain.courses.models import CourseModule
    except ImportError:
        return []
    return forms.choices((m.id, f"{m.law_name} · {m.title}") for m in db.session.scalars(
        select(CourseModule).order_by(CourseModule.law_name, CourseModule.id)))


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
    while len(form.rules) < len(exam.rules):
        form.rules.append_entry()
    for row, rule in zip(form.rules, exam.rules, strict=False):
        f = row.form
        f.type.data, f.banks.data, f.law_name.data = rule.type, list(rule.banks or []), rule.law_name
        f.articles.data = ", ".join(str(a) for a in rule.articles or [])
        f.tags.data = ", ".join(rule.tags or [])
        f.difficulty_min.data, f.difficulty_max.data = rule.difficulty_min, rule.difficulty_max
        f.count.data, f.points.data = rule.count, rule.points
    form.paper_mode.data = exam.paper_mode
    form.fixed_questions.data, form.fixed_points.data = services.fixed_paper_text(db.session, exam)


def _exam_data(form: forms.ExamForm, people: list[int]) -> services.ExamData:
    rules = [dict(type=r.type.data, banks=list(r.banks.data or []), law_name=(r.law_name.data or "").strip() or None,
                  articles=forms.parse_ranges(r.articles.data), tags=forms.split_list(r.tags.data),
                  difficulty_min=r.difficulty_min.data, difficulty_max=r.difficulty_max.data,
                  count=r.count.data, points=float(r.points.data or 1))
             for r in (row.form for row in form.rules) if r.type.data]
    gate = {k: v for k, v in (("modules", list(form.gate_modules.data or [])),
                              ("minutes", forms.parse_minutes(form.gate_minutes.data))) if v}
    return services.ExamData(
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
        people, unknown = services.resolve_people(db.session, forms.split_list(form.people.data))
        if unknown:
            form.people.errors = [_("找不到这些人员：%(names)s", names="、".join(unknown[:20]))]
        else:
            try:
                saved, check = services.save_exam(db.session, exam, _exam_data(form, people), actor=current_user,
                                                  now=utcnow(), ip=client_ip())
            except services.FixedPaperError as e:
                form.fixed_questions.errors = e.messages
            except services.ExamError as e:
                flash(str(e), "error")
            else:
                for message in check.messages:
                    flash(message, "warning")
                flash(_("考试已保存：共%(n)s题，总分%(p)s分。", n=check.question_count, p=check.total_points),
                      "success")
                return redirect(url_for("exams.detail", exam_id=saved.id))
    return render_template("exams/edit.html", form=form, exam=exam, picker=picker,
                           frozen=exam is not None and services.paper_is_frozen(db.session, exam))


def _picker(form: forms.ExamForm) -> dict:
    """The "从题库选题" panel: "加入试卷" appends the ticked questions to the list; then the chosen bank's
    active questions, marked when already on the paper, and what is wrong with the list so far."""
    if request.form.get("action") == "add":
        form.fixed_questions.data, added = services.add_to_fixed_paper(db.session, form.fixed_questions.data,
                                                                       form.picked.data or [])
        form.paper_mode.data = "fixed"
        flash(_("已加入%(n)s道试题，保存考试后生效。", n=added), "info")
    paper = services.resolve_fixed_paper(db.session, form.fixed_questions.data)
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
    exam = _exam(exam_id)
    services.close_overdue(db.session, utcnow(), exam_id=exam.id)  # nobody sees an overdue attempt as still open
    page = db.paginate(queries.attempts_select(exam.id), per_page=50, error_out=False)
    return render_template("exams/detail.html", exam=exam, check=services.check_paper(db.session, exam),
                           fixed=db.session.execute(queries.fixed_paper_select(exam.id)).all(),
                           stats=queries.exam_stats(db.session, exam.id), page=page,
                           people=queries.people_by_id(db.session, [a.user_id for a in page.items]),
                           assigned=len(services.assigned_users(db.session, exam)),
                           released=services.is_released(exam, utcnow()))


def _trainer_action(exam_id: int, action, done: str):
    exam = _exam(exam_id)
    try:
        action(exam)
    except services.ExamError as e:
        flash(str(e), "error")
    else:
        flash(done, "success")
    return redirect(url_for("exams.detail", exam_id=exam.id))


@bp.post("/<int:exam_id>/publish")
@roles_required(*TRAINERS)
def publish(exam_id: int):
    return _trainer_action(exam_id, lambda e: services.publish_exam(
        db.session, e, actor=current_user, now=utcnow(), ip=client_ip()), _("考试已发布。"))


@bp.post("/<int:exam_id>/archive")
@roles_required(*TRAINERS)
def archive(exam_id: int):
    return _trainer_action(exam_id, lambda e: services.archive_exam(
        db.session, e, actor=current_user, now=utcnow(), ip=client_ip()), _("考试已归档。"))


@bp.post("/<int:exam_id>/release")
@roles_required(*TRAINERS)
def release(exam_id: int):
    return _trainer_action(exam_id, lambda e: services.release_results(
        db.session, e, actor=current_user, now=utcnow(), ip=client_ip()), _("成绩已公布。"))


@bp.post("/<int:exam_id>/pregenerate")
@roles_required(*TRAINERS)
def pregenerate(exam_id: int):
    made: list[int] = []
    response = _trainer_action(exam_id, lambda e: made.append(services.pregenerate_papers(
        db.session, e, rng=random.Random(), now=utcnow())), _("试卷已预生成。"))
    if made:
        flash(_("本次新生成%(n)s份试卷。", n=made[0]), "info")
    return response


@bp.post("/<int:exam_id>/regrade")
@roles_required(*TRAINERS)
def regrade(exam_id: int):
    exam = _exam(exam_id)
    event_id = services.regrade_exam(db.session, exam, actor=current_user, now=utcnow(), ip=client_ip())
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
        event_ids = bank_services.void_question(db.session, question, actor=current_user, now=utcnow(),
                                                reason=(form.reason.data or "").strip())
        flash(_("题目 #%(id)s 已作废。", id=question.id), "success")
        if event_ids:
            return redirect(url_for("exams.regrade_result", event_id=event_ids[0]))
        return redirect(url_for("banks.bank", bank_id=question.bank_id))
    return render_template("exams/void_question.html", question=question, form=form,
                           usage=queries.question_usage(db.session, question.id))


@bp.route("/<int:exam_id>/overrides", methods=["GET", "POST"])
@roles_required(*TRAINERS)
def overrides(exam_id: int):
    exam = _exam(exam_id)
    form = forms.OverrideForm()
    if form.validate_on_submit():
        ids, _unknown = services.resolve_people(db.session, [form.person.data.strip()])
        if not ids:
            form.person.errors = [_("找不到该人员")]
        else:
            try:
                services.set_override(db.session, exam, db.session.get(User, ids[0]),
                                      extra_minutes=form.extra_minutes.data or 0, opens_at=_utc(form.opens_at.data),
                                      closes_at=_utc(form.closes_at.data), reason=form.reason.data,
                                      actor=current_user, now=utcnow(), ip=client_ip())
                flash(_("已为该人员设置个别安排。"), "success")
                return redirect(url_for("exams.overrides", exam_id=exam.id))
            except services.ExamError as e:
                flash(str(e), "error")
    ids = [o.user_id for o in exam.overrides]
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    return render_template("exams/overrides.html", exam=exam, form=form, people=people)


def _utc(local: datetime | None) -> datetime | None:
    return from_local(local) if local else None


@bp.get("/manage/attempts/<int:attempt_id>")
@roles_required(*TRAINERS)
def attempt_detail(attempt_id: int):
    attempt = db.session.get(Attempt, attempt_id) or abort(404)
    services.refresh_attempt(db.session, attempt, utcnow())
    return render_template("exams/attempt_detail.html", attempt=attempt, exam=attempt.exam,
                           person=db.session.get(User, attempt.user_id),
                           events=queries.attempt_events(db.session, attempt.id),
                           items=queries.review_items(db.session, attempt))
