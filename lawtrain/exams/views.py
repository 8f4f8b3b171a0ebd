"""Pages of the exams area for staff: exam list, intro, take, result, wrong book, practice, module check.

The blueprint is shared with manage_views (the trainers' pages); `own_attempt` with the JSON API."""

from __future__ import annotations

import random

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from lawtrain import nav
from lawtrain.auth.policy import TRAINERS, login_required
from lawtrain.auth.roles import STAFF
from lawtrain.auth.sessions import client_ip
from lawtrain.banks.models import Bank
from lawtrain.courses.models import CourseModule
from lawtrain.display import score_text
from lawtrain.exams import attempts, availability, errors, forms, practice, queries, selection, timing, visibility
from lawtrain.exams.models import Attempt, AttemptStatus, Exam
from lawtrain.extensions import db
from lawtrain.timeutil import utcnow

bp = Blueprint("exams", __name__, url_prefix="/exams")

# Exam kind -> function(attempt) -> URL: an area that owns hidden exams (contests) shows its own result page.
RESULT_PAGES: dict = {}

STATUS_LABELS = {"open": _l("可参加"), "in_progress": _l("进行中"), "locked": _l("未满足培训要求"),
                 "done": _l("已完成"), "upcoming": _l("未开始"), "closed": _l("已结束")}
# How an exam stands for its trainers (timing.exam_phase): from its status and its window, never "已发布" forever.
PHASE_LABELS = {"draft": _l("草稿"), "upcoming": _l("未开始"), "open": _l("进行中"), "closed": _l("已结束"),
                "archived": _l("已归档")}
TYPE_LABELS = {"single": _l("单选题"), "multiple": _l("多选题"), "true_false": _l("判断题"), "fill_blank": _l("填空题"),
               "case": _l("案例分析题")}


def _home_panel(session, user, now):
    return {"exams": availability.exams_for_user(session, user, now)[:5], "labels": STATUS_LABELS}


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
    return {"exam_status_labels": STATUS_LABELS, "question_type_labels": TYPE_LABELS, "exam_phase": _exam_phase}


def _exam_phase(exam: Exam) -> str:
    """The trainer's word for the exam now: 草稿 / 未开始 / 进行中 / 已结束 / 已归档."""
    return str(PHASE_LABELS[timing.exam_phase(exam.status, exam.opens_at, exam.closes_at, utcnow())])


def paper_warning_texts(total_points: float, pass_percent: float | None) -> list[str]:
    """The paper's odd figures in words (selection.paper_warnings), for the save flash and the exam page."""
    texts = {"total": _("试卷总分为 %(p)s 分，通常为 100 分，请核对每题分值和题数。", p=score_text(total_points)),
             "pass_low": _("及格线为 %(p)s%%，低于 50%%，请核对。", p=score_text(pass_percent)),
             "pass_high": _("及格线为 %(p)s%%，高于 90%%，请核对。", p=score_text(pass_percent))}
    return [texts[key] for key in selection.paper_warnings(total_points, pass_percent)]


# ------------------------------------------------------------------ authorisation helpers


def own_attempt(attempt_id: int) -> Attempt:
    """The current user's attempt, else 404 (never 403: other people's attempts do not exist for them)."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


def _visible_exam(exam_id: int) -> Exam:
    try:
        return availability.visible_exam(db.session, exam_id, current_user)
    except errors.ExamNotFound:
        abort(404)


def _exam(exam_id: int) -> Exam:
    return db.session.get(Exam, exam_id) or abort(404)


# ------------------------------------------------------------------ staff


def _gate_links(exams) -> dict[str, int]:
    """Title -> id of the modules the exams' training gates require, so that what is missing links to them."""
    ids = {int(m) for e in exams for m in (e.gate or {}).get("modules") or []}
    if not ids:
        return {}
    return {t: i for i, t in db.session.execute(select(CourseModule.id, CourseModule.title)
                                                .where(CourseModule.id.in_(ids)))}


@bp.get("/")
@login_required
def index():
    rows = availability.exams_for_user(db.session, current_user, utcnow())
    return render_template("exams/index.html", rows=rows, gate_links=_gate_links([r.exam for r in rows]))


@bp.get("/<int:exam_id>")
@login_required
def intro(exam_id: int):
    exam = _visible_exam(exam_id)
    now = utcnow()
    status = availability.exam_status(db.session, exam, current_user, now)
    return render_template("exams/intro.html", exam=exam, st=status, now=now, gate_links=_gate_links([exam]))


@bp.post("/<int:exam_id>/start")
@login_required
def start(exam_id: int):
    exam = _visible_exam(exam_id)
    try:
        attempt, _resumed = attempts.start_attempt(db.session, exam, current_user, utcnow(), ip=client_ip())
    except errors.ExamUnavailable as e:
        flash(_("%(msg)s：%(reasons)s", msg=str(e), reasons=_("；").join(e.reasons)) if e.reasons else str(e), "error")
        return redirect(url_for("exams.intro", exam_id=exam.id))
    except errors.PaperError as e:
        flash(_("试卷无法生成，请联系培训管理员：%(msg)s", msg=str(e)), "error")
        return redirect(url_for("exams.intro", exam_id=exam.id))
    return redirect(url_for("exams.take", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>")
@login_required
def take(attempt_id: int):
    now = utcnow()
    attempt = queries.as_seen(db.session, own_attempt(attempt_id), now)
    if not attempt.is_open:
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    return render_template("exams/take.html", attempt=attempt, exam=attempt.exam,
                           data=queries.delivery(db.session, attempt, now),
                           grace=availability.grace_seconds())


def _form_responses(data: dict) -> dict[int, list[str]]:
    """Responses from the plain form: q<id> (radio/checkboxes) and q<id>_<n> (blanks), for the questions the
    form showed (`shown`) or sent fields for: a saved answer the post does not carry is kept, not emptied."""
    out = {}
    shown = set(request.form.getlist("shown", type=int))
    for q in data["questions"]:
        name = f"q{q['id']}"
        if q["id"] not in shown and not any(k == name or k.startswith(f"{name}_") for k in request.form):
            continue
        if q["type"] == "fill_blank":
            out[q["id"]] = [request.form.get(f"{name}_{i}", "").strip()[:attempts.MAX_RESPONSE_TEXT]
                            for i in range(q["blanks"])]
            if not any(out[q["id"]]):
                out[q["id"]] = []
        else:
            out[q["id"]] = sorted(request.form.getlist(name))[:attempts.MAX_RESPONSE_ITEMS]
    return out


@bp.post("/attempts/<int:attempt_id>")
@login_required
def take_form(attempt_id: int):
    """The no-JavaScript fallback: save every answer, and submit when asked."""
    attempt = own_attempt(attempt_id)
    now = utcnow()
    try:
        attempts.save_all(db.session, attempt, _form_responses(queries.delivery(db.session, attempt, now)), now)
    except errors.AttemptClosed as e:
        flash(str(e), "error")
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    if request.form.get("action") == "submit":
        attempts.submit_attempt(db.session, attempt, now)
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    flash(_("答案已保存。"), "success")
    return redirect(url_for("exams.take", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    now = utcnow()
    attempt = queries.as_seen(db.session, own_attempt(attempt_id), now)
    if attempt.status != AttemptStatus.SUBMITTED:
        abort(404)  # no result (or link to one) while the attempt is live
    if attempt.exam.kind in RESULT_PAGES:
        return redirect(RESULT_PAGES[attempt.exam.kind](attempt))
    released = availability.result_visible(attempt, now)
    items = queries.review_items(db.session, attempt) if released and attempt.exam.review == "full" else []
    withheld = visibility.withheld_question_ids(db.session, current_user, now) if items else set()
    shown = [item for item in items if item.version.question_id not in withheld]
    return render_template("exams/result.html", attempt=attempt, exam=attempt.exam, released=released, items=shown,
                           withheld_count=len(items) - len(shown))


@bp.get("/wrong-book")
@login_required
def wrong_book():
    now = utcnow()
    withheld = visibility.withheld_question_ids(db.session, current_user, now)
    rows = db.session.execute(queries.wrong_book_select(current_user.id, now, withheld=withheld).limit(200)).all()
    cases = queries.question_cases(db.session, [entry.question_id for entry, _v in rows])
    return render_template("exams/wrong_book.html", rows=rows, cases=cases)


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
        ids = practice.module_check_pool(db.session, _module_or_404(int(form.module.data)))
    else:
        ids = list(db.session.scalars(practice.pool_select(
            law=form.law.data or None, articles=forms.parse_ranges(form.articles.data),
            user_id=current_user.id, wrong_book=mode == "wrong_book")))
    withheld = visibility.withheld_question_ids(db.session, current_user, utcnow())
    return [q for q in ids if q not in withheld]  # the visibility policy: no key for a question still to sit


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
            question = _public_question(qid)
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
        question = _public_question(qid)
    except practice.PracticeError:
        abort(404)
    form = _practice_form(request.form)
    return render_template("exams/practice.html", form=form, question=question,
                           mode=request.form.get("mode", "law"), index=request.form.get("i", 0, type=int),
                           total=max(0, request.form.get("n", 0, type=int)), feedback=feedback)


def _public_question(qid: int) -> dict:
    """A practice or check question as shown before answering, with its case when it is a sub-question."""
    _q, version = practice.question_view(db.session, qid)
    return practice.public_question(version, qid) | {"case": queries.question_cases(db.session, [qid]).get(qid)}


def _practice_response(qid: int) -> list[str]:
    name = f"q{qid}"
    blanks = [request.form.get(f"{name}_{i}", "").strip() for i in range(10) if f"{name}_{i}" in request.form]
    return (blanks if any(blanks) else []) if blanks else sorted(request.form.getlist(name))[:20]


def _module_or_404(module_id: int) -> CourseModule:
    return db.session.get(CourseModule, module_id) or abort(404)


_DRAWN_CHECKS = "module_checks"  # session key: module id -> the question ids drawn for this person's check


@bp.route("/practice/module/<int:module_id>/check", methods=["GET", "POST"])
@login_required
def module_check(module_id: int):
    module = _module_or_404(module_id)
    drawn = dict(session.get(_DRAWN_CHECKS) or {})
    if request.method == "GET":
        ids = practice.draw_module_check(db.session, module, random.Random(), user=current_user, now=utcnow())
        session[_DRAWN_CHECKS] = {**dict(list(drawn.items())[-4:]), str(module.id): ids}
        questions = [_public_question(q) for q in ids]
        return render_template("exams/module_check.html", module=module, questions=questions, outcome=None)
    ids = drawn.pop(str(module.id), [])
    answers = {q: _practice_response(q) for q in ids}
    try:
        outcome = practice.grade_module_check(db.session, current_user, module, answers, utcnow(), drawn_ids=ids)
    except practice.PracticeError as e:
        flash(str(e), "error")
        return redirect(url_for("exams.module_check", module_id=module_id))
    session[_DRAWN_CHECKS] = drawn  # one grading per draw: "再测一次" draws afresh
    questions = [_public_question(q) for q in outcome.feedback]
    return render_template("exams/module_check.html", module=module, questions=questions, outcome=outcome)


def _module_choices() -> list[tuple[int, str]]:
    return forms.choices((m.id, f"{m.law_name} · {m.title}") for m in db.session.scalars(
        select(CourseModule).order_by(CourseModule.law_name, CourseModule.id)))
