"""Demo organisation: a bureau with departments and fixed demo accounts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lawtrain.auth.models import User
from lawtrain.auth.passwords import hash_password
from lawtrain.auth.roles import ADMIN, LEADER, STAFF, TRAINER
from lawtrain.auth.services import build_user, set_roles
from lawtrain.org.services import ensure_path

BUREAU = "区应急局"
DEPARTMENTS = ("办公室", "政策法规科", "应急指挥科", "安全生产监督管理科", "执法大队",
               "友谊路街道应急办", "顾村镇应急办")
STAFF_NAMES = (
    "张伟", "李娜", "王芳", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰", "吴霞",
    "徐强", "孙丽", "马超", "朱婷", "胡军", "郭梅", "何涛", "高燕", "林峰", "罗琳",
    "郑斌", "梁雪", "谢鹏", "宋佳", "唐亮", "许萍", "韩冰", "冯刚", "邓洁", "曹阳",
)
# (login, name, roles, department path, staff number)
FIXED_ACCOUNTS = [
    ("admin", "系统管理员", [ADMIN], BUREAU + "/办公室", "A0001"),
    ("trainer", "培训管理员", [TRAINER], BUREAU + "/政策法规科", "T0001"),
    ("leader", "局领导", [LEADER], BUREAU, "L0001"),
    ("leader2", "执法大队队长", [LEADER], BUREAU + "/执法大队", "L0002"),
] + [
    (f"staff{i:02d}", name, [STAFF], f"{BUREAU}/{DEPARTMENTS[(i - 1) % len(DEPARTMENTS)]}", f"S{i:04d}")
    for i, name in enumerate(STAFF_NAMES, start=1)
]


def seed_demo(session: Session, ctx) -> None:
    """Create what is missing; give every demo account the demo password."""
    ensure_path(session, BUREAU)
    for dept in DEPARTMENTS:
        ensure_path(session, f"{BUREAU}/{dept}")
    pw_hash = hash_password(ctx.password)
    for login, name, roles, path, staff_no in FIXED_ACCOUNTS:
        dept = ensure_path(session, path)
        user = session.scalar(select(User).where(User.username == login))
        if user is None:
            user, _ = build_user(session, username=login, display_name=name, roles=roles,
                                 department_id=dept.id, staff_no=staff_no, password_hash=pw_hash,
                                 must_change=False)
        set_roles(user, user.roles | set(roles))
        user.password_hash = pw_hash
        user.is_active_account = True
        user.must_change_password = False
        ctx.accounts.append((login, name, " / ".join(roles)))
    session.commit()
