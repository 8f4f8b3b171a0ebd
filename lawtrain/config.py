"""Configuration defaults and environment overrides."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from lawtrain.proxy import proxy_hops
from lawtrain.workers import default_worker_count  # noqa: F401 (re-exported)


def _instance_secret(instance_path: str) -> str:
    """Read the development secret key kept in instance/, creating it once."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load_config(app, test_config: dict | None) -> None:
    """Fill app.config from defaults, the environment and test_config (in that order)."""
    instance = app.instance_path
    os.makedirs(instance, exist_ok=True)
    env = os.environ
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=env.get("DATABASE_URL")
        or "sqlite:///" + os.path.join(instance, "lawtrain.db"),
        SQLALCHEMY_ENGINE_OPTIONS={},
        MAX_CONTENT_LENGTH=int(env.get("LAWTRAIN_MAX_UPLOAD_MB", "16")) * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=env.get("LAWTRAIN_SECURE_COOKIES") == "1",
        SESSION_COOKIE_NAME="lawtrain_session",
        PERMANENT_SESSION_LIFETIME=12 * 3600,  # also enforced on the server from sign-in (auth.sessions)
        LAWTRAIN_SESSION_IDLE_MINUTES=int(env.get("LAWTRAIN_SESSION_IDLE_MINUTES", "120")),  # 0: no idle limit
        # The cookie is not re-signed on every response (the hot answer-save path stays lean).
        SESSION_REFRESH_EACH_REQUEST=False,
        # Behind nginx: how many proxy hops to trust for the client address and scheme (throttling, audit log).
        LAWTRAIN_PROXY_HOPS=proxy_hops(env),
        # CSRF tokens live as long as the session so a long exam never loses its token.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_ENABLED=True,
        BABEL_DEFAULT_LOCALE="zh",
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        LANGUAGES=["zh", "en"],
        LAWTRAIN_DEMO=env.get("LAWTRAIN_DEMO", "1") != "0",
        LAWTRAIN_LAWS_DIR=env.get("LAWTRAIN_LAWS_DIR", ""),
        # Organisation settings: these are the fallbacks; what an administrator saves (settings page or
        # `flask configure`) wins. Unset and LAWTRAIN_DEMO off: no name, prefix "LT" (lawtrain.settings).
        LAWTRAIN_ORG_NAME=env.get("LAWTRAIN_ORG_NAME", ""),
        LAWTRAIN_CERT_PREFIX=env.get("LAWTRAIN_CERT_PREFIX", ""),
        LAWTRAIN_CERT_VALID_YEARS=int(env.get("LAWTRAIN_CERT_VALID_YEARS", "3")),
        LAWTRAIN_CJK_FONT=env.get("LAWTRAIN_CJK_FONT", ""),
        LAWTRAIN_SEAL_IMAGE=env.get("LAWTRAIN_SEAL_IMAGE", ""),
        LAWTRAIN_BASE_URL=env.get("LAWTRAIN_BASE_URL", ""),
        LAWTRAIN_SAVE_GRACE_SECONDS=int(env.get("LAWTRAIN_SAVE_GRACE_SECONDS", "60")),
        # Weak-article cells below this many answers, or from fewer people, are 样本不足 (never 薄弱).
        LAWTRAIN_WEAK_MIN_ANSWERS=int(env.get("LAWTRAIN_WEAK_MIN_ANSWERS", "10")),
        LAWTRAIN_WEAK_MIN_PEOPLE=int(env.get("LAWTRAIN_WEAK_MIN_PEOPLE", "5")),
        # …and 薄弱 only when the Wilson 95 % upper bound of its correct rate (percent) is below this.
        LAWTRAIN_WEAK_THRESHOLD=float(env.get("LAWTRAIN_WEAK_THRESHOLD", "60")),
        # Login throttling: "memory://" for one process, "redis://host:port/db" shared by workers.
        RATELIMIT_STORAGE_URI=env.get("LAWTRAIN_RATELIMIT_STORAGE", "auto"),  # auto: local Redis if it answers
        LOGIN_MAX_FAILURES_PER_ACCOUNT=int(env.get("LAWTRAIN_LOGIN_MAX_ACCOUNT", "5")),
        # failures against existing accounts only: a hall of 200 behind one NAT address mistypes far less
        LOGIN_MAX_FAILURES_PER_ADDRESS=int(env.get("LAWTRAIN_LOGIN_MAX_ADDRESS", "1000")),
        LOGIN_THROTTLE_WINDOW=int(env.get("LAWTRAIN_LOGIN_WINDOW", "900")),
        PASSWORD_HASH_PROFILE=env.get("LAWTRAIN_PASSWORD_PROFILE", "default"),
    )
    app.config["SECRET_KEY"] = env.get("SECRET_KEY") or _instance_secret(instance)
    if test_config:
        app.config.update(test_config)
