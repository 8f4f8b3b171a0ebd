"""Account use cases: sign in, sessions, passwords, creating and changing users."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from lawtrain.auth import audit, names, passwords
from lawtrain.auth.models import User, UserRole, UserSession
from lawtrain.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, random_password, verify_password
from lawtrain.auth.roles import ALL_ROLES
from lawtrain.auth.throttle import LoginThrottle
from lawtrain.timeutil import utcnow


class AuthError(Exception):
    """A use case refused; the message (translated when shown) is for the person, `field` names the form field."""

    def __init__(self, message: object, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class LoginThrottled(AuthError):
    pass


_LOGIN_RE = re.compile(r"^[\w.@-]{2,64}$")


def normalize_login(raw: str) -> str:
    """NFKC, trimmed, case-folded: the one key under which a login name is unique."""
    return unicodedata.normalize("NFKC", raw or "").strip().casefold()


def validate_login(login: str) -> str:
    login = normalize_login(login)
    if not _LOGIN_RE.match(login):
        raise AuthError(_l("登录名只能包含字母、数字、下划线、点、@ 和 -，长度 2–64"), "username")
    return login


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(_("密码至少 %(n)d 位", n=MIN_PASSWORD_LENGTH), "password")
    if password.isdigit() or password.isalpha():
        raise AuthError(_l("密码须同时包含字母和数字"), "password")


def login_skeletons(session: Session) -> dict[str, str]:
    """Every account's login name by its look-alike skeleton (auth.names)."""
    return {names.skeleton(u): u for u in session.scalars(select(User.username).order_by(User.id))}


def find_user(session: Session, login: str) -> User | None:
    return session.scalar(select(User).where(User.username == normalize_login(login)))


def authenticate(
    session: Session, throttle: LoginThrottle, login: str, password: str, *, ip: str, now: datetime
) -> User:
    """Check a sign-in; count failures; raise AuthError with a message that never says which part was wrong."""
    key = normalize_login(login)
    if throttle.is_blocked(key, ip):
        audit.record(session, "login_throttled", target_type="user", target_id=key, ip=ip, now=now)
        session.commit()
        raise LoginThrottled(_l("登录失败次数过多，请稍等片刻再试"))
    user = find_user(session, key)
    # Unknown names cost the same hash as known ones: the time taken does not tell which names exist.
    checked = verify_password(user.password_hash if user is not None else passwords.dummy_hash(), password)
    if user is None or not user.is_active_account or not checked:
        throttle.failed(key, ip, known=user is not None)
        audit.record(session, "login_failed", target_type="user", target_id=key, ip=ip, now=now)
        session.commit()
        raise AuthError(_l("登录名或密码错误"))
    throttle.succeeded(key, ip)
    user.last_login_at = now
    audit.record(session, "login", actor=user, target_type="user", target_id=user.id, ip=ip, now=now)
    session.commit()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user: User, *, ip: str | None, user_agent: str | None, now: datetime) -> str:
    """Create a server-side session row; return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(token_hash=_token_hash(token), user_id=user.id, created_at=now, ip=ip,
                    user_agent=(user_agent or "")[:255])
    )
    session.commit()
    return token


@functools.cache
def _session_user_select():
    """Built once: every request runs it, and building an ORM statement costs more than running it."""
    return (
        select(User)
        .options(joinedload(User.role_rows))  # one statement per request, roles included
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            User.id == bindparam("user_id"),
            UserSession.token_hash == bindparam("token_hash"),
            UserSession.revoked_at.is_(None),
            UserSession.created_at > bindparam("opened_after"),  # the absolute limit: re-signing cannot extend it
            User.is_active_account.is_(True),
        )
    )


def load_session_user(session: Session, user_id: int, token: str | None, *, now: datetime | None = None,
                      max_age: timedelta = timedelta(hours=12)) -> User | None:
    """The user behind a cookie, only while that session is open, younger than `max_age` since sign-in (however
    often the cookie was re-signed since), and the account active."""
    if not token:
        return None
    opened_after = (now or utcnow()) - max_age
    return session.scalars(_session_user_select(), {"user_id": user_id, "token_hash": _token_hash(token),
                                                    "opened_after": opened_after}).unique(
    ).one_or_none()  # every row read: a person with several roles gets all of them


def close_session(session: Session, user: User | None, token: str | None, *, ip: str | None, now: datetime) -> None:
    if token:
        session.execute(
            update(UserSession).where(UserSession.token_hash == _token_hash(token)).values(revoked_at=now)
        )
    if user is not None:
        audit.record(session, "logout", actor=user, target_type="user", target_id=user.id, ip=ip, now=now)
    session.commit()


def _revoke_all_sessions(session: Session, user: User, now: datetime) -> None:
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def change_password(session: Session, user: User, current: str, new: str, *, ip: str | None, now: datetime,
                    keep_token: str | None = None) -> None:
    """Change one's own password; every other open session of the account ends (ASVS 7.4.3): a session
    stolen before the change does not survive it. The session with `keep_token` stays signed in."""
    if not verify_password(user.password_hash, current):
        raise AuthError(_l("当前密码不正确"), "current")
    if new == current:
        raise AuthError(_l("新密码不能与当前密码相同"), "new")
    validate_password(new)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    others = update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep_token:
        others = others.where(UserSession.token_hash != _token_hash(keep_token))
    session.execute(others.values(revoked_at=now))
    audit.record(session, "password_changed", actor=user, target_type="user", target_id=user.id, ip=ip, now=now)
    session.commit()


def set_roles(user: User, roles: Iterable[str]) -> None:
    wanted = set(roles)
    unknown = wanted - set(ALL_ROLES)
    if unknown:
        raise AuthError(_("未知角色：%(roles)s", roles="、".join(sorted(unknown))), "roles")
    if not wanted:
        raise AuthError(_l("至少需要一个角色"), "roles")
    user.role_rows = [r for r in user.role_rows if r.role in wanted]
    have = user.roles
    user.role_rows.extend(UserRole(role=r) for r in sorted(wanted - have))


def build_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    roles: Iterable[str],
    department_id: int | None = None,
    staff_no: str | None = None,
    password: str | None = None,
    must_change: bool | None = None,
    password_hash: str | None = None,
) -> tuple[User, str]:
    """Validate and add a new user (not committed); returns the user and the initial password."""
    login = validate_login(username)
    if find_user(session, login) is not None:
        raise AuthError(_("登录名“%(login)s”已存在", login=login), "username")
    twin = names.lookalike_of(login, login_skeletons(session))
    if twin is not None:
        raise AuthError(_("登录名“%(login)s”与已有账号“%(other)s”形近，容易混淆，请换一个", login=login, other=twin),
                        "username")
    staff_no = (staff_no or "").strip() or None
    if staff_no and session.scalar(select(User.id).where(User.staff_no == staff_no)):
        raise AuthError(_("工号“%(no)s”已存在", no=staff_no), "staff_no")
    display_name = (display_name or "").strip()
    if not display_name:
        raise AuthError(_l("姓名不能为空"), "display_name")
    initial = "" if password_hash else (password or random_password())
    if password:
        validate_password(password)
    user = User(
        username=login, display_name=display_name[:64], staff_no=staff_no, department_id=department_id,
        password_hash=password_hash or hash_password(initial),
        must_change_password=(password is None) if must_change is None else must_change,
    )
    set_roles(user, roles)
    session.add(user)
    return user, initial


def create_user(
    session: Session, *, actor: User | None, ip: str | None = None, now: datetime, **fields
) -> tuple[User, str]:
    user, initial = build_user(session, **fields)
    session.flush()
    audit.record(session, "user_created", actor=actor, target_type="user", target_id=user.id, ip=ip, now=now,
                 username=user.username, roles=sorted(user.roles))
    session.commit()
    return user, initial


def reset_password(session: Session, user: User, *, actor: User, ip: str | None, now: datetime) -> str:
    """Give a user a new random password they must change; end their sessions."""
    initial = random_password()
    user.password_hash = hash_password(initial)
    user.must_change_password = True
    _revoke_all_sessions(session, user, now)
    audit.record(session, "password_reset", actor=actor, target_type="user", target_id=user.id, ip=ip, now=now)
    session.commit()
    return initial


def set_active(session: Session, user: User, active: bool, *, actor: User, ip: str | None, now: datetime) -> None:
    """Activate or deactivate an account; deactivation ends every open session at once."""
    if actor.id == user.id and not active:
        raise AuthError(_l("不能停用自己的账号"))
    user.is_active_account = active
    if not active:
        _revoke_all_sessions(session, user, now)
    audit.record(session, "user_activated" if active else "user_deactivated", actor=actor,
                 target_type="user", target_id=user.id, ip=ip, now=now)
    session.commit()


def update_user(
    session: Session, user: User, *, actor: User, ip: str | None, now: datetime,
    display_name: str, staff_no: str | None, department_id: int | None, roles: Iterable[str],
) -> None:
    """Edit a user's details, roles and department; each change is audited."""
    roles = set(roles)
    staff_no = (staff_no or "").strip() or None
    if staff_no and session.scalar(select(User.id).where(User.staff_no == staff_no, User.id != user.id)):
        raise AuthError(_("工号“%(no)s”已存在", no=staff_no), "staff_no")
    if actor.id == user.id and "admin" in user.roles and "admin" not in roles:
        raise AuthError(_l("不能移除自己的系统管理员角色"), "roles")
    changes: dict[str, object] = {}
    if roles != user.roles:
        changes["roles"] = [sorted(user.roles), sorted(roles)]
        set_roles(user, roles)
    if department_id != user.department_id:
        changes["department"] = [user.department_id, department_id]
        user.department_id = department_id
    if (display_name or "").strip() and display_name.strip() != user.display_name:
        changes["display_name"] = [user.display_name, display_name.strip()]
        user.display_name = display_name.strip()[:64]
    if staff_no != user.staff_no:
        changes["staff_no"] = [user.staff_no, staff_no]
        user.staff_no = staff_no
    if changes:
        audit.record(session, "user_changed", actor=actor, target_type="user", target_id=user.id, ip=ip,
                     now=now, **changes)
    session.commit()
