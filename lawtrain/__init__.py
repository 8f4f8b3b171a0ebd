"""LawTrain: legal-literacy training and exams for public servants."""

from __future__ import annotations

import os

from flask import Flask, request

from lawtrain.config import load_config
from lawtrain.extensions import babel, csrf, db, login_manager, migrate
from lawtrain.sqlite_writes import begin_writing, configure_sqlite, sqlite_write_intent

_ROOT = os.path.dirname(os.path.abspath(__file__))


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: config, extensions, then every area (lawtrain.areas). Wiring only."""
    from lawtrain import areas, assets, cli, errors, i18n, models, proxy, security  # noqa: F401 (models: full metadata)
    from lawtrain.auth import sessions

    app = Flask(
        __name__,
        template_folder=os.path.join(_ROOT, os.pardir, "templates"),
        instance_path=os.environ.get("LAWTRAIN_INSTANCE", os.path.join(_ROOT, os.pardir, "instance")),
    )
    load_config(app, test_config)
    proxy.init_app(app)
    _configure_engine(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(_ROOT, "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=lambda: "Asia/Shanghai")
    with app.app_context():
        db_is_sqlite = db.engine.dialect.name == "sqlite"
        if db_is_sqlite:
            configure_sqlite(db.engine)

    # SQLite has one writer at a time. A request that may write reads the signed-in user in a short read
    # transaction first (the loader in sessions.init_app), then takes the write lock (BEGIN IMMEDIATE: it
    # queues on the busy timeout rather than failing on a lock upgrade), so the lock covers the view's own
    # work and nothing else. The intent is reset first thing: a contextvar outlives the worker's previous request.
    @app.before_request
    def _read_first():
        sqlite_write_intent.set(False)

    sessions.init_app(app)

    if db_is_sqlite:
        @app.before_request
        def _then_write():
            view = app.view_functions.get(request.endpoint)
            if request.method not in ("GET", "HEAD", "OPTIONS") and not getattr(view, "begins_writing_itself", False):
                begin_writing(db.session())

    security.init_app(app)
    assets.init_app(app)
    errors.init_app(app)
    i18n.init_app(app)

    cli.init_app(app)
    areas.register_all(app)
    return app


def _configure_engine(app: Flask) -> None:
    """Engine options per dialect: SQLite timeouts, PostgreSQL pool sizes."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    opts = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("postgres://"):
        uri = "postgresql+psycopg://" + uri[len("postgres://"):]
    elif uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri[len("postgresql://"):]
    if uri.startswith("sqlite"):
        opts.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
    else:
        opts.setdefault("pool_size", int(os.environ.get("LAWTRAIN_DB_POOL_SIZE", "5")))
        opts.setdefault("max_overflow", int(os.environ.get("LAWTRAIN_DB_MAX_OVERFLOW", "5")))
        opts.setdefault("pool_pre_ping", True)
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = opts
