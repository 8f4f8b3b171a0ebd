"""The exam JSON API (session cookie + X-CSRFToken header)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")
