"""award certificates (获奖证书): a certificate may be earned in a contest

Revision ID: c24_award_certificates
Revises: c16_status_checks

Contests (online and live) award prizes through the certificate engine: a certificate's source may now be a
contest, named by kind and id (`award_source`, `award_source_id`; the contests area sits above certificates,
so no foreign key), with the prize and place it records. The one-source rule widens from two sources to three.
Nothing references `certificates`, so the SQLite table rebuild needs no foreign-key dance.
"""

import sqlalchemy as sa
from alembic import op

revision = "c24_award_certificates"
down_revision = "c16_status_checks"
branch_labels = None
depends_on = None

OLD_ONE_SOURCE = "(exam_id IS NULL) <> (assignment_id IS NULL)"
ONE_SOURCE = ("(CASE WHEN exam_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN assignment_id IS NULL THEN 0 ELSE 1 END)"
              " + (CASE WHEN award_source_id IS NULL THEN 0 ELSE 1 END) = 1")
AWARD_SOURCE_VALID = "award_source IS NULL OR award_source IN ('online_contest', 'live_contest')"
AWARD_SOURCE_COMPLETE = "(award_source IS NULL) = (award_source_id IS NULL)"


def upgrade():
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.add_column(sa.Column("award_source", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("award_source_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("award_prize", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("award_rank", sa.Integer(), nullable=True))
        batch_op.drop_constraint(op.f("ck_certificates_one_source"), type_="check")
        batch_op.create_check_constraint(op.f("ck_certificates_one_source"), ONE_SOURCE)
        batch_op.create_check_constraint(op.f("ck_certificates_award_source_valid"), AWARD_SOURCE_VALID)
        batch_op.create_check_constraint(op.f("ck_certificates_award_source_complete"), AWARD_SOURCE_COMPLETE)
        batch_op.create_unique_constraint(op.f("uq_certificates_user_id_award_source_award_source_id"),
                                          ["user_id", "award_source", "award_source_id"])


def downgrade():
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM certificates WHERE award_source IS NOT NULL")).scalar():
        raise RuntimeError("award certificates exist: they cannot be kept by the earlier schema")
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.drop_constraint(op.f("uq_certificates_user_id_award_source_award_source_id"), type_="unique")
        batch_op.drop_constraint(op.f("ck_certificates_award_source_complete"), type_="check")
        batch_op.drop_constraint(op.f("ck_certificates_award_source_valid"), type_="check")
        batch_op.drop_constraint(op.f("ck_certificates_one_source"), type_="check")
        batch_op.create_check_constraint(op.f("ck_certificates_one_source"), OLD_ONE_SOURCE)
        batch_op.drop_column("award_rank")
        batch_op.drop_column("award_prize")
        batch_op.drop_column("award_source_id")
        batch_op.drop_column("award_source")
