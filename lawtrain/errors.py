"""Error pages (400/403/404/413/500/503) in the site's style; JSON for the API."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from lawtrain.extensions import db

_MESSAGES = {
    400: _l("请求无效"),
    403: _l("您没有权限访问此页面"),
    404: _l("页面不存在"),
    405: _l("不支持该请求方法"),
    409: _l("操作冲突"),
    413: _l("上传的文件过大"),
    429: _l("请求过于频繁，请稍后再试"),
    500: _l("服务器内部错误"),
    503: _l("服务暂时不可用，请稍后重试"),
}
_FALLBACK = _l("出错了")


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(code: int, detail: str | None = None):
    message = str(_MESSAGES.get(code, _FALLBACK))
    if wants_json():
        return make_response(jsonify(error=message, detail=detail, status=code), code)
    return make_response(render_template("errors/error.html", code=code, message=message, detail=detail), code)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(e):
        return _render(400, _("表单已过期或缺少安全令牌，请刷新页面后重试。"))

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):
        detail = e.description if isinstance(e.description, str) and e.code in (400, 409, 413) else None
        if e.code == 413:
            detail = _("文件大小超过上限（%(mb)s MB）。", mb=app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024))
        response = _render(e.code or 500, detail)
        if e.code == 405 and getattr(e, "valid_methods", None):
            response.headers["Allow"] = ", ".join(e.valid_methods)
        return response

    @app.errorhandler(500)
    def _internal(e):
        db.session.rollback()
        return _render(500)

    @app.errorhandler(OverflowError)
    @app.errorhandler(sa_exc.DataError)
    def _out_of_range(e):
        # A number too big for the database (a page, an id, a filter): the request is wrong, not the server.
        db.session.rollback()
        return _render(400)

    @app.errorhandler(sa_exc.OperationalError)
    @app.errorhandler(sa_exc.InterfaceError)
    def _database_unavailable(e):
        # Locked (a backup), restarting, unreachable or full: say so loudly and never acknowledge a write
        # that was not committed. Clients retry a 503; the exam page keeps the answer until it is stored.
        app.logger.warning("database unavailable: %s", str(e).splitlines()[0][:300])
        _safe_rollback()
        try:
            response = _render(503)
        except Exception:  # noqa: BLE001 - the page itself may need the database (the signed-in user's name)
            body = f"<!doctype html><html lang=\"zh\"><title>503</title><p>{_(_MESSAGES[503])}</p></html>"
            response = make_response(body, 503)
        response.headers["Retry-After"] = "5"
        return response


def _safe_rollback() -> None:
    """Roll back and drop the connection; the database may be gone, so the rollback itself may fail."""
    try:
        db.session.rollback()
    except sa_exc.SQLAlchemyError:
        pass
    try:
        db.session.close()
    except sa_exc.SQLAlchemyError:
        pass
