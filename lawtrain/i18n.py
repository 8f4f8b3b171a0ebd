"""Locale selection: Simplified Chinese by default, English on request."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale, gettext

from lawtrain.timeutil import format_local


def select_locale() -> str:
    """?lang= overrides and is remembered in the session; otherwise zh."""
    langs = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and services run outside requests: default locale
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    wanted = request.args.get("lang")
    if wanted in langs:
        session["lang"] = wanted
        return wanted
    return session.get("lang") if session.get("lang") in langs else current_app.config["BABEL_DEFAULT_LOCALE"]


def translate(message: str, **values: object) -> str:
    """gettext in a request; the Chinese source text outside one (CLI, tests, background jobs, bench).

    Import it as `_` so that message extraction finds the calls."""
    if has_request_context():
        return gettext(message, **values)
    return message % values if values else message


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.policies["ext.i18n.trimmed"] = True
