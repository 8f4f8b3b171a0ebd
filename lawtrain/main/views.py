"""Each role's home page is assembled from the panels other blueprints register."""

from __future__ import annotations

from functools import cache

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError

from lawtrain import nav
from lawtrain.auth.policy import login_required, public
from lawtrain.auth.roles import ADMIN, LEADER, ROLE_LABELS, STAFF, TRAINER
from lawtrain.extensions import db
from lawtrain.timeutil import utcnow

bp = Blueprint("main", __name__)
bp.add_app_template_global(nav.admin_pages, "admin_pages")  # the 系统管理 tabs other areas add

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
    """For monitoring: 200 when this server reaches the database and the schema is the one its code expects
    (`flask db upgrade` was run), else 503 with what is wrong. Reads only; no session, no login."""
    try:
        revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() \
            if inspect(db.engine).has_table("alembic_version") else None
    except SQLAlchemyError as e:
        db.session.rollback()
        current_app.logger.error("healthz: database unreachable: %s", e)
        return {"status": "error", "database": "unreachable"}, 503
    expected = _schema_head()
    if revision is not None and revision != expected:
        return {"status": "error", "database": "ok", "schema": revision, "expected": expected}, 503
    return {"status": "ok", "database": "ok", "schema": revision or "unversioned"}


@cache
def _schema_head() -> str:
    """The newest migration this code ships (read once per process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", current_app.extensions["migrate"].directory)
    return ScriptDirectory.from_config(config).get_current_head()


nav.add_nav(_l("首页"), "main.home", {STAFF, TRAINER, LEADER, ADMIN}, order=0)
