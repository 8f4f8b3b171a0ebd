"""Each role's home page is assembled from the panels other blueprints register."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import text

from lawtrain import nav
from lawtrain.auth.policy import login_required, public
from lawtrain.auth.roles import ADMIN, LEADER, ROLE_LABELS, STAFF, TRAINER
from lawtrain.extensions import db
from lawtrain.timeutil import utcnow

bp = Blueprint("main", __name__)

# The role whose home a person with several roles lands on, most privileged first.
HOME_ORDER = (ADMIN, TRAINER, LEADER, STAFF)


@bp.app_context_processor
def _inject_nav():
    if current_user.is_authenticated:
        return {"nav_items": nav.nav_for(current_user.roles), "role_labels": ROLE_LABELS}
    return {"nav_items": [], "role_labels": ROLE_LABELS}


@bp.route("/")
@login_required
def home():
    role = next((r for r in HOME_ORDER if current_user.has_role(r)), STAFF)
    return redirect(url_for("main.role_home", role=role))


@bp.route("/home/<role>")
@login_required
def role_home(role: str):
    if role not in HOME_ORDER or not current_user.has_role(role):
        abort(404)
    now = utcnow()
    panels = [(p.template, p.context(db.session, current_user, now)) for p in nav.panels_for(role)]
    return render_template("main/role_home.html", role=role, panels=panels)


@bp.route("/lang/<code>")
@public
def set_language(code: str):
    """Remember the interface language in the session cookie; redirect only to local paths."""
    from lawtrain.auth.views import safe_next

    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next")) or url_for("main.home"))


@bp.route("/api/me")
@login_required
def me():
    """Who is signed in (also the framework floor for the benchmarks: one authenticated JSON read)."""
    return {"id": current_user.id, "username": current_user.username, "display_name": current_user.display_name,
            "roles": sorted(current_user.roles)}


@bp.route("/favicon.ico")
@public
def favicon():
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.route("/healthz")
@public
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


nav.add_nav(_l("首页"), "main.home", {STAFF, TRAINER, LEADER, ADMIN}, order=0)
