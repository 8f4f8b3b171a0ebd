"""Pages of online contests: organisers' list, form and admin page; the entrant's intro, result, leaderboard
and results page; the guest registration page; the JSON API (GET /api/contests, …/leaderboard)."""

from __future__ import annotations

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
from lawtrain.auth.policy import TRAINERS, login_required, public, roles_required
from lawtrain.auth.roles import ADMIN, LEADER, STAFF, TRAINER
from lawtrain.auth.sessions import client_ip, login_throttle, sign_in
from lawtrain.certificates.views import zip_response
from lawtrain.contests import online_exports, online_forms, online_queries, online_rank, online_services
from lawtrain.contests.online_models import ContestStatus, OnlineContest
from lawtrain.exams import errors as exam_errors
from lawtrain.exams import forms as exam_forms
from lawtrain.exams import queries as exam_queries
from lawtrain.exams.models import Attempt
from lawtrain.extensions import db
from lawtrain.org.models import Department
from lawtrain.spreadsheet import SpreadsheetError, read_table
from lawtrain.timeutil import from_local, iso_utc, utcnow

bp = Blueprint("online_contests", __name__, url_prefix="/contests/online")
api_bp = Blueprint("online_contests_api", __name__, url_prefix="/api/contests")
ORGANISERS = (TRAINER, ADMIN)
STATE_LABELS = {"draft": _l("草稿"), "upcoming": _l("未开始"), "open": _l("进行中"), "ended": _l("已截止，待评奖"),
                "closed": _l("已结束")}
GUEST_REGISTRATIONS_PER_HOUR = 20  # per address: a school or a company behind one address still fits

def _staff_panel(session, user, now):
    contests = online_queries.contests_for_user(session, user)
    return {"rows": [(c, online_queries.window_state(c, now), None) for c in contests
                     if online_queries.window_state(c, now) in ("upcoming", "open")][:5]}


def _overview_panel(session, user, now):
    """Leaders and organisers: the latest contests beside the exams, with turnout and average."""
    rows = []
    for c in session.scalars(online_queries.contests_select().where(OnlineContest.status != ContestStatus.DRAFT)
                             .limit(4)):
        units = online_queries.department_ranking(session, c)
        top = [d for d in units if d.depth == 0]
        eligible, entrants = sum(d.eligible for d in top), sum(d.entrants for d in top)
        rows.append((c, online_queries.window_state(c, now), {
            "entrants": online_queries.entrant_count(session, c),
            "rate": entrants / eligible if eligible else None,
            "average": sum(d.score_sum for d in top) / entrants if entrants else None}))
    return {"rows": rows, "overview": True}


nav.add_nav(_l("知识竞赛"), "online_contests.index", {STAFF}, 38)
nav.add_nav(_l("竞赛管理"), "online_contests.manage", set(TRAINERS), 42)
nav.add_home_panel("contests/online/_home_panel.html", {STAFF}, _staff_panel, 25)
nav.add_home_panel("contests/online/_overview_panel.html", {LEADER, TRAINER, ADMIN}, _overview_panel, 15)


@bp.app_context_processor
def _labels():
    return {"contest_state_labels": STATE_LABELS}


def is_organiser() -> bool:
    return current_user.is_authenticated and current_user.has_role(*ORGANISERS)


def _contest(contest_id: int) -> OnlineContest:
    return db.session.get(OnlineContest, contest_id) or abort(404)


def _entrant_contest(contest_id: int) -> OnlineContest:
    """A published contest this person may enter, or any contest for its organisers (else 404)."""
    contest = _contest(contest_id)
    if is_organiser():
        return contest
    if contest.status == ContestStatus.DRAFT or not online_queries.is_entrant(db.session, contest, current_user):
        abort(404)
    return contest


def _may_see_board(contest: OnlineContest, now) -> bool:
    state = online_queries.window_state(contest, now)
    return is_organiser() or current_user.has_role(LEADER) or contest.public_leaderboard or state in ("ended",
                                                                                                      "closed")


# ------------------------------------------------------------------ entrants


@bp.get("/")
@login_required
def index():
    now = utcnow()
    contests = online_queries.contests_for_user(db.session, current_user)
    return render_template("contests/online/index.html", now=now, rows=[
        (c, online_queries.window_state(c, now)) for c in contests])


@bp.get("/<int:contest_id>")
@login_required
def intro(contest_id: int):
    contest = _entrant_contest(contest_id)
    now = utcnow()
    mine = list(db.session.scalars(select(Attempt).where(Attempt.exam_id == contest.exam_id,
                                                         Attempt.user_id == current_user.id)))
    return render_template("contests/online/intro.html", contest=contest, now=now, mine=mine,
                           state=online_queries.window_state(contest, now),
                           tiers=online_rank.tiers_from_json(contest.prize_tiers),
                           seconds_left=int((contest.closes_at - now).total_seconds()) if contest.closes_at else 0,
                           form=online_forms.ConfirmForm())


@bp.post("/<int:contest_id>/enter")
@login_required
def enter(contest_id: int):
    contest = _entrant_contest(contest_id)
    try:
        attempt, _resumed = online_services.enter_contest(db.session, contest, current_user, utcnow(), ip=client_ip())
    except (online_services.ContestUnavailable, exam_errors.ExamError) as e:
        flash(str(e), "error")
        return redirect(url_for("online_contests.intro", contest_id=contest.id))
    return redirect(url_for("exams.take", attempt_id=attempt.id))


@bp.get("/<int:contest_id>/result")
@login_required
def result(contest_id: int):
    contest = _entrant_contest(contest_id)
    now = utcnow()
    standing = online_queries.my_standing(db.session, contest, current_user.id)
    return render_template("contests/online/result.html", contest=contest, standing=standing,
                           certificate=online_queries.my_certificate(db.session, contest.id, current_user.id),
                           state=online_queries.window_state(contest, now),
                           entrants=online_queries.entrant_count(db.session, contest))


@bp.get("/<int:contest_id>/leaderboard")
@login_required
def leaderboard(contest_id: int):
    contest = _entrant_contest(contest_id)
    now = utcnow()
    if not _may_see_board(contest, now):
        flash(_("本竞赛的排行榜在竞赛结束后公布。"), "info")
        return redirect(url_for("online_contests.intro", contest_id=contest.id))
    rows = online_queries.leaderboard(db.session, contest, limit=100, masked=not is_organiser())
    units = online_queries.unit_ranking(online_queries.department_ranking(db.session, contest))
    return render_template("contests/online/leaderboard.html", contest=contest, rows=rows, units=units,
                           state=online_queries.window_state(contest, now),
                           me=online_queries.my_standing(db.session, contest, current_user.id))


@bp.get("/<int:contest_id>/results")
@login_required
def results(contest_id: int):
    contest = _entrant_contest(contest_id)
    if contest.results_published_at is None and not is_organiser():
        abort(404)
    departments = online_queries.department_ranking(db.session, contest)
    return render_template("contests/online/results.html", contest=contest, departments=departments,
                           units=online_queries.unit_ranking(departments),
                           prizes=db.session.execute(online_queries.prizes_select(contest.id)).all(),
                           masked=not is_organiser(), mask=online_rank.mask_name, form=online_forms.ConfirmForm())


# ------------------------------------------------------------------ guests


@bp.route("/g/<token>", methods=["GET", "POST"])
@public
def guest(token: str):
    contest = db.session.scalar(select(OnlineContest).where(OnlineContest.guest_token == token)) or abort(404)
    if not contest.allow_guests or contest.status == ContestStatus.DRAFT:
        abort(404)
    form = online_forms.GuestForm()
    state = online_queries.window_state(contest, utcnow())
    if form.validate_on_submit():
        store, key = login_throttle().store, f"contest-guest:{client_ip()}"
        if store.get(key) >= current_app.config.get("CONTEST_GUEST_REGISTRATIONS_PER_HOUR",
                                                    GUEST_REGISTRATIONS_PER_HOUR):
            flash(_("报名过于频繁，请稍后再试。"), "error")
            return render_template("contests/online/guest.html", contest=contest, form=form, state=state), 429
        store.incr(key, 3600)
        data = online_services.GuestData(form.name.data, form.unit.data, form.mobile.data)
        try:
            user = online_services.register_guest(db.session, contest, data, now=utcnow(), ip=client_ip())
        except online_services.ContestError as e:
            flash(str(e), "error")
        else:
            sign_in(user)
            return redirect(url_for("online_contests.intro", contest_id=contest.id))
    return render_template("contests/online/guest.html", contest=contest, form=form, state=state)


# ------------------------------------------------------------------ organisers


@bp.get("/manage")
@roles_required(*TRAINERS)
def manage():
    now = utcnow()
    contests = db.session.scalars(online_queries.contests_select().limit(200)).all()
    return render_template("contests/online/manage.html", rows=[
        (c, online_queries.window_state(c, now), online_queries.entrant_count(db.session, c)) for c in contests])


def _contest_form(contest: OnlineContest | None) -> online_forms.ContestForm:
    form = online_forms.ContestForm()
    if contest is not None and request.method == "GET":
        online_forms.fill_form(form, contest)
    from lawtrain.banks.models import Bank

    banks = db.session.execute(select(Bank.id, Bank.name).order_by(Bank.name)).all()
    laws = exam_forms.choices([("", _("不限法律"))] + [(n, n) for n in exam_queries.rule_law_names(
        db.session, [r.law_name for r in (contest.exam.rules if contest is not None else [])])])
    for row in form.rules:
        row.form.banks.choices = exam_forms.choices((b.id, b.name) for b in banks)
        row.form.law_name.choices = laws  # the exams' rule form: 法律 chosen from the law library
    form.departments.choices = exam_forms.choices((d.id, d.name_path) for d in db.session.scalars(
        select(Department).order_by(Department.name_path)))
    return form


def _contest_data(form: online_forms.ContestForm) -> online_services.ContestData:
    rules = exam_forms.rule_rows_data(form)
    tiers = [online_rank.Tier(t.prize.data, int(t.amount.data) if t.mode.data == "count" else None,
                              float(t.amount.data) if t.mode.data == "share" else None)
             for t in (row.form for row in form.tiers) if t.amount.data]
    units = online_forms.split_units(form.units.data)
    upload = form.units_file.data
    if upload and getattr(upload, "filename", ""):
        rows = read_table(upload.read(), upload.filename, max_rows=5000)
        units += [cells[0].strip()[:128] for _n, cells in rows if cells and cells[0].strip()]
    return online_services.ContestData(
        title=form.title.data.strip(), description=form.description.data or "",
        opens_at=from_local(form.opens_at.data), closes_at=from_local(form.closes_at.data),
        duration_minutes=form.duration_minutes.data, attempts_allowed=form.attempts_allowed.data, rules=rules,
        all_staff=form.all_staff.data, department_ids=list(form.departments.data or []),
        allow_guests=form.allow_guests.data, units=units, tie_break=form.tie_break.data, tiers=tiers,
        min_score=float(form.min_score.data or 0), public_leaderboard=form.public_leaderboard.data,
        participation_certificates=form.participation_certificates.data)


def _save(contest: OnlineContest | None):
    form = _contest_form(contest)
    if form.validate_on_submit():
        try:
            saved, check = online_services.save_contest(db.session, contest, _contest_data(form), actor=current_user,
                                                        now=utcnow(), ip=client_ip())
        except (online_services.ContestError, SpreadsheetError) as e:
            flash(str(e), "error")
        else:
            for message in check.messages:
                flash(message, "warning")
            flash(_("竞赛已保存：共%(n)s题，总分%(p)s分。", n=check.question_count, p=check.total_points), "success")
            return redirect(url_for("online_contests.admin", contest_id=saved.id))
    frozen = contest is not None and online_queries.is_frozen(contest, utcnow())
    return render_template("contests/online/edit.html", form=form, contest=contest, frozen=frozen)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*TRAINERS)
def new():
    return _save(None)


@bp.route("/<int:contest_id>/edit", methods=["GET", "POST"])
@roles_required(*TRAINERS)
def edit(contest_id: int):
    return _save(_contest(contest_id))


@bp.get("/<int:contest_id>/admin")
@roles_required(*TRAINERS)
def admin(contest_id: int):
    contest = _contest(contest_id)
    now = utcnow()
    guests = db.session.scalars(online_queries.guests_select(contest.id).limit(500)).all()
    certificates = db.session.scalars(online_queries.award_certificates(contest.id).limit(500)).all()
    link = url_for("online_contests.guest", token=contest.guest_token, _external=True)
    return render_template("contests/online/admin.html", contest=contest, state=online_queries.window_state(
        contest, now), guests=guests, guest_link=link, entrants=online_queries.entrant_count(db.session, contest),
        form=online_forms.ConfirmForm(), tiers=online_rank.tiers_from_json(contest.prize_tiers),
        certificates=certificates)


def _action(contest_id: int, action, done: str):
    contest = _contest(contest_id)
    if online_forms.ConfirmForm().validate_on_submit():
        try:
            action(db.session, contest, actor=current_user, now=utcnow(), ip=client_ip())
        except online_services.ContestError as e:
            flash(str(e), "error")
        else:
            flash(done, "success")
    return redirect(url_for("online_contests.admin", contest_id=contest.id))


@bp.post("/<int:contest_id>/publish")
@roles_required(*TRAINERS)
def publish(contest_id: int):
    return _action(contest_id, online_services.publish_contest, _("竞赛已发布。"))


@bp.post("/<int:contest_id>/close")
@roles_required(*TRAINERS)
def close(contest_id: int):
    return _action(contest_id, online_services.close_contest, _("竞赛已结束，奖项已评定。"))


@bp.post("/<int:contest_id>/publish-results")
@roles_required(*TRAINERS)
def publish_results(contest_id: int):
    return _action(contest_id, online_services.publish_results, _("竞赛结果已公布。"))


@bp.post("/<int:contest_id>/purge-guests")
@roles_required(*TRAINERS)
def purge_guests(contest_id: int):
    return _action(contest_id, online_services.purge_guests, _("社会参赛者的个人信息已清除。"))


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{filename}", "Cache-Control": "no-store"})


@bp.get("/<int:contest_id>/results.<fmt>")
@roles_required(*TRAINERS)
def export(contest_id: int, fmt: str):
    contest = _contest(contest_id)
    if fmt not in online_exports.FORMATS:
        abort(404)
    body = online_exports.results_file(db.session, contest, fmt, current_app.config.get("LAWTRAIN_CJK_FONT"))
    return _download(body, online_exports.FORMATS[fmt], f"contest-{contest.id}-results.{fmt}")


@bp.get("/<int:contest_id>/certificates.zip")
@roles_required(*TRAINERS)
def certificates_zip(contest_id: int):
    contest = _contest(contest_id)
    return zip_response(contest.title, online_queries.award_certificates(contest.id),
                        url_for("online_contests.admin", contest_id=contest.id), suffix="获奖证书")


@bp.get("/<int:contest_id>/guests.xlsx")
@roles_required(*TRAINERS)
def guests_export(contest_id: int):
    contest = _contest(contest_id)
    return _download(online_exports.guests_xlsx(db.session, contest), online_exports.FORMATS["xlsx"],
                     f"contest-{contest.id}-guests.xlsx")


@bp.get("/<int:contest_id>/guest-qr.svg")
@roles_required(*TRAINERS)
def guest_qr(contest_id: int):
    contest = _contest(contest_id)
    link = url_for("online_contests.guest", token=contest.guest_token, _external=True)
    return Response(online_exports.qr_svg(link), mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


# ------------------------------------------------------------------ JSON API


def _api_state(contest: OnlineContest, now) -> str:
    return online_queries.window_state(contest, now)


@api_bp.get("")
@login_required
def api_list():
    now = utcnow()
    return jsonify([{"id": c.id, "title": c.title, "status": _api_state(c, now), "exam_id": c.exam_id,
                     "opens_at": iso_utc(c.opens_at), "closes_at": iso_utc(c.closes_at)}
                    for c in online_queries.contests_for_user(db.session, current_user)])


@api_bp.get("/<int:contest_id>/leaderboard")
@login_required
def api_leaderboard(contest_id: int):
    contest = _entrant_contest(contest_id)
    if not _may_see_board(contest, utcnow()):
        return jsonify(error=_("本竞赛的排行榜在竞赛结束后公布。"), status=403), 403
    limit = max(1, min(request.args.get("limit", 50, type=int) or 50, 500))
    rows = online_queries.leaderboard(db.session, contest, limit=limit, masked=not is_organiser())
    return jsonify(rows=[{k: r[k] for k in ("rank", "name", "unit", "score", "seconds")} for r in rows])


def contest_result_url(attempt: Attempt) -> str:
    """Where a contest paper's result is shown (the exam page's result redirects here)."""
    contest = db.session.scalar(select(OnlineContest).where(OnlineContest.exam_id == attempt.exam_id))
    return url_for("online_contests.result", contest_id=contest.id) if contest else url_for("main.home")
