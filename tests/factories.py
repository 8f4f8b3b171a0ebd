"""Plain make_*(session, **overrides) factories for tests."""

from __future__ import annotations

import itertools

from lawtrain.auth.models import User
from lawtrain.auth.passwords import hash_password
from lawtrain.auth.services import set_roles
from lawtrain.org.models import Department
from lawtrain.org.services import add_department, ensure_path

PASSWORD = "secret-pass-1"
_counter = itertools.count(1)
_hash_cache: dict[str, str] = {}


def _hash(password: str) -> str:
    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    return _hash_cache[password]


def make_department(session, name: str | None = None, parent: Department | None = None, path: str | None = None):
    if path:
        dept = ensure_path(session, path)
    else:
        dept = add_department(session, name or f"部门{next(_counter)}", parent)
    session.commit()
    return dept


def make_user(session, roles=("staff",), department: Department | None = None, password: str = PASSWORD,
              **overrides) -> User:
    n = next(_counter)
    fields = dict(username=f"user{n}", display_name=f"测试{n}", staff_no=f"T{n:05d}",
                  must_change_password=False, is_active_account=True)
    fields.update(overrides)
    user = User(password_hash=_hash(password), department_id=department.id if department else None, **fields)
    set_roles(user, roles)
    session.add(user)
    session.commit()
    return user
