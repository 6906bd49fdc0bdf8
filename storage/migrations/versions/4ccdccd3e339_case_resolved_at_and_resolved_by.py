"""case: when and by whom it was marked resolved (the console's 求助 inbox)

Revision ID: 4ccdccd3e339
Revises: 279ba37a6beb
Create Date: 2026-12-03 10:46:47.578086
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models


revision = '4ccdccd3e339'
down_revision = '279ba37a6beb'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolved_at', storage.models.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resolved_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_case_resolved_by_id_person'), 'person', ['resolved_by_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_case_resolved_by_id_person'), type_='foreignkey')
        batch_op.drop_column('resolved_by_id')
        batch_op.drop_column('resolved_at')
