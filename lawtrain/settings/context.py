"""The settings in force for this request (read once per request, from the database every server shares)."""

from __future__ import annotations

from flask import current_app, g

from lawtrain.extensions import db
from lawtrain.settings.services import OrgSettings, effective


def current() -> OrgSettings:
    if "org_settings" not in g:
        g.org_settings = effective(db.session, current_app.config)
    return g.org_settings
