"""case questions (案例分析): a question may belong to a case; a paper's item remembers the case text it showed

Revision ID: c19_case_questions
Revises: c20_online_contests

questions.case_id / questions.position: a case is a question of type "case" whose version holds the case
text; its sub-questions are ordinary questions pointing at it. attempt_questions.case_version_id: the
case's version shown above a sub-question on a paper. Every existing row keeps NULL (a question alone),
so the upgrade changes no data. SQLite adds the foreign keys by rebuilding the tables (batch mode), with
foreign keys off around the rebuild as in c16_status_checks.
"""

import sqlalchemy as sa
from alembic import op

from lawtrain.migrations.sqlite_rebuild import sqlite_foreign_keys

revision = "c19_case_questions"
down_revision = "c20_online_contests"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        sqlite_foreign_keys(bind, on=False)
    with op.batch_alter_table("questions") as batch_op:
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_questions_case_id"), ["case_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_questions_case_id_questions"), "questions", ["case_id"], ["id"])
    with op.batch_alter_table("attempt_questions") as batch_op:
        batch_op.add_column(sa.Column("case_version_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_attempt_questions_case_version_id"), ["case_version_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_attempt_questions_case_version_id_question_versions"),
                                    "question_versions", ["case_version_id"], ["id"])
    if sqlite:
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"foreign keys broken by the table rebuild: {broken[:5]}")
        sqlite_foreign_keys(bind, on=True)


def downgrade():
    with op.batch_alter_table("attempt_questions") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_attempt_questions_case_version_id_question_versions"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_attempt_questions_case_version_id"))
        batch_op.drop_column("case_version_id")
    with op.batch_alter_table("questions") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_questions_case_id_questions"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_questions_case_id"))
        batch_op.drop_column("position")
        batch_op.drop_column("case_id")
