"""Wiring of online contests: blueprints, the guest guard, CLI commands, demo seeder, listeners."""

from __future__ import annotations

import click
from flask import Flask, abort, current_app, jsonify, redirect, request, url_for
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_login import current_user

from lawtrain.auth.policy import PUBLIC, policy_of
from lawtrain.auth.roles import GUEST
from lawtrain.exams.models import ExamKind

# What a guest account may reach: its contest's pages (each view checks it is theirs) and the exam engine's
# pages and API for its own papers (own_attempt / visible_exam check that). Everything else is 403.
GUEST_ENDPOINTS = frozenset({
    "online_contests.intro", "online_contests.enter", "online_contests.result", "online_contests.leaderboard",
    "online_contests.results", "online_contests.guest", "online_contests_api.api_list",
    "online_contests_api.api_leaderboard", "exams.take", "exams.take_form", "exams.result", "api.start", "api.save",
    "api.submit", "api.attempt_status", "api.focus_event", "auth.logout", "auth.login", "main.set_language",
    "static", "main.me", "certificates.download", "certificates.verify",
})


def _guard_guests():
    if not (current_user.is_authenticated and current_user.has_role(GUEST)) or request.endpoint in GUEST_ENDPOINTS:
        return None
    if policy_of(current_app.view_functions.get(request.endpoint)) == PUBLIC:  # sign-in page, verify page…
        return None
    if request.endpoint in ("main.home", "main.role_home", "online_contests.index"):
        from lawtrain.contests.online_services import guest_contest
        from lawtrain.extensions import db

        contest = guest_contest(db.session, current_user)
        if contest is not None:
            return redirect(url_for("online_contests.intro", contest_id=contest.id))
    if request.path.startswith("/api/"):
        return jsonify(error=_("无权访问"), status=403), 403
    abort(403)


def _sweep(_sender, *, session, now):
    from lawtrain.contests.online_services import close_overdue_contests

    closed = close_overdue_contests(session, now)
    return f"已结束 {len(closed)} 场网络竞赛并评奖 (closed {len(closed)} online contests)" if closed else None


@click.command("purge-contest-guests")
@click.argument("contest_id", type=int)
@with_appcontext
def purge_guests_command(contest_id: int) -> None:
    """Erase the guests' personal data of a closed contest (names masked, numbers removed; audited)."""
    from lawtrain.cli import fail
    from lawtrain.contests.online_models import OnlineContest
    from lawtrain.contests.online_services import ContestError, purge_guests
    from lawtrain.extensions import db
    from lawtrain.timeutil import utcnow

    contest = db.session.get(OnlineContest, contest_id)
    if contest is None:
        fail(f"竞赛 {contest_id} 不存在")
    try:
        n = purge_guests(db.session, contest, actor=None, now=utcnow())
    except ContestError as e:
        fail(str(e))
    click.echo(f"已清除竞赛“{contest.title}”{n} 名社会参赛者的个人信息")


def register(app: Flask) -> None:
    from lawtrain import signals
    from lawtrain.contests import online_demo, online_services, online_views
    from lawtrain.demo import add_seeder
    from lawtrain.exams.views import RESULT_PAGES

    app.register_blueprint(online_views.bp)
    app.register_blueprint(online_views.api_bp)
    app.before_request(_guard_guests)
    app.cli.add_command(purge_guests_command)
    add_seeder(app, online_demo.seed_demo)
    RESULT_PAGES[ExamKind.CONTEST] = online_views.contest_result_url
    signals.overdue_sweep.connect(_sweep)
    signals.attempt_graded.connect(online_services.on_attempt_graded)
