"""shared storage: pending imports, uploads and the seal in the database; organisation settings

Revision ID: c23_shared_storage
Revises: b60c00eb228a
Create Date: 2026-12-07 04:30:00

Every app server must answer every request, so what one request leaves for a later one moves off the
server's disk into `stored_files`; the bureau's own settings (name, certificate prefix, base URL) get
`site_settings`. A seal uploaded before this revision (instance folder, seal.png) is moved in.
"""
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c23_shared_storage'
down_revision = 'b60c00eb228a'
branch_labels = None
depends_on = None

SEAL_TOKEN = "named-seal".ljust(24, "0")  # lawtrain.storage.services.named_token("seal")


def upgrade():
    op.create_table('site_settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_site_settings_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_site_settings'))
    )
    stored = op.create_table('stored_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('meta', sa.Text(), nullable=True),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_stored_files_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_files')),
    sa.UniqueConstraint('token', name=op.f('uq_stored_files_token'))
    )
    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_files_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stored_files_owner_id'), ['owner_id'], unique=False)

    seal = _instance_seal()
    if seal is not None:
        op.bulk_insert(stored, [{"kind": "seal", "token": SEAL_TOKEN, "owner_id": None, "expires_at": None,
                                 "created_at": datetime.now(timezone.utc).replace(tzinfo=None),
                                 "meta": "{}", "data": seal}])


def _instance_seal():
    """The seal an administrator uploaded before this revision, when migrating from the app (flask db upgrade)."""
    try:
        from flask import current_app, has_app_context
    except ImportError:  # alembic run without Flask: nothing to move
        return None
    if not has_app_context():
        return None
    path = Path(current_app.instance_path) / "seal.png"
    return path.read_bytes() if path.is_file() else None


def downgrade():
    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_files_owner_id'))
        batch_op.drop_index(batch_op.f('ix_stored_files_expires_at'))

    op.drop_table('stored_files')
    op.drop_table('site_settings')
