"""Trainer pages of live contests: the list, set-up (teams, rounds), start, the record and its exports."""

from __future__ import annotations

import io
import random

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from lawtrain import nav
from lawtrain.auth.policy import TRAINERS, roles_required
from lawtrain.auth.roles import ADMIN, STAFF, TRAINER
from lawtrain.banks.models import Bank
from lawtrain.certificates import queries as cert_queries
from lawtrain.certificates.awards import AwardSource
from lawtrain.certificates.fonts import get_cjk_font
from lawtrain.contests import live_export, live_queries, live_services
from lawtrain.contests.live_forms import ROUND_TYPE_LABELS, ContestForm, RoundForm, TeamForm, numbers
from lawtrain.contests.live_models import LiveContest, LiveRound, LiveStatus, LiveTeam
from lawtrain.courses.models import Law
from lawtrain.extensions import db
from lawtrain.forms import choices
from lawtrain.timeutil import format_local, utcnow

bp = Blueprint("live", __name__, url_prefix="/contests")

STATUS_LABELS = {LiveStatus.DRAFT: _l("未开始"), LiveStatus.RUNNING: _l("进行中"), LiveStatus.FINISHED: _l("已结束")}
KIND_LABELS = {"judgement": _l("评判"), "override": _l("裁判调整"), "false_start": _l("抢答犯规")}

nav.add_nav(_l("现场竞赛"), "live.index", {TRAINER, ADMIN}, 58)


def _home_panel(session, user, now):
    rows = []
    for contest, team in live_queries.contests_of_user(session, user.id):
        standing = next(s for s in live_queries.standings(session, contest) if s.team_id == team.id)
        rows.append((contest, team, standing))
    return {"live_rows": rows,
            "live_teams": live_queries.teams_of_user(session, user.id)}


nav.add_home_panel("contests/live/_home_panel.html", {STAFF}, _home_panel, 48)


@bp.app_context_processor
def _labels():
    return {"live_status_labels": STATUS_LABELS, "live_round_labels": ROUND_TYPE_LABELS,
            "live_kind_labels": KIND_LABELS}


def _contest(contest_id: int) -> LiveContest:
    contest = db.session.get(LiveContest, contest_id)
    if contest is None:
        abort(404)
    return contest


def _round_form(formdata=None) -> RoundForm:
    form = RoundForm(formdata=formdata) if formdata is not None else RoundForm()
    form.bank_ids.choices = choices(db.session.execute(select(Bank.id, Bank.name).order_by(Bank.name)).all())
    form.law.choices = choices([("", _("不限")), *[(n, n) for n in db.session.scalars(
        select(Law.short_name).order_by(Law.short_name))]])
    return form


@bp.get("/live/")
@roles_required(*TRAINERS)
def index():
    contests = db.session.scalars(live_queries.contests_select()).all()
    return render_template("contests/live/index.html", contests=contests, form=ContestForm())


@bp.post("/live/")
@roles_required(*TRAINERS)
def create():
    form = ContestForm()
    if not form.validate_on_submit():
        return render_template("contests/live/index.html", form=form,
                               contests=db.session.scalars(live_queries.contests_select()).all()), 400
    contest = live_services.create_contest(db.session, title=form.title.data,
                                           false_start_penalty=form.false_start_penalty.data,
                                           actor=current_user, now=utcnow(), rng=random.SystemRandom())
    return redirect(url_for("live.setup", contest_id=contest.id))


@bp.get("/live/<int:contest_id>/")
@roles_required(*TRAINERS)
def setup(contest_id: int):
    contest = _contest(contest_id)
    return render_template("contests/live/setup.html", contest=contest, form=ContestForm(obj=contest),
                           team_form=TeamForm(), round_form=_round_form())


def _setup_error(contest: LiveContest, message: str, **forms):
    flash(message, "error")
    forms.setdefault("form", ContestForm(obj=contest))
    forms.setdefault("team_form", TeamForm(formdata=None))
    forms.setdefault("round_form", _round_form(formdata=None))
    return render_template("contests/live/setup.html", contest=contest, **forms), 400


@bp.post("/live/<int:contest_id>/settings")
@roles_required(*TRAINERS)
def update(contest_id: int):
    contest = _contest(contest_id)
    form = ContestForm()
    if not form.validate_on_submit():
        return _setup_error(contest, _("请检查竞赛设置"), form=form)
    try:
        live_services.update_contest(db.session, contest, title=form.title.data,
                                     false_start_penalty=form.false_start_penalty.data)
    except live_services.LiveError as exc:
        return _setup_error(contest, str(exc))
    flash(_("已保存"), "success")
    return redirect(url_for("live.setup", contest_id=contest.id))


@bp.post("/live/<int:contest_id>/teams")
@roles_required(*TRAINERS)
def add_team(contest_id: int):
    contest = _contest(contest_id)
    form = TeamForm()
    if not form.validate_on_submit():
        return _setup_error(contest, _("请检查队伍信息"), team_form=form)
    try:
        live_services.add_team(db.session, contest, name=form.name.data, department=form.department.data,
                               members=(form.members.data or "").splitlines(), rng=random.SystemRandom())
    except live_services.LiveError as exc:
        return _setup_error(contest, str(exc), team_form=form)
    return redirect(url_for("live.setup", contest_id=contest.id) + "#teams")


def _remove_from_setup(contest_id: int, item, remove, anchor: str):
    """Remove a team or round (404 unless it belongs to the contest); a refusal is flashed."""
    if item is None or item.contest_id != contest_id:
        abort(404)
    try:
        remove(db.session, item)
    except live_services.LiveError as exc:
        flash(str(exc), "error")
    return redirect(url_for("live.setup", contest_id=contest_id) + anchor)


@bp.post("/live/<int:contest_id>/teams/<int:team_id>/delete")
@roles_required(*TRAINERS)
def remove_team(contest_id: int, team_id: int):
    return _remove_from_setup(contest_id, db.session.get(LiveTeam, team_id), live_services.remove_team, "#teams")


@bp.post("/live/<int:contest_id>/rounds")
@roles_required(*TRAINERS)
def add_round(contest_id: int):
    contest = _contest(contest_id)
    form = _round_form()
    if not form.validate_on_submit():
        return _setup_error(contest, _("请检查轮次设置"), round_form=form)
    try:
        live_services.add_round(db.session, contest, type=form.type.data, title=form.title.data,
                                points_right=form.points_right.data, points_wrong=form.points_wrong.data,
                                seconds=form.seconds.data, risk_values=numbers(form.risk_values.data),
                                source=form.source())
    except live_services.LiveError as exc:
        return _setup_error(contest, str(exc), round_form=form)
    return redirect(url_for("live.setup", contest_id=contest.id) + "#rounds")


@bp.post("/live/<int:contest_id>/rounds/<int:round_id>/delete")
@roles_required(*TRAINERS)
def remove_round(contest_id: int, round_id: int):
    return _remove_from_setup(contest_id, db.session.get(LiveRound, round_id), live_services.remove_round, "#rounds")


@bp.post("/live/<int:contest_id>/start")
@roles_required(*TRAINERS)
def start(contest_id: int):
    contest = _contest(contest_id)
    try:
        live_services.start_contest(db.session, contest, actor=current_user, now=utcnow(), rng=random.SystemRandom())
    except live_services.LiveError as exc:
        flash(str(exc), "error")
        return redirect(url_for("live.setup", contest_id=contest.id))
    return redirect(url_for("live.console", contest_id=contest.id))


# ------------------------------------------------------------------ after the contest


@bp.get("/live/<int:contest_id>/record")
@roles_required(*TRAINERS)
def record(contest_id: int):
    contest = _contest(contest_id)
    awards = db.session.scalars(cert_queries.award_certificates(AwardSource.LIVE_CONTEST, contest.id)).all()
    return render_template("contests/live/record.html", contest=contest, awards=awards,
                           record=live_queries.record(db.session, contest))


@bp.post("/live/<int:contest_id>/awards")
@roles_required(*TRAINERS)
def awards(contest_id: int):
    contest = _contest(contest_id)
    try:
        n = live_services.award_certificates(db.session, contest, actor=current_user, now=utcnow())
    except live_services.LiveError as exc:
        flash(str(exc), "error")
    else:
        flash(_("已颁发获奖证书 %(n)s 张", n=n), "success")
    return redirect(url_for("live.record", contest_id=contest.id) + "#awards")


def _download(data: bytes, mimetype: str, name: str):
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/live/<int:contest_id>/record.xlsx")
@roles_required(*TRAINERS)
def record_xlsx(contest_id: int):
    contest = _contest(contest_id)
    rows = live_export.record_rows(live_queries.record(db.session, contest), format_local)
    return _download(live_export.record_xlsx(contest.title, rows),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     f"live-contest-{contest.id}.xlsx")


@bp.get("/live/<int:contest_id>/record.pdf")
@roles_required(*TRAINERS)
def record_pdf(contest_id: int):
    from lawtrain.contests import live_pdf

    contest = _contest(contest_id)
    rows = live_export.record_rows(live_queries.record(db.session, contest), format_local)
    data = live_pdf.record_pdf(title=contest.title, rows=rows,
                               font_name=get_cjk_font(current_app.config.get("LAWTRAIN_CJK_FONT")))
    return _download(data, "application/pdf", f"live-contest-{contest.id}.pdf")

