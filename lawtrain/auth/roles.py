"""The four roles and their labels."""

from flask_babel import lazy_gettext as _l

STAFF = "staff"
TRAINER = "trainer"
LEADER = "leader"
ADMIN = "admin"
# A contest guest (企业/社区 entrant): reaches its one contest and nothing else; never granted by staff admin.
GUEST = "guest"
ALL_ROLES = (STAFF, TRAINER, LEADER, ADMIN)
ROLE_LABELS = {STAFF: _l("学员"), TRAINER: _l("培训管理员"), LEADER: _l("领导"), ADMIN: _l("系统管理员"),
               GUEST: _l("社会参赛者")}
# Spellings accepted in bulk-import files.
ROLE_ALIASES = {
    "学员": STAFF, "员工": STAFF, "staff": STAFF,
    "培训管理员": TRAINER, "培训员": TRAINER, "trainer": TRAINER,
    "领导": LEADER, "leader": LEADER,
    "系统管理员": ADMIN, "管理员": ADMIN, "admin": ADMIN,
}
