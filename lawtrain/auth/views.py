"""Sign-in, sign-out and password change pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lawtrain.auth import services
from lawtrain.auth.forms import ChangePasswordForm, LoginForm
from lawtrain.auth.policy import login_required, public
from lawtrain.auth.sessions import client_ip, current_token, login_throttle, sign_in, sign_out
from lawtrain.extensions import db
from lawtrain.timeutil import utcnow

bp = Blueprint("auth", __name__, url_prefix="/auth")


def safe_next(target: str | None) -> str | None:
    """Follow `next` only to a local path ("/x", never "//host" or "http://...")."""
    if not target:
        return None
    target = target.strip().replace("\\", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = services.authenticate(db.session, login_throttle(), form.username.data, form.password.data,
                                         ip=client_ip(), now=utcnow())
        except services.AuthError as e:
            form.password.errors.append(str(e))
        else:
            sign_in(user)
            return redirect(safe_next(form.next.data) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    sign_out()
    flash(_("您已安全退出"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(db.session, current_user, form.current.data, form.new.data,
                                     ip=client_ip(), now=utcnow(), keep_token=current_token())
        except services.AuthError as e:
            (form.current if e.field == "current" else form.new).errors.append(str(e))
        else:
            flash(_("密码已修改"), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)
