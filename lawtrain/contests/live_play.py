"""The contest while it runs: the host console's state and actions, the team pads (join by code or as a
signed-in member) and the big screen (by its screen code). State is polled with ETags: an unchanged
version costs one indexed read and a 304 (docs/DEPLOY.md explains why polling, not held connections)."""

from __future__ import annotations

from flask import abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lawtrain.auth.policy import TRAINERS, public, roles_required
from lawtrain.auth.sessions import client_ip
from lawtrain.contests import live_queries, live_services
from lawtrain.contests.live_forms import JoinForm
from lawtrain.contests.live_models import LiveContest, LiveMember, LiveTeam
from lawtrain.contests.live_rules import normalise_code
from lawtrain.contests.live_views import _contest, bp
from lawtrain.extensions import db
from lawtrain.timeutil import utcnow

CODE_WINDOW = 600  # seconds
CODE_MAX_UNKNOWN = 20  # wrong team/screen codes per address per window before 429
_GRANTS = "live_teams"  # session key: the team ids this browser joined by code


def _etag_response(version: int, tag: str, build):
    """304 when the poller already holds this version; else the state with its ETag."""
    etag = f"{version}-{tag}"
    if etag in request.if_none_match:
        response = current_app.response_class(status=304)
    else:
        response = jsonify(build())
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache, private"
    return response


def _throttled() -> bool:
    store = current_app.extensions["login_throttle"].store
    return store.get(f"lc:addr:{client_ip()}") > CODE_MAX_UNKNOWN


def _wrong_code() -> None:
    current_app.extensions["login_throttle"].store.incr(f"lc:addr:{client_ip()}", CODE_WINDOW)


def _error(exc: Exception, status: int = 409):
    return jsonify(error=str(exc)), status


# ------------------------------------------------------------------ host console


@bp.get("/live/<int:contest_id>/console")
@roles_required(*TRAINERS)
def console(contest_id: int):
    contest = _contest(contest_id)
    return render_template("contests/live/console.html", contest=contest)


@bp.get("/live/<int:contest_id>/console/state")
@roles_required(*TRAINERS)
def console_state(contest_id: int):
    _contest(contest_id)
    state = live_queries.state_for(db.session, contest_id, "host", utcnow())
    state["links"] = live_queries.team_links(db.session, contest_id)
    return jsonify(state)


def _int_or_none(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        abort(400)


def _judge(s, contest, data, now):
    correct = {"right": True, "wrong": False, "accept": None}.get(data.get("verdict"), "bad")
    if correct == "bad":
        abort(400)
    live_services.judge(s, contest, team_id=_int_or_none(data.get("team_id")), correct=correct,
                        actor=current_user, now=now)


def _override(s, contest, data, now):
    live_services.override_score(s, contest, team_id=_int_or_none(data.get("team_id")) or 0,
                                 points=_int_or_none(data.get("points")) or 0,
                                 reason=str(data.get("reason") or ""), actor=current_user, now=now)


# The host's buttons: action -> (session, contest, posted JSON, now) -> one service call.
_CONSOLE_ACTIONS = {
    "show": lambda s, contest, _data, now: live_services.show_question(s, contest, now=now),
    "open": lambda s, contest, _data, now: live_services.open_buzzing(s, contest, now=now),
    "reveal": lambda s, contest, _data, now: live_services.reveal_answer(s, contest, now=now),
    "next": lambda s, contest, _data, now: live_services.next_question(s, contest, actor=current_user, now=now),
    "judge": _judge,
    "undo": lambda s, contest, _data, now: live_services.undo_judgement(s, contest, actor=current_user, now=now),
    "override": _override,
    "finish": lambda s, contest, _data, now: live_services.finish_contest(s, contest, actor=current_user, now=now),
}


@bp.post("/live/<int:contest_id>/console/<action>")
@roles_required(*TRAINERS)
def act(contest_id: int, action: str):
    contest = _contest(contest_id)
    run = _CONSOLE_ACTIONS.get(action) or abort(404)
    try:
        run(db.session, contest, request.get_json(silent=True) or {}, utcnow())
    except live_services.LiveError as exc:
        return _error(exc)
    return jsonify(ok=True)


# ------------------------------------------------------------------ team pads


def _granted(team_id: int) -> bool:
    """This browser joined the team by its code, or the signed-in person is one of its members."""
    if team_id in session.get(_GRANTS, []):
        return True
    if current_user.is_authenticated:
        return db.session.scalar(select(LiveMember.id).where(
            LiveMember.team_id == team_id, LiveMember.user_id == current_user.id).limit(1)) is not None
    return False


def _team(team_id: int) -> LiveTeam:
    team = db.session.get(LiveTeam, team_id)
    if team is None:
        abort(404)
    if not _granted(team.id):
        abort(403)
    return team


@bp.route("/live/join", methods=["GET", "POST"])
@public
def join():
    form = JoinForm()
    if request.method == "POST":
        if _throttled():
            return render_template("contests/live/join.html", form=form, throttled=True, teams=[]), 429
        if form.validate_on_submit():
            team = live_queries.team_by_code(db.session, form.code.data)
            if team is not None and team.contest.status != "finished":
                session[_GRANTS] = [*session.get(_GRANTS, [])[-7:], team.id]
                return redirect(url_for("live.pad", team_id=team.id))
            _wrong_code()
            form.code.errors.append(_("没有找到这个队伍代码，请核对大屏幕上的代码"))
    teams = live_queries.teams_of_user(db.session, current_user.id) if current_user.is_authenticated else []
    return render_template("contests/live/join.html", form=form, throttled=False, teams=teams)


@bp.get("/live/pad/<int:team_id>")
@public
def pad(team_id: int):
    team = _team(team_id)
    return render_template("contests/live/pad.html", team=team, contest=team.contest)


@bp.get("/live/pad/<int:team_id>/state")
@public
def pad_state(team_id: int):
    stamp = live_queries.team_stamp(db.session, team_id)  # the poll's hot path: one read, no ORM objects
    if stamp is None:
        abort(404)
    if not _granted(team_id):
        abort(403)
    return _etag_response(stamp.state_version, f"t{team_id}",
                          lambda: live_queries.state_for(db.session, stamp.contest_id, "pad", utcnow(), team_id,
                                                          stamp=(stamp.state_version, stamp.screen_code)))


@bp.post("/live/pad/<int:team_id>/buzz")
@public
def buzz(team_id: int):
    arrived_at = utcnow()  # first: the order is the server's arrival, not the time the database got to it
    team = _team(team_id)
    data = request.get_json(silent=True) or {}
    try:
        row = live_services.record_buzz(db.session, team, arrived_at=arrived_at, rtt_ms=_int_or_none(data.get("rtt")))
    except live_services.LiveError as exc:
        return _error(exc)
    return jsonify(ok=True, false_start=row.is_false_start)


@bp.post("/live/pad/<int:team_id>/stake")
@public
def stake(team_id: int):
    team = _team(team_id)
    data = request.get_json(silent=True) or {}
    try:
        live_services.choose_stake(db.session, team, stake=_int_or_none(data.get("stake")) or 0, now=utcnow())
    except live_services.LiveError as exc:
        return _error(exc)
    return jsonify(ok=True)


@bp.post("/live/pad/<int:team_id>/choice")
@public
def choice(team_id: int):
    team = _team(team_id)
    data = request.get_json(silent=True) or {}
    picked = data.get("choice")
    if not isinstance(picked, list) or len(picked) > 10:
        abort(400)
    try:
        live_services.submit_choice(db.session, team, choice=[str(c)[:8] for c in picked], now=utcnow())
    except live_services.LiveError as exc:
        return _error(exc)
    return jsonify(ok=True)


@bp.post("/live/pad/<int:team_id>/ping")
@public
def ping(team_id: int):
    team = _team(team_id)
    data = request.get_json(silent=True) or {}
    live_services.ping_team(db.session, team, rtt_ms=_int_or_none(data.get("rtt")), now=utcnow())
    return jsonify(ok=True)


# ------------------------------------------------------------------ big screen


def _screen_contest(contest_id: int) -> LiveContest:
    if _throttled():
        abort(429)
    contest = live_queries.contest_by_screen_code(db.session, contest_id, request.args.get("code", ""))
    if contest is None:
        _wrong_code()
        abort(404)
    return contest


@bp.get("/<int:contest_id>/screen")
@public
def screen(contest_id: int):
    contest = _screen_contest(contest_id)
    return render_template("contests/live/screen.html", contest=contest, code=contest.screen_code)


@bp.get("/<int:contest_id>/screen/state")
@public
def screen_state(contest_id: int):
    if _throttled():
        abort(429)
    stamp = live_queries.screen_stamp(db.session, contest_id)
    if stamp is None or normalise_code(request.args.get("code", "")) != stamp.screen_code:
        _wrong_code()
        abort(404)
    return _etag_response(stamp.state_version, "s",
                          lambda: live_queries.state_for(db.session, contest_id, "screen", utcnow(), stamp=stamp))


@bp.get("/live/<int:contest_id>/screen")
@roles_required(*TRAINERS)
def screen_link(contest_id: int):
    """The trainer's way to the big screen (the code is in the address the projector opens)."""
    contest = _contest(contest_id)
    return redirect(url_for("live.screen", contest_id=contest.id, code=contest.screen_code))

