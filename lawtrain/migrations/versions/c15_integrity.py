"""Exam integrity: bank kinds and a per-person study clock.

Revision ID: c15_integrity
Revises: c21_live_contests

- banks.kind: 练习题库 (practice, the default for every existing bank) or 考试题库 (exam), with a CHECK.
- study_clocks: one row per person that every study credit locks, so parallel pages share the same seconds.

On SQLite a CHECK constraint is added by rebuilding the table (batch mode) with foreign keys off, as
c16_status_checks does; PostgreSQL adds it in place.
"""

import sqlalchemy as sa
from alembic import op

from lawtrain.migrations.sqlite_rebuild import sqlite_foreign_keys

revision = "c15_integrity"
down_revision = "c21_live_contests"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        sqlite_foreign_keys(bind, on=False)
    with op.batch_alter_table("banks") as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="practice"))
        batch_op.create_check_constraint(op.f("ck_banks_kind_valid"), "kind IN ('practice', 'exam')")
    if sqlite:
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"foreign keys broken by the table rebuild: {broken[:5]}")
        sqlite_foreign_keys(bind, on=True)
    op.create_table(
        "study_clocks",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reading_until", sa.DateTime(), nullable=True),
        sa.Column("practice_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_study_clocks_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_study_clocks")),
    )


def downgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    op.drop_table("study_clocks")
    if sqlite:
        sqlite_foreign_keys(bind, on=False)
    with op.batch_alter_table("banks") as batch_op:
        batch_op.drop_constraint(op.f("ck_banks_kind_valid"), type_="check")
        batch_op.drop_column("kind")
    if sqlite:
        sqlite_foreign_keys(bind, on=True)
