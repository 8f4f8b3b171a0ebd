"""Flask-Login wiring: server-side sessions, forced password change, rotation on login."""

from __future__ import annotations

import os

from flask import Flask, current_app, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from lawtrain.auth import passwords, services
from lawtrain.auth.throttle import LoginThrottle, MemoryStore, make_store
from lawtrain.extensions import db, login_manager
from lawtrain.timeutil import utcnow

_SESSION_TOKEN = "sid"
# Endpoints a person who must change their password may still reach.
_PASSWORD_CHANGE_EXEMPT = {"auth.change_password", "auth.logout", "static"}


def client_ip() -> str:
    return request.remote_addr or "-"


def _warn_if_per_worker(app: Flask, store) -> None:
    """Several workers each counting in their own memory multiply the guesses allowed: say so at start-up."""
    workers = int(os.environ.get("LAWTRAIN_WORKERS", "1") or 1)
    if workers > 1 and isinstance(store, MemoryStore):
        app.logger.warning("login throttling counts in memory (%s) with %d workers: each worker counts apart, so "
                           "an attacker gets %d times the guesses; set LAWTRAIN_RATELIMIT_STORAGE=redis://…",
                           app.config["RATELIMIT_STORAGE_URI"], workers, workers)


def init_app(app: Flask) -> None:
    passwords.use_profile(app.config["PASSWORD_HASH_PROFILE"])
    store = make_store(app.config["RATELIMIT_STORAGE_URI"])
    _warn_if_per_worker(app, store)
    app.extensions["login_throttle"] = LoginThrottle(
        store,
        app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        app.config["LOGIN_THROTTLE_WINDOW"],
    )
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录")
    login_manager.localize_callback = str  # the lazy message, in the request's language, as a plain string
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # our own server-side sessions do the job

    @login_manager.user_loader
    def _load(user_id: str):
        try:
            uid = int(user_id)
        except ValueError:
            return None
        now = utcnow()
        if _idle_too_long(now):
            return None
        user = services.load_session_user(db.session, uid, session.get(_SESSION_TOKEN), now=now,
                                          max_age=app.permanent_session_lifetime)
        if user is not None:
            _mark_seen(now)
        return user

    @app.before_request
    def _force_password_change():
        if (
            current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in _PASSWORD_CHANGE_EXEMPT
        ):
            if request.path.startswith("/api/"):
                return {"error": _("请先修改初始密码"), "status": 403}, 403
            return redirect(url_for("auth.change_password"))
        return None


_SEEN = "seen"  # minute of the last request, for the idle timeout


def _idle_too_long(now) -> bool:
    """LAWTRAIN_SESSION_IDLE_MINUTES (0: none) without a request: the session has ended."""
    idle = int(current_app.config.get("LAWTRAIN_SESSION_IDLE_MINUTES", 0) or 0)
    seen = session.get(_SEEN)
    return bool(idle and isinstance(seen, int) and now.timestamp() - seen * 60 > idle * 60)


def _mark_seen(now) -> None:
    minute = int(now.timestamp() // 60)
    if session.get(_SEEN) != minute:  # re-signs the cookie at most once a minute
        session[_SEEN] = minute


def current_token() -> str | None:
    """This browser's server-side session token (kept when the other sessions are ended)."""
    return session.get(_SESSION_TOKEN)


def login_throttle() -> LoginThrottle:
    return current_app.extensions["login_throttle"]


def sign_in(user) -> None:
    """Rotate the session (a fresh cookie and CSRF secret) and open a server-side session."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    token = services.open_session(
        db.session, user, ip=client_ip(), user_agent=request.user_agent.string, now=utcnow()
    )
    session[_SESSION_TOKEN] = token
    session.permanent = True
    login_user(user)


def sign_out() -> None:
    user = current_user._get_current_object() if current_user.is_authenticated else None
    services.close_session(db.session, user, session.get(_SESSION_TOKEN), ip=client_ip(), now=utcnow())
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
