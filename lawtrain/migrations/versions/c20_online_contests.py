"""Online knowledge contests: exams.kind (a contest's exam is hidden from exam lists) and the contest tables.

Revision ID: c20_online_contests
Revises: c24_award_certificates

Adding exams.kind with its CHECK rebuilds the exams table on SQLite: foreign keys are off around the
rebuild (as in c16_status_checks) and checked afterwards.
"""

import sqlalchemy as sa
from alembic import op

from lawtrain.migrations.sqlite_rebuild import sqlite_foreign_keys

revision = "c20_online_contests"
down_revision = "c24_award_certificates"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        sqlite_foreign_keys(bind, on=False)
    with op.batch_alter_table("exams") as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="exam"))
        batch_op.create_check_constraint(op.f("ck_exams_kind_valid"), "kind IN ('exam', 'contest')")
    if sqlite:
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"foreign keys broken by the table rebuild: {broken[:5]}")
        sqlite_foreign_keys(bind, on=True)

    op.create_table(
        "online_contests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("exam_id", sa.Integer(), sa.ForeignKey("exams.id", name=op.f("fk_online_contests_exam_id_exams")),
                  nullable=False),
        sa.Column("title", sa.String(128), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("all_staff", sa.Boolean(), nullable=False),
        sa.Column("allow_guests", sa.Boolean(), nullable=False),
        sa.Column("guest_token", sa.String(32), nullable=False),
        sa.Column("tie_break", sa.String(16), nullable=False),
        sa.Column("prize_tiers", sa.JSON(), nullable=False),
        sa.Column("min_score", sa.Float(), nullable=False),
        sa.Column("public_leaderboard", sa.Boolean(), nullable=False),
        sa.Column("participation_certificates", sa.Boolean(), nullable=False),
        sa.Column("results_published_at", sa.DateTime()),
        sa.Column("closed_at", sa.DateTime()),
        sa.Column("guests_purged_at", sa.DateTime()),
        sa.Column("created_by_id", sa.Integer(),
                  sa.ForeignKey("users.id", name=op.f("fk_online_contests_created_by_id_users"))),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'published', 'closed')", name=op.f("ck_online_contests_status_valid")),
        sa.CheckConstraint("tie_break IN ('time_submitted', 'submitted', 'time')",
                           name=op.f("ck_online_contests_tie_break_valid")),
        sa.UniqueConstraint("exam_id", name=op.f("uq_online_contests_exam_id")),
        sa.UniqueConstraint("guest_token", name=op.f("uq_online_contests_guest_token")),
    )
    op.create_index(op.f("ix_online_contests_status"), "online_contests", ["status"])
    contest_fk = lambda t: sa.ForeignKey("online_contests.id", ondelete="CASCADE",  # noqa: E731
                                         name=op.f(f"fk_{t}_contest_id_online_contests"))
    op.create_table(
        "online_contest_departments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contest_id", sa.Integer(), contest_fk("online_contest_departments"), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey(
            "departments.id", name=op.f("fk_online_contest_departments_department_id_departments")), nullable=False),
        sa.UniqueConstraint("contest_id", "department_id",
                            name=op.f("uq_online_contest_departments_contest_id_department_id")),
    )
    op.create_index(op.f("ix_online_contest_departments_contest_id"), "online_contest_departments", ["contest_id"])
    op.create_index(op.f("ix_online_contest_departments_department_id"), "online_contest_departments",
                    ["department_id"])
    op.create_table(
        "online_contest_units",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contest_id", sa.Integer(), contest_fk("online_contest_units"), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.UniqueConstraint("contest_id", "name", name=op.f("uq_online_contest_units_contest_id_name")),
    )
    op.create_index(op.f("ix_online_contest_units_contest_id"), "online_contest_units", ["contest_id"])
    op.create_table(
        "online_contest_guests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contest_id", sa.Integer(), contest_fk("online_contest_guests"), nullable=False),
        sa.Column("user_id", sa.Integer(),
                  sa.ForeignKey("users.id", name=op.f("fk_online_contest_guests_user_id_users")), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(128), nullable=False),
        sa.Column("mobile", sa.String(32), nullable=False),
        sa.Column("ip", sa.String(64)),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("purged_at", sa.DateTime()),
        sa.UniqueConstraint("contest_id", "mobile", name=op.f("uq_online_contest_guests_contest_id_mobile")),
        sa.UniqueConstraint("user_id", name=op.f("uq_online_contest_guests_user_id")),
    )
    op.create_index(op.f("ix_online_contest_guests_contest_id"), "online_contest_guests", ["contest_id"])
    op.create_table(
        "online_contest_prizes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contest_id", sa.Integer(), contest_fk("online_contest_prizes"), nullable=False),
        sa.Column("user_id", sa.Integer(),
                  sa.ForeignKey("users.id", name=op.f("fk_online_contest_prizes_user_id_users")), nullable=False),
        sa.Column("attempt_id", sa.Integer(), sa.ForeignKey(
            "attempts.id", ondelete="SET NULL", name=op.f("fk_online_contest_prizes_attempt_id_attempts"))),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("prize", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.UniqueConstraint("contest_id", "user_id", name=op.f("uq_online_contest_prizes_contest_id_user_id")),
    )
    op.create_index(op.f("ix_online_contest_prizes_user_id"), "online_contest_prizes", ["user_id"])
    op.create_index("ix_online_contest_prizes_rank", "online_contest_prizes", ["contest_id", "rank"])
    op.create_table(
        "online_contest_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contest_id", sa.Integer(), contest_fk("online_contest_entries"), nullable=False),
        sa.Column("user_id", sa.Integer(),
                  sa.ForeignKey("users.id", name=op.f("fk_online_contest_entries_user_id_users")), nullable=False),
        sa.Column("attempt_id", sa.Integer(), sa.ForeignKey(
            "attempts.id", ondelete="CASCADE", name=op.f("fk_online_contest_entries_attempt_id_attempts")),
            nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey(
            "departments.id", name=op.f("fk_online_contest_entries_department_id_departments"))),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("contest_id", "user_id", name=op.f("uq_online_contest_entries_contest_id_user_id")),
    )
    op.create_index(op.f("ix_online_contest_entries_user_id"), "online_contest_entries", ["user_id"])
    op.create_index(op.f("ix_online_contest_entries_attempt_id"), "online_contest_entries", ["attempt_id"])
    op.create_index("ix_online_contest_entries_rank", "online_contest_entries",
                    ["contest_id", "score", "seconds", "submitted_at", "attempt_id", "user_id", "department_id"])


def downgrade():
    for table in ("online_contest_entries", "online_contest_prizes", "online_contest_guests", "online_contest_units",
                  "online_contest_departments", "online_contests"):
        op.drop_table(table)
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        sqlite_foreign_keys(bind, on=False)
    with op.batch_alter_table("exams") as batch_op:
        batch_op.drop_constraint(op.f("ck_exams_kind_valid"), type_="check")
        batch_op.drop_column("kind")
    if sqlite:
        sqlite_foreign_keys(bind, on=True)
