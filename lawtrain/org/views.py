"""Administration: users, departments, bulk staff import, audit log."""

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from lawtrain import nav
from lawtrain.auth.policy import ADMINS, roles_required

bp = Blueprint("org", __name__, url_prefix="/admin")


@bp.route("/")
@roles_required(*ADMINS)
def index():
    return render_template("org/index.html")


nav.add_nav(_l("系统管理"), "org.index", ADMINS, order=90)
