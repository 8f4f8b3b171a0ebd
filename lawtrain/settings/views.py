"""The administrator's organisation settings page."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lawtrain import nav
from lawtrain.auth.policy import ADMINS, roles_required
from lawtrain.auth.sessions import client_ip
from lawtrain.extensions import db
from lawtrain.settings import services
from lawtrain.settings.context import current
from lawtrain.settings.forms import SettingsForm
from lawtrain.timeutil import utcnow

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.app_context_processor
def _inject_org():
    return {"org_settings": current}


@bp.route("/", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit():
    form = SettingsForm(data=asdict(current()))
    if form.validate_on_submit():
        try:
            values = services.clean(form.org_name.data, form.cert_prefix.data, form.base_url.data)
        except services.SettingsError as e:
            getattr(form, e.field).errors.append(str(e))
        else:
            services.save_settings(db.session, values, actor=current_user, now=utcnow(), ip=client_ip())
            flash(_("单位设置已保存，所有服务器立即生效。"), "success")
            return redirect(url_for("settings.edit"))
    env = services.defaults(current_app.config)
    return render_template("settings/edit.html", form=form, env=env), 400 if form.errors else 200


nav.add_nav(_l("单位设置"), "settings.edit", ADMINS, order=95)
