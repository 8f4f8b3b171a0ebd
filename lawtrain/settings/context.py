"""The settings in force for this request (read once per request, from the database every server shares)."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.exc import SQLAlchemyError

from lawtrain.extensions import db
from lawtrain.settings.services import OrgSettings, defaults, effective


def current() -> OrgSettings:
    if "org_settings" not in g:
        try:
            g.org_settings = effective(db.session, current_app.config)
        except SQLAlchemyError as e:
            # An error page drawn while the database is down still gets a footer (the environment's values).
            current_app.logger.warning("organisation settings unreadable, using the environment's: %s", e)
            return defaults(current_app.config)
    return g.org_settings
