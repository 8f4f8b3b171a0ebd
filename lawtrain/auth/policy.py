"""The single declared access policy: every endpoint says which roles may call it.

`tests/web/test_route_policy.py` walks `app.url_map` and fails for any endpoint whose view
carries no policy, then checks each role gets exactly what the policy promises.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from lawtrain.auth.roles import ADMIN, LEADER, STAFF, TRAINER

PUBLIC = "public"
AUTHENTICATED = "authenticated"

# Common role sets, named for who they are.
STAFF_ONLY = (STAFF,)
TRAINERS = (TRAINER, ADMIN)
LEADERS = (LEADER, ADMIN)
TRAINERS_AND_LEADERS = (TRAINER, LEADER, ADMIN)
ADMINS = (ADMIN,)


def _unauthenticated():
    if request.path.startswith("/api/"):
        return jsonify(error=_("请先登录"), status=401), 401
    return current_app.login_manager.unauthorized()


def roles_required(*roles: str) -> Callable:
    """Allow signed-in users holding any of `roles` (no roles given: any signed-in user)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return _unauthenticated()
            if roles and not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapper.access_policy = frozenset(roles) if roles else AUTHENTICATED
        return wrapper

    return decorator


login_required = roles_required()


def public(view: Callable) -> Callable:
    """Mark a view as open to everyone, signed in or not (sign-in page, verify page, static)."""
    view.access_policy = PUBLIC
    return view


def policy_of(view: Callable) -> object:
    return getattr(view, "access_policy", None)
