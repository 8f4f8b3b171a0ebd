"""Error pages (403/404/413/500) in the site's style; JSON for the API."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from lawtrain.extensions import db

_MESSAGES = {
    400: "请求无效",
    403: "您没有权限访问此页面",
    404: "页面不存在",
    405: "不支持该请求方法",
    409: "操作冲突",
    413: "上传的文件过大",
    429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误",
    503: "服务暂时不可用，请稍后重试",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(code: int, detail: str | None = None):
    message = _(_MESSAGES.get(code, "出错了"))
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
