"""Locale selection: Simplified Chinese by default, English on request."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale, gettext

from lawtrain import display
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


def study_time(seconds: int | float | None) -> str:
    """Study time in the one format every page uses (display.study_time_text), units translated."""
    return display.study_time_text(seconds, translate("%(n)s 小时"), translate("%(n)s 分钟"))


def article(number) -> str:
    """An article as the official text writes it (第七十二条); "Art. 72" in English."""
    if has_request_context() and str(get_locale()) == "en":
        return translate("第%(n)s条", n=number)
    return display.article_label(number)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = format_local
    # One reading of numbers on every page: 8%, 30 分, 1.5 小时, 第七十二条.
    app.jinja_env.filters["pct"] = display.percent
    app.jinja_env.filters["score"] = display.score_text
    app.jinja_env.filters["study_time"] = study_time
    app.jinja_env.filters["article"] = article
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.policies["ext.i18n.trimmed"] = True
